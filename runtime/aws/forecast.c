/*
 * forecast.c — Amazon Forecast typed client (see forecast.h).
 */
#include "runtime/aws/forecast.h"

#include <string.h>

#define SVC (&aws_svc_forecast)

static int nomem(aws_error *ae, const char *op)
{
	return fcc_err_set(&ae->err, FCC_ENOMEM, "Forecast %s: out of memory", op);
}

static int each_group(void *payload, const json_t *page)
{
	fc_dataset_group_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "DatasetGroups"), i, d) {
		fc_dataset_group *g = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!g)
			return FCC_ENOMEM;
		g->arn = aws_json_str(&out->pool, d, "DatasetGroupArn");
		g->name = aws_json_str(&out->pool, d, "DatasetGroupName");
		g->creation_time = aws_json_time(d, "CreationTime");
		g->last_modification_time = aws_json_time(d, "LastModificationTime");
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

static int pages(aws_ctx *ctx, const char *op, json_t *q, aws_pool *pool,
		 int (*each)(void *, const json_t *), void *payload, aws_error *ae)
{
	int rc;

	aws_error_clear(ae);
	if (!q)
		return nomem(ae, op);
	rc = aws_json_pages(ctx, SVC, op, q, "NextToken", "NextToken", each, payload, ae);
	json_decref(q);
	if (rc)
		aws_pool_dispose(pool);
	return rc;
}

int fc_list_dataset_groups(fc_dataset_group_list *out, aws_ctx *ctx, aws_error *ae)
{
	memset(out, 0, sizeof *out);
	return pages(ctx, "ListDatasetGroups", json_object(), &out->pool, each_group, out, ae);
}

static void read_predictor(fc_predictor *p, aws_pool *pool, const json_t *d)
{
	p->arn = aws_json_str(pool, d, "PredictorArn");
	p->name = aws_json_str(pool, d, "PredictorName");
	p->dataset_group_arn = aws_json_str(pool, d, "DatasetGroupArn");
	p->status = aws_json_str(pool, d, "Status");
	p->message = aws_json_str(pool, d, "Message");
	p->is_auto = json_is_true(json_object_get(d, "IsAutoPredictor"));
	p->creation_time = aws_json_time(d, "CreationTime");
	p->last_modification_time = aws_json_time(d, "LastModificationTime");
}

static int each_predictor(void *payload, const json_t *page)
{
	fc_predictor_list *out = payload;
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(page, "Predictors"), i, d) {
		fc_predictor *p = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!p)
			return FCC_ENOMEM;
		read_predictor(p, &out->pool, d);
	}
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int fc_list_predictors(fc_predictor_list *out, aws_ctx *ctx, const char *dataset_group_arn,
		       aws_error *ae)
{
	json_t *q = json_object();

	memset(out, 0, sizeof *out);
	if (q && dataset_group_arn &&
	    json_object_set_new(q, "Filters",
				json_pack("[{s:s, s:s, s:s}]", "Key", "DatasetGroupArn", "Value",
					  dataset_group_arn, "Condition", "IS"))) {
		json_decref(q);
		q = NULL;
	}
	return pages(ctx, "ListPredictors", q, &out->pool, each_predictor, out, ae);
}

static int one(json_t **r, aws_ctx *ctx, const char *op, const char *arn, aws_error *ae)
{
	json_t *q = json_pack("{s:s}", "PredictorArn", arn ? arn : "");
	int rc;

	*r = NULL;
	if (!q) {
		aws_error_clear(ae);
		return nomem(ae, op);
	}
	rc = aws_json_call(r, ctx, SVC, op, q, ae);
	json_decref(q);
	return rc;
}

int fc_describe_predictor(fc_predictor_detail *out, aws_ctx *ctx, const char *predictor_arn,
			  aws_error *ae)
{
	json_t *r = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(rc = one(&r, ctx, "DescribePredictor", predictor_arn, ae))) {
		read_predictor(&out->p, &out->pool, r);
		out->algorithm_arn = aws_json_str(&out->pool, r, "AlgorithmArn");
		out->optimization_metric = aws_json_str(&out->pool, r, "OptimizationMetric");
		out->forecast_horizon =
			(long)json_integer_value(json_object_get(r, "ForecastHorizon"));
		out->perform_automl = json_is_true(json_object_get(r, "PerformAutoML"));
		if (out->pool.oom) {
			aws_pool_dispose(&out->pool);
			rc = nomem(ae, "DescribePredictor");
		}
	}
	json_decref(r);
	return rc;
}

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : -1;
}

int fc_get_accuracy_metrics(fc_accuracy *out, aws_ctx *ctx, const char *predictor_arn,
			    aws_error *ae)
{
	json_t *r = NULL;
	const json_t *ev, *w, *em;
	size_t i, j, k;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = one(&r, ctx, "GetAccuracyMetrics", predictor_arn, ae)))
		goto out;
	out->optimization_metric = aws_json_str(&out->pool, r, "OptimizationMetric");
	out->is_auto = json_is_true(json_object_get(r, "IsAutoPredictor"));
	json_array_foreach(json_object_get(r, "PredictorEvaluationResults"), i, ev) {
		fc_metrics *m = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!m)
			break;
		m->algorithm_arn = aws_json_str(&out->pool, ev, "AlgorithmArn");
		m->rmse = m->wape = m->mase = m->mape = m->average_weighted_quantile_loss = -1;
		json_array_foreach(json_object_get(ev, "TestWindows"), j, w) {
			const json_t *met = json_object_get(w, "Metrics");
			const json_t *type = json_object_get(w, "EvaluationType");
			/* the SUMMARY window averages the backtests; take it, or the
			 * only window there is */
			if (json_is_string(type) &&
			    strcmp(json_string_value(type), "SUMMARY") != 0 &&
			    json_array_size(json_object_get(ev, "TestWindows")) > 1)
				continue;
			m->rmse = num(met, "RMSE");
			m->average_weighted_quantile_loss = num(met, "AverageWeightedQuantileLoss");
			json_array_foreach(json_object_get(met, "ErrorMetrics"), k, em) {
				if (m->rmse < 0)
					m->rmse = num(em, "RMSE");
				m->wape = num(em, "WAPE");
				m->mase = num(em, "MASE");
				m->mape = num(em, "MAPE");
				break; /* the first forecast type (the mean) */
			}
			break;
		}
	}
	if (out->pool.oom)
		rc = nomem(ae, "GetAccuracyMetrics");
out:
	if (rc)
		aws_pool_dispose(&out->pool);
	json_decref(r);
	return rc;
}
