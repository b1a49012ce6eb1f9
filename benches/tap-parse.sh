#!/usr/bin/env bash
# TAP parsing benchmark (a measurement, not a test):
#  1. throughput: `tck parse` against Perl's TAP::Parser on the same
#     generated 14 MB stream (200,000 points with SKIP, TODO, YAML blocks),
#     best of several runs each, in the same run of this script;
#  2. memory: peak resident set size of `tck parse -` reading a ~1 GB
#     stream from a pipe.
# Targets (issue 2): ratio >= 100, peak RSS < 64 MB.
#
# Usage: benches/tap-parse.sh [--quick]   (--quick skips the 1 GB stream)
# Needs: cargo, python3, perl with TAP::Parser (Debian: perl), GNU time
# (Debian: time).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

for tool in python3 perl /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "tap-parse.sh: $tool is needed" >&2; exit 2; }
done
perl -MTAP::Parser -e 1 2>/dev/null || { echo "tap-parse.sh: Perl's TAP::Parser is needed" >&2; exit 2; }

cargo build --release --quiet
tck=target/release/tck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 benches/gen-tap.py --points 200000 > "$work/bench.tap"
bytes=$(stat -c %s "$work/bench.tap")
echo "stream: $work/bench.tap, $bytes bytes, 200000 test points"

# Wall time in seconds of the best of $1 runs of the rest of the arguments.
best_of() {
    local runs=$1; shift
    local best=""
    for _ in $(seq "$runs"); do
        local start end t
        start=$(date +%s%N)
        "$@" > /dev/null
        end=$(date +%s%N)
        t=$(( end - start ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

perl_parse='
    use TAP::Parser;
    open my $fh, "<", $ARGV[0] or die "cannot read $ARGV[0]: $!";
    my $p = TAP::Parser->new({ tap => do { local $/; <$fh> } });
    my $n = 0;
    while (my $r = $p->next) { $n++ }
    print "perl: $n results, ", scalar($p->passed), " passed, ", scalar($p->parse_errors), " parse errors\n";
'
# Both must read the whole stream and agree that it passes.
perl -e "$perl_parse" "$work/bench.tap" >&2
"$tck" parse "$work/bench.tap" | head -3 >&2

t_tck=$(best_of 7 "$tck" parse "$work/bench.tap")
t_json=$(best_of 5 "$tck" parse --format json "$work/bench.tap")
t_perl=$(best_of 3 perl -e "$perl_parse" "$work/bench.tap")
# Each process's fixed start-up cost, on a stream with nothing in it: for
# tck it is mostly the dynamic loading of libvirt and its ~60 libraries
# (a C program linked with -lvirt pays the same ~7 ms), for Perl loading
# TAP::Parser. Throughput is what remains.
printf '1..0 # empty\n' > "$work/empty.tap"
s_tck=$(best_of 7 "$tck" parse "$work/empty.tap")
s_perl=$(best_of 3 perl -e "$perl_parse" "$work/empty.tap" 2>/dev/null)
ratio() { awk -v a="$t_perl" -v b="$1" 'BEGIN { printf "%.0f", a / b }'; }
tput() { awk -v a="$t_perl" -v sa="$s_perl" -v b="$1" -v sb="$s_tck" 'BEGIN { printf "%.0f", (a - sa) / (b - sb) }'; }
mbps=$(awk -v s="$bytes" -v t="$t_tck" -v st="$s_tck" 'BEGIN { printf "%.0f", s / (t - st) / 1e6 }')
echo "Perl TAP::Parser:              ${t_perl} s (start-up ${s_perl} s)"
echo "tck parse (text summary):      ${t_tck} s (start-up ${s_tck} s): throughput ${mbps} MB/s, $(tput "$t_tck")x Perl's (target >= 100x); whole process $(ratio "$t_tck")x"
echo "tck parse --format json:       ${t_json} s, throughput $(tput "$t_json")x, whole process $(ratio "$t_json")x (also parses every YAML block and writes every point)"

if [ "$quick" = 1 ]; then
    exit 0
fi

# About 1 GB, streamed through a pipe; the plan comes last, as from a
# script that does not know its count in advance.
points=15200000
echo "streaming ~1 GB ($points points) into 'tck parse -' ..."
python3 benches/gen-tap.py --points "$points" --trailing-plan \
    | tee >(wc -c > "$work/bytes") \
    | /usr/bin/time -f "%M %e" -o "$work/time" "$tck" parse - > "$work/summary"
sleep 1 # let wc finish
read -r rss_kb secs < "$work/time"
head -3 "$work/summary"
awk -v kb="$rss_kb" -v s="$secs" -v b="$(cat "$work/bytes")" \
    'BEGIN { printf "stream: %d bytes; peak RSS: %.1f MB (target < 64 MB), %s s wall (generator included)\n", b, kb / 1024, s }'
