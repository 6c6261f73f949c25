#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An SDES desk phone calls a WebRTC agent (srtp = bridge): baresip as alice
# offers RTP/SAVP with a=crypto (AES_CM_128_HMAC_SHA1_80, mediaenc=srtp-mand)
# to bob, aiortc registered over WebSocket. krtpd ends the phone's SDES
# there and offers bob WebRTC itself; krtp.ko decrypts with one key and
# encrypts with the other, both ways.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip :5060 SDES-SRTP    SIP 10.0.0.1:5060, WS :5080       wrtcphone.py (aiortc)
#   RTP 61xx                   srtp = bridge, media = kernel     DTLS-SRTP, ICE, rtcp-mux
#
# Checked: baresip's INVITE offers RTP/SAVP with a=crypto; aiortc gets
# krtpd's WebRTC offer (UDP/TLS/RTP/SAVPF, ICE-lite, krtpd's fingerprint,
# rtcp-mux) with no a=crypto; baresip's 200 carries RTP/SAVP with one
# a=crypto of krtpd's own (not baresip's key, not empty); DTLS connects;
# krtp.ko's flows are SRTP-keyed on both sides (in from one, out to the
# other); baresip's packets (counted leaving it, once the flows are in)
# are what krtp.ko forwarded to aiortc and what aiortc received, its
# SRTCP what krtp.ko forwarded to aiortc's mux port; aiortc's packets are
# what krtp.ko forwarded to baresip and what reached it as 182-byte SRTP,
# its muxed SRTCP went to baresip's RTCP port; neither aiortc nor baresip
# failed to decrypt any of it, krtp.ko counted no authentication failure
# or replay; no key in krtpd's log or krtpctl's output; then aiortc, the
# callee, hangs up: its BYE, over the WebSocket and through krtpd to
# baresip's UDP contact, ends baresip's call and leaves no flow, port or
# call. One to two minutes under emulation, most of it Python starting
# aiortc.
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f /usr/lib/baresip/modules/srtp.so ] || skip_all "baresip has no srtp module"
command -v tcpdump >/dev/null || skip_all "tcpdump missing"
require_aiortc
ktap_print_header

WS_PORT=5080
BS_RTP=6100-6199	# baresip's rtp_ports (tests/sip/baresip/config)

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
# at alice: baresip's media to the relay, dropped (and counted apart) until
# krtp.ko holds the call's flows, so every packet counted "out" meets them;
# and what reaches baresip from the relay as SRTP PCMU (182 bytes, UDP 190);
# the same for RTCP (version 2, packet type 200-204 in clear in SRTCP)
ip netns exec "$alice" nft -f - <<EOF
table inet krtptest {
	counter early { }
	counter out { }
	counter srtp_in { }
	counter rtcp_out { }
	counter rtcp_in { }
	chain early {
		type filter hook output priority 0; policy accept;
		ip daddr $SIP_ADDR udp sport $BS_RTP udp dport $RELAY_MIN-$RELAY_MAX counter name early drop
	}
	chain out {
		type filter hook output priority 10; policy accept;
		ip daddr $SIP_ADDR udp sport $BS_RTP udp dport $RELAY_MIN-$RELAY_MAX udp length 190 \
			@th,64,2 2 @th,73,7 0 counter name out
		ip daddr $SIP_ADDR udp sport $BS_RTP udp dport $RELAY_MIN-$RELAY_MAX \
			@th,64,2 2 @th,72,8 200-204 counter name rtcp_out
	}
	chain srtp {
		type filter hook input priority 0; policy accept;
		ip saddr $SIP_ADDR udp sport $RELAY_MIN-$RELAY_MAX udp dport $BS_RTP udp length 190 \
			@th,64,2 2 @th,73,7 0 counter name srtp_in
		ip saddr $SIP_ADDR udp sport $RELAY_MIN-$RELAY_MAX udp dport $BS_RTP \
			@th,64,2 2 @th,72,8 200-204 counter name rtcp_in
	}
}
EOF
nft_got() {
	ip netns exec "$alice" nft -j list counter inet krtptest "$1" |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}
# alice's SIP, for the offer baresip sent and the answer it got
ip netns exec "$alice" tcpdump -q -U -n -i c0 -w "$TMPD/alice.pcap" "udp port $SIP_PORT" \
	>/dev/null 2>&1 &
defer "kill $! 2>/dev/null"
sleep 1	# tcpdump is listening

krtpd_config kernel "srtp = bridge" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"ws_origins = https://phone.krtp.test"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = kernel, srtp = bridge, listen_ws)"

# bob: aiortc, registered over WebSocket, takes one call; talks when
# $TMPD/go exists, reports when $TMPD/stats exists, hangs up when
# $TMPD/hangup exists
ip netns exec "$bob" timeout -k 5 300 /usr/bin/python3 "$TESTS_DIR/webrtc/wrtcphone.py" \
	--user bob --password none --domain "$SIP_DOMAIN" --answer-only --talk 3 \
	--go2 "$TMPD/go" --stats2 "$TMPD/stats" --hangup --hold "$TMPD/hangup" --timeout 90 \
	"ws://$SIP_ADDR:$WS_PORT/" >"$TMPD/phone.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"
busywait 90000 grep -q 'REGISTER over WebSocket answered 200' "$TMPD/phone.out"

BARESIP_CONF="module			srtp.so" baresip_run "$alice" "$CALLER4" alice \
	"<sip:alice@$SIP_DOMAIN>;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;ptime=20;mediaenc=srtp-mand" \
	-e "/dial sip:bob@$SIP_DOMAIN"
busywait 90000 grep -q '^callee dtls up' "$TMPD/phone.out"
check "aiortc got krtpd's WebRTC offer (ICE-lite, fingerprint, actpass, rtcp-mux, BUNDLE)" 1 \
	"$(grep -c "^ok - krtpd's offer: UDP/TLS/RTP/SAVPF, ICE-lite" "$TMPD/phone.out")"
check "... with no a=crypto" 0 "$(grep -c '^# a=crypto' "$TMPD/phone.out")"
check "the offer's fingerprint is krtpd's" "$(sed -n 's/^.*DTLS certificate made, fingerprint //p' \
	"$KRTPD_LOG" | head -n 1)" "$(sed -n 's/^# a=fingerprint://p' "$TMPD/phone.out" | tail -n 1)"
check "aiortc: DTLS-SRTP with krtpd connected" 1 \
	"$(grep -c '^ok - callee: DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"
wait_eq 30000 3 nflows >/dev/null
ip netns exec "$alice" nft flush chain inet krtptest early

# the flows of the call, from the snapshot (flows_snap): to bob (aiortc,
# to_bob rtp or to_bob rtcp, both to its mux port) and to alice (baresip,
# one flow: aiortc muxes, krtp.ko splits its RTCP to baresip's RTCP port)
to_bob() {
	echo "$FLOWS" | jq -r --arg a "$CALLER4" --arg r "$1" '.[] | select((.peer |
		startswith($a + ":") | not) and ((.flags | index("rtcp")) != null) == ($r == "rtcp"))'
}
to_alice() {
	echo "$FLOWS" | jq -r --arg a "$CALLER4" '.[] | select(.peer | startswith($a + ":"))'
}
flows_snap
check "3 flows in krtp.ko (aiortc muxes; RTP each way, baresip's RTCP to aiortc)" 3 \
	"$(echo "$FLOWS" | jq length)"
check "the flow to aiortc: SDES-SRTP in, DTLS-SRTP out" \
	"AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80" \
	"$(to_bob rtp | jq -r '"\(.srtp.in) \(.srtp.out)"')"
check "baresip's RTCP to aiortc: SRTCP both sides, to its mux port" \
	"$(to_bob rtp | jq -r '"\(.peer) true"')" \
	"$(to_bob rtcp | jq -r '"\(.peer) \(.srtp.in != null and .srtp.out != null)"')"
check "the flow to baresip: DTLS-SRTP in, SDES-SRTP out, passes STUN/DTLS to krtpd" \
	"AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80 true" \
	"$(to_alice | jq -r '"\(.srtp.in) \(.srtp.out) \(.flags | index("pass-stun-dtls") != null)"')"
to_bob_id=$(to_bob rtp | jq .id)
flows_unsnap
to_bob_pkts() {
	flows_json | jq --argjson id "$to_bob_id" '.[] | select(.id == $id) | .stats.packets'
}

# what bob's kernel drops at aiortc's full socket buffer (Python on a
# loaded host) is not krtp.ko's to answer for, but is counted
BOB_RCVBUF0=$(udp_rcvbuf_errors "$bob")
touch "$TMPD/go"
sleep 3
# freeze baresip, let its last packets land, then aiortc reports
bp=$(baresip_pid)
kill -STOP "$bp"
settled() {
	[ "$(nft_got out)" = "$(to_bob_pkts)" ]
}
busywait 5000 settled
touch "$TMPD/stats"
busywait 60000 grep -q '^stats2 ' "$TMPD/phone.out"
stats=$(sed -n 's/^stats2 //p' "$TMPD/phone.out")
stat() {
	echo "$stats" | jq -r ".$1 // \"none\""
}
flows_snap
out=$(nft_got out)
sent=$(stat packets_sent)
check_range "baresip->aiortc: baresip sent SRTP once the flows were in (packets)" 50 100000 "$out"
check "baresip->aiortc: krtp.ko forwarded every one" "$out" "$(to_bob rtp | jq .stats.packets)"
lost=$(($(udp_rcvbuf_errors "$bob") - BOB_RCVBUF0))
[ "$lost" -gt 0 ] && ktap_print_msg "bob's kernel dropped $lost datagrams at aiortc's full socket buffer"
check_range "baresip->aiortc: aiortc received them all (but what its socket buffer dropped)" \
	$((out - lost)) "$out" "$(stat packets_received)"
check_range "baresip->aiortc: aiortc decoded audio from them (frames)" $(((out - lost) * 4 / 5)) "$out" \
	"$(stat frames_decoded)"
check "aiortc dropped nothing (SRTP and SRTCP unprotect, RTP parsing)" "{}" "$(echo "$stats" | jq -c .dropped)"
check_range "aiortc->baresip: aiortc sent a tone (packets)" 50 100000 "$sent"
check "aiortc->baresip: krtp.ko forwarded every one" "$sent" "$(to_alice | jq .stats.packets)"
check "aiortc->baresip: all reached baresip as 182-byte SRTP" "$sent" "$(nft_got srtp_in)"
rtcp_out=$(nft_got rtcp_out)
check "baresip->aiortc: its $rtcp_out SRTCP reports, as krtp.ko forwarded them" \
	"$rtcp_out" "$(to_bob rtcp | jq .stats.rtcp_packets)"
check "aiortc's muxed RTCP goes to baresip's RTCP port (RTP + 1)" \
	"$(to_alice | jq -r '.peer | sub(":[0-9]+$"; ":") + ((split(":") | last | tonumber) + 1 | tostring)')" \
	"$(to_alice | jq -r .rtcp_peer)"
check "no SRTP authentication failure or replay in krtp.ko" 0 \
	"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
# aiortc reports while the call is up: what krtp.ko forwarded to baresip's
# RTCP port lies between what reached it before and after reading it
before=$(nft_got rtcp_in)
fwd=$(flows_json | jq --argjson id "$(to_alice | jq .id)" '.[] | select(.id == $id) | .stats.rtcp_packets')
after=$(nft_got rtcp_in)
check_range "aiortc->baresip: its SRTCP reached baresip ($before-$after), as krtp.ko forwarded it" \
	"$before" "$after" "$fwd"
check_range "aiortc->baresip: aiortc sent RTCP (krtp.ko's count)" 1 100000 "$fwd"
calls_out="$FLOWS
$(ctl calls; ctl calls --json)"
flows_unsnap
kill -CONT "$bp"

# aiortc, the WebRTC callee, hangs up: its BYE goes over the WebSocket
# through krtpd's Record-Route to baresip's UDP contact
touch "$TMPD/hangup"
wait "$PHONE_PID"
check "aiortc's phone: every step passed (the offer, DTLS, its BYE answered 200)" 0 "$?"
check "aiortc's BYE answered 200 (by baresip, through krtpd)" 1 \
	"$(grep -c "^ok - callee: its BYE answered 200" "$TMPD/phone.out")"
busywait 10000 grep -q 'Call with sip:bob@.* terminated' "$TMPD/alice.out"
check "baresip: the call ended by bob's BYE" 1 \
	"$(grep -c 'Call with sip:bob@.* terminated' "$TMPD/alice.out")"
no_call_left "after aiortc's BYE"
baresip_quit
check "baresip exited" 0 "$?"
check "baresip: SRTP with krtpd's suite" yes \
	"$(grep -q 'SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)' "$TMPD/alice.out" && echo yes)"
check "baresip: every packet from krtpd decrypted" 0 \
	"$(grep -ciE 'failed to decrypt|auth.*fail' "$TMPD/alice.out")"
sleep 1	# the last SIP reaches the capture

# what baresip offered and was answered
alice_sip=$(python3 "$SIP_DIR/srtp-pcap.py" "$SIP_ADDR" alice="$TMPD/alice.pcap" |
	sed -n 's/^alice sip: //p')
sdes_wire_checks "$alice_sip" "$calls_out"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	sed 's/^/#   phone: /' "$TMPD/phone.out" | grep -v '^#   phone: # ' | head -n 30
	grep -iE 'srtp|crypto|call|SIP' "$TMPD/alice.out" | tr '\r' '\n' | grep -v bit/s |
		tail -n 20 | sed 's/^/#   baresip: /'
	krtpd_log_tail 30
fi
ktap_finished
