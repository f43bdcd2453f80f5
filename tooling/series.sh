#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn the repository into the patch series on the pinned kernel (the
# format: tooling/series-format.sh). The files the series adds are in the
# repository as they are at its end, so the commits are made backwards:
# the end of the series first (the baseline, the diffs to the kernel's own
# files applied in order, the added files as they are), then each patch
# undone in turn, last first: its diffs reversed, its added files removed.
# Undoing them all must give the baseline back, to the byte.
#
# The commits are made with git plumbing (a private index, fixed dates), so
# an unchanged series gives the same commit ids and touches no file of the
# tree; the tree is then checked out at the result, on branch
# clone_with_pids (with CWP_KERNEL_TREE, on branch cwp/clone_with_pids in
# the worktree of the user's tree that tooling/kernel-tree.sh made: their
# own checkout is never touched).
#
# Usage: series.sh [--format-patch]   (writes out/series/ too)
. "$(dirname "$0")/lib.sh"
. "$REPO/tooling/series-format.sh"

git_tree() { git -C "$TREE" "$@"; }

export GIT_AUTHOR_NAME=$SERIES_AUTHOR_NAME GIT_AUTHOR_EMAIL=$SERIES_AUTHOR_EMAIL
export GIT_COMMITTER_NAME=$SERIES_AUTHOR_NAME GIT_COMMITTER_EMAIL=$SERIES_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=$SERIES_DATE GIT_COMMITTER_DATE=$SERIES_DATE

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_INDEX_FILE=$work/index

mapfile -t names < <(series_names "$REPO")
[ ${#names[@]} -gt 0 ] || die "series/series names no patch"
for name in "${names[@]}"; do
	[ -f "$REPO/series/$name.txt" ] || die "series/series names $name, but series/$name.txt is missing"
	grep -qx -- --- "$REPO/series/$name.txt" || die "series/$name.txt has no line ---"
done

# The end of the series.
git_tree read-tree cwp-baseline
declare -A live=()
for name in "${names[@]}"; do
	while read -r entry; do
		case $entry in
		*.patch)
			[ -f "$REPO/$entry" ] || die "series/$name.txt lists $entry, which does not exist"
			[ "$(grep -c '^diff --git ' "$REPO/$entry")" = 1 ] ||
				die "$entry: not a git diff of one file"
			read -r old new < <(diff_paths "$REPO/$entry") ||
				die "$entry: no 'diff --git a/... b/...' header"
			[ "$old" != /dev/null ] ||
				die "$entry adds $new: list the file itself in series/$name.txt"
			if [ -n "${live[$old]:-}" ]; then
				# A change to a file the series adds: the repository
				# already has the file as it is at the end.
				unset "live[$old]"
				[ "$new" = /dev/null ] || live[$new]=1
			else
				git_tree apply --cached --whitespace=error-all "$REPO/$entry" ||
					die "$entry (series/$name.txt) does not apply"
			fi
			;;
		*)
			[ -z "${live[$entry]:-}" ] || die "series/$name.txt adds $entry, which an earlier patch added"
			live[$entry]=1
			;;
		esac
	done < <(series_entries "$REPO" "$name")
done
for f in "${!live[@]}"; do
	[ -f "$REPO/$f" ] || die "the series adds $f, which is not in the repository"
	mode=100644
	[ -x "$REPO/$f" ] && mode=100755
	git_tree update-index --add --cacheinfo "$mode,$(git_tree hash-object -w "$REPO/$f"),$f"
done

# Back to the baseline, one patch at a time.
trees=()
trees[${#names[@]}]=$(git_tree write-tree)
for ((i = ${#names[@]}; i > 0; i--)); do
	name=${names[i - 1]}
	while read -r entry; do
		case $entry in
		*.patch)
			git_tree apply --cached -R "$REPO/$entry" 2>"$work/err" || {
				cat "$work/err" >&2
				die "$entry (series/$name.txt) does not undo from the end of the series: a later change to the same lines? Edit the series as commits (README, 'Changing the series')"
			}
			;;
		*) git_tree update-index --force-remove -- "$entry" ;;
		esac
	done < <(series_entries "$REPO" "$name" | tac)
	trees[i - 1]=$(git_tree write-tree)
done
[ "${trees[0]}" = "$(git_tree rev-parse 'cwp-baseline^{tree}')" ] || {
	git_tree diff --stat "cwp-baseline^{tree}" "${trees[0]}" >&2
	die "undoing every patch does not give the baseline: the files above are off"
}

parent=$(git_tree rev-parse cwp-baseline)
for ((i = 1; i <= ${#names[@]}; i++)); do
	name=${names[i - 1]}
	[ "${trees[i]}" != "${trees[i - 1]}" ] || die "series/$name.txt changes nothing"
	series_message "$REPO" "$name" >"$work/msg"
	parent=$(git_tree commit-tree "${trees[i]}" -p "$parent" -F "$work/msg")
done
unset GIT_INDEX_FILE
head=$parent

format_patch() {
	rm -rf "$OUT/series"
	git_tree format-patch -q --cover-letter -o "$OUT/series" \
		"cwp-baseline..$head"
	local cover=$OUT/series/0000-cover-letter.patch
	local subject body
	local letter=$REPO/series/cover-letter.txt
	[ -f "$letter" ] || die "$letter is missing"
	subject=$(head -n 1 "$letter")
	body=$(sed '1,2d' "$letter")
	SUBJECT=$subject BODY=$body perl -0pi -e \
		's/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJECT}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{BODY}/' \
		"$cover"
}

if [ "$(git_tree rev-parse -q --verify HEAD)" != "$head" ] ||
   [ -n "$(git_tree status --porcelain --untracked-files=no)" ]; then
	git_tree checkout -q -f -B "$SERIES_BRANCH" "$head"
fi
[ "${1:-}" = --format-patch ] && format_patch
echo "$head" >"$OUT/series-head"
info "series: $(git_tree rev-list --count "cwp-baseline..$head") patches, head $(git_tree rev-parse --short "$head")"
