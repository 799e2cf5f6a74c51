/*
 * progress.h — what `fcc apply` shows while it works, in three modes:
 *
 *   tty    on a terminal: one live line per running step (redrawn in place
 *          with ANSI cursor movement) under the lines of finished steps, and
 *          a running "N/M done" count; colour unless disabled or NO_COLOR
 *   plain  for CI logs (no terminal): one "HH:MM:SS step: message" line per
 *          event, UTC
 *   json   for other tools (`--progress json`): one JSON object per line,
 *          {"ts", "step", "event", "message", …}, see progress_start & co.
 *
 * and at the end a summary: what changed, how long each step took, and the
 * identifiers created. Runtime layer, used by the apply executor; writes
 * only to the stream it is given. The clock is injectable so tests can
 * compare golden outputs.
 *
 * JSON events ("ts" is ISO 8601 UTC with milliseconds):
 *   {"ts","step","event":"start","message"?}
 *   {"ts","step","event":"update","message"}
 *   {"ts","step","event":"id","key","value"}
 *   {"ts","step","event":"finish","changed":bool,"duration_ms","message"?}
 *   {"ts","step","event":"fail","duration_ms","message"}
 *   {"ts","step","event":"stack_event","stack","logical_id","resource_type",
 *    "status","reason"?,"time"?,"message"}   (a CloudFormation stack event
 *    of the step's stack; "time" is the event's own, "message" the plain text)
 *   {"ts","event":"summary","steps_total","changed","unchanged","failed",
 *    "running","duration_ms","steps":[{"step","status","duration_ms",
 *    "message"?,"ids":{key: value}}]}
 */
#ifndef FCC_PROGRESS_H
#define FCC_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "compiler/base/err.h"

typedef enum progress_mode { PROGRESS_PLAIN = 0, PROGRESS_TTY, PROGRESS_JSON } progress_mode;

/* "auto" (tty when `is_terminal`, else plain), "tty", "plain" or "json" →
 * *out. FCC_OK or FCC_EUSAGE. */
int progress_mode_parse(progress_mode *out, const char *s, int is_terminal);

typedef struct progress_options {
	progress_mode mode;
	FILE *out;        /* required; borrowed */
	int color;        /* ANSI colours, tty mode only; NO_COLOR (non-empty) turns them off */
	unsigned columns; /* tty mode: live lines are cut to this width; 0: 100 */
	/* Wall clock in epoch milliseconds; NULL: CLOCK_REALTIME. */
	long long (*now_ms)(void *payload);
	void *clock_payload;
} progress_options;

typedef struct progress progress;

/* A reporter writing to o->out. FCC_OK, FCC_EUSAGE (no stream), FCC_ENOMEM;
 * *out NULL on failure. */
int progress_new(progress **out, const progress_options *o, fcc_err *e);
/* Free (does not print anything). NULL is ignored. */
void progress_free(progress *p);

/* How many steps the run has (for "N/M done"); 0: unknown ("N done"). */
void progress_set_total(progress *p, size_t total);

/* Step events. A step is known by its name (copied); an event for a name
 * not started yet starts it. `message` may be NULL except for update and
 * fail. Each returns FCC_OK, FCC_ENOMEM or FCC_EIO (the stream failed;
 * sticky). */
int progress_start(progress *p, const char *step, const char *message);
int progress_update(progress *p, const char *step, const char *message);
/* An identifier the step created (e.g. "StackId", an ARN): kept for the
 * summary; a line in plain mode, an event in json, nothing live in tty. */
int progress_id(progress *p, const char *step, const char *key, const char *value);
/* The step is done; `changed` 0 means it found nothing to do. */
int progress_finish(progress *p, const char *step, int changed, const char *message);
int progress_fail(progress *p, const char *step, const char *message);
/* A CloudFormation stack event the step streamed (e.g. from the stack of a
 * SageMaker project being provisioned). All strings borrowed; `reason` may
 * be NULL; `time_ms` (epoch ms, 0: unknown) only goes into json. */
typedef struct progress_cfn_event {
	const char *stack, *logical_id, *resource_type, *status, *reason;
	long long time_ms;
} progress_cfn_event;

/* Show one stack event: tty: the step's live line shows it; plain: a line
 * "HH:MM:SS step: LOGICAL (TYPE) STATUS[: reason]"; json: a "stack_event"
 * object. FCC_OK, FCC_ENOMEM or FCC_EIO. */
int progress_stack_event(progress *p, const char *step, const progress_cfn_event *ev);
/* tty: redraw the live lines (elapsed times move on); no-op otherwise.
 * Call it from wait loops. */
int progress_tick(progress *p);
/* The final summary (also clears the tty live region). */
int progress_summary(progress *p);

/* Counts so far. */
size_t progress_count_done(const progress *p); /* finished, changed or not */
size_t progress_count_failed(const progress *p);

/* "0.4s", "12.3s", "1m05s", "2h03m" into out[32]. */
void progress_format_duration(char out[32], long long ms);

#endif
