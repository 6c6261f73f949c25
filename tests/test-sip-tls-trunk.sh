#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# A trunk over TLS found by DNS (RFC 3263, RFC 5922), with krtp.ko carrying
# the media. The carrier is a second krtpd in bob's namespace: UDP on
# 10.0.2.2:5090, TLS on :5061 with a certificate for carrier.test and
# backup.test (not for its host name edge.carrier.test) signed by a test
# CA, which krtpd is given as tls_ca_file. bob (sipp) is registered there
# as the number alice calls.
#
#   1. trunk = sip:carrier.test: NAPTR offers SIPS+D2T (order 10) before
#      SIP+D2U (order 20); krtpd takes TLS, the SRV target edge.carrier.test
#      :5061, and verifies the certificate against carrier.test (the
#      trunk's name, not the SRV target's). The call connects, 50 RTP
#      packets each way through krtp.ko, counted at both ends.
#   2. trunk = sip:backup.test;transport=tls: the SRV record of priority 10
#      points at a port where nothing listens; the refused connection fails
#      the branch at once (503, no 32 s Timer B) and the call goes to the
#      priority-20 target, the carrier.
#   3. trunk = sip:impostor.test;transport=tls: its SRV points at the
#      carrier too, whose certificate does not name impostor.test; the
#      handshake fails verification, nothing reaches bob, alice gets 500
#      (the branch's 503, as RFC 3261 §16.7 has a proxy pass it on).
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel carrier krtpd :5090, TLS :5061
#                              dnsmasq 10.0.0.1:5353             sipp :5060, RTP :7000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"

DNS_PORT=5353
NUMBER=4930123456
CARRIER_PORT=5090
CARRIER_TLS=5061
DEAD_PORT=5071

require_sip_tools
command -v dnsmasq >/dev/null || skip_all "dnsmasq missing (dnsmasq-base)"
command -v certtool >/dev/null || skip_all "certtool missing (gnutls-bin)"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header
krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
PKI=$TMPD/pki
{ tls_ca "$PKI" && tls_cert "$PKI" carrier carrier.test backup.test; } ||
	{ ktap_test_fail "certificates made with certtool"; ktap_finished; exit; }

ip netns exec "$relay" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --user=root --pid-file --listen-address="$SIP_ADDR" --bind-interfaces \
	--port="$DNS_PORT" --local=/carrier.test/backup.test/impostor.test/ --local-ttl=60 \
	--log-queries --log-facility="$TMPD/dnsmasq.log" \
	--naptr-record=carrier.test,20,50,s,SIP+D2U,,_sip._udp.carrier.test \
	--naptr-record=carrier.test,10,50,s,SIPS+D2T,,_sips._tcp.carrier.test \
	--srv-host=_sip._udp.carrier.test,edge.carrier.test,$CARRIER_PORT,10,0 \
	--srv-host=_sips._tcp.carrier.test,edge.carrier.test,$CARRIER_TLS,10,0 \
	--srv-host=_sips._tcp.backup.test,edge.carrier.test,$CARRIER_TLS,20,0 \
	--srv-host=_sips._tcp.backup.test,dead.backup.test,$DEAD_PORT,10,0 \
	--srv-host=_sips._tcp.impostor.test,edge.carrier.test,$CARRIER_TLS,10,0 \
	--host-record=edge.carrier.test,"$CALLEE4" \
	--host-record=dead.backup.test,"$CALLEE4" 2>>"$TMPD/dnsmasq.log" &
DNSMASQ_PID=$!
defer "kill $DNSMASQ_PID 2>/dev/null"

# --- the carrier: a second krtpd beside bob ------------------------------------
CARRIER_DIR=$TMPD/carrier
mkdir -p "$CARRIER_DIR/state"
cat >"$CARRIER_DIR/krtpd.conf" <<EOF
listen = $CALLEE4:$CARRIER_PORT
listen_tls = $CALLEE4:$CARRIER_TLS
tls_certificate = $PKI/carrier.pem
tls_private_key = $PKI/carrier.key
domain = carrier.test, backup.test
media = user
relay_address = $CALLEE4
port_min = 32000
port_max = 32999
state_dir = $CARRIER_DIR/state
control_socket = $CARRIER_DIR/krtpd.sock
log_level = debug
media_timeout = 0
EOF
ip netns exec "$bob" "$KRTPD" -c "$CARRIER_DIR/krtpd.conf" -f >"$CARRIER_DIR/krtpd.log" 2>&1 &
CARRIER_PID=$!
defer "kill $CARRIER_PID 2>/dev/null"
carrier_up() { ip netns exec "$bob" ss -Htln "sport = :$CARRIER_TLS" | grep -q .; }
check "the carrier's krtpd listens on TLS" yes "$(busywait 10000 carrier_up && echo yes)"

# bob registers at the carrier as NUMBER
SIPP_N=$((SIPP_N + 1))
ip netns exec "$bob" timeout -k 5 60 sipp -sf "$SIP_DIR/reg-one.xml" -i "$CALLEE4" \
	-p "$SIP_PORT" -key domain carrier.test -key contact_port "$SIP_PORT" -key expires 600 \
	-s "$NUMBER" -m 1 -nostdin -timeout 30s -recv_timeout 10000 \
	-trace_err -error_file "$TMPD/sipp-$SIPP_N.err" \
	"$CALLEE4:$CARRIER_PORT" >"$TMPD/sipp-$SIPP_N.out" 2>&1
check "bob registers at the carrier" 0 "$?"

# krtpd_trunk TRUNK: (re)start krtpd with that trunk and the test CA
krtpd_trunk() {
	krtpd_stop
	krtpd_config kernel "trunk = $1" "dns_servers = $SIP_ADDR:$DNS_PORT" \
		"tls_ca_file = $PKI/ca.pem"
	krtpd_start
}

transport_stat() {
	ctl transport --json | jq -r --arg k "$1" '[.. | objects | to_entries[] |
		select(.key == $k) | .value | numbers] | first // "none"'
}

# bob_answers at bob's sipp, alice calls the number through the trunk
trunk_call() {
	bob_answers uas-answer.xml
	ALICE_CALLID=call$((SIPP_N + 1))@$CALLER4
	sipp_bg ALICE_PID "$alice" "$CALLER4" "$ALICE_RTP" uac-call.xml -key caller alice \
		-s "$NUMBER" -cid_str "call$((SIPP_N + 1))@%s"
}

# media_checks NAME: 50 packets each way, forwarded by krtp.ko, received
media_checks() {
	local fwd0=$1 bob0=$2 alice0=$3 name=$4

	wait_eq 90000 100 eval 'echo $(($(sysfs_read packets_forwarded) - fwd0))' >/dev/null
	check "$name: krtp.ko forwarded 50 packets each way" 100 \
		$(($(sysfs_read packets_forwarded) - fwd0))
	wait_eq 10000 50 eval 'echo $(($(rtp_received "$bob") - bob0))' >/dev/null
	check "$name: bob received 50 (through the carrier)" 50 $(($(rtp_received "$bob") - bob0))
	check "$name: alice received 50" 50 $(($(rtp_received "$alice") - alice0))
}

# --- 1. NAPTR picks TLS; the certificate is checked against carrier.test ------------
krtpd_trunk "sip:carrier.test" || { ktap_test_fail "krtpd starts with a trunk"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with trunk = sip:carrier.test"
fwd0=$(sysfs_read packets_forwarded)
bob0=$(rtp_received "$bob")
alice0=$(rtp_received "$alice")
trunk_call
media_checks "$fwd0" "$bob0" "$alice0" "call 1 over TLS"
check "call 1: the carrier's TLS connection is open" 1 "$(transport_stat tls_open)"
check "call 1: no certificate failed verification" 0 "$(transport_stat tls_verify_failures)"
check "call 1: krtp.ko carries the call (4 flows)" 4 "$(nflows)"
alice_go
sip_check "call 1: alice gets 200 and ends the call" sipp_wait ALICE_PID uac-call.xml
sip_check "call 1: bob answered and got the BYE" sipp_wait BOB_PID uas-answer.xml
check "call 1: krtpd's Record-Route says transport=tls towards the carrier" yes \
	"$(grep -qi '^Record-Route:.*10\.0\.0\.1.*transport=tls' "$BOB_PID_TRACE.msg" && echo yes)"
check "dnsmasq was asked for _sips._tcp.carrier.test" 1 \
	"$(grep -c 'query\[SRV\] _sips._tcp.carrier.test ' "$TMPD/dnsmasq.log" | sed 's/^[1-9][0-9]*$/1/')"
check "no UDP SRV lookup: SIPS+D2T came first" 0 \
	"$(grep -c 'query\[SRV\] _sip._udp.carrier.test ' "$TMPD/dnsmasq.log")"
no_call_left "call 1"

# --- 2. a refused connection fails over at once ---------------------------------
krtpd_trunk "sip:backup.test;transport=tls" ||
	{ ktap_test_fail "krtpd restarts with trunk backup.test"; ktap_finished; exit; }
fwd0=$(sysfs_read packets_forwarded)
bob0=$(rtp_received "$bob")
alice0=$(rtp_received "$alice")
t0=$(date +%s)
trunk_call
CALL2=$ALICE_CALLID
media_checks "$fwd0" "$bob0" "$alice0" "call 2 after the failover"
took=$(($(date +%s) - t0))
alice_go
sip_check "call 2: alice gets 200 and ends the call" sipp_wait ALICE_PID uac-call.xml
sip_check "call 2: bob answered and got the BYE" sipp_wait BOB_PID uas-answer.xml
check "call 2: krtpd logged the failover from the dead target" 1 \
	"$(grep -c "call $CALL2: .* of backup.test, trying $CALLEE4:$CARRIER_TLS" "$KRTPD_LOG")"
# Timer B would take 32 s; the refused connection answers 503 at once
check "call 2: the failover did not wait for Timer B" yes "$([ "$took" -lt 30 ] && echo yes)"
no_call_left "call 2"

# --- 3. a certificate that does not name the trunk ---------------------------------
krtpd_trunk "sip:impostor.test;transport=tls" ||
	{ ktap_test_fail "krtpd restarts with trunk impostor.test"; ktap_finished; exit; }
carrier_stat() {
	ip netns exec "$bob" "$KRTPCTL" --socket "$CARRIER_DIR/krtpd.sock" transport --json |
		jq -r --arg k "$1" '[.. | objects | to_entries[] | select(.key == $k) |
			.value | numbers] | first // "none"'
}
hs0=$(carrier_stat tls_handshakes)
# the branch failed with a transport error (503); a proxy passes that on as
# 500 (RFC 3261 §16.7 step 6), at once rather than after Timer B
check "call 3: the caller gets 500 at once" "SIP/2.0 500" \
	"$(sipsend "$alice" invite-number.sip --timeout 20 | tr -d '\r' | cut -d' ' -f1-2)"
check "call 3: the failed verification is counted" 1 "$(transport_stat tls_verify_failures)"
check "call 3: krtpd logs which server failed verification" 1 \
	"$(grep -c 'tls: server impostor.test failed verification' "$KRTPD_LOG")"
check "call 3: no handshake completed at the carrier" "$hs0" "$(carrier_stat tls_handshakes)"
check "call 3: no call left" 0 "$(ncalls)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
	tail -n 30 "$CARRIER_DIR/krtpd.log" | sed 's/^/#   carrier: /'
fi
ktap_finished
