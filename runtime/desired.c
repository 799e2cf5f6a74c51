/*
 * desired.c — build/manifest.json into a typed `desired` (see desired.h).
 *
 * The manifest is fcc's own output, but it sits in a directory users edit and
 * commit, so every field is checked and a wrong one is named by its path.
 */
#include "runtime/desired.h"

#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/source.h"

#define MANIFEST_MAX ((size_t)16 << 20)

static json_t *field(json_t *obj, const char *key, const char *parent, json_type want, int nullable,
		     fcc_err *e)
{
	static const char *names[] = {"an object", "an array",  "a string",  "an integer",
				      "a number",  "a boolean", "a boolean", "null"};
	json_t *v = json_object_get(obj, key);
	const char *sep = *parent ? "." : "";

	if (!v) {
		fcc_err_set(e, FCC_EPARSE, "manifest: %s%s%s: missing", parent, sep, key);
		return NULL;
	}
	if (nullable && json_is_null(v))
		return v;
	if (json_typeof(v) == want || (want == JSON_TRUE && json_is_boolean(v)))
		return v;
	fcc_err_set(e, FCC_EPARSE, "manifest: %s%s%s: expected %s", parent, sep, key, names[want]);
	return NULL;
}

/* Copy a string field (or NULL for a JSON null when `nullable`). */
static int str(char **out, json_t *obj, const char *key, const char *parent, int nullable,
	       fcc_err *e)
{
	json_t *v = field(obj, key, parent, JSON_STRING, nullable, e);

	*out = NULL;
	if (!v)
		return e ? e->code : FCC_EPARSE;
	if (json_is_null(v))
		return FCC_OK;
	*out = fcc_strdup(json_string_value(v));
	return *out ? FCC_OK : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}

static int strs(kv_strs *out, json_t *obj, const char *key, const char *parent, fcc_err *e)
{
	char path[256];
	json_t *v = field(obj, key, parent, JSON_ARRAY, 0, e);

	if (!v)
		return e ? e->code : FCC_EPARSE;
	snprintf(path, sizeof path, "manifest: %s.%s", parent, key);
	return kv_strs_from_json(out, v, path, e);
}

static int tags(kv_tags *out, json_t *obj, const char *key, const char *parent, fcc_err *e)
{
	char path[256];
	json_t *v = field(obj, key, parent, JSON_OBJECT, 0, e);

	if (!v)
		return e ? e->code : FCC_EPARSE;
	snprintf(path, sizeof path, "manifest: %s.%s", parent, key);
	return kv_tags_from_json(out, v, path, e);
}

static int sha(const char *s, const char *path, fcc_err *e)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (i != FCC_SHA256_HEX_LEN || s[i])
		return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected a hex sha256", path);
	return FCC_OK;
}

static int object(desired_object *o, json_t *it, const char *parent, int data, fcc_err *e)
{
	char path[300];
	json_t *size;
	int rc;

	if (!json_is_object(it))
		return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", parent);
	if (data)
		rc = (o->kind = fcc_strdup("data")) ? FCC_OK
						    : fcc_err_set(e, FCC_ENOMEM, "out of memory");
	else
		rc = str(&o->kind, it, "kind", parent, 0, e);
	if (rc == FCC_OK)
		rc = str(&o->path, it, data ? "file" : "path", parent, 0, e);
	if (rc == FCC_OK)
		rc = str(&o->key, it, "key", parent, 0, e);
	if (rc == FCC_OK)
		rc = str(&o->sha256, it, "sha256", parent, 0, e);
	if (rc != FCC_OK)
		return rc;
	snprintf(path, sizeof path, "%s.sha256", parent);
	if ((rc = sha(o->sha256, path, e)) != FCC_OK)
		return rc;
	if (!(size = field(it, "size", parent, JSON_INTEGER, 0, e)))
		return FCC_EPARSE;
	o->size = (long long)json_integer_value(size);
	return FCC_OK;
}

static const char *role_name(const char *role)
{
	const char *slash = strrchr(role, '/');

	return strncmp(role, "arn:", 4) == 0 && slash ? slash + 1 : role;
}

/* ---- stacks fcc owns (manifest stacks[], optional) ---- */

static int stack_name_ok(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return i <= 128;
}

/* stacks[]: absent in manifests of builds that own no stack. */
static int parse_stacks(desired *d, json_t *root, fcc_err *e)
{
	json_t *v = json_object_get(root, "stacks"), *it, *size;
	char path[64], sub[96];
	size_t i;
	int rc;

	if (!v)
		return FCC_OK;
	if (!json_is_array(v))
		return fcc_err_set(e, FCC_EPARSE, "manifest: stacks: expected an array");
	if (json_array_size(v) && !(d->stacks = fcc_calloc(json_array_size(v), sizeof *d->stacks)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		desired_stack *st = &d->stacks[i];
		snprintf(path, sizeof path, "stacks[%zu]", i);
		d->n_stacks++;
		if (!json_is_object(it))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", path);
		if ((rc = str(&st->name, it, "name", path, 0, e)) ||
		    (rc = str(&st->purpose, it, "purpose", path, 0, e)) ||
		    (rc = str(&st->template_path, it, "template_path", path, 0, e)) ||
		    (rc = str(&st->sha256, it, "sha256", path, 0, e)) ||
		    (rc = str(&st->bucket, it, "bucket", path, 0, e)) ||
		    (rc = tags(&st->tags, it, "tags", path, e)))
			return rc;
		snprintf(sub, sizeof sub, "%s.sha256", path);
		if ((rc = sha(st->sha256, sub, e)))
			return rc;
		if (!stack_name_ok(st->name))
			return fcc_err_set(e, FCC_EPARSE,
					   "manifest: %s.name: not a CloudFormation "
					   "stack name",
					   path);
		if (strcmp(st->purpose, DESIRED_STACK_ARTIFACTS) != 0)
			return fcc_err_set(e, FCC_EPARSE,
					   "manifest: %s.purpose: unknown purpose "
					   "'%s'",
					   path, st->purpose);
		if (strstr(st->template_path, "..") || st->template_path[0] == '/')
			return fcc_err_set(e, FCC_EPARSE,
					   "manifest: %s.template_path: must stay "
					   "inside the build directory",
					   path);
		if (!(size = field(it, "size", path, JSON_INTEGER, 0, e)))
			return FCC_EPARSE;
		st->size = (long long)json_integer_value(size);
	}
	return FCC_OK;
}

int desired_set_stack_body(desired *d, size_t i, const char *text, size_t len, fcc_err *e)
{
	char hex[FCC_SHA256_HEX_LEN + 1];
	desired_stack *st = &d->stacks[i];
	char *copy;
	int rc;

	if ((rc = fcc_sha256_hex(hex, text, len)) != FCC_OK)
		return fcc_err_set(e, rc, "out of memory");
	if (strcmp(hex, st->sha256) != 0)
		return fcc_err_set(
			e, FCC_ECONFLICT,
			"%s changed since the build (sha256 %.12s, manifest says %.12s); "
			"run fcc build again",
			st->template_path, hex, st->sha256);
	if (!(copy = fcc_malloc(len + 1)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	fcc_free(st->body);
	st->body = copy;
	st->body_len = len;
	return FCC_OK;
}

const desired_stack *desired_stack_of_purpose(const desired *d, const char *purpose)
{
	size_t i;

	for (i = 0; i < d->n_stacks; i++)
		if (strcmp(d->stacks[i].purpose, purpose) == 0)
			return &d->stacks[i];
	return NULL;
}

static int load_stacks(desired *d, const char *build_dir, fcc_err *e)
{
	fcc_source *src = NULL;
	char *path;
	size_t i, n;
	int rc = FCC_OK;

	for (i = 0; rc == FCC_OK && i < d->n_stacks; i++) {
		n = strlen(build_dir) + strlen(d->stacks[i].template_path) + 2;
		if (!(path = fcc_malloc(n)))
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		snprintf(path, n, "%s/%s", build_dir, d->stacks[i].template_path);
		if ((rc = fcc_source_load(&src, path, MANIFEST_MAX, e)) == FCC_OK)
			rc = desired_set_stack_body(d, i, src->data, src->len, e);
		fcc_source_free(src);
		src = NULL;
		fcc_free(path);
	}
	return rc;
}

/* catalog.products[]: at least one, names unique, one template for all. */
static int parse_products(desired *d, json_t *cat, fcc_err *e)
{
	json_t *v, *it, *ver;
	char path[64], vpath[96];
	size_t i, j;
	int rc;

	if (!(v = field(cat, "products", "catalog", JSON_ARRAY, 0, e)))
		return FCC_EPARSE;
	if (!json_array_size(v))
		return fcc_err_set(e, FCC_EPARSE,
				   "manifest: catalog.products: expected at least one product");
	if (!(d->products = fcc_calloc(json_array_size(v), sizeof *d->products)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		desired_product *p = &d->products[i];
		snprintf(path, sizeof path, "catalog.products[%zu]", i);
		snprintf(vpath, sizeof vpath, "%s.version", path);
		d->n_products++;
		if (!json_is_object(it))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", path);
		if ((rc = str(&p->name, it, "name", path, 0, e)) ||
		    (rc = str(&p->owner, it, "owner", path, 0, e)) ||
		    (rc = str(&p->description, it, "description", path, 0, e)) ||
		    (rc = str(&p->distributor, it, "distributor", path, 1, e)) ||
		    (rc = str(&p->support_email, it, "support_email", path, 1, e)) ||
		    (rc = str(&p->support_url, it, "support_url", path, 1, e)) ||
		    (rc = tags(&p->tags, it, "tags", path, e)))
			return rc;
		if (!(ver = field(it, "version", path, JSON_OBJECT, 0, e)))
			return FCC_EPARSE;
		if ((rc = str(&p->version.name, ver, "name", vpath, 0, e)) ||
		    (rc = str(&p->version.template_key, ver, "template_key", vpath, 0, e)) ||
		    (rc = str(&p->version.template_path, ver, "template_path", vpath, 0, e)) ||
		    (rc = str(&p->version.template_sha256, ver, "template_sha256", vpath, 0, e)))
			return rc;
		snprintf(vpath, sizeof vpath, "%s.version.template_sha256", path);
		if ((rc = sha(p->version.template_sha256, vpath, e)))
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(d->products[j].name, p->name) == 0)
				return fcc_err_set(e, FCC_EPARSE,
						   "manifest: %s.name: \"%s\" is listed twice",
						   path, p->name);
		/* a build compiles one template; fcc plans one ValidateTemplate */
		if (i &&
		    (strcmp(p->version.template_key, d->products[0].version.template_key) ||
		     strcmp(p->version.template_path, d->products[0].version.template_path) ||
		     strcmp(p->version.template_sha256, d->products[0].version.template_sha256)))
			return fcc_err_set(e, FCC_EPARSE,
					   "manifest: %s.version: every product of a build uses "
					   "its one template (catalog.products[0].version)",
					   path);
	}
	return FCC_OK;
}

const desired_product *desired_product_named(const desired *d, const char *name)
{
	size_t i;

	for (i = 0; name && i < d->n_products; i++)
		if (strcmp(d->products[i].name, name) == 0)
			return &d->products[i];
	return NULL;
}

static int parse(desired *d, json_t *root, fcc_err *e)
{
	json_t *v, *art, *cat, *it, *sub;
	size_t i, nart, ndata;
	char path[64];
	int rc;

	if (!json_is_object(root))
		return fcc_err_set(e, FCC_EPARSE, "manifest: expected a JSON object");
	if (!(v = field(root, "format", "", JSON_STRING, 0, e)))
		return FCC_EPARSE;
	if (strcmp(json_string_value(v), DESIRED_FORMAT) != 0)
		return fcc_err_set(e, FCC_EPARSE,
				   "manifest: format: unknown format \"%s\" (this fcc reads %s)",
				   json_string_value(v), DESIRED_FORMAT);
	if ((rc = str(&d->environment, root, "environment", "", 1, e)) ||
	    (rc = str(&d->spec_sha256, root, "spec_sha256", "", 0, e)) ||
	    (rc = sha(d->spec_sha256, "spec_sha256", e)))
		return rc;
	if (!(v = field(root, "project", "", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if ((rc = str(&d->project, v, "name", "project", 0, e)) ||
	    (rc = str(&d->project_description, v, "description", "project", 0, e)) ||
	    (rc = str(&d->region, v, "region", "project", 0, e)) ||
	    (rc = tags(&d->project_tags, v, "tags", "project", e)))
		return rc;

	if (!(art = field(root, "artifacts", "", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if ((rc = str(&d->bucket, art, "bucket", "artifacts", 0, e)) ||
	    (rc = str(&d->prefix, art, "prefix", "artifacts", 0, e)))
		return rc;
	if (!(v = field(art, "objects", "artifacts", JSON_ARRAY, 0, e)) ||
	    !(sub = field(root, "data", "", JSON_ARRAY, 0, e)))
		return FCC_EPARSE;
	nart = json_array_size(v);
	ndata = json_array_size(sub);
	if (nart + ndata && !(d->objects = fcc_calloc(nart + ndata, sizeof *d->objects)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		snprintf(path, sizeof path, "artifacts.objects[%zu]", i);
		d->n_objects++;
		if ((rc = object(&d->objects[i], it, path, 0, e)))
			return rc;
		if (strcmp(d->objects[i].kind, "seed-code") &&
		    strcmp(d->objects[i].kind, "template"))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s.kind: unknown kind \"%s\"",
					   path, d->objects[i].kind);
	}
	json_array_foreach(sub, i, it) {
		snprintf(path, sizeof path, "data[%zu]", i);
		d->n_objects++;
		if ((rc = object(&d->objects[nart + i], it, path, 1, e)))
			return rc;
	}
	if (!desired_object_of_kind(d, "seed-code") || !desired_object_of_kind(d, "template"))
		return fcc_err_set(
			e, FCC_EPARSE,
			"manifest: artifacts.objects: needs a seed-code and a template object");

	if (!(v = field(root, "iam", "", JSON_OBJECT, 0, e)) ||
	    !(v = field(v, "roles", "iam", JSON_ARRAY, 0, e)))
		return FCC_EPARSE;
	if (json_array_size(v) && !(d->roles = fcc_calloc(json_array_size(v), sizeof *d->roles)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		desired_role *r = &d->roles[i];
		snprintf(path, sizeof path, "iam.roles[%zu]", i);
		d->n_roles++;
		if (!json_is_object(it))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", path);
		if ((rc = str(&r->role, it, "role", path, 0, e)) ||
		    (rc = strs(&r->attach_policies, it, "attach_policies", path, e)) ||
		    (rc = strs(&r->trust_services, it, "trust_services", path, e)))
			return rc;
		if (!(r->name = fcc_strdup(role_name(r->role))))
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}

	if (!(cat = field(root, "catalog", "", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if (!(v = field(cat, "portfolio", "catalog", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if ((rc = str(&d->portfolio.name, v, "name", "catalog.portfolio", 0, e)) ||
	    (rc = str(&d->portfolio.owner, v, "owner", "catalog.portfolio", 0, e)) ||
	    (rc = str(&d->portfolio.description, v, "description", "catalog.portfolio", 0, e)))
		return rc;
	if ((rc = parse_products(d, cat, e)))
		return rc;
	if ((rc = str(&d->launch_role, cat, "launch_role", "catalog", 0, e)))
		return rc;
	if (!(v = field(cat, "principals", "catalog", JSON_ARRAY, 0, e)))
		return FCC_EPARSE;
	if (json_array_size(v) &&
	    !(d->principals = fcc_calloc(json_array_size(v), sizeof *d->principals)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		snprintf(path, sizeof path, "catalog.principals[%zu]", i);
		d->n_principals++;
		if (!json_is_object(it))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", path);
		if ((rc = str(&d->principals[i].arn, it, "arn", path, 0, e)) ||
		    (rc = str(&d->principals[i].type, it, "type", path, 0, e)))
			return rc;
	}
	if (!(v = field(cat, "shares", "catalog", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if ((rc = strs(&d->share_accounts, v, "accounts", "catalog.shares", e)) ||
	    (rc = str(&d->share_organization, v, "organization", "catalog.shares", 1, e)) ||
	    (rc = strs(&d->share_ous, v, "organizational_units", "catalog.shares", e)))
		return rc;
	if (!(v = field(cat, "studio_visibility", "catalog", JSON_TRUE, 0, e)))
		return FCC_EPARSE;
	d->studio_visibility = json_is_true(v);

	if (!(v = field(root, "pipeline", "", JSON_OBJECT, 0, e)))
		return FCC_EPARSE;
	if ((rc = str(&d->pipeline.module, v, "module", "pipeline", 0, e)) ||
	    (rc = str(&d->pipeline.branch, v, "branch", "pipeline", 0, e)) ||
	    (rc = str(&d->pipeline.definition_path, v, "definition_path", "pipeline", 0, e)) ||
	    (rc = str(&d->pipeline.definition_sha256, v, "definition_sha256", "pipeline", 0, e)) ||
	    (rc = sha(d->pipeline.definition_sha256, "pipeline.definition_sha256", e)) ||
	    (rc = str(&d->pipeline.train_data, v, "train_data", "pipeline", 0, e)))
		return rc;
	if (!(sub = field(v, "horizon", "pipeline", JSON_INTEGER, 0, e)))
		return FCC_EPARSE;
	d->pipeline.horizon = (long long)json_integer_value(sub);

	if (!(v = field(root, "instances", "", JSON_ARRAY, 0, e)))
		return FCC_EPARSE;
	if (json_array_size(v) &&
	    !(d->instances = fcc_calloc(json_array_size(v), sizeof *d->instances)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	json_array_foreach(v, i, it) {
		desired_instance *in = &d->instances[i];
		snprintf(path, sizeof path, "instances[%zu]", i);
		d->n_instances++;
		if (!json_is_object(it))
			return fcc_err_set(e, FCC_EPARSE, "manifest: %s: expected an object", path);
		if ((rc = str(&in->name, it, "name", path, 0, e)) ||
		    (rc = str(&in->description, it, "description", path, 0, e)) ||
		    (rc = tags(&in->tags, it, "tags", path, e)) ||
		    (rc = str(&in->product, it, "product", path, 0, e)))
			return rc;
		if (!desired_product_named(d, in->product))
			return fcc_err_set(e, FCC_EPARSE,
					   "manifest: %s.product: no product named \"%s\" in "
					   "catalog.products",
					   path, in->product);
	}
	return parse_stacks(d, root, e);
}

int desired_from_json(desired *out, const char *text, size_t len, fcc_err *e)
{
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = fcc_sha256_hex(out->manifest_sha256, text, len)) != FCC_OK)
		return fcc_err_set(e, rc, "out of memory");
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fcc_err_set(e, FCC_EPARSE, "manifest: line %d: %s", je.line, je.text);
	rc = parse(out, root, e);
	json_decref(root);
	if (rc != FCC_OK)
		desired_dispose(out);
	return rc;
}

int desired_set_pipeline(desired *d, const char *text, size_t len, fcc_err *e)
{
	char hex[FCC_SHA256_HEX_LEN + 1];
	json_error_t je;
	json_t *def;
	int rc;

	if ((rc = fcc_sha256_hex(hex, text, len)) != FCC_OK)
		return fcc_err_set(e, rc, "out of memory");
	if (strcmp(hex, d->pipeline.definition_sha256) != 0)
		return fcc_err_set(
			e, FCC_ECONFLICT,
			"%s changed since the build (sha256 %.12s, manifest says %.12s); "
			"run fcc build again",
			d->pipeline.definition_path, hex, d->pipeline.definition_sha256);
	def = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!def)
		return fcc_err_set(
			e,
			json_error_code(&je) == json_error_out_of_memory ? FCC_ENOMEM : FCC_EPARSE,
			"%s: line %d: %s", d->pipeline.definition_path, je.line, je.text);
	if (!json_is_object(def)) {
		json_decref(def);
		return fcc_err_set(e, FCC_EPARSE, "%s: expected a JSON object",
				   d->pipeline.definition_path);
	}
	json_decref(d->pipeline.definition);
	d->pipeline.definition = def;
	return FCC_OK;
}

int desired_load(desired *out, const char *build_dir, fcc_err *e)
{
	fcc_source *src = NULL;
	char *path = NULL;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	n = strlen(build_dir) + 64;
	if (!(path = fcc_malloc(n)))
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	snprintf(path, n, "%s/manifest.json", build_dir);
	if ((rc = fcc_source_load(&src, path, MANIFEST_MAX, e)) != FCC_OK)
		goto out;
	if ((rc = desired_from_json(out, src->data, src->len, e)) != FCC_OK)
		goto out;
	fcc_source_free(src);
	src = NULL;
	if (strstr(out->pipeline.definition_path, "..") ||
	    out->pipeline.definition_path[0] == '/') {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "manifest: pipeline.definition_path: must stay "
				 "inside the build directory");
		goto out;
	}
	fcc_free(path);
	n = strlen(build_dir) + strlen(out->pipeline.definition_path) + 2;
	if (!(path = fcc_malloc(n))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(path, n, "%s/%s", build_dir, out->pipeline.definition_path);
	if ((rc = fcc_source_load(&src, path, MANIFEST_MAX, e)) != FCC_OK)
		goto out;
	if ((rc = desired_set_pipeline(out, src->data, src->len, e)) == FCC_OK)
		rc = load_stacks(out, build_dir, e);
out:
	if (rc != FCC_OK)
		desired_dispose(out);
	fcc_source_free(src);
	fcc_free(path);
	return rc;
}

const desired_object *desired_object_of_kind(const desired *d, const char *kind)
{
	size_t i;

	for (i = 0; i < d->n_objects; i++)
		if (d->objects[i].kind && strcmp(d->objects[i].kind, kind) == 0)
			return &d->objects[i];
	return NULL;
}

void desired_dispose(desired *d)
{
	size_t i;

	if (!d)
		return;
	fcc_free(d->environment);
	fcc_free(d->spec_sha256);
	fcc_free(d->project);
	fcc_free(d->project_description);
	fcc_free(d->region);
	kv_tags_dispose(&d->project_tags);
	fcc_free(d->bucket);
	fcc_free(d->prefix);
	for (i = 0; i < d->n_objects; i++) {
		fcc_free(d->objects[i].kind);
		fcc_free(d->objects[i].path);
		fcc_free(d->objects[i].key);
		fcc_free(d->objects[i].sha256);
	}
	fcc_free(d->objects);
	for (i = 0; i < d->n_roles; i++) {
		fcc_free(d->roles[i].role);
		fcc_free(d->roles[i].name);
		kv_strs_dispose(&d->roles[i].attach_policies);
		kv_strs_dispose(&d->roles[i].trust_services);
	}
	fcc_free(d->roles);
	fcc_free(d->portfolio.name);
	fcc_free(d->portfolio.owner);
	fcc_free(d->portfolio.description);
	for (i = 0; i < d->n_products; i++) {
		desired_product *p = &d->products[i];
		fcc_free(p->name);
		fcc_free(p->owner);
		fcc_free(p->description);
		fcc_free(p->distributor);
		fcc_free(p->support_email);
		fcc_free(p->support_url);
		kv_tags_dispose(&p->tags);
		fcc_free(p->version.name);
		fcc_free(p->version.template_key);
		fcc_free(p->version.template_path);
		fcc_free(p->version.template_sha256);
	}
	fcc_free(d->products);
	fcc_free(d->launch_role);
	for (i = 0; i < d->n_principals; i++) {
		fcc_free(d->principals[i].arn);
		fcc_free(d->principals[i].type);
	}
	fcc_free(d->principals);
	kv_strs_dispose(&d->share_accounts);
	fcc_free(d->share_organization);
	kv_strs_dispose(&d->share_ous);
	fcc_free(d->pipeline.module);
	fcc_free(d->pipeline.branch);
	fcc_free(d->pipeline.definition_path);
	fcc_free(d->pipeline.definition_sha256);
	fcc_free(d->pipeline.train_data);
	json_decref(d->pipeline.definition);
	for (i = 0; i < d->n_instances; i++) {
		fcc_free(d->instances[i].name);
		fcc_free(d->instances[i].description);
		kv_tags_dispose(&d->instances[i].tags);
		fcc_free(d->instances[i].product);
	}
	fcc_free(d->instances);
	for (i = 0; i < d->n_stacks; i++) {
		fcc_free(d->stacks[i].name);
		fcc_free(d->stacks[i].purpose);
		fcc_free(d->stacks[i].template_path);
		fcc_free(d->stacks[i].sha256);
		fcc_free(d->stacks[i].bucket);
		fcc_free(d->stacks[i].body);
		kv_tags_dispose(&d->stacks[i].tags);
	}
	fcc_free(d->stacks);
	memset(d, 0, sizeof *d);
}
