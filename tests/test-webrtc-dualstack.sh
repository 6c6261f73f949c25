#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A WebRTC leg on a dual-stack krtpd (relay_address and relay_address6)
# whose IPv4 UDP is blocked: alice is aiortc (Debian's python3-aiortc),
# registered over WebSocket on IPv4, with an IPv4 and an IPv6 address; a
# firewall in her namespace drops UDP to krtpd's IPv4 relay ports, as a
# network that lets only TCP out over IPv4 does. She calls bob, a plain
# IPv4 sipp, through krtpd.
#
#   alice (caller ns)                krtpd (relay ns)                 bob (callee ns)
#   c0 10.0.1.2, fd00:1::2 --veth-- r1  lo 10.0.0.1, fd00::1  r2 ----veth---- e0 10.0.2.2
#   wrtcphone.py                     SIP WS 10.0.0.1:5080             sipp :5060, RTP :7000
#   UDP to 10.0.0.1 dropped          media = kernel                   (uas-answer.xml)
#
# krtpd's answer gives a host candidate per relay address (RFC 8839
# section 5.1): its IPv4 one on the m= line's port, and one on fd00::1,
# on a port pair of its own. aiortc's checks to the IPv4 one are dropped;
# the IPv6 one is nominated, DTLS connects over IPv6, and krtp.ko carries
# the call across families: from alice's IPv6 address to bob over IPv4
# and back. Checked: the answer's two candidates; DTLS connected; the
# flows from and to alice on fd00::1 at the IPv6 candidate's port, to her
# IPv6 address; every packet aiortc sent
# forwarded to bob as plain RTP, bob's 50 forwarded to her, received and
# decoded; no SRTP failure; the BYE leaves no flow, port or call (the
# second pair included). Then the same call with media = user, krtpd's
# userspace relay (libsrtp) as where krtp.ko is absent: alice's leg on the
# IPv6 candidate's port, the relay's counts equal to aiortc's and bob's.
# About two minutes under emulation.
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
require_aiortc
ktap_print_header

WS_PORT=5080
SIP6=fd00::1
PHONE="$TESTS_DIR/webrtc/wrtcphone.py"

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
ip -n "$relay" addr add "$SIP6/128" dev lo || { ktap_test_fail "krtpd's IPv6 address"; ktap_finished; exit; }
# what reaches bob as plain PCMU RTP (plain_got)
plain_counter_setup
# alice's network: no UDP to krtpd's IPv4 relay ports (counted)
ip netns exec "$alice" nft -f - <<EOF
table inet v4block {
	counter dropped { }
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $SIP_ADDR udp dport $RELAY_MIN-$RELAY_MAX counter name dropped drop
	}
}
EOF
# alice's RTCP (muxed on her side) as it reaches bob's RTCP port
ip netns exec "$bob" nft add counter inet krtptest rtcp
ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp dport $((BOB_RTP + 1)) @th,64,2 2 @th,72,8 192-223 counter name rtcp
bob_rtcp() {
	ip netns exec "$bob" nft -j list counter inet krtptest rtcp |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}
v4_dropped() {
	ip netns exec "$alice" nft -j list counter inet v4block dropped |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# dual_call MODE: krtpd with media = MODE (kernel, user: the userspace
# relay, as where krtp.ko is absent) and both relay addresses; alice calls
# bob, whose media must cross families where ICE found her
dual_call() {
	local mode=$1 answer aport port6 stats sent media r0 r1

	rm -f "$TMPD/go" "$TMPD/hangup"
	ip netns exec "$bob" nft reset counter inet krtptest plain >/dev/null
	ip netns exec "$bob" nft reset counter inet krtptest rtcp >/dev/null
	krtpd_config "$mode" "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
		"ws_origins = https://phone.krtp.test" "relay_address6 = $SIP6"
	krtpd_start || { ktap_test_fail "$mode: krtpd starts"; return 1; }
	ktap_test_pass "$mode: krtpd starts (relay on $SIP_ADDR and $SIP6)"
	user_registered bob || sip_check "bob registers" bob reg-auth.xml -au bob -ap bob-secret

	bob_answers uas-answer.xml
	ip netns exec "$alice" timeout -k 5 300 /usr/bin/python3 "$PHONE" --user alice \
		--password alice-secret --domain "$SIP_DOMAIN" --target "sip:bob@$SIP_DOMAIN" \
		--timeout 40 --talk 3 --go "$TMPD/go" --hold "$TMPD/hangup" \
		"ws://$SIP_ADDR:$WS_PORT/" >"$TMPD/phone.out" 2>&1 &
	PHONE_PID=$!
	defer "kill $PHONE_PID 2>/dev/null"
	busywait 90000 phone_says 'DTLS-SRTP with krtpd connected'
	check "$mode: aiortc: the INVITE answered 200" 1 \
		"$(grep -c "^ok - INVITE with aiortc's offer answered 200" "$TMPD/phone.out")"
	check "$mode: aiortc: DTLS-SRTP connected" 1 \
		"$(grep -c '^ok - DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"

	answer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^answer:/,$p')
	aport=$(echo "$answer" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
	port6=$(echo "$answer" | sed -n "s/^a=candidate:2 1 udp 2130706175 $SIP6 \([0-9]*\) typ host\$/\1/p")
	check "$mode: answer: m= and c= on the IPv4 relay address" "c=IN IP4 $SIP_ADDR" \
		"$(echo "$answer" | sed -n '/^m=audio/,$p' | grep -m1 '^c=')"
	check "$mode: answer: the first host candidate on it, at the m= line's port" \
		"a=candidate:1 1 udp 2130706431 $SIP_ADDR $aport typ host" \
		"$(echo "$answer" | grep '^a=candidate:1 ')"
	check "$mode: answer: the second on $SIP6, a port of its own" yes \
		"$([ -n "$port6" ] && [ "$port6" != "$aport" ] && [ "$port6" != $((aport + 1)) ] && echo yes)"

	# krtp.ko's flows, once keyed (the relay's are in place by DTLS's end)
	[ "$mode" = kernel ] && busywait 30000 nflows_ge3
	touch "$TMPD/go"
	busywait 60000 grep -q '^stats ' "$TMPD/phone.out"
	stats=$(sed -n 's/^stats //p' "$TMPD/phone.out")
	sent=$(echo "$stats" | jq -r '.packets_sent // "none"')
	# not a check: aiortc may nominate the IPv6 pair before it checks the other
	ktap_print_msg "$mode: alice's datagrams to the IPv4 candidate dropped: $(v4_dropped)"
	check "$mode: aiortc: DTLS connected" connected "$(echo "$stats" | jq -r .dtls)"
	check_range "$mode: alice sent a tone (packets, aiortc's count)" 20 100000 "$sent"
	if [ "$mode" = kernel ]; then
		flows_snap
		check "krtp.ko: alice's media arrives on $SIP6 at the IPv6 candidate's port" \
			"[$SIP6]:$port6" "$(to_bob | jq -r .local)"
		check "krtp.ko: ... leaves to bob over IPv4, decrypted" \
			"$CALLEE4:$BOB_RTP $(to_bob | jq -r .via | grep -c '^10\.') AES_CM_128_HMAC_SHA1_80 null" \
			"$(to_bob | jq -r .peer) 1 $(to_bob | jq -r '"\(.srtp.in) \(.srtp.out)"')"
		check "krtp.ko: bob's media goes to alice's IPv6 address from the same port, encrypted" \
			"[$CALLER6] [$SIP6]:$port6 null AES_CM_128_HMAC_SHA1_80" \
			"$(to_alice | jq -r '"\(.peer | sub(":[0-9]+$"; "")) \(.via) \(.srtp.in) \(.srtp.out)"')"
		check "alice->bob: krtp.ko forwarded every packet aiortc sent" "$sent" \
			"$(to_bob | jq .stats.packets)"
		check "bob->alice: krtp.ko forwarded bob's 50 packets" 50 "$(to_alice | jq .stats.packets)"
		check "no SRTP authentication failure or replay" 0 \
			"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
		flows_unsnap
	else
		# the relay counts RTP and RTCP: alice keeps reporting while the
		# call is up, so its count lies between bob's before and after
		r0=$(bob_rtcp)
		media=$(calls_json | jq -c '.[0].media')
		r1=$(bob_rtcp)
		check "user: no flow in krtp.ko, the relay carries the call" "0 user" \
			"$(nflows) $(echo "$media" | jq -r .mode)"
		check "user: alice's leg on the IPv6 candidate's port" "$port6" \
			"$(echo "$media" | jq -r .port_a)"
		check_range "user: alice->bob: the relay forwarded every packet aiortc sent, and her RTCP bob got" \
			$((sent + r0)) $((sent + r1)) "$(echo "$media" | jq -r .packets_a_to_b)"
		check_range "user: ... her RTCP reached bob's RTCP port (packets)" 1 1000 "$r1"
		check "user: bob->alice: the relay forwarded bob's 50 packets" 50 \
			"$(echo "$media" | jq -r .packets_b_to_a)"
	fi
	check "$mode: alice->bob: bob got them all as plain 172-byte PCMU RTP" "$sent" "$(plain_got)"
	check "$mode: bob->alice: aiortc received 50 SRTP packets" 50 \
		"$(echo "$stats" | jq -r .packets_received)"
	check_range "$mode: bob->alice: aiortc decoded audio from them (frames)" 40 50 \
		"$(echo "$stats" | jq -r .frames_decoded)"

	touch "$TMPD/hangup"
	sip_check "$mode: bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
	wait "$PHONE_PID"
	no_call_left "$mode: after BYE"
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		sed 's/^/#   phone: /' "$TMPD/phone.out" | tail -n 40
		krtpd_log_tail 30
	fi
	krtpd_stop
}
nflows_ge3() {
	[ "$(nflows)" -ge 3 ]
}
to_bob() {
	echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer == $p)'
}
to_alice() {
	echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" \
		'.[] | select(.peer != $p and ((.flags | index("rtcp")) == null))'
}

krtpd_users alice alice-secret bob md5:bob-secret
dual_call kernel
dual_call user
ktap_finished
