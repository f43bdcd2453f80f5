#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, idempotently, what the loop needs and is missing.
. "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
	qemu-system-x86 clang lld llvm flex bison bc
	libelf-dev libssl-dev cpio gcc-multilib libcap-dev python3-ply
	python3-git
	# The architecture gate: s390 needs clang 15 or later (Debian 12's
	# clang is 14) and GNU ld (lld cannot link s390).
	clang-16 lld-16 llvm-16 binutils-s390x-linux-gnu
)
# ARCH=arm64: QEMU for aarch64, and the C libraries of the guest's static
# aarch64 and armhf (AArch32) programs, which clang builds (lib.sh).
[ "$CWP_ARCH" != arm64 ] || APT_PACKAGES+=(qemu-system-arm
	libc6-dev-arm64-cross libgcc-12-dev-arm64-cross
	libc6-dev-armhf-cross libgcc-12-dev-armhf-cross)
# With CWP_KERNEL_TREE the user's tree replaces Debian's kernel source.
[ -n "${CWP_KERNEL_TREE:-}" ] || APT_PACKAGES+=("$KERNEL_DEB_PACKAGE")

missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	step setup "installing ${missing[*]} (≈3 min)"
	run_logged "$LOGS/apt-update.log" apt-get update
	pkgs=()
	for p in "${missing[@]}"; do
		if [ "$p" = "$KERNEL_DEB_PACKAGE" ] &&
		   apt-cache madison "$p" | grep -qF "$KERNEL_DEB_VERSION"; then
			p="$p=$KERNEL_DEB_VERSION"
		fi
		pkgs+=("$p")
	done
	DEBIAN_FRONTEND=noninteractive run_logged "$LOGS/apt-install.log" \
		apt-get install -y --no-install-recommends "${pkgs[@]}"
fi

command -v rustup >/dev/null || die "rustup is missing; this machine kind ships it"
if ! rustup component list --installed | grep -q '^rust-src'; then
	step setup "adding rust-src"
	run_logged "$LOGS/rustup.log" rustup component add rust-src
fi
# The restart tools for the arm64 guest: Rust's static musl target.
if [ -n "${RUST_TARGET:-}" ] &&
   ! rustup target list --installed | grep -qx "$RUST_TARGET"; then
	step setup "adding Rust's $RUST_TARGET target"
	run_logged "$LOGS/rustup.log" rustup target add "$RUST_TARGET"
fi
if ! bindgen --version 2>/dev/null | grep -q '0\.69\.5'; then
	step setup "installing bindgen-cli 0.69.5 (≈3 min)"
	run_logged "$LOGS/bindgen.log" cargo install --locked bindgen-cli@0.69.5
fi
# checkpatch's SPDX check runs "python3" from PATH, which may not be
# Debian's (whose python3-ply/python3-git cover /usr/bin/python3).
if ! python3 -c 'import ply, git' 2>/dev/null; then
	step setup "installing ply and GitPython for $(command -v python3)"
	run_logged "$LOGS/pip.log" python3 -m pip install --quiet ply GitPython
fi
# The documentation gate builds Documentation/userspace-api with Sphinx.
if [ ! -x "$SPHINX_VENV/bin/sphinx-build" ]; then
	step setup "installing Sphinx for the documentation gate (≈30 s)"
	run_logged "$LOGS/sphinx.log" python3 -m venv "$SPHINX_VENV"
	run_logged "$LOGS/sphinx.log" "$SPHINX_VENV/bin/pip" install --quiet 'sphinx<8' pyyaml
fi
# The arm64 guest's userland (Debian's arm64 packages, into the cache).
if [ "$CWP_ARCH" = arm64 ]; then
	"$REPO/tooling/arm64-userland.sh" >/dev/null
fi
