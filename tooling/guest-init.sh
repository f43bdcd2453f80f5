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
# The untouched root stays reachable at /mnt, for the scratch part.
repo=$(cd "$(dirname "$0")/.." && pwd)
mount --bind / /mnt
. "$repo/tooling/guest-init-common.sh"
guest_scratch /mnt "$repo"
guest_run /dev/ttyS1 "$1"
