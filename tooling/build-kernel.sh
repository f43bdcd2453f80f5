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
mkdir -p "$build"

# Regenerate .config only when the fragments change, so that a warm run
# does not touch it.
stamp=$(cat "${frags[@]/#/$REPO/tooling/config/}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$build/.config" ] || [ "$(cat "$build/.cwp-config" 2>/dev/null)" != "$stamp" ]; then
	step config "configuring the $flavour kernel"
	run_logged "$LOGS/config-$flavour.log" kmake O="$build" tinyconfig
	run_logged "$LOGS/config-$flavour.log" \
		"$TREE/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "${frags[@]/#/$REPO/tooling/config/}"
	run_logged "$LOGS/config-$flavour.log" kmake O="$build" olddefconfig
	echo "$stamp" >"$build/.cwp-config"
fi
# Every fragment line must have survived olddefconfig, or a dependency is
# missing. The feature's own options are absent before the series has them.
for f in "${frags[@]}"; do
	grep -E '^(# )?CONFIG_' "$REPO/tooling/config/$f" | while read -r line; do
		sym=${line%%=*}
		sym=${sym#\# }
		sym=${sym%% *}
		case $sym in CONFIG_CLONE_WITH_PIDS*)
			grep -q "config ${sym#CONFIG_}\$" "$TREE/init/Kconfig" "$TREE/lib/Kconfig.debug" 2>/dev/null || continue ;;
		esac
		grep -qxF "$line" "$build/.config" ||
			{ [[ $line == *=n ]] && grep -qx "# $sym is not set" "$build/.config"; } ||
			{ [[ $line == "# "* ]] && ! grep -q "^$sym=" "$build/.config"; } ||
			info "warning: $line did not stick in the $flavour config"
	done
done

run_logged "$LOGS/build-$flavour.log" kmake O="$build" "${@:-bzImage}"
