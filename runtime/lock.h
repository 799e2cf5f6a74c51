/*
 * lock.h — the apply lock: one S3 object per project and environment, so
 * two `fcc apply` runs never interleave their changes. Runtime layer, used by
 * the apply executor and `fcc unlock`; talks to S3 through runtime/aws/s3.h.
 *
 * Where the lock lives: in the project's artifacts bucket, at
 *
 *     <prefix>/.fcc/lock/<project>[-<env>].json      (lock_key builds it)
 *
 * (".fcc/lock/<project>[-<env>].json" when the prefix is empty). The object
 * is JSON: {"id": UUID, "who": "user@host (pid N)", "where": "host:/cwd" or
 * the CI run URL (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/
 * GITHUB_RUN_ID), "command": "fcc apply …", "created": ISO 8601 UTC,
 * "expires": ISO 8601 UTC, "fcc": version}.
 *
 * How it is taken: PutObject with `If-None-Match: *`, which S3 makes atomic —
 * of two racing writers exactly one succeeds, the other gets 412
 * PreconditionFailed (or 409 ConditionalRequestConflict). A held lock is
 * read and reported; acquire waits with bounded backoff up to its timeout,
 * then fails naming the holder, the lock id and `fcc unlock <id>`. A lock
 * past its "expires" is taken over with `If-Match: <the ETag we read>`,
 * never blindly: if anyone changed it since we read it, the takeover loses.
 * Release is a DeleteObject with `If-Match: <our ETag>`, so a run whose lock
 * expired and was taken over cannot delete the new holder's lock.
 *
 * Ctrl-C: lock_install_signal_release() makes SIGINT/SIGTERM only set a
 * flag. The executor must poll lock_check_interrupt() between steps and in
 * every wait loop (cfn_deploy's `cancelled` hook can be lock_cancelled); when
 * it returns non-zero the lock has just been released and the executor
 * must stop starting work and unwind. A second signal kills the process at
 * once (default action); the lock then stays until it expires or
 * `fcc unlock <id>` removes it.
 */
#ifndef FCC_LOCK_H
#define FCC_LOCK_H

#include "compiler/base/buf.h"
#include "compiler/base/err.h"
#include "runtime/aws.h"

typedef struct lock_info {
	char id[37];       /* UUID; "" when unknown */
	char who[256];     /* "user@host (pid N)" */
	char where[1024];  /* "host:/cwd" or the CI run URL */
	char command[256]; /* "fcc apply project.spec" */
	long long created; /* epoch seconds */
	long long expires; /* epoch seconds; 0: unknown (never taken over) */
} lock_info;

typedef struct lock_hooks {
	/* Wall clock in epoch milliseconds (the lock's times are wall-clock
	 * times other machines compare with); NULL: CLOCK_REALTIME. */
	long long (*now_ms)(void *payload);
	/* Sleep `ms`; NULL: nanosleep (returns early on a signal). */
	void (*sleep_ms)(void *payload, long ms);
	/* Told each time the lock is found held by someone else, before
	 * waiting `next_ms`; NULL: nothing. */
	void (*on_wait)(void *payload, const lock_info *holder, long long waited_ms, long next_ms);
	void *payload;
} lock_hooks;

typedef struct lock_handle {
	aws_ctx *ctx;       /* borrowed; must outlive the handle's use */
	char *bucket, *key; /* owned */
	char etag[128];     /* of our lock object, when held */
	lock_info info;     /* ours when held; the holder's after FCC_ECONFLICT */
	int held;
	lock_hooks hooks;
	/* keeping a long run's lock fresh (lock_refresh_in_ms/_submit) */
	long ttl_s;        /* as acquired */
	long long next_ms; /* wall clock when the next refresh is due */
	int refreshing;    /* an asynchronous refresh is in flight */
	int lost;          /* a refresh found the lock taken over or removed */
	fcc_err lost_err;  /* why, when lost (names the lock and our id) */
} lock_handle;

/* Storage for a lock: lock_init before use, lock_dispose after (does not
 * release: call lock_release first). */
void lock_init(lock_handle *l);
void lock_dispose(lock_handle *l);

/* Build "<prefix>/.fcc/lock/<project>[-<env>].json" onto `out` (`prefix`
 * and `env` may be NULL or empty; slashes around the prefix are trimmed).
 * FCC_OK, FCC_EUSAGE (no project, or a '/' in project or env), FCC_ENOMEM. */
int lock_key(fcc_buf *out, const char *prefix, const char *project, const char *env);

/* Fill who/where/command of `out` for this process (id and times zeroed):
 * user from USER/LOGNAME (else the uid), the host name, the pid, and the
 * CI run URL when GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID
 * are set, else host:cwd. `getenv_fn` NULL: getenv(3). Never fails; long
 * values are truncated. */
void lock_holder_default(lock_info *out, const char *command, creds_getenv_fn getenv_fn,
			 void *payload);

/* Take the lock at s3://bucket/key for `ttl_s` seconds (> 0) as `holder`
 * (who/where/command; id and times are set here), waiting up to
 * `timeout_ms` (0: one attempt) while someone else holds it. `hooks` may be
 * NULL. `l` must be lock_init'ed and not held.
 * FCC_OK: held; l->info is ours (id, created, expires), l->etag set.
 * FCC_ECONFLICT: still held when the timeout ran out; l->info is the
 *   holder's and e says who, where, since and until when, the lock id and
 *   `fcc unlock <id>`.
 * FCC_ERROR: interrupted (lock_install_signal_release's flag) while waiting.
 * Otherwise the S3 error (FCC_EAWS, FCC_ENOTFOUND for a missing bucket,
 * FCC_EIO, …) or FCC_ENOMEM, in e. Not held on any failure. */
int lock_acquire(lock_handle *l, aws_ctx *ctx, const char *bucket, const char *key,
		 const lock_info *holder, long ttl_s, long timeout_ms, const lock_hooks *hooks,
		 fcc_err *e);

/* Push a held lock's expiry to now + ttl_s (If-Match our ETag), for applies
 * that outlive the TTL. FCC_OK; FCC_ECONFLICT when it is no longer ours
 * (expired and taken over: l->held is then cleared); S3 errors. */
int lock_refresh(lock_handle *l, long ttl_s, fcc_err *e);

/* Keeping the lock through a long apply. A lock is written with `expires`
 * = now + TTL; once more than half of the TTL has passed since our last
 * write, the executor rewrites it with a new expiry, conditionally on the
 * ETag fcc wrote last (If-Match), so a lock another run took over after it
 * expired is never overwritten. The refresh is an asynchronous request like
 * the executor's others (aws_submit/aws_run), so it goes out between the
 * steps' requests without blocking them.
 *
 * Milliseconds until the held lock's refresh is due (0: due now, also when
 * overdue), or -1
 * when there is nothing to refresh (not held, lost, or a refresh already in
 * flight). Uses the lock's clock hook. */
long long lock_refresh_in_ms(const lock_handle *l);

/* Called from aws_run() when an asynchronous refresh has ended: rc FCC_OK
 * (the lock is ours until l->info.expires), FCC_ECONFLICT (it was taken
 * over or removed: l->lost is set, l->held cleared, l->lost_err says so),
 * or a transient S3/network failure (still held; the next refresh is due
 * again after a tenth of the TTL, at most 30 s, and before the expiry). */
typedef void (*lock_refresh_fn)(void *payload, lock_handle *l, int rc);

/* Queue the refresh of a held lock on l->ctx (s3_put_object_submit, If-Match
 * l->etag, expires = now + l->ttl_s); `done` (may be NULL) is called once
 * from aws_run(). FCC_OK: queued, l->refreshing set until it ends;
 * FCC_EUSAGE when not held or already refreshing; FCC_ENOMEM / submit
 * errors in e (nothing queued, `done` never called). */
int lock_refresh_submit(lock_handle *l, lock_refresh_fn done, void *payload, fcc_err *e);

/* After a refresh found the lock lost (l->lost): read who holds it now
 * (synchronously: not from a callback) and describe it in e, e.g. "the lock
 * s3://b/k (id X) was taken over by bob@ci (pid 2) at ... while this run
 * held it". Returns FCC_ECONFLICT (the description is best effort: a failed
 * read keeps l->lost_err's message); FCC_OK when the lock was not lost. */
int lock_lost_describe(lock_handle *l, fcc_err *e);

/* Release a held lock (DeleteObject If-Match our ETag). FCC_OK also when it
 * was already gone or not held; FCC_ECONFLICT when someone else holds it now
 * (ours expired and was taken over; theirs is left alone). l->held is
 * cleared in every case but an S3/network error. */
int lock_release(lock_handle *l, fcc_err *e);

/* Read the lock at s3://bucket/key into *out (and its ETag into etag[128]
 * when not NULL). FCC_OK; FCC_ENOTFOUND when nobody holds it; FCC_EPARSE
 * when the object is not a lock fcc wrote (out then has an empty id); S3
 * errors. */
int lock_read(lock_info *out, char *etag, aws_ctx *ctx, const char *bucket, const char *key,
	      fcc_err *e);

/* `fcc unlock`: delete the lock only when its id is `lock_id` (conditional
 * on the ETag read, so a lock re-taken meanwhile survives). `out` (may be
 * NULL) gets what was there. FCC_OK: released. FCC_ENOTFOUND: no lock.
 * FCC_ECONFLICT: the lock there has another id (e names it and its holder)
 * or changed while we looked. FCC_EPARSE: not a lock fcc wrote. S3 errors. */
int lock_force_release(lock_info *out, aws_ctx *ctx, const char *bucket, const char *key,
		       const char *lock_id, fcc_err *e);

/* One line about `li` for messages: "held by WHO at WHERE since T (expires
 * T2[, expired]), lock id ID, command CMD". Appends; buffer codes. */
int lock_describe(fcc_buf *out, const lock_info *li, long long now_s);

/* Make SIGINT and SIGTERM set a flag instead of killing the process, and
 * remember `l` as the lock to release (NULL: none yet). A second signal
 * restores the default action and re-raises it. Returns FCC_OK or FCC_ERROR
 * (sigaction failed). One lock per process. */
int lock_install_signal_release(lock_handle *l);
/* Put back the handlers lock_install_signal_release replaced, forget the
 * lock and clear the flag. */
void lock_restore_signals(void);
/* The signal that was caught (SIGINT, SIGTERM) or 0. Async-signal-safe. */
int lock_interrupted(void);
/* Poll point for the executor: when a signal was caught, release the
 * remembered lock (if held) and return FCC_ERROR with "interrupted by
 * SIGINT: lock released" (or why it could not be) in e; else FCC_OK. */
int lock_check_interrupt(fcc_err *e);
/* lock_interrupted() != 0, shaped as a `cancelled(payload)` hook. */
int lock_cancelled(void *payload);

#endif
