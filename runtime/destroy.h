/*
 * destroy.h — the plan of `fcc destroy`: remove what fcc made for a build,
 * in reverse dependency order, as a plan (plan.h) of delete steps the apply
 * executor (apply.h) runs.
 *
 * Runtime layer, pure like diff.h (desired state + snapshot → plan; no I/O).
 * What is removed, and what is not:
 *   - the spec's SageMaker projects (instances) first — their provisioned
 *     products use the product and its launch constraint;
 *   - the spec's principals and shares of the portfolio, the LAUNCH
 *     constraint, the product-portfolio association;
 *   - the product and the portfolio, only when they carry fcc's tag
 *     `fcc:project=<project>` (else they are reported and left alone: fcc
 *     never deletes what it cannot prove it made). AWS itself refuses to
 *     delete a portfolio that still holds other products, principals or
 *     shares, and the step then fails with that answer;
 *   - the S3 objects only with `purge` (the build's artifacts and data are
 *     kept by default); a bucket fcc did not create is never deleted; the
 *     stack of a bucket fcc created (artifacts.create_bucket) is a cfn-stack
 *     step, kept without `purge`, and with it deleted by the CLI after the
 *     graph, then the bucket if it is empty;
 *   - the IAM roles' patches this project recorded in its fcc:patch tag
 *     (iam_patch.h) and no other project's tag holds: the roles themselves
 *     are SageMaker's, and what was attached or trusted before fcc is never
 *     recorded, so never removed.
 * Projects the spec does not declare that still use the product are the
 * caller's to find (they are not in the snapshot): pass them in `others` and
 * the plan gets an error instead of deleting the product under them.
 */
#ifndef FCC_DESTROY_H
#define FCC_DESTROY_H

#include "compiler/base/err.h"
#include "runtime/desired.h"
#include "runtime/kv.h"
#include "runtime/plan.h"
#include "runtime/state.h"

typedef struct destroy_opts {
	int purge; /* delete the build's S3 objects too */
	const kv_strs
		*others; /* projects outside the spec that use one of its products; may be NULL */
} destroy_opts;

/* Compute the destroy plan of `d` against `s` into `out` (any contents
 * ignored): one delete step per thing that exists and is fcc's, each
 * depending on the steps that must go first (a dependency of a delete is the
 * delete of what uses it). Things that exist but are not fcc's become no-op
 * steps with the reason. `o` may be NULL. Returns FCC_OK (problems that
 * forbid destroying, such as other projects using the product, go to
 * out->errors); FCC_ECONFLICT when several portfolios match the name;
 * FCC_ENOMEM. On failure `out` is disposed. */
int destroy_plan(plan *out, const desired *d, const state_snapshot *s, const destroy_opts *o,
		 fcc_err *e);

#endif
