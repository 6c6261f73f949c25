#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh KRTPD: damaged SIP at a sanitizer build of krtpd, black box.
#
#   sipsend.py --mutate ---UDP, TCP--->  krtpd-asan 127.0.0.1:PORT
#   (tests/sip/msg/*.sip,                media = user, no auth,
#    tests/unit/torture/*.sip)           limits: loopback exempt,
#                                        DNS to a closed loopback port
#
# krtpd starts on a free loopback port with a config and state in a
# temporary directory. Each round sends SOAK_UDP damaged datagrams and
# SOAK_TCP TCP connections carrying one damaged message each, spread over
# every base message. The damage comes from SOAK_SEEDS (4) seeds derived
# from SOAK_SEED, taken in turn, so a run can be repeated and the load
# repeats: what it leaves behind (registrations of damaged AORs, say) stops
# growing once every seed has been seen, and memory that still grows is
# memory lost. Rounds warm up until every seed has been sent and
# SOAK_WARMUP seconds (40) have passed, longer than a transaction lives
# (32 s); SOAK_ROUNDS (8) rounds follow.
# Asserted:
#   - after each round, krtpd answers OPTIONS with 200 over UDP and TCP
#   - nothing from AddressSanitizer, LeakSanitizer or UBSan in its stderr
#   - its RSS after the last round is within SOAK_RSS_PCT (10) percent of
#     its RSS after the warm-up (both printed)
#   - SIGTERM makes it exit 0, with LeakSanitizer's check at exit clean
# Prints KTAP-style lines and ends with "N passed, N failed". krtpd's
# stderr is kept next to KRTPD, in krtpd.log.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krtpd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
udp_round=${SOAK_UDP:-25000}
tcp_round=${SOAK_TCP:-400}
rounds=${SOAK_ROUNDS:-8}
warmup=${SOAK_WARMUP:-40}
nseeds=${SOAK_SEEDS:-4}
seed=${SOAK_SEED:-1}
rss_pct=${SOAK_RSS_PCT:-10}
# Debian's python3 as the other SIP tests use it; PATH's may be a slow wrapper
py=/usr/bin/python3
[ -x "$py" ] || py=python3
sipsend="$py $top/tests/sip/sipsend.py"
log=$(dirname "$krtpd")/krtpd.log
tmp=$(mktemp -d)
pid=
passed=0
failed=0
n=0

cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	n=$((n + 1)); passed=$((passed + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n $*"
}

# a port free for both UDP and TCP on 127.0.0.1
free_port() {
	$py - <<'EOF'
import socket
while True:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
EOF
}

alive() {
	kill -0 "$pid" 2>/dev/null
}

# options_ok: a 200 to OPTIONS over UDP and over TCP, retried for up to 20 s
# (a probe may be dropped while krtpd still works through a full socket)
options_ok() {
	local i

	for i in $(seq 40); do
		alive || return 1
		if $sipsend --expect 200 --timeout 0.5 "$dest" "$base/options.sip" >/dev/null 2>&1 &&
		   $sipsend --tcp --expect 200 --timeout 2 "$dest" "$base/options.sip" >/dev/null 2>&1; then
			return 0
		fi
	done
	return 1
}

sanitizer_clean() {
	! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|^SUMMARY: ' "$log"
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"
}

udp_drops() {
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 }
		       else print $c }' /proc/net/snmp
}

show_log() {
	echo "# krtpd's stderr ($log), last lines:"
	grep -m1 -B2 -A30 -E 'ERROR: |runtime error:' "$log" | head -n 40 | sed 's/^/#   /'
	tail -n 15 "$log" | sed 's/^/#   /'
}

# the base messages: the daemon tests' templates and the torture messages
base=$top/tests/sip/msg
files=("$base"/*.sip "$top"/tests/unit/torture/*.sip)
nfiles=${#files[@]}
udp_each=$(((udp_round + nfiles - 1) / nfiles))
tcp_each=$(((tcp_round + nfiles - 1) / nfiles))

port=$(free_port)
dest=127.0.0.1:$port
relay=$((40000 + 2 * (port % 4000)))
mkdir -p "$tmp/state"
cat >"$tmp/krtpd.conf" <<EOF
# tests/soak/soak.sh
listen = $dest
domain = krtp.test, example.com
media = user
media_timeout = 0
relay_address = 127.0.0.1
port_min = $relay
port_max = $((relay + 199))
state_dir = $tmp/state
control_socket = $tmp/krtpd.sock
pid_file = none
metrics_listen = off
users_file = none
log_level = warning
dns_servers = 127.0.0.1:9
limit_exempt = 127.0.0.1, ::1
EOF

echo "TAP version 13"
echo "# krtpd-asan on $dest; rounds of $((udp_each * nfiles)) datagrams and" \
     "$((tcp_each * nfiles)) TCP connections over $nfiles base messages, seed $seed ($nseeds);" \
     "${warmup} s of warm-up, then $rounds rounds"
start=$(date +%s)

# quarantine_size_mb: ASan's default 256 MB of freed memory held back would
# make RSS climb for most of the run; a smaller one fills in the warm-up
ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:malloc_context_size=20 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$krtpd" -c "$tmp/krtpd.conf" -f >"$log" 2>&1 &
pid=$!
if options_ok; then
	ok "krtpd-asan starts and answers OPTIONS (pid $pid)"
else
	not_ok "krtpd-asan starts and answers OPTIONS"
	show_log
fi

rss_warm=
r=0
m=0
udp_sent=0
tcp_sent=0
while [ "$m" -lt "$rounds" ]; do
	r=$((r + 1))
	t0=$(date +%s)
	d0=$(udp_drops)
	s=$((seed * 1000 + (r - 1) % nseeds))
	alive &&
		timeout 300 $sipsend --mutate "$udp_each" --seed "$s" "$dest" "${files[@]}" >/dev/null 2>&1
	alive &&
		timeout 300 $sipsend --tcp --mutate "$tcp_each" --seed "$s" "$dest" "${files[@]}" \
			>/dev/null 2>&1
	udp_sent=$((udp_sent + udp_each * nfiles))
	tcp_sent=$((tcp_sent + tcp_each * nfiles))
	if [ -n "$rss_warm" ]; then
		m=$((m + 1))
		what="round $r"
	else
		what="round $r (warm-up)"
	fi
	what="$what: $((udp_each * nfiles)) datagrams, $((tcp_each * nfiles)) TCP connections"
	if options_ok && sanitizer_clean; then
		rss=$(rss_kb)
		ok "$what; then OPTIONS 200 over UDP and TCP"
		echo "# round $r: $(($(date +%s) - t0)) s, RSS $rss kB," \
		     "$(($(udp_drops) - d0)) datagrams dropped by full socket buffers (whole host)"
		# the warm-up ends with the first round to end after $warmup s
		# with every seed sent
		if [ -z "$rss_warm" ] && [ "$r" -ge "$nseeds" ] &&
		   { [ $(($(date +%s) - start)) -ge "$warmup" ] || [ "$r" -ge 20 ]; }; then
			rss_warm=$rss
		fi
	else
		not_ok "$what; then OPTIONS 200 over UDP and TCP$(alive || echo ' (krtpd died)')"
		show_log
		break
	fi
done
echo "# sent $udp_sent damaged datagrams and $tcp_sent damaged TCP connections in $r rounds"

if sanitizer_clean; then
	ok "no sanitizer report in krtpd's stderr"
else
	not_ok "no sanitizer report in krtpd's stderr"
	show_log
fi

if alive && [ -n "$rss_warm" ]; then
	rss_end=$(rss_kb)
	growth=$(((rss_end - rss_warm) * 1000 / rss_warm))
	what="RSS flat: $rss_warm kB after the warm-up, $rss_end kB after round $r"
	what="$what ($((growth / 10)).$(( (growth < 0 ? -growth : growth) % 10 ))%, bound $rss_pct%)"
	if [ "$growth" -le $((rss_pct * 10)) ]; then
		ok "$what"
	else
		not_ok "$what"
	fi
else
	not_ok "RSS flat (krtpd not running, or no warm-up figure)"
fi

if alive; then
	kill -TERM "$pid"
	# LeakSanitizer's walk at exit takes a moment under ASan
	for i in $(seq 300); do
		alive || break
		sleep 0.1
	done
	alive && kill -KILL "$pid"
	wait "$pid"
	rc=$?
	pid=
	if [ "$rc" = 0 ] && sanitizer_clean; then
		ok "krtpd exits 0 on SIGTERM, LeakSanitizer clean"
	else
		not_ok "krtpd exits 0 on SIGTERM, LeakSanitizer clean (exit $rc)"
		show_log
	fi
else
	not_ok "krtpd exits 0 on SIGTERM (it is not running)"
fi

echo "# soak took $(($(date +%s) - start)) s"
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
