/*
 * creds_http.c — the default HTTP callback of the credential chain
 * (creds_http_default, declared in creds.h): one libcurl easy request.
 *
 * Why this is not the AWS transport (runtime/http.c): credential endpoints are
 * link-local or loopback services (169.254.169.254, 169.254.170.2, a
 * container agent on 127.0.0.1) asked once with a 1 s budget so that the
 * chain fails fast off EC2/ECS. The AWS transport is built for service calls:
 * keep-alive pools, SigV4, the SDK standard retry mode with backoff. None of
 * that fits, and the transport would need credentials to exist first.
 *
 * Settings: no redirects (a redirect could carry the Authorization token
 * elsewhere), http/https only, TLS verification on, no proxy (a proxy cannot
 * reach a link-local address, and the token must not pass through one), no
 * signals (safe in threaded programs). curl_easy_init() runs
 * curl_global_init() itself when nobody has, which is not thread-safe: the
 * program should call curl_global_init() once at start-up (libcurl's rule).
 */
#include "runtime/creds.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <string.h>

typedef struct sink {
	fcc_buf *body;
	int overflow;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *payload)
{
	sink *s = payload;

	if (fcc_buf_append(s->body, p, size * n) < 0) {
		s->overflow = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

int creds_http_default(void *payload, const char *method, const char *url,
		       const char *const *headers, long timeout_ms, long *status_out,
		       fcc_buf *body_out, fcc_err *e)
{
	CURL *h = NULL;
	struct curl_slist *list = NULL, *grown;
	sink s = {body_out, 0};
	CURLcode cc;
	int rc = FCC_OK;
	size_t i;

	(void)payload;
	*status_out = 0;
	h = curl_easy_init();
	if (!h)
		return fcc_err_set(e, FCC_ENOMEM, "curl_easy_init failed");
	for (i = 0; headers && headers[i]; i++) {
		grown = curl_slist_append(list, headers[i]);
		if (!grown) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		list = grown;
	}
	if (strcmp(method, "GET") != 0) {
		/* a PUT with an empty body: IMDS wants Content-Length: 0, no type */
		grown = curl_slist_append(list, "Content-Type:");
		if (!grown) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		list = grown;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	cc = curl_easy_perform(h);
	if (s.overflow) {
		rc = fcc_err_set(e, FCC_EIO, "%s %s: response body too large", method, url);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = fcc_err_set(e, FCC_ETIMEOUT, "%s %s: no answer within %ld ms", method, url,
				 timeout_ms);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = fcc_err_set(e, FCC_EIO, "%s %s: %s", method, url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status_out);
out:
	/* the list holds copies of the Authorization / metadata token headers */
	for (grown = list; grown; grown = grown->next)
		OPENSSL_cleanse(grown->data, strlen(grown->data));
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	return rc;
}
