#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest: the host's filesystem is the read-only root, so
# give the guest its own proc, sys, dev and writable scratch space, run the
# command script named after "--" on the kernel command line with its
# output on ttyS1, report its exit status and reboot (QEMU runs with
# -no-reboot, so that ends the VM).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Scratch tmpfs over /tmp, /run, /var/tmp and /root; a repository that
# lives below one of them (CI clones anywhere) is bound back in from the
# untouched root, kept reachable at /mnt.
repo=$(cd "$(dirname "$0")/.." && pwd)
mount --bind / /mnt
for d in /tmp /run /var/tmp /root; do
	mount -t tmpfs tmpfs "$d"
	case $repo/ in "$d"/*)
		mkdir -p "$repo"
		mount --bind "/mnt$repo" "$repo"
		;;
	esac
done
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

exec </dev/null >/dev/ttyS1 2>&1
stty -F /dev/ttyS1 -onlcr 2>/dev/null
hostname cwp-guest

bash "$1"
echo "@@CWP-EXIT $?@@"
echo b >/proc/sysrq-trigger
