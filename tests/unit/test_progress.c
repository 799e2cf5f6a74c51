/*
 * test_progress.c — the apply progress reporter (runtime/progress.c): one
 * scripted run with a fake clock rendered in every mode and compared with
 * the golden files in tests/progress/golden/ (FCC_GOLDEN_UPDATE=1 rewrites
 * them), NO_COLOR, JSON lines that parse, durations, mode names, and a
 * stream that fails.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "runtime/progress.h"
#include "testutil.h"

/* 2026-01-02T03:04:05.000Z */
#define T0 1767323045000LL

static long long fake_now;

static long long clock_fn(void *payload)
{
	(void)payload;
	return fake_now;
}

/* The scripted run: four steps of five, one unchanged, one failed. */
static void script(progress *p)
{
	fake_now = T0;
	progress_set_total(p, 5);
	ck_assert_int_eq(progress_start(p, "s3/seed-code", "uploading seed-code.zip"), FCC_OK);
	fake_now = T0 + 200;
	ck_assert_int_eq(progress_start(p, "iam/roles", NULL), FCC_OK);
	fake_now = T0 + 450;
	ck_assert_int_eq(progress_finish(p, "iam/roles", 0, NULL), FCC_OK);
	fake_now = T0 + 1200;
	ck_assert_int_eq(progress_id(p, "s3/seed-code", "Key", "fcc/seedcode/9f86d081.zip"),
			 FCC_OK);
	fake_now = T0 + 1300;
	ck_assert_int_eq(progress_finish(p, "s3/seed-code", 1, "uploaded 2 objects"), FCC_OK);
	fake_now = T0 + 1400;
	ck_assert_int_eq(progress_start(p, "stack/demo", "change set fcc-1a2b-3"), FCC_OK);
	fake_now = T0 + 3000;
	ck_assert_int_eq(progress_update(p, "stack/demo", "Topic CREATE_IN_PROGRESS"), FCC_OK);
	fake_now = T0 + 5000;
	ck_assert_int_eq(progress_tick(p), FCC_OK);
	fake_now = T0 + 65400;
	ck_assert_int_eq(progress_id(p, "stack/demo", "StackId",
				     "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1"),
			 FCC_OK);
	fake_now = T0 + 65500;
	ck_assert_int_eq(progress_finish(p, "stack/demo", 1, "CREATE_COMPLETE"), FCC_OK);
	fake_now = T0 + 65600;
	ck_assert_int_eq(progress_start(p, "sc/portfolio", NULL), FCC_OK);
	fake_now = T0 + 66000;
	ck_assert_int_eq(progress_fail(p, "sc/portfolio",
				       "AccessDenied: servicecatalog:CreatePortfolio \"quoted\""),
			 FCC_OK);
	fake_now = T0 + 66100;
	ck_assert_int_eq(progress_summary(p), FCC_OK);
}

/* Render the script in `mode`; returns malloc'd text. */
static char *render(progress_mode mode, int color, unsigned columns)
{
	progress_options o;
	progress *p = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fcc_err e;

	ck_assert_ptr_nonnull(f);
	memset(&o, 0, sizeof o);
	o.mode = mode;
	o.out = f;
	o.color = color;
	o.columns = columns;
	o.now_ms = clock_fn;
	ck_assert_int_eq(progress_new(&p, &o, &e), FCC_OK);
	script(p);
	ck_assert_uint_eq(progress_count_done(p), 3);
	ck_assert_uint_eq(progress_count_failed(p), 1);
	progress_free(p);
	fclose(f);
	return text;
}

static void golden(const char *name, const char *got)
{
	char rel[128];
	const char *path;
	char *want;
	size_t n;

	snprintf(rel, sizeof rel, "tests/progress/golden/%s", name);
	path = tu_path(rel);
	if (getenv("FCC_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(got, 1, strlen(got), f), strlen(got));
		fclose(f);
		return;
	}
	want = tu_read(path, &n);
	ck_assert_msg(want != NULL, "missing golden %s (FCC_GOLDEN_UPDATE=1 writes it)", rel);
	ck_assert_msg(strcmp(want, got) == 0, "%s differs from the golden; got:\n%s", rel, got);
	free(want);
}

START_TEST(test_progress_golden_plain)
{
	char *out;

	unsetenv("NO_COLOR");
	out = render(PROGRESS_PLAIN, 1, 0); /* colour is for terminals only */
	golden("plain.txt", out);
	ck_assert_ptr_null(strchr(out, '\033'));
	free(out);
}
END_TEST

START_TEST(test_progress_golden_tty)
{
	char *out;

	unsetenv("NO_COLOR");
	out = render(PROGRESS_TTY, 0, 40);
	golden("tty.txt", out);
	ck_assert_ptr_null(strstr(out, "\033[0m")); /* cursor movement, no colour */
	ck_assert_ptr_nonnull(strstr(out, "\033[J"));
	free(out);
	out = render(PROGRESS_TTY, 1, 40);
	golden("tty-color.txt", out);
	ck_assert_ptr_nonnull(strstr(out, "\033[32m"));
	free(out);
}
END_TEST

START_TEST(test_progress_no_color)
{
	char *plain, *nc;

	unsetenv("NO_COLOR");
	plain = render(PROGRESS_TTY, 0, 40);
	setenv("NO_COLOR", "1", 1);
	nc = render(PROGRESS_TTY, 1, 40);
	unsetenv("NO_COLOR");
	ck_assert_str_eq(nc, plain);
	free(plain);
	free(nc);
}
END_TEST

START_TEST(test_progress_golden_json)
{
	char *out = render(PROGRESS_JSON, 1, 0), *line, *save = NULL;
	size_t n = 0;
	json_t *last = NULL;

	golden("json.txt", out);
	/* every line is one JSON object with a timestamp and an event */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		ck_assert_msg(j != NULL, "not JSON: %s", line);
		ck_assert(json_is_string(json_object_get(j, "ts")));
		ck_assert(json_is_string(json_object_get(j, "event")));
		json_decref(last);
		last = j;
		n++;
	}
	ck_assert_uint_eq(n, 12);
	ck_assert_str_eq(json_string_value(json_object_get(last, "event")), "summary");
	ck_assert_int_eq(json_integer_value(json_object_get(last, "changed")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(last, "failed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(last, "duration_ms")), 66100);
	ck_assert_str_eq(
		json_string_value(json_object_get(
			json_object_get(json_array_get(json_object_get(last, "steps"), 2), "ids"),
			"StackId")),
		"arn:aws:cloudformation:us-east-1:123456789012:stack/demo/1");
	json_decref(last);
	free(out);
}
END_TEST

START_TEST(test_progress_durations_and_modes)
{
	char d[32];
	progress_mode m;

	progress_format_duration(d, 0);
	ck_assert_str_eq(d, "0.0s");
	progress_format_duration(d, 450);
	ck_assert_str_eq(d, "0.4s");
	progress_format_duration(d, 59999);
	ck_assert_str_eq(d, "59.9s");
	progress_format_duration(d, 65000);
	ck_assert_str_eq(d, "1m05s");
	progress_format_duration(d, 7380000);
	ck_assert_str_eq(d, "2h03m");
	progress_format_duration(d, -5);
	ck_assert_str_eq(d, "0.0s");

	ck_assert_int_eq(progress_mode_parse(&m, "auto", 1), FCC_OK);
	ck_assert_int_eq(m, PROGRESS_TTY);
	ck_assert_int_eq(progress_mode_parse(&m, "auto", 0), FCC_OK);
	ck_assert_int_eq(m, PROGRESS_PLAIN);
	ck_assert_int_eq(progress_mode_parse(&m, "json", 1), FCC_OK);
	ck_assert_int_eq(m, PROGRESS_JSON);
	ck_assert_int_eq(progress_mode_parse(&m, "plain", 1), FCC_OK);
	ck_assert_int_eq(m, PROGRESS_PLAIN);
	ck_assert_int_eq(progress_mode_parse(&m, "tty", 0), FCC_OK);
	ck_assert_int_eq(m, PROGRESS_TTY);
	ck_assert_int_eq(progress_mode_parse(&m, "fancy", 0), FCC_EUSAGE);
	ck_assert_int_eq(progress_mode_parse(&m, NULL, 0), FCC_EUSAGE);
}
END_TEST

START_TEST(test_progress_write_failure)
{
	progress_options o;
	progress *p = NULL;
	FILE *f = fopen("/dev/full", "w");
	fcc_err e;

	ck_assert_ptr_nonnull(f);
	memset(&o, 0, sizeof o);
	o.mode = PROGRESS_PLAIN;
	o.out = f;
	o.now_ms = clock_fn;
	ck_assert_int_eq(progress_new(&p, &o, &e), FCC_OK);
	ck_assert_int_eq(progress_start(p, "a", NULL), FCC_EIO);
	ck_assert_int_eq(progress_finish(p, "a", 1, NULL), FCC_EIO); /* sticky */
	progress_free(p);
	fclose(f);
	o.out = NULL;
	ck_assert_int_eq(progress_new(&p, &o, &e), FCC_EUSAGE);
	ck_assert_ptr_null(p);
}
END_TEST

/* Every allocation failing in turn: a clean FCC_ENOMEM, no crash, no leak
 * (LeakSanitizer under make check-asan). */
START_TEST(test_progress_oom_sweep)
{
	long n;
	int done = 0;

	for (n = 1; !done && n < 500; n++) {
		progress_options o;
		progress *p = NULL;
		FILE *f = fopen("/dev/null", "w");
		fcc_err e;
		int rc = FCC_OK, failed_rc = 0;
		progress_mode mode;

		ck_assert_ptr_nonnull(f);
		for (mode = PROGRESS_PLAIN; mode <= PROGRESS_JSON; mode++) {
			memset(&o, 0, sizeof o);
			o.mode = mode;
			o.out = f;
			o.now_ms = clock_fn;
			fcc_alloc_fail_after(n, 1);
			rc = progress_new(&p, &o, &e);
			if (!rc) {
				int r[6];
				r[0] = progress_start(p, "a", "m");
				r[1] = progress_id(p, "a", "k", "v");
				r[2] = progress_update(p, "b", "x");
				r[3] = progress_finish(p, "a", 1, "done");
				r[4] = progress_fail(p, "b", "no");
				r[5] = progress_summary(p);
				for (size_t i = 0; i < 6; i++) {
					ck_assert(r[i] == FCC_OK || r[i] == FCC_ENOMEM);
					failed_rc |= r[i] == FCC_ENOMEM;
				}
				progress_free(p);
			} else {
				ck_assert_int_eq(rc, FCC_ENOMEM);
				ck_assert_ptr_null(p);
				failed_rc = 1;
			}
			if (!fcc_alloc_failed())
				done = mode == PROGRESS_JSON;
			else
				ck_assert(failed_rc);
			fcc_alloc_fail_after(0, 0);
		}
		fclose(f);
	}
	ck_assert(done);
}
END_TEST

Suite *suite_progress(void)
{
	Suite *s = suite_create("progress");
	TCase *t = tcase_create("progress");

	tcase_add_test(t, test_progress_golden_plain);
	tcase_add_test(t, test_progress_golden_tty);
	tcase_add_test(t, test_progress_no_color);
	tcase_add_test(t, test_progress_golden_json);
	tcase_add_test(t, test_progress_durations_and_modes);
	tcase_add_test(t, test_progress_write_failure);
	tcase_add_test(t, test_progress_oom_sweep);
	suite_add_tcase(s, t);
	return s;
}
