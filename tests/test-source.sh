#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Source validation (RTP Bleed), one flow per mode. Packets from a wrong
# source are dropped, counted in drop_wrong_source (flow, namespace and
# sysfs) and never reach the callee; "source-learned" and "wrong-source"
# events appear on krtpctl monitor --json.
#
#   caller                     relay                       callee
#   c0 10.0.1.2, 10.0.1.3  --veth--  r1 10.0.1.1  r2 10.0.2.1  --veth--  e0 10.0.2.2
#
#   learn  10.0.1.1:4000 ==> 10.0.2.2:5000   first packet (10.0.1.2:6000) locks
#   addr   10.0.1.1:4002 ==> 10.0.2.2:5002   from 10.0.1.2, port learned (6002)
#   exact  10.0.1.1:4004 ==> 10.0.2.2:5004   from 10.0.1.2:6004
#
# Each callee receiver expects the good packets plus one last good packet
# sent after the drops were counted: a wrong packet that got through would
# arrive before it and show up as an extra packet.
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ALT4=10.0.1.3
ip -n "$caller" addr add "$ALT4/24" dev c0
monitor_start mon || ktap_test_fail "krtpctl monitor receives events"

# learn
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" >/dev/null
check "learn: src_mode" learn "$(ffield "$RELAY4:4000" .src_mode)"
check "learn: not locked before the first packet" false "$(ffield "$RELAY4:4000" .src_locked)"
check "learn: no source before the first packet" null "$(ffield "$RELAY4:4000" .source)"
recv_start learn "$callee" -l "$CALLEE4:5000" -n 6 -w 500 -t 60000
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 5
check_stat "learn: 5 forwarded" "$RELAY4:4000" packets 5
check "learn: source locked" true "$(ffield "$RELAY4:4000" .src_locked)"
check "learn: learned source" "$CALLER4:6000" "$(ffield "$RELAY4:4000" .source)"
send "$caller" -s "$CALLER4:6099" -d "$RELAY4:4000" -n 3
send "$caller" -s "$ALT4:6000" -d "$RELAY4:4000" -n 2
check_stat "learn: wrong port and wrong address dropped" "$RELAY4:4000" drop_wrong_source 5
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 1
recv_wait learn
check "learn: callee got only the 6 good packets" "$RELAY4:4000 6" "$(recv_sources learn)"
check_stat "learn: packets_total" "$RELAY4:4000" packets_total 11

# address only
kctl flow add "$RELAY4:4002" to "$CALLEE4:5002" from "$CALLER4" >/dev/null
check "addr: src_mode" addr "$(ffield "$RELAY4:4002" .src_mode)"
check "addr: source before learning is the address" "$CALLER4" "$(ffield "$RELAY4:4002" .source)"
check "addr: not locked yet" false "$(ffield "$RELAY4:4002" .src_locked)"
recv_start addr "$callee" -l "$CALLEE4:5002" -n 5 -w 500 -t 60000
send "$caller" -s "$ALT4:6002" -d "$RELAY4:4002" -n 3
check_stat "addr: wrong address dropped before the port is learned" "$RELAY4:4002" drop_wrong_source 3
send "$caller" -s "$CALLER4:6002" -d "$RELAY4:4002" -n 4
check_stat "addr: 4 forwarded" "$RELAY4:4002" packets 4
check "addr: port learned" "$CALLER4:6002" "$(ffield "$RELAY4:4002" .source)"
check "addr: locked" true "$(ffield "$RELAY4:4002" .src_locked)"
send "$caller" -s "$CALLER4:6003" -d "$RELAY4:4002" -n 2
check_stat "addr: other port dropped once locked" "$RELAY4:4002" drop_wrong_source 5
send "$caller" -s "$CALLER4:6002" -d "$RELAY4:4002" -n 1
recv_wait addr
check "addr: callee got only the 5 good packets" "$RELAY4:4002 5" "$(recv_sources addr)"

# exact
kctl flow add "$RELAY4:4004" to "$CALLEE4:5004" from "$CALLER4:6004" >/dev/null
check "exact: src_mode" exact "$(ffield "$RELAY4:4004" .src_mode)"
check "exact: source" "$CALLER4:6004" "$(ffield "$RELAY4:4004" .source)"
recv_start exact "$callee" -l "$CALLEE4:5004" -n 7 -w 500 -t 60000
send "$caller" -s "$CALLER4:6005" -d "$RELAY4:4004" -n 3
send "$caller" -s "$ALT4:6004" -d "$RELAY4:4004" -n 2
check_stat "exact: wrong port and wrong address dropped" "$RELAY4:4004" drop_wrong_source 5
send "$caller" -s "$CALLER4:6004" -d "$RELAY4:4004" -n 7
recv_wait exact
check "exact: callee got only the 7 good packets" "$RELAY4:4004 7" "$(recv_sources exact)"
check_stat "exact: packets" "$RELAY4:4004" packets 7

check_nstat "stats drop_wrong_source" drop_wrong_source 15
check_sysfs "sysfs drop_wrong_source" drop_wrong_source 15
check_sysfs "sysfs packets_dropped" packets_dropped 15
check_sysfs "sysfs packets_forwarded" packets_forwarded 18

# events
_has_event() { [ -n "$(monitor_events mon "$1")" ]; }
busywait 5000 _has_event '.event == "source-learned" and .local == "'"$RELAY4:4002"'"'
check "event: source-learned (learn)" "$CALLER4:6000" \
	"$(monitor_events mon '.event == "source-learned" and .local == "'"$RELAY4:4000"'"' | jq -r .source | paste -sd' ')"
check "event: source-learned (addr)" "$CALLER4:6002" \
	"$(monitor_events mon '.event == "source-learned" and .local == "'"$RELAY4:4002"'"' | jq -r .source | paste -sd' ')"
check "event: no source-learned (exact)" "" \
	"$(monitor_events mon '.event == "source-learned" and .local == "'"$RELAY4:4004"'"')"
check "event: wrong-source (learn) names the offender" "$CALLER4:6099" \
	"$(monitor_events mon '.event == "wrong-source" and .local == "'"$RELAY4:4000"'"' | head -n 1 | jq -r .source)"
check "event: wrong-source (exact) names the offender" "$CALLER4:6005" \
	"$(monitor_events mon '.event == "wrong-source" and .local == "'"$RELAY4:4004"'"' | head -n 1 | jq -r .source)"
check "event: source-learned carries the flow id" "$(ffield "$RELAY4:4000" .id)" \
	"$(monitor_events mon '.event == "source-learned" and .local == "'"$RELAY4:4000"'"' | jq -r .id)"

check_unload
ktap_finished
