#!/bin/sh
# Harness overhead: `tck run -j2` against `prove -j2` on the same directory of
# 500 trivial executable TAP scripts (shell, 3 points each), measured in the
# same run. Target: tck takes at most half of prove's wall time.
#
#   benches/harness-overhead.sh            # 500 scripts, -j2, best of 3 rounds
#   N=1000 JOBS=4 ROUNDS=5 benches/harness-overhead.sh
#
# tck runs with --no-fixture: the scripts do not touch libvirt, so neither
# harness does anything but start processes and read TAP.
set -eu

N=${N:-500}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)

command -v prove >/dev/null || { echo "prove (Perl's Test::Harness) is needed" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
tck="$root/target/release/tck"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
# Runs are recorded in the run history: not in the user's cache.
export TCK_HISTORY_DIR="$dir/.history"
i=0
while [ "$i" -lt "$N" ]; do
    f=$(printf '%s/%04d-trivial.t' "$dir" "$i")
    printf '#!/bin/sh\necho 1..3\necho ok 1 - one\necho ok 2 - two\necho ok 3 - three\n' >"$f"
    chmod +x "$f"
    i=$((i + 1))
done

now() { date +%s.%N; }
# Best (smallest) wall time of ROUNDS runs of "$@", in seconds.
best=""
time_it() {
    best=""
    r=0
    while [ "$r" -lt "$ROUNDS" ]; do
        t0=$(now)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        t1=$(now)
        best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
            'BEGIN { t = b - a; if (best == "" || t < best) best = t; print best }')
        r=$((r + 1))
    done
}

# `--exec ''` runs each file directly, as tck does (without it prove would
# start perl, which then re-executes the #! interpreter).
time_it prove -j"$JOBS" --exec '' "$dir"
prove_s=$best
time_it "$tck" run -q -j"$JOBS" --no-fixture "$dir"
tck_s=$best

ratio=$(awk -v a="$tck_s" -v b="$prove_s" 'BEGIN { print a / b }')
printf 'scripts: %d, jobs: %d, best of %d rounds\n' "$N" "$JOBS" "$ROUNDS"
printf 'prove -j%d: %.3f s\n' "$JOBS" "$prove_s"
printf 'tck run -j%d: %.3f s\n' "$JOBS" "$tck_s"
printf 'ratio tck/prove: %.3f (target <= 0.5)\n' "$ratio"
if awk -v r="$ratio" 'BEGIN { exit !(r <= 0.5) }'; then echo "target met"; else echo "target NOT met"; exit 1; fi
