/*
 * http.h — fcc's HTTP transport on libcurl's multi interface.
 *
 * The bottom of the runtime stack (cli → … → sigv4 → http). One http_client
 * owns a CURLM and a pool of reusable easy handles, so connections are kept
 * alive and reused, and up to `max_in_flight` requests run in parallel on one
 * thread. The core is asynchronous: http_submit() queues a request (optionally
 * after a delay, for retry backoff) and http_run() drives every queued request
 * to completion, calling each one's callback; callbacks may submit more. The
 * AWS request layer above re-signs each attempt and decides retries itself
 * (runtime/retry.h); this layer never retries. http_do() is the synchronous
 * convenience for one request.
 *
 * Policies that hold for every request:
 *  - TLS peer and host verification stay on; no option here turns them off.
 *  - Redirects are never followed (AWS answers 301/307 for a wrong S3 region;
 *    the caller must see that, not silently follow it).
 *  - Only http and https URLs are allowed.
 *  - Proxies: nothing here sets CURLOPT_PROXY or CURLOPT_NOPROXY, so libcurl
 *    honours the environment itself: `http_proxy` (lower case only — libcurl
 *    ignores HTTP_PROXY for CGI safety), `https_proxy`/`HTTPS_PROXY`,
 *    `all_proxy`, and `no_proxy`/`NO_PROXY`.
 *  - curl_global_init() runs once, on the first http_client_new(). That is not
 *    thread-safe against a concurrent first call, which is fine for a CLI that
 *    creates its clients on the main thread.
 *  - The debug callback sees every request and response with secrets redacted
 *    (http_redact_*): SigV4 signatures, session and IMDS tokens, and body fields
 *    that name secrets.
 */
#ifndef FCC_HTTP_H
#define FCC_HTTP_H

#include <stddef.h>

#include "compiler/base/buf.h"
#include "compiler/base/err.h"

/* What went wrong below HTTP. HTTP_TE_NONE means a status line arrived and
 * `status` is meaningful (a 4xx/5xx is not a transport error). */
typedef enum http_transport_error {
	HTTP_TE_NONE = 0,
	HTTP_TE_CONNECT,   /* could not connect: refused, unreachable, DNS failure */
	HTTP_TE_TIMEOUT,   /* connect or total timeout expired */
	HTTP_TE_DROPPED,   /* connection closed early: no response or a partial one */
	HTTP_TE_TLS,       /* TLS handshake or certificate verification failed */
	HTTP_TE_TOO_LARGE, /* response body exceeded the client's body cap */
	HTTP_TE_OTHER      /* anything else (bad URL, out of memory, curl internal) */
} http_transport_error;

typedef struct http_header {
	char *name;
	char *value;
} http_header;

/* A header list; names keep their case, lookups ignore it. */
typedef struct http_headers {
	http_header *items;
	size_t n;
	size_t cap;
} http_headers;

typedef struct http_request {
	const char *method;         /* "GET", "HEAD", "POST", "PUT", "DELETE", ... */
	const char *url;            /* http:// or https:// */
	const http_header *headers; /* borrowed; copied at submit */
	size_t nheaders;
	const void *body; /* borrowed until the request is done; may be NULL */
	size_t body_len;
	long timeout_ms; /* total timeout for this request; 0 = client default */
	/* Non-zero: start before the requests already waiting for a free slot
	 * (after those that were queued ahead too), when submitted without a
	 * delay: the next page of a listing, which whatever follows the listing
	 * is waiting for. */
	int ahead;
} http_request;

typedef struct http_response {
	long status;               /* HTTP status, 0 when no response was received */
	http_headers headers;      /* of the final response */
	fcc_buf body;              /* capped at the client's max_body */
	http_transport_error terr; /* HTTP_TE_NONE on a complete response */
	char errmsg[256];          /* libcurl's message when terr != HTTP_TE_NONE */
	long total_ms;             /* wall time of the transfer */
} http_response;

typedef struct http_options {
	long connect_timeout_ms;       /* 0 → 5000 */
	long timeout_ms;               /* total per request; 0 → 60000 */
	unsigned max_in_flight;        /* parallel transfers; 0 → 8 */
	unsigned max_host_connections; /* CURLMOPT_MAX_HOST_CONNECTIONS; 0 → max_in_flight */
	size_t max_body;               /* response body cap in bytes; 0 → FCC_BUF_DEFAULT_MAX */
	const char *user_agent;        /* NULL → "fcc/" FCC_VERSION; copied */
	/* PEM bundle to trust instead of the system store (the SDKs'
	 * AWS_CA_BUNDLE); verification stays on either way. NULL = system. Copied. */
	const char *ca_file;
	/* Receives one line at a time (request line, headers, body excerpts,
	 * status, errors), secrets already redacted. NULL = no debug output. */
	void (*debug)(void *payload, const char *line);
	void *debug_payload;
	size_t debug_body_max; /* body excerpt length; 0 → 2048 */
} http_options;

typedef struct http_client http_client;

/* Called once per submitted request when it has finished, successfully or not.
 * `req` is the caller's request as submitted; `resp` is owned by the client
 * and freed when the callback returns — keep it with http_response_move().
 * The callback may call http_submit() (retries, follow-ups). */
typedef void (*http_done_fn)(void *payload, const http_request *req, http_response *resp);

/* Create a client. `opt` may be NULL for defaults and is copied.
 * Returns FCC_OK and *out, or FCC_ENOMEM / FCC_ERROR (curl could not
 * initialise) with *out NULL. */
int http_client_new(http_client **out, const http_options *opt, fcc_err *e);
/* Free a client and its pooled handles and connections. NULL is ignored.
 * Requests still queued are dropped without their callbacks: call http_run()
 * first. */
void http_client_free(http_client *c);

/* Queue `req` to start no sooner than `delay_ms` from now. `req`, and the URL,
 * method and body it points to, must stay valid until `done` has been called
 * for it (headers are copied). Returns FCC_OK (then `done` is called exactly
 * once, from http_run()), or FCC_ENOMEM / FCC_ERROR (bad request: no URL or
 * method) and `done` is never called. */
int http_submit(http_client *c, const http_request *req, long delay_ms, http_done_fn done,
		void *payload, fcc_err *e);

/* A hook http_run() calls on every turn of its loop while requests are in
 * flight (so also while one is slow to answer): it may call http_submit(),
 * as a callback may. Returns how many ms from now it wants to be called
 * again at the latest (the loop then wakes by then), or -1 for no
 * preference (the loop wakes at least once a second anyway). */
typedef long (*http_tick_fn)(void *payload);
/* Install (fn NULL: remove) the client's tick hook; `payload` is borrowed. */
void http_client_set_tick(http_client *c, http_tick_fn fn, void *payload);

/* Drive every submitted request — and any the callbacks submit — to
 * completion. Returns FCC_OK, or FCC_ERROR when libcurl's multi interface
 * itself failed; even then every pending request has had its callback (with
 * terr HTTP_TE_OTHER). Must not be called from a callback. */
int http_run(http_client *c, fcc_err *e);

/* Perform one request synchronously (other queued requests run too, since
 * this is http_submit() + http_run()). Not from a callback. On FCC_OK *out holds the response, which
 * may still carry a transport error (out->terr) or any HTTP status — that is
 * the caller's to judge. On failure (FCC_ENOMEM, FCC_ERROR) *out is empty.
 * Either way the caller disposes *out with http_response_dispose(). */
int http_do(http_client *c, const http_request *req, http_response *out, fcc_err *e);

/* An empty response (status 0, no headers, empty body with the default cap).
 * Allocates nothing. */
void http_response_init(http_response *r);
/* Free headers and body; `r` is then empty and may be reused. NULL is ignored. */
void http_response_dispose(http_response *r);
/* Move `src` into `dst` (which must be disposed or fresh); `src` is left
 * initialised and empty. */
void http_response_move(http_response *dst, http_response *src);
/* Value of the first header named `name` (any case), or NULL. Borrowed. */
const char *http_response_header(const http_response *r, const char *name);

/* An empty list; allocates nothing. */
void http_headers_init(http_headers *h);
/* Free every name and value; the list is then empty. NULL is ignored. */
void http_headers_dispose(http_headers *h);
/* Append a copy of name/value. FCC_OK or FCC_ENOMEM (list unchanged). */
int http_headers_add(http_headers *h, const char *name, const char *value);
/* Case-insensitive lookup; borrowed value or NULL. */
const char *http_headers_get(const http_headers *h, const char *name);

/* Static name of a transport error, e.g. "timeout". */
const char *http_transport_error_name(http_transport_error te);
/* Non-zero for the transport errors an SDK retries (connect, timeout,
 * dropped, TLS); botocore retries every ConnectionError, SSLError included. */
int http_transport_error_retryable(http_transport_error te);

/* ---- redaction, for debug output (and anything else that logs traffic) ---- */

#define HTTP_REDACTED "<redacted>"

/* Append header `value` to `out` with secrets replaced by HTTP_REDACTED:
 * Authorization keeps a SigV4 header's algorithm, Credential (access key id and
 * scope) and SignedHeaders but not its Signature; any other Authorization,
 * Proxy-Authorization, X-Amz-Security-Token, X-Aws-Ec2-Metadata-Token, Cookie
 * and Set-Cookie are replaced whole. Returns FCC_OK, FCC_ENOMEM or FCC_EIO
 * (the cap of `out`). */
int http_redact_header(fcc_buf *out, const char *name, const char *value);
/* Append `url` (or a request line containing one) with the values of the
 * presigned-URL query parameters X-Amz-Signature and X-Amz-Security-Token
 * replaced (X-Amz-Credential — access key id and scope — is kept). */
int http_redact_url(fcc_buf *out, const char *url);
/* Append `body[0..len)` with the values of secret-named fields replaced, for
 * JSON (`"SecretAccessKey": "…"`), XML (`<SessionToken>…</SessionToken>`) and
 * form bodies (`WebIdentityToken=…`). A field is secret when its name, ignoring
 * case and any `Prefix.` before the last dot, contains "secret" or "password",
 * or ends in "token" and is not a known public token (NextToken,
 * IdempotencyToken, ClientRequestToken, ContinuationToken, PaginationToken).
 * Works on truncated input: an unterminated secret value is redacted to the
 * end. Other bytes are copied unchanged. */
int http_redact_body(fcc_buf *out, const void *body, size_t len);
/* Non-zero when field `name` counts as secret by the rule above. */
int http_redact_is_secret_field(const char *name, size_t len);

#endif
