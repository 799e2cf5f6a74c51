/*
 * diff.h — desired state vs. state snapshot → plan. Pure: no I/O, no clock,
 * no network (STYLE.md §1), so every scenario is a unit test with JSON
 * fixtures.
 *
 * Also the building blocks the plan uses: canonical JSON comparison with
 * field-level paths, and the IAM trust-policy merge (fcc adds one statement
 * of its own for missing service principals and never touches the others).
 */
#ifndef FCC_DIFF_H
#define FCC_DIFF_H

#include <jansson.h>

#include "compiler/base/err.h"
#include "runtime/desired.h"
#include "runtime/kv.h"
#include "runtime/plan.h"
#include "runtime/state.h"

/* The Sid of the one trust statement fcc owns in a role's trust policy. */
#define DIFF_TRUST_SID "FccTrustedServices"
/* The marker fcc writes in a provisioning artifact's Description. */
#define DIFF_ARTIFACT_MARKER "fcc:template-sha256="

typedef struct diff_opts {
	/* The spec owns the portfolio's principal list: principals added by hand
	 * are deleted instead of reported and left alone. */
	int own_principals;
} diff_opts;

/* Compute the plan for `d` against `s` into `out` (any contents ignored).
 * `o` may be NULL (defaults). `d->pipeline.definition` may be NULL (the
 * pipeline definitions are then not compared). Problems the user must fix but
 * that still leave a plan to show (a role that does not exist, a template
 * CloudFormation rejects, a project of another product) go to out->errors.
 * Returns FCC_OK; FCC_ECONFLICT when several portfolios match the name (fcc
 * cannot tell which is its own); FCC_ENOMEM. On failure `out` is disposed. */
int diff_compute(plan *out, const desired *d, const state_snapshot *s, const diff_opts *o,
		 fcc_err *e);

/* Does the stack fcc owns (`have`, NULL or absent: no) differ from what the
 * build wants: another template (compared by exact bytes: the sha256 of
 * GetTemplate's Original body against the build file's) or other stack
 * tags? 1 or 0. Pure; state_read_stack_previews uses it to decide whether a
 * change-set preview is needed at all. */
int diff_stack_differs(const desired_stack *want, const state_stack *have);

/* Canonical equality: objects by key regardless of order, arrays in order,
 * numbers by value (1 == 1.0). NULL equals only NULL. */
int diff_json_equal(const json_t *a, const json_t *b);

/* Append to `step` one change per differing leaf between `before` and
 * `after` (either may be NULL = absent), with paths under `prefix` ("" for
 * none) like `Steps[1].Arguments.HyperParameters.horizon` or
 * `tags["fcc:project"]`. Keys are visited in sorted order. Returns the number
 * of changes added (>= 0) or FCC_ENOMEM. */
int diff_json_changes(plan_step *step, const char *prefix, const json_t *before,
		      const json_t *after);

/* Merge `services` into the trust policy `current` (NULL: none): the
 * statement with Sid DIFF_TRUST_SID is rewritten to allow sts:AssumeRole for
 * exactly the services no other Allow statement already trusts, and dropped
 * when there are none; every other statement is kept as it is. *out is a new
 * document (caller decrefs); `added` (may be NULL) receives the services that
 * were trusted by no statement before. FCC_OK or FCC_ENOMEM. */
int diff_trust_merge(json_t **out, const json_t *current, const kv_strs *services, kv_strs *added);

/* 1 when trust-policy statement `st` is fcc's (its Sid is DIFF_TRUST_SID). */
int diff_trust_is_fcc(const json_t *st);

#endif
