#!/usr/bin/env bash
# The thirteen domain scripts on qemu:///system: wall time at -j1 and -j2,
# measured in the same run (rounds alternate), the speed-up, and the
# fixture overhead per script (benches/fixture_overhead.rs).
#
# Targets (issue 3): -j2 at least 1.6x faster than -j1; -j2 at most 9.5 s
# (a quarter of the Perl kit's 38 s for these scripts); fixture overhead at
# most 20 ms per script.
#
# Usage: benches/domain.sh [--private-daemon]
#   ROUNDS=3   rounds of (-j1, -j2); the best of each is reported
#   URI=qemu:///system
#
# The run uses its own prefix (tck-bNN-) so it never touches other users'
# objects on a shared daemon. Other load on the host skews the figures:
# the load average is printed before and after; aim for < 1.5.
#
# --private-daemon: run against a libvirtd + virtlogd of our own, started
# for the benchmark in a private mount namespace (fresh /run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and a copy of
# /etc/libvirt without guests, networks, pools or secrets) under a child
# subreaper. Why: libvirt's destroy (and save) waits until the QEMU process
# has disappeared, and an exited QEMU stays a zombie until its parent reaps
# it; QEMU is daemonised, so its parent is the nearest subreaper or PID 1.
# Where PID 1 reaps late (e.g. a microVM init that reaps every ~2 s) every
# guest stop costs up to 2 s, which is the host's, not tck's, cost. On a
# host whose init reaps at once (systemd) the shared daemon gives the same
# figures as the private one. Needs root, unshare(1), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
URI="${URI:-qemu:///system}"

if [ "${1:-}" = "--private-daemon" ] && [ -z "${TCK_BENCH_INSIDE:-}" ]; then
    exec python3 - "$0" <<'PY'
import ctypes, os, sys
# PR_SET_CHILD_SUBREAPER: orphans below us (daemonised libvirtd, virtlogd,
# QEMU) are reparented to this process, which reaps them at once.
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
env = dict(os.environ, TCK_BENCH_INSIDE="1")
child = os.fork()
if child == 0:
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                           "bash", sys.argv[1], "--private-daemon"], env)
status = 0
while True:
    try:
        pid, st = os.wait()
    except ChildProcessError:
        break
    if pid == child:
        status = os.waitstatus_to_exitcode(st)
sys.exit(status)
PY
fi

cargo build --release --quiet
TCK="$PWD/target/release/tck"
work=$(mktemp -d)
# QEMU runs as its own user and must reach the disk images scripts put in
# the scratch directory.
chmod 755 "$work"
daemons=()
cleanup() {
    "$TCK" clean --config "$work/tck.toml" >/dev/null 2>&1 || true
    for pid in "${daemons[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

if [ "${1:-}" = "--private-daemon" ]; then
    [ "$(id -u)" = 0 ] || { echo "--private-daemon needs root" >&2; exit 2; }
    # We must be in our own mount namespace before hiding the host's daemon
    # state: a mount here must never reach the host's daemon.
    if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
        echo "not in a private mount namespace; refusing to mount" >&2
        exit 2
    fi
    mkdir -p "$work/etc"
    cp -a /etc/libvirt "$work/etc/libvirt"
    rm -rf "$work"/etc/libvirt/qemu/*.xml "$work"/etc/libvirt/qemu/autostart \
        "$work"/etc/libvirt/qemu/networks "$work"/etc/libvirt/storage \
        "$work"/etc/libvirt/secrets
    mount --bind "$work/etc/libvirt" /etc/libvirt
    for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
        mkdir -p "$d"
        mount -t tmpfs -o mode=0755 tmpfs "$d"
    done
    mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu
    chown libvirt-qemu:libvirt-qemu /var/lib/libvirt/qemu 2>/dev/null || true
    # Pid files inside our private /run/libvirt: the host's daemons hold
    # the default ones in /run.
    virtlogd -d -p /run/libvirt/virtlogd.pid
    libvirtd -d -p /run/libvirt/libvirtd.pid
    for _ in $(seq 100); do
        [ -s /run/libvirt/libvirtd.pid ] && virsh -c "$URI" version >/dev/null 2>&1 && break
        sleep 0.1
    done
    daemons+=("$(cat /run/libvirt/virtlogd.pid)" "$(cat /run/libvirt/libvirtd.pid)")
    echo "private libvirtd (pid ${daemons[1]}) and virtlogd (pid ${daemons[0]}) under a subreaper"
fi

tag=$(printf '%02d' $(( $$ % 100 )))
cat >"$work/tck.toml" <<EOF
uri = "$URI"
prefix = "tck-b$tag-"
scratch_dir = "$work/scratch"
EOF

secs() { # run tck with the given -j, print its wall time in seconds
    local start end
    start=$(date +%s.%N)
    # The thirteen: domain/050 to domain/102 (domain/103 needs a block
    # device and skips before it starts).
    if ! "$TCK" run -q --config "$work/tck.toml" -j "$1" domain/0 domain/10 >"$work/out" 2>&1; then
        cat "$work/out" >&2
        echo "the domain scripts did not all pass at -j$1" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "driver: $(virsh -c "$URI" version 2>/dev/null | grep -i 'running hypervisor' || true)"
best1="" best2=""
for r in $(seq "$ROUNDS"); do
    t1=$(secs 1)
    t2=$(secs 2)
    echo "round $r: -j1 ${t1}s, -j2 ${t2}s"
    if [ -z "$best1" ] || [ "$(echo "$t1 < $best1" | bc)" = 1 ]; then best1=$t1; fi
    if [ -z "$best2" ] || [ "$(echo "$t2 < $best2" | bc)" = 1 ]; then best2=$t2; fi
done
ratio=$(echo "scale=2; $best1 / $best2" | bc)
echo "best: -j1 ${best1}s, -j2 ${best2}s, speed-up ${ratio}x (target >= 1.6x); -j2 total target <= 9.5s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "fixture overhead (target <= 20 ms per script):"
cargo bench --quiet --bench fixture_overhead -- "$URI" 200
