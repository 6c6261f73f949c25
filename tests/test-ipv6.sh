#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 forwarding: exact rewritten source seen by the callee, exact
# counters, the learned source in [addr]:port form, and an IPv4 flow
# beside an IPv6 flow on the same port number staying apart.
#
#   caller                     relay                          callee
#   c0 fd00:1::2  ---veth---  r1 fd00:1::1   r2 fd00:2::1  ---veth---  e0 fd00:2::2
#
#   [fd00:1::2]:6000 -> [fd00:1::1]:4000 ==> [fd00:1::1]:4000 -> [fd00:2::2]:5000  (no via)
#   [fd00:1::2]:6002 -> [fd00:1::1]:4002 ==> [fd00:2::1]:4002 -> [fd00:2::2]:5002  (via)
#    10.0.1.2:6000   ->  10.0.1.1:4000   ==>  10.0.1.1:4000   ->  10.0.2.2:5100    (IPv4, same port)
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

L1="[$RELAY6]:4000"
L2="[$RELAY6]:4002"

check_ok "flow add IPv6" kctl flow add "$L1" to "[$CALLEE6]:5000"
check_ok "flow add IPv6 with via" kctl flow add "$L2" to "[$CALLEE6]:5002" via "[$RELAY6B]:4002"
check_ok "flow add IPv4 on the same port" kctl flow add "$RELAY4:4000" to "$CALLEE4:5100"

recv_start r1 "$callee" -l "[$CALLEE6]:5000" -n 12 -w 300 -t 60000
recv_start r2 "$callee" -l "[$CALLEE6]:5002" -n 7 -w 300 -t 60000
recv_start r4 "$callee" -l "$CALLEE4:5100" -n 3 -w 300 -t 60000
check_ok "send 12 packets over IPv6" send "$caller" -s "[$CALLER6]:6000" -d "$L1" -n 12 -z 172 -S 7 -p 0
check_ok "send 7 packets over IPv6 (via)" send "$caller" -s "[$CALLER6]:6002" -d "$L2" -n 7 -z 60 -p 9
check_ok "send 3 packets over IPv4" send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 3 -z 100
recv_wait r1
recv_wait r2
recv_wait r4
check "callee received 12 packets" 12 "$(recv_total r1)"
check "callee saw [fd00:1::1]:4000 only" "[$RELAY6]:4000 12" "$(recv_sources r1)"
check "callee received 7 packets (via)" 7 "$(recv_total r2)"
check "callee saw [fd00:2::1]:4002 only" "[$RELAY6B]:4002 7" "$(recv_sources r2)"
check "IPv4 flow on the same port kept apart" "$RELAY4:4000 3" "$(recv_sources r4)"

check_stat "flow packets" "$L1" packets 12
check_stat "flow bytes" "$L1" bytes 2064
check_stat "via flow packets" "$L2" packets 7
check_stat "via flow bytes" "$L2" bytes 420
check_stat "via flow rtp_pt" "$L2" rtp_pt 9
check_stat "IPv4 flow packets" "$RELAY4:4000" packets 3
check "local shown as [addr]:port" "$L1" "$(ffield "$L1" .local)"
check "learned IPv6 source" "[$CALLER6]:6000" "$(ffield "$L1" .source)"
check "via shown" "[$RELAY6B]:4002" "$(ffield "$L2" .via)"
check_nstat "stats packets" packets 22
check_nstat "stats bytes" bytes 2784
check_sysfs "sysfs packets_forwarded" packets_forwarded 22
check_sysfs "sysfs bytes_forwarded" bytes_forwarded 2784
check_sysfs "sysfs flows_active" flows_active 3

check_ok "flow del IPv6" kctl flow del "$L1"
check "flow list after del" 2 "$(kctl flow list --json | jq length)"

check_unload
ktap_finished
