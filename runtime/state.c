/*
 * state.c — the state snapshot: init/dispose, JSON in and out, observation
 * fingerprints (see state.h).
 *
 * JSON input is lenient about omitted fields (a missing string is null, a
 * missing list is empty, a missing flag is false) so fixtures stay short, and
 * strict about types: a wrong type is an error that names the field.
 */
#include "runtime/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"

void state_init(state_snapshot *s)
{
	memset(s, 0, sizeof *s);
}

static void product_dispose(state_product *p)
{
	size_t i;

	fcc_free(p->name);
	fcc_free(p->id);
	fcc_free(p->owner);
	fcc_free(p->description);
	fcc_free(p->distributor);
	fcc_free(p->support_email);
	fcc_free(p->support_url);
	kv_tags_dispose(&p->tags);
	for (i = 0; i < p->n_artifacts; i++) {
		fcc_free(p->artifacts[i].id);
		fcc_free(p->artifacts[i].name);
		fcc_free(p->artifacts[i].description);
		fcc_free(p->artifacts[i].guidance);
		fcc_free(p->artifacts[i].created);
	}
	fcc_free(p->artifacts);
	for (i = 0; i < p->n_constraints; i++) {
		fcc_free(p->constraints[i].id);
		fcc_free(p->constraints[i].type);
		json_decref(p->constraints[i].parameters);
	}
	fcc_free(p->constraints);
}

void state_dispose(state_snapshot *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_objects; i++) {
		fcc_free(s->objects[i].bucket);
		fcc_free(s->objects[i].key);
		fcc_free(s->objects[i].sha256);
	}
	fcc_free(s->objects);
	for (i = 0; i < s->n_roles; i++) {
		fcc_free(s->roles[i].name);
		kv_strs_dispose(&s->roles[i].attached_policies);
		json_decref(s->roles[i].trust_policy);
		kv_tags_dispose(&s->roles[i].patch_records);
	}
	fcc_free(s->roles);
	fcc_free(s->portfolio.name);
	fcc_free(s->portfolio.id);
	fcc_free(s->portfolio.owner);
	fcc_free(s->portfolio.description);
	kv_tags_dispose(&s->portfolio.tags);
	for (i = 0; i < s->n_products; i++)
		product_dispose(&s->products[i]);
	fcc_free(s->products);
	for (i = 0; i < s->n_principals; i++) {
		fcc_free(s->principals[i].arn);
		fcc_free(s->principals[i].type);
	}
	fcc_free(s->principals);
	kv_strs_dispose(&s->share_accounts);
	for (i = 0; i < s->n_share_nodes; i++) {
		fcc_free(s->share_nodes[i].type);
		fcc_free(s->share_nodes[i].value);
	}
	fcc_free(s->share_nodes);
	fcc_free(s->org_access);
	fcc_free(s->validation.template);
	fcc_free(s->validation.error);
	for (i = 0; i < s->n_projects; i++) {
		fcc_free(s->projects[i].name);
		fcc_free(s->projects[i].status);
		fcc_free(s->projects[i].product_id);
		fcc_free(s->projects[i].artifact_id);
		json_decref(s->projects[i].pipeline);
	}
	fcc_free(s->projects);
	for (i = 0; i < s->n_stacks; i++) {
		state_stack *st = &s->stacks[i];
		size_t j;
		fcc_free(st->name);
		fcc_free(st->id);
		fcc_free(st->status);
		fcc_free(st->status_reason);
		fcc_free(st->template_sha256);
		kv_tags_dispose(&st->tags);
		fcc_free(st->preview_error);
		for (j = 0; j < st->n_changes; j++) {
			fcc_free(st->changes[j].action);
			fcc_free(st->changes[j].logical_id);
			fcc_free(st->changes[j].resource_type);
			fcc_free(st->changes[j].replacement);
			kv_strs_dispose(&st->changes[j].targets);
		}
		fcc_free(st->changes);
	}
	fcc_free(s->stacks);
	memset(s, 0, sizeof *s);
}

/* Grow *arr by one zeroed element of `size`; NULL on ENOMEM. */
static void *grow(void **arr, size_t *n, size_t size)
{
	char *p = fcc_realloc(*arr, (*n + 1) * size);

	if (!p)
		return NULL;
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

#define ADDER(fn, type, arr, n)                                                                    \
	type *fn(state_snapshot *s)                                                                \
	{                                                                                          \
		return grow((void **)&s->arr, &s->n, sizeof(type));                                \
	}
ADDER(state_add_object, state_object, objects, n_objects)
ADDER(state_add_role, state_role, roles, n_roles)
ADDER(state_add_product, state_product, products, n_products)
ADDER(state_add_principal, state_principal, principals, n_principals)
ADDER(state_add_share_node, state_org_node, share_nodes, n_share_nodes)
ADDER(state_add_project, state_project, projects, n_projects)
ADDER(state_add_stack, state_stack, stacks, n_stacks)

state_artifact *state_product_add_artifact(state_product *p)
{
	return grow((void **)&p->artifacts, &p->n_artifacts, sizeof(state_artifact));
}

state_constraint *state_product_add_constraint(state_product *p)
{
	return grow((void **)&p->constraints, &p->n_constraints, sizeof(state_constraint));
}

const state_product *state_find_product(const state_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_products; i++)
		if (s->products[i].name && strcmp(s->products[i].name, name) == 0)
			return &s->products[i];
	return NULL;
}

state_stack_change *state_stack_add_change(state_stack *st)
{
	return grow((void **)&st->changes, &st->n_changes, sizeof(state_stack_change));
}

const state_stack *state_find_stack(const state_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_stacks; i++)
		if (strcmp(s->stacks[i].name, name) == 0)
			return &s->stacks[i];
	return NULL;
}

const state_object *state_find_object(const state_snapshot *s, const char *bucket, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_objects; i++)
		if (strcmp(s->objects[i].bucket, bucket) == 0 &&
		    strcmp(s->objects[i].key, key) == 0)
			return &s->objects[i];
	return NULL;
}

const state_role *state_find_role(const state_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_roles; i++)
		if (strcmp(s->roles[i].name, name) == 0)
			return &s->roles[i];
	return NULL;
}

const state_project *state_find_project(const state_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_projects; i++)
		if (strcmp(s->projects[i].name, name) == 0)
			return &s->projects[i];
	return NULL;
}

/* ---- JSON in ---------------------------------------------------------- */

/* Optional string: missing or null leaves *out NULL. */
static int opt_str(char **out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return FCC_OK;
	if (!json_is_string(v))
		return fcc_err_set(e, FCC_EPARSE, "state: %s.%s: expected a string", path, key);
	*out = fcc_strdup(json_string_value(v));
	return *out ? FCC_OK : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}

static int req_str(char **out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	int rc = opt_str(out, obj, key, path, e);

	if (rc == FCC_OK && !*out)
		return fcc_err_set(e, FCC_EPARSE, "state: %s.%s: missing", path, key);
	return rc;
}

static int opt_bool(int *out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v)
		return FCC_OK;
	if (!json_is_boolean(v))
		return fcc_err_set(e, FCC_EPARSE, "state: %s.%s: expected a boolean", path, key);
	*out = json_is_true(v);
	return FCC_OK;
}

/* Optional JSON document: object/array kept (a new reference), null/missing → NULL. */
static int opt_doc(json_t **out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return FCC_OK;
	if (!json_is_object(v))
		return fcc_err_set(e, FCC_EPARSE, "state: %s.%s: expected an object", path, key);
	*out = json_deep_copy(v);
	return *out ? FCC_OK : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}

static int opt_strs(kv_strs *out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	char p[256];
	json_t *v = json_object_get(obj, key);

	if (!v)
		return FCC_OK;
	snprintf(p, sizeof p, "state: %s.%s", path, key);
	return kv_strs_from_json(out, v, p, e);
}

static int opt_tags(kv_tags *out, json_t *obj, const char *key, const char *path, fcc_err *e)
{
	char p[256];
	json_t *v = json_object_get(obj, key);

	if (!v)
		return FCC_OK;
	snprintf(p, sizeof p, "state: %s.%s", path, key);
	return kv_tags_from_json(out, v, p, e);
}

/* The array at `key`, or NULL when missing (json_array_foreach then runs no
 * iteration); *rc is FCC_EPARSE when it is not an array. */
static json_t *list(json_t *obj, const char *key, int *rc, fcc_err *e)
{
	json_t *v = json_object_get(obj, key);

	*rc = FCC_OK;
	if (v && !json_is_array(v)) {
		*rc = fcc_err_set(e, FCC_EPARSE, "state: %s: expected an array", key);
		return NULL;
	}
	return v;
}

static int item(json_t *it, const char *key, size_t i, char *path, size_t n, fcc_err *e)
{
	snprintf(path, n, "%s[%zu]", key, i);
	if (!json_is_object(it))
		return fcc_err_set(e, FCC_EPARSE, "state: %s: expected an object", path);
	return FCC_OK;
}

#define NOMEM() (rc = fcc_err_set(e, FCC_ENOMEM, "out of memory"))

/* products[i] at `at` ("products[3]") into `p`. */
static int parse_product(state_product *p, json_t *v, const char *at, fcc_err *e)
{
	json_t *arr, *it;
	char path[128];
	size_t i;
	int rc;

	if ((rc = req_str(&p->name, v, "name", at, e)) ||
	    (rc = opt_bool(&p->present, v, "present", at, e)) ||
	    (rc = opt_str(&p->id, v, "id", at, e)) ||
	    (rc = opt_str(&p->owner, v, "owner", at, e)) ||
	    (rc = opt_str(&p->description, v, "description", at, e)) ||
	    (rc = opt_str(&p->distributor, v, "distributor", at, e)) ||
	    (rc = opt_str(&p->support_email, v, "support_email", at, e)) ||
	    (rc = opt_str(&p->support_url, v, "support_url", at, e)) ||
	    (rc = opt_tags(&p->tags, v, "tags", at, e)) ||
	    (rc = opt_bool(&p->association, v, "association", at, e)))
		return rc;
	arr = list(v, "artifacts", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_artifact *a;
		char where[96];
		snprintf(where, sizeof where, "%s.artifacts", at);
		if ((rc = item(it, where, i, path, sizeof path, e)))
			return rc;
		if (!(a = state_product_add_artifact(p)))
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		if ((rc = req_str(&a->id, it, "id", path, e)) ||
		    (rc = opt_str(&a->name, it, "name", path, e)) ||
		    (rc = opt_str(&a->description, it, "description", path, e)) ||
		    (rc = opt_bool(&a->active, it, "active", path, e)) ||
		    (rc = opt_str(&a->guidance, it, "guidance", path, e)) ||
		    (rc = opt_str(&a->created, it, "created", path, e)))
			return rc;
	}
	arr = list(v, "constraints", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_constraint *c;
		char where[96];
		snprintf(where, sizeof where, "%s.constraints", at);
		if ((rc = item(it, where, i, path, sizeof path, e)))
			return rc;
		if (!(c = state_product_add_constraint(p)))
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		if ((rc = req_str(&c->id, it, "id", path, e)) ||
		    (rc = req_str(&c->type, it, "type", path, e)) ||
		    (rc = opt_doc(&c->parameters, it, "parameters", path, e)))
			return rc;
	}
	return FCC_OK;
}

static int parse(state_snapshot *s, json_t *root, fcc_err *e)
{
	json_t *arr, *it, *v;
	char path[64];
	size_t i;
	int rc;

	if (!json_is_object(root))
		return fcc_err_set(e, FCC_EPARSE, "state: expected a JSON object");
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), STATE_FORMAT) != 0)
		return fcc_err_set(e, FCC_EPARSE, "state: format: expected \"%s\"", STATE_FORMAT);

	arr = list(root, "objects", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_object *o;
		json_t *size;
		if ((rc = item(it, "objects", i, path, sizeof path, e)))
			return rc;
		if (!(o = state_add_object(s)))
			return NOMEM();
		if ((rc = req_str(&o->bucket, it, "bucket", path, e)) ||
		    (rc = req_str(&o->key, it, "key", path, e)) ||
		    (rc = opt_bool(&o->present, it, "present", path, e)) ||
		    (rc = opt_str(&o->sha256, it, "sha256", path, e)))
			return rc;
		size = json_object_get(it, "size");
		if (size && !json_is_integer(size))
			return fcc_err_set(e, FCC_EPARSE, "state: %s.size: expected an integer",
					   path);
		o->size = size ? (long long)json_integer_value(size) : 0;
	}
	arr = list(root, "roles", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_role *r;
		if ((rc = item(it, "roles", i, path, sizeof path, e)))
			return rc;
		if (!(r = state_add_role(s)))
			return NOMEM();
		if ((rc = req_str(&r->name, it, "name", path, e)) ||
		    (rc = opt_bool(&r->present, it, "present", path, e)) ||
		    (rc = opt_strs(&r->attached_policies, it, "attached_policies", path, e)) ||
		    (rc = opt_doc(&r->trust_policy, it, "trust_policy", path, e)) ||
		    (rc = opt_tags(&r->patch_records, it, "patch_records", path, e)))
			return rc;
	}
	v = json_object_get(root, "portfolio");
	if (v) {
		json_t *count;
		if (!json_is_object(v))
			return fcc_err_set(e, FCC_EPARSE, "state: portfolio: expected an object");
		if ((rc = opt_str(&s->portfolio.name, v, "name", "portfolio", e)) ||
		    (rc = opt_str(&s->portfolio.id, v, "id", "portfolio", e)) ||
		    (rc = opt_str(&s->portfolio.owner, v, "owner", "portfolio", e)) ||
		    (rc = opt_str(&s->portfolio.description, v, "description", "portfolio", e)) ||
		    (rc = opt_tags(&s->portfolio.tags, v, "tags", "portfolio", e)))
			return rc;
		count = json_object_get(v, "count");
		if (count && (!json_is_integer(count) || json_integer_value(count) < 0))
			return fcc_err_set(
				e, FCC_EPARSE,
				"state: portfolio.count: expected a non-negative integer");
		s->portfolio.count = count ? (int)json_integer_value(count) : 0;
	}
	arr = list(root, "products", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_product *p;
		if ((rc = item(it, "products", i, path, sizeof path, e)))
			return rc;
		if (!(p = state_add_product(s)))
			return NOMEM();
		if ((rc = parse_product(p, it, path, e)))
			return rc;
	}
	arr = list(root, "principals", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_principal *p;
		if ((rc = item(it, "principals", i, path, sizeof path, e)))
			return rc;
		if (!(p = state_add_principal(s)))
			return NOMEM();
		if ((rc = req_str(&p->arn, it, "arn", path, e)) ||
		    (rc = req_str(&p->type, it, "type", path, e)))
			return rc;
	}
	v = json_object_get(root, "shares");
	if (v) {
		if (!json_is_object(v))
			return fcc_err_set(e, FCC_EPARSE, "state: shares: expected an object");
		if ((rc = opt_strs(&s->share_accounts, v, "accounts", "shares", e)))
			return rc;
		arr = list(v, "nodes", &rc, e);
		if (rc)
			return rc;
		json_array_foreach(arr, i, it) {
			state_org_node *n;
			if ((rc = item(it, "shares.nodes", i, path, sizeof path, e)))
				return rc;
			if (!(n = state_add_share_node(s)))
				return NOMEM();
			if ((rc = req_str(&n->type, it, "type", path, e)) ||
			    (rc = req_str(&n->value, it, "value", path, e)))
				return rc;
		}
	}
	if ((rc = opt_str(&s->org_access, root, "org_access", "state", e)))
		return rc;
	v = json_object_get(root, "template_validation");
	if (v) {
		if (!json_is_object(v))
			return fcc_err_set(e, FCC_EPARSE,
					   "state: template_validation: expected an object");
		if ((rc = opt_str(&s->validation.template, v, "template", "template_validation",
				  e)) ||
		    (rc = opt_bool(&s->validation.ok, v, "ok", "template_validation", e)) ||
		    (rc = opt_str(&s->validation.error, v, "error", "template_validation", e)))
			return rc;
	}
	arr = list(root, "projects", &rc, e);
	if (rc)
		return rc;
	json_array_foreach(arr, i, it) {
		state_project *p;
		if ((rc = item(it, "projects", i, path, sizeof path, e)))
			return rc;
		if (!(p = state_add_project(s)))
			return NOMEM();
		if ((rc = req_str(&p->name, it, "name", path, e)) ||
		    (rc = opt_bool(&p->present, it, "present", path, e)) ||
		    (rc = opt_str(&p->status, it, "status", path, e)) ||
		    (rc = opt_str(&p->product_id, it, "product_id", path, e)) ||
		    (rc = opt_str(&p->artifact_id, it, "artifact_id", path, e)) ||
		    (rc = opt_doc(&p->pipeline, it, "pipeline", path, e)))
			return rc;
	}
	return FCC_OK;
}

/* stacks[] (optional: snapshots of builds that own no stack have none). */
static int parse_stacks(state_snapshot *s, json_t *root, fcc_err *e)
{
	json_t *arr = json_object_get(root, "stacks"), *it, *pv, *ch, *c;
	char path[96], cpath[160];
	size_t i, j;
	int rc;

	if (!arr)
		return FCC_OK;
	if (!json_is_array(arr))
		return fcc_err_set(e, FCC_EPARSE, "state: stacks: expected an array");
	json_array_foreach(arr, i, it) {
		state_stack *st;
		if ((rc = item(it, "stacks", i, path, sizeof path, e)))
			return rc;
		if (!(st = state_add_stack(s)))
			return NOMEM();
		if ((rc = req_str(&st->name, it, "name", path, e)) ||
		    (rc = opt_bool(&st->present, it, "present", path, e)) ||
		    (rc = opt_str(&st->id, it, "id", path, e)) ||
		    (rc = opt_str(&st->status, it, "status", path, e)) ||
		    (rc = opt_str(&st->status_reason, it, "status_reason", path, e)) ||
		    (rc = opt_str(&st->template_sha256, it, "template_sha256", path, e)) ||
		    (rc = opt_tags(&st->tags, it, "tags", path, e)))
			return rc;
		pv = json_object_get(it, "preview");
		if (!pv || json_is_null(pv))
			continue;
		if (!json_is_object(pv))
			return fcc_err_set(e, FCC_EPARSE, "state: %s.preview: expected an object",
					   path);
		st->previewed = 1;
		snprintf(cpath, sizeof cpath, "%s.preview", path);
		if ((rc = opt_bool(&st->preview_no_changes, pv, "no_changes", cpath, e)) ||
		    (rc = opt_str(&st->preview_error, pv, "error", cpath, e)))
			return rc;
		ch = json_object_get(pv, "changes");
		if (ch && !json_is_array(ch))
			return fcc_err_set(e, FCC_EPARSE, "state: %s.changes: expected an array",
					   cpath);
		json_array_foreach(ch, j, c) {
			state_stack_change *sc;
			snprintf(cpath, sizeof cpath, "%s.preview.changes[%zu]", path, j);
			if (!json_is_object(c))
				return fcc_err_set(e, FCC_EPARSE, "state: %s: expected an object",
						   cpath);
			if (!(sc = state_stack_add_change(st)))
				return NOMEM();
			if ((rc = req_str(&sc->action, c, "action", cpath, e)) ||
			    (rc = req_str(&sc->logical_id, c, "logical_id", cpath, e)) ||
			    (rc = opt_str(&sc->resource_type, c, "resource_type", cpath, e)) ||
			    (rc = opt_str(&sc->replacement, c, "replacement", cpath, e)) ||
			    (rc = opt_strs(&sc->targets, c, "targets", cpath, e)))
				return rc;
		}
	}
	return FCC_OK;
}

int state_from_json(state_snapshot *out, const json_t *root, fcc_err *e)
{
	int rc;

	state_init(out);
	rc = parse(out, (json_t *)root, e);
	if (rc == FCC_OK)
		rc = parse_stacks(out, (json_t *)root, e);
	if (rc != FCC_OK)
		state_dispose(out);
	return rc;
}

int state_from_text(state_snapshot *out, const char *text, size_t len, fcc_err *e)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!root) {
		state_init(out);
		return fcc_err_set(e, FCC_EPARSE, "state: line %d: %s", je.line, je.text);
	}
	rc = state_from_json(out, root, e);
	json_decref(root);
	return rc;
}

/* ---- JSON out --------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jdoc(const json_t *d)
{
	return d ? json_deep_copy(d) : json_null();
}

/* Set o[k] = v, failing (and flagging *bad) when v is NULL. */
static void put(json_t *o, const char *k, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*bad = 1;
}

static void push(json_t *a, json_t *v, int *bad)
{
	if (!v || json_array_append_new(a, v) != 0)
		*bad = 1;
}

static json_t *object_json(const state_object *o, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "bucket", jstr(o->bucket), bad);
	put(j, "key", jstr(o->key), bad);
	put(j, "present", json_boolean(o->present), bad);
	put(j, "sha256", jstr(o->sha256), bad);
	put(j, "size", json_integer(o->size), bad);
	return j;
}

static json_t *role_json(const state_role *r, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "name", jstr(r->name), bad);
	put(j, "present", json_boolean(r->present), bad);
	put(j, "attached_policies", kv_strs_to_json(&r->attached_policies), bad);
	put(j, "trust_policy", jdoc(r->trust_policy), bad);
	/* only when there are some: states (and fingerprints) of roles fcc never
	 * recorded a patch on stay as they were */
	if (r->patch_records.n)
		put(j, "patch_records", kv_tags_to_json(&r->patch_records), bad);
	return j;
}

static json_t *portfolio_json(const state_portfolio *p, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "name", jstr(p->name), bad);
	put(j, "count", json_integer(p->count), bad);
	put(j, "id", jstr(p->id), bad);
	put(j, "owner", jstr(p->owner), bad);
	put(j, "description", jstr(p->description), bad);
	put(j, "tags", kv_tags_to_json(&p->tags), bad);
	return j;
}

static json_t *product_json(const state_product *p, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "name", jstr(p->name), bad);
	put(j, "present", json_boolean(p->present), bad);
	put(j, "id", jstr(p->id), bad);
	put(j, "owner", jstr(p->owner), bad);
	put(j, "description", jstr(p->description), bad);
	put(j, "distributor", jstr(p->distributor), bad);
	put(j, "support_email", jstr(p->support_email), bad);
	put(j, "support_url", jstr(p->support_url), bad);
	put(j, "tags", kv_tags_to_json(&p->tags), bad);
	return j;
}

static json_t *artifacts_json(const state_product *s, int *bad)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_artifacts; i++) {
		const state_artifact *x = &s->artifacts[i];
		json_t *j = json_object();
		if (!j) {
			*bad = 1;
			break;
		}
		put(j, "id", jstr(x->id), bad);
		put(j, "name", jstr(x->name), bad);
		put(j, "description", jstr(x->description), bad);
		put(j, "active", json_boolean(x->active), bad);
		put(j, "guidance", jstr(x->guidance), bad);
		put(j, "created", jstr(x->created), bad);
		push(a, j, bad);
	}
	if (!a)
		*bad = 1;
	return a;
}

static json_t *constraints_json(const state_product *s, int *bad)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_constraints; i++) {
		json_t *j = json_object();
		if (!j) {
			*bad = 1;
			break;
		}
		put(j, "id", jstr(s->constraints[i].id), bad);
		put(j, "type", jstr(s->constraints[i].type), bad);
		put(j, "parameters", jdoc(s->constraints[i].parameters), bad);
		push(a, j, bad);
	}
	if (!a)
		*bad = 1;
	return a;
}

/* products[]: each product's own fields (product_json, also its sc-product
 * observation) plus what hangs off it. */
static json_t *products_json(const state_snapshot *s, int *bad)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_products; i++) {
		const state_product *p = &s->products[i];
		json_t *j = product_json(p, bad);
		if (!j)
			break;
		put(j, "artifacts", artifacts_json(p, bad), bad);
		put(j, "association", json_boolean(p->association), bad);
		put(j, "constraints", constraints_json(p, bad), bad);
		push(a, j, bad);
	}
	if (!a)
		*bad = 1;
	return a;
}

static json_t *principals_json(const state_snapshot *s, int *bad)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_principals; i++)
		push(a,
		     json_pack("{s:s?, s:s?}", "arn", s->principals[i].arn, "type",
			       s->principals[i].type),
		     bad);
	if (!a)
		*bad = 1;
	return a;
}

static json_t *shares_json(const state_snapshot *s, int *bad)
{
	json_t *j = json_object(), *nodes = json_array();
	size_t i;

	if (!j || !nodes) {
		json_decref(j);
		json_decref(nodes);
		return *bad = 1, NULL;
	}
	for (i = 0; i < s->n_share_nodes; i++)
		push(nodes,
		     json_pack("{s:s?, s:s?}", "type", s->share_nodes[i].type, "value",
			       s->share_nodes[i].value),
		     bad);
	put(j, "accounts", kv_strs_to_json(&s->share_accounts), bad);
	put(j, "nodes", nodes, bad);
	return j;
}

static json_t *validation_json(const state_snapshot *s, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "template", jstr(s->validation.template), bad);
	put(j, "ok", json_boolean(s->validation.ok), bad);
	put(j, "error", jstr(s->validation.error), bad);
	return j;
}

static json_t *project_json(const state_project *p, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "name", jstr(p->name), bad);
	put(j, "present", json_boolean(p->present), bad);
	put(j, "status", jstr(p->status), bad);
	put(j, "product_id", jstr(p->product_id), bad);
	put(j, "artifact_id", jstr(p->artifact_id), bad);
	put(j, "pipeline", jdoc(p->pipeline), bad);
	return j;
}

/* The observation (what DescribeStacks and GetTemplate said). */
static json_t *stack_obs_json(const state_stack *st, int *bad)
{
	json_t *j = json_object();

	if (!j)
		return *bad = 1, NULL;
	put(j, "name", jstr(st->name), bad);
	put(j, "present", json_boolean(st->present), bad);
	put(j, "id", jstr(st->id), bad);
	put(j, "status", jstr(st->status), bad);
	put(j, "status_reason", jstr(st->status_reason), bad);
	put(j, "template_sha256", jstr(st->template_sha256), bad);
	put(j, "tags", kv_tags_to_json(&st->tags), bad);
	return j;
}

static json_t *stack_json(const state_stack *st, int *bad)
{
	json_t *j = stack_obs_json(st, bad), *pv, *ch;
	size_t i;

	if (!j || !st->previewed) {
		if (j)
			put(j, "preview", json_null(), bad);
		return j;
	}
	pv = json_object();
	ch = json_array();
	if (!pv || !ch) {
		json_decref(pv);
		json_decref(ch);
		json_decref(j);
		return *bad = 1, NULL;
	}
	for (i = 0; i < st->n_changes; i++) {
		const state_stack_change *c = &st->changes[i];
		json_t *o = json_object();
		if (o) {
			put(o, "action", jstr(c->action), bad);
			put(o, "logical_id", jstr(c->logical_id), bad);
			put(o, "resource_type", jstr(c->resource_type), bad);
			put(o, "replacement", jstr(c->replacement), bad);
			put(o, "targets", kv_strs_to_json(&c->targets), bad);
		}
		push(ch, o, bad);
	}
	put(pv, "no_changes", json_boolean(st->preview_no_changes), bad);
	put(pv, "error", jstr(st->preview_error), bad);
	put(pv, "changes", ch, bad);
	put(j, "preview", pv, bad);
	return j;
}

json_t *state_to_json(const state_snapshot *s)
{
	json_t *root = json_object(), *objs = json_array(), *roles = json_array(),
	       *projects = json_array();
	int bad = 0;
	size_t i;

	if (!root || !objs || !roles || !projects) {
		json_decref(root);
		json_decref(objs);
		json_decref(roles);
		json_decref(projects);
		return NULL;
	}
	put(root, "format", json_string(STATE_FORMAT), &bad);
	for (i = 0; i < s->n_objects; i++)
		push(objs, object_json(&s->objects[i], &bad), &bad);
	put(root, "objects", objs, &bad);
	for (i = 0; i < s->n_roles; i++)
		push(roles, role_json(&s->roles[i], &bad), &bad);
	put(root, "roles", roles, &bad);
	put(root, "portfolio", portfolio_json(&s->portfolio, &bad), &bad);
	put(root, "products", products_json(s, &bad), &bad);
	put(root, "principals", principals_json(s, &bad), &bad);
	put(root, "shares", shares_json(s, &bad), &bad);
	if (s->org_access)
		put(root, "org_access", jstr(s->org_access), &bad);
	put(root, "template_validation", validation_json(s, &bad), &bad);
	for (i = 0; i < s->n_projects; i++)
		push(projects, project_json(&s->projects[i], &bad), &bad);
	put(root, "projects", projects, &bad);
	if (s->n_stacks) {
		json_t *stacks = json_array();
		if (!stacks)
			bad = 1;
		for (i = 0; stacks && i < s->n_stacks; i++)
			push(stacks, stack_json(&s->stacks[i], &bad), &bad);
		put(root, "stacks", stacks, &bad);
	}
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- fingerprints ----------------------------------------------------- */

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

/* Free text from json_dumps with jansson's own allocator (tests may swap it). */
static void jfree(void *p)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	f(p);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Canonical text of `v` as an fcc-allocated string (fcc_free); NULL on ENOMEM. */
static char *dumps(const json_t *v)
{
	char *j = json_dumps(v, CANON_FLAGS), *copy;

	if (!j)
		return NULL;
	copy = fcc_strdup(j);
	jfree(j);
	return copy;
}

/* Canonical text of `v`; with `sorted`, a top-level array's elements are put in
 * byte order of their own canonical text, so a list fingerprints as a set.
 * Caller frees with fcc_free(); NULL on ENOMEM. */
static char *canon(const json_t *v, int sorted)
{
	char **parts = NULL, *text = NULL;
	size_t i, n, total = 3;
	fcc_buf b;

	if (!sorted || !json_is_array(v))
		return dumps(v);
	n = json_array_size(v);
	if (n && !(parts = fcc_calloc(n, sizeof *parts)))
		return NULL;
	for (i = 0; i < n; i++) {
		if (!(parts[i] = dumps(json_array_get(v, i))))
			goto out;
		total += strlen(parts[i]) + 1;
	}
	if (n)
		qsort(parts, n, sizeof *parts, cmp_cstr);
	fcc_buf_init(&b, total + 16);
	if (fcc_buf_putc(&b, '[') != FCC_OK)
		goto out_buf;
	for (i = 0; i < n; i++)
		if ((i && fcc_buf_putc(&b, ',') != FCC_OK) || fcc_buf_puts(&b, parts[i]) != FCC_OK)
			goto out_buf;
	if (fcc_buf_putc(&b, ']') != FCC_OK)
		goto out_buf;
	text = fcc_buf_take(&b, NULL);
out_buf:
	fcc_buf_dispose(&b);
out:
	for (i = 0; parts && i < n; i++)
		fcc_free(parts[i]);
	fcc_free(parts);
	return text;
}

static int add_obs(state_obs_list *l, const char *id, const json_t *body, int sorted)
{
	state_obs *o;
	char *text;
	int rc;

	if (!id || !body)
		return FCC_ENOMEM;
	if (!(text = canon(body, sorted)))
		return FCC_ENOMEM;
	o = grow((void **)&l->v, &l->n, sizeof *o);
	if (!o) {
		fcc_free(text);
		return FCC_ENOMEM;
	}
	rc = fcc_sha256_hex(o->fingerprint, text, strlen(text));
	fcc_free(text);
	if (rc == FCC_OK && !(o->id = fcc_strdup(id)))
		rc = FCC_ENOMEM;
	if (rc != FCC_OK)
		l->n--;
	return rc;
}

static int cmp_obs(const void *a, const void *b)
{
	return strcmp(((const state_obs *)a)->id, ((const state_obs *)b)->id);
}

static char *idf(fcc_buf *b, const char *fmt, const char *x, const char *y)
{
	fcc_buf_reset(b);
	if (fcc_buf_printf(b, fmt, x ? x : "", y ? y : "") != FCC_OK)
		return NULL;
	return (char *)fcc_buf_cstr(b);
}

/* The four observations of one product: its own fields (without what hangs
 * off it, so a new version does not make the product stale), its artifacts,
 * and, once a portfolio was looked up, the association and its constraints. */
static int product_obs(state_obs_list *out, fcc_buf *b, const char *pf, const state_product *p,
		       const json_t *pj)
{
	const char *pr = p->name;
	int bad = 0, rc;
	json_t *own = product_json(p, &bad);

	if (bad || !pj) {
		json_decref(own);
		return FCC_ENOMEM;
	}
	rc = add_obs(out, idf(b, "sc-product:%s%s", pr, ""), own, 0);
	json_decref(own);
	if (rc == FCC_OK)
		rc = add_obs(out, idf(b, "sc-artifacts:%s%s", pr, ""),
			     json_object_get(pj, "artifacts"), 1);
	if (rc == FCC_OK && pf)
		rc = add_obs(out, idf(b, "sc-association:%s/%s", pf, pr),
			     json_object_get(pj, "association"), 0);
	if (rc == FCC_OK && pf)
		rc = add_obs(out, idf(b, "sc-constraints:%s/%s", pf, pr),
			     json_object_get(pj, "constraints"), 1);
	return rc;
}

int state_observations(state_obs_list *out, const state_snapshot *s, fcc_err *e)
{
	json_t *root = state_to_json(s), *arr;
	const char *pf = s->portfolio.name;
	fcc_buf b;
	size_t i;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	fcc_buf_init(&b, 1 << 16);
	if (!root) {
		rc = FCC_ENOMEM;
		goto out;
	}
	arr = json_object_get(root, "objects");
	for (i = 0; rc == FCC_OK && i < s->n_objects; i++)
		rc = add_obs(out, idf(&b, "s3:%s/%s", s->objects[i].bucket, s->objects[i].key),
			     json_array_get(arr, i), 0);
	arr = json_object_get(root, "roles");
	for (i = 0; rc == FCC_OK && i < s->n_roles; i++) {
		/* attached policies are a set: fingerprint them sorted */
		json_t *r = json_deep_copy(json_array_get(arr, i)), *ap;
		char *t;
		if (!r) {
			rc = FCC_ENOMEM;
			break;
		}
		ap = json_object_get(r, "attached_policies");
		t = canon(ap, 1);
		if (!t || json_object_set_new(r, "attached_policies", json_string(t)) != 0)
			rc = FCC_ENOMEM;
		fcc_free(t);
		if (rc == FCC_OK)
			rc = add_obs(out, idf(&b, "iam-role:%s%s", s->roles[i].name, ""), r, 0);
		json_decref(r);
	}
	if (rc == FCC_OK && pf)
		rc = add_obs(out, idf(&b, "sc-portfolio:%s%s", pf, ""),
			     json_object_get(root, "portfolio"), 0);
	arr = json_object_get(root, "products");
	for (i = 0; rc == FCC_OK && i < s->n_products; i++)
		rc = product_obs(out, &b, pf, &s->products[i], json_array_get(arr, i));
	if (rc == FCC_OK && pf)
		rc = add_obs(out, idf(&b, "sc-principals:%s%s", pf, ""),
			     json_object_get(root, "principals"), 1);
	if (rc == FCC_OK && pf) {
		json_t *sh = json_deep_copy(json_object_get(root, "shares"));
		char *acc = sh ? canon(json_object_get(sh, "accounts"), 1) : NULL;
		char *nodes = sh ? canon(json_object_get(sh, "nodes"), 1) : NULL;
		if (!acc || !nodes || json_object_set_new(sh, "accounts", json_string(acc)) ||
		    json_object_set_new(sh, "nodes", json_string(nodes)))
			rc = FCC_ENOMEM;
		if (rc == FCC_OK)
			rc = add_obs(out, idf(&b, "sc-shares:%s%s", pf, ""), sh, 0);
		fcc_free(acc);
		fcc_free(nodes);
		json_decref(sh);
	}
	if (rc == FCC_OK && s->org_access)
		rc = add_obs(out, "sc-org-access", json_object_get(root, "org_access"), 0);
	if (rc == FCC_OK && s->validation.template)
		rc = add_obs(out, idf(&b, "cfn-validate:%s%s", s->validation.template, ""),
			     json_object_get(root, "template_validation"), 0);
	arr = json_object_get(root, "projects");
	for (i = 0; rc == FCC_OK && i < s->n_projects; i++)
		rc = add_obs(out, idf(&b, "sagemaker-project:%s%s", s->projects[i].name, ""),
			     json_array_get(arr, i), 0);
	for (i = 0; rc == FCC_OK && i < s->n_stacks; i++) {
		int bad = 0;
		json_t *o = stack_obs_json(&s->stacks[i], &bad);
		rc = bad ? FCC_ENOMEM
			 : add_obs(out, idf(&b, "cfn-stack:%s%s", s->stacks[i].name, ""), o, 0);
		json_decref(o);
	}
	if (rc == FCC_OK)
		qsort(out->v, out->n, sizeof *out->v, cmp_obs);
out:
	fcc_buf_dispose(&b);
	json_decref(root);
	if (rc != FCC_OK) {
		state_obs_list_dispose(out);
		return fcc_err_set(e, rc, "out of memory");
	}
	return FCC_OK;
}

void state_obs_list_dispose(state_obs_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		fcc_free(l->v[i].id);
	fcc_free(l->v);
	l->v = NULL;
	l->n = 0;
}
