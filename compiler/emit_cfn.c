/*
 * emit_cfn.c — builds the SageMaker project template (see emit_cfn.h): fcc's
 * own resources from the checked spec, then the spec's `template:` section
 * converted from the AST (short tags → long-form intrinsics) and merged in,
 * then the checks of emit_cfn_check.c and the size quotas.
 *
 * The generated part follows the AWS-provided "model building and training"
 * SageMaker project template: names come from the two parameters SageMaker
 * passes (SageMakerProjectName ≤ 32, SageMakerProjectId, which is
 * p-[a-z0-9]{12} today and allowed 16 here for headroom), and the CodeBuild
 * project, the pipeline and the EventBridge rule run as the Service Catalog
 * products use role, as in the AWS template, so fcc creates no IAM role.
 */
#include "emit_cfn.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/version.h"
#include "check.h"
#include "emit_cfn_int.h"

/* ------------------------------------------------------------ span table */

void emit_cfn_spans_init(emit_cfn_spans *t)
{
	memset(t, 0, sizeof *t);
}

void emit_cfn_spans_dispose(emit_cfn_spans *t)
{
	fcc_free(t->keys);
	fcc_free(t->vals);
	memset(t, 0, sizeof *t);
}

static size_t ptr_hash(const void *p, size_t cap)
{
	size_t h = (size_t)(uintptr_t)p;

	h ^= h >> 17;
	h *= (size_t)0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	return h & (cap - 1);
}

static int is_singleton(const json_t *j)
{
	return json_is_true(j) || json_is_false(j) || json_is_null(j);
}

int emit_cfn_spans_put(emit_cfn_spans *t, const json_t *j, fcc_span span)
{
	size_t i;

	if (!j || is_singleton(j) || !span.src)
		return FCC_OK;
	if ((t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256, k;
		const json_t **keys = fcc_calloc(ncap, sizeof *keys);
		fcc_span *vals = fcc_calloc(ncap, sizeof *vals);
		if (!keys || !vals) {
			fcc_free(keys);
			fcc_free(vals);
			return FCC_ENOMEM;
		}
		for (k = 0; k < t->cap; k++) {
			if (!t->keys[k])
				continue;
			for (i = ptr_hash(t->keys[k], ncap); keys[i]; i = (i + 1) & (ncap - 1))
				;
			keys[i] = t->keys[k];
			vals[i] = t->vals[k];
		}
		fcc_free(t->keys);
		fcc_free(t->vals);
		t->keys = keys;
		t->vals = vals;
		t->cap = ncap;
	}
	for (i = ptr_hash(j, t->cap); t->keys[i] && t->keys[i] != j; i = (i + 1) & (t->cap - 1))
		;
	if (!t->keys[i])
		t->n++;
	t->keys[i] = j;
	t->vals[i] = span;
	return FCC_OK;
}

const fcc_span *emit_cfn_spans_get(const emit_cfn_spans *t, const json_t *j)
{
	size_t i;

	if (!t->cap || !j)
		return NULL;
	for (i = ptr_hash(j, t->cap); t->keys[i]; i = (i + 1) & (t->cap - 1))
		if (t->keys[i] == j)
			return &t->vals[i];
	return NULL;
}

/* ------------------------------------------------------------ intrinsics */

/* CloudFormation's short tags and the long-form keys they stand for. */
static const char *const short_tags[][2] = {
	{"!Ref", "Ref"},
	{"!Condition", "Condition"},
	{"!Sub", "Fn::Sub"},
	{"!GetAtt", "Fn::GetAtt"},
	{"!Join", "Fn::Join"},
	{"!Select", "Fn::Select"},
	{"!Split", "Fn::Split"},
	{"!If", "Fn::If"},
	{"!Equals", "Fn::Equals"},
	{"!And", "Fn::And"},
	{"!Or", "Fn::Or"},
	{"!Not", "Fn::Not"},
	{"!FindInMap", "Fn::FindInMap"},
	{"!Base64", "Fn::Base64"},
	{"!Cidr", "Fn::Cidr"},
	{"!GetAZs", "Fn::GetAZs"},
	{"!ImportValue", "Fn::ImportValue"},
	{"!Transform", "Fn::Transform"},
	{NULL, NULL},
};

static const char *long_form(const char *tag)
{
	size_t i;

	for (i = 0; short_tags[i][0]; i++)
		if (strcmp(tag, short_tags[i][0]) == 0)
			return short_tags[i][1];
	return NULL;
}

const char *emit_cfn_intrinsic(const json_t *j)
{
	const char *key;
	size_t i;

	if (!json_is_object(j) || json_object_size(j) != 1)
		return NULL;
	key = json_object_iter_key(json_object_iter((json_t *)j));
	for (i = 0; short_tags[i][0]; i++)
		if (strcmp(key, short_tags[i][1]) == 0)
			/* {"Condition": {...}} is a property (an IAM statement's), not the intrinsic */
			return strcmp(key, "Condition") != 0 ||
					       json_is_string(json_object_get(j, key))
				       ? key
				       : NULL;
	return NULL;
}

/* ------------------------------------------------------------ the builder */

typedef struct bld {
	const emit_cfn_input *in;
	const spec_model *m;
	diag_sink *d;
	emit_cfn_spans spans;
	json_t *keep; /* every converted subtree, so the span table's keys stay alive */
	int oom;
} bld;

/* Take ownership of `v` and set it under `o`; records OOM (and drops `v`). */
/* Take ownership of `v` and set it under `o`; on failure (OOM earlier, or
 * now) `v` is released and b->oom set. jansson's *_new calls release the
 * value themselves when they fail. */
static void set(bld *b, json_t *o, const char *k, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		b->oom = 1;
		return;
	}
	if (json_object_set_new(o, k, v) != 0)
		b->oom = 1;
}

static void push(bld *b, json_t *a, json_t *v)
{
	if (!a || !v) {
		json_decref(v);
		b->oom = 1;
		return;
	}
	if (json_array_append_new(a, v) != 0)
		b->oom = 1;
}

static json_t *str(bld *b, const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (!j)
		b->oom = 1;
	return j;
}

static json_t *obj(bld *b)
{
	json_t *j = json_object();
	if (!j)
		b->oom = 1;
	return j;
}

static json_t *arr(bld *b)
{
	json_t *j = json_array();
	if (!j)
		b->oom = 1;
	return j;
}

static json_t *fn(bld *b, const char *name, json_t *v)
{
	json_t *o = obj(b);
	set(b, o, name, v);
	return o;
}

static json_t *ref(bld *b, const char *name)
{
	return fn(b, "Ref", str(b, name));
}

static json_t *sub(bld *b, const char *text)
{
	return fn(b, "Fn::Sub", str(b, text));
}

static json_t *getatt(bld *b, const char *res, const char *attr)
{
	json_t *a = arr(b);
	push(b, a, str(b, res));
	push(b, a, str(b, attr));
	return fn(b, "Fn::GetAtt", a);
}

static json_t *strlist1(bld *b, const char *s)
{
	json_t *a = arr(b);
	push(b, a, str(b, s));
	return a;
}

static json_t *tags(bld *b)
{
	json_t *a = arr(b), *t = obj(b);

	set(b, t, "Key", str(b, "fcc:project"));
	set(b, t, "Value", str(b, b->m->project.name.s));
	push(b, a, t);
	return a;
}

static json_t *kv(bld *b, const char *k1, json_t *v1, const char *k2, json_t *v2)
{
	json_t *o = obj(b);
	set(b, o, k1, v1);
	if (k2)
		set(b, o, k2, v2);
	return o;
}

#define USE_ROLE                                                                                   \
	"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/"                          \
	"AmazonSageMakerServiceCatalogProductsUseRole"
#define EXEC_ROLE                                                                                  \
	"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/"                          \
	"AmazonSageMakerServiceCatalogProductsExecutionRole"
#define MODELBUILD_NAME "sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-modelbuild"

static json_t *gen_parameters(bld *b)
{
	json_t *ps = obj(b), *p;

	p = obj(b);
	set(b, p, "Type", str(b, "String"));
	set(b, p, "Description", str(b, "Service generated name of the SageMaker project"));
	set(b, p, "MinLength", json_integer(1));
	set(b, p, "MaxLength", json_integer(32));
	set(b, p, "AllowedPattern", str(b, "^[a-zA-Z](-*[a-zA-Z0-9])*"));
	set(b, ps, "SageMakerProjectName", p);
	/* SageMaker's ids are p-[a-z0-9]{12} (14 characters); 16 leaves headroom
	 * and is what the name budgets assume. */
	p = obj(b);
	set(b, p, "Type", str(b, "String"));
	set(b, p, "Description",
	    str(b, "Service generated id of the SageMaker project (p- and 12 characters)"));
	set(b, p, "MinLength", json_integer(1));
	set(b, p, "MaxLength", json_integer(16));
	set(b, ps, "SageMakerProjectId", p);
	return ps;
}

static json_t *gen_bucket(bld *b)
{
	json_t *r = obj(b), *p = obj(b), *enc = obj(b), *rules = arr(b), *rule = obj(b),
	       *pab = obj(b);

	set(b, r, "Type", str(b, "AWS::S3::Bucket"));
	/* The bucket keeps the pipeline's artifacts and models: deleting the
	 * project must not delete them. */
	set(b, r, "DeletionPolicy", str(b, "Retain"));
	set(b, r, "UpdateReplacePolicy", str(b, "Retain"));
	set(b, p, "BucketName", sub(b, "sagemaker-project-${SageMakerProjectId}"));
	set(b, rule, "ServerSideEncryptionByDefault",
	    kv(b, "SSEAlgorithm", str(b, "AES256"), NULL, NULL));
	push(b, rules, rule);
	set(b, enc, "ServerSideEncryptionConfiguration", rules);
	set(b, p, "BucketEncryption", enc);
	set(b, pab, "BlockPublicAcls", json_true());
	set(b, pab, "BlockPublicPolicy", json_true());
	set(b, pab, "IgnorePublicAcls", json_true());
	set(b, pab, "RestrictPublicBuckets", json_true());
	set(b, p, "PublicAccessBlockConfiguration", pab);
	set(b, p, "Tags", tags(b));
	set(b, r, "Properties", p);
	return r;
}

static json_t *gen_repo(bld *b)
{
	json_t *r = obj(b), *p = obj(b), *code = obj(b), *s3 = obj(b);

	set(b, r, "Type", str(b, "AWS::CodeCommit::Repository"));
	set(b, p, "RepositoryName", sub(b, MODELBUILD_NAME));
	set(b, p, "RepositoryDescription",
	    sub(b, "SageMaker model building workflow (Amazon Forecast) for the project "
		   "${SageMakerProjectName}"));
	/* A bucket NAME: Code.S3.Bucket takes no s3:// URL (the checker already
	 * refuses one in artifacts.bucket). */
	set(b, s3, "Bucket", str(b, b->m->artifacts.bucket.s));
	set(b, s3, "Key", str(b, b->in->seed_key));
	set(b, code, "S3", s3);
	set(b, code, "BranchName", str(b, b->m->pipeline.branch.s));
	set(b, p, "Code", code);
	set(b, p, "Tags", tags(b));
	set(b, r, "Properties", p);
	return r;
}

static json_t *gen_rule(bld *b)
{
	json_t *r = obj(b), *p = obj(b), *pat = obj(b), *detail = obj(b), *events = arr(b),
	       *res = arr(b), *targets = arr(b), *t = obj(b);

	set(b, r, "Type", str(b, "AWS::Events::Rule"));
	/* 10 + 32 + 1 + 16 + 5 = 64, EventBridge's limit exactly. */
	set(b, p, "Name", sub(b, "sagemaker-${SageMakerProjectName}-${SageMakerProjectId}-code"));
	set(b, p, "Description",
	    str(b, "Start the model build pipeline when the repository's branch changes"));
	set(b, pat, "source", strlist1(b, "aws.codecommit"));
	set(b, pat, "detail-type", strlist1(b, "CodeCommit Repository State Change"));
	push(b, res, getatt(b, EMIT_CFN_REPO, "Arn"));
	set(b, pat, "resources", res);
	push(b, events, str(b, "referenceCreated"));
	push(b, events, str(b, "referenceUpdated"));
	set(b, detail, "event", events);
	set(b, detail, "referenceType", strlist1(b, "branch"));
	set(b, detail, "referenceName", strlist1(b, b->m->pipeline.branch.s));
	set(b, pat, "detail", detail);
	set(b, p, "EventPattern", pat);
	set(b, p, "State", str(b, "ENABLED"));
	set(b, t, "Arn",
	    sub(b,
		"arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${" EMIT_CFN_PIPELINE
		"}"));
	set(b, t, "RoleArn", sub(b, USE_ROLE));
	set(b, t, "Id", sub(b, "codecommit-${SageMakerProjectName}-trigger"));
	push(b, targets, t);
	set(b, p, "Targets", targets);
	set(b, p, "Tags", tags(b));
	set(b, r, "Properties", p);
	return r;
}

static json_t *env_var(bld *b, const char *name, json_t *value)
{
	return kv(b, "Name", str(b, name), "Value", value);
}

static json_t *gen_build(bld *b)
{
	json_t *r = obj(b), *p = obj(b), *env = obj(b), *vars = arr(b), *src = obj(b);
	const char *module =
		b->in->pipeline_module ? b->in->pipeline_module : b->m->pipeline.module.s;

	set(b, r, "Type", str(b, "AWS::CodeBuild::Project"));
	set(b, p, "Name", sub(b, MODELBUILD_NAME));
	set(b, p, "Description",
	    str(b, "Builds the model building code, creates or updates the SageMaker pipeline "
		   "and starts it"));
	set(b, p, "ServiceRole", sub(b, USE_ROLE));
	set(b, p, "Artifacts", kv(b, "Type", str(b, "CODEPIPELINE"), NULL, NULL));
	set(b, env, "Type", str(b, "LINUX_CONTAINER"));
	set(b, env, "ComputeType", str(b, "BUILD_GENERAL1_SMALL"));
	set(b, env, "Image", str(b, "aws/codebuild/amazonlinux2-x86_64-standard:5.0"));
	push(b, vars, env_var(b, "SAGEMAKER_PROJECT_NAME", ref(b, "SageMakerProjectName")));
	push(b, vars, env_var(b, "SAGEMAKER_PROJECT_ID", ref(b, "SageMakerProjectId")));
	push(b, vars, env_var(b, "ARTIFACT_BUCKET", ref(b, EMIT_CFN_BUCKET)));
	push(b, vars,
	     env_var(b, "SAGEMAKER_PIPELINE_NAME", sub(b, "sagemaker-${SageMakerProjectName}")));
	push(b, vars, env_var(b, "SAGEMAKER_PIPELINE_ROLE_ARN", sub(b, EXEC_ROLE)));
	push(b, vars, env_var(b, "AWS_REGION", ref(b, "AWS::Region")));
	push(b, vars, env_var(b, "FCC_PIPELINE_MODULE", str(b, module)));
	set(b, env, "EnvironmentVariables", vars);
	set(b, p, "Environment", env);
	set(b, src, "Type", str(b, "CODEPIPELINE"));
	set(b, src, "BuildSpec", str(b, "codebuild-buildspec.yml"));
	set(b, p, "Source", src);
	/* A Forecast predictor trains for hours; the build waits for the pipeline. */
	set(b, p, "TimeoutInMinutes", json_integer(480));
	set(b, p, "Tags", tags(b));
	set(b, r, "Properties", p);
	return r;
}

static json_t *action_type(bld *b, const char *category, const char *provider)
{
	json_t *t = obj(b);

	set(b, t, "Category", str(b, category));
	set(b, t, "Owner", str(b, "AWS"));
	set(b, t, "Provider", str(b, provider));
	set(b, t, "Version", str(b, "1"));
	return t;
}

static json_t *artifact_list(bld *b, const char *name)
{
	json_t *a = arr(b);
	push(b, a, kv(b, "Name", str(b, name), NULL, NULL));
	return a;
}

static json_t *gen_pipeline(bld *b)
{
	json_t *r = obj(b), *p = obj(b), *stages = arr(b), *st, *acts, *act, *conf;

	set(b, r, "Type", str(b, "AWS::CodePipeline::Pipeline"));
	set(b, p, "Name", sub(b, MODELBUILD_NAME));
	set(b, p, "RoleArn", sub(b, USE_ROLE));
	set(b, p, "ArtifactStore",
	    kv(b, "Type", str(b, "S3"), "Location", ref(b, EMIT_CFN_BUCKET)));

	st = obj(b), acts = arr(b), act = obj(b), conf = obj(b);
	set(b, act, "Name", str(b, "ModelBuildWorkflowCode"));
	set(b, act, "ActionTypeId", action_type(b, "Source", "CodeCommit"));
	/* The EventBridge rule starts the pipeline; polling would start it twice
	 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/update-change-detection.html). */
	set(b, conf, "PollForSourceChanges", json_false());
	set(b, conf, "RepositoryName", getatt(b, EMIT_CFN_REPO, "Name"));
	set(b, conf, "BranchName", str(b, b->m->pipeline.branch.s));
	set(b, act, "Configuration", conf);
	set(b, act, "OutputArtifacts", artifact_list(b, "ModelBuildSourceArtifact"));
	push(b, acts, act);
	set(b, st, "Name", str(b, "Source"));
	set(b, st, "Actions", acts);
	push(b, stages, st);

	st = obj(b), acts = arr(b), act = obj(b), conf = obj(b);
	set(b, act, "Name", str(b, "BuildAndExecuteSageMakerPipeline"));
	set(b, act, "ActionTypeId", action_type(b, "Build", "CodeBuild"));
	set(b, act, "InputArtifacts", artifact_list(b, "ModelBuildSourceArtifact"));
	set(b, act, "OutputArtifacts", artifact_list(b, "ModelBuildBuildArtifact"));
	set(b, conf, "ProjectName", ref(b, EMIT_CFN_BUILD));
	set(b, act, "Configuration", conf);
	set(b, act, "RunOrder", json_integer(1));
	push(b, acts, act);
	set(b, st, "Name", str(b, "Build"));
	set(b, st, "Actions", acts);
	push(b, stages, st);

	set(b, p, "Stages", stages);
	set(b, p, "Tags", tags(b));
	set(b, r, "Properties", p);
	return r;
}

static const char *const generated_ids[] = {EMIT_CFN_BUCKET, EMIT_CFN_REPO,     EMIT_CFN_RULE,
					    EMIT_CFN_BUILD,  EMIT_CFN_PIPELINE, NULL};

/* The template without Resources (set by the caller after the user's
 * parameters and conditions, to keep CloudFormation's usual key order). */
static json_t *gen_template(bld *b, json_t **res_out)
{
	const spec_model *m = b->m;
	json_t *t = obj(b), *meta = obj(b), *res = obj(b);
	/* One product: the template is that product's, and says so. Several
	 * share this one template, so it names none of them (the manifest
	 * says which products use it). */
	const spec_product *pr = m->catalog.nproducts == 1 ? &m->catalog.products[0] : NULL;
	const char *desc = pr ? pr->description.s : NULL;
	char dflt[512];

	if (!desc || !*desc)
		desc = m->project.description.s;
	if (!desc || !*desc) {
		if (pr)
			snprintf(dflt, sizeof dflt,
				 "SageMaker project template %s (model building with Amazon "
				 "Forecast)",
				 pr->name.s ? pr->name.s : "");
		else
			snprintf(dflt, sizeof dflt,
				 "SageMaker project template of project %s (model building with "
				 "Amazon Forecast)",
				 m->project.name.s ? m->project.name.s : "");
		desc = dflt;
	}
	set(b, t, "AWSTemplateFormatVersion", str(b, "2010-09-09"));
	set(b, t, "Description", str(b, desc));
	set(b, meta, "Generator", str(b, "fcc " FCC_VERSION));
	set(b, meta, "Project", str(b, m->project.name.s));
	if (pr) {
		set(b, meta, "Product", str(b, pr->name.s));
		set(b, meta, "ProductVersion", str(b, pr->version.s));
	}
	set(b, t, "Metadata", kv(b, "fcc", meta, NULL, NULL));
	set(b, t, "Parameters", gen_parameters(b));
	set(b, res, EMIT_CFN_BUCKET, gen_bucket(b));
	set(b, res, EMIT_CFN_REPO, gen_repo(b));
	set(b, res, EMIT_CFN_RULE, gen_rule(b));
	set(b, res, EMIT_CFN_BUILD, gen_build(b));
	set(b, res, EMIT_CFN_PIPELINE, gen_pipeline(b));
	*res_out = res;
	return t;
}

/* ------------------------------------------------ spec AST → jansson tree */

static int all_digits(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

/* A plain scalar under the YAML 1.2 core schema: null, bool, int or float;
 * anything else (and what JSON cannot hold: .inf, .nan, ints past 64 bits,
 * decimal ints with leading zeros, whose zeros CloudFormation would keep) is
 * a string. */
static json_t *plain_scalar(const char *s, size_t len)
{
	const char *p = s;
	char *end;

	if (strlen(s) != len)
		return json_stringn(s, len);
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if ((s[0] == '0' && s[1] == 'x' && all_digits(s + 2, "0123456789abcdefABCDEF")) ||
	    (s[0] == '0' && s[1] == 'o' && all_digits(s + 2, "01234567"))) {
		unsigned long long v;
		errno = 0;
		v = strtoull(s + 2, &end, s[1] == 'x' ? 16 : 8);
		if (!errno && !*end && v <= (unsigned long long)LLONG_MAX)
			return json_integer((json_int_t)v);
		return json_stringn(s, len);
	}
	if (*p == '-' || *p == '+')
		p++;
	if (all_digits(p, "0123456789")) {
		long long v;
		if (p[0] == '0' && p[1])
			return json_stringn(s, len);
		errno = 0;
		v = strtoll(s, &end, 10);
		if (!errno && !*end)
			return json_integer((json_int_t)v);
		return json_stringn(s, len);
	}
	{
		/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
		const char *q = p;
		size_t nd = 0, nf = 0;
		while (*q >= '0' && *q <= '9')
			q++, nd++;
		if (*q == '.') {
			q++;
			while (*q >= '0' && *q <= '9')
				q++, nf++;
		}
		if ((nd || nf) && (q > p) && !(nd == 0 && p[0] != '.')) {
			if (*q == 'e' || *q == 'E') {
				const char *x = q + 1;
				if (*x == '-' || *x == '+')
					x++;
				if (*x >= '0' && *x <= '9') {
					while (*x >= '0' && *x <= '9')
						x++;
					q = x;
				} else {
					q = NULL;
				}
			}
			if (q && !*q) {
				double v;
				errno = 0;
				v = strtod(s, &end);
				if (!errno && !*end)
					return json_real(v);
			}
		}
	}
	return json_stringn(s, len);
}

static json_t *conv(bld *b, const spec_node *n);

/* Register `j` (which may be NULL) with `n`'s span and keep it alive. */
static json_t *mark(bld *b, json_t *j, const spec_node *n)
{
	if (!j) {
		b->oom = 1;
		return NULL;
	}
	if (emit_cfn_spans_put(&b->spans, j, n->span))
		b->oom = 1;
	return j;
}

static json_t *conv_untagged(bld *b, const spec_node *n, int force_str)
{
	json_t *j;
	size_t i;

	if (n->kind == SPEC_SCALAR) {
		if (force_str || !n->plain)
			j = json_stringn(n->str, n->len);
		else
			j = plain_scalar(n->str, n->len);
		return mark(b, j, n);
	}
	if (n->kind == SPEC_SEQ) {
		j = mark(b, json_array(), n);
		for (i = 0; j && i < n->n; i++)
			push(b, j, conv(b, n->items[i]));
		return j;
	}
	j = mark(b, json_object(), n);
	for (i = 0; j && i < n->n; i++) {
		json_t *v = conv(b, n->pairs[i].value);
		set(b, j, n->pairs[i].key->str, v);
	}
	return j;
}

/* One spec node → jansson, short tags to long form; every node is recorded
 * in the span table. NULL (with b->oom) only on ENOMEM. */
static json_t *conv(bld *b, const spec_node *n)
{
	const char *lf = n->tag ? long_form(n->tag) : NULL;
	json_t *inner, *o;

	if (!lf) {
		/* !!str and unknown tags (the checker reported those) keep the text;
		 * other core tags (!!int, ...) resolve as plain scalars do */
		int force_str = n->tag && (strcmp(n->tag, "tag:yaml.org,2002:str") == 0 ||
					   strncmp(n->tag, "tag:yaml.org,2002:", 18) != 0);
		return conv_untagged(b, n, force_str);
	}
	if (strcmp(lf, "Fn::GetAtt") == 0 && n->kind == SPEC_SCALAR) {
		/* !GetAtt Res.Attr.Sub → ["Res", "Attr.Sub"]: CloudFormation splits at the first dot */
		const char *dot = strchr(n->str, '.');
		inner = mark(b, json_array(), n);
		if (dot) {
			push(b, inner, mark(b, json_stringn(n->str, (size_t)(dot - n->str)), n));
			push(b, inner, mark(b, json_string(dot + 1), n));
		} else {
			push(b, inner, mark(b, json_stringn(n->str, n->len), n));
		}
	} else {
		inner = conv_untagged(b, n, 1);
	}
	if (!inner)
		return NULL;
	o = mark(b, json_object(), n);
	set(b, o, lf, inner);
	return o;
}

/* Convert, and keep a second reference in b->keep (see emit_cfn_int.h);
 * the caller owns the returned one. */
static json_t *conv_keep(bld *b, const spec_node *n)
{
	json_t *j = conv(b, n);

	if (j && json_array_append(b->keep, j) != 0) {
		json_decref(j);
		b->oom = 1;
		return NULL;
	}
	return j;
}

/* --------------------------------------------------------------- merging */

static const char *const section_names[][3] = {
	/* spec key, template key, what to call one entry */
	{"parameters", "Parameters", "parameter"},
	{"conditions", "Conditions", "condition"},
	{"resources", "Resources", "resource"},
	{"outputs", "Outputs", "output"},
};

static json_t *section(bld *b, json_t *root, const char *key)
{
	json_t *s = json_object_get(root, key);

	if (!s) {
		s = obj(b);
		set(b, root, key, s);
	}
	return s;
}

static void add_section(bld *b, json_t *root, const spec_node *tmpl, size_t which)
{
	const spec_pair *sp = spec_map_get(tmpl, section_names[which][0]);
	json_t *dst;
	size_t i;

	if (!sp || sp->value->kind != SPEC_MAP || sp->value->n == 0)
		return;
	if (!(dst = section(b, root, section_names[which][1])))
		return;
	for (i = 0; i < sp->value->n; i++) {
		const spec_node *k = sp->value->pairs[i].key;
		json_t *other = NULL;
		if (json_object_get(dst, k->str)) {
			diag_error(
				b->d, k->span,
				"template %s '%s' clashes with the generated %s of that logical id",
				section_names[which][2], k->str, section_names[which][2]);
			continue;
		}
		/* Parameters and resources share one namespace of logical ids. */
		if (which == 0) {
			size_t g;
			for (g = 0; generated_ids[g] && strcmp(generated_ids[g], k->str); g++)
				;
			other = generated_ids[g] ? dst : NULL;
		} else if (which == 2)
			other = json_object_get(json_object_get(root, "Parameters"), k->str);
		if (other) {
			diag_error(b->d, k->span, "template %s '%s' has the logical id of a %s",
				   section_names[which][2], k->str,
				   which == 0 ? "resource" : "parameter");
			continue;
		}
		set(b, dst, k->str, conv_keep(b, sp->value->pairs[i].value));
	}
}

static const char *kind_name(const json_t *j)
{
	if (emit_cfn_intrinsic(j))
		return "an intrinsic function";
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* Deep-merge spec map `over` into `dst` (maps merge, everything else
 * replaces; an intrinsic is a leaf). `path` names `dst` for messages. */
static void merge_into(bld *b, json_t *dst, const spec_node *over, const char *path, int depth)
{
	size_t i;

	for (i = 0; i < over->n; i++) {
		const spec_node *k = over->pairs[i].key, *v = over->pairs[i].value;
		json_t *cur = json_object_get(dst, k->str);
		/* a long-form intrinsic written as a map is a leaf, like its short tag */
		int vmap = v->kind == SPEC_MAP && !v->tag &&
			   !(v->n == 1 && (strcmp(v->pairs[0].key->str, "Ref") == 0 ||
					   strncmp(v->pairs[0].key->str, "Fn::", 4) == 0));
		char sub[512];
		snprintf(sub, sizeof sub, "%s.%s", path, k->str);
		if (depth == 0 && strcmp(k->str, "Type") == 0) {
			diag_error(b->d, k->span,
				   "an override cannot change the Type of generated resource '%s'",
				   path);
			continue;
		}
		if (depth == 0) {
			static const char *const attrs[] = {
				"Properties",   "DependsOn",      "Metadata",
				"Condition",    "DeletionPolicy", "UpdateReplacePolicy",
				"UpdatePolicy", "CreationPolicy", NULL};
			size_t a;
			for (a = 0; attrs[a] && strcmp(attrs[a], k->str); a++)
				;
			if (!attrs[a]) {
				const char *hint = chk_suggest(k->str, attrs);
				if (hint)
					diag_error(
						b->d, k->span,
						"'%s' is not a resource attribute; did you mean '%s'?",
						k->str, hint);
				else
					diag_error(b->d, k->span,
						   "'%s' is not a resource attribute", k->str);
				continue;
			}
		}
		if (vmap && cur && json_is_object(cur) && !emit_cfn_intrinsic(cur)) {
			merge_into(b, cur, v, sub, depth + 1);
			continue;
		}
		if (vmap && cur) {
			diag_error(
				b->d, k->span,
				"override '%s' does not fit: the generated value is %s, not a mapping",
				sub, kind_name(cur));
			continue;
		}
		set(b, dst, k->str, conv_keep(b, v));
	}
}

static void apply_overrides(bld *b, json_t *root, const spec_node *tmpl)
{
	const spec_pair *sp = spec_map_get(tmpl, "overrides");
	json_t *res = json_object_get(root, "Resources");
	size_t i;

	if (!sp || sp->value->kind != SPEC_MAP)
		return;
	for (i = 0; i < sp->value->n; i++) {
		const spec_node *k = sp->value->pairs[i].key, *v = sp->value->pairs[i].value;
		size_t g;
		for (g = 0; generated_ids[g] && strcmp(generated_ids[g], k->str); g++)
			;
		if (!generated_ids[g]) {
			const char *hint = chk_suggest(k->str, generated_ids);
			if (json_object_get(res, k->str))
				diag_error(
					b->d, k->span,
					"override of '%s', which is not generated; change it under "
					"template.resources",
					k->str);
			else if (hint)
				diag_error(b->d, k->span,
					   "override of unknown resource '%s'; did you mean '%s'?",
					   k->str, hint);
			else
				diag_error(
					b->d, k->span,
					"override of unknown resource '%s' (the generated ones are "
					"%s, %s, %s, %s, %s)",
					k->str, generated_ids[0], generated_ids[1],
					generated_ids[2], generated_ids[3], generated_ids[4]);
			continue;
		}
		if (v->kind != SPEC_MAP)
			continue; /* the checker reported it */
		merge_into(b, json_object_get(res, k->str), v, k->str, 0);
	}
}

/* --------------------------------------------------------------- driver */

int emit_cfn_from_node(json_t **out, const spec_node *n, fcc_err *e)
{
	bld b;
	json_t *j;

	*out = NULL;
	memset(&b, 0, sizeof b);
	emit_cfn_spans_init(&b.spans);
	j = conv(&b, n);
	emit_cfn_spans_dispose(&b.spans);
	if (b.oom || !j) {
		json_decref(j);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory converting the template");
	}
	*out = j;
	return FCC_OK;
}

static void check_size(bld *b, json_t *t, fcc_err *e)
{
	fcc_buf y;
	int rc;

	fcc_buf_init(&y, 0);
	rc = emit_cfn_yaml(&y, t, e);
	if (rc == FCC_ENOMEM) {
		b->oom = 1;
	} else if (rc == FCC_OK) {
		fcc_span none = {0};
		if (y.len > EMIT_CFN_MAX_URL_BODY)
			diag_error(b->d, none,
				   "the template is %zu bytes, over CloudFormation's %u-byte limit",
				   y.len, EMIT_CFN_MAX_URL_BODY);
		else if (y.len > EMIT_CFN_MAX_BODY)
			diag_warning(b->d, none,
				     "the template is %zu bytes, over the %u bytes CloudFormation "
				     "accepts inline; it must be uploaded to S3",
				     y.len, EMIT_CFN_MAX_BODY);
	}
	fcc_buf_dispose(&y);
}

int emit_cfn_build(json_t **out, const emit_cfn_input *in, diag_sink *d, fcc_err *e)
{
	bld b;
	json_t *t = NULL, *res = NULL;
	const spec_node *tmpl;
	size_t errs0 = diag_error_count(d);
	int rc = FCC_OK;

	*out = NULL;
	if (!in || !in->model || !in->seed_key || !*in->seed_key)
		return fcc_err_set(e, FCC_ERROR, "emit_cfn_build needs a model and a seed key");
	memset(&b, 0, sizeof b);
	b.in = in;
	b.m = in->model;
	b.d = d;
	tmpl = b.m->template_ && b.m->template_->kind == SPEC_MAP ? b.m->template_ : NULL;
	emit_cfn_spans_init(&b.spans);
	if (!(b.keep = json_array()))
		b.oom = 1;
	if (!b.oom)
		t = gen_template(&b, &res);
	if (!b.oom && tmpl) {
		add_section(&b, t, tmpl, 0);
		add_section(&b, t, tmpl, 1);
	}
	set(&b, t, "Resources", res);
	if (!b.oom && tmpl) {
		add_section(&b, t, tmpl, 2);
		add_section(&b, t, tmpl, 3);
		apply_overrides(&b, t, tmpl);
	}
	if (!b.oom && emit_cfn_check(t, &b.spans, d))
		b.oom = 1;
	if (!b.oom && diag_error_count(d) == errs0)
		check_size(&b, t, e);
	if (b.oom || d->oom) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory building the template");
	} else if (diag_error_count(d) != errs0) {
		rc = FCC_ECHECK;
	} else {
		*out = t;
		t = NULL;
	}
	json_decref(t);
	json_decref(b.keep);
	emit_cfn_spans_dispose(&b.spans);
	return rc;
}
