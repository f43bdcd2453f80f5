#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The gates a maintainer applies to the series, run on the host:
# checkpatch --strict on every patch, rustfmtcheck, a build after every
# patch (bisectability) with clippy and no new warnings, rustdoc, git am on
# a fresh copy of the pinned tree, and the man page. A gate that passed for
# the same series head is not run again.
# Usage: gates.sh bisect|others RESULTS_FILE
#   bisect: the build after every patch; it runs before the normal kernel
#           is built, as its last build is that kernel (see bisect_gate)
#   others: the rest, once the normal kernel is built
. "$(dirname "$0")/lib.sh"

part=${1:?usage: gates.sh bisect|others RESULTS_FILE}
results=${2:?usage: gates.sh bisect|others RESULTS_FILE}
head=$(cat "$OUT/series-head")
stamps=$CACHE/gates
mkdir -p "$stamps"

record() {
	echo "$1 gates/$2" >>"$results"
	[ "$1" = PASS ] || printf '    %s gates/%s%s\n' "$1" "$2" "${3:+: $3}" >&2
}

# gate NAME FUNCTION: run FUNCTION unless it passed for this head already.
gate() {
	local name=$1 fn=$2 stamp=$stamps/$head-$1
	if [ -f "$stamp" ]; then
		record PASS "$name"
		return
	fi
	if "$fn" "$name"; then
		record PASS "$name"
		touch "$stamp"
	else
		record FAIL "$name" "see $LOGS/gate-$name.log"
	fi
}

# New warnings in a build log: any rustc/clippy/kbuild warning, a compiler
# warning in a file the series touches, any objtool warning but the 6
# "unreachable instruction" ones the untouched tree has with this toolchain.
# (The untouched tree also has -Wframe-larger-than warnings in fs/select.c
# and lib/maple_tree.c in this config.)
new_warnings() {
	local log=$1 f
	grep -E '^warning:' "$log" | grep -v 'warnings* emitted' || true
	git -C "$TREE" diff --name-only cwp-baseline "$head" | while read -r f; do
		grep -F "/$f:" "$log" | grep -E ': warning:' || true
	done
	grep -E 'objtool: ' "$log" | grep -v 'unreachable instruction' || true
	local n
	n=$(grep -c 'objtool: .*unreachable instruction' "$log" || true)
	[ "$n" -le 6 ] || echo "objtool: $n unreachable instruction warnings, the tree has 6"
}

# Build every patch in turn, with clippy. In the pinned tree the walk runs
# in the tree itself and the normal kernel's build directory: its last
# build, of the series head, is the normal kernel, so a cold run builds
# the kernel from scratch once, not twice. A user's tree (KDIR) is never
# moved: there the walk has a worktree and a build directory of its own.
# Each build starts from the head's full .config: kconfig drops the options
# an older patch does not know yet, and they must come back after it.
bisect_gate() {
	local log=$LOGS/gate-$1.log c n=0 ok=0
	local src=$TREE build=$BUILD_NORMAL config=$BUILD_ROOT/head.config
	: >"$log"
	"$REPO/tooling/build-kernel.sh" normal olddefconfig
	cp "$BUILD_NORMAL/.config" "$config"
	if [ -n "${KDIR:-}" ]; then
		src=$CACHE/bisect-tree
		build=$BUILD_ROOT/bisect
		mkdir -p "$build"
		if [ ! -d "$src" ]; then
			git -C "$TREE" worktree prune
			git -C "$TREE" worktree add -q --detach "$src" cwp-baseline \
				>>"$log" 2>&1 || return 1
		fi
	fi
	for c in $(git -C "$TREE" rev-list --reverse "cwp-baseline..$head"); do
		n=$((n + 1))
		git -C "$src" checkout -q -f "$c"
		info "bisect: building patch $n: $(git -C "$TREE" log -1 --format=%s "$c")"
		echo "=== patch $n $(git -C "$TREE" log -1 --format=%s "$c")" >>"$log"
		cp "$config" "$build/.config"
		if ! make -C "$src" LLVM=1 CLIPPY=1 -j"$JOBS" O="$build" olddefconfig bzImage \
			>"$LOGS/bisect-$n.log" 2>&1; then
			echo "build failed" >>"$log"
			tail -n 20 "$LOGS/bisect-$n.log" >>"$log"
			ok=1
			break
		fi
		if [ -n "$(new_warnings "$LOGS/bisect-$n.log")" ]; then
			new_warnings "$LOGS/bisect-$n.log" >>"$log"
			ok=1
		fi
	done
	# Back on the series branch (an interrupted walk is put back by
	# series.sh on the next run, and the .config by build-kernel.sh).
	if [ -z "${KDIR:-}" ]; then
		git -C "$TREE" checkout -q -f clone_with_pids
		cp "$config" "$BUILD_NORMAL/.config"
	fi
	[ $ok -eq 0 ] || tail -n 20 "$log" >&2
	return $ok
}

if [ "$part" = bisect ]; then
	gate bisect-clippy bisect_gate
	exit 0
fi

# The patch that adds the MAINTAINERS entry; the ones before it may get
# checkpatch's "does MAINTAINERS need updating?" warning, nothing else.
maintainers_patch=$(grep -l '^+++ b/MAINTAINERS' "$OUT"/series/0*.patch | head -n 1)

# The one other exception (README): the selftests must recognise ENOSYS,
# the kernel's answer when it lacks the system call, to skip, as
# clone3_selftests.h does; checkpatch flags every ENOSYS.
checkpatch_ignores() {
	local p=$1 ignore=()
	[ -n "$maintainers_patch" ] && [[ "$p" < "$maintainers_patch" ]] &&
		ignore+=(FILE_PATH_CHANGES)
	grep '^+++ b/' "$p" | grep -qv '^+++ b/tools/testing/selftests/' ||
		ignore+=(ENOSYS)
	((${#ignore[@]})) && echo "--ignore=$(IFS=,; echo "${ignore[*]}")"
	return 0
}

checkpatch_one() {
	local p=$1 log=$LOGS/gate-checkpatch.log
	(cd "$TREE" && scripts/checkpatch.pl --strict --no-summary \
		$(checkpatch_ignores "$p") "$p") >>"$log" 2>&1
}

for p in "$OUT"/series/0*.patch; do
	name=checkpatch/$(basename "$p" .patch)
	[[ $p == */0000-cover-letter.patch ]] && continue
	stamp=$stamps/$(sha256sum "$p" | cut -c1-16)-checkpatch
	if [ -f "$stamp" ]; then
		record PASS "$name"
	elif checkpatch_one "$p"; then
		record PASS "$name"
		touch "$stamp"
	else
		record FAIL "$name" "scripts/checkpatch.pl --strict $p"
		(cd "$TREE" && scripts/checkpatch.pl --strict --terse \
			$(checkpatch_ignores "$p") "$p") | tail -n 15 >&2 || true
	fi
done

rustfmt_gate() {
	kmake O="$BUILD_NORMAL" rustfmtcheck >"$LOGS/gate-$1.log" 2>&1
}
gate rustfmtcheck rustfmt_gate


rustdoc_gate() {
	kmake O="$BUILD_NORMAL" rustdoc >"$LOGS/gate-$1.log" 2>&1 &&
		[ -z "$(new_warnings "$LOGS/gate-$1.log")" ]
}
gate rustdoc rustdoc_gate

# git am on a fresh worktree of the baseline must give the series' tree.
am_gate() {
	local wt=$CACHE/am-check log=$LOGS/gate-$1.log
	git -C "$TREE" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$wt" cwp-baseline >"$log" 2>&1 &&
		git -C "$wt" -c user.name=am -c user.email=am@localhost \
			am -q $(ls "$OUT"/series/0*.patch | grep -v /0000-cover-letter) >>"$log" 2>&1 &&
		[ "$(git -C "$wt" rev-parse 'HEAD^{tree}')" = "$(git -C "$TREE" rev-parse "$head^{tree}")" ]
	local rc=$?
	git -C "$TREE" worktree remove --force "$wt" 2>/dev/null
	return $rc
}
gate git-am am_gate

man_gate() {
	local page=$REPO/man/man2/clone_with_pids.2
	[ -f "$page" ] || return 0
	LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -ww -z -t "$page" >"$LOGS/gate-$1.log" 2>&1 &&
		[ ! -s "$LOGS/gate-$1.log" ]
}
gate man-page man_gate
