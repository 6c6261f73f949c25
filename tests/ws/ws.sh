#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SIP over WebSocket end to end, on loopback, without root or a VM:
#
#   wsphone.py (alice)  --WS :ws / WSS :wss-->  krtpd  <--UDP :sip--  sipp (bob)
#   python3-websockets                          (media = user)         uac-ws.xml
#
# For WS, then for WSS (a certificate from a test CA made with certtool,
# which the phone trusts): alice registers over the WebSocket with digest
# authentication; krtpctl registrations shows her binding as WS (WSS);
# bob's INVITE reaches her over her connection with Record-Route
# ;transport=ws (wss), she answers 200, bob ACKs and hangs up, she answers
# the BYE and closes the WebSocket, and krtpd answers the close. Then
# krtpd holds no call, /metrics counted the handshakes, and an Upgrade
# without the sip subprotocol is refused with 400.
#
# Last, SIGHUP and the DTLS certificate (two pairs made with openssl):
# krtpd logs the first one's fingerprint at start; with the second pair
# copied over the files, SIGHUP logs the reload with openssl's fingerprint
# of the new certificate; with a file that is no certificate, it logs the
# error naming the file, keeps that fingerprint and goes on running.
#
#   tests/ws/ws.sh [KRTPD]      (default daemon/krtpd); last line "N passed, N failed"
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krtpd=${1:-$top/daemon/krtpd}
krtpctl=$top/tools/krtpctl/krtpctl
py=/usr/bin/python3		# Debian's, which has python3-websockets
tmp=$(mktemp -d /tmp/krtp-ws.XXXXXX)
pass=0
fail=0
pids=()

cleanup() {
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

result() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $((pass + fail)) - $2"
	else
		fail=$((fail + 1))
		echo "not ok $((pass + fail)) - $2"
	fi
}

# check WHAT CMD...: one result from a command's status
check() {
	local what=$1

	shift
	"$@"
	result $? "$what"
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

for t in "$krtpd" "$krtpctl" sipp certtool curl openssl; do
	command -v "$t" >/dev/null || { echo "# missing: $t"; result 1 "tools present"; finish; }
done
"$py" -c 'import websockets' 2>/dev/null ||
	{ echo "# python3-websockets missing"; result 1 "tools present"; finish; }

# free loopback ports: SIP (UDP), WS, WSS, metrics (TCP), sipp's SIP (UDP),
# sipp's media (UDP, four in a row from an even one), krtpd's relay range
read -r sip ws wss met uac media rtp < <("$py" - <<'EOF'
import random, socket

held = []

def free(kind, port=0):
    t = socket.socket(socket.AF_INET, kind)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        return 0
    held.append(t)
    return t.getsockname()[1]

def run(n):
    while True:
        base = random.randrange(20000, 60000 - n, 2)
        if all(free(socket.SOCK_DGRAM, base + i) for i in range(n)):
            return base

print(free(socket.SOCK_DGRAM), free(socket.SOCK_STREAM), free(socket.SOCK_STREAM),
      free(socket.SOCK_STREAM), free(socket.SOCK_DGRAM), run(4), run(20))
EOF
)

# the test CA and krtpd's certificate for 127.0.0.1
pki=$tmp/pki
mkdir -p "$pki"
printf 'cn = krtp test CA\nca\ncert_signing_key\nexpiration_days = 2\n' >"$pki/ca.tmpl"
printf 'cn = 127.0.0.1\nip_address = 127.0.0.1\ntls_www_server\nexpiration_days = 2\n' \
	>"$pki/krtpd.tmpl"
certtool --generate-privkey --key-type ecdsa --outfile "$pki/ca.key" >/dev/null 2>&1 &&
certtool --generate-self-signed --load-privkey "$pki/ca.key" --template "$pki/ca.tmpl" \
	--outfile "$pki/ca.pem" >/dev/null 2>&1 &&
certtool --generate-privkey --key-type ecdsa --outfile "$pki/krtpd.key" >/dev/null 2>&1 &&
certtool --generate-certificate --load-privkey "$pki/krtpd.key" \
	--load-ca-certificate "$pki/ca.pem" --load-ca-privkey "$pki/ca.key" \
	--template "$pki/krtpd.tmpl" --outfile "$pki/krtpd.pem" >/dev/null 2>&1
result $? "test CA and krtpd certificate made with certtool"

# two DTLS certificates: krtpd starts with the first, SIGHUP loads the second
dtls=$tmp/dtls
mkdir -p "$dtls"
for n in 1 2; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dtls/key$n.pem" -out "$dtls/cert$n.pem" -subj "/CN=krtpd $n" \
		-days 2 >/dev/null 2>&1 || break
done
cp "$dtls/cert1.pem" "$dtls/cert.pem" && cp "$dtls/key1.pem" "$dtls/key.pem"
result $? "two DTLS certificates made with openssl"

echo "alice:alice-secret" >"$tmp/users"
chmod 600 "$tmp/users"
cat >"$tmp/krtpd.conf" <<EOF
listen = udp:127.0.0.1:$sip
listen_ws = 127.0.0.1:$ws
listen_wss = 127.0.0.1:$wss
tls_certificate = $pki/krtpd.pem
tls_private_key = $pki/krtpd.key
ws_origins = https://phone.krtp.test
domain = krtp.test
users_file = $tmp/users
auth_calls = no
media = user
# alice is a WebSocket phone with plain RTP, not a browser
ws_webrtc = no
rtp_port_min = $rtp
rtp_port_max = $((rtp + 19))
state_db = $tmp/state.db
control_socket = $tmp/ctl.sock
metrics_listen = 127.0.0.1:$met
dtls_certificate = $dtls/cert.pem
dtls_private_key = $dtls/key.pem
EOF
"$krtpd" -f -c "$tmp/krtpd.conf" >"$tmp/krtpd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$tmp/ctl.sock" ] && break
	sleep 0.1
done
check "krtpd starts with listen_ws and listen_wss" test -S "$tmp/ctl.sock"

ctl() {
	"$krtpctl" --socket "$tmp/ctl.sock" "$@"
}

metric() {
	curl -s "http://127.0.0.1:$met/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# call SCHEME PORT TRANSPORT [reconnect]: alice registers over SCHEME, bob
# calls her; with reconnect she drops her WebSocket after the ACK, connects
# and registers again, and bob's BYE (3 s after the ACK) must reach her
# there: her dialog's connection is gone, her binding names the new one
call() {
	local scheme=$1 port=$2 tp=$3 again=${4:-} phone i name=$1 pause=500

	[ -n "$again" ] && name=$scheme-$again pause=3000
	phone=$tmp/phone-$name.out

	"$py" "$here/wsphone.py" --user alice --password alice-secret --domain krtp.test \
		--cafile "$pki/ca.pem" --transport "$scheme" ${again:+--reconnect} \
		"$scheme://127.0.0.1:$port/" >"$phone" 2>&1 &
	local ph=$!
	pids+=("$ph")
	for i in $(seq 200); do
		grep -q '^registered$' "$phone" && break
		kill -0 "$ph" 2>/dev/null || break
		sleep 0.1
	done
	check "$scheme: alice registers with digest authentication" grep -q '^registered$' "$phone"
	check "$scheme: krtpctl registrations shows her binding as $tp" \
		bash -c "ctl() { '$krtpctl' --socket '$tmp/ctl.sock' \"\$@\"; }; \
			ctl registrations | grep -q 'sip:alice@krtp.test .* $tp\$'"
	timeout -k 5 40 sipp -sf "$here/uac-ws.xml" -i 127.0.0.1 -p "$uac" -mi 127.0.0.1 \
		-mp "$media" -s alice -key domain krtp.test -m 1 -nostdin -timeout 30s -d "$pause" \
		-recv_timeout 15000 -trace_err -error_file "$tmp/sipp-$name.err" \
		"127.0.0.1:$sip" >"$tmp/sipp-$name.out" 2>&1
	check "$name: bob's call over UDP reaches alice, 200, ACK, BYE (sipp)" test $? = 0
	wait "$ph"
	check "$name: alice saw it all over her WebSocket${again:+s} and krtpd answered her close" \
		test $? = 0
	sed 's/^/#   /' "$phone"
	[ -s "$tmp/sipp-$name.err" ] && sed 's/^/#   sipp: /' "$tmp/sipp-$name.err" | head -n 20
}

call ws "$ws" WS
call wss "$wss" WSS
call ws "$ws" WS reconnect

# after both calls: nothing left, and the counters say what happened
calls=$(ctl --json calls | tr -d ' \n')
check "no call left in krtpd: $calls" test "$calls" = "[]"
check "krtpd_ws_handshakes_total is 4" test "$(metric krtpd_ws_handshakes_total)" = 4
check "krtpd_ws_closes_total is 4" test "$(metric krtpd_ws_closes_total)" = 4
refused=$(printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' |
	timeout 5 "$py" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(200).decode().split("\r\n")[0])' "$ws")
check "an Upgrade without subprotocol sip is refused: $refused" \
	test "$refused" = "HTTP/1.1 400 Bad Request"
check "krtpd_ws_handshake_failures_total{reason=\"bad_request\"} is 1" \
	test "$(metric 'krtpd_ws_handshake_failures_total{reason="bad_request"}')" = 1
# SHA-256 fingerprint of a PEM certificate, as openssl prints it (AB:CD:...)
fp_of() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'
}

# wait_log PATTERN: until krtpd's log has a line matching PATTERN (5 s at most)
wait_log() {
	local i

	for i in $(seq 50); do
		grep -q -- "$1" "$tmp/krtpd.log" && return 0
		sleep 0.1
	done
	return 1
}

fp1=$(fp_of "$dtls/cert1.pem")
fp2=$(fp_of "$dtls/cert2.pem")
check "DTLS certificate at start: the log has openssl's fingerprint $fp1" \
	grep -q "DTLS certificate from $dtls/cert.pem, fingerprint sha-256 $fp1\$" "$tmp/krtpd.log"
cp "$dtls/cert2.pem" "$dtls/cert.pem" && cp "$dtls/key2.pem" "$dtls/key.pem"
kill -HUP "${pids[0]}"
wait_log "DTLS certificate reloaded from"
check "SIGHUP names what it reloads" grep -q \
	"SIGHUP: reloading the users file, the TLS certificate and the DTLS certificate\$" \
	"$tmp/krtpd.log"
got=$(sed -n 's/.*DTLS certificate reloaded from .*, fingerprint sha-256 //p' "$tmp/krtpd.log")
check "SIGHUP reloads the DTLS certificate: fingerprint $got is openssl's of the new one" \
	test -n "$got" -a "$got" = "$fp2" -a "$got" != "$fp1"
echo "not a certificate" >"$dtls/cert.pem"
kill -HUP "${pids[0]}"
wait_log "not reloaded, the one in use stays"
check "a DTLS certificate that is no PEM: the error names the file" grep -q \
	"krtpd error: media: dtls_certificate $dtls/cert.pem: not a PEM certificate" "$tmp/krtpd.log"
check "and the certificate in use stays" grep -q \
	"krtpd error: media: dtls_certificate $dtls/cert.pem not reloaded, the one in use stays: fingerprint sha-256 $fp2\$" \
	"$tmp/krtpd.log"
kill -0 "${pids[0]}" 2>/dev/null
check "krtpd still running" test $? = 0
[ "$fail" = 0 ] || sed 's/^/#   krtpd: /' "$tmp/krtpd.log" | tail -n 30
finish
