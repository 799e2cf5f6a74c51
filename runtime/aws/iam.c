/*
 * iam.c — AWS IAM typed client (see iam.h).
 */
#include "runtime/aws/iam.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
}

void iam_url_decode(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			*w++ = (char)(hexval((unsigned char)s[1]) * 16 +
				      hexval((unsigned char)s[2]));
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static int call(xmlDoc **doc, const xmlNode **res, aws_ctx *ctx, const char *action, aws_query *q,
		aws_error *ae)
{
	int rc = aws_query_call(doc, ctx, &aws_svc_iam, action, q, 0, ae);

	aws_query_dispose(q);
	if (!rc && res)
		*res = aws_query_result(*doc, action);
	return rc;
}

static void read_role(iam_role *out, const xmlNode *r);

int iam_get_role(iam_role *out, aws_ctx *ctx, const char *role_name, aws_error *ae)
{
	aws_pool *p = &out->pool;
	aws_query q;
	xmlDoc *doc = NULL;
	const xmlNode *r = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_iam, "GetRole");
	aws_query_add(&q, "RoleName", role_name);
	if ((rc = call(&doc, &r, ctx, "GetRole", &q, ae)))
		goto out;
	read_role(out, r);
	if (p->oom) {
		aws_pool_dispose(p);
		rc = fcc_err_set(&ae->err, FCC_ENOMEM, "IAM GetRole: out of memory");
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

/* The GetRoleResult element `r` into `out`; OOM is left in out->pool.oom. */
static void read_role(iam_role *out, const xmlNode *r)
{
	aws_pool *p = &out->pool;
	const char *mx;

	r = aws_xml_find(r, "Role");
	out->name = aws_xml_str(p, r, "RoleName");
	out->id = aws_xml_str(p, r, "RoleId");
	out->arn = aws_xml_str(p, r, "Arn");
	out->path = aws_xml_str(p, r, "Path");
	out->description = aws_xml_str(p, r, "Description");
	out->assume_role_policy = aws_xml_str(p, r, "AssumeRolePolicyDocument");
	if (out->assume_role_policy)
		iam_url_decode((char *)out->assume_role_policy);
	out->create_date = aws_xml_time(r, "CreateDate");
	if ((mx = aws_xml_str(p, r, "MaxSessionDuration")))
		out->max_session_duration = strtol(mx, NULL, 10);
	aws_xml_tags(&out->tags, &out->ntags, p, aws_xml_find(r, "Tags"));
}

static int two(aws_ctx *ctx, const char *action, const char *k1, const char *v1, const char *k2,
	       const char *v2, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	int rc;

	aws_query_init(&q, &aws_svc_iam, action);
	aws_query_add(&q, k1, v1);
	aws_query_add(&q, k2, v2);
	rc = call(&doc, NULL, ctx, action, &q, ae);
	xmlFreeDoc(doc);
	return rc;
}

int iam_attach_role_policy(aws_ctx *ctx, const char *role_name, const char *policy_arn,
			   aws_error *ae)
{
	return two(ctx, "AttachRolePolicy", "RoleName", role_name, "PolicyArn", policy_arn, ae);
}

int iam_update_assume_role_policy(aws_ctx *ctx, const char *role_name, const char *policy_document,
				  aws_error *ae)
{
	return two(ctx, "UpdateAssumeRolePolicy", "RoleName", role_name, "PolicyDocument",
		   policy_document, ae);
}

int iam_list_attached_role_policies(iam_policy_list *out, aws_ctx *ctx, const char *role_name,
				    aws_error *ae)
{
	aws_pool *p = &out->pool;
	const char *marker = NULL;
	unsigned page;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		aws_query q;
		xmlDoc *doc = NULL;
		const xmlNode *r = NULL, *m;
		int more;

		aws_query_init(&q, &aws_svc_iam, "ListAttachedRolePolicies");
		aws_query_add(&q, "RoleName", role_name);
		aws_query_add(&q, "Marker", marker);
		if ((rc = call(&doc, &r, ctx, "ListAttachedRolePolicies", &q, ae)))
			goto out;
		for (m = aws_xml_find(r, "AttachedPolicies/member"); m; m = aws_xml_next(m)) {
			iam_attached_policy *a = AWS_PUSH(p, out->items, out->n, out->cap);
			if (!a)
				break;
			a->name = aws_xml_str(p, m, "PolicyName");
			a->arn = aws_xml_str(p, m, "PolicyArn");
		}
		more = aws_xml_bool(r, "IsTruncated");
		marker = aws_xml_str(p, r, "Marker");
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = fcc_err_set(&ae->err, FCC_ENOMEM, "IAM: out of memory");
			goto out;
		}
		if (!more || !marker)
			goto out;
	}
	rc = fcc_err_set(&ae->err, FCC_ERROR, "IAM ListAttachedRolePolicies: more than %d pages",
			 AWS_MAX_PAGES);
out:
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

/* ---- asynchronous reads (aws_query_submit) ---- */

static int each_role(void *payload, const xmlNode *result, const char **next)
{
	iam_role *out = payload;

	(void)next;
	read_role(out, result);
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int iam_get_role_submit(iam_role *out, aws_ctx *ctx, const char *role_name, aws_finish_fn done,
			void *payload, fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_iam, "GetRole");
	aws_query_add(&q, "RoleName", role_name);
	rc = aws_query_submit(ctx, &aws_svc_iam, "GetRole", &q, NULL, each_role, out, done, payload,
			      e);
	aws_query_dispose(&q);
	return rc;
}

static int each_policy(void *payload, const xmlNode *r, const char **next)
{
	iam_policy_list *out = payload;
	aws_pool *p = &out->pool;
	const xmlNode *m;

	for (m = aws_xml_find(r, "AttachedPolicies/member"); m; m = aws_xml_next(m)) {
		iam_attached_policy *a = AWS_PUSH(p, out->items, out->n, out->cap);
		if (!a)
			return FCC_ENOMEM;
		a->name = aws_xml_str(p, m, "PolicyName");
		a->arn = aws_xml_str(p, m, "PolicyArn");
	}
	if (aws_xml_bool(r, "IsTruncated"))
		*next = aws_xml_str(p, r, "Marker");
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

int iam_list_attached_role_policies_submit(iam_policy_list *out, aws_ctx *ctx,
					   const char *role_name, aws_finish_fn done, void *payload,
					   fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_iam, "ListAttachedRolePolicies");
	aws_query_add(&q, "RoleName", role_name);
	rc = aws_query_submit(ctx, &aws_svc_iam, "ListAttachedRolePolicies", &q, "Marker",
			      each_policy, out, done, payload, e);
	aws_query_dispose(&q);
	return rc;
}
