#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# BUNDLE (RFC 8843) from a WebRTC caller to a SIP video phone: alice is
# aiortc (Debian's python3-aiortc), registered over WebSocket, and calls
# bob with audio and VP8 video, her offer written as a browser on
# bundlePolicy max-bundle writes it (the video bundle-only, port 0); bob
# is baresip, a plain RTP/AVP phone with video (its vp8 codec and its
# fakevideo source and display), registered with digest.
#
#   alice (caller ns)           krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   wrtcphone.py --video        SIP WS 10.0.0.1:5080              baresip :5060
#   SRTP, ICE, DTLS x 2         UDP 10.0.0.1:5060, media = kernel RTP/AVP audio + video
#
# krtpd bundles the video on the audio's transport: one relay port, ICE
# agent and DTLS session facing alice, and two flows from her on that port,
# told apart by krtp.ko by payload type (RTP) and sender SSRC (RTCP).
# Checked: the answer's group names both lines, both on the audio's port
# with one set of credentials; aiortc moves its video onto the audio's
# transport, which connects; bob is offered plain RTP/AVP video on relay
# ports of its own; krtp.ko's two flows from alice share the port, each
# with its line's payload types, SRTP-keyed with the one DTLS key; every
# video packet aiortc sent is what the video flow forwarded and what
# reached bob's video port as plain RTP, and the audio's likewise on its
# flow; alice's key frame requests reach bob's video RTCP port; what
# krtp.ko forwarded from bob reached aiortc, which decoded video frames;
# nothing dropped as of no line, no SRTP authentication failure. Then
# krtpd is killed (-9) and restarted under the call: it re-adopts both
# lines on the one port, alice's unchanged re-offer is answered with the
# transport of before, no flow is replaced, and bob's video goes on
# reaching her. The BYE leaves no flow, port or call. Then carol, a
# baresip with video, calls alice, aiortc as a callee with video: krtpd's
# offer groups both lines, each on its own transport; aiortc bundles them
# and krtpd follows, alice's two flows on one port; every video packet
# either way is counted through krtp.ko to the other side. About four
# minutes under emulation.
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/webrtc/video.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
require_aiortc
command -v baresip >/dev/null && [ -f /usr/lib/baresip/modules/vp8.so ] &&
	[ -f /usr/lib/baresip/modules/fakevideo.so ] || skip_all "baresip with vp8 and fakevideo missing"
ktap_print_header

WS_PORT=5080
PHONE="$TESTS_DIR/webrtc/wrtcphone.py"

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs

krtpd_users alice alice-secret bob md5:bob-secret carol md5:carol-secret
krtpd_config kernel "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"ws_origins = https://phone.krtp.test"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = kernel, listen_ws)"

BARESIP_CONF=$BARESIP_VIDEO baresip_run "$bob" "$CALLEE4" bob \
	"<sip:bob@$SIP_DOMAIN>;auth_pass=bob-secret;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;video_codecs=VP8;ptime=20;answermode=auto" \
	-s
check "baresip registers as bob" yes "$(busywait 60000 user_registered bob && echo yes)"

# (wrtcphone.py gives aiortc's sockets a browser's receive buffer: audio
# and video share one here)
RCVBUF0=$(udp_rcvbuf_errors "$alice")
ip netns exec "$alice" timeout -k 5 300 /usr/bin/python3 "$PHONE" --user alice \
	--password alice-secret --domain "$SIP_DOMAIN" --target "sip:bob@$SIP_DOMAIN" \
	--timeout 60 --video --max-bundle --talk 6 --go "$TMPD/go" --ready "$TMPD/ready" --hold "$TMPD/hangup" \
	--refresh "$TMPD/refresh" --stats3 "$TMPD/stats3" \
	--answer --go2 "$TMPD/go2" --stats2 "$TMPD/stats2" --hangup --bye2 "$TMPD/bye2" \
	"ws://$SIP_ADDR:$WS_PORT/" >"$TMPD/phone.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"

busywait 120000 phone_says 'video: DTLS-SRTP'
check "aiortc: the INVITE answered 200" 1 \
	"$(grep -c "^ok - INVITE with aiortc's offer answered 200" "$TMPD/phone.out")"
check "aiortc: audio DTLS-SRTP connected" 1 \
	"$(grep -c '^ok - DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"
check "aiortc: the video on the audio's transport, connected" 1 \
	"$(grep -c "^ok - video: DTLS-SRTP with krtpd connected, on the audio's transport" "$TMPD/phone.out")"
busywait 30000 video_flows
check "krtp.ko holds the audio and video flows both ways" yes "$(video_flows && echo yes)"
video_counters
# both talk from now on: alice ACKs bob's 200 only then, so no check waits first
touch "$TMPD/go"

# the SDP of both legs
answer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^answer:/,$p')
aport=$(echo "$answer" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
vport=$(echo "$answer" | sed -n 's/^m=video \([0-9]*\) .*/\1/p')
check "answer: video on the audio's relay port, UDP/TLS/RTP/SAVPF VP8" yes \
	"$([ -n "$vport" ] && [ "$vport" != 0 ] && [ "$vport" = "$aport" ] &&
	   echo "$answer" | grep -q "^m=video $vport UDP/TLS/RTP/SAVPF [0-9]*\$" &&
	   echo "$answer" | grep -q '^a=rtpmap:[0-9]* VP8/90000' && echo yes)"
mids=$(echo "$answer" | sed -n 's/^a=mid://p' | xargs)
check "answer: a BUNDLE group of both lines, in order" "a=group:BUNDLE $mids" \
	"$(echo "$answer" | grep '^a=group:')"
check "answer: one set of ICE credentials" 1 \
	"$(echo "$answer" | grep '^a=ice-ufrag:' | sort -u | wc -l)"
check "answer: the host candidate, the audio's port" "$aport" \
	"$(echo "$answer" | sed -n 's/^a=candidate:.* \([0-9]*\) typ host$/\1/p' | sort -u | xargs)"
check "answer: no bundle-only" 0 "$(echo "$answer" | grep -c 'bundle-only')"
check "krtp.ko: both flows from alice arrive on that one port" \
	"$SIP_ADDR:$aport $SIP_ADDR:$aport" \
	"$(flow_of 0 ab | $KJQ -r .local) $(flow_of 1 ab | $KJQ -r .local)"
# the payload types of each line of the offer alice sent
offer_pts() {
	sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^sent offer:/,/^answer:/p' |
		sed -n "s/^m=$1 [0-9]* [^ ]* //p" | tr ' ' '\n' | sort -n | xargs | tr ' ' ,
}
check "krtp.ko: the audio flow carries the audio's payload types" "$(offer_pts audio)" \
	"$(flow_of 0 ab | $KJQ -r '.bundle_pt | join(",")')"
check "krtp.ko: the video flow, the video's" "$(offer_pts video)" \
	"$(flow_of 1 ab | $KJQ -r '.bundle_pt | join(",")')"
bob_offer_checks


# both talk; once bob's video decodes at alice's (she asks him for a key
# frame: his first went out before the call's video was keyed) and has
# gone on a while, bob is frozen and alice reads her figures: both sides
# have stopped, so the counts compare exactly
alice_video_stats
# UDP that alice's namespace dropped at aiortc's full socket buffer, if
# any, named with the check
lost=$(($(udp_rcvbuf_errors "$alice") - RCVBUF0))
vfwd=$(flow_of 1 ba | $KJQ .stats.packets)
check "bob->alice: aiortc received every video packet krtp.ko forwarded (its socket dropped $lost at a full buffer)" \
	"$vfwd" "$vrecv"
ktap_print_msg "aiortc dropped $(stat dropped), had bob's video from $(stat video_ssrcs_received) SSRC(s), DTLS $(stat dtls), $(stat dtls_rx_packets) datagrams in"
check_range "bob->alice: video packets (baresip's VP8)" 100 100000 "$vrecv"
# none when baresip's first key frame came after the video was keyed
check "alice's key frame requests ($(stat video_vp8.requests)) reached bob's video RTCP port, plain" \
	"$(stat video_vp8.requests)" \
	"$(counter_of kfreq)"
check_range "bob->alice: aiortc decoded video frames from them" 1 100000 \
	"$(stat video_frames_decoded)"
check "alice->bob: bob decodes her 160x120 picture" 1 \
	"$(grep -c 'video: receiving with resolution 160 x 120' "$TMPD/bob.out")"
check "alice->bob: audio beside it (krtp.ko forwarded what aiortc sent)" \
	"$(stat packets_sent)" "$(flow_of 0 ab | $KJQ '.stats.packets // "no flow"')"
check_range "bob->alice: audio beside it, decoded (frames)" 10 100000 "$(stat frames_decoded)"
check "nothing dropped as of no line, or from elsewhere" 0 \
	"$(echo "$FLOWS" | $KJQ '[.[] | .stats.drop_not_rtp, .stats.drop_wrong_source] | add')"
check "no SRTP authentication failure or replay" 0 \
	"$(echo "$FLOWS" | $KJQ '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"

# krtpd killed (-9) and restarted under the call, bob's video going on:
# it re-adopts the call from krtp.ko's flows, the two from alice on one
# port, binds that port once and gives both lines their WebRTC legs back
# (the video's following the audio's); alice comes back over a new
# WebSocket with her unchanged offer, answered with the transport of
# before, and no flow is replaced
kill -CONT "$bp"
ids=$(flows_json | $KJQ -c '[.[].id] | sort')
LOG0=$(wc -l <"$KRTPD_LOG")
krtpd_kill9
krtpd_start || { ktap_test_fail "krtpd restarts under the call"; ktap_finished; exit; }
since() {
	tail -n +$((LOG0 + 1)) "$KRTPD_LOG"
}
check "after restart: the call re-adopted with its $(echo "$ids" | $KJQ length) flows" 1 \
	"$(since | grep -c "re-adopted 1 call(s), $(echo "$ids" | $KJQ length) flows")"
check "after restart: every relay port bound again, the shared one once" 0 \
	"$(since | grep -c 'could not be bound again\|cannot bind relay port')"
check "after restart: both lines' WebRTC legs and keys back" "2 1" \
	"$(since | grep -c 'WebRTC leg re-adopted') $(since | grep -c 'DTLS-SRTP keys re-adopted')"
touch "$TMPD/refresh"
reinvite_checks "$TMPD/phone.out" "after restart"
reanswer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^re-answer:/,$p')
check "... the group and the one port of before" "a=group:BUNDLE $mids $aport $aport" \
	"$(echo "$reanswer" | grep '^a=group:') $(echo "$reanswer" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p') $(echo "$reanswer" | sed -n 's/^m=video \([0-9]*\) .*/\1/p')"
check "after the re-INVITE: the same flows in krtp.ko, none replaced" "$ids" \
	"$(flows_json | $KJQ -c '[.[].id] | sort')"
vback=$(flow_of 1 ba | $KJQ .stats.packets)
more_video() {
	[ "$(flows_json | $KJQ '[.[] | select(.label | endswith(":1:ba")) | .stats.packets] | add // 0')" \
		-ge $((vback + 50)) ] 2>/dev/null
}
busywait 60000 more_video
kill -STOP "$bp"
busywait 20000 settled
touch "$TMPD/stats3"
busywait 60000 phone_says '^stats3 '
stats=$(sed -n 's/^stats3 //p' "$TMPD/phone.out")
FLOWS=$(flows_json)
lost=$(($(udp_rcvbuf_errors "$alice") - RCVBUF0))
vfwd=$(flow_of 1 ba | $KJQ .stats.packets)
check "bob->alice: aiortc received every video packet krtp.ko forwarded, across the restart (its socket dropped $lost at a full buffer)" \
	"$vfwd" "$(stat video_packets_received)"
check_range "... 50 or more of them after it" $((vback + 50)) 100000 "$(stat video_packets_received)"
check "no SRTP authentication failure or replay" 0 \
	"$(echo "$FLOWS" | $KJQ '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
kill -CONT "$bp"
touch "$TMPD/hangup"
busywait 60000 phone_says 'BYE answered'
check "alice's BYE answered 200" 1 "$(grep -c '^ok - BYE answered 200' "$TMPD/phone.out")"
no_call_left "after BYE"
baresip_quit
check "baresip ended and exited" 0 "$?"

# The other way: carol, a baresip with video, calls alice, now aiortc as a
# callee with video. krtpd's offer groups the audio and the video, each on
# a transport of its own; aiortc bundles them in its answer, and krtpd
# moves the video onto the audio's transport: alice's two flows share one
# port, each with its line's payload types
BARESIP_CONF=$BARESIP_VIDEO baresip_run "$bob" "$CALLEE4" carol \
	"<sip:carol@$SIP_DOMAIN>;auth_pass=carol-secret;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=0;audio_codecs=PCMU;video_codecs=VP8;ptime=20" \
	-e "/dial sip:alice@$SIP_DOMAIN"
busywait 120000 phone_says '^callee dtls up'
koffer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^offer:/,/^callee answer:/p')
kanswer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^callee answer:/,$p')
check "krtpd's offer to alice: both lines in one group, each on a port of its own" \
	"a=group:BUNDLE $(echo "$koffer" | sed -n 's/^a=mid://p' | xargs) 2" \
	"$(echo "$koffer" | grep '^a=group:') $(echo "$koffer" | sed -n 's/^m=[a-z]* \([0-9]*\) .*/\1/p' | sort -u | wc -l)"
check "aiortc's answer bundles them: one port" 1 \
	"$(echo "$kanswer" | sed -n 's/^m=[a-z]* \([0-9]*\) .*/\1/p' | sort -u | wc -l)"
# alice is leg B now: her flows to carol are "ba", carol's to her "ab"
callee_flows() {
	FLOWS=$(flows_json)
	[ -n "$(flow_of 1 ba)" ] && [ -n "$(flow_of 0 ba)" ] && [ -n "$(flow_of 1 ab)" ]
}
busywait 30000 callee_flows
check "krtp.ko: alice's two flows arrive on one port, krtpd's audio port" \
	"$(echo "$koffer" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p') 1" \
	"$( (flow_of 0 ba; flow_of 1 ba) | $KJQ -r '.local | sub(".*:"; "")' | sort -u) $( (flow_of 0 ba; flow_of 1 ba) | $KJQ -r .local | sort -u | wc -l)"
check "krtp.ko: ... each with its line's payload types" true \
	"$( (flow_of 0 ba; flow_of 1 ba) | $KJQ -s '(.[0].bundle_pt | length) > 0 and (.[1].bundle_pt | length) > 0 and (.[0].bundle_pt - .[1].bundle_pt) == .[0].bundle_pt')"
# what reaches carol's video port (baresip's rtp_ports) from the relay
ip netns exec "$bob" nft add counter inet krtptest cvideo
ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp dport 6100-6199 @th,64,2 2 @th,73,7 \>= 96 counter name cvideo
touch "$TMPD/go2"
vpackets() {
	[ "$(flows_json | $KJQ --arg l ":1:$1" '[.[] | select(.label | endswith($l)) | .stats.packets] | add // 0')" \
		-ge "$2" ] 2>/dev/null
}
busywait 90000 vpackets ba 50
busywait 90000 vpackets ab 50
cp=$(baresip_pid)
kill -STOP "$cp"
busywait 20000 settled
touch "$TMPD/stats2"
busywait 90000 phone_says '^stats2 '
stats=$(sed -n 's/^stats2 //p' "$TMPD/phone.out")
sleep 1
FLOWS=$(flows_json)
check "alice->carol: krtp.ko's video flow forwarded every video packet aiortc sent" \
	"$(stat video_packets_sent)" "$(flow_of 1 ba | $KJQ .stats.packets)"
check "alice->carol: carol's video port got them all as plain RTP" \
	"$(stat video_packets_sent)" "$(counter_of cvideo)"
check "carol->alice: aiortc received every video packet krtp.ko forwarded" \
	"$(flow_of 1 ab | $KJQ .stats.packets)" "$(stat video_packets_received)"
check_range "carol->alice: aiortc decoded carol's video (frames)" 1 100000 \
	"$(stat video_frames_decoded)"
check "alice->carol: the audio's flow forwarded every audio packet aiortc sent" \
	"$(stat packets_sent)" "$(flow_of 0 ba | $KJQ .stats.packets)"
check "nothing dropped as of no line; no SRTP authentication failure or replay" "0 0" \
	"$(echo "$FLOWS" | $KJQ -r '"\([.[] | .stats.drop_not_rtp] | add) \([.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add)"')"
kill -CONT "$cp"
touch "$TMPD/bye2"
busywait 60000 phone_says 'callee: its BYE answered'
check "alice hung up: her BYE answered 200" 1 \
	"$(grep -c '^ok - callee: its BYE answered 200' "$TMPD/phone.out")"
wait "$PHONE_PID"
check "wrtcphone.py passed all its steps" 0 "$?"
no_call_left "after carol's call"
baresip_quit
grep -E '^(ok|not ok) ' "$TMPD/phone.out" | sed 's/^/#   phone: /'
[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 30
ktap_finished
