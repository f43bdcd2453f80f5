#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the leaf results of KTAP/TAP output (kselftest harness, KUnit).

Reads the named files (or stdin), and appends one line per leaf test to the
results file: "PASS|FAIL|SKIP <prefix>/<name>". A result line that closes a
block of deeper-indented results is a suite or a parameterised test, not a
leaf, and is not counted. Exits 1 when any leaf failed.
"""

import argparse
import re
import sys

RESULT = re.compile(r"^(?P<indent>\s*)(?P<not>not )?ok (?P<num>\d+)(?: -)?\s*(?P<rest>.*)$")


def leaves(lines):
    """Yields (status, name) for every leaf result in the KTAP lines."""
    deepest_since = {}
    last_indent = None
    for raw in lines:
        # KUnit lines in a kernel log carry a "[    1.234] " timestamp.
        line = re.sub(r"^\[\s*\d+\.\d+\]\s?", "", raw.rstrip("\r\n"))
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group("indent").expandtabs())
        if last_indent is not None and last_indent > indent:
            last_indent = indent
            continue  # closes a block of subtests
        last_indent = indent
        rest = m.group("rest")
        name, _, directive = rest.partition("#")
        if directive.strip().upper().startswith("SKIP"):
            status = "SKIP"
        elif m.group("not"):
            status = "FAIL"
        else:
            status = "PASS"
        yield status, name.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--results", required=True)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    lines = []
    for f in args.files or ["-"]:
        with (sys.stdin if f == "-" else open(f, errors="replace")) as fh:
            lines += fh.readlines()
    failed = 0
    with open(args.results, "a") as out:
        for status, name in leaves(lines):
            out.write(f"{status} {args.prefix}{name}\n")
            failed += status == "FAIL"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
