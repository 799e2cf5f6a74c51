/*
 * test_emit_cfn.c — the SageMaker project template emitter: every good spec
 * (and the example) builds, with the structure the workshop's template has;
 * the spec's template section merges in (additions in long form, overrides at
 * their path); YAML uses short tags, reads back to the same tree and is
 * byte-identical across runs; JSON parses back to the same tree; every case
 * under tests/specs/template/ produces exactly its .diag; quotas; an
 * out-of-memory sweep; and cfn-lint passes every generated file with no
 * error and no warning (one cfn-lint run for all of them).
 *
 * FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=emit_cfn rewrites the .diag files.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/arena.h"
#include "compiler/check.h"
#include "compiler/diag.h"
#include "compiler/emit_cfn.h"
#include "compiler/spec_load.h"
#include "testutil.h"

#define SEED_KEY                                                                                   \
	"forecast-mlops/seedcode/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.zip"
#define MAX_CASES 64

static char *tmpl_cases[MAX_CASES];
static size_t ntmpl;
static char *good_cases[MAX_CASES];
static size_t ngood;

static size_t list_cases(const char *dir, char **out)
{
	return tu_list_cases(dir, ".spec", out, MAX_CASES);
}

typedef struct built {
	json_t *tmpl; /* NULL unless the build succeeded */
	char *diag;   /* rendered text diagnostics (malloc'd) */
	int rc;       /* emit_cfn_build's code, or the check's when it failed */
	int check_rc;
} built;

/* Check `dir`/`file` (relative to the repo) and build its template. */
static built build_spec(const char *dir, const char *file, const char *env)
{
	char cwd[4096];
	fcc_arena arena;
	diag_sink d;
	fcc_source *src = NULL;
	spec_model *m = NULL;
	chk_options opt = {0};
	fcc_buf out;
	fcc_err e;
	built b = {0};

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir[0] == '/' ? dir : tu_path(dir)), 0);
	opt.env = env;
	fcc_arena_init(&arena);
	diag_init(&d);
	fcc_err_clear(&e);
	b.check_rc = chk_spec_file(&m, &src, file, &opt, &arena, &d, &e);
	b.rc = b.check_rc;
	if (b.check_rc == FCC_OK) {
		emit_cfn_input in = {m, SEED_KEY, NULL};
		b.rc = emit_cfn_build(&b.tmpl, &in, &d, &e);
	}
	diag_sort(&d);
	fcc_buf_init(&out, 0);
	ck_assert_int_eq(diag_render(&d, DIAG_FORMAT_TEXT, 0, &out), 0);
	if (b.rc && d.n == 0)
		fcc_buf_printf(&out, "fcc: error: %s\n", e.msg);
	b.diag = strdup(fcc_buf_cstr(&out));
	fcc_buf_dispose(&out);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	ck_assert_int_eq(chdir(cwd), 0);
	return b;
}

static void built_free(built *b)
{
	json_decref(b->tmpl);
	free(b->diag);
}

/* The value at a path of object keys and "#N" list indexes; NULL if absent. */
static json_t *at(json_t *j, const char *path)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && j; tok = strtok_r(NULL, "/", &save))
		j = tok[0] == '#' ? json_array_get(j, (size_t)atoi(tok + 1))
				  : json_object_get(j, tok);
	return j;
}

static const char *at_str(json_t *j, const char *path)
{
	return json_string_value(at(j, path));
}

/* The value of CodeBuild environment variable `name`. */
static json_t *env_var(json_t *t, const char *name)
{
	json_t *vars = at(t, "Resources/SageMakerModelPipelineBuildProject/Properties/Environment/"
			     "EnvironmentVariables"),
	       *v;
	size_t i;

	json_array_foreach(vars, i, v)
		if (strcmp(at_str(v, "Name"), name) == 0)
			return at(v, "Value");
	return NULL;
}

static char *to_yaml(const json_t *t)
{
	fcc_buf b;
	fcc_err e;
	char *s;

	fcc_buf_init(&b, 0);
	ck_assert_int_eq(emit_cfn_yaml(&b, t, &e), FCC_OK);
	s = strdup(fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
	return s;
}

static char *to_json(const json_t *t)
{
	fcc_buf b;
	fcc_err e;
	char *s;

	fcc_buf_init(&b, 0);
	ck_assert_int_eq(emit_cfn_json(&b, t, &e), FCC_OK);
	s = strdup(fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
	return s;
}

/* Read YAML text back through fcc's own loader and the template converter. */
static json_t *yaml_back(const char *text)
{
	fcc_source *src;
	fcc_arena arena;
	diag_sink d;
	spec_node *root = NULL;
	json_t *j = NULL;
	fcc_err e;

	ck_assert_int_eq(fcc_source_from_mem(&src, "template.yaml", text, strlen(text), &e), 0);
	fcc_arena_init(&arena);
	diag_init(&d);
	ck_assert_int_eq(spec_load(&root, src, &arena, &d), FCC_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(emit_cfn_from_node(&j, root, &e), FCC_OK);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	return j;
}

/* ------------------------------------------------------------ good specs */

static void assert_structure(json_t *t, const char *name)
{
	static const char *const types[][2] = {
		{"MlOpsArtifactsBucket", "AWS::S3::Bucket"},
		{"ModelBuildCodeCommitRepository", "AWS::CodeCommit::Repository"},
		{"ModelBuildCodeCommitEventRule", "AWS::Events::Rule"},
		{"SageMakerModelPipelineBuildProject", "AWS::CodeBuild::Project"},
		{"ModelBuildPipeline", "AWS::CodePipeline::Pipeline"},
	};
	const char *bucket, *branch;
	size_t i;

	ck_assert_msg(at(t, "Resources") != NULL, "%s: no resources", name);
	ck_assert_str_eq(at_str(t, "AWSTemplateFormatVersion"), "2010-09-09");
	ck_assert_ptr_nonnull(at_str(t, "Description"));
	ck_assert_str_eq(at_str(t, "Metadata/fcc/Generator"), "fcc 0.1.0");
	ck_assert_str_eq(at_str(t, "Parameters/SageMakerProjectName/Type"), "String");
	ck_assert_int_eq(json_integer_value(at(t, "Parameters/SageMakerProjectName/MaxLength")),
			 32);
	ck_assert_str_eq(at_str(t, "Parameters/SageMakerProjectName/AllowedPattern"),
			 "^[a-zA-Z](-*[a-zA-Z0-9])*");
	ck_assert_int_eq(json_integer_value(at(t, "Parameters/SageMakerProjectId/MaxLength")), 16);
	for (i = 0; i < sizeof types / sizeof *types; i++) {
		char p[256];
		snprintf(p, sizeof p, "Resources/%s/Type", types[i][0]);
		ck_assert_msg(at_str(t, p) && strcmp(at_str(t, p), types[i][1]) == 0, "%s: %s",
			      name, p);
	}
	ck_assert_str_eq(at_str(t, "Resources/MlOpsArtifactsBucket/Properties/BucketName/Fn::Sub"),
			 "sagemaker-project-${SageMakerProjectId}");
	ck_assert_str_eq(at_str(t, "Resources/MlOpsArtifactsBucket/DeletionPolicy"), "Retain");
	ck_assert_str_eq(at_str(t, "Resources/MlOpsArtifactsBucket/UpdateReplacePolicy"), "Retain");
	ck_assert(json_is_true(at(t, "Resources/MlOpsArtifactsBucket/Properties/"
				     "PublicAccessBlockConfiguration/RestrictPublicBuckets")));
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/S3/Key"),
		SEED_KEY);
	bucket = at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/S3/Bucket");
	ck_assert_ptr_nonnull(bucket);
	ck_assert_msg(strncmp(bucket, "s3://", 5) != 0 && !strchr(bucket, '/'), "%s: %s", name,
		      bucket);
	branch = at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/BranchName");
	ck_assert_ptr_nonnull(branch);
	ck_assert_str_eq(at_str(t,
				"Resources/ModelBuildCodeCommitEventRule/Properties/EventPattern/"
				"detail/referenceName/#0"),
			 branch);
	ck_assert_str_eq(at_str(t, "Resources/ModelBuildPipeline/Properties/Stages/#0/Actions/#0/"
				   "Configuration/BranchName"),
			 branch);
	ck_assert(
		json_is_false(at(t, "Resources/ModelBuildPipeline/Properties/Stages/#0/Actions/#0/"
				    "Configuration/PollForSourceChanges")));
	ck_assert_str_eq(at_str(t, "Resources/ModelBuildPipeline/Properties/Stages/#1/Actions/#0/"
				   "Configuration/ProjectName/Ref"),
			 "SageMakerModelPipelineBuildProject");
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildPipeline/Properties/ArtifactStore/Location/Ref"),
		"MlOpsArtifactsBucket");
	ck_assert_str_eq(at_str(t, "Resources/SageMakerModelPipelineBuildProject/Properties/Source/"
				   "BuildSpec"),
			 "codebuild-buildspec.yml");
	ck_assert_str_eq(at_str(t, "Resources/SageMakerModelPipelineBuildProject/Properties/"
				   "Environment/Image"),
			 "aws/codebuild/amazonlinux2-x86_64-standard:5.0");
	ck_assert_int_ge(json_integer_value(at(t, "Resources/SageMakerModelPipelineBuildProject/"
						  "Properties/TimeoutInMinutes")),
			 120);
	ck_assert_str_eq(at_str(env_var(t, "SAGEMAKER_PROJECT_NAME"), "Ref"),
			 "SageMakerProjectName");
	ck_assert_str_eq(at_str(env_var(t, "SAGEMAKER_PROJECT_ID"), "Ref"), "SageMakerProjectId");
	ck_assert_str_eq(at_str(env_var(t, "ARTIFACT_BUCKET"), "Ref"), "MlOpsArtifactsBucket");
	ck_assert_str_eq(at_str(env_var(t, "AWS_REGION"), "Ref"), "AWS::Region");
	ck_assert_str_eq(at_str(env_var(t, "SAGEMAKER_PIPELINE_ROLE_ARN"), "Fn::Sub"),
			 "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/"
			 "AmazonSageMakerServiceCatalogProductsExecutionRole");
	ck_assert_ptr_nonnull(json_string_value(env_var(t, "FCC_PIPELINE_MODULE")));
	ck_assert_str_eq(at_str(t, "Resources/ModelBuildPipeline/Properties/RoleArn/Fn::Sub"),
			 "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/service-role/"
			 "AmazonSageMakerServiceCatalogProductsUseRole");
	ck_assert_str_eq(at_str(t, "Resources/ModelBuildPipeline/Properties/Tags/#0/Key"),
			 "fcc:project");
}

START_TEST(test_emit_cfn_good_specs)
{
	const char *name = good_cases[_i];
	char file[256];
	built b;

	snprintf(file, sizeof file, "%s.spec", name);
	b = build_spec("tests/specs/good", file, NULL);
	ck_assert_msg(b.rc == FCC_OK, "%s: build failed (%d):\n%s", name, b.rc, b.diag);
	ck_assert_msg(strstr(b.diag, "error") == NULL, "%s: unexpected output:\n%s", name, b.diag);
	assert_structure(b.tmpl, name);
	built_free(&b);
}
END_TEST

START_TEST(test_emit_cfn_example)
{
	built b = build_spec("examples/forecast-mlops", "project.spec", NULL);
	json_t *t = b.tmpl;

	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	assert_structure(t, "example");
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/S3/Bucket"),
		"sagemaker-us-east-1-111122223333");
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/BranchName"),
		"main");
	ck_assert_str_eq(json_string_value(env_var(t, "FCC_PIPELINE_MODULE")), "forecast");
	ck_assert_str_eq(at_str(t, "Resources/ModelBuildPipeline/Properties/Tags/#0/Value"),
			 "forecast-mlops");
	ck_assert_str_eq(at_str(t, "Description"),
			 "Model building and training with Amazon Forecast");
	/* the spec's additions, in long form */
	ck_assert_str_eq(at_str(t, "Resources/PipelineNotifications/Type"), "AWS::SNS::Topic");
	ck_assert_str_eq(at_str(t, "Resources/PipelineNotifications/Properties/TopicName/Fn::Sub"),
			 "sagemaker-${SageMakerProjectName}-notifications");
	ck_assert_str_eq(at_str(t, "Outputs/NotificationTopic/Value/Ref"), "PipelineNotifications");
	built_free(&b);

	/* the prod environment: a different account changes the seed bucket */
	b = build_spec("examples/forecast-mlops", "project.spec", "prod");
	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	ck_assert_str_eq(at_str(b.tmpl,
				"Resources/ModelBuildCodeCommitRepository/Properties/Code/S3/"
				"Bucket"),
			 "sagemaker-us-east-1-444455556666");
	built_free(&b);
}
END_TEST

/* Several products share one template, which then names none of them; one
 * product (the singular form or a list of one) is named as before. */
START_TEST(test_emit_cfn_products_metadata)
{
	built b = build_spec("tests/specs/good", "products.spec", NULL);

	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	ck_assert_str_eq(at_str(b.tmpl, "Metadata/fcc/Project"), "multi");
	ck_assert_ptr_null(at(b.tmpl, "Metadata/fcc/Product"));
	ck_assert_ptr_null(at(b.tmpl, "Metadata/fcc/ProductVersion"));
	ck_assert_str_eq(at_str(b.tmpl, "Description"),
			 "SageMaker project template of project multi (model building with Amazon "
			 "Forecast)");
	built_free(&b);

	b = build_spec("tests/specs/good", "products.spec", "prod");
	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	ck_assert_str_eq(at_str(b.tmpl, "Metadata/fcc/Product"), "multi-forecast");
	ck_assert_str_eq(at_str(b.tmpl, "Metadata/fcc/ProductVersion"), "3.0");
	ck_assert_str_eq(at_str(b.tmpl, "Description"),
			 "SageMaker project template multi-forecast (model building with Amazon "
			 "Forecast)");
	built_free(&b);

	b = build_spec("examples/forecast-mlops", "project.spec", NULL);
	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	ck_assert_str_eq(at_str(b.tmpl, "Metadata/fcc/Product"), "forecast-mlops-template");
	ck_assert_str_eq(at_str(b.tmpl, "Metadata/fcc/ProductVersion"), "1.0");
	built_free(&b);
}
END_TEST

START_TEST(test_emit_cfn_overrides_and_additions)
{
	built b = build_spec("tests/specs/good", "everything.spec", NULL);
	json_t *t = b.tmpl, *ga;

	ck_assert_msg(b.rc == FCC_OK, "build failed:\n%s", b.diag);
	/* the override replaced one key and kept its siblings */
	ck_assert_str_eq(at_str(t, "Resources/SageMakerModelPipelineBuildProject/Properties/"
				   "Environment/ComputeType"),
			 "BUILD_GENERAL1_MEDIUM");
	ck_assert_str_eq(at_str(t, "Resources/SageMakerModelPipelineBuildProject/Properties/"
				   "Environment/Image"),
			 "aws/codebuild/amazonlinux2-x86_64-standard:5.0");
	ck_assert_uint_eq(json_array_size(at(t, "Resources/SageMakerModelPipelineBuildProject/"
						"Properties/Environment/EnvironmentVariables")),
			  7);
	/* spec values reach the generated part */
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/BranchName"),
		"release/v1");
	ck_assert_str_eq(at_str(t,
				"Resources/ModelBuildCodeCommitEventRule/Properties/EventPattern/"
				"detail/referenceName/#0"),
			 "release/v1");
	ck_assert_str_eq(
		at_str(t, "Resources/ModelBuildCodeCommitRepository/Properties/Code/S3/Bucket"),
		"forecasting-artifacts-123456789012");
	ck_assert_str_eq(json_string_value(env_var(t, "FCC_PIPELINE_MODULE")), "forecast_stages");
	/* additions: parameters, conditions (nested short tags), resources, outputs */
	ck_assert_str_eq(at_str(t, "Parameters/AlertEmail/Default"), "ops@example.com");
	ck_assert_str_eq(at_str(t, "Conditions/HasEmail/Fn::Not/#0/Fn::Equals/#0/Ref"),
			 "AlertEmail");
	ck_assert_str_eq(at_str(t, "Conditions/HasEmail/Fn::Not/#0/Fn::Equals/#1"), "");
	ck_assert_str_eq(at_str(t, "Resources/Alerts/Condition"), "HasEmail");
	ck_assert_str_eq(at_str(t, "Resources/Alerts/Properties/TopicName/Fn::Sub"),
			 "forecasting-${SageMakerProjectName}-alerts");
	ck_assert_str_eq(at_str(t, "Resources/Alerts/Properties/Tags/#0/Value"), "forecasting");
	ga = at(t, "Outputs/AlertsArn/Value/Fn::GetAtt");
	ck_assert_uint_eq(json_array_size(ga), 2);
	ck_assert_str_eq(at_str(ga, "#0"), "Alerts");
	ck_assert_str_eq(at_str(ga, "#1"), "TopicArn");
	/* top-level order: CloudFormation's usual one */
	{
		static const char *const order[] = {"AWSTemplateFormatVersion",
						    "Description",
						    "Metadata",
						    "Parameters",
						    "Conditions",
						    "Resources",
						    "Outputs"};
		void *it = json_object_iter(t);
		size_t i;
		for (i = 0; i < 7; i++, it = json_object_iter_next(t, it)) {
			ck_assert_ptr_nonnull(it);
			ck_assert_str_eq(json_object_iter_key(it), order[i]);
		}
		ck_assert_ptr_null(it);
	}
	built_free(&b);
}
END_TEST

START_TEST(test_emit_cfn_scalars)
{
	static const char text[] =
		"a: 240\nb: \"240\"\nc: true\nd: 'true'\ne: 1.5\nf: 0042\ng: null\nh: 0x1F\n"
		"i: !!str 7\nj: yes\nk: -3\nl: .inf\nm: !GetAtt Res.Attr.Sub\nn: !Sub [\"${x}\", {x: 1}]\n"
		"o: {Ref: Kept}\np: !Condition C\nq: 99999999999999999999\n";
	fcc_source *src;
	fcc_arena arena;
	diag_sink d;
	spec_node *root;
	json_t *j;
	fcc_err e;

	ck_assert_int_eq(fcc_source_from_mem(&src, "t.yaml", text, sizeof text - 1, &e), 0);
	fcc_arena_init(&arena);
	diag_init(&d);
	ck_assert_int_eq(spec_load(&root, src, &arena, &d), FCC_OK);
	ck_assert_int_eq(emit_cfn_from_node(&j, root, &e), FCC_OK);
	ck_assert_int_eq(json_integer_value(at(j, "a")), 240);
	ck_assert_str_eq(at_str(j, "b"), "240");
	ck_assert(json_is_true(at(j, "c")));
	ck_assert_str_eq(at_str(j, "d"), "true");
	ck_assert(json_is_real(at(j, "e")));
	ck_assert(json_real_value(at(j, "e")) == 1.5);
	ck_assert_str_eq(at_str(j, "f"), "0042");
	ck_assert(json_is_null(at(j, "g")));
	ck_assert_int_eq(json_integer_value(at(j, "h")), 31);
	ck_assert_str_eq(at_str(j, "i"), "7");
	ck_assert_str_eq(at_str(j, "j"), "yes"); /* a string in YAML 1.2 */
	ck_assert_int_eq(json_integer_value(at(j, "k")), -3);
	ck_assert_str_eq(at_str(j, "l"), ".inf");
	ck_assert_str_eq(at_str(j, "m/Fn::GetAtt/#0"), "Res");
	ck_assert_str_eq(at_str(j, "m/Fn::GetAtt/#1"), "Attr.Sub");
	ck_assert_str_eq(at_str(j, "n/Fn::Sub/#0"), "${x}");
	ck_assert_int_eq(json_integer_value(at(j, "n/Fn::Sub/#1/x")), 1);
	ck_assert_str_eq(at_str(j, "o/Ref"), "Kept");
	ck_assert_str_eq(at_str(j, "p/Condition"), "C");
	ck_assert_str_eq(at_str(j, "q"), "99999999999999999999");

	/* and back out: strings that YAML would misread are quoted */
	{
		char *y = to_yaml(j);
		json_t *back = yaml_back(y);
		ck_assert_ptr_nonnull(strstr(y, "b: '240'\n"));
		ck_assert_ptr_nonnull(strstr(y, "d: 'true'\n"));
		ck_assert_ptr_nonnull(strstr(y, "j: 'yes'\n"));
		ck_assert_ptr_nonnull(strstr(y, "f: '0042'\n"));
		ck_assert_ptr_nonnull(strstr(y, "a: 240\n"));
		ck_assert_ptr_nonnull(strstr(y, "e: 1.5\n"));
		ck_assert_ptr_nonnull(strstr(y, "m: !GetAtt Res.Attr.Sub\n"));
		ck_assert_ptr_nonnull(strstr(y, "o: !Ref Kept\n"));
		ck_assert_ptr_nonnull(strstr(y, "p: !Condition C\n"));
		ck_assert_msg(json_equal(j, back), "YAML did not read back:\n%s", y);
		json_decref(back);
		free(y);
	}
	json_decref(j);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
}
END_TEST

START_TEST(test_emit_cfn_yaml_short_tags_stable)
{
	built b1 = build_spec("tests/specs/good", "everything.spec", NULL);
	built b2 = build_spec("tests/specs/good", "everything.spec", NULL);
	char *y1, *y2, *js;
	json_t *back, *parsed;
	json_error_t jerr;

	ck_assert_int_eq(b1.rc, FCC_OK);
	ck_assert_int_eq(b2.rc, FCC_OK);
	y1 = to_yaml(b1.tmpl);
	y2 = to_yaml(b2.tmpl);
	ck_assert_str_eq(y1, y2);
	/* short tags, no long forms left */
	ck_assert_ptr_nonnull(
		strstr(y1, "BucketName: !Sub sagemaker-project-${SageMakerProjectId}\n"));
	ck_assert_ptr_nonnull(strstr(y1, "- !GetAtt ModelBuildCodeCommitRepository.Arn\n"));
	ck_assert_ptr_nonnull(strstr(y1, "Location: !Ref MlOpsArtifactsBucket\n"));
	ck_assert_ptr_nonnull(
		strstr(y1, "HasEmail: !Not\n  - !Equals\n    - !Ref AlertEmail\n    - ''\n"));
	ck_assert_ptr_nonnull(strstr(y1, "AWSTemplateFormatVersion: '2010-09-09'\n"));
	ck_assert_ptr_null(strstr(y1, "Fn::"));
	ck_assert_ptr_null(strstr(y1, "Ref:"));
	/* it reads back to the same tree */
	back = yaml_back(y1);
	ck_assert_msg(json_equal(back, b1.tmpl), "YAML did not read back");
	json_decref(back);
	/* JSON: parses, same tree, 2-space indent */
	js = to_json(b1.tmpl);
	ck_assert_ptr_nonnull(strstr(js, "{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"));
	parsed = json_loads(js, 0, &jerr);
	ck_assert_msg(parsed != NULL, "JSON did not parse: %s", jerr.text);
	ck_assert(json_equal(parsed, b1.tmpl));
	json_decref(parsed);
	free(js);
	free(y1);
	free(y2);
	built_free(&b1);
	built_free(&b2);
}
END_TEST

/* A nested intrinsic directly inside a short-form one stays in long form
 * (YAML allows one tag per node): !Base64 {Fn::Sub: ...}. */
START_TEST(test_emit_cfn_yaml_nested_intrinsic)
{
	json_error_t jerr;
	json_t *t = json_loads("{\"A\": {\"Fn::Base64\": {\"Fn::Sub\": \"x-${AWS::Region}\"}},"
			       " \"B\": {\"Fn::Select\": [0, {\"Fn::GetAZs\": \"\"}]},"
			       " \"C\": \"line one\\nline two\\n\", \"D\": \"\", \"E\": 0.25}",
			       0, &jerr);
	char *y;
	json_t *back;

	ck_assert_ptr_nonnull(t);
	y = to_yaml(t);
	ck_assert_ptr_nonnull(strstr(y, "A: !Base64\n  Fn::Sub: x-${AWS::Region}\n"));
	ck_assert_ptr_nonnull(strstr(y, "B: !Select\n- 0\n- !GetAZs ''\n"));
	ck_assert_ptr_nonnull(strstr(y, "C: |\n  line one\n  line two\n"));
	ck_assert_ptr_nonnull(strstr(y, "D: ''\n"));
	back = yaml_back(y);
	ck_assert_msg(json_equal(back, t), "did not read back:\n%s", y);
	json_decref(back);
	json_decref(t);
	free(y);
}
END_TEST

/* ------------------------------------------------------------- bad cases */

START_TEST(test_emit_cfn_template_case)
{
	const char *name = tmpl_cases[_i];
	char file[256], path[512];
	char *want;
	built b;

	snprintf(file, sizeof file, "%s.spec", name);
	b = build_spec("tests/specs/template", file, NULL);
	snprintf(path, sizeof path, "tests/specs/template/%s.diag", name);
	want = tu_read(tu_path(path), NULL);
	if (getenv("FCC_GOLDEN_UPDATE")) {
		FILE *f = fopen(tu_path(path), "wb");
		ck_assert_ptr_nonnull(f);
		fputs(b.diag, f);
		fclose(f);
	} else {
		ck_assert_msg(want != NULL, "%s: missing expected file %s", name, path);
		ck_assert_msg(strcmp(b.diag, want) == 0,
			      "%s: diagnostics differ\n--- expected\n%s--- got\n%s", name, want,
			      b.diag);
	}
	ck_assert_msg(b.check_rc == FCC_OK, "%s: the spec itself must check clean:\n%s", name,
		      b.diag);
	ck_assert_msg(b.rc == FCC_ECHECK, "%s: the build must fail (%d)", name, b.rc);
	ck_assert_ptr_null(b.tmpl);
	ck_assert_ptr_nonnull(strstr(b.diag, ": error: "));
	free(want);
	built_free(&b);
}
END_TEST

START_TEST(test_emit_cfn_cases_present)
{
	ck_assert_uint_ge(ntmpl, 9);
	ck_assert_uint_ge(ngood, 4);
}
END_TEST

/* A spec under a fresh temp dir whose template section is `tmpl`. */
static built build_text(const char *tmpl)
{
	char *csv = realpath(tu_path("tests/specs/good/data/train.csv"), NULL), *path, *dir;
	fcc_buf b;
	built r;

	ck_assert_ptr_nonnull(csv);
	fcc_buf_init(&b, 0);
	ck_assert_int_eq(
		fcc_buf_printf(
			&b,
			"fcc: 1\nproject: {name: big, region: us-east-1}\n"
			"artifacts: {bucket: big-artifacts}\n"
			"data:\n  - {file: \"%s\", key: data/train.csv, allow_outside: true}\n"
			"pipeline:\n  module: forecast\n  train_data: data/train.csv\n"
			"  frequency: H\n  horizon: 24\n  evaluation: {max_score: 0.3}\n"
			"  schema:\n    target:\n      - {name: item_id, type: string}\n"
			"      - {name: timestamp, type: timestamp}\n"
			"      - {name: target_value, type: float}\n"
			"catalog:\n  portfolio: {name: T, owner: P}\n"
			"  product: {name: t, owner: P, version: \"1\"}\n"
			"  launch_role: LaunchRole\n%s",
			csv, tmpl),
		0);
	path = tu_write_temp("big.spec", b.data, b.len);
	ck_assert_ptr_nonnull(path);
	dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	r = build_spec(dir, "big.spec", NULL);
	unlink(path);
	rmdir(dir);
	free(dir);
	free(path);
	free(csv);
	fcc_buf_dispose(&b);
	return r;
}

START_TEST(test_emit_cfn_resource_quota)
{
	fcc_buf t;
	built b;
	int i;

	fcc_buf_init(&t, 0);
	fcc_buf_puts(&t, "template:\n  resources:\n");
	for (i = 0; i < 496; i++)
		fcc_buf_printf(&t, "    Topic%d: {Type: AWS::SNS::Topic}\n", i);
	b = build_text(t.data);
	ck_assert_int_eq(b.rc, FCC_ECHECK);
	ck_assert_msg(strstr(b.diag, "error: the template has 501 resources, over CloudFormation's "
				     "limit of 500\n") != NULL,
		      "got:\n%s", b.diag);
	built_free(&b);
	fcc_buf_dispose(&t);
}
END_TEST

START_TEST(test_emit_cfn_size_quota)
{
	fcc_buf t;
	built b;
	size_t i;

	/* above 51,200 bytes: a warning, the build succeeds */
	fcc_buf_init(&t, 0);
	fcc_buf_puts(
		&t,
		"template:\n  resources:\n    Topic: {Type: AWS::SNS::Topic, Metadata: {Note: ");
	for (i = 0; i < 60000; i++)
		fcc_buf_putc(&t, 'x');
	fcc_buf_puts(&t, "}}\n");
	b = build_text(t.data);
	ck_assert_msg(b.rc == FCC_OK, "got:\n%s", b.diag);
	ck_assert_ptr_nonnull(strstr(b.diag, "warning: the template is "));
	ck_assert_ptr_nonnull(strstr(b.diag, "it must be uploaded to S3"));
	built_free(&b);

	/* above 1,000,000 bytes: an error */
	fcc_buf_reset(&t);
	fcc_buf_puts(
		&t,
		"template:\n  resources:\n    Topic: {Type: AWS::SNS::Topic, Metadata: {Note: ");
	for (i = 0; i < 1000001; i++)
		fcc_buf_putc(&t, 'x');
	fcc_buf_puts(&t, "}}\n");
	b = build_text(t.data);
	ck_assert_int_eq(b.rc, FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(b.diag, "over CloudFormation's 1000000-byte limit"));
	built_free(&b);
	fcc_buf_dispose(&t);
}
END_TEST

/* Fail the Nth allocation (fcc's and jansson's) across a check and build of
 * the example: each run ends in FCC_OK or FCC_ENOMEM, never a crash or leak. */
START_TEST(test_emit_cfn_oom_sweep)
{
	char cwd[4096];
	long n;
	int fired = 1, saw_oom = 0;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tu_path("tests/specs/good")), 0);
	json_set_alloc_funcs(fcc_malloc, fcc_free);
	for (n = 1; fired && n < 200000; n += 1 + n / 200) {
		fcc_arena arena;
		diag_sink d;
		fcc_source *src = NULL;
		spec_model *m = NULL;
		json_t *t = NULL;
		fcc_err e;
		int rc;

		fcc_arena_init(&arena);
		diag_init(&d);
		rc = chk_spec_file(&m, &src, "everything.spec", NULL, &arena, &d, &e);
		ck_assert_int_eq(rc, FCC_OK);
		fcc_alloc_fail_after(n, 0);
		{
			emit_cfn_input in = {m, SEED_KEY, NULL};
			rc = emit_cfn_build(&t, &in, &d, &e);
		}
		fired = fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		if (fired) {
			ck_assert_msg(rc == FCC_ENOMEM || rc == FCC_OK, "allocation %ld: code %d",
				      n, rc);
			saw_oom |= rc == FCC_ENOMEM;
			if (rc == FCC_ENOMEM)
				ck_assert_ptr_null(t);
		} else {
			ck_assert_int_eq(rc, FCC_OK);
		}
		json_decref(t);
		diag_dispose(&d);
		fcc_arena_dispose(&arena);
		fcc_source_free(src);
	}
	json_set_alloc_funcs(malloc, free);
	ck_assert(saw_oom);
	ck_assert_int_gt(n, 100);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* --------------------------------------------------------------- cfn-lint */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_emit_cfn_cfn_lint)
{
	char dir[] = "/tmp/fcc-cfnlint-XXXXXX", path[512], cmd[1024], line[1024];
	fcc_buf out;
	size_t i, nfiles = 0;
	FILE *p;
	int st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i <= ngood; i++) {
		/* every good spec, plus the example in its prod environment */
		const char *name = i < ngood ? good_cases[i] : "example-prod";
		char file[256];
		built b;
		char *y, *j;
		if (i < ngood) {
			snprintf(file, sizeof file, "%s.spec", name);
			b = build_spec("tests/specs/good", file, NULL);
		} else {
			b = build_spec("examples/forecast-mlops", "project.spec", "prod");
		}
		ck_assert_msg(b.rc == FCC_OK, "%s: %s", name, b.diag);
		y = to_yaml(b.tmpl);
		j = to_json(b.tmpl);
		snprintf(path, sizeof path, "%s/%s.yaml", dir, name);
		write_file(path, y);
		snprintf(path, sizeof path, "%s/%s.json", dir, name);
		write_file(path, j);
		nfiles += 2;
		free(y);
		free(j);
		built_free(&b);
	}
	ck_assert_uint_ge(nfiles, 10);
	snprintf(cmd, sizeof cmd, "cfn-lint --format parseable -- %s/*.yaml %s/*.json 2>&1", dir,
		 dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	fcc_buf_init(&out, 0);
	while (fgets(line, sizeof line, p))
		fcc_buf_puts(&out, line);
	st = pclose(p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && out.len == 0,
		      "cfn-lint (status %d):\n%s", st, fcc_buf_cstr(&out));
	fcc_buf_dispose(&out);
}
END_TEST

Suite *suite_emit_cfn(void)
{
	Suite *s = suite_create("emit_cfn");
	TCase *cases = tcase_create("cases");
	TCase *core = tcase_create("core");
	TCase *lint = tcase_create("cfn-lint");

	ntmpl = list_cases("tests/specs/template", tmpl_cases);
	ngood = list_cases("tests/specs/good", good_cases);
	tcase_add_test(cases, test_emit_cfn_cases_present);
	tcase_add_loop_test(cases, test_emit_cfn_good_specs, 0, (int)ngood);
	tcase_add_loop_test(cases, test_emit_cfn_template_case, 0, (int)ntmpl);
	tcase_add_test(core, test_emit_cfn_example);
	tcase_add_test(core, test_emit_cfn_overrides_and_additions);
	tcase_add_test(core, test_emit_cfn_products_metadata);
	tcase_add_test(core, test_emit_cfn_scalars);
	tcase_add_test(core, test_emit_cfn_yaml_short_tags_stable);
	tcase_add_test(core, test_emit_cfn_yaml_nested_intrinsic);
	tcase_add_test(core, test_emit_cfn_resource_quota);
	tcase_add_test(core, test_emit_cfn_size_quota);
	tcase_add_test(core, test_emit_cfn_oom_sweep);
	tcase_set_timeout(core, 300);
	tcase_add_test(lint, test_emit_cfn_cfn_lint);
	tcase_set_timeout(lint, 300);
	suite_add_tcase(s, cases);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lint);
	return s;
}
