#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: a blind transfer (REFER, RFC 3515) and hold/resume between
# three baresips through krtpd, with krtp.ko carrying the media. All
# three register with digest authentication over UDP.
#
#   1. alice calls bob (answers by itself): RTP both ways.
#   2. bob transfers alice to carol (/transfer): the REFER and its NOTIFYs
#      pass through krtpd; alice calls carol (a new INVITE through krtpd,
#      authenticated), carol answers; bob's call is ended by its BYE and
#      leaves no flow; alice<->carol: media both ways, exact counters.
#   3. alice holds (/hold): the re-INVITE reaches carol with a=sendonly
#      and krtpd's address; krtpd keeps the call, and no RTP flow goes
#      towards alice; alice resumes (/resume): a=sendrecv, RTP flows both
#      ways again.
#   4. carol hangs up: no call, flow or relay port left.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip :5060              SIP 10.0.0.1:5060                 baresip :5060
#                              users_file, media = kernel
#                              r3 10.0.3.1 ----veth---- g0 10.0.3.2  carol (carol ns), baresip :5060
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
command -v curl >/dev/null || skip_all "curl missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

CAROL4=10.0.3.2

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
setup_ns carolns && veth_pair "$carolns" g0 "$CAROL4" fd00:3::2 "$relay" r3 10.0.3.1 fd00:3::1 &&
	ip -n "$carolns" route add default via 10.0.3.1 &&
	relay_media_counter "$alice" && relay_media_counter "$bob" && relay_media_counter "$carolns" ||
	{ ktap_test_fail "carol's namespace and the counters"; ktap_finished; exit; }
# all three are baresips: MD5 HA1s (see iop_users)
iop_users alice bob carol
krtpd_config kernel "users_file = $KRTPD_USERS" "metrics_listen = 127.0.0.1:9090"
krtpd_start || { ktap_test_fail "krtpd starts with users and media = kernel"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with users and media = kernel"

bail() {
	for n in alice bob carol; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

req_in() { metric "krtpd_sip_requests_received_total{method=\"$1\"}"; }
req_out() { metric "krtpd_sip_requests_sent_total{method=\"$1\"}"; }

# bs NAME NS ADDR [ARGS...]: baresip as NAME (its user) with stdio
# commands and its SIP messages traced (-s); bs_registered NAME ADDR
# waits for its binding
bs() {
	local name=$1 ns=$2 addr=$3

	shift 3
	BS_STDIO=1 bs_start "$name" "$ns" "$addr" "$name" udp -s "$@"
}

bs_registered() {
	if busywait 90000 iop_registered "$1" "$2" udp; then
		ktap_test_pass "baresip registers as $1 (digest)"
	else
		ktap_test_fail "baresip registers as $1 (digest)"
		bail
	fi
}

# stage WHAT: a KTAP comment with the seconds since the start
stage() {
	ktap_print_msg "$1 (${SECONDS}s)"
}

# flows_to ADDR [rtp]: krtp.ko flows sending to ADDR (only RTP ones)
flows_to() {
	flows_json | jq --arg a "$1:" --arg only "${2:-}" '[.[] | select(.peer | startswith($a)) |
		if $only == "rtp" then select(.flags | index("rtcp") | not) else . end] | length'
}

# call_with USER: the Call-ID of krtpd's one call if it is established to USER
call_to() {
	calls_json | jq -r --arg u "sip:$1@" 'if length == 1 and (.[0].to | startswith($u)) and
		.[0].state == "established" then .[0].call_id else empty end'
}

bs bob "$bob" "$CALLEE4"
bs carol "$carolns" "$CAROL4"
bs alice "$alice" "$CALLER4"
bs_registered bob "$CALLEE4"
bs_registered carol "$CAROL4"
bs_registered alice "$CALLER4"

# --- 1. alice calls bob ---------------------------------------------------------
stage "alice calls bob"
iop_cmd alice "/dial sip:bob@$SIP_DOMAIN"
check "alice->bob: krtpd: call established" yes "$(busywait 60000 eval '[ -n "$(call_to bob)" ]' &&
	echo yes)"
old=$(call_to bob)
check "alice->bob: RTP through krtp.ko both ways" yes \
	"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" && echo yes)"

# --- 2. bob transfers alice to carol --------------------------------------------
stage "bob transfers alice to carol"
refer0=$(req_in REFER)
refer_out0=$(req_out REFER)
notify0=$(req_in NOTIFY)
notify_out0=$(req_out NOTIFY)
iop_cmd bob "/transfer sip:carol@$SIP_DOMAIN"
check "transfer: alice calls carol, krtpd: call established" yes \
	"$(busywait 60000 eval '[ -n "$(call_to carol)" ]' && echo yes)"
new=$(call_to carol)
check "transfer: a new call (Call-ID)" yes "$([ -n "$new" ] && [ "$new" != "$old" ] && echo yes)"
# (>= 1: under emulation a UDP request may be retransmitted, and the
# counters include retransmissions)
check "transfer: bob's REFER passed through krtpd" yes \
	"$([ $(($(req_in REFER) - ${refer0:-0})) -ge 1 ] &&
	   [ $(($(req_out REFER) - ${refer_out0:-0})) -ge 1 ] && echo yes)"
check "transfer: REFER answered 202 by alice" yes \
	"$(iop_wait bob "SIP/2.0 202 Accepted" 10000 && echo yes)"
notified() {
	[ $(($(req_in NOTIFY) - ${notify0:-0})) -ge 1 ] &&
		[ $(($(req_out NOTIFY) - ${notify_out0:-0})) -ge 1 ]
}
check "transfer: alice's NOTIFYs (sipfrag) passed through krtpd to bob" yes \
	"$(busywait 20000 notified && echo yes)"
check "transfer: bob got the NOTIFY with SIP/2.0 200 in its sipfrag" yes \
	"$(iop_wait bob "^SIP/2.0 200 OK" 10000 && echo yes)"
check "transfer: bob's call ended by BYE" 1 \
	"$(busywait 30000 grep -q "call $old ended by" "$KRTPD_LOG"; grep -c "call $old ended by" "$KRTPD_LOG")"
check "transfer: bob's flows are gone" 0 "$(wait_eq 10000 0 flows_to "$CALLEE4")"
check "transfer: one call left" 1 "$(ncalls)"
iop_media_window "alice->carol" "$alice" "$CALLER4" "$carolns" "$CAROL4" \
	"$(iop_child alice)" "$(iop_child carol)"

# --- 3. hold and resume ---------------------------------------------------------
stage "alice holds"
iop_mark carol
iop_cmd alice "/hold"
check "hold: carol gets the re-INVITE with a=sendonly" yes \
	"$(iop_wait carol "^a=sendonly" 30000 && echo yes)"
check "hold: its SDP carries krtpd's address" yes \
	"$(iop_seen carol "^c=IN IP4 $SIP_ADDR" && echo yes)"
check "hold: krtpd keeps the call established" "$new" "$(call_to carol)"
check "hold: no RTP flow towards alice" 0 "$(wait_eq 20000 0 flows_to "$CALLER4" rtp)"
check "hold: RTP towards carol still flows" 1 "$(flows_to "$CAROL4" rtp)"
iop_cmd alice "/resume"
check "resume: carol gets the re-INVITE with a=sendrecv" yes \
	"$(iop_wait carol "^a=sendrecv" 30000 && echo yes)"
check "resume: the RTP flow towards alice is back" 1 "$(wait_eq 20000 1 flows_to "$CALLER4" rtp)"
a=$(iop_sent "$CAROL4" rtp)
b=$(iop_sent "$CALLER4" rtp)
check "resume: RTP through krtp.ko both ways again" yes \
	"$(busywait 60000 eval '[ $(iop_sent "$CAROL4" rtp) -ge $((a + 25)) ] &&
		[ $(iop_sent "$CALLER4" rtp) -ge $((b + 25)) ]' && echo yes)"

# --- 4. carol hangs up ----------------------------------------------------------
stage "carol hangs up"
iop_mark alice
iop_cmd carol "/hangup"
check "carol hangs up: alice sees the call end" yes \
	"$(iop_wait alice "Call with sip:carol@$SIP_DOMAIN terminated" 30000 && echo yes)"
no_call_left "after carol's BYE"
for n in alice bob carol; do
	iop_stop "$n"
	check "$n exits" 0 "$?"
done

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for n in alice bob carol; do
		iop_tail "$n" 30
	done
	krtpd_log_tail 40
fi
ktap_finished
