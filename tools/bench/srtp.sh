# SPDX-License-Identifier: GPL-2.0
#
# The SRTP cases of make bench, sourced by guest.sh (same boot, same
# topology, same measure()):
#
#   s   krtp.ko: one flow each with an SRTP context, keys over netlink
#       (tools/bench/flows.c one ... in SPEC out SPEC): decrypt SRTP->RTP,
#       encrypt RTP->SRTP, and bridge (decrypt with one key, encrypt with
#       another), AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM; and a plain
#       flow, the 1.0x of this boot
#   k   rtpengine's kernel module (xt_RTPENGINE of Debian's
#       rtpengine-kernel-dkms, built by tools/bench/rtpengine-kmod.sh) with
#       rtpengine-daemon (--table=N, a table per row), one call per row set
#       up over its ng port with SDES: plain; decrypt (the caller offers
#       RTP/SAVP with a=crypto, rtpengine offers RTP/AVP to the callee,
#       which answers plain; the caller gets RTP/SAVP back); encrypt (the
#       other way round: the caller offers RTP/AVP, the callee is asked
#       RTP/SAVP and answers with the a=crypto of the suite, under the tag
#       rtpengine offered it with); bridge: RTP/SAVP both sides, each with
#       its own key. rtpengine 10.5 re-keys only when the two sides' suites
#       differ: with one suite on both it copies the caller's a=crypto into
#       its offer and the callee's into its answer ("SRTP<>SRTP
#       passthrough" in its call.c) and its kernel module forwards the
#       SRTP untouched. So its bridge row is aes80 from the caller, gcm to
#       the callee (rtpengine's own key), and a passthrough row shows the
#       same-suite case
#
# SRTP senders: gen --srtp builds and protects every packet before its
# timed window (gen_srtp.c), so rows that send SRTP are costed against a
# generator-only case that sends the same prebuilt SRTP (bases-SUITE),
# rows that send RTP against the usual one. Sequence numbers run on across
# a case's runs (--first), so nothing is a replay.
#
# A row is ok only if every packet arrived (tc flower, as everywhere), and
# also: krtp.ko's flow counted no SRTP auth or replay drop; rtpengine's
# /proc/rtpengine/N/list shows the measured packets forwarded by the kernel
# module, not by the daemon's userspace fallback, with the row's decryption
# and encryption ciphers in its targets (none for plain and passthrough).

# master keys and salts (hex), one per leg; the bench has no secrets
SRTP_KEY_A=e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6
SRTP_KEY_B=3a8e5f2c71d4b9e0a6c5f1d28e7b4a9c0d3f6e1b2a5c8d7e4f9a0b3c6d1e
# generator-only cost of prebuilt SRTP, by suite: "suite|ns"
SRTP_BASES=()

# srtp_spec SUITE KEY: gen/flows' SUITE:HEX (GCM's salt is 12 bytes)
srtp_spec() {
	case "$1" in
	gcm) echo "gcm:${2:0:56}" ;;
	*) echo "$1:$2" ;;
	esac
}

# sdes SUITE KEY: the a=crypto value of SDES (RFC 4568, RFC 7714)
sdes() {
	local hex name

	hex=$(srtp_spec "$1" "$2")
	hex=${hex#*:}
	case "$1" in
	gcm) name=AEAD_AES_128_GCM ;;
	*) name=AES_CM_128_HMAC_SHA1_80 ;;
	esac
	echo "$name inline:$(printf "$(echo "$hex" | sed 's/../\\x&/g')" | base64 -w0)"
}

# srtp_rebase SUITE: the last row sent SRTP; cost it against that suite's
# generator-only case, in the units of the others (cost - base_s + base)
srtp_rebase() {
	local row b= cost

	for row in "${SRTP_BASES[@]}"; do
		[ "${row%%|*}" = "$1" ] && b=${row#*|}
	done
	cost=$(echo "${RESULTS[-1]}" | cut -d'|' -f3)
	if [ -z "$b" ]; then
		srtp_fail "FAILED (no generator-only case for $1)"
	elif [ -n "$cost" ]; then
		RESULTS[-1]=$(echo "${RESULTS[-1]}" | awk -F'|' -v OFS='|' -v c="$cost" -v b="$b" -v b0="$BASE_NS" \
			'{ $3 = sprintf("%.1f", c - b + b0); print }')
	fi
}

# srtp_fail STATUS: mark the last row failed (if it was ok)
srtp_fail() {
	RESULTS[-1]=$(echo "${RESULTS[-1]}" | awk -F'|' -v OFS='|' -v s="$1" '$6 == "ok" { $6 = s } { print }')
}

# The CPU's AES, SHA-1 and GHASH drivers, as udev loads them on a host
# (the VM has no udev): without them the crypto API picks the generic C
# code, for krtp.ko and rtpengine alike. Also gets the templates (ctr,
# hmac, gcm) loaded before a flow's setup needs them.
SRTP_CRYPTO=0
srtp_crypto() {
	[ "$SRTP_CRYPTO" = 1 ] && return 0
	modprobe -a aesni_intel sha1_ssse3 ghash_clmulni_intel ctr hmac gcm 2>/dev/null
	SRTP_CRYPTO=1
	log "crypto drivers: $(awk '/^driver/ { print $3 }' /proc/crypto | grep -E 'aes|sha1|ghash|gcm' | sort -u | tr '\n' ' ')"
}

# what krtp.ko's transforms resolved to: it holds one of each algorithm
# from its load on (kmod/srtp-kdf.c), so the instances of ctr(aes),
# gcm(aes) and hmac(sha1) in use (refcnt > 1) are its, before any other
# module keys anything: the synchronous ones for any context, and the
# SIMD drivers' internal __ctr(aes) and __gcm(aes) that its packet path
# takes where the FPU is usable
SRTP_USED=
srtp_used() {
	SRTP_USED=$(awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^refcnt/ { r = $3 }
		/^$/ { if (n ~ /^(__)?(ctr\(aes\)|gcm\(aes\))$|^hmac\(sha1\)$/ && r > 1) print d; n = "" }' \
		/proc/crypto | sort -u | tr '\n' ' ')
	log "krtp.ko's transforms: $SRTP_USED"
}

# the generator's own cost with prebuilt SRTP, per suite; run before any
# module is loaded, as case base
srtp_bases() {
	local suite

	for suite in aes80 gcm; do
		topo_up || return 1
		in_r tc qdisc add dev r0 clsact
		in_r tc filter add dev r0 ingress pref 20 matchall action drop
		GEN_EXTRA=(--srtp "$(srtp_spec $suite $SRTP_KEY_A)")
		measure "bases-$suite" "generator only, SRTP $suite (tc drop)" 10.0.1.1:4000 r0 "$NS_R"
		GEN_EXTRA=()
		topo_down
		SRTP_BASES+=("$suite|$(echo "${RESULTS[-1]}" | cut -d'|' -f3)")
	done
}

# krtp_srtp_row NAME LABEL SUITE IN OUT: one keyed flow (IN/OUT: keys or
# empty), SRTP from the generator when IN is set
krtp_srtp_row() {
	local name=$1 label=$2 suite=$3 kin=$4 kout=$5 args=() line

	topo_up || return 1
	rx_filters e0 "$NS_E" 10.0.2.1 4000 10.0.2.2 5000
	[ -n "$kin" ] && args+=(in "$(srtp_spec "$suite" "$kin")")
	[ -n "$kout" ] && args+=(out "$(srtp_spec "$suite" "$kout")")
	if ! in_r "$bin/flows" one 10.0.1.1:4000 10.0.2.2:5000 10.0.2.1:4000 "${args[@]}" >/dev/null; then
		record "$name" "$label" "" 0 0 "FAILED (flow add)"
		topo_down
		return 1
	fi
	[ -n "$kin" ] && GEN_EXTRA=(--srtp "$(srtp_spec "$suite" "$kin")")
	measure "$name" "$label" 10.0.1.1:4000 e0 "$NS_E"
	GEN_EXTRA=()
	[ -n "$kin" ] && srtp_rebase "$suite"
	line=$(in_r "$bin/flows" show 10.0.1.1:4000)
	log "krtp flow $name: $line"
	if [ "$(kv srtp_auth_fail <<<"$line")" != 0 ] || [ "$(kv srtp_replay <<<"$line")" != 0 ]; then
		srtp_fail "FAILED (SRTP drops)"
	fi
	topo_down
}

case_s() {
	local suite

	[ ${#SRTP_BASES[@]} -gt 0 ] || srtp_bases
	srtp_crypto
	krtp_load || { record s "(s) krtp.ko SRTP" "" 0 0 "FAILED (module not loaded)"; return 1; }
	srtp_used
	krtp_srtp_row s-plain "(s) krtp.ko plain RTP, 1 flow" aes80 "" ""
	for suite in aes80 gcm; do
		krtp_srtp_row "s-dec-$suite" "(s) krtp.ko $suite decrypt" $suite "$SRTP_KEY_A" ""
		krtp_srtp_row "s-enc-$suite" "(s) krtp.ko $suite encrypt" $suite "" "$SRTP_KEY_B"
		krtp_srtp_row "s-brg-$suite" "(s) krtp.ko $suite bridge" $suite "$SRTP_KEY_A" "$SRTP_KEY_B"
	done
	rmmod krtp && KRTP_LOADED=0
}

# ---- rtpengine's kernel module

# RTPE_TABLE: each row its own kernel table (1, 2, ...): a table stays
# busy until its namespace (and iptables rule) is gone
RTPE_TABLE=0

# packets the kernel module forwarded, all targets of the row's table
# ("stats: N bytes, N packets, N errors")
rtpe_kernel_packets() {
	awk '$1 == "stats:" { n += $4 } END { print n + 0 }' "/proc/rtpengine/$RTPE_TABLE/list" 2>/dev/null
}

# rtpe_kernelized PORT: the row's table has the target of 10.0.1.1:PORT,
# its outputs filled in
rtpe_kernelized() {
	awk -v l="local inet4 10.0.1.1:$1" '$0 == l { t = 1; next } /^local / { t = 0 }
		t && /outputs not fully filled/ { t = 0 } t && /output #0/ { ok = 1 } END { exit !ok }' \
		"/proc/rtpengine/$RTPE_TABLE/list" 2>/dev/null
}

# rtpe_cipher SUITE: the name rtpengine's /proc/rtpengine/N/list gives it
rtpe_cipher() {
	case "$1" in
	gcm) echo AEAD-AES-GCM-128 ;;
	*) echo AES-CM-128 ;;
	esac
}

# rtpe_row NAME LABEL SUITE MODE [SUITE_B]: one call through rtpengine-daemon
# with kernel forwarding; MODE plain, dec, enc, brg (A speaks SUITE with key
# A, B SUITE_B with key B; rtpengine re-keys only when the suites differ) or
# pass (SUITE both sides: rtpengine hands each side's key to the other)
rtpe_row() {
	local name=$1 label=$2 suite=$3 mode=$4 sb=${5:-$3} pid line pa pb ng=() gb k0 k1 ipt=iptables
	# its log on the guest's tmpfs, copied to the output folder when the
	# row is done: a write to the 9p folder waits on the host, and the
	# guest's clock jumps meanwhile (an offer that logged "Creating new
	# call" there took longer than ng-client's 60 s of guest time)
	local list rlog=/tmp/rtpengine-$name.txt

	RTPE_TABLE=$((RTPE_TABLE + 1))
	topo_up || return 1
	if ! in_r $ipt -I INPUT -p udp -j RTPENGINE --id "$RTPE_TABLE" 2>/dev/null; then
		ipt=iptables-legacy
		in_r $ipt -I INPUT -p udp -j RTPENGINE --id "$RTPE_TABLE" ||
			{ record "$name" "$label" "" 0 0 "FAILED (iptables -j RTPENGINE)"; topo_down; return 1; }
	fi
	# no RTP timeout: the guest clock jumps ahead while programs load over
	# 9p on a busy host, and rtpengine's default (60 s without media) closed
	# calls before their first packet (the rows that "forwarded nothing")
	ip netns exec "$NS_R" rtpengine --config-file=none --foreground --log-stderr --table="$RTPE_TABLE" --no-fallback \
		--timeout=86400 --silent-timeout=86400 --offer-timeout=86400 \
		--interface=10.0.1.1 --listen-ng=127.0.0.1:2223 --port-min=30000 --port-max=30999 \
		--log-level="${KRTP_BENCH_RTPE_LOG:-5}" --delete-delay=0 --pidfile=/tmp/rtpengine.pid >"$rlog" 2>&1 &
	pid=$!
	case "$mode" in
	dec) ng=(--a-crypto "$(sdes "$suite" "$SRTP_KEY_A")" --to-a RTP/SAVP) ;;
	enc) ng=(--to-b RTP/SAVP --b-crypto "$(sdes "$suite" "$SRTP_KEY_B")") ;;
	brg|pass) ng=(--a-crypto "$(sdes "$suite" "$SRTP_KEY_A")" --to-b RTP/SAVP --to-a RTP/SAVP
		 --b-crypto "$(sdes "$sb" "$SRTP_KEY_B")") ;;
	esac
	if ! ng_wait 2223 || ! line=$(in_r /usr/bin/python3 "$repo/tools/bench/ng-client.py" --timeout 60 --tries 10 \
			2223 call "bench$name" 10.0.1.2:6000 10.0.2.2:5000 "${ng[@]}"); then
		record "$name" "$label" "" 0 0 "FAILED (ng call)"
		log "rtpengine: $(tail -n 5 "$rlog" | tr '\n' ' ')"
		kill "$pid"; wait "$pid"
		cp "$rlog" "$out/"
		topo_down
		return 1
	fi
	log "rtpengine call $name: $line"
	pa=$(kv port_a <<<"$line")
	pb=$(kv port_b <<<"$line")
	rx_filters e0 "$NS_E" 10.0.1.1 "$pb" 10.0.2.2 5000
	# rtpengine's endpoint learning (default "delayed") confirms a peer, and
	# only then puts its stream in the kernel, with the first packet that
	# comes more than 3 s (whole seconds of its clock) after the call's
	# last signalling; until then it relays in userspace. Wait that out,
	# then a few packets from B and from A, so that both of the call's
	# streams are confirmed (SRTP with B's key where B's SDP was RTP/SAVP),
	# and wait for A's stream in the kernel table
	sleep 4.2
	gb=()
	[ "$mode" != plain ] && [ "$mode" != dec ] && gb=(--srtp "$(srtp_spec "$sb" "$SRTP_KEY_B")")
	in_e "$bin/gen" -i e0 --src-mac $MAC_E0 --dst-mac $MAC_R1 -s 10.0.2.2:5000 \
		-d "10.0.1.1:$pb" -n 50 -r 1000 -b 1 "${gb[@]}" >/dev/null
	[ "$mode" != plain ] && [ "$mode" != enc ] && GEN_EXTRA=(--srtp "$(srtp_spec "$suite" "$SRTP_KEY_A")")
	# A's first packets, sequence numbers before the warm-up's (no replay)
	gen_run "10.0.1.1:$pa" 50 "$SEQ" >/dev/null
	SEQ=$((SEQ + 50))
	busywait 60 rtpe_kernelized "$pa" ||
		log "rtpengine: no kernel target for 10.0.1.1:$pa after 60 s: $(grep -E 'Confirmed|ernel' "$rlog" | tail -n 5 | tr '\n' ' ')"
	k0=$(rtpe_kernel_packets)
	measure "$name" "$label" "10.0.1.1:$pa" e0 "$NS_E"
	k1=$(rtpe_kernel_packets)
	GEN_EXTRA=()
	[ "$mode" != plain ] && [ "$mode" != enc ] && srtp_rebase "$suite"
	list=$(tr -s ' \n' ' ' <"/proc/rtpengine/$RTPE_TABLE/list" 2>/dev/null)
	log "rtpengine kernel table $RTPE_TABLE during $name: $((k1 - k0)) packets; $list"
	if [ "$(echo "${RESULTS[-1]}" | cut -d'|' -f6)" != ok ]; then
		log "rtpengine: $(tail -n 8 "$rlog" | tr '\n' ' ')"
		log "rtpengine rule: $(in_r $ipt -L INPUT -v -n -x | tr -s ' \n' ' ')"
		log "udp sockets: $(in_r ss -uan | tr -s ' \n' ' ')"
	fi
	# the kernel module, not the daemon, must have forwarded the measured
	# packets, and done the row's transform: A's suite decrypted (only the
	# A->B target can have that decryption), B's encrypted
	[ $((k1 - k0)) -ge "$PACKETS" ] || srtp_fail "FAILED (kernel forwarded $((k1 - k0)))"
	case "$mode" in
	dec|brg) [[ "$list" == *"decryption parameters: cipher: $(rtpe_cipher "$suite") "* ]] ||
		srtp_fail "FAILED (no $(rtpe_cipher "$suite") decryption in the kernel)" ;;&
	enc|brg) [[ "$list" == *"encryption parameters: cipher: $(rtpe_cipher "$sb") "* ]] ||
		srtp_fail "FAILED (no $(rtpe_cipher "$sb") encryption in the kernel)" ;;
	plain|pass) [[ "$list" != *"parameters: cipher:"* ]] ||
		srtp_fail "FAILED (a cipher in the kernel)" ;;
	esac
	# a bridge sends to B with rtpengine's own key, not A's; passthrough
	# hands A's key to B
	case "$mode:$(kv crypto_b <<<"$line")" in
	brg:*"${SRTP_KEY_A:0:32}"*|brg:-) srtp_fail "FAILED (not re-keyed)" ;;
	pass:*"${SRTP_KEY_A:0:32}"*) ;;
	pass:*) srtp_fail "FAILED (re-keyed, not passed through)" ;;
	esac
	kill "$pid"; wait "$pid"
	cp "$rlog" "$out/"
	topo_down
}

case_k() {
	local ko=$repo/build/bench/rtpengine/$(uname -r)/xt_RTPENGINE.ko suite

	if ! command -v rtpengine >/dev/null; then
		NOTES+=("(k) not run: rtpengine (Debian's rtpengine-daemon) is not installed")
		return 0
	fi
	if [ ! -r "$ko" ]; then
		NOTES+=("(k) not run: no $ko (tools/bench/rtpengine-kmod.sh $(uname -r))")
		return 0
	fi
	# its SRTP rows need the generator-only cases too (if s did not run first)
	[ ${#SRTP_BASES[@]} -gt 0 ] || srtp_bases
	srtp_crypto
	modprobe -a x_tables ip_tables iptable_filter nf_tables nft_compat 2>/dev/null
	insmod "$ko" || { record k "(k) rtpengine kernel" "" 0 0 "FAILED (insmod xt_RTPENGINE)"; return 1; }
	rtpe_row k-plain "(k) rtpengine kernel, plain RTP" aes80 plain
	for suite in aes80 gcm; do
		rtpe_row "k-dec-$suite" "(k) rtpengine kernel, $suite decrypt" $suite dec
		rtpe_row "k-enc-$suite" "(k) rtpengine kernel, $suite encrypt" $suite enc
	done
	# rtpengine's only SRTP->SRTP transform with two keys: another suite
	# towards B (same suite both sides is passed through, next row)
	rtpe_row k-brg-aes80-gcm "(k) rtpengine kernel, aes80->gcm bridge" aes80 brg gcm
	rtpe_row k-pass-aes80 "(k) rtpengine kernel, aes80 passthrough" aes80 pass
	# the tables go with their last user; then the module can go
	for t in $(seq 1 "$RTPE_TABLE"); do
		echo "del $t" >/proc/rtpengine/control 2>/dev/null
	done
	rmmod xt_RTPENGINE 2>/dev/null || log "rmmod xt_RTPENGINE failed (a table still busy)"
}

# ---- report (print_table calls it)

# srtp_cmp LABEL NUM DEN [LIMIT]: the ratio of two rows' relay costs, and
# against LIMIT (NUM/DEN <= LIMIT) if given
srtp_cmp() {
	local x y r

	x=$(relay_ns "$2"); y=$(relay_ns "$3")
	if [ -z "$x" ] || [ -z "$y" ]; then
		printf '  %-60s %-14s %s\n' "$1" "no figure" "${4:+MISSED}"
		return
	fi
	r=$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.2f", x / y }')
	printf '  %-60s %-14s %s\n' "$1" "$r" "${4:+$(verdict "$r" "<=" "$4")}"
}

srtp_report() {
	local t

	[[ " $CASES " == *" s "* ]] || [[ " $CASES " == *" k "* ]] || return 0
	echo
	echo "SRTP (cost per packet over plain IP forwarding, (a)):"
	if [[ " $CASES " == *" k "* ]]; then
		echo "  krtp.ko / rtpengine's kernel module, same transform, same boot:"
		for t in plain dec-aes80 enc-aes80 dec-gcm enc-gcm; do
			relay_ns "k-$t" >/dev/null && srtp_cmp "(s) $t / (k) $t" "s-$t" "k-$t"
		done
		# rtpengine re-keys SRTP->SRTP only across suites (same suite: it
		# hands the keys on, row k-pass-aes80): its aes80->gcm bridge is
		# between krtp.ko's aes80 and gcm bridges in work
		if relay_ns k-brg-aes80-gcm >/dev/null; then
			srtp_cmp "(s) brg-aes80 / (k) brg-aes80->gcm" s-brg-aes80 k-brg-aes80-gcm
			srtp_cmp "(s) brg-gcm / (k) brg-aes80->gcm" s-brg-gcm k-brg-aes80-gcm
		fi
	fi
	[ -z "$SRTP_USED" ] || echo "  krtp.ko's transforms (/proc/crypto): $SRTP_USED"
	echo
	echo "targets (SRTP):"
	srtp_cmp "(s) krtp.ko plain RTP / (a) <= 1.10" s-plain a 1.10
	srtp_cmp "(s) aes80 bridge / (a) <= 1.50" s-brg-aes80 a 1.50
	[[ " $CASES " == *" k "* ]] &&
		srtp_cmp "(s) aes80 bridge / (k) rtpengine kernel bridge (aes80->gcm) < 1" \
			s-brg-aes80 k-brg-aes80-gcm 0.99
}
