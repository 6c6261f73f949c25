#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# SIP over TLS with a real client and krtp.ko carrying the media. krtpd
# listens on 10.0.0.1:5061 with a certificate for krtp.test / 10.0.0.1
# signed by a test CA (made here with certtool); baresip, given only that
# CA, is alice over TLS, bob is sipp over UDP, so every call crosses from
# TLS to UDP.
#
#   1. baresip registers over TLS: the binding says transport tls, and
#      krtpctl transport counts the handshake.
#   2. bob calls alice: krtpd sends the INVITE down the connection alice
#      registered on (she has no certificate, so a new connection to her
#      could not work), baresip answers, 50 RTP packets from bob reach her
#      through krtp.ko, bob hangs up, the BYE reaches her the same way.
#   3. alice (a second baresip) calls bob: Record-Route carries
#      transport=tls on her side, 50 packets from bob and all of hers are
#      counted by krtp.ko and received, she hangs up.
#   4. A TLS 1.1-only client and a client that does not trust krtpd's CA
#      are refused, and krtpd still answers.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   baresip, TLS, RTP 61xx     TLS 10.0.0.1:5061, UDP :5060      sipp :5060 UDP, RTP :7000
#                              media = kernel
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
command -v certtool >/dev/null || skip_all "certtool missing (gnutls-bin)"
command -v gnutls-cli >/dev/null || skip_all "gnutls-cli missing (gnutls-bin)"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

TLS_PORT=5061
PKI=$TMPD/pki

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
{ tls_ca "$PKI" && tls_cert "$PKI" krtpd "$SIP_DOMAIN" "$SIP_ADDR"; } ||
	{ ktap_test_fail "certificates made with certtool"; ktap_finished; exit; }
# what reaches baresip from the relay's ports, counted without dropping it
relay_media_counter "$alice"
alice_got() {
	relay_media_got "$alice"
}

krtpd_config kernel "listen_tls = $SIP_ADDR:$TLS_PORT" \
	"tls_certificate = $PKI/krtpd.pem" "tls_private_key = $PKI/krtpd.key" \
	"tls_ca_file = $PKI/ca.pem"
krtpd_start || { ktap_test_fail "krtpd starts with TLS and media = kernel"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with TLS and media = kernel"
sip_check "bob registers (UDP)" register bob

# transport_stat NAME: one of krtpctl transport's counters
transport_stat() {
	ctl transport --json | jq -r --arg k "$1" '[.. | objects | to_entries[] |
		select(.key == $k) | .value | numbers] | first // "none"'
}

# baresip_start NAME [ARGS...]: baresip as alice over TLS, trusting the test CA
baresip_start() {
	local name=$1

	shift
	BARESIP_CONF="sip_cafile		$PKI/ca.pem" baresip_run "$alice" "$CALLER4" "$name" \
		"<sip:alice@$SIP_DOMAIN;transport=tls>;outbound=\"sip:$SIP_ADDR:$TLS_PORT;transport=tls\";regint=600;audio_codecs=PCMU;ptime=20;answermode=auto" \
		"$@"
}

alice_tls_binding() {
	regs_json | jq -r '.[] | select(.user == "alice") | .transport' 2>/dev/null | grep -qx tls
}

# b2a / a2b: what krtp.ko forwarded towards alice / bob (RTP flows only)
b2a() {
	flows_json | jq '[.[] | select(.peer | startswith("'"$CALLER4"':")) |
		select(.flags | index("rtcp") | not) | .stats.packets] | add // 0'
}
a2b() {
	flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets
}

# --- 1. register over TLS -----------------------------------------------------
hs0=$(transport_stat tls_handshakes)
baresip_start bs1
check "baresip registers as alice over TLS" yes "$(busywait 60000 alice_tls_binding && echo yes)"
check "alice's binding: her address" yes \
	"$(regs_json | jq -r '.[] | select(.user == "alice") | .contact' | grep -q "@$CALLER4:" && echo yes)"
check "the TLS handshake is counted" yes \
	"$([ "$(transport_stat tls_handshakes)" -gt "${hs0:-0}" ] 2>/dev/null && echo yes)"
check "one TLS connection open" 1 "$(transport_stat tls_open)"

# --- 2. bob calls alice: INVITE and BYE over her connection -------------------
fwd0=$(sysfs_read packets_forwarded)
got0=$(alice_got)
ALICE_CALLID=tlsin@$CALLEE4
sipp_bg BOB_PID "$bob" "$CALLEE4" "$BOB_RTP" uac-call.xml -key caller bob -s alice \
	-cid_str "tlsin@%s"
bob_sent() { [ "$(b2a)" = 50 ]; }
check "bob->alice: 50 packets through krtp.ko" yes "$(busywait 90000 bob_sent && echo yes)"
check "bob->alice: 50 packets reached baresip" yes \
	"$(busywait 5000 eval '[ $(($(alice_got) - got0)) = 50 ]' && echo yes)"
check "the call's 4 flows are in krtp.ko" 4 "$(nflows)"
check "krtpd reports the call" 1 "$(ncalls)"
check "still one TLS connection: the INVITE went down alice's" 1 "$(transport_stat tls_open)"
bob_go
sip_check "bob: call to alice over TLS answered, BYE answered" sipp_wait BOB_PID uac-call.xml
no_call_left "after bob's BYE"
check "sysfs packets_forwarded counts the call" yes \
	"$([ $(($(sysfs_read packets_forwarded) - fwd0)) -ge 50 ] && echo yes)"
baresip_quit
check "baresip (callee) exits cleanly" 0 "$?"

# --- 3. alice calls bob from TLS to UDP ----------------------------------------
got0=$(alice_got)
bob0=$(rtp_received "$bob")
bob_answers uas-answer.xml
baresip_start bs2 -e "/dial sip:bob@$SIP_DOMAIN"
enough() {
	[ "$(b2a)" = 50 ] && [ "$(a2b)" -ge 100 ] 2>/dev/null
}
check "alice->bob over TLS: media both ways" yes "$(busywait 120000 enough && echo yes)"
check "bob saw Record-Route with transport=tls" yes \
	"$(grep -qi '^Record-Route:.*transport=tls' "$BOB_PID_TRACE.msg" && echo yes)"
# freeze baresip, let the last packets land, compare
bp=$(baresip_pid)
kill -STOP "$bp"
sent=$(a2b)
for i in $(seq 20); do
	sleep 0.5
	now=$(a2b)
	[ "$now" = "$sent" ] && break
	sent=$now
done
check "bob->alice: 50 packets reached baresip" 50 $(($(alice_got) - got0))
check "alice->bob: krtp.ko forwarded what bob received ($sent)" "$sent" \
	$(($(rtp_received "$bob") - bob0))
kill -CONT "$bp"
baresip_quit
check "baresip (caller) hangs up and exits" 0 "$?"
sip_check "bob: call from alice answered, BYE received" sipp_wait BOB_PID uas-answer.xml
no_call_left "after alice's BYE over TLS"

# --- 4. what a TLS listener must refuse ----------------------------------------
tls_client() {
	ip netns exec "$alice" timeout 20 gnutls-cli --port "$TLS_PORT" "$@" "$SIP_ADDR" \
		</dev/null >/dev/null 2>&1
}
check "a client trusting krtpd's CA connects" yes \
	"$(tls_client --x509cafile "$PKI/ca.pem" && echo yes)"
fail0=$(transport_stat tls_handshake_failures)
check "a TLS 1.1-only client is refused" no \
	"$(tls_client --insecure --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.1' && echo yes || echo no)"
check "krtpd counted the refused handshake" yes \
	"$(busywait 5000 eval '[ "$(transport_stat tls_handshake_failures)" -gt "$fail0" ]' && echo yes)"
# the system's CAs only: they do not include the test CA
check "a client that does not trust the test CA refuses krtpd" no \
	"$(tls_client && echo yes || echo no)"
sip_check "krtpd still answers OPTIONS" options_ok

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for f in "$TMPD"/bs1.out "$TMPD"/bs2.out; do
		tr '\r' '\n' <"$f" 2>/dev/null | grep -v bit/s | tail -n 15 | sed 's/^/#   baresip: /'
	done
	krtpd_log_tail 40
fi
ktap_finished
