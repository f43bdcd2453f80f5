#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Developer tool: write a series kept as commits in a kernel tree back into
# this repository (the inverse of series.sh). Files a commit adds are copied
# to their kernel paths; changes to existing files become <path>.patch, or
# <path>.NN.patch when several patches change the same file. A file added
# by one patch must not be changed by a later one.
# Usage: export-series.sh KERNEL_TREE BASE HEAD
. "$(dirname "$0")/lib.sh"

dev=$1 base=$2 head=$3
count_total=$(git -C "$dev" rev-list --count "$base..$head")
for i in $(seq 1 "$count_total"); do rm -f "$REPO"/series/$(printf %02d "$i")-*.txt; done
declare -A count
n=0
for c in $(git -C "$dev" rev-list --reverse "$base..$head"); do
	while read -r status f; do
		[ "$status" = M ] && count[$f]=$((${count[$f]:-0} + 1))
	done < <(git -C "$dev" diff-tree --no-commit-id -r --name-status "$c")
done
for c in $(git -C "$dev" rev-list --reverse "$base..$head"); do
	n=$((n + 1))
	nn=$(printf %02d $n)
	subject=$(git -C "$dev" log -1 --format=%s "$c")
	slug=$(echo "$subject" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\+/-/g; s/^-//; s/-$//')
	[ ${#slug} -gt 48 ] && slug=$(echo "$slug" | cut -c1-48 | sed 's/-[^-]*$//')
	out=$REPO/series/$nn-$slug.txt
	git -C "$dev" log -1 --format=%B "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$out"
	echo "---" >>"$out"
	while read -r status f; do
		case $status in
		A)
			mkdir -p "$REPO/$(dirname "$f")"
			git -C "$dev" show "$c:$f" >"$REPO/$f"
			[ "$(git -C "$dev" ls-tree "$c" -- "$f" | cut -d' ' -f1)" = 100755 ] &&
				chmod +x "$REPO/$f"
			echo "$f" >>"$out"
			;;
		M)
			p=$f.patch
			[ "${count[$f]}" -gt 1 ] && p=$f.$nn.patch
			mkdir -p "$REPO/$(dirname "$f")"
			git -C "$dev" diff "$c^" "$c" -- "$f" >"$REPO/$p"
			echo "$p" >>"$out"
			;;
		*) die "$subject: $status $f is not supported" ;;
		esac
	done < <(git -C "$dev" diff-tree --no-commit-id -r --name-status "$c")
done
info "exported $n patches"
