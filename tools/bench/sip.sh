#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-sip: signalling rate of krtpd against Kamailio, same machine,
# same run, same sipp scenarios, UDP on loopback.
#
#   tools/bench/sip.sh [--quick] [--only SERVER[,SERVER...]] [--step-secs N]
#   (KRTP_BENCH_KRTPD_CONF: more lines for krtpd's config, e.g. limit_exempt = none)
#   SERVER: krtpd, kamailio (usrloc in memory), kamailio-sqlite (usrloc
#   written through to SQLite), flood (krtpd's calls/s with and without a
#   flood, see below); default all four
#
#   127.0.0.1:5070  kamailio (tests/sip/kamailio-bench.cfg: usrloc in memory,
#                   record-routing stateful proxy)
#   127.0.0.1:5075  kamailio-sqlite (the same file with -A WITH_SQLITE: usrloc
#                   db_mode 1, a fresh SQLite file per case, WAL, one worker)
#   127.0.0.1:5080  krtpd (media = user; the bench calls carry no SDP)
#   127.0.0.1:5090  sipp callee "bob" (tests/sip/uas-bench.xml), registered
#                   at kamailio; :5092 the same at kamailio-sqlite, :5091 at
#                   krtpd
#   sipp caller     tests/sip/reg-bench.xml (REGISTER of a new user per call)
#                   tests/sip/uac-bench.xml (INVITE, 200, ACK, BYE, 200)
#
# Each case steps the offered rate up (sipp -r) for a few seconds per step,
# the servers taking turns at each step, until more than 1% of the
# calls fail or the rate actually achieved falls below 90% of the offered
# rate; a server's result is the best rate it achieved in a step that
# passed. A case is capped at about two minutes per server.
# Then krtpd's memory: RSS growth over N registrations and over N calls held
# open, per user and per call.
#
# The flood case: krtpd's calls/s (default limits) ramped as above, in
# turns with and without build/bench/flood sending 50,000 datagrams/s
# (half REGISTERs, half garbage) from 127.0.0.2 during each step; the
# callers and callee stay on 127.0.0.1. It prints calls/s under flood over
# calls/s without (the flood ratio) and how many flood datagrams krtpd
# dropped, read from its /metrics.
#
# A server that does not start (kamailio-sqlite without
# kamailio-sqlite-modules, say) is left out with the reason, the others run;
# the exit status is non-zero if krtpd or the in-memory Kamailio, when
# selected, has no result, or no server has one.
#
# On a host whose cores are shared, compare the servers within one run,
# never absolute numbers across runs. When a server passes the top step
# the limit is sipp's, not the server's, and the table says so.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tools/bench/lib.sh"
sipdir=$repo/tests/sip
krtpd=$repo/daemon/krtpd

step_secs=6
only=
rates=(250 500 1000 2000 3000 4000 6000 8000 12000 16000)
mem_users=20000
mem_calls=2000
case_budget=120

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) step_secs=3; mem_users=5000; mem_calls=500
		 rates=(500 1000 2000 4000 8000); shift ;;
	--only) only=,${2:?},; shift 2 ;;
	--step-secs) step_secs=${2:?}; shift 2 ;;
	-h|--help) sed -n '/^#   tools/,/^#$/s/^#   //p' "$0"; exit 0 ;;
	*) echo "usage: tools/bench/sip.sh [--quick] [--only SERVER[,SERVER...]] [--step-secs N]" >&2
	   exit 2 ;;
	esac
done
all_servers=(kamailio kamailio-sqlite krtpd)
if [ -n "$only" ]; then
	for s in ${only//,/ }; do
		case " ${all_servers[*]} flood " in
		*" $s "*) ;;
		*) echo "bench-sip: --only: no server $s (${all_servers[*]})" >&2; exit 2 ;;
		esac
	done
fi
# selected SERVER: SERVER is to run
selected() {
	[ -z "$only" ] || [[ $only == *",$1,"* ]]
}

bench_need bench-sip sipp kamailio

work=$(mktemp -d /tmp/krtp-bench-sip.XXXXXX)
trap bench_cleanup EXIT
[ -n "${KRTP_BENCH_KEEP:-}" ] && trap - EXIT
trap 'exit 130' INT TERM

# port_free PORT: nothing listens on UDP PORT
port_free() {
	[ -z "$(ss -Hunl "sport = :$1")" ]
}

# wait_up PID PORT: until the server answers OPTIONS (10 s at most); fails
# at once if the process is gone
wait_up() {
	local i
	for i in $(seq 100); do
		options_ok "$2" && return 0
		[ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" = Z ] && return 1
		[ -d /proc/"$1" ] || return 1
		sleep 0.1
	done
	return 1
}

# why_down LOG: the first error a server logged, else its last line
why_down() {
	local l
	l=$(grep -m1 -E 'ERROR|CRITICAL|error' "$1" 2>/dev/null)
	[ -n "$l" ] || l=$(tail -1 "$1" 2>/dev/null)
	# Kamailio's " 0(123) ERROR: <core> [file:line]: " prefix
	l=$(printf '%s' "$l" | sed -E 's/^ *[0-9]+\([0-9]+\) //; s/ \[[^]]*\]: / /')
	echo "${l:-no answer to OPTIONS within 10 s}"
}

# kamailio_db FILE: a fresh SQLite file with Kamailio's location table; the
# schema is the one kamailio-sqlite-modules ships
kamailio_db() {
	local schema=/usr/share/kamailio/db_sqlite
	command -v sqlite3 >/dev/null ||
		{ why="the sqlite3 CLI is missing (tools/install-deps.sh installs it)"; return 1; }
	[ -r "$schema/standard-create.sql" ] && [ -r "$schema/usrloc-create.sql" ] ||
		{ why="kamailio-sqlite-modules is not installed (no $schema; tools/install-deps.sh installs it)"; return 1; }
	rm -f "$1" "$1"-wal "$1"-shm
	# WAL, as krtpd's store; Kamailio's connections keep SQLite's
	# default synchronous=FULL
	{ cat "$schema/standard-create.sql" "$schema/usrloc-create.sql"
	  echo "PRAGMA journal_mode=WAL;"; } | sqlite3 "$1" >/dev/null 2>"$1.err" ||
		{ why="creating $1 failed: $(head -1 "$1.err")"; return 1; }
}

# start_kamailio NAME PORT: NAME kamailio (usrloc in memory) or
# kamailio-sqlite (usrloc written through to a fresh SQLite file)
start_kamailio() {
	local name=$1 port=$2 dir=$work/$1 defs=()
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$name" = kamailio-sqlite ]; then
		kamailio_db "$dir/location.db" || return 1
		defs=(-A WITH_SQLITE -A "BENCH_DB_URL=\"sqlite://$dir/location.db\"")
	fi
	# shm 256 MB covers the largest registration run with room to spare
	kamailio -f "$sipdir/kamailio-bench.cfg" -A "BENCH_PORT=$port" "${defs[@]}" \
		-DD -E -m 256 -M 16 -Y "$dir" -P "$dir/pid" \
		>"$work/$name.log" 2>&1 &
	srv_pid=$!
	pids+=("$srv_pid")
	wait_up "$srv_pid" "$port" ||
		{ why="did not start: $(why_down "$work/$name.log")"; kill "$srv_pid" 2>/dev/null; return 1; }
}

start_krtpd() {
	local port=$1
	# the previous krtpd must be gone from the port
	wait_for port_free "$port" || log "bench-sip: UDP port $port still taken: $(ss -Hunlp "sport = :$port")"
	# a fresh store each time: no bindings from an earlier case
	rm -rf "$work/krtpd"
	mkdir -p "$work/krtpd"
	cat >"$work/krtpd/krtpd.conf" <<EOF
# bench: signalling only; the calls carry no SDP; the flood and abuse
# limits are left at their defaults (127.0.0.1 exempt, others 100/s)
listen = 127.0.0.1:$port
domain = 127.0.0.1
media = user
relay_address = 127.0.0.1
state_dir = $work/krtpd
control_socket = $work/krtpd/krtpd.sock
log_level = warning
${krtpd_extra:-}
${KRTP_BENCH_KRTPD_CONF:-}
EOF
	"$krtpd" -c "$work/krtpd/krtpd.conf" -f >"$work/krtpd.log" 2>&1 &
	srv_pid=$!
	pids+=("$srv_pid")
	wait_up "$srv_pid" "$port" ||
		{ why="did not start: $(why_down "$work/krtpd.log")"; kill "$srv_pid" 2>/dev/null; return 1; }
}

# start_server NAME: start NAME on its port (pid in srv_pid); on failure
# the reason is in why
start_server() {
	why=
	case "$1" in
	krtpd) start_krtpd "${port[$1]}" ;;
	kamailio*) start_kamailio "$1" "${port[$1]}" ;;
	esac
}

# stop_server [PID]: default $srv_pid
stop_server() {
	local pid=${1:-$srv_pid}

	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Kamailio's children go with the main process; give the port a moment
	sleep 1
}

# --- sipp runs ---------------------------------------------------------------

# sipp_run NAME PORT SCENARIO RATE COUNT [ARGS...]: one sipp client run;
# leaves "ok failed secs" in $work/NAME.res
sipp_run() {
	local name=$1 port=$2 scen=$3 rate=$4 count=$5
	shift 5
	local t0 t1 stat ok failed
	rm -f "$work/$name".*
	t0=$(date +%s.%N)
	timeout $((count / rate + 40)) sipp -sf "$scen" -i 127.0.0.1 -p 0 \
		-key domain "127.0.0.1:$port" -s bob \
		-r "$rate" -m "$count" -l $((rate * 4 + 100)) \
		-recv_timeout 5000 -max_recv_loops 100000 -max_sched_loops 100000 \
		-nostdin -trace_stat -stf "$work/$name.csv" -fd 1 -trace_err -error_file "$work/$name.err" \
		"$@" "127.0.0.1:$port" >"$work/$name.out" 2>&1
	t1=$(date +%s.%N)
	stat=$work/$name.csv
	if [ ! -s "$stat" ]; then
		echo "0 $count 0 0" >"$work/$name.res"
		return
	fi
	read -r ok failed retrans secs < <(sipp_totals "$stat")
	[ "$(echo "$secs > 0.1" | bc)" = 1 ] || secs=$(echo "$t1 - $t0" | bc -l)
	echo "$ok $((count - ok > failed ? count - ok : failed)) $secs $retrans" \
		>"$work/$name.res"
}

# start_callee PORT: a sipp callee answering every call (its pid in uas_pid)
start_callee() {
	sipp -sf "$sipdir/uas-bench.xml" -i 127.0.0.1 -p "$1" -s bob \
		-nostdin -max_recv_loops 100000 -max_sched_loops 100000 \
		>"$work/uas-$1.out" 2>&1 &
	uas_pid=$!
	pids+=("$uas_pid")
	sleep 0.3
}

# ramp KIND SERVER...: step the offered rate up, the servers taking turns
# at each step (so a change in the machine's load hits both alike), until
# each one fails a step or the time budget is spent; sets res[SERVER,KIND]
# to "best_rate top_reached"
ramp() {
	local kind=$1 server rate start ok failed secs retrans achieved try pass
	local scen=$sipdir/reg-bench.xml extra=()
	local -A best state

	shift
	if [ "$kind" = calls ]; then
		scen=$sipdir/uac-bench.xml
		extra=(-d 0)
	fi
	for server in "$@"; do
		best[$server]=0
		state[$server]=
	done
	start=$SECONDS
	for rate in "${rates[@]}"; do
		for server in "$@"; do
			[ -z "${state[$server]}" ] || continue
			if [ $((SECONDS - start + step_secs + 5)) -gt $((case_budget * $#)) ]; then
				log "  $server $kind: time budget reached"
				state[$server]=budget
				continue
			fi
			# a step that fails is run once more: a load spike on the
			# shared machine must hit twice to end a server's ramp
			for try in 1 2; do
				[ "$server" = flood ] && flood_start "${port[$server]}"
				sipp_run "$server-$kind-$rate" "${port[$server]}" "$scen" "$rate" \
					$((rate * step_secs)) "${extra[@]}"
				[ "$server" = flood ] && flood_stop
				read -r ok failed secs retrans <"$work/$server-$kind-$rate.res"
				achieved=$(echo "$ok / $secs" | bc)
				log "$(printf '  %-15s %-9s offered %6d/s: %7d ok %6d failed %7d retransmitted  %7d/s achieved' \
					"$server" "$kind" "$rate" "$ok" "$failed" "$retrans" "$achieved")"
				pass=0
				step_passed "$ok" "$failed" "$achieved" "$rate" && { pass=1; break; }
			done
			if [ "$pass" = 0 ]; then
				state[$server]=failed
				continue
			fi
			[ "$achieved" -gt "${best[$server]}" ] && best[$server]=$achieved
			if [ ! -d /proc/"${spid[$server]}" ]; then
				log "  $server died"
				state[$server]=died
			fi
		done
	done
	for server in "$@"; do
		res[$server,$kind]="${best[$server]} $([ -z "${state[$server]}" ] && echo 1 || echo 0)"
	done
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null || echo 0
}

# --- the cases ---------------------------------------------------------------

declare -A res spid port callee skipped
port=([kamailio]=5070 [kamailio-sqlite]=5075 [krtpd]=5080)
callee=([kamailio]=5090 [kamailio-sqlite]=5092 [krtpd]=5091)

# skip SERVER REASON: leave SERVER out of the rest of the run
skip() {
	skipped[$1]=$2
	log "bench-sip: $1 skipped: $2"
}

# start_all SERVER...: start each server on its port (pids in spid); the
# ones that came up in $up, the others skipped with the reason
start_all() {
	local server

	up=()
	for server in "$@"; do
		[ -z "${skipped[$server]:-}" ] || continue
		if start_server "$server"; then
			spid[$server]=$srv_pid
			up+=("$server")
		else
			skip "$server" "$why"
		fi
	done
	[ ${#up[@]} -gt 0 ]
}

stop_all() {
	local server

	for server in "$@"; do
		stop_server "${spid[$server]}"
	done
}

# run_cases SERVER...: REGISTER/s, then calls/s on fresh servers (so the
# registrations of the first case do not weigh on the second)
run_cases() {
	local server servers callers=()

	start_all "$@" || return 1
	servers=("${up[@]}")
	ramp register "${servers[@]}"
	stop_all "${servers[@]}"
	start_all "$@" || return 1
	servers=("${up[@]}")
	for server in "${servers[@]}"; do
		if register_bob "${port[$server]}" "${callee[$server]}"; then
			start_callee "${callee[$server]}"
			callers+=("$server")
		else
			skip "$server" "registering the callee failed (calls/s not measured)"
		fi
	done
	[ ${#callers[@]} -eq 0 ] || ramp calls "${callers[@]}"
	stop_all "${servers[@]}"
}

memory_krtpd() {
	local port=$1 rss0 rss1 rate=1000
	start_krtpd "$port" || return 1
	sleep 1
	rss0=$(rss_kb "$srv_pid")
	sipp_run mem-reg "$port" "$sipdir/reg-bench.xml" "$rate" "$mem_users"
	sleep 1
	rss1=$(rss_kb "$srv_pid")
	read -r ok _ <"$work/mem-reg.res"
	res[mem,user]=$(( (rss1 - rss0) * 1024 / (ok > 0 ? ok : 1) ))
	res[mem,users]=$ok
	stop_server

	start_krtpd "$port" || return 1
	register_bob "$port" 5091 || return 1
	start_callee 5091
	sleep 1
	rss0=$(rss_kb "$srv_pid")
	# the calls stay up for 60 s; RSS is read once all of them are set up
	sipp -sf "$sipdir/uac-bench.xml" -i 127.0.0.1 -p 0 -s bob \
		-key domain "127.0.0.1:$port" -r 500 -m "$mem_calls" -d 60000 \
		-recv_timeout 5000 -nostdin -trace_stat -stf "$work/mem-calls.csv" -fd 1 \
		"127.0.0.1:$port" >"$work/mem-calls.out" 2>&1 &
	local caller=$!
	pids+=("$caller")
	sleep $((mem_calls / 500 + 3))
	rss1=$(rss_kb "$srv_pid")
	local up
	up=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0 } END { split(last, f, ";"); print f[col["CurrentCall"]] + 0 }' \
		"$work/mem-calls.csv" 2>/dev/null)
	res[mem,call]=$(( (rss1 - rss0) * 1024 / (${up:-0} > 0 ? up : 1) ))
	res[mem,calls]=${up:-0}
	kill "$caller" "$uas_pid" 2>/dev/null
	wait "$caller" "$uas_pid" 2>/dev/null
	stop_server
}

# --- the flood case ----------------------------------------------------------

flood_bin=$repo/build/bench/flood
flood_rate=50000
flood_sent=0

# flood_start PORT: the flood from 127.0.0.2, for a step at most (flood_pid)
flood_start() {
	"$flood_bin" -s 127.0.0.2 -d 127.0.0.1:"$1" -r "$flood_rate" -t $((step_secs + 30)) \
		>"$work/flood.out" 2>&1 &
	flood_pid=$!
	pids+=("$flood_pid")
	sleep 0.2
}

flood_stop() {
	local n

	kill -INT "$flood_pid" 2>/dev/null
	wait "$flood_pid" 2>/dev/null
	n=$(sed -n 's/^flood: sent \([0-9]*\) .*/\1/p' "$work/flood.out")
	flood_sent=$((flood_sent + ${n:-0}))
}

# metric NAME_AND_LABELS: its value on the flood case's krtpd /metrics
metric() {
	curl -s --max-time 5 http://127.0.0.1:9095/metrics |
		awk -v m="$1" '$1 == m { print $2 }'
}

# the host's UDP receive-buffer overflows (all sockets: what the kernel
# dropped before any program read it)
udp_rcvbuf_errors() {
	awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) c[$i] = i } else print $c["RcvbufErrors"] }' \
		/proc/net/snmp
}

# The same krtpd, ramped in turns as "no-flood" and "flood" (the flood runs
# during the latter's steps only)
flood_case() {
	local p=5080 saved=("${rates[@]}")

	port[no-flood]=$p port[flood]=$p
	krtpd_extra="metrics_listen = 127.0.0.1:9095"
	start_krtpd "$p" || { log "bench-sip: flood: krtpd did not start: $why"; return 1; }
	krtpd_extra=
	spid[no-flood]=$srv_pid spid[flood]=$srv_pid
	register_bob "$p" 5091 || { log "bench-sip: flood: registering the callee failed"; return 1; }
	start_callee 5091
	# finer steps than the other cases: the ratio of two steps is the result
	if [ "$step_secs" -le 3 ]; then
		rates=(1000 2000 3000 4000 5000 6000 8000)
	else
		rates=(500 1000 1500 2000 2500 3000 3500 4000 5000 6000 7000 8000 10000)
	fi
	rcvbuf0=$(udp_rcvbuf_errors)
	ramp calls no-flood flood
	res[flood,rcvbuf]=$(( $(udp_rcvbuf_errors) - rcvbuf0 ))
	rates=("${saved[@]}")
	res[flood,dropped]=$(metric 'krtpd_limits_dropped_total{reason="rate"}')
	res[flood,sent]=$flood_sent
	kill "$uas_pid" 2>/dev/null
	wait "$uas_pid" 2>/dev/null
	stop_server
}

if (selected krtpd || selected flood) && [ ! -x "$krtpd" ]; then
	log "bench-sip: building krtpd"
	make -C "$repo/daemon" -s >/dev/null 2>&1 || true
	[ -x "$krtpd" ] || skip krtpd "daemon/krtpd does not build"
fi

log "bench-sip: sipp $(sipp -v 2>&1 | awk '/SIPp v/ { print $2 }'), $(kamailio -v | head -1), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), ${step_secs}s per step"
servers=()
for s in "${all_servers[@]}"; do
	selected "$s" && servers+=("$s")
done
if [ ${#servers[@]} -gt 0 ]; then
	run_cases "${servers[@]}" || log "bench-sip: a rate case failed to run"
fi
# the callees of the rate cases are done with
for p in "${pids[@]}"; do
	kill "$p" 2>/dev/null
done
wait 2>/dev/null
pids=()
if selected krtpd && [ -z "${skipped[krtpd]:-}" ]; then
	memory_krtpd 5080 || log "bench-sip: the krtpd memory measurement failed"
fi
if selected flood && [ -z "${skipped[krtpd]:-}" ]; then
	make -C "$repo/tools/bench" -s flood >/dev/null 2>&1
	if [ ! -x "$flood_bin" ]; then
		log "bench-sip: flood: build/bench/flood does not build"
	else
		flood_case || log "bench-sip: the flood case failed to run"
	fi
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	pids=()
fi

# --- the table ---------------------------------------------------------------

cell() {
	local v=${res[$1]:-}
	[ -n "$v" ] || { echo "-"; return; }
	set -- $v
	if [ "$2" = 1 ]; then
		echo ">=$1"
	elif [ "$1" = 0 ]; then
		echo "<${rates[0]}"
	else
		echo "$1"
	fi
}
# krtpd_ratio CASE KAMAILIO: krtpd's rate over that Kamailio's
krtpd_ratio() {
	local a=${res[krtpd,$1]:-} b=${res[$2,$1]:-}

	[ "${a%% *}" != 0 ] || { echo "-"; return; }
	ratio "${a%% *}" "${b%% *}"
}

row() {
	printf '%-22s %9s %9s %9s %10s %10s\n' "$@"
}

if [ ${#servers[@]} -gt 0 ]; then
echo
echo "krtpd vs Kamailio, UDP on loopback, sustained with < 1% failures"
row "" krtpd Kamailio Kamailio krtpd/Kam. krtpd/Kam.
row "" "" "memory" "SQLite" "memory" "SQLite"
for c in register calls; do
	label="REGISTER/s"
	[ "$c" = calls ] && label="calls/s (INVITE..BYE)"
	row "$label" "$(cell krtpd,$c)" "$(cell kamailio,$c)" "$(cell kamailio-sqlite,$c)" \
		"$(krtpd_ratio $c kamailio)" "$(krtpd_ratio $c kamailio-sqlite)"
done
if [ -n "${res[mem,user]:-}" ]; then
	echo
	printf 'krtpd memory: %s bytes per registered user (RSS delta over %s users),\n' \
		"${res[mem,user]}" "${res[mem,users]}"
	printf '              %s bytes per active call (RSS delta over %s calls held open)\n' \
		"${res[mem,call]:--}" "${res[mem,calls]:-0}"
fi
for s in "${all_servers[@]}"; do
	[ -z "${skipped[$s]:-}" ] || echo "$s skipped: ${skipped[$s]}"
done
echo "(\">=\": the top offered rate passed; sipp, not the server, set the limit)"
echo "(like-for-like: REGISTER/s krtpd/Kam. SQLite: both store each binding in SQLite before the 200)"
echo "(krtpd stores each binding and dialog in SQLite before it answers (WAL, synchronous=NORMAL);"
echo " Kamailio memory keeps usrloc in memory only; Kamailio SQLite writes usrloc through to SQLite"
echo " (db_mode 1, WAL, synchronous=FULL, one worker) but neither Kamailio keeps dialogs, so calls/s"
echo " is not like-for-like in either column. Same sipp, same machine, same run.)"
fi
status=1
for s in "${all_servers[@]}"; do
	[ -n "${res[$s,register]:-}" ] && status=0
done
if selected flood; then
	echo
	a=${res[flood,calls]:-} b=${res[no-flood,calls]:-}
	if [ -n "$a" ] && [ -n "$b" ] && [ "${b%% *}" -gt 0 ]; then
		printf 'flood ratio: krtpd calls/s under a %d/s flood from 127.0.0.2 / without = %s / %s = %.2f (target >= 0.8)\n' \
			"$flood_rate" "$(cell flood,calls)" "$(cell no-flood,calls)" \
			"$(echo "scale=3; ${a%% *} / ${b%% *}" | bc)"
		printf '             the flood: %s datagrams sent, %s dropped by the rate limit,\n' \
			"${res[flood,sent]:-0}" "${res[flood,dropped]:--}"
		printf '             %s UDP datagrams (any socket on the host) lost to full receive buffers\n' \
			"${res[flood,rcvbuf]:--}"
		[ -z "$only" ] || [ ${#servers[@]} -gt 0 ] || status=0
	else
		echo "flood ratio: not measured"
		status=1
	fi
fi
for s in krtpd kamailio; do
	selected "$s" && [ -z "${res[$s,register]:-}" ] && status=1
done
exit $status
