#!/usr/bin/env python3
"""gen_train_csv.py — write the example's training data, deterministically.

The workshop trains on one series of the UCI "ElectricityLoadDiagrams" set
(column MT_001, 15-minute readings in kW). fcc's tests cannot download it, so
this script synthesises a series of the same shape: a header
`timestamp,MT_001`, then one reading every 15 minutes for 21 days (2016 rows),
timestamps `yyyy-MM-dd HH:mm:ss`, values following a daily and weekly load
curve with noise. Resampled hourly that is 504 points: enough for a 24-hour
horizon and one backtest window (Forecast wants the horizon to be at most a
third of the series).

Fixed seed and pure-Python arithmetic, so the output is byte-identical on
every machine:

    python3 tools/gen_train_csv.py > examples/forecast-mlops/data/train.csv
    python3 tools/gen_train_csv.py -o examples/forecast-mlops/data/train.csv
"""
import argparse
import datetime
import math
import random
import sys

SEED = 20140101
START = datetime.datetime(2014, 1, 1, 0, 15, 0)  # the workshop's first reading
STEP = datetime.timedelta(minutes=15)
DAYS = 21
ROWS = DAYS * 24 * 4  # 2016


def daily_shape(hour):
    """Relative load over a day: low at night, a morning ramp, an evening peak."""
    morning = math.exp(-((hour - 9.0) ** 2) / (2 * 2.0 ** 2))
    evening = math.exp(-((hour - 19.0) ** 2) / (2 * 2.5 ** 2))
    return 0.55 + 0.35 * morning + 0.6 * evening


def reading(t, rng, level):
    hour = t.hour + t.minute / 60.0
    weekend = t.weekday() >= 5
    load = 12.0 * daily_shape(hour) * (0.8 if weekend else 1.0) * level
    load += rng.gauss(0.0, 0.6)
    return max(load, 0.0)


def rows():
    rng = random.Random(SEED)
    level = 1.0
    t = START
    for _ in range(ROWS):
        # A slow random walk of the base level, kept within +-15 %.
        level = min(1.15, max(0.85, level + rng.gauss(0.0, 0.002)))
        v = reading(t, rng, level)
        # 2 decimals, as the source data; 0 is written as "0.0".
        yield t.strftime("%Y-%m-%d %H:%M:%S"), ("%.2f" % v) if v >= 0.005 else "0.0"
        t += STEP


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    args = ap.parse_args()
    lines = ["timestamp,MT_001"] + ["%s,%s" % r for r in rows()]
    text = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
