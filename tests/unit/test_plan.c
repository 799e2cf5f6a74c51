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

START_TEST(test_plan_json_round_trip)
{
	plan p, q;
	json_t *a, *b;
	fcc_err e = {0};

	pf_plan(&p, "seed-changed", NULL);
	a = plan_to_json(&p);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(plan_from_json(&q, a, &e), FCC_OK);
	b = plan_to_json(&q);
	ck_assert_int_eq(json_equal(a, b), 1);
	json_decref(b);
	plan_dispose(&q);
	json_object_set_new(json_array_get(json_object_get(a, "steps"), 0), "action",
			    json_string("obliterate"));
	ck_assert_int_eq(plan_from_json(&q, a, &e), FCC_EPARSE);
	ck_assert_str_eq(e.msg, "plan: steps[0].action: unknown action \"obliterate\"");
	json_decref(a);
	plan_dispose(&p);
}
END_TEST

static char *temp_path(const char *name)
{
	char *p = tu_write_temp(name, "", 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(test_plan_file_round_trip)
{
	desired d;
	state_snapshot s;
	plan p, q;
	plan_stale_report r;
	fcc_err e = {0};
	char *path = temp_path("plan.json"), *x, *y;
	size_t i;

	pf_load(&d, &s, "trust-removed");
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_save(&p, path, &e), FCC_OK);
	ck_assert_msg(plan_load(&q, path, &e) == FCC_OK, "%s", e.msg);
	x = render(&p, 0, 0);
	y = render(&q, 0, 0);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	ck_assert_str_eq(q.manifest_sha256, d.manifest_sha256);
	ck_assert_uint_eq(q.observations.n, p.observations.n);
	for (i = 0; i < q.observations.n; i++) {
		ck_assert_str_eq(q.observations.v[i].id, p.observations.v[i].id);
		ck_assert_str_eq(q.observations.v[i].fingerprint, p.observations.v[i].fingerprint);
	}
	/* the loaded plan checks against the snapshot it came from: fresh */
	ck_assert_int_eq(plan_stale(&r, &q, &s, &e), FCC_OK);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_int_eq(plan_has_changes(&q), 1);
	plan_dispose(&p);
	plan_dispose(&q);
	desired_dispose(&d);
	state_dispose(&s);
	unlink(path);
	free(path);
}
END_TEST

static int load_text(const char *text, fcc_err *e)
{
	plan q;
	int rc = plan_file_loads(&q, text, strlen(text), e);
	if (rc == FCC_OK)
		plan_dispose(&q);
	return rc;
}

START_TEST(test_plan_file_corrupt)
{
	plan p, q;
	fcc_err e = {0};
	char *text, *at, *path;

	pf_plan(&p, "tag-changed", NULL);
	text = plan_file_dumps(&p);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(load_text(text, &e), FCC_OK);

	/* truncated */
	text[strlen(text) / 2] = '\0';
	ck_assert_int_eq(load_text(text, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "plan file: not valid JSON"));
	fcc_free(text);

	/* edited by hand: still JSON, but the checksum no longer matches */
	text = plan_file_dumps(&p);
	at = strstr(text, "\"update\"");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "\"create\"", 8);
	ck_assert_int_eq(load_text(text, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "checksum mismatch"));
	fcc_free(text);

	ck_assert_int_eq(load_text("{\"format\":\"fcc-planfile/9\"}", &e), FCC_EPARSE);
	ck_assert_str_eq(e.msg, "plan file: format: expected \"fcc-planfile/1\"");
	ck_assert_int_eq(load_text("{\"format\":\"fcc-planfile/1\"}", &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "plan file: corrupt"));

	/* a file that is not there, and garbage on disk (named in the error) */
	ck_assert_int_eq(plan_load(&q, "/nonexistent-dir/plan.json", &e), FCC_ENOTFOUND);
	path = tu_write_temp("plan.json", "\x00\x01garbage", 9);
	ck_assert_int_eq(plan_load(&q, path, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	ck_assert_ptr_nonnull(strstr(e.msg, "plan file"));
	unlink(path);
	free(path);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_plan_stale)
{
	desired d;
	state_snapshot empty, in_place, tagged;
	plan p;
	plan_stale_report r;
	fcc_err e = {0};
	size_t i;
	int seen_object = 0, seen_portfolio = 0;

	pf_load(&d, &empty, "empty-account");
	desired_dispose(&d);
	pf_load(&d, &tagged, "tag-changed");
	desired_dispose(&d);
	pf_load(&d, &in_place, "in-place");

	/* made against an empty account: stale once everything exists */
	ck_assert_int_eq(diff_compute(&p, &d, &empty, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_stale(&r, &p, &in_place, &e), FCC_OK);
	ck_assert_uint_gt(r.n, 0);
	for (i = 0; i < r.n; i++) {
		ck_assert_str_eq(r.v[i].what, "changed");
		seen_object |=
			strcmp(r.v[i].id, "s3:sagemaker-us-east-1-111122223333/forecast-mlops/"
					  "data/train.csv") == 0;
		seen_portfolio |=
			strcmp(r.v[i].id, "sc-portfolio:SageMaker Organization Templates") == 0;
	}
	ck_assert_int_eq(seen_object, 1);
	ck_assert_int_eq(seen_portfolio, 1);
	plan_stale_report_dispose(&r);
	/* against the same (empty) account: fresh */
	ck_assert_int_eq(plan_stale(&r, &p, &empty, &e), FCC_OK);
	ck_assert_uint_eq(r.n, 0);
	plan_dispose(&p);

	/* one tag changed by hand since the plan: exactly that observation */
	ck_assert_int_eq(diff_compute(&p, &d, &in_place, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_stale(&r, &p, &tagged, &e), FCC_OK);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.v[0].id, "sc-product:forecast-mlops-template");
	ck_assert_str_eq(r.v[0].what, "changed");
	plan_stale_report_dispose(&r);

	/* a project deleted from the snapshot is no longer observed */
	in_place.n_projects = 0;
	ck_assert_int_eq(plan_stale(&r, &p, &in_place, &e), FCC_OK);
	in_place.n_projects = 1;
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.v[0].id, "sagemaker-project:forecast-dev");
	ck_assert_str_eq(r.v[0].what, "no longer observed");
	plan_stale_report_dispose(&r);
	plan_dispose(&p);
	state_dispose(&empty);
	state_dispose(&tagged);
	state_dispose(&in_place);
	desired_dispose(&d);
}
END_TEST

/* A plan far over GitHub's limit: the comment stays under it, the summary
 * (marker line, counts, security table) is whole, and a note says details
 * were left out. */
START_TEST(test_plan_markdown_truncation)
{
	plan p;
	fcc_buf b;
	fcc_err e = {0};
	char addr[64], path[64], *md, want[128];
	size_t i, j;

	plan_init(&p);
	p.project = fcc_strdup("big");
	p.spec_sha256 = fcc_strdup("0123");
	for (i = 0; i < 600; i++) {
		plan_step *s;
		snprintf(addr, sizeof addr, "s3://bucket/key-%04zu", i);
		s = plan_add_step(&p, "s3-object", addr, NULL, i % 2 ? PLAN_CREATE : PLAN_UPDATE);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(plan_step_reason(s, "reason %zu", i), FCC_OK);
		if (i == 599)
			ck_assert_int_eq(plan_step_access(s, "shares the last one"), FCC_OK);
		for (j = 0; j < 10; j++) {
			json_t *v = json_string("a value that takes some room in a table cell");
			snprintf(path, sizeof path, "field_%zu", j);
			ck_assert_int_eq(plan_step_change(s, path, NULL, v), FCC_OK);
			json_decref(v);
		}
	}
	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	ck_assert_int_eq(plan_render_markdown(&b, &p, PLAN_MARKDOWN_LIMIT, &e), FCC_OK);
	md = b.data;
	ck_assert_uint_lt(b.len, PLAN_MARKDOWN_LIMIT);
	ck_assert_int_eq(strncmp(md, "<!-- fcc-plan: big/default -->\n", 31), 0);
	ck_assert_ptr_nonnull(strstr(md, "| create | 300 |"));
	ck_assert_ptr_nonnull(strstr(md, "| update | 300 |"));
	ck_assert_ptr_nonnull(strstr(md, "| `s3://bucket/key-0599` | `shares the last one` |"));
	ck_assert_ptr_nonnull(strstr(md, "<details>"));
	snprintf(want, sizeof want, "were left out to keep this comment under %d characters",
		 PLAN_MARKDOWN_LIMIT);
	ck_assert_ptr_nonnull(strstr(md, want));
	/* whole <details> blocks only, the note after the last one */
	ck_assert_ptr_nonnull(strstr(strstr(md, "</details>"), "> **Note:**"));
	{
		size_t open = 0, close = 0;
		const char *q;
		for (q = md; (q = strstr(q, "<details>")); q++)
			open++;
		for (q = md; (q = strstr(q, "</details>")); q++)
			close++;
		ck_assert_uint_eq(open, close);
		ck_assert_uint_lt(open, 600);
	}
	fcc_buf_dispose(&b);

	/* a small plan is never cut */
	plan_dispose(&p);
	pf_plan(&p, "empty-account", NULL);
	fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
	ck_assert_int_eq(plan_render_markdown(&b, &p, PLAN_MARKDOWN_LIMIT, &e), FCC_OK);
	ck_assert_ptr_null(strstr(b.data, "> **Note:**"));
	fcc_buf_dispose(&b);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_plan_detailed_exitcode)
{
	plan p;

	pf_plan(&p, "in-place", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	plan_dispose(&p);
	pf_plan(&p, "extra-principal", NULL); /* reported drift alone is not a change */
	ck_assert_int_eq(plan_has_changes(&p), 0);
	plan_dispose(&p);
	pf_plan(&p, "tag-changed", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 1);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_plan_text_color)
{
	plan p;
	char *plain, *color;

	pf_plan(&p, "trust-removed", NULL);
	plain = render(&p, 1, 0);
	color = render(&p, 1, 1);
	ck_assert_ptr_null(strchr(plain, '\033'));
	ck_assert_ptr_nonnull(strstr(color, "\033[33m  ~ update"));
	ck_assert_ptr_nonnull(
		strstr(color, "\033[32m+      \"Sid\": \"FccTrustedServices\"\033[0m"));
	free(plain);
	free(color);
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
	TCase *core = tcase_create("core");

	tcase_add_loop_test(sc, test_plan_scenarios, 0, n);
	tcase_add_test(core, test_plan_json_round_trip);
	tcase_add_test(core, test_plan_file_round_trip);
	tcase_add_test(core, test_plan_file_corrupt);
	tcase_add_test(core, test_plan_stale);
	tcase_add_test(core, test_plan_markdown_truncation);
	tcase_add_test(core, test_plan_detailed_exitcode);
	tcase_add_test(core, test_plan_text_color);
	suite_add_tcase(s, sc);
	suite_add_tcase(s, core);
	return s;
}
