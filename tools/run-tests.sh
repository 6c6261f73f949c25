#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make test: everything, from a fresh Debian 12 clone.
#
#   1. install the Debian packages (tools/install-deps.sh)
#   2. build krtpd and krtpctl (make userspace) and the test tools
#   3. host suites, when present: make -C tests/unit run, make -C tests/fuzz run
#      (each libFuzzer target for its budget, about 5 minutes in all), make -C
#      tests/soak run (damaged SIP at an ASan build of krtpd on loopback), make -C
#      tests/redis run (two krtpd sharing a Redis, on loopback), make -C
#      tests/ws run (a WebSocket phone over WS and WSS called from sipp)
#   4. for each test kernel (6.1, 6.12): krtp.ko, the debug build with the
#      self-tests, and the W=1 + sparse check (tools/vm/build-module.sh)
#   5. for each test kernel: boot it under QEMU and run tests/run.sh inside;
#      the KTAP output goes to build/results/KVER.ktap. The tests of krtpd's
#      SIP side with real clients ("# shard: krtpd") are shared out between
#      the kernels, each run in one of them (tests/run.sh)
#   6. for each test kernel, once its suite is done (the other kernel's may
#      still run): the browser test, Chromium on the host and krtpd with
#      krtp.ko in the guest behind a tap NIC (tests/webrtc/browser.sh)
#
# Prints a summary per suite and ends with one line "N passed, N failed"
# (", N skipped"); exits non-zero if anything failed or a VM did not finish.
#
# Environment: KVERS (kernels to test, default every installed 6.1 and
# 6.12), TEST_ONLY (names of VM tests to run), VM_TIMEOUT (seconds per VM
# run, default 4500), VM_PARALLEL=0 (boot the kernels one after the other),
# SKIP_DEPS=1 (do not run install-deps.sh), FUZZ_SECONDS (seconds for every
# fuzz target instead of tests/fuzz/Makefile's FUZZ_BUDGET).
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
results=$repo/build/results
mkdir -p "$results"
start=$(date +%s)

suites=()
declare -A S_PASS S_FAIL S_SKIP S_NOTE S_SECS

# record SUITE PASSED FAILED SKIPPED [NOTE]
record() {
	[ -n "${S_PASS[$1]+x}" ] || { suites+=("$1"); S_PASS[$1]=0; S_FAIL[$1]=0; S_SKIP[$1]=0; S_NOTE[$1]=; S_SECS[$1]=0; }
	S_PASS[$1]=$((S_PASS[$1] + $2))
	S_FAIL[$1]=$((S_FAIL[$1] + $3))
	S_SKIP[$1]=$((S_SKIP[$1] + $4))
	[ -z "${5:-}" ] || S_NOTE[$1]="${S_NOTE[$1]:+${S_NOTE[$1]}; }$5"
}

# took SUITE SECS: add SECS of wall time to SUITE's time in the summary
# (where CI's minutes go)
took() {
	record "$1" 0 0 0
	S_SECS[$1]=$((S_SECS[$1] + $2))
}

# step SUITE NAME CMD...: one pass/fail result from a command's status; the
# output goes to build/results/NAME.log and is shown on failure
step() {
	local suite=$1 name=$2 log t0=$SECONDS rc

	shift 2
	log=$results/$name.log
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	took "$suite" $((SECONDS - t0))
	if [ "$rc" = 0 ]; then
		record "$suite" 1 0 0
	else
		tail -n 40 "$log"
		echo "== $name: FAILED (full log: build/results/$name.log)"
		record "$suite" 0 1 0 "$name failed"
	fi
}

# totals SUITE LOG: take "N passed, N failed[, N skipped]" from a suite's last
# such line; a missing line counts as one failure
totals() {
	local suite=$1 log=$2 line p f s

	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		record "$suite" 0 1 0 "no result line"
		return
	fi
	p=$(echo "$line" | sed -E 's/.*\b([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.*\b([0-9]+) failed.*/\1/')
	s=0
	echo "$line" | grep -qE '[0-9]+ skipped' && s=$(echo "$line" | sed -E 's/.*\b([0-9]+) skipped.*/\1/')
	record "$suite" "$p" "$f" "$s"
}

# 1. packages
if [ -z "${SKIP_DEPS:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		step deps install-deps tools/install-deps.sh
	else
		echo "== install-deps: not root, assuming the packages are there"
	fi
fi

kvers=${KVERS:-}
if [ -z "$kvers" ]; then
	for d in /lib/modules/6.1.*-amd64 /lib/modules/6.12.*-amd64; do
		[ -d "$d/build" ] && [ -r "/boot/vmlinuz-${d##*/}" ] && kvers+=" ${d##*/}"
	done
fi

# 2. userspace and test tools
jobs=$(nproc)
step build userspace make -j"$jobs" userspace
step build test-tools make -j"$jobs" -C tests
# make bench's tools link krtpd's media code: build them so a change there that breaks them shows here
step build bench-tools make -j"$jobs" -C tools/bench
if [ -f tests/api/Makefile ]; then
	step build api-tests make -j"$jobs" -C tests/api
fi

# 3. host suites (owned by the krtpd tests; each ends with "N passed, N failed")
for s in unit fuzz soak redis ws; do
	[ -f "tests/$s/Makefile" ] || { echo "== tests/$s: not present"; continue; }
	echo "== tests/$s"
	t0=$SECONDS
	make -C "tests/$s" run >"$results/$s.log" 2>&1
	rc=$?
	took "$s" $((SECONDS - t0))
	tail -n 5 "$results/$s.log"
	totals "$s" "$results/$s.log"
	if [ "$rc" != 0 ] && [ "${S_FAIL[$s]}" = 0 ]; then
		record "$s" 0 1 0 "make exited $rc"
	fi
done

# 4. krtp.ko for each kernel: normal, debug (self-tests), W=1 + sparse
for k in $kvers; do
	step "module-$k" "module-$k" tools/vm/build-module.sh "$k"
	step "module-$k" "module-debug-$k" tools/vm/build-module.sh "$k" debug
	step "module-$k" "check-W1-$k" tools/vm/build-module.sh "$k" check
done

# 5. per kernel, one chain in the background: the VM suite (tests/run.sh in
# QEMU), then the browser test (Chromium runs here on the host, as under
# emulation it needs minutes per page; krtpd and krtp.ko in the guest behind
# a tap NIC: tests/webrtc/browser.sh; in the suite it skips). The kernels'
# chains run side by side (VM_PARALLEL=0: one after the other): two guests
# keep both cores busy, one alone mostly not (its tests run one program at
# a time), so a kernel whose suite ends first goes on to its browser test
# while the other's suite still runs.
# Each step leaves "STATUS SECONDS" in build/results/NAME.rc.
browser=0
if [ -z "${TEST_ONLY:-}" ] || [[ "$TEST_ONLY" == *webrtc-browser* ]]; then
	browser=1
fi

# The tests marked "# shard: krtpd" (krtpd's SIP side with real clients)
# are shared out between the kernels' runs rather than run in each:
# KRTP_TEST_SHARD=I/N, see tests/run.sh.
nkvers=$(echo $kvers | wc -w)

kernel_chain() {
	local k=$1 shard=$2 t0=$SECONDS

	echo "== vm-$k: tests/run.sh in QEMU (full output: build/results/$k.ktap)"
	# 2 GiB: test-million's million flows take 420 MB of the guest's kernel
	KRTP_TEST_SHARD=$shard \
	tools/vm/run.sh -k "$k" --mem "${VM_MEM:-2048}" --timeout "${VM_TIMEOUT:-4500}" -- \
		tests/run.sh </dev/null >"$results/$k.ktap" 2>&1
	echo "$? $((SECONDS - t0))" >"$results/$k.rc"
	echo "== vm-$k finished"
	[ "$browser" = 1 ] || return 0
	t0=$SECONDS
	echo "== browser-$k: Chromium + JsSIP through krtpd in QEMU (build/results/browser-$k.ktap)"
	tests/webrtc/browser.sh "$k" 900 </dev/null >"$results/browser-$k.ktap" 2>&1
	echo "$? $((SECONDS - t0))" >"$results/browser-$k.rc"
}

chain_start() {
	local k=$1 shard=$2

	rm -f "$results/$k.rc" "$results/browser-$k.rc" "$results/$k.ktap"
	kernel_chain "$k" "$shard" &
	CHAIN_PID[$k]=$!
	# show the suite's per-test results as they come
	tail -n +1 --pid="${CHAIN_PID[$k]}" -F "$results/$k.ktap" 2>/dev/null |
		sed -u -n -E "s/^((not )?ok [0-9]+ .*)/   [$k] \1/p" &
}

# rc_of NAME: "STATUS SECONDS" of a chain's step, "125 0" if it left none
rc_of() {
	cat "$results/$1.rc" 2>/dev/null || echo "125 0"
}

vm_finish() {
	local k=$1 suite=vm-$1 out=$results/$1.ktap rc secs

	read -r rc secs <<<"$(rc_of "$k")"
	took "$suite" "$secs"
	echo "== vm-$k (exit $rc, ${secs}s)"
	grep -E '^# +not ok [0-9]+ ' "$out" | sed 's/^/   /' | head -n 60
	# the slowest tests, for whoever has to keep CI inside its time
	echo "   slowest: $(sed -n -E 's/^ok [0-9]+ selftests: krtp: ([^ ]+) # ([0-9]+)s$/\2 \1/p' "$out" |
		sort -rn | head -n 8 | awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $1 }')"
	totals "$suite" "$out"
	case "$rc" in
	0) ;;
	124) record "$suite" 0 1 0 "VM timed out" ;;
	125) record "$suite" 0 1 0 "VM did not boot or died"; tail -n 30 "$out" ;;
	*) [ "${S_FAIL[$suite]}" != 0 ] || record "$suite" 0 1 0 "exit $rc" ;;
	esac
}

browser_finish() {
	local k=$1 suite=browser-$1 out=$results/browser-$1.ktap rc secs

	read -r rc secs <<<"$(rc_of "browser-$k")"
	took "$suite" "$secs"
	echo "== browser-$k (exit $rc, ${secs}s)"
	grep -E '^# +not ok [0-9]+ ' "$out" 2>/dev/null | sed 's/^/   /'
	totals "$suite" "$out"
	if [ "$rc" != 0 ] && [ "${S_FAIL[$suite]}" = 0 ]; then
		record "$suite" 0 1 0 "exit $rc"
		tail -n 30 "$out" 2>/dev/null
	fi
}

declare -A CHAIN_PID
i=0
for k in $kvers; do
	chain_start "$k" "$i/$nkvers"
	i=$((i + 1))
	[ "${VM_PARALLEL:-1}" = 1 ] || wait "${CHAIN_PID[$k]}"
done
for k in $kvers; do
	wait "${CHAIN_PID[$k]}"
done
sleep 0.5
for k in $kvers; do
	vm_finish "$k"
	[ "$browser" = 0 ] || browser_finish "$k"
done

# summary
total_p=0 total_f=0 total_s=0
echo
echo "== summary ($(($(date +%s) - start)) s)"
printf '   %-28s %6s %6s %7s %6s\n' suite passed failed skipped secs
for s in "${suites[@]}"; do
	printf '   %-28s %6d %6d %7d %6d  %s\n' "$s" "${S_PASS[$s]}" "${S_FAIL[$s]}" "${S_SKIP[$s]}" "${S_SECS[$s]}" "${S_NOTE[$s]}"
	total_p=$((total_p + S_PASS[$s]))
	total_f=$((total_f + S_FAIL[$s]))
	total_s=$((total_s + S_SKIP[$s]))
done
[ -n "$kvers" ] || { echo "   no test kernel installed"; total_f=$((total_f + 1)); }
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
