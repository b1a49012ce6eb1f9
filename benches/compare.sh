#!/bin/sh
# Compare benchmark (issue 6), on synthetic reports written with
# report::xml::write (examples/compare_bench.rs):
#  1. two reports of 100,000 test points: reading both, against reading both
#     + comparing + rendering the text diff, in one process (best of 7);
#     target: at most 3x the reading time;
#  2. the same at 10,000 points: 10x the points must take at most 12x the time;
#  3. a 20-report matrix of 10,000 points each, in one process and through
#     the `tck compare` command itself; target: under 5 s.
#
# usage: benches/compare.sh
set -eu
cd "$(dirname "$0")/.."
cargo build -q --release --example compare_bench --bin tck
bin=target/release/examples/compare_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/small" "$work/large" "$work/matrix"
small=$("$bin" pair "$work/small" 10000)
large=$("$bin" pair "$work/large" 100000)
echo "$small"
echo "$large"
# Linearity: end-to-end (read + compare + text) time at 10x the points.
t_small=$(echo "$small" | sed -n 's/.*read + compare + text \([0-9.]*\) ms.*/\1/p')
t_large=$(echo "$large" | sed -n 's/.*read + compare + text \([0-9.]*\) ms.*/\1/p')
awk -v a="$t_small" -v b="$t_large" 'BEGIN { printf "10x the points: %.2fx the time (target <= 12)\n", b / a }'
"$bin" matrix "$work/matrix" 20 10000
start=$(date +%s.%N)
target/release/tck compare "$work"/matrix/r*.xml > "$work/matrix.txt" || true
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$(wc -l < "$work/matrix.txt")" \
    'BEGIN { printf "tck compare of the 20 reports (the command, wall): %.0f ms, %d lines of output (target < 5000 ms)\n", (e - s) * 1000, n }'
