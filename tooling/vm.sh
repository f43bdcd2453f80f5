#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a built kernel under QEMU (TCG) with the host's filesystem as its
# read-only root and run a command in it as root, in the current directory.
# Prints the command's output and exits with its status. The guest console
# goes to out/logs/console-<flavour>.log; an oops, WARN, BUG, KASAN, UBSAN,
# lockdep report or panic there fails the run.
# Usage: vm.sh [--debug] CMD...   (CWP_KERNEL=bzImage boots another kernel)
. "$(dirname "$0")/lib.sh"

flavour=normal
if [ "${1:-}" = "--debug" ]; then
	flavour=debug
	shift
fi
[ $# -gt 0 ] || die "usage: vm.sh [--debug] CMD..."
build=$BUILD_NORMAL
[ $flavour = debug ] && build=$BUILD_DEBUG
kernel=${CWP_KERNEL:-$build/arch/x86/boot/bzImage}
[ -f "$kernel" ] || die "no kernel at $kernel: run 'make kernel' first"

mkdir -p "$OUT/vm"
run=$(mktemp -d "$OUT/vm/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
{
	printf 'cd %q || exit 125\n' "$PWD"
	printf '%s\n' "$*"
} >"$run/cmd.sh"
console=$LOGS/console-$flavour.log
# A kernel given with CWP_KERNEL (not the build's) keeps its console apart.
[ -n "${CWP_KERNEL:-}" ] && console=$run/console.log
: >"$run/out"

append="console=ttyS0 root=/dev/root rootfstype=9p"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
append+=" ro init=$REPO/tooling/guest-init.sh panic=-1"
# pci=noacpi: under KASAN and TCG the ACPI interpreter can time out on the
# PCI routing method (AE_AML_LOOP_TIMEOUT), leaving virtio-9p, the root
# file system, without an interrupt.
[ $flavour = debug ] && append+=" pci=noacpi"
append+=" ${CWP_APPEND:-}"
append+=" -- $run/cmd.sh"

# la57=off: with 5-level paging, identify_cpu() clears the CPU's feature
# bits, LA57 among them, for a moment at boot; a timer interrupt then
# makes KASAN take a direct-map address for a wild one ("wild-memory-access
# in do_raw_spin_lock", about one debug boot in ten). Not this series.
timeout "${CWP_VM_TIMEOUT:-3000}" qemu-system-x86_64 \
	-accel tcg -cpu max,la57=off -smp "${CWP_VM_CPUS:-2}" -m "${CWP_VM_MEM:-2G}" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -append "$append" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root \
	-serial "file:$console" -serial "file:$run/out" \
	</dev/null >"$run/qemu.log" 2>&1 &
qemu=$!
tail -f -n +1 --pid=$qemu "$run/out" | grep --line-buffered -v '^@@CWP-EXIT'
wait $qemu || true

rc=$(sed -n 's/^@@CWP-EXIT \([0-9]*\)@@.*/\1/p' "$run/out" | tail -n 1)
if [ -z "$rc" ]; then
	echo "error: the guest did not finish the command; last console lines:" >&2
	tail -n 30 "$console" >&2
	cat "$run/qemu.log" >&2
	rc=125
fi
splats='(BUG:|WARNING:|Oops|Kernel panic|UBSAN:|KASAN:|suspected memory leak|general protection fault|Call Trace:|INFO: task .* blocked)'
if grep -aEq "$splats" "$console"; then
	echo "error: the guest kernel reported a problem ($console):" >&2
	grep -aE -A 12 "$splats" "$console" | head -n 60 >&2 || true
	rc=124
fi
exit "$rc"
