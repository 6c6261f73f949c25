#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many flows: 2000 flows through add-batch (few sendmsg calls) are all
# listed with their labels, counted in stats and sysfs, each forwards to its
# own peer, and flush removes them all with a "deleted" event for each.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   flows 10.0.1.1:20000+i ==> 10.0.2.2:30000+i, label call-i
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
n=2000
for i in $(seq 0 $((n - 1))); do
	echo "$RELAY4:$((20000 + i)) to $CALLEE4:$((30000 + i)) label call-$i"
done >"$TMPD/batch"
t0=$(date +%s%3N)
out=$(kctl flow add-batch - <"$TMPD/batch")
t1=$(date +%s%3N)
check "add-batch of $n" "$n flows added" "$out"
ktap_print_msg "add-batch of $n flows took $((t1 - t0)) ms (emulated)"
check "flow list: $n flows" "$n" "$(kctl flow list --json | jq length)"
check "flow list: labels and peers intact" "$n" \
	"$(kctl flow list --json | jq '[.[] | select(.label == "call-\(.local | split(":")[1] | tonumber - 20000)" and
		(.peer | split(":")[1] | tonumber) == (.local | split(":")[1] | tonumber) + 10000)] | length')"
check_nstat "stats flows" flows "$n"
check_sysfs "sysfs flows_active" flows_active "$n"
ids=$(kctl flow list --json | jq '[.[].id] | unique | length')
check "ids are unique" "$n" "$ids"

for i in 0 777 1999; do
	recv_start "r$i" "$callee" -l "$CALLEE4:$((30000 + i))" -n 2 -w 200 -t 60000
	send "$caller" -s "$CALLER4:6000" -d "$RELAY4:$((20000 + i))" -n 2
	recv_wait "r$i"
	check "flow $i forwards to its own peer" "$RELAY4:$((20000 + i)) 2" "$(recv_sources "r$i")"
done
check_nstat "stats packets" packets 6

monitor_start mon || ktap_test_fail "krtpctl monitor receives events"
check_ok "flush" kctl flush
check_sysfs "sysfs flows_active after flush" flows_active 0
_flushed() { monitor_events mon '.event == "deleted" and .reason == "flush"' | wc -l; }
busywait 30000 test "$(_flushed)" -ge "$n"
check "flush: a deleted event (reason flush) for each of the $n flows" "$n" "$(_flushed)"
check_sysfs "sysfs events_dropped" events_dropped 0
check_unload
ktap_finished
