#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest side of tooling/hardening.sh, run as root in the booted kernel
# (the debug one for make hardening): every program of
# tools/testing/selftests/clone_with_pids/hardening/, 64-bit then ia32,
# each framed by "@@BEGIN NAME" and "@@END NAME STATUS" for hardening.sh to
# split on, then the kernel's own verdict as a KTAP block named "kernel":
# kmemleak, taint, the log. Not a kselftest: host/guest tooling.
# Usage: hardening-guest.sh BINDIR short|quick|full [SEED]
#   BINDIR/64 and BINDIR/32: OUTPUT of the clone_with_pids selftests build
#   (make CC=gcc and CC="gcc -m32"); the programs are in its hardening/
#   short: no fault injection, a 5 s race, 10,000 fuzz calls per ABI
#          (make check, in the normal kernel)
#   quick: everything, a 15 s race, 10,000 fuzz calls per ABI
#   full:  everything, a 60 s race, 100,000 fuzz calls per ABI
bin=$1
mode=${2:-quick}
seed=${3:-}
leak=/sys/kernel/debug/kmemleak

# run NAME TIMEOUT PROGRAM [ARGS...]
run() {
	local name=$1 limit=$2 t0=$SECONDS
	shift 2
	echo "@@BEGIN $name"
	timeout -k 10 "$limit" "$@"
	local code=$?
	# faults quiets the console while it runs; never leave it so
	echo "$printk" >/proc/sys/kernel/printk
	echo "# $name: $((SECONDS - t0)) s"
	echo "@@END $name $code"
}

# Boot leaves kmemleak suspects behind (and its first automatic scan
# would report them to the console): scan now, quietly, and forget them,
# so that the final scan shows only what the tests leaked.
printk=$(cut -f1 /proc/sys/kernel/printk)
if [ -w $leak ]; then
	echo 4 >/proc/sys/kernel/printk
	echo scan=off >$leak
	echo scan >$leak
	echo clear >$leak
	echo "$printk" >/proc/sys/kernel/printk
fi
taint0=$(cat /proc/sys/kernel/tainted)
echo "cwp-hardening: start" >/dev/kmsg

calls=(--quick)
race=15
faults=yes
case $mode in
short) race=5 faults= ;;
full) calls=(--calls 100000) race=60 ;;
esac
fuzzseed=()
[ -n "$seed" ] && fuzzseed=(--seed "$seed")

programs=
for bits in 64 32; do
	programs+="security$bits exhaust$bits race$bits ${faults:+faults$bits} fuzz$bits "
done
echo "@@PROGRAMS $programs kernel"

for bits in 64 32; do
	dir=$bin/$bits/hardening
	run security$bits 300 "$dir/security"
	run exhaust$bits 300 "$dir/exhaust"
	run race$bits $((race + 120)) "$dir/race" --seconds "$race" \
		"${fuzzseed[@]}"
	[ -n "$faults" ] && run faults$bits 900 "$dir/faults"
	run fuzz$bits 6000 "$dir/fuzz" "${calls[@]}" "${fuzzseed[@]}"
done

echo "@@BEGIN kernel"
echo "KTAP version 1"
echo "1..3"
if [ -w $leak ]; then
	# twice, apart: a pointer in flight can hide an object once; a scan
	# is refused once kmemleak has turned itself off
	if ! { echo scan >$leak && sleep 5 && echo scan >$leak; } 2>/dev/null; then
		echo "# kmemleak refuses to scan: it turned itself off"
		echo "not ok 1 kmemleak"
	elif report=$(cat $leak) && [ -z "$report" ]; then
		echo "ok 1 kmemleak"
	else
		echo "$report" | head -n 80 | sed 's/^/# /'
		echo "not ok 1 kmemleak"
	fi
else
	echo "ok 1 kmemleak # SKIP no $leak"
fi
taint=$(cat /proc/sys/kernel/tainted)
if [ $((taint & ~taint0)) -eq 0 ]; then
	echo "ok 2 no_new_taint"
else
	echo "# tainted $taint0 -> $taint"
	echo "not ok 2 no_new_taint"
fi
# Reports the console did not show (it was quiet while faults were
# injected); fault injection's own stack dumps are not reports.
# The log may have wrapped (the dumps are many): from our mark if it is
# still there, else all of it.
splats=$(dmesg | awk '
	/cwp-hardening: start/ { n = 0; next }
	{ line[n++] = $0 }
	END { for (i = 0; i < n; i++) print line[i] }' | awk '
	/FAULT_INJECTION: forcing a failure/ { dump = 1 }
	dump { if (/<\/TASK>/) dump = 0; next }
	/BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|lockdep|possible circular|INFO: task|suspected memory leak|Call Trace:|detected stall/' |
	head -n 40)
if [ -z "$splats" ]; then
	echo "ok 3 kernel_log_clean"
else
	echo "$splats" | sed 's/^/# /'
	echo "not ok 3 kernel_log_clean"
fi
echo "@@END kernel 0"
