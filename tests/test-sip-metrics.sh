#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# krtpd's Prometheus endpoint during a call whose media krtp.ko carries:
# scraped with curl, its counters equal what the user agents sent (SIP
# messages counted from sipp's own traces, RTP from the pcap sipp plays and
# the receivers' counters); flows and dialogs are there during the call and
# 0 after. Then hostile HTTP: a malformed request gets 400 (or a close), a
# path other than /metrics 404, POST 405, idle connections are cut, and
# krtpd answers SIP all along.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#                              metrics http://127.0.0.1:9090/metrics (relay ns lo)
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
command -v curl >/dev/null || skip_all "curl missing"
METRICS_URL=http://127.0.0.1:9090
SIP_KERNEL_CONF="metrics_listen = 127.0.0.1:9090"
sip_kernel_setup

# scrape: the metrics text into M (and a copy in $TMPD for failures)
scrape() {
	M=$(ip netns exec "$relay" curl -sf --max-time 10 "$METRICS_URL/metrics") || return 1
	echo "$M" >"$TMPD/metrics-$((++NSCRAPE)).txt"
}
NSCRAPE=0

# m SERIES: the value of one series of the last scrape, e.g.
# m 'krtpd_sip_requests_received_total{method="INVITE"}'
m() {
	echo "$M" | awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }'
}

# http_code [CURL_ARGS...] PATH: the status krtpd's HTTP server answers
http_code() {
	ip netns exec "$relay" curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
		"${@:1:$#-1}" "$METRICS_URL${!#}"
}

# raw_http TEXT: send TEXT (printf format) over TCP, print the status line
# ("closed" if the server closed without one)
raw_http() {
	ip netns exec "$relay" bash -c '
		exec 3<>/dev/tcp/127.0.0.1/9090 || exit 1
		printf "$1" >&3
		line=$(timeout 10 head -n 1 <&3 | tr -d "\r")
		echo "${line:-closed}"' _ "$1"
}

# sipp_count sent|received REGEX FILES...: messages sipp logged as sent or
# received whose start line matches REGEX (retransmissions included, as
# krtpd counts them)
sipp_count() {
	local dir=$1 re=$2

	shift 2
	awk -v d="$dir" '$0 ~ "message " d { getline; getline; print }' "$@" /dev/null |
		grep -cE "$re"
}

# --- after the two REGISTERs -----------------------------------------------
scrape
check "scrape answers 200 with the Prometheus content type" \
	"200 text/plain; version=0.0.4; charset=utf-8" \
	"$(ip netns exec "$relay" curl -s -o /dev/null -w '%{http_code} %{content_type}' "$METRICS_URL/metrics")"
check "HELP and TYPE for every family" \
	"$(echo "$M" | grep -c '^# TYPE')" "$(echo "$M" | grep -c '^# HELP')"
check "counters end in _total" 0 \
	"$(echo "$M" | awk '$1 == "#" && $2 == "TYPE" && $4 == "counter" && $3 !~ /_total$/' | wc -l)"
regs_sent=$(sipp_count sent '^REGISTER ' "$TMPD"/sipp-*.msg)
check "sipp sent the 2 REGISTERs (at least)" 1 $((regs_sent >= 2))
check "REGISTER requests received = REGISTERs sipp sent" "$regs_sent" \
	"$(m 'krtpd_sip_requests_received_total{method="REGISTER"}')"
check "registrations active" 2 "$(m krtpd_sip_registrations_active)"
check "registered users" 2 "$(m krtpd_sip_registered_users)"
# krtpd answered every REGISTER and every OPTIONS of the start-up probe with 200
check "2xx sent = REGISTERs + OPTIONS received" \
	$(($(m 'krtpd_sip_requests_received_total{method="REGISTER"}') + \
	   $(m 'krtpd_sip_requests_received_total{method="OPTIONS"}'))) \
	"$(m 'krtpd_sip_responses_sent_total{class="2xx"}')"
check "no kernel flow yet" 0 "$(m 'krtpd_media_flows_active{mode="kernel"}')"
check "the store committed the registrations" 1 \
	$(($(m krtpd_store_commit_seconds_count) >= 2))
check "krtp.ko's counters are read" 1 "$(m krtpd_kernel_module_loaded)"
# SRTP's drops and the STUN/DTLS krtp.ko passes are there, as sysfs has them
for r in srtp_auth_fail srtp_replay; do
	check "krtp.ko's $r drops (sysfs $r)" "$(cat /sys/kernel/krtp/$r)" \
		"$(m "krtpd_kernel_packets_dropped_total{reason=\"$r\"}")"
done
check "krtp.ko's passed STUN/DTLS (sysfs packets_passed)" "$(cat /sys/kernel/krtp/packets_passed)" \
	"$(m krtpd_kernel_packets_passed_total)"
# the crypto drivers of krtp.ko's SRTP, one info sample each, as sysfs names them
for a in aes_cm aes_cm_simd gcm gcm_simd hmac_sha1; do
	check "krtp.ko's SRTP driver for $a ($(cat /sys/kernel/krtp/srtp/$a))" 1 \
		"$(m "krtpd_kernel_srtp_driver{alg=\"$a\",driver=\"$(cat /sys/kernel/krtp/srtp/$a)\"}")"
done

before=$M
# v0 SERIES: a value of the scrape taken before the call
v0() {
	echo "$before" | awk -v k="$1" '$1 == k { print $2 }'
}
before_traces=$(ls "$TMPD"/sipp-*.msg)

# --- a call with 50 RTP packets each way ----------------------------------
A2B=$CALLEE4:$BOB_RTP
B2A=$CALLER4:$ALICE_RTP
both_ways() {
	flows_snap
	[ "$(flow_by_peer "$A2B" stats.packets)" = "$1" ] &&
		[ "$(flow_by_peer "$B2A" stats.packets)" = "$1" ]
}
bob_answers uas-answer.xml
alice_calls uac-call.xml
busywait 60000 both_ways 50
flows_unsnap
scrape
check "during the call: kernel flows active (krtpd)" 4 "$(m 'krtpd_media_flows_active{mode="kernel"}')"
check "during the call: user flows active" 0 "$(m 'krtpd_media_flows_active{mode="user"}')"
check "during the call: krtp.ko flows active (sysfs)" 4 "$(m krtpd_kernel_flows_active)"
check "during the call: dialogs active" 1 "$(m krtpd_sip_dialogs_active)"
check "during the call: calls with media" 1 "$(m krtpd_media_calls_active)"
# sipp plays rtp-50.pcap on each side: 50 packets of RTP_PAYLOAD bytes each way
check "packets forwarded = the 100 RTP packets sent" 100 \
	$(($(m krtpd_kernel_packets_forwarded_total) - $(v0 krtpd_kernel_packets_forwarded_total)))
check "bytes forwarded = 100 x $RTP_PAYLOAD" $((100 * RTP_PAYLOAD)) \
	$(($(m krtpd_kernel_bytes_forwarded_total) - $(v0 krtpd_kernel_bytes_forwarded_total)))
check "receivers got the 100 packets" 100 $(($(rtp_received "$alice") + $(rtp_received "$bob")))
check "nothing dropped by krtp.ko" 0 \
	$(($(m 'krtpd_kernel_packets_dropped_total{reason="wrong_source"}') - \
	   $(v0 'krtpd_kernel_packets_dropped_total{reason="wrong_source"}')))

alice_go
sip_check "alice: call, BYE answered 200" sipp_wait ALICE_PID uac-call.xml
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
no_call_left "after BYE"
scrape
call_traces=$(ls "$TMPD"/sipp-*.msg | grep -vxF "$before_traces")
# d SERIES: how much a series grew over the call
d() {
	echo $(($(m "$1") - $(v0 "$1")))
}
# shellcheck disable=SC2086
for meth in INVITE ACK BYE; do
	sent=$(sipp_count sent "^$meth " $call_traces)
	check "call: $meth received = $meth sipp sent ($sent)" "$sent" \
		"$(d "krtpd_sip_requests_received_total{method=\"$meth\"}")"
	# krtpd's count includes its own retransmissions (Timer A/E, RFC 3261
	# 17.1.1.2 and 17.1.2.2: up to 6 within Timer B) when a UA is slow to
	# answer on a loaded host; sipp's trace may not show one that crossed
	# its answer
	got=$(sipp_count received "^$meth " $call_traces)
	check_range "call: $meth forwarded = $meth sipp received, or more by krtpd's retransmissions" \
		"$got" $((got + 6)) "$(d "krtpd_sip_requests_sent_total{method=\"$meth\"}")"
done
check "call: sipp sent one INVITE and one BYE (at least)" 1 \
	$(($(sipp_count sent '^INVITE ' $call_traces) >= 1 && $(sipp_count sent '^BYE ' $call_traces) >= 1))
check "call: 2xx received = 2xx the UAs sent" "$(sipp_count sent '^SIP/2.0 2' $call_traces)" \
	"$(d 'krtpd_sip_responses_received_total{class="2xx"}')"
check "call: 2xx sent = 2xx the UAs received" "$(sipp_count received '^SIP/2.0 2' $call_traces)" \
	"$(d 'krtpd_sip_responses_sent_total{class="2xx"}')"
check "call: 2 or more 2xx sent (INVITE and BYE)" 1 $(($(d 'krtpd_sip_responses_sent_total{class="2xx"}') >= 2))
check "call: calls started" 1 "$(d krtpd_sip_calls_started_total)"
check "after BYE: kernel flows active (krtpd)" 0 "$(m 'krtpd_media_flows_active{mode="kernel"}')"
check "after BYE: krtp.ko flows active" 0 "$(m krtpd_kernel_flows_active)"
check "after BYE: dialogs active" 0 "$(m krtpd_sip_dialogs_active)"
check "after BYE: packets forwarded stay 100 more" 100 \
	$(($(m krtpd_kernel_packets_forwarded_total) - $(v0 krtpd_kernel_packets_forwarded_total)))
check "after BYE: registrations still active" 2 "$(m krtpd_sip_registrations_active)"

# --- hostile HTTP ----------------------------------------------------------
check "another path: 404" 404 "$(http_code /)"
check "a path below /metrics: 404" 404 "$(http_code /metrics/x)"
check "POST /metrics: 405" 405 "$(http_code -X POST -d x=1 /metrics)"
check "malformed header line: 400" "HTTP/1.1 400 Bad Request" \
	"$(raw_http 'GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n')"
check "garbage request line: closed or 4xx" 1 \
	"$(raw_http 'GARBAGE\r\n\r\n' | grep -cE '^(closed|HTTP/1\.[01] 4[0-9][0-9] )')"
# idle connections that never finish a request: SIP keeps working, and
# krtpd closes them after its 5 s timeout
for i in 1 2 3 4 5 6 7 8 9 10; do
	ip netns exec "$relay" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9090 && printf "GET /metrics HTTP/1.1\r\n" >&3 && timeout 20 cat <&3 >/dev/null' &
	defer "kill $! 2>/dev/null"
done
sleep 1
sip_check "SIP answered while 10 HTTP clients hang" options_ok
t0=${EPOCHREALTIME/./}
busywait 20000 scrape
check_range "a scrape works again once the idle clients are cut (ms)" 0 15000 \
	$(((${EPOCHREALTIME/./} - t0) / 1000))
check "404s counted" 2 "$(m 'krtpd_metrics_requests_total{result="not_found"}')"
check "405 counted" 1 "$(m 'krtpd_metrics_requests_total{result="bad_method"}')"
sip_check "krtpd still answers SIP" options_ok
check "krtpd is still running" 1 "$(krtpd_alive && echo 1)"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	krtpd_log_tail 40
fi
ktap_finished
