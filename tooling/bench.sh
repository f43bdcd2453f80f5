#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark (bench/, crate cwp-bench): what choosing pids costs, in
# guest instructions. Boots the kernel CWP_BENCH_BOOTS times (3) with a
# clock that counts instructions (QEMU -icount shift=0, one vCPU) and runs
# "cwp-bench run" in each, CWP_BENCH_JOBS (2) boots at a time: their
# figures count instructions, which the host's load does not change. Then
# it boots once more, alone, with 2 vCPUs (MTTCG) for the wall-clock
# scaling figure ("cwp-bench scaling"), and merges the boots on the host
# ("cwp-bench report"). The table goes to out/bench/latest.txt and
# is printed, its last line "bench: ..."; the merged figures to
# out/bench/latest.csv; each boot's output to out/bench/boot-K.log and
# out/bench/scaling.log. About 15 minutes under TCG. It prints figures; it
# is not a test.
# Usage: bench.sh [cwp-bench run options]   (e.g. --rounds 3; --help)
# Environment: CWP_KERNEL=bzImage (default: the normal build's),
# CWP_BENCH_BOOTS=3, CWP_BENCH_JOBS=2, CWP_BENCH_SCALING="--runs 5" (options of
# "cwp-bench scaling", or "none" to skip it).
. "$(dirname "$0")/lib.sh"
cd "$REPO"

start=$SECONDS
elapsed() {
	local s=$((SECONDS - start))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}
progress() { step bench "[$(elapsed)] $*"; }

kernel=${CWP_KERNEL:-$BUILD_NORMAL/arch/x86/boot/bzImage}
[ -f "$kernel" ] || die "no kernel at $kernel: run 'make kernel' first"
boots=${CWP_BENCH_BOOTS:-3}
jobs=${CWP_BENCH_JOBS:-2}
scaling=${CWP_BENCH_SCALING:---runs 5}
dir=$OUT/bench
mkdir -p "$dir"
rm -f "$dir"/boot-*.log "$dir/scaling.log"

progress "build: cargo build --release -p cwp-bench"
run_logged "$LOGS/bench-build.log" \
	cargo build --release -p cwp-bench -j"${CWP_CARGO_JOBS:-2}"

# guest LOG LABEL CPUS ACCEL ARGS...: boot the kernel with CPUS vCPUs and
# the QEMU options ACCEL, run "cwp-bench ARGS..." there, its output in LOG;
# the guest's "cwp-bench: ..." progress lines are shown, after LABEL. ASLR
# is off for it (setarch -R): a randomized layout changes how many page
# tables each fork copies, and so the figures from boot to boot.
guest() {
	local log=$1 label=$2 cpus=$3 accel=$4 rc=0
	shift 4
	CWP_KERNEL=$kernel CWP_VM_CPUS=$cpus CWP_VM_MEM=4G CWP_VM_ACCEL=$accel \
		CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-900} "$REPO/tooling/vm.sh" \
		"$(printf '%q ' setarch "$(uname -m)" -R target/release/cwp-bench "$@")" 2>&1 |
		tee "$log" |
		while IFS= read -r line; do
			case $line in
			"cwp-bench: "*) info "[$(elapsed)] $label: ${line#cwp-bench: }" ;;
			esac
		done || rc=$?
	# 125: vm.sh found no exit line. The guest can reset before its serial
	# line has sent it; a complete samples block is printed only at the
	# very end of a run that succeeded.
	if [ $rc -eq 125 ] && grep -q '^--- end ---$' "$log"; then
		info "[$(elapsed)] $label: the guest's exit line was lost; its samples are complete"
		rc=0
	fi
	if [ $rc -ne 0 ] || ! grep -q '^--- end ---$' "$log"; then
		tail -n 30 "$log" >&2
		die "the benchmark failed in the guest (exit $rc); see $log"
	fi
}

icount="-accel tcg,thread=single -icount shift=0,sleep=off,align=off"
running=()
for k in $(seq "$boots"); do
	if [ ${#running[@]} -ge "$jobs" ]; then
		wait "${running[0]}" || die "boot failed"
		running=("${running[@]:1}")
	fi
	progress "boot $k/$boots: instructions (icount, 1 vCPU): per-call rows, trees"
	# Each boot restores the trees in another order (--first).
	guest "$dir/boot-$k.log" "boot $k" 1 "$icount" run --first $((k - 1)) "$@" &
	running+=($!)
done
for pid in "${running[@]}"; do
	wait "$pid" || die "boot failed"
done
progress "$boots instruction-counting boots done"
scaling_opt=()
if [ "$scaling" != none ]; then
	progress "scaling boot: wall clock, 2 vCPUs (MTTCG), 1 restorer against 2"
	read -ra opts <<<"$scaling"
	guest "$dir/scaling.log" scaling 2 "-accel tcg,thread=multi" scaling "${opts[@]}"
	scaling_opt=(--scaling "$dir/scaling.log")
fi

total=$(elapsed)
progress "merge: cwp-bench report over $boots boots (total so far $total)"
target/release/cwp-bench report --csv "$dir/latest.csv" "${scaling_opt[@]}" \
	--total "$total (host build, $boots instruction-counting boots, $jobs at a time, scaling boot)" \
	"$dir"/boot-*.log >"$dir/latest.txt"
progress "done in $(elapsed) (saved: out/bench/latest.txt, out/bench/latest.csv)"
cat "$dir/latest.txt"
