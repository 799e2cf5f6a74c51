/*
 * emit_cfn.h — the SageMaker project template (the Service Catalog product's
 * CloudFormation template): build it as a jansson tree from the checked spec,
 * check it, and write it as YAML or JSON.
 *
 * Place in the compiler: spec_model → emit_cfn_build → (tree) → emit_cfn_yaml /
 * emit_cfn_json → build/template.yaml. The tree keeps every intrinsic function
 * in its long form ({"Ref": x}, {"Fn::Sub": ...}); the YAML writer turns them
 * back into short tags (!Ref, !Sub, !GetAtt a.b, ...).
 *
 * What is generated mirrors the AWS-provided "model building and training"
 * SageMaker project template: the artifacts bucket, the CodeCommit repository
 * seeded from the seed-code zip, an EventBridge rule on the spec's branch, the
 * CodeBuild project that runs codebuild-buildspec.yml and the CodePipeline
 * (Source and Build stages), using the SageMaker Service Catalog products
 * roles by ARN. The spec's `template:` section is merged in (see spec/README.md).
 */
#ifndef FCC_EMIT_CFN_H
#define FCC_EMIT_CFN_H

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "diag.h"
#include "spec_model.h"

/* Logical ids of the generated resources (stable: overrides name them). */
#define EMIT_CFN_BUCKET "MlOpsArtifactsBucket"
#define EMIT_CFN_REPO "ModelBuildCodeCommitRepository"
#define EMIT_CFN_RULE "ModelBuildCodeCommitEventRule"
#define EMIT_CFN_BUILD "SageMakerModelPipelineBuildProject"
#define EMIT_CFN_PIPELINE "ModelBuildPipeline"

/* CloudFormation quotas the checks enforce
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
#define EMIT_CFN_MAX_BODY 51200u       /* TemplateBody: above this, warn (upload by URL) */
#define EMIT_CFN_MAX_URL_BODY 1000000u /* TemplateURL: above this, error */
#define EMIT_CFN_MAX_RESOURCES 500
#define EMIT_CFN_MAX_PARAMETERS 200
#define EMIT_CFN_MAX_OUTPUTS 200

typedef struct emit_cfn_input {
	const spec_model *model;     /* borrowed; model->template_ may be NULL */
	const char *seed_key;        /* S3 key of the seed zip: "<prefix>/seedcode/<sha256>.zip" */
	const char *pipeline_module; /* NULL: model->pipeline.module.s */
} emit_cfn_input;

/* Build the template and check it. On FCC_OK *out is a new tree owned by the
 * caller (json_decref). Problems in the spec's template section (a clash with
 * a generated logical id, an override of an unknown logical id or one that
 * does not fit, a Ref / Fn::GetAtt / Fn::Sub variable / DependsOn / condition
 * that resolves to nothing, a dependency cycle, a parameter Default that fails
 * its AllowedPattern, AllowedValues or length, a name that can exceed its
 * service's limit, a template over CloudFormation's quotas) go to `d` with the
 * span of the spec text that caused them, or with no span and the resource
 * named for fcc's own part. Returns FCC_OK (warnings may have been reported),
 * FCC_ECHECK when errors were reported (*out is NULL), FCC_ENOMEM, or
 * FCC_ERROR for bad input (missing seed key; `e` says why). *out is NULL on
 * every failure. */
int emit_cfn_build(json_t **out, const emit_cfn_input *in, diag_sink *d, fcc_err *e);

/* Convert one spec AST node written in CloudFormation's language to a tree
 * with long-form intrinsics, the way emit_cfn_build reads the spec's
 * `template:` section: short tags become {"Ref": x}, {"Fn::GetAtt": [a, b]},
 * {"Fn::Sub": ...}, ...; plain scalars that the YAML 1.2 core schema reads as
 * null, booleans, integers or floats become those, everything else a string.
 * On FCC_OK *out is a new tree (caller json_decref); FCC_ENOMEM otherwise. */
int emit_cfn_from_node(json_t **out, const spec_node *n, fcc_err *e);

/* Append the template as YAML to `out`: block style, short-form tags for
 * intrinsics (!Ref, !Sub, !GetAtt Res.Attr, !Join, ...), keys in the tree's
 * order, strings quoted only where a YAML 1.1 or 1.2 reader would otherwise
 * take them for something else. Byte-identical for identical trees. Returns
 * FCC_OK, FCC_ENOMEM, FCC_EIO (the buffer's cap), or FCC_ERROR (libyaml's
 * emitter refused; `e` says why). On failure `out` may hold a partial text. */
int emit_cfn_yaml(fcc_buf *out, const json_t *tmpl, fcc_err *e);

/* Append the template as JSON to `out`: 2-space indent, keys in the tree's
 * order, a final newline. Returns FCC_OK, FCC_ENOMEM or FCC_EIO. */
int emit_cfn_json(fcc_buf *out, const json_t *tmpl, fcc_err *e);

#endif
