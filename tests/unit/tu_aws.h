/*
 * tu_aws.h — helpers for unit suites that talk to the local AWS endpoint
 * (FCC_TEST_ENDPOINT, started by tests/run.sh): a context with test
 * credentials, unique names, and a fresh S3 bucket. Used by test_lock.c and
 * test_cfn_deploy.c.
 */
#ifndef FCC_TU_AWS_H
#define FCC_TU_AWS_H

#include "runtime/aws.h"

/* A new context against the endpoint (fails the test when
 * FCC_TEST_ENDPOINT is unset: no skip, never real AWS). aws_ctx_free it. */
aws_ctx *tu_aws_ctx(void);
/* "<prefix>-<pid>-<n>": unique to this process and call, lower case. The
 * result lives in a ring of 8 static buffers. */
const char *tu_aws_uniq(const char *prefix);
/* Create a bucket with a unique name; returns it (ring buffer as above). */
const char *tu_aws_bucket(aws_ctx *ctx);

#endif
