/*
 * emit_cfn_int.h — shared between the files of the CloudFormation emitter
 * (emit_cfn.c builds, emit_cfn_check.c checks, emit_cfn_write.c writes).
 * Not for the rest of fcc: use emit_cfn.h.
 *
 * The span table maps a node of the jansson tree to the spec text it came
 * from, so a check that finds a problem in the merged template can point at
 * the user's line. Nodes fcc generated are not in the table. The table is
 * keyed by pointer, so every node it names must stay alive while it is used:
 * emit_cfn_build keeps a reference to every converted subtree until the end.
 */
#ifndef FCC_EMIT_CFN_INT_H
#define FCC_EMIT_CFN_INT_H

#include <jansson.h>

#include "base/source.h"
#include "diag.h"

typedef struct emit_cfn_spans {
	const json_t **keys;
	fcc_span *vals;
	size_t cap, n;
} emit_cfn_spans;

void emit_cfn_spans_init(emit_cfn_spans *t);
void emit_cfn_spans_dispose(emit_cfn_spans *t);
/* Record (or replace) the span of `j`. jansson's singletons (true, false,
 * null) are shared, so they are never recorded. Returns FCC_OK or FCC_ENOMEM. */
int emit_cfn_spans_put(emit_cfn_spans *t, const json_t *j, fcc_span span);
/* The span of `j`, or NULL when `j` is not from the spec. */
const fcc_span *emit_cfn_spans_get(const emit_cfn_spans *t, const json_t *j);

/* When `j` is an intrinsic function in long form (an object with exactly one
 * key that is "Ref", "Condition" or a known "Fn::..."), its key; else NULL.
 * Borrowed from `j`. */
const char *emit_cfn_intrinsic(const json_t *j);

/* Run every check on the finished template (see emit_cfn.h): references,
 * conditions, DependsOn, cycles, parameter defaults, name budgets, counts.
 * Problems go to `d`. Returns FCC_OK or FCC_ENOMEM. */
int emit_cfn_check(const json_t *tmpl, const emit_cfn_spans *spans, diag_sink *d);

#endif
