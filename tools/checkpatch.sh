#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make style: the kernel's checkpatch.pl on the module's sources.
#
#   tools/checkpatch.sh [FILE...]      default: kmod/*.c kmod/*.h kmod/selftest/*.c
#   CHECKPATCH_STRICT=1 tools/checkpatch.sh   with --strict
#
# Debian's linux-headers packages do not ship scripts/checkpatch.pl. It is
# looked for in $CHECKPATCH, the kernel trees under /lib/modules and
# /usr/src, and build/checkpatch/ (a copy taken from Debian's linux-source
# package: with KRTP_INSTALL=1, or as root when nothing else is found, the
# package is installed and checkpatch.pl with its data files is extracted).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache=$repo/build/checkpatch

find_checkpatch() {
	local c

	for c in "${CHECKPATCH:-}" /lib/modules/*/build/scripts/checkpatch.pl \
		/usr/src/linux-*/scripts/checkpatch.pl "$cache/scripts/checkpatch.pl"; do
		[ -n "$c" ] && [ -f "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}

# extract checkpatch.pl and the files it reads from Debian's kernel source tarball
extract_checkpatch() {
	local tarball

	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$tarball" ]; then
		[ "$(id -u)" = 0 ] || return 1
		echo "checkpatch: installing Debian's linux-source package for scripts/checkpatch.pl" >&2
		pkg=$(apt-cache search --names-only '^linux-source-[0-9.]+$' | awk '{print $1}' | sort -V | tail -n 1)
		[ -n "$pkg" ] || return 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2 || return 1
		tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
		[ -n "$tarball" ] || return 1
	fi
	rm -rf "$cache"
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
		'*/Documentation/dev-tools/checkpatch.rst' >&2
	[ -f "$cache/scripts/checkpatch.pl" ]
}

cp=$(find_checkpatch) || {
	extract_checkpatch || {
		echo "checkpatch: scripts/checkpatch.pl not found; Debian's headers do not ship it." >&2
		echo "checkpatch: install linux-source-6.1 (apt-get) or set CHECKPATCH=/path/to/checkpatch.pl" >&2
		exit 1
	}
	cp=$cache/scripts/checkpatch.pl
}

if [ $# -eq 0 ]; then
	set -- kmod/*.c kmod/*.h
	for f in kmod/selftest/*.c; do [ -f "$f" ] && set -- "$@" "$f"; done
fi

# --no-tree: not run from a kernel tree. CHECKPATCH_STRICT=1 adds --strict
# (netdev's checks for new code).
rc=0
perl "$cp" --no-tree --file --quiet --show-types ${CHECKPATCH_STRICT:+--strict} \
	--ignore FILE_PATH_CHANGES \
	"$@" || rc=$?
if [ "$rc" = 0 ]; then
	echo "checkpatch: $# files clean"
fi
exit "$rc"
