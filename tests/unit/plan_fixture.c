/*
 * plan_fixture.c — see plan_fixture.h.
 */
#include "plan_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

const char *const pf_scenarios[] = {"empty-account",
				    "in-place",
				    "trust-removed",
				    "seed-changed",
				    "tag-changed",
				    "extra-principal",
				    "stack-updated",
				    "org-shares-absent",
				    "org-shares-in-place",
				    "org-shares-extra",
				    "org-access-disabled",
				    "patch-shared",
				    NULL};

void pf_load(desired *d, state_snapshot *s, const char *name)
{
	char rel[512];
	char *text;
	size_t len;
	fcc_err e = {0};

	snprintf(rel, sizeof rel, "tests/plan/fixtures/%s/manifest.json", name);
	text = tu_read(tu_path(rel), &len);
	if (text) {
		char *pipe;
		size_t plen;
		ck_assert_int_eq(desired_from_json(d, text, len, &e), FCC_OK);
		free(text);
		snprintf(rel, sizeof rel, "tests/plan/fixtures/build/%s",
			 d->pipeline.definition_path);
		pipe = tu_read(tu_path(rel), &plen);
		ck_assert_ptr_nonnull(pipe);
		ck_assert_msg(desired_set_pipeline(d, pipe, plen, &e) == FCC_OK, "%s", e.msg);
		free(pipe);
	} else {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s", tu_path("tests/plan/fixtures/build"));
		ck_assert_msg(desired_load(d, dir, &e) == FCC_OK, "%s", e.msg);
	}
	snprintf(rel, sizeof rel, "tests/plan/fixtures/%s/state.json", name);
	text = tu_read(tu_path(rel), &len);
	ck_assert_msg(text != NULL, "missing %s", rel);
	ck_assert_msg(state_from_text(s, text, len, &e) == FCC_OK, "%s", e.msg);
	free(text);
}

void pf_plan(plan *p, const char *name, const diff_opts *o)
{
	desired d;
	state_snapshot s;
	fcc_err e = {0};

	pf_load(&d, &s, name);
	ck_assert_msg(diff_compute(p, &d, &s, o, &e) == FCC_OK, "%s: %s", name, e.msg);
	desired_dispose(&d);
	state_dispose(&s);
}

void pf_golden(const char *name, const char *file, const char *got)
{
	char rel[512], *want;
	size_t line = 1, i;

	snprintf(rel, sizeof rel, "tests/plan/fixtures/%s/%s", name, file);
	if (getenv("FCC_GOLDEN_UPDATE")) {
		FILE *f = fopen(tu_path(rel), "wb");
		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = tu_read(tu_path(rel), NULL);
	ck_assert_msg(want != NULL, "missing golden %s (make golden-update)", rel);
	for (i = 0; want[i] && want[i] == got[i]; i++)
		line += want[i] == '\n';
	ck_assert_msg(strcmp(want, got) == 0, "%s differs from the output at line %zu", rel, line);
	free(want);
}
