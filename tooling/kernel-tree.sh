#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the kernel the series is built on a git tree with a baseline commit
# tagged cwp-baseline: the pinned Debian source, unpacked and committed
# once; or, with CWP_KERNEL_TREE, a worktree of the user's own checkout
# whose HEAD at first use is the baseline (the tag goes into their
# repository; nothing else of theirs changes).
. "$(dirname "$0")/lib.sh"

git_tree() { git -C "$TREE" "$@"; }

if [ -n "${CWP_KERNEL_TREE:-}" ]; then
	theirs() { git -C "$CWP_KERNEL_TREE" "$@"; }
	theirs rev-parse --git-dir >/dev/null 2>&1 ||
		die "CWP_KERNEL_TREE=$CWP_KERNEL_TREE is not a git checkout"
	theirs rev-parse -q --verify cwp-baseline >/dev/null ||
		theirs tag cwp-baseline HEAD
	if [ ! -e "$TREE/.git" ]; then
		step tree "a worktree of $CWP_KERNEL_TREE at cwp-baseline: $TREE"
		theirs worktree prune
		theirs worktree add -q --detach "$TREE" cwp-baseline
	fi
	exit 0
fi

if git_tree rev-parse -q --verify cwp-baseline >/dev/null 2>&1; then
	exit 0
fi

[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run tooling/setup.sh"
echo "$KERNEL_TARBALL_SHA256  $KERNEL_TARBALL" | sha256sum -c --quiet - ||
	die "$KERNEL_TARBALL is not the pinned $KERNEL_DEB_VERSION (tooling/pin)"

step tree "unpacking $KERNEL_DEB_PACKAGE $KERNEL_DEB_VERSION (≈1 min)"
rm -rf "$TREE.tmp"
mkdir -p "$TREE.tmp"
tar -xf "$KERNEL_TARBALL" -C "$TREE.tmp" --strip-components=1

# Debian's .gitignore ends with a block that ignores the whole top level.
sed -i '/^# Debian packaging/,$d' "$TREE.tmp/.gitignore"
sed -i '${/^#$/d}' "$TREE.tmp/.gitignore"

step tree "committing the baseline"
git -C "$TREE.tmp" init -q
git -C "$TREE.tmp" add -A
# The rest of Debian's .gitignore still ignores every dotfile (upstream
# re-includes .gitignore, .rustfmt.toml, ...): the baseline has them all.
git -C "$TREE.tmp" ls-files -z --others --ignored --exclude-standard |
	xargs -0 git -C "$TREE.tmp" add -f --
GIT_AUTHOR_DATE=$SERIES_DATE GIT_COMMITTER_DATE=$SERIES_DATE \
	git -C "$TREE.tmp" -c user.name=baseline -c user.email=baseline@localhost \
	commit -q -m "Linux $KERNEL_RELEASE (Debian $KERNEL_DEB_VERSION)"
git -C "$TREE.tmp" tag cwp-baseline
rm -rf "$TREE"
mv "$TREE.tmp" "$TREE"
