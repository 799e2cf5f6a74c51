/*
 * emit_pipeline.h — the SageMaker pipeline of the Forecast stages, and the
 * configuration file the stage scripts read.
 *
 * pipeline.json is a complete pipeline definition (format 2020-12-01):
 * ForecastPreProcess (processing) → ForecastTrainAndEvaluate (training,
 * metric definitions for WAPE/RMSE/MASE/MAPE) → ForecastConditionalDelete
 * (processing), chained by data dependencies, with parameters whose
 * defaults come from the spec. Nothing in it is substituted at build time:
 * the seed's run_pipeline.sh passes CodeLocation, ArtifactBucket and
 * ForecastRoleArn as parameters when it starts an execution.
 */
#ifndef FCC_EMIT_PIPELINE_H
#define FCC_EMIT_PIPELINE_H

#include "base/buf.h"
#include "base/err.h"
#include "spec_model.h"

/* pipelines/<module>/forecast_config.json: the spec's Forecast settings for
 * the stage scripts (sorted keys). Returns FCC_OK or FCC_ENOMEM. */
int emit_pipeline_config(fcc_buf *out, const spec_model *m, fcc_err *e);

/* pipelines/<module>/pipeline.json using the scikit-learn container `image`.
 * Returns FCC_OK or FCC_ENOMEM. */
int emit_pipeline_definition(fcc_buf *out, const spec_model *m, const char *image, fcc_err *e);

/* The processing/training image for `region` from <stdlib>/images.json
 * (caller frees *out). FCC_ENOTFOUND when the region has no image. */
int emit_pipeline_image(char **out, const char *stdlib_dir, const char *region, fcc_err *e);

#endif
