#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The aarch64 userland that the x86_64 host lacks, from Debian's arm64
# packages (downloaded with apt into the cache, never from elsewhere):
# - the guest's initramfs: its shell, init and the few tools the test
#   scripts call (busybox-static, bash-static, and setpriv and unshare of
#   util-linux with the libraries they load); its /init is
#   tooling/guest-init-arm64.sh;
# - a sysroot ($CACHE/arm64/sysroot) with libcap's static library and
#   header, for the upstream clone3 tests (libcap-dev).
# Made again only when that script or the lists below change; prints the
# path of the cpio archive.
# Usage: arm64-userland.sh
. "$(dirname "$0")/lib.sh"

# The packages, and the files of them the guest gets (paths inside them).
PACKAGES=(busybox-static bash-static util-linux libc6 libcap-ng0 libcap-dev)
FILES=(bin/busybox bin/bash-static usr/bin/setpriv usr/bin/unshare
	lib/ld-linux-aarch64.so.1 lib/aarch64-linux-gnu/ld-linux-aarch64.so.1
	lib/aarch64-linux-gnu/libc.so.6 lib/aarch64-linux-gnu/libcap-ng.so.0)

dir=$CACHE/arm64
cpio_out=$dir/initramfs.cpio.gz
init=$REPO/tooling/guest-init-arm64.sh
stamp=$( (printf '%s\n' "${PACKAGES[@]}" "${FILES[@]}"; cat "$init") |
	sha256sum | cut -d' ' -f1)
if [ -f "$cpio_out" ] && [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$cpio_out"
	exit 0
fi

# apt with lists of its own for arm64 (the host's apt, its sources and
# keys), so that the host needs no "dpkg --add-architecture".
apt_arm64() {
	apt-get -o Dir::State::Lists="$dir/apt/lists" -o Dir::Cache="$dir/apt/cache" \
		-o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
		-o APT::Sandbox::User=root "$@"
}
debs=$dir/debs
if [ ! -f "$debs/.complete" ] ||
   [ "$(cat "$debs/.complete")" != "${PACKAGES[*]}" ]; then
	step arm64 "downloading Debian's arm64 ${PACKAGES[*]} into $debs"
	mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
	rm -rf "$debs"
	mkdir -p "$debs"
	run_logged "$LOGS/apt-arm64.log" apt_arm64 update
	(cd "$debs" && run_logged "$LOGS/apt-arm64.log" apt_arm64 download "${PACKAGES[@]}")
	echo "${PACKAGES[*]}" >"$debs/.complete"
fi

step arm64 "making $cpio_out"
unpacked=$dir/sysroot
root=$dir/root
rm -rf "$unpacked" "$root"
mkdir -p "$unpacked" "$root"
for deb in "$debs"/*.deb; do
	dpkg-deb -x "$deb" "$unpacked"
done
# A file that is a (relative) symlink comes with its target.
(cd "$unpacked" && for f in "${FILES[@]}"; do
	cp -a --parents "$f" "$root/"
	[ ! -L "$f" ] || cp -a --parents "$(dirname "$f")/$(readlink "$f")" "$root/"
done)
ln -s bash-static "$root/bin/bash"
ln -s busybox "$root/bin/sh"
mkdir -p "$root"/{dev,proc,sys,tmp,run,root,mnt,host,etc,usr/sbin,sbin,var/tmp}
# The console init starts on, before devtmpfs is mounted.
mknod -m 600 "$root/dev/console" c 5 1
install -m 755 "$init" "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 >"$cpio_out.tmp"
mv "$cpio_out.tmp" "$cpio_out"
echo "$stamp" >"$dir/initramfs.stamp"
echo "$cpio_out"
