#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: the main job, on the local host, in the foreground.
#
#   tools/run.sh [KRTPD_OPTIONS...]
#
# 1. builds krtpd, krtpctl and (when the running kernel's headers are
#    installed) krtp.ko;
# 2. loads krtp.ko if the kernel allows it; if it does not, says so: media
#    is then relayed by krtpd in userspace;
# 3. starts krtpd in the foreground on 127.0.0.1:5060 (UDP and TCP), SIP
#    over WebSocket on 127.0.0.1:8080 and, with a self-signed certificate it
#    creates unless the config names one, SIP over TLS on 127.0.0.1:5061 and
#    WSS on 127.0.0.1:8443; media = auto. Its state goes to /var/lib/krtpd and its control socket
#    to /run/krtpd when those are writable, else to build/run/ here.
#    Prometheus metrics are served on http://127.0.0.1:9090/metrics
#    (KRTPD_METRICS=ADDR:PORT to move them, KRTPD_METRICS=off for none).
#
# Ctrl-C stops krtpd (it deletes its media flows on the way out). Extra
# arguments go to krtpd (see daemon/krtpd --help), e.g. -d for debug logs
# or -l 0.0.0.0:5060 to serve the network.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1

say() { printf 'run: %s\n' "$*" >&2; }

# --- 1: build ------------------------------------------------------------------
if ! pkg-config --exists libmnl liburcu sqlite3 nettle gnutls libmicrohttpd libcares zlib openssl libsrtp2 hiredis 2>/dev/null ||
	! command -v cc >/dev/null || [ ! -e /usr/include/wslay/wslay.h ]; then	# wslay has no .pc
	if [ "$(id -u)" = 0 ]; then
		say "installing the build dependencies (tools/install-deps.sh --build)"
		tools/install-deps.sh --build || { say "installing dependencies failed"; exit 1; }
	else
		say "missing build dependencies: run 'sudo tools/install-deps.sh --build'"
		exit 1
	fi
fi
say "building krtpd and krtpctl"
make -s -C daemon >/dev/null || { say "daemon build failed"; exit 1; }
make -s -C tools/krtpctl >/dev/null || { say "krtpctl build failed"; exit 1; }

kver=$(uname -r)
ko=
if [ -d "/lib/modules/$kver/build" ]; then
	say "building krtp.ko for $kver"
	if make -s module >/dev/null 2>&1 && [ -f "$repo/krtp.ko" ]; then
		ko=$repo/krtp.ko
	else
		say "krtp.ko does not build for $kver (make module shows why)"
	fi
else
	say "no kernel headers for $kver (/lib/modules/$kver/build): krtp.ko not built"
fi

# --- 2: load -----------------------------------------------------------------------
media_note=
if [ -d /sys/module/krtp ]; then
	say "krtp.ko is already loaded"
elif [ "$(id -u)" != 0 ]; then
	media_note="not root, so krtp.ko cannot be loaded"
elif [ -n "$ko" ] && err=$(insmod "$ko" 2>&1); then
	say "loaded $ko"
elif err2=$(modprobe krtp 2>&1); then
	say "loaded krtp.ko (modprobe, installed copy)"
else
	why=${err:-$err2}
	[ -r /proc/sys/kernel/modules_disabled ] &&
		[ "$(cat /proc/sys/kernel/modules_disabled)" = 1 ] &&
		why="this kernel has module loading disabled (kernel.modules_disabled = 1)"
	media_note="krtp.ko could not be loaded: ${why:-no module for $kver}"
fi
if [ -n "$media_note" ]; then
	say "$media_note"
	say "MEDIA RUNS IN USERSPACE: krtpd relays RTP itself (same calls, far more CPU per packet)"
else
	say "media is forwarded by krtp.ko in the kernel"
fi

# --- 3: krtpd ----------------------------------------------------------------------
local_dir=$repo/build/run
state=/var/lib/krtpd
if ! mkdir -p "$state" 2>/dev/null || ! [ -w "$state" ]; then
	state=$local_dir
fi
sockdir=/run/krtpd
if ! mkdir -p "$sockdir" 2>/dev/null || ! [ -w "$sockdir" ]; then
	sockdir=$local_dir
fi
mkdir -p "$state" "$sockdir" || exit 1
chmod 700 "$sockdir"
conf=()
[ -r /etc/krtpd/krtpd.conf ] && conf=(-c /etc/krtpd/krtpd.conf) && say "config /etc/krtpd/krtpd.conf"

# SIP over TLS on 127.0.0.1:5061, with a self-signed certificate made here
# unless the config file names one
tls=()
tls_note="no TLS (certtool from gnutls-bin is missing)"
if [ ${#conf[@]} -gt 0 ] && grep -Eq '^[[:space:]]*tls_certificate[[:space:]]*=' /etc/krtpd/krtpd.conf; then
	tls_note="TLS as configured in /etc/krtpd/krtpd.conf"
elif command -v certtool >/dev/null; then
	tdir=$state/tls
	if ! [ -s "$tdir/cert.pem" ] || ! [ -s "$tdir/key.pem" ]; then
		mkdir -p "$tdir" && chmod 700 "$tdir"
		cat >"$tdir/cert.tmpl" <<EOT
cn = localhost
dns_name = localhost
ip_address = 127.0.0.1
ip_address = ::1
expiration_days = 365
tls_www_server
signing_key
EOT
		if certtool --generate-privkey --key-type ecdsa --outfile "$tdir/key.pem" 2>/dev/null &&
		   certtool --generate-self-signed --load-privkey "$tdir/key.pem" \
			--template "$tdir/cert.tmpl" --outfile "$tdir/cert.pem" 2>/dev/null; then
			say "no TLS certificate configured: created a self-signed one in $tdir"
		else
			say "creating a self-signed certificate in $tdir failed"
		fi
	fi
	if [ -s "$tdir/cert.pem" ]; then
		tls=(--listen tls:127.0.0.1:5061 --listen wss:127.0.0.1:8443
		     -o "tls_certificate=$tdir/cert.pem" -o "tls_private_key=$tdir/key.pem")
		tls_note="TLS on 127.0.0.1:5061 and WSS on 127.0.0.1:8443 with the self-signed $tdir/cert.pem"
	fi
fi

ctl=$repo/tools/krtpctl/krtpctl
[ "$sockdir" = /run/krtpd ] || ctl="$ctl --socket $sockdir/krtpd.sock"
metrics=${KRTPD_METRICS:-127.0.0.1:9090}
[ "$metrics" = off ] || say "metrics:                 curl http://$metrics/metrics"
cat >&2 <<EOF
run: krtpd on 127.0.0.1:5060 (UDP, TCP), ws://127.0.0.1:8080, state $state/state.db
run: $tls_note
run: in another terminal:  $ctl calls | registrations
run: a test call:          make test (or see tests/sip/ for sipp scenarios)
run: Ctrl-C stops krtpd
EOF
exec "$repo/daemon/krtpd" --foreground "${conf[@]}" --listen 127.0.0.1:5060 \
	--listen ws:127.0.0.1:8080 "${tls[@]}" --media auto -o relay_address=127.0.0.1 \
	--state-db "$state/state.db" --socket "$sockdir/krtpd.sock" \
	-o "metrics_listen=$metrics" "$@"
