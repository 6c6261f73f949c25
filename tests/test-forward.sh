#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv4 forwarding: the callee sees exactly the rewritten source (the flow's
# local endpoint, or its via endpoint) and exactly the packets sent; the
# per-flow, per-namespace and sysfs counters agree to the byte; labels
# round-trip; a strict flow drops what is not RTP.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   rtpsend from :6000       flows on 10.0.1.1:400x                 udprecv :500x
#
#   10.0.1.2:6000 -> 10.0.1.1:4000  ==>  10.0.1.1:4000 -> 10.0.2.2:5000   (no via)
#   10.0.1.2:6002 -> 10.0.1.1:4002  ==>  10.0.2.1:4002 -> 10.0.2.2:5002   (via)
#   10.0.1.2:6004 -> 10.0.1.1:4004  ==>  10.0.1.1:4004 -> 10.0.2.2:5004   (strict)
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

# 1: no via: the packet leaves from the local endpoint
out=$(kctl flow add "$RELAY4:4000" to "$CALLEE4:5000")
check "flow add prints the new id" "flow" "$(echo "$out" | awk '{print $1}')"
id1=$(echo "$out" | awk '{print $2}')
recv_start r1 "$callee" -l "$CALLEE4:5000" -n 10 -w 300 -t 60000
check_ok "send 10 packets" send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 10 -z 172 -S 0xdeadbeef -p 8
recv_wait r1
check "callee received 10 packets" 10 "$(recv_total r1)"
check "callee saw source 10.0.1.1:4000 only" "$RELAY4:4000 10" "$(recv_sources r1)"
check_stat "flow packets" "$RELAY4:4000" packets 10
check_stat "flow bytes (UDP payload)" "$RELAY4:4000" bytes 1720
check_stat "flow packets_total" "$RELAY4:4000" packets_total 10
check_stat "flow rtp_ssrc" "$RELAY4:4000" rtp_ssrc 3735928559
check_stat "flow rtp_pt" "$RELAY4:4000" rtp_pt 8
check_stat "flow rtcp_packets" "$RELAY4:4000" rtcp_packets 0
check_stat "flow drop_wrong_source" "$RELAY4:4000" drop_wrong_source 0
check_stat "flow rtp_lost" "$RELAY4:4000" rtp_lost 0
check "flow source learned" "$CALLER4:6000" "$(ffield "$RELAY4:4000" .source)"
check "flow src_mode" learn "$(ffield "$RELAY4:4000" .src_mode)"
check "flow src_locked" true "$(ffield "$RELAY4:4000" .src_locked)"
check "flow via absent" null "$(ffield "$RELAY4:4000" .via)"
check "flow peer" "$CALLEE4:5000" "$(ffield "$RELAY4:4000" .peer)"
check "flow show id" "$RELAY4:4000" "$(kctl flow show id "$id1" --json | jq -r .local)"

# 2: via: the packet leaves from the via endpoint; label round-trips
label='call-7f3a@example.org "a\b" ;tag=1'
id2=$(kctl --json flow add "$RELAY4:4002" to "$CALLEE4:5002" via "$RELAY4B:4002" label "$label" | jq -r .id)
check "flow add --json id is a number" yes "$([[ "$id2" =~ ^[0-9]+$ ]] && [ "$id2" != "$id1" ] && echo yes)"
recv_start r2 "$callee" -l "$CALLEE4:5002" -n 25 -w 300 -t 60000
check_ok "send 25 packets" send "$caller" -s "$CALLER4:6002" -d "$RELAY4:4002" -n 25 -z 200
recv_wait r2
check "callee received 25 packets" 25 "$(recv_total r2)"
check "callee saw source 10.0.2.1:4002 only" "$RELAY4B:4002 25" "$(recv_sources r2)"
check_stat "via flow packets" "$RELAY4:4002" packets 25
check_stat "via flow bytes" "$RELAY4:4002" bytes 5000
check "via in flow show" "$RELAY4B:4002" "$(ffield "$RELAY4:4002" .via)"
check "label round-trip" "$label" "$(ffield "$RELAY4:4002" .label)"
check "label in flow list" "$label" "$(kctl flow list --json | jq -r ".[] | select(.id == $id2) | .label")"

# 3: namespace totals and module-wide sysfs counters
check "flow list has 2 flows" 2 "$(kctl flow list --json | jq length)"
check_nstat "stats flows" flows 2
check_nstat "stats packets" packets 35
check_nstat "stats bytes" bytes 6720
check_sysfs "sysfs flows_active" flows_active 2
check_sysfs "sysfs packets_forwarded" packets_forwarded 35
check_sysfs "sysfs bytes_forwarded" bytes_forwarded 6720
check_sysfs "sysfs packets_dropped" packets_dropped 0
check "text flow list names the flow" 1 "$(kctl flow list | grep -c "$RELAY4:4002")"

# 4: strict: 5 non-RTP packets dropped and counted, 5 RTP packets forwarded
kctl flow add "$RELAY4:4004" to "$CALLEE4:5004" strict >/dev/null
check "strict flag shown" '["strict"]' "$(ffield "$RELAY4:4004" .flags | jq -c .)"
recv_start r3 "$callee" -l "$CALLEE4:5004" -n 5 -w 500 -t 60000
send "$caller" -s "$CALLER4:6004" -d "$RELAY4:4004" -n 5 -z 100 -r
send "$caller" -s "$CALLER4:6004" -d "$RELAY4:4004" -n 5 -z 100
recv_wait r3
check "strict: callee received the 5 RTP packets" 5 "$(recv_total r3)"
check_stat "strict: drop_not_rtp" "$RELAY4:4004" drop_not_rtp 5
check_stat "strict: packets" "$RELAY4:4004" packets 5
check_stat "strict: packets_total" "$RELAY4:4004" packets_total 10
check_sysfs "sysfs drop_not_rtp" drop_not_rtp 5
check_sysfs "sysfs packets_dropped" packets_dropped 5

check_unload
ktap_finished
