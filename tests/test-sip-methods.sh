#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# What a stateful proxy must pass through, with sipp on both ends and
# krtp.ko carrying the media:
#  1. INVITE with Supported: 100rel, a reliable 183 with SDP (Require: 100rel,
#     RSeq) and 50 packets of early media to alice's port 6000; the PRACK
#     (RAck) along the Record-Route set, 200; an UPDATE in the early dialog
#     moving alice's RTP to port 6002, 200 with SDP; the INVITE's 200, ACK
#     and 50 packets each way: krtp.ko now sends to 6002, not 6000.
#  2. In the dialog: INFO from bob (the callee) and MESSAGE from alice, each
#     answered 200, bodies intact (checked by the receiving sipp).
#  3. Out of a dialog: MESSAGE to bob's address of record, 200; SUBSCRIBE,
#     202, and bob's NOTIFY back through krtpd's Record-Route, 200.
#  4. BYE: no flow, relay port or call left.
# Each exchange: both sipp scenarios pass, and the requests each side got
# are counted from sipp's traces (transactions, retransmissions aside).
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#   (after the UPDATE :6002)
#
#   bob   RTP 10.0.2.2:7000 -> 10.0.0.1:B ==krtp.ko==> 10.0.0.1:A -> 10.0.1.2:6000, then :6002
#   alice RTP 10.0.1.2:6000 -> 10.0.0.1:A ==krtp.ko==> 10.0.0.1:B -> 10.0.2.2:7000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
sip_kernel_setup

ALICE_RTP2=$((ALICE_RTP + 2))

# the port alice's UPDATE moves to gets its own counter (table krtptest2),
# dropped like the first port's
ip netns exec "$alice" nft -f - <<EOF
table inet krtptest2 {
	counter rtp { }
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport $ALICE_RTP2 counter name rtp drop
	}
}
EOF

rtp_received2() {
	ip netns exec "$1" nft -j list counter inet krtptest2 rtp |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# txns TRACE sent|received WHAT: the transactions sipp logged in TRACE (its
# .msg file) as sent or received: distinct CSeq numbers, so retransmissions
# count once. WHAT is a request's method ("PRACK"), or a status and the
# method it answers ("200 PRACK").
txns() {
	awk -v d="message $2" -v what="$3" '
		{ sub(/\r$/, "") }
		index($0, d) { inmsg = 1; start = ""; next }
		inmsg && start == "" && NF { start = $1 == "SIP/2.0" ? $2 : $1; next }
		inmsg && tolower($1) == "cseq:" {
			if (start ~ /^[0-9]+$/ ? start " " $3 == what : start == what && $3 == what)
				seen[$2] = 1
			inmsg = 0
		}
		END { n = 0; for (k in seen) n++; print n }' "$1.msg"
}

# req_line TRACE METHOD: the start line of the first METHOD sipp received
req_line() {
	awk -v d="message received" -v m="$2" '
		{ sub(/\r$/, "") }
		index($0, d) { inmsg = 1; next }
		inmsg && NF { if ($1 == m) { print; exit } inmsg = 0 }' "$1.msg"
}

# hdr_count TRACE METHOD HEADER: HEADER lines in the first METHOD received
hdr_count() {
	awk -v d="message received" -v m="$2" -v h="$3" '
		{ sub(/\r$/, "") }
		index($0, d) { state = 1; next }
		state == 1 && NF { state = $1 == m ? 2 : 0; next }
		state == 2 && !NF { print n + 0; found = 1; exit }
		state == 2 && tolower($1) == tolower(h) ":" { n++ }
		END { if (!found) print "none" }' "$1.msg"
}

# what krtp.ko forwarded and alice (at either port) and bob received, since now
fwd0=$(sysfs_read packets_forwarded)
alice0=$(rtp_received "$alice")
alice20=$(rtp_received2 "$alice")
bob0=$(rtp_received "$bob")
fwd_delta() { echo $(($(sysfs_read packets_forwarded) - fwd0)); }
alice_got1() { echo $(($(rtp_received "$alice") - alice0)); }
alice_got2() { echo $(($(rtp_received2 "$alice") - alice20)); }
bob_got() { echo $(($(rtp_received "$bob") - bob0)); }
TO_ALICE1=$CALLER4:$ALICE_RTP
TO_ALICE2=$CALLER4:$ALICE_RTP2
TO_BOB=$CALLEE4:$BOB_RTP

# --- 1. 100rel, PRACK, early media, UPDATE --------------------------------
bob_answers uas-methods.xml
alice_calls uac-methods.xml
# bob plays 50 packets of early media once the PRACK is answered
wait_eq 60000 50 fwd_delta >/dev/null
check "early media: sysfs packets_forwarded +50" 50 "$(fwd_delta)"
check "early media: alice received 50 at :$ALICE_RTP" 50 "$(wait_eq 10000 50 alice_got1)"
flows_snap
check "early media: 4 flows after the reliable 183" 4 "$(nflows)"
check "early media: the flow to $TO_ALICE1 forwarded 50" 50 "$(flow_by_peer "$TO_ALICE1" stats.packets)"
to_bob_id=$(flow_by_peer "$TO_BOB" id)
flows_unsnap

# the UPDATE, the INVITE's 200 and ACK; then 50 packets each way
alice_go
wait_eq 60000 150 fwd_delta >/dev/null
check "after the UPDATE: sysfs packets_forwarded +100 more" 150 "$(fwd_delta)"
check "after the UPDATE: alice received 50 at :$ALICE_RTP2" 50 "$(wait_eq 10000 50 alice_got2)"
check "after the UPDATE: bob received 50" 50 "$(wait_eq 10000 50 bob_got)"
check "after the UPDATE: nothing more at :$ALICE_RTP" 50 "$(alice_got1)"
flows_snap
check "after the UPDATE: 4 flows" 4 "$(nflows)"
check "after the UPDATE: the flow to $TO_ALICE2 forwarded 50" 50 \
	"$(flow_by_peer "$TO_ALICE2" stats.packets)"
check "after the UPDATE: RTCP toward alice moved to :$((ALICE_RTP2 + 1))" rtcp \
	"$(flow_by_peer "$CALLER4:$((ALICE_RTP2 + 1))" 'flags | join(",")')"
check "after the UPDATE: no flow to $TO_ALICE1" "flows to $TO_ALICE1: 0" \
	"$(flow_by_peer "$TO_ALICE1" stats.packets)"
# alice said she sends from a new port: the flow toward bob is a new one,
# which learns her source again (it would stay locked on the old port)
check "after the UPDATE: the flow to $TO_BOB was replaced" 1 \
	"$([ "$(flow_by_peer "$TO_BOB" id)" != "$to_bob_id" ] && echo 1)"
check "after the UPDATE: the flow to $TO_BOB forwarded alice's 50" 50 \
	"$(flow_by_peer "$TO_BOB" stats.packets)"
flows_unsnap

# --- 2. INFO from bob, MESSAGE from alice, in the dialog; 4. BYE -------------
bob_go
sip_check "alice: 100rel, PRACK, UPDATE, INFO, MESSAGE, BYE" sipp_wait ALICE_PID uac-methods.xml
sip_check "bob: 183 reliable, PRACK, UPDATE, INFO, MESSAGE answered" sipp_wait BOB_PID uas-methods.xml
A=$ALICE_PID_TRACE
B=$BOB_PID_TRACE
check "bob received 1 INVITE" 1 "$(txns "$B" received INVITE)"
check "alice received 1 reliable 183" 1 "$(txns "$A" received "183 INVITE")"
check "bob received 1 PRACK, alice its 200" "1 1" \
	"$(txns "$B" received PRACK) $(txns "$A" received "200 PRACK")"
check "bob received 1 UPDATE, alice its 200" "1 1" \
	"$(txns "$B" received UPDATE) $(txns "$A" received "200 UPDATE")"
check "alice received 1 INFO from bob, bob its 200" "1 1" \
	"$(txns "$A" received INFO) $(txns "$B" received "200 INFO")"
check "bob received 1 MESSAGE in the dialog, alice its 200" "1 1" \
	"$(txns "$B" received MESSAGE) $(txns "$A" received "200 MESSAGE")"
check "bob received 1 BYE, alice its 200" "1 1" \
	"$(txns "$B" received BYE) $(txns "$A" received "200 BYE")"
check "the INFO reached alice's Contact" "INFO sip:alice@$CALLER4:$SIP_PORT SIP/2.0" \
	"$(req_line "$A" INFO)"
check "krtpd took its Route entry off the INFO" 0 "$(hdr_count "$A" INFO Route)"
no_call_left "after BYE"

# --- 3. out of a dialog: MESSAGE, SUBSCRIBE and NOTIFY --------------------
bob_answers uas-message.xml
sip_check "alice: MESSAGE to bob's address of record answered 200" alice uac-message.xml
A=$SIPP_LAST
sip_check "bob: the MESSAGE received, its body intact" sipp_wait BOB_PID uas-message.xml
B=$BOB_PID_TRACE
check "bob received 1 MESSAGE, alice its 200" "1 1" \
	"$(txns "$B" received MESSAGE) $(txns "$A" received "200 MESSAGE")"
check "the MESSAGE went to bob's registered contact" "MESSAGE sip:bob@$CALLEE4:$SIP_PORT SIP/2.0" \
	"$(req_line "$B" MESSAGE)"
check "the MESSAGE was not record-routed" 0 "$(hdr_count "$B" MESSAGE Record-Route)"

bob_answers uas-subscribe.xml
sip_check "alice: SUBSCRIBE answered 202, NOTIFY answered 200" alice uac-subscribe.xml
A=$SIPP_LAST
sip_check "bob: SUBSCRIBE accepted, NOTIFY answered 200" sipp_wait BOB_PID uas-subscribe.xml
B=$BOB_PID_TRACE
check "bob received 1 SUBSCRIBE, alice its 202" "1 1" \
	"$(txns "$B" received SUBSCRIBE) $(txns "$A" received "202 SUBSCRIBE")"
check "the SUBSCRIBE was record-routed" 1 "$(hdr_count "$B" SUBSCRIBE Record-Route)"
check "alice received 1 NOTIFY, bob its 200" "1 1" \
	"$(txns "$A" received NOTIFY) $(txns "$B" received "200 NOTIFY")"
check "the NOTIFY reached alice's Contact" "NOTIFY sip:alice@$CALLER4:$SIP_PORT SIP/2.0" \
	"$(req_line "$A" NOTIFY)"
check "krtpd took its Route entry off the NOTIFY" 0 "$(hdr_count "$A" NOTIFY Route)"
no_call_left "after the MESSAGE and the subscription"
check "krtpd is still running" 1 "$(krtpd_alive && echo 1)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
