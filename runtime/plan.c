/*
 * plan.c — the plan model: steps, ordering, counts, and the JSON form
 * fcc-plan/1 in both directions (see plan.h). Renderers are in
 * plan_render.c, plan files and staleness in plan_file.c.
 */
#include "runtime/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"

static const char *const action_names[PLAN_N_ACTIONS] = {"no-op",   "create",    "update",
							 "replace", "deprecate", "delete"};

/* Order of kinds in a plan: roughly the order apply needs them in. */
/* cfn-stack first: the artifacts bucket's stack is deployed before anything
 * that needs the bucket (apply_stack.h). */
static const char *const kind_order[] = {"cfn-stack",      "s3-object",        "iam-role",
					 "sc-portfolio",   "sc-product",       "sc-artifact",
					 "sc-association", "sc-constraint",    "sc-principal",
					 "sc-share",       "sagemaker-project"};

void plan_init(plan *p)
{
	memset(p, 0, sizeof *p);
}

static void step_dispose(plan_step *s)
{
	size_t i;

	fcc_free(s->address);
	fcc_free(s->kind);
	fcc_free(s->name);
	fcc_free(s->reason);
	fcc_free(s->access_change);
	for (i = 0; i < s->n_changes; i++) {
		fcc_free(s->changes[i].path);
		json_decref(s->changes[i].before);
		json_decref(s->changes[i].after);
	}
	fcc_free(s->changes);
	kv_strs_dispose(&s->depends_on);
	json_decref(s->attrs);
	for (i = 0; i < s->n_docs; i++) {
		fcc_free(s->docs[i].name);
		json_decref(s->docs[i].before);
		json_decref(s->docs[i].after);
	}
	fcc_free(s->docs);
}

void plan_dispose(plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++)
		step_dispose(&p->steps[i]);
	fcc_free(p->steps);
	fcc_free(p->project);
	fcc_free(p->environment);
	fcc_free(p->spec_sha256);
	kv_strs_dispose(&p->errors);
	state_obs_list_dispose(&p->observations);
	memset(p, 0, sizeof *p);
}

plan_step *plan_add_step(plan *p, const char *kind, const char *address, const char *name,
			 plan_action action)
{
	plan_step *v = fcc_realloc(p->steps, (p->n_steps + 1) * sizeof *v), *s;

	if (!v)
		return NULL;
	p->steps = v;
	s = &v[p->n_steps];
	memset(s, 0, sizeof *s);
	s->action = action;
	s->kind = fcc_strdup(kind);
	s->address = fcc_strdup(address);
	s->name = fcc_strdup(name ? name : address);
	s->attrs = json_object();
	if (!s->kind || !s->address || !s->name || !s->attrs) {
		step_dispose(s);
		return NULL;
	}
	p->n_steps++;
	return s;
}

static int set_fmt(char **field, const char *fmt, va_list ap)
{
	char *s;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || !(s = fcc_malloc((size_t)n + 1)))
		return FCC_ENOMEM;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	fcc_free(*field);
	*field = s;
	return FCC_OK;
}

int plan_step_reason(plan_step *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = set_fmt(&s->reason, fmt, ap);
	va_end(ap);
	return rc;
}

int plan_step_access(plan_step *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = set_fmt(&s->access_change, fmt, ap);
	va_end(ap);
	return rc;
}

int plan_step_change(plan_step *s, const char *path, json_t *before, json_t *after)
{
	plan_change *v = fcc_realloc(s->changes, (s->n_changes + 1) * sizeof *v);
	char *p;

	if (!v)
		return FCC_ENOMEM;
	s->changes = v;
	if (!(p = fcc_strdup(path)))
		return FCC_ENOMEM;
	v[s->n_changes].path = p;
	v[s->n_changes].before = json_incref(before);
	v[s->n_changes].after = json_incref(after);
	s->n_changes++;
	return FCC_OK;
}

int plan_step_doc(plan_step *s, const char *name, json_t *before, json_t *after)
{
	plan_doc *v = fcc_realloc(s->docs, (s->n_docs + 1) * sizeof *v);
	char *n;

	if (!v)
		return FCC_ENOMEM;
	s->docs = v;
	if (!(n = fcc_strdup(name)))
		return FCC_ENOMEM;
	v[s->n_docs].name = n;
	v[s->n_docs].before = json_incref(before);
	v[s->n_docs].after = json_incref(after);
	s->n_docs++;
	return FCC_OK;
}

int plan_step_depend(plan_step *s, const char *address)
{
	if (!address || kv_strs_has(&s->depends_on, address))
		return FCC_OK;
	return kv_strs_push(&s->depends_on, address);
}

int plan_step_attr(plan_step *s, const char *key, json_t *value)
{
	if (!value)
		return FCC_ENOMEM;
	return json_object_set_new(s->attrs, key, value) == 0 ? FCC_OK : FCC_ENOMEM;
}

static size_t kind_rank(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof kind_order / sizeof *kind_order; i++)
		if (strcmp(kind, kind_order[i]) == 0)
			return i;
	return i;
}

static int cmp_step(const void *a, const void *b)
{
	const plan_step *x = a, *y = b;
	size_t rx = kind_rank(x->kind), ry = kind_rank(y->kind);
	int c;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	return strcmp(x->address, y->address);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void plan_sort(plan *p)
{
	size_t i;

	if (p->n_steps)
		qsort(p->steps, p->n_steps, sizeof *p->steps, cmp_step);
	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].depends_on.n)
			qsort(p->steps[i].depends_on.v, p->steps[i].depends_on.n, sizeof(char *),
			      cmp_cstr);
}

const plan_step *plan_find(const plan *p, const char *address)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].address, address) == 0)
			return &p->steps[i];
	return NULL;
}

size_t plan_count(const plan *p, plan_action a)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_steps; i++)
		n += p->steps[i].action == a;
	return n;
}

int plan_has_changes(const plan *p)
{
	return plan_count(p, PLAN_NOOP) != p->n_steps;
}

int plan_has_errors(const plan *p)
{
	return p->errors.n > 0;
}

const char *plan_action_name(plan_action a)
{
	return (unsigned)a < PLAN_N_ACTIONS ? action_names[a] : "?";
}

int plan_action_parse(plan_action *out, const char *name)
{
	int i;

	for (i = 0; i < PLAN_N_ACTIONS; i++)
		if (strcmp(name, action_names[i]) == 0) {
			*out = (plan_action)i;
			return FCC_OK;
		}
	return FCC_EPARSE;
}

/* ---- fcc-plan/1 out ----------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void put(json_t *o, const char *k, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*bad = 1;
}

static json_t *step_json(const plan_step *s, int *bad)
{
	json_t *j = json_object(), *changes = json_array(), *docs = json_array();
	size_t i;

	if (!j || !changes || !docs) {
		json_decref(j);
		json_decref(changes);
		json_decref(docs);
		*bad = 1;
		return NULL;
	}
	put(j, "address", jstr(s->address), bad);
	put(j, "kind", jstr(s->kind), bad);
	put(j, "name", jstr(s->name), bad);
	put(j, "action", jstr(plan_action_name(s->action)), bad);
	put(j, "reason", jstr(s->reason), bad);
	put(j, "broadens_access", json_boolean(s->access_change != NULL), bad);
	put(j, "access_change", jstr(s->access_change), bad);
	for (i = 0; i < s->n_changes; i++) {
		json_t *c = json_object();
		if (!c || json_array_append_new(changes, c) != 0) {
			*bad = 1;
			break;
		}
		put(c, "path", jstr(s->changes[i].path), bad);
		if (s->changes[i].before)
			put(c, "before", json_incref(s->changes[i].before), bad);
		if (s->changes[i].after)
			put(c, "after", json_incref(s->changes[i].after), bad);
	}
	put(j, "changes", changes, bad);
	put(j, "depends_on", kv_strs_to_json(&s->depends_on), bad);
	put(j, "attrs", json_incref(s->attrs), bad);
	for (i = 0; i < s->n_docs; i++) {
		json_t *d = json_object();
		if (!d || json_array_append_new(docs, d) != 0) {
			*bad = 1;
			break;
		}
		put(d, "name", jstr(s->docs[i].name), bad);
		put(d, "before", s->docs[i].before ? json_incref(s->docs[i].before) : json_null(),
		    bad);
		put(d, "after", s->docs[i].after ? json_incref(s->docs[i].after) : json_null(),
		    bad);
	}
	put(j, "documents", docs, bad);
	return j;
}

json_t *plan_to_json(const plan *p)
{
	json_t *root = json_object(), *steps = json_array(), *summary = json_object();
	size_t i, security = 0;
	int bad = 0;

	if (!root || !steps || !summary) {
		json_decref(root);
		json_decref(steps);
		json_decref(summary);
		return NULL;
	}
	put(root, "format", json_string(PLAN_FORMAT), &bad);
	put(root, "project", jstr(p->project), &bad);
	put(root, "environment", jstr(p->environment), &bad);
	put(root, "manifest_sha256", jstr(p->manifest_sha256), &bad);
	put(root, "spec_sha256", jstr(p->spec_sha256), &bad);
	put(root, "has_changes", json_boolean(plan_has_changes(p)), &bad);
	put(root, "errors", kv_strs_to_json(&p->errors), &bad);
	for (i = 0; i < PLAN_N_ACTIONS; i++)
		put(summary, action_names[i],
		    json_integer((json_int_t)plan_count(p, (plan_action)i)), &bad);
	for (i = 0; i < p->n_steps; i++) {
		security += p->steps[i].access_change != NULL;
		if (json_array_append_new(steps, step_json(&p->steps[i], &bad)) != 0)
			bad = 1;
	}
	put(summary, "broadens_access", json_integer((json_int_t)security), &bad);
	put(root, "summary", summary, &bad);
	put(root, "steps", steps, &bad);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int plan_render_json(fcc_buf *out, const plan *p, fcc_err *e)
{
	json_t *j = plan_to_json(p);
	json_malloc_t m;
	json_free_t f;
	char *text;
	int rc;

	if (!j)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(j);
	if (!text)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	rc = fcc_buf_puts(out, text);
	if (rc == FCC_OK)
		rc = fcc_buf_putc(out, '\n');
	json_get_alloc_funcs(&m, &f);
	f(text);
	return rc == FCC_OK ? FCC_OK : fcc_err_set(e, rc, "plan rendering: %s", fcc_err_name(rc));
}

/* ---- fcc-plan/1 in ------------------------------------------------------ */

static int get_str(char **out, json_t *o, const char *k, const char *path, int nullable, fcc_err *e)
{
	json_t *v = json_object_get(o, k);

	*out = NULL;
	if (nullable && (!v || json_is_null(v)))
		return FCC_OK;
	if (!json_is_string(v))
		return fcc_err_set(e, FCC_EPARSE, "plan: %s.%s: expected a string", path, k);
	return (*out = fcc_strdup(json_string_value(v)))
		       ? FCC_OK
		       : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}

static int step_from_json(plan *p, json_t *j, size_t idx, fcc_err *e)
{
	char path[64], *kind = NULL, *address = NULL, *name = NULL, *action = NULL;
	json_t *arr, *it;
	plan_action a;
	plan_step *s;
	size_t i;
	int rc;

	snprintf(path, sizeof path, "steps[%zu]", idx);
	if (!json_is_object(j))
		return fcc_err_set(e, FCC_EPARSE, "plan: %s: expected an object", path);
	if ((rc = get_str(&kind, j, "kind", path, 0, e)) ||
	    (rc = get_str(&address, j, "address", path, 0, e)) ||
	    (rc = get_str(&name, j, "name", path, 0, e)) ||
	    (rc = get_str(&action, j, "action", path, 0, e)))
		goto out;
	if (plan_action_parse(&a, action) != FCC_OK) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: %s.action: unknown action \"%s\"", path,
				 action);
		goto out;
	}
	if (!(s = plan_add_step(p, kind, address, name, a))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = get_str(&s->reason, j, "reason", path, 1, e)) ||
	    (rc = get_str(&s->access_change, j, "access_change", path, 1, e)))
		goto out;
	arr = json_object_get(j, "changes");
	if (!json_is_array(arr)) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: %s.changes: expected an array", path);
		goto out;
	}
	json_array_foreach(arr, i, it) {
		json_t *cp = json_object_get(it, "path");
		if (!json_is_string(cp)) {
			rc = fcc_err_set(e, FCC_EPARSE,
					 "plan: %s.changes[%zu].path: expected a string", path, i);
			goto out;
		}
		if (plan_step_change(s, json_string_value(cp), json_object_get(it, "before"),
				     json_object_get(it, "after")) != FCC_OK) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
	}
	it = json_object_get(j, "depends_on");
	if (!it || (rc = kv_strs_from_json(&s->depends_on, it, "plan: depends_on", e)) != FCC_OK) {
		if (!it)
			rc = fcc_err_set(e, FCC_EPARSE, "plan: %s.depends_on: missing", path);
		goto out;
	}
	it = json_object_get(j, "attrs");
	if (!json_is_object(it)) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: %s.attrs: expected an object", path);
		goto out;
	}
	json_decref(s->attrs);
	s->attrs = json_incref(it);
	arr = json_object_get(j, "documents");
	if (!json_is_array(arr)) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: %s.documents: expected an array", path);
		goto out;
	}
	json_array_foreach(arr, i, it) {
		json_t *n = json_object_get(it, "name"), *b = json_object_get(it, "before"),
		       *af = json_object_get(it, "after");
		if (!json_is_string(n)) {
			rc = fcc_err_set(e, FCC_EPARSE,
					 "plan: %s.documents[%zu].name: expected a string", path,
					 i);
			goto out;
		}
		if (plan_step_doc(s, json_string_value(n), json_is_null(b) ? NULL : b,
				  json_is_null(af) ? NULL : af) != FCC_OK) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	fcc_free(kind);
	fcc_free(address);
	fcc_free(name);
	fcc_free(action);
	return rc;
}

int plan_from_json(plan *out, const json_t *root, fcc_err *e)
{
	json_t *v, *it;
	size_t i;
	int rc;

	plan_init(out);
	if (!json_is_object(root))
		return fcc_err_set(e, FCC_EPARSE, "plan: expected a JSON object");
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), PLAN_FORMAT) != 0) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: format: expected \"%s\"", PLAN_FORMAT);
		goto out;
	}
	if ((rc = get_str(&out->project, (json_t *)root, "project", "plan", 0, e)) ||
	    (rc = get_str(&out->environment, (json_t *)root, "environment", "plan", 1, e)) ||
	    (rc = get_str(&out->spec_sha256, (json_t *)root, "spec_sha256", "plan", 0, e)))
		goto out;
	v = json_object_get(root, "manifest_sha256");
	if (!json_is_string(v) || json_string_length(v) != FCC_SHA256_HEX_LEN) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: manifest_sha256: expected a sha256");
		goto out;
	}
	memcpy(out->manifest_sha256, json_string_value(v), FCC_SHA256_HEX_LEN + 1);
	v = json_object_get(root, "errors");
	if (!v || (rc = kv_strs_from_json(&out->errors, v, "plan: errors", e)) != FCC_OK) {
		if (!v)
			rc = fcc_err_set(e, FCC_EPARSE, "plan: errors: missing");
		goto out;
	}
	v = json_object_get(root, "steps");
	if (!json_is_array(v)) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan: steps: expected an array");
		goto out;
	}
	json_array_foreach(v, i, it)
		if ((rc = step_from_json(out, it, i, e)) != FCC_OK)
			goto out;
out:
	if (rc != FCC_OK)
		plan_dispose(out);
	return rc;
}
