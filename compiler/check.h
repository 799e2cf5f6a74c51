/*
 * check.h — rules → diagnostics, and the checked spec model.
 *
 * The checker merges the selected environment over the base, interpolates
 * ${...}, checks every key, type and domain rule (see spec/README.md), and
 * fills a spec_model. It keeps going after errors so one run reports them all.
 */
#ifndef FCC_CHECK_H
#define FCC_CHECK_H

#include "base/arena.h"
#include "base/source.h"
#include "diag.h"
#include "spec_ast.h"
#include "spec_model.h"

/* The most products `catalog.products` may list: fcc's documented limit,
 * at Service Catalog's default quota of products per portfolio. */
#define CHK_MAX_PRODUCTS 100

typedef struct chk_options {
	/* Environment to select. NULL checks the base and every environment
	 * (what `fcc check` does) and returns the base model. */
	const char *env;
	/* Directory that `data` paths are relative to (the spec's directory). */
	const char *spec_dir;
} chk_options;

/* Check `root` (loaded from `src`). Diagnostics go to `d`; the model and
 * everything it points to live in `arena`. Returns FCC_OK with *out set when
 * there were no errors, FCC_ECHECK when errors were reported (*out is NULL),
 * FCC_ENOMEM on allocation failure. */
int chk_spec(spec_model **out, const spec_node *root, const fcc_source *src, const chk_options *opt,
	     fcc_arena *arena, diag_sink *d);

/* Load and check the spec file at `path` in one call (the CLI's path):
 * *src_out receives the source (caller frees with fcc_source_free, after
 * rendering diagnostics). Returns as chk_spec, plus FCC_EPARSE when the YAML
 * did not load, or the load error of the file (FCC_ENOTFOUND, FCC_EIO; `e`
 * says why and no diagnostic is added). */
int chk_spec_file(spec_model **out, fcc_source **src_out, const char *path, const chk_options *opt,
		  fcc_arena *arena, diag_sink *d, fcc_err *e);

/* Levenshtein-based suggestion: the candidate closest to `word` when it is
 * close enough to be a likely typo, else NULL. `cands` is NULL-terminated. */
const char *chk_suggest(const char *word, const char *const *cands);

#endif
