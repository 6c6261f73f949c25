# SPDX-License-Identifier: GPL-2.0
#
# Shell functions for the end-to-end SIP tests (tests/test-sip-*.sh), sourced after
# tests/lib.sh: krtpd in the relay namespace between alice and bob, sipp as
# both user agents, and the checks on what krtpd and krtp.ko report.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060, RTP :6000      SIP 10.0.0.1:5060, relay ports    sipp :5060, RTP :7000
#                              10.0.0.1:30000-30999
#
# The relay namespace does not forward (ip_forward is 0): alice and bob reach
# each other only through krtpd's relay ports. Everything is addressed to
# the domain krtp.test, which krtpd serves.

SIP_DIR=$TESTS_DIR/sip
KRTPD=${KRTPD:-$REPO/daemon/krtpd}
SIP_ADDR=10.0.0.1
SIP_PORT=5060
SIP_DOMAIN=krtp.test
ALICE_RTP=6000
BOB_RTP=7000
RELAY_MIN=30000
RELAY_MAX=30999
# UDP payload of one packet of rtp-50.pcap / rtp-250.pcap: RTP header + 160
RTP_PAYLOAD=172

KRTPD_PID=
KRTPD_CONF=$TMPD/krtpd.conf
KRTPD_SOCK=$TMPD/krtpd.sock
KRTPD_STATE=$TMPD/state
KRTPD_LOG=$TMPD/krtpd.log
SIPP_N=0

require_sip_tools() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	[ -x "$KRTPD" ] || skip_all "krtpd not built ($KRTPD)"
	[ -x "$KRTPCTL" ] || skip_all "krtpctl not built ($KRTPCTL)"
	command -v sipp >/dev/null || skip_all "sipp missing (sip-tester)"
	command -v jq >/dev/null || skip_all "jq missing"
	command -v nft >/dev/null || skip_all "nft missing"
	[ -x /usr/bin/python3 ] || skip_all "python3 missing"
}

# sip_topology: tests/lib.sh's three namespaces, with alice=caller,
# bob=callee, krtpd's service address on the relay's lo, and nftables
# counters at alice and bob for the RTP that reaches them
sip_topology() {
	setup_topology || return 1
	alice=$caller
	bob=$callee
	ip -n "$relay" addr add "$SIP_ADDR/32" dev lo
	ip netns exec "$relay" sysctl -qw net.ipv4.ip_forward=0
	rtp_counter_setup "$alice" "$ALICE_RTP" || return 1
	rtp_counter_setup "$bob" "$BOB_RTP" || return 1
}

# rtp_counter_setup NS PORT: count UDP datagrams to PORT arriving in NS
# (nftables counter "rtp"), and drop them so the UA's port-unreachable
# answers do not add traffic
rtp_counter_setup() {
	ip netns exec "$1" nft -f - <<EOF
table inet krtptest {
	counter rtp { }
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport $2 counter name rtp drop
	}
}
EOF
}

# plain_counter_setup: count what reaches bob's RTP port as plain PCMU
# RTP from a WebRTC caller (172 bytes: UDP length 180, version 2), on top
# of rtp_counter_setup's table; plain_got reads it
plain_counter_setup() {
	ip netns exec "$bob" nft add counter inet krtptest plain &&
		ip netns exec "$bob" nft insert rule inet krtptest in udp dport $BOB_RTP \
			udp length 180 @th,64,8 0x80 counter name plain
}
plain_got() {
	ip netns exec "$bob" nft -j list counter inet krtptest plain |
		$KJQ -r '.nftables[] | select(.counter) | .counter.packets'
}

# phone_says TEXT: wrtcphone.py's output ($TMPD/phone.out) has TEXT, or
# the phone ($PHONE_PID) has exited (no use waiting)
phone_says() {
	grep -q "$1" "$TMPD/phone.out" || ! kill -0 "$PHONE_PID" 2>/dev/null
}

# rtp_received NS: datagrams counted by rtp_counter_setup so far
rtp_received() {
	ip netns exec "$1" nft -j list counter inet krtptest rtp |
		$KJQ -r '.nftables[] | select(.counter) | .counter.packets'
}

# sip_check NAME CMD...: CMD succeeds; runs in this shell (not a subshell,
# so sipp's traces are numbered on and its failure report is printed)
sip_check() {
	local name=$1 rc

	shift
	"$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name" "exit status $rc"
	fi
}

# sip_keep_logs: at exit, copy krtpd's log and the sipp traces to the VM's
# results folder (build/vm/, kept with KRTP_VM_KEEP=1) when a check failed
sip_keep_logs() {
	[ -n "${KRTP_OUT:-}" ] && [ -d "$KRTP_OUT" ] || return 0
	[ "$KTAP_CNT_FAIL" -gt 0 ] || return 0
	local dst=$KRTP_OUT/$(basename "$0" .sh)
	mkdir -p "$dst" && cp -r "$TMPD"/. "$dst"/ 2>/dev/null
}

# ---- krtpd --------------------------------------------------------------

# krtpd_config MEDIA [EXTRA_LINES]: write krtpd's config for this topology
krtpd_config() {
	local media=$1

	shift
	mkdir -p "$KRTPD_STATE"
	{
		echo "# tests/sip/lib.sh: krtpd between alice and bob"
		echo "listen = $SIP_ADDR:$SIP_PORT"
		echo "domain = $SIP_DOMAIN"
		echo "media = $media"
		echo "relay_address = $SIP_ADDR"
		echo "port_min = $RELAY_MIN"
		echo "port_max = $RELAY_MAX"
		echo "state_dir = $KRTPD_STATE"
		echo "control_socket = $KRTPD_SOCK"
		echo "log_level = debug"
		# no teardown for idle media: under emulation a call may sit
		# quietly for longer than the default minute between checks
		echo "media_timeout = 0"
		for l in "$@"; do
			echo "$l"
		done
	} >"$KRTPD_CONF"
}

# krtpd_users USER PASSWORD...: write the users file for digest auth. A
# password md5:PW writes USER's MD5 HA1 of PW instead (realm krtpd, the
# default): krtpd then challenges USER with MD5 only, which clients that
# know only MD5 (sipp, sipsak, baresip 1.0) need
KRTPD_USERS=$TMPD/users
krtpd_users() {
	local ha1

	: >"$KRTPD_USERS"
	while [ $# -ge 2 ]; do
		if [[ "$2" == md5:* ]]; then
			ha1=$(printf '%s' "$1:krtpd:${2#md5:}" | md5sum | cut -d' ' -f1)
			echo "$1:krtpd:$ha1" >>"$KRTPD_USERS"
		else
			echo "$1:$2" >>"$KRTPD_USERS"
		fi
		shift 2
	done
	chmod 600 "$KRTPD_USERS"
}

# krtpd_start [KRTPD_ARGS...]: start krtpd in the relay namespace with
# $KRTPD_CONF (and any flags given) and wait until it answers OPTIONS
krtpd_start() {
	echo "--- krtpd start $(date +%T.%N) $*" >>"$KRTPD_LOG"
	ip netns exec "$relay" "$KRTPD" -c "$KRTPD_CONF" -f "$@" >>"$KRTPD_LOG" 2>&1 &
	KRTPD_PID=$!
	defer "kill $KRTPD_PID 2>/dev/null"
	busywait 10000 options_ok || {
		ktap_print_msg "krtpd did not answer OPTIONS; its log:"
		tail -n 20 "$KRTPD_LOG" | sed 's/^/#   /'
		return 1
	}
}

# krtpd_stop: SIGTERM and wait (graceful shutdown)
krtpd_stop() {
	[ -n "$KRTPD_PID" ] || return 0
	kill "$KRTPD_PID" 2>/dev/null
	busywait 10000 krtpd_gone
	wait "$KRTPD_PID" 2>/dev/null
	KRTPD_PID=
}

# krtpd_kill9: SIGKILL, as a crash, and wait until it is gone (KRTPD_PID
# stays, for krtpd_gone; krtpd_start sets a new one)
# reinvite_checks OUT WHAT: wrtcphone.py (output OUT) re-INVITEd with its
# unchanged offer: answered 200 with the fingerprint, ICE credentials and
# DTLS role of before
reinvite_checks() {
	busywait 60000 grep -q '^reinvite ' "$1"
	check "$2: alice's unchanged re-offer answered 200" "reinvite 200" "$(grep '^reinvite ' "$1")"
	check "... with the fingerprint, ICE credentials and DTLS role of before" 4 \
		"$(grep -c "^ok - \.\.\. the answer's a=" "$1")"
}

krtpd_kill9() {
	kill -9 "$KRTPD_PID"
	busywait 5000 krtpd_gone
	wait "$KRTPD_PID" 2>/dev/null
}

krtpd_alive() {
	[ -n "$KRTPD_PID" ] && kill -0 "$KRTPD_PID" 2>/dev/null
}

krtpd_gone() {
	! kill -0 "$KRTPD_PID" 2>/dev/null
}

# krtpd_log_tail: the end of krtpd's log, as KTAP comments
krtpd_log_tail() {
	tail -n "${1:-25}" "$KRTPD_LOG" | sed 's/^/#   krtpd: /'
}

# options_ok: krtpd answers OPTIONS from alice's side with 200
options_ok() {
	ip netns exec "$caller" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 1 \
		--expect 200 "$SIP_ADDR:$SIP_PORT" "$SIP_DIR/msg/options.sip" >/dev/null 2>&1
}

# sipsend NS FILE [ARGS...]: one raw message to krtpd; prints the reply's
# start line
sipsend() {
	local ns=$1 file=$2

	shift 2
	ip netns exec "$ns" /usr/bin/python3 "$SIP_DIR/sipsend.py" "$@" \
		"$SIP_ADDR:$SIP_PORT" "$SIP_DIR/msg/$file"
}

# ctl ARGS...: krtpctl against krtpd's control socket (calls, registrations)
ctl() {
	ip netns exec "$relay" "$KRTPCTL" --socket "$KRTPD_SOCK" "$@"
}

# ---- TLS ------------------------------------------------------------------

# tls_ca DIR: a test CA (DIR/ca.pem, DIR/ca.key), made with certtool
tls_ca() {
	mkdir -p "$1" &&
	printf 'cn = krtp test CA\nca\ncert_signing_key\nexpiration_days = 2\n' >"$1/ca.tmpl" &&
	certtool --generate-privkey --key-type ecdsa --outfile "$1/ca.key" >/dev/null 2>&1 &&
	certtool --generate-self-signed --load-privkey "$1/ca.key" \
		--template "$1/ca.tmpl" --outfile "$1/ca.pem" >/dev/null 2>&1
}

# tls_cert DIR NAME HOST...: a server key and certificate signed by DIR's
# CA (DIR/NAME.key, DIR/NAME.pem) for each HOST, a DNS name or an IPv4
# address
tls_cert() {
	local dir=$1 name=$2 h

	shift 2
	{
		echo "cn = $1"
		for h in "$@"; do
			if [[ "$h" =~ ^[0-9.]+$ ]]; then
				echo "ip_address = $h"
			else
				echo "dns_name = $h"
			fi
		done
		echo "tls_www_server"
		echo "expiration_days = 2"
	} >"$dir/$name.tmpl"
	certtool --generate-privkey --key-type ecdsa --outfile "$dir/$name.key" >/dev/null 2>&1 &&
	certtool --generate-certificate --load-privkey "$dir/$name.key" \
		--load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca.key" \
		--template "$dir/$name.tmpl" --outfile "$dir/$name.pem" >/dev/null 2>&1
}

# relay_media_counter NS [ADDR6]: count what reaches NS from the relay's
# media ports (RTP and RTCP), and what NS sends to them, without dropping
# either; from and to the relay's IPv6 address ADDR6 too if given
relay_media_counter() {
	ip netns exec "$1" nft -f - <<EOF
table inet krtprelay {
	counter media { }
	counter sent { }
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr $SIP_ADDR udp sport $RELAY_MIN-$RELAY_MAX counter name media
		${2:+ip6 saddr $2 udp sport $RELAY_MIN-$RELAY_MAX counter name media}
	}
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $SIP_ADDR udp dport $RELAY_MIN-$RELAY_MAX counter name sent
		${2:+ip6 daddr $2 udp dport $RELAY_MIN-$RELAY_MAX counter name sent}
	}
}
EOF
}

# relay_media_got NS [COUNTER]: datagrams relay_media_counter counted so
# far, received from the relay's media ports (or COUNTER "sent": sent to them)
relay_media_got() {
	ip netns exec "$1" nft -j list counter inet krtprelay "${2:-media}" |
		$KJQ -r '.nftables[] | select(.counter) | .counter.packets'
}

# ---- baresip ----------------------------------------------------------------

# baresip_run NS ADDR NAME ACCOUNT [BARESIP_ARGS...]: baresip headless in NS,
# SIP on ADDR:5060, with tests/sip/baresip/config plus the lines in
# BARESIP_CONF (newline-separated) and the one account line ACCOUNT, in the
# background (BS_PID); its config folder is $TMPD/NAME, its output
# $TMPD/NAME.out
baresip_run() {
	local ns=$1 addr=$2 conf=$TMPD/$3 account=$4

	shift 4
	mkdir -p "$conf"
	sed "s/@ADDR@/$addr/" "$SIP_DIR/baresip/config" >"$conf/config"
	[ -n "${BARESIP_CONF:-}" ] && echo "$BARESIP_CONF" >>"$conf/config"
	echo "$account" >"$conf/accounts"
	ip netns exec "$ns" timeout -k 5 900 baresip -f "$conf" "$@" -t 800 \
		</dev/null >"$conf.out" 2>&1 &
	BS_PID=$!
	defer "kill -CONT $BS_PID 2>/dev/null; kill $BS_PID 2>/dev/null"
}

# BARESIP_VIDEO: the BARESIP_CONF lines of a video phone: VP8, pictures
# from its fakevideo source and shown on its fakevideo display, 160x120 at
# 10 frames a second
BARESIP_VIDEO="module			vp8.so
module			fakevideo.so
video_source		fakevideo,nil
video_display		fakevideo,nil
video_size		160x120
video_fps		10
video_bitrate		64000"

# baresip_pid: the baresip process itself (BS_PID is its timeout wrapper)
baresip_pid() {
	pgrep -P "$BS_PID" -x baresip
}

# baresip_quit: SIGTERM; baresip hangs up a call it is in, unregisters and
# exits; returns its exit status
baresip_quit() {
	local bp

	bp=$(baresip_pid)
	[ -n "$bp" ] && kill -TERM "$bp"
	wait "$BS_PID"
}

# sdes_wire_checks ALICE_SIP CTL_OUT: baresip's SDES call as alice saw it
# (srtp-pcap.py's "alice sip:" lines): she offered RTP/SAVP with a=crypto,
# and krtpd's 200 gave her RTP/SAVP at the relay with one
# AES_CM_128_HMAC_SHA1_80 key of krtpd's own; neither key is in krtpd's log
# or in CTL_OUT (krtpctl's output). krtpd's key, "inline:...", into KKEY
sdes_wire_checks() {
	local offer answer okeys k leaks=0

	offer=$(echo "$1" | grep -m1 '^INVITE ')
	answer=$(echo "$1" | grep -m1 '^SIP/2.0 200 ')
	check "baresip offered RTP/SAVP with a=crypto" yes \
		"$(echo "$offer" | grep -q 'm=audio [0-9]* RTP/SAVP .*a=crypto:' && echo yes)"
	check "baresip got RTP/SAVP in the answer" yes \
		"$(echo "$answer" | grep -q 'm=audio [0-9]* RTP/SAVP ' && echo yes)"
	check "baresip got the relay's address" yes \
		"$(echo "$answer" | grep -q "c=IN IP4 $SIP_ADDR" && echo yes)"
	check "baresip got one a=crypto, AES_CM_128_HMAC_SHA1_80" 1 \
		"$(echo "$answer" | grep -o 'a=crypto:[0-9]* AES_CM_128_HMAC_SHA1_80 inline:' | wc -l)"
	KKEY=$(echo "$answer" | grep -o 'inline:[A-Za-z0-9+/=]*' | head -1)
	okeys=$(echo "$offer" | grep -o 'inline:[A-Za-z0-9+/=]*')
	check "krtpd's key is its own, not baresip's, not empty" yes \
		"$([ ${#KKEY} -gt 20 ] && ! echo "$okeys" | grep -qxF "$KKEY" && echo yes)"
	for k in $KKEY $okeys; do
		k=${k#inline:}
		grep -qF "$k" "$KRTPD_LOG" && leaks=$((leaks + 1))
		echo "$2" | grep -qF "$k" && leaks=$((leaks + 1))
	done
	check "no key in krtpd's log or krtpctl's output" 0 "$leaks"
}

# ---- sipp -----------------------------------------------------------------

# sipp_defaults SIPP_ARGS...: -key contact_port and -key expires unless the
# arguments set them (sipp keeps the first value given for a key)
sipp_defaults() {
	case " $* " in *" contact_port "*) ;; *) echo "-key contact_port $SIP_PORT" ;; esac
	case " $* " in *" expires "*) ;; *) echo "-key expires 600" ;; esac
}

# sipp_ua NS ADDR RTP_PORT SCENARIO [SIPP_ARGS...]: run one sipp in the
# foreground towards krtpd; its trace goes to $TMPD/sipp-N.*. Returns sipp's
# exit status (0: every call passed).
sipp_ua() {
	local ns=$1 addr=$2 rtp=$3 scen=$4 rc

	shift 4
	SIPP_N=$((SIPP_N + 1))
	SIPP_LAST=$TMPD/sipp-$SIPP_N
	ip netns exec "$ns" timeout -k 5 60 sipp -sf "$SIP_DIR/$scen" \
		-i "$addr" -p "$SIP_PORT" -mi "$addr" -mp "$rtp" \
		-key domain "$SIP_DOMAIN" $(sipp_defaults "$@") \
		-m 1 -nostdin -timeout 40s -recv_timeout 15000 \
		-trace_err -error_file "$SIPP_LAST.err" \
		-trace_msg -message_file "$SIPP_LAST.msg" \
		-trace_logs -log_file "$SIPP_LAST.log" \
		"$@" "$SIP_ADDR:$SIP_PORT" >"$SIPP_LAST.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || sipp_explain "$SIPP_LAST" "$scen"
	return "$rc"
}

# sipp_bg VAR NS ADDR RTP_PORT SCENARIO [SIPP_ARGS...]: the same in the
# background (SCENARIO may also be an absolute path, one a test wrote); the
# pid goes to VAR, the trace prefix to VAR_TRACE
sipp_bg() {
	local var=$1 ns=$2 addr=$3 rtp=$4 scen=$5 trace

	shift 5
	SIPP_N=$((SIPP_N + 1))
	trace=$TMPD/sipp-$SIPP_N
	case $scen in /*) ;; *) scen=$SIP_DIR/$scen ;; esac
	ip netns exec "$ns" timeout -k 5 900 sipp -sf "$scen" \
		-i "$addr" -p "$SIP_PORT" -mi "$addr" -mp "$rtp" \
		-key domain "$SIP_DOMAIN" $(sipp_defaults "$@") \
		-m 1 -nostdin -timeout 800s -recv_timeout 600000 \
		-trace_err -error_file "$trace.err" \
		-trace_msg -message_file "$trace.msg" \
		-trace_logs -log_file "$trace.log" \
		"$@" "$SIP_ADDR:$SIP_PORT" >"$trace.out" 2>&1 &
	printf -v "$var" %s $!
	printf -v "${var}_TRACE" %s "$trace"
	defer "kill $! 2>/dev/null"
}

# sipp_wait VAR SCENARIO_NAME: wait for a background sipp; its exit status.
# Once a sipp of the test failed, the next ones get 60 s: the peer of a
# failed call waits for a BYE that will not come, and the test would sit
# out its timeout (minutes) before saying what failed.
sipp_wait() {
	local pid trace rc killer=

	pid=${!1}
	trace=$(eval echo "\$${1}_TRACE")
	if [ -n "${SIPP_FAILED:-}" ]; then
		(sleep 60; kill "$pid") >/dev/null 2>&1 &
		killer=$!
	fi
	wait "$pid"
	rc=$?
	[ -n "$killer" ] && { pkill -P "$killer"; kill "$killer"; } 2>/dev/null
	if [ "$rc" != 0 ]; then
		SIPP_FAILED=1
		sipp_explain "$trace" "$2"
	fi
	return "$rc"
}

# sipp_explain TRACE NAME: why a sipp run failed, as KTAP comments
sipp_explain() {
	ktap_print_msg "sipp $2 failed; errors:"
	grep -v '^$' "$1.err" 2>/dev/null | tail -n 12 | cut -c1-300 | sed 's/^/#   /'
	ktap_print_msg "last messages:"
	tail -n 30 "$1.msg" 2>/dev/null | cut -c1-200 | sed 's/^/#   /'
}

# alice SCENARIO [ARGS...] / bob SCENARIO [ARGS...]: sipp as that user
alice() {
	sipp_ua "$alice" "$CALLER4" "$ALICE_RTP" "$1" -key caller alice -s "${SVC:-bob}" "${@:2}"
}

bob() {
	sipp_ua "$bob" "$CALLEE4" "$BOB_RTP" "$1" -key caller bob -s "${SVC:-bob}" "${@:2}"
}

# register USER [PORT [EXPIRES]] [SIPP_ARGS...]: REGISTER USER's binding
# sip:USER@its-address:PORT (default 5060, its sipp port, sent from there)
# for EXPIRES seconds (default 600; 0 removes it) with tests/sip/reg-one.xml.
# Runs for one binding share a Call-ID and have increasing CSeqs, so a
# repeat is a refresh.
REG_CSEQ=0
register() {
	local user=$1 port=5060 expires=600 addr

	shift
	[[ "${1:-}" =~ ^[0-9]+$ ]] && { port=$1; shift; }
	[[ "${1:-}" =~ ^[0-9]+$ ]] && { expires=$1; shift; }
	REG_CSEQ=$((REG_CSEQ + 1))
	case "$user" in
	alice) addr=$CALLER4 ;;
	bob) addr=$CALLEE4 ;;
	*) return 2 ;;
	esac
	SVC=$user "$user" reg-one.xml -base_cseq "$REG_CSEQ" -cid_str "reg-$user-$port@%s" \
		-key contact_port "$port" -key expires "$expires" "$@"
}

# bob_answers SCENARIO [ARGS...]: bob's sipp waiting for one call (BOB_PID)
bob_answers() {
	sipp_bg BOB_PID "$bob" "$CALLEE4" "$BOB_RTP" "$1" -s bob "${@:2}"
	# sipp binds its port at once; give it a moment to be scheduled
	sleep 0.3
}

# alice_calls SCENARIO [ARGS...]: alice's sipp placing one call to bob
# in the background (ALICE_PID); the call's Call-ID is ALICE_CALLID
alice_calls() {
	ALICE_CALLID=call$((SIPP_N + 1))@$CALLER4
	sipp_bg ALICE_PID "$alice" "$CALLER4" "$ALICE_RTP" "$1" -key caller alice -s bob \
		-cid_str "call$((SIPP_N + 1))@%s" "${@:2}"
}

# alice_go: tell alice's sipp to go on past its next wait (the scenarios'
# <recv request="NOTIFY">: the test decides when a call moves on, so slow
# machines never race the checks)
alice_go() {
	ip netns exec "$alice" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
		--callid "$ALICE_CALLID" "$CALLER4:$SIP_PORT" "$SIP_DIR/msg/go.sip" >/dev/null
	return 0
}

# ---- what krtpd and krtp.ko report --------------------------------------

# flows_json: krtp.ko's flows in the relay namespace
flows_json() {
	kctl flow list --json
}

nflows() {
	flows_json | $KJQ length
}

# bob_go: the same for bob's sipp (the callee of alice's call)
bob_go() {
	ip netns exec "$bob" /usr/bin/python3 "$SIP_DIR/sipsend.py" --timeout 0.2 \
		--callid "$ALICE_CALLID" "$CALLEE4:$SIP_PORT" "$SIP_DIR/msg/go.sip" >/dev/null
	return 0
}

# flows_snap: take one snapshot of the flows (FLOWS) for flow_by_peer, so a
# run of checks costs one netlink dump; flows_unsnap goes back to live
flows_snap() {
	FLOWS=$(flows_json)
}

flows_unsnap() {
	FLOWS=
}

# flow_by_peer ADDR:PORT FIELD: a field of the flow that sends to ADDR:PORT
# (from the snapshot if there is one)
flow_by_peer() {
	local json=${FLOWS:-}

	[ -n "$json" ] || json=$(flows_json)
	echo "$json" | $KJQ -r --arg p "$1" "[.[] | select(.peer == \$p)] | if length == 1 then .[0].$2 else \"flows to \(\$p): \(length)\" end"
}

# calls_json / regs_json: krtpd's tables over the control socket
calls_json() {
	ctl calls --json
}

regs_json() {
	ctl registrations --json
}

# user_registered USER: krtpd holds a binding of USER
user_registered() {
	regs_json | $KJQ -e --arg u "$1" '.[] | select(.user == $u)' >/dev/null
}

# require_aiortc: skip the test without Debian's python3-aiortc and
# python3-websockets (tests/webrtc/wrtcphone.py)
require_aiortc() {
	/usr/bin/python3 -c 'import aiortc, websockets' 2>/dev/null ||
		skip_all "python3-aiortc or python3-websockets missing"
}

# ncalls: calls krtpd reports (the JSON is an array, or an object holding one)
ncalls() {
	calls_json | $KJQ 'if type == "array" then length else ([.[] | arrays] | first // [] | length) end'
}

# call_counter NAME: the sum of a named counter over krtpd's calls (e.g.
# packets_a_to_b), wherever it sits in the JSON
call_counter() {
	calls_json | $KJQ --arg k "$1" '[.. | objects | to_entries[] | select(.key == $k) | .value | numbers] | add // 0'
}

# bindings USER: the registered contacts of USER, one URI per line, sorted
# (any string in krtpd's registrations JSON that is a SIP URI of USER at a
# UA address, i.e. not at the domain)
bindings() {
	regs_json | jq -r --arg u "$1" '[.. | strings | select(test("^<?sip:" + $u + "@[0-9]"))] | unique | .[]' |
		sed 's/^<//; s/>.*//; s/;.*//'
}

# relay_ports_bound: UDP sockets krtpd holds in its relay range
relay_ports_bound() {
	ip netns exec "$relay" ss -Hunl "sport >= :$RELAY_MIN and sport <= :$RELAY_MAX" | wc -l
}

# metric NAME: one of krtpd's Prometheus metrics (metrics_listen =
# 127.0.0.1:9090 in the relay namespace), empty if it is not there
metric() {
	ip netns exec "$relay" curl -s --max-time 5 http://127.0.0.1:9090/metrics |
		awk -v m="$1" '$1 == m { print $2 }'
}

# udp_rcvbuf_errors NS: UDP datagrams namespace NS's kernel dropped at a
# full socket buffer (a program too slow to read them), from /proc/net/snmp
udp_rcvbuf_errors() {
	ip netns exec "$1" awk '$1 == "Udp:" {
		if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 }
		else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# sysfs_or0 NAME: a sysfs counter, 0 when the module is not loaded
sysfs_or0() {
	cat "$SYSFS/$1" 2>/dev/null || echo 0
}
# no_call_left WHAT: after a call ended, krtpd holds no flow, port or call
no_call_left() {
	wait_eq 5000 0 nflows >/dev/null
	check "$1: no flow left" 0 "$(nflows)"
	check "$1: no relay port left" 0 "$(relay_ports_bound)"
	check "$1: no call left" 0 "$(ncalls)"
}

# sip_kernel_setup [--no-register]: what the kernel-media SIP tests start
# from: the KTAP header, krtp.ko loaded, the alice / krtpd / bob namespaces,
# krtpd running with media = kernel, and (unless told not to) alice and bob
# registered. Skips the test if a tool or the module is missing; ends it if
# the topology or krtpd does not come up.
sip_kernel_setup() {
	require_sip_tools
	[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
	ktap_print_header

	krtp_load || skip_all "insmod $KRTP_KO failed"
	sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
	# SIP_KERNEL_CONF: one more config line for krtpd, if the test sets it
	krtpd_config kernel ${SIP_KERNEL_CONF:+"$SIP_KERNEL_CONF"}
	krtpd_start || { ktap_test_fail "krtpd starts with media = kernel"; ktap_finished; exit; }
	ktap_test_pass "krtpd starts with media = kernel"
	[ "${1:-}" = --no-register ] && return 0
	sip_check "alice registers" register alice
	sip_check "bob registers" register bob
}

defer sip_keep_logs
