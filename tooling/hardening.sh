#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hardening of clone_with_pids(): builds the stress programs of
# tools/testing/selftests/clone_with_pids/hardening/ with the selftests'
# Makefile, as 64-bit and ia32 programs into out/hardening/{64,32}/hardening/,
# boots a kernel once, runs them there (tooling/hardening-guest.sh:
# fuzzing, fault injection, races, pid exhaustion, capabilities, then
# kmemleak and taint) and appends "PASS|FAIL|SKIP hardening/..." lines to
# RESULTS_FILE.
#
# Usage: hardening.sh RESULTS_FILE [debug|normal]
#   debug (make hardening): the debug kernel (KASAN, kmemleak, lockdep,
#          UBSAN, fault injection), all of it: 100,000 fuzz calls per ABI,
#          a 60 s race; CWP_HARDENING_FULL=0 for 10,000 calls and 15 s
#   normal (make check): the normal kernel, short: no fault injection,
#          10,000 fuzz calls per ABI, a 5 s race, seed 1 unless given
#   CWP_HARDENING_SEED=N   the fuzzer's and the race's seed (default: from
#                          the clock; each program prints its seed)
. "$(dirname "$0")/lib.sh"

results=${1:?usage: hardening.sh RESULTS_FILE}
touch "$results"
# Runs may overlap (make check in two trees of one cache): each writes its
# own log and puts it in place at the end.
log=$(mktemp "$LOGS/hardening.XXXXXX.log")
part=$(mktemp "$OUT/hardening-part.XXXXXX")
trap 'rm -f "$part"; [ -f "$log" ] && mv -f "$log" "$LOGS/hardening.log"' EXIT
bin=$OUT/hardening

. "$REPO/tooling/results.sh"

flavour=${2:-debug}
case $flavour in
debug)
	kernel=$BUILD_DEBUG/arch/x86/boot/bzImage
	mode=full
	[ "${CWP_HARDENING_FULL:-1}" = 0 ] && mode=quick
	seed=${CWP_HARDENING_SEED:-}
	;;
normal)
	kernel=$BUILD_NORMAL/arch/x86/boot/bzImage
	mode=short
	seed=${CWP_HARDENING_SEED:-1}
	;;
*) die "unknown kernel flavour $flavour" ;;
esac

# The repository's selftests directory (as at the end of the series), on
# lib.mk and kselftest*.h of the kernel tree.
build_hardening() {
	local src=$OUT/hardening/src sel=tools/testing/selftests bits cc
	rm -rf "$src"
	mkdir -p "$src/$sel"
	cp "$TREE/$sel/lib.mk" "$TREE/$sel/kselftest.h" \
		"$TREE/$sel/kselftest_harness.h" "$src/$sel/" &&
	cp -a "$REPO/$sel/clone_with_pids" "$src/$sel/" || return
	for bits in 64 32; do
		cc=gcc
		[ $bits = 32 ] && cc="gcc -m32"
		mkdir -p "$bin/$bits"
		make -C "$src/$sel/clone_with_pids" OUTPUT="$bin/$bits" \
			KHDR_INCLUDES="-isystem $BUILD_NORMAL/usr/include" \
			CC="$cc" hardening || return
	done
}

if ! run_logged "$LOGS/hardening-build.log" build_hardening; then
	record FAIL hardening/build "see $LOGS/hardening-build.log"
	exit 1
fi
# Building kernels is the caller's business (tooling/build-kernel.sh).
if [ ! -f "$kernel" ]; then
	record FAIL hardening/guest "no $flavour kernel at $kernel: run tooling/build-kernel.sh $flavour"
	exit 1
fi

# panic_on_warn makes any WARN fatal, so that vm.sh sees it.
append="panic_on_warn=1"
vmflags=()
if [ $flavour = debug ]; then
	append+=" kmemleak=on"
	vmflags=(--debug)
fi
export CWP_APPEND="$append ${CWP_APPEND:-}"
timeout=1200
[ $mode = full ] && timeout=14400
export CWP_VM_TIMEOUT=${CWP_VM_TIMEOUT:-$timeout}

info "hardening ($mode) in the $flavour kernel (log: $LOGS/hardening.log)"
t0=$SECONDS
rc=0
"$REPO/tooling/vm.sh" "${vmflags[@]}" "$REPO/tooling/hardening-guest.sh" "$bin" "$mode" \
	"$seed" >"$log" 2>&1 || rc=$?
info "guest run: $((SECONDS - t0)) s"
record_vm hardening $rc "$log"

# hardening-guest.sh names the programs it will run first: "@@PROGRAMS NAME...".
programs=$(sed -n 's/^@@PROGRAMS //p' "$log")
[ -n "$programs" ] || record FAIL hardening/run "the guest did not start hardening-guest.sh"
for t in $programs; do
	program_output "$log" "$t" >"$part"
	status=$(program_status "$log" "$t")
	if [ -z "$status" ]; then
		if grep -qx "@@BEGIN $t" "$log"; then
			record FAIL "hardening/$t" "did not finish"
		else
			record FAIL "hardening/$t" "did not run"
		fi
		continue
	fi
	record_ktap "$part" "$status" "hardening/$t/"
done
grep -E '^# (fuzz: seed|race: seed|[0-9]+ attempts|wins per level)' "$log" |
	sed 's/^# /    /' >&2 || true
