#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-family flows: a packet that arrives over IPv6 leaves over IPv4 and
# the other way round, with a new IP header. The callee sees the via
# address and port of its own family, counters are exact, a wrong source is
# dropped, DSCP and the hop limit carry across, and the UDP checksum is
# right: the relay's egress computes nothing (tx offload off on r2), so
# every packet the callee's socket takes was checksummed right by krtp.ko,
# for packets that come in with a partial checksum (veth offload), a full
# one (offload off on c0) and none at all (IPv4 SO_NO_CHECK).
#
#   [fd00:1::2]:6000 -> [fd00:1::1]:4000 ==>  10.0.2.1:4000   ->  10.0.2.2:5000   (6 to 4)
#    10.0.1.2:6002   ->  10.0.1.1:4002   ==> [fd00:2::1]:4002 -> [fd00:2::2]:5002 (4 to 6)
#    10.0.1.2:6004   ->  10.0.1.1:4004   ==> [fd00:2::1]:4004 -> [fd00:2::2]:5004 (4 to 6, no checksum)
. "$(dirname "$0")/lib.sh"
require_tools
for t in ethtool nft python3; do
	command -v $t >/dev/null || skip_all "$t missing"
done
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

# xsend NS SRC SPORT DST DPORT COUNT TOS NOCHECK: RTP packets of 172 bytes
# with this TOS / traffic class, and (IPv4) without a UDP checksum
cat >"$TMPD/xsend.py" <<'EOF'
import socket, struct, sys
src, sport, dst, dport, n, tos, nocheck = sys.argv[1:8]
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(tos, 0))
    if nocheck == '1':
        s.setsockopt(socket.SOL_SOCKET, 11, 1)	# SO_NO_CHECK
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(tos, 0))
s.bind((src, int(sport)))
for i in range(int(n)):
    rtp = struct.pack('!BBHII', 0x80, 0, 100 + i, 160 * i, 0xc0ffee)
    s.sendto(rtp + bytes(160), (dst, int(dport)))
EOF
xsend() {
	ip netns exec "$1" python3 "$TMPD/xsend.py" "${@:2}"
}

# the callee counts what arrives with DSCP EF and one hop less than sent
ip netns exec "$callee" nft -f - <<EOF
table inet xf {
	counter v4ef {}
	counter v6ef {}
	chain in {
		type filter hook input priority 0;
		ip saddr $RELAY4B udp sport 4000 ip dscp ef ip ttl 63 counter name v4ef
		ip6 saddr $RELAY6B udp sport 4002 ip6 dscp ef ip6 hoplimit 63 counter name v6ef
	}
}
EOF
nft_count() {
	ip netns exec "$callee" nft -j list counter inet xf "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
csum_errors() {
	ip netns exec "$callee" awk '
		$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Udp:" && h { n += $col["InCsumErrors"] }
		$1 == "Udp6InCsumErrors" { n += $2 }
		END { print n + 0 }' /proc/net/snmp /proc/net/snmp6
}
check_ok "relay egress computes no checksum" ip netns exec "$relay" ethtool -K r2 tx off

L64="[$RELAY6]:4000"
L46="$RELAY4:4002"
L46N="$RELAY4:4004"
check_ok "flow add 6 to 4" kctl flow add "$L64" to "$CALLEE4:5000" via "$RELAY4B:4000"
check_ok "flow add 4 to 6" kctl flow add "$L46" to "[$CALLEE6]:5002" via "[$RELAY6B]:4002"
check_ok "flow add 4 to 6 (no checksum)" kctl flow add "$L46N" to "[$CALLEE6]:5004" via "[$RELAY6B]:4004"
check "via shown in the peer's family" "$RELAY4B:4000" "$(ffield "$L64" .via)"
check "peer shown" "[$CALLEE6]:5002" "$(ffield "$L46" .peer)"

recv_start r64 "$callee" -l "$CALLEE4:5000" -n 15 -w 300 -t 60000
recv_start r46 "$callee" -l "[$CALLEE6]:5002" -n 14 -w 300 -t 60000
recv_start r46n "$callee" -l "[$CALLEE6]:5004" -n 5 -w 300 -t 60000

# partial checksums (veth offload on the caller)
check_ok "send 10 over IPv6" send "$caller" -s "[$CALLER6]:6000" -d "$L64" -n 10 -z 172
check_ok "send 8 over IPv4" send "$caller" -s "$CALLER4:6002" -d "$L46" -n 8 -z 100
check_stat "6 to 4: source learned, 10 forwarded" "$L64" packets 10
check_ok "send 4 from a wrong source port" send "$caller" -s "[$CALLER6]:6010" -d "$L64" -n 4 -z 172
check_stat "6 to 4: wrong source dropped" "$L64" drop_wrong_source 4

# full checksums, DSCP EF; and none at all
check_ok "caller computes its checksums" ip netns exec "$caller" ethtool -K c0 tx off
check_ok "send 5 over IPv6, EF" xsend "$caller" "$CALLER6" 6000 "$RELAY6" 4000 5 0xb8 0
check_ok "send 6 over IPv4, EF" xsend "$caller" "$CALLER4" 6002 "$RELAY4" 4002 6 0xb8 0
check_ok "send 5 over IPv4 without checksum" xsend "$caller" "$CALLER4" 6004 "$RELAY4" 4004 5 0 1

recv_wait r64
recv_wait r46
recv_wait r46n
check "6 to 4: callee saw 10.0.2.1:4000 only" "$RELAY4B:4000 15" "$(recv_sources r64)"
check "4 to 6: callee saw [fd00:2::1]:4002 only" "[$RELAY6B]:4002 14" "$(recv_sources r46)"
check "4 to 6 without checksum: callee saw [fd00:2::1]:4004" "[$RELAY6B]:4004 5" "$(recv_sources r46n)"
check "callee: no UDP checksum errors" 0 "$(csum_errors)"
check "6 to 4: DSCP EF and TTL 63 at the callee" 5 "$(nft_count v4ef)"
check "4 to 6: DSCP EF and hop limit 63 at the callee" 6 "$(nft_count v6ef)"

check_stat "6 to 4 packets" "$L64" packets 15
check_stat "6 to 4 bytes" "$L64" bytes 2580
check_stat "4 to 6 packets" "$L46" packets 14
check_stat "4 to 6 bytes" "$L46" bytes 1832
check_stat "4 to 6 (no checksum) packets" "$L46N" packets 5
check "learned IPv6 source" "[$CALLER6]:6000" "$(ffield "$L64" .source)"
check "learned IPv4 source" "$CALLER4:6002" "$(ffield "$L46" .source)"
check_nstat "stats packets" packets 34
check_nstat "stats drop_wrong_source" drop_wrong_source 4

check_unload
ktap_finished
