#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# A second real SIP client: baresip (headless, tests/sip/baresip/) registers
# as alice and calls bob (sipp) through krtpd with krtp.ko carrying the
# media. baresip streams a sine in PCMU; bob plays 50 RTP packets back.
# With baresip frozen (SIGSTOP) mid-call, what krtp.ko counted alice->bob
# equals what reached bob, and bob->alice is exactly 50; then baresip is
# told to quit (SIGTERM), hangs up (BYE) and the flows go.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip :5060, RTP 61xx    SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#
# TEST_SIP_MEDIA=user runs it against the userspace relay instead (no
# krtp.ko; counters from krtpctl calls).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
media=${TEST_SIP_MEDIA:-kernel}
if [ "$media" = kernel ]; then
	[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
fi
ktap_print_header

if [ "$media" = kernel ]; then
	krtp_load || skip_all "insmod $KRTP_KO failed"
fi
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
# count what reaches baresip from the relay, without dropping it
relay_media_counter "$alice"
# and what reaches bob's RTCP port (the userspace relay's per-call
# counters include RTCP, baresip sends some)
ip netns exec "$bob" nft add counter inet krtptest rtcp
ip netns exec "$bob" nft add rule inet krtptest in udp dport $((BOB_RTP + 1)) counter name rtcp drop
bob_got() {
	local rtcp

	rtcp=$(ip netns exec "$bob" nft -j list counter inet krtptest rtcp |
		jq -r '.nftables[] | select(.counter) | .counter.packets')
	if [ "$media" = kernel ]; then
		rtp_received "$bob"
	else
		echo $(($(rtp_received "$bob") + rtcp))
	fi
}
krtpd_config "$media"
krtpd_start || { ktap_test_fail "krtpd starts (media = $media)"; ktap_finished; exit; }
ktap_test_pass "krtpd starts (media = $media)"
sip_check "bob registers" register bob

# counters of the call: krtp.ko's flows, or krtpd's userspace relay
a2b() {
	if [ "$media" = kernel ]; then
		flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets
	else
		call_counter packets_a_to_b
	fi
}
b2a() {
	if [ "$media" = kernel ]; then
		flows_json | jq '[.[] | select(.peer | startswith("'"$CALLER4"':")) |
			select(.flags | index("rtcp") | not) | .stats.packets] | add // 0'
	else
		call_counter packets_b_to_a
	fi
}
alice_got() {
	relay_media_got "$alice"
}
enough() {
	[ "$(b2a)" = 50 ] && [ "$(a2b)" -ge 100 ] 2>/dev/null
}

conf=$TMPD/baresip
mkdir -p "$conf"
sed "s/@ADDR@/$CALLER4/" "$SIP_DIR/baresip/config" >"$conf/config"
sed "s/@SIP@/$SIP_ADDR:$SIP_PORT/" "$SIP_DIR/baresip/accounts" >"$conf/accounts"

bob_answers uas-answer.xml
ip netns exec "$alice" timeout -k 5 900 baresip -f "$conf" -e "/dial sip:bob@$SIP_DOMAIN" -t 800 \
	</dev/null >"$TMPD/baresip.out" 2>&1 &
bs_pid=$!
defer "kill -CONT $bs_pid; kill $bs_pid"
baresip_pid() { pgrep -P "$bs_pid" -x baresip; }

busywait 120000 enough
bp=$(baresip_pid)
check "baresip registered as alice" yes \
	"$(regs_json | jq -r '.[] | select(.user == "alice") | .contact' | grep -q "@$CALLER4:5060" && echo yes)"
check "krtpd reports the call" 1 "$(ncalls)"
[ "$media" = kernel ] && check "4 flows during the call" 4 "$(nflows)"

# freeze baresip, let the last packets land (the count stops moving), then
# compare
kill -STOP "$bp"
sent=$(a2b)
for i in $(seq 20); do
	sleep 0.5
	now=$(a2b)
	[ "$now" = "$sent" ] && break
	sent=$now
done
check "bob->alice: 50 packets relayed" 50 "$(b2a)"
check "bob->alice: 50 packets reached baresip" 50 "$(alice_got)"
check "alice->bob: relayed = received by bob ($sent)" "$sent" "$(bob_got)"
check "alice->bob: baresip's stream flowed (>= 100 packets)" yes "$([ "$sent" -ge 100 ] && echo yes)"
kill -CONT "$bp"

# SIGTERM: baresip hangs up (BYE) and exits
kill -TERM "$bp"
wait "$bs_pid"
check "baresip ended the call and exited" 0 "$?"
sip_check "bob: call answered, BYE from baresip received" sipp_wait BOB_PID uas-answer.xml
if [ "$media" = kernel ]; then
	wait_eq 5000 0 nflows >/dev/null
	check "after BYE: no flow left" 0 "$(nflows)"
fi
wait_eq 5000 0 ncalls >/dev/null
check "after BYE: no call left" 0 "$(ncalls)"
check "after BYE: no relay port left" 0 "$(relay_ports_bound)"
if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	grep -E 'call|audio|stream|SIP' "$TMPD/baresip.out" | tr '\r' '\n' | grep -v bit/s |
		tail -n 20 | sed 's/^/#   baresip: /'
	krtpd_log_tail 30
fi
ktap_finished
