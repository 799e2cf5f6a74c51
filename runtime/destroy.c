/*
 * destroy.c — the plan of `fcc destroy` (see destroy.h): delete steps in
 * reverse dependency order, for what exists and is fcc's.
 */
#include "runtime/destroy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "runtime/diff.h"
#include "runtime/iam_patch.h"

typedef struct dctx {
	plan *p;
	const desired *d;
	const state_snapshot *s;
	fcc_buf a;
	kv_strs projects; /* addresses of the project deletes */
} dctx;

static const char *fmt_addr(dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt_addr(dctx *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	fcc_buf_reset(&c->a);
	va_start(ap, fmt);
	rc = fcc_buf_vprintf(&c->a, fmt, ap);
	va_end(ap);
	return rc == FCC_OK ? fcc_buf_cstr(&c->a) : NULL;
}

static int attr(plan_step *st, const char *key, const char *value)
{
	json_t *j;

	if (!value)
		return FCC_OK;
	return (j = json_string(value)) ? plan_step_attr(st, key, j) : FCC_ENOMEM;
}

/* A delete step at the address in c->a (or a no-op with `why` when not
 * fcc's). NULL on ENOMEM. */
static plan_step *step(dctx *c, const char *kind, const char *name, const char *why)
{
	const char *address = fcc_buf_cstr(&c->a);
	plan_step *st = plan_add_step(c->p, kind, address, name, why ? PLAN_NOOP : PLAN_DELETE);

	if (st && plan_step_reason(st, "%s", why ? why : "fcc made it for this project") != FCC_OK)
		return NULL;
	return st;
}

static int depend_on_projects(dctx *c, plan_step *st)
{
	size_t i;
	int rc;

	for (i = 0; i < c->projects.n; i++)
		if ((rc = plan_step_depend(st, c->projects.v[i])) != FCC_OK)
			return rc;
	return FCC_OK;
}

static int is_fccs(const kv_tags *tags, const char *project)
{
	const char *v = kv_tags_get(tags, "fcc:project");

	return v && strcmp(v, project) == 0;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) != FCC_OK)                                                          \
			goto out;                                                                  \
	} while (0)
#define NEED(x)                                                                                    \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			rc = FCC_ENOMEM;                                                           \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

/* The stacks fcc owns. Without purge: a no-op saying what is kept and how
 * to remove it. With purge: a delete the CLI runs after the graph
 * (apply_stack_delete, then the bucket once it is empty), depending on
 * every object delete — the objects and the lock live in the bucket. */
static int destroy_stacks(dctx *c, int purge)
{
	size_t i, j, n;
	plan_step *st;
	int rc = FCC_OK;

	for (i = 0; i < c->d->n_stacks; i++) {
		const desired_stack *ds = &c->d->stacks[i];
		const state_stack *have = state_find_stack(c->s, ds->name);
		char why[1024];
		size_t at;
		if (!have || !have->present)
			continue;
		for (j = 0, n = 0; j < c->s->n_objects; j++)
			n += c->s->objects[j].present &&
			     strcmp(c->s->objects[j].bucket, ds->bucket) == 0;
		snprintf(
			why, sizeof why,
			"kept: bucket %s holds %zu object%s fcc uploaded; fcc destroy --purge removes "
			"them, the stack %s and then the bucket (if nothing else is in it)",
			ds->bucket, n, n == 1 ? "" : "s", ds->name);
		if (!fmt_addr(c, "cfn-stack:%s", ds->name))
			return FCC_ENOMEM;
		if (!(st = step(c, "cfn-stack", ds->name, purge ? NULL : why)))
			return FCC_ENOMEM;
		at = c->p->n_steps - 1;
		if ((rc = attr(st, "stack_name", ds->name)) ||
		    (rc = attr(st, "bucket", ds->bucket)) ||
		    (rc = attr(st, "purpose", ds->purpose)))
			return rc;
		if (purge && (rc = plan_step_reason(st,
						    "--purge: the stack is deleted, then bucket "
						    "%s if it is empty (the stack retains it)",
						    ds->bucket)))
			return rc;
		for (j = 0; purge && j + 1 < c->p->n_steps; j++)
			if (strcmp(c->p->steps[j].kind, "s3-object") == 0 &&
			    c->p->steps[j].action == PLAN_DELETE &&
			    (rc = plan_step_depend(&c->p->steps[at], c->p->steps[j].address)))
				return rc;
	}
	return FCC_OK;
}

/* ---- IAM patches (iam_patch.h) ----
 * For each role of the spec that carries this project's fcc:patch record:
 * one iam-role update that detaches the policies and untrusts the services
 * the record holds and no other project's record does, then drops the
 * record (apply.c step_role: phase 1 the patches, phase 2 UntagRole). It
 * waits for the project deletes: the projects run as these roles. A record
 * that does not parse is a plan error: fcc cannot tell what it added. */
static int role_patches(dctx *c)
{
	char key[IAM_PATCH_KEY_MAX + 1], path[IAM_PATCH_KEY_MAX + 600];
	size_t i, j;
	int rc = FCC_OK;

	iam_patch_key(key, c->d->project, c->d->environment);
	for (i = 0; i < c->d->n_roles; i++) {
		const state_role *have = state_find_role(c->s, c->d->roles[i].name);
		kv_strs detach = {0}, untrust = {0};
		json_t *trust = NULL, *j1 = NULL;
		const char *rec;
		plan_step *st;
		fcc_err pe;

		if (!have || !have->present || !(rec = kv_tags_get(&have->patch_records, key)))
			continue;
		fcc_err_clear(&pe);
		rc = iam_patch_undo(&detach, &untrust, &trust, have, key, &pe);
		if (rc == FCC_EPARSE) {
			char msg[1024];
			snprintf(msg, sizeof msg,
				 "iam role %.200s: %.700s: fcc cannot tell which patches it made",
				 have->name, pe.msg);
			rc = kv_strs_push(&c->p->errors, msg);
			goto next;
		}
		if (rc != FCC_OK)
			goto next;
		if (!fmt_addr(c, "iam-role:%s", have->name) ||
		    !(st = plan_add_step(c->p, "iam-role", fcc_buf_cstr(&c->a), have->name,
					 PLAN_UPDATE))) {
			rc = FCC_ENOMEM;
			goto next;
		}
		if ((rc = plan_step_reason(st, "removes what fcc attached and trusted for this "
					       "project and no other fcc project needs")) ||
		    (rc = attr(st, "role", c->d->roles[i].role)) ||
		    (rc = attr(st, "record_key", key)) ||
		    (rc = plan_step_attr(st, "record_remove", json_true())) ||
		    (rc = plan_step_attr(st, "detach_policies", kv_strs_to_json(&detach))) ||
		    (rc = depend_on_projects(c, st)))
			goto next;
		for (j = 0; j < detach.n; j++) {
			snprintf(path, sizeof path, "attached_policies[\"%s\"]", detach.v[j]);
			if (!(j1 = json_string(detach.v[j]))) {
				rc = FCC_ENOMEM;
				goto next;
			}
			rc = plan_step_change(st, path, j1, NULL);
			json_decref(j1);
			j1 = NULL;
			if (rc)
				goto next;
		}
		if (trust) {
			const json_t *after = json_is_null(trust) ? NULL : trust;
			if ((rc = diff_json_changes(st, "trust_policy", have->trust_policy,
						    after)) < 0 ||
			    (rc = plan_step_doc(st, "trust_policy", have->trust_policy,
						(json_t *)after)) ||
			    (rc = plan_step_attr(st, "trust_policy",
						 after ? json_incref(trust) : json_null())))
				goto next;
		}
		snprintf(path, sizeof path, "tags[\"%s\"]", key);
		if (!(j1 = json_string(rec))) {
			rc = FCC_ENOMEM;
			goto next;
		}
		rc = plan_step_change(st, path, j1, NULL);
		json_decref(j1);
	next:
		kv_strs_dispose(&detach);
		kv_strs_dispose(&untrust);
		json_decref(trust);
		if (rc < 0)
			return rc;
		rc = FCC_OK;
	}
	return FCC_OK;
}

/* Steps 3 and 4 for product `sp` (NULL: not observed): its LAUNCH
 * constraint and association (when in the portfolio), then the product. */
static int destroy_product(dctx *c, const state_product *sp, int have_port)
{
	const char *pname = c->d->portfolio.name, *name = sp ? sp->name : NULL;
	char assoc_addr[1200], con_addr[1300];
	plan_step *st;
	size_t i;
	int rc = FCC_OK;

	if (!sp || !sp->present)
		return FCC_OK;
	snprintf(assoc_addr, sizeof assoc_addr, "sc-association:%s/%s", pname, name);
	snprintf(con_addr, sizeof con_addr, "sc-constraint:%s/%s/LAUNCH", pname, name);
	if (have_port && sp->association) {
		for (i = 0; i < sp->n_constraints; i++) {
			if (strcmp(sp->constraints[i].type, "LAUNCH") != 0)
				continue;
			NEED(fmt_addr(c, "%s", con_addr));
			NEED(st = step(c, "sc-constraint", "LAUNCH", NULL));
			TRY(attr(st, "id", sp->constraints[i].id));
			TRY(depend_on_projects(c, st));
		}
		NEED(fmt_addr(c, "%s", assoc_addr));
		NEED(st = step(c, "sc-association", name, NULL));
		TRY(attr(st, "product_id", sp->id));
		TRY(attr(st, "portfolio_id", c->s->portfolio.id));
		TRY(plan_step_depend(st, con_addr));
		TRY(depend_on_projects(c, st));
	}
	NEED(fmt_addr(c, "sc-product:%s", name));
	NEED(st = step(c, "sc-product", name,
		       is_fccs(&sp->tags, c->d->project)
			       ? NULL
			       : "no fcc:project tag for this project: not fcc's, left alone"));
	TRY(attr(st, "id", sp->id));
	TRY(plan_step_depend(st, assoc_addr));
	TRY(depend_on_projects(c, st));
out:
	return rc < 0 ? rc : FCC_OK;
}

int destroy_plan(plan *out, const desired *d, const state_snapshot *s, const destroy_opts *o,
		 fcc_err *e)
{
	dctx c;
	const char *pname = d->portfolio.name;
	int have_port = s->portfolio.count == 1;
	int own_port = have_port && is_fccs(&s->portfolio.tags, d->project);
	char port_addr[600];
	plan_step *st;
	size_t i, j, k;
	int rc = FCC_OK;

	plan_init(out);
	memset(&c, 0, sizeof c);
	c.p = out;
	c.d = d;
	c.s = s;
	fcc_buf_init(&c.a, 1 << 16);
	if (s->portfolio.count > 1) {
		rc = fcc_err_set(e, FCC_ECONFLICT,
				 "%d portfolios are named \"%s\": fcc cannot tell which is its own",
				 s->portfolio.count, pname);
		goto out;
	}
	NEED(out->project = fcc_strdup(d->project));
	NEED(out->spec_sha256 = fcc_strdup(d->spec_sha256));
	if (d->environment)
		NEED(out->environment = fcc_strdup(d->environment));
	memcpy(out->manifest_sha256, d->manifest_sha256, sizeof out->manifest_sha256);
	snprintf(port_addr, sizeof port_addr, "sc-portfolio:%s", pname);

	/* 1. the spec's projects: they use the product and its launch role */
	for (i = 0; i < d->n_instances; i++) {
		const state_project *pj = state_find_project(s, d->instances[i].name);
		if (!pj || !pj->present)
			continue;
		NEED(fmt_addr(&c, "sagemaker-project:%s", pj->name));
		NEED(st = step(&c, "sagemaker-project", pj->name, NULL));
		TRY(attr(st, "name", pj->name));
		TRY(kv_strs_push(&c.projects, st->address));
	}
	/* (only a product that exists can have projects made from it) */
	if (o && o->others && o->others->n) {
		fcc_buf b;
		fcc_buf_init(&b, 1 << 16);
		for (i = 0; i < o->others->n && rc == FCC_OK; i++)
			rc = fcc_buf_printf(&b, "%s%s", i ? ", " : "", o->others->v[i]);
		if (rc == FCC_OK) {
			char msg[1024];
			snprintf(
				msg, sizeof msg,
				"SageMaker project%s %s still use%s the spec's product%s and %s not in "
				"the spec: delete %s first or declare %s under instances",
				o->others->n == 1 ? "" : "s", fcc_buf_cstr(&b),
				o->others->n == 1 ? "s" : "", d->n_products == 1 ? "" : "s",
				o->others->n == 1 ? "is" : "are", o->others->n == 1 ? "it" : "them",
				o->others->n == 1 ? "it" : "them");
			rc = kv_strs_push(&out->errors, msg);
		}
		fcc_buf_dispose(&b);
		TRY(rc);
	}

	/* 1b. the IAM patches this project recorded */
	TRY(role_patches(&c));

	/* 2. what hangs on the portfolio: principals and shares the spec declares */
	for (i = 0; have_port && i < d->n_principals; i++) {
		int present = 0;
		for (j = 0; j < s->n_principals; j++)
			present |= strcmp(s->principals[j].arn, d->principals[i].arn) == 0;
		if (!present)
			continue;
		NEED(fmt_addr(&c, "sc-principal:%s/%s", pname, d->principals[i].arn));
		NEED(st = step(&c, "sc-principal", d->principals[i].arn, NULL));
		TRY(attr(st, "arn", d->principals[i].arn));
		TRY(attr(st, "type", d->principals[i].type));
		TRY(attr(st, "portfolio_id", s->portfolio.id));
	}
	for (i = 0; have_port && i < d->share_accounts.n; i++) {
		if (!kv_strs_has(&s->share_accounts, d->share_accounts.v[i]))
			continue;
		NEED(fmt_addr(&c, "sc-share:%s/account:%s", pname, d->share_accounts.v[i]));
		NEED(st = step(&c, "sc-share", d->share_accounts.v[i], NULL));
		TRY(attr(st, "type", "ACCOUNT"));
		TRY(attr(st, "value", d->share_accounts.v[i]));
	}
	for (j = 0; have_port && j < s->n_share_nodes; j++) {
		const state_org_node *n = &s->share_nodes[j];
		int org = strcmp(n->type, "ORGANIZATION") == 0;
		int wanted =
			org ? d->share_organization && strcmp(d->share_organization, n->value) == 0
			    : kv_strs_has(&d->share_ous, n->value);
		if (!wanted)
			continue;
		NEED(fmt_addr(&c, "sc-share:%s/%s:%s", pname, org ? "organization" : "ou",
			      n->value));
		NEED(st = step(&c, "sc-share", n->value, NULL));
		TRY(attr(st, "type", n->type));
		TRY(attr(st, "value", n->value));
	}

	/* 3. each product's launch constraint, then its association; 4. the
	 * product (its versions go with it) */
	for (k = 0; k < d->n_products; k++)
		TRY(destroy_product(&c, state_find_product(s, d->products[k].name), have_port));
	/* fcc's products the spec dropped (still in its portfolio) go too */
	for (k = 0; k < s->n_products; k++)
		if (!desired_product_named(d, s->products[k].name) &&
		    is_fccs(&s->products[k].tags, d->project))
			TRY(destroy_product(&c, &s->products[k], have_port));
	if (have_port) {
		const char *foreign = NULL; /* a product in it that is not fcc's */
		char why[700];
		for (k = 0; k < s->n_products && !foreign; k++)
			if (s->products[k].present && s->products[k].association &&
			    !desired_product_named(d, s->products[k].name) &&
			    !is_fccs(&s->products[k].tags, d->project))
				foreign = s->products[k].name;
		snprintf(why, sizeof why,
			 "holds product %s, which is not fcc's: kept (DeletePortfolio would "
			 "refuse it)",
			 foreign ? foreign : "");
		NEED(fmt_addr(&c, "%s", port_addr));
		NEED(st = step(&c, "sc-portfolio", pname,
			       !own_port ? "no fcc:project tag for this project: not fcc's, "
					   "left alone"
			       : foreign ? why
					 : NULL));
		TRY(attr(st, "id", s->portfolio.id));
		for (i = 0; i < out->n_steps; i++)
			if (strcmp(out->steps[i].kind, "sc-principal") == 0 ||
			    strcmp(out->steps[i].kind, "sc-share") == 0 ||
			    strcmp(out->steps[i].kind, "sc-association") == 0) {
				char *a = fcc_strdup(out->steps[i].address);
				NEED(a);
				rc = plan_step_depend(&out->steps[out->n_steps - 1], a);
				fcc_free(a);
				TRY(rc);
			}
	}

	/* 5. the build's objects, only when asked */
	for (i = 0; o && o->purge && i < d->n_objects; i++) {
		const state_object *ob = state_find_object(s, d->bucket, d->objects[i].key);
		if (!ob || !ob->present)
			continue;
		NEED(fmt_addr(&c, "s3://%s/%s", d->bucket, d->objects[i].key));
		NEED(st = step(&c, "s3-object", d->objects[i].path, NULL));
		TRY(attr(st, "bucket", d->bucket));
		TRY(attr(st, "key", d->objects[i].key));
		for (k = 0; k < d->n_products; k++) {
			const char *at;
			char *pa;
			NEED(at = fmt_addr(&c, "sc-product:%s", d->products[k].name));
			NEED(pa = fcc_strdup(at));
			rc = plan_step_depend(st, pa);
			fcc_free(pa);
			TRY(rc);
		}
		TRY(depend_on_projects(&c, st));
	}
	/* 6. the stacks fcc owns (the artifacts bucket's): kept unless purging */
	TRY(destroy_stacks(&c, o && o->purge));
	plan_sort(out);
out:
	fcc_buf_dispose(&c.a);
	kv_strs_dispose(&c.projects);
	if (rc < 0) {
		plan_dispose(out);
		if (rc == FCC_ENOMEM)
			fcc_err_set(e, rc, "out of memory");
		return rc;
	}
	return FCC_OK;
}
