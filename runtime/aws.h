/*
 * aws.h — the AWS request layer of the fcc runtime: one context per run, one
 * error type, and the request pipeline every typed client (runtime/aws/)
 * goes through.
 *
 * Layering: cli → state/plan/apply → runtime/aws/<service>.c → aws.h →
 * {creds, endpoint, sigv4, retry} → http. For each attempt the pipeline gets
 * credentials from the chain (refreshing when due), resolves the endpoint,
 * builds the wire request, signs it with a fresh X-Amz-Date, submits it with
 * http_submit(), classifies the outcome (error code from the body or
 * x-amzn-ErrorType, request id from the headers or the XML) and asks the
 * context's retry policy whether and when to try again. Every request has its
 * own attempt count, so many can be in flight at once (aws_submit + aws_run);
 * aws_call() is the synchronous form.
 *
 * The protocol helpers sit here too: query (CloudFormation, IAM, STS) with
 * libxml2 responses, JSON 1.1 (Service Catalog, SageMaker, Forecast) with
 * jansson, and the REST-XML pieces S3 needs (aws_s3_*). Outputs of the typed
 * clients keep their strings in an aws_pool, freed by one call.
 *
 * Secrets: request bodies and header values are wiped before they are freed
 * (a WebIdentityToken travels in a body, a session token in a header); no
 * aws_error ever holds a credential — it is built from the service's answer
 * and fcc's own names only.
 */
#ifndef FCC_AWS_H
#define FCC_AWS_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stddef.h>

#include "compiler/base/buf.h"
#include "compiler/base/err.h"
#include "runtime/creds.h"
#include "runtime/http.h"
#include "runtime/retry.h"

/* ---- services ---- */

typedef enum aws_protocol { AWS_PROTO_QUERY = 1, AWS_PROTO_JSON, AWS_PROTO_REST_XML } aws_protocol;

typedef struct aws_service {
	const char *name;    /* for messages: "CloudFormation" */
	const char *signing; /* endpoint and signing name: "cloudformation" */
	aws_protocol protocol;
	const char *version; /* API version (query protocol) */
	const char *target;  /* X-Amz-Target prefix (JSON 1.1) */
} aws_service;

extern const aws_service aws_svc_cloudformation, aws_svc_servicecatalog, aws_svc_s3, aws_svc_iam,
	aws_svc_sts, aws_svc_sagemaker, aws_svc_forecast;

/* ---- context ---- */

typedef struct aws_options {
	const char *profile; /* --profile; NULL: AWS_PROFILE, … (creds.h) */
	const char *region;  /* --region; NULL: environment, then profile */
	const char *
		region_fallback; /* used when nothing else names a region (the spec's); may be NULL */
	const char *
		endpoint_url; /* --endpoint-url, for every service; NULL: environment/profile/default */
	int allow_http;       /* --allow-http: plain http to a non-loopback endpoint */
	/* One line at a time, secrets already redacted: the wire traffic (http.h)
	 * and the pipeline's own notes (retries, credential source), each of the
	 * latter starting with "* ". NULL: no debug output. */
	void (*debug)(void *payload, const char *line);
	void *debug_payload;
	unsigned max_in_flight; /* 0: 8 */
	long timeout_ms;        /* per attempt; 0: http's default (60 s) */
	const char *ca_file;    /* AWS_CA_BUNDLE when NULL and set */
	/* Environment lookup for the credential chain, endpoint overrides and
	 * retry settings; NULL: getenv(3). Tests pass a table. */
	creds_getenv_fn getenv;
	void *getenv_payload;
} aws_options;

typedef struct aws_ctx aws_ctx;

/* A context over `opt` (copied; callback payloads borrowed and must outlive
 * it): one http_client (plus a second one for the credential chain's own STS
 * calls, so those can run while requests are in flight), one credential chain
 * whose STS calls go through this layer (AssumeRole signed,
 * AssumeRoleWithWebIdentity unsigned), the region and where it came from, and
 * one retry policy shared by all its requests. Returns FCC_OK; FCC_ENOTFOUND
 * when no region can be found (the message says how to give one) or a named
 * profile is missing; FCC_EUSAGE for bad AWS_RETRY_MODE/AWS_MAX_ATTEMPTS;
 * FCC_EIO/FCC_EPARSE for unreadable profile files; FCC_ENOMEM. *out is NULL
 * on failure. */
int aws_ctx_new(aws_ctx **out, const aws_options *opt, fcc_err *e);
/* Free the context. Requests still queued are dropped: aws_run() first.
 * NULL is ignored. */
void aws_ctx_free(aws_ctx *ctx);
/* The region requests are signed for, and where it came from ("option",
 * "env:AWS_REGION", "profile:NAME", "fallback", …). Borrowed from ctx. */
const char *aws_ctx_region(const aws_ctx *ctx);
const char *aws_ctx_region_source(const aws_ctx *ctx);
/* The context's chain (borrowed), e.g. to ask which provider won. */
creds_chain *aws_ctx_creds(aws_ctx *ctx);
/* The context's retry policy (borrowed; tests fix its random source). */
retry_policy *aws_ctx_retry(aws_ctx *ctx);

/* ---- errors ---- */

typedef struct aws_error {
	/* code (FCC_OK on success) and the one-line message aws_error_format
	 * builds; pass &err.err wherever an fcc_err is wanted. Codes: FCC_EAWS
	 * (service error), FCC_ENOTFOUND (the service said the thing does not
	 * exist: 404, NoSuchEntity, NoSuchKey, ResourceNotFoundException, or
	 * CloudFormation's ValidationError "... does not exist"), FCC_ETHROTTLED
	 * (still throttled when retries ran out), FCC_EIO / FCC_ETIMEOUT (no
	 * response), or the local failure's code (FCC_ENOMEM, FCC_EUSAGE, …). */
	fcc_err err;
	char service[32];     /* "CloudFormation" */
	char operation[64];   /* "DescribeStacks" */
	long status;          /* HTTP status, 0 when none arrived */
	char code[128];       /* AWS error code, "" when none */
	char message[512];    /* the service's message, "" when none */
	char request_id[128]; /* x-amzn-RequestId / x-amz-request-id / XML RequestId */
	http_transport_error terr;
	char transport[256];    /* libcurl's message when terr != HTTP_TE_NONE */
	unsigned attempts;      /* attempts made */
	const char *retry_stop; /* why retrying stopped (retry_verdict_name), or NULL */
} aws_error;

/* Reset to success with empty fields. */
void aws_error_clear(aws_error *ae);
/* The one-line description, e.g. "CloudFormation DescribeStacks:
 * ValidationError (HTTP 400): Stack with id x does not exist [request id
 * 8d3c…]" or "STS GetCallerIdentity: connection failed: … (3 attempts)".
 * Appends to `out`; FCC_OK, FCC_ENOMEM or FCC_EIO (cap). */
int aws_error_format(fcc_buf *out, const aws_error *ae);
/* Non-zero when the AWS error code equals `code`. */
int aws_error_is(const aws_error *ae, const char *code);
/* Extract the error code from a JSON 1.1 `__type` or x-amzn-ErrorType value
 * into out[n]: the part after the last '#' and before any ':'. */
void aws_error_code_from_type(char *out, size_t n, const char *type);

/* The service's error code, message and request id from a failed response
 * `r` into `ae` (fields already set stay unless the response names them):
 * query/S3 XML <Code>/<Message>/<RequestId>, JSON __type/code/message,
 * x-amzn-ErrorType and request-id headers, and a code named after the status
 * for bodiless HEAD errors. Never fails; unparsable bodies leave fields empty. */
void aws_error_parse_response(aws_error *ae, const http_response *r);

/* ---- requests ---- */

enum {
	AWS_REQ_UNSIGNED =
		1u << 0,       /* send without Authorization (modelled noAuth, e.g. web identity) */
	AWS_REQ_AUX = 1u << 1, /* run on the context's second client (credential-chain STS calls) */
	/* start before requests waiting for a free slot (http_request.ahead);
	 * the page layers set it on every page after the first, retries excepted */
	AWS_REQ_AHEAD = 1u << 2
};

typedef struct aws_request {
	const aws_service *svc;
	const char *operation; /* for messages and X-Amz-Target */
	const char *method;    /* NULL: POST */
	const char *path;      /* percent-encoded wire path; NULL: "/". S3: the key part */
	const char *query;     /* encoded query without '?', or NULL */
	const char *bucket;    /* S3: the bucket (addressing style is the endpoint's call) */
	const http_header
		*headers; /* extra headers (Content-Type, Content-MD5, x-amz-meta-*); copied */
	size_t nheaders;
	const void *body; /* copied at submit */
	size_t body_len;
	unsigned flags; /* AWS_REQ_* */
	/* Sign with these instead of the chain's (AssumeRole with a source
	 * profile's keys). Borrowed until the request is done. */
	const creds_credentials *creds;
} aws_request;

/* Called once per request when it has finished: `err->err.code` is FCC_OK
 * for a 2xx response, else the final error after retries. `resp` holds the
 * last attempt's response (owned by the layer; keep it with
 * http_response_move). May submit more requests; must not call aws_call(). */
typedef void (*aws_done_fn)(void *payload, http_response *resp, aws_error *err);

/* Queue `req` (everything copied). Returns FCC_OK — `done` is then called
 * exactly once from aws_run() — or an error (credentials, endpoint, signing,
 * FCC_ENOMEM) in `e`, and `done` is never called. */
int aws_submit(aws_ctx *ctx, const aws_request *req, aws_done_fn done, void *payload, fcc_err *e);
/* A hook aws_run() calls on every turn of its loop (http_tick_fn: may
 * aws_submit; returns the ms until it wants to run again, or -1), for work
 * due at a time rather than on an answer — the apply lock's refresh while a
 * request is slow. `fn` NULL removes it; `payload` is borrowed. */
void aws_ctx_set_tick(aws_ctx *ctx, long (*fn)(void *payload), void *payload);
/* Drive every submitted request, and whatever the callbacks submit, to
 * completion (http_run). FCC_OK or FCC_ERROR. Not from a callback. */
int aws_run(aws_ctx *ctx, fcc_err *e);
/* One request, synchronously (aws_submit + aws_run). *out is always
 * initialised and holds the last response (dispose it either way); `ae` is
 * filled. Returns ae->err.code. Not from a callback. */
int aws_call(aws_ctx *ctx, const aws_request *req, http_response *out, aws_error *ae);

/* ---- asynchronous typed calls ---- */

/* Completion of an asynchronous typed call (the clients' *_submit variants):
 * `ae->err.code` is FCC_OK when the output was filled, else the final error
 * (the output's pool may then hold a partial answer; dispose it either way).
 * Called exactly once, from aws_run(); `ae` is borrowed for the call. May
 * submit more requests. */
typedef void (*aws_finish_fn)(void *payload, aws_error *ae);

/* ---- output pool: every typed output keeps its strings and arrays here ---- */

typedef struct aws_pool {
	void **ptrs;
	size_t n, cap;
	int oom; /* an allocation failed (sticky) */
} aws_pool;

/* NULL (and oom set) on failure. */
void *aws_pool_alloc(aws_pool *p, size_t n);
/* Grow `old` (NULL or from this pool) to `n` bytes; the new tail is zeroed
 * when `old_n` says how much was there. NULL (old kept, oom set) on failure. */
void *aws_pool_grow(aws_pool *p, void *old, size_t old_n, size_t n);
char *aws_pool_strdup(aws_pool *p, const char *s); /* NULL for NULL s */
char *aws_pool_strndup(aws_pool *p, const char *s, size_t n);
/* Free everything; the pool is empty and reusable. NULL is ignored. */
void aws_pool_dispose(aws_pool *p);
/* Make the pool array `arr` (NULL or from this pool) hold at least `need`
 * elements of `elem` bytes, growing *cap; new elements are zeroed. Returns
 * the (maybe moved) array, or NULL with oom set. Use through AWS_PUSH. */
void *aws_pool_array(aws_pool *p, void *arr, size_t *cap, size_t need, size_t elem);
/* Append a zeroed element to pool array `arr` of `n` elements (capacity
 * `cap`): evaluates to a pointer to it, or NULL (oom set) on failure. */
#define AWS_PUSH(pool, arr, n, cap)                                                                \
	(((arr) = aws_pool_array((pool), (arr), &(cap), (n) + 1, sizeof *(arr))) != NULL           \
		 ? &(arr)[(n)++]                                                                   \
		 : NULL)

typedef struct aws_tag {
	const char *key;
	const char *value;
} aws_tag;

/* A random (version 4) UUID, lower-case, into out[37]: the SDKs' fill for
 * idempotency-token members. FCC_OK or FCC_ERROR (no randomness). */
int aws_uuid4(char out[37], fcc_err *e);

/* ---- query protocol (CloudFormation, IAM, STS) ---- */

typedef struct aws_query {
	fcc_buf body;
	int rc; /* first failure of an add (sticky), FCC_OK otherwise */
} aws_query;

/* Start a body "Action=<action>&Version=<svc version>". */
void aws_query_init(aws_query *q, const aws_service *svc, const char *action);
/* Append "&key=value", both percent-encoded (only A-Za-z0-9-_.~ bare). A NULL
 * value adds nothing. Failures are kept in q->rc. */
void aws_query_add(aws_query *q, const char *key, const char *value);
/* The same with a printf-formatted key ("Tags.member.%zu.Key"). */
void aws_query_addf(aws_query *q, const char *value, const char *keyfmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Wipes and frees the body. */
void aws_query_dispose(aws_query *q);
/* Percent-encode `s` onto `out` per AWS-WIRE.md (also S3 key segments when
 * keep_slash). FCC_OK, FCC_ENOMEM or FCC_EIO. */
int aws_percent_encode(fcc_buf *out, const char *s, size_t len, int keep_slash);

/* Fill `req` for a query call whose body is q's (borrowed). */
void aws_query_request(aws_request *req, const aws_service *svc, const char *action,
		       const aws_query *q);
/* Send `q` and parse the XML answer into *out (xmlFreeDoc). Returns FCC_OK,
 * q->rc if an add failed, the call's error, or FCC_EPARSE for a 2xx whose
 * body is not XML (in ae). */
int aws_query_call(xmlDoc **out, aws_ctx *ctx, const aws_service *svc, const char *action,
		   const aws_query *q, unsigned flags, aws_error *ae);

/* Asynchronous query call: queue `q`'s body (copied), hand the answer's
 * `<action>Result` element (NULL when absent) to `each`, which may set *next
 * to the next page's token (copied; e.g. IAM's Marker when IsTruncated): the
 * next page is then queued with `token_in`=*next added to the same body.
 * `done` is called once at the end. Returns FCC_OK or, with `done` never
 * called, q->rc / a submit error in `e`. */
int aws_query_submit(aws_ctx *ctx, const aws_service *svc, const char *action, const aws_query *q,
		     const char *token_in,
		     int (*each)(void *each_payload, const xmlNode *result, const char **next),
		     void *each_payload, aws_finish_fn done, void *payload, fcc_err *e);

/* Pagination cap of every list call: a service that keeps answering with a
 * next token past this many pages is treated as a bug (FCC_ERROR). */
#define AWS_MAX_PAGES 1000

/* The `<action>Result` element of a query answer (NULL when absent). */
const xmlNode *aws_query_result(const xmlDoc *doc, const char *action);

/* ---- XML helpers (libxml2; no network, no entity expansion) ---- */

/* Parse `len` bytes. FCC_OK or FCC_EPARSE; *out is NULL on failure. */
int aws_xml_parse(xmlDoc **out, const void *data, size_t len, fcc_err *e);
/* Find an element from `from` by local names (namespaces ignored): "A/B/C"
 * walks children, a leading "//" searches all descendants for the first
 * match of the rest ("//Name" or "//A/B"). NULL when absent. */
const xmlNode *aws_xml_find(const xmlNode *from, const char *path);
/* The next element sibling with the same local name (list members), or NULL. */
const xmlNode *aws_xml_next(const xmlNode *n);
/* Number of element children named `name` ("member"). */
size_t aws_xml_count(const xmlNode *parent, const char *name);
/* Text of the element at `path` under `from` copied into the pool; NULL
 * when absent (or on OOM, which sets p->oom). */
const char *aws_xml_str(aws_pool *p, const xmlNode *from, const char *path);
/* Text at `path` as an ISO 8601 time (epoch seconds); 0 when absent or bad. */
long long aws_xml_time(const xmlNode *from, const char *path);
/* A [member{Key, Value}] list element (e.g. "Tags") into the pool. */
int aws_xml_tags(aws_tag **out, size_t *n, aws_pool *p, const xmlNode *list);
/* Text at `path` is "true". */
int aws_xml_bool(const xmlNode *from, const char *path);

/* ---- JSON 1.1 (Service Catalog, SageMaker, Forecast) ---- */

/* Send `in` (NULL: "{}") as X-Amz-Target <svc target>.<op> and parse the
 * answer into *out (json_decref). FCC_OK, the call's error, or FCC_EPARSE /
 * FCC_ENOMEM (in ae). */
int aws_json_call(json_t **out, aws_ctx *ctx, const aws_service *svc, const char *op,
		  const json_t *in, aws_error *ae);
/* Call `op` page after page: each page's input is `in` (modified: the
 * member `token_in` is set to the previous answer's `token_out`), and
 * `each` sees every answer (borrowed; its own FCC_* code stops the loop).
 * Stops when the answer has no token; FCC_ERROR past AWS_MAX_PAGES. */
int aws_json_pages(aws_ctx *ctx, const aws_service *svc, const char *op, json_t *in,
		   const char *token_in, const char *token_out,
		   int (*each)(void *payload, const json_t *page), void *payload, aws_error *ae);
/* Asynchronous aws_json_pages: queue `op` with input `in` (copied), hand
 * every answer to `each` (its own FCC_* code stops and becomes the error)
 * and, when the answer carries a non-empty `token_out`, queue the next page
 * with `token_in` set to it; then call `done` once. `token_in`/`token_out`
 * NULL: one call. Both must be static strings. Returns FCC_OK (`done` will
 * be called from aws_run()) or an error in `e` (`done` is never called). */
int aws_json_submit(aws_ctx *ctx, const aws_service *svc, const char *op, const json_t *in,
		    const char *token_in, const char *token_out,
		    int (*each)(void *each_payload, const json_t *page), void *each_payload,
		    aws_finish_fn done, void *payload, fcc_err *e);
/* Fill `req` for a JSON call; `body` (the serialised input) is borrowed. */
void aws_json_request(aws_request *req, const aws_service *svc, const char *op, const char *body);
/* String member `key` of `obj` copied into the pool; NULL when absent or
 * not a string. */
const char *aws_json_str(aws_pool *p, const json_t *obj, const char *key);
/* Number member as epoch seconds (JSON timestamps), 0 when absent. */
long long aws_json_time(const json_t *obj, const char *key);
/* Tags array [{Key, Value}] of `obj[key]` into the pool. FCC_OK/FCC_ENOMEM. */
int aws_json_tags(aws_tag **out, size_t *n, aws_pool *p, const json_t *obj, const char *key);
/* A [{Key, Value}] array for a request; NULL on OOM. n may be 0. */
json_t *aws_json_tag_array(const aws_tag *tags, size_t n);

/* ---- S3 (rest-xml) pieces ---- */

/* Append "/" + key percent-encoded per segment ('/' kept). */
int aws_s3_key_path(fcc_buf *out, const char *key);

#endif
