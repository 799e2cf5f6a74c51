/*
 * sagemaker.h — typed client for Amazon SageMaker (JSON 1.1, 2017-07-24;
 * host api.sagemaker.R, signing name sagemaker): the model-building pipeline
 * and its executions, and SageMaker projects. ClientRequestToken members get
 * a UUID when the caller passes NULL. Outputs: aws_pool_dispose(&out->pool).
 */
#ifndef FCC_AWS_SAGEMAKER_H
#define FCC_AWS_SAGEMAKER_H

#include "runtime/aws.h"

typedef struct sm_pipeline_input {
	const char *name; /* required */
	const char *display_name, *description;
	const char *definition; /* pipeline definition JSON text */
	const char *role_arn;   /* CreatePipeline: required */
	const aws_tag *tags;    /* Create only */
	size_t ntags;
	const char *client_request_token; /* Create; NULL: a new UUID */
} sm_pipeline_input;

typedef struct sm_arn {
	aws_pool pool;
	const char *arn;
	const char *id; /* CreateProject: ProjectId */
} sm_arn;

int sm_create_pipeline(sm_arn *out, aws_ctx *ctx, const sm_pipeline_input *in, aws_error *ae);
int sm_update_pipeline(sm_arn *out, aws_ctx *ctx, const sm_pipeline_input *in, aws_error *ae);

typedef struct sm_pipeline {
	aws_pool pool;
	const char *arn, *name, *display_name, *description, *definition, *role_arn, *status;
	long long creation_time, last_modified_time, last_run_time;
} sm_pipeline;

int sm_describe_pipeline(sm_pipeline *out, aws_ctx *ctx, const char *name, aws_error *ae);

typedef struct sm_parameter {
	const char *name, *value;
} sm_parameter;

/* StartPipelineExecution; out->arn is the execution ARN. */
int sm_start_pipeline_execution(sm_arn *out, aws_ctx *ctx, const char *pipeline_name,
				const char *display_name, const sm_parameter *params,
				size_t nparams, const char *client_request_token, aws_error *ae);

typedef struct sm_execution {
	aws_pool pool;
	const char *arn, *pipeline_arn, *display_name, *status, *failure_reason;
	long long creation_time, last_modified_time;
} sm_execution;

int sm_describe_pipeline_execution(sm_execution *out, aws_ctx *ctx, const char *execution_arn,
				   aws_error *ae);

typedef struct sm_step {
	const char *name, *display_name, *status, *failure_reason;
	const char *job_arn; /* the Metadata's job ARN (processing, training, …), if any */
	const char *condition_outcome; /* Condition steps: "True" / "False" */
	long long start_time, end_time;
} sm_step;

typedef struct sm_step_list {
	aws_pool pool;
	sm_step *items; /* newest first (the service's default order) */
	size_t n, cap;
} sm_step_list;

int sm_list_pipeline_execution_steps(sm_step_list *out, aws_ctx *ctx, const char *execution_arn,
				     aws_error *ae);

typedef struct sm_project_input {
	const char *name; /* required */
	const char *description;
	const char *product_id;     /* Service Catalog product (the organization template) */
	const char *artifact_id;    /* NULL: the product's default version */
	const sm_parameter *params; /* ProvisioningParameters Key/Value */
	size_t nparams;
	const aws_tag *tags;
	size_t ntags;
} sm_project_input;

int sm_create_project(sm_arn *out, aws_ctx *ctx, const sm_project_input *in, aws_error *ae);

typedef struct sm_project {
	aws_pool pool;
	const char *arn, *id, *name, *description, *status;
	const char *product_id, *artifact_id;
	const char *provisioned_product_id, *provisioned_product_status;
	long long creation_time;
} sm_project;

int sm_describe_project(sm_project *out, aws_ctx *ctx, const char *name, aws_error *ae);

/* DescribePipeline / DescribeProject queued on `ctx` (aws_json_submit):
 * `out` is filled by the time `done` runs from aws_run() with ae->err.code
 * FCC_OK (a missing one: FCC_ENOTFOUND). Return FCC_OK, or an error in `e`
 * and `done` is never called. Dispose out->pool either way. */
int sm_describe_pipeline_submit(sm_pipeline *out, aws_ctx *ctx, const char *name,
				aws_finish_fn done, void *payload, fcc_err *e);
int sm_describe_project_submit(sm_project *out, aws_ctx *ctx, const char *name, aws_finish_fn done,
			       void *payload, fcc_err *e);

#endif
