#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mutation testing of the guest suites ("make mutants"): every mutant is a
# small patch (one wrong line, as a real bug would look) applied on top of
# the series in the kernel tree. For each: apply it, rebuild the normal
# kernel incrementally, run the guest suites of "make check" (kselftests
# 64/32 bit, the clone3 suite and KUnit in one boot, then the restart
# tools, then the short hardening) until the first failing test, and
# revert it. Prints one line per mutant:
#     NN-name: killed by <first failing test>
#     NN-name: SURVIVED
#     NN-name: killed by build (...)   a mutant that does not compile
#     NN-name: DOES NOT APPLY          a mutant that no longer fits the series
# and last "N killed, N survived". Exits non-zero when a mutant survived,
# did not apply, or the unmutated series fails its own tests.
#
# Before the loop it builds the test programs once and runs the suites on
# the unmutated kernel (the baseline: a test that fails there would "kill"
# every mutant; CWP_MUTANTS_BASELINE=0 skips it). However it ends, the
# kernel tree is left at the series head and the normal kernel is rebuilt
# from it. Logs and results per mutant in out/mutants/.
#
# Usage: mutants.sh [PATTERN...]
#   MUTANTS=DIR|FILE   the mutant patches to run (default tooling/mutants/)
#   PATTERN            run only mutants whose name starts with or matches it
#                      (e.g. "17" or "*cap*")
#   CWP_VM_TIMEOUT     seconds per guest boot (default 600 here)
#
# A mutant is a "git diff" of kernel files against the series head,
# applicable with "git apply" in the kernel tree; text before the first
# "diff --git" line is ignored by git apply and holds its description.
# See tooling/mutants/LIST.
. "$(dirname "$0")/lib.sh"

. "$REPO/tooling/results.sh"
. "$REPO/tooling/guest-suites.sh"
mapfile -t clone3 < <(clone3_programs)

src=${MUTANTS:-$REPO/tooling/mutants}
if [ -d "$src" ]; then
	mapfile -t patches < <(find "$src" -maxdepth 1 -name '*.patch' | sort)
elif [ -f "$src" ]; then
	patches=("$src")
else
	die "MUTANTS=$src: no such directory or file"
fi
if [ $# -gt 0 ]; then
	selected=()
	for p in "${patches[@]}"; do
		name=$(basename "$p" .patch)
		for pat in "$@"; do
			# shellcheck disable=SC2053 # PATTERN is a glob on purpose
			if [[ $name == "$pat"* || $name == $pat ]]; then
				selected+=("$p")
				break
			fi
		done
	done
	patches=("${selected[@]}")
fi
[ ${#patches[@]} -gt 0 ] || die "no mutants (*.patch) in $src${1:+ matching $*}"

# A mutant that hangs the guest must not cost vm.sh's 50 minutes.
export CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-600}

work=$OUT/mutants
mkdir -p "$work"
summary=$work/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

git -C "$TREE" rev-parse -q --verify HEAD >/dev/null || die "no kernel tree at $TREE: run 'make kernel'"
git -C "$TREE" diff --quiet HEAD ||
	die "$TREE has local changes; mutants are applied on the series head (make kernel resets it)"
head=$(git -C "$TREE" rev-parse HEAD)
if [ -f "$OUT/series-head" ] && [ "$(cat "$OUT/series-head")" != "$head" ]; then
	info "warning: $TREE is at $head, not at the series head $(cat "$OUT/series-head")"
fi

# The terminal's stderr, for restore(): it may run while a suite's stderr
# goes to a log.
exec 3>&2
applied=     # the patch applied to the tree right now
mutated=0    # the build tree may hold a mutated kernel
restore() {
	local rc=$?
	trap - EXIT INT TERM
	exec 2>&3
	if [ -n "$applied" ] ||
	   ! git -C "$TREE" diff --quiet HEAD 2>/dev/null; then
		git -C "$TREE" checkout -q -f ||
			{ echo "error: could not reset $TREE: reset it to $head by hand" >&2; rc=1; }
	fi
	[ "$(git -C "$TREE" rev-parse HEAD)" = "$head" ] ||
		{ echo "error: $TREE moved away from $head during the run" >&2; rc=1; }
	if [ $mutated = 1 ]; then
		step restore "rebuilding the kernel of the series head (log: $LOGS/build-normal.log)"
		"$REPO/tooling/build-kernel.sh" normal || rc=1
	fi
	exit $rc
}
trap restore EXIT
trap 'exit 130' INT TERM

# first_failure: the first failing test of $results (nothing if none).
first_failure() { awk '/^FAIL /{sub(/^FAIL /, ""); print; exit}' "$results"; }

# run_suites: the guest suites of "make check" into $results, in order,
# stopping after the first suite that has a failure.
run_suites() {
	: >"$results"
	guest_tests guest "" -- "${progs[@]}" "${clone3[@]}"
	# A boot that counted nothing has failed (as check.sh's summary says).
	grep -q '^PASS guest/' "$results" || record FAIL guest/no_results "the guest run counted no test"
	[ -z "$(first_failure)" ] || return 0
	record_script userspace "$REPO/tooling/userspace-tests.sh" "$results"
	[ -z "$(first_failure)" ] || return 0
	record_script hardening "$REPO/tooling/hardening.sh" "$results" normal
}

count() { grep -c "^$1 " "$results" || true; }

t0=$SECONDS
step mutants "building the test programs (log: $LOGS/selftests-*.log)"
"$REPO/tooling/build-selftests.sh"
mapfile -t progs < <(cwp_programs)
[ ${#progs[@]} -gt 0 ] || die "no clone_with_pids kselftests were built"

base_pass=
if [ "${CWP_MUTANTS_BASELINE:-1}" != 0 ]; then
	step baseline "the suites on the unmutated kernel (log: $work/baseline.log)"
	results=$work/baseline.results
	"$REPO/tooling/build-kernel.sh" normal
	run_suites 2>"$work/baseline.log"
	f=$(first_failure)
	[ -z "$f" ] || die "the unmutated series fails $f ($work/baseline.results): fix that first"
	base_pass=$(count PASS)
	base_skip=$(count SKIP)
	info "baseline: $base_pass passed, $base_skip skipped ($((SECONDS - t0)) s so far)"
fi

killed=0 survived=0 by_build=0 broken=0 i=0
for patch in "${patches[@]}"; do
	i=$((i + 1))
	name=$(basename "$patch" .patch)
	log=$work/$name.log
	results=$work/$name.results
	: >"$results"
	m0=$SECONDS
	step "$i/${#patches[@]}" "$name"
	if ! git -C "$TREE" apply "$patch" 2>"$log"; then
		say "$name: DOES NOT APPLY ($(head -n 1 "$log"))"
		broken=$((broken + 1))
		continue
	fi
	applied=$patch
	mutated=1
	if ! "$REPO/tooling/build-kernel.sh" normal 2>>"$log"; then
		cp "$LOGS/build-normal.log" "$work/$name.build.log" 2>/dev/null || true
		say "$name: killed by build (not a useful mutant: it does not compile; $work/$name.build.log)"
		killed=$((killed + 1))
		by_build=$((by_build + 1))
	else
		info "built in $((SECONDS - m0)) s"
		run_suites 2>>"$log"
		cp "$LOGS/guest-guest.log" "$work/$name.guest.log" 2>/dev/null || true
		f=$(first_failure)
		if [ -n "$f" ]; then
			say "$name: killed by $f"
			killed=$((killed + 1))
		else
			note=
			if [ -n "$base_pass" ] && [ "$(count PASS)" -lt "$base_pass" ]; then
				note=" ($(count PASS) passed, $(count SKIP) skipped; the baseline: $base_pass passed, $base_skip skipped)"
			fi
			say "$name: SURVIVED$note"
			survived=$((survived + 1))
		fi
	fi
	info "$name: $((SECONDS - m0)) s (log: $log)"
	git -C "$TREE" apply -R "$patch" 2>>"$log" || git -C "$TREE" checkout -q -f
	applied=
done

if [ $mutated = 1 ]; then
	step restore "rebuilding the kernel of the series head"
	"$REPO/tooling/build-kernel.sh" normal
	mutated=0
fi
[ $by_build -eq 0 ] || say "note: $by_build killed only by the build: such mutants test the compiler, not the tests; fix them"
[ $broken -eq 0 ] || say "error: $broken mutants did not apply to $head"
say "time: $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s for ${#patches[@]} mutants"
say "$killed killed, $survived survived"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
