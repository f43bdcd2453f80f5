# SPDX-License-Identifier: GPL-2.0
# Common settings for the tooling scripts; sourced, never run.

set -euo pipefail

step() { printf '[%s] %s\n' "$1" "$2" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tooling/pin
. "$REPO/tooling/pin"

# The unpacked kernel, the builds and the test binaries live outside the
# repository so that every clone (and CI) reuses them.
CACHE=${CWP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clone_with_pids}
OUT=$REPO/out
# CWP_KERNEL_TREE: a kernel developer's own 6.12 git checkout instead of
# Debian's source. The series is built in a worktree of it in the cache
# (their checkout and branch are never touched), with builds of its own.
# (Not KDIR: kbuild's external-module builds use that name.)
if [ -n "${CWP_KERNEL_TREE:-}" ]; then
	CWP_KERNEL_TREE=$(cd "$CWP_KERNEL_TREE" && pwd) ||
		die "CWP_KERNEL_TREE=$CWP_KERNEL_TREE is not a directory"
	tree_id=$(echo "$CWP_KERNEL_TREE" | sha256sum | cut -c1-8)
	TREE=$CACHE/worktree-$tree_id
	BUILD_ROOT=$CACHE/build-$tree_id
	# A branch of its own: the user's checkout may have clone_with_pids.
	SERIES_BRANCH=cwp/clone_with_pids
else
	TREE=$CACHE/linux-$KERNEL_RELEASE
	BUILD_ROOT=$CACHE/build
	SERIES_BRANCH=clone_with_pids
fi
BUILD_DEBUG=$BUILD_ROOT/debug
# ARCH (make run|check|vm|... ARCH=arm64): the architecture the kernel and
# the guest's programs are built for, x86_64 unless said. Each has its own
# kernel build and its own out/ part (arch_out: logs, results, test
# programs), so that a run of one never touches the other's. CWP_ARCH,
# not ARCH, inside: kbuild reads ARCH from the environment.
CWP_ARCH=${ARCH:-x86_64}
case $CWP_ARCH in
x86_64 | x86)
	CWP_ARCH=x86_64
	BUILD_NORMAL=$BUILD_ROOT/normal
	ARCH_OUT=$OUT
	KERNEL_IMAGE=arch/x86/boot/bzImage
	;;
arm64 | aarch64)
	CWP_ARCH=arm64
	BUILD_NORMAL=$BUILD_ROOT/arm64
	# The kernel headers of AArch32 (ARCH=arm) for the compat programs.
	BUILD_ARM_HEADERS=$BUILD_ROOT/arm-headers
	ARCH_OUT=$OUT/arm64
	KERNEL_IMAGE=arch/arm64/boot/Image
	# Static aarch64 and armhf programs: clang and lld, with Debian's
	# cross C libraries (libc6-dev-*-cross, libgcc-12-dev-*-cross) as
	# sysroots. Not Debian's GNU cross compilers: they conflict with
	# gcc-multilib, which the x86_64 ia32 builds need.
	CROSS_CC="clang --target=aarch64-linux-gnu -fuse-ld=lld"
	CROSS_CC32="clang --target=arm-linux-gnueabihf -fuse-ld=lld"
	RUST_TARGET=aarch64-unknown-linux-musl
	# musl's target is self-contained (its C library and start files
	# come with rust-std): lld links it.
	export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld
	;;
*) die "ARCH=$CWP_ARCH: say x86_64 or arm64" ;;
esac
LOGS=$ARCH_OUT/logs
JOBS=${JOBS:-$(($(nproc) + 1))}

export PATH="$HOME/.cargo/bin:$PATH"

# bindgen loads the newest libclang it finds; the architecture gate's
# clang-16 must not replace the one of the clang that builds the kernel.
if [ -z "${LIBCLANG_PATH:-}" ] && command -v clang >/dev/null; then
	LIBCLANG_PATH=$(dirname "$(dirname "$(clang -print-resource-dir)")")
	export LIBCLANG_PATH
fi

# Sphinx for the documentation gate, in a venv of its own: a version the
# kernel's Documentation/conf.py supports, whatever the system has.
SPHINX_VENV=$CACHE/sphinx-venv

mkdir -p "$CACHE" "$OUT" "$ARCH_OUT" "$LOGS"

# The identity the series is committed with.
SERIES_AUTHOR_NAME=${SERIES_AUTHOR_NAME:-"Clone With Pids Developers"}
SERIES_AUTHOR_EMAIL=${SERIES_AUTHOR_EMAIL:-"clone-with-pids@lists.example.org"}
# Fixed dates make the series commits reproducible, so an unchanged series
# gives unchanged commit ids and a warm run rebuilds nothing.
SERIES_DATE="2026-11-01T00:00:00+0000"


# run_logged LOG CMD...: run CMD with its output in LOG; on failure show the
# last lines of LOG and fail.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		printf 'error: %s failed; last lines of %s:\n' "$*" "$log" >&2
		tail -n 40 "$log" >&2
		return 1
	fi
}

# Every build goes through clippy, so its warnings show where code is
# compiled and switching it on never forces a rebuild.
# For arm64 the same LLVM toolchain cross-compiles (ARCH=arm64 LLVM=1).
kmake() {
	if [ "$CWP_ARCH" = x86_64 ]; then
		make -C "$TREE" LLVM=1 CLIPPY=1 -j"$JOBS" "$@"
	else
		make -C "$TREE" ARCH="$CWP_ARCH" LLVM=1 CLIPPY=1 -j"$JOBS" "$@"
	fi
}
