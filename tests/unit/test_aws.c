/*
 * test_aws.c — the AWS request layer (runtime/aws.c and the protocol
 * helpers) and every typed client operation (runtime/aws/), against the
 * local endpoint in FCC_TEST_ENDPOINT (moto + fccext, started by
 * tests/run.sh). Retries run through tests/aws/faultproxy.py in front of it,
 * web identity through moto's STS. Without FCC_TEST_ENDPOINT every endpoint
 * test fails: the suite never skips, and never reaches real AWS.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "runtime/aws.h"
#include "runtime/aws/cfn.h"
#include "runtime/aws/forecast.h"
#include "runtime/aws/iam.h"
#include "runtime/aws/s3.h"
#include "runtime/aws/sagemaker.h"
#include "runtime/aws/sc.h"
#include "runtime/aws/sts.h"
#include "testutil.h"
#include "tu_server.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz"
#define TOKEN "FwoGZXIvYXdzEXAMPLEsessionTOKENvalue0123456789"
#define ACCOUNT "123456789012"

/* ---- environment table and debug capture ---- */

typedef struct env_table {
	const char *kv[32]; /* name, value, … , NULL */
} env_table;

static const char *table_getenv(void *payload, const char *name)
{
	env_table *t = payload;
	size_t i;

	for (i = 0; t->kv[i]; i += 2)
		if (strcmp(t->kv[i], name) == 0)
			return t->kv[i + 1];
	return NULL;
}

static fcc_buf debug_log;

static void capture(void *payload, const char *line)
{
	(void)payload;
	fcc_buf_puts(&debug_log, line);
	fcc_buf_putc(&debug_log, '\n');
}

static const char *endpoint(void)
{
	const char *ep = getenv("FCC_TEST_ENDPOINT");

	/* no skip: run under tests/run.sh, which starts the endpoint */
	ck_assert_msg(ep && *ep, "FCC_TEST_ENDPOINT is not set: run through tests/run.sh");
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	return ep;
}

static env_table base_env = {{"AWS_ACCESS_KEY_ID", "AKIDFCCTEST", "AWS_SECRET_ACCESS_KEY", SECRET,
			      "AWS_REGION", "us-east-1", "AWS_CONFIG_FILE", "/dev/null",
			      "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
			      "AWS_EC2_METADATA_DISABLED", "true", NULL}};

static aws_ctx *ctx_for(const char *url, env_table *env, int debug)
{
	aws_options o;
	aws_ctx *ctx = NULL;
	fcc_err e;

	memset(&o, 0, sizeof o);
	o.endpoint_url = url;
	o.getenv = table_getenv;
	o.getenv_payload = env ? env : &base_env;
	if (debug) {
		fcc_buf_init(&debug_log, FCC_BUF_DEFAULT_MAX);
		o.debug = capture;
	}
	ck_assert_msg(aws_ctx_new(&ctx, &o, &e) == FCC_OK, "aws_ctx_new: %s", e.msg);
	return ctx;
}

static aws_ctx *new_ctx(void)
{
	return ctx_for(endpoint(), NULL, 0);
}

/* A name unique to this process and call, so tests share one endpoint. */
static const char *uniq(const char *prefix)
{
	static char buf[8][96];
	static unsigned n;
	char *b = buf[n % 8];

	snprintf(b, sizeof buf[0], "%s-%d-%u", prefix, (int)getpid(), n++);
	return b;
}

#define OK(call, ae) ck_assert_msg((call) == FCC_OK, "%s", (ae).err.msg)

/* A raw query call for set-up operations the typed clients do not cover. */
static void raw_query(aws_ctx *ctx, const aws_service *svc, const char *action, const char *k1,
		      const char *v1, const char *k2, const char *v2)
{
	aws_query q;
	xmlDoc *doc = NULL;
	aws_error ae;

	aws_query_init(&q, svc, action);
	aws_query_add(&q, k1, v1);
	aws_query_add(&q, k2, v2);
	OK(aws_query_call(&doc, ctx, svc, action, &q, 0, &ae), ae);
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
}

static json_t *raw_json(aws_ctx *ctx, const aws_service *svc, const char *op, json_t *in)
{
	json_t *out = NULL;
	aws_error ae;

	OK(aws_json_call(&out, ctx, svc, op, in, &ae), ae);
	json_decref(in);
	return out;
}

/* ---- pure helpers ---- */

START_TEST(test_aws_query_encoding)
{
	aws_query q;

	aws_query_init(&q, &aws_svc_cloudformation, "DescribeStacks");
	aws_query_add(&q, "StackName", "a b~c/d=é");
	aws_query_add(&q, "Skipped", NULL);
	aws_query_addf(&q, "v", "Tags.member.%d.Key", 3);
	ck_assert_int_eq(q.rc, FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&q.body),
			 "Action=DescribeStacks&Version=2010-05-15"
			 "&StackName=a%20b~c%2Fd%3D%C3%A9&Tags.member.3.Key=v");
	aws_query_dispose(&q);
}
END_TEST

START_TEST(test_aws_error_code_and_format)
{
	aws_error ae;
	char code[64];
	fcc_buf b;

	aws_error_code_from_type(code, sizeof code,
				 "com.amazonaws.forecast#ResourceNotFoundException:http://x/");
	ck_assert_str_eq(code, "ResourceNotFoundException");
	aws_error_code_from_type(code, sizeof code, "ThrottlingException");
	ck_assert_str_eq(code, "ThrottlingException");
	aws_error_clear(&ae);
	strcpy(ae.service, "CloudFormation");
	strcpy(ae.operation, "DescribeStacks");
	ae.status = 400;
	strcpy(ae.code, "ValidationError");
	strcpy(ae.message, "Stack with id x does not exist");
	strcpy(ae.request_id, "8d3c-1");
	fcc_buf_init(&b, 4096);
	ck_assert_int_eq(aws_error_format(&b, &ae), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b),
			 "CloudFormation DescribeStacks: ValidationError (HTTP 400): "
			 "Stack with id x does not exist [request id 8d3c-1]");
	fcc_buf_dispose(&b);
}
END_TEST

START_TEST(test_aws_uuid_and_xml_find)
{
	char u[37], v[37];
	xmlDoc *doc = NULL;
	aws_pool p;
	fcc_err e;
	const char *x = "<R xmlns=\"urn:x\"><A><B>1</B><B>2</B></A><C><D><E>deep</E></D></C></R>";

	ck_assert_int_eq(aws_uuid4(u, &e), FCC_OK);
	ck_assert_int_eq(aws_uuid4(v, &e), FCC_OK);
	ck_assert_uint_eq(strlen(u), 36);
	ck_assert_int_eq(u[14], '4');
	ck_assert(strchr("89ab", u[19]) != NULL);
	ck_assert_str_ne(u, v);

	memset(&p, 0, sizeof p);
	ck_assert_int_eq(aws_xml_parse(&doc, x, strlen(x), &e), FCC_OK);
	ck_assert_str_eq(aws_xml_str(&p, xmlDocGetRootElement(doc), "A/B"), "1");
	ck_assert_str_eq(
		aws_xml_str(&p, aws_xml_next(aws_xml_find(xmlDocGetRootElement(doc), "A/B")), ""),
		"2");
	ck_assert_str_eq(aws_xml_str(&p, xmlDocGetRootElement(doc), "//E"), "deep");
	ck_assert_ptr_null(aws_xml_find(xmlDocGetRootElement(doc), "A/Z"));
	ck_assert_uint_eq(aws_xml_count(aws_xml_find(xmlDocGetRootElement(doc), "A"), "B"), 2);
	xmlFreeDoc(doc);
	aws_pool_dispose(&p);
	ck_assert_int_eq(aws_xml_parse(&doc, "<a><b></a>", 10, &e), FCC_EPARSE);
}
END_TEST

/* ---- every client against the endpoint ---- */

START_TEST(test_aws_sts_caller_identity)
{
	aws_ctx *ctx = new_ctx();
	sts_identity id;
	aws_error ae;

	OK(sts_get_caller_identity(&id, ctx, &ae), ae);
	ck_assert_str_eq(id.account, ACCOUNT);
	ck_assert_ptr_nonnull(strstr(id.arn, "arn:aws:sts::" ACCOUNT));
	ck_assert_str_eq(aws_ctx_region(ctx), "us-east-1");
	ck_assert_str_eq(aws_ctx_region_source(ctx), "env:AWS_REGION");
	aws_pool_dispose(&id.pool);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_s3_objects)
{
	aws_ctx *ctx = new_ctx();
	const char *bucket = uniq("fcc-s3"), *key = "seed code/v1/a+b~c.zip";
	static const char data[] = "PK\x03\x04 zip bytes\n";
	aws_tag meta[] = {{"sha256", "abc123"}};
	aws_request req;
	http_response r;
	s3_put_input in;
	s3_object_info info;
	aws_error ae;

	/* CreateBucket through the raw pipeline (path style on the custom endpoint) */
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "CreateBucket";
	req.method = "PUT";
	req.bucket = bucket;
	OK(aws_call(ctx, &req, &r, &ae), ae);
	http_response_dispose(&r);

	memset(&in, 0, sizeof in);
	in.bucket = bucket;
	in.key = key;
	in.body = data;
	in.len = sizeof data - 1;
	in.content_type = "application/zip";
	in.metadata = meta;
	in.nmetadata = 1;
	OK(s3_put_object(&info, ctx, &in, &ae), ae);
	ck_assert_ptr_nonnull(info.etag);
	aws_pool_dispose(&info.pool);

	OK(s3_head_object(&info, ctx, bucket, key, &ae), ae);
	ck_assert_int_eq(info.content_length, (long long)(sizeof data - 1));
	ck_assert_uint_eq(info.nmetadata, 1);
	ck_assert_str_eq(info.metadata[0].key, "sha256");
	ck_assert_str_eq(info.metadata[0].value, "abc123");
	ck_assert_int_gt(info.last_modified, 1600000000);
	aws_pool_dispose(&info.pool);

	OK(s3_get_object(&info, ctx, bucket, key, &ae), ae);
	ck_assert_int_eq(info.content_length, (long long)(sizeof data - 1));
	ck_assert_mem_eq(info.body, data, sizeof data - 1);
	aws_pool_dispose(&info.pool);

	/* HEAD errors have no body: the 404 status alone says "missing" */
	ck_assert_int_eq(s3_head_object(&info, ctx, bucket, "nope/missing", &ae), FCC_ENOTFOUND);
	ck_assert_int_eq(ae.status, 404);
	ck_assert_str_eq(ae.code, "NotFound");
	ck_assert_ptr_nonnull(strstr(ae.err.msg, "S3 HeadObject: NotFound (HTTP 404)"));
	/* GET errors carry an XML body with a code and request id */
	ck_assert_int_eq(s3_get_object(&info, ctx, bucket, "nope/missing", &ae), FCC_ENOTFOUND);
	ck_assert_str_eq(ae.code, "NoSuchKey");
	ck_assert_str_ne(ae.request_id, "");
	aws_ctx_free(ctx);
}
END_TEST

static const char *trust(const char *svc)
{
	static char b[512];

	snprintf(b, sizeof b,
		 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
		 "{\"Service\":\"%s\"},\"Action\":\"sts:AssumeRole\"}]}",
		 svc);
	return b;
}

START_TEST(test_aws_iam_role)
{
	aws_ctx *ctx = new_ctx();
	const char *role = uniq("fcc-role");
	iam_role r;
	iam_policy_list pl;
	aws_error ae;

	raw_query(ctx, &aws_svc_iam, "CreateRole", "RoleName", role, "AssumeRolePolicyDocument",
		  trust("sagemaker.amazonaws.com"));
	OK(iam_get_role(&r, ctx, role, &ae), ae);
	ck_assert_str_eq(r.name, role);
	ck_assert_ptr_nonnull(strstr(r.arn, ":role/"));
	/* IAM percent-encodes the document; the client decodes it */
	ck_assert_ptr_nonnull(strstr(r.assume_role_policy, "\"sagemaker.amazonaws.com\""));
	aws_pool_dispose(&r.pool);

	OK(iam_attach_role_policy(ctx, role, "arn:aws:iam::aws:policy/AmazonForecastFullAccess",
				  &ae),
	   ae);
	OK(iam_attach_role_policy(ctx, role, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", &ae),
	   ae);
	OK(iam_list_attached_role_policies(&pl, ctx, role, &ae), ae);
	ck_assert_uint_eq(pl.n, 2);
	ck_assert(strcmp(pl.items[0].name, "AmazonForecastFullAccess") == 0 ||
		  strcmp(pl.items[1].name, "AmazonForecastFullAccess") == 0);
	aws_pool_dispose(&pl.pool);

	OK(iam_update_assume_role_policy(ctx, role, trust("forecast.amazonaws.com"), &ae), ae);
	OK(iam_get_role(&r, ctx, role, &ae), ae);
	ck_assert_ptr_nonnull(strstr(r.assume_role_policy, "forecast.amazonaws.com"));
	aws_pool_dispose(&r.pool);

	ck_assert_int_eq(iam_get_role(&r, ctx, "no-such-role-fcc", &ae), FCC_ENOTFOUND);
	ck_assert_str_eq(ae.code, "NoSuchEntity");
	ck_assert_int_eq(ae.status, 404);
	aws_ctx_free(ctx);
}
END_TEST

static const char *TEMPLATE =
	"{\"AWSTemplateFormatVersion\":\"2010-09-09\",\"Description\":\"fcc test\","
	"\"Parameters\":{\"SageMakerProjectName\":{\"Type\":\"String\",\"Default\":\"p\"}},"
	"\"Resources\":{\"Topic\":{\"Type\":\"AWS::SNS::Topic\",\"Properties\":"
	"{\"DisplayName\":{\"Ref\":\"SageMakerProjectName\"}}}},"
	"\"Outputs\":{\"TopicArn\":{\"Value\":{\"Ref\":\"Topic\"}}}}";

START_TEST(test_aws_cfn_change_sets)
{
	aws_ctx *ctx = new_ctx();
	const char *stack = uniq("fcc-stack");
	cfn_create_change_set_input in;
	cfn_change_set_ref ref;
	cfn_change_set cs;
	cfn_stack_list sl;
	cfn_event_list ev;
	cfn_template tb;
	cfn_validation v;
	cfn_drift_detection dd;
	cfn_drift_list dl;
	aws_tag tags[] = {{"fcc:project", "demo"}};
	cfn_parameter params[] = {{"SageMakerProjectName", "demo", 0}};
	aws_error ae;

	OK(cfn_validate_template(&v, ctx, TEMPLATE, NULL, &ae), ae);
	ck_assert_str_eq(v.description, "fcc test");
	/* moto 5.2.1 answers ValidateTemplate with an empty Parameters list, so
	 * the parameters are not checked here */
	aws_pool_dispose(&v.pool);
	/* query-protocol error body: code, message, request id */
	ck_assert_int_eq(cfn_validate_template(&v, ctx, "{not json", NULL, &ae), FCC_EAWS);
	ck_assert_str_eq(ae.code, "ValidationError");
	ck_assert_int_eq(ae.status, 400);
	ck_assert_str_ne(ae.request_id, "");

	memset(&in, 0, sizeof in);
	in.stack_name = stack;
	in.change_set_name = "fcc-1";
	in.change_set_type = "CREATE";
	in.template_body = TEMPLATE;
	in.parameters = params;
	in.nparameters = 1;
	in.tags = tags;
	in.ntags = 1;
	OK(cfn_create_change_set(&ref, ctx, &in, &ae), ae);
	ck_assert_ptr_nonnull(strstr(ref.id, ":changeSet/fcc-1/"));
	ck_assert_ptr_nonnull(strstr(ref.stack_id, stack));
	OK(cfn_describe_change_set(&cs, ctx, "fcc-1", stack, &ae), ae);
	ck_assert_str_eq(cs.name, "fcc-1");
	ck_assert_str_eq(cs.stack_name, stack);
	ck_assert_ptr_nonnull(cs.status);
	ck_assert_uint_ge(cs.nchanges, 1);
	ck_assert_str_eq(cs.changes[0].action, "Add");
	ck_assert_str_eq(cs.changes[0].resource_type, "AWS::SNS::Topic");
	aws_pool_dispose(&cs.pool);
	OK(cfn_execute_change_set(ctx, ref.id, NULL, NULL, &ae), ae);
	aws_pool_dispose(&ref.pool);

	OK(cfn_describe_stacks(&sl, ctx, stack, &ae), ae);
	ck_assert_uint_eq(sl.n, 1);
	ck_assert_str_eq(sl.items[0].name, stack);
	ck_assert_ptr_nonnull(strstr(sl.items[0].status, "COMPLETE"));
	ck_assert_uint_eq(sl.items[0].ntags, 1);
	ck_assert_str_eq(sl.items[0].tags[0].key, "fcc:project");
	/* moto 5.2.1 keeps no Outputs on stacks made through change sets */
	aws_pool_dispose(&sl.pool);

	OK(cfn_describe_stack_events(&ev, ctx, stack, NULL, 0, &ae), ae);
	ck_assert_uint_ge(ev.n, 2);
	ck_assert_str_eq(ev.items[0].stack_name, stack);
	{
		/* a follower stops at the last event it saw */
		cfn_event_list ev2;
		OK(cfn_describe_stack_events(&ev2, ctx, stack, ev.items[1].event_id, 0, &ae), ae);
		ck_assert_uint_eq(ev2.n, 1);
		aws_pool_dispose(&ev2.pool);
	}
	aws_pool_dispose(&ev.pool);

	OK(cfn_get_template(&tb, ctx, stack, NULL, NULL, &ae), ae);
	ck_assert_ptr_nonnull(strstr(tb.body, "AWS::SNS::Topic"));
	aws_pool_dispose(&tb.pool);

	/* a second change set, then deleted */
	in.change_set_name = "fcc-2";
	in.change_set_type = "UPDATE";
	params[0].value = "demo2"; /* a real change, else "No updates are to be performed" */
	OK(cfn_create_change_set(&ref, ctx, &in, &ae), ae);
	aws_pool_dispose(&ref.pool);
	OK(cfn_delete_change_set(ctx, "fcc-2", stack, &ae), ae);
	ck_assert_int_eq(cfn_describe_change_set(&cs, ctx, "fcc-2", stack, &ae), FCC_ENOTFOUND);

	OK(cfn_detect_stack_drift(&dd, ctx, stack, &ae), ae);
	ck_assert_ptr_nonnull(dd.id);
	aws_pool_dispose(&dd.pool);
	OK(cfn_describe_stack_resource_drifts(&dl, ctx, stack, &ae), ae);
	ck_assert_uint_ge(dl.n, 1);
	ck_assert_str_eq(dl.items[0].status, "IN_SYNC");
	aws_pool_dispose(&dl.pool);

	/* a missing stack: FCC_ENOTFOUND and the full one-line message */
	ck_assert_int_eq(cfn_describe_stacks(&sl, ctx, "fcc-no-such-stack", &ae), FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(ae.err.msg, "CloudFormation DescribeStacks: ValidationError "
						 "(HTTP 400): Stack with id fcc-no-such-stack does "
						 "not exist [request id "));
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_sc_portfolio_product)
{
	aws_ctx *ctx = new_ctx();
	const char *pname = uniq("fcc-portfolio"), *prname = uniq("fcc-product");
	const char *tpl = "https://fcc-artifacts.s3.amazonaws.com/p/template/abc.yaml";
	aws_tag tags[] = {{"fcc:project", "demo"}};
	aws_tag vis[] = {{"sagemaker:studio-visibility", "true"}};
	const char *rm[] = {"fcc:project"};
	sc_portfolio_input pin;
	sc_portfolio po, po2;
	sc_portfolio_list pl;
	sc_product_input prin;
	sc_artifact_input ain;
	sc_product pr;
	sc_product_list sl;
	sc_artifact ar;
	sc_artifact_list al;
	sc_constraint_input cin;
	sc_constraint co;
	sc_constraint_list cl;
	sc_principal_list ppl;
	sc_share sh;
	aws_error ae;
	size_t i;
	int found = 0;

	memset(&pin, 0, sizeof pin);
	pin.display_name = pname;
	pin.provider_name = "fcc";
	pin.description = "test";
	pin.tags = tags;
	pin.ntags = 1;
	OK(sc_create_portfolio(&po, ctx, &pin, &ae), ae);
	ck_assert_str_eq(po.info.display_name, pname);
	ck_assert_int_eq(strncmp(po.info.id, "port-", 5), 0);
	OK(sc_describe_portfolio(&po2, ctx, po.info.id, &ae), ae);
	ck_assert_str_eq(po2.info.arn, po.info.arn);
	ck_assert_uint_eq(po2.ntags, 1);
	aws_pool_dispose(&po2.pool);
	memset(&pin, 0, sizeof pin);
	pin.id = po.info.id;
	pin.description = "updated";
	pin.remove_tags = rm;
	pin.nremove_tags = 1;
	OK(sc_update_portfolio(&po2, ctx, &pin, &ae), ae);
	ck_assert_str_eq(po2.info.description, "updated");
	ck_assert_uint_eq(po2.ntags, 0);
	aws_pool_dispose(&po2.pool);
	OK(sc_list_portfolios(&pl, ctx, &ae), ae);
	for (i = 0; i < pl.n; i++)
		found += strcmp(pl.items[i].id, po.info.id) == 0;
	ck_assert_int_eq(found, 1);
	aws_pool_dispose(&pl.pool);

	memset(&ain, 0, sizeof ain);
	ain.name = "v1";
	ain.template_url = tpl;
	ain.disable_template_validation = 1;
	memset(&prin, 0, sizeof prin);
	prin.name = prname;
	prin.owner = "fcc";
	prin.tags = vis;
	prin.ntags = 1;
	prin.artifact = &ain;
	OK(sc_create_product(&pr, ctx, &prin, &ae), ae);
	ck_assert_int_eq(strncmp(pr.info.id, "prod-", 5), 0);
	ck_assert_str_eq(pr.info.name, prname);
	ck_assert_uint_eq(pr.nartifacts, 1);
	ck_assert_str_eq(pr.artifacts[0].name, "v1");
	{
		char pid[64];
		snprintf(pid, sizeof pid, "%s", pr.info.id);
		aws_pool_dispose(&pr.pool);

		OK(sc_describe_product_as_admin(&pr, ctx, NULL, prname, &ae), ae);
		ck_assert_str_eq(pr.info.id, pid);
		ck_assert_uint_eq(pr.ntags, 1);
		ck_assert_str_eq(pr.tags[0].key, "sagemaker:studio-visibility");
		aws_pool_dispose(&pr.pool);

		memset(&prin, 0, sizeof prin);
		prin.id = pid;
		prin.description = "forecast template";
		OK(sc_update_product(&pr, ctx, &prin, &ae), ae);
		ck_assert_str_eq(pr.info.description, "forecast template");
		aws_pool_dispose(&pr.pool);

		ain.name = "v2";
		ain.product_id = pid;
		OK(sc_create_provisioning_artifact(&ar, ctx, &ain, &ae), ae);
		ck_assert_str_eq(ar.info.name, "v2");
		ck_assert_int_eq(strncmp(ar.info.id, "pa-", 3), 0);
		memset(&ain, 0, sizeof ain);
		ain.product_id = pid;
		ain.artifact_id = ar.info.id;
		ain.active = -1;
		ain.guidance = "DEPRECATED";
		{
			sc_artifact ar2;
			OK(sc_update_provisioning_artifact(&ar2, ctx, &ain, &ae), ae);
			ck_assert_str_eq(ar2.info.guidance, "DEPRECATED");
			ck_assert_str_eq(ar2.info.id, ar.info.id);
			aws_pool_dispose(&ar2.pool);
		}
		aws_pool_dispose(&ar.pool);
		OK(sc_list_provisioning_artifacts(&al, ctx, pid, &ae), ae);
		ck_assert_uint_eq(al.n, 2);
		aws_pool_dispose(&al.pool);

		OK(sc_associate_product_with_portfolio(ctx, pid, po.info.id, &ae), ae);
		OK(sc_search_products_as_admin(&sl, ctx, po.info.id, NULL, &ae), ae);
		ck_assert_uint_eq(sl.n, 1);
		ck_assert_str_eq(sl.items[0].id, pid);
		aws_pool_dispose(&sl.pool);

		memset(&cin, 0, sizeof cin);
		cin.portfolio_id = po.info.id;
		cin.product_id = pid;
		cin.type = "LAUNCH";
		cin.parameters =
			"{\"RoleArn\": \"arn:aws:iam::" ACCOUNT
			":role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole\"}";
		OK(sc_create_constraint(&co, ctx, &cin, &ae), ae);
		ck_assert_str_eq(co.info.type, "LAUNCH");
		aws_pool_dispose(&co.pool);
		/* the same pair again is a service error with a JSON body */
		ck_assert_int_eq(sc_create_constraint(&co, ctx, &cin, &ae), FCC_EAWS);
		ck_assert_str_eq(ae.code, "DuplicateResourceException");
		ck_assert_str_ne(ae.request_id, "");
		OK(sc_list_constraints_for_portfolio(&cl, ctx, po.info.id, NULL, &ae), ae);
		ck_assert_uint_eq(cl.n, 1);
		ck_assert_str_eq(cl.items[0].product_id, pid);
		aws_pool_dispose(&cl.pool);
	}

	OK(sc_associate_principal_with_portfolio(
		   ctx, po.info.id, "arn:aws:iam::" ACCOUNT ":role/AmazonSageMaker-ExecutionRole-1",
		   "IAM", &ae),
	   ae);
	OK(sc_list_principals_for_portfolio(&ppl, ctx, po.info.id, &ae), ae);
	ck_assert_uint_eq(ppl.n, 1);
	ck_assert_str_eq(ppl.items[0].type, "IAM");
	aws_pool_dispose(&ppl.pool);
	OK(sc_create_portfolio_share(&sh, ctx, po.info.id, "210987654321", NULL, NULL, 0, &ae), ae);
	aws_pool_dispose(&sh.pool);

	/* JSON error: code after '#', FCC_ENOTFOUND */
	ck_assert_int_eq(sc_describe_portfolio(&po2, ctx, "port-doesnotexist1", &ae),
			 FCC_ENOTFOUND);
	ck_assert_str_eq(ae.code, "ResourceNotFoundException");
	ck_assert_ptr_nonnull(strstr(ae.err.msg, "Service Catalog DescribePortfolio: "
						 "ResourceNotFoundException (HTTP 400)"));
	aws_pool_dispose(&po.pool);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_sc_pagination)
{
	aws_ctx *ctx = new_ctx();
	sc_portfolio_input pin;
	sc_portfolio po;
	sc_portfolio_list pl;
	aws_error ae;
	const char *prefix = uniq("fcc-page");
	char name[128];
	size_t i, mine = 0;

	/* ListPortfolios pages hold 20: 25 of ours need two pages at least */
	for (i = 0; i < 25; i++) {
		memset(&pin, 0, sizeof pin);
		snprintf(name, sizeof name, "%s-%zu", prefix, i);
		pin.display_name = name;
		pin.provider_name = "fcc";
		OK(sc_create_portfolio(&po, ctx, &pin, &ae), ae);
		aws_pool_dispose(&po.pool);
	}
	OK(sc_list_portfolios(&pl, ctx, &ae), ae);
	ck_assert_uint_gt(pl.n, 20);
	for (i = 0; i < pl.n; i++)
		mine += strncmp(pl.items[i].display_name, prefix, strlen(prefix)) == 0;
	ck_assert_uint_eq(mine, 25);
	aws_pool_dispose(&pl.pool);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_sagemaker_pipeline_project)
{
	aws_ctx *ctx = new_ctx();
	const char *pipe = uniq("fcc-pipe"), *proj = uniq("fcc-proj");
	const char *def =
		"{\"Version\":\"2020-12-01\",\"Parameters\":[],\"Steps\":["
		"{\"Name\":\"ForecastPreProcess\",\"Type\":\"Processing\",\"Arguments\":{}},"
		"{\"Name\":\"ForecastTrainAndEvaluate\",\"Type\":\"Processing\","
		"\"Arguments\":{}}]}";
	sm_pipeline_input in;
	sm_arn a, ex;
	sm_pipeline p;
	sm_execution e;
	sm_step_list sl;
	sm_parameter params[] = {{"ForecastHorizon", "24"}};
	sm_project_input pin;
	sm_project pr;
	sc_product_input prin;
	sc_artifact_input ain;
	sc_product scp;
	aws_error ae;

	memset(&in, 0, sizeof in);
	in.name = pipe;
	in.definition = def;
	in.role_arn = "arn:aws:iam::" ACCOUNT ":role/AmazonSageMakerServiceCatalogProductsUseRole";
	in.description = "v1";
	OK(sm_create_pipeline(&a, ctx, &in, &ae), ae);
	ck_assert_ptr_nonnull(strstr(a.arn, pipe));
	aws_pool_dispose(&a.pool);
	in.description = "v2";
	OK(sm_update_pipeline(&a, ctx, &in, &ae), ae);
	aws_pool_dispose(&a.pool);
	OK(sm_describe_pipeline(&p, ctx, pipe, &ae), ae);
	ck_assert_str_eq(p.name, pipe);
	ck_assert_str_eq(p.description, "v2");
	ck_assert_ptr_nonnull(strstr(p.definition, "ForecastTrainAndEvaluate"));
	aws_pool_dispose(&p.pool);

	OK(sm_start_pipeline_execution(&ex, ctx, pipe, NULL, params, 1, NULL, &ae), ae);
	ck_assert_ptr_nonnull(strstr(ex.arn, "/execution/"));
	OK(sm_describe_pipeline_execution(&e, ctx, ex.arn, &ae), ae);
	ck_assert_str_eq(e.arn, ex.arn);
	ck_assert_ptr_nonnull(e.status);
	aws_pool_dispose(&e.pool);
	OK(sm_list_pipeline_execution_steps(&sl, ctx, ex.arn, &ae), ae);
	ck_assert_uint_eq(sl.n, 2);
	ck_assert_str_eq(sl.items[0].status, "Succeeded");
	ck_assert_ptr_nonnull(sl.items[0].job_arn);
	aws_pool_dispose(&sl.pool);
	aws_pool_dispose(&ex.pool);

	/* a project needs a Service Catalog product */
	memset(&ain, 0, sizeof ain);
	ain.name = "v1";
	ain.template_url = "https://fcc-artifacts.s3.amazonaws.com/t.yaml";
	memset(&prin, 0, sizeof prin);
	prin.name = uniq("fcc-smprod");
	prin.owner = "fcc";
	prin.artifact = &ain;
	OK(sc_create_product(&scp, ctx, &prin, &ae), ae);
	memset(&pin, 0, sizeof pin);
	pin.name = proj;
	pin.product_id = scp.info.id;
	OK(sm_create_project(&a, ctx, &pin, &ae), ae);
	ck_assert_ptr_nonnull(a.id);
	OK(sm_describe_project(&pr, ctx, proj, &ae), ae);
	ck_assert_str_eq(pr.id, a.id);
	ck_assert_str_eq(pr.product_id, scp.info.id);
	ck_assert_str_eq(pr.status, "Pending");
	aws_pool_dispose(&pr.pool);
	aws_pool_dispose(&a.pool);
	aws_pool_dispose(&scp.pool);

	/* AWS answers ResourceNotFound (→ FCC_ENOTFOUND); moto 5.2.1 says
	 * ValidationException "Could not find pipeline" */
	ck_assert_int_eq(sm_describe_pipeline(&p, ctx, "fcc-no-such-pipeline", &ae), FCC_EAWS);
	ck_assert_str_eq(ae.code, "ValidationException");
	ck_assert_ptr_nonnull(
		strstr(ae.err.msg, "SageMaker DescribePipeline: ValidationException"));
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_forecast_reads)
{
	aws_ctx *ctx = new_ctx();
	const char *dg = uniq("fcc_dg");
	json_t *r;
	fc_dataset_group_list gl;
	fc_predictor_list pl;
	fc_predictor_detail pd;
	fc_accuracy acc;
	http_client *hc = NULL;
	http_response hr;
	http_request hq;
	http_header h = {"Content-Type", "application/json"};
	char url[256], body[1536], arn[512];
	const char *dgarn;
	aws_error ae;
	fcc_err e;
	size_t i;
	int found = 0;

	for (i = 0; dg[i]; i++)
		if (dg[i] == '-')
			((char *)dg)[i] = '_'; /* dataset group names: [a-zA-Z][a-zA-Z0-9_]* */
	r = raw_json(ctx, &aws_svc_forecast, "CreateDatasetGroup",
		     json_pack("{s:s, s:s}", "DatasetGroupName", dg, "Domain", "CUSTOM"));
	dgarn = json_string_value(json_object_get(r, "DatasetGroupArn"));
	ck_assert_ptr_nonnull(dgarn);
	snprintf(arn, sizeof arn, "%s", dgarn);
	json_decref(r);
	OK(fc_list_dataset_groups(&gl, ctx, &ae), ae);
	for (i = 0; i < gl.n; i++)
		found += strcmp(gl.items[i].arn, arn) == 0;
	ck_assert_int_eq(found, 1);
	aws_pool_dispose(&gl.pool);

	/* seed an ACTIVE predictor through the endpoint's test route */
	ck_assert_int_eq(http_client_new(&hc, NULL, &e), FCC_OK);
	snprintf(url, sizeof url, "%s/__fcc/forecast/predictors", endpoint());
	snprintf(body, sizeof body,
		 "{\"PredictorName\":\"%s_p\",\"DatasetGroupArn\":\"%s\",\"Status\":\"ACTIVE\","
		 "\"Metrics\":{\"RMSE\":1.5,\"WAPE\":0.25,\"MAPE\":0.3,\"MASE\":0.9}}",
		 dg, arn);
	memset(&hq, 0, sizeof hq);
	hq.method = "POST";
	hq.url = url;
	hq.headers = &h;
	hq.nheaders = 1;
	hq.body = body;
	hq.body_len = strlen(body);
	ck_assert_int_eq(http_do(hc, &hq, &hr, &e), FCC_OK);
	ck_assert_int_eq(hr.status, 200);
	http_response_dispose(&hr);
	http_client_free(hc);

	OK(fc_list_predictors(&pl, ctx, arn, &ae), ae);
	ck_assert_uint_eq(pl.n, 1);
	ck_assert_str_eq(pl.items[0].dataset_group_arn, arn);
	ck_assert_str_eq(pl.items[0].status, "ACTIVE");
	OK(fc_describe_predictor(&pd, ctx, pl.items[0].arn, &ae), ae);
	ck_assert_str_eq(pd.p.arn, pl.items[0].arn);
	ck_assert_str_eq(pd.p.status, "ACTIVE");
	aws_pool_dispose(&pd.pool);
	OK(fc_get_accuracy_metrics(&acc, ctx, pl.items[0].arn, &ae), ae);
	ck_assert_uint_ge(acc.n, 1);
	ck_assert_double_eq_tol(acc.items[0].rmse, 1.5, 1e-9);
	ck_assert_double_eq_tol(acc.items[0].wape, 0.25, 1e-9);
	ck_assert_double_eq_tol(acc.items[0].mase, 0.9, 1e-9);
	aws_pool_dispose(&acc.pool);
	aws_pool_dispose(&pl.pool);
	ck_assert_int_eq(
		fc_describe_predictor(&pd, ctx,
				      "arn:aws:forecast:us-east-1:" ACCOUNT ":predictor/none", &ae),
		FCC_ENOTFOUND);
	aws_ctx_free(ctx);
}
END_TEST

/* ---- the pipeline: async, retries, unsigned calls, secrets ---- */

typedef struct async_count {
	int ok, failed;
} async_count;

static void async_done(void *payload, http_response *resp, aws_error *ae)
{
	async_count *c = payload;

	if (ae->err.code == FCC_OK && resp->status == 200 &&
	    strstr(fcc_buf_cstr(&resp->body), "<Stacks"))
		c->ok++;
	else
		c->failed++;
}

START_TEST(test_aws_async_in_flight)
{
	aws_ctx *ctx = new_ctx();
	async_count c = {0, 0};
	aws_request req;
	aws_query q;
	fcc_err e;
	int i;

	aws_query_init(&q, &aws_svc_cloudformation, "DescribeStacks");
	aws_query_request(&req, &aws_svc_cloudformation, "DescribeStacks", &q);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(aws_submit(ctx, &req, async_done, &c, &e), FCC_OK);
	ck_assert_int_eq(c.ok + c.failed, 0); /* nothing runs before aws_run */
	ck_assert_int_eq(aws_run(ctx, &e), FCC_OK);
	ck_assert_int_eq(c.ok, 16);
	ck_assert_int_eq(c.failed, 0);
	aws_query_dispose(&q);
	aws_ctx_free(ctx);
}
END_TEST

static double zero_random(void *payload)
{
	(void)payload;
	return 0.0;
}

/* faultproxy in front of the endpoint with `rule`. */
static void start_proxy(tu_server *s, const char *rule)
{
	const char *args[] = {"--upstream", endpoint(), "--rule", rule, NULL};

	ck_assert_int_eq(tu_server_start(s, "tests/aws/faultproxy.py", args), 0);
}

/* The proxy's request count from GET /__fcc/log. */
static long proxy_count(const tu_server *s)
{
	http_client *hc = NULL;
	http_request hq;
	http_response hr;
	char url[128];
	json_t *j;
	fcc_err e;
	long n;

	snprintf(url, sizeof url, "%s/__fcc/log", s->base);
	memset(&hq, 0, sizeof hq);
	hq.method = "GET";
	hq.url = url;
	ck_assert_int_eq(http_client_new(&hc, NULL, &e), FCC_OK);
	ck_assert_int_eq(http_do(hc, &hq, &hr, &e), FCC_OK);
	j = json_loadb(hr.body.data, hr.body.len, 0, NULL);
	ck_assert_ptr_nonnull(j);
	n = (long)json_integer_value(json_object_get(j, "count"));
	json_decref(j);
	http_response_dispose(&hr);
	http_client_free(hc);
	return n;
}

START_TEST(test_aws_retry_throttle_then_success)
{
	tu_server s;
	aws_ctx *ctx;
	cfn_stack_list sl;
	json_t *out = NULL;
	aws_error ae;

	start_proxy(&s, "first:2:throttle");
	ctx = ctx_for(s.base, NULL, 1);
	retry_policy_set_random(aws_ctx_retry(ctx), zero_random, NULL);
	OK(cfn_describe_stacks(&sl, ctx, NULL, &ae), ae);
	aws_pool_dispose(&sl.pool);
	ck_assert_int_eq(proxy_count(&s), 3); /* two throttled, then the answer */
	ck_assert_ptr_nonnull(strstr(fcc_buf_cstr(&debug_log), "attempt 1 failed (Throttling"));
	ck_assert_ptr_nonnull(strstr(fcc_buf_cstr(&debug_log), "attempt 2 failed (Throttling"));
	/* JSON throttling (ThrottlingException) is retried the same way */
	tu_server_stop(&s);
	aws_ctx_free(ctx);
	fcc_buf_dispose(&debug_log);

	start_proxy(&s, "1:throttle");
	ctx = ctx_for(s.base, NULL, 0);
	retry_policy_set_random(aws_ctx_retry(ctx), zero_random, NULL);
	OK(aws_json_call(&out, ctx, &aws_svc_servicecatalog, "ListPortfolios", NULL, &ae), ae);
	json_decref(out);
	ck_assert_int_eq(proxy_count(&s), 2);
	tu_server_stop(&s);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_retry_gives_up_on_500s)
{
	tu_server s;
	aws_ctx *ctx;
	sts_identity id;
	aws_error ae;

	start_proxy(&s, "every:1:500");
	ctx = ctx_for(s.base, NULL, 0);
	retry_policy_set_random(aws_ctx_retry(ctx), zero_random, NULL);
	ck_assert_int_eq(sts_get_caller_identity(&id, ctx, &ae), FCC_EAWS);
	ck_assert_int_eq(proxy_count(&s), 3); /* the default 3 attempts, no more */
	ck_assert_uint_eq(ae.attempts, 3);
	ck_assert_int_eq(ae.status, 500);
	ck_assert_str_eq(ae.code, "InternalFailure");
	ck_assert_str_eq(ae.request_id, "fcc-faultproxy-0000");
	ck_assert_ptr_nonnull(
		strstr(ae.err.msg, "STS GetCallerIdentity: InternalFailure (HTTP 500)"));
	ck_assert_ptr_nonnull(strstr(ae.err.msg, "(3 attempts, "));
	tu_server_stop(&s);
	aws_ctx_free(ctx);
}
END_TEST

START_TEST(test_aws_transport_error)
{
	char url[64];
	aws_ctx *ctx;
	sts_identity id;
	aws_error ae;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", tu_unused_port());
	ctx = ctx_for(url, NULL, 0);
	retry_policy_set_random(aws_ctx_retry(ctx), zero_random, NULL);
	ck_assert_int_eq(sts_get_caller_identity(&id, ctx, &ae), FCC_EIO);
	ck_assert_int_eq(ae.terr, HTTP_TE_CONNECT);
	ck_assert_uint_eq(ae.attempts, 3);
	ck_assert_ptr_nonnull(strstr(ae.err.msg, "STS GetCallerIdentity: "));
	aws_ctx_free(ctx);
}
END_TEST

/* Whether the request whose debug body line contains `marker` carried a
 * header line starting with `header`: its header lines are those between the
 * previous "> [body" line (or the start) and its own. */
static int request_has_header(const char *log, const char *marker, const char *header)
{
	const char *start = log, *body;

	while ((body = strstr(start, "> [body"))) {
		const char *eol = strchr(body, '\n');
		char line[4096];
		size_t blen = eol ? (size_t)(eol - body) : strlen(body);

		snprintf(line, sizeof line, "%.*s", (int)blen, body);
		if (strstr(line, marker)) {
			const char *h = strstr(start, header);
			return h && h < body;
		}
		start = eol ? eol + 1 : body + blen;
	}
	ck_abort_msg("no request with %s in the debug output", marker);
	return -1;
}

START_TEST(test_aws_web_identity_unsigned)
{
	const char *ep = endpoint();
	char *tokfile = tu_write_temp("webtoken", "eyJhbGciOiJIUzI1NiJ9.WEBIDTOKENSECRET.sig", 42);
	env_table env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", tokfile, "AWS_ROLE_ARN",
			  "arn:aws:iam::" ACCOUNT ":role/fcc-ci", "AWS_ROLE_SESSION_NAME", "fcc-ci",
			  "AWS_REGION", "us-east-1", "AWS_CONFIG_FILE", "/dev/null",
			  "AWS_SHARED_CREDENTIALS_FILE", "/dev/null", "AWS_EC2_METADATA_DISABLED",
			  "true", NULL}};
	aws_ctx *ctx = ctx_for(ep, &env, 1);
	creds_credentials *cr = NULL;
	sts_identity id;
	sts_assume_input in;
	sts_assumed as;
	aws_error ae;
	fcc_err e;
	const char *log;

	ck_assert_msg(creds_get(&cr, aws_ctx_creds(ctx), &e) == FCC_OK, "%s", e.msg);
	ck_assert_str_eq(cr->source, "web-identity");
	ck_assert_ptr_nonnull(cr->session_token);
	creds_credentials_free(cr);
	OK(sts_get_caller_identity(&id, ctx, &ae), ae);
	ck_assert_ptr_nonnull(strstr(id.arn, ":assumed-role/fcc-ci/fcc-ci"));
	aws_pool_dispose(&id.pool);
	log = fcc_buf_cstr(&debug_log);
	/* AssumeRoleWithWebIdentity went out without Authorization; the call
	 * with the assumed credentials was signed */
	ck_assert_int_eq(request_has_header(log, "AssumeRoleWithWebIdentity", "> Authorization:"),
			 0);
	ck_assert_int_eq(request_has_header(log, "GetCallerIdentity", "> Authorization:"), 1);
	ck_assert_ptr_null(strstr(log, "WEBIDTOKENSECRET"));

	/* the typed call directly: unsigned, works with no credentials at all */
	memset(&in, 0, sizeof in);
	in.role_arn = "arn:aws:iam::" ACCOUNT ":role/other";
	in.role_session_name = "s1";
	in.web_identity_token = "tok-abc";
	in.duration_seconds = 900;
	OK(sts_assume_role_with_web_identity(&as, ctx, &in, &ae), ae);
	ck_assert_ptr_nonnull(as.creds);
	ck_assert_int_gt(as.creds->expiration, 0);
	ck_assert_ptr_nonnull(strstr(as.assumed_role_arn, "assumed-role/other/s1"));
	sts_assumed_dispose(&as);
	memset(&in, 0, sizeof in);
	in.role_arn = "arn:aws:iam::" ACCOUNT ":role/third";
	in.role_session_name = "s2";
	OK(sts_assume_role(&as, ctx, &in, &ae), ae);
	ck_assert_ptr_nonnull(as.creds->session_token);
	sts_assumed_dispose(&as);

	aws_ctx_free(ctx);
	fcc_buf_dispose(&debug_log);
	unlink(tokfile);
	free(tokfile);
}
END_TEST

START_TEST(test_aws_secrets_never_logged)
{
	env_table env = {{"AWS_ACCESS_KEY_ID", "AKIDFCCTEST", "AWS_SECRET_ACCESS_KEY", SECRET,
			  "AWS_SESSION_TOKEN", TOKEN, "AWS_REGION", "us-east-1", "AWS_CONFIG_FILE",
			  "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
			  "AWS_EC2_METADATA_DISABLED", "true", NULL}};
	aws_ctx *ctx = ctx_for(endpoint(), &env, 1);
	sts_identity id;
	iam_role r;
	aws_error ae;
	const char *log;

	OK(sts_get_caller_identity(&id, ctx, &ae), ae);
	aws_pool_dispose(&id.pool);
	ck_assert_int_eq(iam_get_role(&r, ctx, "fcc-no-such-role", &ae), FCC_ENOTFOUND);
	log = fcc_buf_cstr(&debug_log);
	ck_assert_ptr_nonnull(strstr(log, "Signature=<redacted>"));
	ck_assert_ptr_nonnull(strstr(log, "X-Amz-Security-Token: <redacted>"));
	ck_assert_ptr_null(strstr(log, SECRET));
	ck_assert_ptr_null(strstr(log, TOKEN));
	ck_assert_ptr_null(strstr(ae.err.msg, SECRET));
	ck_assert_ptr_null(strstr(ae.err.msg, TOKEN));
	ck_assert_ptr_null(strstr(ae.message, TOKEN));
	aws_ctx_free(ctx);
	fcc_buf_dispose(&debug_log);
}
END_TEST

START_TEST(test_aws_ctx_needs_region)
{
	env_table env = {{"AWS_ACCESS_KEY_ID", "AKIDFCCTEST", "AWS_SECRET_ACCESS_KEY", SECRET,
			  "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE",
			  "/dev/null", NULL}};
	aws_options o;
	aws_ctx *ctx = NULL;
	fcc_err e;

	memset(&o, 0, sizeof o);
	o.getenv = table_getenv;
	o.getenv_payload = &env;
	ck_assert_int_eq(aws_ctx_new(&ctx, &o, &e), FCC_ENOTFOUND);
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(e.msg, "--region"));
	o.region_fallback = "eu-west-1";
	ck_assert_int_eq(aws_ctx_new(&ctx, &o, &e), FCC_OK);
	ck_assert_str_eq(aws_ctx_region(ctx), "eu-west-1");
	ck_assert_str_eq(aws_ctx_region_source(ctx), "fallback");
	aws_ctx_free(ctx);
	/* plain http to a non-loopback host needs --allow-http */
	o.endpoint_url = "http://192.0.2.1:5000";
	ck_assert_int_eq(aws_ctx_new(&ctx, &o, &e), FCC_OK);
	{
		sts_identity id;
		aws_error ae;
		ck_assert_int_eq(sts_get_caller_identity(&id, ctx, &ae), FCC_EUSAGE);
		ck_assert_ptr_nonnull(strstr(ae.err.msg, "--allow-http"));
	}
	aws_ctx_free(ctx);
}
END_TEST

Suite *suite_aws(void)
{
	Suite *s = suite_create("aws");
	TCase *t = tcase_create("aws");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_aws_query_encoding);
	tcase_add_test(t, test_aws_error_code_and_format);
	tcase_add_test(t, test_aws_uuid_and_xml_find);
	tcase_add_test(t, test_aws_sts_caller_identity);
	tcase_add_test(t, test_aws_s3_objects);
	tcase_add_test(t, test_aws_iam_role);
	tcase_add_test(t, test_aws_cfn_change_sets);
	tcase_add_test(t, test_aws_sc_portfolio_product);
	tcase_add_test(t, test_aws_sc_pagination);
	tcase_add_test(t, test_aws_sagemaker_pipeline_project);
	tcase_add_test(t, test_aws_forecast_reads);
	tcase_add_test(t, test_aws_async_in_flight);
	tcase_add_test(t, test_aws_retry_throttle_then_success);
	tcase_add_test(t, test_aws_retry_gives_up_on_500s);
	tcase_add_test(t, test_aws_transport_error);
	tcase_add_test(t, test_aws_web_identity_unsigned);
	tcase_add_test(t, test_aws_secrets_never_logged);
	tcase_add_test(t, test_aws_ctx_needs_region);
	suite_add_tcase(s, t);
	return s;
}
