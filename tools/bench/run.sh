#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the kernel media-plane benchmark (issue 2, item 8).
#
#   tools/bench/run.sh [-k KVER]
#
# Builds the benchmark's tools (tools/bench/Makefile, into build/bench/) and
# krtp.ko for KVER (tools/vm/build-module.sh) on the host, then boots ONE VM
# with QEMU instruction counting and runs tools/bench/guest.sh in it: the
# relay's cost per packet for plain IP forwarding, nftables NAT, krtp.ko
# (with 1, 1,000 and 100,000 flows) and a userspace recvmmsg/sendmmsg relay,
# and the netlink flow-install rate. guest.sh describes the method.
#
# The guest's output is also kept in build/bench/last-run.txt. Exits non-zero
# if a case failed (its packets did not arrive rewritten as expected).
#
# Knobs (environment, passed into the guest): KRTP_BENCH_PACKETS (10000),
# KRTP_BENCH_RATE (20000 pkt/s), KRTP_BENCH_BURST (8), KRTP_BENCH_CASES
# ("base a b d e k s c m"), KRTP_BENCH_FLOWS_MAX (100000), KRTP_BENCH_FLOWS_BIG
# (1000000, case m).
#
# QEMU: the system's, or KRTP_QEMU (tools/vm/run.sh). Debian 12's QEMU 7.2
# emulates no SHA extensions, so the guest's HMAC-SHA1 runs as sha1-avx2;
# tools/bench/qemu.sh unpacks bookworm-backports' QEMU 10, which has them
# (the kernel's sha1-ni, as on Intel since Ice Lake and AMD Zen), without
# touching the system's:
#
#   KRTP_QEMU=$(tools/bench/qemu.sh) tools/bench/run.sh
#
# The report names the QEMU, the guest's crypto CPU flags and the drivers
# krtp.ko's SRTP transforms resolved to.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)
kver=$(basename /lib/modules/6.1.*-amd64 2>/dev/null)

while [ $# -gt 0 ]; do
	case "$1" in
	-k) kver=${2:?}; shift 2 ;;
	*) sed -n '/^#   tools/s/^#   //p' "$0" >&2; exit 2 ;;
	esac
done

cd "$repo" || exit 1
make -s -C tools/bench core || { echo "bench: building the tools failed" >&2; exit 1; }
# case (e) builds krtpd's media code, which may be mid-change: (e) is skipped if it fails
if ! make -s -C tools/bench krtpd-relay >"$repo/build/bench/build-krtpd-relay.log" 2>&1; then
	rm -f "$repo/build/bench/krtpd-relay"
	echo "bench: building krtpd's relay failed (build/bench/build-krtpd-relay.log); (e) is skipped" >&2
fi

# case m restarts krtpd beside its million flows: without krtpd that row is skipped
if ! make -s -C daemon krtpd >"$repo/build/bench/build-krtpd.log" 2>&1; then
	echo "bench: building krtpd failed (build/bench/build-krtpd.log); (m) does not time its restart" >&2
fi

if [ -x tools/vm/build-module.sh ]; then
	if ! ko=$(tools/vm/build-module.sh "$kver" 2>"$repo/build/bench/build-module.log" | tail -n1) ||
	   [ ! -r "$ko" ]; then
		echo "bench: building krtp.ko for $kver failed (build/bench/build-module.log); (c) will fail" >&2
	fi
else
	echo "bench: tools/vm/build-module.sh is missing; (c) will fail" >&2
fi

# rtpengine's kernel module for case k, built here from Debian's
# rtpengine-kernel-dkms (fetched if not installed): k is skipped without it
if ! tools/bench/rtpengine-kmod.sh "$kver" >"$repo/build/bench/build-rtpengine.log" 2>&1; then
	echo "bench: building rtpengine's kernel module for $kver failed (build/bench/build-rtpengine.log); (k) is skipped" >&2
fi

# The run takes about 10 minutes of wall time on an idle 2-core host, and
# the SRTP cases s and k (each row a fresh topology, k a fresh rtpengine)
# took 35 more on a busy one; the timeout leaves room for a host busy with
# other work (guest figures do not change with host load, only the wall
# time does). KRTP_BENCH_QEMU: which QEMU measured (tools/vm/run.sh's:
# KRTP_QEMU or PATH's), for the report.
KRTP_BENCH_QEMU=$("${KRTP_QEMU:-qemu-system-x86_64}" --version | head -n1)
export KRTP_BENCH_QEMU
tools/vm/run.sh -k "$kver" --icount --mem 2048 --timeout 7200 -- tools/bench/guest.sh |
	tee "$repo/build/bench/last-run.txt"
exit "${PIPESTATUS[0]}"
