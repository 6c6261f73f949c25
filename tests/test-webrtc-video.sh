#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WebRTC video to a SIP video phone: alice is aiortc (Debian's
# python3-aiortc), registered over WebSocket, and calls bob with audio and
# VP8 video; bob is baresip, a plain RTP/AVP phone with video (its vp8
# codec and its fakevideo source and display), registered with digest.
#
#   alice (caller ns)           krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   wrtcphone.py --video        SIP WS 10.0.0.1:5080              baresip :5060
#   SRTP, ICE, DTLS x 2         UDP 10.0.0.1:5060, media = kernel RTP/AVP audio + video
#
# aiortc offers its video on a transport of its own (bundlePolicy
# balanced); krtpd answers without a BUNDLE group, so each line keeps
# its relay port, ICE agent and DTLS session, and krtp.ko
# tells audio from video by the port a packet arrives on. Checked: the
# answer's two lines (ports, credentials, candidates, group); both DTLS
# sessions connect; bob is offered plain RTP/AVP video on a relay port;
# krtp.ko holds the video flows, SRTP-keyed (in from alice, out to her);
# every video packet aiortc sent is what krtp.ko forwarded and what reached
# bob's video port as plain RTP; what krtp.ko forwarded from bob reached
# aiortc, which decoded video frames from it; the audio goes both ways
# beside it; no SRTP authentication failure; the BYE leaves no flow, port
# or call. About two minutes under emulation.
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

krtpd_users alice alice-secret bob md5:bob-secret
krtpd_config kernel "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"ws_origins = https://phone.krtp.test"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = kernel, listen_ws)"

BARESIP_CONF=$BARESIP_VIDEO baresip_run "$bob" "$CALLEE4" bob \
	"<sip:bob@$SIP_DOMAIN>;auth_pass=bob-secret;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;video_codecs=VP8;ptime=20;answermode=auto" \
	-s
check "baresip registers as bob" yes "$(busywait 60000 user_registered bob && echo yes)"

ip netns exec "$alice" timeout -k 5 300 /usr/bin/python3 "$PHONE" --user alice \
	--password alice-secret --domain "$SIP_DOMAIN" --target "sip:bob@$SIP_DOMAIN" \
	--timeout 60 --video --talk 6 --go "$TMPD/go" --ready "$TMPD/ready" --hold "$TMPD/hangup" \
	"ws://$SIP_ADDR:$WS_PORT/" >"$TMPD/phone.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"

busywait 120000 phone_says 'video: DTLS-SRTP'
check "aiortc: the INVITE answered 200" 1 \
	"$(grep -c "^ok - INVITE with aiortc's offer answered 200" "$TMPD/phone.out")"
check "aiortc: audio DTLS-SRTP connected" 1 \
	"$(grep -c '^ok - DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"
check "aiortc: video DTLS-SRTP connected, on a transport of its own" 1 \
	"$(grep -c '^ok - video: DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"
busywait 30000 video_flows
check "krtp.ko holds the audio and video flows both ways" yes "$(video_flows && echo yes)"
video_counters
# both talk from now on: alice ACKs bob's 200 only then, so no check waits
# first (on a loaded host bob gave up after 32 s of 200 OK retransmissions)
touch "$TMPD/go"

# the SDP of both legs
answer=$(sed -n 's/^# //p' "$TMPD/phone.out" | sed -n '/^answer:/,$p')
aport=$(echo "$answer" | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
vport=$(echo "$answer" | sed -n 's/^m=video \([0-9]*\) .*/\1/p')
check "answer: video on a relay port of its own, UDP/TLS/RTP/SAVPF VP8" yes \
	"$([ -n "$vport" ] && [ "$vport" != 0 ] && [ "$vport" != "$aport" ] &&
	   echo "$answer" | grep -q "^m=video $vport UDP/TLS/RTP/SAVPF [0-9]*\$" &&
	   echo "$answer" | grep -q '^a=rtpmap:[0-9]* VP8/90000' && echo yes)"
check "answer: no BUNDLE group (each line keeps its transport)" "" \
	"$(echo "$answer" | grep '^a=group:')"
check "answer: a host candidate on each line's own port" \
	"$aport $vport" "$(echo "$answer" | sed -n 's/^a=candidate:.* \([0-9]*\) typ host$/\1/p' | xargs)"
check "answer: each line has ICE credentials of its own" 2 \
	"$(echo "$answer" | grep '^a=ice-ufrag:' | sort -u | wc -l)"
check "krtp.ko: the video flow from alice arrives on the answer's video port" \
	"$SIP_ADDR:$vport" "$(flow_of 1 ab | $KJQ -r .local)"
bob_offer_checks

# once bob's video decodes at alice's (she asks him for a key frame: his
# first went out before the call's video was keyed) and has gone on a
# while, bob is frozen and alice reads her figures: both sides have
# stopped, so the counts compare exactly
alice_video_stats
check "bob->alice: aiortc received every video packet krtp.ko forwarded" \
	"$(flow_of 1 ba | $KJQ .stats.packets)" "$vrecv"
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
check "no SRTP authentication failure or replay" 0 \
	"$(echo "$FLOWS" | $KJQ '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"

kill -CONT "$bp"
touch "$TMPD/hangup"
busywait 60000 phone_says 'BYE answered'
check "alice's BYE answered 200" 1 "$(grep -c '^ok - BYE answered 200' "$TMPD/phone.out")"
wait "$PHONE_PID"
check "wrtcphone.py passed all its steps" 0 "$?"
no_call_left "after BYE"
baresip_quit
check "baresip ended and exited" 0 "$?"
grep -E '^(ok|not ok) ' "$TMPD/phone.out" | sed 's/^/#   phone: /'
[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 30
ktap_finished
