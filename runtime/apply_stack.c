/*
 * apply_stack.c — the stack phase (see apply_stack.h): cfn_deploy for each
 * cfn-stack step, and DeleteStack followed to its end.
 *
 * Following a delete: the events before DeleteStack are the baseline (never
 * shown), then DescribeStackEvents (only what is new, by the newest event
 * id) and DescribeStacks by stack id — a deleted stack is found by its id,
 * not its name, and says DELETE_COMPLETE — with the same doubling waits as
 * cfn_deploy.
 */
#include "runtime/apply_stack.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "runtime/apply.h"

#define DEFAULT_POLL_FIRST_MS 2000
#define DEFAULT_POLL_MAX_MS 10000
#define DEFAULT_DELETE_TIMEOUT_MS (60L * 60 * 1000)

static long long mono_ms(const cfn_deploy_hooks *h)
{
	struct timespec ts;

	if (h && h->now_ms)
		return h->now_ms(h->payload);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(const cfn_deploy_hooks *h, long ms)
{
	struct timespec ts;

	if (h && h->sleep_ms) {
		h->sleep_ms(h->payload, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int apply_stack_pending(const plan *p)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].kind, "cfn-stack") == 0 && p->steps[i].action != PLAN_NOOP)
			return 1;
	return 0;
}

/* The events of a stack by id (a deleted stack is only found by its id);
 * a stack that is gone altogether has none. */
static int events(cfn_event_list *out, aws_ctx *ctx, const char *id, const char *stop,
		  aws_error *ae)
{
	int rc = cfn_describe_stack_events(out, ctx, id, stop, 0, ae);

	if (rc == FCC_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		aws_error_clear(ae);
		return FCC_OK;
	}
	return rc;
}

int apply_stack_delete(aws_ctx *ctx, const char *name, const cfn_deploy_hooks *hooks, int *deleted,
		       fcc_err *e)
{
	cfn_event_tracker t;
	cfn_stack_list sl;
	cfn_event_list ev;
	aws_error ae;
	char *id = NULL;
	long poll = hooks && hooks->poll_first_ms ? hooks->poll_first_ms : DEFAULT_POLL_FIRST_MS;
	long cap = hooks && hooks->poll_max_ms ? hooks->poll_max_ms : DEFAULT_POLL_MAX_MS;
	long long deadline;
	int rc;

	if (deleted)
		*deleted = 0;
	cfn_event_tracker_init(&t);
	memset(&sl, 0, sizeof sl);
	aws_error_clear(&ae);
	if ((rc = cfn_describe_stacks(&sl, ctx, name, &ae)) == FCC_ENOTFOUND || (!rc && !sl.n)) {
		rc = FCC_OK; /* nothing to delete */
		goto out;
	}
	if (rc)
		goto aws;
	if (!(id = fcc_strdup(sl.items[0].id ? sl.items[0].id : name))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = events(&ev, ctx, id, NULL, &ae)))
		goto aws;
	rc = cfn_event_tracker_baseline(&t, ev.items, ev.n);
	aws_pool_dispose(&ev.pool);
	if (rc) {
		rc = fcc_err_set(e, rc, "out of memory");
		goto out;
	}
	if ((rc = cfn_delete_stack(ctx, name, &ae)))
		goto aws;
	if (deleted)
		*deleted = 1;
	deadline = mono_ms(hooks) + (hooks && hooks->stack_timeout_ms ? hooks->stack_timeout_ms
								      : DEFAULT_DELETE_TIMEOUT_MS);
	for (;;) {
		const char *status;
		if ((rc = events(&ev, ctx, id, t.newest_id, &ae)))
			goto aws;
		rc = cfn_event_tracker_feed(&t, ev.items, ev.n, hooks ? hooks->on_event : NULL,
					    hooks ? hooks->payload : NULL);
		aws_pool_dispose(&ev.pool);
		if (rc) {
			rc = fcc_err_set(e, rc, "out of memory");
			goto out;
		}
		aws_pool_dispose(&sl.pool);
		rc = cfn_describe_stacks(&sl, ctx, id, &ae);
		if (rc == FCC_ENOTFOUND || (!rc && !sl.n)) {
			rc = FCC_OK;
			goto out;
		}
		if (rc)
			goto aws;
		status = sl.items[0].status ? sl.items[0].status : "";
		if (strcmp(status, "DELETE_COMPLETE") == 0)
			goto out;
		if (strcmp(status, "DELETE_FAILED") == 0) {
			const char *w = cfn_deploy_way_out(status);
			rc = fcc_err_set(
				e, FCC_ERROR,
				"stack %s is DELETE_FAILED%s%s%s; first failure: %s (%s) %s: "
				"%s%s%s",
				name, sl.items[0].status_reason ? " (" : "",
				sl.items[0].status_reason ? sl.items[0].status_reason : "",
				sl.items[0].status_reason ? ")" : "",
				t.has_failure && t.failure.logical_id ? t.failure.logical_id : "?",
				t.has_failure && t.failure.resource_type ? t.failure.resource_type
									 : "?",
				t.has_failure && t.failure.status ? t.failure.status : "",
				t.has_failure && t.failure.status_reason ? t.failure.status_reason
									 : "no reason given",
				w ? "; way out: " : "", w ? w : "");
			goto out;
		}
		if (hooks && hooks->cancelled && hooks->cancelled(hooks->payload)) {
			rc = fcc_err_set(
				e, FCC_ERROR,
				"interrupted: stack %s is being deleted by CloudFormation, "
				"which carries on on its own",
				name);
			goto out;
		}
		if (mono_ms(hooks) >= deadline) {
			rc = fcc_err_set(e, FCC_ETIMEOUT, "stack %s is still %s: gave up waiting",
					 name, status);
			goto out;
		}
		nap(hooks, poll);
		poll = poll * 2 > cap ? cap : poll * 2;
	}
aws:
	fcc_err_set(e, rc, "deleting stack %s: %s", name, ae.err.msg);
out:
	aws_pool_dispose(&sl.pool);
	cfn_event_tracker_dispose(&t);
	fcc_free(id);
	return rc;
}

/* cfn_deploy of `ds` with `token`; a ROLLBACK_COMPLETE stack (a failed first
 * create) is deleted first, when `replace_failed` or when cfn_deploy finds
 * one (a racing apply's failure). */
static int deploy(aws_ctx *ctx, const desired_stack *ds, const char *token, int replace_failed,
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
	if (replace_failed) {
		if ((rc = apply_stack_delete(ctx, ds->name, dh, &deleted, e)))
			return rc;
		*changed = deleted;
	}
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
			continue;
		}
		break;
	}
	if (rc == FCC_OK) {
		*changed |= res.outcome == CFN_DEPLOY_CREATED || res.outcome == CFN_DEPLOY_UPDATED;
	} else {
		/* a failed first create: fcc itself deletes and recreates the stack
		 * on the next apply, so the way out is to fix the cause and rerun */
		if (res.final_status && strcmp(res.final_status, "ROLLBACK_COMPLETE") == 0)
			res.way_out = "fix the cause and apply again: fcc deletes the failed "
				      "stack and creates it anew";
		fcc_buf_init(&b, sizeof e->msg - 1);
		if ((res.final_status || res.has_failure || res.status_reason) &&
		    cfn_deploy_format_failure(&b, &res) == FCC_OK && b.len)
			fcc_err_set(e, rc, "%s", fcc_buf_cstr(&b));
		else
			fcc_err_set(e, rc, "stack %s: %s", ds->name,
				    ae.err.msg[0] ? ae.err.msg : fcc_err_name(rc));
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
		const char *status = json_string_value(json_object_get(st->attrs, "status"));
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
		rc = deploy(ctx, ds, token,
			    st->action == PLAN_REPLACE && status &&
				    strcmp(status, "ROLLBACK_COMPLETE") == 0,
			    h, &did, e);
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
	cfn_stack_list sl;
	aws_error ae;
	char token[37], what[300];
	int rc, failed_create = 0, did = 0;

	if (changed)
		*changed = 0;
	aws_error_clear(&ae);
	rc = cfn_describe_stacks(&sl, ctx, ds->name, &ae);
	if (rc && rc != FCC_ENOTFOUND)
		return fcc_err_set(e, rc, "reading cfn-stack:%s: %s", ds->name, ae.err.msg);
	if (!rc && sl.n && sl.items[0].status)
		failed_create = strcmp(sl.items[0].status, "ROLLBACK_COMPLETE") == 0;
	aws_pool_dispose(&sl.pool);
	snprintf(what, sizeof what, "cfn-stack:%s#bootstrap", ds->name);
	apply_token(token, d->manifest_sha256, what);
	snprintf(what, sizeof what, "cfn-stack:%s", ds->name);
	if (h && h->on_start)
		h->on_start(h->payload, what,
			    "the bucket's stack first: the apply lock lives in it");
	rc = deploy(ctx, ds, token, failed_create, h, &did, e);
	if (changed)
		*changed = did;
	if (h && h->on_end)
		h->on_end(h->payload, what, rc == FCC_OK, did,
			  rc == FCC_OK ? (did ? "stack deployed" : "nothing to change") : e->msg);
	return rc;
}
