/*
 * emit_stack.c — the templates of the stacks fcc owns (see emit_stack.h).
 *
 * Built as a jansson tree in the key order the YAML writer keeps, so the
 * file reads like a hand-written template. Like emit_manifest.c, a NULL from
 * any constructor poisons its parent (jansson's *_new setters free the value
 * and fail on NULL), and one check of the root catches every failure.
 *
 * The bucket's tags are the project's tags plus fcc:project — not
 * fcc:spec-sha256, which changes with every edit of the spec and would turn
 * each spec change into a stack update.
 */
#include "emit_stack.h"

#include <stdio.h>
#include <string.h>

size_t emit_stack_artifacts_name(char *out, size_t cap, const char *project, const char *env)
{
	int n = snprintf(out, cap, "fcc-%s%s%s-artifacts", project, env ? "-" : "", env ? env : "");

	return n < 0 ? 0 : (size_t)n;
}

static json_t *tag(const char *k, const char *v)
{
	return json_pack("{s:s, s:s}", "Key", k, "Value", v);
}

static json_t *bucket_tags(const spec_model *m)
{
	json_t *a = json_array();
	size_t i;

	if (a && json_array_append_new(a, tag("fcc:project", m->project.name.s))) {
		json_decref(a);
		return NULL;
	}
	/* check_tags refuses user tags under fcc:, so no clash with fcc:project */
	for (i = 0; a && i < m->project.ntags; i++) {
		if (json_array_append_new(
			    a, tag(m->project.tags[i].key.s, m->project.tags[i].value.s))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int emit_stack_artifacts(json_t **out, const spec_model *m, fcc_err *e)
{
	char desc[512];
	json_t *root;

	snprintf(desc, sizeof desc,
		 "fcc: the artifacts bucket of project %s%s%s (managed by fcc apply; edits by "
		 "hand are undone)",
		 m->project.name.s, m->env ? ", environment " : "", m->env ? m->env : "");
	/* json_pack keeps the order of an object's keys as written: the YAML
	 * writer emits them in that order */
	root = json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:s, s:{s:s, s:{s:[{s:{s:s}}]},"
			 " s:{s:b, s:b, s:b, s:b}, s:{s:[{s:s}]}, s:{s:s}, s:o}}},"
			 " s:{s:{s:s, s:{s:s}}, s:{s:s, s:{s:[s, s]}}}}",
			 "AWSTemplateFormatVersion", "2010-09-09", "Description", desc, "Resources",
			 EMIT_STACK_ARTIFACTS_BUCKET, "Type", "AWS::S3::Bucket",
			 /* the bucket holds the build's artifacts and the apply lock: deleting
		 * or replacing the stack must never take the data with it */
			 "DeletionPolicy", "Retain", "UpdateReplacePolicy", "Retain", "Properties",
			 "BucketName", m->artifacts.bucket.s, "BucketEncryption",
			 "ServerSideEncryptionConfiguration", "ServerSideEncryptionByDefault",
			 "SSEAlgorithm", "AES256", "PublicAccessBlockConfiguration",
			 "BlockPublicAcls", 1, "BlockPublicPolicy", 1, "IgnorePublicAcls", 1,
			 "RestrictPublicBuckets", 1, "OwnershipControls", "Rules",
			 "ObjectOwnership", "BucketOwnerEnforced", "VersioningConfiguration",
			 "Status", "Enabled", "Tags", bucket_tags(m), "Outputs", "BucketName",
			 "Description", "the artifacts bucket", "Value", "Ref",
			 EMIT_STACK_ARTIFACTS_BUCKET, "BucketArn", "Description",
			 "the artifacts bucket's ARN", "Value", "Fn::GetAtt",
			 EMIT_STACK_ARTIFACTS_BUCKET, "Arn");
	*out = root;
	return root ? FCC_OK : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}
