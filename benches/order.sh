#!/bin/sh
# Scheduling order: `tck run --order slow-first` against path order at -j2,
# measured in the same run, after one run that records the durations.
# Target: slow-first finishes the suite on qemu:///system at least 15%
# sooner than path order.
#
#   benches/order.sh                                # synthetic suite (below)
#   MODE=uri benches/order.sh                       # built-in suite on qemu:///system
#   MODE=uri URI=test:///default FILTER='area(domain)' ROUNDS=5 benches/order.sh
#   TCK=target/debug/tck JOBS=4 benches/order.sh    # another binary or -j
#
# synthetic: external scripts that sleep for skewed durations (most are
# short, two are long, the longest comes last in path order), like a suite
# whose few guest-booting scripts dominate; no libvirt is needed
# (--no-fixture). uri: the built-in scripts on URI, with the libvirt fixture
# under a private prefix (PREFIX, default tckb-: short, so bridge names
# fit) and the guest media of MEDIA (default /var/cache/tck/media).
#
# Every round runs both orders, alternating, and the best wall time of each
# is kept. Every run must be healthy (exit 0; in uri mode with
# conf/known-broken applied): a run whose guests fail at once is short and
# would flatter whichever order it fell on. In uri mode one run at -j1
# (SOLO=0 skips it) gives each script's duration with nothing beside it,
# and so the lower bound that no order at -jN can beat. The run history
# lives in the temporary directory, never in the user's cache (KEEP=1
# keeps that directory, with each run's JSON report and console output).
set -eu

MODE=${MODE:-synthetic}
URI=${URI:-qemu:///system}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-3}
PREFIX=${PREFIX:-tckb-}
FILTER=${FILTER:-all()}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${TCK:-}" ]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml"
    TCK="$root/target/release/tck"
fi

dir=$(mktemp -d)
# The guests' disks live under the scratch directory here: the QEMU
# processes (another user) must be able to reach them.
chmod 755 "$dir"
# On every exit, Ctrl-C included: nothing left under the bench's prefix
# (a run that was interrupted leaves its objects, and the next bench run
# would refuse to start), then the directory unless KEEP is set.
cleanup() {
    if [ -f "$dir/tck.toml" ]; then
        "$TCK" clean --config "$dir/tck.toml" >/dev/null 2>&1 ||
            echo "objects under $PREFIX may be left on $URI: remove them with tck clean and a configuration that sets prefix = \"$PREFIX\"" >&2
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TCK_HISTORY_DIR="$dir/history"
unset TCK_CONFIG || true

case "$MODE" in
synthetic)
    mkdir "$dir/suite"
    # id:seconds. 8.4 s of work in all: 4.2 s is the best possible at -j2.
    for spec in 010:0.3 020:0.3 030:2.0 040:0.3 050:0.3 060:0.5 \
                070:0.3 080:0.3 090:0.3 100:0.5 110:0.3 120:3.0; do
        id=${spec%%:*}
        secs=${spec#*:}
        f="$dir/suite/$id-sleep.sh"
        printf '#!/bin/sh\nsleep %s\necho 1..1\necho ok 1 - slept %s s\n' "$secs" "$secs" >"$f"
        chmod +x "$f"
    done
    set -- run -q --no-fixture --scratch-dir "$dir/scratch" "$dir/suite"
    what="synthetic suite (12 scripts, 8.4 s of sleep)"
    ;;
uri)
    printf 'uri = "%s"\nprefix = "%s"\nscratch_dir = "%s"\n' "$URI" "$PREFIX" "$dir/scratch" >"$dir/tck.toml"
    # Guest media prepared in the default cache (`tck prepare`) are shared,
    # so that the scripts needing a booted guest run as they do for users.
    media=${MEDIA:-/var/cache/tck/media}
    if [ -d "$media" ]; then
        mkdir -p "$dir/scratch" && ln -s "$media" "$dir/scratch/media"
    fi
    set -- run -q --config "$dir/tck.toml" --filter "$FILTER" \
        --known-broken "$root/conf/known-broken"
    what="built-in scripts on $URI (filter: $FILTER)"
    ;;
*)
    echo "MODE is synthetic or uri" >&2
    exit 2
    ;;
esac

now() { date +%s.%N; }
# Wall time of "$@" in seconds, in $took. Every measured run must be
# healthy: a run with an unexpected result (in uri mode, one that
# conf/known-broken does not mask) is not a measurement of the order, so
# the bench stops and shows it. (A guest that cannot read its disk fails
# in a tenth of a second, which would make any order look fast.)
took=""
runs=0
time_it() {
    runs=$((runs + 1))
    t0=$(now)
    status=0
    "$@" >"$dir/out-$runs" 2>&1 || status=$?
    t1=$(now)
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    if [ "$status" -ne 0 ]; then
        echo "run $runs ($*) exited $status: not a healthy run, so not measured:" >&2
        tail -n 25 "$dir/out-$runs" >&2
        exit 1
    fi
    printf '  run %d: %-40s %.3f s\n' "$runs" "${order_name:-}" "$took"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

printf '%s, -j%d, %d rounds\n' "$what" "$JOBS" "$ROUNDS"
# The recording run (path order), and in uri mode one run at -j1: each
# script's duration with nothing beside it, for the lower bound below.
order_name="recording (path order)"
time_it "$TCK" "$@" -j"$JOBS"
solo=""
if [ "$MODE" = uri ] && [ "${SOLO:-1}" = 1 ]; then
    order_name="-j1, for the durations alone"
    time_it "$TCK" "$@" -j1 --json "$dir/solo.json"
    solo="$dir/solo.json"
fi
path_best=""
slow_best=""
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    order_name="path order"
    time_it "$TCK" "$@" -j"$JOBS" --order path --json "$dir/path-$r.json"
    path_best=$(min "$path_best" "$took")
    order_name="slow-first"
    time_it "$TCK" "$@" -j"$JOBS" --order slow-first --json "$dir/slow-$r.json"
    slow_best=$(min "$slow_best" "$took")
    r=$((r + 1))
done

gain=$(awk -v p="$path_best" -v s="$slow_best" 'BEGIN { print (p - s) / p * 100 }')
printf 'path order:  %.3f s (best)\n' "$path_best"
printf 'slow-first:  %.3f s (best)\n' "$slow_best"
printf 'slow-first is %.1f%% sooner (target >= 15%% on qemu:///system)\n' "$gain"
# No order can finish before max(sum of durations / jobs, longest script).
# With the durations of the -j1 run (nothing beside a script) that bound
# holds for every order at -j N, since running beside another script never
# makes a script faster; with the durations of the -j N runs it also counts
# the contention those runs had.
python3 - "$JOBS" "$path_best" "$slow_best" "$solo" "$dir"/slow-*.json <<'PY'
import json, sys
jobs, path, slow, solo = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def bound(f):
    d = [s.get("duration", 0) or 0 for s in json.load(open(f))["scripts"]]
    return max(sum(d) / jobs, max(d, default=0))
def say(what, b):
    print(f"lower bound, {what}: {b:.3f} s; slow-first is within {100 * (slow - b) / b:.1f}% of it,"
          f" and no order could be more than {100 * (path - b) / path:.1f}% sooner than path order")
say(f"durations at -j{jobs}", min(bound(f) for f in sys.argv[5:]))
if solo:
    say("durations alone (-j1)", bound(solo))
PY
if awk -v g="$gain" 'BEGIN { exit !(g >= 15) }'; then echo "target met"; else echo "target NOT met"; exit 1; fi
