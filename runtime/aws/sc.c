/*
 * sc.c — AWS Service Catalog typed client (see sc.h).
 */
#include "runtime/aws/sc.h"

#include <string.h>

#include "compiler/base/alloc.h"

#define SVC (&aws_svc_servicecatalog)

static int nomem(aws_error *ae, const char *op)
{
	return fcc_err_set(&ae->err, FCC_ENOMEM, "Service Catalog %s: out of memory", op);
}

/* Set `key` to a string when `v` is not NULL. Non-zero on OOM. */
static int put(json_t *o, const char *key, const char *v)
{
	return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int put_tags(json_t *o, const char *key, const aws_tag *t, size_t n)
{
	return n ? json_object_set_new(o, key, aws_json_tag_array(t, n)) : 0;
}

static int put_strings(json_t *o, const char *key, const char *const *s, size_t n)
{
	json_t *a;
	size_t i;

	if (!n)
		return 0;
	if (!(a = json_array()))
		return -1;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(s[i]))) {
			json_decref(a);
			return -1;
		}
	return json_object_set_new(o, key, a);
}

/* IdempotencyToken: the caller's, or a fresh UUID. */
static int put_token(json_t *o, const char *key, const char *tok, aws_error *ae)
{
	char uuid[37];
	int rc;

	if (!tok) {
		if ((rc = aws_uuid4(uuid, &ae->err)))
			return rc;
		tok = uuid;
	}
	return put(o, key, tok) ? FCC_ENOMEM : FCC_OK;
}

/* Run `op` with `in` (consumed); *out gets the answer. */
static int call(json_t **out, aws_ctx *ctx, const char *op, json_t *in, int build_failed,
		aws_error *ae)
{
	int rc;

	*out = NULL;
	if (!in || build_failed) {
		json_decref(in);
		aws_error_clear(ae);
		return nomem(ae, op);
	}
	rc = aws_json_call(out, ctx, SVC, op, in, ae);
	json_decref(in);
	return rc;
}

static void read_portfolio(sc_portfolio_info *p, aws_pool *pool, const json_t *d)
{
	p->id = aws_json_str(pool, d, "Id");
	p->arn = aws_json_str(pool, d, "ARN");
	p->display_name = aws_json_str(pool, d, "DisplayName");
	p->description = aws_json_str(pool, d, "Description");
	p->provider_name = aws_json_str(pool, d, "ProviderName");
	p->created_time = aws_json_time(d, "CreatedTime");
}

static int finish_portfolio(sc_portfolio *out, json_t *resp, int rc, const char *op, aws_error *ae)
{
	if (!rc) {
		read_portfolio(&out->info, &out->pool, json_object_get(resp, "PortfolioDetail"));
		aws_json_tags(&out->tags, &out->ntags, &out->pool, resp, "Tags");
		if (out->pool.oom)
			rc = nomem(ae, op);
	}
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

int sc_create_portfolio(sc_portfolio *out, aws_ctx *ctx, const sc_portfolio_input *in,
			aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= put(q, "DisplayName", in->display_name) |
		       put(q, "Description", in->description) |
		       put(q, "ProviderName", in->provider_name) |
		       put_tags(q, "Tags", in->tags, in->ntags);
		if ((rc = put_token(q, "IdempotencyToken", in->idempotency_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	rc = call(&resp, ctx, "CreatePortfolio", q, bad, ae);
	return finish_portfolio(out, resp, rc, "CreatePortfolio", ae);
}

int sc_describe_portfolio(sc_portfolio *out, aws_ctx *ctx, const char *id, aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q)
		bad |= put(q, "Id", id);
	rc = call(&resp, ctx, "DescribePortfolio", q, bad, ae);
	return finish_portfolio(out, resp, rc, "DescribePortfolio", ae);
}

int sc_update_portfolio(sc_portfolio *out, aws_ctx *ctx, const sc_portfolio_input *in,
			aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q)
		bad |= put(q, "Id", in->id) | put(q, "DisplayName", in->display_name) |
		       put(q, "Description", in->description) |
		       put(q, "ProviderName", in->provider_name) |
		       put_tags(q, "AddTags", in->tags, in->ntags) |
		       put_strings(q, "RemoveTags", in->remove_tags, in->nremove_tags);
	rc = call(&resp, ctx, "UpdatePortfolio", q, bad, ae);
	return finish_portfolio(out, resp, rc, "UpdatePortfolio", ae);
}

static int each_portfolio(void *payload, const json_t *page)
{
	sc_portfolio_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "PortfolioDetails"), i, d) {
		sc_portfolio_info *p = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!p)
			return FCC_ENOMEM;
		read_portfolio(p, &out->pool, d);
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

/* Paginated `op` over `q` (consumed) with PageToken / NextPageToken. */
static int pages(aws_ctx *ctx, const char *op, json_t *q, int bad, aws_pool *pool,
		 int (*each)(void *, const json_t *), void *payload, aws_error *ae)
{
	int rc;

	aws_error_clear(ae);
	if (!q || bad) {
		json_decref(q);
		return nomem(ae, op);
	}
	rc = aws_json_pages(ctx, SVC, op, q, "PageToken", "NextPageToken", each, payload, ae);
	json_decref(q);
	if (rc)
		aws_pool_dispose(pool);
	return rc;
}

int sc_list_portfolios(sc_portfolio_list *out, aws_ctx *ctx, aws_error *ae)
{
	memset(out, 0, sizeof *out);
	return pages(ctx, "ListPortfolios", json_object(), 0, &out->pool, each_portfolio, out, ae);
}

static void read_artifact(sc_artifact_info *a, aws_pool *p, const json_t *d)
{
	const json_t *act = json_object_get(d, "Active");

	a->id = aws_json_str(p, d, "Id");
	a->name = aws_json_str(p, d, "Name");
	a->description = aws_json_str(p, d, "Description");
	a->type = aws_json_str(p, d, "Type");
	a->guidance = aws_json_str(p, d, "Guidance");
	a->active = json_is_boolean(act) ? json_is_true(act) : -1;
	a->created_time = aws_json_time(d, "CreatedTime");
}

static void read_product(sc_product_info *p, aws_pool *pool, const json_t *view)
{
	const json_t *s = json_object_get(view, "ProductViewSummary");

	p->id = aws_json_str(pool, s, "ProductId");
	p->view_id = aws_json_str(pool, s, "Id");
	p->name = aws_json_str(pool, s, "Name");
	p->owner = aws_json_str(pool, s, "Owner");
	p->type = aws_json_str(pool, s, "Type");
	p->description = aws_json_str(pool, s, "ShortDescription");
	p->distributor = aws_json_str(pool, s, "Distributor");
	p->support_email = aws_json_str(pool, s, "SupportEmail");
	p->support_url = aws_json_str(pool, s, "SupportUrl");
	p->support_description = aws_json_str(pool, s, "SupportDescription");
	p->arn = aws_json_str(pool, view, "ProductARN");
	p->status = aws_json_str(pool, view, "Status");
	p->created_time = aws_json_time(view, "CreatedTime");
}

static int finish_product(sc_product *out, json_t *resp, int rc, const char *op, aws_error *ae)
{
	const json_t *d;
	size_t i;

	if (!rc) {
		aws_pool *p = &out->pool;
		read_product(&out->info, p, json_object_get(resp, "ProductViewDetail"));
		if ((d = json_object_get(resp, "ProvisioningArtifactDetail"))) {
			sc_artifact_info *a =
				AWS_PUSH(p, out->artifacts, out->nartifacts, out->acap);
			if (a)
				read_artifact(a, p, d);
		}
		json_array_foreach(json_object_get(resp, "ProvisioningArtifactSummaries"), i, d) {
			sc_artifact_info *a =
				AWS_PUSH(p, out->artifacts, out->nartifacts, out->acap);
			if (!a)
				break;
			read_artifact(a, p, d);
		}
		aws_json_tags(&out->tags, &out->ntags, p, resp, "Tags");
		if (p->oom)
			rc = nomem(ae, op);
	}
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

/* The ProvisioningArtifactParameters / Parameters object of an artifact. */
static json_t *artifact_params(const sc_artifact_input *a)
{
	json_t *o = json_object(), *info = json_object();

	if (!o || !info || put(o, "Name", a->name) || put(o, "Description", a->description) ||
	    put(o, "Type", a->type ? a->type : "CLOUD_FORMATION_TEMPLATE") ||
	    put(info, "LoadTemplateFromURL", a->template_url) || json_object_set(o, "Info", info) ||
	    (a->disable_template_validation &&
	     json_object_set_new(o, "DisableTemplateValidation", json_true()))) {
		json_decref(o);
		o = NULL;
	}
	json_decref(info);
	return o;
}

int sc_create_product(sc_product *out, aws_ctx *ctx, const sc_product_input *in, aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= put(q, "Name", in->name) | put(q, "Owner", in->owner) |
		       put(q, "Description", in->description) |
		       put(q, "Distributor", in->distributor) |
		       put(q, "SupportEmail", in->support_email) |
		       put(q, "SupportUrl", in->support_url) |
		       put(q, "SupportDescription", in->support_description) |
		       put(q, "ProductType",
			   in->product_type ? in->product_type : "CLOUD_FORMATION_TEMPLATE") |
		       put_tags(q, "Tags", in->tags, in->ntags);
		if (in->artifact)
			bad |= json_object_set_new(q, "ProvisioningArtifactParameters",
						   artifact_params(in->artifact));
		if ((rc = put_token(q, "IdempotencyToken", in->idempotency_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	rc = call(&resp, ctx, "CreateProduct", q, bad, ae);
	return finish_product(out, resp, rc, "CreateProduct", ae);
}

int sc_describe_product_as_admin(sc_product *out, aws_ctx *ctx, const char *id, const char *name,
				 aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q)
		bad |= id ? put(q, "Id", id) : put(q, "Name", name);
	rc = call(&resp, ctx, "DescribeProductAsAdmin", q, bad, ae);
	return finish_product(out, resp, rc, "DescribeProductAsAdmin", ae);
}

int sc_update_product(sc_product *out, aws_ctx *ctx, const sc_product_input *in, aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q)
		bad |= put(q, "Id", in->id) | put(q, "Name", in->name) |
		       put(q, "Owner", in->owner) | put(q, "Description", in->description) |
		       put(q, "Distributor", in->distributor) |
		       put(q, "SupportEmail", in->support_email) |
		       put(q, "SupportUrl", in->support_url) |
		       put(q, "SupportDescription", in->support_description) |
		       put_tags(q, "AddTags", in->tags, in->ntags) |
		       put_strings(q, "RemoveTags", in->remove_tags, in->nremove_tags);
	rc = call(&resp, ctx, "UpdateProduct", q, bad, ae);
	return finish_product(out, resp, rc, "UpdateProduct", ae);
}

static int each_product(void *payload, const json_t *page)
{
	sc_product_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "ProductViewDetails"), i, d) {
		sc_product_info *p = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!p)
			return FCC_ENOMEM;
		read_product(p, &out->pool, d);
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_search_products_as_admin(sc_product_list *out, aws_ctx *ctx, const char *portfolio_id,
				const char *full_text, aws_error *ae)
{
	json_t *q = json_object();
	int bad = 0;

	memset(out, 0, sizeof *out);
	if (q) {
		bad |= put(q, "PortfolioId", portfolio_id);
		if (full_text)
			bad |= json_object_set_new(
				q, "Filters", json_pack("{s:[s]}", "FullTextSearch", full_text));
	}
	return pages(ctx, "SearchProductsAsAdmin", q, bad, &out->pool, each_product, out, ae);
}

static int finish_artifact(sc_artifact *out, json_t *resp, int rc, const char *op, aws_error *ae)
{
	if (!rc) {
		read_artifact(&out->info, &out->pool,
			      json_object_get(resp, "ProvisioningArtifactDetail"));
		out->status = aws_json_str(&out->pool, resp, "Status");
		if (out->pool.oom)
			rc = nomem(ae, op);
	}
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

int sc_create_provisioning_artifact(sc_artifact *out, aws_ctx *ctx, const sc_artifact_input *in,
				    aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= put(q, "ProductId", in->product_id) |
		       json_object_set_new(q, "Parameters", artifact_params(in));
		if ((rc = put_token(q, "IdempotencyToken", in->idempotency_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	rc = call(&resp, ctx, "CreateProvisioningArtifact", q, bad, ae);
	return finish_artifact(out, resp, rc, "CreateProvisioningArtifact", ae);
}

int sc_update_provisioning_artifact(sc_artifact *out, aws_ctx *ctx, const sc_artifact_input *in,
				    aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q) {
		bad |= put(q, "ProductId", in->product_id) |
		       put(q, "ProvisioningArtifactId", in->artifact_id) |
		       put(q, "Name", in->name) | put(q, "Description", in->description) |
		       put(q, "Guidance", in->guidance);
		if (in->active >= 0)
			bad |= json_object_set_new(q, "Active", json_boolean(in->active));
	}
	rc = call(&resp, ctx, "UpdateProvisioningArtifact", q, bad, ae);
	return finish_artifact(out, resp, rc, "UpdateProvisioningArtifact", ae);
}

static int each_artifact(void *payload, const json_t *page)
{
	sc_artifact_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "ProvisioningArtifactDetails"), i, d) {
		sc_artifact_info *a = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!a)
			return FCC_ENOMEM;
		read_artifact(a, &out->pool, d);
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_provisioning_artifacts(sc_artifact_list *out, aws_ctx *ctx, const char *product_id,
				   aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int rc;

	/* the model has NextPageToken in the output but no PageToken input:
	 * one call returns every version */
	memset(out, 0, sizeof *out);
	rc = call(&resp, ctx, "ListProvisioningArtifacts", q,
		  q ? put(q, "ProductId", product_id) : 0, ae);
	if (!rc && (rc = each_artifact(out, resp)))
		nomem(ae, "ListProvisioningArtifacts");
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

/* An operation whose answer fcc does not read. */
static int no_output(aws_ctx *ctx, const char *op, json_t *q, int bad, aws_error *ae)
{
	json_t *resp = NULL;
	int rc = call(&resp, ctx, op, q, bad, ae);

	json_decref(resp);
	return rc;
}

int sc_associate_product_with_portfolio(aws_ctx *ctx, const char *product_id,
					const char *portfolio_id, aws_error *ae)
{
	json_t *q = json_object();

	return no_output(
		ctx, "AssociateProductWithPortfolio", q,
		q ? put(q, "ProductId", product_id) | put(q, "PortfolioId", portfolio_id) : 0, ae);
}

static void read_constraint(sc_constraint_info *c, aws_pool *p, const json_t *d)
{
	c->id = aws_json_str(p, d, "ConstraintId");
	c->type = aws_json_str(p, d, "Type");
	c->description = aws_json_str(p, d, "Description");
	c->owner = aws_json_str(p, d, "Owner");
	c->product_id = aws_json_str(p, d, "ProductId");
	c->portfolio_id = aws_json_str(p, d, "PortfolioId");
}

int sc_create_constraint(sc_constraint *out, aws_ctx *ctx, const sc_constraint_input *in,
			 aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= put(q, "PortfolioId", in->portfolio_id) |
		       put(q, "ProductId", in->product_id) | put(q, "Type", in->type) |
		       put(q, "Parameters", in->parameters) |
		       put(q, "Description", in->description);
		if ((rc = put_token(q, "IdempotencyToken", in->idempotency_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	if (!(rc = call(&resp, ctx, "CreateConstraint", q, bad, ae))) {
		read_constraint(&out->info, &out->pool, json_object_get(resp, "ConstraintDetail"));
		out->parameters = aws_json_str(&out->pool, resp, "ConstraintParameters");
		out->status = aws_json_str(&out->pool, resp, "Status");
		if (out->pool.oom)
			rc = nomem(ae, "CreateConstraint");
	}
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

static int each_constraint(void *payload, const json_t *page)
{
	sc_constraint_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "ConstraintDetails"), i, d) {
		sc_constraint_info *c = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!c)
			return FCC_ENOMEM;
		read_constraint(c, &out->pool, d);
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_constraints_for_portfolio(sc_constraint_list *out, aws_ctx *ctx,
				      const char *portfolio_id, const char *product_id,
				      aws_error *ae)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return pages(ctx, "ListConstraintsForPortfolio", q,
		     q ? put(q, "PortfolioId", portfolio_id) | put(q, "ProductId", product_id) : 0,
		     &out->pool, each_constraint, out, ae);
}

int sc_associate_principal_with_portfolio(aws_ctx *ctx, const char *portfolio_id,
					  const char *principal_arn, const char *type,
					  aws_error *ae)
{
	json_t *q = json_object();

	return no_output(ctx, "AssociatePrincipalWithPortfolio", q,
			 q ? put(q, "PortfolioId", portfolio_id) |
					 put(q, "PrincipalARN", principal_arn) |
					 put(q, "PrincipalType", type ? type : "IAM")
			   : 0,
			 ae);
}

static int each_principal(void *payload, const json_t *page)
{
	sc_principal_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "Principals"), i, d) {
		sc_principal *p = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!p)
			return FCC_ENOMEM;
		p->arn = aws_json_str(&out->pool, d, "PrincipalARN");
		p->type = aws_json_str(&out->pool, d, "PrincipalType");
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_principals_for_portfolio(sc_principal_list *out, aws_ctx *ctx, const char *portfolio_id,
				     aws_error *ae)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return pages(ctx, "ListPrincipalsForPortfolio", q,
		     q ? put(q, "PortfolioId", portfolio_id) : 0, &out->pool, each_principal, out,
		     ae);
}

int sc_create_portfolio_share(sc_share *out, aws_ctx *ctx, const char *portfolio_id,
			      const char *account_id, const char *org_type, const char *org_value,
			      int share_principals, aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	if (q) {
		bad |= put(q, "PortfolioId", portfolio_id) | put(q, "AccountId", account_id);
		if (org_type)
			bad |= json_object_set_new(q, "OrganizationNode",
						   json_pack("{s:s, s:s}", "Type", org_type,
							     "Value", org_value ? org_value : ""));
		if (share_principals)
			bad |= json_object_set_new(q, "SharePrincipals", json_true());
	}
	if (!(rc = call(&resp, ctx, "CreatePortfolioShare", q, bad, ae))) {
		out->token = aws_json_str(&out->pool, resp, "PortfolioShareToken");
		if (out->pool.oom)
			rc = nomem(ae, "CreatePortfolioShare");
	}
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

/* ---- ListPortfolioAccess, DescribeConstraint ---- */

static int each_account(void *payload, const json_t *page)
{
	sc_account_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "AccountIds"), i, d) {
		const char **a;
		if (!json_is_string(d))
			continue;
		if (!(a = AWS_PUSH(&out->pool, out->items, out->n, out->cap)))
			return FCC_ENOMEM;
		*a = aws_pool_strdup(&out->pool, json_string_value(d));
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_portfolio_access(sc_account_list *out, aws_ctx *ctx, const char *portfolio_id,
			     aws_error *ae)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return pages(ctx, "ListPortfolioAccess", q, q ? put(q, "PortfolioId", portfolio_id) : 0,
		     &out->pool, each_account, out, ae);
}

static int each_constraint_detail(void *payload, const json_t *page)
{
	sc_constraint *out = payload;

	read_constraint(&out->info, &out->pool, json_object_get(page, "ConstraintDetail"));
	out->parameters = aws_json_str(&out->pool, page, "ConstraintParameters");
	out->status = aws_json_str(&out->pool, page, "Status");
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_describe_constraint(sc_constraint *out, aws_ctx *ctx, const char *id, aws_error *ae)
{
	json_t *q = json_object(), *resp = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	rc = call(&resp, ctx, "DescribeConstraint", q, q ? put(q, "Id", id) : 0, ae);
	if (!rc && (rc = each_constraint_detail(out, resp)))
		nomem(ae, "DescribeConstraint");
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(resp);
	return rc;
}

/* ---- asynchronous reads (aws_json_submit) ---- */

/* Queue `op` with `q` (consumed); `paged` follows PageToken. */
static int submit(aws_ctx *ctx, const char *op, json_t *q, int bad, int paged,
		  int (*each)(void *, const json_t *), void *out, aws_finish_fn done, void *payload,
		  fcc_err *e)
{
	int rc;

	if (!q || bad) {
		json_decref(q);
		return fcc_err_set(e, FCC_ENOMEM, "Service Catalog %s: out of memory", op);
	}
	rc = aws_json_submit(ctx, SVC, op, q, paged ? "PageToken" : NULL,
			     paged ? "NextPageToken" : NULL, each, out, done, payload, e);
	json_decref(q);
	return rc;
}

static int each_portfolio_detail(void *payload, const json_t *page)
{
	sc_portfolio *out = payload;

	read_portfolio(&out->info, &out->pool, json_object_get(page, "PortfolioDetail"));
	aws_json_tags(&out->tags, &out->ntags, &out->pool, page, "Tags");
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

static int each_product_detail(void *payload, const json_t *page)
{
	sc_product *out = payload;
	aws_pool *p = &out->pool;
	const json_t *d;
	size_t i;

	read_product(&out->info, p, json_object_get(page, "ProductViewDetail"));
	json_array_foreach(json_object_get(page, "ProvisioningArtifactSummaries"), i, d) {
		sc_artifact_info *a = AWS_PUSH(p, out->artifacts, out->nartifacts, out->acap);
		if (!a)
			return FCC_ENOMEM;
		read_artifact(a, p, d);
	}
	aws_json_tags(&out->tags, &out->ntags, p, page, "Tags");
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_portfolios_submit(sc_portfolio_list *out, aws_ctx *ctx, aws_finish_fn done,
			      void *payload, fcc_err *e)
{
	memset(out, 0, sizeof *out);
	return submit(ctx, "ListPortfolios", json_object(), 0, 1, each_portfolio, out, done,
		      payload, e);
}

int sc_describe_portfolio_submit(sc_portfolio *out, aws_ctx *ctx, const char *id,
				 aws_finish_fn done, void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "DescribePortfolio", q, q ? put(q, "Id", id) : 0, 0,
		      each_portfolio_detail, out, done, payload, e);
}

int sc_describe_product_as_admin_submit(sc_product *out, aws_ctx *ctx, const char *id,
					const char *name, aws_finish_fn done, void *payload,
					fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "DescribeProductAsAdmin", q,
		      q ? (id ? put(q, "Id", id) : put(q, "Name", name)) : 0, 0,
		      each_product_detail, out, done, payload, e);
}

int sc_search_products_as_admin_submit(sc_product_list *out, aws_ctx *ctx, const char *portfolio_id,
				       const char *full_text, aws_finish_fn done, void *payload,
				       fcc_err *e)
{
	json_t *q = json_object();
	int bad = 0;

	memset(out, 0, sizeof *out);
	if (q) {
		bad |= put(q, "PortfolioId", portfolio_id);
		if (full_text)
			bad |= json_object_set_new(
				q, "Filters", json_pack("{s:[s]}", "FullTextSearch", full_text));
	}
	return submit(ctx, "SearchProductsAsAdmin", q, bad, 1, each_product, out, done, payload, e);
}

int sc_list_provisioning_artifacts_submit(sc_artifact_list *out, aws_ctx *ctx,
					  const char *product_id, aws_finish_fn done, void *payload,
					  fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	/* one call returns every version (see sc_list_provisioning_artifacts) */
	return submit(ctx, "ListProvisioningArtifacts", q, q ? put(q, "ProductId", product_id) : 0,
		      0, each_artifact, out, done, payload, e);
}

int sc_list_constraints_for_portfolio_submit(sc_constraint_list *out, aws_ctx *ctx,
					     const char *portfolio_id, const char *product_id,
					     aws_finish_fn done, void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "ListConstraintsForPortfolio", q,
		      q ? put(q, "PortfolioId", portfolio_id) | put(q, "ProductId", product_id) : 0,
		      1, each_constraint, out, done, payload, e);
}

int sc_describe_constraint_submit(sc_constraint *out, aws_ctx *ctx, const char *id,
				  aws_finish_fn done, void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "DescribeConstraint", q, q ? put(q, "Id", id) : 0, 0,
		      each_constraint_detail, out, done, payload, e);
}

int sc_list_principals_for_portfolio_submit(sc_principal_list *out, aws_ctx *ctx,
					    const char *portfolio_id, aws_finish_fn done,
					    void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "ListPrincipalsForPortfolio", q,
		      q ? put(q, "PortfolioId", portfolio_id) : 0, 1, each_principal, out, done,
		      payload, e);
}

int sc_list_portfolio_access_submit(sc_account_list *out, aws_ctx *ctx, const char *portfolio_id,
				    aws_finish_fn done, void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "ListPortfolioAccess", q, q ? put(q, "PortfolioId", portfolio_id) : 0, 1,
		      each_account, out, done, payload, e);
}

/* ---- organization shares ---- */

static int each_org_node(void *payload, const json_t *page)
{
	sc_org_node_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "OrganizationNodes"), i, d) {
		sc_org_node *n;
		if (!json_is_object(d))
			continue;
		if (!(n = AWS_PUSH(&out->pool, out->items, out->n, out->cap)))
			return FCC_ENOMEM;
		n->type = aws_json_str(&out->pool, d, "Type");
		n->value = aws_json_str(&out->pool, d, "Value");
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_list_organization_portfolio_access_submit(sc_org_node_list *out, aws_ctx *ctx,
						 const char *portfolio_id, const char *node_type,
						 aws_finish_fn done, void *payload, fcc_err *e)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return submit(ctx, "ListOrganizationPortfolioAccess", q,
		      q ? put(q, "PortfolioId", portfolio_id) |
				      put(q, "OrganizationNodeType", node_type)
			: 0,
		      1, each_org_node, out, done, payload, e);
}

static int each_org_access(void *payload, const json_t *page)
{
	sc_org_access *out = payload;

	out->status = aws_json_str(&out->pool, page, "AccessStatus");
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int sc_get_aws_organizations_access_status_submit(sc_org_access *out, aws_ctx *ctx,
						  aws_finish_fn done, void *payload, fcc_err *e)
{
	memset(out, 0, sizeof *out);
	return submit(ctx, "GetAWSOrganizationsAccessStatus", json_object(), 0, 0, each_org_access,
		      out, done, payload, e);
}
