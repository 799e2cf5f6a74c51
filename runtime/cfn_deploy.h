/*
 * cfn_deploy.h — deploying one CloudFormation stack through a change set,
 * as `fcc apply` does, and previewing one, as `fcc plan` does. Runtime
 * layer above the typed client (runtime/aws/cfn.h); knows nothing of the
 * plan: the executor hands it a stack name, a template and a token.
 *
 * cfn_deploy: look at the stack (absent or REVIEW_IN_PROGRESS → a CREATE
 * change set, otherwise UPDATE; a stack still busy from an earlier run is
 * followed to its end first; a stack that can only be deleted or repaired is
 * refused with the way out), create the change set `fcc-<token>` (or pick up
 * the one an earlier, crashed run made with the same token), wait for it
 * (bounded polling), hand its changes to the caller, and — unless it has no
 * changes (then it is deleted and the result is a no-op) — execute it with
 * ClientRequestToken `fcc-<token>`, then stream the stack events as they
 * happen, each once and in chronological order, until the stack reaches a
 * terminal status. On failure the result names the first failed resource
 * and its reason, the status the stack was left in, and the way out;
 * a REVIEW_IN_PROGRESS stack left by a failed change set this call created
 * is deleted.
 *
 * cfn_deploy_preview: the same up to the changes, then the change set is
 * deleted (and the REVIEW_IN_PROGRESS stack, if the stack did not exist):
 * nothing is ever executed.
 *
 * Idempotency: the token comes from the caller's plan and step (e.g. the
 * plan's hash and the step index), so a rerun after a crash finds the same
 * change set and never executes twice (the ClientRequestToken makes AWS
 * refuse a second ExecuteChangeSet of the same request).
 *
 * The pure pieces (status kinds, way out, the event tracker, the failure
 * line) are public so they can be tested with canned event lists: moto
 * 5.2.1 never fails a resource.
 */
#ifndef FCC_CFN_DEPLOY_H
#define FCC_CFN_DEPLOY_H

#include "compiler/base/buf.h"
#include "runtime/aws/cfn.h"

/* ---- stack statuses ---- */

typedef enum cfn_status_kind {
	CFN_STATUS_UNKNOWN = 0,
	CFN_STATUS_IN_PROGRESS, /* *_IN_PROGRESS except REVIEW_IN_PROGRESS */
	CFN_STATUS_COMPLETE,    /* CREATE_COMPLETE, UPDATE_COMPLETE, IMPORT_COMPLETE */
	CFN_STATUS_FAILED,      /* any other terminal status: rolled back, *_FAILED, deleted */
	CFN_STATUS_REVIEW       /* REVIEW_IN_PROGRESS: a change set made it, none ran */
} cfn_status_kind;

cfn_status_kind cfn_deploy_status_kind(const char *status);
/* What the user can do about a stack in `status`, or NULL when nothing is
 * needed. "<stack>" in the text stands for the stack name
 * (cfn_deploy_format_failure fills it in). Static text. */
const char *cfn_deploy_way_out(const char *status);
/* Non-zero when a stack in `status` accepts an UPDATE change set. */
int cfn_deploy_status_updatable(const char *status);

/* "fcc-<token>" into out[129]: the change set name and ClientRequestToken.
 * The token must be 1–124 characters of [A-Za-z0-9-]. FCC_OK or
 * FCC_EUSAGE. */
int cfn_deploy_change_set_name(char out[129], const char *token);

/* ---- events: each once, in order ---- */

typedef void (*cfn_event_fn)(void *payload, const cfn_stack_event *ev);

typedef struct cfn_event_tracker {
	aws_pool pool; /* copies of ids and of the failure */
	const char **seen;
	size_t nseen, cap;
	const char *newest_id; /* stop id for the next DescribeStackEvents; NULL: none yet */
	size_t nemitted;
	cfn_stack_event failure; /* the first failed event that explains the failure */
	int has_failure;
	int failure_rank;
} cfn_event_tracker;

void cfn_event_tracker_init(cfn_event_tracker *t);
void cfn_event_tracker_dispose(cfn_event_tracker *t);
/* Mark the events of one DescribeStackEvents answer (newest first) as
 * history: never emitted, never counted as failures. FCC_OK/FCC_ENOMEM. */
int cfn_event_tracker_baseline(cfn_event_tracker *t, const cfn_stack_event *newest_first, size_t n);
/* Feed one answer (newest first, possibly overlapping earlier ones): each
 * event not seen before goes to `emit` (may be NULL) oldest first, and the
 * failure is updated: the first *_FAILED event of a resource, preferring a
 * real cause over "Resource creation cancelled"-style knock-on failures, and
 * a stack-level one only when no resource failed. FCC_OK/FCC_ENOMEM. */
int cfn_event_tracker_feed(cfn_event_tracker *t, const cfn_stack_event *newest_first, size_t n,
			   cfn_event_fn emit, void *payload);

/* ---- deploy ---- */

typedef struct cfn_deploy_input {
	const char *stack_name;    /* required */
	const char *token;         /* required: [A-Za-z0-9-]{1,124}, from plan + step */
	const char *template_body; /* one of body / url */
	const char *template_url;
	const cfn_parameter *parameters;
	size_t nparameters;
	const char *const *capabilities; /* e.g. CAPABILITY_NAMED_IAM */
	size_t ncapabilities;
	const aws_tag *tags;
	size_t ntags;
	const char *role_arn;    /* may be NULL */
	const char *description; /* of the change set; may be NULL */
} cfn_deploy_input;

typedef struct cfn_deploy_hooks {
	/* Monotonic milliseconds; NULL: CLOCK_MONOTONIC. */
	long long (*now_ms)(void *payload);
	/* NULL: nanosleep. */
	void (*sleep_ms)(void *payload, long ms);
	/* Polled before every wait; non-zero stops the deploy with FCC_ERROR
	 * ("interrupted"), leaving CloudFormation to finish on its own (e.g.
	 * lock_cancelled). NULL: never. */
	int (*cancelled)(void *payload);
	/* Each new stack event, oldest first, once. NULL: none. */
	cfn_event_fn on_event;
	/* The change set, once ready and before execution (not called for a
	 * no-op). Non-zero: do not execute (the change set is deleted, as in a
	 * preview; outcome CFN_DEPLOY_DECLINED). NULL: execute. */
	int (*on_changes)(void *payload, const cfn_change_set *cs);
	void *payload;
	long poll_first_ms;         /* 0: 2000 */
	long poll_max_ms;           /* 0: 10000; waits double up to this */
	long change_set_timeout_ms; /* 0: 15 minutes */
	long stack_timeout_ms;      /* 0: 4 hours */
} cfn_deploy_hooks;

typedef enum cfn_deploy_outcome {
	CFN_DEPLOY_NONE = 0,
	CFN_DEPLOY_NOOP,      /* no changes: the change set was deleted */
	CFN_DEPLOY_CREATED,   /* stack created (CREATE_COMPLETE) */
	CFN_DEPLOY_UPDATED,   /* stack updated (UPDATE_COMPLETE) */
	CFN_DEPLOY_PREVIEWED, /* preview: changes listed, change set deleted */
	CFN_DEPLOY_DECLINED,  /* on_changes said no: change set deleted */
	CFN_DEPLOY_FAILED,    /* change set or stack operation failed */
	CFN_DEPLOY_DELETED    /* cfn_deploy_delete: the stack is gone (DELETE_COMPLETE) */
} cfn_deploy_outcome;

typedef struct cfn_deploy_result {
	aws_pool pool;
	cfn_deploy_outcome outcome;
	const char *stack_name, *stack_id;
	const char *change_set_name, *change_set_id, *change_set_type;
	cfn_change *changes; /* the change set's changes (for display) */
	size_t nchanges;
	const char *final_status;  /* the stack's status at the end (NULL: no stack) */
	const char *status_reason; /* the stack's or the failed change set's reason */
	cfn_stack_event failure;   /* first failed resource, when has_failure */
	int has_failure;
	const char *way_out;   /* static text ("<stack>" = the name) or NULL */
	int cleaned_up;        /* a REVIEW_IN_PROGRESS stack this call made was deleted */
	int reused_change_set; /* picked up fcc-<token> from an earlier run */
	size_t nevents;        /* events streamed */
	cfn_output *outputs;   /* the stack's outputs after success */
	size_t noutputs;
} cfn_deploy_result;

/* Deploy (see the top of this file). `hooks` may be NULL. *out is zeroed on
 * entry; dispose it with cfn_deploy_result_dispose whatever happens.
 * FCC_OK: outcome NOOP, CREATED, UPDATED or DECLINED.
 * FCC_ERROR: outcome FAILED — the change set failed or the stack ended in a
 *   failed status; ae->err.msg is cfn_deploy_format_failure's line. Also
 *   when interrupted through `cancelled` (outcome NONE).
 * FCC_ECONFLICT: the stack is in a status that no change set can fix
 *   (ROLLBACK_COMPLETE, UPDATE_ROLLBACK_FAILED, …): final_status and
 *   way_out say what to do.
 * FCC_ETIMEOUT: the change set or the stack did not finish in time.
 * FCC_EUSAGE: bad input. Otherwise the AWS error (ae). */
int cfn_deploy(cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
	       const cfn_deploy_hooks *hooks, aws_error *ae);

/* Preview for `fcc plan`: create, wait, describe, delete — never execute.
 * FCC_OK with outcome PREVIEWED (changes in out) or NOOP; FCC_ECONFLICT
 * when the stack is busy or cannot be updated; FCC_ERROR when the change
 * set failed (status_reason says why); AWS errors. Whatever happens, the
 * change set is gone afterwards, and so is the REVIEW_IN_PROGRESS stack when
 * the stack did not exist before (cleaned_up). */
int cfn_deploy_preview(cfn_deploy_result *out, aws_ctx *ctx, const cfn_deploy_input *in,
		       const cfn_deploy_hooks *hooks, aws_error *ae);

/* Delete stack `stack_name` and stream its events (hooks as for cfn_deploy:
 * events, cancel, clock, waits, stack_timeout_ms) until DELETE_COMPLETE or a
 * terminal failure. FCC_OK with outcome CFN_DEPLOY_DELETED, or
 * CFN_DEPLOY_NOOP when there is no such stack; on DELETE_FAILED, FCC_ERROR
 * with ae's message in cfn_deploy_format_failure's words (first failed
 * resource, status, way out) and out filled alike; AWS errors in ae;
 * "interrupted" (FCC_ERROR) when cancelled, CloudFormation carrying on. */
int cfn_deploy_delete(cfn_deploy_result *out, aws_ctx *ctx, const char *stack_name,
		      const cfn_deploy_hooks *hooks, aws_error *ae);

void cfn_deploy_result_dispose(cfn_deploy_result *r);

/* The one-line failure description: "stack NAME is STATUS[ (reason)]; first
 * failure: LOGICAL (TYPE) STATUS: REASON; way out: TEXT" — parts that are
 * unknown are left out. Appends; buffer codes. */
int cfn_deploy_format_failure(fcc_buf *out, const cfn_deploy_result *r);

#endif
