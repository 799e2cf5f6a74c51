/*
 * plan.h — the plan model: what `fcc plan` shows and `fcc apply` executes.
 *
 * A plan is a list of steps, one per resource fcc reconciles, each with an
 * action, field-level changes (path, before → after), the reason, whether it
 * broadens access, and the addresses of the steps it depends on (the apply
 * executor's graph). diff_compute (diff.h) fills it from the desired state and
 * a snapshot; this module orders it, renders it (text, JSON fcc-plan/1,
 * markdown), saves and loads it, and tells whether a saved plan is stale.
 *
 * Everything here is pure except plan_save/plan_load (file I/O): no network,
 * no clock, so the same inputs always render the same bytes.
 * The JSON form is documented in spec/plan.md and spec/plan.schema.json.
 */
#ifndef FCC_PLAN_H
#define FCC_PLAN_H

#include <jansson.h>
#include <stddef.h>

#include "compiler/base/buf.h"
#include "compiler/base/err.h"
#include "compiler/base/hash.h"
#include "runtime/kv.h"
#include "runtime/state.h"

#define PLAN_FORMAT "fcc-plan/1"
#define PLAN_FILE_FORMAT "fcc-planfile/1"
/* GitHub refuses comments longer than this many characters. */
#define PLAN_MARKDOWN_LIMIT 65536

typedef enum plan_action {
	PLAN_NOOP = 0,
	PLAN_CREATE,
	PLAN_UPDATE,    /* in place */
	PLAN_REPLACE,   /* remove and add again (e.g. a principal whose type changed) */
	PLAN_DEPRECATE, /* an older product version: Guidance DEPRECATED, never deleted */
	PLAN_DELETE
} plan_action;
#define PLAN_N_ACTIONS 6

/* One field: `before`/`after` are JSON values, NULL meaning "absent". */
typedef struct plan_change {
	char *path; /* e.g. tags["fcc:project"], Steps[1].Arguments.HyperParameters.horizon */
	json_t *before;
	json_t *after;
} plan_change;

/* A whole document shown as a unified diff (trust policy, pipeline definition). */
typedef struct plan_doc {
	char *name;
	json_t *before; /* NULL when there was none */
	json_t *after;
} plan_doc;

typedef struct plan_step {
	char *address; /* unique and stable: "s3://bucket/key", "iam-role:Name", ... */
	char *kind;    /* "s3-object", "iam-role", "sc-portfolio", ... (spec/plan.md) */
	char *name;    /* what a person calls it */
	plan_action action;
	char *reason;        /* why; NULL for a plain no-op. A no-op with a reason is drift
			* fcc reports and leaves alone */
	char *access_change; /* non-NULL when the step broadens access: what it grants */
	plan_change *changes;
	size_t n_changes;
	kv_strs depends_on; /* addresses of steps that must be applied first */
	json_t *attrs;      /* object: ids and desired values the executor needs */
	plan_doc *docs;
	size_t n_docs;
} plan_step;

typedef struct plan {
	char *project;
	char *environment; /* NULL for the default build */
	char *spec_sha256;
	char manifest_sha256[FCC_SHA256_HEX_LEN + 1];
	plan_step *steps;
	size_t n_steps;
	kv_strs errors;              /* plan errors: the plan must not be applied */
	state_obs_list observations; /* what the plan was computed from */
} plan;

typedef struct plan_text_opts {
	int color;          /* ANSI colours; the CLI decides (cli_use_color) */
	int show_unchanged; /* list plain no-op steps too */
} plan_text_opts;

/* A saved plan's staleness: each observation that differs. */
typedef struct plan_stale_item {
	char *id;
	const char *what; /* static: "changed", "no longer observed", "newly observed" */
} plan_stale_item;

typedef struct plan_stale_report {
	plan_stale_item *v;
	size_t n; /* 0: the plan is fresh */
} plan_stale_report;

/* ---- the model -------------------------------------------------------- */

void plan_init(plan *p);
/* Frees everything `p` owns; NULL or a zeroed plan is fine. */
void plan_dispose(plan *p);

/* Append a step (strings copied, attrs an empty object) and return it,
 * borrowed until the next add; NULL on ENOMEM (plan unchanged). */
plan_step *plan_add_step(plan *p, const char *kind, const char *address, const char *name,
			 plan_action action);
/* Set the step's reason / access change (copied, replacing any previous;
 * printf-style). FCC_OK or FCC_ENOMEM (old value kept). */
int plan_step_reason(plan_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int plan_step_access(plan_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a field change; `before`/`after` are borrowed and a reference is
 * taken (NULL = absent). FCC_OK or FCC_ENOMEM. */
int plan_step_change(plan_step *s, const char *path, json_t *before, json_t *after);
/* Append a document pair (references taken). FCC_OK or FCC_ENOMEM. */
int plan_step_doc(plan_step *s, const char *name, json_t *before, json_t *after);
/* Record that `s` depends on the step at `address` (no duplicates). */
int plan_step_depend(plan_step *s, const char *address);
/* Set attrs[key] = value (reference stolen, as json_object_set_new; NULL value
 * is ENOMEM). FCC_OK or FCC_ENOMEM. */
int plan_step_attr(plan_step *s, const char *key, json_t *value);

/* Put the steps in their stable order: by kind (objects, roles, portfolio,
 * product, versions, association, constraint, principals, shares, projects),
 * then by address. */
void plan_sort(plan *p);
/* The step with this address, borrowed, or NULL. */
const plan_step *plan_find(const plan *p, const char *address);
/* Number of steps with action `a`. */
size_t plan_count(const plan *p, plan_action a);
/* 1 when any step does something (the --detailed-exitcode 2 case), else 0. */
int plan_has_changes(const plan *p);
/* 1 when the plan has errors (exit 1; never apply it). */
int plan_has_errors(const plan *p);
/* "create", "update", "replace", "deprecate", "delete", "no-op". */
const char *plan_action_name(plan_action a);
/* Inverse; FCC_EPARSE for an unknown name. */
int plan_action_parse(plan_action *out, const char *name);

/* ---- renderers -------------------------------------------------------- */

/* Append the text rendering to `out`. FCC_OK, FCC_ENOMEM or FCC_EIO (the
 * buffer's cap); on failure `out` may hold a partial rendering. */
int plan_render_text(fcc_buf *out, const plan *p, const plan_text_opts *o, fcc_err *e);
/* The plan as fcc-plan/1 JSON (spec/plan.md); caller decrefs; NULL on ENOMEM. */
json_t *plan_to_json(const plan *p);
/* Append the JSON rendering (2-space indent, sorted keys, newline). */
int plan_render_json(fcc_buf *out, const plan *p, fcc_err *e);
/* Append the markdown (pull-request comment) rendering: first line
 * `<!-- fcc-plan: <project>/<env> -->`, a summary, then one <details> per
 * resource. Stays under `limit` characters (PLAN_MARKDOWN_LIMIT) by dropping
 * resource details from the end, never the summary, and says so. */
int plan_render_markdown(fcc_buf *out, const plan *p, size_t limit, fcc_err *e);

/* Fill `out` (any contents ignored) from fcc-plan/1 JSON. FCC_EPARSE names
 * the field at fault; FCC_ENOMEM. On failure `out` is disposed. Observations
 * are not part of fcc-plan/1 and are left empty. */
int plan_from_json(plan *out, const json_t *root, fcc_err *e);

/* ---- plan files ------------------------------------------------------- */

/* The plan file text (fcc-planfile/1): the plan, the manifest's sha256, every
 * observation's fingerprint and a checksum over them. Caller frees with
 * fcc_free. NULL on ENOMEM. */
char *plan_file_dumps(const plan *p);
/* Parse plan file text. FCC_EPARSE ("plan file: ...") when it is not a plan
 * file, is corrupt (bad JSON, wrong checksum, missing fields) or of another
 * format; FCC_ENOMEM. On failure `out` is disposed. */
int plan_file_loads(plan *out, const char *text, size_t len, fcc_err *e);
/* Write / read a plan file. plan_save writes `path`.tmp and renames it over
 * `path`; FCC_EIO when the file cannot be written or read, else the codes
 * above. */
int plan_save(const plan *p, const char *path, fcc_err *e);
int plan_load(plan *out, const char *path, fcc_err *e);

/* Compare the observations `saved` was computed from with a fresh snapshot,
 * object by object, and list each that differs in `out` (any contents
 * ignored). out->n == 0 means the plan still applies. FCC_OK or FCC_ENOMEM. */
int plan_stale(plan_stale_report *out, const plan *saved, const state_snapshot *fresh, fcc_err *e);
void plan_stale_report_dispose(plan_stale_report *r);

#endif
