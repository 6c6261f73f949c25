#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build krtp.ko for one kernel in its own tree, so that builds for two
# kernels (or a debug and a normal build) never share objects:
#
#   tools/vm/build-module.sh KVER            build/KVER/krtp.ko
#   tools/vm/build-module.sh KVER debug     build/KVER-debug/krtp.ko (KRTP_DEBUG=1: DEBUG, self-tests)
#   tools/vm/build-module.sh KVER check     build/KVER-check/, W=1 and sparse (C=2): what `make check` does
#
# Kbuild, kmod/ and include/ are copied (only what changed, so rebuilds are
# incremental). Prints the path of the .ko on success. In check mode the
# compiler's and sparse's warnings also make it fail.
set -eu

kver=${1:?usage: build-module.sh KVER [debug|check]}
mode=${2:-}
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${KRTP_SRC:-$repo}
kdir=/lib/modules/$kver/build

[ -d "$kdir" ] || { echo "build-module: no headers for $kver ($kdir)" >&2; exit 1; }
[ -f "$src/Kbuild" ] || { echo "build-module: $src/Kbuild is missing" >&2; exit 1; }

case "$mode" in
"") dir=$repo/build/$kver; args=() ;;
debug) dir=$repo/build/$kver-debug; args=(KRTP_DEBUG=1) ;;
check) dir=$repo/build/$kver-check; args=(W=1 C=2) ;;
*) echo "build-module: unknown mode '$mode'" >&2; exit 2 ;;
esac

mkdir -p "$dir"
# cp -u keeps timestamps of unchanged files: make rebuilds only what changed.
# Files deleted from the source are removed from the copy too.
for d in kmod include; do
	[ -d "$src/$d" ] || continue
	mkdir -p "$dir/$d"
	(cd "$src/$d" && find . -type f \( -name '*.[ch]' -o -name '*.yaml' -o -name Kbuild -o -name Makefile \) -print0) |
		(cd "$src/$d" && xargs -0 -r cp --parents -u -p -t "$dir/$d")
	(cd "$dir/$d" && find . -type f \( -name '*.[ch]' -o -name '*.yaml' \) -print) |
		while read -r f; do
			[ -e "$src/$d/$f" ] || rm -f "$dir/$d/$f" "$dir/$d/${f%.c}.o"
		done
done
cp -u -p "$src/Kbuild" "$dir/Kbuild"
[ -f "$src/VERSION" ] && cp -u -p "$src/VERSION" "$dir/VERSION"

log=$dir/build.log
jobs=${KRTP_JOBS:-$(nproc)}
if [ "$mode" = check ]; then
	# force a full rebuild: warnings are only printed when a file is compiled
	make -s -C "$kdir" M="$dir" clean >/dev/null 2>&1 || true
fi
if ! make -C "$kdir" M="$dir" -j"$jobs" "${args[@]}" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-module: build for $kver${mode:+ ($mode)} failed" >&2
	exit 1
fi
if [ "$mode" = check ] && grep -E 'warning:|error:|sparse:' "$log" >&2; then
	echo "build-module: W=1/sparse warnings for $kver" >&2
	exit 1
fi
[ -f "$dir/krtp.ko" ] || { echo "build-module: no krtp.ko in $dir" >&2; exit 1; }
echo "$dir/krtp.ko"
