#!/bin/sh
# run.sh OUT — run every test of fcc against the binaries in OUT.
#
# 1. starts the local AWS endpoint (tests/aws/endpoint.sh) on a free loopback
#    port, and stops it by PID on exit whatever happens;
# 2. the Check unit suites (unit + golden + spec cases + runtime against the endpoint);
# 3. the Python-driven suites (tests/*/run_*.py): schema, endpoint extension, e2e.
# Each runner prints its own counts; the last line sums the suites.
set -u
OUT=${1:-out/default}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export FCC_SRCDIR="$ROOT"
export FCC_BIN="$ROOT/$OUT/fcc"
# Never reach real AWS from a test, and never read the developer's own profile.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL

STATE=$(mktemp -d /tmp/fcc-tests-XXXXXX)
cleanup() {
	if [ -f "$ROOT/tests/aws/endpoint.sh" ]; then
		sh "$ROOT/tests/aws/endpoint.sh" stop "$STATE" >/dev/null 2>&1
	fi
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

if [ -f "$ROOT/tests/aws/endpoint.sh" ]; then
	FCC_TEST_ENDPOINT=$(sh "$ROOT/tests/aws/endpoint.sh" start "$STATE") || {
		echo "tests: could not start the local AWS endpoint" >&2
		exit 1
	}
	export FCC_TEST_ENDPOINT
	echo "tests: local AWS endpoint at $FCC_TEST_ENDPOINT"
fi

fail=0
LOG="$STATE/log"
: > "$LOG"
# run NAME CMD...: run one suite, keep its output for the final count.
run() {
	echo "== $1"
	shift
	"$@" > "$STATE/one" 2>&1
	rc=$?
	cat "$STATE/one"
	cat "$STATE/one" >> "$LOG"
	[ $rc = 0 ] || fail=1
}

run "unit (Check)" "$ROOT/$OUT/unit-tests"

for r in "$ROOT/$OUT"/replay/fuzz_*; do
	[ -x "$r" ] || continue
	n=$(basename "$r")
	run "fuzz corpus replay: $n" "$r" "$ROOT/tests/fuzz/corpus/$n"
done

for t in $(ls "$ROOT"/tests/*/run_*.py 2>/dev/null | sort); do
	run "$(basename "$(dirname "$t")")/$(basename "$t")" python3 "$t"
done

# One closing line over every suite: Check's "Checks: N, Failures: F, Errors: E"
# and the other runners' "N passed, N failed".
total=$(awk '
	/^[0-9]+%: Checks: / { gsub(",", ""); p += $3 - $5 - $7; f += $5 + $7 }
	/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
	END { printf "%d %d", p, f }' "$LOG")
passed=${total% *}
failed=${total#* }
if [ "$fail" != 0 ] || [ "$failed" != 0 ] || [ "$passed" = 0 ]; then
	[ "$failed" = 0 ] && failed=1
	echo "tests: $passed passed, $failed failed"
	exit 1
fi
echo "tests: $passed passed, 0 failed"
