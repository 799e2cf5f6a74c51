/*
 * spec_load.h — YAML text → spec AST with spans (libyaml event API).
 */
#ifndef FCC_SPEC_LOAD_H
#define FCC_SPEC_LOAD_H

#include "base/arena.h"
#include "base/source.h"
#include "diag.h"
#include "spec_ast.h"

/* Limits that keep a hostile spec bounded in time and memory. */
#define SPEC_MAX_DEPTH 64
#define SPEC_MAX_NODES 1000000 /* nodes after alias expansion */

/* Parse `src` into a tree allocated in `arena`. Problems (invalid UTF-8, YAML
 * syntax, duplicate keys, non-scalar keys, depth, alias expansion, several
 * documents) go to `d` with their spans. Returns FCC_OK and sets *out to the
 * root (NULL for an empty document), FCC_EPARSE when the text could not be
 * loaded (diagnostics say why), or FCC_ENOMEM. Duplicate keys are reported
 * but do not stop loading (the first occurrence is kept). */
int spec_load(spec_node **out, const fcc_source *src, fcc_arena *arena, diag_sink *d);

#endif
