#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's test programs against the patched kernel's headers:
# the clone_with_pids kselftests as 64-bit and ia32 binaries (arm64:
# aarch64 and AArch32), and the upstream clone3 kselftests. Output in
# out/selftests/ (arm64: out/arm64/selftests/).
. "$(dirname "$0")/lib.sh"

hdr=$BUILD_NORMAL/usr/include
run_logged "$LOGS/headers.log" kmake O="$BUILD_NORMAL" headers

build_suite() {
	local dir=$1 out=$2
	shift 2
	[ -d "$TREE/tools/testing/selftests/$dir" ] || return 0
	mkdir -p "$out"
	run_logged "$LOGS/selftests-$(basename "$out").log" \
		make -C "$TREE/tools/testing/selftests/$dir" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $hdr" "$@"
}

if [ "$CWP_ARCH" = x86_64 ]; then
	build_suite clone_with_pids "$OUT/selftests/cwp64"
	build_suite clone_with_pids "$OUT/selftests/cwp32" CC="gcc -m32"
	build_suite clone3 "$OUT/selftests/clone3"
	exit 0
fi

# arm64: static programs (the guest has no aarch64 or armhf libraries),
# cross-compiled by clang (lib.sh: CROSS_CC, CROSS_CC32); the AArch32 ones
# against the ARCH=arm headers of the same tree. libcap for the clone3
# suite comes from Debian's arm64 libcap-dev.
"$REPO/tooling/arm64-userland.sh" >/dev/null
sysroot=$CACHE/arm64/sysroot
mkdir -p "$BUILD_ARM_HEADERS"
run_logged "$LOGS/headers-arm.log" \
	make -C "$TREE" ARCH=arm LLVM=1 O="$BUILD_ARM_HEADERS" headers
build_suite clone_with_pids "$ARCH_OUT/selftests/cwp64" \
	CC="$CROSS_CC" USERLDFLAGS=-static
build_suite clone_with_pids "$ARCH_OUT/selftests/cwp32" \
	CC="$CROSS_CC32" USERLDFLAGS=-static \
	KHDR_INCLUDES="-isystem $BUILD_ARM_HEADERS/usr/include"
build_suite clone3 "$ARCH_OUT/selftests/clone3" \
	CC="$CROSS_CC" USERCFLAGS="-isystem $sysroot/usr/include" \
	USERLDFLAGS="-static -L$sysroot/usr/lib/aarch64-linux-gnu"
