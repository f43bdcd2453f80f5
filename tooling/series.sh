#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn the repository into the patch series on the pinned kernel.
#
# Each series/NN-*.txt is one patch: its commit message, a line "---", and
# the repository files that make it: a file at its kernel path is added as
# it is; a *.patch file is a diff applied to files that exist. The commits
# are built with git plumbing (a private index, fixed dates), so an
# unchanged series gives the same commit ids and touches no file in the
# tree; the tree is then checked out at the result, on branch
# clone_with_pids. With KDIR set the series is applied there with git am.
#
# Usage: series.sh [--format-patch]   (writes out/series/ too)
. "$(dirname "$0")/lib.sh"

git_tree() { git -C "$TREE" "$@"; }

export GIT_AUTHOR_NAME=$SERIES_AUTHOR_NAME GIT_AUTHOR_EMAIL=$SERIES_AUTHOR_EMAIL
export GIT_COMMITTER_NAME=$SERIES_AUTHOR_NAME GIT_COMMITTER_EMAIL=$SERIES_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=$SERIES_DATE GIT_COMMITTER_DATE=$SERIES_DATE

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_INDEX_FILE=$work/index

parent=$(git_tree rev-parse cwp-baseline)
for patch in "$REPO"/series/[0-9][0-9]-*.txt; do
	name=$(basename "$patch")
	sed '/^---$/,$d' "$patch" >"$work/msg"
	sed '1,/^---$/d' "$patch" | sed '/^[[:space:]]*$/d' >"$work/files"
	git_tree read-tree "$parent"
	while read -r f; do
		[ -f "$REPO/$f" ] || die "$name lists $f, which does not exist"
		case $f in
		*.patch)
			git_tree apply --cached --whitespace=error-all "$REPO/$f" ||
				die "$name: $f does not apply"
			;;
		*)
			mode=100644
			[ -x "$REPO/$f" ] && mode=100755
			blob=$(git_tree hash-object -w "$REPO/$f")
			git_tree update-index --add --cacheinfo "$mode,$blob,$f"
			;;
		esac
	done <"$work/files"
	tree=$(git_tree write-tree)
	[ "$tree" != "$(git_tree rev-parse "$parent^{tree}")" ] ||
		die "$name changes nothing"
	parent=$(git_tree commit-tree "$tree" -p "$parent" -F "$work/msg")
done
unset GIT_INDEX_FILE
head=$parent

format_patch() {
	rm -rf "$OUT/series"
	git_tree format-patch -q --cover-letter -o "$OUT/series" \
		"cwp-baseline..$head"
	local cover=$OUT/series/0000-cover-letter.patch
	local subject body
	local letter=$REPO/series/0000-cover-letter.txt
	[ -f "$letter" ] || die "$letter is missing"
	subject=$(head -n 1 "$letter")
	body=$(sed '1,2d' "$letter")
	SUBJECT=$subject BODY=$body perl -0pi -e \
		's/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJECT}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{BODY}/' \
		"$cover"
}

if [ -n "${KDIR:-}" ]; then
	# The user's tree: apply the series there as a reviewer would.
	format_patch
	git_tree checkout -q -B clone_with_pids cwp-baseline
	git_tree am -q $(ls "$OUT"/series/0*.patch | grep -v /0000-cover-letter) ||
		die "the series does not apply to $KDIR (git am --abort there)"
	[ "$(git_tree rev-parse 'HEAD^{tree}')" = "$(git_tree rev-parse "$head^{tree}")" ] ||
		die "git am in $KDIR gave a different tree than the series"
else
	if [ "$(git_tree rev-parse -q --verify HEAD)" != "$head" ] ||
	   [ -n "$(git_tree status --porcelain --untracked-files=no)" ]; then
		git_tree checkout -q -f -B clone_with_pids "$head"
	fi
	[ "${1:-}" = --format-patch ] && format_patch
fi
echo "$head" >"$OUT/series-head"
info "series: $(git_tree rev-list --count "cwp-baseline..$head") patches, head $(git_tree rev-parse --short "$head")"
