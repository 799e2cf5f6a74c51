/*
 * test_sigv4.c — unit tests of runtime/sigv4 and runtime/sigv4_raw: every
 * case of the AWS SigV4 test suite (shared/testdata/sigv4, found at run
 * time), S3 mode, unsigned headers, the headers the signer asks the caller
 * to add, canonicalisation details, the raw parser, and out-of-memory paths.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/base/alloc.h"
#include "compiler/base/err.h"
#include "runtime/sigv4.h"
#include "runtime/sigv4_raw.h"
#include "testutil.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
/* from shared/testdata/sigv4/README.md, case get-vanilla-with-session-token */
#define VANILLA_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

/* Case directories found under the vector root: "group/case" or "case". */
static char **cases;
static size_t ncases;
static char vec_root[4096];

static void add_case(const char *rel)
{
	char **p = realloc(cases, (ncases + 1) * sizeof *p);

	if (!p)
		return;
	cases = p;
	cases[ncases] = strdup(rel);
	if (cases[ncases])
		ncases++;
}

/* A directory is a case when it holds <basename>.req. */
static void scan(const char *rel)
{
	char dir[4096 + 256], path[8192];
	DIR *d;
	struct dirent *de;
	struct stat st;
	const char *base = strrchr(rel, '/');

	snprintf(dir, sizeof dir, "%s%s%s", vec_root, *rel ? "/" : "", rel);
	base = base ? base + 1 : rel;
	if (*rel) {
		snprintf(path, sizeof path, "%s/%s.req", dir, base);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			add_case(rel);
			return;
		}
	}
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char sub[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		scan(sub);
	}
	closedir(d);
}

static int case_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void find_cases(void)
{
	snprintf(vec_root, sizeof vec_root, "%s", tu_path("../shared/testdata/sigv4"));
	scan("");
	if (ncases)
		qsort(cases, ncases, sizeof *cases, case_cmp);
}

static char *case_file(const char *rel, const char *ext, size_t *len)
{
	char path[8192];
	const char *base = strrchr(rel, '/');

	snprintf(path, sizeof path, "%s/%s/%s.%s", vec_root, rel, base ? base + 1 : rel, ext);
	return tu_read(path, len);
}

/* The example token in post-sts-token/readme.txt: the text after the line
 * that introduces it. */
static char *readme_token(void)
{
	char path[8192];
	char *txt, *p, *tok = NULL;
	size_t n;

	snprintf(path, sizeof path, "%s/post-sts-token/readme.txt", vec_root);
	if (!(txt = tu_read(path, NULL)))
		return NULL;
	if ((p = strstr(txt, "value for X-Amz-Security-Token:"))) {
		p += strlen("value for X-Amz-Security-Token:");
		p += strspn(p, " \r\n\t");
		n = strcspn(p, " \r\n\t");
		if (n)
			tok = strndup(p, n);
	}
	free(txt);
	return tok;
}

START_TEST(test_sigv4_vectors_found)
{
	/* the suite has 34 cases; a smaller count means a broken checkout */
	ck_assert_msg(ncases >= 34, "found %zu SigV4 cases under %s", ncases, vec_root);
}
END_TEST

START_TEST(test_sigv4_vector)
{
	const char *rel;
	char *req, *creq, *sts, *authz, *token = NULL;
	size_t reqlen;
	sigv4_raw raw;
	sigv4_result res;
	sigv4_credentials cr = {AKID, SECRET, NULL};
	sigv4_params pa = {"service", "us-east-1", NULL, 0, 0};
	sigv4_request rq;
	fcc_err e;

	ck_assert_uint_lt((size_t)_i, ncases);
	rel = cases[_i];
	req = case_file(rel, "req", &reqlen);
	creq = case_file(rel, "creq", NULL);
	sts = case_file(rel, "sts", NULL);
	authz = case_file(rel, "authz", NULL);
	ck_assert_msg(req && creq && sts && authz, "%s: missing vector file", rel);

	if (strstr(rel, "get-vanilla-with-session-token")) {
		token = strdup(VANILLA_TOKEN);
	} else if (strncmp(rel, "post-sts-token/", 15) == 0) {
		token = readme_token();
		ck_assert_ptr_nonnull(token);
		if (strstr(rel, "header-after"))
			pa.flags |= SIGV4_UNSIGNED_TOKEN;
	}
	cr.session_token = token;

	ck_assert_msg(sigv4_raw_parse(&raw, req, reqlen, &e) == FCC_OK, "%s: %s", rel, e.msg);
	memset(&rq, 0, sizeof rq);
	rq.method = raw.method;
	rq.path = raw.path;
	rq.query = raw.query;
	rq.headers = raw.headers;
	rq.nheaders = raw.nheaders;
	rq.payload = raw.body;
	rq.payload_len = raw.body_len;
	ck_assert_msg(sigv4_sign(&res, &rq, &cr, &pa, &e) == FCC_OK, "%s: %s", rel, e.msg);
	ck_assert_msg(strcmp(res.canonical_request, creq) == 0,
		      "%s: canonical request\n%s\n--- want\n%s", rel, res.canonical_request, creq);
	ck_assert_msg(strcmp(res.string_to_sign, sts) == 0, "%s: string to sign\n%s\n--- want\n%s",
		      rel, res.string_to_sign, sts);
	ck_assert_msg(strcmp(res.authorization, authz) == 0, "%s: authorization\n%s\n--- want\n%s",
		      rel, res.authorization, authz);
	/* the vectors carry X-Amz-Date, so only a token can need adding */
	if (token && !strstr(rel, "header-before")) {
		ck_assert_uint_eq(res.nadd, 1);
		ck_assert_str_eq(res.add[0].name, "X-Amz-Security-Token");
		ck_assert_str_eq(res.add[0].value, token);
	} else {
		ck_assert_uint_eq(res.nadd, 0);
	}
	sigv4_result_dispose(&res);
	sigv4_raw_dispose(&raw);
	free(req);
	free(creq);
	free(sts);
	free(authz);
	free(token);
}
END_TEST

static int sign_simple(sigv4_result *out, const char *method, const char *path, const char *query,
		       const sigv4_header *h, size_t nh, const char *token, unsigned flags,
		       fcc_err *e)
{
	sigv4_request rq = {method, path, query, h, nh, NULL, 0, NULL};
	sigv4_credentials cr = {AKID, SECRET, token};
	sigv4_params pa = {"service", "us-east-1", NULL, 1440938160 /* 20150830T123600Z */, flags};

	return sigv4_sign(out, &rq, &cr, &pa, e);
}

/* Line `n` (0-based) of the canonical request, into a static buffer. */
static const char *creq_line(const sigv4_result *r, int n)
{
	static char line[1024];
	const char *p = r->canonical_request, *nl;

	while (n-- > 0 && p)
		p = (nl = strchr(p, '\n')) ? nl + 1 : NULL;
	if (!p)
		return NULL;
	nl = strchr(p, '\n');
	snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
	return line;
}

START_TEST(test_sigv4_s3_path_kept)
{
	const sigv4_header h[] = {{"Host", "bucket.s3.us-east-1.amazonaws.com"},
				  {"X-Amz-Date", "20150830T123600Z"}};
	const char *wire = "/my-object//example/../photo%20x.user";
	sigv4_result r, g;
	fcc_err e;
	char hash[65], stsline[65];

	ck_assert_int_eq(sign_simple(&r, "GET", wire, NULL, h, 2, NULL, SIGV4_S3, &e), FCC_OK);
	/* S3: the wire path exactly, no dot-segment removal or re-encoding */
	ck_assert_str_eq(creq_line(&r, 1), wire);
	/* x-amz-content-sha256 added and signed, payload hash of the empty body */
	ck_assert_uint_eq(r.nadd, 1);
	ck_assert_str_eq(r.add[0].name, "x-amz-content-sha256");
	ck_assert_int_eq(sigv4_sha256_hex(hash, "", 0), FCC_OK);
	ck_assert_str_eq(r.add[0].value, hash);
	ck_assert_str_eq(r.signed_headers, "host;x-amz-content-sha256;x-amz-date");
	ck_assert_ptr_nonnull(strstr(r.canonical_request, "\nx-amz-content-sha256:"));
	/* the string to sign ends with SHA-256 of the canonical request */
	ck_assert_int_eq(sigv4_sha256_hex(hash, r.canonical_request, strlen(r.canonical_request)),
			 FCC_OK);
	snprintf(stsline, sizeof stsline, "%s", strrchr(r.string_to_sign, '\n') + 1);
	ck_assert_str_eq(stsline, hash);

	/* the generic rule normalises and double-encodes the same path */
	ck_assert_int_eq(sign_simple(&g, "GET", wire, NULL, h, 2, NULL, 0, &e), FCC_OK);
	ck_assert_str_eq(creq_line(&g, 1), "/my-object/photo%2520x.user");
	ck_assert_uint_eq(g.nadd, 0);
	ck_assert_str_ne(g.signature, r.signature);
	sigv4_result_dispose(&r);
	sigv4_result_dispose(&g);
}
END_TEST

START_TEST(test_sigv4_s3_payload_hash)
{
	const sigv4_header h[] = {{"Host", "s3.amazonaws.com"},
				  {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
				  {"X-Amz-Date", "20150830T123600Z"}};
	sigv4_result r;
	fcc_err e;

	/* a content hash the request already carries is the payload hash */
	ck_assert_int_eq(sign_simple(&r, "PUT", "/b/k", NULL, h, 3, NULL, SIGV4_S3, &e), FCC_OK);
	ck_assert_uint_eq(r.nadd, 0);
	ck_assert_str_eq(strrchr(r.canonical_request, '\n') + 1, "UNSIGNED-PAYLOAD");
	ck_assert_ptr_nonnull(
		strstr(r.canonical_request, "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
	sigv4_result_dispose(&r);
}
END_TEST

START_TEST(test_sigv4_unsigned_headers)
{
	const sigv4_header plain[] = {{"Host", "example.amazonaws.com"},
				      {"X-Amz-Date", "20150830T123600Z"}};
	const sigv4_header noisy[] = {{"User-Agent", "fcc/0"},
				      {"Host", "example.amazonaws.com"},
				      {"Expect", "100-continue"},
				      {"transfer-encoding", "chunked"},
				      {"Connection", "keep-alive"},
				      {"X-Amzn-Trace-Id", "Root=1-abc"},
				      {"Authorization", "AWS4-HMAC-SHA256 stale"},
				      {"X-Amz-Date", "20150830T123600Z"}};
	sigv4_result a, b;
	fcc_err e;

	ck_assert_int_eq(sign_simple(&a, "GET", "/", NULL, plain, 2, NULL, 0, &e), FCC_OK);
	ck_assert_int_eq(sign_simple(&b, "GET", "/", NULL, noisy, 8, NULL, 0, &e), FCC_OK);
	ck_assert_str_eq(b.signed_headers, "host;x-amz-date");
	ck_assert_str_eq(b.canonical_request, a.canonical_request);
	ck_assert_str_eq(b.authorization, a.authorization);
	ck_assert_ptr_null(strstr(b.canonical_request, "user-agent"));
	ck_assert_ptr_null(strstr(b.canonical_request, "keep-alive"));
	ck_assert_int_eq(sigv4_header_unsigned("EXPECT"), 1);
	ck_assert_int_eq(sigv4_header_unsigned("x-amz-date"), 0);
	sigv4_result_dispose(&a);
	sigv4_result_dispose(&b);
}
END_TEST

START_TEST(test_sigv4_added_headers_token)
{
	const sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
	sigv4_result r, u;
	fcc_err e;
	size_t i;

	/* no X-Amz-Date in the request: the date comes from params->when */
	ck_assert_int_eq(sign_simple(&r, "GET", "/", NULL, h, 1, "TOKEN/with+chars=", 0, &e),
			 FCC_OK);
	ck_assert_str_eq(r.amz_date, "20150830T123600Z");
	ck_assert_uint_eq(r.nadd, 2);
	ck_assert_str_eq(r.add[0].name, "X-Amz-Date");
	ck_assert_str_eq(r.add[0].value, "20150830T123600Z");
	ck_assert_str_eq(r.add[1].name, "X-Amz-Security-Token");
	ck_assert_str_eq(r.add[1].value, "TOKEN/with+chars=");
	ck_assert_str_eq(r.signed_headers, "host;x-amz-date;x-amz-security-token");
	ck_assert_ptr_nonnull(
		strstr(r.canonical_request, "\nx-amz-security-token:TOKEN/with+chars=\n"));
	ck_assert_str_eq(r.scope, "20150830/us-east-1/service/aws4_request");

	/* the unsigned-token mode lists it but does not sign it */
	ck_assert_int_eq(sign_simple(&u, "GET", "/", NULL, h, 1,
				     "TOKEN/with+chars=", SIGV4_UNSIGNED_TOKEN, &e),
			 FCC_OK);
	ck_assert_uint_eq(u.nadd, 2);
	ck_assert_str_eq(u.signed_headers, "host;x-amz-date");
	ck_assert_ptr_null(strstr(u.canonical_request, "TOKEN"));
	for (i = 0; i < u.nadd; i++)
		ck_assert_str_ne(u.add[i].name, "x-amz-content-sha256");
	sigv4_result_dispose(&r);
	sigv4_result_dispose(&u);
}
END_TEST

START_TEST(test_sigv4_date_override)
{
	const sigv4_header h[] = {{"Host", "example.amazonaws.com"},
				  {"X-Amz-Date", "20150830T123600Z"}};
	sigv4_request rq = {"GET", "/", NULL, h, 2, NULL, 0, NULL};
	sigv4_credentials cr = {AKID, SECRET, NULL};
	sigv4_params pa = {"service", "us-east-1", "20200101T000000Z", 0, 0};
	sigv4_result r;
	fcc_err e;

	/* an explicit date wins over the request's and replaces its header */
	ck_assert_int_eq(sigv4_sign(&r, &rq, &cr, &pa, &e), FCC_OK);
	ck_assert_uint_eq(r.nadd, 1);
	ck_assert_str_eq(r.add[0].name, "X-Amz-Date");
	ck_assert_str_eq(r.add[0].value, "20200101T000000Z");
	ck_assert_ptr_nonnull(strstr(r.canonical_request, "\nx-amz-date:20200101T000000Z\n"));
	ck_assert_ptr_null(strstr(r.canonical_request, "20150830"));
	ck_assert_str_eq(r.scope, "20200101/us-east-1/service/aws4_request");
	sigv4_result_dispose(&r);

	pa.amz_date = "2020-01-01";
	ck_assert_int_eq(sigv4_sign(&r, &rq, &cr, &pa, &e), FCC_EUSAGE);
	ck_assert_ptr_null(r.authorization);
}
END_TEST

START_TEST(test_sigv4_canonical_query_and_path)
{
	const sigv4_header h[] = {{"Host", "example.amazonaws.com"},
				  {"X-Amz-Date", "20150830T123600Z"}};
	sigv4_result r;
	fcc_err e;

	ck_assert_int_eq(sign_simple(&r, "GET", "/a%20b/./c/../%2F/", "b=%2f&a=x+y&&c&a=%7E%zz", h,
				     2, NULL, 0, &e),
			 FCC_OK);
	/* wire path re-encoded per segment, dot segments gone, trailing slash kept */
	ck_assert_str_eq(creq_line(&r, 1), "/a%2520b/%252F/");
	/* decoded then re-encoded; '+' is a literal plus; bad escapes stay literal '%' */
	ck_assert_str_eq(creq_line(&r, 2), "a=x%2By&a=~%25zz&b=%2F&c=");
	sigv4_result_dispose(&r);
}
END_TEST

START_TEST(test_sigv4_errors)
{
	const sigv4_header nohost[] = {{"X-Amz-Date", "20150830T123600Z"}};
	const sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
	sigv4_request rq = {"GET", "/", NULL, h, 1, NULL, 0, NULL};
	sigv4_credentials cr = {AKID, "", NULL};
	sigv4_params pa = {"service", "us-east-1", NULL, 0, 0};
	sigv4_result r;
	fcc_err e;

	ck_assert_int_eq(sign_simple(&r, "GET", "/", NULL, nohost, 1, NULL, 0, &e), FCC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "Host"));
	ck_assert_int_eq(sigv4_sign(&r, &rq, &cr, &pa, &e), FCC_EUSAGE);
	cr.secret_access_key = SECRET;
	pa.region = "us-east-1/evil";
	ck_assert_int_eq(sigv4_sign(&r, &rq, &cr, &pa, &e), FCC_EUSAGE);
	pa.region = "us-east-1";
	rq.payload_hash = "";
	ck_assert_int_eq(sigv4_sign(&r, &rq, &cr, &pa, &e), FCC_EUSAGE);
	ck_assert_ptr_null(r.canonical_request);
	sigv4_result_dispose(&r);
}
END_TEST

START_TEST(test_sigv4_raw_parse)
{
	const char *text = "PUT /a b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\t two\r\n\r\nbo\0dy";
	const char *bad[] = {"GET /\n",
			     "GET / FTP/1\n",
			     " x: y\n",
			     "GET / HTTP/1.1\n x\n",
			     "GET / HTTP/1.1\nnocolon\n",
			     "GET x HTTP/1.1\n"};
	sigv4_raw r;
	fcc_err e;
	size_t i;

	ck_assert_int_eq(sigv4_raw_parse(&r, text, strlen(text) + 3, &e), FCC_OK);
	ck_assert_str_eq(r.method, "PUT");
	ck_assert_str_eq(r.target, "/a b?x=1");
	ck_assert_str_eq(r.path, "/a b");
	ck_assert_str_eq(r.query, "x=1");
	ck_assert_str_eq(r.version, "HTTP/1.1");
	ck_assert_uint_eq(r.nheaders, 2);
	ck_assert_str_eq(r.headers[1].name, "X-A");
	ck_assert_str_eq(r.headers[1].value, " one two");
	ck_assert_str_eq(r.lines[1], "X-A: one\n\t two");
	ck_assert_uint_eq(r.body_len, 5);
	ck_assert_int_eq(memcmp(r.body, "bo\0dy", 5), 0);
	sigv4_raw_dispose(&r);

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(sigv4_raw_parse(&r, bad[i], strlen(bad[i]), &e) == FCC_EPARSE, "%s",
			      bad[i]);
		ck_assert_ptr_null(r.method);
	}
}
END_TEST

START_TEST(test_sigv4_oom)
{
	const char *text = "POST /x/../y?b=2&a=1 HTTP/1.1\nHost: h\nA: 1\n  2\nA: 3\n\nbody";
	sigv4_credentials cr = {AKID, SECRET, "tok"};
	sigv4_params pa = {"s3", "eu-west-1", NULL, 1440938160, SIGV4_S3};
	long n;
	int done = 0;

	for (n = 1; n < 500 && !done; n++) {
		sigv4_raw raw;
		sigv4_result res;
		sigv4_request rq;
		fcc_err e;
		int rc;

		fcc_alloc_fail_after(n, 1);
		rc = sigv4_raw_parse(&raw, text, strlen(text), &e);
		if (rc == FCC_OK) {
			memset(&rq, 0, sizeof rq);
			rq.method = raw.method;
			rq.path = raw.path;
			rq.query = raw.query;
			rq.headers = raw.headers;
			rq.nheaders = raw.nheaders;
			rq.payload = raw.body;
			rq.payload_len = raw.body_len;
			rc = sigv4_sign(&res, &rq, &cr, &pa, &e);
			if (rc == FCC_OK)
				sigv4_result_dispose(&res);
			else
				ck_assert_ptr_null(res.canonical_request);
			sigv4_raw_dispose(&raw);
		}
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		if (done)
			ck_assert_int_eq(rc, FCC_OK);
		else
			ck_assert_msg(rc == FCC_ENOMEM, "fail at %ld gave %d", n, rc);
	}
	ck_assert_msg(done, "never got through without an allocation failure");
}
END_TEST

Suite *suite_sigv4(void)
{
	Suite *s = suite_create("sigv4");
	TCase *tc = tcase_create("core");

	find_cases();
	tcase_add_test(tc, test_sigv4_vectors_found);
	tcase_add_loop_test(tc, test_sigv4_vector, 0, (int)ncases);
	tcase_add_test(tc, test_sigv4_s3_path_kept);
	tcase_add_test(tc, test_sigv4_s3_payload_hash);
	tcase_add_test(tc, test_sigv4_unsigned_headers);
	tcase_add_test(tc, test_sigv4_added_headers_token);
	tcase_add_test(tc, test_sigv4_date_override);
	tcase_add_test(tc, test_sigv4_canonical_query_and_path);
	tcase_add_test(tc, test_sigv4_errors);
	tcase_add_test(tc, test_sigv4_raw_parse);
	tcase_add_test(tc, test_sigv4_oom);
	suite_add_tcase(s, tc);
	return s;
}
