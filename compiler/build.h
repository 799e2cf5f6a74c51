/*
 * build.h — `fcc build`: compile a checked spec into the build directory.
 *
 *   spec ─check→ spec_model ─emit→ seed files, pipeline.json, seed-code.zip,
 *   template, manifest ─→ build_result (all in memory) ─→ build_write()
 *
 * Everything is produced in memory first, so `fcc build --check` can compare
 * with what is on disk, and writing can be atomic: the new directory is
 * built beside the old one and swapped in with one rename. Output is
 * deterministic: no clock reads (zip times come from SOURCE_DATE_EPOCH or
 * 1980-01-01), sorted keys, no absolute paths.
 */
#ifndef FCC_BUILD_H
#define FCC_BUILD_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/source.h"
#include "diag.h"
#include "spec_model.h"

typedef struct build_options {
	const char *env;        /* environment to select, or NULL */
	const char *stdlib_dir; /* fcc's stdlib/ (stage scripts, seed files, image table) */
	int template_json;      /* write template.json instead of template.yaml */
	time_t epoch;           /* timestamp of zip entries (emit_zip_epoch()) */
} build_options;

typedef struct build_file {
	char *path; /* relative to the build directory, '/'-separated */
	unsigned char *data;
	size_t len;
	int executable;
	char sha256[65];
} build_file;

typedef struct build_result {
	build_file *files; /* sorted by path */
	size_t n, cap;
	const spec_model *model; /* lives in the arena given to build_compile */
	char *seed_key;          /* S3 key of seed-code.zip */
	char *template_key;      /* S3 key of the template */
	char *template_path;     /* "template.yaml" or "template.json" */
	size_t seed_files;       /* files in the seed repository */
} build_result;

void build_result_init(build_result *r);
void build_result_dispose(build_result *r);

/* Check the spec at `spec_path` and build every output in memory.
 * Diagnostics go to `d` (with spans into *src_out, which the caller frees
 * after printing them). Returns FCC_OK, FCC_ECHECK when the spec or the
 * generated template has errors (see `d`), FCC_ENOTFOUND/FCC_EIO for files
 * that cannot be read (message in `e`), FCC_ENOMEM. On failure `out` holds
 * nothing the caller needs beyond build_result_dispose(). */
int build_compile(build_result *out, fcc_source **src_out, const char *spec_path,
		  const build_options *opt, fcc_arena *arena, diag_sink *d, fcc_err *e);

/* Replace directory `dir` with the build's files, atomically: the files are
 * written into a fresh sibling directory, fsync'd, then exchanged with `dir`
 * in one renameat2(RENAME_EXCHANGE) (or renamed into place when `dir` does not
 * exist), and the old tree is removed. On any failure `dir` is untouched.
 * Returns FCC_OK or FCC_EIO/FCC_ENOMEM with the reason in `e`. */
int build_write(const build_result *r, const char *dir, fcc_err *e);

/* Compare the build with `dir` on disk: appends one line per differing path
 * to `report` ("changed: x", "missing: x", "extra: x") and sets *differs.
 * Returns FCC_OK or FCC_ENOMEM/FCC_EIO. */
int build_compare(const build_result *r, const char *dir, fcc_buf *report, int *differs,
		  fcc_err *e);

/* Add a file (copied) to `r`; replaces nothing: a second file with the same
 * path is FCC_ECONFLICT. Returns FCC_OK, FCC_ENOMEM. */
int build_add(build_result *r, const char *path, const void *data, size_t len, int executable,
	      fcc_err *e);

#endif
