#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build rtpengine's kernel module (xt_RTPENGINE, from Debian's
# rtpengine-kernel-dkms) for one kernel, into the build tree, without dkms:
#
#   tools/bench/rtpengine-kmod.sh KVER      build/bench/rtpengine/KVER/xt_RTPENGINE.ko
#
# The source is /usr/src/rtpengine-*/ when the package is installed, else
# the package is fetched with `apt-get download` (no root, nothing
# installed) and unpacked under build/bench/rtpengine/. The host's dkms
# state is never used: the benchmark loads the module it built here. Prints
# the path of the .ko on success.
#
# The rule that hands packets to it (iptables -j RTPENGINE) needs the
# xtables plugin of Debian's rtpengine-iptables (tools/install-deps.sh).
set -eu

kver=${1:?usage: rtpengine-kmod.sh KVER}
repo=$(cd "$(dirname "$0")/../.." && pwd)
top=$repo/build/bench/rtpengine
kdir=/lib/modules/$kver/build

[ -d "$kdir" ] || { echo "rtpengine-kmod: no headers for $kver ($kdir)" >&2; exit 1; }
mkdir -p "$top"

src=$(ls -d /usr/src/rtpengine-*/ 2>/dev/null | sort -V | tail -n 1)
if [ -z "$src" ] || [ ! -f "$src/xt_RTPENGINE.c" ]; then
	src=$(ls -d "$top"/pkg/usr/src/rtpengine-*/ 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$src" ]; then
		(cd "$top" && rm -f rtpengine-kernel-dkms_*.deb &&
			apt-get download -q rtpengine-kernel-dkms >&2) ||
			{ echo "rtpengine-kmod: apt-get download rtpengine-kernel-dkms failed" >&2; exit 1; }
		dpkg-deb -x "$(ls "$top"/rtpengine-kernel-dkms_*.deb | head -n 1)" "$top/pkg"
		src=$(ls -d "$top"/pkg/usr/src/rtpengine-*/ | sort -V | tail -n 1)
	fi
fi
src=${src%/}
version=${src##*/rtpengine-}

# its own copy per kernel: Kbuild writes its objects next to the source
dir=$top/$kver
mkdir -p "$dir"
cp -u -p "$src"/*.c "$src"/*.h "$src"/Makefile "$dir/"
make -s -C "$kdir" M="$dir" RTPENGINE_VERSION="\"$version\"" modules >&2
echo "$dir/xt_RTPENGINE.ko"
