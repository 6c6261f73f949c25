#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace fallback: without krtp.ko, krtpd (media = auto) warns at
# startup and relays the media itself. The same call as test-sip-call.sh,
# 50 RTP packets each way, counted exactly by krtpd (krtpctl calls --json)
# and at the receivers; BYE frees the relay ports. Then krtpd restarted
# with --media user on the command line (over the file's auto): hold and
# resume.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = auto   sipp :5060, RTP :7000
#                              (no krtp.ko: userspace relay)
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
ktap_print_header

if krtp_loaded; then
	rmmod krtp || skip_all "krtp.ko is loaded and does not unload"
fi
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
krtpd_config auto
krtpd_start || { ktap_test_fail "krtpd starts without krtp.ko"; ktap_finished; exit; }
ktap_test_pass "krtpd starts without krtp.ko"
check "startup warning: media relayed in userspace" yes \
	"$(grep -i 'warn' "$KRTPD_LOG" | grep -qi 'userspace' && echo yes)"

sip_check "alice registers" register alice
sip_check "bob registers" register bob

# both_ways N: krtpd relayed N packets each way
both_ways() {
	[ "$(call_counter packets_a_to_b)" = "$1" ] && [ "$(call_counter packets_b_to_a)" = "$1" ]
}

# --- a call with media both ways ----------------------------------------------
bob_answers uas-answer.xml
alice_calls uac-call.xml
busywait 60000 both_ways 50 || ktap_print_msg "krtpctl calls --json: $(calls_json)"
check "krtpctl calls: one call" 1 "$(ncalls)"
check "krtpctl calls: carried in userspace" false "$(calls_json | jq -r '.[0].media.kernel')"
check "krtpctl calls: 50 packets alice->bob" 50 "$(call_counter packets_a_to_b)"
check "krtpctl calls: 50 packets bob->alice" 50 "$(call_counter packets_b_to_a)"
check "krtpctl calls: bytes alice->bob" $((50 * RTP_PAYLOAD)) "$(call_counter bytes_a_to_b)"
check "krtpctl calls: bytes bob->alice" $((50 * RTP_PAYLOAD)) "$(call_counter bytes_b_to_a)"
check "krtpctl calls: nothing dropped" 0 "$(call_counter dropped)"
check "krtpctl calls: no loss" 0 "$(call_counter lost)"
check "bob received 50 RTP packets" 50 "$(rtp_received "$bob")"
check "alice received 50 RTP packets" 50 "$(rtp_received "$alice")"
check "relay ports bound during the call (RTP+RTCP, both sides)" 4 "$(relay_ports_bound)"
call_id=$(calls_json | jq -r '.[0].call_id')
check "krtpctl show call: the same counters" 50 \
	"$(ctl show call "$call_id" --json | jq '[.. | objects | .packets_a_to_b? | numbers] | first')"
ktap_print_msg "krtpctl calls:"
ctl calls 2>&1 | sed 's/^/#   /'
alice_go
sip_check "alice: call, BYE answered 200" sipp_wait ALICE_PID uac-call.xml
sip_check "bob: call answered, BYE received" sipp_wait BOB_PID uas-answer.xml
wait_eq 5000 0 ncalls >/dev/null
check "after BYE: no call left" 0 "$(ncalls)"
check "after BYE: no relay port left" 0 "$(relay_ports_bound)"

# --- --media user: hold and resume ---------------------------------------------
krtpd_stop
krtpd_start --media user || { ktap_test_fail "krtpd starts with --media user"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with --media user"
check "--media user: no fallback warning" 0 \
	"$(sed -n '/^--- krtpd start .*--media user/,$p' "$KRTPD_LOG" | grep -ci 'warn')"
bob0=$(rtp_received "$bob")
alice0=$(rtp_received "$alice")
bob_answers uas-hold.xml
alice_calls uac-hold.xml
busywait 60000 both_ways 50 || ktap_print_msg "krtpctl calls --json: $(calls_json)"
alice_go
busywait 60000 both_ways 100 || ktap_print_msg "krtpctl calls --json: $(calls_json)"
check "hold/resume: 100 packets alice->bob over the call" 100 "$(call_counter packets_a_to_b)"
check "hold/resume: 100 packets bob->alice over the call" 100 "$(call_counter packets_b_to_a)"
check "hold/resume: bob received 100" 100 $(($(rtp_received "$bob") - bob0))
check "hold/resume: alice received 100" 100 $(($(rtp_received "$alice") - alice0))
alice_go
sip_check "alice: hold, resume, BYE" sipp_wait ALICE_PID uac-hold.xml
sip_check "bob: both re-INVITEs answered" sipp_wait BOB_PID uas-hold.xml
wait_eq 5000 0 ncalls >/dev/null
check "after BYE: no call left" 0 "$(ncalls)"
check "after BYE: no relay port left" 0 "$(relay_ports_bound)"
check "krtpd still running" yes "$(krtpd_alive && echo yes)"

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 40
ktap_finished
