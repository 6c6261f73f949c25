#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# krtp as the media node of a stock Kamailio: Kamailio (registrar and
# record-routing proxy, its rtpengine module with rtpengine_manage()) on
# 10.0.0.1:5060, krtpd with ng_listen on 127.0.0.1 and media = kernel, no
# SIP of its own in the path. sipp is alice and bob.
#
#   1. One node: alice calls bob; the module's offer and answer anchor the
#      call in krtp.ko: 4 flows, 50 RTP packets each way counted in the
#      flows and received; the BYE's delete removes every flow.
#   2. A set of two nodes, each in its own network namespace and so with
#      its own krtp.ko flow table (A: the relay namespace, relay address
#      10.0.0.1, ports 30000-30499, ng 127.0.0.1:2223; B: namespace nodeb,
#      relay address 10.0.3.2, ports 30500-30999, ng 10.0.3.2:2224): the
#      module puts calls on both (it picks by a hash of the Call-ID, so
#      these Call-IDs land one on each). The node of a call (to carol,
#      beside bob) is killed (-9) in its middle: its media keeps flowing
#      through the krtp.ko of its namespace (counted there); a new call the
#      hash would put on it goes to the other node; restarted, it re-adopts
#      its call from its namespace's kernel, answers query for it (counting
#      what krtp.ko forwarded while it was dead) and delete.
#
#   alice (caller ns)          relay ns                              bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1   r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      Kamailio 10.0.0.1:5060                 sipp :5060, RTP :7000
#                              krtpd A ng 127.0.0.1:2223
#                              relay ports on 10.0.0.1
#                              r3 10.0.3.1 (forwards in part 2)
#                                  |veth
#                              n0 10.0.3.2 (nodeb ns): krtpd B, ng 10.0.3.2:2224,
#                              relay ports on 10.0.3.2
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
command -v kamailio >/dev/null || skip_all "kamailio missing"
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/rtpengine.so ] ||
	skip_all "Kamailio's rtpengine module missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header
krtp_load || skip_all "insmod $KRTP_KO failed"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

KAM_PID=
# kamailio_start NG_SOCKS: Kamailio in the relay namespace with that set
kamailio_start() {
	[ -n "$KAM_PID" ] && { kill "$KAM_PID"; wait "$KAM_PID" 2>/dev/null; }
	ip netns exec "$relay" kamailio -DD -E -f "$SIP_DIR/kamailio-ng.cfg" \
		-A "SIP_LISTEN=udp:$SIP_ADDR:$SIP_PORT" -A "NG_SOCKS=\"$1\"" \
		>>"$TMPD/kamailio.log" 2>&1 &
	KAM_PID=$!
	defer "kill $KAM_PID 2>/dev/null"
	busywait 15000 options_ok
}

# The nodes: namespace, ng address and port, relay address, relay ports
declare -A NODE_NS NODE_NG NODE_ADDR
NODE_NS[A]=$relay NODE_NG[A]=127.0.0.1:2223 NODE_ADDR[A]=$SIP_ADDR
NODE_NG[B]=10.0.3.2:2224 NODE_ADDR[B]=10.0.3.2

# node_start NAME PORT_MIN PORT_MAX: a krtpd media node in its namespace
# (pid in NAME_PID)
node_start() {
	local d=$TMPD/node-$1 ng=${NODE_NG[$1]}

	mkdir -p "$d/state"
	cat >"$d/krtpd.conf" <<EOF
listen = 127.0.0.1:$((5100 + ${ng##*:} - 2223))
ng_listen = $ng
domain = krtp.test
media = kernel
relay_address = ${NODE_ADDR[$1]}
port_min = $2
port_max = $3
state_dir = $d/state
control_socket = $d/krtpd.sock
log_level = debug
media_timeout = 0
EOF
	echo "--- start $(date +%T.%N)" >>"$d/krtpd.log"
	ip netns exec "${NODE_NS[$1]}" "$KRTPD" -c "$d/krtpd.conf" -f >>"$d/krtpd.log" 2>&1 &
	printf -v "$1_PID" %s $!
	defer "kill $! 2>/dev/null"
	busywait 10000 ng_ping "$1"
}

# ng_ping NODE: the node answers an ng ping (sent from Kamailio's namespace)
ng_ping() {
	ip netns exec "$relay" /usr/bin/python3 - "${NODE_NG[$1]}" <<'PY' >/dev/null 2>&1
import socket, sys
h, p = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
s.sendto(b"p1 d7:command4:pinge", (h, int(p)))
sys.exit(0 if s.recv(512) == b"p1 d6:result4:ponge" else 1)
PY
}

# node_flows NODE: krtp.ko flows in the node's namespace
node_flows() {
	ip netns exec "${NODE_NS[$1]}" "$KRTPCTL" flow list --json | jq length
}

# node_packets NODE: what krtp.ko forwarded in the node's namespace
node_packets() {
	ip netns exec "${NODE_NS[$1]}" "$KRTPCTL" stats --json | jq .packets
}

# node_ports NODE: UDP sockets bound in the node's namespace's relay ranges
node_ports() {
	ip netns exec "${NODE_NS[$1]}" ss -Hunl "sport >= :30000 and sport <= :30999" | wc -l
}

# both_flows: flows in the two namespaces together
both_flows() {
	echo $(($(node_flows A) + $(node_flows B)))
}

# call_as CALLID_PREFIX SCENARIO: alice calls bob (ALICE_PID) with that Call-ID
call_as() {
	ALICE_CALLID=$1@$CALLER4
	sipp_bg ALICE_PID "$alice" "$CALLER4" "$ALICE_RTP" "$2" -key caller alice -s bob \
		-cid_str "$1@%s"
}

# --- 1. one node ------------------------------------------------------------------
node_start A 30000 30499 || { ktap_test_fail "krtpd answers ng ping"; ktap_finished; exit; }
ktap_test_pass "krtpd media node answers ng ping"
kamailio_start "udp:127.0.0.1:2223" || { ktap_test_fail "Kamailio starts"; ktap_finished; exit; }
ktap_test_pass "Kamailio with rtpengine_sock = krtp starts"
sip_check "alice registers at Kamailio" register alice
sip_check "bob registers at Kamailio" register bob

fwd0=$(sysfs_read packets_forwarded)
bob0=$(rtp_received "$bob")
alice0=$(rtp_received "$alice")
bob_answers uas-answer.xml
call_as ngcall1 uac-call.xml
fwd_delta() { echo $(($(sysfs_read packets_forwarded) - fwd0)); }
wait_eq 60000 100 fwd_delta >/dev/null
check "the call's 4 flows are in krtp.ko" 4 "$(nflows)"
flows_snap
check "alice->bob flow: 50 packets" 50 "$(flow_by_peer "$CALLEE4:$BOB_RTP" stats.packets)"
check "bob->alice flow: 50 packets" 50 "$(flow_by_peer "$CALLER4:$ALICE_RTP" stats.packets)"
flows_unsnap
check "sysfs packets_forwarded +100" 100 "$(fwd_delta)"
check "bob received 50" 50 $(($(rtp_received "$bob") - bob0))
check "alice received 50" 50 $(($(rtp_received "$alice") - alice0))
alice_go
sip_check "alice: call through Kamailio, BYE answered" sipp_wait ALICE_PID uac-call.xml
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
wait_eq 10000 0 nflows >/dev/null
check "the BYE's delete removed every flow" 0 "$(nflows)"
check "node A logged the delete" 1 \
	"$(grep -c "ng: call ngcall1@$CALLER4 deleted" "$TMPD/node-A/krtpd.log")"

# --- 2. two nodes, one killed and restarted -----------------------------------------
# node B's namespace, reached through the relay namespace, which forwards
# the phones' media to it and its media to the phones
setup_ns nodeb || { ktap_test_fail "node B's namespace"; ktap_finished; exit; }
NODE_NS[B]=$nodeb
veth_pair "$relay" r3 10.0.3.1 fd00:3::1 "$nodeb" n0 10.0.3.2 fd00:3::2 ||
	{ ktap_test_fail "node B's namespace"; ktap_finished; exit; }
ip -n "$nodeb" route add default via 10.0.3.1
ip netns exec "$relay" sysctl -qw net.ipv4.ip_forward=1
node_start B 30500 30999 || { ktap_test_fail "node B answers ng ping"; ktap_finished; exit; }
kamailio_start "udp:${NODE_NG[A]} udp:${NODE_NG[B]}" ||
	{ ktap_test_fail "Kamailio restarts with two nodes"; ktap_finished; exit; }
ktap_test_pass "Kamailio with a set of two krtp nodes"
sip_check "alice registers again" register alice
sip_check "bob registers again" register bob
# carol, beside bob on port 5070 (RTP 7010), takes the long call, so bob's
# sipp on 5060 is free for the others
carol_sipp() {
	local scen=$1

	shift
	SIPP_N=$((SIPP_N + 1))
	ip netns exec "$bob" timeout -k 5 900 sipp -sf "$SIP_DIR/$scen" -i "$CALLEE4" -p 5070 \
		-mi "$CALLEE4" -mp 7010 -key domain "$SIP_DOMAIN" -key contact_port 5070 \
		-key expires 600 -s carol -m 1 -nostdin -timeout 800s -recv_timeout 600000 \
		-trace_err -error_file "$TMPD/sipp-$SIPP_N.err" \
		-trace_msg -message_file "$TMPD/sipp-$SIPP_N.msg" \
		"$SIP_ADDR:$SIP_PORT" >"$TMPD/sipp-$SIPP_N.out" 2>&1
}
sip_check "carol registers" carol_sipp reg-one.xml

# the module picks a node by the byte sum of the Call-ID: these two differ by one
# carol_sipp numbers its trace files itself, in the background
LONG_BOB_TRACE=$TMPD/sipp-$((SIPP_N + 1))
carol_sipp uas-long.xml &
LONG_BOB=$!
defer "kill $LONG_BOB 2>/dev/null"
sleep 0.3
# alice's second phone, on port 5062 (RTP 6010), places it
LONG_CALLID=ngcall4@$CALLER4
SIPP_N=$((SIPP_N + 1))
ip netns exec "$alice" timeout -k 5 900 sipp -sf "$SIP_DIR/uac-long.xml" -i "$CALLER4" -p 5062 \
	-mi "$CALLER4" -mp 6010 -key domain "$SIP_DOMAIN" -key contact_port 5062 \
	-key expires 600 -key caller alice -s carol -cid_str "ngcall4@%s" -m 1 -nostdin \
	-timeout 800s -recv_timeout 600000 -trace_err -error_file "$TMPD/sipp-$SIPP_N.err" \
	-trace_msg -message_file "$TMPD/sipp-$SIPP_N.msg" \
	"$SIP_ADDR:$SIP_PORT" >"$TMPD/sipp-$SIPP_N.out" 2>&1 &
LONG_PID=$!
LONG_PID_TRACE=$TMPD/sipp-$SIPP_N
defer "kill $LONG_PID 2>/dev/null"
wait_eq 60000 4 both_flows >/dev/null
long_a=$(node_flows A)
long_b=$(node_flows B)
check "call 2 is anchored on one node (4 flows in its namespace)" 4 $((long_a + long_b))
# both_packets: what the two namespaces' krtp.ko forwarded since call 3 began
both0=$(($(node_packets A) + $(node_packets B)))
both_packets() {
	echo $(($(node_packets A) + $(node_packets B) - both0))
}
bob_answers uas-answer.xml
call_as ngcall5 uac-call.xml
wait_eq 60000 8 both_flows >/dev/null
check "calls are spread: 4 flows in each node's namespace" "4 4" "$(node_flows A) $(node_flows B)"
# the flows exist from the ng answer on, before Kamailio relays the 200: the
# go waits for the media, which both phones play only once past the ACK (a
# go reaching alice before her 200 ends her call as unexpected)
check "call 3: 100 packets forwarded" 100 "$(wait_eq 60000 100 both_packets)"
alice_go
sip_check "call 3 completes" sipp_wait ALICE_PID uac-call.xml
sip_check "call 3: bob answered" sipp_wait BOB_PID uas-answer.xml

# kill the node of the long call: its media stays in the kernel
if [ "$long_a" = 4 ]; then
	victim=A other=B victim_lo=30000 victim_hi=30499
else
	victim=B other=A victim_lo=30500 victim_hi=30999
fi
vpid=${victim}_PID
kill -9 "${!vpid}"
wait "${!vpid}" 2>/dev/null
check "node $victim killed (-9); its 4 flows remain in its namespace's krtp.ko" 4 \
	"$(node_flows $victim)"
fwd0=$(sysfs_read packets_forwarded)
vpkts0=$(node_packets $victim)
opkts0=$(node_packets $other)
# long_go: the long call's two phones play their 250 packets
long_go() {
	ip netns exec "$alice" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
		--callid "$LONG_CALLID" "$CALLER4:5062" "$SIP_DIR/msg/go.sip" >/dev/null
	ip netns exec "$bob" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
		--callid "$LONG_CALLID" "$CALLEE4:5070" "$SIP_DIR/msg/go.sip" >/dev/null
	return 0
}
long_go
wait_eq 60000 500 fwd_delta >/dev/null
check "with its node dead, the call's 500 packets are forwarded by krtp.ko" 500 "$(fwd_delta)"
check "... all by the krtp.ko of node $victim's namespace" "500 0" \
	"$(($(node_packets $victim) - vpkts0)) $(($(node_packets $other) - opkts0))"

# a new call the hash would put on the dead node goes to the other
other0=$(node_packets $other)
other_packets() { echo $(($(node_packets $other) - other0)); }
bob_answers uas-answer.xml
call_as ngcall4b uac-call.xml
new_on_other() { [ "$(node_flows $other)" = 4 ]; }
check "a new call goes to the live node" yes "$(busywait 60000 new_on_other && echo yes)"
check "the new call: 100 packets forwarded on node $other" 100 \
	"$(wait_eq 60000 100 other_packets)"
alice_go
sip_check "the new call completes" sipp_wait ALICE_PID uac-call.xml
sip_check "the new call: bob answered" sipp_wait BOB_PID uas-answer.xml

# the dead node comes back and re-adopts its call; its BYE deletes it
node_start "$victim" "$victim_lo" "$victim_hi" ||
	ktap_test_fail "node $victim restarts"
check "node $victim re-adopted the call from the kernel" 1 \
	"$(grep -c 're-adopted the media of 1 calls' "$TMPD/node-$victim/krtpd.log")"
# the module re-enables a node it disabled after rtpengine_disable_tout (5 s)
sleep 6
ip netns exec "$alice" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
	--callid "$LONG_CALLID" "$CALLER4:5062" "$SIP_DIR/msg/go.sip" >/dev/null
# sipp_wait says why a sipp failed, and then gives the other 60 s, not the
# test's timeout
sip_check "the long call ends with BYE" sipp_wait LONG_PID uac-long.xml
sip_check "the long call: carol got the BYE" sipp_wait LONG_BOB uas-long.xml
# Kamailio 5.6's module forgets which node a call was on once that node
# failed, so the BYE's delete does not reach the restarted node: ask it
# directly, as the module would
ng_cmd() {
	ip netns exec "$relay" /usr/bin/python3 - "${NODE_NG[$1]}" "$2" <<'PY'
import socket, sys
h, p = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"c1 " + sys.argv[2].encode(), (h, int(p)))
print(s.recv(65535).decode("latin-1"))
PY
}
cid=$LONG_CALLID
q=$(ng_cmd "$victim" "d7:command5:query7:call-id${#cid}:${cid}e")
check "the restarted node answers query for the re-adopted call" yes \
	"$(echo "$q" | grep -q 'd6:result2:ok' && echo yes)"
check "its totals count the packets forwarded while it was dead" yes \
	"$(echo "$q" | grep -q '7:packetsi[0-9]\{3,\}e' && echo yes)"
d=$(ng_cmd "$victim" "d7:command6:delete7:call-id${#cid}:${cid}e")
check "delete on the restarted node succeeds" yes "$(echo "$d" | grep -q 'd6:result2:ok' && echo yes)"
wait_eq 15000 0 both_flows >/dev/null
check "its flows are gone from krtp.ko (both namespaces)" "0 0" "$(node_flows A) $(node_flows B)"
check "no relay port left on either node" "0 0" "$(node_ports A) $(node_ports B)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	grep -E "ERROR|WARN|rtpengine" "$TMPD/kamailio.log" | tail -n 20 | sed 's/^/#   kamailio: /'
	for n in A B; do
		tail -n 15 "$TMPD/node-$n/krtpd.log" 2>/dev/null | sed "s/^/#   node $n: /"
	done
fi
ktap_finished
