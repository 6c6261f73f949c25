#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-ng: Kamailio anchoring media through its rtpengine module, with
# Debian's rtpengine-daemon as the media node against krtpd over the ng
# protocol; same Kamailio script (tests/sip/kamailio-ng.cfg:
# rtpengine_manage() on INVITE, its answer and BYE), same sipp load, same run.
#
#   tools/bench/ng.sh [--quick] [--step-secs N] [--no-vm] [-k KVER]
#
# Three parts, each a ratio of figures measured in the same run:
#
# 1. calls/s, on the host, UDP on loopback. Two Kamailios, one per media
#    node, both with children=2:
#      127.0.0.1:5071 Kamailio -> rtpengine ng 127.0.0.1:2225 (userspace:
#                     --table=-1, delete-delay 0 so ports are freed at once)
#      127.0.0.1:5072 Kamailio -> krtpd ng 127.0.0.1:2226 (media = user:
#                     the host cannot load krtp.ko)
#      127.0.0.1:5073 the same Kamailio script without its rtpengine module
#                     (-A NO_MEDIA): the proxy's own ceiling, for context
#    sipp callers (tests/sip/uac-ng-bench.xml: INVITE with an SDP offer,
#    ACK, BYE, no RTP) and callees (uas-ng-bench.xml: 200 with an SDP
#    answer, registered as bob at each Kamailio). Each Kamailio's module
#    sends offer, answer and delete per call. The offered rate steps up,
#    the two taking turns at each step, until more than 1% of a step's
#    calls fail or less than 90% of the offered rate is achieved (as
#    tools/bench/sip.sh does); a setup's result is its best passing step.
#    With it, the media node's CPU time per call over the whole ramp
#    (/proc/PID/stat, all its threads): what each node costs per call,
#    whatever limits the proxy.
# 2. ng round trip time, on the host: tools/bench/ng-client.py sets up 1,000
#    calls (offer and answer) on each node, then times the offer, answer
#    and delete of 1,000 more, one request at a time (1,000 calls up).
# 3. media cost per packet, in the VM under QEMU instruction counting
#    (tools/bench/run.sh with KRTP_BENCH_CASES="base a r n"): a call set up
#    through the ng port of rtpengine-daemon (userspace relay) and of krtpd
#    (media = kernel: the flows in krtp.ko), against plain IP forwarding.
#
# Prints the figures and the ratios against the issue's targets:
# Kamailio+krtpd calls/s >= 2x Kamailio+rtpengine; krtp.ko via ng per
# packet <= 1.10x plain IP forwarding. Output also in build/bench/ng-last-run.txt.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tools/bench/lib.sh"
sipdir=$repo/tests/sip
krtpd=$repo/daemon/krtpd
ngc=$repo/tools/bench/ng-client.py

step_secs=5
# fine steps: on a shared 2-core host the setups end a few steps apart
rates=(100 200 300 400 500 600 700 800 900 1000 1200 1400 1700 2000 2500 3000 4000 6000 8000)
case_budget=150
vm=1
kver=$(basename /lib/modules/6.1.*-amd64 2>/dev/null)

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) step_secs=3; rates=(200 500 1000 2000 4000); shift ;;
	--step-secs) step_secs=${2:?}; shift 2 ;;
	--no-vm) vm=0; shift ;;
	-k) kver=${2:?}; shift 2 ;;
	*) sed -n '/^#   tools/s/^#   //p' "$0" >&2; exit 2 ;;
	esac
done

bench_need bench-ng sipp kamailio rtpengine python3
[ -x "$krtpd" ] || make -s -C "$repo" userspace >/dev/null 2>&1
[ -x "$krtpd" ] || { echo "bench-ng: daemon/krtpd does not build" >&2; exit 1; }

work=$(mktemp -d /tmp/krtp-bench-ng.XXXXXX)
mkdir -p "$repo/build/bench"
outfile=$repo/build/bench/ng-last-run.txt
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

declare -A sip ng callee mport res npid ncalls
sip=([rtpengine]=5071 [krtpd]=5072 [none]=5073)
ng=([rtpengine]=2225 [krtpd]=2226 [none]=0)
callee=([rtpengine]=5093 [krtpd]=5094 [none]=5095)
# sipp's own media ports (it binds them though it sends no RTP): callee's
# and caller's, away from both nodes' relay ranges
mport=([rtpengine]=62000 [krtpd]=62010 [none]=62020)

start_rtpengine() {
	rtpengine --config-file=none --foreground --log-stderr --table=-1 \
		--interface=127.0.0.1 --listen-ng=127.0.0.1:"${ng[rtpengine]}" \
		--port-min=40000 --port-max=59999 --log-level=4 --delete-delay=0 \
		--pidfile="$work/rtpengine.pid" >"$work/rtpengine.log" 2>&1 &
	pids+=($!)
	npid[rtpengine]=$!
	wait_for "$ngc" "${ng[rtpengine]}" ping
}

start_krtpd() {
	mkdir -p "$work/krtpd"
	cat >"$work/krtpd/krtpd.conf" <<EOF
# bench-ng: an ng media node only (its own SIP port is not used)
listen = 127.0.0.1:5101
ng_listen = 127.0.0.1:${ng[krtpd]}
domain = 127.0.0.1
media = user
relay_address = 127.0.0.1
port_min = 20000
port_max = 39999
state_dir = $work/krtpd
control_socket = $work/krtpd/krtpd.sock
log_level = warning
media_timeout = 0
EOF
	"$krtpd" -c "$work/krtpd/krtpd.conf" -f >"$work/krtpd.log" 2>&1 &
	pids+=($!)
	npid[krtpd]=$!
	wait_for "$ngc" "${ng[krtpd]}" ping
}

# start_kamailio NODE: Kamailio on sip[NODE] with that node as its rtpengine
# set (none: without the module)
start_kamailio() {
	local d=$work/kam-$1 media=(-A "NG_SOCKS=\"udp:127.0.0.1:${ng[$1]}\"")

	mkdir -p "$d"
	[ "$1" = none ] && media=(-A NO_MEDIA)
	kamailio -f "$sipdir/kamailio-ng.cfg" -A "SIP_LISTEN=udp:127.0.0.1:${sip[$1]}" \
		"${media[@]}" -DD -E -m 256 -M 16 -Y "$d" -P "$d/pid" \
		>"$work/kamailio-$1.log" 2>&1 &
	pids+=($!)
	wait_for options_ok "${sip[$1]}"
}

# callee NODE: bob registered at that Kamailio, answering with SDP
start_callee() {
	register_bob "${sip[$1]}" "${callee[$1]}" || return 1
	sipp -sf "$sipdir/uas-ng-bench.xml" -i 127.0.0.1 -p "${callee[$1]}" -mp "${mport[$1]}" \
		-s bob -nostdin -max_recv_loops 100000 -max_sched_loops 100000 \
		>"$work/uas-$1.out" 2>&1 &
	pids+=($!)
	sleep 0.3
}

# step NODE RATE: one step of calls; prints "ok failed achieved/s"
step() {
	local name=$1-$2 port=${sip[$1]} count=$(($2 * step_secs)) ok failed secs

	rm -f "$work/$name".*
	timeout $((step_secs + 60)) sipp -sf "$sipdir/uac-ng-bench.xml" -i 127.0.0.1 -p 0 \
		-mp $((${mport[$1]} + 100)) -key domain "127.0.0.1:$port" -s bob -d 0 \
		-r "$2" -m "$count" -l $(($2 * 4 + 100)) \
		-recv_timeout 5000 -max_recv_loops 100000 -max_sched_loops 100000 \
		-nostdin -trace_stat -stf "$work/$name.csv" -fd 1 "127.0.0.1:$port" \
		>"$work/$name.out" 2>&1
	[ -s "$work/$name.csv" ] || { echo "0 $count 0"; return; }
	read -r ok failed _ secs < <(sipp_totals "$work/$name.csv")
	[ $((count - ok)) -gt "$failed" ] && failed=$((count - ok))
	echo "$ok $failed $(awk -v o="$ok" -v s="$secs" 'BEGIN { print (s > 0.1 ? int(o / s) : 0) }')"
}

# ramp NODE...: step the rate up, the nodes taking turns; res[NODE,calls]
# is "best top_reached" (top_reached 1: the highest step passed)
ramp() {
	local node rate ok failed ach try pass start=$SECONDS
	local -A best done

	for node in "$@"; do best[$node]=0; done
	for rate in "${rates[@]}"; do
		for node in "$@"; do
			[ -z "${done[$node]:-}" ] || continue
			if [ $((SECONDS - start + step_secs + 5)) -gt $((case_budget * $#)) ]; then
				log "  $node: time budget reached"
				done[$node]=budget
				continue
			fi
			# a failed step runs once more: a load spike must hit twice
			for try in 1 2; do
				read -r ok failed ach < <(step "$node" "$rate")
				ncalls[$node]=$((${ncalls[$node]:-0} + ok + failed))
				log "$(printf '  Kamailio+%-9s offered %5d/s: %7d ok %6d failed %6d/s achieved' \
					"$node" "$rate" "$ok" "$failed" "$ach")"
				pass=0
				step_passed "$ok" "$failed" "$ach" "$rate" && { pass=1; break; }
			done
			if [ "$pass" = 0 ]; then
				done[$node]=failed
				continue
			fi
			[ "$ach" -gt "${best[$node]}" ] && best[$node]=$ach
		done
	done
	for node in "$@"; do
		res[$node,calls]="${best[$node]} $([ -z "${done[$node]:-}" ] && echo 1 || echo 0)"
	done
}

# --- 1. and 2., on the host ----------------------------------------------------------

log "bench-ng: sipp $(sipp -v 2>&1 | awk '/SIPp v/ { print $2 }'), $(kamailio -v | head -1 | cut -d' ' -f1-3), $(rtpengine --version 2>&1 | head -1), ${step_secs}s per step"
start_rtpengine || { log "bench-ng: rtpengine did not start: $(tail -n 3 "$work/rtpengine.log")"; exit 1; }
start_krtpd || { log "bench-ng: krtpd did not start: $(tail -n 3 "$work/krtpd.log")"; exit 1; }
for n in rtpengine krtpd none; do
	start_kamailio $n || { log "bench-ng: Kamailio for $n did not start: $(grep -m1 ERROR "$work/kamailio-$n.log")"; exit 1; }
	start_callee $n || { log "bench-ng: registering the callee at Kamailio for $n failed"; exit 1; }
done
# cpu_ticks PID: user + system time of a process, all threads, in clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0
}
t0_r=$(cpu_ticks "${npid[rtpengine]}")
t0_k=$(cpu_ticks "${npid[krtpd]}")
ramp rtpengine krtpd none
hz=$(getconf CLK_TCK)
for n in rtpengine krtpd; do
	t0=$t0_r
	[ $n = krtpd ] && t0=$t0_k
	# microseconds of CPU per call set up and torn down
	res[$n,cpu]=$(awk -v t="$(($(cpu_ticks "${npid[$n]}") - t0))" -v hz="$hz" -v c="${ncalls[$n]:-0}" \
		'BEGIN { if (c > 0) printf "%.1f", t * 1e6 / hz / c }')
done
sleep 2
for n in rtpengine krtpd; do
	"$ngc" "${ng[$n]}" rtt --calls 1000 --measured 1000 >"$work/rtt-$n.txt" ||
		log "bench-ng: the ng round trips of $n failed"
done

# --- 3., in the VM ---------------------------------------------------------------------

if [ "$vm" = 1 ]; then
	log "bench-ng: media cost per packet in the VM ($kver, instruction counting)"
	KRTP_BENCH_CASES="base a r n" "$repo/tools/bench/run.sh" -k "$kver" >"$work/vm.txt" 2>&1 ||
		log "bench-ng: a VM case failed (build/bench/last-run.txt)"
fi

# --- the report --------------------------------------------------------------------------

# rtt NODE CMD FIELD
rtt() {
	awk -v c="$2" -v f="$3" '$1 == c { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' \
		"$work/rtt-$1.txt" 2>/dev/null
}
verdict() {
	[ "$1" = - ] && { echo "no figure"; return; }
	awk -v v="$1" -v l="$3" -v op="$2" \
		'BEGIN { ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "MISSED" }'
}
cell() {
	set -- ${res[$1,calls]:-0 0}
	[ "$2" = 1 ] && echo ">=$1" || echo "$1"
}
# vm_ratio LABEL_PREFIX: the "vs (a)" column of that case, if ok
vm_ratio() {
	awk -v p="$1" 'index($0, p) == 1 && $NF == "ok" { print $(NF - 3) }' "$work/vm.txt" 2>/dev/null
}
vm_us() {
	awk -v p="$1" 'index($0, p) == 1 && $NF == "ok" { print $(NF - 4) }' "$work/vm.txt" 2>/dev/null
}

{
echo
echo "Kamailio + rtpengine-daemon vs Kamailio + krtpd, media anchored over ng (same run)"
echo
echo "1. calls/s with < 1% failures (host, UDP on loopback; INVITE/200/ACK/BYE with SDP, no RTP)"
printf '   %-44s %10s\n' "Kamailio + rtpengine" "$(cell rtpengine)" "Kamailio + krtpd" "$(cell krtpd)" \
	"Kamailio without anchoring (its own ceiling)" "$(cell none)"
cr=$(ratio "${res[krtpd,calls]%% *}" "${res[rtpengine,calls]%% *}")
printf '   %-44s %10s\n' "share of the ceiling: rtpengine / krtpd" \
	"$(ratio "${res[rtpengine,calls]%% *}" "${res[none,calls]%% *}") / $(ratio "${res[krtpd,calls]%% *}" "${res[none,calls]%% *}")"
printf '   %-44s %10s\n' "media node CPU per call, us: rtpengine" "${res[rtpengine,cpu]:--}" \
	"                             krtpd" "${res[krtpd,cpu]:--}"
cpr=$(ratio "${res[rtpengine,cpu]:-}" "${res[krtpd,cpu]:-}")
printf '   %-44s %10s\n' "                             rtpengine/krtpd" "$cpr"
kc=${res[krtpd,calls]:-0} nc=${res[none,calls]:-0}
kc=${kc%% *} nc=${nc%% *}
[ "$nc" -gt 0 ] && [ $((kc * 10)) -ge $((nc * 9)) ] &&
	echo "   (Kamailio+krtpd reaches at least 90% of the proxy's own ceiling: there Kamailio, not the node, sets the calls/s)"
echo
echo "2. ng round trip, us, with 1,000 calls up (host; p50 / p90 / p99)"
printf '   %-8s %-26s %-26s %s\n' "" rtpengine krtpd "rtpengine/krtpd (p50)"
for c in offer answer delete; do
	printf '   %-8s %-26s %-26s %s\n' "$c" \
		"$(rtt rtpengine $c p50_us) / $(rtt rtpengine $c p90_us) / $(rtt rtpengine $c p99_us)" \
		"$(rtt krtpd $c p50_us) / $(rtt krtpd $c p90_us) / $(rtt krtpd $c p99_us)" \
		"$(ratio "$(rtt rtpengine $c p50_us)" "$(rtt krtpd $c p50_us)")"
done
echo
if [ "$vm" = 1 ]; then
	echo "3. media cost per packet (VM, $kver, QEMU icount; relay us/pkt, ratio to plain IP forwarding)"
	printf '   %-44s %8s %7s\n' "plain IP forwarding" "$(vm_us "(a) ")" "$(vm_ratio "(a) ")"
	printf '   %-44s %8s %7s\n' "rtpengine-daemon, userspace" "$(vm_us "(r) ")" "$(vm_ratio "(r) ")"
	printf '   %-44s %8s %7s\n' "krtp.ko, flows installed by krtpd via ng" "$(vm_us "(n) ")" "$(vm_ratio "(n) ")"
	nr=$(vm_ratio "(n) "); [ -n "$nr" ] || nr=-
	echo
fi
echo "targets:"
printf '   %-56s %-8s %s\n' "calls/s Kamailio+krtpd / Kamailio+rtpengine >= 2.00" "$cr" "$(verdict "$cr" ">=" 2)"
[ "$vm" = 1 ] &&
	printf '   %-56s %-8s %s\n' "per packet krtp.ko via ng / plain forwarding <= 1.10" "$nr" "$(verdict "$nr" "<=" 1.1)"
echo "(\">=\": the top offered rate passed; sipp, not the node, set the limit)"
} | tee "$outfile"
[ "$vm" = 0 ] || { echo; cat "$work/vm.txt"; } >>"$outfile"
[ -n "${res[krtpd,calls]:-}" ] && [ -n "${res[rtpengine,calls]:-}" ]
