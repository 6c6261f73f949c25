#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: an IPv6-only phone and an IPv4-only phone through a dual-stack
# krtpd. alice's namespace has no IPv4 address, bob's no IPv6 one; both
# run baresip and register with digest, alice over IPv6, bob over IPv4.
# krtpd anchors each leg in that leg's family: the offer forwarded to bob
# shows the relay's IPv4 address, the answer back to alice its IPv6
# address, and krtp.ko's flows cross families (arrive over one, leave
# over the other). alice calls bob and hangs up (BYE from the caller), then
# bob calls alice and alice hangs up (BYE from the callee). Media is
# compared exactly as in the other interop tests.
#
#   alice (caller ns)            krtpd (relay ns)                   bob (callee ns)
#   c0 fd00:1::2 (no IPv4) --- r1 fd00:1::1  lo 10.0.0.1, fd00::1  r2 --- e0 10.0.2.2 (no IPv6)
#   baresip -6 [fd00:1::2]:5060  SIP 10.0.0.1:5060, [fd00::1]:5060   baresip 10.0.2.2:5060
#                                relay ports on 10.0.0.1 and fd00::1
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

SIP6=fd00::1
A6="[$CALLER6]"

krtp_load || skip_all "insmod $KRTP_KO failed"
defer sip_keep_logs
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ip -n "$relay" addr add "$SIP6/128" dev lo &&
	relay_media_counter "$alice" "$SIP6" && relay_media_counter "$bob" ||
	{ ktap_test_fail "krtpd's IPv6 address, the counters"; ktap_finished; exit; }
iop_users
krtpd_config kernel "listen = [$SIP6]:$SIP_PORT" "relay_address6 = $SIP6" \
	"users_file = $KRTPD_USERS" "digest_algorithms = MD5"
krtpd_start || { ktap_test_fail "krtpd starts on IPv4 and IPv6"; ktap_finished; exit; }
ktap_test_pass "krtpd starts on IPv4 and IPv6"
# (krtpd_start asks over IPv4 from alice's side; then each side loses a family)
ip -n "$alice" -4 addr flush dev c0
ip -n "$bob" -6 addr flush dev e0 scope global
check "alice's namespace has no IPv4 address" "" \
	"$(ip -n "$alice" -4 -o addr show scope global)"
check "bob's namespace has no IPv6 address" "" \
	"$(ip -n "$bob" -6 -o addr show scope global)"

bail() {
	for n in alice bob; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

# registered USER ADDR WHAT
registered() {
	if busywait 90000 iop_registered "$1" "$2" udp; then
		ktap_test_pass "$3"
	else
		ktap_test_fail "$3"
		bail
	fi
}

# crossing: every flow of krtp.ko arrives in one family and leaves in the
# other, on krtpd's relay addresses, and there are some
crossing() {
	flows_json | jq -r --arg l6 "[$SIP6]:" --arg l4 "$SIP_ADDR:" '
		def v6: startswith("[");
		if length > 0 and all(.[];
			(.local | v6) != (.peer | v6) and (.via | v6) == (.peer | v6) and
			((.local | startswith($l6)) or (.local | startswith($l4))))
		then "yes" else "flows: \([.[] | "\(.local) \(.via) \(.peer)"])" end'
}

# established WHAT: one call, established, RTP both ways, crossing families
established() {
	local st

	st=$(wait_eq 30000 established iop_call_state)
	check "$1: krtpd: call established" established "$st"
	[ "$st" = established ] || bail
	check "$1: RTP through krtp.ko both ways" yes \
		"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" "$CALLEE4" "$A6" && echo yes)"
	check "$1: every flow crosses families" yes "$(crossing)"
}

BS_STDIO=1 bs_start bob "$bob" "$CALLEE4" bob udp
BS_STDIO=1 SIP_ADDR="[$SIP6]" bs_start alice "$alice" "$A6" alice udp -6
registered bob "$CALLEE4" "bob registers over IPv4 only (digest)"
registered alice "$A6" "alice registers over IPv6 only (digest)"

# 1. alice (IPv6 only) calls bob (IPv4 only); alice hangs up
ktap_print_msg "alice calls bob (${SECONDS}s)"
iop_cmd alice "/dial sip:bob@$SIP_DOMAIN"
established "6->4 alice->bob"
check "6->4: bob was offered the relay's IPv4 address" yes \
	"$(flows_json | jq -e --arg p "$CALLEE4:" --arg v "$SIP_ADDR:" \
		'any(.[]; (.peer | startswith($p)) and (.via | startswith($v)))' >/dev/null && echo yes)"
check "6->4: alice was answered with the relay's IPv6 address" yes \
	"$(flows_json | jq -e --arg p "$A6:" --arg v "[$SIP6]:" \
		'any(.[]; (.peer | startswith($p)) and (.via | startswith($v)))' >/dev/null && echo yes)"
iop_media_window "6->4 alice->bob" "$alice" "$A6" "$bob" "$CALLEE4" \
	"$(iop_child alice)" "$(iop_child bob)"
iop_cmd alice "/hangup"
check "6->4: bob sees alice's BYE" yes "$(iop_wait bob "terminated" 30000 && echo yes)"
no_call_left "6->4: after the caller's BYE"

# 2. bob (IPv4 only) calls alice (IPv6 only); alice hangs up
ktap_print_msg "bob calls alice (${SECONDS}s)"
iop_mark alice
iop_cmd bob "/dial sip:alice@$SIP_DOMAIN"
established "4->6 bob->alice"
iop_media_window "4->6 bob->alice" "$alice" "$A6" "$bob" "$CALLEE4" \
	"$(iop_child alice)" "$(iop_child bob)"
iop_cmd alice "/hangup"
check "4->6: bob sees alice's BYE" yes "$(iop_wait bob "terminated" 30000 && echo yes)"
no_call_left "4->6: after the callee's BYE"
iop_stop bob
check "bob exits" 0 "$?"
iop_stop alice
check "alice exits" 0 "$?"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for n in alice bob; do
		iop_tail "$n" 30
	done
	krtpd_log_tail 40
fi
ktap_finished
