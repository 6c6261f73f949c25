# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for the krtp test scripts, after the kernel's
# tools/testing/selftests/kselftest/ktap_helpers.sh: "TAP version 13", one
# "ok N name" / "not ok N name # reason" / "ok N name # SKIP reason" per
# check, the plan at the end, and the kselftest exit codes.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

KTAP_TESTNO=0
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0

ktap_print_header() {
	echo "TAP version 13"
}

ktap_print_msg() {
	echo "# $*"
}

ktap_test_pass() {
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
	echo "ok $KTAP_TESTNO $*"
}

ktap_test_fail() {
	local name=$1
	shift
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
	echo "not ok $KTAP_TESTNO $name${*:+ # $*}"
}

ktap_test_skip() {
	local name=$1
	shift
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
	echo "ok $KTAP_TESTNO $name # SKIP $*"
}

# Print the plan and the totals; returns the kselftest exit code: fail if
# any check failed, skip if every check was skipped, pass otherwise.
ktap_finished() {
	echo "1..$KTAP_TESTNO"
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0 skip:$KTAP_CNT_SKIP error:0"
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		return $KSFT_FAIL
	elif [ "$KTAP_CNT_PASS" -eq 0 ] && [ "$KTAP_CNT_SKIP" -gt 0 ]; then
		return $KSFT_SKIP
	fi
	return $KSFT_PASS
}
