#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permissions: every krtp command needs CAP_NET_ADMIN over the flow's network
# namespace. A non-root caller without capabilities is refused with
# "Operation not permitted" and exit status 1, and changes nothing. Root of
# a user namespace owns the network namespace it creates, so it may manage
# the flows of that namespace (and only those).
#
#   relay (flow 10.0.1.1:4000 ==> 10.0.2.2:5000, no traffic needed)
#   nobody: setpriv --reuid=nobody --clear-groups --inh-caps=-all krtpctl ...
. "$(dirname "$0")/lib.sh"
require_tools
command -v setpriv >/dev/null || skip_all "setpriv missing"
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_ns relay
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" label keep >/dev/null

# nobody ARGS...: krtpctl in the relay namespace as nobody, no capabilities
nobody() {
	ip netns exec "$relay" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$KRTPCTL" "$@"
}

err=$(nobody flow add "$RELAY4:4002" to "$CALLEE4:5002" 2>&1 >/dev/null)
check "nobody: flow add exits 1" 1 "$?"
check "nobody: flow add refused" "Error: Operation not permitted." "$err"
err=$(nobody flow del "$RELAY4:4000" 2>&1 >/dev/null)
check "nobody: flow del exits 1" 1 "$?"
check "nobody: flow del refused" "Error: Operation not permitted." "$err"
err=$(nobody flush 2>&1 >/dev/null)
check "nobody: flush exits 1" 1 "$?"
check "nobody: flush refused" "Error: Operation not permitted." "$err"
err=$(nobody flow list --json 2>&1 >/dev/null)
check "nobody: flow list exits 1" 1 "$?"
check "nobody: flow list refused" "Error: Operation not permitted." "$err"
err=$(nobody stats 2>&1 >/dev/null)
check "nobody: stats exits 1" 1 "$?"
check "nothing changed: one flow" 1 "$(kctl flow list --json | jq length)"
check "nothing changed: its label" keep "$(ffield "$RELAY4:4000" .label)"

# root of a new user namespace, in a new network namespace it owns
if ip netns exec "$relay" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	unshare -Urn true 2>/dev/null; then
	out=$(ip netns exec "$relay" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		unshare -Urn sh -c "ip link set lo up; '$KRTPCTL' flow add 127.0.0.1:4000 to 127.0.0.1:5000 && '$KRTPCTL' flow list --json" 2>&1)
	check "user namespace root manages its own netns's flows" "127.0.0.1:4000" \
		"$(echo "$out" | grep '^\[' | jq -r '.[0].local' 2>/dev/null)"
	check "... which the relay namespace does not see" 1 "$(kctl flow list --json | jq length)"
else
	ktap_test_skip "user namespace root manages its own netns's flows" "unprivileged user namespaces disabled"
fi

check_unload
ktap_finished
