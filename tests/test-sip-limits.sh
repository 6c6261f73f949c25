#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# krtpd's flood and abuse limits with real traffic. A bounded UDP flood
# (tests/tools/flood: REGISTERs and garbage) from a second address in bob's
# namespace is dropped and counted by the per-source rate limit, while alice
# calls bob, who answers, and the call completes; with
# tcp_max_connections_per_source = 3 her fourth TCP connection is refused
# and counted. Then, with
# a users file, a password-guessing alice (sipp, wrong password) is banned
# after ban_after_auth_failures tries: the ban is logged, her requests go
# unanswered while bob's are served, and after ban_time the expiry is
# logged and her right password registers. Userspace media: krtp.ko is
# not needed.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060                 SIP 10.0.0.1:5060                 sipp :5060
#                              /metrics 127.0.0.1:9090           flood from 10.0.2.3
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
FLOOD=$TESTS_DIR/tools/flood
[ -x "$FLOOD" ] || skip_all "tests/tools/flood not built (make -C tests)"
command -v curl >/dev/null || skip_all "curl missing"
ktap_print_header

RATE=20
BURST=40
FLOOD_RATE=2000
FLOOD_SECS=6
BAN_AFTER=3
# long enough that checks made under emulation fall inside the ban
BAN_TIME=20
FLOODER=10.0.2.3
CONNS=3

# tcp_conns N: open N TCP connections from alice to krtpd, all at once, and
# send OPTIONS on each; prints how many got an answer
tcp_conns() {
	ip netns exec "$alice" /usr/bin/python3 - "$1" "$SIP_ADDR" "$SIP_PORT" "$CALLER4" <<'PY'
import socket, sys
n, host, port, me = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
socks, ok = [], 0
for i in range(n):
    s = socket.create_connection((host, port), timeout=5)
    socks.append(s)
for i, s in enumerate(socks):
    lport = s.getsockname()[1]
    msg = ("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:%d;branch=z9hG4bKtc%d\r\n"
           "From: <sip:alice@krtp.test>;tag=t%d\r\nTo: <sip:%s>\r\nCall-ID: tc%d@%s\r\n"
           "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
           % (host, me, lport, i, i, host, i, me))
    try:
        s.sendall(msg.encode())
        if s.recv(4096).startswith(b"SIP/2.0 200"):
            ok += 1
    except OSError:
        pass
print(ok)
PY
}

call_up() {
	[ "$(ncalls)" = 1 ]
}

# logged TEXT: krtpd has logged a line containing TEXT
logged() {
	grep -qF -- "$1" "$KRTPD_LOG"
}

sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
ip -n "$bob" addr add "$FLOODER/24" dev e0
krtpd_config user "metrics_listen = 127.0.0.1:9090" \
	"limit_requests_per_second = $RATE" "limit_burst = $BURST" "limit_exempt = none" \
	"tcp_max_connections_per_source = $CONNS"
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts"

# --- a flood from one address, a call from others ----------------------------
sip_check "bob registers" register bob
lost0=$(udp_rcvbuf_errors "$relay")
ip netns exec "$bob" env FLOOD_ANY_DST=1 "$FLOOD" -s "$FLOODER" -d "$SIP_ADDR:$SIP_PORT" -r "$FLOOD_RATE" \
	-t "$FLOOD_SECS" -n $((FLOOD_RATE * FLOOD_SECS)) >"$TMPD/flood.out" 2>&1 &
flood_pid=$!
defer "kill $flood_pid 2>/dev/null"
t0=${EPOCHREALTIME/./}
# the call is placed while the flood runs
sleep 1
bob_answers uas-answer.xml
alice_calls uac-call.xml
check "the call is set up during the flood" yes "$(busywait 30000 call_up && echo yes)"
alice_go
sip_check "alice: call during the flood, BYE answered 200" sipp_wait ALICE_PID uac-call.xml
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
wait "$flood_pid"
t1=${EPOCHREALTIME/./}
ktap_print_msg "$(cat "$TMPD/flood.out")"
sent=$(sed -n 's/^flood: sent \([0-9]*\) .*/\1/p' "$TMPD/flood.out")
dropped=$(metric 'krtpd_limits_dropped_total{reason="rate"}')
secs=$(( (t1 - t0 + 999999) / 1000000 ))
check_range "the flood sent its datagrams" $((FLOOD_RATE * FLOOD_SECS / 4)) \
	$((FLOOD_RATE * FLOOD_SECS)) "${sent:-0}"
# what passed: at most the burst and the rate over the flood's time; what
# the kernel dropped on a full socket buffer (a loaded host) never got there
lost=$(($(udp_rcvbuf_errors "$relay") - lost0))
[ "$lost" -gt 0 ] && ktap_print_msg "$lost datagrams dropped by the kernel (socket buffer full)"
low=$(( ${sent:-0} - lost - BURST - RATE * secs ))
[ "$low" -ge 1 ] || low=1
check_range "flood datagrams dropped by the rate limit" "$low" "${sent:-0}" "${dropped:-0}"
check "logged the source over the rate" yes \
	"$(logged "$FLOODER is over $RATE requests/s: dropping" && echo yes)"
sip_check "OPTIONS from alice still answered" options_ok
check "$CONNS TCP connections from alice served, one more refused" "$CONNS" \
	"$(tcp_conns $((CONNS + 1)))"
check "the refused connection is counted" 1 \
	"$(metric 'krtpd_limits_refused_total{what="connection"}')"

# --- password guessing is banned, then unbanned ------------------------------
krtpd_stop
# (MD5 HA1s: sipp knows only MD5 and reads only the first challenge)
krtpd_users alice md5:alice-secret bob md5:bob-secret
krtpd_config user "metrics_listen = 127.0.0.1:9090" "users_file = $KRTPD_USERS" \
	"ban_after_auth_failures = $BAN_AFTER" "ban_time = $BAN_TIME" "limit_exempt = none"
rm -rf "$KRTPD_STATE"
krtpd_start || { ktap_test_fail "krtpd restarts with a users file"; ktap_finished; exit; }

# sipp puts the server's address:port in the digest uri=; krtpd wants the
# Request-URI there (-auth_uri)
# The ban starts during the last wrong try, so a clock read just before that
# try is a lower bound for its start: the measured length is at least
# ban_time, and at most ban_time plus that try, the 1 s expiry sweep and
# polling.
for i in $(seq "$BAN_AFTER"); do
	banned_at=${EPOCHREALTIME/./}
	SVC=alice sip_check "wrong password $i refused" \
		alice reg-auth-bad.xml -au alice -ap not-alices-password -key contact_port 5064 \
		-auth_uri "$SIP_DOMAIN"
done
check "the ban is logged: source, duration, reason" yes \
	"$(busywait 5000 logged "banned $CALLER4 for ${BAN_TIME}s: $BAN_AFTER failed authentications within 60s" && echo yes)"
check "one ban in force" 1 "$(metric krtpd_limits_bans_active)"
check "auth failures counted" "$BAN_AFTER" "$(metric krtpd_limits_auth_failures_total)"
check "banned: alice's OPTIONS goes unanswered" no "$(options_ok && echo yes || echo no)"
check "banned: her drops are counted" yes \
	"$([ "$(metric 'krtpd_limits_dropped_total{reason="banned"}')" -ge 1 ] && echo yes)"
SVC=bob sip_check "bob, another source, registers meanwhile" \
	bob reg-auth.xml -au bob -ap bob-secret -auth_uri "$SIP_DOMAIN"
check "the expiry is logged" yes \
	"$(busywait $(( (BAN_TIME + 15) * 1000 )) logged "ban of $CALLER4 expired" && echo yes)"
waited=$(( (${EPOCHREALTIME/./} - banned_at) / 1000000 ))
check_range "the ban lasted ban_time seconds, not less" "$BAN_TIME" $((BAN_TIME + 10)) "$waited"
check "no ban in force" 0 "$(metric krtpd_limits_bans_active)"
SVC=alice sip_check "after the ban alice registers with her password" \
	alice reg-auth.xml -au alice -ap alice-secret -auth_uri "$SIP_DOMAIN"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
sip_keep_logs
ktap_finished
