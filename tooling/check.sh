#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test runner behind "make run", "make check" and "make hardening".
# Every test appends "PASS|FAIL|SKIP name" to out/results.txt; the last
# line printed is "N passed, N failed[, N skipped]".
# Usage: check.sh run|check|hardening
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
results=$OUT/results.txt
: >"$results"

. "$REPO/tooling/results.sh"
. "$REPO/tooling/guest-suites.sh"

summary() {
	local p f s
	p=$(grep -c '^PASS ' "$results" || true)
	f=$(grep -c '^FAIL ' "$results" || true)
	s=$(grep -c '^SKIP ' "$results" || true)
	if [ "$f" -gt 0 ]; then
		echo "failed:" >&2
		grep '^FAIL ' "$results" | sed 's/^/    /' >&2
	fi
	# A run that counted nothing has failed, whatever it says.
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "no test ran" >&2
		f=1
	fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

build_all() {
	step "1/$steps" "installing what is missing (≈4 min on a fresh machine)"
	"$REPO/tooling/setup.sh"
	step "2/$steps" "unpacking the pinned kernel if needed (≈2 min once)"
	"$REPO/tooling/kernel-tree.sh"
	step "3/$steps" "applying the series to $TREE"
	"$REPO/tooling/series.sh" --format-patch
	if [ "$mode" = check ]; then
		# Its last build is the normal kernel (see tooling/gates.sh).
		step "4/$steps" "building the kernel after every patch, with clippy (≈20 min when the series changed; logs: $LOGS/bisect-N.log)"
		"$REPO/tooling/gates.sh" bisect "$results"
	else
		step "4/$steps" "building the kernel (≈8 min cold, <1 min warm; log: $LOGS/build-normal.log)"
	fi
	"$REPO/tooling/build-kernel.sh" normal
	step "5/$steps" "building the test programs"
	"$REPO/tooling/build-selftests.sh"
}

case $mode in
run)
	steps=6
	build_all
	step "6/$steps" "booting the guest and running the kselftests"
	mapfile -t progs < <(cwp_programs)
	[ ${#progs[@]} -gt 0 ] || die "no clone_with_pids kselftests were built"
	guest_tests kselftests "" -- "${progs[@]}"
	sed -n '/^@@BEGIN/,$p' "$LOGS/guest-kselftests.log" | sed -n 's|^@@BEGIN \(.*\)|# === \1|p; /^@@/!p'
	summary
	;;
check)
	steps=9
	build_all
	step "6/$steps" "host-side gates: checkpatch, rustfmt, rustdoc, git am, man page"
	"$REPO/tooling/gates.sh" others "$results"
	mapfile -t progs < <(cwp_programs)
	mapfile -t clone3 < <(clone3_programs)
	extra=()
	[ -n "${CWP_FAIL_CANARY:-}" ] && extra=("$REPO/tooling/fail-canary.sh")
	step "7/$steps" "booting the guest: kselftests, clone3 suite, KUnit"
	guest_tests guest "" -- "${progs[@]}" "${clone3[@]}" "${extra[@]}"
	if [ -f "$REPO/tooling/userspace-tests.sh" ]; then
		step "8/$steps" "restart tools: crate, CLI and C sample"
		record_script userspace "$REPO/tooling/userspace-tests.sh" "$results"
	fi
	# The full hardening needs a debug kernel and ≈45 min: make hardening.
	step "9/$steps" "hardening, short and seeded, in the normal kernel (≈30 s)"
	record_script hardening "$REPO/tooling/hardening.sh" "$results" normal
	summary
	;;
hardening)
	steps=7
	build_all
	step "6/$steps" "building the debug kernel (≈10 min cold; log: $LOGS/build-debug.log)"
	"$REPO/tooling/build-kernel.sh" debug
	step "7/$steps" "hardening in the debug kernel (≈32 min; CWP_HARDENING_FULL=0: ≈6 min)"
	record_script hardening "$REPO/tooling/hardening.sh" "$results" debug
	summary
	;;
*) die "unknown mode $mode" ;;
esac
