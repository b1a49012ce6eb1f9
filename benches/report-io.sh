#!/bin/sh
# Report I/O benchmark (issue 5): for a run of 100,000 test points, time
# writing the XML report and reading it back, each against parsing the same
# TAP, all in one process (best of 15); then read the report in a fresh
# process and report its peak resident memory against the file size.
# Targets: write and read each <= 2x the parse time; RSS < 10x the file size.
#
# usage: benches/report-io.sh [SCRIPTS POINTS_PER_SCRIPT]   (default 100 1000)
set -eu
cd "$(dirname "$0")/.."
scripts=${1:-100}
points=${2:-1000}
cargo build -q --release --example report_io
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=target/release/examples/report_io
"$bin" run "$work" "$scripts" "$points"
"$bin" read "$work/report.xml"
"$bin" scan "$work/report.xml"
