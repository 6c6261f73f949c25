#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# RFC 3263 through the trunk, with krtp.ko loaded: dnsmasq in the relay
# namespace serves carrier.test (NAPTR SIP+D2U -> _sip._udp SRV with two
# targets, uas1 priority 10 on bob's port 5070 and uas2 priority 20 on
# 5080); krtpd has trunk = sip:carrier.test and asks that server only.
# alice calls a number krtpd does not serve: the call goes to uas1. uas1
# is killed; the next call times out there (Timer B) and fails over to
# uas2, and alice gets 200 both times. A Route to a name that does not
# exist gets 404 "Cannot Resolve Host".
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp uas1 :5070, RTP :7000
#                              dnsmasq 10.0.0.1:5353             sipp uas2 :5080, RTP :7010
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"

DNS_PORT=5353
NUMBER=4930123456

require_sip_tools
command -v dnsmasq >/dev/null || skip_all "dnsmasq missing (dnsmasq-base)"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header
krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

ip netns exec "$relay" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --user=root --pid-file --listen-address="$SIP_ADDR" --bind-interfaces \
	--port="$DNS_PORT" --local=/carrier.test/ --local-ttl=60 --log-queries \
	--log-facility="$TMPD/dnsmasq.log" \
	--naptr-record=carrier.test,10,50,s,SIP+D2U,,_sip._udp.carrier.test \
	--srv-host=_sip._udp.carrier.test,uas2.carrier.test,5080,20,0 \
	--srv-host=_sip._udp.carrier.test,uas1.carrier.test,5070,10,0 \
	--host-record=uas1.carrier.test,"$CALLEE4" \
	--host-record=uas2.carrier.test,"$CALLEE4" 2>>"$TMPD/dnsmasq.log" &
DNSMASQ_PID=$!
defer "kill $DNSMASQ_PID 2>/dev/null"

krtpd_config kernel "trunk = sip:carrier.test" "dns_servers = $SIP_ADDR:$DNS_PORT"
krtpd_start || { ktap_test_fail "krtpd starts with a trunk"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with a trunk"

# uas PORT RTP NAME [SIPP_ARGS]: one sipp answering at bob's address on PORT
# (pid in NAME_PID, trace prefix in NAME_PID_TRACE)
uas() {
	SIP_PORT=$1 sipp_bg "$3_PID" "$bob" "$CALLEE4" "$2" uas-answer.xml -s "$NUMBER" "${@:4}"
}

# trunk_call: alice calls the number (ALICE_PID), through to the BYE
trunk_call() {
	ALICE_CALLID=call$((SIPP_N + 1))@$CALLER4
	sipp_bg ALICE_PID "$alice" "$CALLER4" "$ALICE_RTP" uac-call.xml -key caller alice \
		-s "$NUMBER" -cid_str "call$((SIPP_N + 1))@%s"
}

# answered_by NAME CALLID: that UAS's trace has the INVITE of the call
answered_by() {
	grep -q "^Call-ID: $2" "$(eval echo "\$${1}_PID_TRACE").msg" 2>/dev/null
}

uas1_gone() {
	[ "$(ip netns exec "$bob" ss -Hunl 'sport = :5070' | wc -l)" = 0 ]
}

# --- call 1: the priority-10 target answers --------------------------------------
uas 5070 "$BOB_RTP" UAS1 -m 2
uas 5080 $((BOB_RTP + 10)) UAS2
sleep 0.3
trunk_call
CALL1=$ALICE_CALLID
wait_eq 60000 4 nflows >/dev/null
check "call 1: media through krtp.ko (4 flows)" 4 "$(nflows)"
alice_go
sip_check "call 1: alice gets 200 and ends the call" sipp_wait ALICE_PID uac-call.xml
check "call 1: answered by uas1 (SRV priority 10)" 1 "$(answered_by UAS1 "$CALL1" && echo 1)"
check "call 1: not seen by uas2" 0 "$(answered_by UAS2 "$CALL1" && echo 1 || echo 0)"
no_call_left "call 1"

# --- call 2: uas1 is gone, Timer B, failover to uas2 -----------------------------
kill "$UAS1_PID" 2>/dev/null
wait "$UAS1_PID" 2>/dev/null
busywait 5000 uas1_gone
check "uas1 is stopped (nothing on bob's port 5070)" 1 "$(uas1_gone && echo 1)"
t0=$(date +%s)
trunk_call
CALL2=$ALICE_CALLID
wait_eq 90000 4 nflows >/dev/null
check "call 2: media through krtp.ko after the failover" 4 "$(nflows)"
alice_go
sip_check "call 2: alice gets 200 and ends the call" sipp_wait ALICE_PID uac-call.xml
sip_check "call 2: uas2 (priority 20) answered and got the BYE" sipp_wait UAS2_PID uas-answer.xml
check "call 2: answered by uas2" 1 "$(answered_by UAS2 "$CALL2" && echo 1)"
check "call 2: not answered by uas1" 0 "$(answered_by UAS1 "$CALL2" && echo 1 || echo 0)"
ktap_print_msg "call 2 took $(($(date +%s) - t0)) s (Timer B is 32 s)"
check "krtpd logged the failover to uas2" 1 \
	"$(grep -c "call $CALL2: no answer from one address of carrier.test, trying $CALLEE4:5080" "$KRTPD_LOG")"
no_call_left "call 2"

# --- a name that does not exist ---------------------------------------------------
check "Route to a name that does not exist: 404 Cannot Resolve Host" \
	"SIP/2.0 404 Cannot Resolve Host" "$(sipsend "$alice" route-nxdomain.sip --timeout 10 | tr -d '\r')"
check "dnsmasq was asked for carrier.test's NAPTR" 1 \
	"$(grep -c 'query\[NAPTR\] carrier.test ' "$TMPD/dnsmasq.log" | sed 's/^[1-9][0-9]*$/1/')"

sip_keep_logs
if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
