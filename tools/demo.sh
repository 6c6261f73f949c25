#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: one call whose media krtp.ko forwards, shown end to end.
#
#   tools/demo.sh [-k KVER]
#
# On the host: builds krtpd, krtpctl and krtp.ko for KVER (default: the
# Debian 6.1 kernel), then boots it under QEMU (tools/vm/run.sh) and runs
# the second half inside the VM:
#
#   alice (netns)              krtpd (netns)                     bob (netns)
#   sipp 10.0.1.2:5060 ------- 10.0.0.1:5060, krtp.ko ---------- sipp 10.0.2.2:5060
#   RTP :6000                  relay ports 10.0.0.1:30000+       RTP :7000
#
# loads krtp.ko, starts krtpd (media = kernel), registers alice and bob
# with sipp, has alice call bob with 50 RTP packets each way, and prints
# `krtpctl calls`, `krtpctl flow list` and the sysfs counters while the call
# is up. Exits 1 unless the kernel's counters equal the packets sent.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" != --in-vm ]; then
	kver=$(basename /lib/modules/6.1.*-amd64 2>/dev/null)
	while [ $# -gt 0 ]; do
		case "$1" in
		-k) kver=${2:?}; shift 2 ;;
		*) echo "usage: tools/demo.sh [-k KVER]" >&2; exit 2 ;;
		esac
	done
	echo "demo: building krtpd, krtpctl and krtp.ko for $kver"
	make -s -C "$repo/daemon" >/dev/null || exit 1
	make -s -C "$repo/tools/krtpctl" >/dev/null || exit 1
	"$repo/tools/vm/build-module.sh" "$kver" >/dev/null || exit 1
	echo "demo: booting $kver under QEMU (software emulation: allow a few minutes)"
	exec "$repo/tools/vm/run.sh" -k "$kver" --timeout 900 -- tools/demo.sh --in-vm
fi

# --- inside the VM ------------------------------------------------------------
. "$repo/tests/lib.sh"
. "$repo/tests/sip/lib.sh"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'demo: FAILED: %s\n' "$*"; krtpd_log_tail 30; exit 1; }

step "kernel $(uname -r): loading krtp.ko"
krtp_load || fail "insmod $KRTP_KO"
sip_topology || fail "network namespaces"
krtpd_config kernel
krtpd_start || fail "krtpd did not start"
grep -E 'media:' "$KRTPD_LOG" | sed 's/^/  krtpd: /'

step "registering alice and bob (sipp)"
register alice || fail "alice's REGISTER"
register bob || fail "bob's REGISTER"
ctl registrations

step "alice calls bob; 50 RTP packets each way (sipp play_pcap_audio)"
fwd0=$(sysfs_read packets_forwarded)
bytes0=$(sysfs_read bytes_forwarded)
bob_answers uas-answer.xml
alice_calls uac-call.xml
both_ways() {
	[ "$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets)" = 50 ] &&
		[ "$(flow_by_peer "$CALLER4:$ALICE_RTP" stats.packets)" = 50 ]
}
busywait 60000 both_ways

step "krtpctl calls"
ctl calls
step "krtpctl flow list"
kctl flow list
step "/sys/kernel/krtp"
for f in flows_active packets_forwarded bytes_forwarded packets_dropped; do
	printf '  %-18s %s\n' "$f" "$(sysfs_read "$f")"
done

a2b=$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets)
b2a=$(flow_by_peer "$CALLER4:$ALICE_RTP" stats.packets)
fwd=$(($(sysfs_read packets_forwarded) - fwd0))
bytes=$(($(sysfs_read bytes_forwarded) - bytes0))
got_bob=$(rtp_received "$bob")
got_alice=$(rtp_received "$alice")

step "result"
printf '  %-34s %8s %8s\n' "" sent counted
printf '  %-34s %8s %8s\n' "alice -> bob, krtp flow" 50 "$a2b"
printf '  %-34s %8s %8s\n' "bob -> alice, krtp flow" 50 "$b2a"
printf '  %-34s %8s %8s\n' "sysfs packets_forwarded (delta)" 100 "$fwd"
printf '  %-34s %8s %8s\n' "sysfs bytes_forwarded (delta)" $((100 * RTP_PAYLOAD)) "$bytes"
printf '  %-34s %8s %8s\n' "received by bob / by alice" "50/50" "$got_bob/$got_alice"

alice_go
sipp_wait ALICE_PID uac-call.xml >/dev/null || fail "alice's call did not complete (BYE)"
sipp_wait BOB_PID uas-answer.xml >/dev/null || fail "bob's side of the call failed"
wait_eq 5000 0 nflows >/dev/null
printf '  %-34s %8s\n' "flows after BYE" "$(nflows)"

if [ "$a2b" = 50 ] && [ "$b2a" = 50 ] && [ "$fwd" = 100 ] &&
   [ "$bytes" = $((100 * RTP_PAYLOAD)) ] && [ "$got_bob" = 50 ] && [ "$got_alice" = 50 ] &&
   [ "$(nflows)" = 0 ]; then
	echo
	echo "demo: OK: krtp.ko forwarded every packet of the call, counted exactly"
	exit 0
fi
fail "kernel counters differ from the packets sent"
