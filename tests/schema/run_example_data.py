#!/usr/bin/env python3
"""run_example_data.py — examples/forecast-mlops/data/train.csv is what the spec promises.

The committed file must be exactly what tools/gen_train_csv.py writes (so it can
be regenerated and reviewed), in the workshop's format (header
`timestamp,MT_001`, 15-minute `yyyy-MM-dd HH:mm:ss` readings, 21 days), and
usable for the example's pipeline (hourly, 24-point horizon, one backtest
window). Prints "N passed, N failed"; exits non-zero on failure.
"""
import datetime
import importlib.util
import io
import os
import re
import sys
import unittest
from contextlib import redirect_stdout

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CSV = os.path.join(ROOT, "examples", "forecast-mlops", "data", "train.csv")


def generator():
    spec = importlib.util.spec_from_file_location(
        "gen_train_csv", os.path.join(ROOT, "tools", "gen_train_csv.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def committed():
    with open(CSV, encoding="ascii", newline="") as f:
        return f.read()


class TagIgnoringLoader(yaml.SafeLoader):
    """Enough YAML for the pipeline section: CloudFormation tags load as None."""


TagIgnoringLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def example_spec():
    with open(os.path.join(ROOT, "examples", "forecast-mlops", "project.spec"),
              encoding="utf-8") as f:
        return yaml.load(f, Loader=TagIgnoringLoader)


def rows():
    lines = committed().splitlines()
    return lines[0], [line.split(",") for line in lines[1:]]


class TrainCsv(unittest.TestCase):
    def test_committed_file_matches_generator(self):
        gen = generator()
        out = io.StringIO()
        old_argv = sys.argv
        sys.argv = ["gen_train_csv.py"]
        try:
            with redirect_stdout(out):
                self.assertEqual(gen.main(), 0)
        finally:
            sys.argv = old_argv
        self.assertEqual(out.getvalue(), committed(),
                         "train.csv is stale: run tools/gen_train_csv.py -o ...")

    def test_generator_is_deterministic(self):
        gen = generator()
        self.assertEqual(list(gen.rows()), list(gen.rows()))

    def test_header_and_row_count(self):
        header, body = rows()
        self.assertEqual(header, "timestamp,MT_001")
        self.assertEqual(len(body), 21 * 24 * 4)
        self.assertTrue(committed().endswith("\n"))
        self.assertNotIn("\r", committed())

    def test_timestamps_are_15_minutes_apart(self):
        _, body = rows()
        ts = [datetime.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S") for r in body]
        self.assertEqual(body[0][0], "2014-01-01 00:15:00")
        step = datetime.timedelta(minutes=15)
        self.assertTrue(all(b - a == step for a, b in zip(ts, ts[1:])))

    def test_values_are_plausible_readings(self):
        _, body = rows()
        values = []
        for r in body:
            self.assertEqual(len(r), 2, r)
            self.assertRegex(r[1], r"^\d+\.\d+$")
            digits = re.sub(r"^0+", "", r[1].replace(".", ""))
            self.assertTrue(2 <= len(digits) <= 6, r[1])
            values.append(float(r[1]))
        self.assertGreaterEqual(min(values), 0.0)
        self.assertGreater(len(set(values)), len(values) // 4)  # noisy, not a step function

    def test_daily_and_weekly_shape(self):
        _, body = rows()
        by_hour = {}
        weekday, weekend = [], []
        for t, v in body:
            when = datetime.datetime.strptime(t, "%Y-%m-%d %H:%M:%S")
            by_hour.setdefault(when.hour, []).append(float(v))
            (weekend if when.weekday() >= 5 else weekday).append(float(v))
        mean = {h: sum(v) / len(v) for h, v in by_hour.items()}
        self.assertGreater(mean[19], 1.5 * mean[3])   # evening peak over night low
        self.assertGreater(sum(weekday) / len(weekday), sum(weekend) / len(weekend))

    def test_enough_history_for_the_example_horizon(self):
        # Hourly resampling (frequency H) of 21 days; Forecast wants the horizon at
        # most a third of the series, and one backtest window needs one more horizon.
        _, body = rows()
        hours = len({r[0][:13] for r in body})
        pipeline = example_spec()["pipeline"]
        self.assertEqual(pipeline["frequency"], "H")
        horizon, windows = pipeline["horizon"], pipeline["backtest_windows"]
        self.assertGreaterEqual(hours, 3 * horizon)
        self.assertGreaterEqual(hours, (windows + 1) * horizon)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
