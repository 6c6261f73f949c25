#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WebRTC to SIP with a real browser: headless Chromium (Debian's chromium,
# fake audio device) loads a page with JsSIP (npm, bundled by make -C tests
# webrtc) that registers over WebSocket with digest and calls bob, a
# plain-RTP sipp, through krtpd. The page runs the call itself and reports
# each step by fetching /report/STEP from the http server it came from.
#
# make test runs it with Chromium on the host (tests/webrtc/browser.sh):
# under QEMU's TCG emulation Chromium takes minutes to render a page,
# natively a fraction of a second. The host's Chromium is behind the
# guest's virtio NIC (a tap on the host), which this test moves into the
# relay namespace:
#
#   host (browser.sh's namespace)      krtpd (relay ns)                 bob (callee ns)
#   kbr0 10.0.3.2 -------tap------ eth0 10.0.3.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   chromium + JsSIP                   SIP WS 10.0.0.1:5080             sipp :5060, RTP :7000
#   page on http://10.0.3.1:8000       media = kernel                   (uas-long.xml)
#
#   tests/webrtc/browser.sh KVER
#
# Checked: REGISTER over WebSocket gets 200; the INVITE is answered 200
# with an ICE-lite answer carrying a=fingerprint; ICE and DTLS connect; the
# call's three flows are in krtp.ko, SRTP-keyed (the third takes bob's
# RTCP to alice's mux port); bob's 250 packets are forwarded in-kernel and
# Chromium's getStats counts them received;
# Chromium's audio is forwarded in-kernel and reaches bob as plain RTP, as
# many as krtp.ko forwarded; the BYE leaves no flow, port or call.
#
# With the host's Chromium krtpd is dual stack (relay_address6 on the
# NIC, fd00:3::1): every answer has a candidate per relay address. UDP
# from Chromium to the IPv6 relay ports is dropped during the audio call
# (Chromium would pick IPv6 otherwise), to the IPv4 ones during the video
# call: the first goes over IPv4, the second (and its restarts) over IPv6,
# krtp.ko crossing families to carol.
#
# Then a second call from the same page: Chromium with its fake camera
# (160x120, VP8) calls carol, baresip with video, bundlePolicy balanced.
# Checked: krtpd's answer puts the video on a port, ICE credentials and
# candidate of its own, names carol's a=rtcp-fb and no BUNDLE group; Chromium keeps two transports; krtp.ko keys the video both ways;
# what krtp.ko forwarded of Chromium's video reached carol's video port as
# plain RTP; Chromium received every video packet
# krtp.ko forwarded from her and decoded her picture. Then Chromium
# restarts ICE (a re-INVITE with new credentials): krtpd answers with new
# ones and the same fingerprint, keeps both DTLS sessions and their keys
# (no new handshake), moves krtp.ko's flows to Chromium's newly nominated
# candidates, and carol's video reaches it again. Then krtpd is killed
# (-9) and restarted under the call: it re-adopts it with its keys, and
# Chromium, back over a new WebSocket, restarts ICE again: the same checks.
# The BYE, over the new WebSocket, leaves nothing.
#
# A third call: Chromium on bundlePolicy max-bundle (the video offered
# bundle-only) calls carol. Checked: krtpd's answer bundles audio and
# video on one port with one set of ICE credentials; krtp.ko's two flows
# from Chromium share that port, each with its line's payload types;
# Chromium uses one transport, receives every audio and video packet
# krtp.ko forwarded and decodes carol's picture; carol's video port gets
# every packet of the video flow; nothing dropped as of no line.
#
# Chromium can also run inside the guest, in alice's namespace with the
# page on http://127.0.0.1:8000 (KRTP_TEST_BROWSER=1), for a kernel the
# host cannot give a tap to; it takes about six minutes to render a page:
#
#   tools/vm/run.sh -k KVER --mem 3072 --timeout 2400 -- \
#           env KRTP_TEST_BROWSER=1 TEST_TIMEOUT=2000 tests/run.sh webrtc-browser
#
# BROWSER_WAIT (seconds, default 1200; 120 with the host's Chromium) bounds
# the wait for the first step.
# timeout: 700
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
# KRTP_BROWSER_NIC: Chromium runs on the host behind the guest's NIC
# (tests/webrtc/browser.sh, what make test does), this address is the
# guest's side; else KRTP_TEST_BROWSER=1 runs Chromium here, in the guest
NIC_ADDR=${KRTP_BROWSER_NIC:-}
NIC_ADDR6=fd00:3::1
# the host's side of the NIC (tests/webrtc/browser.sh)
BROWSER_HOST4=10.0.3.2
BROWSER_HOST6=fd00:3::2
RELAY6_CONF=
if [ -z "$NIC_ADDR" ]; then
	[ "${KRTP_TEST_BROWSER:-0}" = 1 ] ||
		skip_all "needs Chromium: run by tests/webrtc/browser.sh (make test), or KRTP_TEST_BROWSER=1"
	command -v chromium >/dev/null || skip_all "chromium missing"
fi
[ -f "$TESTS_DIR/webrtc/phone.bundle.js" ] || skip_all "no phone bundle (make -C tests webrtc)"
ktap_print_header

WS_PORT=5080
HTTP_PORT=8000
BROWSER_WAIT=${BROWSER_WAIT:-1200}
[ -n "$NIC_ADDR" ] && BROWSER_WAIT=${BROWSER_WAIT_HOST:-120}
WWW=$TMPD/www

# chromium: a profile, HOME and caches in /tmp (the VM's root is read-only);
# without the zygote and with V8 interpreting (no JIT, whose code TCG must
# translate again and again) it renders at all in the VM
chromium_run() {
	mkdir -p "$TMPD/home"
	ip netns exec "$alice" env HOME="$TMPD/home" XDG_CONFIG_HOME="$TMPD/home" \
		XDG_CACHE_HOME="$TMPD/home" timeout -k 5 "$1" chromium --headless=new \
		--no-sandbox --disable-gpu --use-fake-device-for-media-stream \
		--use-fake-ui-for-media-stream --no-first-run --disable-extensions \
		--disable-dev-shm-usage --no-zygote --js-flags=--jitless \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-default-browser-check --disable-breakpad --renderer-process-limit=1 \
		--disable-features=Translate,OptimizationHints,MediaRouter \
		--user-data-dir="$TMPD/profile" "${@:2}"
}

# step NAME: the JSON the page reported for STEP, empty if not (yet)
step() {
	/usr/bin/python3 - "$TMPD/http.log" "$1" <<'EOF'
import json, re, sys, urllib.parse
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'"GET /report/([a-z0-9]+)\?d=(\S*) HTTP', line)
    if m and m.group(1) == sys.argv[2]:
        print(json.dumps(json.loads(urllib.parse.unquote(m.group(2)))))
        break
EOF
}

# wait_step MSECS NAME...: wait until the page reported one of NAMEs
wait_step() {
	local ms=$1 n

	shift
	has_step() {
		for n in "$@"; do
			[ -n "$(step "$n")" ] && return 0
		done
		return 1
	}
	busywait "$ms" has_step "$@"
}

krtp_load || skip_all "insmod $KRTP_KO failed"
# the kernel loads the SRTP transforms' modules when the first keyed flow
# asks for them, seconds under emulation during which Chromium's audio has
# no flow yet; make the kernel build them now (AF_ALG) so that what krtpd
# reads before the flows is a few packets
crypto_warm() {
	/usr/bin/python3 - <<'PY' 2>/dev/null
import socket
for kind, name in (("skcipher", "ctr(aes)"), ("hash", "hmac(sha1)"), ("aead", "gcm(aes)")):
    try:
        socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0).bind((kind, name))
    except OSError:
        pass
PY
	grep -q '^name *: ctr(aes)$' /proc/crypto
}
check_ok "the SRTP transforms are in the kernel (ctr(aes))" crypto_warm
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
# Chromium's calls are AEAD_AES_128_GCM: krtp.ko's first GCM flow makes the
# kernel build the synchronous gcm(aes) it asks for (AF_ALG above gets the
# asynchronous one), seconds under emulation; srtpcheck's GCM flows, made
# and deleted here, build it before the call
"$TESTS_DIR/tools/srtpcheck" "$relay" "$caller" "$callee" gcm 4200 >"$TMPD/warm.out" 2>&1
for id in $(flows_json | jq -r '.[].id'); do
	kctl flow del id "$id" >/dev/null
done
check "GCM flows built the kernel's AEAD before the call, and are gone" 0 "$(nflows)"
defer sip_keep_logs

if [ -n "$NIC_ADDR" ]; then
	# the host's Chromium is on the other end of the NIC: the relay
	# namespace gets it, as r1 faces alice in the other tests
	modprobe virtio_net 2>/dev/null
	nic=
	nic_found() {
		nic=$(ls /sys/bus/virtio/drivers/virtio_net/*/net/ 2>/dev/null | head -n 1)
		[ -n "$nic" ]
	}
	busywait 10000 nic_found
	check_ok "the guest has the NIC to the host's Chromium ($nic)" test -n "$nic"
	ip link set "$nic" netns "$relay"
	ip -n "$relay" addr add "$NIC_ADDR/24" dev "$nic"
	# krtpd is dual stack to Chromium: an IPv6 relay address on the NIC
	ip -n "$relay" addr add "$NIC_ADDR6/64" dev "$nic" nodad
	ip -n "$relay" link set "$nic" up
	RELAY6_CONF="relay_address6 = $NIC_ADDR6"
	PAGE=http://$NIC_ADDR:$HTTP_PORT
else
	# Chromium at all, before anything depends on it
	ver=$(chromium_run 60 --version 2>/dev/null)
	check_ok "chromium runs ($ver)" test -n "$ver"
	PAGE=http://127.0.0.1:$HTTP_PORT
fi

# what reaches bob as plain PCMU RTP (plain_got)
plain_counter_setup
# block_udp FAMILY: Chromium's UDP to krtpd's relay ports over FAMILY (ip,
# ip6) is dropped from now on, and over the other one no longer
block_udp() {
	local from=$BROWSER_HOST4

	[ "$1" = ip6 ] && from=$BROWSER_HOST6
	ip netns exec "$relay" nft -f - <<EOF
table inet udpblock
delete table inet udpblock
table inet udpblock {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		$1 saddr $from udp dport $RELAY_MIN-$RELAY_MAX drop
	}
}
EOF
}
# with the host's Chromium krtpd is dual stack: its audio call must find
# the IPv4 candidate (Chromium would take the IPv6 one)
NCAND=1
if [ -n "$NIC_ADDR" ]; then
	NCAND=2
	block_udp ip6
fi

# JsSIP 3.13 answers MD5 challenges only, and only the last one
krtpd_users alice alice-secret bob md5:bob-secret carol md5:carol-secret
krtpd_config kernel "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"digest_algorithms = MD5" "ws_origins = $PAGE" ${RELAY6_CONF:+"$RELAY6_CONF"}
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = kernel, listen_ws)"
# UDP datagrams the relay namespace dropped at a full socket buffer: krtpd's
# relay socket, while its media thread waits for the kernel to key the flows
RCVBUF0=$(udp_rcvbuf_errors "$relay")
sip_check "bob registers" bob reg-auth.xml -au bob -ap bob-secret

# the page: in the guest, served in alice's namespace on 127.0.0.1 (a
# secure context, so getUserMedia works over plain http); for the host's
# Chromium on the NIC's address in the relay namespace (browser.sh makes
# Chromium treat it as secure)
mkdir -p "$WWW"
cp "$TESTS_DIR/webrtc/phone.html" "$TESTS_DIR/webrtc/phone.bundle.js" "$WWW/"
www_ns=$alice www_ip=127.0.0.1
[ -n "$NIC_ADDR" ] && www_ns=$relay www_ip=$NIC_ADDR
ip netns exec "$www_ns" /usr/bin/python3 -m http.server "$HTTP_PORT" --bind "$www_ip" \
	--directory "$WWW" 2>"$TMPD/http.log" >/dev/null &
defer "kill $! 2>/dev/null"
http_up() {
	ip netns exec "$www_ns" curl -sf -o /dev/null "$PAGE/phone.html"
}
busywait 20000 http_up

bob_answers uas-long.xml
q="ws=ws://$SIP_ADDR:$WS_PORT/&uri=sip:alice@$SIP_DOMAIN&password=alice-secret"
q+="&target=sip:bob@$SIP_DOMAIN"
if [ -n "$NIC_ADDR" ]; then
	# the host's Chromium polls for go.js (tests/webrtc/launch.html)
	echo "location.href = '$PAGE/phone.html?$q';" >"$WWW/go.js"
	CHROMIUM_PID=
	: >"$TMPD/chromium.out"
else
	chromium_run $((BROWSER_WAIT + 900)) "$PAGE/phone.html?$q" >"$TMPD/chromium.out" 2>&1 &
	CHROMIUM_PID=$!
	defer "kill $CHROMIUM_PID 2>/dev/null"
fi

# what went wrong, once, before giving up or at the end
why() {
	sed 's/^/#   http: /' "$TMPD/http.log" | tail -n 20
	grep -v '^\[' "$TMPD/chromium.out" | sed 's/^/#   chromium: /' | tail -n 20
	krtpd_log_tail 30
}

wait_step $((BROWSER_WAIT * 1000)) registered regfail error
check "REGISTER over WebSocket: 200" 200 "$(step registered | jq -r .status)"
# without a registered phone every later wait would only time out
[ -n "$(step registered)" ] || { why; ktap_finished; exit; }
wait_step 300000 answer failed error
check "INVITE answered 200 (SDP answer reached the page)" yes \
	"$([ -n "$(step answer)" ] && echo yes)"
check "answer is ICE-lite" true "$(step answer | jq -r .ice_lite)"
check "answer has a=fingerprint sha-256" sha-256 "$(step answer | jq -r .fingerprint)"
check "answer is UDP/TLS/RTP/SAVPF" UDP/TLS/RTP/SAVPF "$(step answer | jq -r .proto)"
check_range "answer has host candidates" 1 4 "$(step answer | jq -r .candidates)"

wait_step 300000 connected failed error
callid=$(step connected | jq -r .callid)
check "ICE and DTLS connected" yes "$([ -n "$callid" ] && [ "$callid" != null ] && echo yes)"
# RTP each way, and bob's RTCP (he does not mux) to Chromium's mux port
check "the call's 3 flows are in krtp.ko" 3 "$(wait_eq 30000 3 nflows)"
flows_snap
[ -n "$NIC_ADDR" ] && check "UDP to the IPv6 relay dropped: krtp.ko sends to Chromium over IPv4" \
	"$BROWSER_HOST4" "$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] |
		select(.peer != $p and (.flags | index("rtcp")) == null) | .peer | sub(":[0-9]+$"; "")')"
check "the flow to bob decrypts (SRTP in, plain out)" yes \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer == $p) |
		if .srtp.in and (.srtp.out | not) then "yes" else "srtp \(.srtp)" end')"
check "the flow to alice encrypts (plain in, SRTP out)" yes \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer != $p and
		(.flags | index("rtcp")) == null) |
		if .srtp.out and (.srtp.in | not) then "yes" else "srtp \(.srtp)" end')"
# Chromium offers SRTP_AEAD_AES_128_GCM first and krtpd prefers it (RFC 7714)
check "DTLS-SRTP profile: AEAD_AES_128_GCM both ways" "AEAD_AES_128_GCM AEAD_AES_128_GCM" \
	"$(echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '[(.[] | select(.peer == $p) | .srtp.in),
		(.[] | select(.peer != $p and (.flags | index("rtcp")) == null) | .srtp.out)] | join(" ")')"
check "krtpd logged the GCM keying" 1 \
	"$(grep -c 'keyed by DTLS-SRTP (AEAD_AES_128_GCM)' "$KRTPD_LOG")"
check "bob's RTCP flow encrypts for alice (SRTCP)" yes \
	"$(echo "$FLOWS" | jq -r '.[] | select((.flags | index("rtcp")) != null) |
		if .srtp.out and (.srtp.in | not) then "yes" else "srtp \(.srtp)" end')"
flows_unsnap

# bob talks now: 250 packets, all through krtp.ko to Chromium
ALICE_CALLID=$callid
bob_go
to_alice() {
	flows_json | jq -r --arg p "$CALLEE4:$BOB_RTP" \
		'.[] | select(.peer != $p and (.flags | index("rtcp")) == null) | .stats.packets'
}
check "bob->alice: krtp.ko forwarded bob's 250 packets" 250 "$(wait_eq 60000 250 to_alice)"
touch "$WWW/hangup"
wait_step 300000 stats error
flows_snap
sent=$(step stats | jq -r .outbound.packetsSent)
to_bob=$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets)
# what reached krtpd's socket before krtp.ko had the flows (seconds while
# the kernel keys its first SRTP flows under emulation) is counted there,
# or, when krtpd was busy keying them, dropped at the socket's full buffer
early=$(calls_json | jq -r '.[0].media.dropped // empty')
overflow=$(($(udp_rcvbuf_errors "$relay") - RCVBUF0))
check "bob->alice: Chromium's getStats received 250" 250 \
	"$(step stats | jq -r .inbound.packetsReceived)"
check_range "alice->bob: Chromium sent audio (packetsSent)" 20 100000 "$sent"
check_range "alice->bob: krtp.ko forwarded it, all but what reached krtpd's socket before the flows ($early read, $overflow over its buffer)" \
	$((sent - ${early:-0} - overflow)) "$sent" "$to_bob"
check_range "alice->bob: most of it went through krtp.ko" $((sent / 2)) "$sent" "$to_bob"
check "alice->bob: bob got every forwarded packet as plain 172-byte PCMU" "$to_bob" "$(plain_got)"
check "no SRTP authentication failure" 0 \
	"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail // 0] | add')"
flows_unsnap

touch "$WWW/bye"
wait_step 60000 ended error
check "BYE answered (page saw the call end)" yes "$([ -n "$(step ended)" ] && echo yes)"
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-long.xml
no_call_left "after BYE"

# The second call, from the same page and registration: Chromium with its
# fake camera calls carol, baresip with VP8 video (vp8, fakevideo), in
# bob's namespace now that his sipp is gone.
BARESIP_CONF=$BARESIP_VIDEO baresip_run "$bob" "$CALLEE4" carol \
	"<sip:carol@$SIP_DOMAIN>;auth_pass=carol-secret;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;video_codecs=VP8;ptime=20;answermode=auto"
check "baresip registers as carol (VP8 video)" yes "$(busywait 60000 user_registered carol && echo yes)"
# what reaches carol's RTP ports (tests/sip/baresip/config) as video:
# RTP with a dynamic payload type (VP8 and its RTX; her audio is PCMU, 0),
# counted from the start, since Chromium sends as soon as DTLS is up
ip netns exec "$bob" nft add counter inet krtptest cvideo
ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp dport 6100-6199 @th,64,2 2 @th,73,7 \>= 96 counter name cvideo
# and its video call the IPv6 one: the whole call (and its restarts) goes
# over IPv6, krtp.ko crossing families to carol
[ -n "$NIC_ADDR" ] && block_udp ip
echo "{\"target\": \"sip:carol@$SIP_DOMAIN\", \"video\": true}" >"$WWW/call2.json"
wait_step 120000 vconnected vfailed error
vanswer=$(step vanswer)
check "video call: answered, ICE and DTLS connected" yes \
	"$([ -n "$(step vconnected)" ] && echo yes)"
check "video call: the answer's video is on a port of its own, UDP/TLS/RTP/SAVPF" yes \
	"$(echo "$vanswer" | jq -r 'if .video.port > 0 and .video.port != .audio.port and
		.video.proto == "UDP/TLS/RTP/SAVPF" then "yes" else "\(.audio) \(.video)" end')"
check "video call: no BUNDLE group, ICE credentials and $NCAND candidate(s) per line" \
	"null 2 $((2 * NCAND))" "$(echo "$vanswer" | jq -r '"\(.group) \(.ufrags) \(.candidates)"')"
check "video call: the answer names carol's feedback (nack pli)" yes \
	"$(echo "$vanswer" | jq -r 'if (.rtcp_fb | map(select(test("pli"))) | length) > 0
		then "yes" else "\(.rtcp_fb)" end')"
# the flows of stream I in direction D (ab from Chromium, ba to it)
vflow() {
	flows_json | jq -c --arg l ":$1:$2" '.[] | select(.label | endswith($l))'
}
vflows_up() {
	[ -n "$(vflow 1 ab)" ] && [ -n "$(vflow 1 ba)" ]
}
busywait 30000 vflows_up
[ -n "$NIC_ADDR" ] && check "video call: UDP to the IPv4 relay dropped: krtp.ko sends both lines to Chromium over IPv6" \
	"[$BROWSER_HOST6]" "$( (vflow 0 ba; vflow 1 ba) | jq -r '.peer | sub(":[0-9]+$"; "")' | sort -u)"
check "video call: krtp.ko keys the video both ways (SRTP in from Chromium, out to it)" \
	"AEAD_AES_128_GCM null null AEAD_AES_128_GCM" \
	"$(vflow 1 ab | jq -r '"\(.srtp.in) \(.srtp.out)"') $(vflow 1 ba | jq -r '"\(.srtp.in) \(.srtp.out)"')"
vpackets() {
	[ "$(vflow 1 "$1" | jq '.stats.packets // 0')" -ge "$2" ] 2>/dev/null
}
# both send video until Chromium has decoded carol's for a while (it asks
# for key frames itself, named by carol's a=rtcp-fb), then carol freezes
# and the page reads its figures: the counts compare exactly
busywait 90000 vpackets ba 150
busywait 30000 vpackets ab 100
cbp=$(baresip_pid)
kill -STOP "$cbp"
defer "kill -CONT $cbp 2>/dev/null"
sleep 2
touch "$WWW/vhangup"
wait_step 60000 vstats error
sleep 1
vstats=$(step vstats)
vin=$(echo "$vstats" | jq -r '.video_in.packetsReceived // "none"')
vsent=$(echo "$vstats" | jq -r '.video_out.packetsSent // "none"')
vfwd=$(vflow 1 ab | jq -r .stats.packets)
check "video call: Chromium sent on two transports (audio, video)" 2 \
	"$(echo "$vstats" | jq -r .transports)"
check "carol->Chromium: Chromium received every video packet krtp.ko forwarded" \
	"$(vflow 1 ba | jq -r .stats.packets)" "$vin"
check_range "carol->Chromium: Chromium decoded carol's picture (frames)" 1 100000 \
	"$(echo "$vstats" | jq -r '.video_in.framesDecoded // 0')"
ktap_print_msg "Chromium's video in: $(echo "$vstats" | jq -c .video_in)"
check_range "Chromium->carol: krtp.ko forwarded its video, all but what came before the flows" \
	$((vsent / 2)) "$vsent" "$vfwd"
check "Chromium->carol: carol's video port got every forwarded packet as plain RTP" "$vfwd" \
	"$(ip netns exec "$bob" nft -j list counter inet krtptest cvideo |
	   jq -r '.nftables[] | select(.counter) | .counter.packets')"
# not a check: Chromium sends its first key frame as soon as DTLS is up,
# often before krtpd has keyed the flows, and then only when asked, which
# baresip 1.0 does not always do; aiortc's picture, sent once the flows
# are up, is decoded by baresip in test-webrtc-video
ktap_print_msg "carol decoded Chromium's picture: $(grep -c 'video: receiving with resolution 160 x 120' "$TMPD/carol.out")"
check "video call: no SRTP authentication failure" 0 \
	"$(flows_json | jq '[.[] | .stats.srtp_auth_fail // 0] | add')"
kill -CONT "$cbp"

# Chromium restarts ICE (a re-INVITE with new credentials, the same DTLS
# transport), as an application does when its network changed: krtpd
# answers with new credentials of its own and keeps both DTLS sessions
# and their keys (no new handshake); Chromium's new candidates have new
# ports, krtp.ko's flows follow its new nomination there, and carol's
# media reaches it again
# since LINE: krtpd's log after its first LINE lines
since() {
	tail -n +$(($1 + 1)) "$KRTPD_LOG"
}
# the flows toward Chromium go where ICE nominated both lines anew
new_noms() {
	since "$1" | grep 'WebRTC leg nominated .* by ICE' |
		sed 's/.*nominated \(.*\) by ICE$/\1/' | sort -u
}
moved() {
	[ "$(new_noms "$1" | wc -l)" -ge 2 ] &&
		[ "$( (vflow 0 ba; vflow 1 ba) | jq -r .peer | sort -u)" = "$(new_noms "$1" | tail -n 2 | sort -u)" ]
}
# ice_restart FILE STEP WHAT: the page restarts ICE (file /vFILE) and
# reports vSTEP; check what a user would: the re-INVITE answered, new
# credentials both sides, the same fingerprint, the DTLS sessions and keys
# kept, the flows moved, carol's video reaching Chromium again
ice_restart() {
	local what=$3 log0 vr

	log0=$(wc -l <"$KRTPD_LOG")
	touch "$WWW/v$1"
	wait_step 90000 "v$2" error
	vr=$(step "v$2")
	[ "$(echo "$vr" | jq -r .done)" = true ] || echo "$vr" | jq -r '.why, .answer' | sed 's/^/#   restart: /'
	check "$what: Chromium's re-INVITE answered (baresip too), ICE connected again" \
		"true true connected" "$(echo "$vr" | jq -r '"\(.started) \(.done) \(.state)"')"
	check "$what: Chromium's credentials changed on both lines" "2 true" \
		"$(echo "$vr" | jq -r '"\(.after.local | length) \(.after.local[0] != .before.local[0] and
			.after.local[1] != .before.local[1])"')"
	check "$what: krtpd answered with new credentials on both lines, the same fingerprint" \
		"2 true true" "$(echo "$vr" | jq -r '"\(.after.remote | length) \(.after.remote[0] !=
			.before.remote[0] and .after.remote[1] != .before.remote[1]) \(.same_fingerprint)"')"
	check "$what: krtpd kept both DTLS sessions' keys, no new handshake" "2 0" \
		"$(since "$log0" | grep -c 'ICE restarted, its DTLS session and keys go on') $(since "$log0" | grep -c 'WebRTC leg keyed by DTLS-SRTP')"
	busywait 20000 moved "$log0"
	check "$what: krtp.ko's flows to Chromium moved to its newly nominated candidates" yes \
		"$(moved "$log0" && echo yes)"
	check "$what: ... keyed as before (GCM out to Chromium, in from it)" \
		"AEAD_AES_128_GCM AEAD_AES_128_GCM" "$(vflow 1 ba | jq -r .srtp.out) $(vflow 1 ab | jq -r .srtp.in)"
	check_range "$what: carol's video reaches Chromium again (packets in the 3 s after)" \
		10 100000 "$(echo "$vr" | jq -r '.video_received_after')"
	FINGERPRINT=$(echo "$vr" | jq -r .fingerprint)
}
ice_restart restart restarted "ICE restart"

# krtpd killed (-9) and restarted under the video call: it re-adopts the
# call with both lines' DTLS-SRTP keys from its store while krtp.ko goes
# on carrying carol's video, and answers Chromium's consent checks;
# Chromium comes back over a new WebSocket and registers again; then it
# restarts ICE once more, as after a network change. The re-adopted legs
# have no DTLS session, only their keys: they must keep them (Chromium
# sends no new handshake), answer with the certificate of before and
# follow Chromium to its new candidates, or the call loses its media.
log0=$(wc -l <"$KRTPD_LOG")
ba0=$(vflow 1 ba | jq -r .stats.packets)
krtpd_kill9
krtpd_start || { ktap_test_fail "krtpd restarts under the video call"; why; ktap_finished; exit; }
check "krtpd restarted: the video call re-adopted with its DTLS-SRTP keys from the store" 1 \
	"$(since "$log0" | grep -c 'call .*: DTLS-SRTP keys re-adopted from the store')"
wait_step 60000 reregistered error
check "krtpd restarted: Chromium back over a new WebSocket, REGISTER 200" 200 \
	"$(step reregistered | jq -r .status)"
sleep 3
check_range "krtpd restarted: krtp.ko carried carol's video to Chromium throughout (packets)" \
	$((ba0 + 10)) 1000000 "$(vflow 1 ba | jq -r .stats.packets)"
ice_restart restart2 restarted2 "ICE restart after krtpd's restart"
check "... krtpd's certificate of before (its fingerprint from the state store)" \
	"$(sed -n 's/^.*DTLS certificate from the state store, fingerprint //p' "$KRTPD_LOG" | tail -n 1)" \
	"$FINGERPRINT"
touch "$WWW/vbye"
wait_step 60000 vended error
check "video call: BYE answered (page saw the call end)" yes "$([ -n "$(step vended)" ] && echo yes)"
no_call_left "after the video call's BYE"

# The third call: Chromium on bundlePolicy max-bundle (its video offered
# bundle-only, port 0) calls carol again. krtpd bundles the video on the
# audio's transport (RFC 8843): one port, ICE agent and DTLS session, and
# two flows from Chromium on that port, told apart by payload type
cvideo() {
	ip netns exec "$bob" nft -j list counter inet krtptest cvideo |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}
cv0=$(cvideo)
echo "{\"target\": \"sip:carol@$SIP_DOMAIN\", \"video\": true, \"bundle\": \"max-bundle\"}" \
	>"$WWW/call3.json"
wait_step 120000 bconnected bfailed error
banswer=$(step banswer)
if [ -z "$(step bconnected)" ]; then
	echo "# max-bundle call: failed $(step bfailed), page error $(step error)"
	why
fi
check "max-bundle call: answered, ICE and DTLS connected" yes \
	"$([ -n "$(step bconnected)" ] && echo yes)"
check "max-bundle call: audio and video on one port, UDP/TLS/RTP/SAVPF" yes \
	"$(echo "$banswer" | jq -r 'if .video.port > 0 and .video.port == .audio.port and
		.video.proto == "UDP/TLS/RTP/SAVPF" then "yes" else "\(.audio) \(.video)" end')"
check "max-bundle call: a BUNDLE group of both lines, one set of ICE credentials" \
	"BUNDLE $(echo "$banswer" | jq -r '.mids | join(" ")') 1" \
	"$(echo "$banswer" | jq -r '"\(.group) \(.ufrags_distinct)"')"
busywait 30000 vflows_up
# (on the port of the candidate ICE nominated: with the host's Chromium the
# IPv6 one, the audio's second, which the video follows)
check "max-bundle call: both flows from Chromium arrive on one port" "2 1" \
	"$( (vflow 0 ab; vflow 1 ab) | jq -r .local | wc -l) $( (vflow 0 ab; vflow 1 ab) | jq -r .local | sort -u | wc -l)"
check "max-bundle call: each with its line's payload types, as Chromium offered them" \
	"$(echo "$banswer" | jq -c '[.offered.audio, .offered.video]')" \
	"$( (vflow 0 ab; vflow 1 ab) | jq -c -s '[.[].bundle_pt]')"
check "max-bundle call: krtp.ko keys the video both ways" \
	"AEAD_AES_128_GCM null null AEAD_AES_128_GCM" \
	"$(vflow 1 ab | jq -r '"\(.srtp.in) \(.srtp.out)"') $(vflow 1 ba | jq -r '"\(.srtp.in) \(.srtp.out)"')"
busywait 90000 vpackets ba 150
busywait 30000 vpackets ab 100
cbp=$(baresip_pid)
kill -STOP "$cbp"
sleep 2
touch "$WWW/bhangup"
wait_step 60000 bstats error
sleep 1
bstats=$(step bstats)
vfwd=$(vflow 1 ab | jq -r .stats.packets)
check "max-bundle call: Chromium sent on one transport" 1 "$(echo "$bstats" | jq -r .transports)"
check "carol->Chromium: Chromium received every video packet krtp.ko forwarded" \
	"$(vflow 1 ba | jq -r .stats.packets)" "$(echo "$bstats" | jq -r '.video_in.packetsReceived // "none"')"
check "carol->Chromium: ... and every audio packet" \
	"$(vflow 0 ba | jq -r .stats.packets)" "$(echo "$bstats" | jq -r '.inbound.packetsReceived // "none"')"
check_range "carol->Chromium: Chromium decoded carol's picture (frames)" 1 100000 \
	"$(echo "$bstats" | jq -r '.video_in.framesDecoded // 0')"
bsent=$(echo "$bstats" | jq -r '.video_out.packetsSent // 0')
check_range "Chromium->carol: krtp.ko's video flow forwarded its video" \
	$((${bsent:-0} / 2)) 1000000 "$vfwd"
check "Chromium->carol: carol's video port got every packet of that flow as plain RTP" "$vfwd" \
	"$(($(cvideo) - cv0))"
drops=$(flows_json | jq -r '"\([.[] | .stats.drop_not_rtp] | add) \([.[] | .stats.srtp_auth_fail // 0] | add)"')
check "max-bundle call: nothing dropped as of no line, no SRTP authentication failure" "0 0" "$drops"
[ "$drops" = "0 0" ] ||
	flows_json | jq -r '.[] | "#   flow \(.id) \(.label) \(.local) from \(.source // "-"): \(.stats | tostring)"'
kill -CONT "$cbp"
touch "$WWW/bbye"
wait_step 60000 bended error
check "max-bundle call: BYE answered" yes "$([ -n "$(step bended)" ] && echo yes)"
no_call_left "after the max-bundle call's BYE"
baresip_quit
[ -n "$(step error)" ] && echo "# page error: $(step error)"
[ -n "$CHROMIUM_PID" ] && kill "$CHROMIUM_PID" 2>/dev/null

[ "$KTAP_CNT_FAIL" -gt 0 ] && why
ktap_finished
