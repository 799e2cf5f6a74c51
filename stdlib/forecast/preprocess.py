#!/usr/bin/env python3
"""preprocess.py — the ForecastPreProcess step of fcc's Forecast pipeline.

Runs in a SageMaker Processing job (scikit-learn container; Python 3 with
pandas). fcc copies this file verbatim into the seed code as
pipelines/<module>/preprocess.py; everything spec-specific comes from
forecast_config.json (next to this script, or --config) and from the pipeline
parameters passed as arguments (--horizon, --algorithm override the config).

What it does:
  1. reads the training CSV (header `timestamp,<series>`, one reading a row)
     from /opt/ml/processing/input/ (--input: a file, or a directory holding
     train.csv or exactly one *.csv);
  2. aggregates the readings to the configured Forecast frequency by SUM, as
     the workshop did (15-minute kW readings -> hourly consumption). Bins are
     left-closed and labelled by their start, like pandas' resample default:
     the readings at 00:15, 00:30, 00:45 fall in the 00:00 hour. Use
     --closed right for data whose timestamp marks the END of the interval it
     measured (then 01:00 also belongs to the 00:00 hour). A first or last bin
     that holds fewer readings than a full bin is dropped, because a partial
     sum would look like a drop in demand; interior bins with no reading are
     written with an empty target (Forecast fills missing target values);
  3. checks the series is long enough for Amazon Forecast (rule below);
  4. writes TARGET_TIME_SERIES rows (the schema's `target` columns, in the
     schema's order, no header) to /opt/ml/processing/target/target.csv and,
     when the schema has `related`, RELATED_TIME_SERIES rows extending
     `horizon` periods past the last target timestamp (Forecast requires related
     data to cover the forecast horizon) to /opt/ml/processing/related/related.csv.

Length rule (Amazon Forecast developer guide, CreatePredictor/CreateAutoPredictor
`ForecastHorizon`): the horizon may be at most 1/3 of the TARGET_TIME_SERIES
length (1/4 for a new AutoPredictor), and backtesting holds out
`backtest_windows` windows of `horizon` points each, with training data left
before them. So the series needs
    n >= max(3 * horizon (4 for AutoPredictor), (backtest_windows + 1) * horizon)
observations after aggregation.

Related attributes are derived from the timestamp, deterministically:
hour_of_day (0-23), minute_of_hour (0-59), day_of_week (0 = Monday .. 6),
day_of_month (1-31), day_of_year (1-366), week_of_year (ISO 1-53),
month_of_year (1-12), is_weekend (0/1). Any other related attribute is an error:
this script cannot invent data for it.

Errors are one line on stderr (`preprocess: error: ...`) and exit status 1.
"""
import argparse
import datetime
import glob
import json
import math
import os
import sys

DEFAULT_INPUT = "/opt/ml/processing/input/"
DEFAULT_TARGET_DIR = "/opt/ml/processing/target/"
DEFAULT_RELATED_DIR = "/opt/ml/processing/related/"

# Forecast frequencies (the spec's `frequency`) with a fixed length, in minutes.
FIXED_MINUTES = {"1min": 1, "5min": 5, "10min": 10, "15min": 15, "30min": 30,
                 "H": 60, "D": 1440, "W": 10080}
FREQUENCIES = ("Y", "M", "W", "D", "H", "30min", "15min", "10min", "5min", "1min")

# Forecast's Java-style timestamp formats -> strftime.
TS_FORMATS = {"yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S", "yyyy-MM-dd": "%Y-%m-%d"}

# Related attributes this step can derive from a timestamp.
DERIVED = {
    "hour_of_day": lambda t: t.hour,
    "minute_of_hour": lambda t: t.minute,
    "day_of_week": lambda t: t.weekday(),
    "day_of_month": lambda t: t.day,
    "day_of_year": lambda t: t.timetuple().tm_yday,
    "week_of_year": lambda t: t.isocalendar()[1],
    "month_of_year": lambda t: t.month,
    "is_weekend": lambda t: 1 if t.weekday() >= 5 else 0,
}

MAX_BINS = 5_000_000  # a bound on the bin grid: a typo in the data cannot loop for ever


class PreprocessError(Exception):
    """A problem with the input or the configuration; printed as one line."""


def load_config(path):
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise PreprocessError("cannot read config %s: %s" % (path, e.strerror or e))
    except ValueError as e:
        raise PreprocessError("config %s is not valid JSON: %s" % (path, e))
    if not isinstance(cfg, dict):
        raise PreprocessError("config %s must be a JSON object" % path)
    return cfg


def find_input(path):
    """A file path stays; a directory must hold train.csv or exactly one *.csv."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise PreprocessError("input %s does not exist" % path)
    named = os.path.join(path, "train.csv")
    if os.path.isfile(named):
        return named
    found = sorted(glob.glob(os.path.join(path, "*.csv")))
    if len(found) != 1:
        raise PreprocessError("input directory %s must hold train.csv or exactly one .csv file (found %d)"
                              % (path, len(found)))
    return found[0]


def bin_start(t, frequency):
    """The start of the Forecast period that contains datetime t."""
    if frequency == "Y":
        return datetime.datetime(t.year, 1, 1)
    if frequency == "M":
        return datetime.datetime(t.year, t.month, 1)
    day = datetime.datetime(t.year, t.month, t.day)
    if frequency == "W":
        return day - datetime.timedelta(days=t.weekday())  # weeks start on Monday
    if frequency == "D":
        return day
    minutes = FIXED_MINUTES[frequency]
    into_day = t.hour * 60 + t.minute
    return day + datetime.timedelta(minutes=into_day - into_day % minutes)


def next_bin(t, frequency):
    """The start of the period after the one starting at t."""
    if frequency == "Y":
        return datetime.datetime(t.year + 1, 1, 1)
    if frequency == "M":
        return datetime.datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
    return t + datetime.timedelta(minutes=FIXED_MINUTES[frequency])


def parse_timestamp(text, formats):
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


def read_series(path, ts_format, target_column):
    """(timestamps, values, column name) from the CSV, sorted by time."""
    import pandas as pd  # only here: the unit tests of the helpers need no pandas

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise PreprocessError("cannot read %s: %s" % (path, e))
    if df.shape[1] < 2:
        raise PreprocessError("%s needs a header 'timestamp,<series>' and at least two columns" % path)
    cols = list(df.columns)
    ts_col = "timestamp" if "timestamp" in cols else cols[0]
    if target_column:
        if target_column not in cols:
            raise PreprocessError("target column '%s' is not in %s (columns: %s)"
                                  % (target_column, path, ", ".join(cols)))
        col = target_column
    else:
        col = next(c for c in cols if c != ts_col)
    if len(df) == 0:
        raise PreprocessError("%s has no data rows" % path)
    # The configured format first; the data may also carry times when the output
    # is date-only (15-minute readings aggregated to days).
    formats = [TS_FORMATS[ts_format]] + [f for k, f in sorted(TS_FORMATS.items()) if k != ts_format]
    stamps, values = [], []
    seen = set()
    for i, (ts, v) in enumerate(zip(df[ts_col], df[col])):
        line = i + 2  # 1-based, after the header
        t = parse_timestamp(ts.strip(), formats)
        if t is None:
            raise PreprocessError("%s:%d: timestamp '%s' is neither %s" % (
                path, line, ts, " nor ".join("'%s'" % k for k in sorted(TS_FORMATS, reverse=True))))
        if t in seen:
            raise PreprocessError("%s:%d: duplicate timestamp '%s'" % (path, line, ts))
        seen.add(t)
        text = v.strip()
        if text == "":
            x = float("nan")
        else:
            try:
                x = float(text)
            except ValueError:
                raise PreprocessError("%s:%d: value '%s' in column '%s' is not a number" % (path, line, v, col))
            if math.isinf(x):
                raise PreprocessError("%s:%d: value '%s' in column '%s' is not finite" % (path, line, v, col))
        stamps.append(t)
        values.append(x)
    order = sorted(range(len(stamps)), key=stamps.__getitem__)
    return [stamps[i] for i in order], [values[i] for i in order], col


def input_step(stamps):
    """The most common spacing between readings (ties: the smallest)."""
    if len(stamps) < 2:
        raise PreprocessError("the input needs at least two readings")
    counts = {}
    for a, b in zip(stamps, stamps[1:]):
        d = b - a
        counts[d] = counts.get(d, 0) + 1
    return min(counts, key=lambda d: (-counts[d], d))


def aggregate(stamps, values, frequency, closed="left"):
    """Sum the readings into Forecast periods; see the module comment.

    Returns a list of (period start, sum or None when the period had no reading).
    """
    step = input_step(stamps)
    if frequency in FIXED_MINUTES and datetime.timedelta(minutes=FIXED_MINUTES[frequency]) < step:
        raise PreprocessError("frequency %s is finer than the data's spacing of %s; choose %s or coarser"
                              % (frequency, step, step))
    tiny = datetime.timedelta(microseconds=1)
    sums, counts = {}, {}
    for t, x in zip(stamps, values):
        b = bin_start(t - tiny if closed == "right" else t, frequency)
        counts[b] = counts.get(b, 0) + 1
        if not math.isnan(x):
            sums[b] = sums.get(b, 0.0) + x
    first, last = min(counts), max(counts)
    grid = [first]
    while grid[-1] < last:
        if len(grid) >= MAX_BINS:
            raise PreprocessError("more than %d periods between %s and %s at frequency %s"
                                  % (MAX_BINS, first, last, frequency))
        grid.append(next_bin(grid[-1], frequency))

    def full(b):
        return counts.get(b, 0) >= (next_bin(b, frequency) - b) // step

    # Drop partial periods at either end (at most the first and the last).
    if len(grid) > 1 and not full(grid[0]):
        grid = grid[1:]
    if len(grid) > 1 and not full(grid[-1]):
        grid = grid[:-1]
    return [(b, sums.get(b)) for b in grid]


def min_length(horizon, backtest_windows, algorithm):
    """Observations Forecast needs for this horizon (module comment)."""
    ratio = 4 if algorithm == "AutoPredictor" else 3
    return max(ratio * horizon, (backtest_windows + 1) * horizon)


def format_number(x, attr_type):
    if x is None:
        return ""
    if attr_type == "integer":
        r = round(x)
        if abs(x - r) > 1e-9:
            raise PreprocessError("target_value is declared integer but an aggregated value is %r" % x)
        return str(int(r))
    text = "%.6f" % x
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def schema_attrs(cfg, which):
    schema = cfg.get("schema")
    if not isinstance(schema, dict):
        raise PreprocessError("config has no schema")
    attrs = schema.get(which)
    if attrs is None:
        return None
    if not isinstance(attrs, list) or not all(isinstance(a, dict) and "name" in a and "type" in a for a in attrs):
        raise PreprocessError("config schema.%s must be a list of {name, type}" % which)
    return attrs


def target_rows(series, attrs, item_id, out_fmt):
    rows = []
    for t, x in series:
        cells = []
        for a in attrs:
            n = a["name"]
            if n == "timestamp":
                cells.append(t.strftime(out_fmt))
            elif n == "item_id":
                cells.append(item_id)
            elif n == "target_value":
                cells.append(format_number(x, a["type"]))
            else:
                raise PreprocessError("target attribute '%s' cannot be derived from the input; the target "
                                      "schema may only hold timestamp, target_value and item_id" % n)
        rows.append(cells)
    return rows


def related_rows(stamps, attrs, item_id, out_fmt):
    for a in attrs:
        n, ty = a["name"], a["type"]
        if n in ("timestamp", "item_id"):
            continue
        if n not in DERIVED:
            raise PreprocessError("related attribute '%s' is unknown; known: %s"
                                  % (n, ", ".join(sorted(DERIVED))))
        if ty not in ("integer", "float", "string"):
            raise PreprocessError("related attribute '%s' must be integer, float or string, not %s" % (n, ty))
    rows = []
    for t in stamps:
        cells = []
        for a in attrs:
            n = a["name"]
            if n == "timestamp":
                cells.append(t.strftime(out_fmt))
            elif n == "item_id":
                cells.append(item_id)
            else:
                cells.append(str(DERIVED[n](t)))
        rows.append(cells)
    return rows


def write_csv(directory, name, rows):
    """Rows as CSV without a header; cells never hold a comma or a quote."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for r in rows:
            for c in r:
                if "," in c or '"' in c or "\n" in c:
                    raise PreprocessError("value %r cannot be written to a Forecast CSV" % c)
            f.write(",".join(r) + "\n")
    return path


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="ForecastPreProcess: resample and split the training data")
    p.add_argument("--config", default=os.path.join(here, "forecast_config.json"))
    p.add_argument("--input", default=DEFAULT_INPUT, help="CSV file, or a directory holding it")
    p.add_argument("--target-output", "--target_output", dest="target_output", default=DEFAULT_TARGET_DIR)
    p.add_argument("--related-output", "--related_output", dest="related_output", default=DEFAULT_RELATED_DIR)
    p.add_argument("--horizon", "--forecast-horizon", "--forecast_horizon", dest="horizon", type=int)
    p.add_argument("--algorithm", "--forecast-algorithm", "--forecast_algorithm", dest="algorithm")
    p.add_argument("--item-id", "--item_id", dest="item_id",
                   help="item_id value written to every row (default: the series' column name)")
    p.add_argument("--closed", choices=("left", "right"), default="left",
                   help="which end of a period a reading on its boundary belongs to")
    return p.parse_args(argv)


def run(args):
    cfg = load_config(args.config)
    frequency = cfg.get("frequency")
    if frequency not in FREQUENCIES:
        raise PreprocessError("config frequency %r is not one of %s" % (frequency, " ".join(FREQUENCIES)))
    ts_format = cfg.get("timestamp_format", "yyyy-MM-dd HH:mm:ss")
    if ts_format not in TS_FORMATS:
        raise PreprocessError("config timestamp_format %r is not one of %s" % (ts_format, ", ".join(TS_FORMATS)))
    horizon = args.horizon if args.horizon is not None else cfg.get("horizon")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 500:
        raise PreprocessError("horizon must be an integer in 1..500, not %r" % (horizon,))
    windows = cfg.get("backtest_windows", 1)
    if not isinstance(windows, int) or not 1 <= windows <= 5:
        raise PreprocessError("backtest_windows must be an integer in 1..5, not %r" % (windows,))
    algorithm = args.algorithm or cfg.get("algorithm", "AutoPredictor")
    target_attrs = schema_attrs(cfg, "target")
    if target_attrs is None:
        raise PreprocessError("config schema has no target")
    related_attrs = schema_attrs(cfg, "related")

    path = find_input(args.input)
    stamps, values, column = read_series(path, ts_format, cfg.get("target_column"))
    series = aggregate(stamps, values, frequency, args.closed)
    need = min_length(horizon, windows, algorithm)
    if len(series) < need:
        raise PreprocessError(
            "the series has %d observations at frequency %s but horizon %d with %d backtest window(s) "
            "needs at least %d (horizon <= 1/%d of the series, and (backtest_windows + 1) * horizon)"
            % (len(series), frequency, horizon, windows, need, 4 if algorithm == "AutoPredictor" else 3))

    item_id = args.item_id or column
    out_fmt = TS_FORMATS[ts_format]
    tpath = write_csv(args.target_output, "target.csv", target_rows(series, target_attrs, item_id, out_fmt))
    print("preprocess: %d readings -> %d %s observations, %s .. %s -> %s"
          % (len(stamps), len(series), frequency, series[0][0].strftime(out_fmt),
             series[-1][0].strftime(out_fmt), tpath))
    if related_attrs is not None:
        future = [b for b, _ in series]
        for _ in range(horizon):
            future.append(next_bin(future[-1], frequency))
        rpath = write_csv(args.related_output, "related.csv", related_rows(future, related_attrs, item_id, out_fmt))
        print("preprocess: related series %d rows (%d past the target), %s .. %s -> %s"
              % (len(future), horizon, future[0].strftime(out_fmt), future[-1].strftime(out_fmt), rpath))
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except PreprocessError as e:
        print("preprocess: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
