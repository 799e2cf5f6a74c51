/*
 * plan_fixture.h — the plan scenarios under tests/plan/fixtures/ for the diff
 * and plan suites: load a scenario's desired state and snapshot, compute its
 * plan, compare an output with a golden file (FCC_GOLDEN_UPDATE=1 rewrites).
 */
#ifndef FCC_PLAN_FIXTURE_H
#define FCC_PLAN_FIXTURE_H

#include "runtime/desired.h"
#include "runtime/diff.h"
#include "runtime/plan.h"
#include "runtime/state.h"

/* The scenarios with golden outputs, NULL-terminated. */
extern const char *const pf_scenarios[];

/* Load scenario `name`: its manifest.json if it has one, else the shared
 * build's, with the build's pipeline.json; and its state.json. Asserts. */
void pf_load(desired *d, state_snapshot *s, const char *name);
/* pf_load + diff_compute into `p` (asserts FCC_OK). */
void pf_plan(plan *p, const char *name, const diff_opts *o);
/* Compare `got` with tests/plan/fixtures/<name>/<file>, or rewrite it when
 * FCC_GOLDEN_UPDATE is set. Asserts. */
void pf_golden(const char *name, const char *file, const char *got);

#endif
