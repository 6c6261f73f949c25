#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU make bench measures with: prints the path of a qemu-system-x86_64
# whose TCG emulates the SHA extensions under -cpu max.
#
#   tools/bench/qemu.sh
#
# Debian 12's QEMU (7.2) has AES-NI, PCLMULQDQ and AVX2 but no SHA-NI, so a
# guest's sha1_ssse3 registers sha1-avx2 and not sha1-ni, which every server
# CPU of the last years has (Intel since Ice Lake, AMD Zen): HMAC-SHA1, and
# so AES_CM_128_HMAC_SHA1_80, would cost several times what it costs on
# hardware. QEMU 10 emulates SHA-NI.
#
# The system's qemu-system-x86_64 when it is QEMU 10 or later; else QEMU
# from bookworm-backports (qemu-system-x86, -common and -data), fetched with
# `apt-get download` (no root, nothing installed: the system's QEMU, which
# make test and everyone else's VMs use, stays as it is) and unpacked under
# build/bench/qemu/. Its libraries are those of Debian 12's QEMU
# (tools/install-deps.sh installs it). tools/vm/run.sh takes the path as
# KRTP_QEMU and the firmware from the share/qemu beside it.
#
# Exits non-zero, saying why, if neither is to be had (bookworm-backports
# not in the apt sources: tools/install-deps.sh adds it).
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
top=$repo/build/bench/qemu
PKGS=(qemu-system-x86 qemu-system-common qemu-system-data)

# major VERSION-LINE: 10 of "QEMU emulator version 10.0.2 (Debian ...)"
major() { sed -n '1s/^QEMU emulator version \([0-9]*\).*/\1/p'; }

sys=$(command -v qemu-system-x86_64 || true)
if [ -n "$sys" ] && [ "$("$sys" --version | major)" -ge 10 ] 2>/dev/null; then
	echo "$sys"
	exit 0
fi

bin=$top/root/usr/bin/qemu-system-x86_64
runs() { [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | major)" -ge 10 ] 2>/dev/null; }

# the version bookworm-backports has (apt's lists: apt-get update); a copy
# already unpacked is used while it is that version, or when the lists do
# not say
ver=$(apt-cache policy qemu-system-x86 2>/dev/null | awk '$1 ~ /^[0-9]/ && /bpo12/ { print $1; exit }')
if runs && [ -r "$top/version" ] && { [ -z "$ver" ] || [ "$(cat "$top/version")" = "$ver" ]; }; then
	echo "$bin"
	exit 0
fi
if [ -z "$ver" ]; then
	echo "bench-qemu: no qemu-system-x86 of bookworm-backports in apt's lists" \
		"(tools/install-deps.sh adds the source; then apt-get update)" >&2
	exit 1
fi
rm -rf "$top"
mkdir -p "$top/debs"
(cd "$top/debs" && apt-get download -q "${PKGS[@]/%/=$ver}" >&2) ||
	{ echo "bench-qemu: apt-get download of QEMU $ver failed" >&2; exit 1; }
for deb in "$top"/debs/*.deb; do
	dpkg-deb -x "$deb" "$top/root"
done
if ldd "$bin" | grep -q 'not found'; then
	echo "bench-qemu: QEMU $ver lacks libraries:" \
		"$(ldd "$bin" | awk '/not found/ { print $1 }' | tr '\n' ' ')" \
		"(apt-get install qemu-system-x86 brings them)" >&2
	exit 1
fi
echo "$ver" >"$top/version"
runs || { echo "bench-qemu: QEMU $ver from $top does not run" >&2; exit 1; }
echo "$bin"
