/*
 * sigv4.h — AWS Signature Version 4 (header-based signing) with OpenSSL.
 *
 * Runtime layer just above http: service clients build a request, call
 * sigv4_sign() and add the returned headers plus `Authorization` before
 * sending. `fcc sign` uses the same code to show a user every intermediate
 * string. Pure: no I/O; the clock is read only when the caller passes no
 * date (neither params->amz_date nor an X-Amz-Date header) — and then only
 * through params->when, which the caller fills.
 *
 * Reference: the AWS SigV4 test suite in shared/testdata/sigv4 (README there)
 * and AWS-WIRE.md "SigV4 essentials".
 */
#ifndef FCC_SIGV4_H
#define FCC_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "compiler/base/err.h"

/* One header as it is (or will be) on the wire. Borrowed strings. */
typedef struct sigv4_header {
	const char *name;
	const char *value;
} sigv4_header;

/* The request to sign. All strings borrowed for the duration of the call. */
typedef struct sigv4_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* path exactly as sent on the wire (already percent-encoded) */
	const char *query;  /* raw query without '?', NULL or "" for none */
	const sigv4_header *headers; /* any order, duplicates allowed; must include Host */
	size_t nheaders;
	const void *payload; /* body bytes (may be NULL when payload_len is 0) */
	size_t payload_len;
	const char *payload_hash; /* hex SHA-256 or "UNSIGNED-PAYLOAD"; overrides payload */
} sigv4_request;

/* Credentials. The secret is never copied outside the signing-key chain,
 * which is wiped before sigv4_sign() returns. */
typedef struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" for long-term credentials */
} sigv4_credentials;

enum {
	/* S3 rules: canonical URI is the wire path as sent (no dot-segment
	 * removal, no duplicate-slash collapsing, no second encoding), and
	 * x-amz-content-sha256 is added and signed. */
	SIGV4_S3 = 1u << 0,
	/* Do not sign the session token; list X-Amz-Security-Token among the
	 * headers to add after signing (some services want it that way; test
	 * vector post-sts-token/post-sts-header-after). */
	SIGV4_UNSIGNED_TOKEN = 1u << 1
};

typedef struct sigv4_params {
	const char *service; /* signing name, e.g. "sagemaker" (not the host prefix) */
	const char *region;  /* signing region, e.g. "us-east-1" */
	/* Request time as "YYYYMMDDTHHMMSSZ". When NULL the request's X-Amz-Date
	 * header is used, and when that is absent too, `when` (UTC). */
	const char *amz_date;
	time_t when;
	unsigned flags; /* SIGV4_* */
} sigv4_params;

/* What the signer produced. Every string is owned by the result and freed by
 * sigv4_result_dispose(). */
typedef struct sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signature;      /* 64 lower-case hex digits */
	char *authorization;  /* the full Authorization header value */
	char *signed_headers; /* "host;x-amz-date" */
	char *amz_date;       /* the request time used, "YYYYMMDDTHHMMSSZ" */
	char *scope;          /* "YYYYMMDD/region/service/aws4_request" */
	/* Headers the caller must set on the request before sending, in this
	 * order, each replacing any header of the same name (case-insensitive):
	 * X-Amz-Date (absent or different from the date used),
	 * X-Amz-Security-Token (session token set, absent or different),
	 * x-amz-content-sha256 (SIGV4_S3, absent or different). Authorization
	 * is not in this list. Owned strings. */
	struct sigv4_out_header {
		char *name;
		char *value;
	} * add;
	size_t nadd;
} sigv4_result;

/* Sign `req`. On success fills *out (caller disposes with
 * sigv4_result_dispose) and returns FCC_OK. On failure returns FCC_ENOMEM,
 * FCC_EUSAGE (missing Host header, bad date, missing credentials, region or
 * service, malformed payload hash) or FCC_ERROR (libcrypto failure), fills
 * `e`, and leaves *out zeroed (safe to dispose). */
int sigv4_sign(sigv4_result *out, const sigv4_request *req, const sigv4_credentials *creds,
	       const sigv4_params *params, fcc_err *e);

/* Free everything in `r` (the session token in `add` is wiped first) and zero
 * it. NULL and zeroed results are fine. */
void sigv4_result_dispose(sigv4_result *r);

/* Format `t` (UTC) as "YYYYMMDDTHHMMSSZ" into out[17]. Returns FCC_OK, or
 * FCC_ERROR when the time cannot be represented. */
int sigv4_format_date(char out[17], time_t t);

/* Non-zero when `s` is a well-formed "YYYYMMDDTHHMMSSZ" (digits and ranges
 * checked, not the calendar). */
int sigv4_date_valid(const char *s);

/* Hex SHA-256 of `len` bytes at `p` into out[65]. FCC_OK or FCC_ERROR. */
int sigv4_sha256_hex(char out[65], const void *p, size_t len);

/* Non-zero when a header of this name is never signed (user-agent, expect,
 * transfer-encoding, connection, x-amzn-trace-id, authorization), compared
 * case-insensitively: proxies and libcurl may add or change them. */
int sigv4_header_unsigned(const char *name);

#endif
