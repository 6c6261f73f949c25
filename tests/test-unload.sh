#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module lifetime: load/unload loops with flows installed (IPv4 and IPv6,
# single and batched adds, in two namespaces, one of them deleted while
# the module is loaded), each unload leaving every "flow N created" matched
# by its "flow N destroyed"; and unloading while traffic flows through the
# relay, after which the packets reach the relay's own stack. run.sh checks
# the kernel log for warnings, oopses and leaks afterwards.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   rtpsend, 200 us apart    flows 10.0.1.1:4000-4039      udprecv :5000
#                            and [fd00:1::1]:4000-4009
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
rounds=${TEST_UNLOAD_ROUNDS:-5}

: >"$TMPD/batch"
for i in $(seq 0 39); do
	echo "$RELAY4:$((4000 + i)) to $CALLEE4:$((5000 + i))" >>"$TMPD/batch"
done
for i in $(seq 0 9); do
	echo "[$RELAY6]:$((4000 + i)) to [$CALLEE6]:$((5000 + i)) label v6-$i" >>"$TMPD/batch"
done

for r in $(seq 1 "$rounds"); do
	krtp_load || { ktap_test_fail "round $r: insmod"; continue; }
	setup_ns other
	out=$(kctl flow add-batch "$TMPD/batch")
	check "round $r: add-batch" "50 flows added" "$out"
	ip netns exec "$other" "$KRTPCTL" flow add 127.0.0.1:4000 to 127.0.0.1:5000 >/dev/null
	ip netns exec "$other" "$KRTPCTL" flow add 127.0.0.1:4002 to 127.0.0.1:5002 >/dev/null
	send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 20
	send "$caller" -s "[$CALLER6]:6000" -d "[$RELAY6]:4001" -n 20
	check_sysfs "round $r: 52 flows active" flows_active 52
	check_sysfs "round $r: 40 packets forwarded" packets_forwarded 40
	# a namespace with flows going away while the module stays
	ip netns del "$other"
	check_sysfs "round $r: the deleted namespace's flows are gone" flows_active 50
	check_unload
done

# unload under traffic: 5 s of packets every 200 us on 4 flows
krtp_load || { ktap_test_fail "insmod"; ktap_finished; exit; }
kctl flow add-batch "$TMPD/batch" >/dev/null
recv_start t "$callee" -l "$CALLEE4:5000" -t 300000
pids=()
for p in 4000 4001; do
	ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:$((p + 2000))" -d "$RELAY4:$p" -n 25000 -i 200 -D 5 >/dev/null 2>&1 &
	pids+=($!)
	ip netns exec "$caller" "$RTPSEND" -s "[$CALLER6]:$((p + 2000))" -d "[$RELAY6]:$p" -n 25000 -i 200 -D 5 >/dev/null 2>&1 &
	pids+=($!)
done
busywait 10000 test "$(sysfs_read packets_forwarded 2>/dev/null || echo 0)" -ge 500
check_range "traffic is forwarded before the unload" 500 1000000 "$(sysfs_read packets_forwarded)"
check_unload
wait "${pids[@]}"
# the senders may have stopped by the time rmmod returned on a slow guest:
# send a known number after the unload
after=$(udp_noports "$relay")
send "$caller" -s "$CALLER4:6100" -d "$RELAY4:4000" -n 10
check "after the unload, 10 packets reach the relay's stack (no port)" $((after + 10)) \
	"$(wait_eq 10000 $((after + 10)) udp_noports "$relay")"
recv_stop t
ktap_print_msg "callee received $(recv_total t) packets before the unload"
check_range "callee received traffic" 1 1000000 "$(recv_total t)"

# load again into the same namespaces: all clean
krtp_load || ktap_test_fail "insmod after unload under traffic"
check_nstat "fresh load: no flows" flows 0
check_ok "fresh load: flows can be added" kctl flow add "$RELAY4:4000" to "$CALLEE4:5000"
check_unload
ktap_finished
