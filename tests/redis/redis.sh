#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# redis.sh KRTPD: two krtpd sharing their registrations in one Redis.
#
#   sipp alice (UAS :ALICE, registers from :REG)      sipp bob (caller)
#          |  REGISTER                                      |  INVITE alice
#          v                                                v
#   krtpd A 127.0.0.1:PA  --\                    /--  krtpd B 127.0.0.1:PB
#   node a, state in tmp/a   \-- redis-server --/     node b, state in tmp/b
#                               unix socket in tmp, no persistence
#
# Each krtpd has store = redis, media = user, its own SQLite for dialogs.
# Asserted, in order:
#   - alice registers through A; the binding's Redis key has her expiry as
#     its TTL and every field (node a); B's table shows her at once
#   - bob calls alice through B right after A's 200: the INVITE reaches
#     alice (her 486 comes back)
#   - kill -9 A: B still answers, alice is still reachable through B, and
#     her refresh through B is stored (node b)
#   - Expires: 0 through B removes her: gone from Redis; A restarted loads
#     the remaining bindings (bob's) and not hers: a call through A is 404;
#     alice registering again through B is reachable through A
#   - Redis stopped: REGISTER gets 503 with Retry-After (counted on
#     /metrics), never a 200; alice stays reachable from memory
#   - Redis back (empty): the next REGISTER is stored again
# Prints KTAP-style lines and ends with "N passed, N failed". Under a minute.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krtpd=$1
krtpctl=$top/tools/krtpctl/krtpctl
sipdir=$top/tests/sip
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
passed=0 failed=0 n=0
redis_pid= a_pid= b_pid= uas_pid=

cleanup() {
	local p

	for p in $uas_pid $a_pid $b_pid $redis_pid; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   expected '$2', got '$3'"; fi
}
# step NAME CMD...: ok when CMD succeeds
step() {
	local name=$1

	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	exit $((failed != 0))
}

for t in redis-server redis-cli sipp; do
	command -v $t >/dev/null || { echo "# $t missing (tools/install-deps.sh)"; echo "1..0"
		echo "0 passed, 0 failed, 1 skipped"; exit 0; }
done
[ -x "$krtpd" ] || { not_ok "krtpd built at $krtpd"; finish; }

# n free UDP+TCP ports on 127.0.0.1
free_ports() {
	$py - "$1" <<'PYEOF'
import socket, sys
held, out = [], []
while len(out) < int(sys.argv[1]):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    held += [t, u]
    out.append(str(port))
print(" ".join(out))
PYEOF
}

# kill9 PID: kill -9 and wait until it is gone
kill9() {
	kill -KILL "$1" 2>/dev/null
	busywait 5000 eval "! kill -0 $1 2>/dev/null"
}

# busywait MS CMD...: until CMD succeeds, at most MS milliseconds
busywait() {
	local end=$(($(date +%s%3N) + $1))

	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

read -r PA PB MA MB ALICE REG BOB <<<"$(free_ports 7)"
sock=$tmp/redis.sock
rcli() { redis-cli -s "$sock" "$@"; }

redis_start() {
	redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --save "" \
		--appendonly no --dir "$tmp" --logfile "$tmp/redis.log" &
	redis_pid=$!
	disown
	busywait 5000 sh -c "redis-cli -s '$sock' ping 2>/dev/null | grep -q PONG"
}

# krtpd_start a|b: start that node; its pid in a_pid / b_pid
krtpd_start() {
	local node=$1 port metrics pid

	if [ "$node" = a ]; then port=$PA metrics=$MA; else port=$PB metrics=$MB; fi
	mkdir -p "$tmp/$node"
	cat >"$tmp/$node/krtpd.conf" <<EOC
listen = udp:127.0.0.1:$port
domain = krtp.test
media = user
rtp_port_min = $((40000 + (port % 1000) * 20))
rtp_port_max = $((40000 + (port % 1000) * 20 + 19))
state_db = $tmp/$node/state.db
control_socket = $tmp/$node/krtpd.sock
metrics_listen = 127.0.0.1:$metrics
store = redis
redis = unix:$sock
node_name = $node
EOC
	# a restart's log starts afresh: "ready" must be this run's
	[ ! -e "$tmp/$node/krtpd.log" ] || mv "$tmp/$node/krtpd.log" "$tmp/$node/krtpd.log.old"
	"$krtpd" -f -c "$tmp/$node/krtpd.conf" >"$tmp/$node/krtpd.log" 2>&1 &
	pid=$!
	disown
	if [ "$node" = a ]; then a_pid=$pid; else b_pid=$pid; fi
	busywait 5000 grep -q ' ready' "$tmp/$node/krtpd.log"
}

# sip NODE SCENARIO SVC LOCAL_PORT [SIPP_ARGS...]: one sipp run towards a node
SIPP_N=0
sip() {
	local port=$PA

	[ "$1" = b ] && port=$PB
	SIPP_N=$((SIPP_N + 1))
	LAST=$tmp/sipp-$SIPP_N
	timeout -k 2 20 sipp -sf "$2" -s "$3" -i 127.0.0.1 -p "$4" -key domain krtp.test \
		-key caller bob -m 1 -nostdin -timeout 10s -recv_timeout 4000 \
		-trace_err -error_file "$LAST.err" -trace_logs -log_file "$LAST.log" \
		"${@:5}" "127.0.0.1:$port" >"$LAST.out" 2>&1
}

CSEQ=1
# register NODE EXPIRES [SCENARIO]: alice's binding sip:alice@127.0.0.1:ALICE
register() {
	CSEQ=$((CSEQ + 1))
	sip "$1" "${3:-$sipdir/reg-one.xml}" alice "$REG" -key contact_port "$ALICE" \
		-key expires "$2" -cid_str "reg-alice@redis" -base_cseq "$CSEQ"
}

# call NODE: bob calls alice through NODE; 0 when alice's 486 came back
call() {
	local rc

	timeout -k 2 20 sipp -sf "$sipdir/uas-busy.xml" -s alice -i 127.0.0.1 -p "$ALICE" \
		-m 1 -nostdin -timeout 10s >"$tmp/uas.out" 2>&1 &
	uas_pid=$!
	busywait 5000 eval '[ -n "$(ss -Hunl "sport = :$ALICE")" ]'
	sip "$1" "$sipdir/uac-busy.xml" alice "$BOB"
	rc=$?
	kill "$uas_pid" 2>/dev/null
	wait "$uas_pid" 2>/dev/null
	uas_pid=
	return $rc
}

# bindings NODE: alice's contacts in that node's table
bindings() {
	"$krtpctl" --json --socket "$tmp/$1/krtpd.sock" registrations 2>/dev/null |
		grep -o "sip:alice@127\.0\.0\.1:[0-9]*" | sort -u | xargs
}

metric() {
	curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

ALICE_URI=sip:alice@127.0.0.1:$ALICE
BKEY="krtpd:binding:alice:$ALICE_URI"

echo "1..20"
redis_start || { not_ok "redis-server starts"; finish; }
krtpd_start a && krtpd_start b
step "two krtpd start against one redis" kill -0 "$a_pid" "$b_pid"

step "alice registers through A" register a 600
ttl=$(rcli TTL "$BKEY")
check "her binding's TTL in Redis is her expiry" yes \
	"$([ "${ttl:-0}" -ge 598 ] && [ "$ttl" -le 600 ] && echo yes)"
check "the binding keeps every field (node a)" \
	"alice krtp.test $ALICE_URI 1 a" \
	"$(rcli HMGET "$BKEY" aor domain contact proto node | xargs)"
check "B's table has her at once" "$ALICE_URI" "$(bindings b)"
step "bob's call through B reaches alice (right after A's 200)" call b

kill9 "$a_pid"
a_pid=
step "A killed -9: alice is still reachable through B" call b
step "alice refreshes through B" register b 600
check "the refresh is B's (node b)" b "$(rcli HGET "$BKEY" node)"

# bob has a binding too, so A's restart has something to load
CSEQ=$((CSEQ + 1))
sip b "$sipdir/reg-one.xml" bob "$BOB" -key contact_port "$BOB" -key expires 600 \
	-cid_str "reg-bob@redis" -base_cseq "$CSEQ"
step "alice unregisters through B (Expires: 0)" register b 0
check "her binding is gone from Redis" 0 "$(rcli EXISTS "$BKEY")"
krtpd_start a
check "A restarted loads the stored bindings (bob's only)" yes \
	"$(grep -q 'restored 1 registrations' "$tmp/a/krtpd.log" && echo yes)"
step "a call to alice through A: 404, she is gone for A too" \
	sip a "$sipdir/uac-404.xml" alice "$BOB"
step "alice registers again through B" register b 600
step "and is reachable through A" call a

kill9 "$redis_pid"
redis_pid=
step "Redis stopped: REGISTER through B gets 503 with Retry-After" \
	register b 600 "$here/reg-503.xml"
check "B counts the refused REGISTER" 1 "$(metric "$MB" krtpd_sip_register_store_failures_total)"
step "alice is still reachable through A from memory" call a

redis_start
step "Redis back: a REGISTER is stored again" busywait 10000 register b 600
check "her binding is in Redis again" 1 "$(rcli EXISTS "$BKEY")"

for node in a b; do
	if grep -qE 'AddressSanitizer|runtime error' "$tmp/$node/krtpd.log"; then
		echo "# krtpd $node:"; tail -n 20 "$tmp/$node/krtpd.log" | sed 's/^/#   /'
	fi
done
[ "$failed" = 0 ] || for node in a b; do
	echo "# krtpd $node's log:"; tail -n 15 "$tmp/$node/krtpd.log" | sed 's/^/#   /'
done
finish
