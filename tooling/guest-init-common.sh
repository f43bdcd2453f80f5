# SPDX-License-Identifier: GPL-2.0
# The part of the test guest's PID 1 that x86_64 (tooling/guest-init.sh,
# bash) and arm64 (tooling/guest-init-arm64.sh, busybox sh) share. POSIX sh,
# sourced once proc, sys and dev are mounted and the host's files are in place.

# guest_scratch HOST_ROOT REPO: fresh tmpfs on /tmp, /run, /var/tmp and
# /root; a repository REPO that lives below one of them (CI clones
# anywhere) is bound back in from HOST_ROOT, where the untouched host root
# stays reachable. Then debugfs, where the kernel has it.
guest_scratch() {
	for d in /tmp /run /var/tmp /root; do
		mount -t tmpfs tmpfs "$d"
		case $2/ in "$d"/*)
			mkdir -p "$2"
			mount --bind "$1$2" "$2"
			;;
		esac
	done
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
}

# guest_run CONSOLE SCRIPT: runs SCRIPT with bash, all output on CONSOLE,
# reports its exit status as "@@CWP-EXIT N@@" and reboots, which ends QEMU
# (it runs with -no-reboot).
guest_run() {
	exec </dev/null >"$1" 2>&1
	stty -F "$1" -onlcr 2>/dev/null
	hostname cwp-guest
	bash "$2"
	echo "@@CWP-EXIT $?@@"
	echo b >/proc/sysrq-trigger
}
