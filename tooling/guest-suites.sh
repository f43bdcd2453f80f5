# SPDX-License-Identifier: GPL-2.0
# The guest suites that "make check" runs and "make mutants" runs again
# for every mutant; sourced after lib.sh and results.sh, with $results set.

# guest_tests NAME VMFLAGS -- PROGRAM...: run programs in one guest boot,
# then count the KTAP results of each, and the KUnit results of the boot.
guest_tests() {
	local name=$1 vmflags=$2 log=$LOGS/guest-$1.log rc=0
	shift 3
	info "running $# test programs in one guest boot (log: $log)"
	"$REPO/tooling/vm.sh" $vmflags "$REPO/tooling/run-tests.sh" "$@" \
		>"$log" 2>&1 || rc=$?
	record_vm "$name" $rc "$log"
	local t part=$OUT/part.txt status prefix
	for t in "$@"; do
		program_output "$log" "$t" >"$part"
		status=$(program_status "$log" "$t")
		prefix="$name/$(basename "$(dirname "$t")")/$(basename "$t")/"
		if [ -z "$status" ]; then
			record FAIL "${prefix%/}" "did not finish"
			continue
		fi
		# The upstream test casts libcap's cap_t to its own struct, which
		# libcap >= 2.5x no longer matches (a field precedes the header),
		# so cap_set_proc() gets a bogus set: it fails the same way on the
		# stock kernel. Our own kselftests cover CAP_CHECKPOINT_RESTORE.
		if [[ $t == */clone3_cap_checkpoint_restore ]] &&
		   grep -q '^cap_set_proc: Operation not permitted' "$part"; then
			record SKIP "${prefix%/}" "libcap layout, fails on the stock kernel too"
			continue
		fi
		record_ktap "$part" "$status" "$prefix"
	done
	local console=$LOGS/console-normal.log
	[ "$vmflags" = --debug ] && console=$LOGS/console-debug.log
	"$REPO/tooling/ktap.py" --prefix "$name/kunit/" --results "$results" \
		<(sed -n '/KTAP version\|TAP version/,$p' "$console" | grep -v '@@') || true
}

# cwp64 and cwp32: the 64-bit and the compat builds (ia32 on x86_64,
# AArch32 on arm64).
cwp_programs() {
	local bits
	for bits in 64 32; do
		ls "$ARCH_OUT/selftests/cwp$bits"/clone_with_pids_* 2>/dev/null |
			grep -v '\.[ch]$' || true
	done
}

# The upstream clone3 kselftests, run next to ours.
clone3_programs() {
	printf '%s\n' "$ARCH_OUT"/selftests/clone3/clone3{,_clear_sighand,_set_tid,_cap_checkpoint_restore}
}
