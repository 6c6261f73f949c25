#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WebRTC to SIP: alice is aiortc (Debian's python3-aiortc, a second WebRTC
# stack next to the browser's), registered over WebSocket with digest; she
# calls bob, a plain-RTP sipp, through krtpd. Her offer is
# UDP/TLS/RTP/SAVPF with ICE, a=fingerprint and BUNDLE; krtpd answers as
# ICE-lite with its own fingerprint, runs DTLS-SRTP with her, and shows bob
# RTP/AVP. The keyed flows are in krtp.ko.
#
#   alice (caller ns)           krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   wrtcphone.py (aiortc)       SIP WS 10.0.0.1:5080              sipp :5060, RTP :7000
#   SRTP, ICE, DTLS             UDP 10.0.0.1:5060, media = kernel plain RTP (uas-answer.xml)
#
# Checked: 200 OK with an ICE-lite DTLS answer; DTLS connects; two flows in
# krtp.ko, both SRTP-keyed (in from alice, out to her), the one from her
# passing her STUN consent checks to krtpd; alice's RTP packets
# as aiortc counted them are what krtp.ko forwarded and what reached bob as
# plain 172-byte PCMU; bob's 50 packets are what krtp.ko forwarded and what
# aiortc received, and aiortc decoded audio frames from them; the BYE
# leaves no flow, port or call. An offer without a=fingerprint gets 488 and
# a Warning. About four minutes under emulation, most of it Python
# starting aiortc.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
/usr/bin/python3 -c 'import aiortc, websockets' 2>/dev/null ||
	skip_all "python3-aiortc or python3-websockets missing"
ktap_print_header

WS_PORT=5080
PHONE="$TESTS_DIR/webrtc/wrtcphone.py"

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
# what reaches bob as plain PCMU RTP: 172 bytes (UDP length 180), version 2
ip netns exec "$bob" nft add counter inet krtptest plain
ip netns exec "$bob" nft insert rule inet krtptest in udp dport $BOB_RTP udp length 180 \
	@th,64,8 0x80 counter name plain
plain_got() {
	ip netns exec "$bob" nft -j list counter inet krtptest plain |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

krtpd_users alice alice-secret bob md5:bob-secret
krtpd_config kernel "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"ws_origins = https://phone.krtp.test"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = kernel, listen_ws)"
sip_check "bob registers" bob reg-auth.xml -au bob -ap bob-secret

# alice's call; she starts talking when $TMPD/go exists, and holds
# before the BYE until $TMPD/hangup exists
phone() {
	ip netns exec "$alice" timeout -k 5 300 /usr/bin/python3 "$PHONE" --user alice \
		--password alice-secret --domain "$SIP_DOMAIN" --target "sip:bob@$SIP_DOMAIN" \
		--timeout 40 "$@" "ws://$SIP_ADDR:$WS_PORT/"
}
bob_answers uas-answer.xml
phone --talk 3 --go "$TMPD/go" --hold "$TMPD/hangup" --no-fingerprint after \
	>"$TMPD/phone.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"
# DTLS done, the keyed flows in krtp.ko: only then does either side send media
dtls_up() {
	grep -q 'DTLS-SRTP with krtpd connected' "$TMPD/phone.out"
}
busywait 60000 dtls_up
wait_eq 30000 2 nflows >/dev/null
touch "$TMPD/go"
has_stats() {
	grep -q '^stats ' "$TMPD/phone.out"
}
busywait 60000 has_stats
stats=$(sed -n 's/^stats //p' "$TMPD/phone.out")
# aiortc checks consent every 5 s (RFC 7675): those STUN requests pass
# krtp.ko's flow to krtpd's socket (pass-stun-dtls) and are answered
from_alice_passed() {
	[ "$(kctl flow list --json | jq --arg p "$CALLEE4:$BOB_RTP" \
		'.[] | select(.peer == $p) | .stats.passed // 0')" -ge 1 ] 2>/dev/null
}
busywait 20000 from_alice_passed
stat() {
	echo "$stats" | jq -r ".$1 // \"none\""
}
check "aiortc: DTLS connected" connected "$(stat dtls)"

# the call's flows in krtp.ko, before the BYE takes them away
flows_snap
check "2 flows in krtp.ko (rtcp-mux, one each way)" 2 "$(echo "$FLOWS" | jq length)"
check "the flow to bob decrypts what alice sends (SRTP in, plain out)" "yes" \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer == $p) |
		if .srtp.in and (.srtp.out | not) then "yes" else "srtp \(.srtp)" end')"
check "the flow to alice encrypts for her (plain in, SRTP out)" "yes" \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer != $p) |
		if .srtp.out and (.srtp.in | not) then "yes" else "srtp \(.srtp)" end')"
check "the flow to alice goes to her caller-namespace address" "$CALLER4" \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer != $p) | .peer' |
		sed 's/:[0-9]*$//')"
sent=$(stat packets_sent)
to_bob_pkts=$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets)
to_alice_pkts=$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer != $p) | .stats.packets')
check_range "alice sent a tone (packets, aiortc's count; fewer on a loaded host)" 20 100000 "$sent"
check "alice->bob: krtp.ko forwarded every packet aiortc sent" "$sent" "$to_bob_pkts"
check "alice->bob: bob got them all as plain 172-byte PCMU RTP" "$sent" "$(plain_got)"
check "bob->alice: krtp.ko forwarded bob's 50 packets" 50 "$to_alice_pkts"
check "bob->alice: aiortc received 50 SRTP packets" 50 "$(stat packets_received)"
check_range "bob->alice: aiortc decoded audio from them (frames)" 40 50 "$(stat frames_decoded)"
check "no SRTP authentication failure or replay" 0 \
	"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
check_range "alice's consent checks reached krtpd past krtp.ko (STUN passed)" 1 1000 \
	"$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.passed)"
check "the flow from alice leaves STUN and DTLS to krtpd" true \
	"$(echo "$FLOWS" | jq --arg p "$CALLEE4:$BOB_RTP" \
		'.[] | select(.peer == $p) | .flags | index("pass-stun-dtls") != null')"
flows_unsnap

# the BYE, then a second offer without a=fingerprint from the same phone
touch "$TMPD/hangup"
wait "$PHONE_PID"
check "aiortc's phone: every step passed (BYE 200, then 488 with a Warning)" 0 "$?"
sed 's/^/#   phone: /' "$TMPD/phone.out" | grep -v '^#   phone: # ' | head -n 20
check "an offer without a=fingerprint is refused with 488 and a Warning" 1 \
	"$(grep -c '^ok - offer without a=fingerprint refused with 488' "$TMPD/phone.out")"
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
no_call_left "after BYE and the 488"

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 30
ktap_finished
