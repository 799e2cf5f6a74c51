/*
 * fuzz_spec.c — libFuzzer harness for the spec loader and checker.
 *
 * Any byte string goes through the whole front end: UTF-8 check, libyaml
 * events, limits, environments, interpolation and every rule. A finding is a
 * crash, a sanitizer report, a leak, or a return code outside the contract.
 * `make fuzz` runs it with clang; `make check` replays the corpus through
 * replay_main.c so gcc builds exercise it too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "compiler/base/arena.h"
#include "compiler/base/err.h"
#include "compiler/check.h"
#include "compiler/diag.h"
#include "compiler/spec_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fcc_source *src = NULL;
	fcc_arena arena;
	diag_sink d;
	spec_node *root = NULL;
	spec_model *m = NULL;
	chk_options opt = {0};
	fcc_buf out;
	fcc_err e;
	int rc;

	if (fcc_source_from_mem(&src, "fuzz.spec", (const char *)data, size, &e))
		return 0;
	fcc_arena_init(&arena);
	diag_init(&d);
	/* A directory with no data files in it: paths are checked, never read. */
	opt.spec_dir = "/nonexistent-fcc-fuzz";
	rc = spec_load(&root, src, &arena, &d);
	if (rc != FCC_OK && rc != FCC_EPARSE && rc != FCC_ENOMEM)
		abort();
	if (rc == FCC_OK) {
		rc = chk_spec(&m, root, src, &opt, &arena, &d);
		if (rc != FCC_OK && rc != FCC_ECHECK && rc != FCC_ENOMEM)
			abort();
		if (rc == FCC_OK && !m)
			abort();
	}
	/* Rendering touches every span: they must all lie inside the source. */
	diag_sort(&d);
	fcc_buf_init(&out, 0);
	diag_render(&d, DIAG_FORMAT_TEXT, 1, &out);
	diag_render(&d, DIAG_FORMAT_JSON, 0, &out);
	fcc_buf_dispose(&out);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	return 0;
}
