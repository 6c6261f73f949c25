#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Deleting a flow (by endpoint or by id) and flushing stop forwarding: the
# packets then reach the relay's own stack (a socket bound on the port, as
# krtpd keeps, or the UDP "no port" counter) and not the callee. Deletions
# are announced with their reason.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#                            udprecv 10.0.1.1:4000
#
#   10.0.1.1:4000 ==> 10.0.2.2:5000  (deleted by endpoint; a socket holds the port)
#   10.0.1.1:4002 ==> 10.0.2.2:5002  (deleted by id)
#   10.0.1.1:4004, :4006, [fd00:1::1]:4008 (flushed)
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
monitor_start mon || ktap_test_fail "krtpctl monitor receives events"

# delete by endpoint
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" label del-me >/dev/null
recv_start sock "$relay" -l "$RELAY4:4000" -n 4 -w 300 -t 120000
recv_start callee "$callee" -l "$CALLEE4:5000" -t 300000
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 5
check_stat "before del: 5 forwarded" "$RELAY4:4000" packets 5
check_ok "flow del by endpoint" kctl flow del "$RELAY4:4000"
check "flow gone from the list" 0 "$(kctl flow list --json | jq length)"
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 4
recv_wait sock
check "after del: the relay's socket got the 4 packets" "$CALLER4:6000 4" "$(recv_sources sock)"
recv_stop callee
check "after del: the callee got only the 5 from before" "$RELAY4:4000 5" "$(recv_sources callee)"
out=$(kctl flow show "$RELAY4:4000" 2>&1)
check "flow show of a deleted flow fails" 1 "$?"
check "... with an error message" yes "$(echo "$out" | grep -q '^Error: .*\.$' && echo yes)"
out=$(kctl flow del "$RELAY4:4000" 2>&1)
check "deleting it again fails" 1 "$?"

# delete by id
id=$(kctl --json flow add "$RELAY4:4002" to "$CALLEE4:5002" | jq -r .id)
check_ok "flow del id $id" kctl flow del id "$id"
check "flow show id after del fails" 1 "$(kctl flow show id "$id" >/dev/null 2>&1; echo $?)"

# flush
kctl flow add "$RELAY4:4004" to "$CALLEE4:5004" >/dev/null
kctl flow add "$RELAY4:4006" to "$CALLEE4:5006" >/dev/null
kctl flow add "[$RELAY6]:4008" to "[$CALLEE6]:5008" >/dev/null
check_sysfs "3 flows active" flows_active 3
recv_start c4 "$callee" -l "$CALLEE4:5004" -t 300000
send "$caller" -s "$CALLER4:6004" -d "$RELAY4:4004" -n 2
check_stat "before flush: 2 forwarded" "$RELAY4:4004" packets 2
check_ok "flush" kctl flush
check "flow list empty after flush" 0 "$(kctl flow list --json | jq length)"
check_nstat "stats flows after flush" flows 0
check_sysfs "sysfs flows_active after flush" flows_active 0
noports=$(udp_noports "$relay")
send "$caller" -s "$CALLER4:6004" -d "$RELAY4:4004" -n 3
check "after flush: 3 packets reach the relay's stack (no port)" $((noports + 3)) \
	"$(wait_eq 5000 $((noports + 3)) udp_noports "$relay")"
recv_stop c4
check "after flush: the callee got only the 2 from before" "$RELAY4:4004 2" "$(recv_sources c4)"

# the deletions were announced, with their reasons
_n_events() { monitor_events mon '.event == "deleted" and .reason == "flush"' | grep -c .; }
busywait 5000 test "$(_n_events)" -ge 3
check "event: deleted by user, with the label" "user del-me" \
	"$(monitor_events mon '.event == "deleted" and .local == "'"$RELAY4:4000"'"' | jq -r '"\(.reason) \(.label)"')"
check "event: deleted by id" "user" \
	"$(monitor_events mon '.event == "deleted" and .id == '"$id" | jq -r .reason)"
check "event: 3 deleted by flush" 3 "$(_n_events)"

check_unload
ktap_finished
