#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write a series kept as commits in a kernel tree into the repository's
# form (tooling/series-format.sh): the inverse of series.sh. A commit's
# patch keeps the name it has in series/ when its subject is unchanged; a
# new one is named after its subject. Files the commits add go to their
# kernel paths as they are at HEAD; every change to a file, the kernel's
# or one the series added (a rename or a deletion too), becomes
# PATH.NAME.patch. Files of the old series that the new one lacks are
# removed. --to DIR writes to DIR instead of the repository (the round-trip
# gate compares the two).
# Usage: export-series.sh [--to DIR] KERNEL_TREE BASE HEAD
. "$(dirname "$0")/lib.sh"
. "$REPO/tooling/series-format.sh"

dest=$REPO
if [ "${1:-}" = --to ]; then
	dest=$2
	shift 2
fi
[ $# -eq 3 ] || die "usage: export-series.sh [--to DIR] KERNEL_TREE BASE HEAD"
dev=$1 base=$2 head=$3
git_dev() { git -C "$dev" "$@"; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/series"

# The names the repository's series gives its patches, by subject.
declare -A name_of=() taken=()
for f in "$REPO"/series/*.txt; do
	[ "$f" = "$REPO/series/cover-letter.txt" ] && continue
	name_of[$(head -n 1 "$f")]=$(basename "$f" .txt)
done

# one_diff COMMIT NAME PATH...: the diff of COMMIT to PATH (two paths for a
# rename) as the repository keeps it: no index lines, which name blobs of
# one repository and would only make the round trip depend on it.
one_diff() {
	local c=$1 out=$2
	shift 2
	git_dev diff --no-color --no-ext-diff --no-textconv --diff-algorithm=myers \
		--src-prefix=a/ --dst-prefix=b/ --no-relative -M "$c^" "$c" -- "$@" |
		grep -v '^index ' >"$out"
	! grep -q '^Binary files\|^GIT binary patch' "$out" ||
		die "$(git_dev log -1 --format=%s "$c"): $* is binary; the series format keeps text only"
}

declare -A live=()
names=()
for c in $(git_dev rev-list --reverse "$base..$head"); do
	subject=$(git_dev log -1 --format=%s "$c")
	name=${name_of[$subject]:-}
	if [ -z "$name" ]; then
		name=$(echo "$subject" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/-/g; s/^-//; s/-$//' | cut -c1-40 | sed 's/-$//')
	fi
	[ -z "${taken[$name]:-}" ] || die "two patches named $name: give one another subject"
	taken[$name]=1
	names+=("$name")
	txt=$stage/series/$name.txt
	git_dev log -1 --format=%B "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$txt"
	echo "---" >>"$txt"
	while read -r status a b; do
		case $status in
		A)
			echo "$a" >>"$txt"
			live[$a]=1
			;;
		M | D | R*)
			path=$a
			[[ $status == R* ]] && path=$b
			mkdir -p "$stage/$(dirname "$path")"
			if [[ $status == R* ]]; then
				one_diff "$c" "$stage/$path.$name.patch" "$a" "$b"
			else
				one_diff "$c" "$stage/$path.$name.patch" "$a"
			fi
			echo "$path.$name.patch" >>"$txt"
			if [ -n "${live[$a]:-}" ] && [ "$status" != M ]; then
				unset "live[$a]"
				[ "$status" = D ] || live[$b]=1
			fi
			;;
		*) die "$subject: '$status $a' (a type change or a copy) is not supported" ;;
		esac
	done < <(git_dev diff-tree --no-commit-id -r -M --name-status "$c")
done

{
	echo "# The patches of the series, in order: series/NAME.txt each."
	printf '%s\n' "${names[@]}"
} >"$stage/series/series"
cp "$REPO/series/cover-letter.txt" "$stage/series/cover-letter.txt"
for f in "${!live[@]}"; do
	mkdir -p "$stage/$(dirname "$f")"
	git_dev show "$head:$f" >"$stage/$f"
	[ "$(git_dev ls-tree "$head" -- "$f" | cut -d' ' -f1)" = 100755 ] && chmod +x "$stage/$f"
done

# Out with the old series' files that the new one lacks, in with the new.
if [ -f "$dest/series/series" ]; then
	comm -23 <(series_files "$dest") <(series_files "$stage") |
		while read -r f; do rm -f "$dest/$f"; done
fi
cp -a "$stage/." "$dest/"
info "exported ${#names[@]} patches to $dest"
