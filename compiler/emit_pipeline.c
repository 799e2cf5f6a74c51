/*
 * emit_pipeline.c — pipeline.json and forecast_config.json (see
 * emit_pipeline.h), built with jansson.
 *
 * Expressions follow the pipeline definition schema: {"Get":
 * "Parameters.X"}, {"Get": "Steps.S.…"}, {"Get": "Execution.PipelineExecutionId"}
 * and {"Std:Join": {"On": sep, "Values": [...]}}. Integer and float
 * parameters are turned into strings with a one-element Std:Join where a
 * container argument needs text, as the SageMaker SDK's to_string() does.
 */
#include "emit_pipeline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define CODE_DIR "/opt/ml/processing/input/code"

static json_t *get(const char *what)
{
	return json_pack("{s:s}", "Get", what);
}

static json_t *param(const char *name)
{
	char buf[128];

	snprintf(buf, sizeof buf, "Parameters.%s", name);
	return get(buf);
}

/* {"Std:Join": {"On": on, "Values": values}} (steals `values`). */
static json_t *join(const char *on, json_t *values)
{
	return json_pack("{s:{s:s, s:o}}", "Std:Join", "On", on, "Values", values);
}

static json_t *as_text(const char *name)
{
	return join("", json_pack("[o]", param(name)));
}

/* s3://<ArtifactBucket>/<prefix>/pipeline-runs/<execution id>/<leaf> */
static json_t *run_uri(const spec_model *m, const char *leaf)
{
	return join("/", json_pack("[s, o, s, s, o, s]", "s3:/", param("ArtifactBucket"),
				   m->artifacts.prefix.s, "pipeline-runs",
				   get("Execution.PipelineExecutionId"), leaf));
}

static json_t *s3_input(const char *name, json_t *uri, const char *local)
{
	return json_pack("{s:s, s:b, s:{s:o, s:s, s:s, s:s, s:s}}", "InputName", name, "AppManaged",
			 0, "S3Input", "S3Uri", uri, "LocalPath", local, "S3DataType", "S3Prefix",
			 "S3InputMode", "File", "S3DataDistributionType", "FullyReplicated");
}

static json_t *s3_output(const char *name, json_t *uri, const char *local)
{
	return json_pack("{s:s, s:b, s:{s:o, s:s, s:s}}", "OutputName", name, "AppManaged", 0,
			 "S3Output", "S3Uri", uri, "LocalPath", local, "S3UploadMode", "EndOfJob");
}

static json_t *cluster(void)
{
	return json_pack("{s:{s:o, s:o, s:i}}", "ClusterConfig", "InstanceType",
			 param("ProcessingInstanceType"), "InstanceCount",
			 param("ProcessingInstanceCount"), "VolumeSizeInGB", 30);
}

static json_t *preprocess_step(const spec_model *m, const char *image)
{
	json_t *outputs = json_pack(
		"[o]", s3_output("target", run_uri(m, "target"), "/opt/ml/processing/target"));

	if (outputs && m->pipeline.related.present)
		json_array_append_new(outputs, s3_output("related", run_uri(m, "related"),
							 "/opt/ml/processing/related"));
	return json_pack("{s:s, s:s, s:{s:o, s:{s:s, s:[s, s], s:[s, s, s, s, s, o, s, o]}, s:o,"
			 " s:[o, o], s:{s:o}, s:{s:i}}}",
			 "Name", "ForecastPreProcess", "Type", "Processing", "Arguments",
			 "ProcessingResources", cluster(), "AppSpecification", "ImageUri", image,
			 "ContainerEntrypoint", "python3", CODE_DIR "/preprocess.py",
			 "ContainerArguments", "--config", CODE_DIR "/forecast_config.json",
			 "--input", "/opt/ml/processing/input/data", "--horizon",
			 as_text("ForecastHorizon"), "--algorithm", param("ForecastAlgorithm"),
			 "RoleArn", param("ForecastRoleArn"), "ProcessingInputs",
			 s3_input("train", param("TrainData"), "/opt/ml/processing/input/data"),
			 s3_input("code", param("CodeLocation"), CODE_DIR),
			 "ProcessingOutputConfig", "Outputs", outputs, "StoppingCondition",
			 "MaxRuntimeInSeconds", 3600);
}

static json_t *output_uri(const char *name)
{
	char buf[256];

	snprintf(buf, sizeof buf,
		 "Steps.ForecastPreProcess.ProcessingOutputConfig.Outputs['%s'].S3Output.S3Uri",
		 name);
	return get(buf);
}

static json_t *train_step(const spec_model *m, const char *image)
{
	static const char *const metrics[] = {"WAPE", "RMSE", "MASE", "MAPE"};
	json_t *defs = json_array(), *hp;
	char name_prefix[64];
	size_t i, k = 0;

	/* Forecast resource names allow letters, digits and '_' only. */
	for (i = 0; m->project.name.s[i] && k < 32; i++)
		name_prefix[k++] = m->project.name.s[i] == '-' ? '_' : m->project.name.s[i];
	name_prefix[k] = '\0';
	for (i = 0; defs && i < 4; i++) {
		char regex[64];
		snprintf(regex, sizeof regex, "%s=([0-9.eE+-]+)", metrics[i]);
		json_array_append_new(defs,
				      json_pack("{s:s, s:s}", "Name", metrics[i], "Regex", regex));
	}
	/* The scikit-learn container runs sagemaker_program from
	 * sagemaker_submit_directory with every other hyperparameter as
	 * "--name value". */
	hp = json_pack(
		"{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "sagemaker_program",
		"train.py", "sagemaker_submit_directory",
		join("/", json_pack("[o, s]", param("CodeLocation"), "sourcedir.tar.gz")),
		"sagemaker_region", m->project.region.s, "horizon", as_text("ForecastHorizon"),
		"algorithm", param("ForecastAlgorithm"), "metric", param("EvaluationMetric"),
		"max-score", as_text("MaxScore"), "forecast-role-arn", param("ForecastRoleArn"),
		"name-prefix",
		join("_", json_pack("[s, o]", name_prefix, get("Execution.PipelineExecutionId"))),
		"target-data", output_uri("target"), "region", m->project.region.s);
	if (hp && m->pipeline.related.present)
		json_object_set_new(hp, "related-data", output_uri("related"));
	return json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:o}, s:o, s:{s:o}, s:{s:i, s:o, s:i}, s:o,"
			 " s:{s:i}}}",
			 "Name", "ForecastTrainAndEvaluate", "Type", "Training", "Arguments",
			 "AlgorithmSpecification", "TrainingImage", image, "TrainingInputMode",
			 "File", "MetricDefinitions", defs, "HyperParameters", hp,
			 "OutputDataConfig", "S3OutputPath", run_uri(m, "model"), "ResourceConfig",
			 "InstanceCount", 1, "InstanceType", param("TrainingInstanceType"),
			 "VolumeSizeInGB", 30, "RoleArn", param("ForecastRoleArn"),
			 "StoppingCondition", "MaxRuntimeInSeconds", 86400);
}

static json_t *delete_step(const spec_model *m, const char *image)
{
	return json_pack(
		"{s:s, s:s, s:{s:o, s:{s:s, s:[s, s], s:[s, s, s, s, s, o, s, o, s, s]}, s:o,"
		" s:[o, o], s:{s:i}}}",
		"Name", "ForecastConditionalDelete", "Type", "Processing", "Arguments",
		"ProcessingResources", cluster(), "AppSpecification", "ImageUri", image,
		"ContainerEntrypoint", "python3", CODE_DIR "/conditional_delete.py",
		"ContainerArguments", "--config", CODE_DIR "/forecast_config.json", "--evaluation",
		"/opt/ml/processing/evaluation", "--metric", param("EvaluationMetric"),
		"--max-score", as_text("MaxScore"), "--region", m->project.region.s, "RoleArn",
		param("ForecastRoleArn"), "ProcessingInputs",
		s3_input("evaluation",
			 get("Steps.ForecastTrainAndEvaluate.ModelArtifacts.S3ModelArtifacts"),
			 "/opt/ml/processing/evaluation"),
		s3_input("code", param("CodeLocation"), CODE_DIR), "StoppingCondition",
		"MaxRuntimeInSeconds", 3600);
}

static json_t *parameter(const char *name, const char *type, json_t *dflt)
{
	return json_pack("{s:s, s:s, s:o}", "Name", name, "Type", type, "DefaultValue", dflt);
}

static int dump(fcc_buf *out, json_t *root, fcc_err *e)
{
	char *text;
	int rc = FCC_OK;

	if (!root)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	/* 15 significant digits print what the user wrote (0.3, not
	 * 0.29999999999999999) for any decimal of up to 15 digits. */
	text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII |
					JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text || fcc_buf_puts(out, text) || fcc_buf_putc(out, '\n'))
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
	free(text);
	return rc;
}

int emit_pipeline_definition(fcc_buf *out, const spec_model *m, const char *image, fcc_err *e)
{
	char train[2048];
	json_t *params;

	snprintf(train, sizeof train, "s3://%s/%s/%s", m->artifacts.bucket.s, m->artifacts.prefix.s,
		 m->pipeline.train_data.s);
	params = json_pack(
		"[o, o, o, o, o, o, o, o, o, o, o]",
		parameter("ProcessingInstanceType", "String",
			  json_string(m->pipeline.processing_instance.s)),
		parameter("ProcessingInstanceCount", "Integer",
			  json_integer(m->pipeline.processing_count)),
		parameter("TrainingInstanceType", "String",
			  json_string(m->pipeline.training_instance.s)),
		parameter("TrainData", "String", json_string(train)),
		parameter("ForecastHorizon", "Integer", json_integer(m->pipeline.horizon)),
		parameter("ForecastAlgorithm", "String", json_string(m->pipeline.algorithm.s)),
		parameter("EvaluationMetric", "String", json_string(m->pipeline.metric.s)),
		parameter("MaxScore", "Float", json_real(m->pipeline.max_score)),
		parameter("ArtifactBucket", "String", json_string(m->artifacts.bucket.s)),
		parameter("CodeLocation", "String", json_string("")),
		parameter("ForecastRoleArn", "String", json_string("")));
	return dump(out,
		    json_pack("{s:s, s:{s:s}, s:o, s:[o, o, o]}", "Version", "2020-12-01",
			      "Metadata", "GeneratedBy", "fcc", "Parameters", params, "Steps",
			      preprocess_step(m, image), train_step(m, image),
			      delete_step(m, image)),
		    e);
}

static json_t *schema(const spec_schema *s)
{
	json_t *a;
	size_t i;

	if (!s->present)
		return json_null();
	a = json_array();
	for (i = 0; a && i < s->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "name", s->attrs[i].name.s, "type",
						   s->attrs[i].type.s));
	return a;
}

int emit_pipeline_config(fcc_buf *out, const spec_model *m, fcc_err *e)
{
	json_t *sch = json_pack("{s:o}", "target", schema(&m->pipeline.target));

	if (sch && m->pipeline.related.present)
		json_object_set_new(sch, "related", schema(&m->pipeline.related));
	if (sch && m->pipeline.metadata.present)
		json_object_set_new(sch, "metadata", schema(&m->pipeline.metadata));
	return dump(out,
		    json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:f, s:o, s:s}", "project",
			      m->project.name.s, "frequency", m->pipeline.frequency.s, "horizon",
			      (json_int_t)m->pipeline.horizon, "algorithm", m->pipeline.algorithm.s,
			      "backtest_windows", (json_int_t)m->pipeline.backtest_windows,
			      "timestamp_format", m->pipeline.timestamp_format.s, "metric",
			      m->pipeline.metric.s, "max_score", m->pipeline.max_score, "schema",
			      sch, "region", m->project.region.s),
		    e);
}

int emit_pipeline_image(char **out, const char *stdlib_dir, const char *region, fcc_err *e)
{
	char path[4096];
	json_error_t jerr;
	json_t *root, *entry, *img;

	*out = NULL;
	snprintf(path, sizeof path, "%s/images.json", stdlib_dir);
	root = json_load_file(path, 0, &jerr);
	if (!root)
		return fcc_err_set(e, FCC_EIO, "%s:%d: %s", path, jerr.line, jerr.text);
	entry = json_object_get(root, region);
	img = entry ? json_object_get(entry, "processing") : NULL;
	if (!json_is_string(img)) {
		json_decref(root);
		return fcc_err_set(e, FCC_ENOTFOUND,
				   "no SageMaker scikit-learn image is known for region %s (%s)",
				   region, path);
	}
	*out = fcc_strdup(json_string_value(img));
	json_decref(root);
	return *out ? FCC_OK : fcc_err_set(e, FCC_ENOMEM, "out of memory");
}
