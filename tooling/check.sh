#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test runner behind "make run", "make check" and "make hardening".
# Every test appends "PASS|FAIL|SKIP name" to out/results.txt; the last
# line printed is "N passed, N failed[, N skipped]".
# Usage: check.sh run|check|hardening
#   ONLY=gates|guest|userspace|hardening (check): that part alone, after
#   the builds every part needs.
#   ARCH=arm64 (run, check): the kernel and the guest's programs for
#   arm64, booted on QEMU's virt machine; results in out/arm64/. The
#   host-side gates and the hardening are x86_64's (README, "arm64").
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
only=${ONLY:-}
case $only in "" | gates | guest | userspace | hardening) ;;
*) die "ONLY=$only: say gates, guest, userspace or hardening" ;;
esac
[ -z "$only" ] || [ "$mode" = check ] || die "ONLY= goes with make check"
if [ "$CWP_ARCH" != x86_64 ]; then
	[ "$mode" != hardening ] || die "make hardening: x86_64 only"
	case $only in gates | hardening) die "ONLY=$only: x86_64 only" ;; esac
fi
results=$ARCH_OUT/results.txt
: >"$results"

# Each step's progress line says how long it took on this machine the last
# time it ran (kept in the cache), or, the first time, what to expect.
timings=$CACHE/timings
mkdir -p "$timings"
current=""
current_t0=$SECONDS
step_done() {
	[ -n "$current" ] && echo $((SECONDS - current_t0)) >"$timings/$current"
	current=""
}
# (A step that fails is not timed: the run stops there, with no time to
# learn from.)
# timed_step KEY N/M TEXT FIRST-TIME-ESTIMATE
timed_step() {
	step_done
	local last took
	last=$(cat "$timings/$tkey-$1" 2>/dev/null || true)
	if [ -n "$last" ]; then
		took="last run here: $((last / 60))m$((last % 60))s"
	else
		took="first run: $4"
	fi
	step "$2" "$3 ($took)"
	current=$tkey-$1
	current_t0=$SECONDS
}
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }
# The timings of another architecture's runs are kept apart.
tkey=$mode
[ "$CWP_ARCH" = x86_64 ] || tkey=$mode-$CWP_ARCH

info "make $mode${only:+ ONLY=$only}$([ "$CWP_ARCH" = x86_64 ] || echo " ARCH=$CWP_ARCH"): each step says how long it took here last time;"
info "logs go to $LOGS/, one line a test to $results, a summary comes last."

. "$REPO/tooling/results.sh"
. "$REPO/tooling/guest-suites.sh"

summary() {
	local p f s
	p=$(grep -c '^PASS ' "$results" || true)
	f=$(grep -c '^FAIL ' "$results" || true)
	s=$(grep -c '^SKIP ' "$results" || true)
	if [ "$s" -gt 0 ]; then
		echo "skipped, and why:" >&2
		grep '^SKIP ' "$results" | sed 's/^SKIP /    /; s/ # /: /' >&2
	fi
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
	timed_step setup "1/$steps" "installing what is missing" "≈4 min on a fresh machine"
	"$REPO/tooling/setup.sh"
	timed_step tree "2/$steps" "the kernel tree: $TREE" "≈2 min to unpack"
	"$REPO/tooling/kernel-tree.sh"
	timed_step series "3/$steps" "building the series' commits from series/" "seconds"
	"$REPO/tooling/series.sh" --format-patch
	if [ "$mode" = check ] && wants gates && [ "$CWP_ARCH" = x86_64 ]; then
		# Its last build is the normal kernel (see tooling/gates.sh).
		timed_step bisect "4/$steps" "building the kernel after every patch, with clippy; logs: $LOGS/bisect-N.log" \
			"≈20 min when the series changed, seconds when not"
		"$REPO/tooling/gates.sh" bisect "$results"
	elif [ "$CWP_ARCH" = x86_64 ]; then
		timed_step kernel "4/$steps" "building the kernel; log: $LOGS/build-normal.log" \
			"≈8 min cold, <1 min warm"
	else
		timed_step kernel "4/$steps" "building the $CWP_ARCH kernel; log: $LOGS/build-normal.log" \
			"≈15 min cold, <1 min warm"
	fi
	"$REPO/tooling/build-kernel.sh" normal
	timed_step programs "5/$steps" "building the test programs" "≈1 min"
	"$REPO/tooling/build-selftests.sh"
}

# make vm hands CMD to the guest byte for byte: the guest's shell must
# print what this one prints for a command full of $, quotes and escapes.
vm_cmd_test() {
	local cmd want got
	cmd='x=5; true; echo "x=$x status=$? \$y '"'q'"' \\ $((x * 3))"; printf "%s|" a\ b "c  d"'
	want=$(bash -c "$cmd")
	got=$(make -s --no-print-directory -C "$REPO" -o kernel vm CMD="$cmd" 2>&1) || true
	if [ "$got" = "$want" ]; then
		record PASS tooling/make-vm-cmd-verbatim
	else
		record FAIL tooling/make-vm-cmd-verbatim "the guest printed '$got', this shell '$want'"
	fi
}

case $mode in
run)
	steps=6
	build_all
	timed_step guest "6/$steps" "booting the guest and running the kselftests" "≈1 min"
	mapfile -t progs < <(cwp_programs)
	[ ${#progs[@]} -gt 0 ] || die "no clone_with_pids kselftests were built"
	guest_tests kselftests "" -- "${progs[@]}"
	sed -n '/^@@BEGIN/,$p' "$LOGS/guest-kselftests.log" | sed -n 's|^@@BEGIN \(.*\)|# === \1|p; /^@@/!p'
	step_done
	summary
	;;
check)
	steps=9
	# arm64: no host-side gates (one run covers every architecture, and
	# their architecture gate prepares arm64) and no hardening (its
	# programs are x86 assembly).
	guest_n=7 userspace_n=8
	[ "$CWP_ARCH" = x86_64 ] || { steps=7 guest_n=6 userspace_n=7; }
	build_all
	if wants gates && [ "$CWP_ARCH" = x86_64 ]; then
		timed_step gates "6/$steps" "host-side gates: checkpatch, rustfmt, rustdoc, git am, architectures, round trip, documentation" "≈3 min"
		"$REPO/tooling/gates.sh" others "$results"
	fi
	if wants guest; then
		mapfile -t progs < <(cwp_programs)
		mapfile -t clone3 < <(clone3_programs)
		extra=()
		[ -n "${CWP_FAIL_CANARY:-}" ] && extra=("$REPO/tooling/fail-canary.sh")
		timed_step guest "$guest_n/$steps" "booting the guest: kselftests, clone3 suite, KUnit; then make vm's CMD" "≈2 min"
		guest_tests guest "" -- "${progs[@]}" "${clone3[@]}" "${extra[@]}"
		vm_cmd_test
	fi
	if wants userspace; then
		timed_step userspace "$userspace_n/$steps" "restart tools: crate, CLI and C sample" "≈3 min"
		record_script userspace "$REPO/tooling/userspace-tests.sh" "$results"
	fi
	if wants hardening && [ "$CWP_ARCH" = x86_64 ]; then
		# The full hardening needs a debug kernel and ≈45 min: make hardening.
		timed_step hardening "9/$steps" "hardening, short and seeded, in the normal kernel" "≈1 min"
		record_script hardening "$REPO/tooling/hardening.sh" "$results" normal
	fi
	step_done
	summary
	;;
hardening)
	steps=7
	build_all
	timed_step debug-kernel "6/$steps" "building the debug kernel; log: $LOGS/build-debug.log" "≈10 min cold"
	"$REPO/tooling/build-kernel.sh" debug
	timed_step hardening "7/$steps" "hardening in the debug kernel" "≈32 min; CWP_HARDENING_FULL=0: ≈6 min"
	record_script hardening "$REPO/tooling/hardening.sh" "$results" debug
	step_done
	summary
	;;
*) die "unknown mode $mode" ;;
esac
