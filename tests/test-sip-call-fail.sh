#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Calls that end other than by BYE, through krtpd with krtp.ko loaded: busy
# (486 from bob, ACKed), no answer and CANCEL (200 for the CANCEL, 487 for
# the INVITE), unknown user (404 from krtpd): the relay ports allocated for
# the offer are freed, no flow, port or call is left behind. Last, a
# graceful stop of krtpd (SIGTERM) with a call up removes its flows.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
sip_kernel_setup

# --- busy -------------------------------------------------------------------
bob_answers uas-busy.xml
sip_check "alice gets 486 Busy Here" alice uac-busy.xml
sip_check "bob: INVITE answered 486, ACK received" sipp_wait BOB_PID uas-busy.xml
no_call_left "after 486"

# --- no answer, CANCEL --------------------------------------------------------
bob_answers uas-ring.xml
sip_check "alice cancels: 200 for CANCEL, 487 for INVITE" alice uac-cancel.xml -d 1500
sip_check "bob: CANCEL received, 487 sent, ACK received" sipp_wait BOB_PID uas-ring.xml
no_call_left "after CANCEL"

# --- unknown user ---------------------------------------------------------------
SVC=nobody sip_check "INVITE to an unknown user gets 404" alice uac-404.xml
no_call_left "after 404"

# --- graceful stop ----------------------------------------------------------------
bob_answers uas-answer.xml
alice_calls uac-call.xml
wait_eq 60000 4 nflows >/dev/null
check "a call is up before the stop" 4 "$(nflows)"
krtpd_stop
check "SIGTERM: krtpd exits" 1 "$(krtpd_gone && echo 1)"
check "SIGTERM: krtpd removed its flows" 0 "$(nflows)"
kill "$ALICE_PID" "$BOB_PID" 2>/dev/null

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
