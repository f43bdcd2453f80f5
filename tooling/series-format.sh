# SPDX-License-Identifier: GPL-2.0
# The repository's form of the patch series; sourced after lib.sh by
# series.sh (repository -> commits) and export-series.sh (commits ->
# repository). See "The series format" in README.md.
#
# series/series       the order: one patch name a line ("#" comments)
# series/NAME.txt     that patch: its commit message, a line "---", then
#                     its entries, one a line:
#   PATH              a file the patch adds; the repository holds it at its
#                     kernel path as it is at the end of the series
#   PATH.NAME.patch   a git diff of one file made by patch NAME: a change,
#                     a rename (named after the new path) or a deletion,
#                     of a file of the kernel or of one an earlier patch added
# series/cover-letter.txt   the cover letter: subject, blank line, body
#
# Nothing states an order but series/series, so moving a line there
# reorders the series; a later patch may change, rename or delete what an
# earlier one added, as in any patch stack.

# series_names DIR: the patch names, in order.
series_names() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1/series/series"
}

# series_message DIR NAME / series_entries DIR NAME
series_message() {
	sed '/^---$/,$d' "$1/series/$2.txt"
}

series_entries() {
	sed '1,/^---$/d' "$1/series/$2.txt" | sed '/^[[:space:]]*$/d'
}

# diff_paths DIFF: "OLD NEW" of a one-file git diff ("/dev/null" for a
# side that does not exist), from its extended header.
diff_paths() {
	awk '
		/^diff --git a\/[^ ]* b\/[^ ]*$/ { gold = substr($3, 3); gnew = substr($4, 3); next }
		/^new file mode / { gold = "/dev/null" }
		/^deleted file mode / { gnew = "/dev/null" }
		/^rename from / { gold = substr($0, 13) }
		/^rename to / { gnew = substr($0, 11) }
		/^@@ / { exit }
		END { if (gold == "" || gnew == "") exit 1; print gold, gnew }' "$1"
}

# series_files DIR: every repository file the series in DIR consists of
# (its series/ files, its diffs, and the files it adds at the paths they
# have at the end of the series), one a line, sorted.
series_files() {
	local dir=$1 name entry old new
	declare -A live=()
	{
		echo series/series
		[ -f "$dir/series/cover-letter.txt" ] && echo series/cover-letter.txt
		for name in $(series_names "$dir"); do
			echo "series/$name.txt"
			while read -r entry; do
				case $entry in
				*.patch)
					echo "$entry"
					read -r old new < <(diff_paths "$dir/$entry")
					if [ -n "${live[$old]:-}" ]; then
						unset "live[$old]"
						[ "$new" = /dev/null ] || live[$new]=1
					fi
					;;
				*) live[$entry]=1 ;;
				esac
			done < <(series_entries "$dir" "$name")
		done
		printf '%s\n' "${!live[@]}"
	} | sed '/^$/d' | sort -u
}
