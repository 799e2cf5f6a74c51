/*
 * emit_stack.h — the CloudFormation stacks fcc itself owns (as opposed to the
 * Service Catalog product's template, emit_cfn.h). Today one: the artifacts
 * bucket, when the spec says `artifacts.create_bucket: true`.
 *
 * Place in the compiler: spec_model → emit_stack_artifacts (jansson tree) →
 * emit_cfn_yaml (the product template's YAML writer) → build/stacks/
 * artifacts.yaml, listed in the manifest's `stacks` array (emit_manifest.c).
 * The runtime deploys it through change sets (runtime/cfn_deploy.h).
 */
#ifndef FCC_EMIT_STACK_H
#define FCC_EMIT_STACK_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "spec_model.h"

/* CloudFormation's stack-name rule: [a-zA-Z][-a-zA-Z0-9]*, at most 128
 * characters (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html). */
#define EMIT_STACK_NAME_MAX 128
/* The artifacts stack's purpose (manifest stacks[].purpose), path in the
 * build directory and the bucket's logical id. */
#define EMIT_STACK_ARTIFACTS_PURPOSE "artifacts-bucket"
#define EMIT_STACK_ARTIFACTS_PATH "stacks/artifacts.yaml"
#define EMIT_STACK_ARTIFACTS_BUCKET "ArtifactsBucket"

/* "fcc-<project>[-<env>]-artifacts" into `out` (NUL-terminated, truncated to
 * `cap`). Returns the full length it needs (without the NUL), like snprintf. */
size_t emit_stack_artifacts_name(char *out, size_t cap, const char *project, const char *env);

/* The artifacts stack's template: one AWS::S3::Bucket named
 * artifacts.bucket, DeletionPolicy and UpdateReplacePolicy Retain, SSE-S3,
 * every public-access block, BucketOwnerEnforced, versioning, fcc's tags
 * (the project's tags plus fcc:project), and the bucket's name and ARN as
 * outputs. Deterministic. On FCC_OK *out is a new tree (caller decrefs);
 * FCC_ENOMEM otherwise (*out NULL). */
int emit_stack_artifacts(json_t **out, const spec_model *m, fcc_err *e);

#endif
