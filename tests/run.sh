#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the krtp kernel-plane tests as kselftest's runner does, inside the VM:
#
#   tests/run.sh [NAME...]       (or make -C tests run_tests)
#
# Runs every tests/test-*.sh and every built tests/api/ program (or only
# those whose name contains one of the NAMEs; TEST_ONLY too), one after the
# other, each with a timeout (TEST_TIMEOUT, default 400 s; a test with a
# line "# timeout: N" gets N s when that is more). KTAP output: the
# test's own lines prefixed with "# ", then "ok N name", "not ok N name" or
# "ok N name # SKIP" (exit status 4). After each test the kernel log is
# checked: a WARNING, BUG, Oops, KASAN or refcount report or a leak fails
# the test. If a test leaves krtp.ko loaded it is unloaded; if that fails,
# the test fails. Ends with "N passed, N failed" (", N skipped").
#
# A test with the line "# shard: krtpd" checks krtpd's SIP side with real
# clients (interop, registrar, transports, hostile SIP) more than krtp.ko,
# which carries its media as in the tests that stay on every kernel. When
# the suite runs once per kernel (KRTP_TEST_SHARD=I/N, from
# tools/run-tests.sh: this is run I of N) and no NAME picks tests, each such
# test runs in one of the N runs: the I-th of every N, in name order. Run
# by hand (no KRTP_TEST_SHARD), every test runs.
set -u

tests_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$tests_dir/.." && pwd)
timeout=${TEST_TIMEOUT:-400}
filters=("$@")
[ -n "${TEST_ONLY:-}" ] && filters+=($TEST_ONLY)

selected() {
	local f

	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		case "$1" in *"$f"*) return 0 ;; esac
	done
	return 1
}

shard=${KRTP_TEST_SHARD:-}
[ ${#filters[@]} -eq 0 ] || shard=
shard_i=${shard%/*} shard_n=${shard#*/} nshard=0
elsewhere=()
tests=()
for t in "$tests_dir"/test-*.sh; do
	[ -f "$t" ] && selected "$(basename "$t")" || continue
	if [ -n "$shard" ] && grep -qx '# shard: krtpd' "$t"; then
		nshard=$((nshard + 1))
		if [ $(((nshard - 1) % shard_n)) != "$shard_i" ]; then
			elsewhere+=("$(basename "$t")")
			continue
		fi
	fi
	tests+=("$t")
done
# tests/api: kselftest_harness programs built on the host (ELF executables)
for t in "$tests_dir"/api/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case "$t" in *.sh|*.c|*.h|*.o|*/Makefile) continue ;; esac
	head -c 4 "$t" 2>/dev/null | grep -q ELF || continue
	selected "api/$(basename "$t")" && tests+=("$t")
done

dmesg_bad='WARNING:|BUG:|Oops|KASAN|refcount_t:|leak'

echo "TAP version 13"
echo "1..${#tests[@]}"
[ ${#elsewhere[@]} -eq 0 ] ||
	echo "# in another kernel's run (shard $shard): ${elsewhere[*]}"
pass=0 fail=0 skip=0 n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=${t#"$tests_dir"/}
	mark="krtp-run: start $n $name $$"
	echo "$mark" >/dev/kmsg 2>/dev/null
	echo "# selftests: krtp: $name"
	start=$(date +%s)
	case "$name" in
	api/*)
		# the API programs expect the module loaded
		if [ -f "${KRTP_KO:-}" ] && ! [ -d /sys/module/krtp ]; then
			insmod "$KRTP_KO" dyndbg=+p 2>&1 | sed 's/^/# /'
		fi
		;;
	esac
	t_timeout=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t" 2>/dev/null | head -n 1)
	[ "${t_timeout:-0}" -gt "$timeout" ] 2>/dev/null || t_timeout=$timeout
	tout=$(mktemp)
	(cd "$tests_dir" && timeout -k 10 "$t_timeout" "$t") 2>&1 | tee "$tout" | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	why=
	# a script that stopped short of ktap_finished (an exit in a helper)
	# says nothing of the checks it did not reach: not a pass
	case "$name" in
	*.sh)
		[ "$rc" = 0 ] && ! grep -q '^1\.\.[0-9]' "$tout" &&
			why="ended without its plan (1..N): checks were skipped"
		;;
	esac
	rm -f "$tout"

	if [ -d /sys/module/krtp ] && ! rmmod krtp 2>/dev/null; then
		sleep 1
		rmmod krtp 2>/dev/null || why="krtp.ko does not unload after the test"
	fi
	bad=$(dmesg | awk -v m="$mark" 'found { print } index($0, m) { found = 1 }' |
		grep -E "$dmesg_bad")
	if [ -n "$bad" ]; then
		echo "# kernel log after $name:"
		echo "$bad" | head -n 40 | sed 's/^/#   /'
		dmesg | awk -v m="$mark" 'found { print } index($0, m) { found = 1 }' |
			grep -E -A 30 "$dmesg_bad" | head -n 80 | sed 's/^/#   /'
		why="kernel log has warnings or oopses"
	fi
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && why="timed out after ${t_timeout}s"

	if [ -n "$why" ] || { [ "$rc" != 0 ] && [ "$rc" != 4 ]; }; then
		echo "not ok $n selftests: krtp: $name # exit=$rc ${secs}s${why:+ $why}"
		fail=$((fail + 1))
	elif [ "$rc" = 4 ]; then
		echo "ok $n selftests: krtp: $name # SKIP"
		skip=$((skip + 1))
	else
		echo "ok $n selftests: krtp: $name # ${secs}s"
		pass=$((pass + 1))
	fi
done

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
