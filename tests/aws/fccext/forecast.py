"""forecast.py — Amazon Forecast predictors for the fcc test endpoint.

moto 5.2.1 models dataset groups only (moto/forecast/models.py). Predictors are kept next to
moto's backend (ext_state on forecast_backends[account][region]); CreateAutoPredictor checks
the dataset group in moto's state. Training cannot happen here, so a created predictor is
CREATE_IN_PROGRESS until the first DescribePredictor shows it, then ACTIVE with synthetic
accuracy metrics. Tests that need particular metrics seed a predictor through the test-only
route POST /__fcc/forecast/predictors (see README.md).
"""

import hashlib

from moto.forecast.models import forecast_backends

from .core import ApiError, ext_state, now, paginate, register, register_test_route

SVC = "forecast"
INVALID = "InvalidInputException"
METRIC_KEYS = ("RMSE", "WAPE", "MAPE", "MASE", "AverageWeightedQuantileLoss")


def _state(account, region):
    return ext_state(forecast_backends[account][region], "predictors", dict)


def _synthetic_metrics(name):
    """Deterministic, plausible metrics for a predictor nobody seeded."""
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    base = 0.05 + (h % 1000) / 10000.0
    return {
        "RMSE": round(base * 100, 4),
        "WAPE": round(base, 4),
        "MAPE": round(base * 1.1, 4),
        "MASE": round(base * 5, 4),
        "AverageWeightedQuantileLoss": round(base * 0.8, 4),
    }


def _add(account, region, name, dataset_group_arn, status, auto, metrics, horizon, frequency, metric):
    st = _state(account, region)
    arn = f"arn:aws:forecast:{region}:{account}:predictor/{name}"
    if arn in st:
        raise ApiError("ResourceAlreadyExistsException", f"A predictor already exists with the arn: {arn}")
    created = now()
    st[arn] = {
        "PredictorArn": arn,
        "PredictorName": name,
        "DatasetGroupArn": dataset_group_arn,
        "Status": status,
        "IsAutoPredictor": auto,
        "Metrics": metrics or _synthetic_metrics(name),
        "ForecastHorizon": horizon,
        "ForecastFrequency": frequency,
        "OptimizationMetric": metric,
        "CreationTime": created,
        "LastModificationTime": created,
    }
    return arn


@register(SVC, "CreateAutoPredictor")
def create_auto_predictor(req):
    p = req.params
    be = forecast_backends[req.account][req.region]
    if "ReferencePredictorArn" in p:
        raise ApiError(INVALID, "Retraining from ReferencePredictorArn is not supported by the fcc test endpoint")
    data = p.get("DataConfig")
    if not data or "ForecastHorizon" not in p or "ForecastFrequency" not in p:
        raise ApiError(INVALID, "DataConfig, ForecastHorizon and ForecastFrequency are required for a new predictor")
    if data["DatasetGroupArn"] not in be.dataset_groups:
        raise ApiError("ResourceNotFoundException", f"No resource found {data['DatasetGroupArn']}")
    arn = _add(
        req.account,
        req.region,
        p["PredictorName"],
        data["DatasetGroupArn"],
        "CREATE_IN_PROGRESS",
        True,
        None,
        p["ForecastHorizon"],
        p["ForecastFrequency"],
        p.get("OptimizationMetric", "AverageWeightedQuantileLoss"),
    )
    return {"PredictorArn": arn}


@register_test_route("/__fcc/forecast/predictors")
def seed_predictor(body, account, region):
    """Test-only: create a predictor directly, in any status, with the given metrics."""
    name = body["PredictorName"]
    if not isinstance(name, str) or not name or not name[0].isalpha():
        raise ApiError(INVALID, "PredictorName must start with a letter")
    metrics = body.get("Metrics")
    if metrics is not None:
        unknown = set(metrics) - set(METRIC_KEYS) - {"WeightedQuantileLosses"}
        if unknown:
            raise ApiError(INVALID, f"unknown metrics {sorted(unknown)}")
    arn = _add(
        account,
        region,
        name,
        body["DatasetGroupArn"],
        body.get("Status", "ACTIVE"),
        bool(body.get("IsAutoPredictor", True)),
        metrics,
        int(body.get("ForecastHorizon", 14)),
        body.get("ForecastFrequency", "D"),
        body.get("OptimizationMetric", "AverageWeightedQuantileLoss"),
    )
    return {"PredictorArn": arn}


def _predictor(req):
    pred = _state(req.account, req.region).get(req.params["PredictorArn"])
    if pred is None:
        raise ApiError("ResourceNotFoundException", f"No resource found {req.params['PredictorArn']}")
    return pred


@register(SVC, "ListPredictors")
def list_predictors(req):
    p = req.params
    items = list(_state(req.account, req.region).values())
    for f in p.get("Filters", []):
        field = {"DatasetGroupArn": "DatasetGroupArn", "Status": "Status"}.get(f["Key"])
        if field is None:
            raise ApiError(INVALID, f"Filter key {f['Key']} is not supported; use DatasetGroupArn or Status")
        want = f["Condition"] == "IS"
        items = [x for x in items if (x[field] == f["Value"]) == want]
    summaries = [
        {
            k: x[k]
            for k in (
                "PredictorArn",
                "PredictorName",
                "DatasetGroupArn",
                "IsAutoPredictor",
                "Status",
                "CreationTime",
                "LastModificationTime",
            )
        }
        for x in items
    ]
    page, nxt = paginate(req, summaries, p.get("NextToken"), p.get("MaxResults"), 100, "InvalidNextTokenException")
    return {"Predictors": page, "NextToken": nxt}


@register(SVC, "DescribePredictor")
def describe_predictor(req):
    pred = _predictor(req)
    out = {
        "PredictorArn": pred["PredictorArn"],
        "PredictorName": pred["PredictorName"],
        "ForecastHorizon": pred["ForecastHorizon"],
        "ForecastTypes": ["0.1", "0.5", "0.9"],
        "PerformAutoML": pred["IsAutoPredictor"],
        "PerformHPO": False,
        "InputDataConfig": {"DatasetGroupArn": pred["DatasetGroupArn"]},
        "FeaturizationConfig": {"ForecastFrequency": pred["ForecastFrequency"]},
        "IsAutoPredictor": pred["IsAutoPredictor"],
        "DatasetImportJobArns": [],
        "Status": pred["Status"],
        "CreationTime": pred["CreationTime"],
        "LastModificationTime": pred["LastModificationTime"],
        "OptimizationMetric": pred["OptimizationMetric"],
    }
    if pred["Status"] in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
        out["EstimatedTimeRemainingInMinutes"] = 1
        pred["Status"] = "ACTIVE"  # visible from the next call on
        pred["LastModificationTime"] = now()
    return out


@register(SVC, "GetAccuracyMetrics")
def get_accuracy_metrics(req):
    pred = _predictor(req)
    if pred["Status"] != "ACTIVE":
        raise ApiError("ResourceInUseException", f"Predictor {pred['PredictorArn']} is {pred['Status']}, not ACTIVE")
    m = pred["Metrics"]
    metrics = {
        "RMSE": m.get("RMSE"),
        "WeightedQuantileLosses": m.get("WeightedQuantileLosses")
        or [{"Quantile": q, "LossValue": m.get("AverageWeightedQuantileLoss", 0.1)} for q in (0.1, 0.5, 0.9)],
        "ErrorMetrics": [{"ForecastType": "mean", **{k: m[k] for k in ("WAPE", "RMSE", "MASE", "MAPE") if k in m}}],
        "AverageWeightedQuantileLoss": m.get("AverageWeightedQuantileLoss"),
    }
    algorithm = "AutoPredictor" if pred["IsAutoPredictor"] else "CNN-QR"
    return {
        "PredictorEvaluationResults": [
            {
                "AlgorithmArn": f"arn:aws:forecast:::algorithm/{algorithm}",
                "TestWindows": [{"EvaluationType": "SUMMARY", "Metrics": metrics}],
            }
        ],
        "IsAutoPredictor": pred["IsAutoPredictor"],
        "OptimizationMetric": pred["OptimizationMetric"],
    }
