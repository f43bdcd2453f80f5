#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's test programs against the patched kernel's headers:
# the clone_with_pids kselftests as 64-bit and ia32 binaries, and the
# upstream clone3 kselftests. Output in out/selftests/.
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

build_suite clone_with_pids "$OUT/selftests/cwp64"
build_suite clone_with_pids "$OUT/selftests/cwp32" CC="gcc -m32"
build_suite clone3 "$OUT/selftests/clone3"
