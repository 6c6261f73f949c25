#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Idle flows: a flow with "idle 1" and no packets for a second is announced
# ("idle" on krtpctl monitor --json) and kept; with idle-delete it is
# deleted (reason "idle"); without an idle timeout nothing happens. A flow
# that carries packets again and goes quiet again is announced again.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#
#   10.0.1.1:4000 idle 1              ==> 10.0.2.2:5000
#   10.0.1.1:4002 idle 1 idle-delete  ==> 10.0.2.2:5002
#   10.0.1.1:4004 (no idle timeout)   ==> 10.0.2.2:5004
#   10.0.1.1:4006 idle 3600 idle-delete (settings only)
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
monitor_start mon || ktap_test_fail "krtpctl monitor receives events"

id0=$(kctl --json flow add "$RELAY4:4000" to "$CALLEE4:5000" idle 1 label idle-a | jq -r .id)
id2=$(kctl --json flow add "$RELAY4:4002" to "$CALLEE4:5002" idle 1 idle-delete label idle-b | jq -r .id)
kctl flow add "$RELAY4:4004" to "$CALLEE4:5004" >/dev/null
# (a flow with idle 1 may already be idle, or gone, by the time it is read
# on a slow guest: read the settings from one with a long timeout)
kctl flow add "$RELAY4:4006" to "$CALLEE4:5006" idle 3600 idle-delete >/dev/null
check "idle_timeout shown" "1 3600" \
	"$(kctl flow list --json | jq -r '[.[] | select(.id == '"$id0"' or .local == "'"$RELAY4:4006"'") | .idle_timeout] | sort | join(" ")')"
check "idle_delete shown" "false true" \
	"$(ffield "$RELAY4:4000" .idle_delete) $(ffield "$RELAY4:4006" .idle_delete)"
for p in 4000 4002 4004; do
	send "$caller" -s "$CALLER4:6${p#4}" -d "$RELAY4:$p" -n 3
done
check_stat "traffic counted" "$RELAY4:4004" packets 3

_events() { monitor_events mon "$1" | grep -c .; }
busywait 15000 test "$(_events '.event == "idle" and .id == '"$id0")" -ge 1
check "idle event for the idle flow" "$id0 $RELAY4:4000 idle-a" \
	"$(monitor_events mon '.event == "idle" and .id == '"$id0" | head -n 1 | jq -r '"\(.id) \(.local) \(.label)"')"
check "the idle flow is kept" 1 "$(kctl flow list --json | jq "[.[] | select(.id == $id0)] | length")"
check_range "its idle_msecs" 1000 600000 "$(fstat "$RELAY4:4000" idle_msecs)"

busywait 15000 test "$(_events '.event == "deleted" and .id == '"$id2")" -ge 1
check "idle-delete: deleted with reason idle" "idle idle-b" \
	"$(monitor_events mon '.event == "deleted" and .id == '"$id2" | jq -r '"\(.reason) \(.label)"')"
check "idle-delete: flow gone" 0 "$(kctl flow list --json | jq "[.[] | select(.id == $id2)] | length")"
check "no idle event for a flow without timeout" 0 \
	"$(_events '.event == "idle" and .local == "'"$RELAY4:4004"'"')"

# active again, then quiet again: one more event, and only one while it
# stays quiet (the flow may also have been announced idle before the
# first packets, on a slow guest: count from here)
n=$(_events '.event == "idle" and .id == '"$id0")
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 1
check_stat "active again" "$RELAY4:4000" packets 4
busywait 15000 test "$(_events '.event == "idle" and .id == '"$id0")" -gt "$n"
busywait 3000 test "$(_events '.event == "idle" and .id == '"$id0")" -gt $((n + 1))
check "idle again: exactly one more event" $((n + 1)) "$(_events '.event == "idle" and .id == '"$id0")"
check "still no idle event for the flow without timeout" 0 \
	"$(_events '.event == "idle" and .local == "'"$RELAY4:4004"'"')"

check_unload
ktap_finished
