/*
 * http.c — HTTP transport on libcurl's multi interface (see http.h).
 *
 * How a request flows: http_submit() copies the headers into a curl_slist and
 * puts a transfer on the pending list, ordered by the time it may start (now +
 * delay_ms: the retry layer's backoff; a request marked `ahead` goes before
 * the waiting ones instead). http_run() loops: start every due
 * transfer while fewer than max_in_flight run (taking an easy handle from the
 * pool, or making one), let curl_multi_perform() move the bytes, complete the
 * finished ones (classify the outcome, call the callback, return the easy
 * handle to the pool), then wait in curl_multi_poll() until a socket is ready,
 * curl's own timer fires, or the next pending transfer is due.
 *
 * Connections live in the multi handle's connection cache, so they are reused
 * across easy handles; pooling the easy handles also keeps their DNS and TLS
 * session caches warm. curl_easy_reset() between uses clears the options but
 * not those caches.
 */
#include "runtime/http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "compiler/base/version.h"

typedef struct xfer xfer;

struct xfer {
	http_client *c;
	const http_request *req; /* borrowed, see http_submit */
	char *method;            /* copies, so a delayed start never reads freed strings */
	char *url;
	struct curl_slist *hdrs;
	http_done_fn done;
	void *payload;
	uint64_t due_ms;
	int ahead; /* queued ahead (http_request.ahead, no delay) */
	CURL *easy;
	http_response resp;
	int too_large;
	char errbuf[CURL_ERROR_SIZE];
	xfer *next;
};

struct http_client {
	CURLM *multi;
	http_options opt;
	char *user_agent;
	char *ca_file;
	CURL **pool; /* idle easy handles */
	size_t npool;
	size_t pool_cap;
	xfer *pending; /* sorted by due_ms, FIFO among equals */
	xfer **active; /* running transfers, max_in_flight slots */
	unsigned nactive;
	int running;       /* inside http_run */
	http_tick_fn tick; /* called on every turn of http_run's loop */
	void *tick_payload;
};

static int global_ready;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- headers and responses ---- */

void http_headers_init(http_headers *h)
{
	h->items = NULL;
	h->n = h->cap = 0;
}

void http_headers_dispose(http_headers *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		fcc_free(h->items[i].name);
		fcc_free(h->items[i].value);
	}
	fcc_free(h->items);
	http_headers_init(h);
}

static int headers_addn(http_headers *h, const char *name, size_t nlen, const char *value,
			size_t vlen)
{
	char *n = NULL, *v = NULL;

	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 16;
		http_header *p = fcc_realloc(h->items, ncap * sizeof *p);
		if (!p)
			return FCC_ENOMEM;
		h->items = p;
		h->cap = ncap;
	}
	n = fcc_strndup(name, nlen);
	v = fcc_strndup(value, vlen);
	if (!n || !v) {
		fcc_free(n);
		fcc_free(v);
		return FCC_ENOMEM;
	}
	h->items[h->n].name = n;
	h->items[h->n].value = v;
	h->n++;
	return FCC_OK;
}

int http_headers_add(http_headers *h, const char *name, const char *value)
{
	return headers_addn(h, name, strlen(name), value, strlen(value));
}

const char *http_headers_get(const http_headers *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->items[i].name, name) == 0)
			return h->items[i].value;
	return NULL;
}

void http_response_init(http_response *r)
{
	memset(r, 0, sizeof *r);
	http_headers_init(&r->headers);
	fcc_buf_init(&r->body, 0);
}

void http_response_dispose(http_response *r)
{
	if (!r)
		return;
	http_headers_dispose(&r->headers);
	fcc_buf_dispose(&r->body);
	r->status = 0;
	r->terr = HTTP_TE_NONE;
	r->errmsg[0] = '\0';
}

void http_response_move(http_response *dst, http_response *src)
{
	size_t max = src->body.max;

	*dst = *src;
	http_response_init(src);
	fcc_buf_init(&src->body, max);
}

const char *http_response_header(const http_response *r, const char *name)
{
	return http_headers_get(&r->headers, name);
}

const char *http_transport_error_name(http_transport_error te)
{
	switch (te) {
	case HTTP_TE_NONE:
		return "none";
	case HTTP_TE_CONNECT:
		return "connect failed";
	case HTTP_TE_TIMEOUT:
		return "timeout";
	case HTTP_TE_DROPPED:
		return "connection dropped";
	case HTTP_TE_TLS:
		return "tls error";
	case HTTP_TE_TOO_LARGE:
		return "response too large";
	case HTTP_TE_OTHER:
		return "transport error";
	}
	return "transport error";
}

int http_transport_error_retryable(http_transport_error te)
{
	return te == HTTP_TE_CONNECT || te == HTTP_TE_TIMEOUT || te == HTTP_TE_DROPPED ||
	       te == HTTP_TE_TLS;
}

/* ---- debug output ---- */

/* Emit one debug line: `prefix` then `text`, non-printable bytes as \xHH so a
 * binary body cannot garble a terminal. Best effort: on ENOMEM the line is
 * dropped (debug output must never fail a request). */
static void debug_emit(http_client *c, const char *prefix, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	fcc_buf line;
	size_t i;
	int rc;

	fcc_buf_init(&line, 0);
	rc = fcc_buf_puts(&line, prefix);
	for (i = 0; i < len && rc == 0; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch >= 0x20 && ch < 0x7f) {
			rc = fcc_buf_putc(&line, (char)ch);
		} else {
			char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
			rc = fcc_buf_append(&line, esc, 4);
		}
	}
	if (rc == 0)
		c->opt.debug(c->opt.debug_payload, fcc_buf_cstr(&line));
	fcc_buf_dispose(&line);
}

/* One header block line from curl ("Name: value", or the request/status
 * line), redacted. */
static void debug_header_line(http_client *c, const char *prefix, const char *p, size_t n)
{
	fcc_buf red;
	char *tmp;
	const char *colon;

	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (!n)
		return;
	tmp = fcc_strndup(p, n);
	if (!tmp)
		return;
	fcc_buf_init(&red, 0);
	colon = strchr(tmp, ':');
	if (colon && colon != tmp && !memchr(tmp, ' ', (size_t)(colon - tmp))) {
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		tmp[colon - tmp] = '\0';
		if (fcc_buf_printf(&red, "%s: ", tmp) == 0 && http_redact_header(&red, tmp, v) == 0)
			debug_emit(c, prefix, red.data, red.len);
	} else if (http_redact_url(&red, tmp) == 0) {
		debug_emit(c, prefix, fcc_buf_cstr(&red), red.len);
	}
	fcc_buf_dispose(&red);
	fcc_free(tmp);
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
	xfer *x = userp;
	const char *prefix = type == CURLINFO_HEADER_OUT ? "> " : "< ";
	size_t i = 0, j;

	(void)easy;
	if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN)
		return 0;
	while (i < size) {
		j = i;
		while (j < size && data[j] != '\n')
			j++;
		debug_header_line(x->c, prefix, data + i, j - i);
		i = j + 1;
	}
	return 0;
}

static void debug_body(http_client *c, const char *prefix, const void *body, size_t len)
{
	size_t max = c->opt.debug_body_max, show = len < max ? len : max;
	fcc_buf red, line;

	if (!len)
		return;
	fcc_buf_init(&red, 0);
	fcc_buf_init(&line, 0);
	/* cut first, then redact: the scanners redact a value cut short */
	if (http_redact_body(&red, body, show) == 0 &&
	    fcc_buf_printf(&line, "%s[body %zu bytes%s] ", prefix, len,
			   show < len ? ", excerpt" : "") == 0)
		debug_emit(c, fcc_buf_cstr(&line), fcc_buf_cstr(&red), red.len);
	fcc_buf_dispose(&red);
	fcc_buf_dispose(&line);
}

/* ---- curl callbacks ---- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	xfer *x = userp;
	size_t n = size * nmemb;
	int rc = fcc_buf_append(&x->resp.body, data, n);

	if (rc == FCC_EIO)
		x->too_large = 1;
	return rc ? 0 : n; /* a short count makes curl abort with CURLE_WRITE_ERROR */
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	xfer *x = userp;
	size_t n = size * nmemb, end = n, nlen;
	const char *colon, *v;

	while (end && (data[end - 1] == '\r' || data[end - 1] == '\n'))
		end--;
	/* every status line starts a new header block (100 Continue, proxy
	 * CONNECT); keep the final response's headers only */
	if (end >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		http_headers_dispose(&x->resp.headers);
		return n;
	}
	colon = memchr(data, ':', end);
	if (!colon)
		return n; /* blank line ending the block, or junk */
	nlen = (size_t)(colon - data);
	v = colon + 1;
	while (v < data + end && (*v == ' ' || *v == '\t'))
		v++;
	if (headers_addn(&x->resp.headers, data, nlen, v, (size_t)(data + end - v)))
		return 0; /* ENOMEM: abort the transfer */
	return n;
}

/* ---- transfers ---- */

static void xfer_free(xfer *x)
{
	if (!x)
		return;
	curl_slist_free_all(x->hdrs);
	fcc_free(x->method);
	fcc_free(x->url);
	http_response_dispose(&x->resp);
	fcc_free(x);
}

static http_transport_error classify(CURLcode cc, int too_large)
{
	switch (cc) {
	case CURLE_OK:
		return HTTP_TE_NONE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_TE_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TE_TIMEOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_TE_DROPPED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		return HTTP_TE_TLS;
	case CURLE_WRITE_ERROR:
		return too_large ? HTTP_TE_TOO_LARGE : HTTP_TE_OTHER;
	default:
		return HTTP_TE_OTHER;
	}
}

/* Complete `x`: classify, report, call back, recycle the easy handle, free. */
static void finish(http_client *c, xfer *x, CURLcode cc)
{
	http_response *r = &x->resp;
	curl_off_t us = 0;
	long status = 0;

	if (x->easy) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &us);
		r->total_ms = (long)(us / 1000);
	}
	r->terr = classify(cc, x->too_large);
	/* a partial or over-cap response is not a response: status stays 0 */
	r->status = r->terr == HTTP_TE_NONE ? status : 0;
	if (r->terr != HTTP_TE_NONE && !r->errmsg[0])
		snprintf(r->errmsg, sizeof r->errmsg, "%s",
			 x->too_large   ? "response body exceeds the size limit"
			 : x->errbuf[0] ? x->errbuf
					: curl_easy_strerror(cc));
	if (c->opt.debug) {
		const http_request *q = x->req;
		debug_body(c, "> ", q->body, q->body_len);
		if (r->terr == HTTP_TE_NONE) {
			debug_body(c, "< ", r->body.data, r->body.len);
		} else {
			fcc_buf line;
			fcc_buf_init(&line, 0);
			if (fcc_buf_printf(&line, "* %s: %s", http_transport_error_name(r->terr),
					   r->errmsg) == 0)
				debug_emit(c, "", line.data, line.len);
			fcc_buf_dispose(&line);
		}
	}
	if (x->easy) {
		curl_multi_remove_handle(c->multi, x->easy);
		if (c->npool < c->pool_cap)
			c->pool[c->npool++] = x->easy;
		else
			curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	x->done(x->payload, x->req, r);
	xfer_free(x);
}

/* Fail `x` before it ever reached curl. */
static void finish_early(http_client *c, xfer *x, const char *msg)
{
	snprintf(x->resp.errmsg, sizeof x->resp.errmsg, "%s", msg);
	finish(c, x, CURLE_FAILED_INIT);
}

#define SETOPT(h, o, v)                                                                            \
	do {                                                                                       \
		if (curl_easy_setopt((h), (o), (v)) != CURLE_OK)                                   \
			goto out;                                                                  \
	} while (0)

/* Configure an easy handle for `x`. Returns 0, or -1 when curl refused an option. */
static int setup_easy(http_client *c, xfer *x, CURL *h)
{
	const http_request *q = x->req;
	long timeout = q->timeout_ms > 0 ? q->timeout_ms : c->opt.timeout_ms;
	int rc = -1;

	SETOPT(h, CURLOPT_URL, x->url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts */
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
	SETOPT(h, CURLOPT_TIMEOUT_MS, timeout);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_USERAGENT, c->user_agent);
	SETOPT(h, CURLOPT_HTTPHEADER, x->hdrs);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(h, CURLOPT_WRITEDATA, x);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, x);
	SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(h, CURLOPT_PRIVATE, x);
	if (c->ca_file)
		SETOPT(h, CURLOPT_CAINFO, c->ca_file);
	if (strcmp(x->method, "HEAD") == 0) {
		SETOPT(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(x->method, "GET") == 0 && q->body_len == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (q->body_len > 0 || strcmp(x->method, "POST") == 0 ||
		   strcmp(x->method, "PUT") == 0 || strcmp(x->method, "PATCH") == 0) {
		/* POSTFIELDS sends the body from memory with a Content-Length;
		 * CUSTOMREQUEST renames the method for PUT and friends */
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		SETOPT(h, CURLOPT_POSTFIELDS, q->body_len ? (const char *)q->body : "");
		if (strcmp(x->method, "POST") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, x->method);
	} else {
		SETOPT(h, CURLOPT_CUSTOMREQUEST, x->method); /* DELETE and others, no body */
	}
	if (c->opt.debug) {
		SETOPT(h, CURLOPT_DEBUGFUNCTION, on_debug);
		SETOPT(h, CURLOPT_DEBUGDATA, x);
		SETOPT(h, CURLOPT_VERBOSE, 1L);
	}
	rc = 0;
out:
	return rc;
}

/* Start `x` now: take a pooled easy handle (or make one), configure it, hand
 * it to the multi. On failure `x` is finished with HTTP_TE_OTHER. */
static void start(http_client *c, xfer *x)
{
	CURL *h = c->npool ? c->pool[--c->npool] : curl_easy_init();

	if (!h) {
		finish_early(c, x, "out of memory creating a transfer");
		return;
	}
	curl_easy_reset(h);
	x->easy = h;
	if (setup_easy(c, x, h) != 0) {
		finish_early(c, x, "libcurl refused a transfer option");
		return;
	}
	if (curl_multi_add_handle(c->multi, h) != CURLM_OK) {
		/* finish() removes the handle; removing one never added is harmless */
		finish_early(c, x, "libcurl could not start the transfer");
		return;
	}
	c->active[c->nactive++] = x;
}

static void active_remove(http_client *c, xfer *x)
{
	unsigned i;

	for (i = 0; i < c->nactive; i++) {
		if (c->active[i] == x) {
			c->active[i] = c->active[--c->nactive];
			return;
		}
	}
}

/* ---- public API ---- */

int http_client_new(http_client **out, const http_options *opt, fcc_err *e)
{
	http_client *c = NULL;
	int rc = FCC_ENOMEM;

	*out = NULL;
	if (!global_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return fcc_err_set(e, FCC_ERROR, "libcurl initialisation failed");
		global_ready = 1;
	}
	c = fcc_calloc(1, sizeof *c);
	if (!c)
		goto out;
	if (opt)
		c->opt = *opt;
	if (c->opt.connect_timeout_ms <= 0)
		c->opt.connect_timeout_ms = 5000;
	if (c->opt.timeout_ms <= 0)
		c->opt.timeout_ms = 60000;
	if (!c->opt.max_in_flight)
		c->opt.max_in_flight = 8;
	if (!c->opt.max_host_connections)
		c->opt.max_host_connections = c->opt.max_in_flight;
	if (!c->opt.max_body)
		c->opt.max_body = FCC_BUF_DEFAULT_MAX;
	if (!c->opt.debug_body_max)
		c->opt.debug_body_max = 2048;
	c->user_agent = fcc_strdup(c->opt.user_agent ? c->opt.user_agent : "fcc/" FCC_VERSION);
	c->opt.user_agent = NULL; /* the caller's strings are not kept */
	if (c->opt.ca_file && !(c->ca_file = fcc_strdup(c->opt.ca_file)))
		goto out;
	c->opt.ca_file = NULL;
	c->pool_cap = c->opt.max_in_flight;
	c->pool = fcc_calloc(c->pool_cap, sizeof *c->pool);
	c->active = fcc_calloc(c->opt.max_in_flight, sizeof *c->active);
	if (!c->user_agent || !c->pool || !c->active)
		goto out;
	c->multi = curl_multi_init();
	if (!c->multi) {
		rc = FCC_ERROR;
		goto out;
	}
	if (curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			      (long)c->opt.max_host_connections) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->opt.max_in_flight * 2) !=
		    CURLM_OK) {
		rc = FCC_ERROR;
		goto out;
	}
	*out = c;
	return FCC_OK;
out:
	http_client_free(c);
	if (rc == FCC_ENOMEM)
		return fcc_err_set(e, rc, "out of memory creating the http client");
	return fcc_err_set(e, rc, "libcurl could not create a multi handle");
}

void http_client_free(http_client *c)
{
	xfer *x;
	size_t i;

	if (!c)
		return;
	while ((x = c->pending)) {
		c->pending = x->next;
		xfer_free(x);
	}
	for (i = 0; i < c->nactive; i++) {
		curl_multi_remove_handle(c->multi, c->active[i]->easy);
		curl_easy_cleanup(c->active[i]->easy);
		xfer_free(c->active[i]);
	}
	for (i = 0; i < c->npool; i++)
		curl_easy_cleanup(c->pool[i]);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	fcc_free(c->pool);
	fcc_free(c->active);
	fcc_free(c->user_agent);
	fcc_free(c->ca_file);
	fcc_free(c);
}

/* Build the curl header list. An empty value needs curl's "Name;" form.
 * Content-Type and Expect are blanked unless the caller set them: curl would
 * otherwise add a form content type to every body and "Expect: 100-continue"
 * to large ones, which stalls against servers that ignore it. */
static int build_headers(struct curl_slist **out, const http_request *req)
{
	struct curl_slist *l = NULL, *t;
	fcc_buf line;
	int have_ct = 0, have_expect = 0, rc = FCC_OK;
	size_t i;

	fcc_buf_init(&line, 0);
	for (i = 0; i < req->nheaders; i++) {
		const http_header *h = &req->headers[i];
		fcc_buf_reset(&line);
		if (strcasecmp(h->name, "content-type") == 0)
			have_ct = 1;
		if (strcasecmp(h->name, "expect") == 0)
			have_expect = 1;
		rc = h->value[0] ? fcc_buf_printf(&line, "%s: %s", h->name, h->value)
				 : fcc_buf_printf(&line, "%s;", h->name);
		if (rc)
			goto out;
		if (!(t = curl_slist_append(l, fcc_buf_cstr(&line)))) {
			rc = FCC_ENOMEM;
			goto out;
		}
		l = t;
	}
	if (!have_ct && !(t = curl_slist_append(l, "Content-Type:"))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	l = have_ct ? l : t;
	if (!have_expect && !(t = curl_slist_append(l, "Expect:"))) {
		rc = FCC_ENOMEM;
		goto out;
	}
	l = have_expect ? l : t;
out:
	fcc_buf_dispose(&line);
	if (rc) {
		curl_slist_free_all(l);
		l = NULL;
	}
	*out = l;
	return rc;
}

int http_submit(http_client *c, const http_request *req, long delay_ms, http_done_fn done,
		void *payload, fcc_err *e)
{
	xfer *x, **pp;

	if (!req || !req->url || !req->method || !*req->method || !done)
		return fcc_err_set(e, FCC_ERROR, "http request without a url, method or callback");
	x = fcc_calloc(1, sizeof *x);
	if (!x)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory queueing a request");
	x->c = c;
	x->req = req;
	x->done = done;
	x->payload = payload;
	x->due_ms = now_ms() + (uint64_t)(delay_ms > 0 ? delay_ms : 0);
	http_response_init(&x->resp);
	fcc_buf_init(&x->resp.body, c->opt.max_body);
	x->method = fcc_strdup(req->method);
	x->url = fcc_strdup(req->url);
	if (!x->method || !x->url || build_headers(&x->hdrs, req) != 0) {
		xfer_free(x);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory queueing a request");
	}
	x->ahead = req->ahead && delay_ms <= 0;
	if (x->ahead) /* past the others queued ahead, before the rest: every
		       * transfer before it is due too, so the due ones stay a prefix */
		for (pp = &c->pending; *pp && (*pp)->ahead; pp = &(*pp)->next)
			;
	else
		for (pp = &c->pending; *pp && (*pp)->due_ms <= x->due_ms; pp = &(*pp)->next)
			;
	x->next = *pp;
	*pp = x;
	return FCC_OK;
}

/* Fail everything pending and running, after the multi interface broke. */
static void fail_all(http_client *c, const char *msg)
{
	xfer *x;

	while (c->nactive) {
		x = c->active[--c->nactive];
		snprintf(x->resp.errmsg, sizeof x->resp.errmsg, "%s", msg);
		finish(c, x, CURLE_FAILED_INIT);
	}
	while ((x = c->pending)) {
		c->pending = x->next;
		finish_early(c, x, msg);
	}
}

void http_client_set_tick(http_client *c, http_tick_fn fn, void *payload)
{
	c->tick = fn;
	c->tick_payload = payload;
}

int http_run(http_client *c, fcc_err *e)
{
	CURLMcode mc = CURLM_OK;
	CURLMsg *msg;
	int still, left, wait;
	long tick_wait;
	uint64_t now;
	xfer *x;

	if (c->running)
		return fcc_err_set(e, FCC_ERROR, "http_run called from a callback");
	c->running = 1;
	for (;;) {
		tick_wait = c->tick ? c->tick(c->tick_payload) : -1; /* may submit */
		now = now_ms();
		while (c->pending && c->pending->due_ms <= now &&
		       c->nactive < c->opt.max_in_flight) {
			x = c->pending;
			c->pending = x->next;
			x->next = NULL;
			start(c, x);
		}
		if (!c->nactive && !c->pending)
			break;
		if ((mc = curl_multi_perform(c->multi, &still)) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(c->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if (!x)
				continue;
			active_remove(c, x);
			finish(c, x, msg->data.result); /* may submit more */
		}
		if (!c->nactive && !c->pending)
			break;
		/* sleep until a socket is ready, curl's timers fire (curl_multi_poll
		 * caps the wait at those), or the next pending request is due */
		wait = 1000;
		if (c->pending && c->nactive < c->opt.max_in_flight) {
			now = now_ms();
			wait = c->pending->due_ms <= now ? 0
							 : (int)(c->pending->due_ms - now < 1000
									 ? c->pending->due_ms - now
									 : 1000);
		}
		if (tick_wait >= 0 && tick_wait < wait)
			wait = (int)tick_wait; /* the tick wants to run again sooner */
		if (wait == 0 && !c->nactive)
			continue;
		if ((mc = curl_multi_poll(c->multi, NULL, 0, wait, NULL)) != CURLM_OK)
			break;
	}
	c->running = 0;
	if (mc != CURLM_OK) {
		char m[128];
		snprintf(m, sizeof m, "libcurl multi interface failed: %s",
			 curl_multi_strerror(mc));
		fail_all(c, m);
		return fcc_err_set(e, FCC_ERROR, "%s", m);
	}
	return FCC_OK;
}

static void do_done(void *payload, const http_request *req, http_response *resp)
{
	(void)req;
	http_response_move(payload, resp);
}

int http_do(http_client *c, const http_request *req, http_response *out, fcc_err *e)
{
	int rc;

	http_response_init(out);
	/* refuse before queueing: a request left queued would later write
	 * into *out, which may be gone by then */
	if (c->running)
		return fcc_err_set(e, FCC_ERROR, "http_do called from a callback");
	if ((rc = http_submit(c, req, 0, do_done, out, e)) != 0)
		return rc;
	return http_run(c, e);
}
