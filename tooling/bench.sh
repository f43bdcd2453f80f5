#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the benchmark (bench/) and run it once in one guest boot. Its table
# goes to out/bench/latest.txt and is printed, its CSV to
# out/bench/latest.csv, the whole guest output to out/bench/latest.log.
# It prints figures; it is not a test. Takes about 5 minutes under TCG.
# Usage: bench.sh [cwp-bench options]   (e.g. --calls 100 --runs 3; --help)
. "$(dirname "$0")/lib.sh"
cd "$REPO"

run_logged "$LOGS/bench-build.log" \
	cargo build --release -p cwp-bench -j"${CWP_CARGO_JOBS:-2}"
mkdir -p "$OUT/bench"
log=$OUT/bench/latest.log
step bench "running target/release/cwp-bench in the guest (log: $log)"
# The guest's stdout and stderr share one serial line: progress lines come
# first, then the table, then "--- csv ---" and the CSV.
rc=0
CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-1500} "$REPO/tooling/vm.sh" \
	"$(printf '%q ' target/release/cwp-bench "$@")" >"$log" 2>&1 || rc=$?
if [ $rc -ne 0 ] || ! grep -q '^--- csv ---$' "$log"; then
	tail -n 30 "$log" >&2
	die "the benchmark failed (exit $rc); see $log"
fi
sed -n '/^clone_with_pids benchmark$/,/^--- csv ---$/p' "$log" |
	sed '$d' >"$OUT/bench/latest.txt"
sed '1,/^--- csv ---$/d' "$log" >"$OUT/bench/latest.csv"
cat "$OUT/bench/latest.txt"
echo "(saved: out/bench/latest.txt, out/bench/latest.csv)"
