#!/bin/sh
# apply.sh — fcc apply on the Forecast example against the local endpoint
# (moto + fccext) with 50 ms added to every request, compared with the AWS
# CLI making the same writes one command after another.
#
#   sh bench/apply.sh            (BENCH_RUNS=3 BENCH_LATENCY_MS=50 BENCH_PRODUCTS=20)
#
# Two cases: the example, and the example with BENCH_PRODUCTS products in its
# portfolio (tests/apply/products_spec.py). For each it prints the median wall
# time of: fcc apply on an empty account with --parallelism 1 and 8, a second
# apply that finds nothing to change, a no-op plan, and the CLI script
# (bench/apply_bench.py), the calls, the longest chain and the ratios. Starts
# the endpoint on a free loopback port and stops it by PID on exit.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-out/default}
PY=${PYTHON:-python3}
STATE=$(mktemp -d /tmp/fcc-bench-apply-XXXXXX)
cleanup() {
	sh tests/aws/endpoint.sh stop "$STATE" >/dev/null 2>&1 || true
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true no_proxy=127.0.0.1,localhost
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
EP=$(sh tests/aws/endpoint.sh start "$STATE")
for n in 1 "${BENCH_PRODUCTS:-20}"; do
	"$PY" bench/apply_bench.py --endpoint "$EP" --fcc "$ROOT/$OUT/fcc" \
		--runs "${BENCH_RUNS:-3}" --latency "${BENCH_LATENCY_MS:-50}" --products "$n"
done
