/*
 * iam.h — typed client for AWS IAM (query protocol, 2010-05-08; global
 * endpoint, signed for us-east-1): the role reads and patches fcc applies to
 * the Service Catalog product roles. Outputs: aws_pool_dispose(&out->pool).
 * A missing role is FCC_ENOTFOUND (NoSuchEntity).
 */
#ifndef FCC_AWS_IAM_H
#define FCC_AWS_IAM_H

#include "runtime/aws.h"

typedef struct iam_role {
	aws_pool pool;
	const char *name, *id, *arn, *path, *description;
	/* the trust policy JSON, URL-decoded (IAM returns it percent-encoded) */
	const char *assume_role_policy;
	long long create_date;
	long max_session_duration;
	aws_tag *tags;
	size_t ntags;
} iam_role;

int iam_get_role(iam_role *out, aws_ctx *ctx, const char *role_name, aws_error *ae);
int iam_attach_role_policy(aws_ctx *ctx, const char *role_name, const char *policy_arn,
			   aws_error *ae);
int iam_update_assume_role_policy(aws_ctx *ctx, const char *role_name, const char *policy_document,
				  aws_error *ae);

typedef struct iam_attached_policy {
	const char *name, *arn;
} iam_attached_policy;

typedef struct iam_policy_list {
	aws_pool pool;
	iam_attached_policy *items;
	size_t n, cap;
} iam_policy_list;

/* ListAttachedRolePolicies, every page (Marker / IsTruncated). */
int iam_list_attached_role_policies(iam_policy_list *out, aws_ctx *ctx, const char *role_name,
				    aws_error *ae);

/* Decode %XX and '+' in place ('+' stays '+': IAM encodes space as %20). */
void iam_url_decode(char *s);

/* GetRole and ListAttachedRolePolicies queued on `ctx` (aws_query_submit):
 * `out` is filled by the time `done` runs from aws_run() with ae->err.code
 * FCC_OK (a missing role: FCC_ENOTFOUND, NoSuchEntity). Return FCC_OK, or an
 * error in `e` and `done` is never called. Dispose out->pool either way. */
int iam_get_role_submit(iam_role *out, aws_ctx *ctx, const char *role_name, aws_finish_fn done,
			void *payload, fcc_err *e);
int iam_list_attached_role_policies_submit(iam_policy_list *out, aws_ctx *ctx,
					   const char *role_name, aws_finish_fn done, void *payload,
					   fcc_err *e);

#endif
