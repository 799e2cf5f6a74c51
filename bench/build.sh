#!/bin/sh
# build.sh — how fast `fcc build` is, side by side with `cdk synth` of the same template.
#
#   make && sh bench/build.sh          (or: make bench-build)
#
# Four measurements, each a hyperfine median and a GNU time (`/usr/bin/time
# -v`) peak RSS:
#   fcc build  examples/forecast-mlops/project.spec        (BENCH_RUNS runs, default 30, 3 warm-ups)
#   fcc build  the example + BENCH_RESOURCES extra resources (bench/gen_build_spec.py)
#   cdk synth  bench/cdk/app.js, the same template in AWS CDK (BENCH_CDK_RUNS, default 5, 1 warm-up)
#   cdk synth  the same app with the same extra resources   (FCC_BENCH_EXTRA)
# then the ratios cdk / fcc. As information, `node bench/cdk/app.js` alone
# (the CDK app without the CLI) is timed too.
#
# Targets (what fcc should meet on a current x86-64 machine):
#   the example:            median < 10 ms and peak RSS < 15 MiB
#   the large spec:         median < 200 ms (set for 1000 extra resources; see below)
#   against cdk synth:      at least 100x faster on both inputs
#
# BENCH_RESOURCES is 494 and not 1000: CloudFormation takes at most 500
# resources per template, the example has 6, and fcc build ("over
# CloudFormation's limit of 500") and cdk synth (Stack maxResources) both
# refuse 1006. Both tools write what a deploy needs: fcc the template, the
# seed-code tree and zip and the manifest; cdk the template, the seed-code zip
# as a file asset (FCC_BENCH_SEED_ZIP: fcc's zip, so both hash and write the
# same bytes) and the cloud assembly. Before timing, the script checks that
# both templates hold the same parameters, outputs and resources (logical id
# and type), so the two sides build the same thing.
#
# CDK comes from the npm registry the first time: bench/cdk/package.json and
# package-lock.json are installed with `npm ci` into bench/cache/cdk-node/
# (ignored by git) and reused while the lock file is unchanged. cdk synth then
# runs offline: an environment-agnostic stack (no lookups),
# --no-version-reporting --no-notices, CDK_DISABLE_VERSION_CHECK=1 and
# CDK_DISABLE_CLI_TELEMETRY=true. The CDK peak RSS is that of the largest
# single process (the CLI or the app it starts, which run at the same time),
# as wait4 reports it to GNU time.
#
# Outputs go to bench/cache/, hyperfine's JSON and text to bench/results/.
# Exits non-zero when a tool is missing (hyperfine, ./fcc, GNU time, node,
# npm), when a build or synth fails, or when the templates differ.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FCC=${FCC:-./fcc}
RUNS=${BENCH_RUNS:-30}
CDK_RUNS=${BENCH_CDK_RUNS:-5}
EXTRA=${BENCH_RESOURCES:-494}
PY=${PYTHON:-python3}
CACHE=$ROOT/bench/cache
RES=$ROOT/bench/results
NODE_DIR=$CACHE/cdk-node

die() {
	echo "bench: $*" >&2
	exit 1
}

command -v hyperfine >/dev/null 2>&1 || die "hyperfine is missing (apt-get install hyperfine, or make deps)"
[ -x "$FCC" ] || die "$FCC is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is missing; it measures peak RSS (apt-get install time)"
command -v node >/dev/null 2>&1 || die "node is missing; cdk synth needs Node.js 18 or later"
command -v npm >/dev/null 2>&1 || die "npm is missing; it installs aws-cdk-lib and the cdk CLI"

mkdir -p "$CACHE" "$RES"

# --- CDK, installed once from bench/cdk/package-lock.json -------------------
if [ ! -x "$NODE_DIR/node_modules/.bin/cdk" ] ||
	! cmp -s bench/cdk/package-lock.json "$NODE_DIR/package-lock.json"; then
	echo "bench: installing aws-cdk-lib, constructs and aws-cdk into $NODE_DIR (npm ci)" >&2
	rm -rf "$NODE_DIR"
	mkdir -p "$NODE_DIR"
	cp bench/cdk/package.json bench/cdk/package-lock.json "$NODE_DIR/"
	npm ci --prefix "$NODE_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error >&2 ||
		die "npm ci failed in $NODE_DIR"
fi
CDK=$NODE_DIR/node_modules/.bin/cdk
NODE_PATH=$NODE_DIR/node_modules
CDK_DISABLE_VERSION_CHECK=1
CDK_DISABLE_CLI_TELEMETRY=true
export NODE_PATH CDK_DISABLE_VERSION_CHECK CDK_DISABLE_CLI_TELEMETRY
CDK_FLAGS="--app 'node bench/cdk/app.js' --no-version-reporting --no-notices --no-path-metadata --quiet"

# --- inputs -----------------------------------------------------------------
EXAMPLE=examples/forecast-mlops/project.spec
BIG=$("$PY" bench/gen_build_spec.py --resources "$EXTRA" --out "$CACHE") ||
	die "bench/gen_build_spec.py failed"
SEED_ZIP=$CACHE/fcc-example/seed-code.zip

# Median in milliseconds from a hyperfine JSON export (one command).
median_ms() {
	"$PY" -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$1"
}

# Peak resident set size in KiB of one run of "$@", from GNU time's verbose report.
peak_rss_kib() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null |
		sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p'
}

# Run "$@" once; on failure show its output and stop, since timing a failing
# build would time the error path.
must() {
	log=$RES/$1.log
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "bench: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

# The cdk command line for one variant: $1 extra resources, $2 output directory.
cdk_cmd() {
	echo "env FCC_BENCH_EXTRA=$1 FCC_BENCH_SEED_ZIP=$SEED_ZIP $CDK synth $CDK_FLAGS -o $2"
}

# --- one build each, and the templates compared --------------------------------
must fcc-example "$FCC" build "$EXAMPLE" -o "$CACHE/fcc-example"
must fcc-big "$FCC" build "$BIG" -o "$CACHE/fcc-big"
must fcc-example-json "$FCC" build "$EXAMPLE" -o "$CACHE/cmp-example" --template-format json
must fcc-big-json "$FCC" build "$BIG" -o "$CACHE/cmp-big" --template-format json
must cdk-example sh -c "$(cdk_cmd 0 "$CACHE/cdk-example")"
must cdk-big sh -c "$(cdk_cmd "$EXTRA" "$CACHE/cdk-big")"

"$PY" - "$CACHE" <<'EOF' || die "the fcc and cdk templates differ (see above)"
import json, os, sys
cache = sys.argv[1]
def shape(t):
    return {
        "Parameters": sorted(t.get("Parameters", {})),
        "Outputs": sorted(t.get("Outputs", {})),
        "Resources": sorted((k, v["Type"]) for k, v in t.get("Resources", {}).items()),
    }
bad = 0
for name in ("example", "big"):
    f = json.load(open(os.path.join(cache, "cmp-" + name, "template.json")))
    c = json.load(open(os.path.join(cache, "cdk-" + name, "ForecastMlops.template.json")))
    sf, sc = shape(f), shape(c)
    for sec in sf:
        if sf[sec] != sc[sec]:
            bad = 1
            print("bench: %s: %s differ: only fcc %s, only cdk %s" % (
                name, sec, sorted(set(sf[sec]) - set(sc[sec]))[:5],
                sorted(set(sc[sec]) - set(sf[sec]))[:5]), file=sys.stderr)
    if not bad:
        print("%-8s fcc and cdk templates: %d parameters, %d resources, %d outputs, same ids and types" % (
            name, len(sf["Parameters"]), len(sf["Resources"]), len(sf["Outputs"])))
sys.exit(bad)
EOF

# --- timings ----------------------------------------------------------------
HF="hyperfine --style basic -N"
$HF --warmup 3 --runs "$RUNS" --export-json "$RES/build-fcc-example.json" \
	-n "fcc build example" "$FCC build $EXAMPLE -o $CACHE/fcc-example" >"$RES/build-fcc-example.txt"
$HF --warmup 3 --runs "$RUNS" --export-json "$RES/build-fcc-big.json" \
	-n "fcc build +$EXTRA" "$FCC build $BIG -o $CACHE/fcc-big" >"$RES/build-fcc-big.txt"
$HF --warmup 1 --runs "$CDK_RUNS" --export-json "$RES/build-cdk-example.json" \
	-n "cdk synth example" "$(cdk_cmd 0 "$CACHE/cdk-example")" >"$RES/build-cdk-example.txt"
$HF --warmup 1 --runs "$CDK_RUNS" --export-json "$RES/build-cdk-big.json" \
	-n "cdk synth +$EXTRA" "$(cdk_cmd "$EXTRA" "$CACHE/cdk-big")" >"$RES/build-cdk-big.txt"
$HF --warmup 1 --runs "$CDK_RUNS" --export-json "$RES/build-cdkapp-example.json" \
	-n "node app.js example" "env CDK_OUTDIR=$CACHE/cdkapp-example FCC_BENCH_EXTRA=0 FCC_BENCH_SEED_ZIP=$SEED_ZIP node bench/cdk/app.js" \
	>"$RES/build-cdkapp-example.txt"
$HF --warmup 1 --runs "$CDK_RUNS" --export-json "$RES/build-cdkapp-big.json" \
	-n "node app.js +$EXTRA" "env CDK_OUTDIR=$CACHE/cdkapp-big FCC_BENCH_EXTRA=$EXTRA FCC_BENCH_SEED_ZIP=$SEED_ZIP node bench/cdk/app.js" \
	>"$RES/build-cdkapp-big.txt"

fe=$(median_ms "$RES/build-fcc-example.json")
fb=$(median_ms "$RES/build-fcc-big.json")
ce=$(median_ms "$RES/build-cdk-example.json")
cb=$(median_ms "$RES/build-cdk-big.json")
ae=$(median_ms "$RES/build-cdkapp-example.json")
ab=$(median_ms "$RES/build-cdkapp-big.json")
rfe=$(peak_rss_kib "$FCC" build "$EXAMPLE" -o "$CACHE/fcc-example")
rfb=$(peak_rss_kib "$FCC" build "$BIG" -o "$CACHE/fcc-big")
rce=$(peak_rss_kib sh -c "exec $(cdk_cmd 0 "$CACHE/cdk-example")")
rcb=$(peak_rss_kib sh -c "exec $(cdk_cmd "$EXTRA" "$CACHE/cdk-big")")

"$PY" - "$EXTRA" "$RUNS" "$CDK_RUNS" "$fe" "$fb" "$ce" "$cb" "$ae" "$ab" "$rfe" "$rfb" "$rce" "$rcb" <<'EOF'
import sys
extra, runs, cdk_runs = sys.argv[1:4]
fe, fb, ce, cb, ae, ab = map(float, sys.argv[4:10])
rfe, rfb, rce, rcb = map(int, sys.argv[10:14])
def verdict(ok):
    return "meets" if ok else "MISSES"
print("fcc build vs cdk synth (hyperfine medians: fcc %s runs, cdk %s runs; GNU time peak RSS)" % (runs, cdk_runs))
print("%-12s %14s %14s %10s %14s %14s %9s" % ("input", "fcc median", "cdk median", "cdk/fcc",
                                               "fcc RSS", "cdk RSS", "cdk/fcc"))
for name, f, c, rf, rc in (("example", fe, ce, rfe, rce), ("+%s res" % extra, fb, cb, rfb, rcb)):
    print("%-12s %11.2f ms %11.2f ms %9.0fx %10d KiB %10d KiB %8.1fx" % (name, f, c, c / f, rf, rc, rc / rf))
print("node app.js alone (no cdk CLI): example %.2f ms, +%s res %.2f ms" % (ae, extra, ab))
print("targets:")
print("  example median < 10 ms          %8.2f ms    %s" % (fe, verdict(fe < 10)))
print("  example peak RSS < 15 MiB       %8.2f MiB   %s" % (rfe / 1024, verdict(rfe < 15 * 1024)))
print("  +%s resources median < 200 ms %8.2f ms    %s" % (extra, fb, verdict(fb < 200)))
print("  >= 100x faster than cdk synth   %8.0fx / %.0fx  %s" % (ce / fe, cb / fb, verdict(ce / fe >= 100 and cb / fb >= 100)))
EOF
