#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# BUNDLE (RFC 8843): flows sharing one local endpoint, picked per packet.
# A browser sends audio (PT 0, 8) and video (PT 96-99) to one relay port;
# each goes to its own callee port, RTCP by its sender SSRC, and a payload
# type neither carries is dropped and counted. Deleting the endpoint's
# first flow leaves the other carrying what it carries. Refusals (a payload
# type in two flows, a plain flow on a bundled port, a bundle on a plain
# one, an RTCP flow, naming a shared port by address) say why. Plain RTCP
# from a sender no flow follows goes by the stream it reports on.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#
#   10.0.1.1:4000 bundle 0,8    ==> 10.0.2.2:5000   audio
#   10.0.1.1:4000 bundle 96-99  ==> 10.0.2.2:5002   video
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

# istat ID FIELD: a counter of the flow with that id
istat() {
	kctl flow show id "$1" --json | $KJQ -r ".stats.$2"
}
check_istat() {
	check "$1" "$4" "$(wait_eq 10000 "$4" istat "$2" "$3")"
}
# add_err ARGS...: what krtpctl says when it refuses a flow add
add_err() {
	kctl flow add "$@" 2>&1 >/dev/null
}

LOCAL=$RELAY4:4000
audio=$(kctl --json flow add "$LOCAL" to "$CALLEE4:5000" bundle 0,8 label audio | $KJQ -r .id)
video=$(kctl --json flow add "$LOCAL" to "$CALLEE4:5002" bundle 96-99 label video | $KJQ -r .id)
check "two flows share $LOCAL" "2" "$(kctl --json flow list | $KJQ '[.[] | select(.local == "'"$LOCAL"'")] | length')"
check "audio's payload types read back" "[0,8]" \
	"$(kctl --json flow show id "$audio" | $KJQ -c .bundle_pt)"
check "video's in the text" 1 "$(kctl flow show id "$video" | grep -c 'bundle 96-99')"

# refusals, in krtp.ko's words
check "a payload type in two flows" 1 \
	"$(add_err "$LOCAL" to "$CALLEE4:5004" bundle 99,100 | grep -c "payload type 99 is already in flow $video of the bundle")"
check "a plain flow on a bundled port" 1 \
	"$(add_err "$LOCAL" to "$CALLEE4:5004" | grep -c "a flow for $LOCAL exists")"
check "other flags than the bundle's" 1 \
	"$(add_err "$LOCAL" to "$CALLEE4:5004" bundle 100 strict | grep -c "flags differ from those of the bundle of flow $audio")"
check "an rtcp flow in a bundle" 1 \
	"$(add_err "$LOCAL" to "$CALLEE4:5004" bundle 100 rtcp | grep -c "a bundle payload type set is not for an rtcp flow")"
kctl flow add "$RELAY4:4010" to "$CALLEE4:5010" >/dev/null
check "a bundle on a plain flow's port" 1 \
	"$(add_err "$RELAY4:4010" to "$CALLEE4:5004" bundle 100 | grep -c "flow [0-9]* has the local endpoint, without a bundle")"
check "krtpctl refuses a payload type over 127" 1 \
	"$(add_err "$RELAY4:4020" to "$CALLEE4:5004" bundle 128 | grep -c "invalid payload type set")"
check "show by a shared address names the bundle" 1 \
	"$(kctl flow show "$LOCAL" 2>&1 | grep -c "2 flows share the endpoint (a bundle): name one by id")"
check "del by a shared address is refused" 1 \
	"$(kctl flow del "$LOCAL" 2>&1 | grep -c "2 flows share the endpoint (a bundle): name one by id")"
check "both flows still there" 3 "$(kctl --json flow list | $KJQ length)"

# traffic: 10 audio (PT 0 and 8), 7 video (PT 96, 99), 3 of PT 13 (neither),
# RTCP: 2 SR of the video SSRC, 3 of an SSRC no flow follows (to audio)
recv_start a "$callee" -l "$CALLEE4:5000" -n 13 -w 500 -t 60000
recv_start v "$callee" -l "$CALLEE4:5002" -n 9 -w 500 -t 60000
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 5 -p 0 -S 0xa
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 5 -p 8 -S 0xa -q 6
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 4 -p 96 -S 0xb
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 3 -p 99 -S 0xb -q 5
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 3 -p 13 -S 0xd
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 2 -z 52 -c 200 -S 0xb
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 3 -z 52 -c 200 -S 0xc
recv_wait a
recv_wait v
check "audio port: 10 RTP + 3 RTCP, from the relay" "$LOCAL 13" "$(recv_sources a)"
check "video port: 7 RTP + 2 RTCP, from the relay" "$LOCAL 9" "$(recv_sources v)"
check_istat "audio: packets" "$audio" packets 10
check_istat "audio: rtcp_packets (SSRC no flow follows)" "$audio" rtcp_packets 3
check_istat "audio: unknown payload type dropped" "$audio" drop_not_rtp 3
check_istat "audio: rtp_ssrc" "$audio" rtp_ssrc 10
check_istat "audio: rtp_lost" "$audio" rtp_lost 0
check_istat "video: packets" "$video" packets 7
check_istat "video: rtcp_packets (its SSRC)" "$video" rtcp_packets 2
check_istat "video: rtp_ssrc" "$video" rtp_ssrc 11
check_istat "video: nothing dropped" "$video" drop_not_rtp 0
check "audio learned the source" "$CALLER4:6000" "$(kctl --json flow show id "$audio" | $KJQ -r .source)"
check "video learned the source" "$CALLER4:6000" "$(kctl --json flow show id "$video" | $KJQ -r .source)"
check_nstat "namespace packets" packets 17
check_nstat "namespace drop_not_rtp" drop_not_rtp 3

# each flow checks its own source: video, locked, refuses another port
send "$caller" -s "$CALLER4:6001" -d "$LOCAL" -n 2 -p 96 -S 0xb -q 8
check_istat "video: wrong source dropped" "$video" drop_wrong_source 2
check_istat "audio: not its packets" "$audio" drop_wrong_source 0

# the first flow goes: video carries on, alone on the port; audio's types
# are now no flow's
check_ok "del the first flow by id" kctl flow del id "$audio"
recv_start v2 "$callee" -l "$CALLEE4:5002" -n 4 -w 500 -t 60000
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 4 -p 97 -S 0xb -q 10
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 2 -p 0 -S 0xa -q 11
recv_wait v2
check "video after the first flow left" "$LOCAL 4" "$(recv_sources v2)"
check_istat "video: packets" "$video" packets 11
check_istat "video: audio's types dropped now" "$video" drop_not_rtp 2
check "show by address works for one flow" "$video" \
	"$(kctl --json flow show "$LOCAL" | $KJQ -r .id)"

# a new audio flow joins with the types the old one had
audio2=$(kctl --json flow add "$LOCAL" to "$CALLEE4:5000" bundle 0,8 | $KJQ -r .id)
check "audio joins again" 1 "$([ -n "$audio2" ] && [ "$audio2" != null ] && echo 1)"
recv_start a2 "$callee" -l "$CALLEE4:5000" -n 3 -w 500 -t 60000
send "$caller" -s "$CALLER4:6000" -d "$LOCAL" -n 3 -p 8 -S 0xa -q 20
recv_wait a2
check "audio again" "$LOCAL 3" "$(recv_sources a2)"
check_istat "new audio flow: packets" "$audio2" packets 3

# all of them go; the port is free for a plain flow
check_ok "del video" kctl flow del id "$video"
check_ok "del audio" kctl flow del id "$audio2"
check_ok "a plain flow on the port now" kctl flow add "$LOCAL" to "$CALLEE4:5000"

# plain RTCP from an SSRC no flow follows (a receiver's report, a phone or
# browser that only receives video) goes by the stream it reports on: the
# one the reverse of a flow (arriving on its via, leaving from the bundle's
# port) carries. A PSFB about the video, an RR about the audio, an RR about
# a stream no reverse carries (to the first flow)
BP=$RELAY4:4040
ba=$(kctl --json flow add "$BP" to "$CALLEE4:5040" via "$RELAY4B:4042" bundle 0 | $KJQ -r .id)
bv=$(kctl --json flow add "$BP" to "$CALLEE4:5044" via "$RELAY4B:4044" bundle 96 | $KJQ -r .id)
kctl flow add "$RELAY4B:4042" to "$CALLER4:6040" via "$BP" >/dev/null
kctl flow add "$RELAY4B:4044" to "$CALLER4:6040" via "$BP" >/dev/null
recv_start back "$caller" -l "$CALLER4:6040" -n 4 -w 500 -t 60000
send "$callee" -s "$CALLEE4:5040" -d "$RELAY4B:4042" -n 2 -p 0 -S 0xa0
send "$callee" -s "$CALLEE4:5044" -d "$RELAY4B:4044" -n 2 -p 96 -S 0xb0
recv_wait back
check "the reverse flows carried the callee's streams" "$BP 4" "$(recv_sources back)"
recv_start ra "$callee" -l "$CALLEE4:5040" -n 2 -w 500 -t 60000
recv_start rv "$callee" -l "$CALLEE4:5044" -n 1 -w 500 -t 60000
send "$caller" -s "$CALLER4:6040" -d "$BP" -n 1 -z 12 -c 206 -S 0xe0 -R 0xb0
send "$caller" -s "$CALLER4:6040" -d "$BP" -n 1 -z 32 -c 201 -S 0xe0 -R 0xa0
send "$caller" -s "$CALLER4:6040" -d "$BP" -n 1 -z 32 -c 201 -S 0xe0 -R 0xf0
recv_wait ra
recv_wait rv
check "the PSFB about the video reached the video's peer" "$RELAY4B:4044 1" "$(recv_sources rv)"
check "the RRs about the audio and about no one reached the audio's" "$RELAY4B:4042 2" "$(recv_sources ra)"
check_istat "video: rtcp_packets" "$bv" rtcp_packets 1
check_istat "audio: rtcp_packets" "$ba" rtcp_packets 2

# many flows on one port, joining and leaving under traffic
for pt in $(seq 100 115); do
	kctl flow add "$RELAY4:4030" to "$CALLEE4:5030" bundle "$pt" >/dev/null
done
check "the 17th flow of a bundle" 1 \
	"$(add_err "$RELAY4:4030" to "$CALLEE4:5030" bundle 116 | grep -c "the bundle has 16 flows, the most it may")"
# the head (PT 100, the oldest) and three others leave and come back, five
# times, while PT 100 packets arrive: a reader finds the old head or the new
ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:6030" -d "$RELAY4:4030" -n 4000 -i 250 -p 100 >/dev/null &
sender=$!
for i in 1 2 3 4 5; do
	ids=$(kctl --json flow list |
		$KJQ -r '.[] | select(.local == "'"$RELAY4:4030"'" and .bundle_pt[0] <= 103) | .id')
	for id in $ids; do
		kctl flow del id "$id"
	done
	for pt in 100 101 102 103; do
		kctl flow add "$RELAY4:4030" to "$CALLEE4:5030" bundle "$pt" >/dev/null
	done
done
wait "$sender"
check "bundle of 16 after churn" 16 \
	"$(kctl --json flow list | $KJQ '[.[] | select(.local == "'"$RELAY4:4030"'")] | length')"
recv_start c "$callee" -l "$CALLEE4:5030" -n 5 -w 500 -t 60000
send "$caller" -s "$CALLER4:6030" -d "$RELAY4:4030" -n 5 -p 100 -q 5000
recv_wait c
check "PT 100 reaches the new flow after the churn" "$RELAY4:4030 5" "$(recv_sources c)"
check "no kernel warning" "" "$(dmesg_since_load | grep -E 'WARNING|BUG|Call Trace')"

check_unload
ktap_finished
