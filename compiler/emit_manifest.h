/*
 * emit_manifest.h — manifest.json: the desired state the runtime reconciles.
 *
 * Every artifact with its sha256, size and S3 key; data uploads; IAM
 * patches; the Service Catalog portfolio, its products (each with its
 * version and tags), launch constraint, principals and shares; the pipeline definition; project
 * instances. The format is documented in spec/manifest.md. Keys are sorted
 * and the output is deterministic.
 */
#ifndef FCC_EMIT_MANIFEST_H
#define FCC_EMIT_MANIFEST_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "build.h"
#include "spec_model.h"

/* 2: catalog.products (a list, each with its version) replaced
 * catalog.product and catalog.version; instances name their product. */
#define EMIT_MANIFEST_FORMAT "fcc-manifest/2"

typedef struct emit_manifest_data {
	const char *file; /* as written in the spec */
	const char *key;  /* relative to artifacts.prefix */
	char sha256[65];
	size_t size;
} emit_manifest_data;

typedef struct emit_manifest_input {
	const spec_model *model;
	const build_file *files; /* every build output but the manifest, sorted */
	size_t nfiles;
	const char *seed_key, *template_key, *template_path;
	const emit_manifest_data *data;
	size_t ndata;
	const char *env;
	char spec_sha256[65];
} emit_manifest_input;

/* Render the manifest into `out`. Returns FCC_OK or FCC_ENOMEM. */
int emit_manifest(fcc_buf *out, const emit_manifest_input *in, fcc_err *e);

#endif
