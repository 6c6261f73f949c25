#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RTCP counting: on a flow with the rtcp flag (the odd port of a non-muxed
# pair) everything is RTCP; on an RTP flow, packets whose second byte is
# 200/201 (SR/RR, RFC 5761 rtcp-mux) are RTCP and are counted apart from
# RTP, and do not disturb the RTP analysis. A flow with an RTCP peer (a
# muxed leg relayed to one that does not mux) sends that RTCP to the RTCP
# port and the RTP to the peer; with an RTCP via, that RTCP leaves from the
# relay's RTCP port facing the callee (symmetric RTCP, RFC 4961), the RTP
# from its via.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#
#   :6000 -> 10.0.1.1:4000 (RTP + muxed RTCP)  ==>  10.0.2.2:5000
#   :6001 -> 10.0.1.1:4001 (rtcp flag)         ==>  10.0.2.2:5001
#   :6002 -> 10.0.1.1:4002 (RTP + muxed RTCP)  ==>  RTP  10.0.2.2:5002
#                          rtcp-to 10.0.2.2:5003   ==>  RTCP 10.0.2.2:5003
#   :6004 -> 10.0.1.1:4004 (RTP + muxed RTCP)  ==>  RTP  10.0.2.2:5004 from 10.0.2.1:4010
#                          rtcp-to 10.0.2.2:5005   ==>  RTCP 10.0.2.2:5005 from 10.0.2.1:4011
. "$(dirname "$0")/lib.sh"
require_tools
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

kctl flow add "$RELAY4:4000" to "$CALLEE4:5000" >/dev/null
check_ok "flow add rtcp" kctl flow add "$RELAY4:4001" to "$CALLEE4:5001" rtcp
check "rtcp flag shown" '["rtcp"]' "$(ffield "$RELAY4:4001" .flags | jq -c .)"

recv_start mux "$callee" -l "$CALLEE4:5000" -n 15 -w 300 -t 60000
recv_start ctl "$callee" -l "$CALLEE4:5001" -n 4 -w 300 -t 60000
# 10 RTP (PT 8, 172 bytes), 3 SR (52 bytes), 2 RR (32 bytes), all to the RTP port
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 10 -z 172 -p 8
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 3 -z 52 -c 200
send "$caller" -s "$CALLER4:6000" -d "$RELAY4:4000" -n 2 -z 32 -c 201
# 4 SR (52 bytes) to the RTCP port
send "$caller" -s "$CALLER4:6001" -d "$RELAY4:4001" -n 4 -z 52 -c 200
recv_wait mux
recv_wait ctl

check "callee received RTP and muxed RTCP" "$RELAY4:4000 15" "$(recv_sources mux)"
check "callee received RTCP on the RTCP flow" "$RELAY4:4001 4" "$(recv_sources ctl)"
check_stat "mux: RTP packets" "$RELAY4:4000" packets 10
check_stat "mux: RTP bytes" "$RELAY4:4000" bytes 1720
check_stat "mux: rtcp_packets (SR + RR)" "$RELAY4:4000" rtcp_packets 5
check_stat "mux: rtcp_bytes" "$RELAY4:4000" rtcp_bytes 220
check_stat "mux: packets_total" "$RELAY4:4000" packets_total 15
check_stat "mux: rtp_pt not taken from RTCP" "$RELAY4:4000" rtp_pt 8
check_stat "mux: no loss from RTCP" "$RELAY4:4000" rtp_lost 0
check_stat "mux: no reordering from RTCP" "$RELAY4:4000" rtp_reordered 0
check_stat "rtcp flow: rtcp_packets" "$RELAY4:4001" rtcp_packets 4
check_stat "rtcp flow: rtcp_bytes" "$RELAY4:4001" rtcp_bytes 208
check_stat "rtcp flow: RTP packets" "$RELAY4:4001" packets 0

# split_run TAG LOCAL RTP_PORT RTCP_PORT FROM: receivers on the callee's
# RTP and RTCP ports (TAGrtp, TAGrtcp), then 6 RTP packets (172 bytes), 3
# SR (52) and 2 RR (32) to LOCAL from the caller's port FROM; waits for both
split_run() {
	recv_start "$1rtp" "$callee" -l "$CALLEE4:$3" -n 6 -w 300 -t 60000
	recv_start "$1rtcp" "$callee" -l "$CALLEE4:$4" -n 5 -w 300 -t 60000
	send "$caller" -s "$CALLER4:$5" -d "$2" -n 6 -z 172 -p 8
	send "$caller" -s "$CALLER4:$5" -d "$2" -n 3 -z 52 -c 200
	send "$caller" -s "$CALLER4:$5" -d "$2" -n 2 -z 32 -c 201
	recv_wait "$1rtp"
	recv_wait "$1rtcp"
}

# split_stats NAME LOCAL: the flow counted split_run's packets exactly
split_stats() {
	check_stat "$1: RTP packets" "$2" packets 6
	check_stat "$1: rtcp_packets" "$2" rtcp_packets 5
	check_stat "$1: rtcp_bytes" "$2" rtcp_bytes 220
}

# the split: RTP to the peer, muxed RTCP to the RTCP peer, each exactly
check_ok "flow add rtcp-to" kctl flow add "$RELAY4:4002" to "$CALLEE4:5002" rtcp-to "$CALLEE4:5003"
check "rtcp peer shown" "$CALLEE4:5003" "$(ffield "$RELAY4:4002" .rtcp_peer)"
check "no rtcp peer on a plain flow" null "$(ffield "$RELAY4:4000" .rtcp_peer)"
split_run s "$RELAY4:4002" 5002 5003 6002
check "split: RTP port got the RTP only" "$RELAY4:4002 6" "$(recv_sources srtp)"
check "split: RTCP port got SR and RR" "$RELAY4:4002 5" "$(recv_sources srtcp)"
split_stats split "$RELAY4:4002"
check_stat "split: no loss from RTCP" "$RELAY4:4002" rtp_lost 0
check_stat "split: packets_total" "$RELAY4:4002" packets_total 11

# the split from the RTCP port: the callee's RTCP socket sees the relay's
# RTCP port as the sender, its RTP socket the via
check_ok "flow add rtcp-via" kctl flow add "$RELAY4:4004" to "$CALLEE4:5004" \
	via "$RELAY4B:4010" rtcp-to "$CALLEE4:5005" rtcp-via "$RELAY4B:4011"
check "rtcp via shown" "$RELAY4B:4011" "$(ffield "$RELAY4:4004" .rtcp_via)"
check "no rtcp via without one" null "$(ffield "$RELAY4:4002" .rtcp_via)"
check "rtcp via in the text" 1 \
	"$(kctl flow show "$RELAY4:4004" | grep -c "rtcp-to $CALLEE4:5005 rtcp-via $RELAY4B:4011")"
split_run v "$RELAY4:4004" 5004 5005 6004
check "rtcp via: RTP from the via" "$RELAY4B:4010 6" "$(recv_sources vrtp)"
check "rtcp via: RTCP from the RTCP via" "$RELAY4B:4011 5" "$(recv_sources vrtcp)"
split_stats "rtcp via" "$RELAY4:4004"

check_nstat "stats rtcp_packets" rtcp_packets 19
check_nstat "stats rtcp_bytes" rtcp_bytes 868
check_nstat "stats packets" packets 22
check_sysfs "sysfs rtcp_packets" rtcp_packets 19
check_sysfs "sysfs rtcp_bytes" rtcp_bytes 868
# README: packets_forwarded counts RTP and RTCP; rtcp_* is the RTCP part of it
check_sysfs "sysfs packets_forwarded (RTP + RTCP)" packets_forwarded 41
check_sysfs "sysfs bytes_forwarded (RTP + RTCP)" bytes_forwarded 4652

check_unload
ktap_finished
