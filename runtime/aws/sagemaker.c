/*
 * sagemaker.c — Amazon SageMaker typed client (see sagemaker.h).
 */
#include "runtime/aws/sagemaker.h"

#include <string.h>

#define SVC (&aws_svc_sagemaker)

static int nomem(aws_error *ae, const char *op)
{
	return fcc_err_set(&ae->err, FCC_ENOMEM, "SageMaker %s: out of memory", op);
}

static int put(json_t *o, const char *key, const char *v)
{
	return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int put_token(json_t *o, const char *tok, aws_error *ae)
{
	char uuid[37];
	int rc;

	if (!tok) {
		if ((rc = aws_uuid4(uuid, &ae->err)))
			return rc;
		tok = uuid;
	}
	return put(o, "ClientRequestToken", tok) ? FCC_ENOMEM : FCC_OK;
}

/* [{Name|Key, Value}] */
static json_t *pairs(const char *kname, const sm_parameter *p, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s}", kname, p[i].name, "Value",
						       p[i].value ? p[i].value : ""))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Run `op` with `q` (consumed); *resp gets the answer. */
static int call(json_t **resp, aws_ctx *ctx, const char *op, json_t *q, int bad, aws_error *ae)
{
	int rc;

	*resp = NULL;
	if (!q || bad) {
		json_decref(q);
		aws_error_clear(ae);
		return nomem(ae, op);
	}
	rc = aws_json_call(resp, ctx, SVC, op, q, ae);
	json_decref(q);
	return rc;
}

/* Answers with one ARN member (and an id). */
static int arn_call(sm_arn *out, aws_ctx *ctx, const char *op, json_t *q, int bad,
		    const char *arn_key, const char *id_key, aws_error *ae)
{
	json_t *resp = NULL;
	int rc;

	if (!(rc = call(&resp, ctx, op, q, bad, ae))) {
		out->arn = aws_json_str(&out->pool, resp, arn_key);
		if (id_key)
			out->id = aws_json_str(&out->pool, resp, id_key);
		if (out->pool.oom) {
			aws_pool_dispose(&out->pool);
			rc = nomem(ae, op);
		}
	}
	json_decref(resp);
	return rc;
}

static int pipeline_body(json_t *q, const sm_pipeline_input *in)
{
	return put(q, "PipelineName", in->name) | put(q, "PipelineDisplayName", in->display_name) |
	       put(q, "PipelineDescription", in->description) |
	       put(q, "PipelineDefinition", in->definition) | put(q, "RoleArn", in->role_arn);
}

int sm_create_pipeline(sm_arn *out, aws_ctx *ctx, const sm_pipeline_input *in, aws_error *ae)
{
	json_t *q = json_object();
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= pipeline_body(q, in);
		if (in->ntags)
			bad |= json_object_set_new(q, "Tags",
						   aws_json_tag_array(in->tags, in->ntags));
		if ((rc = put_token(q, in->client_request_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	return arn_call(out, ctx, "CreatePipeline", q, bad, "PipelineArn", NULL, ae);
}

int sm_update_pipeline(sm_arn *out, aws_ctx *ctx, const sm_pipeline_input *in, aws_error *ae)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	return arn_call(out, ctx, "UpdatePipeline", q, q ? pipeline_body(q, in) : 0, "PipelineArn",
			NULL, ae);
}

static int read_pipeline(void *payload, const json_t *r);

int sm_describe_pipeline(sm_pipeline *out, aws_ctx *ctx, const char *name, aws_error *ae)
{
	json_t *q = json_object(), *r = NULL;
	aws_pool *p = &out->pool;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(rc = call(&r, ctx, "DescribePipeline", q, q ? put(q, "PipelineName", name) : 0,
			ae)) &&
	    read_pipeline(out, r)) {
		aws_pool_dispose(p);
		rc = nomem(ae, "DescribePipeline");
	}
	json_decref(r);
	return rc;
}

static int read_pipeline(void *payload, const json_t *r)
{
	sm_pipeline *out = payload;
	aws_pool *p = &out->pool;

	out->arn = aws_json_str(p, r, "PipelineArn");
	out->name = aws_json_str(p, r, "PipelineName");
	out->display_name = aws_json_str(p, r, "PipelineDisplayName");
	out->description = aws_json_str(p, r, "PipelineDescription");
	out->definition = aws_json_str(p, r, "PipelineDefinition");
	out->role_arn = aws_json_str(p, r, "RoleArn");
	out->status = aws_json_str(p, r, "PipelineStatus");
	out->creation_time = aws_json_time(r, "CreationTime");
	out->last_modified_time = aws_json_time(r, "LastModifiedTime");
	out->last_run_time = aws_json_time(r, "LastRunTime");
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

int sm_start_pipeline_execution(sm_arn *out, aws_ctx *ctx, const char *pipeline_name,
				const char *display_name, const sm_parameter *params,
				size_t nparams, const char *client_request_token, aws_error *ae)
{
	json_t *q = json_object();
	int bad = 0, rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (q) {
		bad |= put(q, "PipelineName", pipeline_name) |
		       put(q, "PipelineExecutionDisplayName", display_name);
		if (nparams)
			bad |= json_object_set_new(q, "PipelineParameters",
						   pairs("Name", params, nparams));
		if ((rc = put_token(q, client_request_token, ae))) {
			json_decref(q);
			return rc;
		}
	}
	return arn_call(out, ctx, "StartPipelineExecution", q, bad, "PipelineExecutionArn", NULL,
			ae);
}

int sm_describe_pipeline_execution(sm_execution *out, aws_ctx *ctx, const char *execution_arn,
				   aws_error *ae)
{
	json_t *q = json_object(), *r = NULL;
	aws_pool *p = &out->pool;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(rc = call(&r, ctx, "DescribePipelineExecution", q,
			q ? put(q, "PipelineExecutionArn", execution_arn) : 0, ae))) {
		out->arn = aws_json_str(p, r, "PipelineExecutionArn");
		out->pipeline_arn = aws_json_str(p, r, "PipelineArn");
		out->display_name = aws_json_str(p, r, "PipelineExecutionDisplayName");
		out->status = aws_json_str(p, r, "PipelineExecutionStatus");
		out->failure_reason = aws_json_str(p, r, "FailureReason");
		out->creation_time = aws_json_time(r, "CreationTime");
		out->last_modified_time = aws_json_time(r, "LastModifiedTime");
		if (p->oom) {
			aws_pool_dispose(p);
			rc = nomem(ae, "DescribePipelineExecution");
		}
	}
	json_decref(r);
	return rc;
}

static int each_step(void *payload, const json_t *page)
{
	sm_step_list *out = payload;
	aws_pool *p = &out->pool;
	const json_t *d, *md, *v;
	const char *k;
	size_t i;

	json_array_foreach(json_object_get(page, "PipelineExecutionSteps"), i, d) {
		sm_step *s = AWS_PUSH(p, out->items, out->n, out->cap);
		if (!s)
			return FCC_ENOMEM;
		s->name = aws_json_str(p, d, "StepName");
		s->display_name = aws_json_str(p, d, "StepDisplayName");
		s->status = aws_json_str(p, d, "StepStatus");
		s->failure_reason = aws_json_str(p, d, "FailureReason");
		s->start_time = aws_json_time(d, "StartTime");
		s->end_time = aws_json_time(d, "EndTime");
		/* Metadata has one member per step kind, each holding an Arn */
		md = json_object_get(d, "Metadata");
		json_object_foreach((json_t *)md, k, v) {
			if (strcmp(k, "Condition") == 0)
				s->condition_outcome = aws_json_str(p, v, "Outcome");
			else if (!s->job_arn)
				s->job_arn = aws_json_str(p, v, "Arn");
		}
	}
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

int sm_list_pipeline_execution_steps(sm_step_list *out, aws_ctx *ctx, const char *execution_arn,
				     aws_error *ae)
{
	json_t *q = json_object();
	int rc;

	memset(out, 0, sizeof *out);
	aws_error_clear(ae);
	if (!q || put(q, "PipelineExecutionArn", execution_arn)) {
		json_decref(q);
		return nomem(ae, "ListPipelineExecutionSteps");
	}
	rc = aws_json_pages(ctx, SVC, "ListPipelineExecutionSteps", q, "NextToken", "NextToken",
			    each_step, out, ae);
	json_decref(q);
	if (rc)
		aws_pool_dispose(&out->pool);
	return rc;
}

int sm_create_project(sm_arn *out, aws_ctx *ctx, const sm_project_input *in, aws_error *ae)
{
	json_t *q = json_object(), *d = json_object();
	int bad = 0;

	memset(out, 0, sizeof *out);
	if (q && d) {
		bad |= put(q, "ProjectName", in->name) |
		       put(q, "ProjectDescription", in->description) |
		       put(d, "ProductId", in->product_id) |
		       put(d, "ProvisioningArtifactId", in->artifact_id);
		if (in->nparams)
			bad |= json_object_set_new(d, "ProvisioningParameters",
						   pairs("Key", in->params, in->nparams));
		bad |= json_object_set(q, "ServiceCatalogProvisioningDetails", d);
		if (in->ntags)
			bad |= json_object_set_new(q, "Tags",
						   aws_json_tag_array(in->tags, in->ntags));
	}
	json_decref(d);
	return arn_call(out, ctx, "CreateProject", q, bad || !d, "ProjectArn", "ProjectId", ae);
}

static int read_project(void *payload, const json_t *r);

int sm_describe_project(sm_project *out, aws_ctx *ctx, const char *name, aws_error *ae)
{
	json_t *q = json_object(), *r = NULL;
	aws_pool *p = &out->pool;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(rc = call(&r, ctx, "DescribeProject", q, q ? put(q, "ProjectName", name) : 0, ae)) &&
	    read_project(out, r)) {
		aws_pool_dispose(p);
		rc = nomem(ae, "DescribeProject");
	}
	json_decref(r);
	return rc;
}

static int read_project(void *payload, const json_t *r)
{
	sm_project *out = payload;
	aws_pool *p = &out->pool;
	const json_t *d;

	out->arn = aws_json_str(p, r, "ProjectArn");
	out->id = aws_json_str(p, r, "ProjectId");
	out->name = aws_json_str(p, r, "ProjectName");
	out->description = aws_json_str(p, r, "ProjectDescription");
	out->status = aws_json_str(p, r, "ProjectStatus");
	out->creation_time = aws_json_time(r, "CreationTime");
	d = json_object_get(r, "ServiceCatalogProvisioningDetails");
	out->product_id = aws_json_str(p, d, "ProductId");
	out->artifact_id = aws_json_str(p, d, "ProvisioningArtifactId");
	d = json_object_get(r, "ServiceCatalogProvisionedProductDetails");
	out->provisioned_product_id = aws_json_str(p, d, "ProvisionedProductId");
	out->provisioned_product_status = aws_json_str(p, d, "ProvisionedProductStatusMessage");
	return p->oom ? FCC_ENOMEM : FCC_OK;
}

/* ---- asynchronous reads (aws_json_submit) ---- */

static int submit_one(aws_ctx *ctx, const char *op, const char *key, const char *name,
		      int (*each)(void *, const json_t *), void *out, aws_finish_fn done,
		      void *payload, fcc_err *e)
{
	json_t *q = json_object();
	int rc;

	if (!q || put(q, key, name)) {
		json_decref(q);
		return fcc_err_set(e, FCC_ENOMEM, "SageMaker %s: out of memory", op);
	}
	rc = aws_json_submit(ctx, SVC, op, q, NULL, NULL, each, out, done, payload, e);
	json_decref(q);
	return rc;
}

int sm_describe_pipeline_submit(sm_pipeline *out, aws_ctx *ctx, const char *name,
				aws_finish_fn done, void *payload, fcc_err *e)
{
	memset(out, 0, sizeof *out);
	return submit_one(ctx, "DescribePipeline", "PipelineName", name, read_pipeline, out, done,
			  payload, e);
}

int sm_describe_project_submit(sm_project *out, aws_ctx *ctx, const char *name, aws_finish_fn done,
			       void *payload, fcc_err *e)
{
	memset(out, 0, sizeof *out);
	return submit_one(ctx, "DescribeProject", "ProjectName", name, read_project, out, done,
			  payload, e);
}
