#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure (tinyconfig + fragments) and build a kernel from $TREE.
# Usage: build-kernel.sh normal|debug [make targets...]
. "$(dirname "$0")/lib.sh"

flavour=${1:-normal}
shift || true
case $flavour in
normal) build=$BUILD_NORMAL; frags=(base.config) ;;
debug) build=$BUILD_DEBUG; frags=(base.config debug.config) ;;
*) die "unknown kernel flavour $flavour" ;;
esac
# Another architecture: its fragment on top (tooling/config/ARCH.config).
if [ "$CWP_ARCH" != x86_64 ]; then
	[ "$flavour" = normal ] || die "the $flavour kernel is built for x86_64 only"
	frags+=("$CWP_ARCH.config")
fi
mkdir -p "$build"

# missing_lines: fragment lines that .config does not have. The feature's
# own options do not exist before the series adds them. A later fragment's
# line for an option replaces an earlier one's, as in merge_config.sh.
missing_lines() {
	local f line sym
	local -A want=()
	local order=()
	for f in "${frags[@]}"; do
		while read -r line; do
			sym=${line%%=*}
			sym=${sym#\# }
			sym=${sym%% *}
			[ -n "${want[$sym]+set}" ] || order+=("$sym")
			want[$sym]=$line
		done < <(grep -E '^(# )?CONFIG_' "$REPO/tooling/config/$f")
	done
	for sym in "${order[@]}"; do
		line=${want[$sym]}
		case $sym in CONFIG_CLONE_WITH_PIDS*)
			grep -q "config ${sym#CONFIG_}\$" "$TREE/init/Kconfig" || continue ;;
		esac
		grep -qxF "$line" "$build/.config" 2>/dev/null ||
			{ [[ $line == "# "* ]] && [ -f "$build/.config" ] &&
			  ! grep -q "^$sym=" "$build/.config"; } ||
			echo "$line"
	done
}

# Regenerate .config when the fragments change or a line of them is lost
# (a build of an older tree drops options it does not know), and only
# then, so that a warm run does not touch it.
stamp=$(cat "${frags[@]/#/$REPO/tooling/config/}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$build/.cwp-config" 2>/dev/null)" != "$stamp" ] ||
   [ -n "$(missing_lines)" ]; then
	step config "configuring the $flavour kernel"
	run_logged "$LOGS/config-$flavour.log" kmake O="$build" tinyconfig
	run_logged "$LOGS/config-$flavour.log" \
		"$TREE/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "${frags[@]/#/$REPO/tooling/config/}"
	run_logged "$LOGS/config-$flavour.log" kmake O="$build" olddefconfig
	echo "$stamp" >"$build/.cwp-config"
	missing_lines | while read -r line; do
		info "warning: $line did not stick in the $flavour config"
	done
fi

run_logged "$LOGS/build-$flavour.log" kmake O="$build" "${@:-$(basename "$KERNEL_IMAGE")}"

# Every build goes through clippy, but its warnings do not fail the build
# and would stay in the log: show them. (make check's bisect-clippy gate
# fails on them.) An incremental build shows only what it rebuilt.
{ grep -E -A1 '^warning:' "$LOGS/build-$flavour.log" || true; } |
	{ grep -Ev '^(--)?$|warnings? emitted' || true; } |
	while IFS= read -r line; do
		info "rustc/clippy: $line"
	done
