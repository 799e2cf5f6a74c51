#!/bin/sh
# calls.sh — how fast fcc's runtime makes AWS calls, against a local moto.
#
#   make bench-calls
#
# 1. N (default 200) CloudFormation DescribeStacks calls through fcc's runtime
#    (bench/calls.c, one after another), side by side with N
#    `aws cloudformation describe-stacks` processes (AWS CLI v1);
# 2. the same N calls through tests/aws/faultproxy.py adding 50 ms of latency
#    to each request: sequential, and with 8 in flight.
# Prints calls/second for each and the ratios. Targets: fcc sequential >= 20x
# the CLI's rate; with 50 ms latency, 8 in flight >= 6x fcc's own sequential
# rate. Starts moto_server and the proxy on free loopback ports and stops them
# by PID on exit. Exits non-zero when a run fails.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-out/default}
CALLS=${CALLS:-$OUT/bench/calls}
N=${BENCH_CALLS:-200}
PY=${PYTHON:-python3}
STATE=$(mktemp -d /tmp/fcc-bench-calls-XXXXXX)
MOTO_PID= PROXY_PID=

cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
	[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true no_proxy=127.0.0.1,localhost
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN

PORT=$(free_port)
moto_server -H 127.0.0.1 -p "$PORT" >"$STATE/moto.log" 2>&1 &
MOTO_PID=$!
EP=http://127.0.0.1:$PORT
i=0
until "$PY" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1]+"/moto-api/data.json", timeout=2)' "$EP" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || { echo "bench: moto_server did not start" >&2; exit 1; }
	sleep 0.1
done
# one stack, so each answer has a body to parse
aws cloudformation create-stack --endpoint-url "$EP" --stack-name fcc-bench \
	--template-body '{"Resources":{"T":{"Type":"AWS::SNS::Topic"}}}' >/dev/null

rate() { "$CALLS" "$1" "$N" "$2" | awk '/^calls\/s/ { print $2 }'; }

FCC_SEQ=$(rate "$EP" 1)
t0=$("$PY" -c 'import time; print(time.monotonic())')
i=0
while [ "$i" -lt "$N" ]; do
	aws cloudformation describe-stacks --endpoint-url "$EP" >/dev/null
	i=$((i + 1))
done
CLI=$("$PY" -c 'import sys,time; print("%.1f" % (int(sys.argv[2]) / (time.monotonic() - float(sys.argv[1]))))' "$t0" "$N")

"$PY" tests/aws/faultproxy.py --upstream "$EP" --latency-ms 50 --port-file "$STATE/proxy.port" \
	>/dev/null 2>"$STATE/proxy.log" &
PROXY_PID=$!
i=0
until [ -s "$STATE/proxy.port" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "bench: faultproxy did not start" >&2; exit 1; }
	sleep 0.1
done
PX=http://127.0.0.1:$(cat "$STATE/proxy.port")
LAT_SEQ=$(rate "$PX" 1)
LAT_PAR=$(rate "$PX" 8)

ratio() { "$PY" -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
R1=$(ratio "$FCC_SEQ" "$CLI")
R2=$(ratio "$LAT_PAR" "$LAT_SEQ")
printf '%-44s %10s calls/s\n' "fcc runtime, sequential ($N DescribeStacks)" "$FCC_SEQ"
printf '%-44s %10s calls/s\n' "aws cloudformation describe-stacks ($N runs)" "$CLI"
printf '%-44s %10s x   (target >= 20x)\n' "fcc sequential / AWS CLI" "$R1"
printf '%-44s %10s calls/s\n' "fcc, +50 ms latency, sequential" "$LAT_SEQ"
printf '%-44s %10s calls/s\n' "fcc, +50 ms latency, 8 in flight" "$LAT_PAR"
printf '%-44s %10s x   (target >= 6x)\n' "8 in flight / sequential" "$R2"
