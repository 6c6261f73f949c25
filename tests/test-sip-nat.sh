#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Phones behind a home router: a fourth namespace, "home" (192.168.1.2),
# reaches the world through alice's namespace, which masquerades it
# (nftables NAT) behind 10.0.1.2. krtp.ko carries the media.
#
#   1. STUN on the SIP port: a Binding request from home is answered with
#      the address the NAT gave it (10.0.1.2 and the NAT's port).
#   2. baresip in home registers with SIP Outbound (sipnat=outbound) over
#      UDP: the binding is an outbound flow, krtpd's Flow-Timer (5 s) makes
#      baresip send STUN keep-alives, krtpd answers them; bob (sipp) calls
#      alice, the INVITE reaches baresip through the NAT over its flow, it
#      answers; its RTP reaches bob through krtp.ko, which learns the NAT's
#      port from it (nat_media_source = signalling: the flow takes only the
#      NAT's address, the one its SIP came from; a stranger's packets are
#      dropped as wrong source), and
#      then 250 packets from bob reach baresip.
#   3. baresip over TCP with outbound: its CRLF pings are answered.
#   4. A UDP phone (sipp, carol) behind the NAT, without outbound: krtpd pings it
#      with OPTIONS every 5 s; it answers two, then goes away; after three
#      unanswered pings its binding is removed and the log says why.
#
#   home ns          alice ns (NAT)             krtpd (relay ns)                bob (callee ns)
#   h0 192.168.1.2 - n0 192.168.1.1  c0 10.0.1.2 - r1 10.0.1.1  lo 10.0.0.1  r2 - e0 10.0.2.2
#   baresip/sipp     masquerade out c0          SIP 10.0.0.1:5060 (UDP, TCP)    sipp :5060, RTP :7000
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
command -v baresip >/dev/null || skip_all "baresip missing"
command -v curl >/dev/null || skip_all "curl missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

HOME4=192.168.1.2
GW4=192.168.1.1

krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
setup_ns home || { ktap_test_fail "home namespace"; ktap_finished; exit; }
veth_pair "$home" h0 "$HOME4" fd00:9::2 "$alice" n0 "$GW4" fd00:9::1
ip -n "$home" route add default via "$GW4"
ip netns exec "$alice" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$alice" nft -f - <<EOF
table ip krtpnat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "c0" masquerade
	}
}
EOF
# what reaches home from the relay's ports, counted without dropping it
relay_media_counter "$home"
home_got() {
	relay_media_got "$home"
}

krtpd_config kernel "metrics_listen = 127.0.0.1:9090" "flow_timer = 5" \
	"nat_ping_interval = 5" "nat_ping_failures = 3" "nat_media_source = signalling"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with flow_timer 5, NAT pings every 5 s, nat_media_source signalling"
sip_check "bob registers" register bob

# --- 1. STUN from behind the NAT ------------------------------------------------
stun=$(ip netns exec "$home" /usr/bin/python3 - "$SIP_ADDR" "$SIP_PORT" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
tid = os.urandom(12)
s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + tid, (sys.argv[1], int(sys.argv[2])))
r = s.recv(512)
typ, ln, cookie = struct.unpack("!HHI", r[:8])
assert typ == 0x0101 and r[8:20] == tid, "not a Binding success for our transaction"
at, al, _, fam, xport = struct.unpack("!HHBBH", r[20:28])
assert at == 0x20 and fam == 1, "no XOR-MAPPED-ADDRESS"
ip = struct.unpack("!I", r[28:32])[0] ^ 0x2112A442
print("%s %d %d" % (socket.inet_ntoa(struct.pack("!I", ip)), xport ^ 0x2112,
      s.getsockname()[1]))
PY
)
check "STUN: the mapped address is the NAT's" "$CALLER4" "$(echo "$stun" | cut -d' ' -f1)"
check "STUN: a mapped port is given" yes "$([ -n "$(echo "$stun" | cut -d' ' -s -f2)" ] && echo yes)"
check "STUN: answered once" 1 "$(metric 'krtpd_sip_keepalives_total{kind="stun"}')"

# baresip_home NAME TRANSPORT: baresip as alice in home with outbound; its
# instance id (which outbound needs) comes from the uuid module
baresip_home() {
	BARESIP_CONF="module			uuid.so" baresip_run "$home" "$HOME4" "$1" \
		"<sip:alice@$SIP_DOMAIN;transport=$2>;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=$2\";sipnat=outbound;regint=600;audio_codecs=PCMU;ptime=20;answermode=auto"
}

# user_src USER: where USER's binding says the phone is (the NAT's address:port)
user_src() {
	regs_json | jq -r --arg u "$1" '.[] | select(.user == $u) | .source' | head -n 1
}
alice_src() {
	user_src alice
}
alice_ob() {
	alice_src | grep -q "^$CALLER4:" && grep -q "registered alice .*(outbound)" "$KRTPD_LOG"
}

# --- 2. outbound over UDP: STUN keep-alives, a call in through the NAT ------------------
stun0=$(metric 'krtpd_sip_keepalives_total{kind="stun"}')
baresip_home bs-udp udp
check "baresip registers through the NAT with outbound" yes \
	"$(busywait 60000 alice_ob && echo yes)"
stun_more() { [ "$(metric 'krtpd_sip_keepalives_total{kind="stun"}')" -gt "$stun0" ]; }
check "baresip's STUN keep-alives are answered (Flow-Timer 5)" yes \
	"$(busywait 30000 stun_more && echo yes)"

fwd0=$(sysfs_read packets_forwarded)
got0=$(home_got)
bob0=$(rtp_received "$bob")
# bob plays only once the test says go: media toward a phone behind NAT can
# only be sent once its first packet taught krtp.ko the NAT's address
ALICE_CALLID=natin@$CALLEE4
sipp_bg BOB_PID "$bob" "$CALLEE4" "$BOB_RTP" uac-long.xml -key caller bob -s alice \
	-cid_str "natin@%s"
b2a() {
	flows_json | jq '[.[] | select(.peer | startswith("'"$CALLER4"':")) |
		select(.flags | index("rtcp") | not) | .stats.packets] | add // 0'
}
learned() {
	flows_json | jq -e '[.[] | select(.peer | startswith("'"$CALLER4"':"))] | length > 0' >/dev/null
}
a2b_ok() { [ "$(($(rtp_received "$bob") - bob0))" -ge 20 ]; }
check "alice->bob: baresip's stream reached bob through krtp.ko" yes \
	"$(busywait 90000 a2b_ok && echo yes)"
check "the flows toward alice point at the NAT (source learned)" yes \
	"$(busywait 10000 learned && echo yes)"
# RTP Bleed: the flow from alice takes her NAT's address only, on the port
# her first packet came from; a stranger's packets to it are dropped
flows_snap
src=$(flow_by_peer "$CALLEE4:$BOB_RTP" source)
check "the flow from alice accepts her NAT's address only (RTP Bleed)" "addr $CALLER4" \
	"$(flow_by_peer "$CALLEE4:$BOB_RTP" src_mode) ${src%:*}"
la=$(flow_by_peer "$CALLEE4:$BOB_RTP" local)
flows_unsnap
d0=$(fstat "$la" drop_wrong_source)
send "$bob" -d "$la" -s "$CALLEE4:40000" -n 5
check "a stranger's RTP to alice's relay port: dropped, counted as wrong source" $((d0 + 5)) \
	"$(wait_eq 10000 $((d0 + 5)) fstat "$la" drop_wrong_source)"
bob_go
bob_sent() { [ "$(b2a)" = 250 ]; }
check "bob->alice: 250 packets through krtp.ko to the NAT" yes \
	"$(busywait 90000 bob_sent && echo yes)"
check "bob->alice: 250 packets reached baresip behind the NAT" yes \
	"$(busywait 5000 eval '[ $(($(home_got) - got0)) = 250 ]' && echo yes)"
bob_go
sip_check "bob: the call through the NAT answered, BYE answered" sipp_wait BOB_PID uac-long.xml
no_call_left "after the NATed call"
baresip_quit
check "baresip (UDP) exits cleanly" 0 "$?"

# --- 3. outbound over TCP: CRLF pings --------------------------------------------
crlf0=$(metric 'krtpd_sip_keepalives_total{kind="crlf"}')
baresip_home bs-tcp tcp
tcp_ob() { regs_json | jq -r '.[] | select(.user == "alice") | .transport' | grep -qx tcp; }
check "baresip registers over TCP with outbound" yes "$(busywait 60000 tcp_ob && echo yes)"
crlf_more() { [ "$(metric 'krtpd_sip_keepalives_total{kind="crlf"}')" -gt "${crlf0:-0}" ]; }
# libre pings a TCP flow every 16-18 s at the least, whatever Flow-Timer says
check "baresip's CRLF pings are answered" yes "$(busywait 45000 crlf_more && echo yes)"
baresip_quit
check "baresip (TCP) exits cleanly" 0 "$?"

# --- 4. a NATed UDP phone (carol) that goes away is unregistered -------------------
pings0=$(metric 'krtpd_nat_pings_total{result="answered"}')
home_sipp() {
	SIPP_N=$((SIPP_N + 1))
	ip netns exec "$home" timeout -k 5 60 sipp -sf "$SIP_DIR/$1" -i "$HOME4" -p 5070 \
		-key domain "$SIP_DOMAIN" -key contact_port 5070 -key expires 600 -s carol \
		-m "${2:-1}" -nostdin -timeout 40s -recv_timeout 20000 \
		-trace_err -error_file "$TMPD/sipp-$SIPP_N.err" \
		-trace_msg -message_file "$TMPD/sipp-$SIPP_N.msg" \
		"$SIP_ADDR:$SIP_PORT" >"$TMPD/sipp-$SIPP_N.out" 2>&1
}
sip_check "a phone behind the NAT registers (no outbound)" home_sipp reg-one.xml
check "its binding: the NAT's address" yes "$(user_src carol | grep -q "^$CALLER4:" && echo yes)"
sip_check "it answers two NAT pings" home_sipp uas-options.xml 2
check "the answers are counted" 2 \
	$(($(metric 'krtpd_nat_pings_total{result="answered"}') - ${pings0:-0}))
gone() { [ -z "$(user_src carol)" ]; }
check "after 3 unanswered pings the binding is gone" yes "$(busywait 60000 gone && echo yes)"
check "the log says why" 1 \
	"$(grep -c 'unregistered carol sip:carol@192.168.1.2:5070: 3 NAT pings unanswered' "$KRTPD_LOG")"
check "counted on /metrics" 1 "$(metric krtpd_nat_ping_unregistered_total)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	for f in "$TMPD"/bs-udp.out "$TMPD"/bs-tcp.out; do
		tr '\r' '\n' <"$f" 2>/dev/null | grep -v bit/s | tail -n 15 | sed 's/^/#   baresip: /'
	done
	krtpd_log_tail 40
fi
ktap_finished
