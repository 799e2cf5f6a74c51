/*
 * test_apply.c — the apply executor (runtime/apply.c) against the local
 * endpoint: a whole plan on an empty account (every kind of step, the
 * launch role made an ARN through STS, the project followed through its
 * Pending state), the same plan again converging on the same resources
 * through the idempotency tokens (what a rerun after a crash does), a failed
 * step skipping only its dependents with the AWS code and request id kept,
 * the parallelism bound, refusal of plans with errors or cycles, and the
 * pure pieces (tokens, template URLs).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/hash.h"
#include "runtime/apply.h"
#include "runtime/aws/iam.h"
#include "runtime/aws/s3.h"
#include "runtime/aws/sagemaker.h"
#include "runtime/aws/sc.h"
#include "testutil.h"
#include "tu_aws.h"

static const char TEMPLATE[] = "AWSTemplateFormatVersion: '2010-09-09'\n"
			       "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";

/* ---- fixtures ---- */

typedef struct fixture {
	aws_ctx *ctx;
	char dir[256];
	char sha[FCC_SHA256_HEX_LEN + 1];
	char bucket[96], role[96], portfolio[96], product[96], project[40], principal[160];
	plan p;
} fixture;

static void iam_create_role(aws_ctx *ctx, const char *name)
{
	aws_query q;
	xmlDoc *doc = NULL;
	aws_error ae;

	aws_query_init(&q, &aws_svc_iam, "CreateRole");
	aws_query_add(&q, "RoleName", name);
	aws_query_add(&q, "AssumeRolePolicyDocument",
		      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		      "\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"},"
		      "\"Action\":\"sts:AssumeRole\"}]}");
	ck_assert_msg(aws_query_call(&doc, ctx, &aws_svc_iam, "CreateRole", &q, 0, &ae) == FCC_OK,
		      "CreateRole: %s", ae.err.msg);
	aws_query_dispose(&q);
	xmlFreeDoc(doc);
}

/* The plan of an empty account, as fcc-plan/1 JSON, for unique names.
 * `role` is the IAM role to patch (missing_role: one that does not exist). */
static void load_plan(fixture *f, const char *role, int with_object_file)
{
	char *text = NULL;
	json_t *root;
	json_error_t je;
	fcc_err e;
	size_t n;
	FILE *m;
	const char *tkey = "t/template.yaml";
	char tmpl_addr[256], art_addr[256], assoc_addr[256], con_addr[256];

	snprintf(tmpl_addr, sizeof tmpl_addr, "s3://%s/%s", f->bucket, tkey);
	snprintf(art_addr, sizeof art_addr, "sc-artifact:%s/%s", f->product, f->sha);
	snprintf(assoc_addr, sizeof assoc_addr, "sc-association:%s/%s", f->portfolio, f->product);
	snprintf(con_addr, sizeof con_addr, "sc-constraint:%s/%s/LAUNCH", f->portfolio, f->product);
	m = open_memstream(&text, &n);
	ck_assert_ptr_nonnull(m);
	fprintf(m,
		"{\"format\":\"fcc-plan/1\",\"project\":\"tu\",\"environment\":null,"
		"\"manifest_sha256\":\"%s\",\"spec_sha256\":\"%s\",\"errors\":[],\"steps\":[",
		f->sha, f->sha);
	fprintf(m,
		"{\"address\":\"%s\",\"kind\":\"s3-object\",\"name\":\"template.yaml\","
		"\"action\":\"create\",\"depends_on\":[],\"attrs\":{\"bucket\":\"%s\",\"key\":\"%s\","
		"\"kind\":\"template\",\"file\":\"%s\",\"sha256\":\"%s\",\"size\":%zu}},",
		tmpl_addr, f->bucket, tkey, with_object_file ? "template.yaml" : "missing.yaml",
		f->sha, sizeof TEMPLATE - 1);
	fprintf(m,
		"{\"address\":\"iam-role:%s\",\"kind\":\"iam-role\",\"name\":\"%s\","
		"\"action\":\"update\",\"depends_on\":[],\"attrs\":{\"role\":\"%s\","
		"\"attach_policies\":[\"arn:aws:iam::aws:policy/AmazonForecastFullAccess\"],"
		"\"trust_policy\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"},"
		"{\"Sid\":\"FccTrustedServices\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
		"\"forecast.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}}},",
		role, role, role);
	fprintf(m,
		"{\"address\":\"sc-portfolio:%s\",\"kind\":\"sc-portfolio\",\"name\":\"%s\","
		"\"action\":\"create\",\"depends_on\":[],\"attrs\":{\"id\":null,\"name\":\"%s\","
		"\"owner\":\"ML Platform\",\"description\":\"templates\",\"tags\":{\"fcc:project\":\"tu\"}}},",
		f->portfolio, f->portfolio, f->portfolio);
	fprintf(m,
		"{\"address\":\"sc-product:%s\",\"kind\":\"sc-product\",\"name\":\"%s\","
		"\"action\":\"create\",\"depends_on\":[\"%s\"],\"attrs\":{\"id\":null,\"name\":\"%s\","
		"\"owner\":\"ML Platform\",\"description\":\"forecast\",\"distributor\":null,"
		"\"tags\":{\"fcc:project\":\"tu\",\"sagemaker:studio-visibility\":\"true\"}}},",
		f->product, f->product, tmpl_addr, f->product);
	fprintf(m,
		"{\"address\":\"%s\",\"kind\":\"sc-artifact\",\"name\":\"1.0\",\"action\":\"create\","
		"\"depends_on\":[\"%s\",\"sc-product:%s\"],\"attrs\":{\"id\":null,\"name\":\"1.0\","
		"\"description\":\"fcc:template-sha256=%s\",\"guidance\":\"DEFAULT\",\"bucket\":\"%s\","
		"\"template_key\":\"%s\",\"template_sha256\":\"%s\"}},",
		art_addr, tmpl_addr, f->product, f->sha, f->bucket, tkey, f->sha);
	fprintf(m,
		"{\"address\":\"%s\",\"kind\":\"sc-association\",\"name\":\"%s\",\"action\":\"create\","
		"\"depends_on\":[\"sc-portfolio:%s\",\"sc-product:%s\"],\"attrs\":{}},",
		assoc_addr, f->product, f->portfolio, f->product);
	fprintf(m,
		"{\"address\":\"%s\",\"kind\":\"sc-constraint\",\"name\":\"LAUNCH\",\"action\":\"create\","
		"\"depends_on\":[\"%s\"],\"attrs\":{\"id\":null,\"type\":\"LAUNCH\","
		"\"parameters\":{\"LocalRoleName\":\"%s\"}}},",
		con_addr, assoc_addr, f->role);
	fprintf(m,
		"{\"address\":\"sc-principal:%s/%s\",\"kind\":\"sc-principal\",\"name\":\"%s\","
		"\"action\":\"create\",\"depends_on\":[\"sc-portfolio:%s\"],"
		"\"attrs\":{\"arn\":\"%s\",\"type\":\"IAM_PATTERN\"}},",
		f->portfolio, f->principal, f->principal, f->portfolio, f->principal);
	fprintf(m,
		"{\"address\":\"sagemaker-project:%s\",\"kind\":\"sagemaker-project\",\"name\":\"%s\","
		"\"action\":\"create\",\"depends_on\":[\"%s\",\"%s\",\"%s\",\"iam-role:%s\"],"
		"\"attrs\":{\"name\":\"%s\",\"description\":\"dev\",\"tags\":{\"team\":\"ml\"},"
		"\"artifact\":\"%s\",\"artifact_id\":null,\"product_id\":null}}",
		f->project, f->project, art_addr, assoc_addr, con_addr, role, f->project, art_addr);
	fprintf(m, "]}");
	fclose(m);
	root = json_loads(text, 0, &je);
	ck_assert_msg(root != NULL, "fixture JSON: %s", je.text);
	free(text);
	for (n = 0; n < json_array_size(json_object_get(root, "steps")); n++) {
		json_t *st = json_array_get(json_object_get(root, "steps"), n);
		json_object_set_new(st, "changes", json_array());
		json_object_set_new(st, "documents", json_array());
		json_object_set_new(st, "reason", json_string("fixture"));
		json_object_set_new(st, "access_change", json_null());
		json_object_set_new(st, "broadens_access", json_false());
	}
	plan_dispose(&f->p);
	ck_assert_msg(plan_from_json(&f->p, root, &e) == FCC_OK, "plan_from_json: %s", e.msg);
	json_decref(root);
}

static unsigned nproj;

static void setup(fixture *f)
{
	const char *u;
	char path[512];
	FILE *fp;

	memset(f, 0, sizeof *f);
	plan_init(&f->p);
	f->ctx = tu_aws_ctx();
	snprintf(f->bucket, sizeof f->bucket, "%s", tu_aws_bucket(f->ctx));
	u = tu_aws_uniq("r");
	snprintf(f->role, sizeof f->role, "Role-%s", u);
	snprintf(f->portfolio, sizeof f->portfolio, "Portfolio %s", u);
	snprintf(f->product, sizeof f->product, "product-%s", u);
	snprintf(f->project, sizeof f->project, "tu%dx%u", (int)getpid(), nproj++);
	snprintf(f->principal, sizeof f->principal, "arn:aws:iam:::role/service-role/Exec-%s-*", u);
	iam_create_role(f->ctx, f->role);
	snprintf(f->dir, sizeof f->dir, "/tmp/fcc-tu-apply-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/template.yaml", f->dir);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	fwrite(TEMPLATE, 1, sizeof TEMPLATE - 1, fp);
	fclose(fp);
	fcc_sha256_hex(f->sha, TEMPLATE, sizeof TEMPLATE - 1);
}

static void teardown(fixture *f)
{
	char path[512];

	snprintf(path, sizeof path, "%s/template.yaml", f->dir);
	unlink(path);
	rmdir(f->dir);
	plan_dispose(&f->p);
	aws_ctx_free(f->ctx);
}

static const apply_result *result_of(const apply_report *r, const char *kind)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].step->kind, kind) == 0)
			return &r->v[i];
	ck_abort_msg("no %s step in the report", kind);
	return NULL;
}

/* ---- progress hook: how many steps run at once ---- */

typedef struct watch {
	int running, max_running, starts, ends;
	long slept;
} watch;

static void on_step(void *payload, const apply_result *r)
{
	watch *w = payload;

	if (r->status == APPLY_RUNNING) {
		w->starts++;
		if (++w->running > w->max_running)
			w->max_running = w->running;
	} else if (r->status != APPLY_SKIPPED) {
		w->ends++;
		w->running--;
	}
}

static void count_sleep(void *payload, long ms)
{
	((watch *)payload)->slept += ms;
	usleep((useconds_t)ms * 1000);
}

static apply_opts opts_for(fixture *f, watch *w, unsigned parallelism)
{
	apply_opts o;

	memset(&o, 0, sizeof o);
	o.build_dir = f->dir;
	o.parallelism = parallelism;
	o.poll_ms = 20;
	o.project_timeout_ms = 20000;
	o.on_step = on_step;
	o.sleep_ms = count_sleep;
	o.payload = w;
	return o;
}

static size_t portfolios_named(aws_ctx *ctx, const char *name)
{
	sc_portfolio_list l;
	aws_error ae;
	size_t i, n = 0;

	ck_assert_msg(sc_list_portfolios(&l, ctx, &ae) == FCC_OK, "%s", ae.err.msg);
	for (i = 0; i < l.n; i++)
		n += l.items[i].display_name && strcmp(l.items[i].display_name, name) == 0;
	aws_pool_dispose(&l.pool);
	return n;
}

/* ---- tests ---- */

START_TEST(test_apply_token_shape)
{
	char a[37], b[37], c[37], d[37];
	size_t i;

	apply_token(a, "f00d", "sc-portfolio:P");
	apply_token(b, "f00d", "sc-portfolio:P");
	apply_token(c, "f00d", "sc-product:P");
	apply_token(d, "beef", "sc-portfolio:P");
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_uint_eq(strlen(a), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(a[i], '-');
		else
			ck_assert_ptr_nonnull(strchr("0123456789abcdef", a[i]));
	}
	ck_assert_int_eq(a[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", a[19]));
}
END_TEST

START_TEST(test_apply_template_url_encodes_key)
{
	fcc_buf b;

	fcc_buf_init(&b, 4096);
	ck_assert_int_eq(apply_template_url(&b, "bkt", "eu-west-1", "p/templates/a b+c.yaml"),
			 FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b),
			 "https://bkt.s3.eu-west-1.amazonaws.com/p/templates/a%20b%2Bc.yaml");
	fcc_buf_dispose(&b);
}
END_TEST

START_TEST(test_apply_empty_account_then_rerun_converges)
{
	fixture f;
	watch w = {0};
	apply_report r1, r2;
	apply_opts o;
	fcc_err e;
	sc_constraint_list cl;
	sc_principal_list pl;
	sc_product prod;
	sm_project proj;
	iam_policy_list ipl;
	s3_object_info head;
	aws_error ae;
	size_t i;

	setup(&f);
	load_plan(&f, f.role, 1);
	o = opts_for(&f, &w, 8);
	ck_assert_msg(apply_run(&r1, f.ctx, &f.p, &o, &e) == FCC_OK, "apply: %s", e.msg);
	ck_assert_uint_eq(r1.n_ok, f.p.n_steps);
	ck_assert_str_eq(r1.account, "123456789012");
	ck_assert_int_ge(w.max_running, 2); /* independent steps overlapped */
	ck_assert_int_gt(w.slept, 0);       /* the project was Pending once: one poll wait */
	ck_assert_ptr_nonnull(result_of(&r1, "sc-portfolio")->id);
	ck_assert(result_of(&r1, "sc-portfolio")->created);
	ck_assert_ptr_nonnull(result_of(&r1, "sc-product")->id);
	ck_assert_ptr_nonnull(result_of(&r1, "sc-artifact")->id);
	ck_assert_uint_eq(result_of(&r1, "sc-artifact")->writes, 0); /* CreateProduct made it */
	ck_assert_ptr_nonnull(result_of(&r1, "sc-constraint")->id);
	ck_assert_ptr_nonnull(result_of(&r1, "sagemaker-project")->id);
	ck_assert_uint_eq(result_of(&r1, "iam-role")->writes, 2);

	/* what AWS now holds */
	ck_assert_int_eq(s3_head_object(&head, f.ctx, f.bucket, "t/template.yaml", &ae), FCC_OK);
	for (i = 0; i < head.nmetadata; i++)
		if (strcmp(head.metadata[i].key, "fcc-sha256") == 0)
			ck_assert_str_eq(head.metadata[i].value, f.sha);
	ck_assert_uint_eq(head.nmetadata, 1);
	aws_pool_dispose(&head.pool);
	ck_assert_int_eq(iam_list_attached_role_policies(&ipl, f.ctx, f.role, &ae), FCC_OK);
	ck_assert_uint_eq(ipl.n, 1);
	aws_pool_dispose(&ipl.pool);
	ck_assert_int_eq(sc_describe_product_as_admin(&prod, f.ctx,
						      result_of(&r1, "sc-product")->id, NULL, &ae),
			 FCC_OK);
	ck_assert_uint_eq(prod.nartifacts, 1);
	ck_assert_str_eq(
		prod.artifacts[0].description,
		result_of(&r1, "sc-artifact")->step->attrs
			? json_string_value(json_object_get(
				  result_of(&r1, "sc-artifact")->step->attrs, "description"))
			: "");
	aws_pool_dispose(&prod.pool);
	ck_assert_int_eq(sm_describe_project(&proj, f.ctx, f.project, &ae), FCC_OK);
	ck_assert_str_eq(proj.status, "CreateCompleted");
	ck_assert_str_eq(proj.artifact_id, result_of(&r1, "sc-artifact")->id);
	aws_pool_dispose(&proj.pool);

	/* the same plan again — a rerun after a crash that came before the state
	 * could be read back: the tokens make every create return what exists */
	ck_assert_msg(apply_run(&r2, f.ctx, &f.p, &o, &e) == FCC_OK, "rerun: %s", e.msg);
	ck_assert_str_eq(result_of(&r2, "sc-portfolio")->id, result_of(&r1, "sc-portfolio")->id);
	ck_assert_str_eq(result_of(&r2, "sc-product")->id, result_of(&r1, "sc-product")->id);
	ck_assert_str_eq(result_of(&r2, "sc-artifact")->id, result_of(&r1, "sc-artifact")->id);
	ck_assert_str_eq(result_of(&r2, "sc-constraint")->id, result_of(&r1, "sc-constraint")->id);
	ck_assert_uint_eq(portfolios_named(f.ctx, f.portfolio), 1);
	ck_assert_int_eq(sc_list_constraints_for_portfolio(
				 &cl, f.ctx, result_of(&r1, "sc-portfolio")->id, NULL, &ae),
			 FCC_OK);
	ck_assert_uint_eq(cl.n, 1);
	aws_pool_dispose(&cl.pool);
	ck_assert_int_eq(sc_list_principals_for_portfolio(&pl, f.ctx,
							  result_of(&r1, "sc-portfolio")->id, &ae),
			 FCC_OK);
	ck_assert_uint_eq(pl.n, 1);
	ck_assert_str_eq(pl.items[0].arn, f.principal);
	aws_pool_dispose(&pl.pool);
	apply_report_dispose(&r1);
	apply_report_dispose(&r2);
	teardown(&f);
}
END_TEST

START_TEST(test_apply_failure_skips_only_dependents)
{
	fixture f;
	watch w = {0};
	apply_report r;
	apply_opts o;
	fcc_err e;
	const apply_result *role;

	setup(&f);
	/* the template file is missing (a local failure) and the role does not exist */
	load_plan(&f, "NoSuchRoleForFcc", 0);
	o = opts_for(&f, &w, 8);
	ck_assert_int_eq(apply_run(&r, f.ctx, &f.p, &o, &e), FCC_EAWS);
	ck_assert_ptr_nonnull(strstr(e.msg, "2 steps failed"));
	ck_assert_int_eq(result_of(&r, "s3-object")->status, APPLY_FAILED);
	ck_assert_ptr_nonnull(strstr(result_of(&r, "s3-object")->err.err.msg, "missing.yaml"));
	role = result_of(&r, "iam-role");
	ck_assert_int_eq(role->status, APPLY_FAILED);
	ck_assert_str_eq(role->err.code, "NoSuchEntity");
	/* both writes go out at once; whichever answered first is reported */
	ck_assert(strcmp(role->err.operation, "AttachRolePolicy") == 0 ||
		  strcmp(role->err.operation, "UpdateAssumeRolePolicy") == 0);
	ck_assert_uint_gt(strlen(role->err.request_id), 0);
	/* independent of both: done */
	ck_assert_int_eq(result_of(&r, "sc-portfolio")->status, APPLY_OK);
	ck_assert_int_eq(result_of(&r, "sc-principal")->status, APPLY_OK);
	/* everything downstream of the template: skipped, naming the cause */
	ck_assert_int_eq(result_of(&r, "sc-product")->status, APPLY_SKIPPED);
	ck_assert_int_eq(result_of(&r, "sc-constraint")->status, APPLY_SKIPPED);
	ck_assert_int_eq(result_of(&r, "sagemaker-project")->status, APPLY_SKIPPED);
	ck_assert_ptr_nonnull(strstr(result_of(&r, "sc-product")->note, "s3://"));
	ck_assert_uint_eq(r.n_ok, 2);
	ck_assert_uint_eq(r.n_failed, 2);
	ck_assert_uint_eq(r.n_skipped, f.p.n_steps - 4);
	apply_report_dispose(&r);
	teardown(&f);
}
END_TEST

START_TEST(test_apply_parallelism_one_is_serial)
{
	fixture f;
	watch w = {0};
	apply_report r;
	apply_opts o;
	fcc_err e;

	setup(&f);
	load_plan(&f, f.role, 1);
	o = opts_for(&f, &w, 1);
	ck_assert_msg(apply_run(&r, f.ctx, &f.p, &o, &e) == FCC_OK, "apply: %s", e.msg);
	ck_assert_int_eq(w.max_running, 1);
	ck_assert_int_eq(w.starts, (int)f.p.n_steps);
	apply_report_dispose(&r);
	teardown(&f);
}
END_TEST

static int always(void *payload)
{
	(void)payload;
	return 1;
}

START_TEST(test_apply_cancelled_starts_nothing)
{
	fixture f;
	watch w = {0};
	apply_report r;
	apply_opts o;
	fcc_err e;

	setup(&f);
	load_plan(&f, f.role, 1);
	o = opts_for(&f, &w, 8);
	o.cancelled = always;
	ck_assert_int_eq(apply_run(&r, f.ctx, &f.p, &o, &e), FCC_ERROR);
	ck_assert_ptr_nonnull(strstr(e.msg, "interrupted"));
	ck_assert_uint_eq(r.n_cancelled, f.p.n_steps);
	ck_assert_int_eq(w.starts, 0);
	ck_assert_uint_eq(portfolios_named(f.ctx, f.portfolio), 0);
	apply_report_dispose(&r);
	teardown(&f);
}
END_TEST

START_TEST(test_apply_refuses_errors_and_cycles)
{
	plan p;
	plan_step *a, *b;
	apply_report r;
	fcc_err e;
	aws_ctx *ctx = tu_aws_ctx();

	plan_init(&p);
	ck_assert_int_eq(kv_strs_push(&p.errors, "role X does not exist"), FCC_OK);
	ck_assert_int_eq(apply_run(&r, ctx, &p, NULL, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "role X does not exist"));
	apply_report_dispose(&r);
	plan_dispose(&p);

	plan_init(&p);
	ck_assert_ptr_nonnull(a = plan_add_step(&p, "sc-share", "a", "a", PLAN_CREATE));
	ck_assert_int_eq(plan_step_depend(a, "b"), FCC_OK);
	ck_assert_ptr_nonnull(b = plan_add_step(&p, "sc-share", "b", "b", PLAN_CREATE));
	ck_assert_int_eq(plan_step_depend(b, "a"), FCC_OK);
	ck_assert_int_eq(apply_run(&r, ctx, &p, NULL, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "cycle"));
	apply_report_dispose(&r);
	plan_dispose(&p);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_apply_unknown_action_fails_the_step)
{
	plan p;
	plan_step *a;
	apply_report r;
	fcc_err e;
	aws_ctx *ctx = tu_aws_ctx();

	plan_init(&p);
	ck_assert_ptr_nonnull(a = plan_add_step(&p, "iam-role", "iam-role:x", "x", PLAN_DELETE));
	ck_assert_ptr_nonnull(plan_add_step(&p, "sc-portfolio", "sc-portfolio:x", "x", PLAN_NOOP));
	ck_assert_int_eq(apply_run(&r, ctx, &p, NULL, &e), FCC_EAWS);
	ck_assert_int_eq(r.v[0].status, APPLY_FAILED);
	ck_assert_ptr_nonnull(strstr(r.v[0].err.err.msg, "cannot delete a iam-role"));
	ck_assert_int_eq(r.v[1].status, APPLY_NOOP);
	ck_assert_uint_eq(r.n_noop, 1);
	ck_assert_str_eq(apply_status_name(APPLY_SKIPPED), "skipped");
	apply_report_dispose(&r);
	plan_dispose(&p);
	aws_ctx_free(ctx);
}
END_TEST

/* Every allocation of a run (the graph, the requests, the answers) may fail:
 * each failure ends in a clean code, never a crash or a leak. One step
 * reaches the endpoint and is refused (unknown ids), one depends on it. */
START_TEST(test_apply_oom_sweep)
{
	aws_ctx *ctx = tu_aws_ctx();
	plan p;
	plan_step *a, *b;
	long n;
	int done = 0;

	plan_init(&p);
	ck_assert_ptr_nonnull(plan_add_step(&p, "sc-portfolio", "sc-portfolio:x", "x", PLAN_NOOP));
	ck_assert_int_eq(plan_step_attr(&p.steps[0], "id", json_string("port-doesnotexist1")),
			 FCC_OK);
	ck_assert_ptr_nonnull(plan_add_step(&p, "sc-product", "sc-product:y", "y", PLAN_NOOP));
	ck_assert_int_eq(plan_step_attr(&p.steps[1], "id", json_string("prod-doesnotexist1")),
			 FCC_OK);
	ck_assert_ptr_nonnull(
		a = plan_add_step(&p, "sc-association", "sc-association:x/y", "y", PLAN_CREATE));
	ck_assert_int_eq(plan_step_depend(a, "sc-portfolio:x"), FCC_OK);
	ck_assert_ptr_nonnull(
		b = plan_add_step(&p, "sc-share", "sc-share:x/account:1", "1", PLAN_CREATE));
	ck_assert_int_eq(plan_step_depend(b, "sc-association:x/y"), FCC_OK);
	json_set_alloc_funcs(fcc_malloc, fcc_free);
	for (n = 1; !done && n < 5000; n++) {
		apply_report r;
		fcc_err e = {0};
		int rc;

		fcc_alloc_fail_after(n, 0);
		rc = apply_run(&r, ctx, &p, NULL, &e);
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		ck_assert_msg(rc == FCC_EAWS || rc == FCC_ENOMEM, "fail at %ld: rc %d (%s)", n, rc,
			      e.msg);
		if (done) {
			ck_assert_int_eq(rc, FCC_EAWS);
			ck_assert_str_eq(r.v[2].err.code, "ResourceNotFoundException");
			ck_assert_int_eq(r.v[3].status, APPLY_SKIPPED);
		}
		apply_report_dispose(&r);
	}
	json_set_alloc_funcs(malloc, free);
	ck_assert_int_eq(done, 1);
	ck_assert_int_gt(n, 50); /* the sweep did walk the run's allocations */
	plan_dispose(&p);
	aws_ctx_free(ctx);
}
END_TEST

Suite *suite_apply(void);
Suite *suite_apply(void)
{
	Suite *s = suite_create("apply");
	TCase *t = tcase_create("apply");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_apply_token_shape);
	tcase_add_test(t, test_apply_template_url_encodes_key);
	tcase_add_test(t, test_apply_empty_account_then_rerun_converges);
	tcase_add_test(t, test_apply_failure_skips_only_dependents);
	tcase_add_test(t, test_apply_parallelism_one_is_serial);
	tcase_add_test(t, test_apply_cancelled_starts_nothing);
	tcase_add_test(t, test_apply_refuses_errors_and_cycles);
	tcase_add_test(t, test_apply_unknown_action_fails_the_step);
	tcase_add_test(t, test_apply_oom_sweep);
	suite_add_tcase(s, t);
	return s;
}
