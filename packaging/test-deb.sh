#!/usr/bin/env bash
# Builds the Debian package, installs it on this machine with dpkg -i,
# checks that it works as installed, and purges it again. Root only; for a
# test machine or CI (it installs /usr/bin/tck and /etc/tck/default.toml
# for the duration, which every tck on the machine then reads).
#
#   packaging/test-deb.sh            # build, then test
#   packaging/test-deb.sh FILE.deb   # test a package already built
set -euo pipefail
# A .deb given by a relative path is relative to where we were called.
given=""
if [ $# -ge 1 ]; then
    given=$(realpath "$1")
fi
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "test-deb: needs root (dpkg -i)" >&2; exit 2; }
if dpkg-query -W -f='${Status}' tck 2>/dev/null | grep -q ' installed$'; then
    echo "test-deb: a tck package is already installed; not touching it" >&2
    exit 2
fi

if [ -n "$given" ]; then
    deb=$given
else
    packaging/build-deb.sh >&2
    deb=$(ls -t target/debian/tck_*.deb | head -1)
fi
echo "== $deb"

fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
cleanup() {
    dpkg -P tck >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Control data: dependencies from the binary, the conffile.
info=$(dpkg -I "$deb")
grep -q '^ Depends:.*libvirt0' <<<"$info" || fail "Depends lacks libvirt0: $info"
grep -q '/etc/tck/default.toml' <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" \
    || fail "/etc/tck/default.toml is not a conffile"
# Contents.
list=$(dpkg -c "$deb" | awk '{print $6}')
for f in ./usr/bin/tck ./etc/tck/default.toml ./usr/share/man/man1/tck.1.gz \
    ./usr/share/man/man1/tck-run.1.gz ./usr/share/man/man5/tck-config.5.gz \
    ./usr/share/man/man5/tck-known-broken.5.gz ./usr/share/tck/known-broken/domain.toml \
    ./usr/share/tck/schema/tck-report-1.rng ./usr/share/tck/html/report.html \
    ./usr/share/bash-completion/completions/tck ./usr/share/zsh/vendor-completions/_tck \
    ./usr/share/fish/vendor_completions.d/tck.fish ./usr/share/doc/tck/many-hosts.md; do
    grep -qxF "$f" <<<"$list" || fail "$f is not in the package"
done

echo "== dpkg -i"
dpkg -i "$deb"
cd "$work"
[ "$(command -v tck)" = /usr/bin/tck ] || fail "tck is not /usr/bin/tck"
tck --version
n=$(tck list | wc -l)
[ "$n" -ge 100 ] || fail "tck list shows $n scripts"
echo "tck list: $n scripts"
MANWIDTH=80 man tck | grep -q 'tck-run(1)' || fail "man tck"
MANWIDTH=80 man 5 tck-config | grep -q 'scratch_dir' || fail "man 5 tck-config"
MANWIDTH=80 man tck-merge | grep -q 'allow-missing' || fail "man tck-merge"
echo "man tck, man tck-merge, man 5 tck-config: ok"
bash -c 'source /usr/share/bash-completion/completions/tck && complete -p tck' >/dev/null \
    || fail "bash completion"
# The installed configuration (all defaults) and data.
tck run --scratch-dir "$work/scratch" --known-broken /usr/share/tck/known-broken \
    connect/ --xml r.xml --html r.html
xmllint --noout --relaxng /usr/share/tck/schema/tck-report-1.rng r.xml 2>/dev/null \
    || ! command -v xmllint >/dev/null || fail "the report does not validate"
tck render r.xml -f html -o again.html
grep -q '010-open-close' again.html || fail "tck render"

echo "== dpkg -r, dpkg -P"
dpkg -r tck >/dev/null
[ ! -e /usr/bin/tck ] || fail "/usr/bin/tck left after dpkg -r"
[ -e /etc/tck/default.toml ] || fail "dpkg -r removed the conffile"
dpkg -P tck >/dev/null
[ ! -e /etc/tck/default.toml ] || fail "dpkg -P left /etc/tck/default.toml"
echo "test-deb: ok"
