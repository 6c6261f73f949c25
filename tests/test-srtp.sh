#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SRTP and SRTCP in krtp.ko against libsrtp2 (tests/tools/srtpcheck.c), for
# every suite: libsrtp's SRTP decrypted by a flow arrives as the RTP that was
# protected; RTP encrypted by a flow is unprotected by libsrtp; a flow that
# decrypts one key and encrypts another bridges two libsrtp sessions; all
# from sequence number 65530, across the ROC rollover. A replayed and a
# tampered packet are dropped and counted, exactly, per flow and in sysfs;
# a forged first packet from another port does not become the source.
# Dumps report each context's ROC (1 past seq 65535) and the SRTCP index
# sent; the bridge flow, re-created from them with the same keys, keeps
# libsrtp's streams decrypting. On each flow a second SSRC joins the first,
# from its own ROC 0 and SRTCP index 0 (RFC 3711 3.2.3, as libsrtp's
# ssrc_any sessions keep them). Two flows sharing a port with one key
# (BUNDLE, audio PT 0 and video PT 96, as krtpd keys a bundle's lines)
# each decrypt their own stream and its RTCP, every packet intact at its
# own port. /sys/kernel/krtp/srtp/ names the crypto
# drivers in use, each one /proc/crypto lists.
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#   libsrtp / plain          flows on 10.0.1.1:PORT       libsrtp / plain :PORT+1000
#
#   PORT      srtp-in            SRTP -> RTP
#   PORT+2    srtp-out           RTP  -> SRTP
#   PORT+4    srtp-in, srtp-out  SRTP (key A) -> SRTP (key B)
#   PORT+6    two flows, srtp-in  SRTP (key A) PT 0  -> RTP :PORT+1006
#             bundle 0 and 96                   PT 96 -> RTP :PORT+1008
. "$(dirname "$0")/lib.sh"
require_tools
SRTPCHECK=${SRTPCHECK:-$TESTS_DIR/tools/srtpcheck}
[ -x "$SRTPCHECK" ] || skip_all "tests/tools/srtpcheck is not built (libsrtp2-dev)"
ktap_print_header

krtp_load || skip_all "insmod failed"
setup_topology || { ktap_test_fail "topology"; ktap_finished; exit; }

port=4200
for suite in 80 32 gcm; do
	# (a file, not a process substitution: the VM has no /dev/fd)
	"$SRTPCHECK" "$relay" "$caller" "$callee" "$suite" "$port" \
		>"$TMPD/srtpcheck.out" 2>"$TMPD/srtpcheck.err"
	check "$suite: srtpcheck ran to the end" 0 "$?"
	while IFS=$'\t' read -r tag name expected actual; do
		case "$tag" in
		CHECK) check "$suite: $name" "$expected" "$actual" ;;
		SKIP) ktap_test_skip "$suite: $name" ;;
		\#*) echo "# $suite: ${tag#\# }" ;;
		esac
	done <"$TMPD/srtpcheck.out"
	[ -s "$TMPD/srtpcheck.err" ] && sed 's/^/# /' "$TMPD/srtpcheck.err"
	port=$((port + 10))
done

# what krtpctl (over a dump) says of the 80 suite's flows: suites, ROC, no keys
check "krtpctl: decrypt flow srtp" '{"in":"AES_CM_128_HMAC_SHA1_80","in_roc":1}' \
	"$(ffield "$RELAY4:4200" .srtp | jq -c 'del(.in_streams)')"
# each SSRC's ROC: the first's past the wrap, the second's (0x0badcafe) from 0
check "krtpctl: decrypt flow streams" '[[1589706734,1],[195939070,0]]' \
	"$(ffield "$RELAY4:4200" .srtp.in_streams | jq -c 'map([.ssrc, .roc])')"
check "krtpctl: streams in the text" 1 \
	"$(kctl flow show "$RELAY4:4200" | grep -c 'roc 1 streams 0x5ec0ffee:1,0xbadcafe:0')"
# out_roc: that of the SSRC sent last (the first, ROC 1); the SRTCP index
# counts the first SSRC's 3 + 3 + 3 (re-created twice) and the second's 3
check "krtpctl: bridge flow srtp (re-created: roc 1, 12 srtcp sent)" \
	'{"in":"AES_CM_128_HMAC_SHA1_80","in_roc":1,"out":"AES_CM_128_HMAC_SHA1_80","out_roc":1,"out_srtcp_index":12}' \
	"$(ffield "$RELAY4:4204" .srtp | jq -c 'del(.in_streams, .out_streams)')"
check "krtpctl: plain flows have no srtp" 0 "$(kctl flow list --json | jq '[.[] | select(.srtp == null)] | length')"
check_stat "krtpctl: decrypt flow srtp_auth_fail" "$RELAY4:4200" srtp_auth_fail 2
check_stat "krtpctl: decrypt flow srtp_replay" "$RELAY4:4200" srtp_replay 1
check_nstat "krtpctl stats: srtp_auth_fail (3 suites)" srtp_auth_fail 6
check "decrypt flow learned the real sender, not the forger" "$CALLER4:14200" "$(ffield "$RELAY4:4200" .source)"

# /sys/kernel/krtp/srtp/: the drivers the transforms above came from, each
# one the kernel has registered; the CPU's (AES-NI) ones where it has them
drv() { cat "/sys/kernel/krtp/srtp/$1" 2>/dev/null; }
registered() { grep -qx "driver *: $1" /proc/crypto && echo yes; }
for f in aes_cm gcm hmac_sha1; do
	check "sysfs srtp/$f names a registered driver ($(drv $f))" yes "$(registered "$(drv $f)")"
done
check "sysfs srtp/aes_cm is a ctr(aes)" yes "$(case "$(drv aes_cm)" in ctr*aes*) echo yes ;; esac)"
check "sysfs srtp/hmac_sha1 is an hmac(sha1)" yes "$(case "$(drv hmac_sha1)" in hmac\(sha1*) echo yes ;; esac)"
if grep -qw aes /proc/cpuinfo && grep -q '^aesni_intel ' /proc/modules; then
	for f in aes_cm_simd gcm_simd; do
		check "sysfs srtp/$f: the CPU's ($(drv $f))" yes "$(registered "$(drv $f)")"
	done
else
	check "sysfs srtp/aes_cm_simd: none without AES-NI" none "$(drv aes_cm_simd)"
fi
check_unload
ktap_finished
