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
# Checked: 200 OK with an ICE-lite DTLS answer; DTLS connects; three flows
# in krtp.ko, SRTP-keyed (in from alice, out to her), the one from her
# passing her STUN consent checks to krtpd, the third taking bob's RTCP
# (he does not mux) to alice's mux port as SRTCP, and alice's SRTCP,
# muxed on her side, decrypted to bob's RTCP port (RTP + 1), none of it
# to his RTP port, as many as krtp.ko counted; alice's RTP packets
# as aiortc counted them are what krtp.ko forwarded and what reached bob as
# plain 172-byte PCMU; bob's 50 packets are what krtp.ko forwarded and what
# aiortc received, and aiortc decoded audio frames from them; the BYE
# leaves no flow, port or call. An offer without a=fingerprint gets 488 and
# a Warning.
#
# Then the other way, in the same aiortc process: bob's sipp, a plain
# phone without rtcp-mux, calls alice, registered over WebSocket. Checked:
# aiortc got krtpd's own WebRTC offer (ICE-lite, krtpd's fingerprint,
# actpass, rtcp-mux, BUNDLE, a host candidate) and DTLS connects with
# aiortc's role; three flows, SRTP-keyed both ways, the third carrying
# bob's RTCP from his RTCP port to alice's mux port as SRTCP (5 reports
# sent, 5 forwarded) and alice's reports to his RTCP port as above;
# packet counts equal between aiortc, krtp.ko and
# bob's counter, as above. Then krtpd is killed (-9) and restarted with
# that call up: it re-adopts the call with alice's keys, alice connects
# and registers again, bob's unchanged re-INVITE reaches her over her new
# WebSocket as krtpd's offer with the fingerprint, ICE credentials and
# actpass of before, her unchanged answer keeps DTLS and the flows, and
# bob's next 50 packets reach her decrypted; bob's BYE (over her new
# WebSocket too) leaves nothing. A third call restarts krtpd under alice
# as the caller (webrtc_restart_consent, below). About five minutes under
# emulation, most of it Python starting aiortc.
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
require_aiortc
ktap_print_header

WS_PORT=5080
# aiortc checks consent every 4 to 6 s (later when the emulated guest is
# busy): 15 s leaves room for two missed checks
CONSENT_S=15
PHONE="$TESTS_DIR/webrtc/wrtcphone.py"

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
# what reaches bob as plain PCMU RTP (plain_got)
plain_counter_setup
# alice's RTCP, muxed on her side, as it reaches bob (who does not mux):
# at his RTCP port from a relay RTCP port (odd: symmetric RTCP, RFC 4961),
# and RTCP (second byte 192-223) at his RTP port
ip netns exec "$bob" nft add counter inet krtptest rtcp_port
ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp sport $RELAY_MIN-$RELAY_MAX udp sport \& 1 == 1 \
	udp dport $((BOB_RTP + 1)) @th,64,2 2 @th,72,8 192-223 counter name rtcp_port
ip netns exec "$bob" nft add counter inet krtptest rtcp_at_rtp
ip netns exec "$bob" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp dport $BOB_RTP @th,72,8 192-223 counter name rtcp_at_rtp
counter_got() {
	ip netns exec "$bob" nft -j list counter inet krtptest "$1" |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}
# alice keeps reporting (SR/RR about once a second) while the call is up:
# what krtp.ko forwarded to bob's RTCP port lies between bob's count
# before and after reading it
alice_rtcp_split() {
	local before fwd after

	check "the flow to bob sends RTCP to his RTCP port (he does not mux)" \
		"$CALLEE4:$((BOB_RTP + 1))" "$(to_bob | jq -r .rtcp_peer)"
	check "... from krtpd's RTCP port facing him, the one after its via" \
		"$(to_bob | jq -r '.via | sub(":[0-9]+$"; ":") + ((split(":") | last | tonumber) + 1 | tostring)')" \
		"$(to_bob | jq -r .rtcp_via)"
	before=$(counter_got rtcp_port)
	fwd=$(FLOWS= flow_by_peer "$CALLEE4:$BOB_RTP" stats.rtcp_packets)
	after=$(counter_got rtcp_port)
	check_range "alice's RTCP reached bob's RTCP port ($before-$after), as krtp.ko forwarded it" \
		"$before" "$after" "$fwd"
	check_range "alice sent RTCP (krtp.ko's count)" 1 100000 "$fwd"
	check "no RTCP at bob's RTP port" 0 "$(counter_got rtcp_at_rtp)"
}
# the flows of a call between alice and bob, from the snapshot (flows_snap):
# the one to bob, and the RTP (to_alice rtp) or RTCP (to_alice rtcp) one to alice
to_bob() {
	echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" '.[] | select(.peer == $p)'
}
to_alice() {
	echo "$FLOWS" | jq -r --arg p "$CALLEE4:$BOB_RTP" --arg r "$1" \
		'.[] | select(.peer != $p and ((.flags | index("rtcp")) != null) == ($r == "rtcp"))'
}

krtpd_users alice alice-secret bob md5:bob-secret
krtpd_config kernel "users_file = $KRTPD_USERS" "listen_ws = $SIP_ADDR:$WS_PORT" \
	"ws_origins = https://phone.krtp.test" "webrtc_consent_timeout = $CONSENT_S" \
	"metrics_listen = 127.0.0.1:9090"
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
	--answer --go2 "$TMPD/go2" --stats2 "$TMPD/stats2" --reregister "$TMPD/rereg2" \
	--stats3 "$TMPD/stats2b" >"$TMPD/phone.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"
# DTLS done, the keyed flows in krtp.ko: only then does either side send media
busywait 60000 grep -q 'DTLS-SRTP with krtpd connected' "$TMPD/phone.out"
wait_eq 30000 3 nflows >/dev/null
touch "$TMPD/go"
busywait 60000 grep -q '^stats ' "$TMPD/phone.out"
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
check "3 flows in krtp.ko (alice muxes; RTP each way, bob's RTCP to alice)" 3 \
	"$(echo "$FLOWS" | jq length)"
check "the flow to bob decrypts what alice sends (SRTP in, plain out)" "yes" \
	"$(to_bob | jq -r 'if .srtp.in and (.srtp.out | not) then "yes" else "srtp \(.srtp)" end')"
check "the flow to alice encrypts for her (plain in, SRTP out)" "yes" \
	"$(to_alice rtp | jq -r 'if .srtp.out and (.srtp.in | not) then "yes" else "srtp \(.srtp)" end')"
# aiortc's use_srtp offers SRTP_AES128_CM_SHA1_80 only: krtpd settles on it
check "DTLS-SRTP profile: AES-CM-80 both ways (all aiortc offers)" \
	"AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80" \
	"$(to_bob | jq -r .srtp.in) $(to_alice rtp | jq -r .srtp.out)"
check "the flow to alice goes to her caller-namespace address" "$CALLER4" \
	"$(to_alice rtp | jq -r .peer | sed 's/:[0-9]*$//')"
check "bob's RTCP goes to alice as SRTCP on her mux port, from krtpd's RTP port" \
	"$(to_alice rtp | jq -r '"\(.peer) \(.via) true"')" \
	"$(to_alice rtcp | jq -r '"\(.peer) \(.via) \(.srtp.out and (.srtp.in | not))"')"
sent=$(stat packets_sent)
to_bob_pkts=$(to_bob | jq .stats.packets)
to_alice_pkts=$(to_alice rtp | jq .stats.packets)
check_range "alice sent a tone (packets, aiortc's count; fewer on a loaded host)" 20 100000 "$sent"
check "alice->bob: krtp.ko forwarded every packet aiortc sent" "$sent" "$to_bob_pkts"
check "alice->bob: bob got them all as plain 172-byte PCMU RTP" "$sent" "$(plain_got)"
check "bob->alice: krtp.ko forwarded bob's 50 packets" 50 "$to_alice_pkts"
alice_rtcp_split
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
busywait 60000 grep -q 'offer without a=fingerprint refused with 488' "$TMPD/phone.out"
check "an offer without a=fingerprint is refused with 488 and a Warning" 1 \
	"$(grep -c '^ok - offer without a=fingerprint refused with 488' "$TMPD/phone.out")"
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
no_call_left "after BYE and the 488"

# The other way: bob's sipp, a plain phone (RTP/AVP, RTCP on port + 1, no
# rtcp-mux), calls alice, whose binding is over WebSocket: krtpd offers her
# WebRTC itself, and bob gets plain RTP/AVP from her answer.
ip netns exec "$bob" nft reset counter inet krtptest plain >/dev/null
ip netns exec "$bob" nft reset counter inet krtptest rtcp_port >/dev/null
ip netns exec "$bob" nft reset counter inet krtptest rtcp_at_rtp >/dev/null
sipp_bg CALL2_PID "$bob" "$CALLEE4" "$BOB_RTP" uac-auth-reinvite.xml -key caller bob -s alice \
	-au bob -ap bob-secret -cid_str "to-alice@%s"
call2_go() {
	ip netns exec "$bob" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
		--callid "to-alice@$CALLEE4" "$CALLEE4:$SIP_PORT" "$SIP_DIR/msg/go.sip" >/dev/null
}
busywait 60000 grep -q '^callee dtls up' "$TMPD/phone.out"
check "aiortc got krtpd's WebRTC offer (ICE-lite, fingerprint, actpass, rtcp-mux, BUNDLE)" 1 \
	"$(grep -c "^ok - krtpd's offer: UDP/TLS/RTP/SAVPF, ICE-lite" "$TMPD/phone.out")"
check "aiortc as the callee: DTLS connected" 1 \
	"$(grep -c '^ok - callee: DTLS-SRTP with krtpd connected' "$TMPD/phone.out")"
check "the offer's fingerprint is krtpd's" "$(sed -n 's/^.*DTLS certificate made, fingerprint //p' \
	"$KRTPD_LOG" | head -n 1)" "$(sed -n 's/^# a=fingerprint://p' "$TMPD/phone.out" | tail -n 1)"
# rtp both ways, and bob's RTCP port to alice's mux port: three flows
wait_eq 30000 3 nflows >/dev/null
flows_snap
check "3 flows in krtp.ko (RTP each way, bob's RTCP to alice)" 3 "$(echo "$FLOWS" | jq length)"
check "the flow to bob decrypts what alice sends, passes her STUN/DTLS" "yes" \
	"$(to_bob | jq -r 'if .srtp.in and (.srtp.out | not) and
		(.flags | index("pass-stun-dtls")) != null then "yes" else "\(.srtp) \(.flags)" end')"
check "the flow to alice encrypts for her" "yes" \
	"$(to_alice rtp | jq -r 'if .srtp.out and (.srtp.in | not) then "yes" else "\(.srtp)" end')"
check "bob's RTCP goes to alice as SRTCP on her mux port, from krtpd's RTP port" \
	"$(to_alice rtp | jq -r '"\(.peer) \(.via) true"')" \
	"$(to_alice rtcp | jq -r '"\(.peer) \(.via) \(.srtp.out and (.srtp.in | not))"')"
flows_unsnap
touch "$TMPD/go2"
call2_go
# five RTCP receiver reports from bob's RTCP port (RTP + 1) to the port krtpd showed him
rtcp_to=$(flows_json | jq -r --arg p "$CALLEE4:$BOB_RTP" \
	'.[] | select(.peer != $p and (.flags | index("rtcp")) != null) | .local' | sed 's/.*://')
ip netns exec "$bob" /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
for i in range(5):
    s.sendto(struct.pack("!BBHI", 0x80, 201, 1, 0x4b525450), (sys.argv[3], int(sys.argv[4])))
' "$CALLEE4" $((BOB_RTP + 1)) "$SIP_ADDR" "$rtcp_to"
# aiortc reads its counters once bob's 50 packets and 5 reports are through
# krtp.ko (bob's sipp may start late on a loaded host)
to_alice_sent() {
	flows_json | jq -r --arg p "$CALLEE4:$BOB_RTP" '[.[] | select(.peer != $p)] |
		"\(map(select(.flags | index("rtcp") | not) | .stats.packets) | add)" +
		" \(map(select(.flags | index("rtcp")) | .stats.rtcp_packets) | add)"'
}
wait_eq 60000 "50 5" to_alice_sent >/dev/null
touch "$TMPD/stats2"
busywait 60000 grep -q '^stats2 ' "$TMPD/phone.out"
stats=$(sed -n 's/^stats2 //p' "$TMPD/phone.out")
flows_snap
sent=$(stat packets_sent)
check_range "alice sent a tone as the callee (packets, aiortc's count)" 20 100000 "$sent"
check "alice->bob: krtp.ko forwarded every packet aiortc sent" "$sent" "$(to_bob | jq .stats.packets)"
check "alice->bob: bob got them all as plain 172-byte PCMU RTP" "$sent" "$(plain_got)"
check "bob->alice: krtp.ko forwarded bob's 50 packets" 50 "$(to_alice rtp | jq .stats.packets)"
check "bob->alice: aiortc received 50 SRTP packets" 50 "$(stat packets_received)"
check_range "bob->alice: aiortc decoded audio from them (frames)" 40 50 "$(stat frames_decoded)"
check "bob's 5 RTCP reports went to alice as SRTCP" 5 "$(to_alice rtcp | jq .stats.rtcp_packets)"
alice_rtcp_split
check "no SRTP authentication failure or replay" 0 \
	"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
flows_unsnap

# refreshed_media OUT GO WHAT: after a restart and the re-INVITE, krtp.ko
# holds the call's flows $ids and none more; bob's next 50 packets reach
# alice, and once GO exists her phone (output OUT) says in "stats3" that
# it received and decrypted all 100; no SRTP drop. Leaves the flows
# snapshot (flows_snap) and $stats for more checks.
refreshed_media() {
	check "$3: the same flows in krtp.ko, none added" "$ids" \
		"$(flows_json | jq -c '[.[].id] | sort')"
	to_alice_rtp() {
		FLOWS=$(flows_json) to_alice rtp | jq .stats.packets
	}
	wait_eq 60000 100 to_alice_rtp >/dev/null
	touch "$2"
	busywait 60000 grep -q '^stats3 ' "$1"
	stats=$(sed -n 's/^stats3 //p' "$1")
	flows_snap
	check "bob->alice: krtp.ko forwarded bob's 100 packets (50 after the re-INVITE)" 100 \
		"$(to_alice rtp | jq .stats.packets)"
	check "bob->alice: aiortc received and decrypted all 100" "100 {}" \
		"$(stat packets_received) $(echo "$stats" | jq -c .dropped)"
	check "no SRTP authentication failure or replay" 0 \
		"$(echo "$FLOWS" | jq '[.[] | .stats.srtp_auth_fail, .stats.srtp_replay] | add')"
}

# krtpd killed (-9) and restarted with the call up, alice its WebRTC
# callee: the call is re-adopted with her DTLS-SRTP keys; she connects and
# registers again (her WebSocket died with krtpd) and bob refreshes the
# session with his unchanged offer, which must reach her over the new
# WebSocket as krtpd's offer with the fingerprint, ICE credentials and
# actpass of before; her unchanged answer keeps her DTLS session and
# krtp.ko's flows, and bob's next 50 packets reach her, decrypted
ids=$(flows_json | jq -c '[.[].id] | sort')
krtpd_kill9
krtpd_start || { ktap_test_fail "krtpd restarts under alice's call as the callee"; ktap_finished; exit; }
check "callee, after restart: the call's DTLS-SRTP keys re-adopted from the store" 1 \
	"$(grep -c 'call to-alice@.*: DTLS-SRTP keys re-adopted from the store' "$KRTPD_LOG")"
touch "$TMPD/rereg2"
busywait 60000 grep -q '^reconnected' "$TMPD/phone.out"
call2_go
busywait 60000 grep -q '^reinvite 200' "$TMPD/phone.out"
check "callee, after restart: bob's re-INVITE reached alice over her new WebSocket, 200" 1 \
	"$(grep -c '^reinvite 200' "$TMPD/phone.out")"
check "... as krtpd's offer with the fingerprint, ICE credentials and actpass of before" 4 \
	"$(grep -c "^ok - callee: the re-offer" "$TMPD/phone.out")"
refreshed_media "$TMPD/phone.out" "$TMPD/stats2b" "callee, after the re-INVITE"
flows_unsnap
# bob hangs up this time: over alice's new WebSocket too
call2_go
sip_check "bob: called alice, BYE answered" sipp_wait CALL2_PID uac-auth-reinvite.xml
wait "$PHONE_PID"
check "aiortc's phone: every step passed (both calls, the 488)" 0 "$?"
sed 's/^/#   phone: /' "$TMPD/phone.out" | grep -v '^#   phone: # ' | head -n 30
no_call_left "after bob's BYE"

# A third call, from a fresh aiortc process (webrtc_restart_consent), with
# krtpd's generated certificate: alice calls bob; krtpd is killed with
# -9 and restarted with the call up, must re-adopt it with its WebRTC leg
# and its DTLS-SRTP keys and answer alice's consent checks again; alice's
# unchanged re-offer then gets 200 and leaves the flows alone
# (webrtc_restart_reinvite); then alice vanishes (SIGKILL, a tab closed without a BYE) and after
# webrtc_consent_timeout krtpd must end the call: BYE to bob, nothing left,
# the log and krtpd_calls_ended_total say why.
# STUN Binding success responses from krtpd's relay ports reaching alice
ip netns exec "$alice" nft add counter inet krtptest consent_ok
ip netns exec "$alice" nft insert rule inet krtptest in ip saddr $SIP_ADDR \
	udp sport $RELAY_MIN-$RELAY_MAX @th,64,16 0x0101 counter name consent_ok
consent_ok() {
	ip netns exec "$alice" nft -j list counter inet krtptest consent_ok |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# descendants PID: every process under PID, deepest last
descendants() {
	local c

	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# after the restart, alice refreshes her session as a browser would: her
# unchanged offer again, over a new WebSocket (hers died with krtpd). With
# the certificate it made before, back from its state store, the
# restarted krtpd has the call's keys back too: 200 with
# the fingerprint and ICE credentials of before, the flows untouched, and
# bob's next 50 packets (sent at the re-INVITE's ACK) reach her.
webrtc_restart_reinvite() {
	local fp

	check "after restart: the call's DTLS-SRTP keys re-adopted from the store" 1 \
		"$(tail -n +$((LOG0 + 1)) "$KRTPD_LOG" |
			grep -c 'call .*: DTLS-SRTP keys re-adopted from the store')"
	touch "$TMPD/reinvite3"
	reinvite_checks "$TMPD/phone3.out" "after restart"
	fp=$(sed -n 's/^.*DTLS certificate from the state store, fingerprint //p' "$KRTPD_LOG" |
		tail -n 1)
	check "after restart: the certificate krtpd made before, from its state store" \
		"$(sed -n 's/^.*DTLS certificate made, fingerprint //p' "$KRTPD_LOG" | head -n 1)" "$fp"
	check "... its fingerprint in both answers" "sha-256 ${fp#sha-256 }" \
		"$(sed -n 's/^# a=fingerprint://p' "$TMPD/phone3.out" | sort -u)"
	refreshed_media "$TMPD/phone3.out" "$TMPD/stats3" "after the re-INVITE"
	check "alice->bob: krtp.ko forwarded every packet aiortc sent, across the restart" \
		"$(stat packets_sent)" "$(to_bob | jq .stats.packets)"
	flows_unsnap
}

# kill -9 krtpd with the call up, restart it, then alice vanishes
webrtc_restart_consent() {
	local ids passed ok0 t0 t1 pids from_alice="$CALLEE4:$BOB_RTP"

	ids=$(flows_json | jq -c '[.[].id] | sort')
	check_range "before the restart: alice's consent checks answered" 1 1000 "$(consent_ok)"
	LOG0=$(wc -l <"$KRTPD_LOG")
	krtpd_kill9
	check "krtpd killed (SIGKILL)" yes "$(krtpd_gone && echo yes)"
	# both counts at the same moment, with no krtpd to answer: every check
	# answered from here on has passed krtp.ko after this sample
	ok0=$(consent_ok)
	passed=$(flow_by_peer "$from_alice" stats.passed)
	krtpd_start || { ktap_test_fail "krtpd restarts"; return; }
	ktap_test_pass "krtpd restarts on the same state"
	check "after restart: the WebRTC leg re-adopted from the store" 1 \
		"$(tail -n +$((LOG0 + 1)) "$KRTPD_LOG" | grep -c 'WebRTC leg re-adopted')"
	check "after restart: the same flows in krtp.ko, none added" "$ids" \
		"$(flows_json | jq -c '[.[].id] | sort')"
	# two of aiortc's checks (every 4 to 6 s) answered by the new krtpd
	more_consent() {
		[ "$(consent_ok)" -ge $((ok0 + 2)) ]
	}
	busywait 20000 more_consent
	check_range "after restart: alice's consent checks answered again" \
		$((ok0 + 2)) $((ok0 + 10)) "$(consent_ok)"
	check_range "after restart: krtp.ko still passes her checks (passed counter)" \
		$((passed + 2)) $((passed + 1000)) "$(flow_by_peer "$from_alice" stats.passed)"
	check "after restart: aiortc keeps the call (its phone runs on)" yes \
		"$(kill -0 "$PHONE_PID" 2>/dev/null && echo yes)"
	check "after restart: the call's flows are still in krtp.ko" "$ids" \
		"$(flows_json | jq -c '[.[].id] | sort')"
	webrtc_restart_reinvite

	# the tab closes without a BYE: no more consent checks. PHONE_PID is
	# the subshell; aiortc is the python3 under ip netns exec and timeout
	pids="$(descendants "$PHONE_PID") $PHONE_PID"
	kill -9 $pids 2>/dev/null
	wait "$PHONE_PID" 2>/dev/null
	alive() {
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && echo "$p"
		done
	}
	none_alive() {
		[ -z "$(alive)" ]
	}
	busywait 5000 none_alive
	check "alice's aiortc killed (SIGKILL): none of its processes left" "" "$(alive)"
	t0=$(date +%s)
	wait_eq $(((CONSENT_S + 30) * 1000)) 0 nflows >/dev/null
	t1=$(date +%s)
	check "consent expired: the call's flows deleted" 0 "$(nflows)"
	# its last check may have been answered several seconds before the kill
	check_range "consent expired: within the timeout of the kill (s)" 0 \
		$((CONSENT_S + 30)) $((t1 - t0))
	check "consent expired: krtpd says why" 1 \
		"$(grep -c "WebRTC consent expired (no ICE check for ${CONSENT_S}s), tearing it down" \
			"$KRTPD_LOG")"
	check "consent expired: krtpd_calls_ended_total{reason=\"consent_expired\"}" 1 \
		"$(metric 'krtpd_calls_ended_total{reason="consent_expired"}')"
	check "consent expired: no call counted as a media timeout" 0 \
		"$(metric 'krtpd_calls_ended_total{reason="media_timeout"}')"
}

# no dtls_certificate: krtpd's generated certificate, kept in its state
# store, is what the restarted krtpd shows alice again
bob_answers uas-reinvite.xml
phone --talk 1 --go "$TMPD/go3" --hold "$TMPD/hangup3" --timeout 120 \
	--reinvite "$TMPD/reinvite3" --stats3 "$TMPD/stats3" >"$TMPD/phone3.out" 2>&1 &
PHONE_PID=$!
defer "kill $PHONE_PID 2>/dev/null"
busywait 90000 grep -q 'DTLS-SRTP with krtpd connected' "$TMPD/phone3.out"
wait_eq 30000 3 nflows >/dev/null
touch "$TMPD/go3"
busywait 60000 grep -q '^stats ' "$TMPD/phone3.out"
webrtc_restart_consent
sip_check "bob: third call answered, re-INVITE answered, BYE received (from krtpd)" \
	sipp_wait BOB_PID uas-reinvite.xml
check "bob's BYE from krtpd says why (RFC 3326 Reason)" yes \
	"$(grep -q "^Reason: SIP;cause=408;text=\"WebRTC consent expired" "$BOB_PID_TRACE.msg" &&
		echo yes)"
no_call_left "after the consent expiry"

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 30
ktap_finished
