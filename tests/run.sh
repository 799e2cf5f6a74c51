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
echo "== unit (Check)"
"$ROOT/$OUT/unit-tests" || fail=1

for t in $(ls "$ROOT"/tests/*/run_*.py 2>/dev/null | sort); do
	echo "== $(basename "$(dirname "$t")")/$(basename "$t")"
	python3 "$t" || fail=1
done

if [ "$fail" != 0 ]; then
	echo "tests: FAILED"
	exit 1
fi
echo "tests: all suites passed"
