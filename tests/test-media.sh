#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# krtpd's media anchoring through krtp.ko: the host unit test test_media
# (tests/unit, built with ASan/UBSan) runs its whole suite a second time in
# kernel mode when the krtp family exists. Real UDP over loopback in one
# network namespace:
#
#   [ leg A socket ] --lo--> [ relay ports: krtp.ko flows ] --lo--> [ leg B socket ]
#
# It checks exact packet counts at both legs and in the kernel's per-flow
# counters, source locking, hold/resume, rtcp-mux, re-INVITE, and the
# re-adoption of a call's flows after a simulated kill -9.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
bin=$KRTP_REPO/tests/unit/build/test_media
[ -x "$bin" ] || skip_all "tests/unit/build/test_media not built (make -C tests/unit)"
ktap_print_header

setup_ns ns
in_ns "$ns" ip link set lo up
krtp_load
check "insmod krtp.ko" 0 "$?"
out=$(in_ns "$ns" "$bin" 2>&1)
rc=$?
echo "$out" | grep -E 'not ok|FAIL|ERROR' | head -n 40 | sed 's/^/# /'
echo "$out" | tail -n 1 | sed 's/^/# /'
check "test_media exit status" 0 "$rc"
check "test_media failures" 0 "$(echo "$out" | tail -n 1 | sed -nE 's/.*\b([0-9]+) failed.*/\1/p')"
# the kernel-mode half ran: far more checks than the userspace half alone
check_range "test_media checks passed" 150 100000 \
	"$(echo "$out" | tail -n 1 | sed -nE 's/^([^0-9]*)?([0-9]+) passed.*/\2/p')"
check "flows left behind" 0 "$(sysfs_read flows_active)"
check_unload
ktap_finished
