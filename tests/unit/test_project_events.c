/*
 * test_project_events.c — the pure parts of following a SageMaker project's
 * stack (runtime/project_events.c): the stack's name, the account of an ARN,
 * the failure line built from a tracker fed canned events; and how progress
 * (runtime/progress.c) shows one stack event in each mode.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/progress.h"
#include "runtime/project_events.h"

START_TEST(test_project_events_names)
{
	char acct[16];
	fcc_buf b;

	ck_assert_int_eq(
		projev_arn_account(acct, "arn:aws:sagemaker:us-east-1:123456789012:project/x"),
		FCC_OK);
	ck_assert_str_eq(acct, "123456789012");
	ck_assert_int_eq(projev_arn_account(acct, "arn:aws:sagemaker:us-east-1::project/x"),
			 FCC_EPARSE);
	ck_assert_int_eq(projev_arn_account(acct, "arn:aws:s3:::bucket"), FCC_EPARSE);
	ck_assert_int_eq(projev_arn_account(acct, "nope"), FCC_EPARSE);
	ck_assert_int_eq(projev_arn_account(acct, NULL), FCC_EPARSE);
	fcc_buf_init(&b, 1024);
	ck_assert_int_eq(projev_stack_name(&b, "123456789012", "pp-abc"), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "SC-123456789012-pp-abc");
	ck_assert_int_eq(projev_stack_name(&b, "", "pp-abc"), FCC_EUSAGE);
	ck_assert_int_eq(projev_stack_name(&b, "123456789012", NULL), FCC_EUSAGE);
	fcc_buf_reset(&b);
	ck_assert_int_eq(
		projev_stack_display(&b, "arn:aws:cloudformation:us-east-1:1:stack/SC-1-pp-a/uuid"),
		FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "SC-1-pp-a");
	fcc_buf_reset(&b);
	ck_assert_int_eq(projev_stack_display(&b, "SC-1-pp-a"), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "SC-1-pp-a");
	fcc_buf_dispose(&b);
	ck_assert_ptr_null(projev_way_out("CreateCompleted"));
	ck_assert_ptr_null(projev_way_out(NULL));
	ck_assert_ptr_nonnull(strstr(projev_way_out("CreateFailed"), "delete-project"));
	ck_assert_ptr_nonnull(strstr(projev_way_out("UpdateFailed"), "rolled back"));
}
END_TEST

static cfn_stack_event ev(const char *id, const char *lid, const char *type, const char *status,
			  const char *reason)
{
	cfn_stack_event e;

	memset(&e, 0, sizeof e);
	e.event_id = id;
	e.stack_name = "SC-1-pp-a";
	e.logical_id = lid;
	e.resource_type = type;
	e.status = status;
	e.status_reason = reason;
	return e;
}

static void count(void *payload, const cfn_stack_event *e)
{
	(void)e;
	(*(int *)payload)++;
}

START_TEST(test_project_events_failure_line)
{
	/* newest first, as DescribeStackEvents answers; the cancelled knock-on
	 * failure comes after the real one and must not win */
	cfn_stack_event evs[] = {
		ev("5", "SC-1-pp-a", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", "x"),
		ev("4", "Pipe", "AWS::CodePipeline::Pipeline", "CREATE_FAILED",
		   "Resource creation cancelled"),
		ev("3", "Build", "AWS::CodeBuild::Project", "CREATE_FAILED",
		   "Role is not authorized"),
		ev("2", "Build", "AWS::CodeBuild::Project", "CREATE_IN_PROGRESS", NULL),
		ev("1", "SC-1-pp-a", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS",
		   "User Initiated"),
	};
	cfn_event_tracker t;
	fcc_buf b;
	int n = 0;

	cfn_event_tracker_init(&t);
	ck_assert_int_eq(cfn_event_tracker_feed(&t, evs + 2, 3, count, &n), FCC_OK);
	ck_assert_int_eq(cfn_event_tracker_feed(&t, evs, 5, count, &n), FCC_OK);
	ck_assert_int_eq(n, 5); /* each once, across overlapping answers */
	fcc_buf_init(&b, 4096);
	ck_assert_int_eq(projev_format_failure(
				 &b, "demo", "CreateFailed",
				 "The following resource(s) "
				 "failed to create: [Build, Pipe].",
				 "arn:aws:cloudformation:us-east-1:1:stack/SC-1-pp-a/u", &t, NULL),
			 FCC_OK);
	ck_assert_str_eq(
		fcc_buf_cstr(&b),
		"SageMaker project demo is CreateFailed: The following resource(s) failed to "
		"create: [Build, Pipe].; stack SC-1-pp-a: first failure: Build "
		"(AWS::CodeBuild::Project) CREATE_FAILED: Role is not authorized; way out: "
		"SageMaker keeps a failed project's name until it is deleted: fix the cause, "
		"delete the project (aws sagemaker delete-project --project-name demo), then "
		"apply again");
	/* no events (streaming was refused): the note says why */
	fcc_buf_reset(&b);
	ck_assert_int_eq(projev_format_failure(&b, "demo", "UpdateFailed", "", NULL, NULL,
					       "no stack events: DescribeStackEvents failed: "
					       "AccessDenied"),
			 FCC_OK);
	ck_assert_str_eq(
		fcc_buf_cstr(&b),
		"SageMaker project demo is UpdateFailed; (no stack events: DescribeStackEvents "
		"failed: AccessDenied); way out: the project's stack rolled back to its "
		"previous version: fix the cause and apply again");
	fcc_buf_dispose(&b);
	cfn_event_tracker_dispose(&t);
}
END_TEST

/* 2026-01-02T03:04:05.000Z */
#define T0 1767323045000LL

static long long clock_fn(void *payload)
{
	(void)payload;
	return T0 + 1500;
}

static char *show(progress_mode mode)
{
	progress_options o;
	progress_cfn_event e;
	progress *p = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fcc_err er;

	ck_assert_ptr_nonnull(f);
	memset(&o, 0, sizeof o);
	o.mode = mode;
	o.out = f;
	o.now_ms = clock_fn;
	ck_assert_int_eq(progress_new(&p, &o, &er), FCC_OK);
	memset(&e, 0, sizeof e);
	e.stack = "SC-1-pp-a";
	e.logical_id = "Build";
	e.resource_type = "AWS::CodeBuild::Project";
	e.status = "CREATE_FAILED";
	e.reason = "Role is not authorized";
	e.time_ms = T0;
	ck_assert_int_eq(progress_start(p, "sagemaker-project:demo", "create"), FCC_OK);
	ck_assert_int_eq(progress_stack_event(p, "sagemaker-project:demo", &e), FCC_OK);
	progress_free(p);
	fclose(f);
	return text;
}

START_TEST(test_project_events_progress_modes)
{
	char *out = show(PROGRESS_PLAIN);
	json_t *j;
	json_error_t je;
	const char *nl;

	ck_assert_str_eq(out, "03:04:06 sagemaker-project:demo: create\n"
			      "03:04:06 sagemaker-project:demo: Build (AWS::CodeBuild::Project) "
			      "CREATE_FAILED: Role is not authorized\n");
	free(out);
	out = show(PROGRESS_JSON);
	nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	j = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, &je);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "stack_event");
	ck_assert_str_eq(json_string_value(json_object_get(j, "step")), "sagemaker-project:demo");
	ck_assert_str_eq(json_string_value(json_object_get(j, "stack")), "SC-1-pp-a");
	ck_assert_str_eq(json_string_value(json_object_get(j, "logical_id")), "Build");
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "CREATE_FAILED");
	ck_assert_str_eq(json_string_value(json_object_get(j, "reason")), "Role is not authorized");
	ck_assert_str_eq(json_string_value(json_object_get(j, "time")), "2026-01-02T03:04:05.000Z");
	ck_assert_str_eq(json_string_value(json_object_get(j, "ts")), "2026-01-02T03:04:06.500Z");
	json_decref(j);
	free(out);
	out = show(PROGRESS_TTY); /* the live line shows the latest event */
	ck_assert_ptr_nonnull(strstr(out, "sagemaker-project:demo: Build (AWS::CodeBuild::Project) "
					  "CREATE_FAILED: Role is not authorized"));
	free(out);
}
END_TEST

Suite *suite_project_events(void);
Suite *suite_project_events(void)
{
	Suite *s = suite_create("project_events");
	TCase *t = tcase_create("core");

	tcase_add_test(t, test_project_events_names);
	tcase_add_test(t, test_project_events_failure_line);
	tcase_add_test(t, test_project_events_progress_modes);
	suite_add_tcase(s, t);
	return s;
}
