#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The browser test with the browser on the host: Chromium rendering a page
# under the guest's TCG emulation takes minutes, natively well under a
# second. So Chromium runs here, in a network namespace of its own whose
# tap device is the guest's NIC, and krtpd, krtp.ko and bob run in the
# guest as for every other test (tests/test-webrtc-browser.sh):
#
#   host namespace krtp-browser-N          guest
#   chromium, kbr0 10.0.3.2  ----tap----  eth0 10.0.3.1 (relay namespace)
#                                          krtpd: SIP over WS, relay ports,
#                                          krtp.ko; bob (sipp) behind it
#
#   tests/webrtc/browser.sh KVER [TIMEOUT]
#
# Chromium waits on tests/webrtc/launch.html until the guest's test
# publishes the call (go.js). Prints the guest's KTAP output; exits with
# its status.
set -u

kver=${1:?usage: browser.sh KVER [TIMEOUT]}
timeout=${2:-900}
repo=$(cd "$(dirname "$0")/../.." && pwd)
ns=krtp-browser-$$
tap=kbr0
host=10.0.3.2
guest=10.0.3.1
tmp=$(mktemp -d)

cleanup() {
	[ -n "${chromium_pid:-}" ] && kill "$chromium_pid" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tap" mode tap || exit 1
ip -n "$ns" addr add "$host/24" dev "$tap"
# and IPv6 (the guest's side is fd00:3::1): krtpd is dual stack to Chromium
ip -n "$ns" addr add fd00:3::2/64 dev "$tap" nodad
ip -n "$ns" link set "$tap" up
# krtpd's SIP and relay addresses are behind the guest's relay namespace
ip -n "$ns" route add default via "$guest"

# the page from the guest is plain http on a non-local address: let it use
# the (fake) microphone as a secure context would
mkdir -p "$tmp/home"
ip netns exec "$ns" env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" \
	XDG_CACHE_HOME="$tmp/home" timeout -k 5 "$timeout" chromium --headless=new \
	--no-sandbox --disable-gpu --use-fake-device-for-media-stream \
	--use-fake-ui-for-media-stream --no-first-run --disable-extensions \
	--disable-dev-shm-usage --disable-background-networking \
	--disable-component-update --disable-sync --no-default-browser-check \
	--disable-breakpad --disable-features=Translate,OptimizationHints,MediaRouter \
	--unsafely-treat-insecure-origin-as-secure="http://$guest:8000" \
	--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
	"file://$repo/tests/webrtc/launch.html?server=http://$guest:8000" \
	>"$tmp/chromium.log" 2>&1 &
chromium_pid=$!

ip netns exec "$ns" "$repo/tools/vm/run.sh" -k "$kver" --tap "$tap" --mem 1536 \
	--timeout "$timeout" -- env KRTP_BROWSER_NIC=$guest tests/run.sh webrtc-browser
rc=$?
if [ "$rc" != 0 ]; then
	echo "# chromium (host) said:"
	grep -E 'CONSOLE|ERR_|WebSocket' "$tmp/chromium.log" | grep -v dbus | tail -n 30 | sed 's/^/#   /'
fi
exit "$rc"
