# SPDX-License-Identifier: GPL-2.0
#
# What test-webrtc-video.sh and test-webrtc-bundle.sh share: alice is
# aiortc (wrtcphone.py, output $TMPD/phone.out), bob is baresip with video,
# krtpd anchors their audio (stream 0) and video (stream 1). Sourced after
# tests/sip/lib.sh.

# flow_of I D: the flow of stream I in direction D (krtpd's labels: ab from
# alice to bob, ba to alice, bac bob's RTCP to alice), from FLOWS
flow_of() {
	echo "$FLOWS" | $KJQ -c --arg l ":$1:$2" '.[] | select(.label | endswith($l))'
}

# video_flows: both streams' flows both ways are in krtp.ko (FLOWS taken)
video_flows() {
	FLOWS=$(flows_json)
	[ -n "$(flow_of 1 ab)" ] && [ -n "$(flow_of 1 ba)" ] && [ -n "$(flow_of 0 ab)" ] &&
		[ -n "$(flow_of 0 ba)" ]
}

# video_counters: nft counters in bob's namespace, from now on: "video",
# what reaches his video port (the video flow's peer in FLOWS) as plain
# RTP (version 2, not RTCP) from the relay; "kfreq", alice's key frame
# requests (an RR, a PLI and a FIR: 40 bytes of RTCP) at his video RTCP port
video_counters() {
	local port

	port=$(flow_of 1 ab | $KJQ -r .peer | sed 's/.*://')
	ip netns exec "$bob" nft add counter inet krtptest video
	ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR udp dport "$port" \
		@th,64,2 2 @th,72,8 != 192-223 counter name video
	ip netns exec "$bob" nft add counter inet krtptest kfreq
	ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
		udp dport $((port + 1)) udp length 48 @th,72,8 201 @th,136,8 206 counter name kfreq
}

# counter_of NAME: packets the counter NAME of bob's namespace counted
counter_of() {
	ip netns exec "$bob" nft -j list counter inet krtptest "$1" |
		$KJQ -r '.nftables[] | select(.counter) | .counter.packets'
}

# settled: no flow's packet count moves for a second
settled() {
	local a b

	a=$(flows_json | $KJQ -c '[.[] | .stats.packets]')
	sleep 1
	b=$(flows_json | $KJQ -c '[.[] | .stats.packets]')
	[ "$a" = "$b" ]
}

# stat KEY: a figure of alice's last stats line, from $stats
stat() {
	echo "$stats" | $KJQ -r ".$1 // \"none\""
}

# bob_offer_checks: baresip's SIP trace (-s), the INVITE it got as it
# printed it: plain RTP/AVP video on a relay port, from krtpd's address,
# without ICE, DTLS or feedback lines
bob_offer_checks() {
	local bob_offer

	bob_offer=$(tr -d '\r' <"$TMPD/bob.out" | sed -n '/^INVITE sip:bob/,/^UDP /p')
	check "bob was offered plain RTP/AVP video on a relay port, from krtpd's address" \
		"c=IN IP4 $SIP_ADDR $(flow_of 1 ba | $KJQ -r .local | sed 's/.*://') RTP/AVP" \
		"$(echo "$bob_offer" | grep -m1 '^c=') $(echo "$bob_offer" | sed -n 's/^m=video \([0-9]*\) \(RTP\/AVP\) .*/\1 \2/p')"
	check "... without ICE, DTLS or feedback lines" 0 \
		"$(echo "$bob_offer" | grep -cE '^a=(ice-|fingerprint|setup|candidate|rtcp-fb|group|mid)')"
}

# video_to_alice N: krtp.ko forwarded N or more video packets to alice
video_to_alice() {
	[ "$(flows_json | $KJQ '[.[] | select(.label | endswith(":1:ba")) | .stats.packets] | add // 0')" \
		-ge "$1" ] 2>/dev/null
}

# alice_video_stats: once bob's video decodes at alice's and has gone on a
# while, bob is frozen (bp, his process) and alice reads her figures
# (stats, FLOWS, vsent, vrecv set here): both sides have stopped, so the
# counts compare exactly; then the video flows' keys and alice's video
# checked through krtp.ko to bob's port ($vport: the answer's video port)
alice_video_stats() {
	busywait 90000 video_to_alice 100
	busywait 60000 phone_says '^video decodes'
	bp=$(baresip_pid)
	kill -STOP "$bp"
	defer "kill -CONT $bp 2>/dev/null"
	busywait 20000 settled
	touch "$TMPD/ready"
	busywait 90000 phone_says '^stats '
	stats=$(sed -n 's/^stats //p' "$TMPD/phone.out")
	sleep 1	# alice stopped sending: her last packets land
	FLOWS=$(flows_json)
	vsent=$(stat video_packets_sent)
	vrecv=$(stat video_packets_received)
	check "flows: video SRTP in from alice, plain out to bob" "AES_CM_128_HMAC_SHA1_80 null" \
		"$(flow_of 1 ab | $KJQ -r '"\(.srtp.in) \(.srtp.out)"')"
	check "flows: video plain in from bob, SRTP out to alice" "null AES_CM_128_HMAC_SHA1_80" \
		"$(flow_of 1 ba | $KJQ -r '"\(.srtp.in) \(.srtp.out)"')"
	check "flows: the video to alice leaves from the port she sends video to" "$SIP_ADDR:$vport" \
		"$(flow_of 1 ba | $KJQ -r .via)"
	check_range "alice sent video (packets, aiortc's count)" 10 100000 "$vsent"
	check "alice->bob: krtp.ko forwarded every video packet aiortc sent" "${vsent:-none}" \
		"$(flow_of 1 ab | $KJQ .stats.packets)"
	check "alice->bob: bob's video port got them all as plain RTP" "$vsent" "$(counter_of video)"
}
