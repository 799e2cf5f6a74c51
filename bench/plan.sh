#!/bin/sh
# plan.sh — how fast `fcc plan` reads AWS, against the local endpoint (moto + fccext).
#
#   make bench-plan
#
# Two cases: the example, and the example with 50 products in its portfolio
# (tests/apply/products_spec.py; BENCH_PRODUCTS changes the number). Each is
# put fully in place (bench/plan_prepare.py), then a no-op
# `fcc plan BUILD_DIR --detailed-exitcode` is timed with hyperfine:
#   1. against the endpoint directly (loopback);
#   2. through tests/aws/faultproxy.py adding 50 ms to every request; the lower
#      bound there is the longest chain of dependent reads × 50 ms
#      (STATE_READ_CHAIN in runtime/state_read.h, or ListPortfolios and the
#      pages of 20 of the portfolio's products when that is longer);
#   3. through the proxy adding nothing: what the local endpoint and the proxy
#      (Python, on the machine's shared cores) need to answer those calls, a
#      floor of their own when it is above the chain bound (many products);
#   4. bench/plan_awscli.sh: the same reads as AWS CLI v1 commands, one process
#      per call, as a user would check the state by hand.
# Counts the API calls of each (the proxy's request log). Prints medians, call
# counts and ratios. Targets: no-op plan of the example < 300 ms on loopback;
# with 50 ms latency within 1.5x the bound; >= 10x faster than the CLI script.
# Starts the endpoint and the proxy on free loopback ports, stops them by PID
# on exit.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-out/default}
FCC=$ROOT/$OUT/fcc
PY=${PYTHON:-python3}
RUNS=${BENCH_RUNS:-20}
LAT=50
CHAIN=$(sed -n 's/^#define STATE_READ_CHAIN \([0-9]*\).*/\1/p' runtime/state_read.h)
STATE=$(mktemp -d /tmp/fcc-bench-plan-XXXXXX)
PROXY_PID=

cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
	sh tests/aws/endpoint.sh stop "$STATE/ep" >/dev/null 2>&1 || true
	wait 2>/dev/null || true
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true no_proxy=127.0.0.1,localhost NO_COLOR=1
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN

EP=$(sh tests/aws/endpoint.sh start "$STATE/ep")
"$PY" tests/aws/faultproxy.py --upstream "$EP" --latency-ms 0 --port-file "$STATE/pport" \
	>/dev/null &
PROXY_PID=$!
i=0
until [ -s "$STATE/pport" ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || { echo "bench: proxy did not start" >&2; exit 1; }
	sleep 0.1
done
PX=http://127.0.0.1:$(cat "$STATE/pport")
proxy_reset() { curl -s -X POST -d "{\"latency_ms\": $1}" "$PX/__fcc/reset" >/dev/null; }
proxy_count() { curl -s "$PX/__fcc/log" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
median() { "$PY" -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"; }

# run_case LABEL PRODUCTS CLI_RUNS
run_case() {
	W=$STATE/w$2
	mkdir -p "$W"
	"$PY" bench/plan_prepare.py "$EP" "$W" "$2" >/dev/null
	B=$W/build
	# sanity: a no-op plan
	"$FCC" plan "$B" --endpoint-url "$EP" --detailed-exitcode >/dev/null || {
		echo "bench: the prepared state is not a no-op plan ($1)" >&2; exit 1; }
	proxy_reset 0
	"$FCC" plan "$B" --endpoint-url "$PX" --detailed-exitcode >/dev/null
	FCC_CALLS=$(proxy_count)
	proxy_reset 0
	sh bench/plan_awscli.sh "$B" "$PX"
	CLI_CALLS=$(proxy_count)

	hyperfine -N -w 3 -r "$RUNS" --export-json "$STATE/h1.json" \
		"$FCC plan $B --endpoint-url $EP --detailed-exitcode" >/dev/null
	proxy_reset "$LAT"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$STATE/h2.json" \
		"$FCC plan $B --endpoint-url $PX --detailed-exitcode" >/dev/null
	proxy_reset 0
	hyperfine -N -w 2 -r "$RUNS" --export-json "$STATE/h4.json" \
		"$FCC plan $B --endpoint-url $PX --detailed-exitcode" >/dev/null
	hyperfine -w 1 -r "$3" --export-json "$STATE/h3.json" \
		"sh bench/plan_awscli.sh $B $EP" >/dev/null

	# the portfolio's products are listed in pages of 20, one after another
	# after ListPortfolios: with more than 40 products that chain is longer
	C=$((1 + ($2 + 19) / 20))
	[ "$C" -gt "$CHAIN" ] || C=$CHAIN
	"$PY" - "$1" "$(median "$STATE/h1.json")" "$(median "$STATE/h2.json")" \
		"$(median "$STATE/h3.json")" "$(median "$STATE/h4.json")" "$((C * LAT))" \
		"$FCC_CALLS" "$CLI_CALLS" "$C" <<'PYEOF'
import sys
label = sys.argv[1]
m1, m2, m3, m4, bound = (float(x) for x in sys.argv[2:7])
fc, cc, chain = sys.argv[7], sys.argv[8], sys.argv[9]
floor = max(bound, m4)
print("fcc plan, no-op, %s (medians of hyperfine runs)" % label)
print("  loopback (moto + fccext)          %8.1f ms   target < 300 ms (the example)   %s"
      % (m1, "ok" if m1 < 300 else ("MISSED" if label == "the example" else "no target")))
print("  50 ms latency per request         %8.1f ms   chain bound %d x 50 = %.0f ms, ratio %.2f (target <= 1.5)  %s"
      % (m2, int(chain), bound, m2 / bound, "ok" if m2 <= 1.5 * bound else "MISSED"))
print("  through the proxy, no latency     %8.1f ms   the local endpoint's own floor; ratio to max(bound, floor) %.2f"
      % (m4, m2 / floor))
print("  AWS CLI script (one process/call) %8.1f ms   fcc is %.1fx faster (target >= 10x)  %s"
      % (m3, m3 / m1, "ok" if m3 / m1 >= 10 else "MISSED"))
print("  API calls: fcc %s, AWS CLI script %s" % (fc, cc))
PYEOF
}

run_case "the example" 1 "${BENCH_CLI_RUNS:-5}"
run_case "${BENCH_PRODUCTS:-50} products" "${BENCH_PRODUCTS:-50}" "${BENCH_CLI_RUNS_PRODUCTS:-2}"
