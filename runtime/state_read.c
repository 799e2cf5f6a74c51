/*
 * state_read.c — the state reader (see state_read.h): queue every
 * independent read at once, queue dependent reads from their parent's
 * completion, run the context until everything has answered, then build the
 * snapshot from the answers in the desired state's order (so the snapshot
 * does not depend on the order answers arrive in).
 */
#include "runtime/state_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "runtime/aws/cfn.h"
#include "runtime/aws/iam.h"
#include "runtime/aws/s3.h"
#include "runtime/aws/sagemaker.h"
#include "runtime/aws/sc.h"
#include "runtime/diff.h"      /* DIFF_ARTIFACT_MARKER only */
#include "runtime/iam_patch.h" /* IAM_PATCH_PREFIX only */

/* The metadata fcc writes on upload (x-amz-meta-fcc-sha256). */
#define SHA_META "fcc-sha256"
/* ValidateTemplate's TemplateBody limit (bytes); larger bodies must go by URL. */
#define TEMPLATE_BODY_MAX 51200

enum kind {
	K_HEAD,
	K_ROLE,
	K_POLICIES,
	K_PLIST,
	K_PDESC,
	K_PRINC,
	K_ACCESS,
	K_PRODDESC,
	K_ARTS,
	K_PCONS,
	K_CONS,
	K_CONSDESC,
	K_VALIDATE,
	K_PROJECT,
	K_PIPELINE,
	K_STACK,
	K_STACK_TMPL,
	K_ORGACCESS,
	K_ORGNODES,
	K_PPLIST,
	K_ORPHDESC,
	K_ORPHCONS
};

/* ListConstraintsForPortfolio's page: up to this many products of the build,
 * the portfolio's constraints are listed at once (one page for one LAUNCH
 * constraint each); beyond, one listing per product, so that the pages of
 * one listing, one after another, do not lengthen the chain. */
#define CONS_PAGE 20

typedef struct reader reader;

/* One queued call: what it reads (for messages) and where its answer goes. */
typedef struct rcall {
	reader *r;
	enum kind kind;
	size_t idx;
	struct rcall *next;
	char what[320];
} rcall;

/* Answers of one role / project. */
typedef struct role_ans {
	iam_role role;
	iam_policy_list policies;
	int absent;
} role_ans;

typedef struct project_ans {
	sm_project project;
	sm_pipeline pipeline;
	int absent, no_pipeline;
	char pipeline_name[300];
} project_ans;

/* One ListConstraintsForPortfolio: the portfolio's (every product's) or one
 * product's (of_one), with DescribeConstraint of each LAUNCH constraint of a
 * declared product, index for index (desc: NULL until the list answered). */
typedef struct cons_ans {
	sc_constraint_list list;
	sc_constraint *desc;
	int of_one;
} cons_ans;

/* Answers of one product (desired.products[i]). */
typedef struct prod_ans {
	const sc_product_info *prod; /* &desc.info when the product exists, else NULL */
	int resolved;
	sc_product desc;
	sc_artifact_list arts;
	int arts_have_mine;
	cons_ans cons;  /* its own listing (more than CONS_PAGE products) */
	int cons_asked; /* its listing, or its constraints' descriptions, asked (pair) */
} prod_ans;

/* A product in the portfolio that the build does not declare: fcc's (its
 * fcc:project tag) to remove, or someone else's to leave alone. */
typedef struct orph_ans {
	const sc_product_info *item; /* in reader.pprods */
	sc_product desc;
	int desc_absent; /* deleted since the listing */
	cons_ans cons;   /* its own listing (more than CONS_PAGE products) */
} orph_ans;

/* Answers of one stack fcc owns. */
typedef struct stack_ans {
	cfn_stack_list list;
	cfn_template tmpl;
	int absent, no_template;
} stack_ans;

struct reader {
	aws_ctx *ctx;
	const desired *d;
	const state_read_options *opt;
	rcall *calls;
	unsigned ncalls;
	int rc; /* first failure */
	fcc_err err;
	/* S3 */
	s3_object_info *heads;
	int *head_absent;
	/* IAM */
	role_ans *roles;
	/* Service Catalog: the portfolio */
	sc_portfolio_list plist;
	size_t *pmatch; /* indexes into plist.items named like the desired portfolio */
	size_t npmatch;
	sc_portfolio *pdesc; /* DescribePortfolio of each match */
	size_t pdesc_left;
	int pcount;     /* 0 absent, 1 found (pchosen), >1 ambiguous */
	size_t pchosen; /* index into pmatch */
	sc_principal_list princ;
	sc_account_list access;
	/* the portfolio's constraints, every product's (up to CONS_PAGE products) */
	cons_ans pcons;
	/* the products, and how many have their versions known */
	prod_ans *prods;
	size_t arts_known;
	/* the portfolio's products, and those the build does not declare */
	sc_product_list pprods;
	orph_ans *orph;
	size_t norph;
	/* CloudFormation: validated once the template object and the products'
	 * versions are known (see maybe_validate) */
	int tmpl_known, tmpl_present;
	cfn_validation validation;
	const char *validated; /* the template key, when validated */
	int valid;
	char *valid_error;
	/* SageMaker */
	project_ans *projects;
	/* CloudFormation stacks fcc owns (desired.stacks[]) */
	stack_ans *stacks;
	/* organization shares (only when the spec has some): the access status,
	 * then one ListOrganizationPortfolioAccess per node type the spec uses */
	sc_org_access orgacc;
	int org_known, org_enabled, port_ready, org_listed;
	sc_org_node_list orgnodes[2]; /* ORGANIZATION, ORGANIZATIONAL_UNIT */
};

static void finish(void *payload, aws_error *ae);
static void start_stacks(reader *r);

/* Record the first failure: "reading WHAT: MESSAGE". */
static void fail(reader *r, const char *what, int code, const char *msg)
{
	if (r->rc)
		return;
	r->rc = code ? code : FCC_ERROR;
	fcc_err_set(&r->err, r->rc, "reading %s: %s", what, msg && *msg ? msg : fcc_err_name(code));
}

/* A new call record, or NULL (failure recorded). */
static rcall *newcall(reader *r, enum kind kind, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static rcall *newcall(reader *r, enum kind kind, size_t idx, const char *fmt, ...)
{
	rcall *c;
	va_list ap;

	if (r->rc)
		return NULL;
	if (!(c = fcc_calloc(1, sizeof *c))) {
		fail(r, "AWS state", FCC_ENOMEM, "out of memory");
		return NULL;
	}
	c->r = r;
	c->kind = kind;
	c->idx = idx;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof c->what, fmt, ap);
	va_end(ap);
	c->next = r->calls;
	r->calls = c;
	r->ncalls++;
	return c;
}

/* After a submit: a failure to queue is a failure of the read. */
static void queued(reader *r, rcall *c, int rc, const fcc_err *e)
{
	if (rc)
		fail(r, c->what, rc, e->msg);
}

#define SUBMIT(r, c, call)                                                                         \
	do {                                                                                       \
		fcc_err se_;                                                                       \
		fcc_err_clear(&se_);                                                               \
		if (c)                                                                             \
			queued((r), (c), (call), &se_);                                            \
	} while (0)

static void validate(reader *r, int object_present)
{
	const desired_object *t = desired_object_of_kind(r->d, "template");
	const char *region = aws_ctx_region(r->ctx);
	rcall *c;
	char *url = NULL;

	if (!t)
		return;
	if (object_present) {
		if (!(url = state_read_s3_url(r->d->bucket, region, t->key))) {
			fail(r, "AWS state", FCC_ENOMEM, "out of memory");
			return;
		}
		c = newcall(r, K_VALIDATE, 0, "cfn-validate:%s (ValidateTemplate of %s)", t->key,
			    url);
		SUBMIT(r, c,
		       cfn_validate_template_submit(&r->validation, r->ctx, NULL, url, finish, c,
						    &se_));
		fcc_free(url);
		return;
	}
	/* not uploaded yet: validate the build's bytes, if they fit a TemplateBody */
	if (!r->opt || !r->opt->template_body || r->opt->template_len > TEMPLATE_BODY_MAX)
		return;
	c = newcall(r, K_VALIDATE, 0, "cfn-validate:%s (ValidateTemplate of %s)", t->key, t->path);
	SUBMIT(r, c,
	       cfn_validate_template_submit(&r->validation, r->ctx, r->opt->template_body, NULL,
					    finish, c, &se_));
}

/* ValidateTemplate only when no product version of this template exists:
 * Service Catalog validated the very same bytes (the version is keyed by the
 * template's sha256) when CreateProvisioningArtifact made it, so asking
 * CloudFormation again would add a call — the slowest of a plan — to learn
 * nothing. Every product of a build uses the one template, so one version
 * of it in any product is enough. Called when the template object's
 * HeadObject and each product's versions have answered (or the product is
 * known to be absent). */
static void maybe_validate(reader *r)
{
	size_t k;

	if (!r->tmpl_known || r->arts_known < r->d->n_products || (r->opt && r->opt->skip_validate))
		return;
	for (k = 0; k < r->d->n_products; k++)
		if (r->prods[k].arts_have_mine)
			return;
	validate(r, r->tmpl_present);
}

/* Up to CONS_PAGE products, the portfolio's constraints come in one listing;
 * beyond, each product's in its own. */
static int one_listing(const reader *r)
{
	return r->d->n_products <= CONS_PAGE;
}

/* A listing `ca` answered: room for its DescribeConstraint answers. */
static int cons_known(reader *r, cons_ans *ca)
{
	if (!(ca->desc = fcc_calloc(ca->list.n + 1, sizeof *ca->desc))) {
		fail(r, "AWS state", FCC_ENOMEM, "out of memory");
		return 0;
	}
	return 1;
}

/* Constraint i of listing `ca` is product `id`'s: a listing of one product
 * holds only its own. */
static int cons_is_of(const cons_ans *ca, size_t i, const char *id)
{
	const char *p = ca->list.items[i].product_id;

	return ca->of_one || (p && strcmp(p, id) == 0);
}

/* The listing that holds a product's constraints: the portfolio's, or
 * `own`, the product's own. */
static cons_ans *cons_in(reader *r, cons_ans *own)
{
	return one_listing(r) ? &r->pcons : own;
}

/* DescribeConstraint of each LAUNCH constraint of product k in its listing,
 * for the parameters (the role) the list does not carry. */
static void describe_constraints(reader *r, size_t k)
{
	cons_ans *ca = cons_in(r, &r->prods[k].cons);
	const char *id = r->prods[k].prod->id;
	size_t i;

	for (i = 0; i < ca->list.n; i++) {
		const sc_constraint_info *ci = &ca->list.items[i];
		rcall *c;
		if (!ci->id || !ci->type || strcmp(ci->type, "LAUNCH") != 0 ||
		    !cons_is_of(ca, i, id))
			continue;
		c = newcall(r, K_CONSDESC, k, "sc-constraints:%s/%s (%s)", r->d->portfolio.name,
			    r->d->products[k].name, ci->id);
		SUBMIT(r, c,
		       sc_describe_constraint_submit(&ca->desc[i], r->ctx, ci->id, finish, c,
						     &se_));
	}
}

/* Product k is known (or the portfolio is chosen, or its constraints are
 * listed): once all it needs has answered, its constraints — described
 * from the portfolio's listing, or listed on their own first. (Whether it
 * is in the portfolio at all comes from the listing of the portfolio's
 * products, portfolio_chosen.) */
static void pair(reader *r, size_t k)
{
	prod_ans *a = &r->prods[k];
	rcall *c;

	if (!a->resolved || !a->prod || a->cons_asked)
		return;
	if (one_listing(r)) {
		if (!r->pcons.desc)
			return;
		a->cons_asked = 1;
		describe_constraints(r, k);
		return;
	}
	if (!r->port_ready)
		return;
	a->cons_asked = 1;
	a->cons.of_one = 1;
	c = newcall(r, K_CONS, k, "sc-constraints:%s/%s", r->d->portfolio.name,
		    r->d->products[k].name);
	SUBMIT(r, c,
	       sc_list_constraints_for_portfolio_submit(&a->cons.list, r->ctx,
							r->plist.items[r->pmatch[r->pchosen]].id,
							a->prod->id, finish, c, &se_));
}

static void pair_all(reader *r)
{
	size_t k;

	for (k = 0; k < r->d->n_products; k++)
		pair(r, k);
}

/* ---- organization shares ----
 * Listed only when the spec shares with an organization or OUs, once both
 * the portfolio is chosen and Service Catalog's AWS Organizations access is
 * known to be ENABLED (without it AWS refuses the list, and the diff reports
 * the access instead). One call per node type the spec uses: extra shares
 * of a type the spec does not use are not read. */
static const char *const ORG_TYPES[2] = {"ORGANIZATION", "ORGANIZATIONAL_UNIT"};

static int wants_org(const desired *d)
{
	return d->share_organization || d->share_ous.n;
}

static void maybe_org_nodes(reader *r)
{
	const char *pid;
	size_t t;

	if (!r->port_ready || !r->org_known || !r->org_enabled || r->org_listed)
		return;
	r->org_listed = 1;
	pid = r->plist.items[r->pmatch[r->pchosen]].id;
	for (t = 0; t < 2; t++) {
		rcall *c;
		if (t == 0 ? !r->d->share_organization : !r->d->share_ous.n)
			continue;
		c = newcall(r, K_ORGNODES, t, "sc-shares:%s (%s shares)", r->d->portfolio.name,
			    ORG_TYPES[t]);
		SUBMIT(r, c,
		       sc_list_organization_portfolio_access_submit(&r->orgnodes[t], r->ctx, pid,
								    ORG_TYPES[t], finish, c, &se_));
	}
}

static void on_org_access(reader *r)
{
	r->org_known = 1;
	r->org_enabled = r->orgacc.status && strcmp(r->orgacc.status, "ENABLED") == 0;
	maybe_org_nodes(r);
}

/* The portfolio is chosen (r->pchosen): its principals and shares. */
static void portfolio_chosen(reader *r)
{
	const char *pid = r->plist.items[r->pmatch[r->pchosen]].id;
	rcall *c;

	r->pcount = 1;
	c = newcall(r, K_PRINC, 0, "sc-principals:%s", r->d->portfolio.name);
	SUBMIT(r, c,
	       sc_list_principals_for_portfolio_submit(&r->princ, r->ctx, pid, finish, c, &se_));
	c = newcall(r, K_ACCESS, 0, "sc-shares:%s", r->d->portfolio.name);
	SUBMIT(r, c, sc_list_portfolio_access_submit(&r->access, r->ctx, pid, finish, c, &se_));
	c = newcall(r, K_PPLIST, 0, "sc-portfolio:%s (its products)", r->d->portfolio.name);
	SUBMIT(r, c,
	       sc_search_products_as_admin_submit(&r->pprods, r->ctx, pid, NULL, finish, c, &se_));
	r->port_ready = 1;
	if (one_listing(r)) { /* every product's constraints, at once */
		c = newcall(r, K_PCONS, 0, "sc-constraints:%s", r->d->portfolio.name);
		SUBMIT(r, c,
		       sc_list_constraints_for_portfolio_submit(&r->pcons.list, r->ctx, pid, NULL,
								finish, c, &se_));
	} else {
		pair_all(r);
	}
	maybe_org_nodes(r);
}

/* The portfolio's products are listed: each one the build does not declare
 * is described (its tags say whose it is) and its constraints listed (unless
 * the portfolio's listing has them), so that fcc can remove its own product
 * once the spec drops it. */
static void on_portfolio_products(reader *r)
{
	const char *pid = r->plist.items[r->pmatch[r->pchosen]].id;
	size_t i;

	if (!(r->orph = fcc_calloc(r->pprods.n + 1, sizeof *r->orph))) {
		fail(r, "AWS state", FCC_ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < r->pprods.n; i++) {
		const sc_product_info *it = &r->pprods.items[i];
		orph_ans *o;
		rcall *c;
		if (!it->id || !it->name || desired_product_named(r->d, it->name))
			continue;
		o = &r->orph[r->norph];
		o->item = it;
		c = newcall(r, K_ORPHDESC, r->norph, "sc-product:%s (%s, not in the spec)",
			    it->name, it->id);
		SUBMIT(r, c,
		       sc_describe_product_as_admin_submit(&o->desc, r->ctx, it->id, NULL, finish,
							   c, &se_));
		if (!one_listing(r)) {
			o->cons.of_one = 1;
			c = newcall(r, K_ORPHCONS, r->norph, "sc-constraints:%s/%s",
				    r->d->portfolio.name, it->name);
			SUBMIT(r, c,
			       sc_list_constraints_for_portfolio_submit(&o->cons.list, r->ctx, pid,
									it->id, finish, c, &se_));
		}
		r->norph++;
	}
}

static int tagged_mine(const reader *r, const sc_portfolio *p)
{
	size_t i;

	for (i = 0; i < p->ntags; i++)
		if (strcmp(p->tags[i].key, "fcc:project") == 0 && p->tags[i].value &&
		    strcmp(p->tags[i].value, r->d->project) == 0)
			return 1;
	return 0;
}

static void on_portfolios(reader *r)
{
	size_t i;

	r->pmatch = fcc_calloc(r->plist.n + 1, sizeof *r->pmatch);
	r->pdesc = fcc_calloc(r->plist.n + 1, sizeof *r->pdesc);
	if (!r->pmatch || !r->pdesc) {
		fail(r, "AWS state", FCC_ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < r->plist.n; i++)
		if (r->plist.items[i].display_name &&
		    strcmp(r->plist.items[i].display_name, r->d->portfolio.name) == 0)
			r->pmatch[r->npmatch++] = i;
	if (!r->npmatch)
		return;
	/* DescribePortfolio for the tags: of the one match, or of each when
	 * several share the name (fcc's tag then tells which is its own) */
	r->pdesc_left = r->npmatch;
	for (i = 0; i < r->npmatch; i++) {
		const char *id = r->plist.items[r->pmatch[i]].id;
		rcall *c = newcall(r, K_PDESC, i, "sc-portfolio:%s (%s)", r->d->portfolio.name, id);
		SUBMIT(r, c,
		       sc_describe_portfolio_submit(&r->pdesc[i], r->ctx, id, finish, c, &se_));
	}
	/* what follows needs only the id, which the list gave: no waiting for
	 * DescribePortfolio keeps the chain at STATE_READ_CHAIN */
	if (r->npmatch == 1 && !r->rc)
		portfolio_chosen(r);
}

static void on_portfolio_desc(reader *r)
{
	size_t i, mine = 0, which = 0;

	if (--r->pdesc_left || r->npmatch == 1)
		return;
	for (i = 0; i < r->npmatch; i++)
		if (tagged_mine(r, &r->pdesc[i]))
			mine++, which = i;
	if (mine == 1) {
		r->pchosen = which;
		portfolio_chosen(r);
	} else {
		r->pcount = (int)r->npmatch;
	}
}

/* DescribeProductAsAdmin(Name) answered: the product by its exact name, with
 * its tags, or absent. */
static void on_product(reader *r, size_t k, int absent)
{
	prod_ans *a = &r->prods[k];
	const char *name = r->d->products[k].name;
	rcall *c;

	a->resolved = 1;
	if (!absent && a->desc.info.id && a->desc.info.name && strcmp(a->desc.info.name, name) == 0)
		a->prod = &a->desc.info;
	if (!a->prod) { /* no versions to wait for; nothing in the portfolio to pair */
		r->arts_known++;
		maybe_validate(r);
		return;
	}
	c = newcall(r, K_ARTS, k, "sc-artifacts:%s", name);
	SUBMIT(r, c,
	       sc_list_provisioning_artifacts_submit(&a->arts, r->ctx, a->prod->id, finish, c,
						     &se_));
	pair(r, k);
}

static void on_artifacts(reader *r, size_t k)
{
	prod_ans *a = &r->prods[k];
	const char *want = r->d->products[k].version.template_sha256;
	size_t i, ml = strlen(DIFF_ARTIFACT_MARKER);

	for (i = 0; i < a->arts.n; i++) {
		const char *m = a->arts.items[i].description
					? strstr(a->arts.items[i].description, DIFF_ARTIFACT_MARKER)
					: NULL;
		if (m && strncmp(m + ml, want, strlen(want)) == 0)
			a->arts_have_mine = 1;
	}
	r->arts_known++;
	maybe_validate(r);
}

static int allowed_absent(enum kind k)
{
	return k == K_HEAD || k == K_ROLE || k == K_POLICIES || k == K_PRODDESC || k == K_PROJECT ||
	       k == K_ORPHDESC || k == K_PIPELINE || k == K_STACK || k == K_STACK_TMPL;
}

static void finish(void *payload, aws_error *ae)
{
	rcall *c = payload;
	reader *r = c->r;
	int absent = ae->err.code == FCC_ENOTFOUND;

	/* SageMaker answers DescribeProject for a missing project with
	 * ValidationException "Project X does not exist." (not
	 * ResourceNotFound, which the model lists for DescribePipeline only). */
	if (c->kind == K_PROJECT && aws_error_is(ae, "ValidationException") &&
	    strstr(ae->message, "does not exist"))
		absent = 1;
	/* moto 5.2.1 answers DescribePipeline for a missing pipeline with
	 * ValidationException "Could not find pipeline with PipelineName X."
	 * (moto/sagemaker/models.py describe_pipeline); AWS says
	 * ResourceNotFound, which aws_error maps to FCC_ENOTFOUND already. */
	if (c->kind == K_PIPELINE && aws_error_is(ae, "ValidationException") &&
	    strstr(ae->message, "Could not find pipeline"))
		absent = 1;

	/* GetTemplate of a stack that only a change set made (REVIEW_IN_PROGRESS)
	 * or that is being deleted has no template to give: no template, not a
	 * failed read. */
	if (c->kind == K_STACK_TMPL && aws_error_is(ae, "ValidationError"))
		absent = 1;
	if (c->kind == K_VALIDATE && ae->err.code && aws_error_is(ae, "ValidationError")) {
		/* the template itself is at fault: a plan error, not a read error */
		r->validated = desired_object_of_kind(r->d, "template")->key;
		r->valid = 0;
		if (!(r->valid_error = fcc_strdup(ae->message[0] ? ae->message : ae->err.msg)))
			fail(r, c->what, FCC_ENOMEM, "out of memory");
		return;
	}
	if (ae->err.code && !(absent && allowed_absent(c->kind))) {
		fail(r, c->what, ae->err.code, ae->err.msg);
		return;
	}
	if (r->rc)
		return; /* something failed: queue nothing more */
	switch (c->kind) {
	case K_HEAD: {
		const desired_object *t = desired_object_of_kind(r->d, "template");
		r->head_absent[c->idx] = absent;
		if (t && &r->d->objects[c->idx] == t) {
			r->tmpl_known = 1;
			r->tmpl_present = !absent;
			maybe_validate(r);
		}
		break;
	}
	case K_ROLE:
	case K_POLICIES:
		r->roles[c->idx].absent |= absent;
		break;
	case K_PLIST:
		on_portfolios(r);
		break;
	case K_PDESC:
		on_portfolio_desc(r);
		break;
	case K_PRODDESC:
		on_product(r, c->idx, absent);
		break;
	case K_PCONS: /* the portfolio's constraints: describe each known product's */
		if (cons_known(r, &r->pcons))
			pair_all(r);
		break;
	case K_CONS:
		if (cons_known(r, &r->prods[c->idx].cons))
			describe_constraints(r, c->idx);
		break;

	case K_VALIDATE:
		r->validated = desired_object_of_kind(r->d, "template")->key;
		r->valid = 1;
		break;
	case K_PROJECT:
		r->projects[c->idx].absent = absent;
		break;
	case K_PIPELINE:
		r->projects[c->idx].no_pipeline = absent;
		break;
	case K_ARTS:
		on_artifacts(r, c->idx);
		break;
	case K_STACK:
		r->stacks[c->idx].absent = absent;
		break;
	case K_STACK_TMPL:
		r->stacks[c->idx].no_template = absent;
		break;
	case K_ORGACCESS:
		on_org_access(r);
		break;
	case K_PPLIST:
		on_portfolio_products(r);
		break;
	case K_ORPHDESC:
		r->orph[c->idx].desc_absent = absent;
		break;
	default: /* K_PRINC, K_ACCESS, K_CONSDESC, K_ORPHCONS: the answer is all */
		break;
	}
}

/* ---- queue the first wave ---- */

static void start(reader *r)
{
	const desired *d = r->d;
	size_t i;
	rcall *c;

	for (i = 0; i < d->n_objects; i++) {
		c = newcall(r, K_HEAD, i, "s3://%s/%s", d->bucket, d->objects[i].key);
		SUBMIT(r, c,
		       s3_head_object_submit(&r->heads[i], r->ctx, d->bucket, d->objects[i].key,
					     finish, c, &se_));
	}
	if (!desired_object_of_kind(d, "template"))
		r->tmpl_known = 1; /* nothing to validate (validate() checks) */
	for (i = 0; i < d->n_roles; i++) {
		c = newcall(r, K_ROLE, i, "iam-role:%s", d->roles[i].name);
		SUBMIT(r, c,
		       iam_get_role_submit(&r->roles[i].role, r->ctx, d->roles[i].name, finish, c,
					   &se_));
		c = newcall(r, K_POLICIES, i, "iam-role:%s (attached policies)", d->roles[i].name);
		SUBMIT(r, c,
		       iam_list_attached_role_policies_submit(&r->roles[i].policies, r->ctx,
							      d->roles[i].name, finish, c, &se_));
	}
	c = newcall(r, K_PLIST, 0, "sc-portfolio:%s", d->portfolio.name);
	SUBMIT(r, c, sc_list_portfolios_submit(&r->plist, r->ctx, finish, c, &se_));
	for (i = 0; i < d->n_products; i++) {
		/* by its exact name: one call for the id, fields and tags */
		c = newcall(r, K_PRODDESC, i, "sc-product:%s", d->products[i].name);
		SUBMIT(r, c,
		       sc_describe_product_as_admin_submit(&r->prods[i].desc, r->ctx, NULL,
							   d->products[i].name, finish, c, &se_));
	}
	if (wants_org(d)) {
		c = newcall(r, K_ORGACCESS, 0, "sc-org-access (GetAWSOrganizationsAccessStatus)");
		SUBMIT(r, c,
		       sc_get_aws_organizations_access_status_submit(&r->orgacc, r->ctx, finish, c,
								     &se_));
	}
	for (i = 0; i < d->n_instances; i++) {
		project_ans *p = &r->projects[i];
		c = newcall(r, K_PROJECT, i, "sagemaker-project:%s", d->instances[i].name);
		SUBMIT(r, c,
		       sm_describe_project_submit(&p->project, r->ctx, d->instances[i].name, finish,
						  c, &se_));
		/* the pipeline's name is known up front: read it alongside */
		snprintf(p->pipeline_name, sizeof p->pipeline_name, "sagemaker-%s",
			 d->instances[i].name);
		c = newcall(r, K_PIPELINE, i, "sagemaker-project:%s (pipeline %s)",
			    d->instances[i].name, p->pipeline_name);
		SUBMIT(r, c,
		       sm_describe_pipeline_submit(&p->pipeline, r->ctx, p->pipeline_name, finish,
						   c, &se_));
	}
	start_stacks(r);
}

/* The stacks fcc owns: DescribeStacks and GetTemplate side by side in the
 * first wave (a missing stack answers both with "does not exist"). */
static void start_stacks(reader *r)
{
	size_t i;
	rcall *c;

	for (i = 0; i < r->d->n_stacks; i++) {
		const char *name = r->d->stacks[i].name;
		c = newcall(r, K_STACK, i, "cfn-stack:%s", name);
		SUBMIT(r, c,
		       cfn_describe_stacks_submit(&r->stacks[i].list, r->ctx, name, finish, c,
						  &se_));
		c = newcall(r, K_STACK_TMPL, i, "cfn-stack:%s (template)", name);
		SUBMIT(r, c,
		       cfn_get_template_submit(&r->stacks[i].tmpl, r->ctx, name, "Original", finish,
					       c, &se_));
	}
}

/* ---- the snapshot ---- */

static int dup(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = fcc_strdup(s)) ? FCC_ENOMEM : FCC_OK;
}

static const char *meta(const s3_object_info *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->nmetadata; i++)
		if (o->metadata[i].key && strcasecmp(o->metadata[i].key, key) == 0)
			return o->metadata[i].value;
	return NULL;
}

static json_t *decode(const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static int tags_in(kv_tags *out, const aws_tag *t, size_t n)
{
	size_t i;
	int rc = FCC_OK;

	for (i = 0; rc == FCC_OK && i < n; i++)
		rc = kv_tags_set(out, t[i].key, t[i].value ? t[i].value : "");
	return rc;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) != FCC_OK)                                                          \
			return rc;                                                                 \
	} while (0)

static int build_org_nodes(state_snapshot *s, reader *r)
{
	size_t t, i;
	int rc = FCC_OK;

	for (t = 0; t < 2; t++)
		for (i = 0; i < r->orgnodes[t].n; i++) {
			const sc_org_node *n = &r->orgnodes[t].items[i];
			state_org_node *sn;
			if (!n->value)
				continue;
			if (!(sn = state_add_share_node(s)))
				return FCC_ENOMEM;
			TRY(dup(&sn->type, n->type ? n->type : ORG_TYPES[t]));
			TRY(dup(&sn->value, n->value));
		}
	return FCC_OK;
}

/* A product that exists: its id, DescribeProductAsAdmin's fields and tags,
 * and its constraints in listing `ca` (the portfolio's, or its own when
 * of_one), with their parameters where DescribeConstraint answered. */
static int product_found(state_product *sp, const char *id, const sc_product *desc,
			 const cons_ans *ca)
{
	size_t i;
	int rc = FCC_OK;

	sp->present = 1;
	TRY(dup(&sp->id, id));
	TRY(dup(&sp->owner, desc->info.owner));
	TRY(dup(&sp->description, desc->info.description));
	TRY(dup(&sp->distributor, desc->info.distributor));
	TRY(dup(&sp->support_email, desc->info.support_email));
	TRY(dup(&sp->support_url, desc->info.support_url));
	TRY(tags_in(&sp->tags, desc->tags, desc->ntags));
	for (i = 0; i < ca->list.n; i++) {
		const sc_constraint_info *ci = &ca->list.items[i];
		state_constraint *sc;
		if (!cons_is_of(ca, i, id))
			continue;
		if (!(sc = state_product_add_constraint(sp)))
			return FCC_ENOMEM;
		TRY(dup(&sc->id, ci->id));
		TRY(dup(&sc->type, ci->type ? ci->type : ""));
		sc->parameters = decode(ca->desc ? ca->desc[i].parameters : NULL);
	}
	return FCC_OK;
}

static int build_product(state_snapshot *s, reader *r, size_t k)
{
	const prod_ans *a = &r->prods[k];
	state_product *sp = state_add_product(s);
	size_t i;
	int rc = FCC_OK;

	if (!sp)
		return FCC_ENOMEM;
	TRY(dup(&sp->name, r->d->products[k].name));
	if (!a->prod)
		return FCC_OK;
	/* constraints are listed only once the portfolio is chosen */
	TRY(product_found(sp, a->prod->id, &a->desc, cons_in(r, &r->prods[k].cons)));
	for (i = 0; i < a->arts.n; i++) {
		const sc_artifact_info *ai = &a->arts.items[i];
		state_artifact *sa = state_product_add_artifact(sp);
		char when[32] = "";
		time_t t = (time_t)ai->created_time;
		struct tm tm;
		if (!sa)
			return FCC_ENOMEM;
		if (ai->created_time && gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		TRY(dup(&sa->id, ai->id));
		TRY(dup(&sa->name, ai->name));
		TRY(dup(&sa->description, ai->description));
		sa->active = ai->active != 0; /* unsaid (-1): AWS's default, active */
		TRY(dup(&sa->guidance, ai->guidance ? ai->guidance : "DEFAULT"));
		TRY(dup(&sa->created, when[0] ? when : NULL));
	}
	if (r->pcount != 1)
		return FCC_OK;
	/* in the portfolio's product listing (portfolio_chosen) */
	for (i = 0; i < r->pprods.n; i++)
		if (r->pprods.items[i].id && strcmp(r->pprods.items[i].id, a->prod->id) == 0)
			sp->association = 1;
	return FCC_OK;
}

/* An undeclared product of the portfolio (see on_portfolio_products). */
static int build_orphan(state_snapshot *s, reader *r, orph_ans *o)
{
	state_product *sp;
	int rc = FCC_OK;

	if (o->desc_absent)
		return FCC_OK; /* gone since the listing */
	if (!(sp = state_add_product(s)))
		return FCC_ENOMEM;
	sp->association = 1; /* it was listed in the portfolio */
	TRY(dup(&sp->name, o->item->name));
	/* deleting needs only the constraint ids: no DescribeConstraint */
	return product_found(sp, o->item->id, &o->desc, cons_in(r, &o->cons));
}

static int build_sc(state_snapshot *s, reader *r)
{
	const desired *d = r->d;
	size_t i;
	int rc = FCC_OK;

	TRY(dup(&s->portfolio.name, d->portfolio.name));
	s->portfolio.count = r->pcount;
	if (r->pcount == 1) {
		const sc_portfolio *p = &r->pdesc[r->pchosen];
		const sc_portfolio_info *li = &r->plist.items[r->pmatch[r->pchosen]];
		TRY(dup(&s->portfolio.id, li->id));
		TRY(dup(&s->portfolio.owner,
			p->info.provider_name ? p->info.provider_name : li->provider_name));
		TRY(dup(&s->portfolio.description,
			p->info.description ? p->info.description : li->description));
		TRY(tags_in(&s->portfolio.tags, p->tags, p->ntags));
		for (i = 0; i < r->princ.n; i++) {
			state_principal *sp = state_add_principal(s);
			if (!sp)
				return FCC_ENOMEM;
			TRY(dup(&sp->arn, r->princ.items[i].arn));
			TRY(dup(&sp->type, r->princ.items[i].type));
		}
		for (i = 0; i < r->access.n; i++)
			if (r->access.items[i])
				TRY(kv_strs_push(&s->share_accounts, r->access.items[i]));
		TRY(build_org_nodes(s, r));
	}
	TRY(dup(&s->org_access, r->org_known ? (r->orgacc.status ? r->orgacc.status : "") : NULL));
	for (i = 0; i < d->n_products; i++)
		TRY(build_product(s, r, i));
	for (i = 0; r->pcount == 1 && i < r->norph; i++)
		TRY(build_orphan(s, r, &r->orph[i]));
	return FCC_OK;
}

static int build_stacks(state_snapshot *s, reader *r)
{
	size_t i;
	int rc = FCC_OK;

	for (i = 0; i < r->d->n_stacks; i++) {
		const stack_ans *a = &r->stacks[i];
		const cfn_stack *cs = !a->absent && a->list.n ? &a->list.items[0] : NULL;
		state_stack *st = state_add_stack(s);
		if (!st)
			return FCC_ENOMEM;
		TRY(dup(&st->name, r->d->stacks[i].name));
		st->present = cs != NULL;
		if (!cs)
			continue;
		TRY(dup(&st->id, cs->id));
		TRY(dup(&st->status, cs->status));
		TRY(dup(&st->status_reason, cs->status_reason));
		TRY(tags_in(&st->tags, cs->tags, cs->ntags));
		if (!a->no_template && a->tmpl.body) {
			char hex[FCC_SHA256_HEX_LEN + 1];
			TRY(fcc_sha256_hex(hex, a->tmpl.body, strlen(a->tmpl.body)));
			TRY(dup(&st->template_sha256, hex));
		}
	}
	return FCC_OK;
}

static int build(state_snapshot *s, reader *r)
{
	const desired *d = r->d;
	size_t i, j;
	int rc = FCC_OK;

	for (i = 0; i < d->n_objects; i++) {
		state_object *o = state_add_object(s);
		if (!o)
			return FCC_ENOMEM;
		TRY(dup(&o->bucket, d->bucket));
		TRY(dup(&o->key, d->objects[i].key));
		o->present = !r->head_absent[i];
		if (o->present) {
			TRY(dup(&o->sha256, meta(&r->heads[i], SHA_META)));
			o->size = r->heads[i].content_length;
		}
	}
	for (i = 0; i < d->n_roles; i++) {
		state_role *sr = state_add_role(s);
		const role_ans *a = &r->roles[i];
		if (!sr)
			return FCC_ENOMEM;
		TRY(dup(&sr->name, d->roles[i].name));
		sr->present = !a->absent;
		if (!sr->present)
			continue;
		for (j = 0; j < a->policies.n; j++)
			if (a->policies.items[j].arn)
				TRY(kv_strs_push(&sr->attached_policies, a->policies.items[j].arn));
		sr->trust_policy = decode(a->role.assume_role_policy);
		/* fcc's patch records come with GetRole's Tags: no extra call */
		for (j = 0; j < a->role.ntags; j++)
			if (a->role.tags[j].key && strncmp(a->role.tags[j].key, IAM_PATCH_PREFIX,
							   strlen(IAM_PATCH_PREFIX)) == 0)
				TRY(kv_tags_set(&sr->patch_records, a->role.tags[j].key,
						a->role.tags[j].value ? a->role.tags[j].value
								      : ""));
	}
	TRY(build_sc(s, r));
	if (r->validated) {
		TRY(dup(&s->validation.template, r->validated));
		s->validation.ok = r->valid;
		TRY(dup(&s->validation.error, r->valid ? NULL : r->valid_error));
	}
	for (i = 0; i < d->n_instances; i++) {
		state_project *sp = state_add_project(s);
		const project_ans *a = &r->projects[i];
		if (!sp)
			return FCC_ENOMEM;
		TRY(dup(&sp->name, d->instances[i].name));
		sp->present = !a->absent;
		if (!sp->present)
			continue;
		TRY(dup(&sp->status, a->project.status));
		TRY(dup(&sp->product_id, a->project.product_id));
		TRY(dup(&sp->artifact_id, a->project.artifact_id));
		if (!a->no_pipeline)
			sp->pipeline = decode(a->pipeline.definition);
	}
	return build_stacks(s, r);
}

static void cons_dispose(cons_ans *ca)
{
	size_t i;

	for (i = 0; ca->desc && i < ca->list.n; i++)
		aws_pool_dispose(&ca->desc[i].pool);
	fcc_free(ca->desc);
	aws_pool_dispose(&ca->list.pool);
}

static void reader_dispose(reader *r)
{
	size_t i;

	while (r->calls) {
		rcall *n = r->calls->next;
		fcc_free(r->calls);
		r->calls = n;
	}
	for (i = 0; r->heads && i < r->d->n_objects; i++)
		aws_pool_dispose(&r->heads[i].pool);
	for (i = 0; r->roles && i < r->d->n_roles; i++) {
		aws_pool_dispose(&r->roles[i].role.pool);
		aws_pool_dispose(&r->roles[i].policies.pool);
	}
	for (i = 0; r->projects && i < r->d->n_instances; i++) {
		aws_pool_dispose(&r->projects[i].project.pool);
		aws_pool_dispose(&r->projects[i].pipeline.pool);
	}
	for (i = 0; r->stacks && i < r->d->n_stacks; i++) {
		aws_pool_dispose(&r->stacks[i].list.pool);
		aws_pool_dispose(&r->stacks[i].tmpl.pool);
	}
	fcc_free(r->stacks);
	for (i = 0; r->pdesc && i < r->npmatch; i++)
		aws_pool_dispose(&r->pdesc[i].pool);
	for (i = 0; r->prods && i < r->d->n_products; i++) {
		aws_pool_dispose(&r->prods[i].desc.pool);
		aws_pool_dispose(&r->prods[i].arts.pool);
		cons_dispose(&r->prods[i].cons);
	}
	fcc_free(r->prods);
	cons_dispose(&r->pcons);
	for (i = 0; r->orph && i < r->norph; i++) {
		aws_pool_dispose(&r->orph[i].desc.pool);
		cons_dispose(&r->orph[i].cons);
	}
	fcc_free(r->orph);
	aws_pool_dispose(&r->pprods.pool);
	aws_pool_dispose(&r->plist.pool);
	aws_pool_dispose(&r->princ.pool);
	aws_pool_dispose(&r->access.pool);
	aws_pool_dispose(&r->validation.pool);
	aws_pool_dispose(&r->orgacc.pool);
	aws_pool_dispose(&r->orgnodes[0].pool);
	aws_pool_dispose(&r->orgnodes[1].pool);
	fcc_free(r->heads);
	fcc_free(r->head_absent);
	fcc_free(r->roles);
	fcc_free(r->projects);
	fcc_free(r->pmatch);
	fcc_free(r->pdesc);
	fcc_free(r->valid_error);
}

int state_read(state_snapshot *out, aws_ctx *ctx, const desired *d, const state_read_options *opt,
	       fcc_err *e)
{
	reader r;
	fcc_err re;
	int rc;

	state_init(out);
	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.d = d;
	r.opt = opt;
	fcc_err_clear(&r.err);
	/* +1: calloc(0) may answer NULL */
	r.heads = fcc_calloc(d->n_objects + 1, sizeof *r.heads);
	r.head_absent = fcc_calloc(d->n_objects + 1, sizeof *r.head_absent);
	r.roles = fcc_calloc(d->n_roles + 1, sizeof *r.roles);
	r.projects = fcc_calloc(d->n_instances + 1, sizeof *r.projects);
	r.stacks = fcc_calloc(d->n_stacks + 1, sizeof *r.stacks);
	r.prods = fcc_calloc(d->n_products + 1, sizeof *r.prods);
	if (!r.heads || !r.head_absent || !r.roles || !r.projects || !r.stacks || !r.prods) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	start(&r);
	/* a failed run still called every callback (http.h); answers already
	 * queued finish, and `fail` keeps the first failure */
	fcc_err_clear(&re);
	if ((rc = aws_run(ctx, &re)) && !r.rc)
		fail(&r, "AWS state", rc, re.msg);
	if (opt && opt->calls)
		*opt->calls = r.ncalls; /* pages beyond the first are not counted */
	if (r.rc) {
		rc = r.rc;
		*e = r.err;
		goto out;
	}
	if ((rc = build(out, &r)))
		fcc_err_set(e, rc, "out of memory");
out:
	reader_dispose(&r);
	if (rc)
		state_dispose(out);
	return rc;
}

/* ---- change-set previews of the stacks fcc owns ---- */

/* cfn_deploy_preview with the stack's tags (kv_tags → aws_tag). */
static int stack_tags_preview(cfn_deploy_input *in, const desired_stack *ds, cfn_deploy_result *res,
			      aws_ctx *ctx, const cfn_deploy_hooks *hooks, aws_error *ae)
{
	aws_tag *tags = fcc_calloc(ds->tags.n + 1, sizeof *tags);
	size_t i;
	int rc;

	if (!tags) {
		memset(res, 0, sizeof *res);
		fcc_err_set(&ae->err, FCC_ENOMEM, "out of memory");
		return FCC_ENOMEM;
	}
	for (i = 0; i < ds->tags.n; i++) {
		tags[i].key = ds->tags.v[i].key;
		tags[i].value = ds->tags.v[i].value;
	}
	in->tags = tags;
	in->ntags = ds->tags.n;
	rc = cfn_deploy_preview(res, ctx, in, hooks, ae);
	fcc_free(tags);
	return rc;
}

static int dupn(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = fcc_strdup(s)) ? FCC_ENOMEM : FCC_OK;
}

static int record_preview(state_stack *st, const cfn_deploy_result *res)
{
	size_t i, j;
	int rc = FCC_OK;

	st->previewed = 1;
	st->preview_no_changes = res->outcome == CFN_DEPLOY_NOOP;
	for (i = 0; rc == FCC_OK && i < res->nchanges; i++) {
		const cfn_change *c = &res->changes[i];
		state_stack_change *sc = state_stack_add_change(st);
		if (!sc)
			return FCC_ENOMEM;
		if ((rc = dupn(&sc->action, c->action ? c->action : "Modify")) ||
		    (rc = dupn(&sc->logical_id, c->logical_id ? c->logical_id : "?")) ||
		    (rc = dupn(&sc->resource_type, c->resource_type)) ||
		    (rc = dupn(&sc->replacement, c->replacement)))
			return rc;
		for (j = 0; rc == FCC_OK && j < c->ntargets; j++)
			rc = kv_strs_push(&sc->targets, c->targets[j]);
	}
	return rc;
}

int state_read_stack_previews(state_snapshot *s, aws_ctx *ctx, const desired *d,
			      const cfn_deploy_hooks *hooks, unsigned *calls, fcc_err *e)
{
	size_t i, k;
	int rc = FCC_OK;

	for (i = 0; rc == FCC_OK && i < d->n_stacks; i++) {
		const desired_stack *ds = &d->stacks[i];
		state_stack *st = NULL;
		cfn_deploy_input in;
		cfn_deploy_result res;
		aws_error ae;
		char token[64];

		for (k = 0; k < s->n_stacks; k++)
			if (strcmp(s->stacks[k].name, ds->name) == 0)
				st = &s->stacks[k];
		if (!st || !st->present || !st->status ||
		    !cfn_deploy_status_updatable(st->status) ||
		    cfn_deploy_status_kind(st->status) == CFN_STATUS_REVIEW ||
		    !diff_stack_differs(ds, st) || st->previewed)
			continue;
		if (!ds->body)
			return fcc_err_set(e, FCC_EUSAGE,
					   "previewing cfn-stack:%s: its template "
					   "is not loaded",
					   ds->name);
		/* the plan's change set: one name per build ("plan-" keeps it apart
		 * from apply's, which is derived from the plan and the step) */
		snprintf(token, sizeof token, "plan-%.40s", d->manifest_sha256);
		memset(&in, 0, sizeof in);
		in.stack_name = ds->name;
		in.token = token;
		in.template_body = ds->body;
		in.tags = NULL;
		in.description = "fcc plan preview (deleted, never executed)";
		aws_error_clear(&ae);
		rc = stack_tags_preview(&in, ds, &res, ctx, hooks, &ae);
		if (calls)
			(*calls)++;
		if (rc == FCC_OK) {
			if ((rc = record_preview(st, &res)) != FCC_OK)
				fcc_err_set(e, rc, "out of memory");
		} else if (rc == FCC_ERROR && res.outcome == CFN_DEPLOY_FAILED) {
			/* the change set failed: a plan error, not a failed read */
			st->previewed = 1;
			if ((rc = dupn(&st->preview_error,
				       res.status_reason ? res.status_reason : ae.err.msg)))
				fcc_err_set(e, rc, "out of memory");
		} else {
			fcc_err_set(e, rc, "previewing cfn-stack:%s: %s", ds->name,
				    ae.err.msg[0] ? ae.err.msg : fcc_err_name(rc));
		}
		cfn_deploy_result_dispose(&res);
	}
	return rc;
}

char *state_read_s3_url(const char *bucket, const char *region, const char *key)
{
	fcc_buf b;

	fcc_buf_init(&b, 0);
	if (fcc_buf_printf(&b, "https://%s.s3.%s.amazonaws.com", bucket, region) ||
	    aws_s3_key_path(&b, key)) {
		fcc_buf_dispose(&b);
		return NULL;
	}
	return fcc_buf_take(&b, NULL);
}
