/*
 * tu_aws.c — endpoint helpers for the unit suites (see tu_aws.h).
 */
#include "tu_aws.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const env_kv[] = {"AWS_ACCESS_KEY_ID",
				     "AKIDFCCTEST",
				     "AWS_SECRET_ACCESS_KEY",
				     "fcc-test-secret-not-real",
				     "AWS_REGION",
				     "us-east-1",
				     "AWS_CONFIG_FILE",
				     "/dev/null",
				     "AWS_SHARED_CREDENTIALS_FILE",
				     "/dev/null",
				     "AWS_EC2_METADATA_DISABLED",
				     "true",
				     NULL};

static const char *table_getenv(void *payload, const char *name)
{
	size_t i;

	(void)payload;
	for (i = 0; env_kv[i]; i += 2)
		if (strcmp(env_kv[i], name) == 0)
			return env_kv[i + 1];
	return NULL;
}

aws_ctx *tu_aws_ctx(void)
{
	const char *ep = getenv("FCC_TEST_ENDPOINT");
	aws_options o;
	aws_ctx *ctx = NULL;
	fcc_err e;

	ck_assert_msg(ep && *ep, "FCC_TEST_ENDPOINT is not set: run through tests/run.sh");
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	memset(&o, 0, sizeof o);
	o.endpoint_url = ep;
	o.getenv = table_getenv;
	ck_assert_msg(aws_ctx_new(&ctx, &o, &e) == FCC_OK, "aws_ctx_new: %s", e.msg);
	return ctx;
}

const char *tu_aws_uniq(const char *prefix)
{
	static char buf[8][96];
	static unsigned n;
	char *b = buf[n % 8];

	snprintf(b, sizeof buf[0], "%s-%d-%u", prefix, (int)getpid(), n++);
	return b;
}

const char *tu_aws_bucket(aws_ctx *ctx)
{
	const char *bucket = tu_aws_uniq("fcc-tu");
	aws_request req;
	http_response r;
	aws_error ae;

	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "CreateBucket";
	req.method = "PUT";
	req.bucket = bucket;
	ck_assert_msg(aws_call(ctx, &req, &r, &ae) == FCC_OK, "CreateBucket: %s", ae.err.msg);
	http_response_dispose(&r);
	return bucket;
}
