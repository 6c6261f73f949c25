#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The media-plane benchmark, guest side: runs inside one VM boot with QEMU
# instruction counting (tools/bench/run.sh starts it), so guest time is
# executed instructions and the figures do not depend on host load.
#
#   caller (bc-c)                 relay (bc-r)                     callee (bc-e)
#   c0 10.0.1.2/24 ---- veth ---- r0 10.0.1.1/24
#   gen: AF_PACKET frames         (extra flow addresses
#   src 10.0.1.2:6000               10.0.3.1-8 on r0)
#                                 r1 10.0.2.1/24 ---- veth ---- e0 10.0.2.2/24
#                                                               tc ingress: flower on
#                                                               the expected tuple -> drop
#                                                               (right), matchall -> drop
#                                                               (wrong)
#
# Each case builds the topology afresh, sends WARMUP packets (ARP-free: all
# neighbours are static; the first packet sets up conntrack, learns the
# source), then PACKETS packets paced at RATE packets/s in bursts of BURST,
# and reads the generator's busy time (elapsed minus idle). The relay's own
# cost per packet is a case's busy time per packet minus that of the
# generator-only case, whose packets tc drops at the relay's ingress.
#
# A case is "ok" only if every measured packet reached the callee with the
# expected rewritten addresses and ports and nothing else arrived.
set -u

repo=${KRTP_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$repo/build/bench
out=${KRTP_OUT:-/tmp}
PACKETS=${KRTP_BENCH_PACKETS:-10000}
WARMUP=${KRTP_BENCH_WARMUP:-500}
RATE=${KRTP_BENCH_RATE:-20000}
BURST=${KRTP_BENCH_BURST:-8}
FLOWS_MAX=${KRTP_BENCH_FLOWS_MAX:-100000}
# case m: the big table, and how many of its flows the packets are spread over
FLOWS_BIG=${KRTP_BENCH_FLOWS_BIG:-1000000}
# case m: the flows of one krtpd's calls that join the big table for its
# restart (two a call: 10,000 calls, the ports 10000-50001 of 10.0.4.1)
READOPT=${KRTP_BENCH_READOPT:-20000}
# c and m load krtp.ko, whose hooks would then be in every later case: keep
# them last (each unloads it at its end)
CASES=${KRTP_BENCH_CASES:-base a b d e k s c m}
# another krtp.ko than the one tools/vm/run.sh names (a build of a given commit)
KRTP_KO=${KRTP_BENCH_KO:-${KRTP_KO:-}}

MAC_C0=02:00:00:00:01:02
MAC_R0=02:00:00:00:01:01
MAC_R1=02:00:00:00:02:01
MAC_E0=02:00:00:00:02:02
NS_C=bc-c NS_R=bc-r NS_E=bc-e
# next RTP packet number of the current case
SEQ=0
# cost per packet of the generator-only case, in ns
BASE_NS=
# results: "name|label|busy_ns_per_pkt|right|wrong|status"
RESULTS=()
# flow installs: "count|elapsed_ns"
INSTALLS=()
NOTES=()
KRTP_LOADED=0

log() { echo "bench: $*" >&2; }
# the CPU flags the crypto drivers choose by (QEMU's TCG emulates some of them)
cpu_crypto_flags() {
	grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
		grep -xE 'aes|pclmulqdq|ssse3|avx|avx2|sha_ni|vaes|vpclmulqdq|avx512f' | tr '\n' ' '
}
# grp N: 100000 -> 100,000
grp() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
in_c() { ip netns exec "$NS_C" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }
in_e() { ip netns exec "$NS_E" "$@"; }
# A program started in the background runs as "ip netns exec "$NS_R" PROG &",
# not "in_r PROG &": that would make $! a subshell running the function,
# and kill $! would leave PROG running (in the deleted namespace, its
# sockets and rtpengine's kernel table still held, its timers still
# waking in later rows' timed windows). ip netns exec execs PROG, so $!
# is PROG itself.

topo_down() {
	local ns

	for ns in "$NS_C" "$NS_R" "$NS_E"; do
		ip netns del "$ns" 2>/dev/null
	done
	# netns teardown finishes in the background; let it, outside the measurements
	sleep 3
}

topo_up() {
	local ns i

	SEQ=0
	ip netns add "$NS_C" && ip netns add "$NS_R" && ip netns add "$NS_E" || return 1
	# no IPv6: router solicitations and MLD reports would arrive as "wrong" packets
	for ns in "$NS_C" "$NS_R" "$NS_E"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add c0 netns "$NS_C" address $MAC_C0 type veth peer r0 netns "$NS_R" address $MAC_R0 || return 1
	ip link add r1 netns "$NS_R" address $MAC_R1 type veth peer e0 netns "$NS_E" address $MAC_E0 || return 1
	in_c ip addr add 10.0.1.2/24 dev c0
	in_r ip addr add 10.0.1.1/24 dev r0
	in_r ip addr add 10.0.2.1/24 dev r1
	in_e ip addr add 10.0.2.2/24 dev e0
	# the relay's extra flows (tools/bench/flows.c) use these local addresses
	for i in $(seq 1 64); do
		in_r ip addr add 10.0.3.$i/32 dev r0
	done
	for ns in "$NS_C" "$NS_R" "$NS_E"; do
		ip -n "$ns" link set lo up
	done
	in_c ip link set c0 up
	in_r ip link set r0 up
	in_r ip link set r1 up
	in_e ip link set e0 up
	# static neighbours: no ARP anywhere in the measurement
	in_c ip neigh replace 10.0.1.1 lladdr $MAC_R0 dev c0 nud permanent
	in_r ip neigh replace 10.0.1.2 lladdr $MAC_C0 dev r0 nud permanent
	in_r ip neigh replace 10.0.2.2 lladdr $MAC_E0 dev r1 nud permanent
	in_e ip neigh replace 10.0.2.1 lladdr $MAC_R1 dev e0 nud permanent
	in_r sysctl -qw net.ipv4.ip_forward=0
}

# rx_filters DEV NS SRC SPORT DST DPORT: count the expected tuple and the rest
rx_filters() {
	local dev=$1 ns=$2

	ip netns exec "$ns" tc qdisc add dev "$dev" clsact || return 1
	ip netns exec "$ns" tc filter add dev "$dev" ingress protocol ip pref 10 flower \
		ip_proto udp src_ip "$3" src_port "$4" dst_ip "$5" dst_port "$6" action drop || return 1
	ip netns exec "$ns" tc filter add dev "$dev" ingress pref 20 matchall action drop || return 1
}

# rx_count DEV NS KIND: packets the filter of that kind (flower|matchall) matched
rx_count() {
	ip netns exec "$2" tc -s -j filter show dev "$1" ingress |
		jq "[.[] | select(.kind == \"$3\" and .options.actions != null) |
		     .options.actions[0].stats.packets] | add // 0"
}

# gen_run DST N FIRST: one paced run from the caller; prints the generator's line.
# FIRST numbers the first packet, so RTP sequence numbers and timestamps run on
# across the runs of one case as they would in one call.
gen_run() {
	in_c "$bin/gen" -i c0 --src-mac $MAC_C0 --dst-mac $MAC_R0 -s 10.0.1.2:6000 \
		-d "$1" -n "$2" --first "$3" -r "$RATE" -b "$BURST" "${GEN_EXTRA[@]}"
}
# more gen options for the cases that need them (case m: --table)
GEN_EXTRA=()
# case m's figures: "name|value" (install, memory, dump, flush, unload)
BIG=()

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" | head -n1; }

# measure NAME LABEL DST DEV NS: warm up, measure, record right/wrong at DEV in NS
measure() {
	local name=$1 label=$2 dst=$3 dev=$4 ns=$5 kind=flower
	local r0 w0 r1 w1 line cost right wrong status=ok

	case "$name" in base*) kind=matchall ;; esac
	gen_run "$dst" "$WARMUP" "$SEQ" >/dev/null || { record "$name" "$label" "" 0 0 "FAILED (generator)"; return 1; }
	SEQ=$((SEQ + WARMUP))
	r0=$(rx_count "$dev" "$ns" "$kind"); w0=0
	[ "$kind" = flower ] && w0=$(rx_count "$dev" "$ns" matchall)
	line=$(gen_run "$dst" "$PACKETS" "$SEQ") || { record "$name" "$label" "" 0 0 "FAILED (generator)"; return 1; }
	SEQ=$((SEQ + PACKETS))
	echo "$line" >"$out/gen-$name.txt"
	r1=$(rx_count "$dev" "$ns" "$kind"); w1=0
	[ "$kind" = flower ] && w1=$(rx_count "$dev" "$ns" matchall)
	right=$((r1 - r0))
	wrong=$((w1 - w0))
	cost=$(echo "$line" | kv busy_ns_per_pkt)
	if [ "$(echo "$line" | kv idle_accounting)" != yes ]; then
		status="FAILED (no idle accounting in /proc/timer_list)"
	elif [ "$right" != "$PACKETS" ] || [ "$wrong" != 0 ]; then
		status="FAILED"
	fi
	record "$name" "$label" "$cost" "$right" "$wrong" "$status"
	log "$name: $line right=$right wrong=$wrong $status"
}

record() { RESULTS+=("$1|$2|$3|$4|$5|$6"); }

case_base() {
	topo_up || return 1
	in_r tc qdisc add dev r0 clsact
	in_r tc filter add dev r0 ingress pref 20 matchall action drop
	measure base "generator only (tc drop at relay ingress)" 10.0.1.1:4000 r0 "$NS_R"
	topo_down
}

case_a() {
	topo_up || return 1
	in_r sysctl -qw net.ipv4.ip_forward=1
	rx_filters e0 "$NS_E" 10.0.1.2 6000 10.0.2.2 5000
	measure a "(a) kernel IP forwarding" 10.0.2.2:5000 e0 "$NS_E"
	topo_down
}

case_b() {
	topo_up || return 1
	in_r sysctl -qw net.ipv4.ip_forward=1
	in_r nft -f - <<-'EOF' || { record b "(b) nftables DNAT+SNAT" "" 0 0 "FAILED (nft)"; topo_down; return 1; }
	table ip krtpbench {
		chain pre {
			type nat hook prerouting priority dstnat;
			ip daddr 10.0.1.1 udp dport 4000 dnat to 10.0.2.2:5000
		}
		chain post {
			type nat hook postrouting priority srcnat;
			ip daddr 10.0.2.2 udp dport 5000 snat to 10.0.2.1:4000
		}
	}
	EOF
	rx_filters e0 "$NS_E" 10.0.2.1 4000 10.0.2.2 5000
	measure b "(b) nftables DNAT+SNAT" 10.0.1.1:4000 e0 "$NS_E"
	topo_down
}

case_d() {
	local pid

	topo_up || return 1
	rx_filters e0 "$NS_E" 10.0.2.1 4000 10.0.2.2 5000
	ip netns exec "$NS_R" "$bin/udp-relay" 10.0.1.1:4000 10.0.2.1:4000 10.0.2.2:5000 >"$out/udp-relay.txt" 2>&1 &
	pid=$!
	busywait 60 grep -q ready "$out/udp-relay.txt" || { record d "(d) userspace recvmmsg/sendmmsg relay" "" 0 0 "FAILED (relay did not start)"; kill "$pid"; topo_down; return 1; }
	measure d "(d) userspace recvmmsg/sendmmsg relay" 10.0.1.1:4000 e0 "$NS_E"
	kill "$pid"
	wait "$pid"
	log "udp-relay: $(tr '\n' ' ' <"$out/udp-relay.txt")"
	topo_down
}

# (e) krtpd's own userspace relay (daemon/media/, driven by krtpd-relay.c):
# one call, leg A the caller, leg B the callee, relay ports on 10.0.1.1
case_e() {
	local label="(e) krtpd userspace relay (fallback)" pid pa pb

	if [ ! -x "$bin/krtpd-relay" ]; then
		NOTES+=("(e) not run: build/bench/krtpd-relay was not built (krtpd's media code did not compile)")
		return 0
	fi
	topo_up || return 1
	ip netns exec "$NS_R" "$bin/krtpd-relay" 10.0.1.1 10.0.1.2:6000 10.0.2.2:5000 >"$out/krtpd-relay.txt" 2>&1 &
	pid=$!
	if ! busywait 60 grep -q ready "$out/krtpd-relay.txt"; then
		record e "$label" "" 0 0 "FAILED (relay did not start)"
		log "krtpd-relay: $(tr '\n' ' ' <"$out/krtpd-relay.txt")"
		kill "$pid"
		topo_down
		return 1
	fi
	pa=$(kv port_a <"$out/krtpd-relay.txt")
	pb=$(kv port_b <"$out/krtpd-relay.txt")
	rx_filters e0 "$NS_E" 10.0.1.1 "$pb" 10.0.2.2 5000
	measure e "$label" "10.0.1.1:$pa" e0 "$NS_E"
	kill "$pid"
	wait "$pid"
	log "krtpd-relay: $(tr '\n' ' ' <"$out/krtpd-relay.txt")"
	topo_down
}

# ng_call PORT: one call set up over the ng protocol by ng-client.py, as
# Kamailio's rtpengine module would (offer from the caller 10.0.1.2:6000,
# answer from the callee 10.0.2.2:5000); prints "addr_a=.. port_a=.. ..."
# A node's first call loads code over 9p: on a busy host that is slow,
# and guest time runs through its timer deadlines while the guest waits,
# hence the long timeouts and a request sent again (same cookie) if one
# still expires (ng-client.py --tries)
ng_call() {
	in_r /usr/bin/python3 "$repo/tools/bench/ng-client.py" --timeout 60 --tries 10 "$1" call benchcall \
		10.0.1.2:6000 10.0.2.2:5000
}

# ng_wait PORT: until the ng server answers ping
ng_wait() {
	busywait 900 in_r /usr/bin/python3 "$repo/tools/bench/ng-client.py" --timeout 10 "$1" ping \
		2>/dev/null
}

# (r) rtpengine-daemon (Debian's), userspace only (no kernel table), its
# relay address 10.0.1.1, the call set up through its ng port
case_r() {
	local label="(r) rtpengine userspace relay, ng call" pid line pa pb

	if ! command -v rtpengine >/dev/null; then
		NOTES+=("(r) not run: rtpengine (Debian's rtpengine-daemon) is not installed")
		return 0
	fi
	topo_up || return 1
	ip netns exec "$NS_R" rtpengine --config-file=none --foreground --log-stderr --table=-1 \
		--timeout=86400 --silent-timeout=86400 --offer-timeout=86400 \
		--interface=10.0.1.1 --listen-ng=127.0.0.1:2223 --port-min=30000 --port-max=30999 \
		--log-level=4 --delete-delay=0 --pidfile="$out/rtpengine.pid" >"$out/rtpengine.txt" 2>&1 &
	pid=$!
	if ! ng_wait 2223 || ! line=$(ng_call 2223); then
		record r "$label" "" 0 0 "FAILED (ng call)"
		log "rtpengine: $(tail -n 5 "$out/rtpengine.txt" | tr '\n' ' ')"
		kill "$pid"
		wait "$pid"
		topo_down
		return 1
	fi
	pa=$(kv port_a <<<"$line")
	pb=$(kv port_b <<<"$line")
	log "rtpengine call: $line"
	rx_filters e0 "$NS_E" 10.0.1.1 "$pb" 10.0.2.2 5000
	measure r "$label" "10.0.1.1:$pa" e0 "$NS_E"
	kill "$pid"
	wait "$pid"
	topo_down
}

# (n) krtpd as an ng media node (media = kernel): the call set up through
# its ng port, the flows in krtp.ko
case_n() {
	# its SQLite store on tmpfs: WAL needs shared memory, which 9p has not
	local label="(n) krtp.ko, flows installed via ng" d=/tmp/bench-ng-node pid line pa pb

	krtp_load || { record n "$label" "" 0 0 "FAILED (module not loaded)"; return 1; }
	topo_up || return 1
	mkdir -p "$d/state"
	cat >"$d/krtpd.conf" <<-EOF
	listen = 127.0.0.1:5100
	ng_listen = 127.0.0.1:2223
	domain = bench.test
	media = kernel
	relay_address = 10.0.1.1
	port_min = 30000
	port_max = 30999
	state_dir = $d/state
	control_socket = $d/krtpd.sock
	log_level = warning
	media_timeout = 0
	EOF
	ip netns exec "$NS_R" "$repo/daemon/krtpd" -c "$d/krtpd.conf" -f >"$out/krtpd-ng.txt" 2>&1 &
	pid=$!
	if ! ng_wait 2223 || ! line=$(ng_call 2223); then
		record n "$label" "" 0 0 "FAILED (ng call)"
		log "krtpd: $(tail -n 5 "$out/krtpd-ng.txt" | tr '\n' ' ')"
		kill "$pid"
		wait "$pid"
		topo_down
		return 1
	fi
	pa=$(kv port_a <<<"$line")
	pb=$(kv port_b <<<"$line")
	log "krtpd ng call: $line"
	rx_filters e0 "$NS_E" 10.0.1.1 "$pb" 10.0.2.2 5000
	measure n "$label" "10.0.1.1:$pa" e0 "$NS_E"
	in_r /usr/bin/python3 "$repo/tools/bench/ng-client.py" 2223 delete benchcall ||
		log "krtpd: the ng delete failed"
	kill "$pid"
	wait "$pid"
	# deleting the namespace deletes any flow left
	topo_down
	rmmod krtp && KRTP_LOADED=0
}

krtp_load() {
	[ "$KRTP_LOADED" = 1 ] && return 0
	if [ ! -r "${KRTP_KO:-}" ]; then
		NOTES+=("(c) not run: no krtp.ko at ${KRTP_KO:-(KRTP_KO unset)}")
		return 1
	fi
	# room for the 100,000 extra flows and the measured one, if the default is lower
	insmod "$KRTP_KO" max_flows=$((FLOWS_MAX + 1000)) 2>/dev/null || insmod "$KRTP_KO" || {
		NOTES+=("(c) not run: insmod $KRTP_KO failed")
		return 1
	}
	KRTP_LOADED=1
}

# install N FIRST: add N extra flows in one batch call, record the timing
install_flows() {
	local line

	line=$(in_r "$bin/flows" add "$1" "$2") || return 1
	INSTALLS+=("$1|$(echo "$line" | kv elapsed_ns)")
	log "installed: $line"
	# let the rhashtable's deferred resize run before anything is measured
	sleep 2
}

case_c() {
	local label="(c) krtp.ko" flows=$FLOWS_MAX

	krtp_load || { record c "$label" "" 0 0 "FAILED (module not loaded)"; return 1; }
	topo_up || return 1
	rx_filters e0 "$NS_E" 10.0.2.1 4000 10.0.2.2 5000
	if ! in_r "$bin/flows" one 10.0.1.1:4000 10.0.2.2:5000 10.0.2.1:4000 >/dev/null; then
		record c "$label" "" 0 0 "FAILED (flow add)"
		topo_down
		return 1
	fi
	measure c "$label, 1 flow" 10.0.1.1:4000 e0 "$NS_E"
	log "krtp flow after 1: $(in_r "$bin/flows" show 10.0.1.1:4000)"

	if install_flows 999 0; then
		measure c1k "$label, 1,000 flows" 10.0.1.1:4000 e0 "$NS_E"
	else
		record c1k "$label, 1,000 flows" "" 0 0 "FAILED (flow install)"
	fi

	# FLOWS_MAX flows into an empty table in one batch call (the install-rate
	# target), then the measured flow on top of them
	in_r "$bin/flows" flush
	sleep 2
	if install_flows "$flows" 0 &&
	   in_r "$bin/flows" one 10.0.1.1:4000 10.0.2.2:5000 10.0.2.1:4000 >/dev/null; then
		measure c100k "$label, $(grp "$flows") + 1 flows" 10.0.1.1:4000 e0 "$NS_E"
	else
		record c100k "$label, $(grp "$flows") + 1 flows" "" 0 0 "FAILED (flow install)"
	fi
	log "krtp flow after all: $(in_r "$bin/flows" show 10.0.1.1:4000) $(in_r "$bin/flows" count)"
	# two flows sharing a port (BUNDLE), among the same table: the head
	# carries 96-127, the packets' payload type (0) is the second flow's,
	# found after a test of the head's set
	if in_r "$bin/flows" one 10.0.1.1:4002 10.0.2.2:5002 10.0.2.1:4002 bundle 96-127 >/dev/null &&
	   in_r "$bin/flows" one 10.0.1.1:4002 10.0.2.2:5000 10.0.2.1:4000 bundle 0-95 >/dev/null; then
		measure cb "$label, the second of 2 on one port" 10.0.1.1:4002 e0 "$NS_E"
	else
		record cb "$label, the second of 2 on one port" "" 0 0 "FAILED (flow add)"
	fi
	# deleting the namespace deletes its flows
	topo_down
	rmmod krtp && KRTP_LOADED=0
}

# busy_ns CMD...: run CMD, print its busy guest time in ns (elapsed minus
# idle, as gen does): starting a program reads it over 9p, and the guest
# clock jumps ahead while it waits for the host. Both from /proc/uptime,
# one clock (10 ms steps): the tick-sched idle time against date's clock
# came out negative for rmmod, whose RCU waits are idle.
busy_ns() {
	local u0 i0 u1 i1

	read -r u0 i0 </proc/uptime
	"$@" >/dev/null
	read -r u1 i1 </proc/uptime
	awk -v u0="$u0" -v i0="$i0" -v u1="$u1" -v i1="$i1" \
		'BEGIN { printf "%.0f\n", ((u1 - u0) - (i1 - i0)) * 1e9 }'
}

memk() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# (m) FLOWS_BIG flows in the relay: their install, the kernel memory a flow
# takes (Slab + VmallocUsed + Percpu), then the cost of a packet when each
# goes to another flow, PACKETS flows spread evenly over the whole table
# (flow j * FLOWS_BIG / PACKETS), each warmed with one packet first; its own
# generator-only case, as gen does a little more per packet for the spread.
# Then a dump of the whole table, a krtpd restarted beside it
# (krtpd_readopt), the flush that deletes them all, and an unload with a
# full table.
case_m() {
	local label="(m) krtp.ko, $(grp "$FLOWS_BIG") flows, spread" k0 k1 line base_m cost

	if [ ! -r "${KRTP_KO:-}" ]; then
		NOTES+=("(m) not run: no krtp.ko at ${KRTP_KO:-(KRTP_KO unset)}")
		return 1
	fi
	GEN_EXTRA=(--table "$FLOWS_BIG" --spread "$PACKETS")
	# the generator's own cost in this mode, packets dropped at the relay
	topo_up || return 1
	in_r tc qdisc add dev r0 clsact
	in_r tc filter add dev r0 ingress pref 20 matchall action drop
	measure basem "generator only, spread (tc drop at relay ingress)" 10.0.3.1:10000 r0 "$NS_R"
	topo_down
	base_m=$(echo "${RESULTS[-1]}" | cut -d'|' -f3)

	insmod "$KRTP_KO" max_flows=$((FLOWS_BIG + READOPT + 1000)) || { record m "$label" "" 0 0 "FAILED (insmod)"; return 1; }
	topo_up || return 1
	# any tuple from the relay to the callee: each flow has its own ports
	in_e tc qdisc add dev e0 clsact
	in_e tc filter add dev e0 ingress protocol ip pref 10 flower ip_proto udp \
		src_ip 10.0.2.1 dst_ip 10.0.2.2 action drop
	in_e tc filter add dev e0 ingress pref 20 matchall action drop
	k0=$(($(memk Slab) + $(memk VmallocUsed) + $(memk Percpu)))
	line=$(in_r "$bin/flows" add "$FLOWS_BIG") || { record m "$label" "" 0 0 "FAILED (flow install)"; GEN_EXTRA=(); topo_down; rmmod krtp; return 1; }
	INSTALLS+=("$FLOWS_BIG|$(echo "$line" | kv elapsed_ns)")
	log "installed: $line"
	sleep 2
	k1=$(($(memk Slab) + $(memk VmallocUsed) + $(memk Percpu)))
	BIG+=("memory|$(((k1 - k0) * 1024 / FLOWS_BIG))")
	BIG+=("slab|$(awk '$1 == "krtp_flow" { print $4 }' /proc/slabinfo)")
	# one packet to each flow the measurement uses: routes cached, sources learned
	gen_run 10.0.3.1:10000 "$PACKETS" 0 >/dev/null
	SEQ=$PACKETS
	measure m "$label" 10.0.3.1:10000 e0 "$NS_E"
	# the relay's cost against this mode's own generator-only case
	cost=$(echo "${RESULTS[-1]}" | cut -d'|' -f3)
	if [ -n "$cost" ] && [ -n "$base_m" ]; then
		RESULTS[-1]=$(echo "${RESULTS[-1]}" | awk -F'|' -v OFS='|' -v c="$cost" -v b="$base_m" -v b0="$BASE_NS" \
			'{ $3 = sprintf("%.1f", c - b + b0); print }')
	fi
	GEN_EXTRA=()
	line=$(in_r "$bin/flows" dump)
	log "dump: $line"
	[ "$(echo "$line" | kv flows)" = "$FLOWS_BIG" ] && BIG+=("dump|$(echo "$line" | kv elapsed_ns)")
	krtpd_readopt
	line=$(in_r "$bin/flows" flush)
	log "flush: $line"
	BIG+=("flush|$(echo "$line" | kv elapsed_ns)")
	in_r "$bin/flows" add "$FLOWS_BIG" >/dev/null
	BIG+=("unload|$(busy_ns rmmod krtp)")
	topo_down
}

# krtpd restarted beside the big table: READOPT flows laid out as one
# krtpd's calls (flows add N 0 krtpd: 10.0.4.1, ports 10000 up, labelled
# "krtpd:<call>:0:ab|ba") join it, and a krtpd started in the relay
# namespace with that relay address dumps the flows labelled "krtpd:" only,
# re-adopts its READOPT/2 calls and binds their relay ports again (10.0.4.1
# is on lo). The row is krtpd's own count, from the start of its dump to
# the last port bound ("re-adopted N call(s), N flows, from krtp.ko in N
# ms"). Then kill -9, as a crash: the flows stay for the flush.
krtpd_readopt() {
	local krtpd=$repo/daemon/krtpd d pid line calls flows ms

	if [ ! -x "$krtpd" ]; then
		NOTES+=("(m) krtpd's re-adoption not timed: no daemon/krtpd (make userspace)")
		return 0
	fi
	line=$(in_r "$bin/flows" add "$READOPT" 0 krtpd) || { NOTES+=("(m) krtpd's flows: install failed"); return 0; }
	log "krtpd's flows: $line"
	in_r ip addr add 10.0.4.1/32 dev lo
	# its SQLite store on the guest's own /tmp: over 9p it fails to lock
	d=$(mktemp -d /tmp/bench-krtpd.XXXXXX) && mkdir -p "$d/state"
	printf '%s\n' "listen = 127.0.0.1:5060" "media = kernel" "relay_address = 10.0.4.1" \
		"port_min = 10000" "port_max = $((10000 + 2 * READOPT + 1))" "state_dir = $d/state" \
		"control_socket = $d/krtpd.sock" "media_timeout = 0" "log_level = info" >"$d/krtpd.conf"
	# a socket for each relay port it binds again: more than the init's 4,096
	(ulimit -Hn 1048576 && ulimit -n 1048576
	 exec ip netns exec "$NS_R" "$krtpd" -c "$d/krtpd.conf" -f) >"$d/krtpd.log" 2>&1 &
	pid=$!
	busywait 900 readopt_done "$d/krtpd.log" "$pid"
	line=$(sed -n 's/.*re-adopted \([0-9]*\) call(s), \([0-9]*\) flows, from krtp.ko in \([0-9]*\) ms.*/\1 \2 \3/p' "$d/krtpd.log")
	read -r calls flows ms <<<"$line"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ "${flows:-}" != "$READOPT" ]; then
		NOTES+=("(m) krtpd re-adopted ${flows:-no} flows, not $READOPT: $(tail -n 3 "$d/krtpd.log" | tr '\n' ' ')")
	else
		grep -q "could not be bound again" "$d/krtpd.log" &&
			NOTES+=("(m) krtpd: $(grep -o '[0-9]* relay port pair(s).*' "$d/krtpd.log")")
		BIG+=("readopt|$ms|$calls|$flows")
	fi
	rm -rf "$d"
}

# readopt_done LOG PID: krtpd logged its re-adoption, or is gone
readopt_done() { grep -q 're-adopted ' "$1" || ! kill -0 "$2" 2>/dev/null; }

# busywait SECONDS CMD...: until CMD succeeds, at most SECONDS of guest time.
# Starting a program reads it over 9p; on a busy host the guest idles through
# those reads and its clock jumps ahead, so allow far more than it needs.
busywait() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# the SRTP cases s and k, and their part of the report
. "$repo/tools/bench/srtp.sh"

# ---- report

# relay_ns NAME: the relay's cost per packet of a case in ns, if it passed
relay_ns() {
	local row name cost status

	for row in "${RESULTS[@]}"; do
		IFS='|' read -r name _ cost _ _ status <<<"$row"
		if [ "$name" = "$1" ] && [ "$status" = ok ] && [ -n "$cost" ]; then
			awk -v c="$cost" -v b="$BASE_NS" 'BEGIN { printf "%.1f", c - b }'
			return 0
		fi
	done
	return 1
}

# verdict VALUE OP LIMIT: "met" or "MISSED"
verdict() {
	awk -v v="$1" -v l="$3" -v op="$2" \
		'BEGIN { ok = op == "<=" ? v <= l : v < l; print ok ? "met" : "MISSED" }'
}

# quotient A B DECIMALS: A / B, empty when either is
quotient() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.*f", d, a / b }'
}

# target LABEL VALUE OP LIMIT [UNIT]: one row of the targets, VALUE against
# LIMIT; without VALUE "no figure", and the target is missed
target() {
	if [ -n "$2" ]; then
		printf '  %-52s %-22s %s\n' "$1" "$2${5:-}" "$(verdict "$2" "$3" "$4")"
	else
		printf '  %-52s %-22s %s\n' "$1" "no figure" "MISSED"
	fi
}

print_table() {
	local row name label cost right wrong status us ratio a c c1 r n ns

	a=$(relay_ns a)
	echo
	echo "krtp media-plane benchmark: $(uname -r), one vCPU, QEMU icount (1 instruction = 1 ns of guest time)"
	echo "${KRTP_BENCH_QEMU:-QEMU (version unknown)}, -cpu max; crypto features: $(cpu_crypto_flags)"
	echo "200-byte RTP packets; per case $WARMUP warm-up, then $PACKETS measured at $RATE pkt/s in bursts of $BURST"
	printf 'relay cost = busy guest time per packet minus the generator-only case (%s us/pkt)\n' \
		"$(awk -v b="$BASE_NS" 'BEGIN { printf "%.2f", b / 1000 }')"
	echo
	printf '%-40s %8s %7s %9s %6s  %s\n' case "us/pkt" "vs (a)" right wrong status
	for row in "${RESULTS[@]}"; do
		IFS='|' read -r name label cost right wrong status <<<"$row"
		case "$name" in base*) continue ;; esac
		us=-; ratio=-
		if [ -n "$cost" ]; then
			us=$(awk -v c="$cost" -v b="$BASE_NS" 'BEGIN { printf "%.2f", (c - b) / 1000 }')
			[ -n "$a" ] && ratio=$(awk -v c="$cost" -v b="$BASE_NS" -v a="$a" 'BEGIN { printf "%.2f", (c - b) / a }')
		fi
		[ "$status" = ok ] || { us="($us)"; ratio="($ratio)"; }
		printf '%-40s %8s %7s %9s %6s  %s\n' "$label" "$us" "$ratio" "$right" "$wrong" "$status"
	done

	# the flow installs and the targets of (c), when it ran
	if [[ " $CASES " == *" c "* ]]; then
		echo
		echo "flow installs through netlink (krtp_nl_flow_add_batch, guest time):"
		for row in "${INSTALLS[@]}"; do
			IFS='|' read -r n ns <<<"$row"
			printf '  %7s flows  %8.3f s  %10.0f flows/s\n' "$n" \
				"$(awk -v t="$ns" 'BEGIN { print t / 1e9 }')" "$(awk -v t="$ns" -v n="$n" 'BEGIN { print n * 1e9 / t }')"
		done
		[ ${#INSTALLS[@]} -gt 0 ] || echo "  none measured"

		echo
		echo "targets:"
		c1=$(relay_ns c)
		target "(c)/(a) <= 1.10" "$(quotient "$c1" "$a" 2)" "<=" 1.10
		for n in c1k c100k; do
			target "cost flat: (c) $n / (c) 1 flow <= 1.10" \
				"$(quotient "$(relay_ns $n)" "$c1" 3)" "<=" 1.10
		done
		ns=
		for row in "${INSTALLS[@]}"; do
			IFS='|' read -r n r <<<"$row"
			[ "$n" = "$FLOWS_MAX" ] && ns=$r
		done
		target "$(grp "$FLOWS_MAX") flows installed in < 1 s guest time" \
			"$(quotient "$ns" 1e9 3)" "<" 1 " s"
	fi
	# the ng cases (make bench-ng): the media cost of a call an ng client
	# set up, against plain forwarding and against rtpengine
	n=$(relay_ns n)
	if [[ " $CASES " == *" n "* ]]; then
		[[ " $CASES " == *" c "* ]] || { echo; echo "targets:"; }
		target "(n)/(a) <= 1.10" "$(quotient "$n" "$a" 2)" "<=" 1.10
		r=$(quotient "$(relay_ns r)" "$n" 2)
		[ -z "$r" ] || printf '  %-52s %s\n' "(r)/(n): rtpengine userspace over krtp.ko" "$r"
	fi
	# case m: the big table, its figures and its targets
	if [[ " $CASES " == *" m "* ]]; then
		echo
		echo "$(grp "$FLOWS_BIG") flows in one namespace (case m, guest time):"
		ns=
		for row in "${INSTALLS[@]}"; do
			IFS='|' read -r n r <<<"$row"
			[ "$n" = "$FLOWS_BIG" ] && ns=$r
		done
		[ -n "$ns" ] && printf '  %-44s %8.3f s  %8.0f flows/s\n' "install (batched FLOW_NEW)" \
			"$(awk -v t="$ns" 'BEGIN { print t / 1e9 }')" "$(awk -v t="$ns" -v n="$FLOWS_BIG" 'BEGIN { print n * 1e9 / t }')"
		for row in "${BIG[@]}"; do
			IFS='|' read -r n r <<<"$row"
			case "$n" in
			memory) printf '  %-44s %8s bytes\n' "kernel memory a flow (Slab+Vmalloc+Percpu)" "$r" ;;
			slab) printf '  %-44s %8s bytes\n' "struct krtp_flow (its slab cache)" "$r" ;;
			dump) printf '  %-44s %8.3f s\n' "dump of every flow" "$(awk -v t="$r" 'BEGIN { print t / 1e9 }')" ;;
			readopt)
				IFS='|' read -r n r c f <<<"$row"
				printf '  %-44s %8.3f s  (%s calls, %s flows)\n' "krtpd restart: re-adopts its calls" \
					"$(awk -v t="$r" 'BEGIN { print t / 1e3 }')" "$(grp "$c")" "$(grp "$f")" ;;
			flush) printf '  %-44s %8.3f s\n' "flush (delete all, krtpd's too)" "$(awk -v t="$r" 'BEGIN { print t / 1e9 }')" ;;
			unload) printf '  %-44s %8.3f s\n' "rmmod with all of them installed" "$(awk -v t="$r" 'BEGIN { print t / 1e9 }')" ;;
			esac
		done
		echo
		echo "targets (m):"
		target "(m)/(a) <= 1.00, packets spread over the table" \
			"$(quotient "$(relay_ns m)" "$a" 2)" "<=" 1.00
		if [ -n "$ns" ]; then
			r=$(awk -v t="$ns" -v n="$FLOWS_BIG" 'BEGIN { printf "%.0f", n * 1e9 / t }')
			printf '  %-52s %-22s %s\n' "install >= 500,000 flows/s (emulated: see README)" "$r/s" "$(verdict 500000 "<=" "$r")"
		fi
		for row in "${BIG[@]}"; do
			IFS='|' read -r n r <<<"$row"
			[ "$n" = flush ] || continue
			target "$(grp "$FLOWS_BIG") flows deleted in < 2 s" "$(quotient "$r" 1e9 3)" "<" 2 " s"
		done
	fi
	srtp_report
	[ ${#NOTES[@]} -eq 0 ] || { echo; echo "notes:"; printf '  %s\n' "${NOTES[@]}"; }
}

main() {
	local c row name cost status

	[ -x "$bin/gen" ] && [ -x "$bin/udp-relay" ] || { log "build/bench/ has no tools: run tools/bench/run.sh"; exit 1; }
	modprobe -a veth sch_ingress cls_flower cls_matchall act_gact 2>/dev/null
	topo_down >/dev/null 2>&1
	for c in $CASES; do
		if declare -F "case_$c" >/dev/null; then
			"case_$c"
		fi
		if [ "$c" = base ]; then
			IFS='|' read -r name _ cost _ _ status <<<"${RESULTS[0]}"
			[ "$status" = ok ] && BASE_NS=$cost
			[ -n "$BASE_NS" ] || { log "the generator-only case failed: no figures"; print_table; exit 1; }
		fi
	done
	print_table | tee "$out/bench.txt"
	for row in "${RESULTS[@]}"; do
		case "$row" in *"|FAILED"*) exit 1 ;; esac
	done
}

main "$@"
