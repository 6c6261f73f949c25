# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the krtp test scripts (sourced). Modelled on the kernel's
# tools/testing/selftests/net/lib.sh: unique namespace names, cleanup
# registered as things are set up (defer), busywait instead of sleep, and
# KTAP checks that compare exact values.
#
# Every test-*.sh runs as root in the VM (tools/vm/run.sh), where the
# repository is read-only and krtp.ko is $KRTP_KO.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTS_DIR/.." && pwd)
# shellcheck source=tests/ktap.sh
. "$TESTS_DIR/ktap.sh"

KRTPCTL=${KRTPCTL:-$REPO/tools/krtpctl/krtpctl}
RTPSEND=${RTPSEND:-$TESTS_DIR/tools/rtpsend}
# The helpers' reads of krtpctl's JSON (a counter, a field, a length):
# gojq when installed, which starts in a quarter of jq 1.6's time in the
# emulated guest (jq compiles its builtins at every start), and gives the
# same numbers, strings and arrays (objects come out with their keys
# sorted: the few checks of a whole object expect that order). The tests'
# own queries use jq.
KJQ=${KJQ:-$(command -v gojq || echo jq)}
UDPRECV=${UDPRECV:-$TESTS_DIR/tools/udprecv}
KRTP_KO=${KRTP_KO:-$REPO/build/$(uname -r)/krtp.ko}
KRTP_KO_DEBUG=${KRTP_KO_DEBUG:-$REPO/build/$(uname -r)-debug/krtp.ko}
SYSFS=/sys/kernel/krtp

# The standard topology's addresses (see setup_topology).
CALLER4=10.0.1.2
RELAY4=10.0.1.1		# relay, caller side: flows' local addresses
RELAY4B=10.0.2.1	# relay, callee side: flows' via addresses
CALLEE4=10.0.2.2
CALLER6=fd00:1::2
RELAY6=fd00:1::1
RELAY6B=fd00:2::1
CALLEE6=fd00:2::2

TMPD=$(mktemp -d /tmp/krtp-test.XXXXXX)

# ---- cleanup --------------------------------------------------------------

KRTP_DEFER=()

# defer CMD...: run CMD (a shell string) at exit, last registered first
defer() {
	KRTP_DEFER+=("$*")
}

krtp_cleanup() {
	local i

	for ((i = ${#KRTP_DEFER[@]} - 1; i >= 0; i--)); do
		eval "${KRTP_DEFER[i]}" >/dev/null 2>&1
	done
	KRTP_DEFER=()
	rm -rf "$TMPD"
}
trap krtp_cleanup EXIT

# ---- skips ----------------------------------------------------------------

# skip_all REASON: the whole test cannot run here (kselftest exit 4)
skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit "$KSFT_SKIP"
}

require_tools() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	[ -f "$KRTP_KO" ] || skip_all "krtp.ko not built ($KRTP_KO)"
	[ -x "$KRTPCTL" ] || skip_all "krtpctl not built ($KRTPCTL)"
	[ -x "$RTPSEND" ] && [ -x "$UDPRECV" ] || skip_all "test tools not built (make -C tests)"
	command -v jq >/dev/null || skip_all "jq missing"
}

# ---- checks ---------------------------------------------------------------

# check NAME EXPECTED ACTUAL: exact comparison, one KTAP line
check() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1" "expected '$2', got '$3'"
	fi
}

# check_range NAME LOW HIGH ACTUAL: LOW <= ACTUAL <= HIGH (integers)
check_range() {
	if [[ "$4" =~ ^[0-9]+$ ]] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then
		ktap_test_pass "$1 ($4 in [$2, $3])"
	else
		ktap_test_fail "$1" "expected $2..$3, got '$4'"
	fi
}

# check_ok NAME CMD...: CMD succeeds
check_ok() {
	local name=$1 out

	shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name" "failed: $* -> $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
}

# busywait MSECS CMD...: retry CMD until it succeeds or MSECS have passed
busywait() {
	local timeout=$1 start now

	shift
	start=${EPOCHREALTIME/./}
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/./}
		[ $((now - start)) -lt $((timeout * 1000)) ] || return 1
		sleep 0.05
	done
}

# wait_eq MSECS EXPECTED CMD...: run CMD until it prints EXPECTED or MSECS
# have passed; print what it printed last (the caller checks it)
wait_eq() {
	local timeout=$1 want=$2 start now v

	shift 2
	start=${EPOCHREALTIME/./}
	while :; do
		v=$("$@" 2>/dev/null)
		[ "$v" = "$want" ] && break
		now=${EPOCHREALTIME/./}
		[ $((now - start)) -lt $((timeout * 1000)) ] || break
		sleep 0.1
	done
	echo "$v"
}

# ---- namespaces -----------------------------------------------------------

# setup_ns VAR...: create a namespace per VAR with a unique name, store the
# name in VAR, bring lo up and delete the namespace at exit
setup_ns() {
	local var name

	for var in "$@"; do
		printf -v name '%s-%04x%04x' "$var" "$RANDOM" "$RANDOM"
		ip netns add "$name" || return 1
		defer ip netns del "$name"
		ip -n "$name" link set lo up
		ip netns exec "$name" sysctl -qw net.ipv6.conf.default.accept_dad=0
		printf -v "$var" %s "$name"
	done
}

# in_ns NS CMD...
in_ns() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# veth_pair NS_A DEV_A ADDR4_A ADDR6_A NS_B DEV_B ADDR4_B ADDR6_B: a veth
# pair with /24 and /64 addresses and permanent neighbour entries both ways
# (no ARP/ND, so the first packets are not held back). The MAC addresses
# are chosen here (locally administered), so that nothing has to be read
# back, and each side is set up by one ip -batch: every process costs a
# good part of a second in an emulated guest, and every test makes these.
veth_pair() {
	local na=$1 da=$2 a4=$3 a6=$4 nb=$5 db=$6 b4=$7 b6=$8 ma mb

	random_mac ma
	random_mac mb
	ip link add "$da" address "$ma" netns "$na" type veth \
		peer name "$db" address "$mb" netns "$nb" || return 1
	veth_side "$na" "$da" "$a4" "$a6" "$b4" "$b6" "$mb" &&
		veth_side "$nb" "$db" "$b4" "$b6" "$a4" "$a6" "$ma"
}

# random_mac VAR: a random locally administered unicast MAC address in VAR
random_mac() {
	printf -v "$1" '02:%02x:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) \
		$((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256))
}

# veth_side NS DEV ADDR4 ADDR6 PEER4 PEER6 PEER_MAC: one end of veth_pair
veth_side() {
	ip -n "$1" -batch - <<EOF
addr add $3/24 dev $2
addr add $4/64 dev $2 nodad
link set $2 up
neigh replace $5 lladdr $7 dev $2 nud permanent
neigh replace $6 lladdr $7 dev $2 nud permanent
EOF
}

# setup_topology: the three namespaces every test uses
#
#   caller                    relay                       callee
#   c0 10.0.1.2  ---veth---  r1 10.0.1.1   r2 10.0.2.1  ---veth---  e0 10.0.2.2
#      fd00:1::2                fd00:1::1     fd00:2::1                fd00:2::2
#
# The caller and the callee route everything through the relay. Flows are
# added in the relay: local 10.0.1.1:PORT, peer 10.0.2.2:PORT.
setup_topology() {
	setup_ns caller relay callee || return 1
	veth_pair "$caller" c0 "$CALLER4" "$CALLER6" "$relay" r1 "$RELAY4" "$RELAY6" || return 1
	veth_pair "$callee" e0 "$CALLEE4" "$CALLEE6" "$relay" r2 "$RELAY4B" "$RELAY6B" || return 1
	default_routes "$caller" "$RELAY4" "$RELAY6" &&
		default_routes "$callee" "$RELAY4B" "$RELAY6B"
}

# default_routes NS GW4 GW6: NS routes everything through GW4 and GW6
default_routes() {
	printf 'route add default via %s\nroute add ::/0 via %s\n' "$2" "$3" |
		ip -n "$1" -batch -
}

# ---- krtp.ko --------------------------------------------------------------

KRTP_MARK=

krtp_loaded() {
	[ -d /sys/module/krtp ]
}

# krtp_load [KO] [PARAM=VALUE...]: (re)load krtp.ko with its pr_debug lines
# enabled, and unload it at exit
krtp_load() {
	local ko=$KRTP_KO

	case "${1:-}" in *.ko) ko=$1; shift ;; esac
	krtp_loaded && rmmod krtp
	KRTP_MARK="krtp-test: load $$.$RANDOM"
	echo "$KRTP_MARK" >/dev/kmsg
	insmod "$ko" dyndbg=+p "$@" || return 1
	defer "krtp_loaded && rmmod krtp"
}

# krtp_load_quiet [PARAM=VALUE...]: (re)load krtp.ko without its pr_debug
# lines, for tests that make flows by the thousand (a "flow N created" line
# each would overrun the kernel log), and unload it at exit
krtp_load_quiet() {
	krtp_loaded && rmmod krtp
	insmod "$KRTP_KO" "$@" || return 1
	defer "krtp_loaded && rmmod krtp"
}

# check_slab_gone OWN: after rmmod, the flows' slab cache is gone (every
# flow freed, RCU callbacks included), if it had a line of its own in
# /proc/slabinfo while loaded (OWN "yes"): SLUB may merge it with a cache
# of its size
check_slab_gone() {
	if [ "$1" = yes ]; then
		check "slab cache krtp_flow gone" 0 "$(grep -c '^krtp_flow ' /proc/slabinfo)"
	else
		ktap_test_skip "slab cache krtp_flow gone (merged with another cache)"
	fi
}

# dmesg_since_load: kernel log lines since the last krtp_load
dmesg_since_load() {
	dmesg | awk -v m="$KRTP_MARK" 'found { print } index($0, m) { found = 1 }'
}

# check_unload: rmmod succeeds with whatever flows are installed, and every
# "flow N created" since the load has its "flow N destroyed"
check_unload() {
	local created destroyed

	check_ok "rmmod krtp" rmmod krtp
	check "module gone" 0 "$(krtp_loaded && echo 1 || echo 0)"
	created=$(dmesg_since_load | grep -oE 'flow [0-9]+ created' | awk '{print $2}' | sort -n)
	destroyed=$(dmesg_since_load | grep -oE 'flow [0-9]+ destroyed' | awk '{print $2}' | sort -n)
	check "flows created = flows destroyed ($(echo "$created" | grep -c .) created)" \
		"$(echo $created)" "$(echo $destroyed)"
}

# ---- krtpctl --------------------------------------------------------------

# kctl ARGS...: krtpctl in the relay namespace
kctl() {
	ip netns exec "$relay" "$KRTPCTL" "$@"
}

# fstat LOCAL FIELD: one counter of one flow ("packets", "rtp_lost" ...)
fstat() {
	kctl flow show "$1" --json | $KJQ -r ".stats.$2"
}

# ffield LOCAL JQ: any field of a flow object
ffield() {
	kctl flow show "$1" --json | $KJQ -r "$2"
}

# nstat FIELD: a namespace total from krtpctl stats --json
nstat() {
	kctl stats --json | $KJQ -r ".$1"
}

# sysfs_read NAME: a module-wide counter
sysfs_read() {
	cat "$SYSFS/$1"
}

# check_stat NAME LOCAL FIELD EXPECTED: wait for a flow counter, then compare
check_stat() {
	check "$1" "$4" "$(wait_eq 10000 "$4" fstat "$2" "$3")"
}

# check_sysfs NAME FILE EXPECTED
check_sysfs() {
	check "$1" "$3" "$(wait_eq 10000 "$3" sysfs_read "$2")"
}

# check_nstat NAME FIELD EXPECTED
check_nstat() {
	check "$1" "$3" "$(wait_eq 10000 "$3" nstat "$2")"
}

# ---- traffic --------------------------------------------------------------

# send NS ARGS...: rtpsend in NS (see tests/tools/rtpsend.c); quiet
send() {
	local ns=$1

	shift
	ip netns exec "$ns" "$RTPSEND" "$@" >/dev/null
}

# recv_start NAME NS ARGS...: start udprecv in NS in the background (see
# tests/tools/udprecv.c) and wait until its socket is bound
recv_start() {
	local name=$1 ns=$2

	shift 2
	rm -f "$TMPD/$name.ready"
	ip netns exec "$ns" "$UDPRECV" -R "$TMPD/$name.ready" "$@" >"$TMPD/$name.out" 2>&1 &
	eval "RECV_PID_$name=$!"
	defer "kill $! 2>/dev/null"
	busywait 5000 test -e "$TMPD/$name.ready"
}

# recv_wait NAME: wait for a receiver to finish
recv_wait() {
	local pid

	pid=$(eval echo "\$RECV_PID_$1")
	wait "$pid" 2>/dev/null
}

# recv_stop NAME: end a receiver now (it still reports what it got)
recv_stop() {
	local pid

	pid=$(eval echo "\$RECV_PID_$1")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# recv_total NAME: datagrams a finished receiver got
recv_total() {
	awk '$1 == "total" { print $3 }' "$TMPD/$1.out"
}

# recv_sources NAME: "ADDR:PORT PACKETS" per source, sorted
recv_sources() {
	awk '$1 == "src" { print $2, $4 }' "$TMPD/$1.out" | sort
}

# udp_noports NS: the namespace's Udp/Udp6 NoPorts counters summed (packets
# that reached the stack on a port without a socket)
udp_noports() {
	ip netns exec "$1" awk '
		$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Udp:" && h { n += $col["NoPorts"] }
		$1 == "Udp6NoPorts" { n += $2 }
		END { print n + 0 }' /proc/net/snmp /proc/net/snmp6
}

# ---- events ---------------------------------------------------------------

# monitor_start NAME: krtpctl monitor --json in the relay namespace, writing
# to $TMPD/NAME.mon; returns once it provably receives events (a throw-away
# flow's "deleted" event arrived)
monitor_start() {
	local name=$1

	ip netns exec "$relay" "$KRTPCTL" monitor --json >"$TMPD/$name.mon" 2>&1 &
	defer "kill $! 2>/dev/null"
	_monitor_sync() {
		kctl flow add "$RELAY4:9" to "$CALLEE4:9" >/dev/null 2>&1
		kctl flow del "$RELAY4:9" >/dev/null 2>&1
		grep -q '"local":"'"$RELAY4"':9"' "$TMPD/$name.mon"
	}
	busywait 10000 _monitor_sync
}

# monitor_events NAME JQ_FILTER: events so far that match the filter, one
# compact JSON object per line
monitor_events() {
	grep '^{' "$TMPD/$1.mon" | jq -c "select($2)" 2>/dev/null
}

# TEST_TRACE=1: trace every command (with a timestamp) to find where a test stalls
if [ -n "${TEST_TRACE:-}" ]; then
	PS4='+ ${EPOCHREALTIME:6:9} '
	set -x
fi
