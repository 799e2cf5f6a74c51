/*
 * test_retry.c — unit tests of runtime/retry.c (the SDK "standard" retry
 * mode): classification, the max-attempt boundary, jittered backoff bounds,
 * the retry quota, environment parsing; and real attempts driven through
 * http_submit() against tests/aws/faultproxy.py, counting what the proxy saw.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/http.h"
#include "runtime/retry.h"
#include "tu_server.h"

static double fixed_value;

static double fixed_random(void *payload)
{
	(void)payload;
	return fixed_value;
}

static retry_policy policy(void)
{
	retry_policy p;
	fcc_err e;

	ck_assert_int_eq(retry_policy_init(&p, NULL, &e), FCC_OK);
	return p;
}

START_TEST(test_retry_classification)
{
	static const struct {
		retry_outcome o;
		int want;
	} table[] = {
		{{.no_response = 1}, 1}, /* connect refused / dropped */
		{{.no_response = 1, .timeout = 1}, 1},
		{{.status = 500}, 1},
		{{.status = 502}, 1},
		{{.status = 503}, 1},
		{{.status = 504}, 1},
		{{.status = 501}, 0},
		{{.status = 505}, 0},
		{{.status = 429}, 0}, /* bare 429: botocore says no */
		{{.status = 429, .code = "TooManyRequestsException"}, 1},
		{{.status = 400, .code = "Throttling"}, 1},
		{{.status = 400, .code = "ThrottlingException"}, 1},
		{{.status = 400, .code = "RequestLimitExceeded"}, 1},
		{{.status = 400, .code = "LimitExceededException"}, 1},
		{{.status = 400, .code = "EC2ThrottledException"}, 1},
		{{.status = 503, .code = "SlowDown"}, 1},
		{{.status = 400, .code = "RequestTimeout"}, 1},
		{{.status = 408, .code = "RequestTimeoutException"}, 1},
		{{.status = 400, .code = "PriorRequestNotComplete"}, 1},
		{{.status = 400, .code = "throttling"}, 0}, /* codes are case-sensitive */
		{{.status = 400, .code = "ValidationException"}, 0},
		{{.status = 403, .code = "AccessDenied"}, 0},
		{{.status = 403, .code = "SignatureDoesNotMatch"}, 0},
		{{.status = 400, .code = "ResourceInUseException", .modeled_retryable = 1}, 1},
		{{.status = 400, .code = "IDPCommunicationError", .service = "sts"}, 1},
		{{.status = 400, .code = "IDPCommunicationError", .service = "iam"}, 0},
		{{.status = 404}, 0},
		{{.status = 200}, 0},
	};
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		ck_assert_msg(retry_is_retryable(&table[i].o) == table[i].want,
			      "row %zu (status %ld code %s)", i, table[i].o.status,
			      table[i].o.code ? table[i].o.code : "-");
	ck_assert_int_eq(retry_is_throttling_code("SlowDown"), 1);
	ck_assert_int_eq(retry_is_throttling_code(NULL), 0);
	ck_assert_int_eq(retry_is_throttling_code(""), 0);
}
END_TEST

START_TEST(test_retry_max_attempts_boundary)
{
	retry_policy p = policy();
	retry_outcome o = {.status = 503};
	retry_outcome bad = {.status = 400, .code = "ValidationException"};
	unsigned d, c;

	retry_policy_set_random(&p, fixed_random, NULL);
	fixed_value = 0.5;
	ck_assert_uint_eq(p.max_attempts, 3);
	ck_assert_int_eq(retry_decide(&p, 1, &o, &d, &c), RETRY_YES);
	ck_assert_int_eq(retry_decide(&p, 2, &o, &d, &c), RETRY_YES);
	ck_assert_int_eq(retry_decide(&p, 3, &o, &d, &c), RETRY_NO_ATTEMPTS);
	ck_assert_uint_eq(d, 0);
	ck_assert_uint_eq(c, 0);
	ck_assert_int_eq(retry_decide(&p, 1, &bad, &d, &c), RETRY_NO);
	/* only the two retries were charged */
	ck_assert_uint_eq(p.quota, RETRY_QUOTA_MAX - 2 * RETRY_COST);
	p.max_attempts = 1;
	ck_assert_int_eq(retry_decide(&p, 1, &o, &d, &c), RETRY_NO_ATTEMPTS);
	ck_assert_str_eq(retry_verdict_name(RETRY_NO_QUOTA), "retry quota exhausted");
}
END_TEST

START_TEST(test_retry_backoff_bounds)
{
	retry_policy p = policy();
	retry_outcome o = {.no_response = 1};
	static const unsigned cap[] = {0, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000};
	unsigned a, d, c, i;

	p.max_attempts = 50;
	retry_policy_set_random(&p, fixed_random, NULL);
	for (a = 1; a <= 8; a++) {
		fixed_value = 0.0;
		ck_assert_int_eq(retry_decide(&p, a, &o, &d, &c), RETRY_YES);
		ck_assert_uint_eq(d, 0);
		fixed_value = 0.5;
		ck_assert_int_eq(retry_decide(&p, a, &o, &d, &c), RETRY_YES);
		ck_assert_uint_eq(d, cap[a] / 2);
		fixed_value = 0.999999;
		ck_assert_int_eq(retry_decide(&p, a, &o, &d, &c), RETRY_YES);
		ck_assert_uint_le(d, cap[a]);
		ck_assert_uint_ge(d, cap[a] - 1);
	}
	/* out-of-range values from a random source are clamped */
	fixed_value = 7.0;
	ck_assert_int_eq(retry_decide(&p, 2, &o, &d, &c), RETRY_YES);
	ck_assert_uint_eq(d, 2000);
	/* the default generator stays in [0, cap) and is not constant */
	retry_policy_set_random(&p, NULL, NULL);
	{
		unsigned first = 0, differs = 0;
		for (i = 0; i < 50; i++) {
			p.quota = RETRY_QUOTA_MAX;
			ck_assert_int_eq(retry_decide(&p, 6, &o, &d, &c), RETRY_YES);
			ck_assert_uint_lt(d, 20000);
			if (i == 0)
				first = d;
			else if (d != first)
				differs = 1;
		}
		ck_assert_uint_eq(differs, 1);
	}
}
END_TEST

START_TEST(test_retry_quota)
{
	retry_policy p = policy();
	retry_outcome err = {.status = 500};
	retry_outcome tmo = {.no_response = 1, .timeout = 1};
	unsigned d, c, n = 0;

	fixed_value = 0.0;
	retry_policy_set_random(&p, fixed_random, NULL);
	ck_assert_int_eq(retry_decide(&p, 1, &tmo, &d, &c), RETRY_YES);
	ck_assert_uint_eq(c, RETRY_TIMEOUT_COST);
	ck_assert_uint_eq(p.quota, 490);
	retry_on_success(&p, c); /* success after a retry refunds that retry's cost */
	ck_assert_uint_eq(p.quota, 500);
	retry_on_success(&p, 0); /* never above the maximum */
	ck_assert_uint_eq(p.quota, 500);
	/* drain: 100 retries of 5 empty the bucket, the 101st is refused */
	while (retry_decide(&p, 1, &err, &d, &c) == RETRY_YES)
		n++;
	ck_assert_uint_eq(n, 100);
	ck_assert_uint_eq(p.quota, 0);
	ck_assert_int_eq(retry_decide(&p, 1, &err, &d, &c), RETRY_NO_QUOTA);
	ck_assert_uint_eq(c, 0);
	/* first-try successes refill one token each */
	retry_on_success(&p, 0);
	retry_on_success(&p, 0);
	retry_on_success(&p, 0);
	retry_on_success(&p, 0);
	ck_assert_int_eq(retry_decide(&p, 1, &err, &d, &c), RETRY_NO_QUOTA);
	retry_on_success(&p, 0);
	ck_assert_uint_eq(p.quota, 5);
	ck_assert_int_eq(retry_decide(&p, 1, &tmo, &d, &c), RETRY_NO_QUOTA); /* needs 10 */
	ck_assert_int_eq(retry_decide(&p, 1, &err, &d, &c), RETRY_YES);
	ck_assert_uint_eq(p.quota, 0);
}
END_TEST

/* a fake environment for retry_policy_init */
static const char *env_mode, *env_max;

static char *fake_getenv(const char *name)
{
	if (strcmp(name, "AWS_RETRY_MODE") == 0)
		return (char *)env_mode;
	if (strcmp(name, "AWS_MAX_ATTEMPTS") == 0)
		return (char *)env_max;
	return NULL;
}

START_TEST(test_retry_env_parsing)
{
	static const struct {
		const char *mode, *max;
		int rc;
		unsigned attempts;
		const char *requested;
	} table[] = {
		{NULL, NULL, FCC_OK, 3, "standard"},
		{"", "", FCC_OK, 3, "standard"},
		{"standard", "5", FCC_OK, 5, "standard"},
		{"LEGACY", "1", FCC_OK, 1, "legacy"},
		{"adaptive", "50", FCC_OK, 50, "adaptive"},
		{"standard", " 7", FCC_OK, 7, "standard"},
		{"standard", "0", FCC_EUSAGE, 3, "standard"},
		{"standard", "-2", FCC_EUSAGE, 3, "standard"},
		{"standard", "51", FCC_EUSAGE, 3, "standard"},
		{"standard", "3x", FCC_EUSAGE, 3, "standard"},
		{"standard", "many", FCC_EUSAGE, 3, "standard"},
		{"standard", "99999999999999999999", FCC_EUSAGE, 3, "standard"},
		{"aggressive", "3", FCC_EUSAGE, 3, "standard"},
	};
	retry_policy p;
	fcc_err e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		env_mode = table[i].mode;
		env_max = table[i].max;
		fcc_err_clear(&e);
		rc = retry_policy_init(&p, fake_getenv, &e);
		ck_assert_msg(rc == table[i].rc, "row %zu: rc %d", i, rc);
		ck_assert_uint_eq(p.max_attempts, table[i].attempts);
		ck_assert_str_eq(p.requested_mode, table[i].requested);
		ck_assert_uint_eq(p.quota, RETRY_QUOTA_MAX);
		if (rc)
			ck_assert_ptr_nonnull(strstr(
				e.msg, table[i].mode && strcmp(table[i].mode, "aggressive") == 0
					       ? "AWS_RETRY_MODE"
					       : "AWS_MAX_ATTEMPTS"));
	}
}
END_TEST

/* ---- real attempts through the fault proxy ---- */

typedef struct driver {
	http_client *c;
	retry_policy *p;
	http_request req;
	unsigned attempt;
	unsigned last_cost;
	long final_status;
	http_transport_error final_terr;
	retry_verdict last_verdict;
	int finished;
} driver;

/* the AWS error code of a JSON 1.1 or query/rest-xml error response */
static void error_code(const http_response *r, char *out, size_t n)
{
	const char *h = http_response_header(r, "x-amzn-ErrorType");
	const char *b = fcc_buf_cstr(&r->body), *s, *t;

	out[0] = '\0';
	if (h) {
		snprintf(out, n, "%.*s", (int)strcspn(h, ":"), h);
	} else if ((s = strstr(b, "<Code>")) && (t = strstr(s, "</Code>"))) {
		snprintf(out, n, "%.*s", (int)(t - s - 6), s + 6);
	}
}

static void drive_done(void *payload, const http_request *req, http_response *resp)
{
	driver *d = payload;
	retry_outcome o = {0};
	char code[64];
	unsigned delay, cost;
	fcc_err e;

	(void)req;
	if (resp->terr == HTTP_TE_NONE && resp->status >= 200 && resp->status < 300) {
		retry_on_success(d->p, d->last_cost);
		d->final_status = resp->status;
		d->finished = 1;
		return;
	}
	error_code(resp, code, sizeof code);
	o.no_response = http_transport_error_retryable(resp->terr);
	o.timeout = resp->terr == HTTP_TE_TIMEOUT;
	o.status = resp->status;
	o.code = code[0] ? code : NULL;
	d->last_verdict = retry_decide(d->p, d->attempt, &o, &delay, &cost);
	if (d->last_verdict == RETRY_YES) {
		d->attempt++;
		d->last_cost = cost;
		ck_assert_int_eq(http_submit(d->c, &d->req, delay, drive_done, d, &e), FCC_OK);
		return;
	}
	d->final_status = resp->status;
	d->final_terr = resp->terr;
	d->finished = 1;
}

static long proxy_count(http_client *c, const tu_server *s)
{
	char url[128];
	http_request q = {.method = "GET", .url = url};
	http_response r;
	const char *p;
	fcc_err e;
	long n;

	snprintf(url, sizeof url, "%s/__fcc/log", s->base);
	ck_assert_int_eq(http_do(c, &q, &r, &e), FCC_OK);
	ck_assert_int_eq(r.status, 200);
	p = strstr(fcc_buf_cstr(&r.body), "\"count\": ");
	ck_assert_ptr_nonnull(p);
	n = strtol(p + 9, NULL, 10);
	http_response_dispose(&r);
	return n;
}

/* Run one logical request through the proxy started with `rules`. */
static void run_scenario(const char *const *rules, int json, driver *d, long *proxied)
{
	const char *args[12];
	tu_server s;
	retry_policy *p = d->p;
	char url[128];
	static const http_header json_h[] = {{"Content-Type", "application/x-amz-json-1.1"},
					     {"X-Amz-Target", "AmazonForecast.ListDatasetGroups"}};
	static const http_header query_h[] = {
		{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
	size_t n = 0, i;
	fcc_err e;

	for (i = 0; rules[i]; i++) {
		args[n++] = "--rule";
		args[n++] = rules[i];
	}
	args[n] = NULL;
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	ck_assert_int_eq(tu_server_start(&s, "tests/aws/faultproxy.py", args), 0);
	memset(d, 0, sizeof *d);
	d->p = p;
	ck_assert_int_eq(http_client_new(&d->c, NULL, &e), FCC_OK);
	snprintf(url, sizeof url, "%s/", s.base);
	d->req.method = "POST";
	d->req.url = url;
	d->req.headers = json ? json_h : query_h;
	d->req.nheaders = json ? 2 : 1;
	d->req.body = json ? "{}" : "Action=DescribeStacks&Version=2010-05-15";
	d->req.body_len = strlen(d->req.body);
	d->attempt = 1;
	ck_assert_int_eq(http_submit(d->c, &d->req, 0, drive_done, d, &e), FCC_OK);
	ck_assert_int_eq(http_run(d->c, &e), FCC_OK);
	ck_assert_int_eq(d->finished, 1);
	*proxied = proxy_count(d->c, &s);
	http_client_free(d->c);
	d->c = NULL;
	tu_server_stop(&s);
}

START_TEST(test_retry_through_fault_proxy)
{
	retry_policy p = policy();
	driver d = {.p = &p};
	long proxied;
	static const char *const throttle2[] = {"first:2:throttle", NULL};
	static const char *const throttle1[] = {"1:throttle", NULL};
	static const char *const err500[] = {"1:500", NULL};
	static const char *const drop1[] = {"1:drop", NULL};
	static const char *const always[] = {"every:1:500", NULL};
	static const char *const none[] = {NULL};

	fixed_value = 0.002; /* backoffs of 2, 4 ms */
	retry_policy_set_random(&p, fixed_random, NULL);

	/* JSON 1.1 throttling twice, then success: 3 attempts */
	d.p = &p;
	run_scenario(throttle2, 1, &d, &proxied);
	ck_assert_int_eq(d.final_status, 200);
	ck_assert_uint_eq(d.attempt, 3);
	ck_assert_int_eq(proxied, 3);
	ck_assert_uint_eq(p.quota, 500 - 2 * RETRY_COST + RETRY_COST); /* last retry refunded */

	/* query-protocol Throttling, then success: 2 attempts */
	run_scenario(throttle1, 0, &d, &proxied);
	ck_assert_int_eq(d.final_status, 200);
	ck_assert_uint_eq(d.attempt, 2);
	ck_assert_int_eq(proxied, 2);

	/* HTTP 500, then success */
	run_scenario(err500, 1, &d, &proxied);
	ck_assert_int_eq(d.final_status, 200);
	ck_assert_uint_eq(d.attempt, 2);
	ck_assert_int_eq(proxied, 2);

	/* dropped connection, then success */
	run_scenario(drop1, 1, &d, &proxied);
	ck_assert_int_eq(d.final_status, 200);
	ck_assert_uint_eq(d.attempt, 2);
	ck_assert_int_eq(proxied, 2);

	/* always 500: gives up after max attempts */
	run_scenario(always, 0, &d, &proxied);
	ck_assert_int_eq(d.final_status, 500);
	ck_assert_int_eq(d.last_verdict, RETRY_NO_ATTEMPTS);
	ck_assert_uint_eq(d.attempt, 3);
	ck_assert_int_eq(proxied, 3);

	/* no fault: one attempt */
	run_scenario(none, 1, &d, &proxied);
	ck_assert_int_eq(d.final_status, 200);
	ck_assert_uint_eq(d.attempt, 1);
	ck_assert_int_eq(proxied, 1);
}
END_TEST

Suite *suite_retry(void)
{
	Suite *s = suite_create("retry");
	TCase *t = tcase_create("retry");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_retry_classification);
	tcase_add_test(t, test_retry_max_attempts_boundary);
	tcase_add_test(t, test_retry_backoff_bounds);
	tcase_add_test(t, test_retry_quota);
	tcase_add_test(t, test_retry_env_parsing);
	tcase_add_test(t, test_retry_through_fault_proxy);
	suite_add_tcase(s, t);
	return s;
}
