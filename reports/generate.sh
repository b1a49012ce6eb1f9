#!/usr/bin/env bash
# Regenerates the reference reports in reports/ from real runs on this
# machine (Debian 12, root, /dev/kvm): see reports/README.md.
#
#   reports/generate.sh              all of them, in this order:
#   reports/generate.sh test         test:///default
#   reports/generate.sh qemu         qemu:///system, libvirt 11.3 / QEMU 10.0 (bookworm-backports)
#   reports/generate.sh lxc          lxc:/// (same libvirt)
#   reports/generate.sh qemu-9.0     qemu:///system, libvirt 9.0 / QEMU 7.2 (bookworm): downgrades
#                                    the packages, runs, then upgrades back to backports
#   reports/generate.sh index        reports/index.html (matrix) and the 9.0 → 11.3 diff
#
# It manages libvirt's daemons itself: it refuses to run while a libvirtd or
# virtlogd it did not start is running, starts its own (libvirtd under
# `tini -s`, so stopped guests are reaped at once, as systemd would), and
# stops exactly those when done.
set -euo pipefail
cd "$(dirname "$0")/.."
out=reports
kb=conf/known-broken
export DEBIAN_FRONTEND=noninteractive

started=()
stop_daemons() {
    for pid in "${started[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${started[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    started=()
}
trap stop_daemons EXIT

start_daemons() {
    if pgrep -x libvirtd >/dev/null || pgrep -x virtlogd >/dev/null; then
        echo "a libvirtd or virtlogd this script did not start is running: stop it first" >&2
        exit 2
    fi
    virtlogd -d
    started+=("$(pgrep -nx virtlogd)")
    (cd / && exec tini -s -- libvirtd) &
    started+=("$!")
    for _ in $(seq 100); do
        virsh -c qemu:///system version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "libvirtd did not come up" >&2
    exit 1
}

# The binary for the installed libvirt, built against its headers.
build() {
    local dir=$1
    cargo build --locked --release --target-dir "$dir" >&2
    echo "$dir/release/tck"
}

run_report() {
    local tck=$1 name=$2
    shift 2
    # Exit status 1 (an unexpected result) is part of what a reference
    # report records; only 2 (could not run) stops the script.
    "$tck" run "$@" --known-broken "$kb" --timer \
        --xml "$out/$name.xml" --html "$out/$name.html" || [ $? -eq 1 ]
}

ensure_backports() {
    local src=/etc/apt/sources.list.d/debian.sources
    if ! grep -q bookworm-backports "$src"; then
        sed -i 's/^Suites: bookworm bookworm-updates$/Suites: bookworm bookworm-updates bookworm-backports/' "$src"
        apt-get update -q
    fi
}

# libvirt and QEMU are split into different packages in 9.0 and 11.3, so a
# switch removes every installed libvirt/QEMU package (configuration files
# stay) and installs the other release's.
installed_virt_packages() {
    dpkg-query -W -f '${Package} ${Status}\n' 'libvirt*' 'qemu-system*' qemu-utils qemu-block-extra 2>/dev/null |
        awk '$NF == "installed" {print $1}'
}

switch_release() {
    local suite=$1 want have
    case "$suite" in
    bookworm-backports) want='~bpo12' ;;
    *) want='9.0.' ;;
    esac
    have=$(dpkg-query -W -f '${Version}' libvirt0 2>/dev/null || true)
    if [[ "$have" == *"$want"* ]] &&
        dpkg-query -W -f '${Status}' libvirt-daemon-driver-lxc 2>/dev/null | grep -q 'ok installed'; then
        return 0
    fi
    ensure_backports
    mapfile -t pkgs < <(installed_virt_packages)
    if [ ${#pkgs[@]} -gt 0 ]; then
        apt-get remove -y -q "${pkgs[@]}" >/dev/null
    fi
    # bookworm (pin 500) is apt's default; backports (pin 100) must be asked for.
    apt-get install -y -q -t "$suite" libvirt-dev libvirt-daemon-system \
        libvirt-daemon-driver-lxc qemu-system-x86 qemu-utils >/dev/null
    echo "installed libvirt $(dpkg-query -W -f '${Version}' libvirt0), QEMU $(dpkg-query -W -f '${Version}' qemu-system-x86)" >&2
}

install_backports() {
    switch_release bookworm-backports
}

install_bookworm() {
    switch_release bookworm
}

step_test() {
    local tck
    tck=$(build target)
    run_report "$tck" test-default
}

step_qemu() {
    local tck
    install_backports
    tck=$(build target)
    start_daemons
    "$tck" prepare --uri qemu:///system
    run_report "$tck" qemu-kvm-libvirt-11.3 --uri qemu:///system --force
    stop_daemons
}

step_lxc() {
    local tck
    install_backports
    tck=$(build target)
    start_daemons
    run_report "$tck" lxc --uri lxc:/// --force
    stop_daemons
}

step_qemu_9() {
    local tck
    install_bookworm
    tck=$(build target/libvirt-9.0)
    start_daemons
    "$tck" prepare --uri qemu:///system
    run_report "$tck" qemu-kvm-libvirt-9.0 --uri qemu:///system --force
    stop_daemons
    install_backports
}

step_index() {
    local tck
    tck=$(build target)
    # Exit status 1 means "regressions": what the diff is for.
    "$tck" compare "$out/test-default.xml" "$out/lxc.xml" \
        "$out/qemu-kvm-libvirt-9.0.xml" "$out/qemu-kvm-libvirt-11.3.xml" \
        --format html --output "$out/index.html" || [ $? -eq 1 ]
    for fmt in html text; do
        ext=$fmt
        [ "$fmt" = text ] && ext=txt
        "$tck" compare "$out/qemu-kvm-libvirt-9.0.xml" "$out/qemu-kvm-libvirt-11.3.xml" \
            --format "$fmt" --output "$out/libvirt-9.0-to-11.3.$ext" || [ $? -eq 1 ]
    done
}

case "${1:-all}" in
test) step_test ;;
qemu) step_qemu ;;
lxc) step_lxc ;;
qemu-9.0) step_qemu_9 ;;
index) step_index ;;
all)
    step_test
    step_qemu
    step_lxc
    step_qemu_9
    step_index
    ;;
*)
    echo "usage: $0 [test|qemu|lxc|qemu-9.0|index|all]" >&2
    exit 2
    ;;
esac
