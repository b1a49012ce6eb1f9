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
# is kept. The run history lives in the temporary directory, never in the
# user's cache.
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
trap 'rm -rf "$dir"' EXIT INT TERM
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
    set -- run -q --no-fixture -j"$JOBS" --scratch-dir "$dir/scratch" "$dir/suite"
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
    set -- run -q --config "$dir/tck.toml" -j"$JOBS" --filter "$FILTER"
    what="built-in scripts on $URI (filter: $FILTER)"
    ;;
*)
    echo "MODE is synthetic or uri" >&2
    exit 2
    ;;
esac

now() { date +%s.%N; }
# Wall time of "$@" in seconds, in $took; a failing run is reported, not
# fatal (a failing script is still a measured run).
took=""
time_it() {
    t0=$(now)
    "$@" >"$dir/out" 2>&1 || true
    t1=$(now)
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# The recording run (path order).
time_it "$TCK" "$@"
if ! grep -q 'Summary' "$dir/out"; then
    echo "the recording run did not complete:" >&2
    cat "$dir/out" >&2
    exit 1
fi
path_best=""
slow_best=""
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    time_it "$TCK" "$@" --order path
    path_best=$(min "$path_best" "$took")
    time_it "$TCK" "$@" --order slow-first --json "$dir/slow-$r.json"
    slow_best=$(min "$slow_best" "$took")
    r=$((r + 1))
done

gain=$(awk -v p="$path_best" -v s="$slow_best" 'BEGIN { print (p - s) / p * 100 }')
printf '%s, -j%d, best of %d rounds\n' "$what" "$JOBS" "$ROUNDS"
printf 'path order:  %.3f s\n' "$path_best"
printf 'slow-first:  %.3f s\n' "$slow_best"
printf 'slow-first is %.1f%% sooner (target >= 15%% on qemu:///system)\n' "$gain"
# No order can finish before the lower bound max(sum of durations / jobs,
# longest script): how far each order is from it, and so the largest gain
# any order could give here (durations from the slow-first runs; a script's
# duration under -j2 includes its share of contention).
python3 - "$JOBS" "$path_best" "$slow_best" "$dir"/slow-*.json <<'PY'
import json, sys
jobs, path, slow = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
bounds = []
for f in sys.argv[4:]:
    d = [s.get("duration", 0) or 0 for s in json.load(open(f))["scripts"]]
    bounds.append(max(sum(d) / jobs, max(d, default=0)))
b = min(bounds)
print(f"lower bound: {b:.3f} s (sum of durations / {jobs}, or the longest script)")
print(f"slow-first is within {100 * (slow - b) / b:.1f}% of it; the most any order could"
      f" save over path order here is {100 * (path - b) / path:.1f}%")
PY
if awk -v g="$gain" 'BEGIN { exit !(g >= 15) }'; then echo "target met"; else echo "target NOT met"; exit 1; fi
