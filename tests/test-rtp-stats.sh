#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RTP analysis from crafted sequences: losses, duplicates and reordering are
# exact (RFC 3550 A.1: a late packet fills the gap it left, so it is not
# lost); interarrival jitter (RFC 3550 A.8) against what the formula gives
# for a known send spacing, with a bound wide enough for emulated timing.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#
#   one flow per case: 10.0.1.1:40xx ==> 10.0.2.2:50xx
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

# case PORT SEQS LOST DUPLICATES REORDERED
rtp_case() {
	local port=$1 seqs=$2 lost=$3 dup=$4 reord=$5 n

	n=$(echo "$seqs" | tr ',' '\n' | grep -c .)
	kctl flow add "$RELAY4:$port" to "$CALLEE4:$((port + 1000))" >/dev/null
	recv_start "c$port" "$callee" -v -l "$CALLEE4:$((port + 1000))" -n "$n" -w 300 -t 60000
	send "$caller" -s "$CALLER4:$((port + 2000))" -d "$RELAY4:$port" -Q "$seqs" -S 0x1000$port -p 96
	recv_wait "c$port"
	check "seq $seqs: every packet forwarded, in order" "$seqs" \
		"$(sed -n 's/^pkt [^ ]* [0-9]* //p' "$TMPD/c$port.out" | paste -sd,)"
	check_stat "seq $seqs: packets" "$RELAY4:$port" packets "$n"
	check_stat "seq $seqs: rtp_lost" "$RELAY4:$port" rtp_lost "$lost"
	check_stat "seq $seqs: rtp_duplicates" "$RELAY4:$port" rtp_duplicates "$dup"
	check_stat "seq $seqs: rtp_reordered" "$RELAY4:$port" rtp_reordered "$reord"
}

rtp_case 4000 1,2,3,5,6,8,9,10 2 0 0
rtp_case 4002 1,2,3,3,4,5,2 0 2 0
rtp_case 4004 1,2,4,3,5,7,6,8 0 0 2
rtp_case 4006 65533,65534,65535,1,2,3 1 0 0
rtp_case 4008 10,11,13,12,13,15,14,17 1 1 2
check_stat "rtp_ssrc last seen" "$RELAY4:4008" rtp_ssrc $((0x10004008))
check_stat "rtp_pt last seen" "$RELAY4:4008" rtp_pt 96
check_nstat "namespace rtp_lost" rtp_lost 4

# Two SSRCs on one flow. A packet of another now and then (RTX) neither
# restarts the stream nor hides its loss (11 lost); KRTP_RTP_SSRC_SWITCH
# (16) of another in a row, a PBX that bridged in another party, are
# followed, with no loss counted for the change (rtp_lost is a counter:
# the first stream's stays).
kctl flow add "$RELAY4:4010" to "$CALLEE4:5010" >/dev/null
recv_start c4010 "$callee" -l "$CALLEE4:5010" -n 21 -w 300 -t 60000
sendq() { send "$caller" -s "$CALLER4:6010" -d "$RELAY4:4010" -S "$1" -Q "$2"; }
sendq 0xa 1,2,3,4,5,6,7,8,9,10
sendq 0xb 500
sendq 0xa 12,13,14,15,16,17,18,19,20
sendq 0xb 501
recv_wait c4010
check_stat "RTX-like second SSRC: rtp_ssrc stays the stream's" "$RELAY4:4010" rtp_ssrc 10
check_stat "RTX-like second SSRC: rtp_lost is the stream's gap" "$RELAY4:4010" rtp_lost 1
recv_start c4010b "$callee" -l "$CALLEE4:5010" -n 16 -w 300 -t 60000
send "$caller" -s "$CALLER4:6010" -d "$RELAY4:4010" -S 0xb -q 502 -n 16
recv_wait c4010b
check_stat "16 of the other SSRC in a row: followed" "$RELAY4:4010" rtp_ssrc 11
check_stat "16 of the other SSRC in a row: no loss for the change, none forgotten" \
	"$RELAY4:4010" rtp_lost 1
check_stat "two SSRCs: every packet forwarded" "$RELAY4:4010" packets 37

# Jitter. Packets leave every 20 ms (160 units at 8000 Hz). With timestamp
# steps alternating 0 and 320 the transit time changes by |D| = 160 units
# at every packet, so J = J + (|D| - J)/16 approaches 160 (after 59 steps:
# 160 * (1 - (15/16)^59) = 156). With steady steps of 160, D = 0 and J
# only shows the timing noise of the emulator.
kctl flow add "$RELAY4:4100" to "$CALLEE4:5100" >/dev/null
kctl flow add "$RELAY4:4102" to "$CALLEE4:5102" clock-rate 8000 >/dev/null
check "clock_rate default" 8000 "$(ffield "$RELAY4:4100" .clock_rate)"
ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:6100" -d "$RELAY4:4100" -n 60 -i 20000 -J 0,320 >/dev/null &
p1=$!
ip netns exec "$caller" "$RTPSEND" -s "$CALLER4:6102" -d "$RELAY4:4102" -n 60 -i 20000 -T 160 >/dev/null &
p2=$!
wait $p1 $p2
check_stat "jitter flows: all 60 packets counted" "$RELAY4:4100" packets 60
check_stat "steady flow: all 60 packets counted" "$RELAY4:4102" packets 60
j=$(fstat "$RELAY4:4100" rtp_jitter)
ju=$(fstat "$RELAY4:4100" rtp_jitter_usecs)
js=$(fstat "$RELAY4:4102" rtp_jitter)
ktap_print_msg "jitter: alternating $j units ($ju us), steady $js units"
check_range "jitter with |D| = 160 (expect ~156)" 110 230 "$j"
check_range "jitter with D = 0 (timing noise only)" 0 80 "$js"
check "rtp_jitter_usecs = rtp_jitter * 1e6 / 8000" "$((j * 125))" "$ju"

kctl flow add "$RELAY4:4104" to "$CALLEE4:5104" clock-rate 48000 >/dev/null
check "clock-rate round-trip" 48000 "$(ffield "$RELAY4:4104" .clock_rate)"

check_unload
ktap_finished
