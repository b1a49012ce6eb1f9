#!/usr/bin/env python3
"""Generate a large, valid TAP stream for benchmarking `tck parse`.

Mixes plain passes, SKIPs, TODOs (failing and passing), failures with YAML
diagnostic blocks (nested mappings and a literal block; no blank line
inside, which Perl's YAMLish reader cannot read) and comments, about 70 bytes per test point on average.

    gen-tap.py --points 200000 > bench.tap        # about 14 MB, plan first
    gen-tap.py --points 15000000 --trailing-plan  # about 1 GB, streamed

The stream says "TAP version 13" so that Perl's TAP::Parser 3.44 reads it
to the end (it rejects 14); tck reads 13 as 14.
"""

import argparse
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--trailing-plan", action="store_true",
                    help="print the plan after the points (a stream of unknown length)")
    args = ap.parse_args()

    out = sys.stdout
    buf = []
    write = buf.append
    write("TAP version 13\n")
    if not args.trailing_plan:
        write(f"1..{args.points}\n")
    for n in range(1, args.points + 1):
        area = ("domain", "network", "storage", "nodedev", "secret")[n % 5]
        if n % 10 == 0:
            write(f"not ok {n} - {area} check {n} behaves as documented # TODO bug {n % 997}\n")
        elif n % 7 == 0:
            write(f"ok {n} - {area} check {n} # SKIP unsupported by driver\n")
        elif n % 23 == 0:
            write(f"ok {n} - {area} check {n} passes # todo fixed in 11.3\n")
        elif n % 25 == 0:
            write(
                f"not ok {n} - {area} lookup {n} # TODO flaky on this host\n"
                "  ---\n"
                f"  message: \"lookup of tck-dom-{n} failed\"\n"
                "  got: 42\n"
                "  expected: 43\n"
                "  libvirt:\n"
                "    code: 42\n"
                "    domain: 10\n"
                "  detail: |\n"
                "    first line\n"
                "    second line\n"
                "  ...\n"
            )
        else:
            write(f"ok {n} - {area} check {n} passes with the expected result, fine\n")
        if n % 1000 == 0:
            write(f"# {n} points so far\n")
            out.write("".join(buf))
            buf.clear()
    if args.trailing_plan:
        write(f"1..{args.points}\n")
    out.write("".join(buf))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
