/*
 * aws_json.c — the AWS JSON 1.1 protocol (Service Catalog, SageMaker,
 * Forecast) over jansson: POST / with X-Amz-Target, `{}` for an empty
 * input (never an empty body), timestamps as epoch seconds.
 */
#include "runtime/aws.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"

void aws_json_request(aws_request *req, const aws_service *svc, const char *op, const char *body)
{
	memset(req, 0, sizeof *req);
	req->svc = svc;
	req->operation = op;
	req->method = "POST";
	req->body = body;
	req->body_len = strlen(body);
}

int aws_json_call(json_t **out, aws_ctx *ctx, const aws_service *svc, const char *op,
		  const json_t *in, aws_error *ae)
{
	aws_request req;
	http_response r;
	json_error_t je;
	char *body = NULL;
	int rc;

	*out = NULL;
	aws_error_clear(ae);
	http_response_init(&r);
	body = in ? json_dumps(in, JSON_COMPACT) : NULL;
	if (in && !body) {
		snprintf(ae->service, sizeof ae->service, "%s", svc->name);
		snprintf(ae->operation, sizeof ae->operation, "%s", op);
		return fcc_err_set(&ae->err, FCC_ENOMEM, "%s %s: out of memory", svc->name, op);
	}
	aws_json_request(&req, svc, op, body ? body : "{}");
	if ((rc = aws_call(ctx, &req, &r, ae)))
		goto out;
	*out = json_loadb(r.body.len ? r.body.data : "{}", r.body.len ? r.body.len : 2,
			  JSON_DECODE_ANY, &je);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = fcc_err_set(&ae->err, FCC_EPARSE, "%s %s: bad response: %s", svc->name, op,
				 je.text[0] ? je.text : "not a JSON object");
	}
out:
	if (body) {
		OPENSSL_cleanse(body, strlen(body));
		free(body); /* jansson's allocator */
	}
	http_response_dispose(&r);
	return rc;
}

const char *aws_json_str(aws_pool *p, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? aws_pool_strndup(p, json_string_value(v), json_string_length(v))
				 : NULL;
}

long long aws_json_time(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_number(v))
		return (long long)json_number_value(v);
	if (json_is_string(v)) {
		long long t = 0;
		return creds_parse_time(&t, json_string_value(v)) ? 0 : t;
	}
	return 0;
}

int aws_json_tags(aws_tag **out, size_t *n, aws_pool *p, const json_t *obj, const char *key)
{
	const json_t *arr = json_object_get(obj, key), *t;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return FCC_OK;
	if (!(*out = aws_pool_alloc(p, json_array_size(arr) * sizeof **out)))
		return FCC_ENOMEM;
	json_array_foreach(arr, i, t) {
		(*out)[*n].key = aws_json_str(p, t, "Key");
		(*out)[*n].value = aws_json_str(p, t, "Value");
		if ((*out)[*n].key)
			(*n)++;
	}
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

json_t *aws_json_tag_array(const aws_tag *tags, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s}", "Key", tags[i].key, "Value",
						       tags[i].value ? tags[i].value : ""))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int aws_json_pages(aws_ctx *ctx, const aws_service *svc, const char *op, json_t *in,
		   const char *token_in, const char *token_out,
		   int (*each)(void *payload, const json_t *page), void *payload, aws_error *ae)
{
	unsigned page;
	int rc;

	for (page = 0; page < AWS_MAX_PAGES; page++) {
		json_t *resp = NULL, *tok;
		if ((rc = aws_json_call(&resp, ctx, svc, op, in, ae)))
			return rc;
		if ((rc = each(payload, resp))) {
			json_decref(resp);
			if (!ae->err.code)
				fcc_err_set(&ae->err, rc, "%s %s: %s", svc->name, op,
					    fcc_err_name(rc));
			return rc;
		}
		tok = json_object_get(resp, token_out);
		if (!json_is_string(tok) || !json_string_length(tok)) {
			json_decref(resp);
			return FCC_OK;
		}
		if (json_object_set(in, token_in, tok)) {
			json_decref(resp);
			return fcc_err_set(&ae->err, FCC_ENOMEM, "%s %s: out of memory", svc->name,
					   op);
		}
		json_decref(resp);
	}
	return fcc_err_set(&ae->err, FCC_ERROR, "%s %s: more than %d pages", svc->name, op,
			   AWS_MAX_PAGES);
}

/* ---- asynchronous pages ---- */

typedef struct json_job {
	aws_ctx *ctx;
	const aws_service *svc;
	char *op;
	json_t *in;
	const char *token_in, *token_out;
	int (*each)(void *, const json_t *);
	void *each_payload;
	aws_finish_fn done;
	void *payload;
	unsigned pages;
} json_job;

static void job_free(json_job *j)
{
	if (!j)
		return;
	json_decref(j->in);
	fcc_free(j->op);
	fcc_free(j);
}

static void json_job_done(void *payload, http_response *resp, aws_error *layer);

static int job_send(json_job *j, fcc_err *e)
{
	aws_request req;
	char *body = json_dumps(j->in, JSON_COMPACT);
	int rc;

	if (!body)
		return fcc_err_set(e, FCC_ENOMEM, "%s %s: out of memory", j->svc->name, j->op);
	aws_json_request(&req, j->svc, j->op, body);
	if (j->pages) /* a next page: the listing's followers wait for it */
		req.flags |= AWS_REQ_AHEAD;
	rc = aws_submit(j->ctx, &req, json_job_done, j, e);
	OPENSSL_cleanse(body, strlen(body));
	free(body); /* jansson's allocator */
	return rc;
}

static void json_job_done(void *payload, http_response *resp, aws_error *layer)
{
	json_job *j = payload;
	aws_error ae = *layer;
	json_t *page = NULL, *tok;
	json_error_t je;
	fcc_err se;
	int rc;

	if (ae.err.code)
		goto finish;
	page = json_loadb(resp->body.len ? resp->body.data : "{}",
			  resp->body.len ? resp->body.len : 2, JSON_DECODE_ANY, &je);
	if (!page || !json_is_object(page)) {
		fcc_err_set(&ae.err, FCC_EPARSE, "%s %s: bad response: %s", j->svc->name, j->op,
			    je.text[0] ? je.text : "not a JSON object");
		goto finish;
	}
	if ((rc = j->each(j->each_payload, page))) {
		fcc_err_set(&ae.err, rc, "%s %s: %s", j->svc->name, j->op, fcc_err_name(rc));
		goto finish;
	}
	tok = j->token_out ? json_object_get(page, j->token_out) : NULL;
	if (!json_is_string(tok) || !json_string_length(tok))
		goto finish;
	if (++j->pages >= AWS_MAX_PAGES) {
		fcc_err_set(&ae.err, FCC_ERROR, "%s %s: more than %d pages", j->svc->name, j->op,
			    AWS_MAX_PAGES);
		goto finish;
	}
	if (json_object_set(j->in, j->token_in, tok)) {
		fcc_err_set(&ae.err, FCC_ENOMEM, "%s %s: out of memory", j->svc->name, j->op);
		goto finish;
	}
	fcc_err_clear(&se);
	if ((rc = job_send(j, &se)) == FCC_OK) {
		json_decref(page);
		return; /* the next page's callback finishes */
	}
	fcc_err_set(&ae.err, rc, "%s %s: %s", j->svc->name, j->op, se.msg);
finish:
	json_decref(page);
	j->done(j->payload, &ae);
	job_free(j);
}

int aws_json_submit(aws_ctx *ctx, const aws_service *svc, const char *op, const json_t *in,
		    const char *token_in, const char *token_out,
		    int (*each)(void *each_payload, const json_t *page), void *each_payload,
		    aws_finish_fn done, void *payload, fcc_err *e)
{
	json_job *j = fcc_calloc(1, sizeof *j);
	int rc;

	if (!j || !(j->op = fcc_strdup(op)) || !(j->in = in ? json_deep_copy(in) : json_object())) {
		job_free(j);
		return fcc_err_set(e, FCC_ENOMEM, "%s %s: out of memory", svc->name, op);
	}
	j->ctx = ctx;
	j->svc = svc;
	j->token_in = token_in;
	j->token_out = token_in ? token_out : NULL;
	j->each = each;
	j->each_payload = each_payload;
	j->done = done;
	j->payload = payload;
	if ((rc = job_send(j, e)))
		job_free(j);
	return rc;
}
