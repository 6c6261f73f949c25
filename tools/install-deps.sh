#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing krtp needs on Debian 12 (bookworm):
# the build tools, both test kernels (6.1 from bookworm, 6.12 from
# bookworm-backports) with their headers, QEMU, and the real SIP peers the
# tests talk to. Idempotent: does nothing when everything is there.
#
#   tools/install-deps.sh           everything make test needs
#   tools/install-deps.sh --build   only what make run needs: compilers,
#                                   libraries, and the running kernel's headers
set -eu

PKGS=(
	build-essential pkg-config clang libclang-rt-14-dev sparse kmod dkms
	libmnl-dev liburcu-dev libsqlite3-dev nettle-dev libgnutls28-dev gnutls-bin
	libssl-dev	# DTLS-SRTP of WebRTC legs (daemon/media/dtls.c); gen --srtp's AES-GCM
	libc-ares-dev zlib1g-dev dnsmasq-base
	qemu-system-x86 busybox-static
	iproute2 nftables tcpdump tshark jq ethtool
	gojq	# the test helpers' JSON reads: a quarter of jq's start-up in the guest
	cpio xz-utils util-linux
	sip-tester kamailio kamailio-sqlite-modules sqlite3 baresip python3 socat
	linphone-cli twinkle sipsak	# real clients of the interop tests
	linux-image-amd64 linux-headers-amd64
	libmicrohttpd-dev curl	# krtpd's metrics server, and its test
	libwslay-dev python3-websockets	# SIP over WebSocket, and its test client
	python3-aiortc	# the WebRTC stack of tests/test-webrtc-aiortc.sh (DTLS-SRTP, ICE)
	libhiredis-dev redis-server	# store = redis, and tests/redis
	python3-aioice	# a real ICE agent for tests/unit/test_ice_aioice (ICE-lite answers)
	libsrtp2-dev	# the reference krtp.ko's SRTP is checked against (tests/tools/srtpcheck)
	chromium nodejs	# tests/test-webrtc-browser.sh: headless Chromium, and npm ci for JsSIP
	rtpengine-daemon	# what make bench-ng compares with; started by the bench itself
	# make bench's case k: iptables and the xtables plugin for rtpengine's kernel
	# module (the module itself is built from rtpengine-kernel-dkms by
	# tools/bench/rtpengine-kmod.sh, which fetches it)
	rtpengine-iptables iptables
)
BACKPORT_PKGS=(linux-image-amd64 linux-headers-amd64)
# Debian's nodejs comes without npm; NodeSource's has it and conflicts with
# Debian's npm package
command -v npm >/dev/null || PKGS+=(npm)

if [ "${1:-}" = --build ]; then
	PKGS=(build-essential pkg-config kmod libmnl-dev liburcu-dev libsqlite3-dev nettle-dev
		libc-ares-dev libgnutls28-dev gnutls-bin libmicrohttpd-dev zlib1g-dev
		libhiredis-dev libsrtp2-dev libssl-dev)
	# the running kernel's headers, when Debian has them, so krtp.ko builds
	apt-cache show "linux-headers-$(uname -r)" >/dev/null 2>&1 &&
		PKGS+=("linux-headers-$(uname -r)")
	BACKPORT_PKGS=()
	PKGS+=(libmicrohttpd-dev)	# krtpd's metrics server
	PKGS+=(libwslay-dev)	# SIP over WebSocket (daemon/sip/ws.c)
fi

[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get)" >&2; exit 1; }

need=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
have_612() {
	[ ${#BACKPORT_PKGS[@]} -eq 0 ] || ls -d /lib/modules/6.12*/build >/dev/null 2>&1
}

if [ ${#need[@]} -eq 0 ] && have_612; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
src=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ${#BACKPORT_PKGS[@]} -gt 0 ] &&
	! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$src" <<'EOS'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
apt-get update -q
# tshark asks whether non-root users may capture; the answer does not matter here
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
[ ${#need[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${need[@]}"
# rtpengine's own service would take the ng port 2223 that krtpd's examples use
if [[ " ${need[*]} " == *" rtpengine-daemon "* ]] && command -v systemctl >/dev/null; then
	systemctl disable --now rtpengine-daemon.service >/dev/null 2>&1 || true
fi
have_612 || apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORT_PKGS[@]}"
