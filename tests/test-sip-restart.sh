#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kill -9 of krtpd in the middle of a call: krtp.ko keeps forwarding (all
# 250 packets each way, sent while krtpd is dead, are counted), the
# restarted krtpd re-adopts the call from the kernel's flows and its stored
# dialog, the registrations are still there, and the caller's BYE after the
# restart goes through krtpd and tears the flows down.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, media = kernel sipp :5060, RTP :7000
#
#   t0 call up (INVITE, 200, ACK), 4 flows
#   t1 kill -9 krtpd
#   t2 alice and bob each send 250 RTP packets (5 s): all counted and received
#   t3 krtpd restarted on the same state: call, flows, ports, registrations back
#   t4 alice's BYE through the new krtpd: flows gone
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
sip_kernel_setup
regs_before=$(bindings alice; bindings bob)

A2B=$CALLEE4:$BOB_RTP
B2A=$CALLER4:$ALICE_RTP

fwd0=$(sysfs_read packets_forwarded)
bob_answers uas-long.xml
alice_calls uac-long.xml
wait_eq 60000 4 nflows >/dev/null
check "4 flows once the call is up" 4 "$(nflows)"
# the dialog is complete when bob has the ACK (krtpd relays it)
busywait 60000 grep -q '^ACK ' "$BOB_PID_TRACE.msg"
check "bob got the ACK through krtpd" yes "$(grep -q '^ACK ' "$BOB_PID_TRACE.msg" && echo yes)"
ids_before=$(flows_json | jq -c '[.[].id] | sort')
ports_before=$(relay_ports_bound)
call_id=$(calls_json | jq -r '.[0].call_id')
krtpd_kill9
check "krtpd killed (SIGKILL)" yes "$(krtpd_gone && echo yes)"

# the media flows while krtpd is dead: krtp.ko alone carries it
alice_go
bob_go
wait_eq 60000 250 flow_by_peer "$A2B" stats.packets >/dev/null
wait_eq 30000 250 flow_by_peer "$B2A" stats.packets >/dev/null
flows_snap
check "while krtpd is down: flows untouched" "$ids_before" "$(echo "$FLOWS" | jq -c '[.[].id] | sort')"
check "while krtpd is down: alice->bob 250 packets" 250 "$(flow_by_peer "$A2B" stats.packets)"
check "while krtpd is down: bob->alice 250 packets" 250 "$(flow_by_peer "$B2A" stats.packets)"
flows_unsnap
check "bob received all 250" 250 "$(rtp_received "$bob")"
check "alice received all 250" 250 "$(rtp_received "$alice")"
check "sysfs packets_forwarded +500" 500 $(($(sysfs_read packets_forwarded) - fwd0))
check "krtpd was down all along" yes "$(krtpd_gone && echo yes)"

# restart on the same state
krtpd_start || { ktap_test_fail "krtpd restarts"; ktap_finished; exit; }
ktap_test_pass "krtpd restarts"
check "after restart: the call is back" "$call_id" "$(calls_json | jq -r '.[0].call_id')"
check "after restart: the same 4 flows, none added" "$ids_before" "$(flows_json | jq -c '[.[].id] | sort')"
check "after restart: relay ports bound again" "$ports_before" "$(relay_ports_bound)"
check "after restart: registrations kept" "$(echo $regs_before)" "$(echo $(bindings alice; bindings bob))"

# alice's BYE goes through the restarted krtpd
alice_go
sip_check "alice: BYE after the restart answered 200" sipp_wait ALICE_PID uac-long.xml
sip_check "bob: BYE after the restart received" sipp_wait BOB_PID uas-long.xml
wait_eq 5000 0 nflows >/dev/null
check "after BYE: no flow left" 0 "$(nflows)"
check "after BYE: no relay port left" 0 "$(relay_ports_bound)"
check "after BYE: no call left" 0 "$(ncalls)"

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 40
ktap_finished
