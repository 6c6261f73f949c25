#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: blind transfers (REFER, RFC 3515) made and received by a phone
# other than baresip, through krtpd with krtp.ko carrying the media. The
# phone (alice) is linphone over UDP, or with IOP_PHONE=twinkle Twinkle
# over IOP_TP (tests/test-sip-interop-twinkle-refer.sh: over TCP); bob and
# carol are baresips over UDP, answering by themselves. Everyone registers
# with digest authentication under krtpd's default digest_algorithms.
#
#   1. bob calls the phone, it answers: RTP both ways. The phone transfers
#      bob to carol: its REFER passes through krtpd, bob's 202 and NOTIFY
#      (sipfrag SIP/2.0 200 OK) reach it; bob calls carol (a new INVITE,
#      anchored); the phone's call ends and leaves no flow towards it;
#      bob<->carol: RTP both ways through krtp.ko (>= 50 packets each way,
#      krtp.ko's counters). carol hangs up.
#   2. the phone calls bob; bob transfers it to carol (/transfer): the
#      phone accepts the REFER (202 through krtpd), calls carol, carol
#      answers; bob's call ends and leaves no flow towards bob;
#      phone<->carol: RTP both ways through krtp.ko. carol hangs up.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   the phone :5060            SIP 10.0.0.1:5060                 baresip :5060
#                              users_file, media = kernel
#                              r3 10.0.3.1 ----veth---- g0 10.0.3.2  carol (carol ns), baresip :5060
#
# Three clients start and two calls are transferred: under emulation on a
# loaded machine this takes longer than tests/run.sh's default limit
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
PHONE=${IOP_PHONE:-linphone}
TP=${IOP_TP:-udp}
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
command -v curl >/dev/null || skip_all "curl missing"
case "$PHONE" in
linphone) command -v linphonec >/dev/null || skip_all "linphonec missing (linphone-cli)" ;;
twinkle) command -v twinkle >/dev/null || skip_all "twinkle missing" ;;
*) skip_all "IOP_PHONE: linphone or twinkle, not $PHONE" ;;
esac
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

CAROL4=10.0.3.2

krtp_load || skip_all "insmod $KRTP_KO failed"
if [ "$PHONE" = twinkle ]; then
	iop_aloop || skip_all "no ALSA loopback card (snd-aloop)"
fi
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
setup_ns carolns && veth_pair "$carolns" g0 "$CAROL4" fd00:3::2 "$relay" r3 10.0.3.1 fd00:3::1 &&
	ip -n "$carolns" route add default via 10.0.3.1 && iop_wav ||
	{ ktap_test_fail "carol's namespace and the audio file"; ktap_finished; exit; }
# bob and carol are baresips: MD5 HA1s (see iop_users)
iop_users bob carol
krtpd_config kernel "users_file = $KRTPD_USERS" "metrics_listen = 127.0.0.1:9090"
krtpd_start || { ktap_test_fail "krtpd starts with users and media = kernel"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with users and media = kernel"

bail() {
	for n in ph bob carol; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

req_in() { metric "krtpd_sip_requests_received_total{method=\"$1\"}"; }
req_out() { metric "krtpd_sip_requests_sent_total{method=\"$1\"}"; }

# stage WHAT: a KTAP comment with the seconds since the start
stage() {
	ktap_print_msg "$1 (${SECONDS}s)"
}

# flows_to ADDR: krtp.ko flows sending to ADDR
flows_to() {
	flows_json | jq --arg a "$1:" '[.[] | select(.peer | startswith($a))] | length'
}

# call_between USER1 USER2: the Call-ID of krtpd's one call if it is
# established between the two (either way)
call_between() {
	calls_json | jq -r --arg a "sip:$1@" --arg b "sip:$2@" 'if length == 1 and
		.[0].state == "established" and
		((.[0].from | startswith($a)) and (.[0].to | startswith($b)) or
		 (.[0].from | startswith($b)) and (.[0].to | startswith($a)))
		then .[0].call_id else empty end'
}

# registered USER ADDR TRANSPORT WHAT
registered() {
	if busywait 90000 iop_registered "$1" "$2" "$3"; then
		ktap_test_pass "$4"
	else
		ktap_test_fail "$4"
		bail
	fi
}

# ---- the phone --------------------------------------------------------------

# ph_up: the phone as alice over $TP, registered
ph_up() {
	case "$PHONE" in
	linphone) lp_start ph "$alice" "$CALLER4" alice "$TP" 6200 ;;
	twinkle) tw_start ph "$alice" alice "$TP" ;;
	esac
	registered alice "$CALLER4" "$TP" "$TP: $PHONE registers as alice (digest)"
}

# ph_answer: the phone rings and answers
ph_answer() {
	case "$PHONE" in
	linphone)
		iop_wait ph "Receiving new incoming call from sip:bob@" 30000 || return 1
		iop_cmd ph answer
		iop_wait ph "Call [0-9]+ with sip:bob@.* connected" 30000 && lp_play ph ;;
	twinkle)
		iop_wait ph "[Ii]ncoming call" 30000 || return 1
		iop_cmd ph answer ;;
	esac
}

# ph_call USER: the phone calls USER, who answers
ph_call() {
	case "$PHONE" in
	linphone)
		iop_cmd ph "call sip:$1@$SIP_DOMAIN"
		iop_wait ph "Call [0-9]+ with sip:$1@.* connected" 30000 && lp_play ph ;;
	twinkle)
		iop_cmd ph "call $1"
		iop_wait ph "far end answered call" 30000 ;;
	esac
}

# ph_transfer USER: the phone transfers its call to USER (blind)
ph_transfer() {
	local id

	case "$PHONE" in
	linphone)
		id=$(tr -d '\r' <"$TMPD/ph/out" |
			sed -nE 's/^Call ([0-9]+) with sip:bob@.* connected.*/\1/p' | tail -n 1)
		iop_cmd ph "transfer $id sip:$1@$SIP_DOMAIN" ;;
	twinkle)
		iop_cmd ph "transfer sip:$1@$SIP_DOMAIN" ;;
	esac
}

# ph_ended: the phone saw its call end
ph_ended() {
	case "$PHONE" in
	linphone) iop_wait ph "Call [0-9]+ with sip:.* ended" 30000 ;;
	twinkle) iop_wait ph "call ended|far end ended call" 30000 ;;
	esac
}

# bs NAME NS ADDR: baresip as NAME (its user) with stdio commands and its
# SIP messages traced (-s)
bs() {
	BS_STDIO=1 bs_start "$1" "$2" "$3" "$1" udp -s
}

# transfer_signalled WHO: the REFER from WHO passed through krtpd, the 202
# and the NOTIFYs came back (counted since refer_marks)
refer_marks() {
	refer0=$(req_in REFER); refer_out0=$(req_out REFER)
	notify0=$(req_in NOTIFY); notify_out0=$(req_out NOTIFY)
}
notified() {
	[ $(($(req_in NOTIFY) - ${notify0:-0})) -ge 1 ] &&
		[ $(($(req_out NOTIFY) - ${notify_out0:-0})) -ge 1 ]
}
transfer_signalled() {
	# (>= 1: under emulation a UDP request may be retransmitted)
	check "$1: the REFER passed through krtpd" yes \
		"$([ $(($(req_in REFER) - ${refer0:-0})) -ge 1 ] &&
		   [ $(($(req_out REFER) - ${refer_out0:-0})) -ge 1 ] && echo yes)"
	check "$1: the NOTIFYs (sipfrag) passed through krtpd" yes \
		"$(busywait 20000 notified && echo yes)"
}

# old_call_gone CALL_ID ADDR WHAT: the call ended by BYE, no flow towards ADDR
old_call_gone() {
	check "$3: the old call ended by BYE" 1 \
		"$(busywait 30000 grep -q "call $1 ended by" "$KRTPD_LOG"
		   grep -c "call $1 ended by" "$KRTPD_LOG")"
	check "$3: the old call's flows towards $2 are gone" 0 "$(wait_eq 20000 0 flows_to "$2")"
	check "$3: one call left" 1 "$(ncalls)"
}

# carol_hangs_up WHAT: carol's BYE ends the last call
carol_hangs_up() {
	iop_cmd carol "/hangup"
	no_call_left "$1: after carol's BYE"
}

bs bob "$bob" "$CALLEE4"
bs carol "$carolns" "$CAROL4"
ph_up
registered bob "$CALLEE4" udp "udp: baresip registers as bob (digest)"
registered carol "$CAROL4" udp "udp: baresip registers as carol (digest)"

# --- 1. the phone transfers bob to carol -----------------------------------------
stage "bob calls $PHONE"
iop_cmd bob "/dial sip:alice@$SIP_DOMAIN"
check "bob->$PHONE: $PHONE answers" yes "$(ph_answer && echo yes)"
check "bob->$PHONE: krtpd: call established" yes \
	"$(busywait 30000 eval '[ -n "$(call_between bob alice)" ]' && echo yes)"
old=$(call_between bob alice)
check "bob->$PHONE: RTP through krtp.ko both ways" yes \
	"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" && echo yes)"
stage "$PHONE transfers bob to carol"
refer_marks
iop_mark bob
ph_transfer carol
check "$PHONE transfers: bob answers the REFER 202" yes \
	"$(iop_wait bob "SIP/2.0 202 Accepted" 20000 && echo yes)"
check "$PHONE transfers: bob calls carol, krtpd: call established" yes \
	"$(busywait 60000 eval '[ -n "$(call_between bob carol)" ]' && echo yes)"
transfer_signalled "$PHONE transfers"
check "$PHONE transfers: $PHONE's call ends" yes "$(ph_ended && echo yes)"
old_call_gone "$old" "$CALLER4" "$PHONE transfers"
# (the counters against nftables are tests/test-sip-interop-refer.sh's
# and the phones' other tests'; here, to stay within a test's time under
# emulation, the new call's flows forwarding RTP both ways will do)
check "$PHONE transfers: bob<->carol: RTP through krtp.ko both ways" yes \
	"$(busywait 60000 iop_rtp_both "$IOP_MIN_RTP" "$CAROL4" "$CALLEE4" && echo yes)"
carol_hangs_up "$PHONE transfers"

# --- 2. bob transfers the phone to carol -----------------------------------------
stage "$PHONE calls bob"
iop_mark ph
check "$PHONE->bob: bob answers" yes "$(ph_call bob && echo yes)"
check "$PHONE->bob: krtpd: call established" yes \
	"$(busywait 30000 eval '[ -n "$(call_between alice bob)" ]' && echo yes)"
old=$(call_between alice bob)
check "$PHONE->bob: RTP through krtp.ko both ways" yes \
	"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" && echo yes)"
stage "bob transfers $PHONE to carol"
refer_marks
iop_mark bob
iop_cmd bob "/transfer sip:carol@$SIP_DOMAIN"
check "bob transfers: $PHONE answers the REFER 202" yes \
	"$(iop_wait bob "SIP/2.0 202 Accepted" 20000 && echo yes)"
check "bob transfers: $PHONE calls carol, krtpd: call established" yes \
	"$(busywait 60000 eval '[ -n "$(call_between alice carol)" ]' && echo yes)"
transfer_signalled "bob transfers"
check "bob transfers: bob got the NOTIFY with SIP/2.0 200 in its sipfrag" yes \
	"$(iop_wait bob "^SIP/2.0 200 OK" 20000 && echo yes)"
old_call_gone "$old" "$CALLEE4" "bob transfers"
[ "$PHONE" = linphone ] && lp_play ph
check "bob transfers: $PHONE<->carol: RTP through krtp.ko both ways" yes \
	"$(busywait 60000 iop_rtp_both "$IOP_MIN_RTP" "$CAROL4" "$CALLER4" && echo yes)"
carol_hangs_up "bob transfers"

for n in bob carol; do
	iop_stop "$n"
	check "$n exits" 0 "$?"
done
iop_cmd ph quit
check "$PHONE quits (unregisters)" yes \
	"$(busywait 30000 eval '! iop_registered alice "$CALLER4" "$TP"' && echo yes)"
wait "$ph_PID"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for n in ph bob carol; do
		iop_tail "$n" 30
	done
	krtpd_log_tail 40
fi
ktap_finished
