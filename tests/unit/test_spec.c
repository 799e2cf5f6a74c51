/*
 * test_spec.c — the spec loader and checker against the case files under
 * tests/specs/: every bad case's rendered diagnostics must equal its .diag
 * file byte for byte (file, line, column, message, caret line), every good
 * case must check clean. Plus limits (size, depth, aliases, UTF-8), products
 * and an out-of-memory sweep over whole checks of two good specs.
 *
 * A case may start with a line "# args: --env NAME" to select an environment.
 * `make golden-update` rewrites the .diag files for review.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/arena.h"
#include "compiler/check.h"
#include "compiler/diag.h"
#include "compiler/spec_load.h"
#include "testutil.h"

#define MAX_CASES 256

static char *bad_cases[MAX_CASES];
static size_t nbad;
static char *good_cases[MAX_CASES];
static size_t ngood;

static size_t list_cases(const char *dir, char **out)
{
	return tu_list_cases(dir, ".spec", out, MAX_CASES);
}

/* Check case `name` in directory `dir` (relative to the repo); returns the
 * rendered text diagnostics (malloc'd) and the check's return code. */
static char *run_case(const char *dir, const char *name, int *rc_out)
{
	char cwd[4096], spec[512], env[128] = "";
	char *text, *args;
	fcc_arena arena;
	diag_sink d;
	fcc_source *src = NULL;
	spec_model *m = NULL;
	chk_options opt = {0};
	fcc_buf out;
	fcc_err e;
	int rc;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path(dir)), 0);
	snprintf(spec, sizeof spec, "%s.spec", name);
	text = tu_read(spec, NULL);
	ck_assert_ptr_nonnull(text);
	if ((args = strstr(text, "# args: --env ")) == text)
		sscanf(args + 14, "%127s", env);
	free(text);
	if (env[0])
		opt.env = env;

	fcc_arena_init(&arena);
	diag_init(&d);
	fcc_err_clear(&e);
	rc = chk_spec_file(&m, &src, spec, &opt, &arena, &d, &e);
	diag_sort(&d);
	fcc_buf_init(&out, 0);
	ck_assert_int_eq(diag_render(&d, DIAG_FORMAT_TEXT, 0, &out), 0);
	if (rc && d.n == 0)
		fcc_buf_printf(&out, "fcc: error: %s\n", e.msg);
	text = strdup(fcc_buf_cstr(&out));
	fcc_buf_dispose(&out);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	ck_assert_int_eq(chdir(cwd), 0);
	*rc_out = rc;
	return text;
}

START_TEST(test_spec_bad_case)
{
	const char *name = bad_cases[_i];
	char path[512];
	char *got, *want;
	int rc;

	got = run_case("tests/specs/bad", name, &rc);
	snprintf(path, sizeof path, "tests/specs/bad/%s.diag", name);
	want = tu_read(tu_path(path), NULL);
	if (getenv("FCC_GOLDEN_UPDATE")) {
		FILE *f = fopen(tu_path(path), "wb");
		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
	} else {
		ck_assert_msg(want != NULL, "%s: missing expected file %s", name, path);
		ck_assert_msg(strcmp(got, want) == 0,
			      "%s: diagnostics differ\n--- expected\n%s--- got\n%s", name, want,
			      got);
	}
	ck_assert_msg(rc != 0, "%s: a bad case must fail the check", name);
	ck_assert_msg(strstr(got, ": error: ") != NULL, "%s: no error reported", name);
	free(got);
	free(want);
}
END_TEST

START_TEST(test_spec_good_case)
{
	const char *name = good_cases[_i];
	char *got;
	int rc;

	got = run_case("tests/specs/good", name, &rc);
	ck_assert_msg(rc == 0, "%s: expected a clean check, got:\n%s", name, got);
	ck_assert_msg(strstr(got, "error") == NULL, "%s: unexpected output:\n%s", name, got);
	free(got);
}
END_TEST

START_TEST(test_spec_cases_present)
{
	/* The acceptance bar: at least 40 bad cases, and good ones. */
	ck_assert_uint_ge(nbad, 40);
	ck_assert_uint_ge(ngood, 3);
}
END_TEST

/* Load `text` as a spec; returns the load's code and the first message. */
static int load_text(const char *text, size_t len, char *msg, size_t msgsz)
{
	fcc_source *src;
	fcc_arena arena;
	diag_sink d;
	spec_node *root;
	fcc_err e;
	int rc;

	ck_assert_int_eq(fcc_source_from_mem(&src, "t.spec", text, len, &e), 0);
	fcc_arena_init(&arena);
	diag_init(&d);
	rc = spec_load(&root, src, &arena, &d);
	snprintf(msg, msgsz, "%s", d.n ? d.items[0].msg : "");
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	return rc;
}

START_TEST(test_spec_billion_laughs)
{
	/* 10 levels of 10 aliases each: 10^10 nodes if expanded */
	char text[4096], msg[256];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text + n, sizeof text - n,
			      "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 10; i++)
		n += (size_t)snprintf(
			text + n, sizeof text - n,
			"a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	ck_assert_int_eq(load_text(text, n, msg, sizeof msg), FCC_EPARSE);
	ck_assert_str_eq(msg, "aliases expand the spec past the 1000000-node limit");
}
END_TEST

START_TEST(test_spec_depth_limit)
{
	char text[1024], msg[256];
	size_t i;

	for (i = 0; i < 200; i++)
		text[i] = '[';
	text[i] = '\0';
	ck_assert_int_eq(load_text(text, i, msg, sizeof msg), FCC_EPARSE);
	ck_assert_str_eq(msg, "spec nests deeper than 64 levels");
}
END_TEST

START_TEST(test_spec_size_limit)
{
	size_t big = FCC_SOURCE_MAX_DEFAULT + 10;
	char *data = malloc(big);
	char *path;
	fcc_source *src = NULL;
	fcc_err e;

	ck_assert_ptr_nonnull(data);
	memset(data, '#', big);
	path = tu_write_temp("big.spec", data, big);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(fcc_source_load(&src, path, FCC_SOURCE_MAX_DEFAULT, &e), FCC_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than the 4194304-byte limit"));
	unlink(path);
	free(path);
	free(data);
}
END_TEST

START_TEST(test_spec_suggest)
{
	static const char *const keys[] = {"name", "description", "region", "tags", NULL};

	ck_assert_str_eq(chk_suggest("nmae", keys), "name");
	ck_assert_str_eq(chk_suggest("regoin", keys), "region");
	ck_assert_str_eq(chk_suggest("descripton", keys), "description");
	ck_assert_ptr_null(chk_suggest("zzzz", keys));
	ck_assert_ptr_null(chk_suggest("x", keys));
}
END_TEST

/* Fail the Nth allocation for every N across a full check of the example:
 * each run must end in success or FCC_ENOMEM, never a crash or a leak
 * (LeakSanitizer checks the latter under make check-asan). */
START_TEST(test_spec_oom_sweep)
{
	static const char *const files[] = {"workshop.spec", "products.spec"};
	char cwd[4096];
	size_t f;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path("tests/specs/good")), 0);
	for (f = 0; f < sizeof files / sizeof *files; f++) {
		long n;
		int fired = 1, saw_oom = 0;

		for (n = 1; fired && n < 100000; n++) {
			fcc_arena arena;
			diag_sink d;
			fcc_source *src = NULL;
			spec_model *m = NULL;
			fcc_err e;
			int rc;

			fcc_arena_init(&arena);
			diag_init(&d);
			fcc_alloc_fail_after(n, 0);
			rc = chk_spec_file(&m, &src, files[f], NULL, &arena, &d, &e);
			fired = fcc_alloc_failed();
			fcc_alloc_fail_after(0, 0);
			if (fired) {
				ck_assert_msg(rc == FCC_ENOMEM || rc == FCC_OK || rc == FCC_ECHECK,
					      "%s, allocation %ld: unexpected code %d", files[f], n,
					      rc);
				saw_oom |= rc == FCC_ENOMEM;
			} else {
				ck_assert_int_eq(rc, FCC_OK);
			}
			diag_dispose(&d);
			fcc_arena_dispose(&arena);
			fcc_source_free(src);
		}
		ck_assert(saw_oom);
		ck_assert_int_gt(n, 10);
	}
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* A spec of tests/specs/good (the working directory) checked, and what
 * holds its model. */
typedef struct loaded {
	fcc_arena arena;
	diag_sink d;
	fcc_source *src;
	spec_model *m;
} loaded;

/* Check `file` for environment `env` (NULL: the base); it must pass. */
static spec_model *load_good(loaded *l, const char *file, const char *env)
{
	chk_options opt = {0};
	fcc_err e;

	memset(l, 0, sizeof *l);
	fcc_arena_init(&l->arena);
	diag_init(&l->d);
	opt.env = env;
	ck_assert_int_eq(chk_spec_file(&l->m, &l->src, file, &opt, &l->arena, &l->d, &e), 0);
	return l->m;
}

static void unload(loaded *l)
{
	fcc_source_free(l->src);
	fcc_arena_dispose(&l->arena);
	diag_dispose(&l->d);
}

START_TEST(test_spec_env_merge)
{
	char cwd[4096];
	loaded l;
	const spec_model *m;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path("tests/specs/good")), 0);
	m = load_good(&l, "workshop.spec", "prod");
	ck_assert_str_eq(m->env, "prod");
	/* vars overlay reaches interpolated strings */
	ck_assert_str_eq(m->artifacts.bucket.s, "sagemaker-us-east-1-444455556666");
	ck_assert_uint_eq(m->catalog.nshare_accounts, 1);
	ck_assert_str_eq(m->catalog.share_accounts[0].s, "777788889999");
	ck_assert_uint_eq(m->ninstances, 0);
	/* untouched sections keep the base */
	ck_assert_str_eq(m->pipeline.algorithm.s, "NPTS");
	ck_assert_int_eq(m->pipeline.horizon, 24);
	unload(&l);

	m = load_good(&l, "workshop.spec", NULL);
	ck_assert_ptr_null(m->env);
	ck_assert_str_eq(m->artifacts.bucket.s, "sagemaker-us-east-1-111122223333");
	ck_assert_uint_eq(m->ninstances, 1);
	ck_assert_str_eq(m->pipeline.branch.s, "main");
	ck_assert_str_eq(m->pipeline.timestamp_format.s, "yyyy-MM-dd HH:mm:ss");
	ck_assert_uint_eq(m->pipeline.target.n, 3);
	ck_assert_uint_eq(m->pipeline.related.n, 3);
	ck_assert_uint_eq(m->ndata, 1);
	ck_assert_str_eq(m->data[0].key.s, "data/train.csv");
	ck_assert_ptr_nonnull(m->template_);
	unload(&l);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* Find scalar `key` under map `n`. */
static const char *tmpl_str(const spec_node *n, const char *const *path)
{
	for (; *path; path++) {
		spec_pair *p = spec_map_get(n, *path);
		if (!p)
			return NULL;
		n = p->value;
	}
	return n->kind == SPEC_SCALAR ? n->str : NULL;
}

START_TEST(test_spec_interpolation)
{
	static const char *const topic[] = {"resources", "Alerts", "Properties", "TopicName", NULL};
	char cwd[4096];
	loaded l;
	const spec_model *m;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path("tests/specs/good")), 0);
	m = load_good(&l, "everything.spec", NULL);
	/* vars referencing vars, numbers used as text */
	ck_assert_str_eq(m->artifacts.bucket.s, "forecasting-artifacts-123456789012");
	/* $${ is a literal ${ outside template */
	ck_assert_str_eq(m->project.description.s, "Literal ${HOME} is kept as text");
	/* aliases share the anchored tags */
	ck_assert_uint_eq(m->instances[0].ntags, 2);
	ck_assert_str_eq(m->instances[0].tags[0].value.s, "forecasting");
	/* in template only ${var.NAME} is fcc's; CloudFormation's ${...} stays */
	ck_assert_str_eq(tmpl_str(m->template_, topic),
			 "forecasting-${SageMakerProjectName}-alerts");
	ck_assert_int_eq(m->catalog.studio_visibility, 0);
	ck_assert_uint_eq(m->catalog.nprincipals, 2);
	ck_assert_str_eq(m->catalog.launch_role.s, "arn:aws:iam::123456789012:role/LaunchRole");
	ck_assert_str_eq(m->pipeline.metric.s, "MASE");
	ck_assert_int_eq(m->pipeline.processing_count, 2);
	ck_assert_str_eq(m->data[1].key.s, "input/copy.csv");
	unload(&l);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* catalog.products: spec order, interpolation, instances' products; the
 * singular form as a list of one with instances defaulting to it; an
 * environment's products replacing the base list. */
START_TEST(test_spec_products)
{
	char cwd[4096];
	loaded l;
	const spec_model *m;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path("tests/specs/good")), 0);
	m = load_good(&l, "products.spec", NULL);
	ck_assert_uint_eq(m->catalog.nproducts, 3);
	ck_assert_str_eq(m->catalog.products[0].name.s, "multi-forecast");
	ck_assert_str_eq(m->catalog.products[1].name.s, "multi-forecast-gpu");
	ck_assert_str_eq(m->catalog.products[2].name.s, "multi-batch");
	/* ${...} in the new keys */
	ck_assert_str_eq(m->catalog.products[0].owner.s, "ML Platform Team");
	ck_assert_str_eq(m->catalog.products[0].version.s, "2.1");
	ck_assert_str_eq(m->catalog.products[0].description.s, "Forecast model building");
	ck_assert_ptr_null(m->catalog.products[0].support_email.s);
	ck_assert_str_eq(m->catalog.products[1].support_email.s, "ml-platform@example.com");
	ck_assert_str_eq(m->catalog.products[1].distributor.s, "Data Science Guild");
	ck_assert_str_eq(m->catalog.products[2].owner.s, "Data Team");
	ck_assert_str_eq(m->catalog.products[2].description.s, "");
	ck_assert_uint_eq(m->ninstances, 2);
	ck_assert_str_eq(m->instances[0].product.s, "multi-forecast-gpu");
	ck_assert_ptr_nonnull(m->instances[0].product.span.src); /* written */
	ck_assert_str_eq(m->instances[1].product.s, "multi-batch");
	unload(&l);

	m = load_good(&l, "products.spec", "prod");
	ck_assert_uint_eq(m->catalog.nproducts, 1);
	ck_assert_str_eq(m->catalog.products[0].name.s, "multi-forecast");
	ck_assert_str_eq(m->catalog.products[0].version.s, "3.0");
	/* the overlay's list replaced the base one: its entry has no description */
	ck_assert_str_eq(m->catalog.products[0].description.s, "");
	ck_assert_uint_eq(m->ninstances, 1);
	ck_assert_str_eq(m->instances[0].product.s, "multi-forecast");
	ck_assert_ptr_null(m->instances[0].product.span.src); /* defaulted */
	unload(&l);

	m = load_good(&l, "workshop.spec", NULL);
	ck_assert_uint_eq(m->catalog.nproducts, 1);
	ck_assert_str_eq(m->catalog.products[0].version.s, "1.0");
	ck_assert_uint_eq(m->ninstances, 1);
	ck_assert_str_eq(m->instances[0].product.s, m->catalog.products[0].name.s);
	ck_assert_ptr_null(m->instances[0].product.span.src);
	unload(&l);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

Suite *suite_spec(void)
{
	Suite *s = suite_create("spec");
	TCase *cases = tcase_create("cases");
	TCase *core = tcase_create("core");

	nbad = list_cases("tests/specs/bad", bad_cases);
	ngood = list_cases("tests/specs/good", good_cases);
	tcase_add_test(cases, test_spec_cases_present);
	tcase_add_loop_test(cases, test_spec_bad_case, 0, (int)nbad);
	tcase_add_loop_test(cases, test_spec_good_case, 0, (int)ngood);
	tcase_add_test(core, test_spec_billion_laughs);
	tcase_add_test(core, test_spec_depth_limit);
	tcase_add_test(core, test_spec_size_limit);
	tcase_add_test(core, test_spec_suggest);
	tcase_add_test(core, test_spec_env_merge);
	tcase_add_test(core, test_spec_interpolation);
	tcase_add_test(core, test_spec_products);
	tcase_add_test(core, test_spec_oom_sweep);
	tcase_set_timeout(core, 120);
	suite_add_tcase(s, cases);
	suite_add_tcase(s, core);
	return s;
}
