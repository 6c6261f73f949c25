#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SDES-SRTP bridged by krtpd (srtp = bridge): baresip as alice offers
# RTP/SAVP with a=crypto (mediaenc=srtp-mand) and calls bob, a plain-RTP
# sipp. bob must see RTP/AVP, the relay's address and no a=crypto; baresip
# must see RTP/SAVP with krtpd's own a=crypto (not its own key). On the
# wire: what reaches bob is plain RTP (PCMU of baresip's sine, 172 bytes,
# low byte entropy); what reaches baresip is SRTP (182 bytes, the 80-bit
# tag, ciphertext). The call's counters show media both ways; no key
# appears in krtpd's log or krtpctl's output, and baresip decrypts all
# it gets, although bob's RTP changes SSRC halfway. Then, for a domain with
# srtp = require, a plain offer is refused with 488 and a Warning.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip :5060 SRTP         SIP 10.0.0.1:5060                 sipp :5060, RTP :7000
#   RTP 61xx                   srtp = bridge; 10.0.0.1: require  plain RTP
#
# krtp.ko is loaded and carries the bridged call's SRTP; a krtp.ko without
# SRTP makes krtpd fall back to its userspace relay (libsrtp2), and the test
# says which carried the call. TEST_SIP_MEDIA=user runs krtpd with
# media = user (no krtp.ko: the relay does it all).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f /usr/lib/baresip/modules/srtp.so ] || skip_all "baresip has no srtp module"
command -v tcpdump >/dev/null || skip_all "tcpdump missing"
media=${TEST_SIP_MEDIA:-kernel}
if [ "$media" = kernel ]; then
	[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
fi
ktap_print_header

if [ "$media" = kernel ]; then
	krtp_load || skip_all "insmod $KRTP_KO failed"
fi
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
defer sip_keep_logs
# what reaches bob's RTCP port too (the relay's per-call counters include RTCP)
ip netns exec "$bob" nft add counter inet krtptest rtcp
ip netns exec "$bob" nft add rule inet krtptest in udp dport $((BOB_RTP + 1)) counter name rtcp drop
bob_got() {
	echo $(($(rtp_received "$bob") + $(ip netns exec "$bob" nft -j list counter inet krtptest rtcp |
		jq -r '.nftables[] | select(.counter) | .counter.packets')))
}
# both sides' wire: SIP, and the media from the relay (tcpdump sees it before nftables drops it)
for side in alice:c0 bob:e0; do
	ns=${side%:*}
	ns=${!ns}
	ip netns exec "$ns" tcpdump -q -U -n -i "${side#*:}" -w "$TMPD/${side%:*}.pcap" \
		"udp port $SIP_PORT or (src host $SIP_ADDR and udp src portrange $RELAY_MIN-$RELAY_MAX)" \
		>/dev/null 2>&1 &
	defer "kill $! 2>/dev/null"
done
sleep 1	# tcpdump is listening

krtpd_config "$media" "srtp = bridge" "srtp_domain = $SIP_ADDR require"
krtpd_start || { ktap_test_fail "krtpd starts (media = $media, srtp = bridge)"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = $media, srtp = bridge)"
sip_check "bob registers" register bob

# the call's counters from one krtpctl snapshot (CALLS, taken by snap):
# krtp.ko's if it carries SRTP, else the relay's
snap() {
	CALLS=$(calls_json)
}
counter() {
	echo "$CALLS" | jq --arg k "$1" '[.. | objects | to_entries[] | select(.key == $k) | .value | numbers] | add // 0'
}
enough() {
	snap
	[ "$(counter packets_b_to_a)" -ge 50 ] && [ "$(counter packets_a_to_b)" -ge 100 ] 2>/dev/null
}

# bob's 50 packets come from a PBX that bridges in another party halfway:
# 25 of one SSRC from sequence number 40000, then 25 of another from 1000.
# Its own ROC 0 is what baresip's libsrtp expects of the new one; guessed
# from the first stream's sequence numbers, it would be 1 (RFC 3711 3.3.1)
python3 "$SIP_DIR/mkpcap.py" "$TMPD/ssrc-change.pcap" 50 0x4b525450 39000 0x0badcafe:0@25
sed "s|rtp-50.pcap|$TMPD/ssrc-change.pcap|" "$SIP_DIR/uas-answer.xml" >"$TMPD/uas-answer.xml"
bob_answers "$TMPD/uas-answer.xml"
BARESIP_CONF="module			srtp.so" baresip_run "$alice" "$CALLER4" alice \
	"<sip:alice@$SIP_DOMAIN>;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=udp\";regint=600;audio_codecs=PCMU;ptime=20;mediaenc=srtp-mand" \
	-e "/dial sip:bob@$SIP_DOMAIN"
busywait 90000 enough
check "krtpd reports the call" 1 "$(echo "$CALLS" | jq '[.. | objects | select(has("packets_a_to_b"))] | length')"
if [ "$(echo "$CALLS" | jq -r '[.. | objects | select(has("kernel")) | .kernel] | first')" = true ]; then
	ktap_print_msg "the bridged call is carried by krtp.ko"
	check "4 flows during the call" 4 "$(nflows)"
else
	ktap_print_msg "the userspace relay carries the bridged call (media = $media)"
	[ "$media" = kernel ] && check "no kernel flow for the bridged call" 0 "$(nflows)"
fi

# freeze baresip, let the last packets land, then compare both ways
bp=$(baresip_pid)
kill -STOP "$bp"
sent=$(counter packets_a_to_b)
for i in $(seq 10); do
	sleep 0.5
	snap
	now=$(counter packets_a_to_b)
	[ "$now" = "$sent" ] && break
	sent=$now
done
check "bob->alice: 50 packets relayed" 50 "$(counter packets_b_to_a)"
check "alice->bob: relayed = received by bob ($sent)" "$sent" "$(bob_got)"
check "alice->bob: baresip's stream flowed (>= 100 packets)" yes "$([ "$sent" -ge 100 ] && echo yes)"
kill -CONT "$bp"
calls_out="$CALLS
$(ctl calls; kctl flow list --json 2>/dev/null)"

baresip_quit
check "baresip ended the call and exited" 0 "$?"
sip_check "bob: call answered, BYE from baresip received" sipp_wait BOB_PID uas-answer.xml
if [ "$media" = kernel ]; then
	no_call_left "after BYE"
else
	wait_eq 5000 0 ncalls >/dev/null
	check "after BYE: no relay port left" 0 "$(relay_ports_bound)"
	check "after BYE: no call left" 0 "$(ncalls)"
fi
sleep 1	# the last packets reach the captures

# what each side saw of the SDP and got on the wire
python3 "$SIP_DIR/srtp-pcap.py" "$SIP_ADDR" alice="$TMPD/alice.pcap" bob="$TMPD/bob.pcap" \
	>"$TMPD/wire"
alice_sip=$(sed -n 's/^alice sip: //p' "$TMPD/wire")
bob_sip=$(sed -n 's/^bob sip: //p' "$TMPD/wire")
sed -n 's/^alice media: //p' "$TMPD/wire" >"$TMPD/alice.media"
sed -n 's/^bob media: //p' "$TMPD/wire" >"$TMPD/bob.media"
offer_b=$(echo "$bob_sip" | grep -m1 '^INVITE ')
sdes_wire_checks "$alice_sip" "$calls_out"
check "bob was offered plain RTP/AVP" yes \
	"$(echo "$offer_b" | grep -q "m=audio [0-9]* RTP/AVP " && echo yes)"
check "bob was offered the relay's address" yes \
	"$(echo "$offer_b" | grep -q "c=IN IP4 $SIP_ADDR" && echo yes)"
check "bob was offered no a=crypto" 0 "$(echo "$offer_b" | grep -c 'a=crypto')"

# what each side got on the wire
check "bob got >= 100 RTP packets" yes "$([ "$(wc -l <"$TMPD/bob.media")" -ge 100 ] && echo yes)"
check "bob got plain RTP: 172 bytes, PCMU, a sine not ciphertext" 0 \
	"$(awk '$1 != 172 || $2 != 0 || $3 > 3' "$TMPD/bob.media" | wc -l)"
check "baresip got 50 SRTP packets" 50 "$(wc -l <"$TMPD/alice.media")"
check "baresip got SRTP: 182 bytes (80-bit tag), ciphertext" 0 \
	"$(awk '$1 != 182 || $3 < 5' "$TMPD/alice.media" | wc -l)"
check "baresip: SRTP enabled with krtpd's suite" yes \
	"$(grep -q 'SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)' "$TMPD/alice.out" && echo yes)"
check "baresip: every packet from krtpd decrypted, both of bob's SSRCs" 0 \
	"$(grep -c 'failed to decrypt' "$TMPD/alice.out")"
check "baresip got both of bob's SSRCs, 25 packets each" "25 25" \
	"$(awk '{print $4}' "$TMPD/alice.media" | sort | uniq -c | awk '{print $1}' | xargs)"

# srtp = require for calls to sip:...@10.0.0.1: a plain offer gets 488 and a Warning
sip_check "require: a plain offer is refused with 488 and a Warning" alice uac-488.xml
check "require: no call left" 0 "$(ncalls)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	grep -iE 'srtp|crypto|call|SIP' "$TMPD/alice.out" | tr '\r' '\n' | grep -v bit/s |
		tail -n 20 | sed 's/^/#   baresip: /'
	krtpd_log_tail 30
fi
ktap_finished
