#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WebRTC demultiplexing (RFC 7983): on a pass-stun-dtls flow, STUN (first
# byte 0-3) and DTLS (20-63) reach the socket bound on the flow's local
# address, from any source and without teaching the flow its source, while
# RTP on the same 5-tuple is forwarded; a flow without the flag forwards
# them all as before. Counters exact: per flow, namespace and sysfs.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   sends from :600x         udprecv (krtpd's socket)               udprecv :500x
#                            on 10.0.1.1:400x, flows on the same
#
#   10.0.1.1:4000 pass-stun-dtls -> 10.0.2.2:5000
#   10.0.1.1:4002                -> 10.0.2.2:5002
. "$(dirname "$0")/lib.sh"
require_tools
command -v python3 >/dev/null || skip_all "python3 missing"
ktap_print_header

# udpsend NS SRC_ADDR:PORT DST_ADDR:PORT FIRST_BYTE COUNT: COUNT datagrams
# of 40 bytes whose first byte is FIRST_BYTE (decimal): 0 and 1 are a STUN
# binding request and response (with the magic cookie), 22 a DTLS handshake
# record; the rest is filler
udpsend() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "$5" <<'EOF'
import socket, sys
src, dst, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def ep(s):
    a, p = s.rsplit(':', 1)
    return (a, int(p))
if first <= 3:
    msg = bytes([first, 1, 0, 20]) + bytes.fromhex('2112a442') + bytes(32)
elif first == 22:
    msg = bytes([22, 0xfe, 0xfd]) + bytes(37)
else:
    msg = bytes([first]) + bytes(39)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(ep(src))
for _ in range(count):
    s.sendto(msg[:40], ep(dst))
EOF
}

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

# 1: the flag reads back; nothing learned yet
kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" pass-stun-dtls >/dev/null
check "flag shown" '["pass-stun-dtls"]' "$(ffield "$RELAY4:4000" .flags | jq -c .)"
recv_start sock "$relay" -l "$RELAY4:4000" -n 9 -w 300 -t 60000
recv_start media "$callee" -l "$CALLEE4:5000" -n 12 -w 300 -t 60000

# 2: STUN and DTLS first, from two ports: to the socket, and no source learned
udpsend "$caller" "$CALLER4:6000" "$RELAY4:4000" 0 3
udpsend "$caller" "$CALLER4:6001" "$RELAY4:4000" 22 2
check_stat "STUN and DTLS passed" "$RELAY4:4000" passed 5
check "no source learned from STUN/DTLS" false "$(ffield "$RELAY4:4000" .src_locked)"
check_stat "nothing forwarded yet" "$RELAY4:4000" packets 0

# 3: RTP from :6000 is forwarded and locks the source
check_ok "send 10 RTP packets" send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 10 -z 172
check_stat "RTP forwarded" "$RELAY4:4000" packets 10
check "source locked to the RTP sender" "$CALLER4:6000" "$(ffield "$RELAY4:4000" .source)"

# 4: after the lock, STUN from another candidate still reaches the socket;
# RTP from there is dropped; the edges of the ranges: 3 and 63 pass,
# 4 and 64 are forwarded (not RTP, not strict) from the locked source
udpsend "$caller" "$CALLER4:6009" "$RELAY4:4000" 1 2
send "$caller" -s "$CALLER4:6009" -d "$RELAY4:4000" -n 2 -z 172
udpsend "$caller" "$CALLER4:6000" "$RELAY4:4000" 3 1
udpsend "$caller" "$CALLER4:6000" "$RELAY4:4000" 63 1
udpsend "$caller" "$CALLER4:6000" "$RELAY4:4000" 4 1
udpsend "$caller" "$CALLER4:6000" "$RELAY4:4000" 64 1
recv_wait sock
recv_wait media
check "socket got STUN/DTLS from every source" \
	"$(printf '%s\n' "$CALLER4:6000 5" "$CALLER4:6001 2" "$CALLER4:6009 2")" \
	"$(recv_sources sock)"
check "socket got 9 datagrams" 9 "$(recv_total sock)"
check "callee got the 10 RTP and 2 other" 12 "$(recv_total media)"
check "callee saw the relay only" "$RELAY4:4000 12" "$(recv_sources media)"
check_stat "flow passed" "$RELAY4:4000" passed 9
check_stat "flow packets (RTP and other)" "$RELAY4:4000" packets 12
check_stat "flow drop_wrong_source (RTP only)" "$RELAY4:4000" drop_wrong_source 2
check_stat "flow packets_total" "$RELAY4:4000" packets_total 23
check "source still :6000" "$CALLER4:6000" "$(ffield "$RELAY4:4000" .source)"

# 5: without the flag STUN and DTLS are forwarded like anything else
kctl flow add "$RELAY4:4002" to "$CALLEE4:5002" >/dev/null
recv_start sock2 "$relay" -l "$RELAY4:4002" -n 1 -t 3000
recv_start media2 "$callee" -l "$CALLEE4:5002" -n 9 -w 300 -t 60000
udpsend "$caller" "$CALLER4:6002" "$RELAY4:4002" 0 2
udpsend "$caller" "$CALLER4:6002" "$RELAY4:4002" 22 2
send "$caller" -s "$CALLER4:6002" -d "$RELAY4:4002" -n 5 -z 172
recv_wait media2
recv_wait sock2
check "no flag: callee got all 9" 9 "$(recv_total media2)"
check "no flag: socket got none" 0 "$(recv_total sock2)"
check_stat "no flag: packets" "$RELAY4:4002" packets 9
check_stat "no flag: passed" "$RELAY4:4002" passed 0

# 6: namespace totals and module-wide sysfs
check_nstat "stats passed" passed 9
check_nstat "stats packets" packets 21
check_nstat "stats packets_total" packets_total 32
check_sysfs "sysfs packets_passed" packets_passed 9
check_sysfs "sysfs packets_forwarded" packets_forwarded 21
check_sysfs "sysfs packets_dropped" packets_dropped 2

check_unload
ktap_finished
