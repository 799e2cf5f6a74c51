/*
 * aws.c — the AWS request pipeline (see aws.h): context, per-attempt
 * credentials → endpoint → build → sign → submit, error classification and
 * retries through runtime/retry.
 *
 * Each submitted request becomes an aws_req_state that lives until its callback
 * has run. An attempt's wire strings (URL, headers) are rebuilt for every
 * attempt because the signature covers X-Amz-Date and a refreshed session
 * token; the body is copied once at submit.
 */
#include "runtime/aws.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "runtime/endpoint.h"
#include "runtime/ini.h"
#include "runtime/sigv4.h"
/* sts_creds_fn: the chain's STS calls go through this layer */
#include "runtime/aws/sts.h"

const aws_service aws_svc_cloudformation = {"CloudFormation", "cloudformation", AWS_PROTO_QUERY,
					    "2010-05-15", NULL};
const aws_service aws_svc_servicecatalog = {"Service Catalog", "servicecatalog", AWS_PROTO_JSON,
					    "2015-12-10", "AWS242ServiceCatalogService"};
const aws_service aws_svc_s3 = {"S3", "s3", AWS_PROTO_REST_XML, "2006-03-01", NULL};
const aws_service aws_svc_iam = {"IAM", "iam", AWS_PROTO_QUERY, "2010-05-08", NULL};
const aws_service aws_svc_sts = {"STS", "sts", AWS_PROTO_QUERY, "2011-06-15", NULL};
const aws_service aws_svc_sagemaker = {"SageMaker", "sagemaker", AWS_PROTO_JSON, "2017-07-24",
				       "SageMaker"};
const aws_service aws_svc_forecast = {"Forecast", "forecast", AWS_PROTO_JSON, "2018-06-26",
				      "AmazonForecast"};

struct aws_ctx {
	char *profile, *endpoint_url, *ca_file;
	int allow_http;
	void (*debug)(void *payload, const char *line);
	void *debug_payload;
	creds_getenv_fn getenv;
	void *getenv_payload;
	http_client *http, *aux;
	creds_chain *chain;
	char *region;
	char region_source[64];
	retry_policy retry;
	ini_file *config; /* for profile endpoint_url settings */
	const ini_section *profile_sec;
};

/* Key of a service in a config-file `services` section: botocore's
 * serviceId lower-cased with spaces as underscores. */
static const char *services_key(const char *signing)
{
	if (strcmp(signing, "servicecatalog") == 0)
		return "service_catalog";
	return signing;
}

static const char *ctx_getenv(const aws_ctx *ctx, const char *name)
{
	const char *v = ctx->getenv ? ctx->getenv(ctx->getenv_payload, name) : getenv(name);
	return v && *v ? v : NULL;
}

/* Adapters for the two getenv shapes used below. */
static const char *endpoint_env(const char *name, void *payload)
{
	return ctx_getenv(payload, name);
}

/* retry_policy_init takes a plain getenv; thread-local because contexts may be
 * made on several threads at once (test_lock_concurrent_one_wins did, and
 * UBSan caught one thread reading the NULL another had just put back) */
static _Thread_local aws_ctx *retry_env_ctx;
static char *retry_env(const char *name)
{
	return (char *)ctx_getenv(retry_env_ctx, name);
}

static void note(aws_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(aws_ctx *ctx, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!ctx->debug)
		return;
	memcpy(line, "* ", 2);
	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n >= 0)
		ctx->debug(ctx->debug_payload, line);
}

/* Load the config file for endpoint_url settings (the chain has its own
 * copy for credentials; creds.h does not expose it). */
static int load_config(aws_ctx *ctx, fcc_err *e)
{
	const char *path = ctx_getenv(ctx, "AWS_CONFIG_FILE"), *home;
	char buf[4096];
	int rc;

	if (!path) {
		if (!(home = ctx_getenv(ctx, "HOME")))
			return FCC_OK;
		snprintf(buf, sizeof buf, "%s/.aws/config", home);
		path = buf;
	}
	if ((rc = ini_load(&ctx->config, path, 0, e)))
		return rc;
	ctx->profile_sec = ini_config_profile(ctx->config, creds_chain_profile(ctx->chain));
	return FCC_OK;
}

int aws_ctx_new(aws_ctx **out, const aws_options *opt, fcc_err *e)
{
	aws_options none;
	aws_ctx *ctx;
	http_options ho;
	creds_options co;
	const char *src = NULL;
	int rc;

	*out = NULL;
	if (!opt) {
		memset(&none, 0, sizeof none);
		opt = &none;
	}
	if (!(ctx = fcc_calloc(1, sizeof *ctx)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	ctx->allow_http = opt->allow_http;
	ctx->debug = opt->debug;
	ctx->debug_payload = opt->debug_payload;
	ctx->getenv = opt->getenv;
	ctx->getenv_payload = opt->getenv_payload;
	if ((opt->profile && !(ctx->profile = fcc_strdup(opt->profile))) ||
	    (opt->endpoint_url && !(ctx->endpoint_url = fcc_strdup(opt->endpoint_url)))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	retry_env_ctx = ctx;
	rc = retry_policy_init(&ctx->retry, retry_env, e);
	retry_env_ctx = NULL;
	if (rc)
		goto out;

	memset(&ho, 0, sizeof ho);
	ho.max_in_flight = opt->max_in_flight;
	ho.timeout_ms = opt->timeout_ms;
	ho.ca_file = opt->ca_file ? opt->ca_file : ctx_getenv(ctx, "AWS_CA_BUNDLE");
	ho.debug = opt->debug;
	ho.debug_payload = opt->debug_payload;
	if ((rc = http_client_new(&ctx->http, &ho, e)))
		goto out;
	ho.max_in_flight = 1;
	if ((rc = http_client_new(&ctx->aux, &ho, e)))
		goto out;

	memset(&co, 0, sizeof co);
	co.profile = opt->profile;
	co.region = opt->region;
	co.getenv = opt->getenv;
	co.getenv_payload = opt->getenv_payload;
	co.sts = sts_creds_fn;
	co.sts_payload = ctx;
	if ((rc = creds_chain_new(&ctx->chain, &co, e)))
		goto out;
	if ((rc = creds_chain_region(&ctx->region, &src, ctx->chain, opt->region_fallback, e))) {
		if (rc == FCC_ENOTFOUND)
			fcc_err_set(e, rc,
				    "no AWS region: pass --region, or set AWS_REGION or "
				    "the profile's region");
		goto out;
	}
	snprintf(ctx->region_source, sizeof ctx->region_source, "%s", src ? src : "");
	if ((rc = load_config(ctx, e)))
		goto out;
	*out = ctx;
	return FCC_OK;
out:
	aws_ctx_free(ctx);
	return rc;
}

void aws_ctx_free(aws_ctx *ctx)
{
	if (!ctx)
		return;
	http_client_free(ctx->http);
	http_client_free(ctx->aux);
	creds_chain_free(ctx->chain);
	ini_free(ctx->config);
	fcc_free(ctx->profile);
	fcc_free(ctx->endpoint_url);
	fcc_free(ctx->region);
	fcc_free(ctx);
}

const char *aws_ctx_region(const aws_ctx *ctx)
{
	return ctx->region;
}

const char *aws_ctx_region_source(const aws_ctx *ctx)
{
	return ctx->region_source;
}

creds_chain *aws_ctx_creds(aws_ctx *ctx)
{
	return ctx->chain;
}

retry_policy *aws_ctx_retry(aws_ctx *ctx)
{
	return &ctx->retry;
}

/* ---- errors ---- */

void aws_error_clear(aws_error *ae)
{
	memset(ae, 0, sizeof *ae);
}

int aws_error_is(const aws_error *ae, const char *code)
{
	return ae && code && strcmp(ae->code, code) == 0;
}

void aws_error_code_from_type(char *out, size_t n, const char *type)
{
	const char *p = strrchr(type, '#');
	size_t len;

	p = p ? p + 1 : type;
	len = strcspn(p, ":");
	while (len && (p[len - 1] == ' '))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

int aws_error_format(fcc_buf *out, const aws_error *ae)
{
	int rc;

	if ((rc = fcc_buf_printf(out, "%s %s: ", ae->service, ae->operation)))
		return rc;
	if (ae->terr != HTTP_TE_NONE) {
		rc = fcc_buf_printf(out, "%s%s%s", http_transport_error_name(ae->terr),
				    ae->transport[0] ? ": " : "", ae->transport);
	} else if (ae->status) {
		rc = fcc_buf_printf(out, "%s (HTTP %ld)%s%s", ae->code[0] ? ae->code : "error",
				    ae->status, ae->message[0] ? ": " : "", ae->message);
		if (!rc && ae->request_id[0])
			rc = fcc_buf_printf(out, " [request id %s]", ae->request_id);
	} else {
		rc = fcc_buf_puts(out, ae->err.msg);
	}
	if (!rc && ae->attempts > 1)
		rc = fcc_buf_printf(out, " (%u attempts%s%s)", ae->attempts,
				    ae->retry_stop ? ", " : "",
				    ae->retry_stop ? ae->retry_stop : "");
	return rc;
}

/* Copy `s[0..n)` into a fixed field, replacing control bytes with spaces so
 * a hostile body cannot break the one-line message. */
static void set_field(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
	dst[n] = '\0';
}

static void set_text(char *dst, size_t cap, const xmlNode *n)
{
	xmlChar *t;

	if (!n || !(t = xmlNodeGetContent(n)))
		return;
	set_field(dst, cap, (const char *)t, strlen((const char *)t));
	xmlFree(t);
}

void aws_error_parse_response(aws_error *ae, const http_response *r)
{
	const char *rid = http_response_header(r, "x-amzn-RequestId"), *type;
	const char *b = r->body.data;
	size_t len = r->body.len, i = 0;

	if (!rid)
		rid = http_response_header(r, "x-amz-request-id");
	if (rid)
		set_field(ae->request_id, sizeof ae->request_id, rid, strlen(rid));
	while (i < len && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
		i++;
	if (i < len && b[i] == '<') {
		xmlDoc *doc = NULL;
		fcc_err ignore;
		if (aws_xml_parse(&doc, b, len, &ignore) == FCC_OK) {
			const xmlNode *root = xmlDocGetRootElement(doc);
			set_text(ae->code, sizeof ae->code, aws_xml_find(root, "//Code"));
			set_text(ae->message, sizeof ae->message, aws_xml_find(root, "//Message"));
			if (!ae->request_id[0])
				set_text(ae->request_id, sizeof ae->request_id,
					 aws_xml_find(root, "//RequestId"));
			xmlFreeDoc(doc);
		}
	} else if (i < len && b[i] == '{') {
		json_t *j = json_loadb(b, len, 0, NULL), *v;
		if (j) {
			if ((v = json_object_get(j, "__type")) && json_is_string(v))
				aws_error_code_from_type(ae->code, sizeof ae->code,
							 json_string_value(v));
			else if (((v = json_object_get(j, "code")) ||
				  (v = json_object_get(j, "Code"))) &&
				 json_is_string(v))
				aws_error_code_from_type(ae->code, sizeof ae->code,
							 json_string_value(v));
			if (((v = json_object_get(j, "message")) ||
			     (v = json_object_get(j, "Message"))) &&
			    json_is_string(v))
				set_field(ae->message, sizeof ae->message, json_string_value(v),
					  strlen(json_string_value(v)));
			json_decref(j);
		}
	}
	if (!ae->code[0] && (type = http_response_header(r, "x-amzn-ErrorType")))
		aws_error_code_from_type(ae->code, sizeof ae->code, type);
	if (!ae->code[0]) {
		/* HEAD errors carry no body (S3): name the status as S3 does */
		const char *c = r->status == 404   ? "NotFound"
				: r->status == 403 ? "Forbidden"
				: r->status == 400 ? "BadRequest"
				: r->status == 412 ? "PreconditionFailed"
				: r->status == 301 ? "PermanentRedirect"
						   : NULL;
		if (c)
			snprintf(ae->code, sizeof ae->code, "%s", c);
	}
}

static int is_not_found(const aws_error *ae)
{
	static const char *const codes[] = {"NoSuchEntity",
					    "NoSuchKey",
					    "NoSuchBucket",
					    "NotFound",
					    "ResourceNotFoundException",
					    "ResourceNotFound"};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof *codes; i++)
		if (strcmp(ae->code, codes[i]) == 0)
			return 1;
	/* CloudFormation answers a missing stack or change set with a generic
	 * ValidationError ("Stack with id X does not exist"). Not for
	 * ValidateTemplate: moto 5.2.1 wraps template errors in the same
	 * "Stack with id … does not exist" text. */
	if (strcmp(ae->code, "ValidationError") == 0 && strstr(ae->message, "does not exist") &&
	    strcmp(ae->operation, "ValidateTemplate") != 0)
		return 1;
	return ae->status == 404 && !ae->code[0];
}

/* Set ae->err from the filled fields (the code and the formatted line). */
static void finish_error(aws_error *ae)
{
	int code;
	fcc_buf b;

	if (ae->terr != HTTP_TE_NONE)
		code = ae->terr == HTTP_TE_TIMEOUT ? FCC_ETIMEOUT : FCC_EIO;
	else if (retry_is_throttling_code(ae->code))
		code = FCC_ETHROTTLED;
	else if (is_not_found(ae))
		code = FCC_ENOTFOUND;
	else
		code = FCC_EAWS;
	fcc_buf_init(&b, sizeof ae->err.msg - 1);
	if (aws_error_format(&b, ae) == FCC_OK || b.len)
		fcc_err_set(&ae->err, code, "%s", fcc_buf_cstr(&b));
	else
		fcc_err_set(&ae->err, code, "%s %s: %s", ae->service, ae->operation,
			    ae->code[0] ? ae->code : "error");
	fcc_buf_dispose(&b);
}

/* A local failure (no request reached the wire) as an aws_error. */
static void local_error(aws_error *ae, const aws_service *svc, const char *op, const fcc_err *e)
{
	char msg[sizeof e->msg];

	snprintf(msg, sizeof msg, "%s", e->msg);
	snprintf(ae->service, sizeof ae->service, "%s", svc->name);
	snprintf(ae->operation, sizeof ae->operation, "%s", op);
	fcc_err_set(&ae->err, e->code ? e->code : FCC_ERROR, "%s %s: %s", svc->name, op, msg);
}

/* ---- the pipeline ---- */

typedef struct aws_req_state {
	aws_ctx *ctx;
	http_client *http;
	const aws_service *svc;
	char *operation, *method, *path, *query, *bucket;
	http_headers extra;
	unsigned char *body;
	size_t body_len;
	unsigned flags;
	const creds_credentials *creds;
	aws_done_fn done;
	void *payload;
	unsigned attempt, last_cost;
	/* the current attempt */
	char *url;
	http_headers wire;
	http_request hreq;
} aws_req_state;

/* Headers may hold a session token: wipe values before freeing. */
static void headers_wipe(http_headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->items[i].value)
			OPENSSL_cleanse(h->items[i].value, strlen(h->items[i].value));
	http_headers_dispose(h);
}

static void attempt_reset(aws_req_state *c)
{
	fcc_free(c->url);
	c->url = NULL;
	headers_wipe(&c->wire);
	memset(&c->hreq, 0, sizeof c->hreq);
}

static void call_free(aws_req_state *c)
{
	if (!c)
		return;
	attempt_reset(c);
	headers_wipe(&c->extra);
	if (c->body) {
		OPENSSL_cleanse(c->body, c->body_len);
		fcc_free(c->body);
	}
	fcc_free(c->operation);
	fcc_free(c->method);
	fcc_free(c->path);
	fcc_free(c->query);
	fcc_free(c->bucket);
	fcc_free(c);
}

/* Replace (or add) header `name` in `h`. */
static int header_set(http_headers *h, const char *name, const char *value)
{
	size_t i;
	char *v;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->items[i].name, name) == 0) {
			if (!(v = fcc_strdup(value)))
				return FCC_ENOMEM;
			OPENSSL_cleanse(h->items[i].value, strlen(h->items[i].value));
			fcc_free(h->items[i].value);
			h->items[i].value = v;
			return FCC_OK;
		}
	return http_headers_add(h, name, value);
}

/* Build, sign and submit the next attempt after `delay_ms`. */
static int attempt_start(aws_req_state *c, long delay_ms, fcc_err *e);

static const char *content_type(const aws_service *svc)
{
	switch (svc->protocol) {
	case AWS_PROTO_QUERY:
		return "application/x-www-form-urlencoded; charset=utf-8";
	case AWS_PROTO_JSON:
		return "application/x-amz-json-1.1";
	default:
		return NULL;
	}
}

static void on_done(void *payload, const http_request *req, http_response *resp);

static int attempt_start(aws_req_state *c, long delay_ms, fcc_err *e)
{
	aws_ctx *ctx = c->ctx;
	creds_credentials *own = NULL;
	const creds_credentials *cr = NULL;
	endpoint_config cfg;
	endpoint ep;
	fcc_buf path, host, url;
	sigv4_result sig;
	sigv4_header *sh = NULL;
	const char *svc_url = NULL;
	size_t i;
	int rc;

	memset(&ep, 0, sizeof ep);
	memset(&sig, 0, sizeof sig);
	fcc_buf_init(&path, FCC_BUF_DEFAULT_MAX);
	fcc_buf_init(&host, 4096);
	fcc_buf_init(&url, FCC_BUF_DEFAULT_MAX);
	attempt_reset(c);

	if (!(c->flags & AWS_REQ_UNSIGNED)) {
		if (c->creds) {
			cr = c->creds;
		} else {
			if ((rc = creds_get(&own, ctx->chain, e)))
				goto out;
			cr = own;
		}
	}

	memset(&cfg, 0, sizeof cfg);
	cfg.service = c->svc->signing;
	cfg.region = ctx->region;
	cfg.endpoint_url = ctx->endpoint_url;
	if (ctx->profile_sec) {
		const char *sname = ini_get(ctx->profile_sec, "services");
		const ini_section *ss = sname ? ini_config_services(ctx->config, sname) : NULL;
		if (ss)
			svc_url = ini_get_sub(ss, services_key(c->svc->signing), "endpoint_url");
		cfg.profile_service_endpoint_url = svc_url;
		cfg.profile_endpoint_url = ini_get(ctx->profile_sec, "endpoint_url");
		cfg.profile_ignore_configured =
			ini_get(ctx->profile_sec, "ignore_configured_endpoint_urls") &&
			strcasecmp(ini_get(ctx->profile_sec, "ignore_configured_endpoint_urls"),
				   "true") == 0;
	}
	cfg.bucket = c->bucket;
	cfg.allow_insecure_http = ctx->allow_http;
	cfg.getenv_fn = endpoint_env;
	cfg.getenv_payload = ctx;
	if ((rc = endpoint_resolve(&ep, &cfg, e)))
		goto out;

	/* wire path: base path, the bucket when path style, then the request's */
	if ((rc = fcc_buf_puts(&path, ep.base_path)))
		goto oom;
	if (c->bucket && ep.s3_path_style) {
		if ((rc = fcc_buf_putc(&path, '/')) ||
		    (rc = aws_percent_encode(&path, c->bucket, strlen(c->bucket), 0)))
			goto oom;
		if (strcmp(c->path, "/") != 0 && (rc = fcc_buf_puts(&path, c->path)))
			goto oom;
	} else if ((rc = fcc_buf_puts(&path, c->path))) {
		goto oom;
	}
	if ((rc = fcc_buf_printf(&url, "%s://%s", ep.scheme, ep.host)) ||
	    (ep.port_explicit && (rc = fcc_buf_printf(&url, ":%d", ep.port))) ||
	    (rc = fcc_buf_puts(&url, path.data)) ||
	    (c->query && *c->query && (rc = fcc_buf_printf(&url, "?%s", c->query))))
		goto oom;
	if ((rc = fcc_buf_puts(&host, ep.host)) ||
	    (ep.port_explicit && (rc = fcc_buf_printf(&host, ":%d", ep.port))))
		goto oom;

	if ((rc = http_headers_add(&c->wire, "Host", host.data)))
		goto oom;
	if (content_type(c->svc) && !http_headers_get(&c->extra, "Content-Type") &&
	    (rc = http_headers_add(&c->wire, "Content-Type", content_type(c->svc))))
		goto oom;
	if (c->svc->protocol == AWS_PROTO_JSON) {
		char target[192];
		snprintf(target, sizeof target, "%s.%s", c->svc->target, c->operation);
		if ((rc = http_headers_add(&c->wire, "X-Amz-Target", target)))
			goto oom;
	}
	for (i = 0; i < c->extra.n; i++)
		if ((rc = http_headers_add(&c->wire, c->extra.items[i].name,
					   c->extra.items[i].value)))
			goto oom;

	if (cr) {
		sigv4_request sr;
		sigv4_credentials sc;
		sigv4_params sp;

		if (!(sh = fcc_calloc(c->wire.n ? c->wire.n : 1, sizeof *sh)))
			goto oom;
		for (i = 0; i < c->wire.n; i++) {
			sh[i].name = c->wire.items[i].name;
			sh[i].value = c->wire.items[i].value;
		}
		memset(&sr, 0, sizeof sr);
		sr.method = c->method;
		sr.path = path.data;
		sr.query = c->query;
		sr.headers = sh;
		sr.nheaders = c->wire.n;
		sr.payload = c->body;
		sr.payload_len = c->body_len;
		sc.access_key_id = cr->access_key_id;
		sc.secret_access_key = cr->secret_access_key;
		sc.session_token = cr->session_token;
		memset(&sp, 0, sizeof sp);
		sp.service = ep.signing_name;
		sp.region = ep.signing_region;
		sp.when = time(NULL);
		sp.flags = c->svc->protocol == AWS_PROTO_REST_XML ? SIGV4_S3 : 0;
		if ((rc = sigv4_sign(&sig, &sr, &sc, &sp, e)))
			goto out;
		for (i = 0; i < sig.nadd; i++)
			if ((rc = header_set(&c->wire, sig.add[i].name, sig.add[i].value)))
				goto oom;
		if ((rc = http_headers_add(&c->wire, "Authorization", sig.authorization)))
			goto oom;
	}
	c->url = fcc_buf_take(&url, NULL);
	if (!c->url)
		goto oom;
	c->hreq.method = c->method;
	c->hreq.url = c->url;
	c->hreq.headers = c->wire.items;
	c->hreq.nheaders = c->wire.n;
	c->hreq.body = c->body;
	c->hreq.body_len = c->body_len;
	c->hreq.ahead = (c->flags & AWS_REQ_AHEAD) && c->attempt == 1;
	if (c->attempt == 1 && own)
		note(ctx, "%s %s: credentials from %s", c->svc->name, c->operation, own->source);
	rc = http_submit(c->http, &c->hreq, delay_ms, on_done, c, e);
	goto out;
oom:
	rc = fcc_err_set(e, rc == FCC_EIO ? FCC_EIO : FCC_ENOMEM, "%s",
			 rc == FCC_EIO ? "request too large" : "out of memory");
out:
	fcc_free(sh);
	sigv4_result_dispose(&sig);
	endpoint_dispose(&ep);
	creds_credentials_free(own);
	fcc_buf_dispose(&path);
	fcc_buf_dispose(&host);
	fcc_buf_dispose(&url);
	return rc;
}

static void on_done(void *payload, const http_request *req, http_response *resp)
{
	aws_req_state *c = payload;
	aws_ctx *ctx = c->ctx;
	aws_error ae;
	retry_outcome o;
	retry_verdict v;
	unsigned delay = 0, cost = 0;
	fcc_err e;

	(void)req;
	aws_error_clear(&ae);
	snprintf(ae.service, sizeof ae.service, "%s", c->svc->name);
	snprintf(ae.operation, sizeof ae.operation, "%s", c->operation);
	ae.attempts = c->attempt;
	ae.status = resp->status;
	ae.terr = resp->terr;
	if (resp->terr == HTTP_TE_NONE && resp->status >= 200 && resp->status < 300) {
		retry_on_success(&ctx->retry, c->last_cost);
		c->done(c->payload, resp, &ae);
		call_free(c);
		return;
	}
	if (resp->terr != HTTP_TE_NONE)
		snprintf(ae.transport, sizeof ae.transport, "%s", resp->errmsg);
	else
		aws_error_parse_response(&ae, resp);

	memset(&o, 0, sizeof o);
	o.no_response = resp->terr != HTTP_TE_NONE && http_transport_error_retryable(resp->terr);
	o.timeout = resp->terr == HTTP_TE_TIMEOUT;
	o.status = resp->terr == HTTP_TE_NONE ? resp->status : 0;
	o.code = ae.code[0] ? ae.code : NULL;
	o.service = c->svc->signing;
	v = retry_decide(&ctx->retry, c->attempt, &o, &delay, &cost);
	if (v == RETRY_YES) {
		note(ctx, "%s %s: attempt %u failed (%s%s%ld), retrying in %u ms", c->svc->name,
		     c->operation, c->attempt, ae.code[0] ? ae.code : "",
		     ae.code[0] ? ", HTTP " : "HTTP ", resp->status, delay);
		c->attempt++;
		c->last_cost = cost;
		fcc_err_clear(&e);
		if (attempt_start(c, (long)delay, &e) == FCC_OK)
			return;
		local_error(&ae, c->svc, c->operation, &e);
		c->done(c->payload, resp, &ae);
		call_free(c);
		return;
	}
	if (v != RETRY_NO)
		ae.retry_stop = retry_verdict_name(v);
	finish_error(&ae);
	c->done(c->payload, resp, &ae);
	call_free(c);
}

int aws_submit(aws_ctx *ctx, const aws_request *req, aws_done_fn done, void *payload, fcc_err *e)
{
	aws_req_state *c;
	size_t i;
	int rc;

	if (!(c = fcc_calloc(1, sizeof *c)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	c->ctx = ctx;
	c->http = (req->flags & AWS_REQ_AUX) ? ctx->aux : ctx->http;
	c->svc = req->svc;
	c->flags = req->flags;
	c->creds = req->creds;
	c->done = done;
	c->payload = payload;
	c->attempt = 1;
	http_headers_init(&c->extra);
	http_headers_init(&c->wire);
	if (!(c->operation = fcc_strdup(req->operation ? req->operation : "")) ||
	    !(c->method = fcc_strdup(req->method ? req->method : "POST")) ||
	    !(c->path = fcc_strdup(req->path && *req->path ? req->path : "/")) ||
	    (req->query && !(c->query = fcc_strdup(req->query))) ||
	    (req->bucket && !(c->bucket = fcc_strdup(req->bucket))))
		goto oom;
	for (i = 0; i < req->nheaders; i++)
		if (http_headers_add(&c->extra, req->headers[i].name, req->headers[i].value))
			goto oom;
	if (req->body_len) {
		if (!(c->body = fcc_malloc(req->body_len)))
			goto oom;
		memcpy(c->body, req->body, req->body_len);
		c->body_len = req->body_len;
	}
	if ((rc = attempt_start(c, 0, e)))
		goto fail;
	return FCC_OK;
oom:
	rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
fail:
	call_free(c);
	return rc;
}

void aws_ctx_set_tick(aws_ctx *ctx, long (*fn)(void *payload), void *payload)
{
	http_client_set_tick(ctx->http, fn, payload);
}

int aws_run(aws_ctx *ctx, fcc_err *e)
{
	return http_run(ctx->http, e);
}

typedef struct sync_state {
	http_response *out;
	aws_error *ae;
} sync_state;

static void sync_done(void *payload, http_response *resp, aws_error *ae)
{
	sync_state *s = payload;

	http_response_move(s->out, resp);
	*s->ae = *ae;
}

int aws_call(aws_ctx *ctx, const aws_request *req, http_response *out, aws_error *ae)
{
	sync_state s;
	fcc_err e;
	int rc;

	http_response_init(out);
	aws_error_clear(ae);
	s.out = out;
	s.ae = ae;
	fcc_err_clear(&e);
	if ((rc = aws_submit(ctx, req, sync_done, &s, &e))) {
		local_error(ae, req->svc, req->operation ? req->operation : "", &e);
		return ae->err.code;
	}
	/* a failed run still called every callback (http.h) */
	rc = http_run((req->flags & AWS_REQ_AUX) ? ctx->aux : ctx->http, &e);
	if (rc && ae->err.code == FCC_OK && out->status == 0)
		local_error(ae, req->svc, req->operation ? req->operation : "", &e);
	return ae->err.code;
}
