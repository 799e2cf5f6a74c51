/*
 * test_stack.c — the CloudFormation stacks fcc owns (artifacts.create_bucket),
 * without network: the manifest's stacks[] (desired.c), the snapshot's
 * stacks (state.c: JSON round trip, the cfn-stack:<name> observation and its
 * fingerprint), the diff (absent → create with the whole template, same bytes
 * → no-op, different bytes → update with the change-set preview's resource
 * changes, a replacement → a loud replace, ROLLBACK_COMPLETE → replace, a
 * busy or broken stack → a plan error with the way out), the destroy plan
 * (kept without --purge, deleted after the objects with it), the change
 * set's Details parsed into changed properties (a canned answer), and an
 * out-of-memory sweep over all of it but the manifest parse (jansson reports
 * some failed allocations as syntax errors).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/hash.h"
#include "plan_fixture.h"
#include "runtime/aws/cfn.h"
#include "runtime/destroy.h"
#include "testutil.h"
#include "tu_aws.h"
#include "tu_server.h"

#define STACK "fcc-forecast-mlops-artifacts"
#define ADDR "cfn-stack:" STACK
#define BODY "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"

static char body_sha[FCC_SHA256_HEX_LEN + 1];

/* The shared build's manifest with one stack (`edit` may change the entry). */
static char *manifest_with_stack(void (*edit)(json_t *stack))
{
	char *text = tu_read(tu_path("tests/plan/fixtures/build/manifest.json"), NULL), *out;
	json_t *root, *st;

	ck_assert_ptr_nonnull(text);
	root = json_loads(text, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(fcc_sha256_hex(body_sha, BODY, strlen(BODY)), FCC_OK);
	st = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:s}", "name", STACK, "purpose",
		       "artifacts-bucket", "template_path", "stacks/artifacts.yaml", "sha256",
		       body_sha, "size", (json_int_t)strlen(BODY), "tags", "fcc:project",
		       "forecast-mlops", "team", "ml", "bucket",
		       "sagemaker-us-east-1-111122223333");
	if (edit)
		edit(st);
	json_object_set_new(root, "stacks", json_pack("[o]", st));
	out = json_dumps(root, JSON_SORT_KEYS);
	json_decref(root);
	return out;
}

static void load_desired(desired *d, void (*edit)(json_t *))
{
	char *m = manifest_with_stack(edit);
	fcc_err e = {0};

	ck_assert_msg(desired_from_json(d, m, strlen(m), &e) == FCC_OK, "%s", e.msg);
	free(m);
	ck_assert_uint_eq(d->n_stacks, 1);
	ck_assert_int_eq(desired_set_stack_body(d, 0, BODY, strlen(BODY), &e), FCC_OK);
}

/* The in-place scenario's snapshot plus `stack` (JSON text, or NULL: none). */
static void load_state(state_snapshot *s, const char *stack)
{
	char *text = tu_read(tu_path("tests/plan/fixtures/in-place/state.json"), NULL);
	json_t *root = json_loads(text, 0, NULL);
	fcc_err e = {0};

	free(text);
	ck_assert_ptr_nonnull(root);
	if (stack) {
		json_t *st = json_loads(stack, 0, NULL);
		ck_assert_ptr_nonnull(st);
		json_object_set_new(root, "stacks", json_pack("[o]", st));
	}
	ck_assert_msg(state_from_json(s, root, &e) == FCC_OK, "%s", e.msg);
	json_decref(root);
}

/* A present stack: `status`, template `sha` (NULL: the build's), `preview`
 * JSON (NULL: none). */
static char *stack_json(const char *status, const char *sha, const char *preview)
{
	static char buf[4096];

	snprintf(buf, sizeof buf,
		 "{\"name\": \"" STACK "\", \"present\": true, \"id\": \"arn:stack/" STACK "/1\","
		 " \"status\": \"%s\", \"status_reason\": null, \"template_sha256\": \"%s\","
		 " \"tags\": {\"fcc:project\": \"forecast-mlops\", \"team\": \"ml\"},"
		 " \"preview\": %s}",
		 status, sha ? sha : body_sha, preview ? preview : "null");
	return buf;
}

static void diff(plan *p, const desired *d, const state_snapshot *s)
{
	fcc_err e = {0};

	ck_assert_msg(diff_compute(p, d, s, NULL, &e) == FCC_OK, "%s", e.msg);
}

static const plan_step *stack_step(const plan *p)
{
	const plan_step *st = plan_find(p, ADDR);

	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st->kind, "cfn-stack");
	return st;
}

static const plan_change *change(const plan_step *st, const char *path)
{
	size_t i;

	for (i = 0; i < st->n_changes; i++)
		if (strcmp(st->changes[i].path, path) == 0)
			return &st->changes[i];
	return NULL;
}

START_TEST(test_stack_manifest)
{
	desired d;
	fcc_err e = {0};
	char *text = tu_read(tu_path("tests/plan/fixtures/build/manifest.json"), NULL);

	/* no key: no stacks (manifests of builds that own none stay valid) */
	ck_assert_int_eq(desired_from_json(&d, text, strlen(text), &e), FCC_OK);
	ck_assert_uint_eq(d.n_stacks, 0);
	ck_assert_ptr_null(desired_stack_of_purpose(&d, DESIRED_STACK_ARTIFACTS));
	desired_dispose(&d);
	free(text);

	load_desired(&d, NULL);
	ck_assert_str_eq(d.stacks[0].name, STACK);
	ck_assert_str_eq(d.stacks[0].bucket, "sagemaker-us-east-1-111122223333");
	ck_assert_str_eq(kv_tags_get(&d.stacks[0].tags, "team"), "ml");
	ck_assert_ptr_eq(desired_stack_of_purpose(&d, DESIRED_STACK_ARTIFACTS), &d.stacks[0]);
	ck_assert_str_eq(d.stacks[0].body, BODY);
	/* other bytes than the build's: refused, the body kept */
	ck_assert_int_eq(desired_set_stack_body(&d, 0, "x", 1, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "stacks/artifacts.yaml changed since the build"));
	ck_assert_str_eq(d.stacks[0].body, BODY);
	desired_dispose(&d);
}
END_TEST

static void bad_purpose(json_t *st)
{
	json_object_set_new(st, "purpose", json_string("website"));
}

static void bad_name(json_t *st)
{
	json_object_set_new(st, "name", json_string("9-not_a-stack"));
}

static void bad_path(json_t *st)
{
	json_object_set_new(st, "template_path", json_string("../../etc/passwd"));
}

static void bad_sha(json_t *st)
{
	json_object_set_new(st, "sha256", json_string("abc"));
}

START_TEST(test_stack_manifest_errors)
{
	static const struct {
		void (*edit)(json_t *);
		const char *msg;
	} cases[] = {
		{bad_purpose, "manifest: stacks[0].purpose: unknown purpose 'website'"},
		{bad_name, "manifest: stacks[0].name: not a CloudFormation stack name"},
		{bad_path,
		 "manifest: stacks[0].template_path: must stay inside the build directory"},
		{bad_sha, "manifest: stacks[0].sha256: expected a hex sha256"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		desired d;
		fcc_err e = {0};
		char *m = manifest_with_stack(cases[i].edit);
		ck_assert_int_eq(desired_from_json(&d, m, strlen(m), &e), FCC_EPARSE);
		ck_assert_str_eq(e.msg, cases[i].msg);
		free(m);
	}
}
END_TEST

START_TEST(test_stack_absent_creates)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st;
	const plan_change *c;
	size_t i, objects = 0;

	load_desired(&d, NULL);
	load_state(&s, "{\"name\": \"" STACK "\", \"present\": false}");
	diff(&p, &d, &s);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_CREATE);
	ck_assert_ptr_eq(st, &p.steps[0]); /* before anything that needs the bucket */
	ck_assert_ptr_nonnull(c = change(st, "template"));
	ck_assert_ptr_null(c->before);
	ck_assert_str_eq(json_string_value(c->after), BODY); /* the whole template */
	ck_assert_ptr_nonnull(change(st, "tags[\"team\"]"));
	for (i = 0; i < p.n_steps; i++)
		if (strcmp(p.steps[i].kind, "s3-object") == 0) {
			objects++;
			ck_assert_int_eq(kv_strs_has(&p.steps[i].depends_on, ADDR), 1);
		}
	ck_assert_uint_eq(objects, 3);
	/* in-place otherwise: the stack is the one change */
	ck_assert_uint_eq(plan_count(&p, PLAN_NOOP), p.n_steps - 1);
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

START_TEST(test_stack_same_template_noop)
{
	desired d;
	state_snapshot s;
	plan p;

	load_desired(&d, NULL);
	load_state(&s, stack_json("UPDATE_COMPLETE", NULL, NULL));
	ck_assert_int_eq(diff_stack_differs(&d.stacks[0], &s.stacks[0]), 0);
	diff(&p, &d, &s);
	ck_assert_int_eq(stack_step(&p)->action, PLAN_NOOP);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	plan_dispose(&p);
	state_dispose(&s);
	/* a tag changed by hand is a difference too */
	load_state(&s, stack_json("CREATE_COMPLETE", NULL, NULL));
	ck_assert_int_eq(kv_tags_set(&s.stacks[0].tags, "team", "other"), FCC_OK);
	ck_assert_int_eq(diff_stack_differs(&d.stacks[0], &s.stacks[0]), 1);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

#define OTHER_SHA "0000000000000000000000000000000000000000000000000000000000000001"

START_TEST(test_stack_update_from_preview)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st;
	const plan_change *c;

	load_desired(&d, NULL);
	load_state(&s,
		   stack_json("UPDATE_COMPLETE", OTHER_SHA,
			      "{\"no_changes\": false, \"error\": null, \"changes\": [{\"action\": "
			      "\"Modify\", \"logical_id\": \"ArtifactsBucket\", \"resource_type\": "
			      "\"AWS::S3::Bucket\", \"replacement\": \"False\", \"targets\": "
			      "[\"Properties.VersioningConfiguration\"]}]}"));
	ck_assert_int_eq(diff_stack_differs(&d.stacks[0], &s.stacks[0]), 1);
	diff(&p, &d, &s);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_UPDATE);
	ck_assert_ptr_nonnull(strstr(st->reason, "template differs"));
	c = change(st, "template_sha256");
	ck_assert_str_eq(json_string_value(c->before), OTHER_SHA);
	ck_assert_str_eq(json_string_value(c->after), body_sha);
	ck_assert_ptr_nonnull(c = change(st, "resources.ArtifactsBucket"));
	ck_assert_str_eq(json_string_value(json_object_get(c->after, "Action")), "Modify");
	ck_assert_str_eq(json_string_value(json_object_get(c->after, "Replacement")), "False");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c->after, "Changes"), 0)),
			 "Properties.VersioningConfiguration");
	plan_dispose(&p);
	state_dispose(&s);

	/* not previewed (a fixture, or a saved plan's state): still an update */
	load_state(&s, stack_json("UPDATE_COMPLETE", OTHER_SHA, NULL));
	diff(&p, &d, &s);
	ck_assert_int_eq(stack_step(&p)->action, PLAN_UPDATE);
	ck_assert_ptr_null(change(stack_step(&p), "resources.ArtifactsBucket"));
	plan_dispose(&p);
	state_dispose(&s);

	/* CloudFormation finds nothing to change (only the text differs): no-op */
	load_state(&s, stack_json("UPDATE_COMPLETE", OTHER_SHA,
				  "{\"no_changes\": true, \"changes\": []}"));
	diff(&p, &d, &s);
	ck_assert_int_eq(stack_step(&p)->action, PLAN_NOOP);
	ck_assert_ptr_nonnull(strstr(stack_step(&p)->reason, "finds no resource to change"));
	plan_dispose(&p);
	state_dispose(&s);

	/* the preview's change set failed: a plan error naming the stack */
	load_state(&s, stack_json("UPDATE_COMPLETE", OTHER_SHA,
				  "{\"error\": \"Template format error\", \"changes\": []}"));
	diff(&p, &d, &s);
	ck_assert_uint_eq(p.errors.n, 1);
	ck_assert_ptr_nonnull(strstr(p.errors.v[0], STACK));
	ck_assert_ptr_nonnull(strstr(p.errors.v[0], "Template format error"));
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

START_TEST(test_stack_replacement_is_loud)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st;

	load_desired(&d, NULL);
	load_state(
		&s,
		stack_json(
			"CREATE_COMPLETE", OTHER_SHA,
			"{\"changes\": [{\"action\": \"Modify\", \"logical_id\": "
			"\"ArtifactsBucket\", \"resource_type\": \"AWS::S3::Bucket\", "
			"\"replacement\": \"True\", \"targets\": [\"Properties.BucketName\"]}]}"));
	diff(&p, &d, &s);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_REPLACE);
	ck_assert_ptr_nonnull(strstr(st->reason, "REPLACEMENT"));
	ck_assert_ptr_nonnull(strstr(st->reason, "ArtifactsBucket (AWS::S3::Bucket, replaced)"));
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

START_TEST(test_stack_statuses)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st;

	load_desired(&d, NULL);
	/* a failed first create: deleted and created again */
	load_state(&s, stack_json("ROLLBACK_COMPLETE", NULL, NULL));
	diff(&p, &d, &s);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_REPLACE);
	ck_assert_str_eq(json_string_value(json_object_get(st->attrs, "status")),
			 "ROLLBACK_COMPLETE");
	ck_assert_uint_eq(p.errors.n, 0);
	plan_dispose(&p);
	state_dispose(&s);
	/* busy: a plan error with the stack, the status and the way out */
	load_state(&s, stack_json("UPDATE_IN_PROGRESS", NULL, NULL));
	diff(&p, &d, &s);
	ck_assert_uint_eq(p.errors.n, 1);
	ck_assert_ptr_nonnull(strstr(p.errors.v[0], "stack " STACK " is UPDATE_IN_PROGRESS"));
	ck_assert_int_eq(plan_has_errors(&p), 1);
	plan_dispose(&p);
	state_dispose(&s);
	/* broken: the way out names the stack */
	load_state(&s, stack_json("UPDATE_ROLLBACK_FAILED", NULL, NULL));
	diff(&p, &d, &s);
	ck_assert_uint_eq(p.errors.n, 1);
	ck_assert_ptr_nonnull(
		strstr(p.errors.v[0], "continue-update-rollback --stack-name " STACK));
	plan_dispose(&p);
	state_dispose(&s);
	/* only a change set made it: created */
	load_state(&s, stack_json("REVIEW_IN_PROGRESS", NULL, NULL));
	diff(&p, &d, &s);
	ck_assert_int_eq(stack_step(&p)->action, PLAN_CREATE);
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

static const char *fingerprint(const plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->observations.n; i++)
		if (strcmp(p->observations.v[i].id, id) == 0)
			return p->observations.v[i].fingerprint;
	return NULL;
}

START_TEST(test_stack_observation)
{
	desired d;
	state_snapshot s, back;
	plan p1, p2, p3;
	json_t *j;
	fcc_err e = {0};
	char fp1[FCC_SHA256_HEX_LEN + 1];

	load_desired(&d, NULL);
	load_state(&s, stack_json("UPDATE_COMPLETE", OTHER_SHA, NULL));
	diff(&p1, &d, &s);
	ck_assert_ptr_nonnull(fingerprint(&p1, ADDR));
	strcpy(fp1, fingerprint(&p1, ADDR));
	state_dispose(&s);
	/* the preview is derived: it does not change the fingerprint */
	load_state(&s,
		   stack_json("UPDATE_COMPLETE", OTHER_SHA,
			      "{\"changes\": [{\"action\": \"Modify\", \"logical_id\": \"X\"}]}"));
	diff(&p2, &d, &s);
	ck_assert_str_eq(fingerprint(&p2, ADDR), fp1);
	/* the snapshot round-trips through JSON, preview included */
	ck_assert_ptr_nonnull(j = state_to_json(&s));
	ck_assert_int_eq(state_from_json(&back, j, &e), FCC_OK);
	json_decref(j);
	ck_assert_uint_eq(back.n_stacks, 1);
	ck_assert_int_eq(back.stacks[0].previewed, 1);
	ck_assert_uint_eq(back.stacks[0].n_changes, 1);
	ck_assert_str_eq(back.stacks[0].changes[0].logical_id, "X");
	state_dispose(&back);
	state_dispose(&s);
	/* another status: another fingerprint, so a saved plan goes stale */
	load_state(&s, stack_json("UPDATE_ROLLBACK_COMPLETE", OTHER_SHA, NULL));
	diff(&p3, &d, &s);
	ck_assert_str_ne(fingerprint(&p3, ADDR), fp1);
	plan_dispose(&p1);
	plan_dispose(&p2);
	plan_dispose(&p3);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

START_TEST(test_stack_destroy)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st;
	fcc_err e = {0};
	size_t i, objects = 0;

	load_desired(&d, NULL);
	load_state(&s, stack_json("CREATE_COMPLETE", NULL, NULL));
	ck_assert_int_eq(destroy_plan(&p, &d, &s, NULL, &e), FCC_OK);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_NOOP);
	ck_assert_ptr_nonnull(strstr(st->reason,
				     "kept: bucket sagemaker-us-east-1-111122223333 "
				     "holds 3 objects fcc uploaded; fcc destroy --purge"));
	plan_dispose(&p);
	ck_assert_int_eq(destroy_plan(&p, &d, &s, &(destroy_opts){.purge = 1}, &e), FCC_OK);
	st = stack_step(&p);
	ck_assert_int_eq(st->action, PLAN_DELETE);
	for (i = 0; i < p.n_steps; i++)
		if (strcmp(p.steps[i].kind, "s3-object") == 0) {
			objects++;
			ck_assert_int_eq(kv_strs_has(&st->depends_on, p.steps[i].address), 1);
		}
	ck_assert_uint_eq(objects, 3);
	plan_dispose(&p);
	state_dispose(&s);
	/* no stack: nothing to keep or delete */
	load_state(&s, "{\"name\": \"" STACK "\", \"present\": false}");
	ck_assert_int_eq(destroy_plan(&p, &d, &s, &(destroy_opts){.purge = 1}, &e), FCC_OK);
	ck_assert_ptr_null(plan_find(&p, ADDR));
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

START_TEST(test_stack_oom_sweep)
{
	desired d;
	state_snapshot s;
	char *m;
	long n;
	int done = 0;

	json_set_alloc_funcs(fcc_malloc, fcc_free);
	load_desired(&d, NULL);
	load_state(&s, stack_json("UPDATE_COMPLETE", OTHER_SHA,
				  "{\"changes\": [{\"action\": \"Modify\", \"logical_id\": "
				  "\"ArtifactsBucket\", \"resource_type\": \"AWS::S3::Bucket\", "
				  "\"replacement\": \"True\", \"targets\": [\"Tags\"]}]}"));
	m = manifest_with_stack(NULL);
	for (n = 1; !done && n < 20000; n++) {
		desired d2;
		state_snapshot back;
		plan p;
		json_t *j;
		fcc_buf b;
		fcc_err e = {0};
		int rc;

		/* the manifest is parsed outside: jansson reports some failed
		 * allocations as syntax errors */
		ck_assert_int_eq(desired_from_json(&d2, m, strlen(m), &e), FCC_OK);
		fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
		fcc_alloc_fail_after(n, 0);
		rc = desired_set_stack_body(&d2, 0, BODY, strlen(BODY), &e);
		if (rc == FCC_OK) {
			rc = diff_compute(&p, &d, &s, NULL, &e);
			if (rc == FCC_OK) {
				rc = plan_render_text(&b, &p, NULL, &e);
				plan_dispose(&p);
			}
		}
		if (rc == FCC_OK) {
			j = state_to_json(&s);
			rc = j ? state_from_json(&back, j, &e) : FCC_ENOMEM;
			json_decref(j);
			if (rc == FCC_OK)
				state_dispose(&back);
		}
		if (rc == FCC_OK) {
			rc = destroy_plan(&p, &d, &s, &(destroy_opts){.purge = 1}, &e);
			if (rc == FCC_OK)
				plan_dispose(&p);
		}
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		desired_dispose(&d2);
		ck_assert_msg(rc == FCC_OK || rc == FCC_ENOMEM, "fail at %ld: rc %d: %s", n, rc,
			      e.msg);
		if (done)
			ck_assert_int_eq(rc, FCC_OK);
		fcc_buf_dispose(&b);
	}
	ck_assert_int_eq(done, 1);
	free(m);
	desired_dispose(&d);
	state_dispose(&s);
	json_set_alloc_funcs(malloc, free);
}
END_TEST

/* DescribeChangeSet's ResourceChange.Details as cfn_change.targets: moto 5.2.1 sends no
 * Details, so a canned answer (faultproxy without upstream) stands in for AWS's. */
START_TEST(test_stack_change_set_details)
{
	static const char *xml =
		"<DescribeChangeSetResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
		"<DescribeChangeSetResult><ChangeSetName>fcc-x</ChangeSetName><Status>CREATE_COMPLETE"
		"</Status><Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action>"
		"<LogicalResourceId>ArtifactsBucket</LogicalResourceId><ResourceType>AWS::S3::Bucket"
		"</ResourceType><Replacement>False</Replacement><Details>"
		"<member><Target><Attribute>Properties</Attribute><Name>VersioningConfiguration</Name>"
		"<RequiresRecreation>Never</RequiresRecreation></Target></member>"
		"<member><Target><Attribute>Properties</Attribute><Name>VersioningConfiguration</Name>"
		"</Target></member>"
		"<member><Target><Attribute>Tags</Attribute></Target></member>"
		"</Details></ResourceChange></member></Changes></DescribeChangeSetResult>"
		"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
		"</DescribeChangeSetResponse>";
	const char *args[] = {"--body", xml, NULL};
	const char *saved = getenv("FCC_TEST_ENDPOINT");
	char *keep = saved ? strdup(saved) : NULL;
	tu_server srv;
	aws_ctx *ctx;
	cfn_change_set cs;
	aws_error ae;

	ck_assert_int_eq(tu_server_start(&srv, "tests/aws/faultproxy.py", args), 0);
	setenv("FCC_TEST_ENDPOINT", srv.base, 1);
	ctx = tu_aws_ctx();
	if (keep)
		setenv("FCC_TEST_ENDPOINT", keep, 1);
	free(keep);
	aws_error_clear(&ae);
	ck_assert_msg(cfn_describe_change_set(&cs, ctx, "fcc-x", STACK, &ae) == FCC_OK, "%s",
		      ae.err.msg);
	ck_assert_uint_eq(cs.nchanges, 1);
	ck_assert_str_eq(cs.changes[0].logical_id, "ArtifactsBucket");
	ck_assert_uint_eq(cs.changes[0].ntargets, 2); /* each once */
	ck_assert_str_eq(cs.changes[0].targets[0], "Properties.VersioningConfiguration");
	ck_assert_str_eq(cs.changes[0].targets[1], "Tags");
	aws_pool_dispose(&cs.pool);
	aws_ctx_free(ctx);
	tu_server_stop(&srv);
}
END_TEST

Suite *suite_stack(void)
{
	Suite *s = suite_create("stack");
	TCase *core = tcase_create("core"), *oom = tcase_create("oom");

	tcase_add_test(core, test_stack_manifest);
	tcase_add_test(core, test_stack_manifest_errors);
	tcase_add_test(core, test_stack_absent_creates);
	tcase_add_test(core, test_stack_same_template_noop);
	tcase_add_test(core, test_stack_update_from_preview);
	tcase_add_test(core, test_stack_replacement_is_loud);
	tcase_add_test(core, test_stack_statuses);
	tcase_add_test(core, test_stack_observation);
	tcase_add_test(core, test_stack_destroy);
	tcase_add_test(core, test_stack_change_set_details);
	tcase_add_test(oom, test_stack_oom_sweep);
	tcase_set_timeout(oom, 120);
	suite_add_tcase(s, core);
	suite_add_tcase(s, oom);
	return s;
}
