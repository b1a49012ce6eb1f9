#!/usr/bin/env bash
# Builds the Debian package of tck: target/debian/tck_<version>-1_<arch>.deb.
#
#   packaging/build-deb.sh            # release build, completions, cargo deb
#
# Needs cargo-deb (`cargo install cargo-deb`) and dpkg-dev (dpkg-shlibdeps
# computes the libvirt0/libc6 dependencies from the binary). What goes where,
# and how to test the package: packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null || {
    echo "build-deb: cargo-deb is not installed: cargo install cargo-deb" >&2
    exit 2
}
command -v dpkg-shlibdeps >/dev/null || {
    echo "build-deb: dpkg-shlibdeps is missing: apt-get install dpkg-dev" >&2
    exit 2
}

cargo build --locked --release
tck=target/release/tck

# The committed man pages must be what this CLI generates (tests/man_pages.rs
# checks it too): refuse to package stale pages.
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
"$tck" manpages "$fresh" 2>/dev/null
for page in "$fresh"/*.1; do
    if ! cmp -s "$page" "man/$(basename "$page")"; then
        echo "build-deb: man/$(basename "$page") is out of date: run \`$tck manpages man/\` and commit" >&2
        exit 1
    fi
done

mkdir -p target/completions
"$tck" completions bash >target/completions/tck
"$tck" completions zsh >target/completions/_tck
"$tck" completions fish >target/completions/tck.fish

# Stripped, as Debian ships binaries (the release profile keeps line
# tables for backtraces in cargo-built binaries).
cargo deb --no-build --locked --strip "$@"
