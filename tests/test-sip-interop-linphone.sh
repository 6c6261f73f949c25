#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Interop: linphone (linphonec) and baresip call each other through krtpd
# with krtp.ko carrying the media, over UDP (IOP_TP=tcp: over TCP, which
# tests/test-sip-interop-linphone-tcp.sh runs). Both register with digest
# authentication; every call is checked in krtpd (registrations, call
# state) and in krtp.ko against what nftables counts at the receiving
# side, with both clients frozen (SIGSTOP) so the counters stand still.
#
#   UDP  sipsak: OPTIONS is answered 200; REGISTER with digest (carol)
#        binds, with a wrong password it is refused and binds nothing.
#        1. linphone (alice) calls baresip (bob, answers by itself): media
#           both ways; linphone holds (re-INVITE) and resumes, media flows
#           again; baresip hangs up (BYE from the callee).
#        2. baresip calls linphone, linphone answers: media both ways;
#           linphone hangs up (BYE from the callee).
#   TCP  3. linphone calls baresip, media both ways, linphone hangs up.
#        4. baresip calls linphone, media both ways, baresip hangs up.
#   TLS  5. linphone (TLS) calls baresip (UDP), media both ways, linphone
#           hangs up.
#        6. baresip calls linphone over its TLS connection, media both
#           ways, baresip hangs up.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   linphonec :5060, RTP 6200  SIP 10.0.0.1:5060 UDP+TCP          baresip :5060, RTP 61xx
#                              users_file, media = kernel
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
require_sip_tools
command -v linphonec >/dev/null || skip_all "linphonec missing (linphone-cli)"
command -v baresip >/dev/null || skip_all "baresip missing"
command -v sipsak >/dev/null || skip_all "sipsak missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
relay_media_counter "$alice" && relay_media_counter "$bob" && iop_wav ||
	{ ktap_test_fail "counters and audio file"; ktap_finished; exit; }
# bob is baresip and carol sipsak: MD5 HA1s (see iop_users)
iop_users bob carol
TLS_CONF=()
if [ "${IOP_TP:-udp}" = tls ]; then
	command -v certtool >/dev/null || skip_all "certtool missing (gnutls-bin)"
	# linphone (mbedTLS) matches the server's name against the certificate's
	# CN and DNS names only: krtpd's address is also a DNS name in it
	PKI=$TMPD/pki
	{ tls_ca "$PKI" && tls_cert "$PKI" krtpd "$SIP_ADDR" "$SIP_DOMAIN" &&
	  echo "dns_name = $SIP_ADDR" >>"$PKI/krtpd.tmpl" &&
	  certtool --generate-certificate --load-privkey "$PKI/krtpd.key" \
		--load-ca-certificate "$PKI/ca.pem" --load-ca-privkey "$PKI/ca.key" \
		--template "$PKI/krtpd.tmpl" --outfile "$PKI/krtpd.pem" >/dev/null 2>&1; } ||
		{ ktap_test_fail "certificates made with certtool"; ktap_finished; exit; }
	TLS_CONF=("listen_tls = $SIP_ADDR:5061" "tls_certificate = $PKI/krtpd.pem"
		  "tls_private_key = $PKI/krtpd.key" "tls_ca_file = $PKI/ca.pem")
	export LP_CA=$PKI/ca.pem LP_TLS_PORT=5061
fi
krtpd_config kernel "users_file = $KRTPD_USERS" "${TLS_CONF[@]}"
krtpd_start || { ktap_test_fail "krtpd starts with users and media = kernel"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with users and media = kernel"

# bail: a client did not come up; the rest cannot run
bail() {
	for n in lp bs1 bs2 bs3 bs4 bs5 bs6; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

LP_RTP=6200
# lp_up TRANSPORT: linphone as alice, registered
lp_up() {
	lp_start lp "$alice" "$CALLER4" alice "$1" "$LP_RTP"
	if busywait 90000 iop_registered alice "$CALLER4" "$1"; then
		ktap_test_pass "$1: linphone registers as alice (digest)"
	else
		ktap_test_fail "$1: linphone registers as alice (digest)"
		bail
	fi
}

# bs_up NAME TRANSPORT [ARGS...]: baresip as bob, registered
bs_up() {
	local name=$1 tp=$2

	shift 2
	bs_start "$name" "$bob" "$CALLEE4" bob "$tp" "$@"
	if busywait 90000 iop_registered bob "$CALLEE4" "$tp"; then
		ktap_test_pass "$tp: baresip registers as bob (digest)"
	else
		ktap_test_fail "$tp: baresip registers as bob (digest)"
		bail
	fi
}

# established WHAT: krtpd's one call is established, RTP flows both ways
established() {
	check "$1: krtpd: call established" established \
		"$(wait_eq 30000 established iop_call_state)"
	check "$1: RTP through krtp.ko both ways" yes \
		"$(busywait 90000 iop_rtp_both "$IOP_MIN_RTP" && echo yes)"
}

# lp_calls_bs TRANSPORT BS_NAME: linphone calls baresip; media checked
lp_calls_bs() {
	local tp=$1 a0 b0

	a0=$(relay_media_got "$alice")
	b0=$(relay_media_got "$bob")
	iop_cmd lp "call sip:bob@$SIP_DOMAIN"
	check "$tp: linphone->baresip: linphone connected" yes \
		"$(iop_wait lp "Call [0-9]+ with sip:bob@.* connected" && echo yes)"
	lp_play lp
	established "$tp: linphone->baresip"
	iop_media "$tp: linphone->baresip" "$a0" "$b0" "$(iop_child lp)" "$(iop_child "$2")"
}

# bs_calls_lp TRANSPORT BS_NAME: baresip (started to dial) calls
# linphone, which answers; media checked
bs_calls_lp() {
	local tp=$1 a0=$3 b0=$4

	check "$tp: baresip->linphone: linphone rings" yes \
		"$(iop_wait lp "Receiving new incoming call from sip:bob@" && echo yes)"
	iop_cmd lp answer
	check "$tp: baresip->linphone: linphone connected" yes \
		"$(iop_wait lp "Call [0-9]+ with sip:bob@.* connected" && echo yes)"
	lp_play lp
	established "$tp: baresip->linphone"
	iop_media "$tp: baresip->linphone" "$a0" "$b0" "$(iop_child lp)" "$(iop_child "$2")"
}

lp_ended() {
	iop_wait lp "Call [0-9]+ with sip:bob@.* ended" 30000
}

# --- UDP ---------------------------------------------------------------------
udp() {
	# sipsak probes
	sip_check "sipsak: OPTIONS answered 200" sipsak_ok "$alice" "$CALLER4" -s "sip:$SIP_ADDR"
	sip_check "sipsak: REGISTER carol with digest: 200" sipsak_ok "$alice" "$CALLER4" -U \
		-s "sip:carol@$SIP_ADDR" -C "sip:carol@$CALLER4:5070" -x 600 -u carol -a carol-pw
	check "sipsak: carol's binding is in krtpd" "sip:carol@$CALLER4:5070" \
		"$(regs_json | jq -r '.[] | select(.user == "carol") | .contact')"
	check "sipsak: REGISTER with a wrong password is refused" no \
		"$(sipsak_ok "$alice" "$CALLER4" -U -s "sip:carol@$SIP_ADDR" -C "sip:carol@$CALLER4:5071" \
			-x 600 -u carol -a wrong && echo yes || echo no)"
	check "sipsak: and binds nothing" 1 "$(regs_json | jq '[.[] | select(.user == "carol")] | length')"

	bs_up bs1 udp
	lp_up udp

	# 1. linphone calls baresip; hold, resume; baresip hangs up
	lp_calls_bs udp bs1
	iop_cmd lp pause
	check "udp: linphone holds: its call is Paused" yes "$(lp_state lp Paused && echo yes)"
	check "udp: krtpd still has the call established" established "$(iop_call_state)"
	iop_cmd lp resume
	check "udp: linphone resumes: StreamsRunning" yes "$(lp_state lp StreamsRunning && echo yes)"
	a=$(iop_sent "$CALLEE4" rtp)
	b=$(iop_sent "$CALLER4" rtp)
	check "udp: after resume, RTP through krtp.ko both ways again" yes \
		"$(busywait 60000 eval '[ $(iop_sent "$CALLEE4" rtp) -ge $((a + 25)) ] &&
			[ $(iop_sent "$CALLER4" rtp) -ge $((b + 25)) ]' && echo yes)"
	iop_stop bs1
	check "udp: baresip hangs up (BYE from the callee) and exits" 0 "$?"
	check "udp: linphone sees the call end" yes "$(lp_ended && echo yes)"
	no_call_left "udp: after baresip's BYE"

	# 2. baresip calls linphone; linphone hangs up
	a0=$(relay_media_got "$alice")
	b0=$(relay_media_got "$bob")
	bs_up bs2 udp -e "/dial sip:alice@$SIP_DOMAIN"
	bs_calls_lp udp bs2 "$a0" "$b0"
	iop_cmd lp terminate
	check "udp: linphone hangs up (BYE from the callee)" yes "$(lp_ended && echo yes)"
	no_call_left "udp: after linphone's BYE"
	iop_stop bs2
	check "udp: baresip exits" 0 "$?"
	iop_cmd lp quit
	check "udp: linphone quits (unregisters)" yes \
		"$(busywait 30000 eval '! iop_registered alice "$CALLER4" udp' && echo yes)"
	wait "$lp_PID"
}

# --- TCP ---------------------------------------------------------------------
tcp() {
	bs_up bs3 tcp
	lp_up tcp

	# 3. linphone calls baresip; linphone hangs up
	lp_calls_bs tcp bs3
	iop_cmd lp terminate
	check "tcp: linphone hangs up (BYE from the caller)" yes "$(lp_ended && echo yes)"
	no_call_left "tcp: after linphone's BYE"
	iop_stop bs3
	check "tcp: baresip exits" 0 "$?"

	# 4. baresip calls linphone; baresip hangs up
	a0=$(relay_media_got "$alice")
	b0=$(relay_media_got "$bob")
	bs_up bs4 tcp -e "/dial sip:alice@$SIP_DOMAIN"
	bs_calls_lp tcp bs4 "$a0" "$b0"
	iop_stop bs4
	check "tcp: baresip hangs up (BYE from the caller) and exits" 0 "$?"
	check "tcp: linphone sees the call end" yes "$(lp_ended && echo yes)"
	no_call_left "tcp: after baresip's BYE"
	iop_cmd lp quit
	check "tcp: linphone quits (unregisters)" yes \
		"$(busywait 30000 eval '! iop_registered alice "$CALLER4" tcp' && echo yes)"
	wait "$lp_PID"
}

# --- TLS ---------------------------------------------------------------------
# linphone over TLS, baresip over UDP: krtpd bridges the two
tls() {
	bs_up bs5 udp
	lp_up tls

	# 5. linphone calls baresip; linphone hangs up
	lp_calls_bs tls bs5
	iop_cmd lp terminate
	check "tls: linphone hangs up (BYE from the caller)" yes "$(lp_ended && echo yes)"
	no_call_left "tls: after linphone's BYE"
	iop_stop bs5
	check "tls: baresip exits" 0 "$?"

	# 6. baresip calls linphone over its TLS connection; baresip hangs up
	a0=$(relay_media_got "$alice")
	b0=$(relay_media_got "$bob")
	bs_up bs6 udp -e "/dial sip:alice@$SIP_DOMAIN"
	bs_calls_lp tls bs6 "$a0" "$b0"
	iop_stop bs6
	check "tls: baresip hangs up (BYE from the caller) and exits" 0 "$?"
	check "tls: linphone sees the call end" yes "$(lp_ended && echo yes)"
	no_call_left "tls: after baresip's BYE"
	iop_cmd lp quit
	check "tls: linphone quits (unregisters)" yes \
		"$(busywait 30000 eval '! iop_registered alice "$CALLER4" tls' && echo yes)"
	wait "$lp_PID"
}

case "${IOP_TP:-udp}" in
udp) udp ;;
tcp) tcp ;;
tls) tls ;;
esac

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for n in lp bs1 bs2 bs3 bs4 bs5 bs6; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
fi
ktap_finished
