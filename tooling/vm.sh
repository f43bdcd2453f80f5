#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a built kernel under QEMU (TCG) with the host's filesystem as its
# read-only root and run a command in it as root, in the current directory.
# Prints the command's output and exits with its status. The guest console
# goes to out/logs/console-<flavour>.log; an oops, WARN, BUG, KASAN, UBSAN,
# lockdep report or panic there fails the run.
# Usage: vm.sh [--debug] CMD...   (CWP_KERNEL=bzImage boots another kernel)
# ARCH=arm64: the arm64 kernel on QEMU's virt machine (see qemu_arm64).
# CWP_VM_CPUS, CWP_VM_MEM: vCPUs (2) and memory (2G). CWP_VM_ACCEL: QEMU
# options that replace the default "-accel tcg", split at blanks; e.g.
# "-accel tcg,thread=single -icount shift=0,sleep=off,align=off" makes the
# guest's clock count instructions (tooling/bench.sh).
. "$(dirname "$0")/lib.sh"

flavour=normal
if [ "${1:-}" = "--debug" ]; then
	flavour=debug
	shift
fi
[ $# -gt 0 ] || die "usage: vm.sh [--debug] CMD..."
build=$BUILD_NORMAL
[ $flavour = debug ] && build=$BUILD_DEBUG
[ $flavour = debug ] && [ "$CWP_ARCH" != x86_64 ] && die "--debug: x86_64 only"
kernel=${CWP_KERNEL:-$build/$KERNEL_IMAGE}
[ -f "$kernel" ] || die "no kernel at $kernel: run 'make kernel' first"
read -ra accel <<<"${CWP_VM_ACCEL:--accel tcg}"

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

# arm64: QEMU's virt machine with its "max" CPU (AArch32 at EL0 too), the
# initramfs of tooling/arm64-userland.sh as the root, the host's
# filesystem over 9p, the console on the PL011 and the command's output on
# a virtio console (see tooling/guest-init-arm64.sh).
qemu_arm64() {
	local initrd append
	initrd=$("$REPO/tooling/arm64-userland.sh")
	append="console=ttyAMA0 rdinit=/init panic=-1 ${CWP_APPEND:-}"
	append+=" -- $REPO $run/cmd.sh"
	# pauth-impdef: TCG's emulation of the architected pointer
	# authentication (QARMA) would make every function call slow.
	timeout "${CWP_VM_TIMEOUT:-3000}" qemu-system-aarch64 \
		-M virt "${accel[@]}" -cpu max,pauth-impdef=on \
		-smp "${CWP_VM_CPUS:-2}" -m "${CWP_VM_MEM:-2G}" \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=host \
		-device virtio-serial-pci \
		-chardev file,id=out,path="$run/out" -device virtconsole,chardev=out \
		-serial "file:$console"
}

if [ "$CWP_ARCH" = arm64 ]; then
	qemu_arm64 </dev/null >"$run/qemu.log" 2>&1 &
else
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
		"${accel[@]}" -cpu max,la57=off -smp "${CWP_VM_CPUS:-2}" -m "${CWP_VM_MEM:-2G}" \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -append "$append" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root \
		-serial "file:$console" -serial "file:$run/out" \
		</dev/null >"$run/qemu.log" 2>&1 &
fi
qemu=$!
# The exit marker follows the command's output, on a line of its own only
# when that output ends with a newline: what precedes it is output, and
# printed as it came.
# mawk (Debian's awk) reads a pipe in blocks unless -W interactive, which
# would hold the guest's output back until it ends.
awk=(awk)
awk -W version 2>&1 | grep -q mawk && awk=(awk -W interactive)
tail -f -n +1 --pid=$qemu "$run/out" | "${awk[@]}" '
	match($0, /@@CWP-EXIT [0-9]*@@/) { printf "%s", substr($0, 1, RSTART - 1); fflush(); next }
	{ print; fflush() }'
wait $qemu || true

rc=$(sed -n 's/.*@@CWP-EXIT \([0-9]*\)@@.*/\1/p' "$run/out" | tail -n 1)
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
