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

. "$REPO/tooling/results.sh"
. "$REPO/tooling/series-format.sh"

# gate NAME FUNCTION [nocache]: run FUNCTION unless it passed for this
# series head already (GATE_KEY: another key); a gate that reads more than
# the series (nocache) always runs.
gate() {
	local name=$1 fn=$2 stamp=$stamps/${GATE_KEY:-$head}-$1 t0=$SECONDS
	if [ -z "${3:-}" ] && [ -f "$stamp" ]; then
		record PASS "gates/$name" cached
		return
	fi
	if "$fn" "$name"; then
		record PASS "gates/$name" "$((SECONDS - t0)) s"
		[ -n "${3:-}" ] || touch "$stamp"
	else
		record FAIL "gates/$name" "see $LOGS/gate-$name.log"
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
# the kernel from scratch once, not twice (with CWP_KERNEL_TREE, "the
# tree" is the worktree of the user's checkout: theirs is never moved).
# Each build starts from the head's full .config: kconfig drops the options
# an older patch does not know yet, and they must come back after it.
bisect_gate() {
	local log=$LOGS/gate-$1.log c n=0 ok=0
	local src=$TREE build=$BUILD_NORMAL config=$BUILD_ROOT/head.config
	: >"$log"
	"$REPO/tooling/build-kernel.sh" normal olddefconfig
	cp "$BUILD_NORMAL/.config" "$config"
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
	git -C "$TREE" checkout -q -f "$SERIES_BRANCH"
	cp "$config" "$BUILD_NORMAL/.config"
	[ $ok -eq 0 ] || tail -n 20 "$log" >&2
	return $ok
}

if [ "$part" = bisect ]; then
	# The builds depend on the patches' trees, not on their messages.
	GATE_KEY=$(git -C "$TREE" log --format=%T "cwp-baseline..$head" | sha256sum | cut -c1-16) \
		gate bisect-clippy bisect_gate
	exit 0
fi

# The patch that adds the MAINTAINERS entry; the ones before it may get
# checkpatch's "does MAINTAINERS need updating?" warning, nothing else.
maintainers_patch=$(grep -l '^+++ b/MAINTAINERS' "$OUT"/series/0*.patch | head -n 1 || true)

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
	name=gates/checkpatch/$(basename "$p" .patch)
	[[ $p == */0000-cover-letter.patch ]] && continue
	stamp=$stamps/$(sha256sum "$p" | cut -c1-16)-checkpatch
	if [ -f "$stamp" ]; then
		record PASS "$name" cached
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

# Every architecture has the call in its table: "make prepare" runs
# scripts/checksyscalls.sh, which warns "#warning syscall clone_with_pids
# not implemented" for an architecture that lacks it. A defconfig each of
# the architectures the review named, built with clang alone (LLVM=1),
# but s390: it needs clang 15 or later and GNU ld.
ARCH_GATE_CONFIGS="arm:multi_v7_defconfig arm64:defconfig powerpc:pmac32_defconfig
	mips:malta_defconfig s390:defconfig riscv:defconfig"
arch_gate() {
	local log=$LOGS/gate-$1.log entry arch config build tools rc=0
	: >"$log"
	for entry in $ARCH_GATE_CONFIGS; do
		arch=${entry%%:*} config=${entry#*:}
		build=$CACHE/build-arch/$arch
		tools=(LLVM=1)
		[ "$arch" = s390 ] && tools=(LLVM=-16 LD=s390x-linux-gnu-ld)
		mkdir -p "$build"
		info "arch gate: make ARCH=$arch ${tools[*]} $config prepare"
		echo "=== ARCH=$arch ${tools[*]} $config" >>"$log"
		if ! make -C "$TREE" ARCH="$arch" "${tools[@]}" O="$build" -j"$JOBS" \
			"$config" prepare >"$build.log" 2>&1; then
			echo "make failed:" >>"$log"
			tail -n 20 "$build.log" >>"$log"
			rc=1
		elif grep 'syscall clone_with_pids not implemented' "$build.log" >>"$log"; then
			rc=1
		fi
	done
	return $rc
}
gate arch-prepare arch_gate

# One number: every syscall table of the series, the crate, the
# documentation and the man page state the __NR_clone_with_pids of the
# series' uapi header (alpha's table adds its offset of 110).
number_gate() {
	local log=$LOGS/gate-$1.log nr want f bad=0
	nr=$(git -C "$TREE" show "$head:include/uapi/asm-generic/unistd.h" |
		sed -n 's/^#define __NR_clone_with_pids \([0-9]*\)$/\1/p')
	echo "__NR_clone_with_pids: ${nr:-none}" >"$log"
	[ -n "$nr" ] || return 1
	for f in $(git -C "$TREE" grep -l -E '^[0-9]+[[:space:]]+[a-z0-9]+[[:space:]]+clone_with_pids[[:space:]]' \
		"$head" -- '*.tbl' | sed "s/^$head://"); do
		want=$nr
		[[ $f == arch/alpha/* ]] && want=$((nr + 110))
		git -C "$TREE" show "$head:$f" | grep -Eq "^$want[[:space:]]+[a-z0-9]+[[:space:]]+clone_with_pids[[:space:]]" ||
			{ echo "$f: not $want" >>"$log"; bad=1; }
		echo "$f: $want" >>"$log"
	done
	grep -Eq "SYS_CLONE_WITH_PIDS: .*= $nr;" "$REPO/userspace/clone-with-pids/src/raw.rs" ||
		{ echo "userspace/clone-with-pids/src/raw.rs: not $nr" >>"$log"; bad=1; }
	for f in Documentation/userspace-api/clone_with_pids.rst man/man2/clone_with_pids.2; do
		grep -qw "$nr" "$REPO/$f" || { echo "$f: does not name $nr" >>"$log"; bad=1; }
	done
	return $bad
}
gate syscall-number number_gate

man_gate() {
	local page=$REPO/man/man2/clone_with_pids.2
	[ -f "$page" ] || { echo "no $page" >"$LOGS/gate-$1.log"; return 1; }
	LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -ww -z -t "$page" >"$LOGS/gate-$1.log" 2>&1 &&
		[ ! -s "$LOGS/gate-$1.log" ]
}
gate man-page man_gate nocache

# The series' round trip: its commits, written back into the repository's
# form (tooling/export-series.sh), give the repository's files byte for
# byte and mode for mode, so nothing the format cannot say is lost either
# way. And every repository file under a kernel directory belongs to it.
executable() { if [ -x "$1" ]; then echo yes; else echo no; fi; }
roundtrip_gate() {
	local log=$LOGS/gate-$1.log dir f rc=0
	dir=$(mktemp -d)
	"$REPO/tooling/export-series.sh" --to "$dir" "$TREE" cwp-baseline "$head" >"$log" 2>&1 ||
		{ rm -rf "$dir"; return 1; }
	diff <(series_files "$REPO") <(series_files "$dir") >>"$log" || rc=1
	while read -r f; do
		if ! cmp -s "$REPO/$f" "$dir/$f"; then
			diff -u "$REPO/$f" "$dir/$f" | head -n 40 >>"$log" || true
			rc=1
		elif [ "$(executable "$REPO/$f")" != "$(executable "$dir/$f")" ]; then
			echo "$f: mode differs" >>"$log"
			rc=1
		fi
	done < <(comm -12 <(series_files "$REPO") <(series_files "$dir"))
	rm -rf "$dir"
	local kernel_dirs
	kernel_dirs=$(git -C "$TREE" ls-tree -d --name-only cwp-baseline)
	# shellcheck disable=SC2086
	comm -23 <(git -C "$REPO" ls-files -co --exclude-standard -- $kernel_dirs |
		while read -r f; do [ ! -e "$REPO/$f" ] || echo "$f"; done | sort) <(series_files "$REPO") |
		sed 's/^/in no patch of the series: /' >"$dir.orphans"
	[ ! -s "$dir.orphans" ] || { cat "$dir.orphans" >>"$log"; rc=1; }
	rm -f "$dir.orphans"
	return $rc
}
gate series-round-trip roundtrip_gate nocache

# The documentation as the kernel builds it: "make htmldocs" for
# Documentation/userspace-api/ (Sphinx from setup.sh, in the cache): no
# warning may name the series' page, and the page must come out; and
# scripts/kernel-doc on the C headers and sources the series adds.
docs_gate() {
	local log=$LOGS/gate-$1.log build=$BUILD_ROOT/docs files
	mkdir -p "$build"
	PATH=$SPHINX_VENV/bin:$PATH make -C "$TREE" O="$build" SPHINXDIRS=userspace-api \
		htmldocs >"$log" 2>&1 || return 1
	! grep -E 'WARNING|ERROR' "$log" | grep -F 'userspace-api/clone_with_pids.rst' ||
		return 1
	[ -s "$build/Documentation/output/userspace-api/clone_with_pids.html" ] ||
		{ echo "no clone_with_pids.html" >>"$log"; return 1; }
	files=$(git -C "$TREE" diff --name-only --diff-filter=A cwp-baseline "$head" -- '*.c' '*.h' |
		grep -v '^tools/')
	local out
	# shellcheck disable=SC2086
	out=$(cd "$TREE" && scripts/kernel-doc -none -Wall $files 2>&1) || return 1
	echo "$out" >>"$log"
	[ -z "$out" ]
}
gate documentation docs_gate

# README's "How a call flows" links to lines: each link must still name
# its line (`name()` or `Type::name` must appear on the line it points at).
readme_links_gate() {
	local log=$LOGS/gate-$1.log text path line want rc=0
	: >"$log"
	while IFS=$'\t' read -r text path line; do
		want=${text%%, *}
		want=${want%()}
		want=${want##*::}
		if sed -n "${line}p" "$REPO/$path" | grep -qwF -- "$want"; then
			echo "ok: $path:$line has $want" >>"$log"
		else
			echo "$path:$line does not have $want: $(sed -n "${line}p" "$REPO/$path")" >>"$log"
			rc=1
		fi
	done < <(perl -ne 'print "$1\t$2\t$3\n" while /\[`([^`]*)`\]\(([^)#]*)#L(\d+)\)/g' \
		"$REPO/README.md")
	return $rc
}
gate readme-links readme_links_gate nocache
