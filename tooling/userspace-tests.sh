#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The restart tools: the clone_with_pids crate, cwp-restore and the C
# sample. On the host: build them, run the host-runnable unit tests,
# rustfmt, clippy and checkpatch. Then, in one guest boot: the crate's
# kernel tests, the sample (64 and 32 bit), and cwp-restore generating,
# restoring and verifying nested trees (a 3-level one of >= 100 processes
# among them) and failing cleanly where it must.
#
# Prints one KTAP document (also kept in out/userspace-tests.ktap). With a
# RESULTS file (as check.sh passes one) it appends "PASS|FAIL|SKIP
# userspace/NAME" lines there instead and prints a summary. Exits non-zero
# when anything failed. Logs in out/logs/userspace-*.log. About 1 minute
# warm (the guest part about 30 s), 4 minutes cold.
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
#        userspace-tests.sh --guest KERNEL_TEST_BINARY   (in the guest)

# The guest's results besides the crate's kernel tests: each sample case
# for each of SAMPLE_BITS ("sample${bits}_$case"), and cwp-restore's, in
# the order guest_main runs them. The host checks the guest's output
# against these lists.
SAMPLE_BITS=(64 32)
SAMPLE_CASES=(chosen_pid new_pid_namespace pid_in_use_is_ebusy
	more_pids_than_levels_is_einval)
RESTORE_TESTS=(gen_3_levels_150_processes restore_3_levels_verified
	restore_3_levels_nested restore_3_levels_torn_down
	keep_dump_compare_same_tree keep_then_kill_leaves_nothing
	restore_1000_processes restore_32_nested_namespaces
	restore_root_without_init_gets_placeholder
	fails_pid_beyond_pid_max_explained fails_pid_beyond_pid_max_cleans_up
	fails_too_deep_explained fails_too_deep_cleans_up
	fails_without_capability_explained
	fails_duplicate_pid_before_creating_anything)

# ---------------------------------------------------------------- guest --
# Runs as root in the guest, from the repository; writes only to /tmp.
guest_main() {
	local kernel_test=$1
	local R=target/release/cwp-restore S=out/samples
	local n=0 failed=0 out
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
	nothing_left() { [ "$(leftovers)" -eq 0 ]; }

	# CWP_REQUIRE_SYSCALL=1 (from the host, in the command line): the
	# kernel was built with the call, and "unsupported" is a failure.
	local required=${CWP_REQUIRE_SYSCALL:-0}
	[ "$required" = 0 ] || required=1
	echo "# clone_with_pids() required (CWP_REQUIRE_SYSCALL): $required"

	# The crate against this kernel: its own KTAP, re-numbered here. It
	# fails itself when the call is required and missing; a SKIP then
	# (an older binary, say) fails here too.
	out=$("$kernel_test" 2>&1)
	while read -r line; do
		case $line in
		"ok "*"# SKIP"*)
			if [ "$required" = 1 ]; then
				not_ok "lib/$(cut -d' ' -f3 <<<"$line")" \
					"skipped although CWP_REQUIRE_SYSCALL=1: $line"
			else
				ok "lib/$(cut -d' ' -f3- <<<"$line")"
			fi
			;;
		"ok "*) ok "lib/$(cut -d' ' -f3- <<<"$line")" ;;
		"not ok "*) not_ok "lib/$(cut -d' ' -f4- <<<"$line")" "" ;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"

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

	# cwp-restore: a 3-level tree of 150 processes.
	out=$($R gen --depth 3 --count 150 --seed "$seed" -o /tmp/t3.json 2>&1 &&
		echo "processes: $(grep -c '"ns_init"' /tmp/t3.json)")
	check gen_3_levels_150_processes has "^processes: 150\$"
	out=$($R restore /tmp/t3.json 2>&1)
	check restore_3_levels_verified has "verified from /proc: all 150 processes"
	check restore_3_levels_nested has "in 7 pid namespaces (3 levels below this one)"
	out="$out"$'\n'"left behind: $(leftovers)"
	check restore_3_levels_torn_down nothing_left

	# Keep it, dump it back from /proc, and compare.
	out=$($R restore --keep /tmp/t3.json 2>&1)
	local top
	top=$(sed -n "s/.*'kill -KILL \([0-9]*\)'.*/\1/p" <<<"$out")
	if [ -n "$top" ]; then
		out=$($R dump --pid "$top" -o /tmp/dump.json 2>&1 &&
			$R compare /tmp/dump.json /tmp/t3.json 2>&1)
		kill -KILL "$top"
		sleep 1
	fi
	check keep_dump_compare_same_tree has "^same tree\$"
	out="left behind after kill: $(leftovers)"
	check keep_then_kill_leaves_nothing nothing_left

	# A larger tree, the deepest nesting, a root that is no init.
	out=$($R gen --depth 3 --count 1000 --seed "$seed" -o /tmp/t1000.json 2>&1 &&
		$R restore /tmp/t1000.json 2>&1)
	check restore_1000_processes has "verified from /proc: all 1000 processes"
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

	# Failures: explained, and nothing left behind.
	# Pids up to 60000 with pid_max at 32768: the kernel refuses one
	# somewhere in the tree, after others were created.
	$R gen --depth 3 --count 150 --max-pid 60000 --seed "$seed" -o /tmp/bad.json
	out=$($R restore /tmp/bad.json 2>&1) && out="unexpected success: $out"
	check fails_pid_beyond_pid_max_explained has "pid_max"
	out="$out"$'\n'"left behind: $(leftovers)"
	check fails_pid_beyond_pid_max_cleans_up nothing_left
	out=$(unshare --pid --fork --mount-proc $R restore /tmp/deep.json 2>&1) &&
		out="unexpected success: $out"
	check fails_too_deep_explained has "too deep"
	out="$out"$'\n'"left behind: $(leftovers)"
	check fails_too_deep_cleans_up nothing_left
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$R restore /tmp/t3.json 2>&1) && out="unexpected success: $out"
	check fails_without_capability_explained has "not permitted"
	cat >/tmp/dup.json <<-'EOF'
	{ "format": "cwp-tree/1", "processes": [
	  { "pids": [1], "parent": null, "ns_init": true },
	  { "pids": [5, 1], "parent": 1, "ns_init": true },
	  { "pids": [6, 9], "parent": 5, "ns_init": false },
	  { "pids": [7, 9], "parent": 5, "ns_init": false } ] }
	EOF
	out=$($R restore /tmp/dup.json 2>&1) && out="unexpected success: $out"
	check fails_duplicate_pid_before_creating_anything has "pid 9 is used twice"

	echo "1..$n"
	return $failed
}

if [ "${1:-}" = --guest ]; then
	guest_main "$2"
	exit
fi

# ----------------------------------------------------------------- host --
. "$(dirname "$0")/lib.sh"
set +e
results_file=${1:-}
cd "$REPO"
jobs=${CWP_CARGO_JOBS:-2}
ktap=()     # result lines without numbers: "ok NAME" / "not ok NAME"
failed=0

result() { # result pass|fail|skip NAME [LOG]
	case $1 in
	pass) ktap+=("ok $2") ;;
	skip) ktap+=("ok $2 # SKIP ${3:-}") ;;
	fail)
		ktap+=("not ok $2")
		failed=1
		printf '    FAIL %s%s\n' "$2" "${3:+ (log: $3)}" >&2
		;;
	esac
}

step() { # step NAME LOG CMD...: one host check, pass when CMD succeeds
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then result pass "$name"; else result fail "$name" "$log"; fi
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

# check_part PART EXPECTED...: the guest results of PART are exactly
# EXPECTED, each once; else fail guest/all_results/PART, naming what is
# missing or extra. Uses "ran" (name -> count).
check_part() {
	local part=$1 name=guest/all_results/$1 t got=0 problems=()
	shift
	declare -A want=()
	for t in "$@"; do want[$t]=1; done
	for t in "${!ran[@]}"; do
		[ "$(part_of "$t")" = "$part" ] || continue
		got=$((got + ${ran[$t]}))
		[ -n "${want[$t]:-}" ] || problems+=("unexpected result $t")
		[ "${ran[$t]}" -le 1 ] || problems+=("$t reported ${ran[$t]} times")
	done
	for t in "$@"; do
		[ -n "${ran[$t]:-}" ] || problems+=("did not run: $t")
	done
	echo "$name: $got results of $#" >>"$count_log"
	if [ $# -gt 0 ] && [ $got -eq $# ] && [ ${#problems[@]} -eq 0 ]; then
		result pass "$name"
	else
		[ $# -gt 0 ] || problems+=("no expected results (no test list)")
		printf '    %s: %s results of %s\n' "$name" $got $# >&2
		printf '      %s\n' "${problems[@]}" | head -n 20 | tee -a "$count_log" >&2 || true
		result fail "$name" "$count_log"
	fi
}

info "building the crates (cargo -j$jobs) and the C sample"
build_log=$LOGS/userspace-build.log
step host/cargo_build_release "$build_log" cargo build --release --workspace --all-targets -j"$jobs"
step host/sample_build_64_32 "$LOGS/userspace-sample.log" \
	make -C samples/clone_with_pids OUTPUT="$OUT/samples"

info "host tests: cargo test, rustfmt, clippy, checkpatch"
test_log=$LOGS/userspace-cargo-test.log
# Not given CWP_REQUIRE_SYSCALL: the kernel tests skip on a host kernel
# without the call (and fail only where /proc/kallsyms shows it has one).
env -u CWP_REQUIRE_SYSCALL cargo test --release --workspace -j"$jobs" >"$test_log" 2>&1
test_rc=$?
# One result per test: "test NAME ... ok" from libtest, KTAP lines from the
# kernel test (which skips everything on a kernel without the call). And
# per test binary "count SUITE GOT EXPECTED": its results against its
# libtest "running N tests" or its KTAP plan "1..N".
mapfile -t unit < <(awk '
	function start(name) { s = name; order[++suites] = s; want[s] = -1 }
	/^ *Running / { n = $NF; gsub(/.*\/|-[0-9a-f]+\)$/, "", n); start(n); next }
	/^ *Doc-tests / { start("doc_" $2); next }
	/^running [0-9]+ tests?$/ { want[s] = $2; next }
	/^1\.\.[0-9]+$/ { want[s] = substr($0, 4); next }
	/^test .* \.\.\. (ok|FAILED|ignored)$/ {
		st = $NF; name = substr($0, 6, length($0) - 10 - length(st))
		gsub(/ /, "_", name)
		print (st == "ok" ? "pass" : st == "ignored" ? "skip" : "fail"), s "/" name
		got[s]++
		next
	}
	/^(not )?ok [0-9]+ / {
		st = ($1 == "not") ? "fail" : (/# SKIP/ ? "skip" : "pass")
		name = ($1 == "not") ? $4 : $3
		print st, s "/" name
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
	*) result "${line%% *}" "host/unit/${line#* }" "$test_log" ;;
	esac
done
# The crate's kernel tests are one of the binaries, or the guest has none.
grep -q '^host unit kernel: ' "$count_log" || counts_ok=0
if [ $counts_ok = 1 ]; then
	result pass host/unit/all_results
else
	result fail host/unit/all_results "$count_log"
fi
if [ $test_rc -ne 0 ] && ! printf '%s\n' "${unit[@]}" | grep -q '^fail '; then
	result fail host/cargo_test "$test_log"
fi
step host/rustfmt "$LOGS/userspace-rustfmt.log" cargo fmt --all --check
step host/clippy "$LOGS/userspace-clippy.log" \
	cargo clippy --workspace --all-targets -j"$jobs" -- -D warnings
checkpatch=$TREE/scripts/checkpatch.pl
if [ -x "$checkpatch" ]; then
	step host/checkpatch_sample "$LOGS/userspace-checkpatch.log" \
		"$checkpatch" --strict --no-tree -f samples/clone_with_pids/clone_with_pids.c
else
	result skip host/checkpatch_sample "no $checkpatch"
fi
# This host's kernel has no clone_with_pids (the crate looks for it only
# on a 6.12.y kernel, and there only when its probe answers EINVAL):
# the tool must say so, and create nothing.
restore_log=$LOGS/userspace-restore-host.log
if target/release/cwp-restore gen --count 10 --depth 2 -o "$OUT/host-tree.json" >"$restore_log" 2>&1 &&
   ! target/release/cwp-restore restore "$OUT/host-tree.json" >>"$restore_log" 2>&1; then
	if grep -q "has no clone_with_pids" "$restore_log"; then
		result pass host/restore_without_the_syscall_explains
	else
		result fail host/restore_without_the_syscall_explains "$restore_log"
	fi
else
	result skip host/restore_without_the_syscall_explains "this host has the call"
fi

kernel_test=$(cargo test --release -p clone_with_pids --test kernel --no-run \
	--message-format=json -j"$jobs" 2>/dev/null |
	python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("executable") and m["target"]["name"] == "kernel": print(m["executable"])')
guest_log=$LOGS/userspace-guest.log
if [ -z "$kernel_test" ] || [ ! -x target/release/cwp-restore ]; then
	result fail guest/not_run "the build failed: $build_log"
else
	required=$(require_syscall)
	info "in the guest: kernel tests of the crate, C sample, cwp-restore" \
		"(CWP_REQUIRE_SYSCALL=$required; log: $guest_log)"
	CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-600} "$REPO/tooling/vm.sh" \
		CWP_REQUIRE_SYSCALL="$required" \
		bash tooling/userspace-tests.sh --guest "$kernel_test" >"$guest_log" 2>&1
	vm_rc=$?
	declare -A ran=()  # guest result name -> how many times
	while IFS= read -r line; do
		case $line in
		"ok "*)
			ktap+=("ok guest/$(cut -d' ' -f3- <<<"$line")")
			name=$(cut -d' ' -f3 <<<"$line")
			ran[$name]=$((${ran[$name]:-0} + 1))
			;;
		"not ok "*)
			ktap+=("not ok guest/$(cut -d' ' -f4- <<<"$line")")
			name=$(cut -d' ' -f4 <<<"$line")
			ran[$name]=$((${ran[$name]:-0} + 1))
			failed=1
			;;
		esac
	done <"$guest_log"
	# Every part's results against what it must produce.
	mapfile -t lib_tests < <("$kernel_test" --list 2>/dev/null | sed 's|^|lib/|')
	samples=()
	for bits in "${SAMPLE_BITS[@]}"; do
		samples+=("${SAMPLE_CASES[@]/#/sample${bits}_}")
	done
	check_part lib "${lib_tests[@]}"
	check_part sample "${samples[@]}"
	check_part restore "${RESTORE_TESTS[@]}"
	if [ $vm_rc -eq 124 ] || [ $vm_rc -eq 125 ] ||
	   ! grep -q '^1\.\.[0-9]' "$guest_log"; then
		result fail guest/vm_run "$guest_log"
	fi
	[ $vm_rc -eq 0 ] || failed=1
	grep '^#' "$guest_log" | head -n 40 | sed 's/^/      /' >&2 || true
fi

document=$OUT/userspace-tests.ktap
{
	echo "TAP version 13"
	echo "1..${#ktap[@]}"
	i=0
	for line in "${ktap[@]}"; do
		i=$((i + 1))
		case $line in
		"not ok "*) echo "not ok $i ${line#not ok }" ;;
		*) echo "ok $i ${line#ok }" ;;
		esac
	done
} >"$document"
if [ -n "$results_file" ]; then
	# Under check.sh: count into its results, print only a summary.
	"$REPO/tooling/ktap.py" --prefix userspace/ --results "$results_file" "$document" || true
	info "$(grep -c '^ok' "$document") ok, $(grep -c '^not ok' "$document") not ok (KTAP: $document)"
else
	cat "$document"
fi
exit $failed
