/*
 * spec_model.h — the checked spec: typed values with their spans.
 *
 * check.c produces it from the AST after environments are merged and ${...}
 * interpolated. Every value keeps the span of the text it came from, so
 * later stages (lowering, build-time checks) can still point into the spec.
 * Everything lives in the compilation's arena.
 */
#ifndef FCC_SPEC_MODEL_H
#define FCC_SPEC_MODEL_H

#include <stddef.h>

#include "base/source.h"
#include "spec_ast.h"

typedef struct spec_str {
	const char *s; /* interpolated value; NULL when absent and no default */
	fcc_span span; /* where it was written (src NULL for defaults) */
} spec_str;

typedef struct spec_tag {
	spec_str key, value;
} spec_tag;

typedef struct spec_data {
	spec_str file; /* as written, relative to the spec's directory */
	char *path;    /* resolved path fcc reads (relative to the cwd) */
	spec_str key;  /* S3 key relative to artifacts.prefix */
	int allow_outside;
} spec_data;

typedef struct spec_extra_file {
	spec_str file; /* as written, relative to the spec's directory */
	char *path;    /* resolved path fcc reads */
	spec_str dest; /* path inside the seed repository */
} spec_extra_file;

typedef struct spec_role {
	spec_str name; /* role name or role ARN */
	spec_str *policies;
	size_t npolicies;
	spec_str *services;
	size_t nservices;
} spec_role;

typedef struct spec_attr {
	spec_str name, type;
} spec_attr;

typedef struct spec_schema {
	spec_attr *attrs;
	size_t n;
	int present;
} spec_schema;

/* A Service Catalog product. `catalog.product` (a map) and `catalog.products`
 * (a list) both become an array of these, in spec order. */
typedef struct spec_product {
	spec_str name, owner, description, distributor, support_email, support_url, version;
} spec_product;

typedef struct spec_instance {
	spec_str name, description;
	/* The product's name: as written, or the catalog's only product (span
	 * src NULL) when the instance names none. */
	spec_str product;
	spec_tag *tags;
	size_t ntags;
} spec_instance;

typedef struct spec_model {
	const char *env; /* selected environment, NULL for the base */
	struct {
		spec_str name, description, region;
		spec_tag *tags;
		size_t ntags;
	} project;
	struct {
		spec_str bucket, prefix;
		int create_bucket; /* fcc owns a CloudFormation stack holding the bucket */
	} artifacts;
	spec_data *data;
	size_t ndata;
	spec_role *roles;
	size_t nroles;
	struct {
		spec_str module, branch, train_data, frequency, algorithm, timestamp_format;
		long horizon, backtest_windows;
		spec_str metric;
		double max_score;
		spec_schema target, related, metadata;
		spec_str processing_instance, training_instance;
		long processing_count;
		spec_extra_file *extra_files;
		size_t nextra_files;
	} pipeline;
	struct {
		struct {
			spec_str name, owner, description;
		} portfolio;
		/* 1..CHK_MAX_PRODUCTS entries; every name distinct */
		spec_product *products;
		size_t nproducts;
		spec_str launch_role;
		spec_str *principals;
		size_t nprincipals;
		int studio_visibility;
		spec_str *share_accounts;
		size_t nshare_accounts;
		spec_str share_org;
		spec_str *share_ous;
		size_t nshare_ous;
	} catalog;
	spec_instance *instances;
	size_t ninstances;
	/* The `template` section with ${var.NAME} replaced; NULL when absent.
	 * CloudFormation's own ${...} and tags are kept for the emitter. */
	const spec_node *template_;
} spec_model;

#endif
