# SPDX-License-Identifier: GPL-2.0
#
# What the host benchmarks tools/bench/sip.sh and tools/bench/ng.sh share:
# logging, the processes they start and clean up, waiting for a server,
# sipp's statistics file, the pass rule of a ramp step and ratios. Sourced,
# never run; the caller sets repo, sipdir and work (its scratch directory)
# and appends the pid of everything it starts to pids.

pids=()

log() { printf '%s\n' "$*" >&2; }

# bench_need PREFIX TOOL...: exit unless every TOOL is installed
bench_need() {
	local prefix=$1 t

	shift
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			{ echo "$prefix: $t is missing (tools/install-deps.sh installs it)" >&2; exit 1; }
	done
}

# bench_cleanup: the EXIT trap; kills what was started, and removes $work
# unless KRTP_BENCH_KEEP is set
bench_cleanup() {
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KRTP_BENCH_KEEP:-}" ] || rm -rf "$work"
}

# wait_for CMD...: retry for 10 s
wait_for() {
	local i

	for i in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# options_ok PORT: the server on 127.0.0.1:PORT answers OPTIONS with 200
options_ok() {
	/usr/bin/python3 "$sipdir/sipsend.py" --expect 200 127.0.0.1:"$1" \
		"$sipdir/msg/options.sip" >/dev/null 2>&1
}

# register_bob SERVER_PORT CALLEE_PORT: the bench callee's binding
register_bob() {
	sipp -sf "$sipdir/reg-one.xml" -i 127.0.0.1 -p 0 -s bob \
		-key domain "127.0.0.1:$1" -key contact_port "$2" -key expires 3600 \
		-m 1 -recv_timeout 3000 -nostdin "127.0.0.1:$1" >"$work/reg-bob-$1.out" 2>&1
}

# sipp_totals CSV: "ok failed retransmitted secs" from the last row of a
# sipp -trace_stat file, the columns found by name; secs runs from sipp's
# start of traffic to that row (written when the last call ends), so
# sipp's own start-up does not count
sipp_totals() {
	awk -F';' '
		function epoch(v,   p) { split(v, p, "\t"); return p[3] + 0 }
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0 }
		END { split(last, f, ";")
		      print f[col["SuccessfulCall(C)"]] + 0, f[col["FailedCall(C)"]] + 0,
			    f[col["Retransmissions(C)"]] + 0,
			    epoch(f[col["CurrentTime"]]) - epoch(f[col["StartTime"]]) }' "$1"
}

# step_passed OK FAILED ACHIEVED RATE: a ramp step passes with at most 1%
# of its calls failed and at least 90% of the offered rate achieved
step_passed() {
	[ $(($2 * 100)) -le $(($1 + $2)) ] && [ $(($3 * 10)) -ge $(($4 * 9)) ]
}

# ratio A B: A / B to two decimals, "-" when either is missing or B is 0
ratio() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }' ||
		echo "-"
}
