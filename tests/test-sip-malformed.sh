#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# Hostile input: a batch of malformed SIP messages (tests/sip/msg/*.sip,
# sent raw over UDP by tests/sip/sipsend.py), each answered 400 with a
# reason phrase, or dropped where no answer is possible; after every one
# krtpd still answers OPTIONS with 200. Then a malformed SDP offer, an
# oversized and a truncated message over TCP, and 1000 randomly damaged
# INVITEs and REGISTERs (fixed seeds): krtpd stays up throughout.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipsend.py                 SIP 10.0.0.1:5060, media = user   (registered, silent)
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
ktap_print_header

sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
krtpd_config user
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts"
sip_check "bob registers" register bob

# expect NAME FILE ALLOWED [SIPSEND_ARGS...]: send FILE; ALLOWED is a
# |-separated list of what may come back: a status code, "none" (dropped)
# or "pong" (a reply without a status line, e.g. a CRLF keep-alive answer).
# A 400 must carry a reason phrase. Then krtpd must answer OPTIONS (the
# same sipsend.py sends it, --probe: one Python start per case).
expect() {
	local name=$1 file=$2 allowed=$3 out line got probe

	shift 3
	out=$(sipsend "$alice" "$file" --timeout 2 --probe "$SIP_DIR/msg/options.sip" "$@" |
		tr -d '\r')
	line=$(echo "$out" | head -n 1)
	probe=$(echo "$out" | sed -n 's/^probe: //p')
	case "$line" in
	"(no reply)"|"(connection closed)") got=none ;;
	SIP/2.0\ [0-9][0-9][0-9]\ *) got=${line:8:3} ;;
	*) got=pong ;;
	esac
	if [[ "|$allowed|" != *"|$got|"* ]]; then
		ktap_test_fail "$name" "expected $allowed, got: $line"
	elif [ "$got" = 400 ] && ! [[ "$line" =~ ^SIP/2\.0\ 400\ [^[:space:]] ]]; then
		ktap_test_fail "$name" "400 without a reason phrase: $line"
	else
		ktap_test_pass "$name: $line"
	fi
	if krtpd_alive && { [[ "$probe" == "SIP/2.0 200 "* ]] || busywait 3000 options_ok; }; then
		ktap_test_pass "$name: krtpd still answers OPTIONS"
	else
		ktap_test_fail "$name: krtpd still answers OPTIONS"
	fi
}

expect "well-formed OPTIONS (control)"	options.sip		200
expect "no Call-ID"			no-callid.sip		400
expect "CSeq number not a number"	bad-cseq.sip		400
expect "CSeq method differs"		cseq-method.sip		400
expect "CSeq number overflows 32 bits"	cseq-overflow.sip	400
expect "no From"			no-from.sip		400
expect "To URI not closed"		unclosed-to.sip		400
expect "Max-Forwards not a number"	bad-max-forwards.sip	400
expect "Content-Length past the end"	clen-too-big.sip	400
expect "Content-Length negative"	clen-negative.sip	400
expect "Content-Length not a number"	clen-garbage.sip	400
expect "garbage start line"		garbage-start.sip	"400|none"
expect "start line without URI"		no-uri.sip		"400|none"
expect "64 KB header line without colon" huge-header.sip	"400|none"
expect "NUL byte in a header"		nul-byte.sip		"400|none"
expect "header with an empty name"	empty-header-name.sip	"400|none"
expect "Via not parseable"		bad-via.sip		"400|none"
expect "no Via"				no-via.sip		"400|none"
expect "truncated in the headers"	options.sip		"400|none" --truncate 90
expect "truncated in the start line"	options.sip		"400|none" --truncate 12
expect "bare CRLFs (keep-alive)"	crlf.sip		"none|pong"
# an SDP offer krtpd cannot anchor: 488 Not Acceptable Here is the other
# answer RFC 3261 21.4.26 allows
expect "INVITE with a broken SDP offer"	invite-bad-sdp.sip	"400|488"

# TCP: a message larger than max_message_size that never ends, and half a
# message then silence
sed 's/{PAD:64000}/: {PAD:200000}/' "$SIP_DIR/msg/huge-header.sip" >"$TMPD/huge-tcp.sip"
line=$(ip netns exec "$alice" /usr/bin/python3 "$SIP_DIR/sipsend.py" --tcp --timeout 4 \
	"$SIP_ADDR:$SIP_PORT" "$TMPD/huge-tcp.sip" | head -n 1)
ktap_print_msg "TCP 200 KB header: $line"
check "TCP: krtpd up after a 200 KB header" yes "$(krtpd_alive && busywait 3000 options_ok && echo yes)"
expect "TCP: truncated message, then silence" options.sip "none" --tcp --truncate 100

# damaged copies of real requests, reproducible by their seeds
for seed in 1 2; do
	sipsend "$alice" invite-bad-sdp.sip --mutate 250 --seed "$seed" >/dev/null
	sipsend "$alice" options.sip --mutate 250 --seed "$((seed + 100))" >/dev/null
done
check "1000 damaged messages: krtpd still running" yes "$(krtpd_alive && echo yes)"
sip_check "1000 damaged messages: OPTIONS answered" busywait 5000 options_ok
sip_check "bob can still register" register bob

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 30
ktap_finished
