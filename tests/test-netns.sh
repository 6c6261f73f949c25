#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace isolation: flows are per network namespace. Two identical
# topologies; a flow in relay A never sees relay B's packets (they reach B's
# own stack), relay B lists no flows and counts nothing, and the same
# endpoint can be a flow in both namespaces at once.
#
#   callerA -- veth -- relayA -- veth -- calleeA      flow 10.0.1.1:4000 ==> 10.0.2.2:5000
#   callerB -- veth -- relayB -- veth -- calleeB      (no flow, then its own flow)
#   (same addresses in A and B)
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology A"; ktap_finished; exit; }
callerA=$caller relayA=$relay calleeA=$callee
setup_topology || { ktap_test_fail "topology B"; ktap_finished; exit; }
callerB=$caller relayB=$relay calleeB=$callee

relay=$relayA
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" label A >/dev/null
relay=$relayB
check "relay B: flow list empty" 0 "$(kctl flow list --json | jq length)"
check "relay B: stats flows 0" 0 "$(nstat flows)"

noports=$(udp_noports "$relayB")
recv_start b "$calleeB" -l "$CALLEE4:5000" -t 300000
send "$callerB" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 6
check "relay B: the 6 packets reach B's stack (no port)" $((noports + 6)) \
	"$(wait_eq 5000 $((noports + 6)) udp_noports "$relayB")"
recv_stop b
check "callee B got nothing" 0 "$(recv_total b)"
relay=$relayA
check "relay A: flow saw none of B's packets" 0 "$(fstat "$RELAY4:4000" packets_total)"

recv_start a "$calleeA" -l "$CALLEE4:5000" -n 3 -w 300 -t 60000
send "$callerA" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 3
recv_wait a
check "relay A forwards its own packets" "$RELAY4:4000 3" "$(recv_sources a)"
check_stat "relay A counts 3" "$RELAY4:4000" packets 3

relay=$relayB
check_ok "relay B: the same endpoint as a flow of its own" kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" label B
recv_start b2 "$calleeB" -l "$CALLEE4:5000" -n 2 -w 300 -t 60000
send "$callerB" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 2
recv_wait b2
check "relay B forwards with its flow" "$RELAY4:4000 2" "$(recv_sources b2)"
check_stat "relay B counts 2" "$RELAY4:4000" packets 2
check "relay B: its own label" B "$(ffield "$RELAY4:4000" .label)"
check "relay B: stats packets" 2 "$(nstat packets)"
relay=$relayA
check "relay A: still 3 packets" 3 "$(fstat "$RELAY4:4000" packets)"
check "relay A: stats packets" 3 "$(nstat packets)"
check_ok "relay A: flush" kctl flush
relay=$relayB
check "relay B: flush in A left B's flow" 1 "$(kctl flow list --json | jq length)"
check_sysfs "sysfs flows_active (all namespaces)" flows_active 1
check_sysfs "sysfs packets_forwarded (all namespaces)" packets_forwarded 5

# a namespace going away takes its flows with it
ip netns del "$relayB"
check_sysfs "flows of a deleted namespace are gone" flows_active 0

check_unload
ktap_finished
