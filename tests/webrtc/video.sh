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
