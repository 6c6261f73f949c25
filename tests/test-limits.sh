#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# max_flows: with insmod max_flows=4 the fifth flow is refused with the
# kernel's message, the table is unchanged, and a slot freed by a delete can
# be used again. Batched adds stop at the limit too.
#
#   relay (no traffic needed)
#   flows 10.0.1.1:4000 .. :4006 ==> 10.0.2.2:5000
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load max_flows=4 || skip_all "insmod failed"
setup_ns relay
ip -n "$relay" addr add "$RELAY4/24" dev lo

check "sysfs max_flows" 4 "$(sysfs_read max_flows 2>/dev/null)"
for p in 4000 4002 4004 4006; do
	check_ok "flow $p of 4" kctl flow add "$RELAY4:$p" to "$CALLEE4:5000"
done
err=$(kctl flow add "$RELAY4:4008" to "$CALLEE4:5000" 2>&1 >/dev/null)
rc=$?
check "fifth flow refused with exit 1" 1 "$rc"
# the extack text, with the "krtp: " that NL_SET_ERR_MSG_MOD puts before it
check "fifth flow: the kernel's message" "Error: krtp: flow limit of 4 reached." "$err"
check "still 4 flows" 4 "$(kctl flow list --json | jq length)"
check_sysfs "sysfs flows_active" flows_active 4
check_ok "delete one" kctl flow del "$RELAY4:4000"
check_ok "the freed slot can be used" kctl flow add "$RELAY4:4008" to "$CALLEE4:5000"
kctl flush
printf '%s\n' "$RELAY4:4100 to $CALLEE4:5000" "$RELAY4:4102 to $CALLEE4:5000" \
	"$RELAY4:4104 to $CALLEE4:5000" "$RELAY4:4106 to $CALLEE4:5000" \
	"$RELAY4:4108 to $CALLEE4:5000" "$RELAY4:4110 to $CALLEE4:5000" >"$TMPD/batch"
err=$(kctl flow add-batch "$TMPD/batch" 2>&1 >/dev/null)
check "batch of 6: refused with exit 1" 1 "$?"
check "batch of 6: the limit's message" yes "$(echo "$err" | grep -q 'flow limit of 4 reached' && echo yes)"
check "batch of 6: 4 flows installed" 4 "$(kctl flow list --json | jq length)"

# the same endpoint twice is refused too, with a message
kctl flush
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" >/dev/null
err=$(kctl flow add "$RELAY4:4000" to "$CALLEE4:5002" 2>&1 >/dev/null)
check "duplicate endpoint refused with exit 1" 1 "$?"
check "duplicate endpoint: an error message" yes "$(echo "$err" | grep -q '^Error: ..*\.$' && echo yes)"
check "duplicate endpoint: first flow kept" "$CALLEE4:5000" "$(ffield "$RELAY4:4000" .peer)"

check_unload
ktap_finished
