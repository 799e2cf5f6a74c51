/*
 * apply_stack.h — the stack phase of `fcc apply` and `fcc destroy --purge`:
 * the CloudFormation stacks fcc owns (plan steps of kind "cfn-stack",
 * desired.stacks[]), deployed through change sets with cfn_deploy before the
 * asynchronous graph (apply.h) runs, and deleted with their events followed.
 *
 * Why a phase of its own: cfn_deploy is synchronous (it waits on
 * CloudFormation for minutes), and everything else in a plan needs the
 * artifacts bucket the stack holds (uploads, the apply lock), so nothing is
 * lost by running it first, alone. Ctrl-C reaches it through the hooks'
 * `cancelled` (the stack is then left to CloudFormation, which finishes on
 * its own; the next apply waits for it).
 *
 * Idempotency: the change set is "fcc-<token>" and the ClientRequestToken the
 * same, token = apply_token(plan's manifest sha256, step address + action),
 * so a rerun of the same plan finds the change set an interrupted run made
 * and never executes twice; and two first-time applies racing on one stack
 * share the name: the loser finds the change set or the stack in progress,
 * follows it to its end and goes on (cfn_deploy).
 */
#ifndef FCC_APPLY_STACK_H
#define FCC_APPLY_STACK_H

#include "compiler/base/err.h"
#include "runtime/aws.h"
#include "runtime/cfn_deploy.h"
#include "runtime/desired.h"
#include "runtime/plan.h"

typedef struct apply_stack_hooks {
	/* cfn_deploy's: timing, cancel, events, changes (payload shared). May be NULL. */
	const cfn_deploy_hooks *deploy;
	/* A stack step starts / ends (`ok` 1 done, 0 failed; `message` the
	 * outcome or the failure line). NULL: nothing. */
	void (*on_start)(void *payload, const char *address, const char *message);
	void (*on_end)(void *payload, const char *address, int ok, int changed,
		       const char *message);
	void *payload;
} apply_stack_hooks;

/* 1 when the plan has a cfn-stack step that does something. */
int apply_stack_pending(const plan *p);

/* Run every cfn-stack step of `p` that is not a no-op, in plan order: a
 * REPLACE of a ROLLBACK_COMPLETE stack (a failed first create) deletes it
 * (following its events) and creates it again; CREATE and UPDATE go through
 * cfn_deploy. The template bodies come from `d` (desired_load loads them).
 * `h` may be NULL. Returns FCC_OK when every stack step is done; otherwise
 * stops at the first failure: FCC_ERROR (the change set or the stack
 * failed; `e` is cfn_deploy_format_failure's line: the first failed resource
 * and its reason, the stack's status and the way out), FCC_ECONFLICT (a
 * stack in a status no change set can fix), FCC_ETIMEOUT, the AWS error's
 * code, FCC_EUSAGE (a step without its template). `*changed` (may be NULL)
 * counts the stacks that changed. */
int apply_stack_run(aws_ctx *ctx, const plan *p, const desired *d, const apply_stack_hooks *h,
		    unsigned *changed, fcc_err *e);

/* Deploy the one stack `ds` outside a plan (the first apply, before the lock
 * exists: the lock lives in the bucket this stack makes), with the token
 * apply_token(d->manifest_sha256, "cfn-stack:<name>#bootstrap"). A
 * ROLLBACK_COMPLETE stack is deleted and created again. Codes as
 * apply_stack_run. `*changed` (may be NULL) is set to 1 when the stack
 * changed. */
int apply_stack_bootstrap(aws_ctx *ctx, const desired *d, const desired_stack *ds,
			  const apply_stack_hooks *h, int *changed, fcc_err *e);

/* DeleteStack `name` and follow it to DELETE_COMPLETE, streaming its events
 * through hooks->on_event. A missing stack is FCC_OK (*deleted 0). FCC_OK
 * (*deleted 1 when a stack was deleted); FCC_ERROR for DELETE_FAILED (`e`
 * names the first failed resource and the way out) or an interruption;
 * FCC_ETIMEOUT; the AWS error's code. `hooks` may be NULL. */
int apply_stack_delete(aws_ctx *ctx, const char *name, const cfn_deploy_hooks *hooks, int *deleted,
		       fcc_err *e);

#endif
