#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the leaf results of KTAP/TAP output (kselftest harness, KUnit).

Reads the named files (or stdin), and appends one line per leaf test to the
results file: "PASS|FAIL <prefix>/<name>", or "SKIP <prefix>/<name> # reason"
(printed too: a skip says why). A result line that closes a
block of deeper-indented results is a suite or a parameterised test, not a
leaf, and is not counted. The outermost plan ("1..N") is checked too: fewer
results than it announces (a program or a suite that dropped out) is a
failure, "<prefix>plan". Exits 1 when anything failed.
"""

import argparse
import re
import sys

RESULT = re.compile(r"^(?P<indent>\s*)(?P<not>not )?ok (?P<num>\d+)(?: -)?\s*(?P<rest>.*)$")
PLAN = re.compile(r"^(?P<indent>\s*)1\.\.(?P<count>\d+)\s*$")
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def strip(raw):
    """A line without its newline and its kernel log timestamp, if any."""
    return TIMESTAMP.sub("", raw.rstrip("\r\n"))


def plan_shortfall(lines):
    """Returns (planned, reported) when the outermost plan announces more
    results than there are at its level, else None."""
    plan = None
    for line in map(strip, lines):
        m = PLAN.match(line)
        if m and (plan is None or len(m.group("indent")) < plan[0]):
            plan = (len(m.group("indent")), int(m.group("count")))
    if plan is None:
        return None
    indent, planned = plan
    reported = sum(
        1
        for line in map(strip, lines)
        if (m := RESULT.match(line)) and len(m.group("indent").expandtabs()) == indent
    )
    return (planned, reported) if reported < planned else None


def leaves(lines):
    """Yields (status, name, reason) for every leaf result in the KTAP
    lines; reason is a skip's, else empty."""
    deepest_since = {}
    last_indent = None
    for raw in lines:
        # KUnit lines in a kernel log carry a "[    1.234] " timestamp.
        line = strip(raw)
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
        directive = directive.strip()
        reason = ""
        if directive.upper().startswith("SKIP"):
            status = "SKIP"
            reason = directive[4:].strip(" :") or "no reason given"
        elif m.group("not"):
            status = "FAIL"
        else:
            status = "PASS"
        yield status, name.strip(), reason


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
        for status, name, reason in leaves(lines):
            if status == "SKIP":
                out.write(f"SKIP {args.prefix}{name} # {reason}\n")
                print(f"    SKIP {args.prefix}{name}: {reason}", file=sys.stderr)
                continue
            out.write(f"{status} {args.prefix}{name}\n")
            failed += status == "FAIL"
        short = plan_shortfall(lines)
        if short:
            out.write(f"FAIL {args.prefix}plan\n")
            print(f"    FAIL {args.prefix}plan: {short[0]} planned, {short[1]} reported",
                  file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
