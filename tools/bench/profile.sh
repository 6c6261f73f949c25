#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where krtp.ko's time goes: perf profiles of a batched flow install and of
# the packet path, taken in the benchmark's VM (instruction counting, so the
# cpu-clock samples are spread by executed instructions).
#
#   tools/bench/profile.sh [-k KVER]      on the host: builds, boots, prints
#
# Inside the guest it runs itself with --guest: the relay namespace of
# guest.sh, krtp.ko loaded, then
#   1. perf record -a while tools/bench/flows adds KRTP_PROFILE_FLOWS flows,
#      and while it reads them back with a dump
#   2. perf record -a while gen sends KRTP_PROFILE_PACKETS through one flow
# and prints the top symbols of each (perf report --no-children, by symbol).
# KRTP_PROFILE_SRTP=SUITE (aes80, gcm): the flow of 2. bridges SRTP, SRTP
# in with one key and out with another (tools/bench/srtp.sh's keys), and
# gen sends SRTP.
set -u

repo=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" != --guest ]; then
	kver=$(basename /lib/modules/6.1.*-amd64 2>/dev/null)
	[ "${1:-}" = -k ] && kver=${2:?}
	cd "$repo" || exit 1
	make -s -C tools/bench core || exit 1
	tools/vm/build-module.sh "$kver" >/dev/null || exit 1
	exec tools/vm/run.sh -k "$kver" --icount --mem 2048 --timeout 1200 -- tools/bench/profile.sh --guest
fi

FLOWS=${KRTP_PROFILE_FLOWS:-20000}
PACKETS=${KRTP_PROFILE_PACKETS:-20000}
export KRTP_BENCH_PACKETS=$PACKETS
# guest.sh's topology and helpers, without running its main (the guest has no /dev/fd)
sed '/^main "\$@"$/d' "$repo/tools/bench/guest.sh" >/tmp/bench-lib.sh
source /tmp/bench-lib.sh
cd /tmp || exit 1

# report DATA LINES: flat profile by symbol, then the call chains into the
# symbols above 3% (samples that land on an irq-restore are work done with
# interrupts off: the chains say whose)
report() {
	perf report -i "$1" --stdio --no-children --sort symbol -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n "${2:-40}"
	echo "-- inclusive (self + callees):"
	perf report -i "$1" --stdio --children --sort symbol -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n "${2:-40}"
	echo "-- call chains of the symbols above 3%:"
	perf report -i "$1" --stdio --no-children --sort symbol --percent-limit 3 \
		-g caller,0.5,callee,function,percent 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n 150
}

modprobe -a veth sch_ingress cls_flower cls_matchall act_gact 2>/dev/null
# krtp.ko resolves its SRTP algorithms when it loads (kmod/srtp-kdf.c): the
# CPU's AES-NI and SHA-1 drivers must be there first, as in case s, or the
# profile is of the generic C code
[ -z "${KRTP_PROFILE_SRTP:-}" ] || srtp_crypto
insmod "$KRTP_KO" || exit 1
[ -z "${KRTP_PROFILE_SRTP:-}" ] || srtp_used
topo_up || exit 1
rx_filters e0 "$NS_E" 10.0.2.1 4000 10.0.2.2 5000

echo "== 1. installing $FLOWS flows in one batch call"
in_r "$bin/flows" add 1000 100000 >/dev/null	# warm the allocators
perf record -q -a -g -e cpu-clock -F 20000 -o /tmp/install.data -- \
	ip netns exec "$NS_R" "$bin/flows" add "$FLOWS" 0 2>&1
report /tmp/install.data 45

echo
echo "== 1b. reading the $((FLOWS + 1000)) flows back with a dump (krtpd's re-adoption)"
perf record -q -a -g -e cpu-clock -F 20000 -o /tmp/dump.data -- \
	ip netns exec "$NS_R" "$bin/flows" dump 2>&1
report /tmp/dump.data 45

echo
echo "== 2. forwarding $PACKETS packets through one flow ($((FLOWS + 1000)) installed)"
srtp=${KRTP_PROFILE_SRTP:-}
flow=() GEN_EXTRA=()
if [ -n "$srtp" ]; then
	flow=(in "$(srtp_spec "$srtp" "$SRTP_KEY_A")" out "$(srtp_spec "$srtp" "$SRTP_KEY_B")")
	GEN_EXTRA=(--srtp "$(srtp_spec "$srtp" "$SRTP_KEY_A")")
fi
in_r "$bin/flows" one 10.0.1.1:4000 10.0.2.2:5000 10.0.2.1:4000 "${flow[@]}" >/dev/null
gen_run 10.0.1.1:4000 500 0 >/dev/null
# flooded (-r 0): the whole path runs in the generator's sendmmsg(), no idle
perf record -q -a -g -e cpu-clock -F 20000 -o /tmp/fwd.data -- \
	ip netns exec "$NS_C" "$bin/gen" -i c0 --src-mac $MAC_C0 --dst-mac $MAC_R0 \
	-s 10.0.1.2:6000 -d 10.0.1.1:4000 -n "$PACKETS" --first 500 -r 0 -b "$BURST" "${GEN_EXTRA[@]}"
report /tmp/fwd.data 45
echo "callee: right=$(rx_count e0 "$NS_E" flower) wrong=$(rx_count e0 "$NS_E" matchall)"
echo "flow: $(in_r "$bin/flows" show 10.0.1.1:4000)"
topo_down
rmmod krtp
