/*
 * apply_stack.c — the stack phase (see apply_stack.h): cfn_deploy for each
 * cfn-stack step, and cfn_deploy_delete (DeleteStack followed to its end,
 * events streamed) for a failed first create and for destroy --purge.
 */
#include "runtime/apply_stack.h"

#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "runtime/apply.h"

int apply_stack_pending(const plan *p)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].kind, "cfn-stack") == 0 && p->steps[i].action != PLAN_NOOP)
			return 1;
	return 0;
}

int apply_stack_delete(aws_ctx *ctx, const char *name, const cfn_deploy_hooks *hooks, int *deleted,
		       fcc_err *e)
{
	cfn_deploy_result res;
	aws_error ae;
	int rc;

	if (deleted)
		*deleted = 0;
	rc = cfn_deploy_delete(&res, ctx, name, hooks, &ae);
	if (!rc && deleted)
		*deleted = res.outcome == CFN_DEPLOY_DELETED;
	if (rc && res.outcome == CFN_DEPLOY_FAILED)
		fcc_err_set(e, rc, "%s", ae.err.msg); /* cfn_deploy's failure report */
	else if (rc)
		fcc_err_set(e, rc, "deleting stack %s: %s", name, ae.err.msg);
	cfn_deploy_result_dispose(&res);
	return rc;
}

/* cfn_deploy of `ds` with `token`. A ROLLBACK_COMPLETE stack (a failed first
 * create, fcc's or a racing apply's) accepts no change set: cfn_deploy says
 * so (FCC_ECONFLICT) from the DescribeStacks it makes anyway, and the stack
 * is then deleted and the deploy tried once more. */
static int deploy(aws_ctx *ctx, const desired_stack *ds, const char *token,
		  const apply_stack_hooks *h, int *changed, fcc_err *e)
{
	const cfn_deploy_hooks *dh = h ? h->deploy : NULL;
	cfn_deploy_input in;
	cfn_deploy_result res;
	aws_error ae;
	aws_tag *tags = NULL;
	fcc_buf b;
	size_t i;
	int rc, deleted = 0, tries;

	*changed = 0;
	if (!ds->body)
		return fcc_err_set(e, FCC_EUSAGE, "stack %s: its template %s is not loaded",
				   ds->name, ds->template_path);
	if (!(tags = fcc_calloc(ds->tags.n + 1, sizeof *tags)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	for (i = 0; i < ds->tags.n; i++) {
		tags[i].key = ds->tags.v[i].key;
		tags[i].value = ds->tags.v[i].value;
	}
	memset(&in, 0, sizeof in);
	in.stack_name = ds->name;
	in.token = token;
	in.template_body = ds->body;
	in.tags = tags;
	in.ntags = ds->tags.n;
	in.description = "fcc apply";
	for (tries = 0;; tries++) {
		aws_error_clear(&ae);
		rc = cfn_deploy(&res, ctx, &in, dh, &ae);
		if (rc == FCC_ECONFLICT && tries == 0 && res.final_status &&
		    strcmp(res.final_status, "ROLLBACK_COMPLETE") == 0) {
			cfn_deploy_result_dispose(&res);
			if ((rc = apply_stack_delete(ctx, ds->name, dh, &deleted, e)))
				goto out;
			*changed = deleted;
			continue;
		}
		break;
	}
	if (rc == FCC_OK) {
		*changed |= res.outcome == CFN_DEPLOY_CREATED || res.outcome == CFN_DEPLOY_UPDATED;
	} else {
		/* a failed first create: fcc itself deletes and recreates the stack
		 * on the next apply, so the way out is to fix the cause and rerun;
		 * any other failure keeps cfn_deploy's own message (a stack failure
		 * is already formatted there, a cancel or timeout says what it is) */
		fcc_buf_init(&b, sizeof e->msg - 1);
		if (res.final_status && strcmp(res.final_status, "ROLLBACK_COMPLETE") == 0) {
			res.way_out = "fix the cause and apply again: fcc deletes the failed "
				      "stack and creates it anew";
			if (cfn_deploy_format_failure(&b, &res) == FCC_OK && b.len)
				fcc_err_set(e, rc, "%s", fcc_buf_cstr(&b));
			else
				fcc_err_set(e, rc, "stack %s: %s", ds->name, ae.err.msg);
		} else if (res.outcome == CFN_DEPLOY_FAILED && ae.err.msg[0]) {
			fcc_err_set(e, rc, "%s", ae.err.msg);
		} else {
			fcc_err_set(e, rc, "stack %s: %s", ds->name,
				    ae.err.msg[0] ? ae.err.msg : fcc_err_name(rc));
		}
		fcc_buf_dispose(&b);
	}
	cfn_deploy_result_dispose(&res);
out:
	fcc_free(tags);
	return rc;
}

static const desired_stack *stack_named(const desired *d, const char *name)
{
	size_t i;

	for (i = 0; name && i < d->n_stacks; i++)
		if (strcmp(d->stacks[i].name, name) == 0)
			return &d->stacks[i];
	return NULL;
}

int apply_stack_run(aws_ctx *ctx, const plan *p, const desired *d, const apply_stack_hooks *h,
		    unsigned *changed, fcc_err *e)
{
	size_t i;
	int rc = FCC_OK;

	if (changed)
		*changed = 0;
	for (i = 0; rc == FCC_OK && i < p->n_steps; i++) {
		const plan_step *st = &p->steps[i];
		const char *name = json_string_value(json_object_get(st->attrs, "stack_name"));
		const desired_stack *ds;
		char token[37], what[700];
		int did = 0;

		if (strcmp(st->kind, "cfn-stack") != 0 || st->action == PLAN_NOOP)
			continue;
		if (!(ds = stack_named(d, name))) {
			rc = fcc_err_set(e, FCC_EUSAGE, "%s: no stack %s in the build", st->address,
					 name ? name : "(unnamed)");
			break;
		}
		snprintf(what, sizeof what, "%s#%s", st->address, plan_action_name(st->action));
		apply_token(token, p->manifest_sha256, what);
		if (h && h->on_start)
			h->on_start(h->payload, st->address,
				    st->action == PLAN_REPLACE  ? "replacing through a change set"
				    : st->action == PLAN_CREATE ? "creating through a change set"
								: "updating through a change set");
		rc = deploy(ctx, ds, token, h, &did, e);
		if (changed && did)
			(*changed)++;
		if (h && h->on_end)
			h->on_end(h->payload, st->address, rc == FCC_OK, did,
				  rc == FCC_OK ? (did ? "stack deployed" : "nothing to change")
					       : e->msg);
	}
	return rc;
}

int apply_stack_bootstrap(aws_ctx *ctx, const desired *d, const desired_stack *ds,
			  const apply_stack_hooks *h, int *changed, fcc_err *e)
{
	char token[37], what[300];
	int rc, did = 0;

	if (changed)
		*changed = 0;
	snprintf(what, sizeof what, "cfn-stack:%s#bootstrap", ds->name);
	apply_token(token, d->manifest_sha256, what);
	snprintf(what, sizeof what, "cfn-stack:%s", ds->name);
	if (h && h->on_start)
		h->on_start(h->payload, what,
			    "the bucket's stack first: the apply lock lives in it");
	rc = deploy(ctx, ds, token, h, &did, e);
	if (changed)
		*changed = did;
	if (h && h->on_end)
		h->on_end(h->payload, what, rc == FCC_OK, did,
			  rc == FCC_OK ? (did ? "stack deployed" : "nothing to change") : e->msg);
	return rc;
}
