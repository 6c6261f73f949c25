#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make -C tests/fuzz run: each libFuzzer target for its budget, FUZZ_JOBS
# targets at a time (default: one per core). Every target is one
# single-threaded process, so on two cores two targets at once take half
# the wall time of one after the other at the same budget each, and the
# logs stay one per target. Results are printed in the targets' order.
#
#   tests/fuzz/run.sh BUILD_DIR "NAME..." "BUDGETS" "DICTS" FLAGS...
#
# BUDGETS and DICTS are "name=value ..." lists (the Makefile's FUZZ_BUDGET
# and DICTS); FUZZ_SECONDS, when set, overrides every budget; a target not
# listed gets 30 s. A target passes when it ran its budget without a crash,
# leak, timeout or out-of-memory; anything it left in BUILD_DIR/crash/NAME/
# is printed as a reproducer and fails it. The seeds (corpus/NAME/) are read,
# never written: libFuzzer adds new inputs to BUILD_DIR/new/NAME/.
set -u

b=$1 names=$2 budgets=$3 dicts=$4
shift 4
flags=("$@")
jobs=${FUZZ_JOBS:-$(nproc)}

# pick NAME "k=v ...": the value for NAME, empty when not listed
pick() {
	local kv

	for kv in $2; do
		[ "${kv%%=*}" = "$1" ] && echo "${kv#*=}"
	done
	true
}

# one NAME: run the target, write its verdict to BUILD_DIR/NAME.result
one() {
	local name=$1 n=fuzz_$1 secs dict new crash seeds start rc runs cov found out

	secs=${FUZZ_SECONDS:-$(pick "$name" "$budgets")}
	dict=$(pick "$name" "$dicts")
	new=$b/new/$name crash=$b/crash/$name
	rm -rf "$new" "$crash"
	mkdir -p "$new" "$crash"
	seeds=
	[ -d "corpus/$name" ] && seeds=corpus/$name
	out="# $n: ${secs:=30}s, seeds $(if [ -n "$seeds" ]; then ls "$seeds" | wc -l; else echo 0; fi)${dict:+, $dict}"
	start=$(date +%s)
	"$b/$n" "${flags[@]}" -max_total_time="$secs" -artifact_prefix="$crash/" \
		${dict:+-dict=$dict} "$new" $seeds >"$b/$n.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "$b/$n.log" | tail -n 1)
	found=$(ls "$crash")
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		out+=$'\n'"ok - $n: ${runs:-?} runs in $(($(date +%s) - start))s, $cov, corpus $(ls "$new" | wc -l) files in $new"
	else
		out+=$'\n'"not ok - $n: exit $rc after ${runs:-?} runs, log $b/$n.log"
		out+=$'\n'"$(grep -m1 -A20 -E '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal|-timeout|out-of-memory' \
			"$b/$n.log" | head -n 30 | sed 's/^/#   /')"
		for f in $found; do
			out+=$'\n'"#   reproducer: $crash/$f"
			out+=$'\n'"#     make -C tests/fuzz repro CRASH=$crash/$f"
		done
	fi
	echo "$out" >"$b/$name.result"
}

running=0
for name in $names; do
	rm -f "$b/$name.result"
	one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0 fail=0
for name in $names; do
	if [ -s "$b/$name.result" ]; then
		cat "$b/$name.result"
	else
		echo "not ok - fuzz_$name: no result (the runner died)"
	fi
	if grep -q '^ok - ' "$b/$name.result" 2>/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
