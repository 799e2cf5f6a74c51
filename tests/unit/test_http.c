/*
 * test_http.c — unit tests of runtime/http.c and runtime/http_redact.c against
 * a loopback server (tests/aws/httptest_server.py) started and reaped by each
 * test: methods and body round-trips, headers, statuses, the body cap,
 * transport-error classification, parallel requests, keep-alive, delayed and
 * chained submissions, debug output and secret redaction.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "compiler/base/version.h"
#include "runtime/http.h"
#include "testutil.h"
#include "tu_server.h"

#define SERVER "tests/aws/httptest_server.py"

static void start_server(tu_server *s)
{
	/* loopback must never go through a proxy the developer has configured */
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	ck_assert_int_eq(tu_server_start(s, SERVER, NULL), 0);
}

static http_client *new_client(const http_options *o)
{
	http_client *c = NULL;
	fcc_err e;

	ck_assert_int_eq(http_client_new(&c, o, &e), FCC_OK);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* GET/HEAD/POST/PUT/DELETE `base+path`; returns the response in *r. */
static void call(http_client *c, const char *method, const char *base, const char *path,
		 const http_header *h, size_t nh, const void *body, size_t len, http_response *r)
{
	char url[256];
	http_request q = {0};
	fcc_err e;

	snprintf(url, sizeof url, "%s%s", base, path);
	q.method = method;
	q.url = url;
	q.headers = h;
	q.nheaders = nh;
	q.body = body;
	q.body_len = len;
	ck_assert_int_eq(http_do(c, &q, r, &e), FCC_OK);
}

START_TEST(test_http_methods_round_trip)
{
	tu_server s;
	http_client *c;
	http_response r;
	static const char bin[] = "line1\nline2\0after-nul\xff";
	http_header h[] = {{"X-Test-Color", "blue"}, {"Content-Type", "application/octet-stream"}};
	char ua[64];
	char *big;

	start_server(&s);
	c = new_client(NULL);

	call(c, "GET", s.base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_NONE);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-method"), "GET");
	ck_assert_str_eq(http_response_header(&r, "X-ECHO-LENGTH"), "0");
	snprintf(ua, sizeof ua, "fcc/%s", FCC_VERSION);
	ck_assert_str_eq(http_response_header(&r, "X-Echo-User-Agent"), ua);
	ck_assert_ptr_null(http_response_header(&r, "x-echo-color"));
	http_response_dispose(&r);

	call(c, "POST", s.base, "/echo", h, 1, "Action=List&Version=1", 21, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-method"), "POST");
	ck_assert_str_eq(http_response_header(&r, "x-echo-color"), "blue");
	ck_assert_uint_eq(r.body.len, 21);
	ck_assert_str_eq(r.body.data, "Action=List&Version=1");
	http_response_dispose(&r);

	/* binary body with a NUL survives both ways */
	call(c, "PUT", s.base, "/echo", h, 2, bin, sizeof bin - 1, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-method"), "PUT");
	ck_assert_str_eq(http_response_header(&r, "x-echo-content-type"),
			 "application/octet-stream");
	ck_assert_uint_eq(r.body.len, sizeof bin - 1);
	ck_assert_int_eq(memcmp(r.body.data, bin, sizeof bin - 1), 0);
	http_response_dispose(&r);

	/* an empty PUT still sends Content-Length: 0, and curl's default form
	 * Content-Type is not invented (it would break S3 signatures) */
	call(c, "PUT", s.base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-length"), "0");
	ck_assert_str_eq(http_response_header(&r, "x-echo-content-type"), "(none)");
	http_response_dispose(&r);

	/* a 2 MiB body goes without "Expect: 100-continue" and comes back whole */
	big = malloc(2u << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'b', 2u << 20);
	big[12345] = 'X';
	call(c, "POST", s.base, "/echo", NULL, 0, big, 2u << 20, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-expect"), "(none)");
	ck_assert_str_eq(http_response_header(&r, "x-echo-content-type"), "(none)");
	ck_assert_uint_eq(r.body.len, 2u << 20);
	ck_assert_int_eq(memcmp(r.body.data, big, 2u << 20), 0);
	http_response_dispose(&r);
	free(big);

	call(c, "HEAD", s.base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_NONE);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-method"), "HEAD");
	ck_assert_uint_eq(r.body.len, 0);
	http_response_dispose(&r);

	call(c, "DELETE", s.base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_response_header(&r, "x-echo-method"), "DELETE");
	http_response_dispose(&r);

	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_status_codes)
{
	static const int codes[] = {201, 301, 400, 404, 429, 500, 503};
	tu_server s;
	http_client *c;
	http_response r;
	char path[32], body[32];
	size_t i;

	start_server(&s);
	c = new_client(NULL);
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(path, sizeof path, "/status/%d", codes[i]);
		snprintf(body, sizeof body, "status %d", codes[i]);
		call(c, "GET", s.base, path, NULL, 0, NULL, 0, &r);
		ck_assert_int_eq(r.terr, HTTP_TE_NONE); /* an HTTP error is not a transport error */
		ck_assert_int_eq(r.status, codes[i]);
		ck_assert_str_eq(fcc_buf_cstr(&r.body), body);
		http_response_dispose(&r);
	}
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_body_cap)
{
	tu_server s;
	http_client *c;
	http_response r;
	http_options o = {.max_body = 1000};

	start_server(&s);
	c = new_client(&o);
	call(c, "GET", s.base, "/big/1000", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_NONE);
	ck_assert_uint_eq(r.body.len, 1000);
	http_response_dispose(&r);
	call(c, "GET", s.base, "/big/5000", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_TOO_LARGE);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.errmsg, "size limit"));
	ck_assert_int_eq(http_transport_error_retryable(r.terr), 0);
	http_response_dispose(&r);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_connect_refused)
{
	http_client *c = new_client(NULL);
	http_response r;
	char base[64];
	int port = tu_unused_port();

	ck_assert_int_gt(port, 0);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	call(c, "GET", base, "/", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_CONNECT);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_ne(r.errmsg, "");
	ck_assert_int_eq(http_transport_error_retryable(r.terr), 1);
	http_response_dispose(&r);
	http_client_free(c);
}
END_TEST

START_TEST(test_http_timeout)
{
	tu_server s;
	http_client *c;
	http_response r;
	http_options o = {.timeout_ms = 300};
	http_request q = {.method = "GET", .timeout_ms = 0};
	char url[128];
	fcc_err e;

	start_server(&s);
	c = new_client(&o);
	call(c, "GET", s.base, "/sleep/5000", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_TIMEOUT);
	ck_assert_int_eq(r.status, 0);
	http_response_dispose(&r);
	/* a per-request timeout overrides the client's */
	snprintf(url, sizeof url, "%s/sleep/600", s.base);
	q.url = url;
	q.timeout_ms = 10000;
	ck_assert_int_eq(http_do(c, &q, &r, &e), FCC_OK);
	ck_assert_int_eq(r.terr, HTTP_TE_NONE);
	ck_assert_int_eq(r.status, 200);
	http_response_dispose(&r);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_dropped)
{
	tu_server s;
	http_client *c;
	http_response r;

	start_server(&s);
	c = new_client(NULL);
	call(c, "POST", s.base, "/drop", NULL, 0, "{}", 2, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_DROPPED);
	ck_assert_int_eq(r.status, 0);
	http_response_dispose(&r);
	call(c, "GET", s.base, "/partial", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_DROPPED);
	ck_assert_int_eq(r.status, 0);
	http_response_dispose(&r);
	/* the client recovers on a fresh connection */
	call(c, "GET", s.base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	http_response_dispose(&r);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

typedef struct counter {
	int done;
	int ok;
	int order[16];
} counter;

static void count_done(void *payload, const http_request *req, http_response *resp)
{
	counter *k = payload;

	(void)req;
	if (k->done < 16)
		k->order[k->done] = (int)resp->status;
	k->done++;
	if (resp->terr == HTTP_TE_NONE && resp->status == 200)
		k->ok++;
}

/* the server's own view: {"connections": C, "requests": R, "max_concurrent": M} */
static long stat_of(http_client *c, const char *base, const char *key)
{
	http_response r;
	const char *p;
	char needle[64];
	long v;

	call(c, "GET", base, "/__stats", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	snprintf(needle, sizeof needle, "\"%s\": ", key);
	p = strstr(fcc_buf_cstr(&r.body), needle);
	ck_assert_ptr_nonnull(p);
	v = strtol(p + strlen(needle), NULL, 10);
	http_response_dispose(&r);
	return v;
}

START_TEST(test_http_parallel_in_flight)
{
	tu_server s;
	http_client *c;
	http_options o = {.max_in_flight = 8};
	http_request q = {.method = "GET"};
	counter k = {0};
	char url[128];
	fcc_err e;
	int i;

	start_server(&s);
	c = new_client(&o);
	snprintf(url, sizeof url, "%s/sleep/400", s.base);
	q.url = url;
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(http_submit(c, &q, 0, count_done, &k, &e), FCC_OK);
	ck_assert_int_eq(http_run(c, &e), FCC_OK);
	ck_assert_int_eq(k.done, 8);
	ck_assert_int_eq(k.ok, 8);
	/* the server saw requests overlap, on several connections */
	ck_assert_int_ge(stat_of(c, s.base, "max_concurrent"), 2);
	ck_assert_int_ge(stat_of(c, s.base, "connections"), 2);
	ck_assert_int_eq(stat_of(c, s.base, "requests"), 8);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_keepalive_reuse)
{
	tu_server s;
	http_client *c;
	http_response r;
	int i;

	start_server(&s);
	c = new_client(NULL);
	for (i = 0; i < 6; i++) {
		call(c, i % 2 ? "POST" : "GET", s.base, "/echo", NULL, 0, i % 2 ? "x" : NULL, i % 2,
		     &r);
		ck_assert_int_eq(r.status, 200);
		http_response_dispose(&r);
	}
	ck_assert_int_eq(stat_of(c, s.base, "requests"), 6);
	ck_assert_int_eq(stat_of(c, s.base, "connections"), 1);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

/* A callback that submits a follow-up (as the retry layer does), delayed. */
typedef struct chain {
	http_client *c;
	http_request next;
	char url[128];
	int calls;
	long statuses[2];
} chain;

static void chain_done(void *payload, const http_request *req, http_response *resp)
{
	chain *ch = payload;
	fcc_err e;

	(void)req;
	ch->statuses[ch->calls < 2 ? ch->calls : 1] = resp->status;
	if (ch->calls++ == 0) {
		http_response r;
		ck_assert_int_eq(http_submit(ch->c, &ch->next, 50, chain_done, ch, &e), FCC_OK);
		/* the synchronous call cannot nest inside the event loop */
		ck_assert_int_eq(http_do(ch->c, &ch->next, &r, &e), FCC_ERROR);
		http_response_dispose(&r);
		ck_assert_int_eq(http_run(ch->c, &e), FCC_ERROR);
	}
}

START_TEST(test_http_submit_from_callback)
{
	tu_server s;
	chain ch = {0};
	http_request first = {.method = "GET"};
	char url1[128];
	fcc_err e;

	start_server(&s);
	ch.c = new_client(NULL);
	snprintf(url1, sizeof url1, "%s/status/503", s.base);
	snprintf(ch.url, sizeof ch.url, "%s/status/204", s.base);
	first.url = url1;
	ch.next.method = "GET";
	ch.next.url = ch.url;
	ck_assert_int_eq(http_submit(ch.c, &first, 20, chain_done, &ch, &e), FCC_OK);
	ck_assert_int_eq(http_run(ch.c, &e), FCC_OK);
	ck_assert_int_eq(ch.calls, 2);
	ck_assert_int_eq(ch.statuses[0], 503);
	ck_assert_int_eq(ch.statuses[1], 204);
	/* bad requests are refused up front and never called back */
	first.url = NULL;
	ck_assert_int_eq(http_submit(ch.c, &first, 0, chain_done, &ch, &e), FCC_ERROR);
	ck_assert_int_eq(http_run(ch.c, &e), FCC_OK);
	ck_assert_int_eq(ch.calls, 2);
	http_client_free(ch.c);
	tu_server_stop(&s);
}
END_TEST

/* The tick hook: called while a slow request is in flight, at least as
 * often as it asks, and able to submit (the apply lock's refresh). */
typedef struct ticker {
	http_client *c;
	http_request extra;
	char url[128];
	struct timespec t0;
	int ticks, submitted, extra_done_ms, slow_done_ms;
} ticker;

static int ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static void tick_extra_done(void *payload, const http_request *req, http_response *resp)
{
	ticker *t = payload;

	(void)req;
	ck_assert_int_eq(resp->status, 204);
	t->extra_done_ms = ms_since(&t->t0);
}

static void tick_slow_done(void *payload, const http_request *req, http_response *resp)
{
	ticker *t = payload;

	(void)req;
	ck_assert_int_eq(resp->status, 200);
	t->slow_done_ms = ms_since(&t->t0);
}

static long on_tick(void *payload)
{
	ticker *t = payload;
	fcc_err e;

	t->ticks++;
	if (!t->submitted && ms_since(&t->t0) >= 300) {
		ck_assert_int_eq(http_submit(t->c, &t->extra, 0, tick_extra_done, t, &e), FCC_OK);
		t->submitted = 1;
	}
	return 100;
}

START_TEST(test_http_tick_while_slow)
{
	tu_server s;
	ticker t;
	http_request slow = {.method = "GET"};
	char url[128];
	fcc_err e;

	memset(&t, 0, sizeof t);
	start_server(&s);
	t.c = new_client(NULL);
	snprintf(url, sizeof url, "%s/sleep/1500", s.base);
	slow.url = url;
	snprintf(t.url, sizeof t.url, "%s/status/204", s.base);
	t.extra.method = "GET";
	t.extra.url = t.url;
	http_client_set_tick(t.c, on_tick, &t);
	clock_gettime(CLOCK_MONOTONIC, &t.t0);
	ck_assert_int_eq(http_submit(t.c, &slow, 0, tick_slow_done, &t, &e), FCC_OK);
	ck_assert_int_eq(http_run(t.c, &e), FCC_OK);
	ck_assert_int_ge(t.slow_done_ms, 1500);
	/* the request the tick submitted went out and came back during the slow one */
	ck_assert_int_eq(t.submitted, 1);
	ck_assert_int_ge(t.extra_done_ms, 300);
	ck_assert_int_lt(t.extra_done_ms, t.slow_done_ms);
	/* woken every ~100 ms as asked, not once a second */
	ck_assert_int_ge(t.ticks, 8);
	/* removed: no more calls */
	http_client_set_tick(t.c, NULL, NULL);
	t.ticks = 0;
	ck_assert_int_eq(http_submit(t.c, &t.extra, 0, tick_extra_done, &t, &e), FCC_OK);
	ck_assert_int_eq(http_run(t.c, &e), FCC_OK);
	ck_assert_int_eq(t.ticks, 0);
	http_client_free(t.c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_submit_oom)
{
	http_client *c = new_client(NULL);
	http_header h[] = {{"X-Test-A", "1"}, {"X-Test-B", ""}};
	http_request q = {
		.method = "GET", .url = "http://127.0.0.1:1/", .headers = h, .nheaders = 2};
	counter k = {0};
	fcc_err e;
	long n;
	int rc, failures = 0;

	/* every allocation of http_submit fails in turn: a clean ENOMEM, no callback */
	for (n = 1; n < 20; n++) {
		fcc_alloc_fail_after(n, 0);
		rc = http_submit(c, &q, 0, count_done, &k, &e);
		fcc_alloc_fail_after(0, 0);
		if (rc == FCC_ENOMEM)
			failures++;
		else
			ck_assert_int_eq(rc, FCC_OK);
	}
	ck_assert_int_ge(failures, 3);
	ck_assert_int_eq(http_run(c, &e), FCC_OK);
	ck_assert_int_eq(k.done, 19 - failures);
	http_client_free(c);
}
END_TEST

START_TEST(test_http_max_in_flight_limit)
{
	tu_server s;
	http_client *c;
	http_options o = {.max_in_flight = 2};
	http_request q = {.method = "GET"};
	counter k = {0};
	char url[128];
	fcc_err e;
	int i;

	start_server(&s);
	c = new_client(&o);
	snprintf(url, sizeof url, "%s/sleep/150", s.base);
	q.url = url;
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(http_submit(c, &q, 0, count_done, &k, &e), FCC_OK);
	ck_assert_int_eq(http_run(c, &e), FCC_OK);
	ck_assert_int_eq(k.ok, 6);
	ck_assert_int_le(stat_of(c, s.base, "max_concurrent"), 2);
	ck_assert_int_le(stat_of(c, s.base, "connections"), 2);
	http_client_free(c);
	tu_server_stop(&s);
}
END_TEST

/* Requests marked `ahead` start before those already waiting for a slot, in
 * the order they were queued; an unmarked one still waits its turn. */
typedef struct ahead_run {
	http_client *c;
	counter k;
	http_request q[3]; /* from the first answer: two ahead, one not */
	char url[3][128];
} ahead_run;

static void ahead_done(void *payload, const http_request *req, http_response *resp)
{
	ahead_run *a = payload;
	fcc_err e;
	int i;

	count_done(&a->k, req, resp);
	if (a->k.done != 1)
		return;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(http_submit(a->c, &a->q[i], 0, ahead_done, a, &e), FCC_OK);
}

START_TEST(test_http_ahead_goes_first)
{
	tu_server s;
	http_options o = {.max_in_flight = 1};
	http_request q[3];
	char url[3][128];
	ahead_run a;
	static const int want[6] = {211, 214, 215, 212, 213, 216};
	fcc_err e;
	int i;

	memset(&a, 0, sizeof a);
	memset(q, 0, sizeof q);
	start_server(&s);
	a.c = new_client(&o);
	for (i = 0; i < 3; i++) {
		snprintf(url[i], sizeof url[i], "%s/status/%d", s.base, 211 + i);
		q[i].method = "GET";
		q[i].url = url[i];
		ck_assert_int_eq(http_submit(a.c, &q[i], 0, ahead_done, &a, &e), FCC_OK);
		snprintf(a.url[i], sizeof a.url[i], "%s/status/%d", s.base, 214 + i);
		a.q[i].method = "GET";
		a.q[i].url = a.url[i];
		a.q[i].ahead = i < 2;
	}
	ck_assert_int_eq(http_run(a.c, &e), FCC_OK);
	ck_assert_int_eq(a.k.done, 6);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(a.k.order[i], want[i]);
	http_client_free(a.c);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_tls_verification)
{
	tu_server s, plain;
	http_client *c;
	http_response r;
	char cert[4096], key[4096], base[64];
	const char *args[4];
	http_options o = {0};

	setenv("no_proxy", "127.0.0.1,localhost", 1);
	snprintf(cert, sizeof cert, "%s", tu_path("tests/aws/testdata/loopback-cert.pem"));
	snprintf(key, sizeof key, "%s", tu_path("tests/aws/testdata/loopback-key.pem"));
	args[0] = "--tls";
	args[1] = cert;
	args[2] = key;
	args[3] = NULL;
	ck_assert_int_eq(tu_server_start(&s, SERVER, args), 0);
	snprintf(base, sizeof base, "https://127.0.0.1:%d", s.port);

	/* a self-signed server is refused: verification is on by default */
	c = new_client(NULL);
	call(c, "GET", base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_TLS);
	ck_assert_int_eq(r.status, 0);
	http_response_dispose(&r);
	http_client_free(c);

	/* trusting its certificate explicitly makes the same request succeed */
	o.ca_file = cert;
	c = new_client(&o);
	call(c, "GET", base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_NONE);
	ck_assert_int_eq(r.status, 200);
	http_response_dispose(&r);

	/* TLS spoken to a plain-HTTP port is a TLS error too */
	start_server(&plain);
	snprintf(base, sizeof base, "https://127.0.0.1:%d", plain.port);
	call(c, "GET", base, "/echo", NULL, 0, NULL, 0, &r);
	ck_assert_int_eq(r.terr, HTTP_TE_TLS);
	http_response_dispose(&r);
	http_client_free(c);
	tu_server_stop(&plain);
	tu_server_stop(&s);
}
END_TEST

START_TEST(test_http_client_new_oom)
{
	http_client *c;
	http_options o = {.user_agent = "ua/1", .ca_file = "/nonexistent.pem"};
	fcc_err e;
	long n;
	int rc, failures = 0;

	for (n = 1; n < 12; n++) {
		c = (http_client *)&e; /* must be reset to NULL on failure */
		fcc_alloc_fail_after(n, 0);
		rc = http_client_new(&c, &o, &e);
		fcc_alloc_fail_after(0, 0);
		if (rc == FCC_ENOMEM) {
			failures++;
			ck_assert_ptr_null(c);
		} else {
			ck_assert_int_eq(rc, FCC_OK);
		}
		http_client_free(c);
	}
	ck_assert_int_ge(failures, 4);
}
END_TEST

/* ---- redaction ---- */

static char *redact(int (*fn)(fcc_buf *, const char *, const char *), const char *a, const char *b)
{
	fcc_buf out;

	fcc_buf_init(&out, 0);
	ck_assert_int_eq(fn(&out, a, b), FCC_OK);
	return fcc_buf_take(&out, NULL);
}

static char *redact_body(const char *body, size_t len)
{
	fcc_buf out;

	fcc_buf_init(&out, 0);
	ck_assert_int_eq(http_redact_body(&out, body, len), FCC_OK);
	return fcc_buf_take(&out, NULL);
}

#define SIGV4                                                                                      \
	"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "            \
	"SignedHeaders=content-type;host;x-amz-date, "                                             \
	"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

START_TEST(test_http_redact_headers)
{
	char *s;

	s = redact(http_redact_header, "Authorization", SIGV4);
	ck_assert_str_eq(s, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
			    "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
			    "Signature=<redacted>");
	fcc_free(s);
	s = redact(http_redact_header, "authorization", "Bearer abc.def.ghi");
	ck_assert_str_eq(s, HTTP_REDACTED);
	fcc_free(s);
	s = redact(http_redact_header, "X-Amz-Security-Token", "FQoGZXIvYXdzEJr//////////wEaDOPQ");
	ck_assert_str_eq(s, HTTP_REDACTED);
	fcc_free(s);
	s = redact(http_redact_header, "x-aws-ec2-metadata-token", "AQAEAFTx==");
	ck_assert_str_eq(s, HTTP_REDACTED);
	fcc_free(s);
	/* the TTL header of the same protocol is not a secret */
	s = redact(http_redact_header, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
	ck_assert_str_eq(s, "21600");
	fcc_free(s);
	s = redact(http_redact_header, "X-Amz-Target", "SageMaker.DescribePipeline");
	ck_assert_str_eq(s, "SageMaker.DescribePipeline");
	fcc_free(s);
	s = redact(http_redact_header, "Authorization", "AWS4-HMAC-SHA256 Signature=ab12, X=1");
	ck_assert_str_eq(s, "AWS4-HMAC-SHA256 Signature=<redacted>, X=1");
	fcc_free(s);
}
END_TEST

static int url_adapter(fcc_buf *out, const char *url, const char *unused)
{
	(void)unused;
	return http_redact_url(out, url);
}

START_TEST(test_http_redact_url)
{
	char *s;

	s = redact(url_adapter,
		   "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F"
		   "x&X-Amz-Security-Token=tok%2Bsecret&x-amz-signature=deadbeef HTTP/1.1",
		   NULL);
	ck_assert_str_eq(s, "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2Fx"
			    "&X-Amz-Security-Token=<redacted>&x-amz-signature=<redacted> HTTP/1.1");
	fcc_free(s);
	s = redact(url_adapter, "POST / HTTP/1.1", NULL);
	ck_assert_str_eq(s, "POST / HTTP/1.1");
	fcc_free(s);
}
END_TEST

START_TEST(test_http_redact_bodies)
{
	static const char json[] =
		"{\"Credentials\": {\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\" : \"wJalr\\\"XUt\","
		" \"SessionToken\":\"IQoJb3JpZ2lu\", \"Expiration\": 1700000000},"
		" \"NextToken\": \"page2\", \"Token\": 12345, \"DbPassword\": null, \"Name\": \"Token\"}";
	static const char xml[] =
		"<AssumeRoleWithWebIdentityResult><Credentials><SessionToken>IQoJ+b3J/pZ2</SessionToken>"
		"<aws:SecretAccessKey xmlns:aws=\"x\">wJalrXUt</aws:SecretAccessKey><Empty/>"
		"<AccessKeyId>ASIAX</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>";
	static const char form[] =
		"Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJhbGciOi&RoleArn=arn%3Aaws"
		"&Credentials.SessionToken=abc&ClientRequestToken=keep-me";
	char *s;

	s = redact_body(json, sizeof json - 1);
	ck_assert_str_eq(
		s,
		"{\"Credentials\": {\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\" : \"<redacted>\","
		" \"SessionToken\":\"<redacted>\", \"Expiration\": 1700000000},"
		" \"NextToken\": \"page2\", \"Token\": <redacted>, \"DbPassword\": <redacted>,"
		" \"Name\": \"Token\"}");
	fcc_free(s);
	s = redact_body(xml, sizeof xml - 1);
	ck_assert_str_eq(
		s,
		"<AssumeRoleWithWebIdentityResult><Credentials><SessionToken><redacted></SessionToken>"
		"<aws:SecretAccessKey xmlns:aws=\"x\"><redacted></aws:SecretAccessKey><Empty/>"
		"<AccessKeyId>ASIAX</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>");
	fcc_free(s);
	s = redact_body(form, sizeof form - 1);
	ck_assert_str_eq(s, "Action=AssumeRoleWithWebIdentity&WebIdentityToken=<redacted>"
			    "&RoleArn=arn%3Aaws&Credentials.SessionToken=<redacted>"
			    "&ClientRequestToken=keep-me");
	fcc_free(s);
	/* an excerpt cut inside a secret value still hides it */
	s = redact_body("{\"SecretAccessKey\":\"wJalrXUtnFEMI", 32);
	ck_assert_str_eq(s, "{\"SecretAccessKey\":\"<redacted>\"");
	fcc_free(s);
	s = redact_body("<Password>hunter", 16);
	ck_assert_str_eq(s, "<Password><redacted>");
	fcc_free(s);
	/* plain text passes unchanged */
	s = redact_body("just text", 9);
	ck_assert_str_eq(s, "just text");
	fcc_free(s);
	ck_assert_int_eq(http_redact_is_secret_field("aws_secret_access_key", 21), 1);
	ck_assert_int_eq(http_redact_is_secret_field("IdempotencyToken", 16), 0);
	ck_assert_int_eq(http_redact_is_secret_field("TokenCount", 10), 0);
}
END_TEST

typedef struct lines {
	fcc_buf all;
} lines;

static void collect(void *payload, const char *line)
{
	lines *l = payload;

	ck_assert_ptr_null(strchr(line, '\n'));
	ck_assert_int_eq(fcc_buf_printf(&l->all, "%s\n", line), FCC_OK);
}

START_TEST(test_http_debug_is_redacted)
{
	tu_server s;
	http_client *c;
	http_response r;
	lines l;
	http_options o = {.debug = collect, .debug_payload = &l, .debug_body_max = 64};
	http_header h[] = {{"Authorization", SIGV4},
			   {"X-Amz-Security-Token", "SESSIONTOKENVALUE"},
			   {"Content-Type", "application/x-amz-json-1.1"}};
	static const char body[] =
		"{\"SecretAccessKey\": \"SECRETKEYVALUE\", \"Name\": \"visible\"}";
	const char *all;
	char want[64];

	fcc_buf_init(&l.all, 0);
	start_server(&s);
	c = new_client(&o);
	call(c, "POST", s.base, "/echo", h, 3, body, sizeof body - 1, &r);
	ck_assert_int_eq(r.status, 200);
	http_response_dispose(&r);
	all = fcc_buf_cstr(&l.all);
	ck_assert_ptr_nonnull(strstr(all, "> POST /echo HTTP/1.1\n"));
	ck_assert_ptr_nonnull(
		strstr(all, "Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request"));
	ck_assert_ptr_nonnull(strstr(all, "Signature=<redacted>"));
	ck_assert_ptr_nonnull(strstr(all, "> X-Amz-Security-Token: <redacted>\n"));
	ck_assert_ptr_nonnull(strstr(all, "< HTTP/1.1 200 OK\n"));
	ck_assert_ptr_nonnull(strstr(all, "\"Name\": \"visible\""));
	/* the echoed body comes back redacted too */
	snprintf(want, sizeof want, "> [body %zu bytes] {", sizeof body - 1);
	ck_assert_ptr_nonnull(strstr(all, want));
	want[0] = '<';
	ck_assert_ptr_nonnull(strstr(all, want));
	ck_assert_ptr_null(strstr(all, "5d672d79c15b"));
	ck_assert_ptr_null(strstr(all, "SESSIONTOKENVALUE"));
	ck_assert_ptr_null(strstr(all, "SECRETKEYVALUE"));
	http_client_free(c);
	tu_server_stop(&s);
	fcc_buf_dispose(&l.all);
}
END_TEST

Suite *suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *t = tcase_create("http");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_http_methods_round_trip);
	tcase_add_test(t, test_http_status_codes);
	tcase_add_test(t, test_http_body_cap);
	tcase_add_test(t, test_http_connect_refused);
	tcase_add_test(t, test_http_timeout);
	tcase_add_test(t, test_http_dropped);
	tcase_add_test(t, test_http_parallel_in_flight);
	tcase_add_test(t, test_http_max_in_flight_limit);
	tcase_add_test(t, test_http_ahead_goes_first);
	tcase_add_test(t, test_http_keepalive_reuse);
	tcase_add_test(t, test_http_tls_verification);
	tcase_add_test(t, test_http_client_new_oom);
	tcase_add_test(t, test_http_submit_from_callback);
	tcase_add_test(t, test_http_tick_while_slow);
	tcase_add_test(t, test_http_submit_oom);
	tcase_add_test(t, test_http_redact_headers);
	tcase_add_test(t, test_http_redact_url);
	tcase_add_test(t, test_http_redact_bodies);
	tcase_add_test(t, test_http_debug_is_redacted);
	suite_add_tcase(s, t);
	return s;
}
