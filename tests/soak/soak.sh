#!/usr/bin/env bash
# tests/soak/soak.sh — the soak test of issue #7 (part 4): mixed traffic for SOAK_SECONDS (600)
# against the release daemon, then SOAK_ASAN_SECONDS (120) against the ASan/UBSan one, and checks
# that nothing leaks, that the release daemon's RSS stays flat, and that every frame that came in is
# accounted for by the counters. `sudo make soak [SOAK_SECONDS=60 SOAK_ASAN_SECONDS=30]`.
#
# Topology (only documentation ranges; every device lives in one of four fresh namespaces):
#
#   host A ($NS_H)           tapstackd ($NS_D, -F)            host B ($NS_B)        host C ($NS_C)
#   tap0 192.0.2.1/24 ------ tap0 192.0.2.2/24
#   default via 192.0.2.2    tap1 198.51.100.1/24 mtu 1400 -- tap1 198.51.100.2/24
#                            203.0.113.0/25 via 198.51.100.2  ip_forward=1
#                                                             vb 203.0.113.1/25 --- vc 203.0.113.2/25
#
# Traffic, all at once, every loop bounded in iterations and by `timeout`:
#   A: ping -f to 192.0.2.2 (echo flood) and to 203.0.113.2 (forwarded flood); ping -s 4000 to both
#      (reassembly in the daemon; fragments forwarded and refragmented to MTU 1400 and back);
#      traceroute (UDP and ICMP) to 203.0.113.2; malformed and odd frames (soak_traffic.py junk).
#   B: lone, duplicate and overlapping fragments and out-of-order whole datagrams to both of the
#      daemon's addresses, and bursts of more reassembly queues than it keeps (soak_traffic.py frags).
#   C: UDP to closed ports of the daemon, counting the port unreachables that come back (rate limited).
#   control: a UDP socket bound on port 5000 (the junk generator overflows its receive queue), then
#      in a loop: stats, stats --json, neigh, route, route cache, sockets, sysctl (read and write;
#      accept_source_route turned on and off by turns), addr, daemon --json, udp recv, udp send to
#      closed ports of A and C (their port unreachables reach the socket's error queue), and
#      `ping -c 3` from the daemon to A and (routed) to C.
# Checks per phase (printed "ok   - ..." / "FAIL - ..."): the counter identities of soak_check.py
# (its header derives them from the code), the traffic outcomes, RSS flat after the warm-up (release),
# and a clean exit on SIGTERM: status 0, no sanitizer report, no assertion (stack_free asserts every
# packet buffer came back to the pool). Last line: "N passed, M failed".
#
# Environment: SOAK_SECONDS, SOAK_ASAN_SECONDS, SOAK_WARMUP (default 60, halved run length for runs
# under 120 s), SOAK_RSS_LIMIT_KB (1024), TAPSTACKD, TAPSTACKD_ASAN, TAPSTACKCTL (binaries),
# SOAK_KEEP=1 (keep the log directory even on success), SOAK_JOBS (the load jobs to run, default
# "echo fwd bigping trace ctl udp frags junk"; a subset fails the checks of the missing ones, and is
# only for chasing a failure). Needs root.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$TOP/tests/soak
TAPSTACKD=${TAPSTACKD:-$TOP/build/tapstackd}
TAPSTACKD_ASAN=${TAPSTACKD_ASAN:-$TOP/build-asan/tapstackd}
TAPSTACKCTL=${TAPSTACKCTL:-$TOP/build/tapstackctl}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_ASAN_SECONDS=${SOAK_ASAN_SECONDS:-120}
SOAK_RSS_LIMIT_KB=${SOAK_RSS_LIMIT_KB:-1024}
SOAK_JOBS=${SOAK_JOBS:-echo fwd bigping trace ctl udp frags junk}
PY=/usr/bin/python3

UDP_PORT=5000 # the daemon's UDP socket (tapstackctl udp bind)
A_IP=192.0.2.1 R0_IP=192.0.2.2 R1_IP=198.51.100.1 B_IP=198.51.100.2 BC_IP=203.0.113.1 C_IP=203.0.113.2

RUN=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_H=sk${RUN}h NS_D=sk${RUN}d NS_B=sk${RUN}b NS_C=sk${RUN}c # 9 characters each
TMP=$(mktemp -d /tmp/tapstack-soak.XXXXXX)
NAMESPACES=""  # created by us, deleted by the trap
JOBS=""        # our background load jobs (each its own process group: PGID = PID)
DAEMON_PIDS="" # our daemons not yet reaped
PASSED=0
FAILED=0

say() { printf '# %s\n' "$*"; }

# nap SECONDS: sleep in the background and wait for it, so that a signal runs the trap at once
# (bash discards a SIGINT that arrives while a foreground child runs and survives it).
nap() {
	sleep "$1" &
	wait $!
}

# rec OK|FAIL PHASE CHECK DETAIL
rec() {
	if [ "$1" = ok ]; then
		PASSED=$((PASSED + 1))
		printf 'ok   - %s: %s: %s\n' "$2" "$3" "$4" | tee -a "$TMP/checks.log"
	else
		FAILED=$((FAILED + 1))
		printf 'FAIL - %s: %s: %s\n' "$2" "$3" "$4" | tee -a "$TMP/checks.log"
	fi
}

die() {
	printf 'soak: %s\n' "$*" >&2
	FAILED=$((FAILED + 1))
	exit 1
}

stop_jobs() {
	local pg i
	for pg in $JOBS; do kill -TERM -- "-$pg" 2>/dev/null; done
	for i in $(seq 1 20); do
		local alive=0
		for pg in $JOBS; do kill -0 -- "-$pg" 2>/dev/null && alive=1; done
		[ "$alive" -eq 0 ] && break
		nap 0.1
	done
	for pg in $JOBS; do kill -KILL -- "-$pg" 2>/dev/null; wait "$pg" 2>/dev/null; done
	JOBS=""
}

cleanup() {
	local rc=$? pid i ns
	trap - EXIT INT TERM HUP
	stop_jobs
	for pid in $DAEMON_PIDS; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in $NAMESPACES; do ip netns del "$ns" 2>/dev/null; done
	if [ "$FAILED" -eq 0 ] && [ "$rc" -eq 0 ] && [ "${SOAK_KEEP:-0}" != 1 ]; then
		rm -rf "$TMP"
	else
		printf '# logs kept in %s\n' "$TMP"
	fi
	[ "$rc" -eq 0 ] || [ "$FAILED" -gt 0 ] || FAILED=1 # interrupted: that run did not pass
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- preconditions

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, TAP devices)"
for v in SOAK_SECONDS SOAK_ASAN_SECONDS SOAK_RSS_LIMIT_KB; do
	case ${!v} in '' | *[!0-9]*) die "$v must be a whole number of seconds (KiB), not '${!v}'" ;; esac
done
[ "$SOAK_SECONDS" -ge 20 ] && [ "$SOAK_ASAN_SECONDS" -ge 20 ] || die "SOAK_SECONDS and SOAK_ASAN_SECONDS must be >= 20"
for b in "$TAPSTACKD" "$TAPSTACKD_ASAN" "$TAPSTACKCTL"; do [ -x "$b" ] || die "no binary at $b (make all build-asan/tapstackd)"; done
for t in ping traceroute timeout "$PY"; do command -v "$t" >/dev/null || die "$t not installed (make deps)"; done
if [ -n "${SOAK_WARMUP:-}" ]; then
	WARMUP=$SOAK_WARMUP
elif [ "$SOAK_SECONDS" -ge 120 ]; then
	WARMUP=60
else
	WARMUP=$((SOAK_SECONDS / 2)) # a quick run: the second half must still be flat
fi

# ---------------------------------------------------------------- namespaces

new_ns() {
	ip netns add "$1" || die "ip netns add $1"
	NAMESPACES="$NAMESPACES $1"
	ip -n "$1" link set lo up || die "lo up in $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null ||
		die "rp_filter=0 in $1"
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

setup_namespaces() {
	new_ns "$NS_H"
	new_ns "$NS_D"
	new_ns "$NS_B"
	new_ns "$NS_C"
	in_ns "$NS_H" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1 net.ipv4.ip_forward=0 >/dev/null || die "sysctl in $NS_H"
	in_ns "$NS_B" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || die "ip_forward=1 in $NS_B"
	ip -n "$NS_B" link add vb type veth peer name vc netns "$NS_C" || die "veth pair $NS_B/$NS_C"
	ip -n "$NS_B" addr add "$BC_IP/25" dev vb || die "address on vb"
	ip -n "$NS_C" addr add "$C_IP/25" dev vc || die "address on vc"
	ip -n "$NS_B" link set vb up || die "vb up"
	ip -n "$NS_C" link set vc up || die "vc up"
	ip -n "$NS_C" route add default via "$BC_IP" || die "default route in $NS_C"
}

link_ready() { # NS IF ADDR/LEN
	local l
	l=$(ip -n "$1" -o link show dev "$2" 2>/dev/null) || return 1
	case "$l" in *LOWER_UP*) ;; *) return 1 ;; esac
	ip -n "$1" -o -4 addr show dev "$2" 2>/dev/null | grep -q " $3 "
}

ctl() { in_ns "$NS_D" "$TAPSTACKCTL" -c "$CTL" "$@"; }

# ---------------------------------------------------------------- the daemon

# start_daemon PHASE BINARY: the router topology's daemon; sets DPID, DERR.
start_daemon() {
	local phase=$1 bin=$2 i
	DERR=$TMP/$phase/daemon.err
	CTL=$TMP/$phase/ctl.sock
	# ipfrag_time 10 s: lone fragments time out (11/1) many times per run, not just once.
	set -m # its own process group: a Ctrl-C reaches the trap, which stops it and checks nothing
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ip netns exec "$NS_D" "$bin" -c "$CTL" -F -s ipfrag_time=10 \
		-i "tap0,$R0_IP/24,netns=$NS_H,host=$A_IP/24" \
		-i "tap1,$R1_IP/24,netns=$NS_B,host=$B_IP/24,mtu=1400" \
		-r "203.0.113.0/25,via=$B_IP" >"$TMP/$phase/daemon.out" 2>"$DERR" &
	DPID=$!
	set +m
	DAEMON_PIDS="$DAEMON_PIDS $DPID"
	for i in $(seq 1 200); do
		kill -0 "$DPID" 2>/dev/null || { cat "$DERR" >&2; die "$phase: daemon exited during start-up"; }
		[ -S "$CTL" ] && link_ready "$NS_H" tap0 "$A_IP/24" && link_ready "$NS_B" tap1 "$B_IP/24" && break
		nap 0.05
	done
	[ -S "$CTL" ] || die "$phase: daemon not ready within 10 s"
	in_ns "$NS_H" sysctl -qw net.ipv4.conf.tap0.rp_filter=0 >/dev/null
	in_ns "$NS_B" sysctl -qw net.ipv4.conf.tap1.rp_filter=0 >/dev/null
	ip -n "$NS_H" route replace default via "$R0_IP" dev tap0 || die "default route in $NS_H"
	ip -n "$NS_B" route replace 192.0.2.0/24 via "$R1_IP" dev tap1 || die "route to 192.0.2.0/24 in $NS_B"
	for i in $(seq 1 20); do
		in_ns "$NS_H" ping -n -q -c 1 -W 1 "$C_IP" >/dev/null 2>&1 && return 0
		nap 0.25
	done
	die "$phase: $C_IP not reachable from $NS_H through the daemon"
}

# stop_daemon PHASE: SIGTERM, at most 60 s (LeakSanitizer walks the heap at exit), then the verdict.
stop_daemon() {
	local phase=$1 i rc p out=""
	kill -TERM "$DPID" 2>/dev/null
	for i in $(seq 1 600); do kill -0 "$DPID" 2>/dev/null || break; nap 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		rc=timeout
	else
		wait "$DPID"
		rc=$?
	fi
	for p in $DAEMON_PIDS; do [ "$p" = "$DPID" ] || out="$out $p"; done
	DAEMON_PIDS=$out
	if grep -Eq 'Sanitizer|runtime error:|==[0-9]+==ERROR|Assertion|assert' "$DERR"; then
		rec FAIL "$phase" "clean exit on SIGTERM" "exit status $rc; report on stderr ($DERR):"
		head -n 40 "$DERR" | sed 's/^/    | /'
	elif [ "$rc" != 0 ]; then
		rec FAIL "$phase" "clean exit on SIGTERM" "exit status $rc (expected 0); stderr: $(tail -n 3 "$DERR" | tr '\n' ' ')"
	else
		rec ok "$phase" "clean exit on SIGTERM" "status 0, no sanitizer report, no lost buffer (detect_leaks=1 under ASan)"
	fi
}

# ---------------------------------------------------------------- load jobs
# Each takes END (epoch seconds) and writes into $PD; each loop is capped in iterations too.

now() { date +%s; }
left() { echo $((END - $(now))); }

job_ping() { # LOG ARGS...: ping runs of at most 20 s until END
	local log=$1 i w
	shift
	for ((i = 0; i < 1000; i++)); do
		w=$(left)
		[ "$w" -ge 2 ] || break
		[ "$w" -le 20 ] || w=20
		in_ns "$NS_H" timeout --foreground $((w + 10)) ping -n -q -w "$w" "$@" >>"$PD/$log" 2>&1
	done
}

job_frag_ping() {
	local i w
	for ((i = 0; i < 1000; i++)); do
		w=$(left)
		[ "$w" -ge 2 ] || break
		[ "$w" -le 10 ] || w=10
		in_ns "$NS_H" timeout --foreground $((w + 10)) ping -n -q -s 4000 -i 0.02 -c 200 -w "$w" "$R0_IP" >>"$PD/frag.log" 2>&1
		w=$(left)
		[ "$w" -ge 2 ] || break
		[ "$w" -le 10 ] || w=10
		in_ns "$NS_H" timeout --foreground $((w + 10)) ping -n -q -s 4000 -i 0.05 -c 100 -w "$w" "$C_IP" >>"$PD/frag.log" 2>&1
	done
}

job_trace() {
	local i mode out hops flag
	for ((i = 0; i < 500; i++)); do
		[ "$(left)" -ge 15 ] || break
		for mode in UDP ICMP; do
			flag=()
			[ "$mode" = ICMP ] && flag=(-I)
			out=$(in_ns "$NS_H" timeout --foreground 30 traceroute -n -q 1 -w 1 -m 5 "${flag[@]}" "$C_IP" 2>&1)
			hops=$(printf '%s\n' "$out" | sed -nE 's/^ *([0-9]+) +(.*)$/\1 \2/p' | sed -E 's/ +[0-9.]+ ms//g; s/ +/ /g; s/ $//' | paste -sd'|')
			if [ "$hops" = "1 $R0_IP|2 $B_IP|3 $C_IP" ]; then
				echo "TRACE ok $mode $hops" >>"$PD/trace.log"
			else
				echo "TRACE bad $mode $hops" >>"$PD/trace.log"
			fi
		done
		sleep 8
	done
}

job_ctl() {
	local i c rc
	local cmds=("stats" "stats --json" "neigh" "route" "route cache" "sockets" "sysctl"
		"sysctl icmp_ratelimit=1000" "addr" "daemon --json" "udp recv $UDP_PORT"
		"udp send --from $UDP_PORT $A_IP:9 soak" "udp send --from $UDP_PORT $C_IP:9 soak")
	for ((i = 0; i < 5000; i++)); do
		[ "$(left)" -ge 8 ] || break
		for c in "${cmds[@]}"; do
			# shellcheck disable=SC2086
			timeout --foreground 10 ip netns exec "$NS_D" "$TAPSTACKCTL" -c "$CTL" $c >/dev/null 2>>"$PD/ctl.err"
			rc=$?
			echo "CTL ${c// /_} rc=$rc" >>"$PD/ctl.log"
		done
		# Source routes refused and accepted by turns (the junk generator sends both kinds).
		timeout --foreground 10 ip netns exec "$NS_D" "$TAPSTACKCTL" -c "$CTL" sysctl "accept_source_route=$((i % 2))" >/dev/null 2>>"$PD/ctl.err"
		echo "CTL sysctl_accept_source_route rc=$?" >>"$PD/ctl.log"
		timeout --foreground 15 ip netns exec "$NS_D" "$TAPSTACKCTL" -c "$CTL" ping -c 3 -i 0.2 "$A_IP" >>"$PD/ctl.ping" 2>&1
		echo "CTL ping_A rc=$?" >>"$PD/ctl.log"
		timeout --foreground 15 ip netns exec "$NS_D" "$TAPSTACKCTL" -c "$CTL" ping -c 3 -i 0.2 -s 1000 "$C_IP" >>"$PD/ctl.ping" 2>&1
		echo "CTL ping_C rc=$?" >>"$PD/ctl.log"
		sleep 1
	done
}

job_py() { # NS MODE SECONDS ARGS...
	local ns=$1 mode=$2 secs=$3
	shift 3
	in_ns "$ns" timeout --foreground $((secs + 30)) "$PY" "$HERE/soak_traffic.py" "$mode" --seconds "$secs" \
		--out "$PD/$mode.json" "$@" 2>>"$PD/$mode.err"
}

# want NAME: the load job NAME is in SOAK_JOBS (all by default; for chasing one failure).
want() { case " $SOAK_JOBS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# start_job CMD...: in the background, in a process group of its own (PGID = its PID), so the
# trap can stop exactly it and whatever it started.
start_job() {
	set -m
	"$@" &
	JOBS="$JOBS $!"
	set +m
}

# ---------------------------------------------------------------- one phase

run_phase() { # PHASE BINARY SECONDS RSS_LIMIT_KB(-1: not checked)
	local phase=$1 bin=$2 secs=$3 limit=$4 t0 t next kb pg dmac amac stable settled i
	PD=$TMP/$phase
	mkdir -p "$PD"
	say "$phase: $bin for $secs s"
	start_daemon "$phase" "$bin"
	dmac=$(ctl addr | sed -nE 's/^0: tap0 .* lladdr ([0-9a-f:]{17}).*/\1/p')
	amac=$(ip -n "$NS_H" -o link show dev tap0 | sed -nE 's/.*link\/ether ([0-9a-f:]{17}).*/\1/p')
	[ -n "$dmac" ] && [ -n "$amac" ] || die "$phase: MAC addresses not found (daemon '$dmac', host '$amac')"

	# A UDP socket that the junk generator fills faster than the control loop reads it.
	ctl udp bind "$UDP_PORT" >/dev/null || die "$phase: tapstackctl udp bind $UDP_PORT failed"

	t0=$(now)
	END=$((t0 + secs))
	want echo && start_job job_ping echo.log -f -c 200000 "$R0_IP"
	want fwd && start_job job_ping fwd.log -f -c 100000 "$C_IP"
	want bigping && start_job job_frag_ping
	want trace && start_job job_trace
	want ctl && start_job job_ctl
	want udp && start_job job_py "$NS_C" udp $((secs - 2)) --dst "$R0_IP,$R1_IP" --rate 50 --max $((50 * secs))
	want frags && start_job job_py "$NS_B" frags $((secs - 2)) --dst "$R1_IP,$R0_IP" --src "$B_IP" --rate 4 \
		--max $((4 * secs)) --burst 80 --burst-every 30
	want junk && start_job job_py "$NS_H" junk $((secs - 2)) --iface tap0 --dmac "$dmac" --smac "$amac" --src "$A_IP" \
		--rate 5 --max $((5 * secs)) --bound-port "$UDP_PORT" ${SOAK_JUNK_KINDS:+--kinds "$SOAK_JUNK_KINDS"}

	# VmRSS every 5 s while the load runs.
	: >"$PD/rss.txt"
	next=$((t0 + 5))
	for ((i = 0; i < secs / 5 + 2; i++)); do
		while [ "$(now)" -lt "$next" ]; do nap 0.2; done
		t=$(($(now) - t0))
		[ "$t" -le "$secs" ] || break
		if ! kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null) || [ -z "$kb" ]; then
			break # the daemon is gone: reported below
		fi
		echo "$t $kb" >>"$PD/rss.txt"
		next=$((next + 5))
	done

	if ! kill -0 "$DPID" 2>/dev/null; then
		stop_jobs
		rec FAIL "$phase" "daemon alive" "the daemon died after $(($(now) - t0)) s of $secs"
		stop_daemon "$phase" # its exit status and stderr
		return
	fi

	# The jobs end by themselves at END; one still running 60 s later is stopped and reported.
	for pg in $JOBS; do
		for ((i = 0; i < 600; i++)); do
			kill -0 "$pg" 2>/dev/null || break
			[ "$(now)" -lt $((END + 60)) ] || break
			nap 0.1
		done
		if kill -0 "$pg" 2>/dev/null; then
			rec FAIL "$phase" "load job ended in time" "job $pg still running 60 s after the end: stopped"
			kill -TERM -- "-$pg" 2>/dev/null
		fi
		wait "$pg" 2>/dev/null
	done
	JOBS=""
	if ! kill -0 "$DPID" 2>/dev/null; then
		rec FAIL "$phase" "daemon alive" "the daemon died during the last minute of load"
		stop_daemon "$phase"
		return
	fi

	# With the traffic stopped, every unanswered ARP request gives up within 3 s (3 tries, 1 s
	# apart), and the port/host unreachables that sends need ARP themselves: after that no entry may
	# stay INCOMPLETE holding packets (a neighbour timer never run again would keep them).
	settled=0
	for ((i = 0; i < 40; i++)); do
		nap 0.5
		ctl neigh >"$PD/neigh.txt" 2>&1 || continue
		grep -q INCOMPLETE "$PD/neigh.txt" || { settled=1; break; }
	done
	if [ "$settled" -eq 1 ]; then
		rec ok "$phase" "ARP settles at rest" "no INCOMPLETE neighbour $((i / 2)) s after the traffic stopped"
	else
		rec FAIL "$phase" "ARP settles at rest" "$(grep -c INCOMPLETE "$PD/neigh.txt") INCOMPLETE neighbour(s) 20 s after the traffic stopped: $(grep INCOMPLETE "$PD/neigh.txt" | head -n 3 | tr '\n' ';')"
	fi
	# Counters with the traffic stopped: two identical readings around the TAP counters.
	stable=0
	for ((i = 0; i < 15; i++)); do
		ctl stats --json >"$PD/stats.json" 2>/dev/null &&
			ctl daemon --json >"$PD/daemon.json" 2>/dev/null &&
			ctl stats --json >"$PD/stats2.json" 2>/dev/null &&
			cmp -s "$PD/stats.json" "$PD/stats2.json" && { stable=1; break; }
		nap 1
	done
	[ "$stable" -eq 1 ] || rec FAIL "$phase" "counters at rest" "still moving 15 s after the traffic stopped"
	ctl stats >"$PD/stats.txt" 2>&1

	"$PY" "$HERE/soak_check.py" phase "$PD" "$phase" "$secs" "$WARMUP" "$limit" >"$PD/check.out" 2>&1
	cat "$PD/check.out"
	cat "$PD/check.out" >>"$TMP/checks.log"
	PASSED=$((PASSED + $(grep -c '^ok   - ' "$PD/check.out")))
	FAILED=$((FAILED + $(grep -c '^FAIL - ' "$PD/check.out")))
	if grep -q '^Traceback' "$PD/check.out" || ! grep -q '^ok   - \|^FAIL - ' "$PD/check.out"; then
		rec FAIL "$phase" "soak_check.py" "crashed or gave no verdicts: $(tail -n 1 "$PD/check.out")"
	fi

	stop_daemon "$phase"
}

# ---------------------------------------------------------------- main

main() {
	say "namespaces $NS_H $NS_D $NS_B $NS_C; logs in $TMP"
	say "release ${SOAK_SECONDS}s (RSS warm-up ${WARMUP}s, limit ${SOAK_RSS_LIMIT_KB} KiB), asan ${SOAK_ASAN_SECONDS}s"
	setup_namespaces
	run_phase release "$TAPSTACKD" "$SOAK_SECONDS" "$SOAK_RSS_LIMIT_KB"
	run_phase asan "$TAPSTACKD_ASAN" "$SOAK_ASAN_SECONDS" -1

	echo
	tables=()
	for phase in release asan; do
		[ -d "$TMP/$phase" ] || continue
		res=PASS
		grep -q "^FAIL - $phase:" "$TMP/checks.log" && res=FAIL
		tables+=("$TMP/$phase/summary.json=$res")
	done
	"$PY" "$HERE/soak_check.py" table "${tables[@]}"
	if [ "$FAILED" -gt 0 ]; then
		echo
		echo "failed checks:"
		grep '^FAIL - ' "$TMP/checks.log"
	fi
	# The trap prints the last line ("N passed, M failed") after cleaning up, and sets the exit status.
}

# The whole file is read before anything runs (bash reads a script as it goes: an edit during a
# 12-minute run would otherwise be executed half-way).
main
exit
