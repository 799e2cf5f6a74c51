/*
 * test_endpoint.c — unit tests of runtime/endpoint: a table of
 * (service, region, env, profile, flags) → (url, signing region, signing
 * name, path style, source) rows over every service in the three partitions,
 * every override level and its precedence, the ignore switch, and the
 * plain-HTTP rule; plus URL parsing errors, helpers and out-of-memory paths.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/err.h"
#include "runtime/endpoint.h"

/* Environment given as "NAME=value\nNAME2=value2". */
static const char *table_getenv(const char *name, void *payload)
{
	static char val[512];
	const char *p = payload;
	size_t n = strlen(name);

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			snprintf(val, sizeof val, "%.*s", (int)(len - n - 1), p + n + 1);
			return val;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

typedef struct row {
	const char *service, *region, *env, *explicit_url, *prof_svc, *prof_url;
	int prof_ignore, allow_http;
	const char *bucket;
	/* expected */
	int rc;
	const char *url, *signing_region, *signing_name;
	int path_style;
	endpoint_source source;
} row;

#define GOV "us-gov-west-1"
#define MOTO "http://127.0.0.1:5066"
#define D ENDPOINT_SRC_DEFAULT

static const row rows[] = {
	/* aws partition, every service */
	{"cloudformation", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://cloudformation.eu-west-1.amazonaws.com", "eu-west-1", "cloudformation", 0, D},
	{"servicecatalog", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://servicecatalog.eu-west-1.amazonaws.com", "eu-west-1", "servicecatalog", 0, D},
	{"s3", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://s3.eu-west-1.amazonaws.com", "eu-west-1", "s3", 0, D},
	{"iam", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://iam.amazonaws.com", "us-east-1", "iam", 0, D},
	{"sts", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://sts.eu-west-1.amazonaws.com", "eu-west-1", "sts", 0, D},
	{"sagemaker", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://api.sagemaker.eu-west-1.amazonaws.com", "eu-west-1", "sagemaker", 0, D},
	{"forecast", "us-east-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://forecast.us-east-1.amazonaws.com", "us-east-1", "forecast", 0, D},
	/* aws-cn */
	{"cloudformation", "cn-north-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://cloudformation.cn-north-1.amazonaws.com.cn", "cn-north-1", "cloudformation", 0,
	 D},
	{"servicecatalog", "cn-northwest-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://servicecatalog.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1",
	 "servicecatalog", 0, D},
	{"s3", "cn-north-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1", "s3", 0, D},
	{"iam", "cn-northwest-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "iam", 0, D},
	{"sts", "cn-north-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "sts", 0, D},
	{"sagemaker", "cn-north-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://api.sagemaker.cn-north-1.amazonaws.com.cn", "cn-north-1", "sagemaker", 0, D},
	{"forecast", "cn-north-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://forecast.cn-north-1.amazonaws.com.cn", "cn-north-1", "forecast", 0, D},
	/* aws-us-gov */
	{"cloudformation", GOV, NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://cloudformation.us-gov-west-1.amazonaws.com", GOV, "cloudformation", 0, D},
	{"servicecatalog", "us-gov-east-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://servicecatalog.us-gov-east-1.amazonaws.com", "us-gov-east-1", "servicecatalog", 0,
	 D},
	{"s3", GOV, NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://s3.us-gov-west-1.amazonaws.com", GOV, "s3", 0, D},
	{"iam", "us-gov-east-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://iam.us-gov.amazonaws.com", GOV, "iam", 0, D},
	{"sts", GOV, NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://sts.us-gov-west-1.amazonaws.com", GOV, "sts", 0, D},
	{"sagemaker", GOV, NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://api.sagemaker.us-gov-west-1.amazonaws.com", GOV, "sagemaker", 0, D},
	{"forecast", GOV, NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 "https://forecast.us-gov-west-1.amazonaws.com", GOV, "forecast", 0, D},

	/* S3 addressing: virtual host for DNS-safe buckets, path style otherwise */
	{"s3", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, "my-bucket-1", FCC_OK,
	 "https://my-bucket-1.s3.eu-west-1.amazonaws.com", "eu-west-1", "s3", 0, D},
	{"s3", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, "my.dotted.bucket", FCC_OK,
	 "https://s3.eu-west-1.amazonaws.com", "eu-west-1", "s3", 1, D},
	{"s3", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, "Upper_Case", FCC_OK,
	 "https://s3.eu-west-1.amazonaws.com", "eu-west-1", "s3", 1, D},
	{"s3", "eu-west-1", NULL, MOTO, NULL, NULL, 0, 0, "my-bucket", FCC_OK, MOTO, "eu-west-1",
	 "s3", 1, ENDPOINT_SRC_EXPLICIT},
	{"s3", "eu-west-1", NULL, "https://minio.example.com:9000/base/", NULL, NULL, 0, 0,
	 "my-bucket", FCC_OK, "https://minio.example.com:9000/base", "eu-west-1", "s3", 1,
	 ENDPOINT_SRC_EXPLICIT},

	/* every override level, signing name and region unchanged */
	{"sagemaker", "eu-west-1", NULL, MOTO, NULL, NULL, 0, 0, NULL, FCC_OK, MOTO, "eu-west-1",
	 "sagemaker", 0, ENDPOINT_SRC_EXPLICIT},
	{"iam", "eu-west-1", "AWS_ENDPOINT_URL_IAM=http://localhost:4566", NULL, NULL, NULL, 0, 0,
	 NULL, FCC_OK, "http://localhost:4566", "us-east-1", "iam", 0, ENDPOINT_SRC_ENV_SERVICE},
	{"servicecatalog", "eu-west-1", "AWS_ENDPOINT_URL_SERVICE_CATALOG=https://sc.local", NULL,
	 NULL, NULL, 0, 0, NULL, FCC_OK, "https://sc.local", "eu-west-1", "servicecatalog", 0,
	 ENDPOINT_SRC_ENV_SERVICE},
	{"forecast", "eu-west-1", "AWS_ENDPOINT_URL=" MOTO, NULL, NULL, NULL, 0, 0, NULL, FCC_OK,
	 MOTO, "eu-west-1", "forecast", 0, ENDPOINT_SRC_ENV_GLOBAL},
	{"sts", "eu-west-1", NULL, NULL, "https://sts.profile.local", "https://all.profile.local",
	 0, 0, NULL, FCC_OK, "https://sts.profile.local", "eu-west-1", "sts", 0,
	 ENDPOINT_SRC_PROFILE_SERVICE},
	{"sts", "eu-west-1", NULL, NULL, NULL, "https://all.profile.local", 0, 0, NULL, FCC_OK,
	 "https://all.profile.local", "eu-west-1", "sts", 0, ENDPOINT_SRC_PROFILE_GLOBAL},

	/* precedence: explicit > env service > env global > profile service > profile */
	{"cloudformation", "eu-west-1",
	 "AWS_ENDPOINT_URL_CLOUDFORMATION=https://svc.env\nAWS_ENDPOINT_URL=https://all.env",
	 "https://explicit.local", "https://p.svc", "https://p.all", 0, 0, NULL, FCC_OK,
	 "https://explicit.local", "eu-west-1", "cloudformation", 0, ENDPOINT_SRC_EXPLICIT},
	{"cloudformation", "eu-west-1",
	 "AWS_ENDPOINT_URL_CLOUDFORMATION=https://svc.env\nAWS_ENDPOINT_URL=https://all.env", NULL,
	 "https://p.svc", "https://p.all", 0, 0, NULL, FCC_OK, "https://svc.env", "eu-west-1",
	 "cloudformation", 0, ENDPOINT_SRC_ENV_SERVICE},
	{"cloudformation", "eu-west-1",
	 "AWS_ENDPOINT_URL_S3=https://s3.env\nAWS_ENDPOINT_URL=https://all.env", NULL,
	 "https://p.svc", "https://p.all", 0, 0, NULL, FCC_OK, "https://all.env", "eu-west-1",
	 "cloudformation", 0, ENDPOINT_SRC_ENV_GLOBAL},
	{"cloudformation", "eu-west-1", "AWS_ENDPOINT_URL=", NULL, "https://p.svc", "https://p.all",
	 0, 0, NULL, FCC_OK, "https://p.svc", "eu-west-1", "cloudformation", 0,
	 ENDPOINT_SRC_PROFILE_SERVICE},

	/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: env and profile off, explicit stays */
	{"sagemaker", "eu-west-1",
	 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true\nAWS_ENDPOINT_URL_SAGEMAKER=https://svc.env\n"
	 "AWS_ENDPOINT_URL=https://all.env",
	 NULL, "https://p.svc", "https://p.all", 0, 0, NULL, FCC_OK,
	 "https://api.sagemaker.eu-west-1.amazonaws.com", "eu-west-1", "sagemaker", 0, D},
	{"sagemaker", "eu-west-1",
	 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE\nAWS_ENDPOINT_URL=https://all.env",
	 "https://explicit.local", NULL, NULL, 0, 0, NULL, FCC_OK, "https://explicit.local",
	 "eu-west-1", "sagemaker", 0, ENDPOINT_SRC_EXPLICIT},
	{"sagemaker", "eu-west-1", "AWS_ENDPOINT_URL=https://all.env", NULL, NULL, NULL, 1, 0, NULL,
	 FCC_OK, "https://api.sagemaker.eu-west-1.amazonaws.com", "eu-west-1", "sagemaker", 0, D},
	/* the environment's "false" beats the profile's ignore */
	{"sagemaker", "eu-west-1",
	 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false\nAWS_ENDPOINT_URL=https://all.env", NULL, NULL,
	 NULL, 1, 0, NULL, FCC_OK, "https://all.env", "eu-west-1", "sagemaker", 0,
	 ENDPOINT_SRC_ENV_GLOBAL},

	/* plain HTTP: loopback only, unless allowed */
	{"s3", "eu-west-1", NULL, "http://127.10.0.3:9000", NULL, NULL, 0, 0, NULL, FCC_OK,
	 "http://127.10.0.3:9000", "eu-west-1", "s3", 1, ENDPOINT_SRC_EXPLICIT},
	{"s3", "eu-west-1", NULL, "http://[::1]:9000/", NULL, NULL, 0, 0, NULL, FCC_OK,
	 "http://[::1]:9000", "eu-west-1", "s3", 1, ENDPOINT_SRC_EXPLICIT},
	{"sts", "eu-west-1", NULL, "http://LocalHost", NULL, NULL, 0, 0, NULL, FCC_OK,
	 "http://localhost", "eu-west-1", "sts", 0, ENDPOINT_SRC_EXPLICIT},
	{"sts", "eu-west-1", NULL, "http://10.0.0.5:5000", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL,
	 NULL, NULL, 0, 0},
	{"sts", "eu-west-1", "AWS_ENDPOINT_URL=http://moto.internal", NULL, NULL, NULL, 0, 0, NULL,
	 FCC_EUSAGE, NULL, NULL, NULL, 0, 0},
	{"sts", "eu-west-1", NULL, NULL, NULL, "http://128.0.0.1", 0, 0, NULL, FCC_EUSAGE, NULL,
	 NULL, NULL, 0, 0},
	{"sts", "eu-west-1", NULL, "http://localhost.evil.com", NULL, NULL, 0, 0, NULL, FCC_EUSAGE,
	 NULL, NULL, NULL, 0, 0},
	{"sts", "eu-west-1", NULL, "http://10.0.0.5:5000", NULL, NULL, 0, 1, NULL, FCC_OK,
	 "http://10.0.0.5:5000", "eu-west-1", "sts", 0, ENDPOINT_SRC_EXPLICIT},

	/* bad input */
	{"lambda", "eu-west-1", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_ENOTFOUND, NULL, NULL, NULL,
	 0, 0},
	{"s3", "eu-west-1.evil.com/", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL, NULL,
	 NULL, 0, 0},
	{"s3", "", NULL, NULL, NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL, NULL, NULL, 0, 0},
	{"s3", "eu-west-1", NULL, "ftp://x", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL, NULL, NULL,
	 0, 0},
	{"s3", "eu-west-1", NULL, "https://user@host", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL,
	 NULL, NULL, 0, 0},
	{"s3", "eu-west-1", NULL, "https://host:99999", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL,
	 NULL, NULL, 0, 0},
	{"s3", "eu-west-1", NULL, "https://host/x?y=1", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL,
	 NULL, NULL, 0, 0},
	{"s3", "eu-west-1", NULL, "https://", NULL, NULL, 0, 0, NULL, FCC_EUSAGE, NULL, NULL, NULL,
	 0, 0},
};

static void cfg_from_row(endpoint_config *c, const row *r)
{
	memset(c, 0, sizeof *c);
	c->service = r->service;
	c->region = r->region;
	c->endpoint_url = r->explicit_url;
	c->profile_service_endpoint_url = r->prof_svc;
	c->profile_endpoint_url = r->prof_url;
	c->profile_ignore_configured = r->prof_ignore;
	c->allow_insecure_http = r->allow_http;
	c->bucket = r->bucket;
	c->getenv_fn = table_getenv;
	c->getenv_payload = (void *)r->env;
}

START_TEST(test_endpoint_table)
{
	const row *r = &rows[_i];
	endpoint_config c;
	endpoint ep;
	fcc_err e;
	int rc;

	cfg_from_row(&c, r);
	fcc_err_clear(&e);
	rc = endpoint_resolve(&ep, &c, &e);
	ck_assert_msg(rc == r->rc, "row %d (%s %s): rc %d, want %d: %s", _i, r->service, r->region,
		      rc, r->rc, e.msg);
	if (rc != FCC_OK) {
		ck_assert_ptr_null(ep.url);
		ck_assert_int_ne(e.msg[0], '\0');
		if (r->explicit_url && strncmp(r->explicit_url, "http://", 7) == 0)
			ck_assert_ptr_nonnull(strstr(e.msg, "--allow-http"));
		return;
	}
	ck_assert_str_eq(ep.url, r->url);
	ck_assert_str_eq(ep.signing_region, r->signing_region);
	ck_assert_str_eq(ep.signing_name, r->signing_name);
	ck_assert_int_eq(ep.s3_path_style, r->path_style);
	ck_assert_int_eq(ep.source, r->source);
	endpoint_dispose(&ep);
}
END_TEST

START_TEST(test_endpoint_url_parts)
{
	endpoint_config c;
	endpoint ep;
	fcc_err e;

	memset(&c, 0, sizeof c);
	c.service = "s3";
	c.region = "eu-west-1";
	c.endpoint_url = "HTTP://127.0.0.1:5066/prefix//";
	ck_assert_int_eq(endpoint_resolve(&ep, &c, &e), FCC_OK);
	ck_assert_str_eq(ep.scheme, "http");
	ck_assert_str_eq(ep.host, "127.0.0.1");
	ck_assert_int_eq(ep.port, 5066);
	ck_assert_int_eq(ep.port_explicit, 1);
	ck_assert_str_eq(ep.base_path, "/prefix");
	ck_assert_str_eq(ep.url, "http://127.0.0.1:5066/prefix");
	ck_assert_str_eq(ep.partition, "aws");
	endpoint_dispose(&ep);

	c.endpoint_url = NULL;
	c.region = "cn-north-1";
	ck_assert_int_eq(endpoint_resolve(&ep, &c, &e), FCC_OK);
	ck_assert_str_eq(ep.scheme, "https");
	ck_assert_int_eq(ep.port, 443);
	ck_assert_int_eq(ep.port_explicit, 0);
	ck_assert_str_eq(ep.base_path, "");
	ck_assert_str_eq(ep.partition, "aws-cn");
	endpoint_dispose(&ep);
	endpoint_dispose(NULL);
}
END_TEST

START_TEST(test_endpoint_helpers)
{
	ck_assert_int_eq(endpoint_host_is_loopback("127.0.0.1"), 1);
	ck_assert_int_eq(endpoint_host_is_loopback("127.255.255.254"), 1);
	ck_assert_int_eq(endpoint_host_is_loopback("LOCALHOST"), 1);
	ck_assert_int_eq(endpoint_host_is_loopback("[::1]"), 1);
	ck_assert_int_eq(endpoint_host_is_loopback("127.0.0.1.nip.io"), 0);
	ck_assert_int_eq(endpoint_host_is_loopback("127.0.0.256"), 0);
	ck_assert_int_eq(endpoint_host_is_loopback("127.0.0"), 0);
	ck_assert_int_eq(endpoint_host_is_loopback("[::2]"), 0);
	ck_assert_int_eq(endpoint_host_is_loopback("0127.0.0.1"), 0);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("abc"), 1);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("ab"), 0);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("-abc"), 0);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("abc-"), 0);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("a.bc"), 0);
	ck_assert_int_eq(endpoint_s3_bucket_virtual_ok("s3://abc"), 0);
}
END_TEST

START_TEST(test_endpoint_oom)
{
	endpoint_config c;
	long n;
	int done = 0;

	memset(&c, 0, sizeof c);
	c.service = "s3";
	c.region = "eu-west-1";
	c.bucket = "bucket";
	c.getenv_fn = table_getenv;
	c.getenv_payload = (void *)"AWS_ENDPOINT_URL_S3=http://127.0.0.1:1/p";
	for (n = 1; n < 200 && !done; n++) {
		endpoint ep;
		fcc_err e;
		int rc;

		fcc_alloc_fail_after(n, 1);
		rc = endpoint_resolve(&ep, &c, &e);
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		if (done) {
			ck_assert_int_eq(rc, FCC_OK);
			endpoint_dispose(&ep);
		} else {
			ck_assert_int_eq(rc, FCC_ENOMEM);
			ck_assert_ptr_null(ep.url);
		}
	}
	ck_assert(done);
}
END_TEST

Suite *suite_endpoint(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_endpoint_table, 0, (int)(sizeof rows / sizeof *rows));
	tcase_add_test(tc, test_endpoint_url_parts);
	tcase_add_test(tc, test_endpoint_helpers);
	tcase_add_test(tc, test_endpoint_oom);
	suite_add_tcase(s, tc);
	return s;
}
