#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop: Twinkle (twinkle -c, its command line mode) and baresip call
# each other through krtpd with krtp.ko carrying the media, over UDP.
# Twinkle needs a sound card that keeps time: ALSA's null device gives it
# a few packets a call, so it gets the ALSA loopback card (snd-aloop),
# microphone on one side of the cable, speaker on the other.
#
#   1. Twinkle registers with digest (MD5: it answers only the last
#      challenge offered).
#   2. Twinkle (alice) calls baresip (bob): media both ways; Twinkle hangs
#      up (BYE from the caller).
#   3. baresip calls Twinkle, Twinkle answers: media both ways; baresip
#      hangs up (BYE from the caller). Twinkle quits and unregisters.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   twinkle :5060, RTP 8000    SIP 10.0.0.1:5060                 baresip :5060, RTP 61xx
#                              users_file, media = kernel
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
. "$TESTS_DIR/sip/interop.sh"
require_sip_tools
command -v twinkle >/dev/null || skip_all "twinkle missing"
command -v baresip >/dev/null || skip_all "baresip missing"
[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
ktap_print_header

krtp_load || skip_all "insmod $KRTP_KO failed"
if ! [ -d /proc/asound/Loopback ]; then
	modprobe snd-aloop pcm_substreams=2 || skip_all "no ALSA loopback card (snd-aloop)"
	defer "rmmod snd_aloop"
fi
check "ALSA loopback card present" yes "$(busywait 5000 test -d /proc/asound/Loopback && echo yes)"
sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
relay_media_counter "$alice" && relay_media_counter "$bob" ||
	{ ktap_test_fail "counters"; ktap_finished; exit; }
iop_users
krtpd_config kernel "users_file = $KRTPD_USERS" "digest_algorithms = MD5"
krtpd_start || { ktap_test_fail "krtpd starts with users and media = kernel"; ktap_finished; exit; }
ktap_test_pass "krtpd starts with users and media = kernel"

bail() {
	for n in tw bs1 bs2; do
		iop_tail "$n"
	done
	krtpd_log_tail 40
	ktap_finished
	exit
}

# tw_start: Twinkle as alice, its profile and system settings in its HOME
tw_start() {
	local dir=$TMPD/tw

	mkdir -p "$dir/.twinkle"
	cat >"$dir/.twinkle/twinkle.sys" <<EOF
dev_ringtone=alsa:hw:Loopback,0,1
dev_speaker=alsa:hw:Loopback,0,0
dev_mic=alsa:hw:Loopback,1,0
validate_audio_dev=no
sip_udp_port=$SIP_PORT
rtp_port=8000
log_show_sip=yes
EOF
	# outbound_proxy without "sip:" (Twinkle adds it; with it, it looks up "sip")
	cat >"$dir/.twinkle/alice.cfg" <<EOF
user_name=alice
user_domain=$SIP_DOMAIN
auth_name=alice
auth_pass=alice-pw
outbound_proxy=$SIP_ADDR:$SIP_PORT
use_outbound_proxy=yes
all_requests_to_proxy=yes
registrar=$SIP_ADDR
register_at_startup=yes
registration_time=600
codecs=g711u
EOF
	iop_spawn tw "$alice" twinkle -c -f alice --force
}

established() {
	check "$1: krtpd: call established" established \
		"$(wait_eq 30000 established iop_call_state)"
	check "$1: RTP through krtp.ko both ways" yes \
		"$(busywait 60000 iop_rtp_both "$IOP_MIN_RTP" && echo yes)"
	if [ "$(iop_sent "$CALLEE4" rtp)" -lt "$IOP_MIN_RTP" ]; then
		ktap_print_msg "Twinkle sent $(iop_sent "$CALLEE4" rtp) RTP packets"
	fi
}

BS_STDIO=1 bs_start bs1 "$bob" "$CALLEE4" bob udp
tw_start
# registered USER ADDR WHAT
registered() {
	if busywait 90000 iop_registered "$1" "$2" udp; then
		ktap_test_pass "$3"
	else
		ktap_test_fail "$3"
		bail
	fi
}
registered alice "$CALLER4" "twinkle registers as alice (digest)"
registered bob "$CALLEE4" "baresip registers as bob (digest)"

# 2. Twinkle calls baresip, Twinkle hangs up
a0=$(relay_media_got "$alice")
b0=$(relay_media_got "$bob")
ktap_print_msg "twinkle calls baresip (${SECONDS}s)"
iop_cmd tw "call bob"
check "twinkle->baresip: twinkle sees the answer" yes \
	"$(iop_wait tw "far end answered call" 30000 && echo yes)"
established "twinkle->baresip"
iop_media "twinkle->baresip" "$a0" "$b0" "$(iop_child tw)" "$(iop_child bs1)"
iop_cmd tw bye
check "twinkle->baresip: twinkle hangs up (BYE from the caller)" yes \
	"$(iop_wait tw "call ended" 30000 && echo yes)"
no_call_left "twinkle->baresip: after twinkle's BYE"

# 3. baresip calls Twinkle, baresip hangs up
a0=$(relay_media_got "$alice")
b0=$(relay_media_got "$bob")
ktap_print_msg "baresip calls twinkle (${SECONDS}s)"
iop_mark tw
iop_cmd bs1 "/dial sip:alice@$SIP_DOMAIN"
check "baresip->twinkle: twinkle rings" yes "$(iop_wait tw "[Ii]ncoming call" 30000 && echo yes)"
iop_cmd tw answer
established "baresip->twinkle"
iop_media "baresip->twinkle" "$a0" "$b0" "$(iop_child tw)" "$(iop_child bs1)"
iop_stop bs1
check "baresip->twinkle: baresip hangs up (BYE from the caller) and exits" 0 "$?"
check "baresip->twinkle: twinkle sees the call end" yes \
	"$(iop_wait tw "far end ended call" 30000 && echo yes)"
no_call_left "baresip->twinkle: after baresip's BYE"
iop_cmd tw quit
check "twinkle quits (unregisters)" yes \
	"$(busywait 30000 eval '! iop_registered alice "$CALLER4" udp' && echo yes)"
wait "$tw_PID"

if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	iop_tail tw 30
	iop_tail bs1 20
	krtpd_log_tail 40
fi
ktap_finished
