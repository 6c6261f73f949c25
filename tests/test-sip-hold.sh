#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Re-INVITE hold and resume through krtpd with krtp.ko carrying the media:
# 50 RTP packets each way, a re-INVITE to hold (a=sendonly / a=recvonly), a
# re-INVITE to resume (a=sendrecv), 50 packets each way again: all 200
# forwarded by krtp.ko and received, the call's 4 flows still in place;
# BYE then leaves no flow, relay port or call behind.
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

# --- hold and resume ----------------------------------------------------------
fwd0=$(sysfs_read packets_forwarded)
bob_a0=$(rtp_received "$bob")
alice_a0=$(rtp_received "$alice")
bob_answers uas-hold.xml
alice_calls uac-hold.xml
fwd_delta() { echo $(($(sysfs_read packets_forwarded) - fwd0)); }
# 50 each way before the hold, then hold and resume, 50 each way after
wait_eq 60000 100 fwd_delta >/dev/null
check "before the hold: sysfs packets_forwarded +100" 100 "$(fwd_delta)"
alice_go
wait_eq 60000 200 fwd_delta >/dev/null
check "hold/resume: 4 flows after the resume" 4 "$(nflows)"
check "hold/resume: sysfs packets_forwarded +200" 200 $(($(sysfs_read packets_forwarded) - fwd0))
check "hold/resume: bob received 100" 100 $(($(rtp_received "$bob") - bob_a0))
check "hold/resume: alice received 100" 100 $(($(rtp_received "$alice") - alice_a0))
alice_go
sip_check "alice: hold, resume, BYE" sipp_wait ALICE_PID uac-hold.xml
sip_check "bob: both re-INVITEs answered" sipp_wait BOB_PID uas-hold.xml
no_call_left "after hold/resume and BYE"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
