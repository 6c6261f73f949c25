#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A bridged SDES call (srtp = bridge) across kill -9 of krtpd, then a
# session refresh: baresip as alice offers SRTP, bob is a plain sipp;
# krtp.ko decrypts and encrypts. krtpd is killed with -9 and restarted on
# the same state; then bob refreshes the session with a re-INVITE of his
# unchanged SDP (as RFC 4028 session timers do, 15 to 30 minutes into a
# call). Before the keys were kept in the state store, that refresh got
# 488 and the call died when its session expired; a fresh key from krtpd
# would have left baresip, which keeps its first key, unable to decrypt.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip :5060 SRTP         SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#
# Checked: the restarted krtpd re-adopts the call and its keys from the
# store; the refresh gets 200; the re-INVITE krtpd sends baresip offers
# RTP/SAVP with krtpd's key of the call's first answer; krtp.ko's flows
# stay as they were (same ids); bob's 50 packets after the refresh reach
# baresip and it decrypts every one, alice's keep reaching bob as plain
# RTP, and krtp.ko drops none of them (authentication, replay); no key in
# krtpd's log or krtpctl's output; the store file is mode 0600; after
# baresip's BYE no flow, port, call or stored key is left.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f /usr/lib/baresip/modules/srtp.so ] || skip_all "baresip has no srtp module"
command -v tcpdump >/dev/null || skip_all "tcpdump missing"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
ip netns exec "$caller" tcpdump -q -U -n -i c0 -w "$TMPD/alice.pcap" \
	"udp port $SIP_PORT or (src host $SIP_ADDR and udp src portrange $RELAY_MIN-$RELAY_MAX)" \
	>/dev/null 2>&1 &
defer "kill $! 2>/dev/null"
sleep 1	# tcpdump is listening

krtpd_config kernel "srtp = bridge"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
sip_check "bob registers" register bob

B2A_OUT=	# the flow toward baresip, found once the call is up
to_alice() {
	flow_by_peer "$B2A_OUT" stats.packets
}
# krtp.ko's SRTP drops on the call's flows: "RTP_AUTH REPLAY SRTCP_AUTH"
drops() {
	flows_json | jq -r '[([.[] | select(.flags | index("rtcp") | not) | .stats.srtp_auth_fail] | add),
		([.[] | .stats.srtp_replay] | add),
		([.[] | select(.flags | index("rtcp")) | .stats.srtp_auth_fail] | add)] | map(tostring) | join(" ")'
}

bob_answers uas-refresh.xml
BARESIP_CONF="module			srtp.so" baresip_run "$alice" "$CALLER4" alice \
	"<sip:alice@$SIP_DOMAIN>;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;ptime=20;mediaenc=srtp-mand" \
	-e "/dial sip:bob@$SIP_DOMAIN"
wait_eq 60000 4 nflows >/dev/null
check "4 SRTP-keyed flows once the call is up (RTP and RTCP each way)" 4 \
	"$(flows_json | jq '[.[] | select(.srtp)] | length')"
B2A_OUT=$(flows_json | jq -r '[.[] | select(.srtp.out and (.flags | tostring | contains("rtcp") | not))] | if length == 1 then .[0].peer else "" end')
wait_eq 30000 50 to_alice >/dev/null
check "before the restart: bob's 50 packets forwarded to baresip" 50 "$(to_alice)"
ids_before=$(flows_json | jq -c '[.[].id] | sort')
ALICE_CALLID=$(calls_json | jq -r '.[0].call_id')

krtpd_kill9
krtpd_start || { ktap_test_fail "krtpd restarts"; ktap_finished; exit; }
ktap_test_pass "krtpd restarts on the same state"
check "after restart: the call and its SDES keys re-adopted" 1 \
	"$(grep -c "call $ALICE_CALLID: SDES keys re-adopted from the store" "$KRTPD_LOG")"
check "the state file is its owner's only" 600 "$(stat -c %a "$KRTPD_STATE/state.db")"

# bob's session refresh, through the restarted krtpd
a2b_before=$(call_counter packets_a_to_b)
bob_go
wait_eq 60000 100 to_alice >/dev/null
check "after the refresh: bob's 50 more packets forwarded to baresip" 100 "$(to_alice)"
check "after the refresh: the same flows, none replaced" "$ids_before" \
	"$(flows_json | jq -c '[.[].id] | sort')"
wait_gt() {
	[ "$(call_counter packets_a_to_b)" -ge $((a2b_before + 50)) ]
}
busywait 30000 wait_gt
check "after the refresh: alice's packets still reach bob" yes "$(wait_gt && echo yes)"
# baresip sends one RTCP APP ("PING") in the clear when its stream starts,
# before its SRTP: on a keyed flow that fails authentication, as it must
read -r rtp_auth replays srtcp_auth <<<"$(drops)"
check "krtp.ko: no RTP packet failed authentication" 0 "$rtp_auth"
check "krtp.ko: nothing dropped as a replay" 0 "$replays"
check "krtp.ko: at most baresip's clear RTCP APP failed authentication" yes \
	"$([ "$srtcp_auth" -le 1 ] && echo yes)"
flows_end=$(flows_json)
calls_out="$(ctl calls; ctl calls --json; echo "$flows_end")"

baresip_quit
check "baresip ended the call and exited" 0 "$?"
sip_check "bob: refresh answered 200, BYE from baresip received" sipp_wait BOB_PID uas-refresh.xml
no_call_left "after BYE"
check "after BYE: no stored key left" 0 \
	"$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from srtp").fetchone()[0])' "$KRTPD_STATE/state.db")"
sleep 1	# the last packets reach the capture

python3 "$SIP_DIR/srtp-pcap.py" "$SIP_ADDR" alice="$TMPD/alice.pcap" >"$TMPD/wire"
alice_sip=$(sed -n 's/^alice sip: //p' "$TMPD/wire")
refresh_a=$(echo "$alice_sip" | grep -m1 '^INVITE sip:alice')
sdes_wire_checks "$alice_sip" "$calls_out"
check "the refresh offered baresip RTP/SAVP with the same krtpd key" yes \
	"$(echo "$refresh_a" | grep -q 'm=audio [0-9]* RTP/SAVP ' &&
	   [ "$(echo "$refresh_a" | grep -o 'inline:[A-Za-z0-9+/=]*')" = "$KKEY" ] && echo yes)"
check "baresip: every packet from krtpd decrypted" 0 "$(grep -c 'failed to decrypt' "$TMPD/alice.out")"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	echo "$alice_sip" | sed 's/^/#   alice saw: /'
	echo "$flows_end" | jq -c '.[] | {peer, flags, srtp, stats}' | sed 's/^/#   flow: /'
	grep -iE 'srtp|crypto|call|SIP' "$TMPD/alice.out" | tr '\r' '\n' | grep -v bit/s |
		tail -n 20 | sed 's/^/#   baresip: /'
	krtpd_log_tail 30
fi
ktap_finished
