#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: a phone on IPv6 only. alice's namespace has no IPv4 address;
# baresip there (-6) registers with digest over IPv6 and calls bob, a
# baresip registered over IPv6 in a dual-stack namespace: krtpd anchors
# both legs on its IPv6 relay address and krtp.ko carries the media both
# ways. Then a baresip on IPv6 in bob's namespace calls alice. Media is
# compared exactly as in the other interop tests. (A bob registered over
# IPv4 gets his leg anchored in IPv4 since each leg has its own family.)
#
# A call between an IPv6-only and an IPv4-only phone, which krtpd anchors
# in both families with cross-family flows, is
# tests/test-sip-interop-dualstack.sh.
#
#   alice (caller ns)            krtpd (relay ns)                   bob (callee ns)
#   c0 fd00:1::2 (no IPv4) --- r1 fd00:1::1  lo 10.0.0.1, fd00::1  r2 --- e0 10.0.2.2, fd00:2::2
#   baresip -6 [fd00:1::2]:5060  SIP 10.0.0.1:5060, [fd00::1]:5060   baresip :5060
#                                relay ports on fd00::1 (IPv6 calls)
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

SIP6=fd00::1
A6="[$CALLER6]"
B6="[$CALLEE6]"

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ip -n "$relay" addr add "$SIP6/128" dev lo &&
	relay_media_counter "$alice" "$SIP6" && relay_media_counter "$bob" "$SIP6" ||
	{ ktap_test_fail "krtpd's IPv6 address, the counters"; ktap_finished; exit; }
# baresips: MD5 HA1s (see iop_users)
iop_users alice bob
krtpd_config kernel "listen = [$SIP6]:$SIP_PORT" "users_file = $KRTPD_USERS"
krtpd_start || { ktap_test_fail "krtpd starts on IPv4 and IPv6"; ktap_finished; exit; }
ktap_test_pass "krtpd starts on IPv4 and IPv6"
# (krtpd_start asks over IPv4 from alice's side; then she loses IPv4)
ip -n "$alice" -4 addr flush dev c0
check "alice's namespace has no IPv4 address" "" \
	"$(ip -n "$alice" -4 -o addr show scope global)"

bail() {
	for n in alice bob bob6; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

# registered NAME USER ADDR WHAT
registered() {
	if busywait 90000 iop_registered "$2" "$3" udp; then
		ktap_test_pass "$4"
	else
		ktap_test_fail "$4"
		bail
	fi
}

# ipv6_flows: krtp.ko's flows, all local to krtpd's IPv6 relay address
ipv6_flows() {
	flows_json | jq -r --arg l "[$SIP6]:" 'if length > 0 and all(.[]; .local | startswith($l))
		then "yes" else "flows: \(length), local \([.[].local] | unique)" end'
}

# established WHAT: one call, established, RTP both ways
established() {
	check "$1: krtpd: call established" established \
		"$(wait_eq 30000 established iop_call_state)"
	check "$1: RTP through krtp.ko both ways" yes \
		"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" "$B6" "$A6" && echo yes)"
	check "$1: every flow is on krtpd's IPv6 address" yes "$(ipv6_flows)"
}

BS_STDIO=1 SIP_ADDR="[$SIP6]" bs_start bob "$bob" "$B6" bob udp -6
BS_STDIO=1 SIP_ADDR="[$SIP6]" bs_start alice "$alice" "$A6" alice udp -6
registered bob bob "$B6" "bob registers over IPv6 (digest)"
registered alice alice "$A6" "alice registers over IPv6 only (digest)"
check "alice's binding: her IPv6 address" "$A6:5060" \
	"$(regs_json | jq -r '.[] | select(.user == "alice") | .source')"

# 1. alice (IPv6 only) calls bob; alice hangs up
ktap_print_msg "alice calls bob (${SECONDS}s)"
iop_cmd alice "/dial sip:bob@$SIP_DOMAIN"
established "v6 alice->bob"
check "v6 alice->bob: bob answered with his IPv6 address" yes \
	"$(flows_json | jq -e --arg p "$B6:" 'any(.[]; .peer | startswith($p))' >/dev/null && echo yes)"
iop_media_window "v6 alice->bob" "$alice" "$A6" "$bob" "$B6" "$(iop_child alice)" "$(iop_child bob)"
iop_cmd alice "/hangup"
check "v6 alice->bob: bob sees alice's BYE" yes \
	"$(iop_wait bob "terminated" 30000 && echo yes)"
no_call_left "v6: after alice's BYE"
iop_stop bob
check "bob exits" 0 "$?"

# 2. a baresip on IPv6 in bob's namespace calls alice; it hangs up
ktap_print_msg "bob (IPv6) calls alice (${SECONDS}s)"
BS_STDIO=1 SIP_ADDR="[$SIP6]" bs_start bob6 "$bob" "$B6" bob udp -6
registered bob6 bob "$B6" "bob registers over IPv6 (digest)"
iop_mark alice
iop_cmd bob6 "/dial sip:alice@$SIP_DOMAIN"
established "v6 bob->alice"
iop_media_window "v6 bob->alice" "$alice" "$A6" "$bob" "$B6" "$(iop_child alice)" "$(iop_child bob6)"
iop_stop bob6
check "v6 bob->alice: bob hangs up (BYE from the caller) and exits" 0 "$?"
check "v6 bob->alice: alice sees the call end" yes \
	"$(iop_wait alice "terminated" 30000 && echo yes)"
no_call_left "v6: after bob's BYE"
iop_stop alice
check "alice exits" 0 "$?"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for n in alice bob bob6; do
		iop_tail "$n" 30
	done
	krtpd_log_tail 40
fi
ktap_finished
