#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug build (KRTP_DEBUG=1, tools/vm/build-module.sh KVER debug) runs
# the module's self-tests at load and prints "krtp: <name> self-test: pass"
# for each; any failure refuses the load or prints "fail". No namespaces.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -f "$KRTP_KO_DEBUG" ] || skip_all "debug build missing ($KRTP_KO_DEBUG)"
ktap_print_header

# (not through check_ok: krtp_load must run in this shell to set its mark)
krtp_load "$KRTP_KO_DEBUG"
check "insmod the debug build" 0 "$?"
log=$(dmesg_since_load | grep -E 'krtp: .*self-test')
echo "$log" | sed 's/^/# /'
check_range "self-tests that passed" 1 1000 "$(echo "$log" | grep -c 'self-test: pass$')"
check "self-tests that failed" 0 "$(echo "$log" | grep -vc 'self-test: pass$')"
# on x86 the SRTP ones run twice: SIMD transforms, then in a kernel FPU section
[ "$(uname -m)" = x86_64 ] &&
	check "srtp self-tests with and without SIMD" 2 \
		"$(echo "$log" | grep -c 'srtp rollover, replay and SSRC self-test: pass$')"
check_unload
ktap_finished
