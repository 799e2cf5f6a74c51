/*
 * forecast.h — typed client for Amazon Forecast (JSON 1.1, 2018-06-26): the
 * reads `fcc run` needs to report the predictor a pipeline trained and its
 * accuracy. Outputs: aws_pool_dispose(&out->pool).
 */
#ifndef FCC_AWS_FORECAST_H
#define FCC_AWS_FORECAST_H

#include "runtime/aws.h"

typedef struct fc_dataset_group {
	const char *arn, *name;
	long long creation_time, last_modification_time;
} fc_dataset_group;

typedef struct fc_dataset_group_list {
	aws_pool pool;
	fc_dataset_group *items;
	size_t n, cap;
} fc_dataset_group_list;

int fc_list_dataset_groups(fc_dataset_group_list *out, aws_ctx *ctx, aws_error *ae);

typedef struct fc_predictor {
	const char *arn, *name, *dataset_group_arn, *status, *message;
	int is_auto;
	long long creation_time, last_modification_time;
} fc_predictor;

typedef struct fc_predictor_list {
	aws_pool pool;
	fc_predictor *items;
	size_t n, cap;
} fc_predictor_list;

/* ListPredictors, optionally filtered to one dataset group (NULL: all). */
int fc_list_predictors(fc_predictor_list *out, aws_ctx *ctx, const char *dataset_group_arn,
		       aws_error *ae);

typedef struct fc_predictor_detail {
	aws_pool pool;
	fc_predictor p; /* dataset_group_arn is not in this answer */
	const char *algorithm_arn, *optimization_metric;
	long forecast_horizon;
	int perform_automl;
} fc_predictor_detail;

int fc_describe_predictor(fc_predictor_detail *out, aws_ctx *ctx, const char *predictor_arn,
			  aws_error *ae);

/* The accuracy metrics of one evaluation (the SUMMARY window, averaged
 * over the backtest windows). A metric absent from the answer is -1. */
typedef struct fc_metrics {
	const char *algorithm_arn;
	double rmse, wape, mase, mape, average_weighted_quantile_loss;
} fc_metrics;

typedef struct fc_accuracy {
	aws_pool pool;
	fc_metrics *items; /* one per evaluated algorithm */
	size_t n, cap;
	const char *optimization_metric;
	int is_auto;
} fc_accuracy;

/* GetAccuracyMetrics; an inactive predictor is FCC_EAWS ResourceInUseException. */
int fc_get_accuracy_metrics(fc_accuracy *out, aws_ctx *ctx, const char *predictor_arn,
			    aws_error *ae);

#endif
