#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A call whose media stops is ended by krtpd (media_timeout): alice calls
# bob through krtpd with krtp.ko carrying the media, 50 RTP packets each
# way, then both phones fall silent without hanging up (a phone that lost
# its network). krtpd learns the flows' idle time from krtp.ko and, after
# media_timeout seconds, sends BYE to both with an RFC 3326 Reason saying
# why, logs it, counts it in krtpd_calls_ended_total{reason="media_timeout"}
# and leaves no flow, port or call behind.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
TIMEOUT_S=3
SIP_KERNEL_CONF="media_timeout = $TIMEOUT_S
metrics_listen = 127.0.0.1:9090"
sip_kernel_setup

fwd0=$(sysfs_read packets_forwarded)
fwd_delta() { echo $(($(sysfs_read packets_forwarded) - fwd0)); }
bob_answers uas-answer.xml
alice_calls uac-ended.xml
check "the call's media: sysfs packets_forwarded +100" 100 "$(wait_eq 60000 100 fwd_delta)"
check "the call's 4 flows are in krtp.ko" 4 "$(nflows)"
t0=$(date +%s)
sip_check "alice: silent until krtpd's BYE, answered" sipp_wait ALICE_PID uac-ended.xml
t1=$(date +%s)
sip_check "bob: krtpd's BYE, answered" sipp_wait BOB_PID uas-answer.xml
# the last packet left at most a second before t0; krtpd looks once a second
check_range "the BYEs came media_timeout after the media stopped (s)" $((TIMEOUT_S - 1)) \
	$((TIMEOUT_S + 15)) $((t1 - t0))
reason="Reason: SIP;cause=408;text=\"no media for ${TIMEOUT_S}s\""
# (a BYE krtpd retransmitted shows twice in a trace)
check "alice's BYE says why ($reason)" yes \
	"$(grep -q "^$reason" "$ALICE_PID_TRACE.msg" && echo yes)"
check "bob's BYE says why" yes "$(grep -q "^$reason" "$BOB_PID_TRACE.msg" && echo yes)"
check "krtpd logs why" 1 "$(grep -c "no media for ${TIMEOUT_S}s, tearing it down" "$KRTPD_LOG")"
check "krtpd_calls_ended_total{reason=\"media_timeout\"}" 1 \
	"$(metric 'krtpd_calls_ended_total{reason="media_timeout"}')"
check "krtpd_calls_ended_total{reason=\"consent_expired\"}" 0 \
	"$(metric 'krtpd_calls_ended_total{reason="consent_expired"}')"
no_call_left "after the media timeout"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
