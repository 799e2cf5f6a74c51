/*
 * sts.c — AWS STS typed client (see sts.h). Query protocol, API 2011-06-15.
 */
#include "runtime/aws/sts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"

/* GetCallerIdentityResult → *out. FCC_OK, FCC_ENOMEM or FCC_EPARSE (in `e`). */
static int read_identity(sts_identity *out, const xmlNode *r, fcc_err *e)
{
	out->account = aws_xml_str(&out->pool, r, "Account");
	out->arn = aws_xml_str(&out->pool, r, "Arn");
	out->user_id = aws_xml_str(&out->pool, r, "UserId");
	if (out->pool.oom)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	if (!out->account || !out->arn)
		return fcc_err_set(e, FCC_EPARSE,
				   "STS GetCallerIdentity: no Account or Arn in the answer");
	return FCC_OK;
}

int sts_get_caller_identity(sts_identity *out, aws_ctx *ctx, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_sts, "GetCallerIdentity");
	if ((rc = aws_query_call(&doc, ctx, &aws_svc_sts, "GetCallerIdentity", &q, 0, ae)))
		goto out;
	rc = read_identity(out, aws_xml_find(xmlDocGetRootElement(doc), "GetCallerIdentityResult"),
			   &ae->err);
out:
	if (rc)
		aws_pool_dispose(&out->pool);
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

static int each_identity(void *payload, const xmlNode *result, const char **next)
{
	fcc_err e;

	(void)next;
	fcc_err_clear(&e);
	return read_identity(payload, result, &e);
}

int sts_get_caller_identity_submit(sts_identity *out, aws_ctx *ctx, aws_finish_fn done,
				   void *payload, fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_sts, "GetCallerIdentity");
	rc = aws_query_submit(ctx, &aws_svc_sts, "GetCallerIdentity", &q, NULL, each_identity, out,
			      done, payload, e);
	aws_query_dispose(&q);
	return rc;
}

void sts_assumed_dispose(sts_assumed *a)
{
	if (!a)
		return;
	creds_credentials_free(a->creds);
	aws_pool_dispose(&a->pool);
	memset(a, 0, sizeof *a);
}

/* Credentials from an AssumeRole*Result element. */
static int read_assumed(sts_assumed *out, const xmlNode *res, const char *op, aws_error *ae)
{
	const xmlNode *c = aws_xml_find(res, "Credentials");
	xmlChar *ak = NULL, *sk = NULL, *tok = NULL;
	const xmlNode *n;
	long long exp;
	fcc_err ce;
	int rc;

	out->assumed_role_arn = aws_xml_str(&out->pool, res, "AssumedRoleUser/Arn");
	out->assumed_role_id = aws_xml_str(&out->pool, res, "AssumedRoleUser/AssumedRoleId");
	if (out->pool.oom)
		return fcc_err_set(&ae->err, FCC_ENOMEM, "out of memory");
	exp = aws_xml_time(c, "Expiration");
	if ((n = aws_xml_find(c, "AccessKeyId")))
		ak = xmlNodeGetContent(n);
	if ((n = aws_xml_find(c, "SecretAccessKey")))
		sk = xmlNodeGetContent(n);
	if ((n = aws_xml_find(c, "SessionToken")))
		tok = xmlNodeGetContent(n);
	if (!ak || !sk || !tok) {
		rc = fcc_err_set(&ae->err, FCC_EPARSE, "STS %s: no credentials in the answer", op);
	} else if ((rc = creds_credentials_new(&out->creds, (const char *)ak, (const char *)sk,
					       (const char *)tok, exp, "sts", &ce))) {
		fcc_err_set(&ae->err, rc, "%s", ce.msg);
	}
	/* libxml2 copies of the secret and token: wipe them too */
	if (sk) {
		OPENSSL_cleanse(sk, strlen((const char *)sk));
		xmlFree(sk);
	}
	if (tok) {
		OPENSSL_cleanse(tok, strlen((const char *)tok));
		xmlFree(tok);
	}
	xmlFree(ak);
	return rc;
}

static int assume(sts_assumed *out, aws_ctx *ctx, const sts_assume_input *in, int web,
		  unsigned flags, aws_error *ae)
{
	const char *op = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
	aws_query q;
	aws_request req;
	http_response r;
	xmlDoc *doc = NULL;
	fcc_err pe;
	char dur[32];
	int rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	aws_query_init(&q, &aws_svc_sts, op);
	aws_query_add(&q, "RoleArn", in->role_arn);
	aws_query_add(&q, "RoleSessionName", in->role_session_name);
	if (web)
		aws_query_add(&q, "WebIdentityToken", in->web_identity_token);
	else
		aws_query_add(&q, "ExternalId", in->external_id);
	if (in->duration_seconds > 0) {
		snprintf(dur, sizeof dur, "%ld", in->duration_seconds);
		aws_query_add(&q, "DurationSeconds", dur);
	}
	http_response_init(&r);
	if (q.rc) {
		rc = fcc_err_set(&ae->err, q.rc, "STS %s: out of memory", op);
		goto out;
	}
	aws_query_request(&req, &aws_svc_sts, op, &q);
	req.flags = flags | (web ? AWS_REQ_UNSIGNED : 0);
	req.creds = web ? NULL : in->source;
	if ((rc = aws_call(ctx, &req, &r, ae)))
		goto out;
	if ((rc = aws_xml_parse(&doc, r.body.data ? r.body.data : "", r.body.len, &pe))) {
		fcc_err_set(&ae->err, rc, "STS %s: bad response: %s", op, pe.msg);
		goto out;
	}
	{
		char path[64];
		snprintf(path, sizeof path, "%sResult", op);
		rc = read_assumed(out, aws_xml_find(xmlDocGetRootElement(doc), path), op, ae);
	}
out:
	if (rc)
		sts_assumed_dispose(out);
	xmlFreeDoc(doc);
	/* the answer holds the new secret key and token */
	if (r.body.data)
		OPENSSL_cleanse(r.body.data, r.body.len);
	http_response_dispose(&r);
	aws_query_dispose(&q);
	return rc;
}

int sts_assume_role_with_web_identity(sts_assumed *out, aws_ctx *ctx, const sts_assume_input *in,
				      aws_error *ae)
{
	return assume(out, ctx, in, 1, 0, ae);
}

int sts_assume_role(sts_assumed *out, aws_ctx *ctx, const sts_assume_input *in, aws_error *ae)
{
	return assume(out, ctx, in, 0, 0, ae);
}

int sts_creds_fn(void *payload, creds_sts_response *out, const creds_sts_request *req, fcc_err *e)
{
	sts_assume_input in;
	sts_assumed a;
	aws_error ae;
	int rc;

	memset(&in, 0, sizeof in);
	in.role_arn = req->role_arn;
	in.role_session_name = req->role_session_name;
	in.web_identity_token = req->web_identity_token;
	in.source = req->source;
	in.external_id = req->external_id;
	in.duration_seconds = req->duration_seconds;
	/* AUX: the chain may be asked for credentials inside another request's
	 * callback, while the main client is running */
	rc = assume(&a, payload, &in, req->kind == CREDS_STS_WEB_IDENTITY, AWS_REQ_AUX, &ae);
	if (rc) {
		snprintf(out->error_code, sizeof out->error_code, "%s", ae.code);
		return fcc_err_set(e, rc == FCC_ENOTFOUND ? FCC_EAWS : rc, "%s", ae.err.msg);
	}
	out->creds = a.creds;
	a.creds = NULL;
	sts_assumed_dispose(&a);
	return FCC_OK;
}
