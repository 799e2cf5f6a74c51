/*
 * apply.h — the apply executor: runs a plan's steps (plan.h) against AWS as
 * a dependency graph, independent steps in parallel.
 *
 * Runtime layer, under the CLI and over the AWS request layer (aws.h). The
 * executor is asynchronous: each step is a small state machine whose
 * requests go out through aws_submit() and whose answers arrive in aws_run()
 * callbacks, which submit the step's next request or, once the step is done,
 * start the steps that were waiting for it. Up to `parallelism` steps are in
 * flight at once (the aws_ctx's max_in_flight caps the HTTP transfers
 * underneath). Nothing blocks except the wait between DescribeProject polls,
 * which happens only when no request at all is in flight.
 *
 * Idempotency: every create carries a token derived from the plan's
 * fingerprint (the manifest's sha256: the same build) and the step's address
 * (apply_token), so a retried request and a rerun after a crash ask AWS for
 * the same resource instead of a second one. SageMaker CreateProject has no
 * token; the project name is unique, so "already exists" is followed like a
 * fresh create. Nothing is deleted except what the plan says (an extra
 * principal when the spec owns the list; a launch constraint replaced by one
 * with the spec's role); older product versions are deprecated, never
 * deleted.
 */
#ifndef FCC_APPLY_H
#define FCC_APPLY_H

#include "compiler/base/err.h"
#include "runtime/aws.h"
#include "runtime/aws/sts.h"
#include "runtime/aws/cfn.h"
#include "runtime/plan.h"

typedef enum apply_status {
	APPLY_PENDING = 0, /* not started (yet) */
	APPLY_RUNNING,
	APPLY_OK,       /* done: AWS now matches the step */
	APPLY_NOOP,     /* nothing to do (the plan's no-op) */
	APPLY_FAILED,   /* AWS or a local check refused; see err */
	APPLY_SKIPPED,  /* a step it depends on failed or was skipped */
	APPLY_CANCELLED /* not started because the run was interrupted */
} apply_status;

typedef struct apply_result {
	const plan_step *step; /* borrowed from the plan */
	apply_status status;
	char *id;        /* the AWS id the step created or worked on, or NULL */
	int created;     /* the step created `id` */
	long long ms;    /* from start to end */
	unsigned writes; /* write requests sent (retries not counted) */
	aws_error err;   /* APPLY_FAILED: what failed (a local failure has no
				* AWS code, only err.err) */
	char *note;      /* APPLY_SKIPPED: the failed dependency's address */
} apply_result;

typedef struct apply_opts {
	const char *build_dir;   /* where the build's files are (seed-code.zip, template.yaml) */
	const char *data_dir;    /* where data files named by the spec are: the spec's directory;
				 * NULL: build_dir/.. */
	unsigned parallelism;    /* steps in flight at once; 0: 8 */
	long poll_ms;            /* between DescribeProject calls; 0: 5000 */
	long project_timeout_ms; /* give up following a project after this; 0: 15 minutes */
	/* Non-zero stops starting steps (Ctrl-C); in-flight ones finish. NULL: never. */
	int (*cancelled)(void *payload);
	/* Told when a step starts (status APPLY_RUNNING) and when it ends. NULL: nothing. */
	void (*on_step)(void *payload, const apply_result *r);
	/* The apply lock the run holds (lock.h), kept fresh while the run lasts:
	 * once half its TTL has passed the executor queues a conditional rewrite
	 * (lock_refresh_submit) between the steps' requests — checked after
	 * every answer and in the wait between project polls. If the lock was
	 * taken over meanwhile, the run stops starting steps, lets the ones in
	 * flight finish and fails with FCC_ECONFLICT naming the new holder.
	 * NULL: no lock to keep. */
	struct lock_handle *lock;
	/* Monotonic clock and sleep, for tests; NULL: CLOCK_MONOTONIC, nanosleep. */
	long long (*now_ms)(void *payload);
	void (*sleep_ms)(void *payload, long ms);
	void *payload;
	/* The caller's account when already known (apply_account_submit); NULL or
	 * "": STS is asked before the run when a launch role needs an ARN. */
	const char *account;
	/* Each new event of the CloudFormation stack Service Catalog provisions
	 * for a sagemaker-project step's project (create or update), once, oldest
	 * first; `stack` is the stack's ARN (or name). NULL: none. */
	void (*on_stack_event)(void *payload, const apply_result *r, const char *stack,
			       const cfn_stack_event *ev);
	/* The plan's cfn-stack steps were run by apply_stack_run (apply_stack.h)
	 * before this call: the graph counts them done. Without it a cfn-stack
	 * step that does something fails (the graph cannot deploy stacks). */
	int stacks_done;
} apply_opts;

typedef struct apply_report {
	apply_result *v; /* one per plan step, in plan order */
	size_t n;
	size_t n_ok, n_noop, n_failed, n_skipped, n_cancelled;
	char account[16]; /* the account (STS) when a launch role had to be made an ARN */
	long long ms;
} apply_report;

/* Execute `p` through `ctx` into `out` (any contents ignored; dispose it
 * either way). `o` may be NULL (defaults need build_dir though: an s3-object
 * step fails without it).
 * Returns FCC_OK when every step is done or a no-op; FCC_EAWS when some
 * steps failed (the others, independent of them, still ran; e says how many
 * and out->v says which, with the AWS code and request id); FCC_ERROR when
 * the run was cancelled; FCC_ECONFLICT when the plan has errors (nothing is
 * run) or when o->lock was taken over during the run (the steps not started
 * are APPLY_CANCELLED; e names the new holder); FCC_ENOMEM / FCC_ERROR for
 * local failures (the run stops starting steps). */
int apply_run(apply_report *out, aws_ctx *ctx, const plan *p, const apply_opts *o, fcc_err *e);

/* Free what the report owns; NULL and a zeroed report are fine. */
void apply_report_dispose(apply_report *r);

/* Non-zero when running `p` needs the caller's account (a launch role given
 * by name becomes an ARN in it). */
int apply_needs_account(const plan *p);

/* STS GetCallerIdentity, fetched while something else runs on the context. */
typedef struct apply_account {
	char account[16]; /* "" until the answer arrived */
	int done;         /* the answer (or the failure) arrived */
	int rc;           /* FCC_OK, or the call's failure (apply_run then asks again) */
	sts_identity id;  /* the answer while it is read (disposed when done) */
} apply_account;

/* Queue GetCallerIdentity on `ctx` into `out` (zeroed here); whichever
 * aws_run() drives the context next completes it (e.g. the lock's or the
 * state reader's). `out` must outlive that run. FCC_OK, or a submit failure
 * in `e` (out->done stays 0). */
int apply_account_submit(apply_account *out, aws_ctx *ctx, fcc_err *e);

/* The idempotency token of the step at `address` for the plan fingerprint
 * `fingerprint` (a manifest sha256): sha256 of both, shaped as a version-4
 * UUID (36 characters + NUL) — valid for Service Catalog IdempotencyToken and
 * SageMaker/CloudFormation ClientRequestToken alike. Pure. */
void apply_token(char out[37], const char *fingerprint, const char *address);

/* "pending", "running", "ok", "no-op", "failed", "skipped", "cancelled". */
const char *apply_status_name(apply_status s);

/* The S3 URL of an object, as Service Catalog's LoadTemplateFromURL wants it:
 * https://<bucket>.s3.<region>.amazonaws.com/<key>, the key percent-encoded
 * per segment. Appends to `out`; FCC_OK, FCC_ENOMEM or FCC_EIO (cap). */
int apply_template_url(fcc_buf *out, const char *bucket, const char *region, const char *key);

#endif
