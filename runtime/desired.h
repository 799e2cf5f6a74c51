/*
 * desired.h — the desired state: build/manifest.json (format fcc-manifest/2,
 * spec/manifest.md) read into typed fields, plus the compiled pipeline
 * definition it points at.
 *
 * Runtime layer: the diff (diff.h) compares this with a state snapshot
 * (state.h). The runtime never re-reads the spec; the manifest is all it
 * knows of what the user asked for.
 */
#ifndef FCC_DESIRED_H
#define FCC_DESIRED_H

#include <jansson.h>
#include <stddef.h>

#include "compiler/base/err.h"
#include "compiler/base/hash.h"
#include "runtime/kv.h"

#define DESIRED_FORMAT "fcc-manifest/2"

/* An S3 object fcc uploads: the seed zip, the template or a data file. */
typedef struct desired_object {
	char *kind;   /* "seed-code", "template" or "data" */
	char *path;   /* in the build directory; for data, the file as the spec names it */
	char *key;    /* full S3 key in desired.bucket */
	char *sha256; /* hex */
	long long size;
} desired_object;

typedef struct desired_role {
	char *role; /* as the spec wrote it: a name or an ARN */
	char *name; /* the role name (the last path segment of an ARN) */
	kv_strs attach_policies;
	kv_strs trust_services;
} desired_role;

typedef struct desired_principal {
	char *arn;
	char *type; /* "IAM" or "IAM_PATTERN" */
} desired_principal;

/* One Service Catalog product (manifest catalog.products[]) and the
 * provisioning artifact its template becomes. Every product of a build uses
 * the build's one template (desired_from_json checks). */
typedef struct desired_product {
	char *name, *owner, *description;
	char *distributor, *support_email, *support_url; /* NULL when unset */
	kv_tags tags;
	struct {
		char *name, *template_key, *template_path, *template_sha256;
	} version;
} desired_product;

typedef struct desired_instance {
	char *name;
	char *description;
	kv_tags tags;
	char *product; /* the name of the product it is created from */
} desired_instance;

/* A CloudFormation stack fcc owns (manifest stacks[]): today only the
 * artifacts bucket's, when the spec says artifacts.create_bucket. */
typedef struct desired_stack {
	char *name;          /* the stack name, fcc-<project>[-<env>]-artifacts */
	char *purpose;       /* "artifacts-bucket" */
	char *template_path; /* in the build directory */
	char *sha256;        /* of the template's bytes */
	long long size;
	kv_tags tags; /* stack-level tags */
	char *bucket; /* the bucket the stack holds (purpose artifacts-bucket) */
	char *body;   /* the template's bytes, NUL-terminated; NULL until loaded */
	size_t body_len;
} desired_stack;

#define DESIRED_STACK_ARTIFACTS "artifacts-bucket"

typedef struct desired {
	char manifest_sha256[FCC_SHA256_HEX_LEN + 1]; /* of the manifest's bytes */
	char *environment;                            /* NULL for the default build */
	char *spec_sha256;
	char *project;
	char *project_description;
	char *region;
	kv_tags project_tags;
	char *bucket;
	char *prefix;
	desired_object *objects; /* artifacts.objects[] then data[], manifest order */
	size_t n_objects;
	desired_role *roles;
	size_t n_roles;
	struct {
		char *name, *owner, *description;
	} portfolio;
	desired_product *products; /* manifest order; at least one, names unique */
	size_t n_products;
	char *launch_role; /* name or ARN */
	desired_principal *principals;
	size_t n_principals;
	kv_strs share_accounts;
	char *share_organization; /* NULL when unset */
	kv_strs share_ous;
	int studio_visibility;
	struct {
		char *module, *branch, *definition_path, *definition_sha256, *train_data;
		long long horizon;
		json_t *definition; /* the compiled pipeline.json; NULL until loaded */
	} pipeline;
	desired_instance *instances;
	size_t n_instances;
	desired_stack *stacks; /* manifest stacks[]; none when the key is absent */
	size_t n_stacks;
} desired;

/* Parse the manifest text into `out` (storage provided by the caller, any
 * previous contents ignored). Pure: the pipeline definition is not read
 * (see desired_set_pipeline). Returns FCC_OK; FCC_EPARSE for text that is not
 * JSON, an unknown `format` or a missing / mistyped field (the message names
 * the field, e.g. "manifest: catalog.product.tags: expected an object of
 * strings"); FCC_ENOMEM. On failure `out` holds nothing to dispose (it is
 * disposed). */
int desired_from_json(desired *out, const char *text, size_t len, fcc_err *e);

/* Attach the compiled pipeline definition `text` (the bytes of pipeline.json).
 * Its sha256 must equal pipeline.definition_sha256, else FCC_ECONFLICT
 * ("pipeline.json changed since the build"); FCC_EPARSE when it is not a JSON
 * object; FCC_ENOMEM. On failure `d` is unchanged. */
int desired_set_pipeline(desired *d, const char *text, size_t len, fcc_err *e);

/* Read `build_dir`/manifest.json and the pipeline definition it names
 * (relative to build_dir). I/O wrapper over the two calls above;
 * FCC_ENOTFOUND when a file does not exist, FCC_EIO when it cannot be read,
 * otherwise their codes. On failure `out` holds nothing
 * to dispose. */
int desired_load(desired *out, const char *build_dir, fcc_err *e);

/* Attach the template bytes of stacks[i] (copied). Their sha256 must equal
 * the manifest's, else FCC_ECONFLICT ("... changed since the build");
 * FCC_ENOMEM. On failure the stack is unchanged. desired_load does this for
 * every stack. */
int desired_set_stack_body(desired *d, size_t i, const char *text, size_t len, fcc_err *e);

/* The stack of `purpose` (e.g. DESIRED_STACK_ARTIFACTS), borrowed, or NULL. */
const desired_stack *desired_stack_of_purpose(const desired *d, const char *purpose);

/* The product named `name`, borrowed, or NULL. */
const desired_product *desired_product_named(const desired *d, const char *name);

/* Free everything `d` owns; NULL and a zeroed struct are fine. */
void desired_dispose(desired *d);

/* The desired object with this kind ("seed-code", "template"), borrowed, or
 * NULL. */
const desired_object *desired_object_of_kind(const desired *d, const char *kind);

#endif
