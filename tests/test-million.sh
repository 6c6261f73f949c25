#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A big flow table in one namespace: N flows (TEST_MILLION_FLOWS, default
# 1,000,000: two to three minutes of an emulated guest, 420 MB of it) go in
# through batched FLOW_NEW requests; packets to flows spread over the whole
# table are counted exactly; a dump returns all N; K of them
# (TEST_MILLION_KRTPD, default 10,000) are krtpd's calls (two flows a call
# on its relay address 10.0.4.1, tools/bench/flows.c) and 100 more carry
# krtpd labels on other addresses (another krtpd's); a krtpd started in the
# namespace dumps only the flows labelled "krtpd:" and re-adopts exactly
# its K/2 calls, timed (in less time than a dump of the whole table takes),
# leaving the other krtpd's alone and deleting nothing,
# and is then killed (kill -9, as a crash); a flush removes them all; then N flows again and the
# module is unloaded while packets flow to 9 flows spread over the table,
# after which the flows' slab cache must be gone. Times are printed; under QEMU they
# are emulated, so only the flush has a (loose) bound. The kernel memory a
# flow takes (Slab + VmallocUsed + Percpu) is printed. run.sh checks the
# kernel log (soft lockups, RCU stalls, warnings) afterwards.
# timeout: 600
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   rtpsend to               flows 10.0.3.(1 + i % 64):(10000 + 2 * (i / 64))
#   10.0.3.x:port            ==> 10.0.2.2:(20000 + 2 * (i % 20000)) (tools/bench/flows.c)
#                            krtpd's: 10.0.4.1:(10000 + 4k), 10.0.4.1:(10002 + 4k)
. "$(dirname "$0")/lib.sh"
require_tools
FLOWS=$TESTS_DIR/tools/flows
[ -x "$FLOWS" ] || skip_all "tests/tools/flows not built (make -C tests)"
ktap_print_header

n=${TEST_MILLION_FLOWS:-1000000}
nk=${TEST_MILLION_KRTPD:-10000}
[ "$nk" -gt "$n" ] && nk=$n
nk=$((nk / 2 * 2))
# another krtpd's flows: krtpd labels, keys on 10.0.3.x
nf=100
[ $((nk + nf)) -gt "$n" ] && nf=0
# the first flow of the 10.0.3.x layout that is nobody's call
n0=$((nk + nf))
# the flows the traffic goes to: 20 of them, spread over the whole table
picks=20
per=5

rflows() { ip netns exec "$relay" "$FLOWS" "$@"; }
kv() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p"; }
memk() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
kmem_kb() { echo $(($(memk Slab) + $(memk VmallocUsed) + $(memk Percpu))); }
ms() { echo $(($1 / 1000000)); }
# flow I's local endpoint, as tools/bench/flows.c lays the flows out
flow_key() { echo "10.0.3.$((1 + $1 % 64)):$((10000 + 2 * ($1 / 64)))"; }

# a flow takes about 420 bytes of kernel memory: ask for 600 a flow, and
# 200 MB for the rest of the guest
need_mb=$((n * 600 / 1048576 + 200))
[ $(($(memk MemTotal) / 1024)) -ge "$need_mb" ] ||
	skip_all "$n flows need a guest with about $need_mb MiB (tools/vm/run.sh --mem)"
# no dyndbg: a million "flow N created" lines would take longer than the flows
krtp_load_quiet max_flows=$((n + 100)) || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ktap_print_msg "$n flows; guest $(nproc) CPUs, $(($(memk MemTotal) / 1024)) MiB"

k0=$(kmem_kb)
out=$(rflows add "$((n - n0))" "$n0")
added=$(($(echo "$out" | kv added) + $(rflows add "$nk" 0 krtpd | kv added)))
[ "$nf" -gt 0 ] && added=$((added + $(rflows add "$nf" "$nk" krtpd-other | kv added)))
check "batched install of $n flows" "$n" "$added"
ktap_print_msg "install: $(ms "$(echo "$out" | kv elapsed_ns)") ms, $(echo "$out" | kv flows_per_s) flows/s (emulated; the last $((n - n0)))"
check_nstat "stats: $n flows" flows "$n"
check_sysfs "sysfs flows_active" flows_active "$n"
# the table's deferred resize has run by the time the count is right
k1=$(kmem_kb)
ktap_print_msg "kernel memory: $(((k1 - k0) * 1024 / n)) bytes a flow (Slab + VmallocUsed + Percpu)"
line=$(grep '^krtp_flow ' /proc/slabinfo)
[ -n "$line" ] && ktap_print_msg "slab: $(echo "$line" | awk '{ print $2 " objects of " $4 " bytes, " $5 " per " $6 " pages" }')"

# packets: $per to each of $picks flows spread over the table, counted exactly
pick() { echo $((n0 + $1 * ((n - n0) / picks) + $1)); }
sent=0
for k in $(seq 0 $((picks - 1))); do
	i=$(pick "$k")
	send "$caller" -s "$CALLER4:6000" -d "$(flow_key "$i")" -n "$per"
	sent=$((sent + per))
done
check_nstat "stats: $sent packets forwarded over $picks flows" packets "$sent"
check "flow $((n - 1)), the last, exists and is idle" 0 \
	"$(kctl flow show "$(flow_key $((n - 1)))" --json | jq -r .stats.packets)"
check "flow $(pick $((picks - 1))) forwarded $per" "$per" \
	"$(fstat "$(flow_key "$(pick $((picks - 1)))")" packets)"

# a dump of the whole table, what krtpd's re-adoption read before it
# asked for its own labels only
out=$(rflows dump)
check "dump: all $n flows" "$n" "$(echo "$out" | kv flows)"
check "dump: the flows' packets add up to $sent" "$sent" "$(echo "$out" | kv packets)"
dump_ms=$(ms "$(echo "$out" | kv elapsed_ns)")
ktap_print_msg "dump of all $n flows: $dump_ms ms (emulated)"

# a krtpd started on the full table dumps the $((nk + nf)) flows labelled
# "krtpd:" and re-adopts its $((nk / 2)) calls; relay_address 10.0.4.1 is
# not on an interface, so it cannot bind their ports again (counted)
KRTPD=$REPO/daemon/krtpd
klog=$TMPD/krtpd.log
mkdir -p "$TMPD/state"
printf '%s\n' "listen = $RELAY4:5060" "media = kernel" "relay_address = 10.0.4.1" \
	"port_min = 10000" "port_max = $((10000 + 2 * nk + 1))" "state_dir = $TMPD/state" \
	"control_socket = $TMPD/krtpd.sock" "media_timeout = 0" "log_level = info" \
	>"$TMPD/krtpd.conf"
adopted() {
	sed -n 's/.*re-adopted \([0-9]*\) call(s), \([0-9]*\) flows, from krtp.ko in \([0-9]*\) ms.*/\1 \2 \3/p' "$klog"
}
t0=${EPOCHREALTIME/./}
ip netns exec "$relay" "$KRTPD" -c "$TMPD/krtpd.conf" -f >"$klog" 2>&1 &
kpid=$!
defer "kill -9 $kpid 2>/dev/null"
adopted_or_dead() { [ -n "$(adopted)" ] || ! kill -0 "$kpid" 2>/dev/null; }
busywait $((60000 + n / 4 + nk * 2)) adopted_or_dead
t1=${EPOCHREALTIME/./}
read -r calls kflows restore_ms <<<"$(adopted)"
check "krtpd re-adopts $((nk / 2)) calls" "$((nk / 2))" "${calls:-none}"
check "krtpd re-adopts their $nk flows" "$nk" "${kflows:-none}"
ktap_print_msg "krtpd re-adoption ($nk of $n flows adopted): ${restore_ms:-?} ms (its own count), $(((t1 - t0) / 1000)) ms from exec (emulated)"
# it reads its own flows only: less time than a dump of the whole table
# (where the labels are half the table, the two are close: no check)
if [ "$((nk * 4))" -le "$n" ]; then
	check_range "krtpd re-adoption takes less than the whole table's dump ($dump_ms ms)" \
		0 "$dump_ms" "${restore_ms:-999999999}"
fi
check "krtpd leaves the other krtpd's $nf flows alone" "$nf" \
	"$(sed -n "s/.*left \([0-9]*\) flow(s) with krtpd labels alone.*/\1/p" "$klog" | grep . || echo 0)"
check "krtpd deleted no flow" "$n" "$(nstat flows)"
kill -9 "$kpid"
wait "$kpid" 2>/dev/null
grep -o '[0-9]* relay port pair(s).*' "$klog" | while read -r l; do ktap_print_msg "krtpd: $l"; done
[ -z "$calls" ] && tail -n 20 "$klog" | sed 's/^/#   krtpd: /'
check "after kill -9 of krtpd: still $n flows" "$n" "$(nstat flows)"

out=$(rflows flush)
flush_ms=$(ms "$(echo "$out" | kv elapsed_ns)")
ktap_print_msg "flush: $flush_ms ms (emulated)"
# loose: the target is 2 s on hardware; an emulated guest on a busy host is slower
check_range "flush of $n flows within 60 s of emulated time" 0 60000 "$flush_ms"
check_nstat "stats: no flows after the flush" flows 0
check_sysfs "sysfs flows_active after the flush" flows_active 0
check "nothing left to dump" 0 "$(rflows dump | kv flows)"

# unload with a full table while packets arrive on 9 flows spread over it
out=$(rflows add "$n")
check "install again: $n flows" "$n" "$(echo "$out" | kv added)"
pids=()
for i in 0 $(seq $((n / 7)) $((n / 7)) $((n - 2))) $((n - 1)); do
	ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:6002" -d "$(flow_key "$i")" -n 100000 -i 500 \
		-D 30 >/dev/null 2>&1 &
	pids+=($!)
	defer "kill $! 2>/dev/null"
done
busywait 20000 test "$(nstat packets)" -gt "$((sent + 20))"
check_range "traffic is forwarded before the unload" $((sent + 20)) 100000000 "$(nstat packets)"
t0=${EPOCHREALTIME/./}
check_ok "rmmod with $n flows under traffic" rmmod krtp
t1=${EPOCHREALTIME/./}
ktap_print_msg "rmmod: $(((t1 - t0) / 1000)) ms (emulated)"
check "module gone" 0 "$(krtp_loaded && echo 1 || echo 0)"
check_slab_gone "$([ -n "$line" ] && echo yes)"
kill "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
ktap_finished
