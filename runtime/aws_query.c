/*
 * aws_query.c — the AWS query protocol (CloudFormation, IAM, STS):
 * form-encoded `Action=…&Version=…` bodies with nested members, and the XML
 * answers. Percent-encoding per AWS-WIRE.md: only A-Za-z0-9-_.~ stay bare.
 */
#include "runtime/aws.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"

int aws_percent_encode(fcc_buf *out, const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int rc;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
		    (keep_slash && ch == '/')) {
			rc = fcc_buf_putc(out, (char)ch);
		} else {
			char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			rc = fcc_buf_append(out, t, 3);
		}
		if (rc)
			return rc;
	}
	return FCC_OK;
}

void aws_query_init(aws_query *q, const aws_service *svc, const char *action)
{
	fcc_buf_init(&q->body, FCC_BUF_DEFAULT_MAX);
	q->rc = FCC_OK;
	if (fcc_buf_puts(&q->body, "Action=") ||
	    aws_percent_encode(&q->body, action, strlen(action), 0) ||
	    fcc_buf_puts(&q->body, "&Version=") ||
	    aws_percent_encode(&q->body, svc->version, strlen(svc->version), 0))
		q->rc = FCC_ENOMEM;
}

void aws_query_add(aws_query *q, const char *key, const char *value)
{
	if (q->rc || !value)
		return;
	if (fcc_buf_putc(&q->body, '&') || aws_percent_encode(&q->body, key, strlen(key), 0) ||
	    fcc_buf_putc(&q->body, '=') || aws_percent_encode(&q->body, value, strlen(value), 0))
		q->rc = FCC_ENOMEM;
}

void aws_query_addf(aws_query *q, const char *value, const char *keyfmt, ...)
{
	char key[256];
	va_list ap;
	int n;

	if (q->rc || !value)
		return;
	va_start(ap, keyfmt);
	n = vsnprintf(key, sizeof key, keyfmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof key) {
		q->rc = FCC_ERROR;
		return;
	}
	aws_query_add(q, key, value);
}

void aws_query_dispose(aws_query *q)
{
	/* bodies may carry a WebIdentityToken */
	if (q->body.data)
		OPENSSL_cleanse(q->body.data, q->body.len);
	fcc_buf_dispose(&q->body);
}

void aws_query_request(aws_request *req, const aws_service *svc, const char *action,
		       const aws_query *q)
{
	memset(req, 0, sizeof *req);
	req->svc = svc;
	req->operation = action;
	req->method = "POST";
	req->body = q->body.data;
	req->body_len = q->body.len;
}

int aws_query_call(xmlDoc **out, aws_ctx *ctx, const aws_service *svc, const char *action,
		   const aws_query *q, unsigned flags, aws_error *ae)
{
	aws_request req;
	http_response r;
	fcc_err pe;
	int rc;

	*out = NULL;
	aws_error_clear(ae);
	if (q->rc) {
		snprintf(ae->service, sizeof ae->service, "%s", svc->name);
		snprintf(ae->operation, sizeof ae->operation, "%s", action);
		return fcc_err_set(&ae->err, q->rc, "%s %s: %s", svc->name, action,
				   q->rc == FCC_ENOMEM ? "out of memory"
						       : "request member name too long");
	}
	aws_query_request(&req, svc, action, q);
	req.flags = flags;
	if ((rc = aws_call(ctx, &req, &r, ae)))
		goto out;
	if ((rc = aws_xml_parse(out, r.body.data ? r.body.data : "", r.body.len, &pe)))
		fcc_err_set(&ae->err, rc, "%s %s: bad response: %s", svc->name, action, pe.msg);
out:
	http_response_dispose(&r);
	return rc;
}

const xmlNode *aws_query_result(const xmlDoc *doc, const char *action)
{
	char name[128];

	snprintf(name, sizeof name, "%sResult", action);
	return doc ? aws_xml_find(xmlDocGetRootElement((xmlDoc *)doc), name) : NULL;
}

/* ---- asynchronous calls ---- */

typedef struct query_job {
	aws_ctx *ctx;
	const aws_service *svc;
	char *action;
	aws_query q; /* the first page's body */
	const char *token_in;
	int (*each)(void *, const xmlNode *, const char **);
	void *each_payload;
	aws_finish_fn done;
	void *payload;
	unsigned pages;
} query_job;

static void query_job_free(query_job *j)
{
	if (!j)
		return;
	aws_query_dispose(&j->q);
	fcc_free(j->action);
	fcc_free(j);
}

static void query_job_done(void *payload, http_response *resp, aws_error *layer);

/* Queue the job's body, plus token_in=`next` when not NULL. */
static int query_send(query_job *j, const char *next, fcc_err *e)
{
	aws_request req;
	aws_query q;
	int rc;

	fcc_buf_init(&q.body, FCC_BUF_DEFAULT_MAX);
	q.rc = fcc_buf_append(&q.body, j->q.body.data, j->q.body.len) ? FCC_ENOMEM : FCC_OK;
	if (next)
		aws_query_add(&q, j->token_in, next);
	if (q.rc) {
		aws_query_dispose(&q);
		return fcc_err_set(e, q.rc, "%s %s: out of memory", j->svc->name, j->action);
	}
	aws_query_request(&req, j->svc, j->action, &q);
	if (next) /* a next page: the listing's followers wait for it */
		req.flags |= AWS_REQ_AHEAD;
	rc = aws_submit(j->ctx, &req, query_job_done, j, e);
	aws_query_dispose(&q);
	return rc;
}

static void query_job_done(void *payload, http_response *resp, aws_error *layer)
{
	query_job *j = payload;
	aws_error ae = *layer;
	xmlDoc *doc = NULL;
	const char *next = NULL;
	fcc_err pe;
	int rc;

	if (ae.err.code)
		goto finish;
	fcc_err_clear(&pe);
	if ((rc = aws_xml_parse(&doc, resp->body.data ? resp->body.data : "", resp->body.len,
				&pe))) {
		fcc_err_set(&ae.err, rc, "%s %s: bad response: %s", j->svc->name, j->action,
			    pe.msg);
		goto finish;
	}
	if ((rc = j->each(j->each_payload, aws_query_result(doc, j->action), &next))) {
		fcc_err_set(&ae.err, rc, "%s %s: %s", j->svc->name, j->action, fcc_err_name(rc));
		goto finish;
	}
	if (!next || !j->token_in)
		goto finish;
	if (++j->pages >= AWS_MAX_PAGES) {
		fcc_err_set(&ae.err, FCC_ERROR, "%s %s: more than %d pages", j->svc->name,
			    j->action, AWS_MAX_PAGES);
		goto finish;
	}
	fcc_err_clear(&pe);
	if ((rc = query_send(j, next, &pe)) == FCC_OK) {
		xmlFreeDoc(doc);
		return;
	}
	fcc_err_set(&ae.err, rc, "%s %s: %s", j->svc->name, j->action, pe.msg);
finish:
	xmlFreeDoc(doc);
	j->done(j->payload, &ae);
	query_job_free(j);
}

int aws_query_submit(aws_ctx *ctx, const aws_service *svc, const char *action, const aws_query *q,
		     const char *token_in,
		     int (*each)(void *each_payload, const xmlNode *result, const char **next),
		     void *each_payload, aws_finish_fn done, void *payload, fcc_err *e)
{
	query_job *j;
	int rc;

	if (q->rc)
		return fcc_err_set(e, q->rc, "%s %s: %s", svc->name, action,
				   q->rc == FCC_ENOMEM ? "out of memory"
						       : "request member name too long");
	if (!(j = fcc_calloc(1, sizeof *j)))
		return fcc_err_set(e, FCC_ENOMEM, "%s %s: out of memory", svc->name, action);
	fcc_buf_init(&j->q.body, FCC_BUF_DEFAULT_MAX);
	if (!(j->action = fcc_strdup(action)) ||
	    fcc_buf_append(&j->q.body, q->body.data, q->body.len)) {
		query_job_free(j);
		return fcc_err_set(e, FCC_ENOMEM, "%s %s: out of memory", svc->name, action);
	}
	j->ctx = ctx;
	j->svc = svc;
	j->token_in = token_in;
	j->each = each;
	j->each_payload = each_payload;
	j->done = done;
	j->payload = payload;
	if ((rc = query_send(j, NULL, e)))
		query_job_free(j);
	return rc;
}
