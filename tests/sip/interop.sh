# SPDX-License-Identifier: GPL-2.0
#
# Real SIP clients for the interop tests (tests/test-sip-interop-*.sh),
# sourced after tests/lib.sh and tests/sip/lib.sh. Each client runs
# headless in a namespace with its own HOME under $TMPD/NAME and reads its
# commands from a FIFO ($TMPD/NAME/in, held open so it never sees EOF):
#
#   linphone   linphonec, "soundcard use files" (no sound card; plays a
#              WAV file into the call)
#   baresip    the ausine source of tests/sip/baresip/config, driven by
#              -e at start, its stdio commands (BS_STDIO=1) and SIGTERM
#              (hang up and exit)
#   Twinkle    twinkle -c (its command line mode), ALSA's loopback card
#              for a sound card
#
# Passwords are USER-pw (iop_users), media counters are the sums over
# krtp.ko's flows towards one side against nftables counters of what
# reached that side from the relay's ports.

IOP_WAV=$TMPD/sine.wav
# the FIFOs go before sip_keep_logs copies $TMPD (9p refuses them)
defer 'rm -f "$TMPD"/*/in'

# iop_wav: 60 s of a 440 Hz sine, 8 kHz mono 16-bit, for linphone to play
iop_wav() {
	/usr/bin/python3 - "$IOP_WAV" <<'EOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                       for i in range(8000 * 60)))
EOF
}

# sipsak_ok NS ADDR ARGS...: sipsak from NS (its address ADDR, for Via
# and Contact) towards krtpd succeeds. krtp.test does not resolve:
# requests go to sip:...@10.0.0.1, one of krtpd's own addresses.
sipsak_ok() {
	local ns=$1 addr=$2

	shift 2
	ip netns exec "$ns" timeout 20 sipsak -H "$addr" "$@" >>"$TMPD/sipsak.out" 2>&1
}

# iop_users [USER...]: alice, bob and carol in krtpd's users file, with
# passwords USER-pw; the USERs named get an MD5 HA1 line instead, so that
# krtpd challenges them with MD5 only: baresip 1.0 and sipsak know only
# MD5, and baresip gives up on a 401 with any other challenge in it
iop_users() {
	local u args=()

	for u in alice bob carol; do
		if [[ " $* " == *" $u "* ]]; then
			args+=("$u" "md5:$u-pw")
		else
			args+=("$u" "$u-pw")
		fi
	done
	krtpd_users "${args[@]}"
}

# iop_sent ADDR [rtp]: what krtp.ko's flows forwarded towards ADDR: RTP
# and RTCP (stats.packets leaves RTCP out, rtcp_packets has it), or only
# the RTP of the RTP flows
iop_sent() {
	flows_json | $KJQ --arg a "$1:" --arg only "${2:-}" '[.[] | select(.peer | startswith($a)) |
		if $only == "rtp" then select(.flags | index("rtcp") | not) | .stats.packets
		else .stats.packets + (.stats.rtcp_packets // 0) end] | add // 0'
}

# ---- the clients' processes ----------------------------------------------

# iop_spawn NAME NS CMD...: run CMD in NS with HOME=$TMPD/NAME, stdin
# from the FIFO, output to $TMPD/NAME/out; NAME_PID is the pid (of
# timeout, the client is its child)
iop_spawn() {
	local name=$1 ns=$2 dir=$TMPD/$1 fd pid

	shift 2
	[ -p "$dir/in" ] || mkfifo "$dir/in"
	exec {fd}<>"$dir/in"
	HOME=$dir ip netns exec "$ns" timeout -k 5 900 "$@" <"$dir/in" >"$dir/out" 2>&1 &
	pid=$!
	printf -v "${name}_PID" %s "$pid"
	printf -v "${name}_FD" %s "$fd"
	defer "kill -CONT $pid 2>/dev/null; pkill -CONT -P $pid; kill $pid 2>/dev/null"
	IOP_MARK[$name]=0
}
declare -A IOP_MARK

# iop_child NAME: the client's own pid
iop_child() {
	local p=${1}_PID

	pgrep -P "${!p}" | head -n 1
}

# iop_cmd NAME COMMAND: send a command line; what it prints from now on is
# what iop_seen looks at
iop_cmd() {
	IOP_MARK[$1]=$(wc -l <"$TMPD/$1/out")
	echo "$2" >"$TMPD/$1/in"
}

# iop_mark NAME: what the client prints from now on is what iop_seen looks at
iop_mark() {
	IOP_MARK[$1]=$(wc -l <"$TMPD/$1/out")
}

# iop_seen NAME REGEX: the client printed a line matching REGEX since its
# last command
iop_seen() {
	tail -n +"$((${IOP_MARK[$1]} + 1))" "$TMPD/$1/out" | tr -d '\r' | grep -Eq "$2"
}

# iop_wait NAME REGEX [MSECS]: wait until iop_seen (default 60 s)
iop_wait() {
	busywait "${3:-60000}" iop_seen "$1" "$2"
}

# iop_stop NAME: SIGTERM to the client, wait for it to exit; its status
iop_stop() {
	local p=${1}_PID f=${1}_FD c fd rc

	c=$(iop_child "$1")
	[ -n "$c" ] && kill -CONT "$c" && kill -TERM "$c"
	wait "${!p}"
	rc=$?
	fd=${!f}
	exec {fd}>&-
	return "$rc"
}

# iop_tail NAME [LINES]: the end of a client's output, as KTAP comments
iop_tail() {
	tr -d '\r' 2>/dev/null <"$TMPD/$1/out" | grep -v 'bit/s' | tail -n "${2:-15}" |
		sed "s/^/#   $1: /"
}

# ---- registrations and calls in krtpd --------------------------------------

# iop_registered USER ADDR TRANSPORT: krtpd has USER bound at ADDR over
# TRANSPORT
iop_registered() {
	regs_json | $KJQ -e --arg u "$1" --arg a "@$2" --arg t "$3" \
		'[.[] | select(.user == $u and (.contact | contains($a)) and .transport == $t)] | length == 1' \
		>/dev/null 2>&1
}

# iop_call_state: the state of krtpd's one call ("none" without one)
iop_call_state() {
	calls_json | $KJQ -r 'if length == 1 then .[0].state else "calls: \(length)" end' 2>/dev/null
}

# ---- linphone ---------------------------------------------------------------

# lp_start NAME NS ADDR USER TRANSPORT RTP_PORT [ARGS...]: linphonec as
# USER over TRANSPORT (udp, tcp, tls: to krtpd's port LP_TLS_PORT,
# verified against the CA in LP_CA), media from RTP_PORT; registers at once
lp_start() {
	local name=$1 ns=$2 addr=$3 user=$4 tp=$5 rtp=$6 dir=$TMPD/$1 port=$SIP_PORT

	shift 6
	[ "$tp" = tls ] && port=${LP_TLS_PORT:-5061}
	mkdir -p "$dir/.local/share/linphone"
	cat >"$dir/rc" <<EOF
[sip]
sip_port=$([ "$tp" = udp ] && echo "$SIP_PORT" || echo 0)
sip_tcp_port=$([ "$tp" = tcp ] && echo "$SIP_PORT" || echo 0)
sip_tls_port=$([ "$tp" = tls ] && echo "$port" || echo 0)
${LP_CA:+root_ca=$LP_CA}
verify_server_certs=1
verify_server_cn=1
bind_address=$addr
default_proxy=0
[rtp]
audio_rtp_port=$rtp
# no hang-up when the other side is quiet (frozen, on hold)
nortp_timeout=3600
[sound]
echocancellation=0
[proxy_0]
reg_proxy=<sip:$SIP_ADDR:$port;transport=$tp>
reg_route=<sip:$SIP_ADDR:$port;transport=$tp;lr>
reg_identity=sip:$user@$SIP_DOMAIN
reg_expires=600
reg_sendregister=1
[auth_info_0]
username=$user
passwd=$user-pw
EOF
	iop_spawn "$name" "$ns" linphonec -c "$dir/rc" -d 6 -l "$dir/log" "$@"
	iop_cmd "$name" "soundcard use files"
}

# lp_play NAME: play the test's WAV file into the call (instead of a
# microphone)
lp_play() {
	iop_cmd "$1" "play $IOP_WAV"
}

# lp_state NAME REGEX: linphonec's "calls" table shows a call in a state
# matching REGEX (StreamsRunning, Paused, PausedByRemote...) within 20 s.
# The table is asked for again every 2 s: one asked while the re-INVITE is
# still out shows Pausing or Resuming, and linphonec prints no new one.
lp_state() {
	local i

	for i in 1 2 3 4 5 6 7 8 9 10; do
		iop_cmd "$1" calls
		busywait 2000 iop_seen "$1" "^[0-9]+ +\| .*\| $2 " && return 0
	done
	return 1
}

# ---- Twinkle ----------------------------------------------------------------

# tw_start NAME NS USER TRANSPORT: Twinkle (twinkle -c) as USER over
# TRANSPORT (udp, tcp), its profile and system settings in its HOME, RTP
# from port 8000. Its sound card is ALSA's loopback card (iop_aloop):
# ALSA's null device keeps no time and gives it only a few RTP packets a
# call. Transfers it is asked for are made without asking.
tw_start() {
	local name=$1 ns=$2 user=$3 tp=$4 dir=$TMPD/$1

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
	cat >"$dir/.twinkle/$user.cfg" <<EOF
user_name=$user
user_domain=$SIP_DOMAIN
auth_name=$user
auth_pass=$user-pw
outbound_proxy=$SIP_ADDR:$SIP_PORT
use_outbound_proxy=yes
all_requests_to_proxy=yes
registrar=$SIP_ADDR
register_at_startup=yes
registration_time=600
codecs=g711u
sip_transport=$tp
allow_refer=yes
ask_user_to_refer=no
EOF
	iop_spawn "$name" "$ns" twinkle -c -f "$user" --force
}

# iop_aloop: ALSA's loopback card (snd-aloop) for Twinkle's sound
iop_aloop() {
	if ! [ -d /proc/asound/Loopback ]; then
		modprobe snd-aloop pcm_substreams=2 || return 1
		defer "rmmod snd_aloop"
	fi
	busywait 5000 test -d /proc/asound/Loopback
}

# ---- baresip ----------------------------------------------------------------

# bs_start NAME NS ADDR USER TRANSPORT [ARGS...]: baresip as USER over
# TRANSPORT, answering calls at once; ARGS e.g. -e "/dial sip:..."
bs_start() {
	local name=$1 ns=$2 addr=$3 user=$4 tp=$5 dir=$TMPD/$1 uri

	shift 5
	mkdir -p "$dir"
	sed "s/@ADDR@/$addr/" "$SIP_DIR/baresip/config" >"$dir/config"
	# (";transport=udp" in the AOR next to auth_pass made baresip 1.0 fail
	# its REGISTER with ENOSYS: UDP is named only in the outbound proxy)
	uri="<sip:$user@$SIP_DOMAIN$([ "$tp" = udp ] || echo ";transport=$tp")>"
	echo "$uri;auth_pass=$user-pw;outbound=\"sip:$SIP_ADDR:$SIP_PORT;transport=$tp\";$(
		)regint=600;audio_codecs=PCMU;ptime=20;answermode=auto" >"$dir/accounts"
	# BS_STDIO=1: commands from the FIFO (iop_cmd NAME "/hold")
	[ -n "${BS_STDIO:-}" ] && echo "module			stdio.so" >>"$dir/config"
	iop_spawn "$name" "$ns" baresip -f "$dir" "$@" -t 800
}

# ---- media ----------------------------------------------------------------

# iop_freeze PID... / iop_thaw PID...: stop and continue the clients
iop_freeze() {
	local p

	for p in "$@"; do kill -STOP "$p"; done
}

iop_thaw() {
	local p

	for p in "$@"; do kill -CONT "$p"; done
}

# iop_sums ADDR_A ADDR_B: what krtp.ko's flows forwarded towards A and B,
# from one dump: "ALL_A ALL_B RTP_A RTP_B" (as iop_sent ADDR, iop_sent ADDR rtp)
iop_sums() {
	flows_json | jq -r --arg a "$1:" --arg b "$2:" '
		def all($p): [.[] | select(.peer | startswith($p)) |
			.stats.packets + (.stats.rtcp_packets // 0)] | add // 0;
		def rtp($p): [.[] | select(.peer | startswith($p)) |
			select(.flags | index("rtcp") | not) | .stats.packets] | add // 0;
		"\(all($a)) \(all($b)) \(rtp($a)) \(rtp($b))"'
}

# iop_settle [ADDR_A ADDR_B]: wait until krtp.ko's counters towards both
# sides (default alice and bob) stop moving (the clients are frozen, the
# last packets land)
iop_settle() {
	local a=${1:-$CALLER4} b=${2:-$CALLEE4} before now i

	before=$(iop_sums "$a" "$b")
	for i in $(seq 20); do
		sleep 0.5
		now=$(iop_sums "$a" "$b")
		[ "$now" = "$before" ] && return 0
		before=$now
	done
	return 1
}

# iop_media WHAT ALICE_GOT0 BOB_GOT0 PID...: with the clients PID...
# frozen, krtp.ko forwarded towards each side exactly what reached it
# since ALICE_GOT0 / BOB_GOT0 (nftables), and RTP flowed both ways
# (>= IOP_MIN_RTP packets each); then thaws them
IOP_MIN_RTP=50
iop_media() {
	local what=$1 a0=$2 b0=$3 s

	shift 3
	iop_freeze "$@"
	iop_settle
	read -ra s <<<"$(iop_sums "$CALLER4" "$CALLEE4")"
	check "$what: alice->bob: krtp.ko forwarded what bob received (${s[1]})" "${s[1]}" \
		$(($(relay_media_got "$bob") - b0))
	check "$what: bob->alice: krtp.ko forwarded what alice received (${s[0]})" "${s[0]}" \
		$(($(relay_media_got "$alice") - a0))
	check "$what: RTP both ways (>= $IOP_MIN_RTP packets each)" yes \
		"$([ "${s[3]}" -ge "$IOP_MIN_RTP" ] && [ "${s[2]}" -ge "$IOP_MIN_RTP" ] && echo yes)"
	iop_thaw "$@"
}

# iop_rtp_both N [ADDR_B ADDR_A]: RTP flows towards each side (default bob,
# alice) have forwarded >= N packets
iop_rtp_both() {
	local s

	read -ra s <<<"$(iop_sums "${2:-$CALLEE4}" "${3:-$CALLER4}")"
	[ "${s[2]}" -ge "$1" ] && [ "${s[3]}" -ge "$1" ]
} 2>/dev/null

# iop_media_window WHAT NS_A ADDR_A NS_B ADDR_B PID...: between two
# moments when the clients PID... are frozen and krtp.ko's counters stand
# still, krtp.ko's flows towards A and B forwarded exactly what reached A
# and B from the relay's ports (nftables), and >= IOP_MIN_RTP RTP packets
# each way. For a call that began while others were still sending (a
# transfer): only what happened in the window is compared.
iop_media_window() {
	local what=$1 na=$2 a=$3 nb=$4 b=$5 s0 s1 ga gb

	shift 5
	iop_freeze "$@"
	iop_settle "$a" "$b"
	read -ra s0 <<<"$(iop_sums "$a" "$b")"
	ga=$(relay_media_got "$na"); gb=$(relay_media_got "$nb")
	iop_thaw "$@"
	_iop_more() {
		local s

		read -ra s <<<"$(iop_sums "$a" "$b")"
		[ "${s[2]}" -ge $((s0[2] + IOP_MIN_RTP)) ] && [ "${s[3]}" -ge $((s0[3] + IOP_MIN_RTP)) ]
	}
	busywait 90000 _iop_more 2>/dev/null
	iop_freeze "$@"
	iop_settle "$a" "$b"
	read -ra s1 <<<"$(iop_sums "$a" "$b")"
	check "$what: ->$a: krtp.ko forwarded what arrived ($((s1[0] - s0[0])))" \
		$((s1[0] - s0[0])) $(($(relay_media_got "$na") - ga))
	check "$what: ->$b: krtp.ko forwarded what arrived ($((s1[1] - s0[1])))" \
		$((s1[1] - s0[1])) $(($(relay_media_got "$nb") - gb))
	check "$what: RTP both ways (>= $IOP_MIN_RTP packets each)" yes \
		"$([ $((s1[2] - s0[2])) -ge "$IOP_MIN_RTP" ] &&
		   [ $((s1[3] - s0[3])) -ge "$IOP_MIN_RTP" ] && echo yes)"
	iop_thaw "$@"
}
