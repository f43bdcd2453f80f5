#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The restart tools: the clone_with_pids crate, cwp-restore and the C
# sample. On the host: build them, run the host-runnable unit tests,
# rustfmt, clippy, rustdoc and checkpatch. Then, in one guest boot: the
# crate's kernel tests, the sample (64 and 32 bit), and cwp-restore
# generating, restoring and verifying nested trees (a 3-level one of >= 100
# processes among them), failing cleanly where it must (before creating
# anything when it can tell, else tearing down what it made), and its
# command line: errors as "error: ENAME: ..." with a "hint:" line,
# standard input and output, compare's exit status 0/1/2, --help examples.
#
# Records one "PASS|FAIL|SKIP userspace/NAME" line per test with the shared
# recorders of tooling/results.sh: into RESULTS (as check.sh passes it,
# then it prints a summary), or else into out/userspace-results.txt, and
# then prints them as one KTAP document. Either way the KTAP document is
# kept in out/userspace-tests.ktap. Exits non-zero when anything failed.
# Logs in out/logs/userspace-*.log. About 1 minute warm (the guest part
# about 40 s), 4 minutes cold.
#
# No silent skip: when the booted kernel was built with
# CONFIG_CLONE_WITH_PIDS=y (its build's .config says so; a CWP_KERNEL
# without a .config next to it is taken as built from tooling/config), the
# guest command gets CWP_REQUIRE_SYSCALL=1, and there an "unsupported"
# answer fails the crate's kernel tests instead of skipping them (set
# CWP_REQUIRE_SYSCALL=0 or 1 on the host to decide otherwise). The sample
# and cwp-restore checks never skip. Every part's results are counted
# against what it must produce: the crate's kernel tests against their
# --list, the sample against SAMPLE_BITS x SAMPLE_CASES, cwp-restore
# against RESTORE_TESTS, the host's libtest binaries against their
# "running N tests" and the kernel test's "1..N" plan; a part that falls
# short (or a test that did not run) fails "*/all_results".
#
# Usage: userspace-tests.sh [RESULTS]
# In the guest, tooling/run-tests.sh runs the crate's kernel test binary
# and this script with CWP_USERSPACE_GUEST=1 (programs get no arguments
# there), which runs the sample and cwp-restore part and prints KTAP.

# The guest's results besides the crate's kernel tests: each sample case
# for each of SAMPLE_BITS ("sample${bits}_$case"), and cwp-restore's, in
# the order guest_main runs them. The host checks the guest's results
# against these lists.
SAMPLE_BITS=(64 32)
SAMPLE_CASES=(chosen_pid new_pid_namespace pid_in_use_is_ebusy
	more_pids_than_levels_is_einval)
RESTORE_TESTS=(help_shows_examples gen_3_levels_150_processes
	restore_3_levels_verified restore_3_levels_nested
	restore_3_levels_torn_down restore_reads_stdin
	keep_dump_compare_same_tree dump_stdout_into_compare_stdin
	keep_then_kill_leaves_nothing restore_1000_processes
	compare_same_exits_0 compare_different_exits_1
	compare_trouble_exits_2 restore_32_nested_namespaces
	restore_root_without_init_gets_placeholder
	fails_pid_beyond_pid_max_explained fails_pid_beyond_pid_max_cleans_up
	precheck_pid_max_creates_nothing
	fails_too_deep_explained fails_too_deep_cleans_up
	precheck_too_deep_creates_nothing
	fails_without_capability_explained
	precheck_without_capability_creates_nothing
	fails_duplicate_pid_before_creating_anything)

# ---------------------------------------------------------------- guest --
# Runs as root in the guest, from the repository; writes only to /tmp.
# The sample and cwp-restore, as KTAP (the crate's kernel tests are a
# program of their own).
guest_main() {
	# CWP_RESTORE and CWP_SAMPLES: another architecture's builds.
	local R=${CWP_RESTORE:-target/release/cwp-restore} S=${CWP_SAMPLES:-out/samples}
	local n=0 failed=0 out rc
	local seed=${CWP_SEED:-7} tab=$'\t'

	echo "TAP version 13"
	# ok NAME / not ok NAME DIAGNOSTIC
	ok() { n=$((n + 1)); echo "ok $n $1"; }
	not_ok() {
		n=$((n + 1)); failed=1
		[ -z "$2" ] || printf '%s\n' "$2" | sed 's/^/# /'
		echo "not ok $n $1"
	}
	check() { # check NAME CONDITION-COMMAND...
		local name=$1
		shift
		if "$@"; then ok "$name"; else not_ok "$name" "$out"; fi
	}
	# Processes in a pid namespace other than the initial one: restores
	# must leave none behind.
	leftovers() {
		cat /proc/[0-9]*/status 2>/dev/null |
			awk '$1 == "NSpid:" && NF > 2' | wc -l
	}
	has() { grep -q -- "$1" <<<"$out"; }
	all() { # all PATTERN...: $out has every one
		local p
		for p in "$@"; do has "$p" || return 1; done
	}
	nothing_left() { [ "$(leftovers)" -eq 0 ]; }
	# An error as cwp-restore reports it: "error: ENAME: ..." and a hint.
	error_is() { all "^error: $1: " "^hint: ."; }
	# Refused by the checks before anything was created: said so, no
	# teardown of a half-made tree, nothing left.
	created_nothing() {
		has "(nothing was created)" && ! has "killed and reaped" && nothing_left
	}
	# status RC: "exit RC" appended to $out, for the checks and the log.
	status() { rc=$1; out="$out"$'\n'"exit $rc"; }

	# The C sample, 64 and 32 bit. It has no skip: on a kernel without the
	# call it prints ENOSYS, which no case accepts.
	local bits bin case
	for bits in "${SAMPLE_BITS[@]}"; do
		bin=$S/clone_with_pids
		[ "$bits" = 32 ] && bin=${bin}_32
		for case in "${SAMPLE_CASES[@]}"; do
			case $case in
			chosen_pid)
				out=$($bin "30$bits" 2>&1)
				check "sample${bits}_$case" has "NSpid:${tab}30$bits\$" ;;
			new_pid_namespace)
				out=$($bin -n "31$bits" 2>&1)
				check "sample${bits}_$case" has "NSpid:${tab}31$bits${tab}1\$" ;;
			pid_in_use_is_ebusy)
				out=$($bin 1 2>&1)
				check "sample${bits}_$case" has "busy" ;;
			more_pids_than_levels_is_einval)
				out=$($bin 0 5 2>&1)
				check "sample${bits}_$case" has "Invalid argument" ;;
			*) out="no such sample case"; not_ok "sample${bits}_$case" "$out" ;;
			esac
		done
	done

	out=$($R --help 2>&1; $R restore --help 2>&1)
	check help_shows_examples all "^Examples:" "restore -\$" "compare - tree.json" \
		"^Exit status: " "sudo cwp-restore restore --keep -v tree.json"

	# cwp-restore: a 3-level tree of 150 processes.
	out=$($R gen --depth 3 --count 150 --seed "$seed" -o /tmp/t3.json 2>&1 &&
		echo "processes: $(grep -c '"ns_init"' /tmp/t3.json)")
	check gen_3_levels_150_processes has "^processes: 150\$"
	out=$($R restore /tmp/t3.json 2>&1)
	check restore_3_levels_verified has "verified from /proc: all 150 processes"
	check restore_3_levels_nested has "in 7 pid namespaces (3 levels below this one)"
	out="$out"$'\n'"left behind: $(leftovers)"
	check restore_3_levels_torn_down nothing_left
	# gen writes stdout, restore - reads stdin.
	out=$($R gen --depth 3 --count 150 --seed "$seed" | $R restore - 2>&1)
	out="$out"$'\n'"left behind: $(leftovers)"
	check restore_reads_stdin \
		all "verified from /proc: all 150 processes" "^torn down: " "left behind: 0\$"

	# Keep it, dump it back from /proc (to a file, and to stdout into
	# compare's stdin), and compare.
	out=$($R restore --keep /tmp/t3.json 2>&1)
	local top dumped=
	top=$(sed -n "s/.*'kill -KILL \([0-9]*\)'.*/\1/p" <<<"$out")
	if [ -n "$top" ]; then
		out=$($R dump --pid "$top" -o /tmp/dump.json 2>&1 &&
			$R compare /tmp/dump.json /tmp/t3.json 2>&1)
		dumped=$($R dump --pid "$top" 2>&1 | $R compare - /tmp/t3.json 2>&1; echo "exit $?")
		kill -KILL "$top"
		sleep 1
	fi
	check keep_dump_compare_same_tree has "^same tree\$"
	out=$dumped
	check dump_stdout_into_compare_stdin all "^same tree\$" "^exit 0\$"
	out="left behind after kill: $(leftovers)"
	check keep_then_kill_leaves_nothing nothing_left

	# A larger tree, the deepest nesting, a root that is no init.
	out=$($R gen --depth 3 --count 1000 --seed "$seed" -o /tmp/t1000.json 2>&1 &&
		$R restore /tmp/t1000.json 2>&1)
	check restore_1000_processes has "verified from /proc: all 1000 processes"

	# compare exits as diff does: 0 same, 1 different, 2 trouble.
	out=$($R compare /tmp/t3.json /tmp/t3.json 2>&1)
	status $?
	check compare_same_exits_0 all "^same tree\$" "^exit 0\$"
	out=$($R compare /tmp/t3.json /tmp/t1000.json 2>&1)
	status $?
	check compare_different_exits_1 all "^different trees: " "^only in the second: " "^exit 1\$"
	out=$($R compare /tmp/t3.json /tmp/no-such-tree.json 2>&1)
	status $?
	check compare_trouble_exits_2 eval 'error_is ENOENT && has "^exit 2\$"'

	out=$($R gen --depth 32 --count 40 --fanout 1 --seed "$seed" -o /tmp/deep.json 2>&1 &&
		$R restore /tmp/deep.json 2>&1)
	check restore_32_nested_namespaces has "in 32 pid namespaces"
	cat >/tmp/noinit.json <<-'EOF'
	{ "format": "cwp-tree/1", "processes": [
	  { "pids": [500], "parent": null, "ns_init": false },
	  { "pids": [501], "parent": 500, "ns_init": false },
	  { "pids": [502, 1], "parent": 500, "ns_init": true },
	  { "pids": [503, 7], "parent": 502, "ns_init": false } ] }
	EOF
	out=$($R restore -v /tmp/noinit.json 2>&1)
	check restore_root_without_init_gets_placeholder has "placeholder init"

	# Failures: explained, and nothing left behind. --no-precheck lets the
	# kernel refuse half-way (the teardown is what is tested); without it
	# the tool refuses before it creates anything.
	# Pids up to 60000 with pid_max at 32768: the kernel refuses one
	# somewhere in the tree, after others were created.
	$R gen --depth 3 --count 150 --max-pid 60000 --seed "$seed" -o /tmp/bad.json
	out=$($R restore --no-precheck /tmp/bad.json 2>&1) && out="unexpected success: $out"
	check fails_pid_beyond_pid_max_explained \
		eval 'error_is EINVAL && all "pid_max" "killed and reaped"'
	out="$out"$'\n'"left behind: $(leftovers)"
	check fails_pid_beyond_pid_max_cleans_up nothing_left
	out=$($R restore /tmp/bad.json 2>&1) && out="unexpected success: $out"
	check precheck_pid_max_creates_nothing \
		eval 'error_is EINVAL && all "is not below pid_max" "^hint: raise pid_max" && created_nothing'
	out=$(unshare --pid --fork --mount-proc $R restore --no-precheck /tmp/deep.json 2>&1) &&
		out="unexpected success: $out"
	check fails_too_deep_explained eval 'error_is ENOSPC && has "too deep"'
	out="$out"$'\n'"left behind: $(leftovers)"
	check fails_too_deep_cleans_up nothing_left
	out=$(unshare --pid --fork --mount-proc $R restore /tmp/deep.json 2>&1) &&
		out="unexpected success: $out"
	check precheck_too_deep_creates_nothing \
		eval 'error_is ENOSPC && all "too deep" "needs level 33" && created_nothing'
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$R restore --no-precheck /tmp/t3.json 2>&1) && out="unexpected success: $out"
	check fails_without_capability_explained \
		eval 'error_is EPERM && all "not permitted" "restored top namespace"'
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$R restore /tmp/t3.json 2>&1) && out="unexpected success: $out"
	check precheck_without_capability_creates_nothing \
		eval 'error_is EPERM && all "needs CAP_SYS_ADMIN" "^hint: run it as root" && created_nothing'
	cat >/tmp/dup.json <<-'EOF'
	{ "format": "cwp-tree/1", "processes": [
	  { "pids": [1], "parent": null, "ns_init": true },
	  { "pids": [5, 1], "parent": 1, "ns_init": true },
	  { "pids": [6, 9], "parent": 5, "ns_init": false },
	  { "pids": [7, 9], "parent": 5, "ns_init": false } ] }
	EOF
	out=$($R restore /tmp/dup.json 2>&1) && out="unexpected success: $out"
	check fails_duplicate_pid_before_creating_anything \
		eval 'error_is EINVAL && has "pid 9 is used twice"'

	echo "1..$n"
	return $failed
}

if [ -n "${CWP_USERSPACE_GUEST:-}" ]; then
	guest_main
	exit
fi

# ----------------------------------------------------------------- host --
. "$(dirname "$0")/lib.sh"
. "$REPO/tooling/results.sh"
set +e
cd "$REPO"
jobs=${CWP_CARGO_JOBS:-2}
if [ -n "${1:-}" ]; then
	results=$1
	standalone=0
else
	results=$ARCH_OUT/userspace-results.txt
	: >"$results"
	standalone=1
fi
# This run's results start after what the file holds already.
first_line=$(($(wc -l <"$results") + 1))
mine() { tail -n +"$first_line" "$results"; }
U=userspace

step() { # step NAME LOG CMD...: one host check, passes when CMD succeeds
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then record PASS "$U/$name"; else record FAIL "$U/$name" "log: $log"; fi
}

# require_syscall: 1 when the kernel to boot was built with
# CONFIG_CLONE_WITH_PIDS=y, so that "unsupported" must fail in the guest.
# Its build's .config decides; a CWP_KERNEL with no .config found next to
# it (KERNEL or its build tree, three levels up from arch/x86/boot) is
# taken as built from tooling/config. CWP_REQUIRE_SYSCALL set on the host
# overrides.
require_syscall() {
	local kernel config=
	if [ -n "${CWP_REQUIRE_SYSCALL:-}" ]; then
		[ "$CWP_REQUIRE_SYSCALL" = 0 ] && echo 0 || echo 1
		return
	fi
	if [ -z "${CWP_KERNEL:-}" ]; then
		config=$BUILD_NORMAL/.config
	else
		kernel=$(dirname "$CWP_KERNEL")
		for config in "$kernel/.config" "$kernel/../../../.config" ""; do
			[ -f "$config" ] && break
		done
		[ -n "$config" ] || config=$REPO/tooling/config/base.config
	fi
	grep -qx 'CONFIG_CLONE_WITH_PIDS=y' "$config" 2>/dev/null && echo 1 || echo 0
}

# part_of NAME: the part of the guest's suite a result belongs to.
part_of() {
	case $1 in
	lib/*) echo lib ;;
	sample*) echo sample ;;
	*) echo restore ;;
	esac
}

# check_part PART EXPECTED...: the guest results of PART (this run's
# "userspace/guest/..." lines) are exactly EXPECTED, each once; else fail
# guest/all_results/PART, naming what is missing or extra.
check_part() {
	local part=$1 name=guest/all_results/$1 t got=0 problems=()
	shift
	declare -A want=() ran=()
	for t in "$@"; do want[$t]=1; done
	while read -r _ t; do
		case $t in
		"$U/guest/all_results/"*) continue ;;
		"$U/guest/"*) t=${t#"$U/guest/"} ;;
		*) continue ;;
		esac
		[ "$(part_of "$t")" = "$part" ] || continue
		ran[$t]=$((${ran[$t]:-0} + 1))
	done < <(mine)
	for t in "${!ran[@]}"; do
		got=$((got + ${ran[$t]}))
		[ -n "${want[$t]:-}" ] || problems+=("unexpected result $t")
		[ "${ran[$t]}" -le 1 ] || problems+=("$t reported ${ran[$t]} times")
	done
	for t in "$@"; do
		[ -n "${ran[$t]:-}" ] || problems+=("did not run: $t")
	done
	echo "$name: $got results of $#" >>"$count_log"
	if [ $# -gt 0 ] && [ $got -eq $# ] && [ ${#problems[@]} -eq 0 ]; then
		record PASS "$U/$name"
	else
		[ $# -gt 0 ] || problems+=("no expected results (no test list)")
		printf '    %s: %s results of %s\n' "$name" $got $# >&2
		printf '      %s\n' "${problems[@]}" | head -n 20 | tee -a "$count_log" >&2 || true
		record FAIL "$U/$name" "log: $count_log"
	fi
}

# The C sample: in userspace/ with the crates, or where it was before.
sample=userspace/c-sample
[ -d "$sample" ] || sample=samples/clone_with_pids

info "building the crates (cargo -j$jobs) and the C sample"
build_log=$LOGS/userspace-build.log
step host/cargo_build_release "$build_log" cargo build --release --workspace --all-targets -j"$jobs"
# arm64: the guest's builds besides the host's: the crates for
# $RUST_TARGET (static, linked by rust-lld) with clippy's view of that
# target, and the sample as static aarch64 and armhf programs instead of
# x86_64 and ia32 ones (which need the x86_64 kernel's headers).
target_args=()
restore=target/release/cwp-restore
if [ "$CWP_ARCH" = x86_64 ]; then
	step host/sample_build_64_32 "$LOGS/userspace-sample.log" \
		make -C "$sample" OUTPUT="$OUT/samples"
else
	target_args=(--target "$RUST_TARGET")
	restore=target/$RUST_TARGET/release/cwp-restore
	step "host/cargo_build_release_$RUST_TARGET" "$LOGS/userspace-build-$RUST_TARGET.log" \
		cargo build --release --workspace --all-targets "${target_args[@]}" -j"$jobs"
	step "host/clippy_$RUST_TARGET" "$LOGS/userspace-clippy-$RUST_TARGET.log" \
		cargo clippy --workspace --all-targets "${target_args[@]}" -j"$jobs" -- -D warnings
	step host/sample_build_aarch64_armhf "$LOGS/userspace-sample-arm64.log" \
		make -C "$sample" OUTPUT="$ARCH_OUT/samples" CFLAGS="-O2 -g -static" \
		CC="$CROSS_CC" M64= KHDR="$BUILD_NORMAL/usr/include" \
		CC32="$CROSS_CC32" M32= KHDR32="$BUILD_ARM_HEADERS/usr/include"
fi

info "host tests: cargo test, rustfmt, clippy, rustdoc, checkpatch"
test_log=$LOGS/userspace-cargo-test.log
# Not given CWP_REQUIRE_SYSCALL: the kernel tests skip on a host kernel
# without the call (and fail only where /proc/kallsyms shows it has one).
env -u CWP_REQUIRE_SYSCALL cargo test --release --workspace -j"$jobs" >"$test_log" 2>&1
test_rc=$?
# One result per test: "test NAME ... ok" from libtest, KTAP lines from the
# kernel test (which skips everything on a kernel without the call). And
# per test binary "count SUITE GOT EXPECTED": its results against its
# libtest "running N tests" or its KTAP plan "1..N". A binary named like
# one before it (a package's lib and bin) is SUITE_bin, or SUITE_N.
mapfile -t unit < <(awk '
	function start(name) {
		if (name in want) name = name (/ src\/main\.rs / ? "_bin" : "_" ++dup[name])
		s = name; order[++suites] = s; want[s] = -1
	}
	/^ *Running / { n = $NF; gsub(/.*\/|-[0-9a-f]+\)$/, "", n); start(n); next }
	/^ *Doc-tests / { start("doc_" $2); next }
	/^running [0-9]+ tests?$/ { want[s] = $2; next }
	/^1\.\.[0-9]+$/ { want[s] = substr($0, 4); next }
	/^test .* \.\.\. (ok|FAILED|ignored)$/ {
		st = $NF; name = substr($0, 6, length($0) - 10 - length(st))
		gsub(/ /, "_", name)
		print (st == "ok" ? "PASS" : st == "ignored" ? "SKIP" : "FAIL"), s "/" name \
			(st == "ignored" ? " marked #[ignore] in its source" : "")
		got[s]++
		next
	}
	/^(not )?ok [0-9]+ / {
		st = ($1 == "not") ? "FAIL" : (/# SKIP/ ? "SKIP" : "PASS")
		name = ($1 == "not") ? $4 : $3
		why = ""
		if (st == "SKIP") { why = $0; sub(/.*# SKIP */, "", why) }
		print st, s "/" name (why == "" ? "" : " " why)
		got[s]++
	}
	END { for (i = 1; i <= suites; i++) print "count", order[i], got[order[i]] + 0, want[order[i]] }' "$test_log")
count_log=$LOGS/userspace-counts.log
: >"$count_log"
counts_ok=1
for line in "${unit[@]}"; do
	case $line in
	"count "*)
		read -r _ suite got want <<<"$line"
		echo "host unit $suite: $got results of $want" >>"$count_log"
		if [ "$want" -lt 0 ] || [ "$got" -ne "$want" ]; then
			echo "    host unit $suite: $got results, expected $want (-1: no plan)" >&2
			counts_ok=0
		fi
		;;
	FAIL*) record FAIL "$U/host/unit/${line#* }" "log: $test_log" ;;
	*)
		read -r status name why <<<"$line"
		record "$status" "$U/host/unit/$name" "$why"
		;;
	esac
done
# The crate's kernel tests are one of the binaries, or the guest has none.
grep -q '^host unit kernel: ' "$count_log" || counts_ok=0
if [ $counts_ok = 1 ]; then
	record PASS "$U/host/unit/all_results"
else
	record FAIL "$U/host/unit/all_results" "log: $count_log"
fi
if [ $test_rc -ne 0 ] && ! printf '%s\n' "${unit[@]}" | grep -q '^FAIL '; then
	record FAIL "$U/host/cargo_test" "log: $test_log"
fi
step host/rustfmt "$LOGS/userspace-rustfmt.log" cargo fmt --all --check
step host/clippy "$LOGS/userspace-clippy.log" \
	cargo clippy --workspace --all-targets -j"$jobs" -- -D warnings
step host/rustdoc "$LOGS/userspace-rustdoc.log" \
	env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace -j"$jobs"
checkpatch=$TREE/scripts/checkpatch.pl
if [ -x "$checkpatch" ]; then
	step host/checkpatch_sample "$LOGS/userspace-checkpatch.log" \
		"$checkpatch" --strict --no-tree -f "$sample/clone_with_pids.c"
else
	record SKIP "$U/host/checkpatch_sample" "no $checkpatch"
fi
# This host's kernel has no clone_with_pids (the crate looks for it only
# on a 6.12.y kernel, and there only when its probe answers EINVAL):
# the tool must say so, as "error: ENOSYS: ..." with a hint, and create
# nothing.
restore_log=$LOGS/userspace-restore-host.log
if target/release/cwp-restore gen --count 10 --depth 2 -o "$ARCH_OUT/host-tree.json" >"$restore_log" 2>&1 &&
   ! target/release/cwp-restore restore "$ARCH_OUT/host-tree.json" >>"$restore_log" 2>&1; then
	if grep -q "^error: ENOSYS: .*has no clone_with_pids" "$restore_log" &&
	   grep -q "^hint: ." "$restore_log"; then
		record PASS "$U/host/restore_without_the_syscall_explains"
	else
		record FAIL "$U/host/restore_without_the_syscall_explains" "log: $restore_log"
	fi
else
	record SKIP "$U/host/restore_without_the_syscall_explains" "this host has the call"
fi

kernel_test=$(cargo test --release -p clone_with_pids --test kernel --no-run \
	"${target_args[@]}" --message-format=json -j"$jobs" 2>/dev/null |
	python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("executable") and m["target"]["name"] == "kernel": print(m["executable"])')
guest_log=$LOGS/userspace-guest.log
if [ -z "$kernel_test" ] || [ ! -x "$restore" ]; then
	record FAIL "$U/guest/not_run" "the build failed: $build_log"
else
	required=$(require_syscall)
	guest_part=tooling/userspace-tests.sh
	info "in the guest: kernel tests of the crate, C sample, cwp-restore" \
		"(CWP_REQUIRE_SYSCALL=$required; log: $guest_log)"
	vm_rc=0
	# Another architecture's crate test cannot list its tests here: the
	# guest lists them after the run, framed like a program's output
	# (list_cmd is shell code for the guest's command script).
	list_cmd=
	guest_env=()
	# shellcheck disable=SC2089
	if [ "$CWP_ARCH" != x86_64 ]; then
		list_cmd="; echo '@@BEGIN $kernel_test --list'; $kernel_test --list;"
		list_cmd+=" echo \"@@END $kernel_test --list \$?\""
		guest_env=(CWP_RESTORE="$restore" CWP_SAMPLES="${ARCH_OUT#"$REPO"/}/samples")
	fi
	# shellcheck disable=SC2090
	CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-600} "$REPO/tooling/vm.sh" \
		CWP_REQUIRE_SYSCALL="$required" CWP_USERSPACE_GUEST=1 "${guest_env[@]}" \
		tooling/run-tests.sh "$kernel_test" "$guest_part" ${list_cmd:+"$list_cmd"} >"$guest_log" 2>&1 || vm_rc=$?
	record_vm "$U" "$vm_rc" "$guest_log"
	part=$ARCH_OUT/userspace-part.txt
	for program in "$kernel_test" "$guest_part"; do
		prefix=$U/guest/
		[ "$program" = "$kernel_test" ] && prefix=$U/guest/lib/
		program_output "$guest_log" "$program" >"$part"
		status=$(program_status "$guest_log" "$program")
		if [ -z "$status" ]; then
			record FAIL "${prefix%/}" "did not finish (log: $guest_log)"
			continue
		fi
		# Where the call is required, a skip (an older binary's, say)
		# fails.
		if [ "$program" = "$kernel_test" ] && [ "$required" = 1 ]; then
			sed -i -E 's/^ok ([0-9]+) ([^ ]+) # SKIP(.*)$/# skipped although CWP_REQUIRE_SYSCALL=1:\3\nnot ok \1 \2/' "$part"
		fi
		record_ktap "$part" "$status" "$prefix"
	done
	# Every part's results against what it must produce.
	if [ -z "$list_cmd" ]; then
		mapfile -t lib_tests < <("$kernel_test" --list 2>/dev/null | sed 's|^|lib/|')
	else
		mapfile -t lib_tests < <(program_output "$guest_log" "$kernel_test --list" |
			sed 's|^|lib/|')
	fi
	samples=()
	for bits in "${SAMPLE_BITS[@]}"; do
		samples+=("${SAMPLE_CASES[@]/#/sample${bits}_}")
	done
	check_part lib "${lib_tests[@]}"
	check_part sample "${samples[@]}"
	check_part restore "${RESTORE_TESTS[@]}"
	grep '^#' "$guest_log" | head -n 40 | sed 's/^/      /' >&2 || true
fi

# This run's results as one KTAP document.
document=$ARCH_OUT/userspace-tests.ktap
mine >"$ARCH_OUT/userspace-mine.txt"
{
	echo "TAP version 13"
	echo "1..$(wc -l <"$ARCH_OUT/userspace-mine.txt")"
	awk '{ name = substr($2, length("'"$U"'/") + 1)
		if ($1 == "PASS") print "ok " NR " " name
		else if ($1 == "SKIP") print "ok " NR " " name " # SKIP"
		else print "not ok " NR " " name }' "$ARCH_OUT/userspace-mine.txt"
} >"$document"
passed=$(grep -c '^PASS ' "$ARCH_OUT/userspace-mine.txt")
failed=$(grep -c '^FAIL ' "$ARCH_OUT/userspace-mine.txt")
skipped=$(grep -c '^SKIP ' "$ARCH_OUT/userspace-mine.txt")
rm -f "$ARCH_OUT/userspace-mine.txt"
if [ $standalone = 1 ]; then
	cat "$document"
fi
info "$passed passed, $failed failed, $skipped skipped (KTAP: $document)"
[ "$failed" -eq 0 ]
