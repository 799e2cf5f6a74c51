#!/usr/bin/env python3
"""train.py — the ForecastTrainAndEvaluate step of fcc's Forecast pipeline.

Runs as the entry point of a SageMaker training job (scikit-learn container,
Python 3 with boto3). fcc copies it verbatim into the seed code as
pipelines/<module>/train.py. Spec values come from forecast_config.json (next to
this script, or --config); the pipeline's parameters arrive as arguments and
override them (--horizon, --algorithm, --metric).

Steps, each idempotent: a rerun with the same --name-prefix finds what the
first run created (by name) and reuses it instead of failing.
  1. the datasets (CUSTOM domain): TARGET_TIME_SERIES, and RELATED_TIME_SERIES
     when the schema has `related`, with the schema's attributes;
  2. the dataset group holding them;
  3. one import job per dataset from the S3 URIs the preprocessing step wrote
     (--target-data, --related-data), with the Forecast role (--forecast-role-arn);
  4. the predictor: AutoPredictor -> CreateAutoPredictor (OptimizationMetric =
     the evaluation metric; it chooses its own backtesting); any other algorithm
     -> CreatePredictor with AlgorithmArn arn:aws:forecast:::algorithm/<name>
     (DeepAR+ is called Deep_AR_Plus there), ForecastHorizon, backtest windows
     in EvaluationParameters and FeaturizationConfig.ForecastFrequency;
  5. GetAccuracyMetrics: WAPE, RMSE, MASE and MAPE averaged over the backtest
     windows, printed one a line as `NAME=value` for the training job's
     MetricDefinitions (regex `NAME=([0-9.]+)`), and written with the resource
     ARNs to <model dir>/evaluation.json (the ForecastConditionalDelete step
     reads it from the model artifact) and <output data dir>/evaluation.json.

Every wait is bounded: a fixed poll interval (--poll-seconds) and a deadline
(--timeout-seconds); a job in CREATE_FAILED ends the step with the job's own
message. Every AWS call goes through ForecastApi.call(), so a test can pass a
fake in its place. Errors are one line on stderr (`train: error: ...`), also
written to /opt/ml/output/failure where SageMaker shows it as the job's
FailureReason, and exit status 1.
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys
import time

ALGORITHM_ARN_NAMES = {"CNN-QR": "CNN-QR", "DeepAR+": "Deep_AR_Plus", "NPTS": "NPTS",
                       "Prophet": "Prophet", "ARIMA": "ARIMA", "ETS": "ETS"}
METRICS = ("WAPE", "RMSE", "MASE", "MAPE")
FAILED = ("CREATE_FAILED", "CREATE_STOPPED", "UPDATE_FAILED", "DELETE_FAILED")
NAME_MAX = 63          # Forecast resource names: ^[a-zA-Z][a-zA-Z0-9_]*, at most 63 characters
LONGEST_SUFFIX = "_related_import"


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


def resource_names(prefix):
    """Forecast names for this run, derived from the pipeline's name prefix.

    Characters Forecast rejects become '_'; a prefix too long for the longest
    name is cut and given a hash of the whole prefix, so two long prefixes that
    share their start still get different names."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", prefix or "")
    if not clean or not clean[0].isalpha():
        clean = "fcc_" + clean
    room = NAME_MAX - len(LONGEST_SUFFIX)
    if len(clean) > room:
        digest = hashlib.sha256(prefix.encode("utf-8")).hexdigest()[:8]
        clean = clean[:room - 9] + "_" + digest
    return {"dataset_group": clean + "_dsg", "target": clean + "_target", "related": clean + "_related",
            "target_import": clean + "_target_import", "related_import": clean + "_related_import",
            "predictor": clean + "_predictor"}


def paged(api, operation, key, **params):
    """All items of a paginated List* call; at most 100 pages."""
    token = None
    for _ in range(100):
        if token:
            params["NextToken"] = token
        page = api.call(operation, **params)
        for item in page.get(key, []):
            yield item
        token = page.get("NextToken")
        if not token:
            return
    raise StepError("%s returned more than 100 pages" % operation)


def find(api, operation, key, name_field, arn_field, name, **params):
    for item in paged(api, operation, key, **params):
        if item.get(name_field) == name:
            return item[arn_field]
    return None


def wait_active(api, describe, arn_field, arn, what, timeout, poll, sleep):
    """Poll describe until Status is ACTIVE, at most ceil(timeout/poll)+1 times.

    Raises StepError with Forecast's Message when the resource failed, and a
    timeout error when the deadline passes."""
    polls = max(1, int(math.ceil(timeout / float(poll)))) + 1
    status = None
    for i in range(polls):
        d = api.call(describe, **{arn_field: arn})
        status = d.get("Status")
        if status == "ACTIVE":
            return d
        if status in FAILED:
            raise StepError("%s is %s: %s" % (what, status, d.get("Message") or "no message"))
        if i + 1 < polls:
            sleep(poll)
    raise StepError("timed out after %d polls (%ss) waiting for %s; last status %s"
                    % (polls, timeout, what, status))


def schema_of(attrs):
    return {"Attributes": [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in attrs]}


def ensure(api, find_args, create_op, create_params, arn_field, log):
    """Reuse the resource with this name, or create it; tolerates a lost race."""
    operation, key, name_field, list_arn_field, name, list_params = find_args
    arn = find(api, operation, key, name_field, list_arn_field, name, **list_params)
    if arn:
        log("reusing %s" % arn)
        return arn
    try:
        arn = api.call(create_op, **create_params)[arn_field]
        log("created %s" % arn)
        return arn
    except ApiError as e:
        if e.code != "ResourceAlreadyExistsException":
            raise
    arn = find(api, operation, key, name_field, list_arn_field, name, **list_params)
    if not arn:
        raise StepError("%s says %s exists but it is not listed" % (create_op, name))
    return arn


def average_metrics(result):
    """WAPE/RMSE/MASE/MAPE from GetAccuracyMetrics, averaged over the windows.

    Uses the SUMMARY window when Forecast gives one (it is the average), else
    the mean of the COMPUTED windows; from ErrorMetrics the 'mean' forecast
    type when present, else the first."""
    evals = result.get("PredictorEvaluationResults") or []
    if not evals:
        raise StepError("GetAccuracyMetrics returned no evaluation results")
    windows = evals[0].get("TestWindows") or []
    summary = [w for w in windows if w.get("EvaluationType") == "SUMMARY"]
    use = summary[:1] or [w for w in windows if w.get("EvaluationType") != "SUMMARY"]
    if not use:
        raise StepError("GetAccuracyMetrics returned no test windows")
    totals = {}
    for w in use:
        errs = (w.get("Metrics") or {}).get("ErrorMetrics") or []
        chosen = next((e for e in errs if e.get("ForecastType") == "mean"), errs[0] if errs else {})
        for m in METRICS:
            v = chosen.get(m)
            if v is None and m == "RMSE":
                v = (w.get("Metrics") or {}).get("RMSE")
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                totals.setdefault(m, []).append(float(v))
    return {m: sum(vs) / len(vs) for m, vs in totals.items()}


def train(api, cfg, args, sleep=time.sleep, log=print):
    """Create or reuse everything and evaluate; returns the evaluation dict."""
    names = resource_names(args.name_prefix)
    frequency = cfg["frequency"]
    ts_format = cfg.get("timestamp_format", "yyyy-MM-dd HH:mm:ss")
    horizon = args.horizon if args.horizon is not None else cfg["horizon"]
    algorithm = args.algorithm or cfg.get("algorithm", "AutoPredictor")
    metric = args.metric or cfg.get("metric", "WAPE")
    windows = cfg.get("backtest_windows", 1)
    schema = cfg.get("schema") or {}
    if algorithm != "AutoPredictor" and algorithm not in ALGORITHM_ARN_NAMES:
        raise StepError("unknown algorithm '%s'" % algorithm)
    if metric not in METRICS:
        raise StepError("unknown metric '%s'" % metric)
    if "target" not in schema:
        raise StepError("config schema has no target")
    related = schema.get("related")
    if related and not args.related_data:
        raise StepError("the schema has related attributes but --related-data was not given")
    wait = dict(timeout=args.timeout_seconds, poll=args.poll_seconds, sleep=sleep)

    kinds = [("target", "TARGET_TIME_SERIES", schema["target"], args.target_data)]
    if related:
        kinds.append(("related", "RELATED_TIME_SERIES", related, args.related_data))

    dataset_arns = {}
    for kind, ds_type, attrs, _ in kinds:
        dataset_arns[kind] = ensure(
            api, ("list_datasets", "Datasets", "DatasetName", "DatasetArn", names[kind], {}),
            "create_dataset",
            dict(DatasetName=names[kind], Domain="CUSTOM", DatasetType=ds_type, DataFrequency=frequency,
                 Schema=schema_of(attrs)),
            "DatasetArn", log)

    wanted = [dataset_arns[k] for k, _, _, _ in kinds]
    dsg = ensure(api, ("list_dataset_groups", "DatasetGroups", "DatasetGroupName", "DatasetGroupArn",
                       names["dataset_group"], {}),
                 "create_dataset_group",
                 dict(DatasetGroupName=names["dataset_group"], Domain="CUSTOM", DatasetArns=wanted),
                 "DatasetGroupArn", log)
    current = api.call("describe_dataset_group", DatasetGroupArn=dsg)
    if sorted(current.get("DatasetArns") or []) != sorted(wanted):
        api.call("update_dataset_group", DatasetGroupArn=dsg, DatasetArns=wanted)
        log("attached the datasets to %s" % dsg)
    wait_active(api, "describe_dataset_group", "DatasetGroupArn", dsg, "dataset group %s" % dsg, **wait)

    import_arns = {}
    for kind, _, _, uri in kinds:
        job = names[kind + "_import"]
        import_arns[kind] = ensure(
            api, ("list_dataset_import_jobs", "DatasetImportJobs", "DatasetImportJobName", "DatasetImportJobArn",
                  job, {"Filters": [{"Key": "DatasetArn", "Value": dataset_arns[kind], "Condition": "IS"}]}),
            "create_dataset_import_job",
            dict(DatasetImportJobName=job, DatasetArn=dataset_arns[kind],
                 DataSource={"S3Config": {"Path": uri, "RoleArn": args.forecast_role_arn}},
                 TimestampFormat=ts_format),
            "DatasetImportJobArn", log)
    for kind, _, _, _ in kinds:
        wait_active(api, "describe_dataset_import_job", "DatasetImportJobArn", import_arns[kind],
                    "import job %s" % import_arns[kind], **wait)

    auto = algorithm == "AutoPredictor"
    pfind = ("list_predictors", "Predictors", "PredictorName", "PredictorArn", names["predictor"],
             {"Filters": [{"Key": "DatasetGroupArn", "Value": dsg, "Condition": "IS"}]})
    if auto:
        predictor = ensure(api, pfind, "create_auto_predictor",
                           dict(PredictorName=names["predictor"], ForecastHorizon=horizon,
                                ForecastFrequency=frequency, DataConfig={"DatasetGroupArn": dsg},
                                OptimizationMetric=metric),
                           "PredictorArn", log)
        describe = "describe_auto_predictor"
    else:
        predictor = ensure(api, pfind, "create_predictor",
                           dict(PredictorName=names["predictor"],
                                AlgorithmArn="arn:aws:forecast:::algorithm/" + ALGORITHM_ARN_NAMES[algorithm],
                                ForecastHorizon=horizon, PerformAutoML=False,
                                EvaluationParameters={"NumberOfBacktestWindows": windows,
                                                      "BackTestWindowOffset": horizon},
                                InputDataConfig={"DatasetGroupArn": dsg},
                                FeaturizationConfig={"ForecastFrequency": frequency}),
                           "PredictorArn", log)
        describe = "describe_predictor"
    wait_active(api, describe, "PredictorArn", predictor, "predictor %s" % predictor, **wait)

    metrics = average_metrics(api.call("get_accuracy_metrics", PredictorArn=predictor))
    for m in METRICS:
        if m in metrics:
            log("%s=%.6f" % (m, metrics[m]))
        else:
            log("%s not reported by Forecast" % m)
    return {
        "algorithm": algorithm, "auto_predictor": auto, "backtest_windows": windows,
        "dataset_arns": [dataset_arns[k] for k, _, _, _ in kinds], "dataset_group_arn": dsg,
        "forecast_horizon": horizon, "frequency": frequency,
        "import_job_arns": [import_arns[k] for k, _, _, _ in kinds], "metric": metric,
        "metrics": metrics, "predictor_arn": predictor, "predictor_name": names["predictor"],
    }


def write_json(directory, doc):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "evaluation.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="ForecastTrainAndEvaluate: Forecast datasets, predictor, metrics")

    def opt(name, **kw):
        # SageMaker passes hyperparameters as --<name> <value>; accept both spellings.
        p.add_argument("--" + name, "--" + name.replace("-", "_"), dest=name.replace("-", "_"), **kw)

    opt("config", default=os.path.join(here, "forecast_config.json"))
    opt("horizon", type=int)
    opt("algorithm")
    opt("metric")
    opt("max-score", type=float, help="accepted for symmetry; the decision is ForecastConditionalDelete's")
    opt("forecast-role-arn", required=True)
    opt("name-prefix", required=True)
    opt("target-data", required=True, help="s3:// URI of the target time series CSV (file or prefix)")
    opt("related-data", help="s3:// URI of the related time series CSV")
    opt("region")
    opt("model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    opt("output-data-dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"))
    opt("failure-file", default="/opt/ml/output/failure")
    opt("timeout-seconds", type=float, default=4 * 3600.0)
    opt("poll-seconds", type=float, default=30.0)
    args = p.parse_args(argv)
    if args.poll_seconds <= 0 or args.timeout_seconds <= 0:
        p.error("--poll-seconds and --timeout-seconds must be positive")
    return args


def load_config(path):
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        raise StepError("cannot read config %s: %s" % (path, e))
    if not isinstance(cfg, dict) or "frequency" not in cfg or "horizon" not in cfg:
        raise StepError("config %s must be an object with frequency and horizon" % path)
    return cfg


def main(argv=None, api=None, sleep=time.sleep):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        cfg = load_config(args.config)
        if api is None:
            api = make_api(args.region or cfg.get("region") or os.environ.get("AWS_REGION"))
        doc = train(api, cfg, args, sleep=sleep)
        print("train: wrote %s" % write_json(args.model_dir, doc))
        try:
            write_json(args.output_data_dir, doc)
        except OSError as e:  # the model artifact is what counts
            print("train: note: could not write %s: %s" % (args.output_data_dir, e))
        return 0
    except (StepError, OSError) as e:
        line = "train: error: %s" % str(e).replace("\n", " ")
        print(line, file=sys.stderr)
        try:
            with open(args.failure_file, "w", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError:
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
