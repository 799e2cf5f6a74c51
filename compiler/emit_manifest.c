/*
 * emit_manifest.c — manifest.json with jansson (see emit_manifest.h).
 *
 * Built with the *_new reference-stealing setters; a NULL from any
 * constructor poisons its parent (jansson's setters fail and free the value
 * on a NULL argument), so one check of the root at the end catches every
 * allocation failure. Arrays are the exception — a failed append leaves the
 * array whole, one entry short — so every append goes through push(), which
 * drops the array instead.
 */
#include "emit_manifest.h"

#include <jansson.h>
#include <string.h>

#include "base/alloc.h"
#include "emit_stack.h"

/* Append `v` to *a (stolen); on failure *a becomes NULL, which poisons its
 * parent like any failed constructor. NULL *a: `v` is freed. */
static void push(json_t **a, json_t *v)
{
	if (!*a) {
		json_decref(v);
		return;
	}
	if (json_array_append_new(*a, v)) {
		json_decref(*a);
		*a = NULL;
	}
}

static json_t *str_or_null(const spec_str *s)
{
	return s->s ? json_string(s->s) : json_null();
}

static json_t *strings(const spec_str *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		push(&a, json_string(v[i].s));
	return a;
}

static json_t *tags(const spec_tag *t, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < n; i++)
		if (json_object_set_new(o, t[i].key.s, json_string(t[i].value.s))) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static const build_file *find(const emit_manifest_input *in, const char *path)
{
	size_t i;

	for (i = 0; i < in->nfiles; i++)
		if (strcmp(in->files[i].path, path) == 0)
			return &in->files[i];
	return NULL;
}

static json_t *object_entry(const char *kind, const build_file *f, const char *key)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", kind, "path", f->path, "key", key,
			 "sha256", f->sha256, "size", (json_int_t)f->len);
}

/* One element of catalog.products: the product, its tags and its version.
 * Every product gets the same tags (the project's and fcc's own) and a
 * version of the one template all products share in this format. */
static json_t *product(const emit_manifest_input *in, const build_file *tmpl, const spec_product *p)
{
	const spec_model *m = in->model;
	json_t *product_tags = tags(m->project.tags, m->project.ntags);
	char version[160];

	/* fcc's own tags: ownership, and Studio's switch for organization templates */
	if (product_tags &&
	    (json_object_set_new(product_tags, "fcc:project", json_string(m->project.name.s)) ||
	     json_object_set_new(product_tags, "fcc:spec-sha256", json_string(in->spec_sha256)) ||
	     (m->catalog.studio_visibility &&
	      json_object_set_new(product_tags, "sagemaker:studio-visibility",
				  json_string("true"))))) {
		json_decref(product_tags);
		product_tags = NULL;
	}
	/* One provisioning artifact per template, and Service Catalog refuses two
	 * with one name: the spec's version plus which template it is. */
	snprintf(version, sizeof version, "%s+%.8s", p->version.s, tmpl->sha256);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s}}", "name",
			 p->name.s, "owner", p->owner.s, "description", p->description.s,
			 "distributor", str_or_null(&p->distributor), "support_email",
			 str_or_null(&p->support_email), "support_url",
			 str_or_null(&p->support_url), "tags", product_tags, "version", "name",
			 version, "template_key", in->template_key, "template_path", tmpl->path,
			 "template_sha256", tmpl->sha256);
}

static json_t *catalog(const emit_manifest_input *in, const build_file *tmpl)
{
	const spec_model *m = in->model;
	json_t *principals = json_array();
	json_t *products = json_array();
	json_t *shares;
	size_t i;

	for (i = 0; principals && i < m->catalog.nprincipals; i++) {
		const char *arn = m->catalog.principals[i].s;
		push(&principals, json_pack("{s:s, s:s}", "arn", arn, "type",
					    strchr(arn, '*') ? "IAM_PATTERN" : "IAM"));
	}
	/* in spec order: the runtime creates them in this order */
	for (i = 0; products && i < m->catalog.nproducts; i++)
		push(&products, product(in, tmpl, &m->catalog.products[i]));
	shares = json_pack("{s:o, s:o, s:o}", "accounts",
			   strings(m->catalog.share_accounts, m->catalog.nshare_accounts),
			   "organization", str_or_null(&m->catalog.share_org),
			   "organizational_units",
			   strings(m->catalog.share_ous, m->catalog.nshare_ous));
	return json_pack("{s:{s:s, s:s, s:s}, s:o, s:s, s:o, s:o, s:b}", "portfolio", "name",
			 m->catalog.portfolio.name.s, "owner", m->catalog.portfolio.owner.s,
			 "description", m->catalog.portfolio.description.s, "products", products,
			 "launch_role", m->catalog.launch_role.s, "principals", principals,
			 "shares", shares, "studio_visibility", m->catalog.studio_visibility);
}

/* The stacks fcc owns (emit_stack.h): an empty array when it owns none. */
static json_t *stacks(const emit_manifest_input *in)
{
	const spec_model *m = in->model;
	const build_file *f = find(in, EMIT_STACK_ARTIFACTS_PATH);
	json_t *a = json_array(), *t;
	char name[EMIT_STACK_NAME_MAX + 64];

	if (!a || !m->artifacts.create_bucket || !f)
		return a;
	emit_stack_artifacts_name(name, sizeof name, m->project.name.s, in->env);
	/* stack-level tags: CloudFormation copies them onto every resource */
	t = tags(m->project.tags, m->project.ntags);
	if (t && json_object_set_new(t, "fcc:project", json_string(m->project.name.s))) {
		json_decref(t); /* a stack without its ownership tag is no stack */
		t = NULL;
	}
	push(&a,
	     json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s}", "name", name, "purpose",
		       EMIT_STACK_ARTIFACTS_PURPOSE, "template_path", f->path, "sha256", f->sha256,
		       "size", (json_int_t)f->len, "tags", t, "bucket", m->artifacts.bucket.s));
	return a;
}

int emit_manifest(fcc_buf *out, const emit_manifest_input *in, fcc_err *e)
{
	const spec_model *m = in->model;
	const build_file *zip = find(in, "seed-code.zip");
	const build_file *tmpl = find(in, in->template_path);
	const build_file *def;
	json_t *root = NULL, *objects, *data, *roles, *instances, *files;
	char defpath[512];
	char *text = NULL;
	size_t i;
	int rc = FCC_OK;

	snprintf(defpath, sizeof defpath, "seed-code/pipelines/%s/pipeline.json",
		 m->pipeline.module.s);
	def = find(in, defpath);
	if (!zip || !tmpl || !def)
		return fcc_err_set(e, FCC_ERROR, "manifest: build outputs missing");

	objects = json_pack("[o, o]", object_entry("seed-code", zip, in->seed_key),
			    object_entry("template", tmpl, in->template_key));
	data = json_array();
	for (i = 0; data && i < in->ndata; i++) {
		char *key = fcc_malloc(strlen(m->artifacts.prefix.s) + strlen(in->data[i].key) + 2);
		if (!key) {
			json_decref(data);
			data = NULL;
			break;
		}
		sprintf(key, "%s/%s", m->artifacts.prefix.s, in->data[i].key);
		push(&data,
		     json_pack("{s:s, s:s, s:s, s:I}", "file", in->data[i].file, "key", key,
			       "sha256", in->data[i].sha256, "size", (json_int_t)in->data[i].size));
		fcc_free(key);
	}
	roles = json_array();
	for (i = 0; roles && i < m->nroles; i++)
		push(&roles,
		     json_pack("{s:s, s:o, s:o}", "role", m->roles[i].name.s, "attach_policies",
			       strings(m->roles[i].policies, m->roles[i].npolicies),
			       "trust_services",
			       strings(m->roles[i].services, m->roles[i].nservices)));
	instances = json_array();
	for (i = 0; instances && i < m->ninstances; i++)
		push(&instances, json_pack("{s:s, s:s, s:s, s:o}", "name", m->instances[i].name.s,
					   "description", m->instances[i].description.s, "product",
					   m->instances[i].product.s, "tags",
					   tags(m->instances[i].tags, m->instances[i].ntags)));
	files = json_array();
	for (i = 0; files && i < in->nfiles; i++)
		push(&files, json_pack("{s:s, s:s, s:I}", "path", in->files[i].path, "sha256",
				       in->files[i].sha256, "size", (json_int_t)in->files[i].len));

	root = json_pack(
		"{s:s, s:o, s:s, s:{s:s, s:s, s:s, s:o}, s:{s:s, s:s, s:o}, s:o, s:{s:o}, s:o,"
		" s:{s:s, s:s, s:s, s:s, s:s, s:I}, s:o, s:o}",
		"format", EMIT_MANIFEST_FORMAT, "environment",
		in->env ? json_string(in->env) : json_null(), "spec_sha256", in->spec_sha256,
		"project", "name", m->project.name.s, "description", m->project.description.s,
		"region", m->project.region.s, "tags", tags(m->project.tags, m->project.ntags),
		"artifacts", "bucket", m->artifacts.bucket.s, "prefix", m->artifacts.prefix.s,
		"objects", objects, "data", data, "iam", "roles", roles, "catalog",
		catalog(in, tmpl), "pipeline", "module", m->pipeline.module.s, "branch",
		m->pipeline.branch.s, "definition_path", def->path, "definition_sha256",
		def->sha256, "train_data", m->pipeline.train_data.s, "horizon",
		(json_int_t)m->pipeline.horizon, "instances", instances, "files", files);
	/* only when fcc owns a stack: manifests without one stay as they were */
	if (root && m->artifacts.create_bucket &&
	    json_object_set_new(root, "stacks", stacks(in)) != 0) {
		json_decref(root);
		root = NULL;
	}
	if (!root)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text || fcc_buf_puts(out, text) || fcc_buf_putc(out, '\n'))
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
	free(text);
	return rc;
}
