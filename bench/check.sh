#!/bin/sh
# check.sh — how fast `fcc check` is, and how much memory it takes.
#
#   make && sh bench/check.sh          (or: make bench)
#
# Two inputs: the example spec (~4 KiB) and a generated ~1.3 MiB spec (the
# example plus 4000 SNS topics in template.resources, bench/gen_big_spec.py,
# written to bench/cache/). For each: hyperfine's median wall time over
# BENCH_RUNS runs (default 30) after 3 warm-ups, and the peak RSS reported by
# GNU time (`/usr/bin/time -v`). hyperfine's JSON export goes to
# bench/results/ (ignored by git). Needs ./fcc (make) and hyperfine
# (tools/deps.sh); exits non-zero when either is missing or when `fcc check`
# rejects an input, since timing a failing check would time the error path.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FCC=${FCC:-./fcc}
RUNS=${BENCH_RUNS:-30}
PY=${PYTHON:-python3}

if ! command -v hyperfine >/dev/null 2>&1; then
	echo "bench: hyperfine is missing (apt-get install hyperfine, or make deps)" >&2
	exit 1
fi
if [ ! -x "$FCC" ]; then
	echo "bench: $FCC is missing; run make first" >&2
	exit 1
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time (GNU time) is missing; peak RSS will not be measured" >&2
fi

mkdir -p bench/cache bench/results
BIG=$("$PY" bench/gen_big_spec.py --out bench/cache)
EXAMPLE=examples/forecast-mlops/project.spec

# Median in milliseconds from a hyperfine JSON export (one command).
median_ms() {
	"$PY" -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$1"
}

# Peak resident set size in KiB of one run, from GNU time's verbose report.
peak_rss_kib() {
	if [ ! -x /usr/bin/time ]; then
		echo "n/a"
		return 0
	fi
	/usr/bin/time -v "$FCC" check "$1" 2>&1 >/dev/null |
		sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p'
}

status=0
summary=""
for spec in "$EXAMPLE" "$BIG"; do
	name=$(basename "$spec" .spec)
	if ! "$FCC" check "$spec" >/dev/null 2>bench/results/"$name".err; then
		echo "bench: fcc check $spec failed:" >&2
		cat bench/results/"$name".err >&2
		status=1
		continue
	fi
	size=$(wc -c <"$spec" | tr -d ' ')
	hyperfine --style basic --warmup 3 --runs "$RUNS" -N \
		--export-json bench/results/check-"$name".json \
		"$FCC check $spec" >bench/results/check-"$name".txt
	med=$(median_ms bench/results/check-"$name".json)
	rss=$(peak_rss_kib "$spec")
	summary="$summary$(printf '%-12s %10s bytes  median %9s ms  peak RSS %8s KiB' \
		"$name" "$size" "$med" "$rss")
"
done
echo "fcc check (hyperfine median of $RUNS runs; GNU time peak RSS)"
printf '%s' "$summary"
exit $status
