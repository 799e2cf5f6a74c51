/*
 * sts.h — typed client for AWS STS (query protocol): GetCallerIdentity,
 * AssumeRoleWithWebIdentity (sent unsigned: modelled smithy.api#noAuth),
 * AssumeRole, and the creds_sts_fn the credential chain calls through them.
 *
 * Outputs keep their strings in `pool`; release with aws_pool_dispose(&out->pool)
 * (sts_assumed: sts_assumed_dispose, which also wipes the credentials).
 */
#ifndef FCC_AWS_STS_H
#define FCC_AWS_STS_H

#include "runtime/aws.h"

typedef struct sts_identity {
	aws_pool pool;
	const char *account;
	const char *arn;
	const char *user_id;
} sts_identity;

/* GetCallerIdentity. FCC_OK with *out filled, or ae's code; *out is empty on
 * failure (still safe to dispose). */
int sts_get_caller_identity(sts_identity *out, aws_ctx *ctx, aws_error *ae);

/* The same, queued on `ctx`: `done` is called from aws_run() with the call's
 * outcome (an answer without Account or Arn is a failure, FCC_EPARSE); *out
 * is filled on success and is the caller's to dispose either way. FCC_OK, or a
 * submit failure in `e` (done never called). */
int sts_get_caller_identity_submit(sts_identity *out, aws_ctx *ctx, aws_finish_fn done,
				   void *payload, fcc_err *e);

typedef struct sts_assume_input {
	const char *role_arn;            /* required */
	const char *role_session_name;   /* required */
	const char *web_identity_token;  /* AssumeRoleWithWebIdentity: required; secret */
	const creds_credentials *source; /* AssumeRole: sign with these (NULL: the ctx chain) */
	const char *external_id;         /* AssumeRole only; NULL: none */
	long duration_seconds;           /* 0: STS default */
} sts_assume_input;

typedef struct sts_assumed {
	aws_pool pool;
	creds_credentials *creds; /* owned; source "sts" */
	const char *assumed_role_arn;
	const char *assumed_role_id;
} sts_assumed;

/* AssumeRoleWithWebIdentity, unsigned (no Authorization header; works with
 * no credentials at all). FCC_OK or ae's code (FCC_EPARSE when the answer
 * lacks credentials). */
int sts_assume_role_with_web_identity(sts_assumed *out, aws_ctx *ctx, const sts_assume_input *in,
				      aws_error *ae);
/* AssumeRole, signed with in->source (or the chain). */
int sts_assume_role(sts_assumed *out, aws_ctx *ctx, const sts_assume_input *in, aws_error *ae);
/* Wipe and free; NULL and empty values are fine. */
void sts_assumed_dispose(sts_assumed *a);

/* The creds_sts_fn for the chain: `payload` is the aws_ctx. The calls run on
 * the context's auxiliary client, so the chain may refresh while other
 * requests are in flight. */
int sts_creds_fn(void *payload, creds_sts_response *out, const creds_sts_request *req, fcc_err *e);

#endif
