#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the arm64 test guest, /init of its initramfs (tooling/arm64-userland.sh),
# run by Debian's arm64 busybox. What tooling/guest-init.sh does for x86_64,
# where the host's filesystem can be the root: here it is x86_64, so the
# guest keeps its aarch64 /bin, /lib and /usr from the initramfs and gets
# the host's other top-level directories (/work, /home, /opt, ...) over 9p,
# read-only, at their own paths, so that the host's paths of the
# repository, out/ and the cache work unchanged. Then as on x86_64:
# fresh tmpfs on /tmp, /run, /var/tmp and /root (the repository bound back
# if it lives below one), the command script run by bash in the current
# directory of the host, its output on hvc0 (virt has one UART for the
# normal world: the kernel's console), its exit status reported as
# "@@CWP-EXIT N@@", and a reboot, which ends QEMU (-no-reboot).
# Kernel command line: ... -- REPO CMD-SCRIPT
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
repo=$1
cmd=$2

/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro \
	host /host
for d in /host/*; do
	[ -d "$d" ] && [ ! -L "$d" ] || continue
	case ${d#/host} in
	/bin | /sbin | /lib* | /usr | /etc | /proc | /sys | /dev | /run | \
	/tmp | /var | /root | /mnt | /host | /boot | /lost+found) continue ;;
	esac
	mkdir -p "${d#/host}"
	mount --bind "$d" "${d#/host}"
done
# The untouched host root stays reachable at /host (x86_64: /mnt); the
# shared part comes from there, as the repository may be below /tmp.
. "/host$repo/tooling/guest-init-common.sh"
guest_scratch /host "$repo"
guest_run /dev/hvc0 "$cmd"
