#!/usr/bin/env python3
"""run_stdlib.py — fcc's stdlib: the Forecast stage scripts, the seed buildspec and
run_pipeline.sh, and the image table, tested without AWS.

- preprocess.py runs under Debian's /usr/bin/python3 (it has python3-pandas;
  the pyenv python running this file has none) on the example train.csv, and the
  outputs are checked against sums computed here from the raw CSV;
- train.py and conditional_delete.py are imported as modules and driven with a
  fake Forecast (FakeForecast below) that validates every request against
  botocore's Forecast service model, keeps resources by name, and moves their
  status along as they are described;
- run_pipeline.sh runs with a fake `aws` on PATH;
- images.json is checked against REGIONS in compiler/check.c.

Prints "N passed, N failed"; exits non-zero on failure.
"""
import contextlib
import csv
import datetime
import importlib.util
import io
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

import yaml

sys.dont_write_bytecode = True  # importing the scripts must not leave __pycache__ in stdlib/

ROOT = os.environ.get("FCC_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STDLIB = os.path.join(ROOT, "stdlib")
FORECAST = os.path.join(STDLIB, "forecast")
SEED = os.path.join(STDLIB, "seed")
TRAIN_CSV = os.path.join(ROOT, "examples", "forecast-mlops", "data", "train.csv")
DEBIAN_PY = "/usr/bin/python3"
SCRIPTS = ("preprocess.py", "train.py", "conditional_delete.py")

TARGET = [{"name": "timestamp", "type": "timestamp"}, {"name": "target_value", "type": "float"},
          {"name": "item_id", "type": "string"}]
RELATED = [{"name": "timestamp", "type": "timestamp"}, {"name": "item_id", "type": "string"},
           {"name": "hour_of_day", "type": "integer"}]


def load(name):
    spec = importlib.util.spec_from_file_location("fcc_stdlib_" + name[:-3], os.path.join(FORECAST, name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


preprocess = load("preprocess.py")
train = load("train.py")
cdel = load("conditional_delete.py")


def config(**over):
    cfg = {"project": "forecast-mlops", "frequency": "H", "horizon": 24, "algorithm": "NPTS",
           "backtest_windows": 1, "timestamp_format": "yyyy-MM-dd HH:mm:ss", "metric": "WAPE",
           "max_score": 0.3, "schema": {"target": TARGET, "related": RELATED}, "region": "us-east-1"}
    cfg.update(over)
    return cfg


def write_config(directory, cfg):
    path = os.path.join(directory, "forecast_config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, sort_keys=True)
    return path


def raw_readings():
    with open(TRAIN_CSV, encoding="ascii") as f:
        rows = list(csv.reader(f))[1:]
    return [(datetime.datetime.strptime(t, "%Y-%m-%d %H:%M:%S"), float(v)) for t, v in rows]


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(",") for line in f]


# --------------------------------------------------------------------------- preprocess

class Compile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fcc-pyc-")
        self.addCleanup(shutil.rmtree, self.dir)

    def test_stdlib_scripts_compile(self):
        for name in SCRIPTS:
            with self.subTest(script=name):
                py_compile.compile(os.path.join(FORECAST, name), cfile=os.path.join(self.dir, name + "c"),
                                   doraise=True)

    def test_scripts_compile_under_debian_python(self):
        for name in SCRIPTS:
            with self.subTest(script=name):
                code = "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"
                r = subprocess.run([DEBIAN_PY, "-c", code, os.path.join(FORECAST, name),
                                    os.path.join(self.dir, name + ".debian.pyc")],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)


class Preprocess(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fcc-pp-")
        self.addCleanup(shutil.rmtree, self.dir)

    def run_pp(self, cfg, *extra, inp=TRAIN_CSV):
        cfg_path = write_config(self.dir, cfg)
        self.target = os.path.join(self.dir, "target")
        self.related = os.path.join(self.dir, "related")
        return subprocess.run([DEBIAN_PY, os.path.join(FORECAST, "preprocess.py"), "--config", cfg_path,
                               "--input", inp, "--target-output", self.target, "--related-output",
                               self.related, *extra], capture_output=True, text=True, timeout=120)

    def expected_hourly(self, closed):
        """Hourly sums of the raw readings, complete hours only, computed here."""
        bins = {}
        for t, v in raw_readings():
            k = t - datetime.timedelta(microseconds=1) if closed == "right" else t
            k = k.replace(minute=0, second=0, microsecond=0)
            bins.setdefault(k, []).append(v)
        return [(k, sum(v)) for k, v in sorted(bins.items()) if len(v) == 4]

    def check_target(self, closed, first, last, n):
        rows = read_rows(os.path.join(self.target, "target.csv"))
        self.assertEqual(len(rows), n)
        self.assertEqual(rows[0][0], first)
        self.assertEqual(rows[-1][0], last)
        expected = self.expected_hourly(closed)
        self.assertEqual(len(expected), n)
        for (t, s), row in zip(expected, rows):
            self.assertEqual(row[0], t.strftime("%Y-%m-%d %H:%M:%S"))
            self.assertAlmostEqual(float(row[1]), s, places=5)
            self.assertEqual(row[2], "MT_001")
            self.assertEqual(len(row), 3)
        return rows

    def test_example_hourly_target_and_related(self):
        r = self.run_pp(config())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_target("left", "2014-01-01 01:00:00", "2014-01-21 23:00:00", 503)
        rel = read_rows(os.path.join(self.related, "related.csv"))
        self.assertEqual(len(rel), 503 + 24)
        self.assertEqual(rel[0], ["2014-01-01 01:00:00", "MT_001", "1"])
        self.assertEqual(rel[-1], ["2014-01-22 23:00:00", "MT_001", "23"])
        for row in rel:
            self.assertEqual(int(row[2]), int(row[0][11:13]))
        with open(os.path.join(self.target, "target.csv"), encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn("timestamp", text)  # no header
        self.assertNotIn("\r", text)

    def test_closed_right_keeps_every_complete_hour(self):
        r = self.run_pp(config(), "--closed", "right")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_target("right", "2014-01-01 00:00:00", "2014-01-21 23:00:00", 504)
        self.assertEqual(len(read_rows(os.path.join(self.related, "related.csv"))), 504 + 24)

    def test_columns_follow_the_schema_order(self):
        target = [TARGET[2], TARGET[0], TARGET[1]]
        related = [{"name": "item_id", "type": "string"}, {"name": "day_of_week", "type": "integer"},
                   {"name": "is_weekend", "type": "integer"}, {"name": "timestamp", "type": "timestamp"}]
        r = self.run_pp(config(schema={"target": target, "related": related}), "--item-id", "meter1")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = read_rows(os.path.join(self.target, "target.csv"))
        self.assertEqual(rows[0][:2], ["meter1", "2014-01-01 01:00:00"])
        rel = read_rows(os.path.join(self.related, "related.csv"))
        # 2014-01-01 was a Wednesday; 2014-01-04 a Saturday.
        self.assertEqual(rel[0], ["meter1", "2", "0", "2014-01-01 01:00:00"])
        sat = next(row for row in rel if row[3] == "2014-01-04 12:00:00")
        self.assertEqual(sat[1:3], ["5", "1"])

    def test_no_related_schema_writes_only_the_target(self):
        r = self.run_pp(config(schema={"target": TARGET}))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.target, "target.csv")))
        self.assertFalse(os.path.exists(os.path.join(self.related, "related.csv")))

    def test_daily_drops_partial_first_and_last_day(self):
        r = self.run_pp(config(frequency="D", horizon=6, timestamp_format="yyyy-MM-dd"))
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = read_rows(os.path.join(self.target, "target.csv"))
        self.assertEqual(len(rows), 20)  # 2014-01-01 lacks 00:00, 2014-01-22 has one reading
        self.assertEqual((rows[0][0], rows[-1][0]), ("2014-01-02", "2014-01-21"))
        day2 = sum(v for t, v in raw_readings() if t.date() == datetime.date(2014, 1, 2))
        self.assertAlmostEqual(float(rows[0][1]), day2, places=4)
        rel = read_rows(os.path.join(self.related, "related.csv"))
        self.assertEqual((len(rel), rel[-1][0]), (26, "2014-01-27"))

    def test_input_directory_and_passthrough_at_native_frequency(self):
        d = os.path.join(self.dir, "in")
        os.makedirs(d)
        shutil.copy(TRAIN_CSV, os.path.join(d, "readings.csv"))
        r = self.run_pp(config(frequency="15min", horizon=96), inp=d)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = read_rows(os.path.join(self.target, "target.csv"))
        self.assertEqual(len(rows), 2016)
        self.assertEqual(rows[0][:2], ["2014-01-01 00:15:00", "7.14"])

    def test_length_rule_boundary(self):
        # 503 hourly observations: horizon 167 needs 501, 168 needs 504.
        r = self.run_pp(config(), "--horizon", "167")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(read_rows(os.path.join(self.related, "related.csv"))), 503 + 167)
        r = self.run_pp(config(), "--horizon", "168")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the series has 503 observations at frequency H but horizon 168", r.stderr)
        self.assertIn("needs at least 504", r.stderr)

    def test_too_short_input_fails_with_one_line(self):
        short = os.path.join(self.dir, "short.csv")
        with open(TRAIN_CSV, encoding="ascii") as src, open(short, "w", encoding="ascii") as dst:
            dst.writelines(src.readlines()[:1 + 4 * 60])  # 60 hours
        r = self.run_pp(config(), inp=short)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertRegex(r.stderr, r"^preprocess: error: the series has 59 observations .* needs at least 72")

    def test_autopredictor_needs_four_horizons(self):
        r = self.run_pp(config(algorithm="AutoPredictor"), "--horizon", "126")
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs at least 504", r.stderr)
        r = self.run_pp(config(), "--horizon", "126", "--algorithm", "AutoPredictor")
        self.assertEqual(r.returncode, 1)
        r = self.run_pp(config(algorithm="AutoPredictor"), "--horizon", "125")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_backtest_windows_raise_the_minimum(self):
        # 503 observations: 6 * 83 = 498 fits, 6 * 84 = 504 does not.
        r = self.run_pp(config(backtest_windows=5), "--horizon", "83")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_pp(config(backtest_windows=5), "--horizon", "84")
        self.assertEqual(r.returncode, 1)
        self.assertIn("with 5 backtest window(s) needs at least 504", r.stderr)

    def test_bad_inputs_are_one_line_errors(self):
        bad_ts = os.path.join(self.dir, "bad_ts.csv")
        with open(bad_ts, "w", encoding="ascii") as f:
            f.write("timestamp,MT_001\n2014-01-01 00:15:00,1.0\n2014/01/01 00:30,2.0\n")
        bad_num = os.path.join(self.dir, "bad_num.csv")
        with open(bad_num, "w", encoding="ascii") as f:
            f.write("timestamp,MT_001\n2014-01-01 00:15:00,1.0\n2014-01-01 00:30:00,lots\n")
        cases = [
            (config(), bad_ts, [], "bad_ts.csv:3: timestamp '2014/01/01 00:30' is neither 'yyyy-MM-dd HH:mm:ss' nor 'yyyy-MM-dd'"),
            (config(), bad_num, [], "bad_num.csv:3: value 'lots' in column 'MT_001' is not a number"),
            (config(schema={"target": TARGET, "related": RELATED + [{"name": "price", "type": "float"}]}),
             TRAIN_CSV, [], "related attribute 'price' is unknown; known: day_of_month"),
            (config(frequency="5min"), TRAIN_CSV, [], "frequency 5min is finer than the data's spacing"),
            (config(target_column="MT_002"), TRAIN_CSV, [], "target column 'MT_002' is not in"),
            (config(), os.path.join(self.dir, "nope.csv"), [], "nope.csv does not exist"),
            (config(frequency="2H"), TRAIN_CSV, [], "config frequency '2H' is not one of"),
        ]
        for cfg, inp, extra, msg in cases:
            with self.subTest(msg=msg):
                r = self.run_pp(cfg, *extra, inp=inp)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(msg, r.stderr)
                self.assertTrue(r.stderr.startswith("preprocess: error: "), r.stderr)
                self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_directory_with_two_csvs_is_ambiguous(self):
        d = os.path.join(self.dir, "two")
        os.makedirs(d)
        shutil.copy(TRAIN_CSV, os.path.join(d, "a.csv"))
        shutil.copy(TRAIN_CSV, os.path.join(d, "b.csv"))
        r = self.run_pp(config(), inp=d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("must hold train.csv or exactly one .csv file (found 2)", r.stderr)


class Periods(unittest.TestCase):
    """The calendar arithmetic of preprocess.py (pure Python, no pandas)."""

    def test_bin_start_and_next(self):
        t = datetime.datetime(2016, 2, 29, 13, 47, 10)
        cases = {"1min": (datetime.datetime(2016, 2, 29, 13, 47), datetime.datetime(2016, 2, 29, 13, 48)),
                 "10min": (datetime.datetime(2016, 2, 29, 13, 40), datetime.datetime(2016, 2, 29, 13, 50)),
                 "30min": (datetime.datetime(2016, 2, 29, 13, 30), datetime.datetime(2016, 2, 29, 14, 0)),
                 "H": (datetime.datetime(2016, 2, 29, 13), datetime.datetime(2016, 2, 29, 14)),
                 "D": (datetime.datetime(2016, 2, 29), datetime.datetime(2016, 3, 1)),
                 "W": (datetime.datetime(2016, 2, 29), datetime.datetime(2016, 3, 7)),  # a Monday
                 "M": (datetime.datetime(2016, 2, 1), datetime.datetime(2016, 3, 1)),
                 "Y": (datetime.datetime(2016, 1, 1), datetime.datetime(2017, 1, 1))}
        for freq, (start, nxt) in cases.items():
            with self.subTest(freq=freq):
                self.assertEqual(preprocess.bin_start(t, freq), start)
                self.assertEqual(preprocess.next_bin(start, freq), nxt)
        self.assertEqual(preprocess.next_bin(datetime.datetime(2015, 12, 1), "M"), datetime.datetime(2016, 1, 1))

    def test_min_length(self):
        self.assertEqual(preprocess.min_length(24, 1, "NPTS"), 72)
        self.assertEqual(preprocess.min_length(24, 1, "AutoPredictor"), 96)
        self.assertEqual(preprocess.min_length(24, 5, "ETS"), 144)


# --------------------------------------------------------------------------- fake Forecast

class FakeForecast:
    """Amazon Forecast in memory, behind the scripts' ForecastApi.call interface.

    Requests are validated against botocore's Forecast model (unknown parameters,
    wrong types and missing required members raise). Each resource becomes ACTIVE
    after `polls_to_active[kind]` describes; `fail[name]` makes it CREATE_FAILED
    with that message; a kind in `never` stays in progress for ever. Deleted
    resources answer ResourceNotFoundException after `polls_to_gone` describes."""

    KINDS = {"dataset": ("DatasetName", "DatasetArn", "dataset"),
             "dataset_group": ("DatasetGroupName", "DatasetGroupArn", "dataset-group"),
             "dataset_import_job": ("DatasetImportJobName", "DatasetImportJobArn", "dataset-import-job"),
             "predictor": ("PredictorName", "PredictorArn", "predictor"),
             "auto_predictor": ("PredictorName", "PredictorArn", "predictor")}

    def __init__(self, err_cls, metrics=None):
        import botocore.session
        from botocore.validate import ParamValidator
        self.model = botocore.session.get_session().get_service_model("forecast")
        from botocore import xform_name
        self.ops = {xform_name(op): op for op in self.model.operation_names}
        self.validator = ParamValidator()
        self.calls = []
        self.res = {}          # arn -> dict(kind, name, params, status, polls, deleted)
        self.polls_to_active = {"dataset_import_job": 2, "predictor": 3, "auto_predictor": 3, "dataset_group": 0}
        self.polls_to_gone = 1
        self.fail = {}
        self.never = set()
        self.stuck_deleting = set()
        self.metrics = metrics
        self.err_cls = err_cls  # the ApiError class of the script under test

    # -- helpers
    def _validate(self, op, params):
        if op not in self.ops:
            raise AssertionError("not a Forecast operation: %s" % op)
        shape = self.model.operation_model(self.ops[op]).input_shape
        report = self.validator.validate(params, shape)
        if report.has_errors():
            raise AssertionError("%s: %s" % (op, report.generate_report()))

    def _err(self, code, msg):
        return self.err_cls(code, msg)

    def arn(self, kind, name):
        return "arn:aws:forecast:us-east-1:111122223333:%s/%s" % (self.KINDS[kind][2], name)

    def add(self, kind, name, status="ACTIVE", **params):
        arn = self.arn(kind, name)
        self.res[arn] = {"kind": kind, "name": name, "params": params, "status": status, "polls": 0,
                         "deleted": False, "gone_polls": 0}
        return arn

    def creates(self):
        return [(op, p) for op, p in self.calls if op.startswith("create_")]

    # -- the interface
    def call(self, op, **params):
        self._validate(op, params)
        self.calls.append((op, params))
        if op.startswith("create_"):
            kind = op[len("create_"):]
            name_f, arn_f, _ = self.KINDS[kind]
            arn = self.arn(kind, params[name_f])
            if arn in self.res and not self.res[arn]["deleted"]:
                raise self._err("ResourceAlreadyExistsException", "%s exists" % params[name_f])
            self.add(kind, params[name_f], status="CREATE_PENDING", **params)
            if kind in ("dataset", "dataset_group"):
                self.res[arn]["status"] = "ACTIVE"
            return {arn_f: arn}
        if op.startswith("list_"):
            return self._list(op, params)
        if op.startswith("describe_"):
            return self._describe(op[len("describe_"):], params)
        if op.startswith("delete_"):
            kind = op[len("delete_"):]
            r = self.res.get(params[self.KINDS[kind][1]])
            if r is None or r["deleted"]:
                raise self._err("ResourceNotFoundException", "no such resource")
            r["deleted"] = True
            r["status"] = "DELETE_PENDING"
            return {}
        if op == "update_dataset_group":
            self.res[params["DatasetGroupArn"]]["params"]["DatasetArns"] = params["DatasetArns"]
            return {}
        if op == "get_accuracy_metrics":
            return self.metrics
        raise AssertionError("fake has no %s" % op)

    def _list(self, op, params):
        kind = {"list_datasets": "dataset", "list_dataset_groups": "dataset_group",
                "list_dataset_import_jobs": "dataset_import_job", "list_predictors": "predictor"}[op]
        key = {"dataset": "Datasets", "dataset_group": "DatasetGroups", "dataset_import_job": "DatasetImportJobs",
               "predictor": "Predictors"}[kind]
        kinds = ("predictor", "auto_predictor") if kind == "predictor" else (kind,)
        name_f, arn_f, _ = self.KINDS[kind]
        items = [{name_f: r["name"], arn_f: arn} for arn, r in sorted(self.res.items())
                 if r["kind"] in kinds and not r["deleted"]]
        # Two pages, to exercise NextToken.
        if "NextToken" in params:
            return {key: items[1:]}
        return {key: items[:1], "NextToken": "page2"} if len(items) > 1 else {key: items}

    def _describe(self, kind, params):
        arn = params[self.KINDS[kind][1]]
        r = self.res.get(arn)
        if r is None or r["kind"] != kind and not (kind.endswith("predictor") and r["kind"].endswith("predictor")):
            raise self._err("ResourceNotFoundException", "no such resource")
        if r["deleted"]:
            if arn in self.stuck_deleting:
                return {"Status": "DELETE_IN_PROGRESS"}
            r["gone_polls"] += 1
            if r["gone_polls"] > self.polls_to_gone:
                raise self._err("ResourceNotFoundException", "gone")
            return {"Status": "DELETE_IN_PROGRESS"}
        r["polls"] += 1
        if r["status"] != "ACTIVE":
            if r["name"] in self.fail:
                r["status"] = "CREATE_FAILED"
            elif kind not in self.never and r["polls"] > self.polls_to_active.get(kind, 0):
                r["status"] = "ACTIVE"
            else:
                r["status"] = "CREATE_IN_PROGRESS"
        out = {"Status": r["status"]}
        if r["status"] == "CREATE_FAILED":
            out["Message"] = self.fail[r["name"]]
        if kind == "dataset_group":
            out["DatasetArns"] = r["params"].get("DatasetArns", [])
        return out


def accuracy(windows, summary=None):
    """A GetAccuracyMetrics response with these per-window ErrorMetrics."""
    tws = [{"EvaluationType": "COMPUTED", "Metrics": {"RMSE": w["RMSE"], "ErrorMetrics": [
        {"ForecastType": "0.5", "WAPE": 9.0, "RMSE": 9.0, "MASE": 9.0, "MAPE": 9.0},
        dict(ForecastType="mean", **w)]}} for w in windows]
    if summary:
        tws.append({"EvaluationType": "SUMMARY", "Metrics": {"ErrorMetrics": [dict(ForecastType="mean", **summary)]}})
    return {"PredictorEvaluationResults": [{"AlgorithmArn": "arn:aws:forecast:::algorithm/NPTS", "TestWindows": tws}]}


METRICS_2W = accuracy([{"WAPE": 0.1, "RMSE": 2.0, "MASE": 0.5, "MAPE": 0.2},
                       {"WAPE": 0.3, "RMSE": 4.0, "MASE": 0.7, "MAPE": 0.4}])


class Sleeper:
    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


# --------------------------------------------------------------------------- train.py

class Train(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fcc-train-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.fake = FakeForecast(train.ApiError, METRICS_2W)
        self.sleep = Sleeper()

    def argv(self, cfg=None, *extra):
        path = write_config(self.dir, cfg or config())
        return ["--config", path, "--forecast-role-arn", "arn:aws:iam::111122223333:role/ForecastRole",
                "--name-prefix", "forecast-mlops-exec1", "--target-data", "s3://b/p/target/",
                "--related-data", "s3://b/p/related/", "--model-dir", os.path.join(self.dir, "model"),
                "--output-data-dir", os.path.join(self.dir, "output"),
                "--failure-file", os.path.join(self.dir, "failure"),
                "--poll-seconds", "30", "--timeout-seconds", "300", *extra]

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = train.main(list(argv), api=self.fake, sleep=self.sleep)
        return rc, out.getvalue(), err.getvalue()

    def test_creates_in_dependency_order_with_the_schema(self):
        rc, out, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        ops = [(op, p.get("DatasetName") or p.get("DatasetGroupName") or p.get("DatasetImportJobName")
                or p.get("PredictorName")) for op, p in self.fake.creates()]
        self.assertEqual(ops, [("create_dataset", "forecast_mlops_exec1_target"),
                               ("create_dataset", "forecast_mlops_exec1_related"),
                               ("create_dataset_group", "forecast_mlops_exec1_dsg"),
                               ("create_dataset_import_job", "forecast_mlops_exec1_target_import"),
                               ("create_dataset_import_job", "forecast_mlops_exec1_related_import"),
                               ("create_predictor", "forecast_mlops_exec1_predictor")])
        c = dict((p.get("DatasetName"), p) for op, p in self.fake.creates() if op == "create_dataset")
        self.assertEqual(c["forecast_mlops_exec1_target"]["DatasetType"], "TARGET_TIME_SERIES")
        self.assertEqual(c["forecast_mlops_exec1_target"]["DataFrequency"], "H")
        self.assertEqual([a["AttributeName"] for a in c["forecast_mlops_exec1_target"]["Schema"]["Attributes"]],
                         ["timestamp", "target_value", "item_id"])
        self.assertEqual(c["forecast_mlops_exec1_related"]["DatasetType"], "RELATED_TIME_SERIES")
        jobs = [p for op, p in self.fake.creates() if op == "create_dataset_import_job"]
        self.assertEqual(jobs[0]["DataSource"]["S3Config"],
                         {"Path": "s3://b/p/target/", "RoleArn": "arn:aws:iam::111122223333:role/ForecastRole"})
        self.assertEqual(jobs[0]["TimestampFormat"], "yyyy-MM-dd HH:mm:ss")
        pred = self.fake.creates()[-1][1]
        self.assertEqual(pred["AlgorithmArn"], "arn:aws:forecast:::algorithm/NPTS")
        self.assertEqual(pred["ForecastHorizon"], 24)
        self.assertEqual(pred["EvaluationParameters"], {"NumberOfBacktestWindows": 1, "BackTestWindowOffset": 24})
        self.assertEqual(pred["FeaturizationConfig"], {"ForecastFrequency": "H"})
        # The predictor is only created once both imports are ACTIVE.
        order = [op for op, _ in self.fake.calls]
        self.assertLess(max(i for i, op in enumerate(order) if op == "describe_dataset_import_job"),
                        order.index("create_predictor"))

    def test_parameters_override_the_config(self):
        rc, _, err = self.run_main(*self.argv(None, "--horizon", "48", "--algorithm", "DeepAR+"))
        self.assertEqual(rc, 0, err)
        pred = self.fake.creates()[-1][1]
        self.assertEqual(pred["AlgorithmArn"], "arn:aws:forecast:::algorithm/Deep_AR_Plus")
        self.assertEqual(pred["ForecastHorizon"], 48)

    def test_underscore_spellings_of_hyperparameters(self):
        argv = [a.replace("--forecast-role-arn", "--forecast_role_arn").replace("--name-prefix", "--name_prefix")
                for a in self.argv()]
        rc, _, err = self.run_main(*argv)
        self.assertEqual(rc, 0, err)

    def test_autopredictor_uses_create_auto_predictor(self):
        rc, _, err = self.run_main(*self.argv(config(algorithm="AutoPredictor", metric="MASE")))
        self.assertEqual(rc, 0, err)
        op, p = self.fake.creates()[-1]
        self.assertEqual(op, "create_auto_predictor")
        self.assertEqual(p["DataConfig"], {"DatasetGroupArn": self.fake.arn("dataset_group", "forecast_mlops_exec1_dsg")})
        self.assertEqual((p["ForecastHorizon"], p["ForecastFrequency"], p["OptimizationMetric"]), (24, "H", "MASE"))
        self.assertIn("describe_auto_predictor", [op for op, _ in self.fake.calls])

    def test_without_related_schema_only_the_target(self):
        cfg = config(schema={"target": TARGET})
        rc, _, err = self.run_main(*self.argv(cfg))
        self.assertEqual(rc, 0, err)
        self.assertEqual([op for op, _ in self.fake.creates()],
                         ["create_dataset", "create_dataset_group", "create_dataset_import_job", "create_predictor"])

    def test_rerun_reuses_everything(self):
        rc, _, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        first = len(self.fake.creates())
        rc, out, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.fake.creates()), first)
        self.assertEqual(out.count("reusing "), 6)

    def test_existing_dataset_group_gets_the_datasets_attached(self):
        self.fake.add("dataset_group", "forecast_mlops_exec1_dsg", DatasetArns=[])
        rc, _, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        self.assertNotIn("create_dataset_group", [op for op, _ in self.fake.creates()])
        upd = [p for op, p in self.fake.calls if op == "update_dataset_group"]
        self.assertEqual(len(upd), 1)
        self.assertEqual(len(upd[0]["DatasetArns"]), 2)

    def test_failed_import_job_exits_with_its_message(self):
        self.fake.fail["forecast_mlops_exec1_related_import"] = "Timestamp format is invalid in row 3"
        rc, out, err = self.run_main(*self.argv())
        self.assertEqual(rc, 1)
        self.assertIn("CREATE_FAILED: Timestamp format is invalid in row 3", err)
        self.assertTrue(err.startswith("train: error: import job "))
        self.assertNotIn("create_predictor", [op for op, _ in self.fake.calls])
        with open(os.path.join(self.dir, "failure"), encoding="utf-8") as f:
            self.assertIn("Timestamp format is invalid", f.read())
        self.assertFalse(os.path.exists(os.path.join(self.dir, "model", "evaluation.json")))

    def test_wait_is_bounded(self):
        self.fake.never.add("predictor")
        rc, _, err = self.run_main(*self.argv())
        self.assertEqual(rc, 1)
        # 300 s at 30 s: 11 polls, 10 sleeps of 30 s each, then give up.
        self.assertIn("timed out after 11 polls (300.0s) waiting for predictor", err)
        describes = [op for op, _ in self.fake.calls if op == "describe_predictor"]
        self.assertEqual(len(describes), 11)
        pred_sleeps = self.sleep.calls[-10:]
        self.assertEqual(pred_sleeps, [30.0] * 10)

    def test_metrics_are_printed_for_metric_definitions(self):
        rc, out, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        found = {}
        for name in ("WAPE", "RMSE", "MASE", "MAPE"):
            m = re.findall(r"^%s=([0-9.]+)$" % name, out, re.M)
            self.assertEqual(len(m), 1, out)
            found[name] = float(m[0])
        self.assertEqual(found, {"WAPE": 0.2, "RMSE": 3.0, "MASE": 0.6, "MAPE": 0.3})  # means of two windows
        with open(os.path.join(self.dir, "model", "evaluation.json"), encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
        self.assertEqual(list(doc), sorted(doc))
        self.assertEqual(doc["predictor_arn"], self.fake.arn("predictor", "forecast_mlops_exec1_predictor"))
        self.assertEqual(doc["metrics"]["WAPE"], 0.2)
        self.assertEqual(len(doc["import_job_arns"]), 2)
        self.assertEqual(len(doc["dataset_arns"]), 2)
        self.assertFalse(doc["auto_predictor"])
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "output", "evaluation.json")))

    def test_summary_window_wins(self):
        self.fake.metrics = accuracy([{"WAPE": 0.1, "RMSE": 2.0, "MASE": 0.5, "MAPE": 0.2}],
                                     summary={"WAPE": 0.15, "RMSE": 2.5, "MASE": 0.55, "MAPE": 0.25})
        rc, out, err = self.run_main(*self.argv())
        self.assertEqual(rc, 0, err)
        self.assertIn("WAPE=0.150000\n", out)

    def test_resource_names_fit_forecast(self):
        rx = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
        a = train.resource_names("p" * 40 + "-execution-aaaaaaaa")
        b = train.resource_names("p" * 40 + "-execution-bbbbbbbb")
        for names in (a, b, train.resource_names("1-project"), train.resource_names("x")):
            for n in names.values():
                self.assertLessEqual(len(n), 63, n)
                self.assertRegex(n, rx)
        self.assertNotEqual(a["predictor"], b["predictor"])
        self.assertEqual(train.resource_names("1-project")["dataset_group"], "fcc_1_project_dsg")

    def test_wrapper_turns_client_errors_into_api_errors(self):
        from botocore.exceptions import ClientError

        class Client:
            def describe_predictor(self, **kw):
                raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "nope"}},
                                  "DescribePredictor")
        with self.assertRaises(train.ApiError) as cm:
            train.ForecastApi(Client()).call("describe_predictor", PredictorArn="x")
        self.assertEqual(cm.exception.code, "ResourceNotFoundException")
        with self.assertRaises(cdel.ApiError) as cm:
            cdel.ForecastApi(Client()).call("describe_predictor", PredictorArn="x")
        self.assertEqual(cm.exception.code, "ResourceNotFoundException")


# --------------------------------------------------------------------------- conditional_delete.py

class ConditionalDelete(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fcc-cdel-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.fake = FakeForecast(cdel.ApiError)
        self.sleep = Sleeper()
        f = self.fake
        self.ds = [f.add("dataset", "p_target"), f.add("dataset", "p_related")]
        self.dsg = f.add("dataset_group", "p_dsg", DatasetArns=self.ds)
        self.jobs = [f.add("dataset_import_job", "p_target_import"), f.add("dataset_import_job", "p_related_import")]
        self.pred = f.add("predictor", "p_predictor")
        self.evaluation = {"predictor_arn": self.pred, "dataset_group_arn": self.dsg, "dataset_arns": self.ds,
                           "import_job_arns": self.jobs, "metric": "WAPE", "auto_predictor": False,
                           "metrics": {"WAPE": 0.3, "RMSE": 3.0, "MASE": 0.6, "MAPE": 0.25}}
        self.cfg = write_config(self.dir, config())

    def write_eval(self, doc=None):
        path = os.path.join(self.dir, "evaluation.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc or self.evaluation, f)
        return path

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cdel.main(["--config", self.cfg, "--poll-seconds", "10", "--timeout-seconds", "60", *argv],
                           api=self.fake, sleep=self.sleep)
        return rc, out.getvalue(), err.getvalue()

    def test_keeps_at_the_boundary(self):
        rc, out, err = self.run_main("--evaluation", self.write_eval(), "--max-score", "0.3")
        self.assertEqual(rc, 0, err)
        self.assertIn("kept predictor %s: WAPE=0.300000 <= MaxScore 0.3" % self.pred, out)
        self.assertEqual(self.fake.calls, [])

    def test_deletes_just_above_in_dependency_order(self):
        decision = os.path.join(self.dir, "out", "decision.json")
        rc, out, err = self.run_main("--evaluation", self.write_eval(), "--max-score", "0.2999",
                                     "--decision-output", decision)
        self.assertEqual(rc, 0, err)
        deletes = [(op, list(p.values())[0]) for op, p in self.fake.calls if op.startswith("delete_")]
        self.assertEqual(deletes, [("delete_predictor", self.pred),
                                   ("delete_dataset_import_job", self.jobs[0]),
                                   ("delete_dataset_import_job", self.jobs[1]),
                                   ("delete_dataset", self.ds[0]), ("delete_dataset", self.ds[1]),
                                   ("delete_dataset_group", self.dsg)])
        # Each deletion is confirmed (describe -> NotFound) before the next one starts.
        ops = [op for op, _ in self.fake.calls]
        for i, op in enumerate(ops):
            if op.startswith("delete_") and i > 0:
                self.assertTrue(ops[i - 1].startswith("describe_"), ops)
        self.assertTrue(all(r["deleted"] for r in self.fake.res.values()))
        self.assertIn("deleted 6 resources", out)
        with open(decision, encoding="utf-8") as f:
            d = json.load(f)
        self.assertEqual((d["decision"], d["value"], len(d["deleted"])), ("deleted", 0.3, 6))

    def test_metric_parameter_selects_the_metric(self):
        rc, out, _ = self.run_main("--evaluation", self.write_eval(), "--metric", "MAPE", "--max-score", "0.25")
        self.assertEqual(rc, 0)
        self.assertIn("MAPE=0.250000 <= MaxScore 0.25", out)
        rc, out, _ = self.run_main("--evaluation", self.write_eval(), "--metric", "RMSE", "--max-score", "2.5")
        self.assertEqual(rc, 0)
        self.assertIn("RMSE=3.000000 > MaxScore 2.5", out)

    def test_config_max_score_is_the_default(self):
        self.evaluation["metrics"]["WAPE"] = 0.31
        rc, out, _ = self.run_main("--evaluation", self.write_eval())
        self.assertEqual(rc, 0)
        self.assertIn("WAPE=0.310000 > MaxScore 0.3", out)

    def test_missing_metric_deletes(self):
        del self.evaluation["metrics"]["WAPE"]
        rc, out, _ = self.run_main("--evaluation", self.write_eval(), "--max-score", "1")
        self.assertEqual(rc, 0)
        self.assertIn("WAPE was not reported", out)
        self.assertEqual(len([c for c in self.fake.calls if c[0].startswith("delete_")]), 6)

    def test_delete_is_idempotent(self):
        for r in self.fake.res.values():
            r["deleted"] = True
            r["gone_polls"] = 99
        rc, out, err = self.run_main("--evaluation", self.write_eval(), "--max-score", "0.1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("was already deleted"), 6)
        # A second full run after a real deletion converges too.
        self.setUp()
        self.assertEqual(self.run_main("--evaluation", self.write_eval(), "--max-score", "0.1")[0], 0)
        self.assertEqual(self.run_main("--evaluation", self.write_eval(), "--max-score", "0.1")[0], 0)

    def test_deletion_wait_is_bounded(self):
        self.fake.stuck_deleting.add(self.pred)
        rc, _, err = self.run_main("--evaluation", self.write_eval(), "--max-score", "0.1")
        self.assertEqual(rc, 1)
        self.assertIn("timed out after 7 polls (60.0s) waiting for predictor", err)
        self.assertEqual(self.sleep.calls, [10.0] * 6)
        self.assertEqual([op for op, _ in self.fake.calls if op.startswith("delete_")], ["delete_predictor"])

    def test_reads_evaluation_from_model_tarball(self):
        tgz = os.path.join(self.dir, "art", "model.tar.gz")
        os.makedirs(os.path.dirname(tgz))
        data = json.dumps(self.evaluation).encode()
        with tarfile.open(tgz, "w:gz") as tar:
            info = tarfile.TarInfo("evaluation.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        rc, out, err = self.run_main("--evaluation", os.path.dirname(tgz), "--max-score", "0.5")
        self.assertEqual(rc, 0, err)
        self.assertIn("kept predictor", out)

    def test_auto_predictor_waits_with_describe_auto_predictor(self):
        self.evaluation["auto_predictor"] = True
        self.fake.res[self.pred]["kind"] = "auto_predictor"
        rc, _, err = self.run_main("--evaluation", self.write_eval(), "--max-score", "0.1")
        self.assertEqual(rc, 0, err)
        self.assertIn("describe_auto_predictor", [op for op, _ in self.fake.calls])

    def test_bad_evaluation_is_an_error(self):
        rc, _, err = self.run_main("--evaluation", os.path.join(self.dir, "missing.json"), "--max-score", "0.1")
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith("conditional_delete: error: cannot read evaluation"), err)
        rc, _, err = self.run_main("--evaluation", self.write_eval({"metrics": {}}), "--max-score", "0.1")
        self.assertEqual(rc, 1)
        self.assertIn("has no predictor_arn", err)


# --------------------------------------------------------------------------- seed

FAKE_AWS = r'''#!%(python)s
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as f:
    f.write(json.dumps(args) + "\n")
state_path = os.environ["FAKE_AWS_STATE"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {"polls": 0}
def save():
    json.dump(state, open(state_path, "w"))
cmd = args[:2]
if cmd == ["s3", "cp"]:
    sys.exit(0)
if cmd == ["sagemaker", "describe-pipeline"]:
    if os.environ.get("FAKE_PIPELINE_EXISTS") == "1":
        print("{}"); sys.exit(0)
    print("An error occurred (ResourceNotFound)", file=sys.stderr); sys.exit(254)
if cmd in (["sagemaker", "create-pipeline"], ["sagemaker", "update-pipeline"]):
    print("{}"); sys.exit(0)
if cmd == ["sagemaker", "start-pipeline-execution"]:
    print("arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/e1"); sys.exit(0)
if cmd == ["sagemaker", "describe-pipeline-execution"]:
    q = args[args.index("--query") + 1]
    if q == "FailureReason":
        print("Step ForecastTrainAndEvaluate failed"); sys.exit(0)
    seq = os.environ["FAKE_STATUSES"].split(",")
    print(seq[min(state["polls"], len(seq) - 1)])
    state["polls"] += 1; save(); sys.exit(0)
if cmd == ["sagemaker", "list-pipeline-execution-steps"]:
    print("ForecastTrainAndEvaluate\tFailed\tboom"); sys.exit(0)
print("fake aws: unexpected %%s" %% args, file=sys.stderr); sys.exit(2)
'''


class Seed(unittest.TestCase):
    def test_buildspec_shape(self):
        with open(os.path.join(SEED, "codebuild-buildspec.yml"), encoding="utf-8") as f:
            text = f.read()
        doc = yaml.safe_load(text)
        self.assertRegex(text, r"(?m)^version: 0\.2$")
        self.assertEqual(doc["version"], 0.2)
        cmds = doc["phases"]["build"]["commands"]
        self.assertTrue(isinstance(cmds, list) and cmds)
        self.assertIn("sh ./run_pipeline.sh", cmds)
        for phase in doc["phases"].values():
            for c in phase["commands"]:
                self.assertNotRegex(c, r"\bpip3?\b")
        self.assertEqual(doc["env"]["variables"]["FCC_PIPELINE_TIMEOUT_SECONDS"], "7200")

    def test_run_pipeline_parses(self):
        r = subprocess.run(["sh", "-n", os.path.join(SEED, "run_pipeline.sh")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def run_seed(self, statuses, exists=False, timeout="60", env_drop=()):
        d = tempfile.mkdtemp(prefix="fcc-seed-")
        self.addCleanup(shutil.rmtree, d)
        bindir = os.path.join(d, "bin")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "aws"), "w", encoding="utf-8") as f:
            f.write(FAKE_AWS % {"python": sys.executable})
        os.chmod(os.path.join(bindir, "aws"), 0o755)
        repo = os.path.join(d, "repo")
        mod = os.path.join(repo, "pipelines", "forecast")
        os.makedirs(mod)
        shutil.copy(os.path.join(SEED, "run_pipeline.sh"), repo)
        with open(os.path.join(mod, "pipeline.json"), "w", encoding="utf-8") as f:
            json.dump({"Version": "2020-12-01", "Parameters": [
                {"Name": "CodeLocation", "Type": "String"}, {"Name": "ForecastRoleArn", "Type": "String"},
                {"Name": "MaxScore", "Type": "Float", "DefaultValue": 0.3}], "Steps": []}, f)
        shutil.copy(os.path.join(FORECAST, "train.py"), mod)
        env = {"PATH": bindir + os.pathsep + os.environ["PATH"], "FAKE_AWS_LOG": os.path.join(d, "log"),
               "FAKE_AWS_STATE": os.path.join(d, "state"), "FAKE_STATUSES": statuses,
               "FAKE_PIPELINE_EXISTS": "1" if exists else "0",
               "SAGEMAKER_PROJECT_NAME": "forecast-dev", "SAGEMAKER_PROJECT_ID": "p-abc123",
               "ARTIFACT_BUCKET": "sagemaker-project-p-abc123",
               "SAGEMAKER_PIPELINE_ROLE_ARN": "arn:aws:iam::111122223333:role/Exec",
               "AWS_REGION": "us-east-1", "FCC_PIPELINE_MODULE": "forecast",
               "FCC_PIPELINE_TIMEOUT_SECONDS": timeout, "FCC_POLL_SECONDS": "1",
               "CODEBUILD_RESOLVED_SOURCE_VERSION": "0123abcd"}
        for k in env_drop:
            env.pop(k)
        r = subprocess.run(["sh", "run_pipeline.sh"], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
        log = []
        if os.path.exists(env["FAKE_AWS_LOG"]):
            with open(env["FAKE_AWS_LOG"], encoding="utf-8") as f:
                log = [json.loads(line) for line in f]
        return r, log

    def test_creates_runs_and_succeeds(self):
        r, log = self.run_seed("Executing,Succeeded")
        self.assertEqual(r.returncode, 0, r.stderr)
        cmds = [a[:2] for a in log]
        self.assertIn(["sagemaker", "create-pipeline"], cmds)
        self.assertNotIn(["sagemaker", "update-pipeline"], cmds)
        create = next(a for a in log if a[:2] == ["sagemaker", "create-pipeline"])
        self.assertEqual(create[create.index("--pipeline-name") + 1], "sagemaker-forecast-dev-p-abc123")
        self.assertEqual(create[create.index("--pipeline-definition") + 1], "file://pipelines/forecast/pipeline.json")
        cp = next(a for a in log if a[:2] == ["s3", "cp"])
        self.assertIn("s3://sagemaker-project-p-abc123/forecast-dev/code/0123abcd/", cp)
        start = next(a for a in log if a[:2] == ["sagemaker", "start-pipeline-execution"])
        params = json.loads(start[start.index("--pipeline-parameters") + 1])
        self.assertEqual(params, [  # ArtifactBucket is not declared by this definition
            {"Name": "CodeLocation", "Value": "s3://sagemaker-project-p-abc123/forecast-dev/code/0123abcd"},
            {"Name": "ForecastRoleArn", "Value": "arn:aws:iam::111122223333:role/Exec"}])
        self.assertEqual(cmds.count(["sagemaker", "describe-pipeline-execution"]), 2)

    def test_updates_an_existing_pipeline_and_fails_on_failed(self):
        r, log = self.run_seed("Failed", exists=True)
        self.assertEqual(r.returncode, 1)
        cmds = [a[:2] for a in log]
        self.assertIn(["sagemaker", "update-pipeline"], cmds)
        self.assertNotIn(["sagemaker", "create-pipeline"], cmds)
        self.assertIn("is Failed: Step ForecastTrainAndEvaluate failed", r.stderr)

    def test_stopped_fails_and_timeout_is_bounded(self):
        r, _ = self.run_seed("Stopped")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is Stopped", r.stderr)
        r, log = self.run_seed("Executing", timeout="0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("timed out after 0s", r.stderr)
        self.assertEqual([a[:2] for a in log].count(["sagemaker", "describe-pipeline-execution"]), 1)

    def test_missing_environment_is_named(self):
        r, log = self.run_seed("Succeeded", env_drop=("ARTIFACT_BUCKET",))
        self.assertEqual(r.returncode, 1)
        self.assertIn("environment variable ARTIFACT_BUCKET is not set", r.stderr)
        self.assertEqual(log, [])


# --------------------------------------------------------------------------- images.json

def fcc_regions():
    with open(os.path.join(ROOT, "compiler", "check.c"), encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"static const char \*const REGIONS\[\] = \{(.*?)\};", src, re.S)
    regions = re.findall(r'"([a-z0-9-]+)"', m.group(1))
    assert len(regions) > 30, regions
    return regions


class Images(unittest.TestCase):
    NO_IMAGE = {"ap-east-2", "ap-southeast-5", "ap-southeast-7", "mx-central-1"}

    def test_every_fcc_region_has_an_entry(self):
        with open(os.path.join(STDLIB, "images.json"), encoding="utf-8") as f:
            text = f.read()
        images = json.loads(text)
        self.assertEqual(list(images), sorted(images))
        self.assertEqual(set(images), set(fcc_regions()))
        for region, entry in images.items():
            with self.subTest(region=region):
                if region in self.NO_IMAGE:
                    self.assertIsNone(entry)
                    continue
                self.assertEqual(sorted(entry), ["processing", "training"])
                domain = r"amazonaws\.com\.cn" if region.startswith("cn-") else r"amazonaws\.com"
                rx = r"^\d{12}\.dkr\.ecr\.%s\.%s/sagemaker-scikit-learn:1\.2-1-cpu-py3$" % (re.escape(region), domain)
                self.assertRegex(entry["processing"], rx)
                self.assertEqual(entry["processing"], entry["training"])

    def test_known_accounts(self):
        # Spot checks of the SDK's table (stdlib/README.md names the source).
        with open(os.path.join(STDLIB, "images.json"), encoding="utf-8") as f:
            images = json.load(f)
        self.assertTrue(images["us-east-1"]["training"].startswith("683313688378."))
        self.assertTrue(images["eu-west-1"]["training"].startswith("141502667606."))
        self.assertTrue(images["cn-north-1"]["training"].startswith("450853457545."))
        accounts = {e["training"].split(".")[0] for e in images.values() if e}
        self.assertGreater(len(accounts), 25)  # one account per region, not one copied everywhere


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
