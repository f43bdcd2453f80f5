# SPDX-License-Identifier: GPL-2.0
# Recording results: the one recorder of every script that counts tests
# (check.sh, gates.sh, hardening.sh, userspace-tests.sh, mutants.sh);
# sourced after lib.sh, with $results set to the file that gets one
# "PASS|FAIL|SKIP name" line per test ("SKIP name # reason").

# record PASS|FAIL|SKIP NAME [DETAIL]: DETAIL says why a test failed or
# skipped, in words; on a PASS it is a note such as "cached".
record() {
	local detail=${3:-}
	case $1 in
	PASS)
		echo "PASS $2" >>"$results"
		[ -z "$detail" ] || printf '    PASS %s (%s)\n' "$2" "$detail" >&2
		;;
	SKIP)
		echo "SKIP $2 # ${detail:-no reason given}" >>"$results"
		printf '    SKIP %s: %s\n' "$2" "${detail:-no reason given}" >&2
		;;
	*)
		echo "$1 $2" >>"$results"
		printf '    %s %s%s\n' "$1" "$2" "${detail:+: $detail}" >&2
		;;
	esac
}

# record_vm NAME RC LOG: a failed boot or a kernel splat (vm.sh's 124 and
# 125) fails NAME/guest, with the end of the guest's output.
record_vm() {
	if [ "$2" -eq 124 ] || [ "$2" -eq 125 ]; then
		record FAIL "$1/guest" "the guest kernel or VM failed (rc $2)"
		grep -v '^@@' "$3" | tail -n 40 >&2
	fi
	return 0
}

# program_output LOG PROGRAM: what PROGRAM printed, from a guest log where
# each program is framed by "@@BEGIN PROGRAM" and "@@END PROGRAM STATUS"
# (tooling/run-tests.sh, tooling/hardening-guest.sh).
program_output() {
	awk -v t="$2" '$0 == "@@BEGIN " t {on=1; next}
		on && index($0, "@@END " t " ") == 1 {exit} on' "$1"
}

# program_status LOG PROGRAM: its exit status; nothing if it did not end.
program_status() {
	sed -n "s|^@@END $2 \([0-9]*\)\$|\1|p" "$1"
}

# record_ktap OUTPUT STATUS PREFIX: a program's KTAP results as
# PREFIX<test>. No KTAP at all fails (exit status 4, kselftest's skip,
# skips); so does a non-zero status after the last result line, a crash.
record_ktap() {
	local output=$1 status=$2 name=${3%/}
	if ! grep -Eq '^(not )?ok [0-9]+' "$output"; then
		if [ "$status" = 4 ]; then
			record SKIP "$name" "$(grep -m1 -o 'SKIP.*' "$output" |
				sed 's/^SKIP[]: ]*//')"
		else
			record FAIL "$name" "no KTAP results (exit $status)"
		fi
		return 0
	fi
	# (head closes the pipe early: with pipefail that is no failure here.)
	"$REPO/tooling/ktap.py" --prefix "$3" --results "$results" "$output" ||
		{ grep -E '^(not ok|# .*(FAIL|fail|Expected|expected))' "$output" |
		head -n 20 | sed 's/^/      /' >&2 || true; }
	case $status in 0 | 4) ;; *)
		grep -q '^not ok' "$output" ||
			record FAIL "$name" "exit status $status" ;;
	esac
	return 0
}

# record_script NAME CMD...: run a script that records its own results as
# NAME/...; should it fail before recording a failure, fail NAME/run.
record_script() {
	local name=$1 rc=0
	shift
	"$@" || rc=$?
	[ $rc -eq 0 ] || grep -q "^FAIL $name/" "$results" ||
		record FAIL "$name/run" "$(basename "$1") exited with $rc"
	return 0
}
