#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A call through krtpd with krtp.ko carrying the media, sipp on both sides:
# 50 RTP packets each way counted exactly in the kernel's per-flow
# counters, in sysfs, in krtpctl calls and at the receivers; BYE leaves no
# flow, relay port or call behind. (Failures, CANCEL and a graceful stop:
# test-sip-call-fail.sh; hold and resume: test-sip-hold.sh.)
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#
#   alice RTP 10.0.1.2:6000 -> 10.0.0.1:A  ==krtp.ko==>  10.0.0.1:B -> 10.0.2.2:7000
#   bob   RTP 10.0.2.2:7000 -> 10.0.0.1:B' ==krtp.ko==>  10.0.0.1:A' -> 10.0.1.2:6000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
sip_kernel_setup

A2B=$CALLEE4:$BOB_RTP		# the flow that delivers alice's RTP to bob
B2A=$CALLER4:$ALICE_RTP		# and bob's to alice
A2B_RTCP=$CALLEE4:$((BOB_RTP + 1))
B2A_RTCP=$CALLER4:$((ALICE_RTP + 1))

# both_ways N: both RTP flows have forwarded N packets (leaves the flows
# snapshot taken for the checks that follow)
both_ways() {
	flows_snap
	[ "$(flow_by_peer "$A2B" stats.packets)" = "$1" ] &&
		[ "$(flow_by_peer "$B2A" stats.packets)" = "$1" ]
}

# --- a call with media both ways ------------------------------------------
fwd0=$(sysfs_read packets_forwarded)
bytes0=$(sysfs_read bytes_forwarded)
bob_answers uas-answer.xml
alice_calls uac-call.xml
busywait 60000 both_ways 50
check "4 flows during the call" 4 "$(echo "$FLOWS" | jq length)"
check "alice->bob RTP flow: packets" 50 "$(flow_by_peer "$A2B" stats.packets)"
check "alice->bob RTP flow: bytes" $((50 * RTP_PAYLOAD)) "$(flow_by_peer "$A2B" stats.bytes)"
check "alice->bob RTP flow: nothing dropped" 0 "$(flow_by_peer "$A2B" stats.drop_wrong_source)"
check "alice->bob RTP flow: no loss" 0 "$(flow_by_peer "$A2B" stats.rtp_lost)"
check "alice->bob RTP flow: SSRC of the pcap" $((0x4b525450)) "$(flow_by_peer "$A2B" stats.rtp_ssrc)"
check "alice->bob RTP flow: source alice's RTP port" "$CALLER4:$ALICE_RTP" "$(flow_by_peer "$A2B" source)"
# krtpd labels its flows "krtpd:<call hash>:..." to find them after a restart
check "the 4 flows carry one call's krtpd label" 1 \
	"$(echo "$FLOWS" | jq '[.[].label | select(startswith("krtpd:")) | split(":")[0:2] | join(":")] |
		if length == 4 then unique | length else -length end')"
check "bob->alice RTP flow: packets" 50 "$(flow_by_peer "$B2A" stats.packets)"
check "bob->alice RTP flow: bytes" $((50 * RTP_PAYLOAD)) "$(flow_by_peer "$B2A" stats.bytes)"
check "bob->alice RTP flow: source bob's RTP port" "$CALLEE4:$BOB_RTP" "$(flow_by_peer "$B2A" source)"
check "alice->bob RTCP flow" '["rtcp"]' "$(flow_by_peer "$A2B_RTCP" flags | jq -c 'map(select(. == "rtcp"))')"
check "bob->alice RTCP flow" '["rtcp"]' "$(flow_by_peer "$B2A_RTCP" flags | jq -c 'map(select(. == "rtcp"))')"
flows_unsnap
ktap_print_msg "krtpctl flow list:"
kctl flow list 2>&1 | sed 's/^/#   /'
check "bob received 50 RTP packets" 50 "$(rtp_received "$bob")"
check "alice received 50 RTP packets" 50 "$(rtp_received "$alice")"
check "sysfs packets_forwarded +100" 100 $(($(sysfs_read packets_forwarded) - fwd0))
check "sysfs bytes_forwarded +$((100 * RTP_PAYLOAD))" $((100 * RTP_PAYLOAD)) \
	$(($(sysfs_read bytes_forwarded) - bytes0))
check "krtpctl calls: one call" 1 "$(ncalls)"
check "krtpctl calls: 50 packets alice->bob" 50 "$(call_counter packets_a_to_b)"
check "krtpctl calls: 50 packets bob->alice" 50 "$(call_counter packets_b_to_a)"
ktap_print_msg "krtpctl calls:"
ctl calls 2>&1 | sed 's/^/#   /'
alice_go
sip_check "alice: call, BYE answered 200" sipp_wait ALICE_PID uac-call.xml
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
no_call_left "after BYE"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
