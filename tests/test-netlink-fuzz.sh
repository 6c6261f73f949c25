#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile netlink: tests/tools/nlfuzz sends TEST_NLFUZZ_COUNT (default
# 20,000) requests of every krtp command, nine in ten of them mutated (bits
# flipped, attribute lengths and types set to edge values, messages cut
# short or grown, commands swapped), from three processes at once, while
# packets arrive on the ports its flows come and go on. Every request must
# be answered (an ack, an error or a dump's end), some must succeed and
# make flows, and afterwards the flow counter, the dump and sysfs agree, a
# flush leaves nothing, and the module unloads with its slab cache gone.
# Then the same from an unprivileged user in a user namespace of its own
# (GENL_UNS_ADMIN_PERM lets it program krtp.ko there, and only there): its
# flows go away with its namespace, and nothing changes in the relay's.
# run.sh checks the kernel log (warnings, oopses, a cache destroyed with
# objects left) afterwards. The seed comes from the clock and is printed;
# TEST_NLFUZZ_SEED runs the same requests again.
# timeout: 600
#
#   caller                    relay
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1
#   rtpsend to 10.0.1.1:20000-20007, 1 ms apart, while nlfuzz makes and
#   breaks flows on 10.0.1.1 / fd00:1::1 ports 20000-20063
. "$(dirname "$0")/lib.sh"
require_tools
NLFUZZ=$TESTS_DIR/tools/nlfuzz
[ -x "$NLFUZZ" ] || skip_all "tests/tools/nlfuzz not built (make -C tests)"
ktap_print_header

n=${TEST_NLFUZZ_COUNT:-20000}
secs=${TEST_NLFUZZ_SECONDS:-150}
seed=${TEST_NLFUZZ_SEED:-$(date +%s)}
kv() { sed -n "s/.*\<$1=\([0-9]*\).*/\1/p"; }
krtp_load_quiet || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ktap_print_msg "seed $seed (TEST_NLFUZZ_SEED=$seed repeats this run)"

pids=()
for p in $(seq 20000 20007); do
	ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:$((p - 14000))" -d "$RELAY4:$p" \
		-n 200000 -i 1000 >/dev/null 2>&1 &
	pids+=($!)
	defer "kill $! 2>/dev/null"
done

out=$(ip netns exec "$relay" "$NLFUZZ" -n "$n" -t "$secs" -s "$seed")
rc=$?
kill "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
ktap_print_msg "nlfuzz: $out"
req=$(echo "$out" | kv requests)
check "nlfuzz ran to its end" 0 "$rc"
check_range "requests sent (all $n, or what $secs s allowed)" $((n / 20)) "$n" "${req:-0}"
check "every request answered" "${req:-none}" "$(echo "$out" | kv answered)"
check "no request left without an answer" 0 "$(echo "$out" | kv unanswered)"
check_range "requests refused (the mutated ones, mostly)" $((req / 4)) "$req" "$(echo "$out" | kv refused)"
check_range "requests that succeeded" $((req / 50)) "$req" "$(echo "$out" | kv ok)"
check_range "flows made" $((req / 100)) "$req" "$(echo "$out" | kv flows_added)"
check_range "flows dumped" 1 100000000 "$(echo "$out" | kv dumped)"

# what is left agrees everywhere, and a flush removes it. Flows the fuzzer
# made with an idle timeout (up to 4 s) and IDLE_DELETE go on expiring
# after it stops (the idle work looks every second), and one that went
# between two of the reads below made them differ: let them go first
sleep 6
agree() {
	left=$(nstat flows)
	[ "$left" = "$(kctl flow list --json | jq length)" ] &&
		[ "$left" = "$(sysfs_read flows_active)" ]
}
busywait 10000 agree
left=$(nstat flows)
check "the dump shows the flows the counter shows ($left)" "$left" "$(kctl flow list --json | jq length)"
check_sysfs "sysfs flows_active: the same" flows_active "$left"
check_ok "the flows still forward: a new one takes packets" \
	kctl flow add "$RELAY4:21000" to "$CALLEE4:5000"
send "$caller" -s "$CALLER4:6100" -d "$RELAY4:21000" -n 10
check "10 packets on it" 10 "$(fstat "$RELAY4:21000" packets)"
check_ok "flush" kctl flush
check_nstat "no flows after the flush" flows 0
check_sysfs "sysfs flows_active after the flush" flows_active 0

# an unprivileged user, root only in a user namespace of its own, programs
# krtp.ko in its own network namespace; the relay's is untouched
kctl flow add "$RELAY4:21000" to "$CALLEE4:5000" >/dev/null
if setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn true 2>/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -Urn "$NLFUZZ" -n $((n / 3)) -t $((secs / 3)) -s $((seed + 1)) 2>&1 | tail -n 1)
	ktap_print_msg "nlfuzz as nobody in its own namespaces: $out"
	req=$(echo "$out" | kv requests)
	check_range "as nobody: requests sent" $((n / 60)) "$n" "${req:-0}"
	check "as nobody: every request answered" "${req:-none}" "$(echo "$out" | kv answered)"
	check_range "as nobody: flows made in its namespace" 1 "${req:-0}" "$(echo "$out" | kv flows_added)"
	check_sysfs "its namespace gone, its flows are gone: only the relay's one" flows_active 1
	check "the relay's flow is still there" 1 "$(nstat flows)"
else
	ktap_test_skip "as nobody: no unprivileged user namespaces here"
fi

own=$(grep -q '^krtp_flow ' /proc/slabinfo && echo yes)
check_ok "rmmod krtp" rmmod krtp
check "module gone" 0 "$(krtp_loaded && echo 1 || echo 0)"
check_slab_gone "$own"
ktap_finished
