/*
 * calls.c — the calls benchmark's driver: N CloudFormation DescribeStacks
 * calls through fcc's runtime (runtime/aws.h), sequentially (aws_call one
 * after the other) or with up to K in flight (aws_submit all, then aws_run;
 * the http client caps the parallelism). Prints "calls/s <rate>" on stdout.
 *
 *   calls ENDPOINT_URL N K     (K = 1: sequential)
 *
 * Credentials and region come from the environment (bench/calls.sh sets
 * them). Built by `make bench-calls`; not part of `make check`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/aws.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ok, failed;

static void done(void *payload, http_response *resp, aws_error *ae)
{
	(void)payload;
	(void)resp;
	if (ae->err.code == FCC_OK)
		ok++;
	else if (failed++ == 0)
		fprintf(stderr, "calls: %s\n", ae->err.msg);
}

int main(int argc, char **argv)
{
	aws_options o;
	aws_ctx *ctx = NULL;
	aws_request req;
	aws_query q;
	fcc_err e;
	double t0, t;
	long n, k, i;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) < 1 ||
	    (k = strtol(argv[3], NULL, 10)) < 1) {
		fprintf(stderr, "usage: calls ENDPOINT_URL N IN_FLIGHT\n");
		return 2;
	}
	memset(&o, 0, sizeof o);
	o.endpoint_url = argv[1];
	o.region_fallback = "us-east-1";
	o.max_in_flight = (unsigned)k;
	if (aws_ctx_new(&ctx, &o, &e)) {
		fprintf(stderr, "calls: %s\n", e.msg);
		return 1;
	}
	aws_query_init(&q, &aws_svc_cloudformation, "DescribeStacks");
	aws_query_request(&req, &aws_svc_cloudformation, "DescribeStacks", &q);
	t0 = now();
	if (k == 1) {
		for (i = 0; i < n; i++) {
			http_response r;
			aws_error ae;
			aws_call(ctx, &req, &r, &ae);
			done(NULL, &r, &ae);
			http_response_dispose(&r);
		}
	} else {
		for (i = 0; i < n; i++)
			if (aws_submit(ctx, &req, done, NULL, &e)) {
				fprintf(stderr, "calls: %s\n", e.msg);
				return 1;
			}
		if (aws_run(ctx, &e))
			fprintf(stderr, "calls: %s\n", e.msg);
	}
	t = now() - t0;
	aws_query_dispose(&q);
	aws_ctx_free(ctx);
	if (failed || ok != n) {
		fprintf(stderr, "calls: %d of %ld calls failed\n", failed, n);
		return 1;
	}
	printf("calls/s %.1f\n", (double)n / t);
	return 0;
}
