/*
 * sigv4.c — AWS Signature Version 4 signer (see sigv4.h).
 *
 * Four steps, each kept as its own string so `fcc sign` can show them:
 * canonical request → string to sign → signing key (HMAC-SHA256 chain over
 * "AWS4"+secret, date, region, service, "aws4_request") → signature.
 * SHA-256 through EVP_Digest, HMAC through OpenSSL's one-shot HMAC();
 * every secret-derived key is wiped with OPENSSL_cleanse.
 */
#include "runtime/sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static const char hexdig[] = "0123456789abcdef";
static const char HEXDIG[] = "0123456789ABCDEF";

int sigv4_header_unsigned(const char *name)
{
	/* Proxies, libcurl and tracing layers add or rewrite these after
	 * signing, so signing them would break requests (botocore keeps the
	 * same list: SIGNED_HEADERS_BLACKLIST in botocore/auth.py). */
	static const char *const never[] = {"user-agent", "expect",          "transfer-encoding",
					    "connection", "x-amzn-trace-id", "authorization"};
	size_t i;

	for (i = 0; i < sizeof never / sizeof *never; i++)
		if (strcasecmp(name, never[i]) == 0)
			return 1;
	return 0;
}

static void to_hex(char *out, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int sigv4_sha256_hex(char out[65], const void *p, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(p ? p : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return FCC_ERROR;
	to_hex(out, md, 32);
	return FCC_OK;
}

int sigv4_format_date(char out[17], time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
		return FCC_ERROR;
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return FCC_ERROR;
	return FCC_OK;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int sigv4_date_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)s[i]))
			return 0;
	return two(s + 4) >= 1 && two(s + 4) <= 12 && two(s + 6) >= 1 && two(s + 6) <= 31 &&
	       two(s + 9) <= 23 && two(s + 11) <= 59 && two(s + 13) <= 60;
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Append `n` bytes of `s` percent-encoded: only A-Za-z0-9-_.~ stay bare
 * (and '/' when keep_slash), upper-case hex as AWS requires. */
static int encode(fcc_buf *b, const char *s, size_t n, int keep_slash)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			rc = fcc_buf_putc(b, (char)c);
		} else {
			char esc[3] = {'%', HEXDIG[c >> 4], HEXDIG[c & 15]};
			rc = fcc_buf_append(b, esc, 3);
		}
		if (rc)
			return rc;
	}
	return FCC_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode n bytes of s into b. A '%' not followed by two hex digits
 * stays a literal '%'. '+' stays '+' (RFC 3986, not form encoding): AWS's
 * query protocol encodes a space as %20. */
static int decode(fcc_buf *b, const char *s, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			rc = fcc_buf_putc(b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else {
			rc = fcc_buf_putc(b, s[i]);
		}
		if (rc)
			return rc;
	}
	return FCC_OK;
}

/* Canonical URI. S3: the wire path unchanged. Everyone else: RFC 3986
 * dot-segment removal plus collapsing of empty segments ("//"), then every
 * segment percent-encoded again (so "%20" on the wire signs as "%2520"). */
static int canonical_uri(fcc_buf *b, const char *path, int s3)
{
	const char *p, *seg;
	size_t *starts = NULL, *lens = NULL, nseg = 0, cap, i, n;
	int trailing = 0, rc = FCC_OK;

	if (!path || !*path)
		path = "/";
	if (s3)
		return fcc_buf_puts(b, path);
	n = strlen(path);
	/* RFC 3986 5.2.4: a path ending in '/', "/." or "/.." denotes a
	 * directory, so the output keeps a trailing slash. */
	seg = strrchr(path, '/');
	seg = seg ? seg + 1 : path;
	trailing = !*seg || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0;
	cap = n / 2 + 2;
	starts = fcc_malloc(cap * sizeof *starts);
	lens = fcc_malloc(cap * sizeof *lens);
	if (!starts || !lens) {
		rc = FCC_ENOMEM;
		goto out;
	}
	for (p = path; *p;) {
		size_t len;
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (nseg)
				nseg--;
			continue;
		}
		starts[nseg] = (size_t)(seg - path);
		lens[nseg++] = len;
	}
	if ((rc = fcc_buf_putc(b, '/')))
		goto out;
	for (i = 0; i < nseg; i++) {
		if (i && (rc = fcc_buf_putc(b, '/')))
			goto out;
		if ((rc = encode(b, path + starts[i], lens[i], 0)))
			goto out;
	}
	if (nseg && trailing)
		rc = fcc_buf_putc(b, '/');
out:
	fcc_free(starts);
	fcc_free(lens);
	return rc;
}

typedef struct qpair {
	char *key;
	char *val;
} qpair;

static int qpair_cmp(const void *a, const void *b)
{
	const qpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->val, y->val);
}

/* Encode one decoded query component into a fresh string. */
static int query_component(char **out, const char *s, size_t n)
{
	fcc_buf dec, enc;
	int rc;

	*out = NULL;
	fcc_buf_init(&dec, FCC_BUF_DEFAULT_MAX);
	fcc_buf_init(&enc, FCC_BUF_DEFAULT_MAX);
	if ((rc = decode(&dec, s, n)))
		goto out;
	if ((rc = encode(&enc, dec.data ? dec.data : "", dec.len, 0)))
		goto out;
	if (!(*out = fcc_buf_take(&enc, NULL)))
		rc = FCC_ENOMEM;
out:
	fcc_buf_dispose(&dec);
	fcc_buf_dispose(&enc);
	return rc;
}

/* Canonical query: split on '&', each key and value decoded and re-encoded,
 * pairs sorted by encoded key then encoded value; "k" becomes "k=". */
static int canonical_query(fcc_buf *b, const char *query)
{
	qpair *pairs = NULL;
	size_t npairs = 0, cap = 1, i;
	const char *p;
	int rc = FCC_OK;

	if (!query || !*query)
		return FCC_OK;
	for (p = query; *p; p++)
		cap += *p == '&';
	if (!(pairs = fcc_calloc(cap, sizeof *pairs)))
		return FCC_ENOMEM;
	for (p = query;;) {
		const char *end = strchr(p, '&'), *eq;
		size_t len;
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len) { /* "a=1&&b=2": the empty piece carries nothing */
			eq = memchr(p, '=', len);
			if ((rc = query_component(&pairs[npairs].key, p,
						  eq ? (size_t)(eq - p) : len)))
				goto out;
			npairs++;
			if ((rc = query_component(&pairs[npairs - 1].val, eq ? eq + 1 : "",
						  eq ? (size_t)(end - eq - 1) : 0)))
				goto out;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	qsort(pairs, npairs, sizeof *pairs, qpair_cmp);
	for (i = 0; i < npairs; i++)
		if ((rc = fcc_buf_printf(b, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].val)))
			goto out;
out:
	for (i = 0; i < npairs; i++) {
		fcc_free(pairs[i].key);
		fcc_free(pairs[i].val);
	}
	fcc_free(pairs);
	return rc;
}

/* A header to sign: lower-cased name, value trimmed with inner whitespace
 * runs collapsed, and its position for a stable sort. */
typedef struct hdr {
	char *name;
	char *value;
	size_t order;
} hdr;

static int hdr_cmp(const void *a, const void *b)
{
	const hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim and collapse whitespace runs (including folded line breaks) to one
 * space, as the SigV4 canonical-header rule and vector
 * get-header-value-multiline require. */
static char *canon_value(const char *v)
{
	size_t n = strlen(v), i, j = 0;
	char *out = fcc_malloc(n + 1);
	int pending = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (is_ws(v[i])) {
			pending = j > 0;
			continue;
		}
		if (pending)
			out[j++] = ' ';
		pending = 0;
		out[j++] = v[i];
	}
	out[j] = '\0';
	return out;
}

static char *lower_trimmed(const char *s)
{
	size_t n, i;
	char *out;

	while (is_ws(*s))
		s++;
	n = strlen(s);
	while (n && is_ws(s[n - 1]))
		n--;
	if (!(out = fcc_strndup(s, n)))
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

/* Find the last header named `name` (case-insensitive); NULL if none. */
static const char *find_header(const sigv4_request *req, const char *name)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name;
		while (is_ws(*n))
			n++;
		if (strncasecmp(n, name, strlen(name)) == 0) {
			const char *rest = n + strlen(name);
			while (is_ws(*rest))
				rest++;
			if (!*rest)
				found = req->headers[i].value;
		}
	}
	return found;
}

static int add_out_header(sigv4_result *r, const char *name, const char *value)
{
	char *n = fcc_strdup(name), *v = fcc_strdup(value);

	if (!n || !v) {
		fcc_free(n);
		if (v)
			OPENSSL_cleanse(v, strlen(v));
		fcc_free(v);
		return FCC_ENOMEM;
	}
	r->add[r->nadd].name = n;
	r->add[r->nadd].value = v;
	r->nadd++;
	return FCC_OK;
}

static int value_differs(const char *have, const char *want)
{
	char *c;
	int d;

	if (!have)
		return 1;
	/* compare as the server will: canonicalised */
	if (!(c = canon_value(have)))
		return -1;
	d = strcmp(c, want) != 0;
	fcc_free(c);
	return d;
}

/* Build the sorted header list to sign: the request's own headers minus
 * the never-signed ones and minus those the signer replaces, plus the
 * signer's own. */
static int build_headers(hdr **out, size_t *nout, const sigv4_request *req, const sigv4_result *r)
{
	hdr *h;
	size_t n = 0, i, j;
	int rc = FCC_OK;

	*out = NULL;
	*nout = 0;
	if (!(h = fcc_calloc(req->nheaders + r->nadd + 1, sizeof *h)))
		return FCC_ENOMEM;
	for (i = 0; i < req->nheaders; i++) {
		char *name = lower_trimmed(req->headers[i].name ? req->headers[i].name : "");
		int skip;
		if (!name) {
			rc = FCC_ENOMEM;
			goto out;
		}
		skip = !*name || sigv4_header_unsigned(name);
		for (j = 0; j < r->nadd && !skip; j++)
			skip = strcasecmp(name, r->add[j].name) == 0;
		if (skip) {
			fcc_free(name);
			continue;
		}
		h[n].name = name;
		h[n].order = n;
		if (!(h[n++].value =
			      canon_value(req->headers[i].value ? req->headers[i].value : ""))) {
			rc = FCC_ENOMEM;
			goto out;
		}
	}
	*out = h;
	*nout = n;
	return FCC_OK;
out:
	for (i = 0; i < n; i++) {
		fcc_free(h[i].name);
		fcc_free(h[i].value);
	}
	fcc_free(h);
	return rc;
}

static void free_headers(hdr *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* the security token may be among them */
		if (h[i].value)
			OPENSSL_cleanse(h[i].value, strlen(h[i].value));
		fcc_free(h[i].name);
		fcc_free(h[i].value);
	}
	fcc_free(h);
}

static int push_header(hdr *h, size_t *n, const char *name, const char *value)
{
	if (!(h[*n].name = lower_trimmed(name)))
		return FCC_ENOMEM;
	if (!(h[*n].value = canon_value(value))) {
		fcc_free(h[*n].name);
		h[*n].name = NULL;
		return FCC_ENOMEM;
	}
	h[*n].order = *n;
	(*n)++;
	return FCC_OK;
}

static int hmac(unsigned char out[32], const void *key, size_t keylen, const void *msg,
		size_t msglen)
{
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &len) || len != 32)
		return FCC_ERROR;
	return FCC_OK;
}

/* signature = hex(HMAC(kSigning, string_to_sign)), with kSigning derived
 * from the secret. All intermediate keys are wiped whatever happens. */
static int compute_signature(char out[65], const char *secret, const char *date8,
			     const char *region, const char *service, const char *sts)
{
	unsigned char k1[32], k2[32], sig[32];
	size_t slen = strlen(secret);
	char *kdate = fcc_malloc(slen + 5);
	int rc = FCC_ERROR;

	if (!kdate)
		return FCC_ENOMEM;
	memcpy(kdate, "AWS4", 4);
	memcpy(kdate + 4, secret, slen + 1);
	if (hmac(k1, kdate, slen + 4, date8, strlen(date8)) ||
	    hmac(k2, k1, 32, region, strlen(region)) ||
	    hmac(k1, k2, 32, service, strlen(service)) || hmac(k2, k1, 32, "aws4_request", 12) ||
	    hmac(sig, k2, 32, sts, strlen(sts)))
		goto out;
	to_hex(out, sig, 32);
	rc = FCC_OK;
out:
	OPENSSL_cleanse(kdate, slen + 4);
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(k2, sizeof k2);
	OPENSSL_cleanse(sig, sizeof sig);
	fcc_free(kdate);
	return rc;
}

static int scope_token_ok(const char *s)
{
	/* region and service end up in the credential scope and the
	 * Authorization header: no separators or whitespace */
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int payload_hash_ok(const char *s)
{
	size_t i;

	if (!*s)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isgraph((unsigned char)s[i]))
			return 0;
	return 1;
}

int sigv4_sign(sigv4_result *out, const sigv4_request *req, const sigv4_credentials *creds,
	       const sigv4_params *params, fcc_err *e)
{
	sigv4_result r;
	fcc_buf b;
	hdr *h = NULL;
	size_t nh = 0, i;
	char date[17], hash[65], crhash[65], sig[65];
	const char *hdr_date, *hdr_token, *hdr_sha, *token, *phash;
	int rc, s3, sign_token;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	if (!req || !req->method || !*req->method || !creds || !params)
		return fcc_err_set(e, FCC_EUSAGE,
				   "sigv4: request, method and parameters are required");
	if (!creds->access_key_id || !*creds->access_key_id || !creds->secret_access_key ||
	    !*creds->secret_access_key)
		return fcc_err_set(e, FCC_EUSAGE,
				   "sigv4: access key id and secret key are required");
	if (strchr(creds->access_key_id, '/') || strchr(creds->access_key_id, ',') ||
	    strchr(creds->access_key_id, ' '))
		return fcc_err_set(e, FCC_EUSAGE, "sigv4: malformed access key id");
	if (!scope_token_ok(params->region) || !scope_token_ok(params->service))
		return fcc_err_set(e, FCC_EUSAGE,
				   "sigv4: region and service must be non-empty "
				   "names of letters, digits and '-'");
	if (!find_header(req, "host"))
		return fcc_err_set(e, FCC_EUSAGE, "sigv4: the request has no Host header");

	s3 = (params->flags & SIGV4_S3) != 0;
	token = creds->session_token && *creds->session_token ? creds->session_token : NULL;
	sign_token = token && !(params->flags & SIGV4_UNSIGNED_TOKEN);
	hdr_date = find_header(req, "x-amz-date");
	hdr_token = find_header(req, "x-amz-security-token");
	hdr_sha = find_header(req, "x-amz-content-sha256");

	/* the time: explicit, else the request's X-Amz-Date, else params->when */
	if (params->amz_date) {
		if (!sigv4_date_valid(params->amz_date))
			return fcc_err_set(e, FCC_EUSAGE,
					   "sigv4: date '%s' is not YYYYMMDDTHHMMSSZ",
					   params->amz_date);
		memcpy(date, params->amz_date, 17);
	} else if (hdr_date) {
		char *c = canon_value(hdr_date);
		if (!c)
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		rc = sigv4_date_valid(c);
		if (rc)
			memcpy(date, c, 17);
		fcc_free(c);
		if (!rc)
			return fcc_err_set(
				e, FCC_EUSAGE,
				"sigv4: the request's X-Amz-Date is not YYYYMMDDTHHMMSSZ");
	} else if (sigv4_format_date(date, params->when)) {
		return fcc_err_set(e, FCC_EUSAGE, "sigv4: the signing time cannot be formatted");
	}

	/* the payload hash: explicit, else a x-amz-content-sha256 the request
	 * already carries (botocore does the same), else SHA-256 of the body */
	if (req->payload_hash) {
		phash = req->payload_hash;
	} else if (hdr_sha) {
		char *c = canon_value(hdr_sha);
		if (!c)
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		rc = strlen(c) < sizeof hash;
		if (rc)
			memcpy(hash, c, strlen(c) + 1);
		fcc_free(c);
		if (!rc)
			return fcc_err_set(e, FCC_EUSAGE,
					   "sigv4: x-amz-content-sha256 is too long");
		phash = hash;
	} else {
		if (sigv4_sha256_hex(hash, req->payload, req->payload_len))
			return fcc_err_set(e, FCC_ERROR, "sigv4: SHA-256 failed");
		phash = hash;
	}
	if (!payload_hash_ok(phash))
		return fcc_err_set(e, FCC_EUSAGE, "sigv4: malformed payload hash");

	/* headers the caller has to set */
	if (!(r.add = fcc_calloc(3, sizeof *r.add))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	if ((rc = value_differs(hdr_date, date)) < 0 ||
	    (rc && (rc = add_out_header(&r, "X-Amz-Date", date)))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	if (token) {
		if ((rc = value_differs(hdr_token, token)) < 0 ||
		    (rc && (rc = add_out_header(&r, "X-Amz-Security-Token", token)))) {
			rc = FCC_ENOMEM;
			goto out;
		}
	}
	if (s3) {
		if ((rc = value_differs(hdr_sha, phash)) < 0 ||
		    (rc && (rc = add_out_header(&r, "x-amz-content-sha256", phash)))) {
			rc = FCC_ENOMEM;
			goto out;
		}
	}

	/* canonical headers */
	if ((rc = build_headers(&h, &nh, req, &r)))
		goto out;
	for (i = 0; i < r.nadd; i++) {
		if (!sign_token && strcasecmp(r.add[i].name, "x-amz-security-token") == 0)
			continue;
		if ((rc = push_header(h, &nh, r.add[i].name, r.add[i].value)))
			goto out;
	}
	if (!sign_token) { /* a token already in the request is unsigned too */
		for (i = 0; i < nh; i++) {
			if (token && strcmp(h[i].name, "x-amz-security-token") == 0) {
				OPENSSL_cleanse(h[i].value, strlen(h[i].value));
				fcc_free(h[i].name);
				fcc_free(h[i].value);
				h[i] = h[--nh];
				i--;
			}
		}
	}
	qsort(h, nh, sizeof *h, hdr_cmp);

	/* 1. canonical request */
	if ((rc = fcc_buf_printf(&b, "%s\n", req->method)) ||
	    (rc = canonical_uri(&b, req->path, s3)) || (rc = fcc_buf_putc(&b, '\n')) ||
	    (rc = canonical_query(&b, req->query)) || (rc = fcc_buf_putc(&b, '\n')))
		goto out;
	for (i = 0; i < nh; i++) {
		if (i && strcmp(h[i].name, h[i - 1].name) == 0)
			rc = fcc_buf_printf(&b, ",%s", h[i].value);
		else
			rc = fcc_buf_printf(&b, "%s%s:%s", i ? "\n" : "", h[i].name, h[i].value);
		if (rc)
			goto out;
	}
	if ((rc = fcc_buf_puts(&b, "\n\n")))
		goto out;
	{
		size_t mark = b.len;
		for (i = 0; i < nh; i++) {
			if (i && strcmp(h[i].name, h[i - 1].name) == 0)
				continue;
			if ((rc = fcc_buf_printf(&b, "%s%s", b.len > mark ? ";" : "", h[i].name)))
				goto out;
		}
		if (!(r.signed_headers = fcc_strndup(b.data + mark, b.len - mark))) {
			rc = FCC_ENOMEM;
			goto out;
		}
	}
	if ((rc = fcc_buf_printf(&b, "\n%s", phash)))
		goto out;
	if (sigv4_sha256_hex(crhash, b.data, b.len)) {
		rc = fcc_err_set(e, FCC_ERROR, "sigv4: SHA-256 failed");
		goto out;
	}
	if (!(r.canonical_request = fcc_buf_take(&b, NULL))) {
		rc = FCC_ENOMEM;
		goto out;
	}

	/* 2. string to sign */
	if ((rc = fcc_buf_printf(&b, "%.8s/%s/%s/aws4_request", date, params->region,
				 params->service)))
		goto out;
	if (!(r.scope = fcc_buf_take(&b, NULL))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	if ((rc = fcc_buf_printf(&b, ALGORITHM "\n%s\n%s\n%s", date, r.scope, crhash)))
		goto out;
	if (!(r.string_to_sign = fcc_buf_take(&b, NULL))) {
		rc = FCC_ENOMEM;
		goto out;
	}

	/* 3, 4. signing key and signature */
	{
		char date8[9];
		memcpy(date8, date, 8);
		date8[8] = '\0';
		if ((rc = compute_signature(sig, creds->secret_access_key, date8, params->region,
					    params->service, r.string_to_sign))) {
			if (rc == FCC_ERROR)
				fcc_err_set(e, FCC_ERROR, "sigv4: HMAC-SHA256 failed");
			goto out;
		}
	}
	if ((rc = fcc_buf_printf(&b, ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				 creds->access_key_id, r.scope, r.signed_headers, sig)))
		goto out;
	if (!(r.authorization = fcc_buf_take(&b, NULL)) || !(r.signature = fcc_strdup(sig)) ||
	    !(r.amz_date = fcc_strdup(date))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	*out = r;
	memset(&r, 0, sizeof r);
	rc = FCC_OK;
out:
	if (rc == FCC_ENOMEM)
		fcc_err_set(e, FCC_ENOMEM, "out of memory");
	else if (rc == FCC_EIO)
		rc = fcc_err_set(e, FCC_EIO, "sigv4: request too large to sign");
	free_headers(h, nh);
	/* the canonical request may hold the session token */
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	fcc_buf_dispose(&b);
	sigv4_result_dispose(&r);
	return rc;
}

static void free_wiped(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		fcc_free(s);
	}
}

void sigv4_result_dispose(sigv4_result *r)
{
	size_t i;

	if (!r)
		return;
	/* canonical request and added headers can hold the session token */
	free_wiped(r->canonical_request);
	fcc_free(r->string_to_sign);
	fcc_free(r->signature);
	fcc_free(r->authorization);
	fcc_free(r->signed_headers);
	fcc_free(r->amz_date);
	fcc_free(r->scope);
	for (i = 0; i < r->nadd; i++) {
		fcc_free(r->add[i].name);
		free_wiped(r->add[i].value);
	}
	fcc_free(r->add);
	memset(r, 0, sizeof *r);
}
