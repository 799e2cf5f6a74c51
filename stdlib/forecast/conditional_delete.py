#!/usr/bin/env python3
"""conditional_delete.py — the ForecastConditionalDelete step of fcc's Forecast pipeline.

Runs in a SageMaker Processing job (Python 3 with boto3). fcc copies it verbatim
into the seed code as pipelines/<module>/conditional_delete.py.

It reads the evaluation that ForecastTrainAndEvaluate wrote (--evaluation: an
evaluation.json, a model.tar.gz holding one, or a directory holding either;
default /opt/ml/processing/evaluation/), takes the chosen metric (--metric, the
pipeline's EvaluationMetric; default the config's `metric`) and compares it with
--max-score (MaxScore; default the config's `max_score`). Lower is better for
WAPE, RMSE, MASE and MAPE alike, so:

    value <= max_score   keep everything and say so
    value >  max_score   delete, in dependency order: the predictor, the import
    (or no value)        jobs, the datasets, the dataset group

Each deletion waits (bounded: --poll-seconds, --timeout-seconds) until Describe
answers ResourceNotFoundException before the next resource goes, because
Forecast refuses to delete a resource that another one still uses. Deleting is
idempotent: a resource that is already gone counts as deleted, so a retried step
converges. With --decision-output, the decision is also written as JSON.

Errors are one line on stderr (`conditional_delete: error: ...`), exit status 1.
"""
import argparse
import json
import math
import os
import sys
import tarfile
import time

METRICS = ("WAPE", "RMSE", "MASE", "MAPE")
NOT_FOUND = "ResourceNotFoundException"


class StepError(Exception):
    """A failure of this step; printed as one line."""


class ApiError(StepError):
    """An AWS error response: code (e.g. ResourceNotFoundException) and message."""

    def __init__(self, code, message):
        StepError.__init__(self, "%s: %s" % (code, message))
        self.code = code


class ForecastApi:
    """The one door to Amazon Forecast: call(operation, **params) with boto3's
    snake_case operation names; AWS errors become ApiError."""

    def __init__(self, client):
        self._client = client

    def call(self, operation, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**params)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise ApiError(err.get("Code", "Unknown"), err.get("Message", str(e)))
        except BotoCoreError as e:
            raise ApiError(type(e).__name__, str(e))


def make_api(region):
    import boto3

    return ForecastApi(boto3.client("forecast", region_name=region))


def read_evaluation(path):
    """The evaluation dict from a JSON file, a model.tar.gz, or a directory."""
    if os.path.isdir(path):
        for name in ("evaluation.json", "model.tar.gz"):
            if os.path.isfile(os.path.join(path, name)):
                return read_evaluation(os.path.join(path, name))
        raise StepError("%s holds neither evaluation.json nor model.tar.gz" % path)
    try:
        if path.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path) as tar:
                member = next((m for m in tar.getmembers()
                               if m.isfile() and os.path.basename(m.name) == "evaluation.json"), None)
                if member is None:
                    raise StepError("%s has no evaluation.json" % path)
                doc = json.loads(tar.extractfile(member).read().decode("utf-8"))
        else:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
    except (OSError, ValueError, tarfile.TarError) as e:
        raise StepError("cannot read evaluation %s: %s" % (path, e))
    if not isinstance(doc, dict) or not doc.get("predictor_arn"):
        raise StepError("evaluation %s has no predictor_arn" % path)
    return doc


def decide(evaluation, metric, max_score):
    """('keep' | 'delete', value or None, reason)."""
    value = (evaluation.get("metrics") or {}).get(metric)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "delete", None, "%s was not reported, so the predictor cannot be shown to be good enough" % metric
    value = float(value)
    if value <= max_score:
        return "keep", value, "%s=%.6f <= MaxScore %g" % (metric, value, max_score)
    return "delete", value, "%s=%.6f > MaxScore %g" % (metric, value, max_score)


def deletion_plan(evaluation):
    """[(what, delete op, describe op, ARN field, ARN)] in dependency order."""
    plan = []
    describe = "describe_auto_predictor" if evaluation.get("auto_predictor") else "describe_predictor"
    plan.append(("predictor", "delete_predictor", describe, "PredictorArn", evaluation["predictor_arn"]))
    for arn in evaluation.get("import_job_arns") or []:
        plan.append(("import job", "delete_dataset_import_job", "describe_dataset_import_job",
                     "DatasetImportJobArn", arn))
    for arn in evaluation.get("dataset_arns") or []:
        plan.append(("dataset", "delete_dataset", "describe_dataset", "DatasetArn", arn))
    if evaluation.get("dataset_group_arn"):
        plan.append(("dataset group", "delete_dataset_group", "describe_dataset_group", "DatasetGroupArn",
                     evaluation["dataset_group_arn"]))
    return plan


def wait_gone(api, describe, field, arn, what, timeout, poll, sleep):
    """Poll describe until ResourceNotFoundException, at most ceil(timeout/poll)+1 times."""
    polls = max(1, int(math.ceil(timeout / float(poll)))) + 1
    status = None
    for i in range(polls):
        try:
            status = api.call(describe, **{field: arn}).get("Status")
        except ApiError as e:
            if e.code == NOT_FOUND:
                return
            raise
        if status == "DELETE_FAILED":
            raise StepError("deleting %s %s failed" % (what, arn))
        if i + 1 < polls:
            sleep(poll)
    raise StepError("timed out after %d polls (%ss) waiting for %s %s to be deleted; last status %s"
                    % (polls, timeout, what, arn, status))


def delete_all(api, evaluation, timeout, poll, sleep=time.sleep, log=print):
    """Delete the plan's resources in order; returns the ARNs handled."""
    done = []
    for what, delete_op, describe_op, field, arn in deletion_plan(evaluation):
        try:
            api.call(delete_op, **{field: arn})
            log("deleting %s %s" % (what, arn))
        except ApiError as e:
            if e.code != NOT_FOUND:
                raise
            log("%s %s was already deleted" % (what, arn))
        wait_gone(api, describe_op, field, arn, what, timeout, poll, sleep)
        log("deleted %s %s" % (what, arn))
        done.append(arn)
    return done


def load_config(path):
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        raise StepError("cannot read config %s: %s" % (path, e))
    return cfg if isinstance(cfg, dict) else {}


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="ForecastConditionalDelete: delete a predictor that scores too poorly")

    def opt(name, **kw):
        p.add_argument("--" + name, "--" + name.replace("-", "_"), dest=name.replace("-", "_"), **kw)

    opt("config", default=os.path.join(here, "forecast_config.json"))
    opt("evaluation", default="/opt/ml/processing/evaluation/")
    opt("metric")
    opt("max-score", type=float)
    opt("region")
    opt("decision-output", help="write the decision as JSON to this file")
    opt("timeout-seconds", type=float, default=3600.0)
    opt("poll-seconds", type=float, default=15.0)
    args = p.parse_args(argv)
    if args.poll_seconds <= 0 or args.timeout_seconds <= 0:
        p.error("--poll-seconds and --timeout-seconds must be positive")
    return args


def main(argv=None, api=None, sleep=time.sleep):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        cfg = load_config(args.config)
        evaluation = read_evaluation(args.evaluation)
        metric = args.metric or cfg.get("metric") or evaluation.get("metric") or "WAPE"
        if metric not in METRICS:
            raise StepError("unknown metric '%s'; expected one of %s" % (metric, ", ".join(METRICS)))
        max_score = args.max_score if args.max_score is not None else cfg.get("max_score")
        if not isinstance(max_score, (int, float)) or isinstance(max_score, bool) or max_score <= 0:
            raise StepError("MaxScore must be a number greater than 0, not %r" % (max_score,))
        decision, value, reason = decide(evaluation, metric, float(max_score))
        deleted = []
        if decision == "keep":
            print("conditional_delete: kept predictor %s: %s" % (evaluation["predictor_arn"], reason))
        else:
            print("conditional_delete: deleting the Forecast resources: %s" % reason)
            if api is None:
                api = make_api(args.region or cfg.get("region") or os.environ.get("AWS_REGION"))
            deleted = delete_all(api, evaluation, args.timeout_seconds, args.poll_seconds, sleep=sleep,
                                 log=lambda m: print("conditional_delete: " + m))
            print("conditional_delete: deleted %d resources" % len(deleted))
        if args.decision_output:
            os.makedirs(os.path.dirname(os.path.abspath(args.decision_output)), exist_ok=True)
            with open(args.decision_output, "w", encoding="utf-8") as f:
                json.dump({"decision": "kept" if decision == "keep" else "deleted", "deleted": deleted,
                           "max_score": float(max_score), "metric": metric, "predictor_arn":
                           evaluation["predictor_arn"], "value": value}, f, indent=2, sort_keys=True)
                f.write("\n")
        return 0
    except (StepError, OSError) as e:
        print("conditional_delete: error: %s" % str(e).replace("\n", " "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
