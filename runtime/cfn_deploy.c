/*
 * cfn_deploy.c — change-set deploys and previews with streamed stack events
 * (see cfn_deploy.h).
 *
 * AWS and moto behaviours this relies on:
 * - A change set without changes: AWS creates it and DescribeChangeSet says
 *   FAILED, "The submitted information didn't contain changes…" (older
 *   stacks: "No updates are to be performed."); moto 5.2.1 refuses
 *   CreateChangeSet itself with ValidationError "No updates are to be
 *   performed." (moto/cloudformation/responses.py create_change_set). Both
 *   are a no-op here.
 * - A CREATE change set makes a REVIEW_IN_PROGRESS stack that stays when the
 *   change set is deleted or fails (AWS and moto alike): it is deleted here
 *   when this call made it.
 * - AWS removes a stack's change sets once one is executed, moto keeps them
 *   as EXECUTE_COMPLETE; a rerun handles both (a missing change set is
 *   created again, and is then a no-op if the first run got through).
 * - moto finds change sets by name across all stacks of a region
 *   (models.py describe_change_set), so tokens must be unique per stack —
 *   which a plan hash + step token is.
 * - DescribeStackEvents is newest first and pages backwards in time.
 */
#include "runtime/cfn_deploy.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler/base/alloc.h"

/* ---- statuses ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

cfn_status_kind cfn_deploy_status_kind(const char *status)
{
	if (!status || !*status)
		return CFN_STATUS_UNKNOWN;
	if (strcmp(status, "REVIEW_IN_PROGRESS") == 0)
		return CFN_STATUS_REVIEW;
	if (ends_with(status, "_IN_PROGRESS"))
		return CFN_STATUS_IN_PROGRESS;
	if (strcmp(status, "CREATE_COMPLETE") == 0 || strcmp(status, "UPDATE_COMPLETE") == 0 ||
	    strcmp(status, "IMPORT_COMPLETE") == 0)
		return CFN_STATUS_COMPLETE;
	if (ends_with(status, "_COMPLETE") || ends_with(status, "_FAILED"))
		return CFN_STATUS_FAILED;
	return CFN_STATUS_UNKNOWN;
}

const char *cfn_deploy_way_out(const char *status)
{
	static const struct {
		const char *status, *text;
	} table[] = {
		{"UPDATE_ROLLBACK_FAILED",
		 "the stack could not roll back; fix what blocked the rollback (or skip those "
		 "resources with --resources-to-skip), run 'aws cloudformation "
		 "continue-update-rollback --stack-name <stack>', then apply again"},
		{"ROLLBACK_COMPLETE",
		 "the stack was never created and can only be deleted: delete it ('aws "
		 "cloudformation delete-stack --stack-name <stack>') and apply again"},
		{"ROLLBACK_FAILED",
		 "the failed create could not be rolled back: delete the stack ('aws "
		 "cloudformation delete-stack --stack-name <stack>', retaining resources that "
		 "cannot be deleted) and apply again"},
		{"CREATE_FAILED",
		 "the create failed with rollback disabled: fix the cause and delete the stack "
		 "('aws cloudformation delete-stack --stack-name <stack>'), then apply again"},
		{"UPDATE_FAILED",
		 "the update failed with rollback disabled: fix the cause and apply again, or roll "
		 "back with 'aws cloudformation rollback-stack --stack-name <stack>'"},
		{"UPDATE_ROLLBACK_COMPLETE",
		 "the stack was rolled back to its previous state; fix the cause and apply again"},
		{"DELETE_FAILED",
		 "the stack could not be deleted; remove what blocks it and delete it again ('aws "
		 "cloudformation delete-stack --stack-name <stack>')"},
		{"IMPORT_ROLLBACK_COMPLETE",
		 "the import was rolled back; fix the cause and apply again"},
		{"IMPORT_ROLLBACK_FAILED",
		 "the import could not be rolled back; run 'aws cloudformation "
		 "continue-update-rollback --stack-name <stack>', then apply again"},
		{"REVIEW_IN_PROGRESS",
		 "the stack only exists as a change-set review; apply again, or delete it ('aws "
		 "cloudformation delete-stack --stack-name <stack>')"},
	};
	size_t i;

	if (!status)
		return NULL;
	for (i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(status, table[i].status) == 0)
			return table[i].text;
	return NULL;
}

int cfn_deploy_status_updatable(const char *status)
{
	static const char *const ok[] = {"CREATE_COMPLETE",          "UPDATE_COMPLETE",
					 "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
					 "IMPORT_ROLLBACK_COMPLETE", "UPDATE_FAILED"};
	size_t i;

	for (i = 0; status && i < sizeof ok / sizeof *ok; i++)
		if (strcmp(status, ok[i]) == 0)
			return 1;
	return 0;
}

int cfn_deploy_change_set_name(char out[129], const char *token)
{
	size_t i, n = token ? strlen(token) : 0;

	out[0] = '\0';
	if (n == 0 || n > 124)
		return FCC_EUSAGE;
	for (i = 0; i < n; i++) {
		char c = token[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return FCC_EUSAGE;
	}
	snprintf(out, 129, "fcc-%s", token);
	return FCC_OK;
}

/* ---- event tracker ---- */

void cfn_event_tracker_init(cfn_event_tracker *t)
{
	memset(t, 0, sizeof *t);
}

void cfn_event_tracker_dispose(cfn_event_tracker *t)
{
	if (!t)
		return;
	aws_pool_dispose(&t->pool);
	memset(t, 0, sizeof *t);
}

static int seen(const cfn_event_tracker *t, const char *id)
{
	size_t i;

	/* newest ids are at the end: look there first */
	for (i = t->nseen; i-- > 0;)
		if (strcmp(t->seen[i], id) == 0)
			return 1;
	return 0;
}

static int remember(cfn_event_tracker *t, const char *id)
{
	const char **slot = AWS_PUSH(&t->pool, t->seen, t->nseen, t->cap);

	if (!slot || !(*slot = aws_pool_strdup(&t->pool, id))) {
		if (slot)
			t->nseen--;
		return FCC_ENOMEM;
	}
	t->newest_id = *slot;
	return FCC_OK;
}

static int copy_event(aws_pool *p, cfn_stack_event *dst, const cfn_stack_event *src)
{
	dst->event_id = aws_pool_strdup(p, src->event_id);
	dst->stack_id = aws_pool_strdup(p, src->stack_id);
	dst->stack_name = aws_pool_strdup(p, src->stack_name);
	dst->logical_id = aws_pool_strdup(p, src->logical_id);
	dst->physical_id = aws_pool_strdup(p, src->physical_id);
	dst->resource_type = aws_pool_strdup(p, src->resource_type);
	dst->status = aws_pool_strdup(p, src->status);
	dst->status_reason = aws_pool_strdup(p, src->status_reason);
	dst->timestamp = src->timestamp;
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

/* How well a failed event explains a failure: a resource's own failure (3)
 * over a knock-on "cancelled" one (2) over the stack's summary (1). */
static int failure_rank(const cfn_stack_event *ev)
{
	const char *reason = ev->status_reason ? ev->status_reason : "";

	if (!ev->status || !ends_with(ev->status, "_FAILED"))
		return 0;
	if (ev->resource_type && strcmp(ev->resource_type, "AWS::CloudFormation::Stack") == 0)
		return 1;
	if (strstr(reason, "cancelled") || strstr(reason, "canceled"))
		return 2;
	return 3;
}

static int feed(cfn_event_tracker *t, const cfn_stack_event *ev, size_t n, cfn_event_fn emit,
		void *payload, int history)
{
	size_t i;
	int rc, rank;

	/* oldest first: walk the newest-first answer backwards */
	for (i = n; i-- > 0;) {
		if (!ev[i].event_id || seen(t, ev[i].event_id))
			continue;
		if ((rc = remember(t, ev[i].event_id)))
			return rc;
		if (history)
			continue;
		t->nemitted++;
		rank = failure_rank(&ev[i]);
		if (rank > t->failure_rank) {
			if ((rc = copy_event(&t->pool, &t->failure, &ev[i])))
				return rc;
			t->failure_rank = rank;
			t->has_failure = 1;
		}
		if (emit)
			emit(payload, &ev[i]);
	}
	return FCC_OK;
}

int cfn_event_tracker_baseline(cfn_event_tracker *t, const cfn_stack_event *newest_first, size_t n)
{
	return feed(t, newest_first, n, NULL, NULL, 1);
}

int cfn_event_tracker_feed(cfn_event_tracker *t, const cfn_stack_event *newest_first, size_t n,
			   cfn_event_fn emit, void *payload)
{
	return feed(t, newest_first, n, emit, payload, 0);
}

/* ---- failure line ---- */

static int put_way_out(fcc_buf *out, const char *text, const char *stack)
{
	const char *p;
	int rc = FCC_OK;

	while (!rc && (p = strstr(text, "<stack>"))) {
		rc = fcc_buf_append(out, text, (size_t)(p - text));
		if (!rc)
			rc = fcc_buf_puts(out, stack ? stack : "STACK");
		text = p + 7;
	}
	return rc ? rc : fcc_buf_puts(out, text);
}

int cfn_deploy_format_failure(fcc_buf *out, const cfn_deploy_result *r)
{
	const cfn_stack_event *f = &r->failure;
	int rc;

	if (r->final_status)
		rc = fcc_buf_printf(out, "stack %s is %s", r->stack_name ? r->stack_name : "?",
				    r->final_status);
	else
		rc = fcc_buf_printf(out, "stack %s", r->stack_name ? r->stack_name : "?");
	if (!rc && r->status_reason && *r->status_reason)
		rc = fcc_buf_printf(out, " (%s)", r->status_reason);
	if (!rc && r->has_failure)
		rc = fcc_buf_printf(
			out, "; first failure: %s (%s) %s: %s", f->logical_id ? f->logical_id : "?",
			f->resource_type ? f->resource_type : "?", f->status ? f->status : "?",
			f->status_reason && *f->status_reason ? f->status_reason
							      : "no reason given");
	if (!rc && r->cleaned_up)
		rc = fcc_buf_puts(out, "; the empty REVIEW_IN_PROGRESS stack it left was deleted");
	if (!rc && r->way_out) {
		rc = fcc_buf_puts(out, "; way out: ");
		if (!rc)
			rc = put_way_out(out, r->way_out, r->stack_name);
	}
	return rc;
}

/* ---- the deploy ---- */

typedef struct run {
	aws_ctx *ctx;
	const cfn_deploy_input *in;
	cfn_deploy_hooks h;
	cfn_deploy_result *out;
	aws_error *ae;
	char name[129];
	const char *stack_ref; /* stack id once known, else the name */
	cfn_event_tracker tr;
	int deleting; /* cfn_deploy_delete: a stack that is gone is done */
} run;

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(const run *r)
{
	return r->h.now_ms ? r->h.now_ms(r->h.payload) : mono_ms();
}

static void sleep_ms(const run *r, long ms)
{
	struct timespec ts;

	if (r->h.sleep_ms) {
		r->h.sleep_ms(r->h.payload, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int oom(run *r)
{
	return fcc_err_set(&r->ae->err, FCC_ENOMEM, "CloudFormation deploy: out of memory");
}

static int cancelled(run *r)
{
	if (r->h.cancelled && r->h.cancelled(r->h.payload))
		return fcc_err_set(
			&r->ae->err, FCC_ERROR,
			"interrupted: stack %s is left to CloudFormation, which carries on "
			"on its own; the next apply waits for it",
			r->in->stack_name);
	return FCC_OK;
}

/* Wait before poll number `i` (0-based): first, doubling, capped. */
static long backoff(const run *r, unsigned i)
{
	long w = r->h.poll_first_ms;

	while (i-- > 0 && w < r->h.poll_max_ms)
		w *= 2;
	return w > r->h.poll_max_ms ? r->h.poll_max_ms : w;
}

/* The stack's status (copied into the result) — FCC_ENOTFOUND when absent. */
static int look(run *r, const char *stack, int keep_outputs)
{
	cfn_deploy_result *o = r->out;
	cfn_stack_list sl;
	size_t i;
	int rc;

	if ((rc = cfn_describe_stacks(&sl, r->ctx, stack, r->ae)))
		return rc;
	if (sl.n == 0) {
		aws_pool_dispose(&sl.pool);
		return fcc_err_set(&r->ae->err, FCC_ENOTFOUND, "stack %s does not exist", stack);
	}
	o->stack_id = aws_pool_strdup(&o->pool, sl.items[0].id);
	o->final_status = aws_pool_strdup(&o->pool, sl.items[0].status);
	o->status_reason = aws_pool_strdup(&o->pool, sl.items[0].status_reason);
	if (keep_outputs && sl.items[0].noutputs) {
		o->outputs = aws_pool_alloc(&o->pool, sl.items[0].noutputs * sizeof *o->outputs);
		for (i = 0; o->outputs && i < sl.items[0].noutputs; i++) {
			const cfn_output *s = &sl.items[0].outputs[i];
			o->outputs[i].key = aws_pool_strdup(&o->pool, s->key);
			o->outputs[i].value = aws_pool_strdup(&o->pool, s->value);
			o->outputs[i].description = aws_pool_strdup(&o->pool, s->description);
			o->outputs[i].export_name = aws_pool_strdup(&o->pool, s->export_name);
		}
		o->noutputs = o->outputs ? sl.items[0].noutputs : 0;
	}
	aws_pool_dispose(&sl.pool);
	if (o->pool.oom)
		return oom(r);
	if (o->stack_id)
		r->stack_ref = o->stack_id;
	return FCC_OK;
}

/* Fetch what is new since the last event seen and emit it. */
static int pull_events(run *r)
{
	cfn_event_list ev;
	int rc;

	rc = cfn_describe_stack_events(&ev, r->ctx, r->stack_ref, r->tr.newest_id, 0, r->ae);
	if (rc == FCC_ENOTFOUND && r->deleting) {
		aws_error_clear(r->ae); /* deleted and forgotten: no more events */
		return FCC_OK;
	}
	if (rc)
		return rc;
	rc = cfn_event_tracker_feed(&r->tr, ev.items, ev.n, r->h.on_event, r->h.payload);
	aws_pool_dispose(&ev.pool);
	r->out->nevents = r->tr.nemitted;
	return rc ? oom(r) : FCC_OK;
}

/* Everything up to now is history. */
static int baseline(run *r)
{
	cfn_event_list ev;
	int rc;

	if ((rc = cfn_describe_stack_events(&ev, r->ctx, r->stack_ref, NULL, 1, r->ae)))
		return rc;
	rc = cfn_event_tracker_baseline(&r->tr, ev.items, ev.n);
	aws_pool_dispose(&ev.pool);
	return rc ? oom(r) : FCC_OK;
}

/* Stream events until the stack leaves *_IN_PROGRESS. */
static int follow(run *r)
{
	long long start = now_ms(r);
	unsigned i;
	int rc;

	for (i = 0;; i++) {
		if ((rc = pull_events(r)))
			return rc;
		if ((rc = look(r, r->stack_ref, 0)) == FCC_ENOTFOUND && r->deleting) {
			aws_error_clear(r->ae);
			r->out->final_status = "DELETE_COMPLETE"; /* a static string */
			return FCC_OK;
		}
		if (rc)
			return rc;
		if (cfn_deploy_status_kind(r->out->final_status) != CFN_STATUS_IN_PROGRESS)
			return pull_events(r); /* the last events may have landed meanwhile */
		if ((rc = cancelled(r)))
			return rc;
		if (now_ms(r) - start >= r->h.stack_timeout_ms)
			return fcc_err_set(
				&r->ae->err, FCC_ETIMEOUT,
				"stack %s is still %s after %lds; CloudFormation carries on, "
				"the next apply waits for it",
				r->in->stack_name, r->out->final_status,
				r->h.stack_timeout_ms / 1000);
		sleep_ms(r, backoff(r, i));
	}
}

static int no_changes_reason(const char *reason)
{
	return reason && (strstr(reason, "didn't contain changes") ||
			  strstr(reason, "No updates are to be performed"));
}

static int copy_changes(run *r, const cfn_change_set *cs)
{
	cfn_deploy_result *o = r->out;
	size_t i, j;

	o->change_set_id = aws_pool_strdup(&o->pool, cs->id);
	if (cs->nchanges) {
		o->changes = aws_pool_alloc(&o->pool, cs->nchanges * sizeof *o->changes);
		for (i = 0; o->changes && i < cs->nchanges; i++) {
			o->changes[i].action = aws_pool_strdup(&o->pool, cs->changes[i].action);
			o->changes[i].logical_id =
				aws_pool_strdup(&o->pool, cs->changes[i].logical_id);
			o->changes[i].physical_id =
				aws_pool_strdup(&o->pool, cs->changes[i].physical_id);
			o->changes[i].resource_type =
				aws_pool_strdup(&o->pool, cs->changes[i].resource_type);
			o->changes[i].replacement =
				aws_pool_strdup(&o->pool, cs->changes[i].replacement);
			o->changes[i].targets = NULL;
			o->changes[i].ntargets = o->changes[i].tcap = 0;
			for (j = 0; j < cs->changes[i].ntargets; j++) {
				const char **slot =
					AWS_PUSH(&o->pool, o->changes[i].targets,
						 o->changes[i].ntargets, o->changes[i].tcap);
				if (slot)
					*slot = aws_pool_strdup(&o->pool,
								cs->changes[i].targets[j]);
			}
		}
		o->nchanges = o->changes ? cs->nchanges : 0;
	}
	return o->pool.oom ? oom(r) : FCC_OK;
}

/* Delete the change set (when `cs_made`) and the REVIEW_IN_PROGRESS stack
 * when this call made it; errors are kept out of ae unless `report`. */
static int clean_up(run *r, int cs_made, int stack_made, int report)
{
	aws_error e2;
	int rc = FCC_OK;

	if (cs_made) {
		rc = cfn_delete_change_set(r->ctx, r->name, r->stack_ref, &e2);
		if (rc == FCC_ENOTFOUND)
			rc = FCC_OK;
	}
	if (!rc && stack_made) {
		rc = cfn_delete_stack(r->ctx, r->stack_ref, &e2);
		if (!rc)
			r->out->cleaned_up = 1;
	}
	if (rc && report)
		*r->ae = e2;
	return report ? rc : FCC_OK;
}

enum { MODE_DEPLOY, MODE_PREVIEW };

/* The stack before we start. `*absent` when it does not exist. */
static int prepare(run *r, int mode, int *absent)
{
	cfn_deploy_result *o = r->out;
	int rc;

	*absent = 0;
	rc = look(r, r->in->stack_name, 0);
	if (rc == FCC_ENOTFOUND) {
		aws_error_clear(r->ae);
		*absent = 1;
		o->final_status = NULL;
		return FCC_OK;
	}
	if (rc)
		return rc;
	if (cfn_deploy_status_kind(o->final_status) == CFN_STATUS_IN_PROGRESS) {
		if (mode == MODE_PREVIEW)
			return fcc_err_set(&r->ae->err, FCC_ECONFLICT,
					   "stack %s is %s: plan again once it has finished",
					   r->in->stack_name, o->final_status);
		/* an earlier run's operation: let it finish, showing its events */
		if ((rc = baseline(r)) || (rc = follow(r)))
			return rc;
	}
	if (cfn_deploy_status_kind(o->final_status) == CFN_STATUS_REVIEW ||
	    cfn_deploy_status_updatable(o->final_status))
		return FCC_OK;
	o->way_out = cfn_deploy_way_out(o->final_status);
	{
		fcc_buf b;
		fcc_buf_init(&b, sizeof r->ae->err.msg - 1);
		cfn_deploy_format_failure(&b, o);
		rc = fcc_err_set(&r->ae->err, FCC_ECONFLICT, "%s: no change set can be applied",
				 fcc_buf_cstr(&b));
		fcc_buf_dispose(&b);
	}
	return rc;
}

/* Poll the change set until it is ready or failed. *cs is filled (dispose). */
static int wait_change_set(run *r, cfn_change_set *cs)
{
	long long start = now_ms(r);
	unsigned i;
	int rc;

	for (i = 0;; i++) {
		if ((rc = cfn_describe_change_set(cs, r->ctx, r->name, r->stack_ref, r->ae)))
			return rc;
		if (cs->status && (strcmp(cs->status, "CREATE_COMPLETE") == 0 ||
				   strcmp(cs->status, "FAILED") == 0 ||
				   strcmp(cs->status, "DELETE_COMPLETE") == 0))
			return FCC_OK;
		aws_pool_dispose(&cs->pool);
		if ((rc = cancelled(r)))
			return rc;
		if (now_ms(r) - start >= r->h.change_set_timeout_ms)
			return fcc_err_set(&r->ae->err, FCC_ETIMEOUT,
					   "change set %s of stack %s was not ready after %lds",
					   r->name, r->in->stack_name,
					   r->h.change_set_timeout_ms / 1000);
		sleep_ms(r, backoff(r, i));
	}
}

static int failed(run *r, int code)
{
	fcc_buf b;

	r->out->outcome = CFN_DEPLOY_FAILED;
	fcc_buf_init(&b, sizeof r->ae->err.msg - 1);
	cfn_deploy_format_failure(&b, r->out);
	fcc_err_set(&r->ae->err, code, "%s", fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
	return code;
}

/* A run with the hooks' defaults filled in. */
static void run_init(run *r, cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
		     const cfn_deploy_hooks *hooks, aws_error *ae)
{
	static const cfn_deploy_hooks none;

	memset(r, 0, sizeof *r);
	r->ctx = ctx;
	r->in = in;
	r->h = hooks ? *hooks : none;
	r->out = out;
	r->ae = ae;
	cfn_event_tracker_init(&r->tr);
	if (!r->h.poll_first_ms)
		r->h.poll_first_ms = 2000;
	if (!r->h.poll_max_ms)
		r->h.poll_max_ms = 10000;
	if (!r->h.change_set_timeout_ms)
		r->h.change_set_timeout_ms = 15L * 60 * 1000;
	if (!r->h.stack_timeout_ms)
		r->h.stack_timeout_ms = 4L * 3600 * 1000;
}

static int go(cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
	      const cfn_deploy_hooks *hooks, aws_error *ae, int mode)
{
	cfn_create_change_set_input ci;
	cfn_change_set_ref ref;
	cfn_change_set cs;
	char cs_reason[512];
	run r;
	int rc, absent = 0, cs_made = 0, stack_made = 0, have_cs = 0;

	memset(out, 0, sizeof *out);
	memset(&ref, 0, sizeof ref);
	memset(&cs, 0, sizeof cs);
	aws_error_clear(ae);
	run_init(&r, out, ctx, in, hooks, ae);
	if (!in->stack_name || !*in->stack_name || (!in->template_body == !in->template_url))
		return fcc_err_set(&ae->err, FCC_EUSAGE,
				   "deploy: a stack name and exactly one of template body / URL");
	if (cfn_deploy_change_set_name(r.name, in->token))
		return fcc_err_set(&ae->err, FCC_EUSAGE,
				   "deploy: the token must be 1-124 characters of A-Z a-z 0-9 -");
	out->stack_name = aws_pool_strdup(&out->pool, in->stack_name);
	out->change_set_name = aws_pool_strdup(&out->pool, r.name);
	if (out->pool.oom)
		return oom(&r);
	r.stack_ref = in->stack_name;

	if ((rc = prepare(&r, mode, &absent)))
		goto out;
	/* a failure seen while following an earlier run's operation is not ours */
	r.tr.has_failure = 0;
	r.tr.failure_rank = 0;
	out->change_set_type =
		absent || cfn_deploy_status_kind(out->final_status) == CFN_STATUS_REVIEW ? "CREATE"
											 : "UPDATE";

	/* an earlier run with the same token may have made it already */
	if (!absent) {
		rc = cfn_describe_change_set(&cs, ctx, r.name, r.stack_ref, ae);
		if (rc == FCC_ENOTFOUND) {
			aws_error_clear(ae);
		} else if (rc) {
			goto out;
		} else if (cs.execution_status &&
			   (strcmp(cs.execution_status, "EXECUTE_COMPLETE") == 0 ||
			    strcmp(cs.execution_status, "EXECUTE_IN_PROGRESS") == 0 ||
			    strcmp(cs.execution_status, "EXECUTE_FAILED") == 0)) {
			/* executed by an earlier run: prepare() has followed it to its end */
			if ((rc = copy_changes(&r, &cs)))
				goto out;
			out->reused_change_set = 1;
			aws_pool_dispose(&cs.pool);
			if (mode == MODE_PREVIEW) {
				rc = fcc_err_set(&ae->err, FCC_ECONFLICT,
						 "change set %s of stack %s was already executed",
						 r.name, in->stack_name);
				goto out;
			}
			goto finish;
		} else if (cs.status && strcmp(cs.status, "FAILED") == 0 &&
			   !no_changes_reason(cs.status_reason)) {
			/* a failed attempt: make it again under the same name */
			aws_pool_dispose(&cs.pool);
			if ((rc = cfn_delete_change_set(ctx, r.name, r.stack_ref, ae)))
				goto out;
		} else {
			out->reused_change_set = 1;
			have_cs = 1;
			cs_made = 1; /* ours to delete in a preview or a decline */
			aws_pool_dispose(&cs.pool);
		}
	}
	if (!have_cs) {
		memset(&ci, 0, sizeof ci);
		ci.stack_name = in->stack_name;
		ci.change_set_name = r.name;
		ci.change_set_type = out->change_set_type;
		ci.template_body = in->template_body;
		ci.template_url = in->template_url;
		ci.description = in->description;
		ci.role_arn = in->role_arn;
		ci.client_token = r.name;
		ci.parameters = in->parameters;
		ci.nparameters = in->nparameters;
		ci.capabilities = in->capabilities;
		ci.ncapabilities = in->ncapabilities;
		ci.tags = in->tags;
		ci.ntags = in->ntags;
		rc = cfn_create_change_set(&ref, ctx, &ci, ae);
		if (rc && aws_error_is(ae, "ValidationError") && no_changes_reason(ae->message)) {
			aws_error_clear(ae);
			out->outcome = CFN_DEPLOY_NOOP;
			rc = FCC_OK;
			goto out;
		}
		if (rc && absent) {
			/* CreateChangeSet can fail after making the REVIEW_IN_PROGRESS stack */
			aws_error keep = *ae;
			int k;
			/* bounded: moto 5.2.1 makes one more REVIEW_IN_PROGRESS stack of
			 * the same name per attempt when a retried CreateChangeSet
			 * fails with a 500 (models.py create_change_set) */
			for (k = 0; k < 5 && look(&r, in->stack_name, 0) == FCC_OK &&
				    cfn_deploy_status_kind(out->final_status) == CFN_STATUS_REVIEW;
			     k++) {
				r.stack_ref = in->stack_name;
				clean_up(&r, 0, 1, 0);
			}
			r.stack_ref = in->stack_name;
			*ae = keep;
			if (out->cleaned_up)
				fcc_err_set(&ae->err, rc,
					    "%s; the empty REVIEW_IN_PROGRESS stack it left "
					    "was deleted",
					    keep.err.msg);
		}
		if (rc)
			goto out;
		cs_made = 1;
		stack_made = absent;
		if (ref.stack_id && (out->stack_id = aws_pool_strdup(&out->pool, ref.stack_id)))
			r.stack_ref = out->stack_id;
		aws_pool_dispose(&ref.pool);
	}

	if ((rc = wait_change_set(&r, &cs))) {
		clean_up(&r, cs_made, stack_made, 0);
		goto out;
	}
	if ((rc = copy_changes(&r, &cs)))
		goto out;
	if (strcmp(cs.status, "CREATE_COMPLETE") != 0) {
		int none = no_changes_reason(cs.status_reason);
		snprintf(cs_reason, sizeof cs_reason, "%s",
			 cs.status_reason ? cs.status_reason : "");
		if (!none)
			out->status_reason = aws_pool_strdup(&out->pool, cs.status_reason);
		aws_pool_dispose(&cs.pool);
		if ((rc = clean_up(&r, cs_made, stack_made, 1)))
			goto out;
		if (none) {
			out->outcome = CFN_DEPLOY_NOOP;
			goto out;
		}
		out->outcome = CFN_DEPLOY_FAILED;
		rc = fcc_err_set(
			&ae->err, FCC_ERROR, "change set %s of stack %s failed: %s%s", r.name,
			in->stack_name, cs_reason[0] ? cs_reason : "no reason given",
			out->cleaned_up ? "; the empty REVIEW_IN_PROGRESS stack it made was "
					  "deleted"
					: "");
		if (out->cleaned_up)
			out->final_status = NULL; /* the stack is gone again */
		goto out;
	}
	if (mode == MODE_PREVIEW || (r.h.on_changes && r.h.on_changes(r.h.payload, &cs))) {
		aws_pool_dispose(&cs.pool);
		if ((rc = clean_up(&r, cs_made, stack_made, 1)))
			goto out;
		out->outcome = mode == MODE_PREVIEW ? CFN_DEPLOY_PREVIEWED : CFN_DEPLOY_DECLINED;
		if (out->cleaned_up)
			out->final_status = NULL;
		goto out;
	}
	aws_pool_dispose(&cs.pool);
	if ((rc = cancelled(&r))) {
		clean_up(&r, cs_made, stack_made, 0);
		goto out;
	}

	if ((rc = baseline(&r)))
		goto out;
	rc = cfn_execute_change_set(ctx, r.name, r.stack_ref, r.name, ae);
	if (rc && !(aws_error_is(ae, "InvalidChangeSetStatus") ||
		    (aws_error_is(ae, "ValidationError") && strstr(ae->message, "already"))))
		goto out;
	/* InvalidChangeSetStatus: a racing rerun executed it first; follow it */
	aws_error_clear(ae);
	if ((rc = follow(&r)))
		goto out;
finish:
	if ((rc = look(&r, r.stack_ref, 1)))
		goto out;
	switch (cfn_deploy_status_kind(out->final_status)) {
	case CFN_STATUS_COMPLETE:
		out->outcome = strcmp(out->change_set_type, "CREATE") == 0 ? CFN_DEPLOY_CREATED
									   : CFN_DEPLOY_UPDATED;
		out->status_reason = NULL;
		break;
	default:
		if (r.tr.has_failure) {
			out->failure = r.tr.failure;
			if (copy_event(&out->pool, &out->failure, &r.tr.failure)) {
				rc = oom(&r);
				goto out;
			}
			out->has_failure = 1;
		}
		out->way_out = cfn_deploy_way_out(out->final_status);
		rc = failed(&r, FCC_ERROR);
		break;
	}
out:
	aws_pool_dispose(&cs.pool);
	aws_pool_dispose(&ref.pool);
	cfn_event_tracker_dispose(&r.tr);
	if (!rc && out->pool.oom)
		rc = oom(&r);
	return rc;
}

int cfn_deploy(cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
	       const cfn_deploy_hooks *hooks, aws_error *ae)
{
	return go(out, ctx, in, hooks, ae, MODE_DEPLOY);
}

int cfn_deploy_preview(cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
		       const cfn_deploy_hooks *hooks, aws_error *ae)
{
	return go(out, ctx, in, hooks, ae, MODE_PREVIEW);
}

void cfn_deploy_result_dispose(cfn_deploy_result *r)
{
	if (!r)
		return;
	aws_pool_dispose(&r->pool);
	memset(r, 0, sizeof *r);
}

int cfn_deploy_delete(cfn_deploy_result *out, aws_ctx *ctx, const char *stack_name,
		      const cfn_deploy_hooks *hooks, aws_error *ae)
{
	cfn_deploy_input in;
	run r;
	int rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	memset(&in, 0, sizeof in);
	in.stack_name = stack_name;
	run_init(&r, out, ctx, &in, hooks, ae);
	r.deleting = 1;
	r.stack_ref = stack_name;
	if (!(out->stack_name = aws_pool_strdup(&out->pool, stack_name))) {
		rc = oom(&r);
		goto out;
	}
	if ((rc = look(&r, stack_name, 0)) == FCC_ENOTFOUND) {
		aws_error_clear(ae);
		out->outcome = CFN_DEPLOY_NOOP; /* nothing to delete */
		rc = FCC_OK;
		goto out;
	}
	/* by id from here on: a deleted stack is only found by its id */
	if (rc || (rc = baseline(&r)) || (rc = cfn_delete_stack(ctx, r.stack_ref, ae)) ||
	    (rc = follow(&r)))
		goto out;
	if (strcmp(out->final_status, "DELETE_COMPLETE") == 0) {
		out->outcome = CFN_DEPLOY_DELETED;
		out->status_reason = NULL;
		goto out;
	}
	if (r.tr.has_failure) {
		out->failure = r.tr.failure;
		if (copy_event(&out->pool, &out->failure, &r.tr.failure)) {
			rc = oom(&r);
			goto out;
		}
		out->has_failure = 1;
	}
	out->way_out = cfn_deploy_way_out(out->final_status);
	rc = failed(&r, FCC_ERROR);
out:
	cfn_event_tracker_dispose(&r.tr);
	if (!rc && out->pool.oom)
		rc = oom(&r);
	return rc;
}
