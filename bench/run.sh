#!/usr/bin/env bash
# bench/run.sh — tapstackd against the bare TAP reflector (issue #6); `sudo make bench`.
#
# Two network namespaces of its own: $NSD, where tapstackd runs, and $NSG, the generator's, which
# holds the kernel side of every TAP (the reflector attaches to persistent TAPs created there).
# tapbench (generator) and the responder are pinned to different cores and run with a raised
# scheduling weight (a fresh session whose autogroup gets nice $BENCH_NICE, so other work on a
# shared machine takes less of their cores). Per repetition, in alternating order: the
# reflector, then tapstackd (or the other way round), each through
#   echo flood, echo at 10 kpps (RTT), a paced sweep and a short search for the highest rate
#   with < 1% loss, forwarding flood (two TAPs), and for tapstackd the echo flood while
#   100 000 pps of UDP probes to closed ports run, and its RSS; then the IPv6 echo flood (issue 14):
#   the reflector answers ICMPv6 echo too, and tapstackd runs dual-stack
#   (-i tap0,192.0.2.2/24,2001:db8:1::2/64,...) through an IPv4 and an IPv6 echo flood back to
#   back, so that its IPv6 rate is judged against the reflector's and against its own IPv4 rate.
# Then one allocation-count run (bench/src/alloccount.c preloaded into tapstackd) and the report:
# one table on stdout, bench/results/latest.{txt,json}, latency.png, raw runs under
# bench/results/raw/<stamp>/. Only documentation addresses are used; nothing is created in the
# root namespace; a trap stops the processes it started (by PID) and deletes its namespaces.
#
# Environment: BENCH_REPS (5), BENCH_GEN_CPU (0), BENCH_RESP_CPU (1), BENCH_FLOOD_S (3),
# BENCH_NICE (-20; 0 = leave priorities alone), BENCH_TXQLEN (4096: the TAP queue toward the
# responder, Linux's default is 1000; longer so that a scheduler hiccup of a few ms on a shared
# machine is not counted as loss in the paced runs), BENCH_OUT (bench/results), BENCH_PERF=1 (also
# record a perf profile of tapstackd under an echo flood into the raw directory),
# BENCH_TAPSTACKD_ARGS (more tapstackd options, e.g. "--io syscall" for write(2) per frame),
# BENCH_RTT_WINDOWS (10: pairs of 1 s windows of the alternating RTT measurement, below),
# BENCH_V6_LL=1 (the IPv6 rows between link-local addresses, fe80::1 -> fe80::ff:fe00:2, with no
# IPv6 prefix on -i: for a tapstackd whose -i takes no IPv6 address). The generator's namespace
# keeps IPv6 off except on tap0 during the IPv6 rows (v6_on), where its kernel holds tapbench's
# source address: echo replies then reach the kernel's IPv6 input as the IPv4 ones reach its IPv4
# input (192.0.2.1), the same per-reply work on the generator's side for both families.
#
# BENCH_SUITE=uring (`sudo make bench-uring`): instead of the above, the plain reflector against
# build/reflector-uring (bench/src/reflector_uring.c: one multishot read, or 64 reads in flight, or
# read(2) per frame as the reflector (uring-writes), and the replies' writes submitted in
# batches, one io_uring_enter per batch) and against itself with --batch 256 (the same syscalls,
# the writes back to back); BENCH_URING_VARIANTS picks the variants, see below. Per
# repetition, in rotating order, each through echo flood, echo at 100 kpps and at 10 kpps (CPU
# per reply at equal load, RTT) and forwarding flood. The CPU of EVERY thread of the responder
# is counted (the sum of /proc/PID/task/*/schedstat, so io-wq workers are included), and the
# responder core's ksoftirqd separately; the table goes to OUT/uring.{txt,json}.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# A session of our own, so its autogroup's weight can be raised without touching the caller's.
if [ -z "${TB_INNER:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, TAP devices)" >&2; exit 1; }
	TB_INNER=1 setsid bash "${BASH_SOURCE[0]}" "$@" &
	child=$!
	trap 'kill -TERM "$child" 2>/dev/null' INT TERM HUP
	rc=0
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		rc=$?
	done
	exit "$rc"
fi

B=$TOP/build
REPS=${BENCH_REPS:-5}
GEN_CPU=${BENCH_GEN_CPU:-0}
RESP_CPU=${BENCH_RESP_CPU:-1}
FLOOD_S=${BENCH_FLOOD_S:-3}
NICE=${BENCH_NICE:--20}
TXQLEN=${BENCH_TXQLEN:-4096}
OUT=${BENCH_OUT:-$TOP/bench/results}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW=$OUT/raw/$STAMP
NSG="tb$$g"
NSD="tb$$d"
TMP=$(mktemp -d /tmp/tapbench.XXXXXX)
PIDS=""
NAMESPACES=""
T_START=$(date +%s)
REFL_DMAC=02:00:00:00:00:02   # the reflector answers any MAC; it does not do ARP
OUT_MAC=02:54:42:00:00:02     # MAC tapbench announces for the forwarding target on tap1
# IPv6 rows: tapstackd's address (on the dual-stack -i) and tapbench's (it answers NS for it).
V6_DST=2001:db8:1::2
V6_SRC=2001:db8:1::1
if [ "${BENCH_V6_LL:-0}" = 1 ]; then
	V6_DST=fe80::ff:fe00:2  # from mac=02:00:00:00:00:02 (V6.10)
	V6_SRC=fe80::1
fi

log() { printf '# [%3ds] %s\n' "$(( $(date +%s) - T_START ))" "$*" >&2; }
fail() { printf 'bench: FAIL: %s\n' "$*" >&2; exit 1; }

stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local p out=""
	for p in $PIDS; do [ "$p" = "$pid" ] || out="$out $p"; done
	PIDS=$out
}

cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM HUP
	for pid in $PIDS; do stop_pid "$pid"; done
	for ns in $NAMESPACES; do
		ip -n "$ns" link del tap0 2>/dev/null
		ip -n "$ns" link del tap1 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, TAP devices)"
[ "$(nproc)" -ge 2 ] || fail "needs 2 cores (generator and responder pinned apart); nproc says $(nproc)"

# --- tools ---------------------------------------------------------------------------------
if ! command -v gnuplot >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	log "installing gnuplot-nox python3"
	DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox \
		python3 >/dev/null 2>&1 || log "could not install gnuplot-nox: no plot"
fi
make -s -C "$TOP" build/tapstackd build/tapbench build/reflector build/alloccount.so ||
	fail "build failed"
SUITE=${BENCH_SUITE:-main}
case "$SUITE" in main|uring) ;; *) fail "BENCH_SUITE=$SUITE: main or uring" ;; esac
if [ "$SUITE" = uring ]; then
	make -s -C "$TOP" build/reflector-uring || fail "build failed"
fi
mkdir -p "$RAW" || fail "cannot create $RAW"
RUNS=$RAW/runs.jsonl
: >"$RUNS"

if [ "$NICE" != 0 ]; then
	[ -w /proc/self/autogroup ] && echo "$NICE" >/proc/self/autogroup 2>/dev/null
	renice -n "$NICE" -p $$ >/dev/null 2>&1
fi

# --- namespaces ----------------------------------------------------------------------------
new_ns() {
	ip netns add "$1" || fail "ip netns add $1"
	NAMESPACES="$NAMESPACES $1"
	ip -n "$1" link set lo up || fail "lo up in $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
}
new_ns "$NSD"
new_ns "$NSG"

# link_ready DEV [ADDR]: the kernel side in $NSG is up with carrier (and holds ADDR).
link_ready() {
	local l
	l=$(ip -n "$NSG" -o link show dev "$1" 2>/dev/null) || return 1
	case "$l" in *LOWER_UP*) ;; *) return 1 ;; esac
	[ -z "${2:-}" ] || ip -n "$NSG" -o -4 addr show dev "$1" 2>/dev/null | grep -q " $2/"
}

wait_ready() { # PID DEV ADDR [DEV2]
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || fail "responder (pid $1) exited during start-up: $(tail -n 3 "$TMP/resp.err")"
		if link_ready "$2" "$3" && { [ -z "${4:-}" ] || link_ready "$4"; }; then
			# the TAP queue (kernel -> responder), the same for both responders
			ip -n "$NSG" link set "$2" txqueuelen "$TXQLEN" || fail "txqueuelen $2"
			return 0
		fi
		sleep 0.05
	done
	fail "responder not ready within 5 s"
}

RESP_PID=""
RESP_NAME=""

# start_reflector echo|forward [BINARY ARGS...]: the reflector (or another bare responder with
# its options, e.g. reflector-uring) on persistent TAPs in $NSG; RESP_NAME stays the caller's.
start_reflector() {
	local mode=$1 bin=$B/reflector
	shift
	[ $# -gt 0 ] && { bin=$1; shift; }
	local dev
	for dev in tap0 tap1; do
		[ "$dev" = tap1 ] && [ "$mode" = echo ] && continue
		ip -n "$NSG" tuntap add dev "$dev" mode tap || fail "tuntap add $dev in $NSG"
		ip -n "$NSG" link set "$dev" up || fail "link up $dev"
	done
	ip -n "$NSG" addr add 192.0.2.1/24 dev tap0 || fail "addr add tap0"
	local args=(-i tap0 "$@")
	[ "$bin" = "$B/reflector" ] && args+=(-q)
	[ "$mode" = forward ] && args+=(-o tap1 --dst-mac "$OUT_MAC")
	taskset -c "$RESP_CPU" ip netns exec "$NSG" "$bin" "${args[@]}" 2>"$TMP/resp.err" &
	RESP_PID=$!
	PIDS="$PIDS $RESP_PID"
	[ -n "$RESP_NAME" ] || RESP_NAME=reflector
	if [ "$mode" = forward ]; then wait_ready "$RESP_PID" tap0 192.0.2.1 tap1; else wait_ready "$RESP_PID" tap0 192.0.2.1; fi
	[ "$(cat "/proc/$RESP_PID/comm" 2>/dev/null)" = "$(basename "$bin")" ] ||
		fail "pid $RESP_PID is not $(basename "$bin")"
}

# start_tapstackd echo|forward|echo2|echo46 [PRELOAD_ENV...]; echo2: on tap2, 203.0.113.2/24 (kernel
# side 203.0.113.1), so that it can run beside a reflector on tap0; echo46: dual stack on tap0,
# 192.0.2.2/24 and 2001:db8:1::2/64 (no IPv6 host=: v6_on gives the kernel side its address once
# the daemon is up), MAC fixed.
start_tapstackd() {
	local mode=$1
	shift
	local args=(-c "$TMP/ctl.sock" -i "tap0,192.0.2.2/24,netns=$NSG,host=192.0.2.1/24")
	[ "$mode" = echo2 ] && args=(-c "$TMP/ctl.sock" -i "tap2,203.0.113.2/24,netns=$NSG,host=203.0.113.1/24")
	if [ "$mode" = echo46 ] || [ "$mode" = forward46 ]; then
		local v6=",2001:db8:1::2/64"
		[ "${BENCH_V6_LL:-0}" = 1 ] && [ "$mode" = echo46 ] && v6=""
		args=(-c "$TMP/ctl.sock" -i "tap0,192.0.2.2/24$v6,netns=$NSG,host=192.0.2.1/24,mac=02:00:00:00:00:02")
	fi
	[ "$mode" = forward ] && args+=(-F -i "tap1,198.51.100.1/24,netns=$NSG")
	# forward46: the IPv6 forwarding flood (issue 15), 2001:db8:1::/64 on tap0 to 2001:db8:2::/64 on tap1
	[ "$mode" = forward46 ] && args+=(-F -i "tap1,198.51.100.1/24,2001:db8:2::1/64,netns=$NSG")
	# shellcheck disable=SC2206
	args+=(${BENCH_TAPSTACKD_ARGS:-})
	rm -f "$TMP/ctl.sock"
	taskset -c "$RESP_CPU" ip netns exec "$NSD" env "$@" "$B/tapstackd" "${args[@]}" \
		2>"$TMP/resp.err" &
	RESP_PID=$!
	PIDS="$PIDS $RESP_PID"
	RESP_NAME=tapstackd
	case "$mode" in
	forward | forward46) wait_ready "$RESP_PID" tap0 192.0.2.1 tap1 ;;
	echo2) wait_ready "$RESP_PID" tap2 203.0.113.1 ;;
	*) wait_ready "$RESP_PID" tap0 192.0.2.1 ;;
	esac
	[ "$(cat "/proc/$RESP_PID/comm" 2>/dev/null)" = tapstackd ] || fail "pid $RESP_PID is not tapstackd"
}

stop_responder() {
	stop_pid "$RESP_PID"
	ip -n "$NSG" link del tap0 2>/dev/null
	ip -n "$NSG" link del tap1 2>/dev/null
	RESP_PID=""
	RESP_NAME=""
}

# all_cpu_ns PID: run time in ns of every thread of PID (io-wq workers included: they are
# threads of the process), the sum of /proc/PID/task/*/schedstat.
all_cpu_ns() {
	local t v s=0
	for t in /proc/"$1"/task/*/schedstat; do
		v=0
		read -r v _ 2>/dev/null <"$t"
		s=$((s + v))
	done
	echo "$s"
}
# thread_names PID: the comm of each of its threads, comma-separated.
thread_names() {
	local t c n=""
	for t in /proc/"$1"/task/*/comm; do
		read -r c 2>/dev/null <"$t" && n="$n${n:+,}$c"
	done
	echo "$n"
}
# run time in ns of one kernel thread (ksoftirqd of the responder's core), or 0
task_ns() { local v=0; [ -n "$1" ] && read -r v _ 2>/dev/null <"/proc/$1/schedstat"; echo "${v:-0}"; }
KSOFTIRQD=""
for d in /proc/[0-9]*; do
	[ "$(cat "$d/comm" 2>/dev/null)" = "ksoftirqd/$RESP_CPU" ] && { KSOFTIRQD=${d#/proc/}; break; }
done

# tb REP TEST TAPBENCH_ARGS...: one tapbench run against the current responder; its JSON goes
# to $TMP/last.json and, with our tags and the CPU of all the responder's threads over the run
# (and of ksoftirqd on its core), to $RUNS.
LAST=$TMP/last.json
tb() {
	local rep=$1 test=$2 a0 a1 k0 k1 names
	shift 2
	a0=$(all_cpu_ns "$RESP_PID")
	k0=$(task_ns "$KSOFTIRQD")
	taskset -c "$GEN_CPU" ip netns exec "$NSG" "$B/tapbench" "$@" --pid "$RESP_PID" \
		--cpu "$RESP_CPU" --json >"$LAST" 2>"$TMP/tb.err" ||
		fail "tapbench $*: $(cat "$TMP/tb.err")"
	a1=$(all_cpu_ns "$RESP_PID")
	k1=$(task_ns "$KSOFTIRQD")
	names=$(thread_names "$RESP_PID")
	printf '{"responder": "%s", "rep": %d, "test": "%s", "r": %s, "all_threads_ns": %s, "threads": "%s", "ksoftirqd_ns": %s}\n' \
		"$RESP_NAME" "$rep" "$test" "$(cat "$LAST")" "$((a1 - a0))" "$names" "$((k1 - k0))" >>"$RUNS"
}

jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); print(d[sys.argv[1]])' "$1" "$LAST"; }
calc() { awk "BEGIN { printf \"%.0f\", $* }"; }

# The echo tests on a started responder. Extra tapbench arguments (the reflector: --dst-mac).
echo_suite() {
	local rep=$1
	shift
	local f lo hi mid best=0 loss k
	tb "$rep" flood echo -i tap0 --dst 192.0.2.2 "$@" -t "$FLOOD_S"
	f=$(jget replies_per_s)
	log "$RESP_NAME rep $rep: echo flood $(calc "$f") replies/s"
	tb "$rep" rtt10k echo -i tap0 --dst 192.0.2.2 "$@" -r 10000 -t 2
	for k in 0.25 0.5; do
		tb "$rep" paced echo -i tap0 --dst 192.0.2.2 "$@" -r "$(calc "$f * $k")" -t 1
	done
	# highest rate with < 1% loss: bisection between 0.6 and 1.2 times this flood rate
	lo=$(calc "$f * 0.6")
	hi=$(calc "$f * 1.2")
	for k in 1 2 3 4 5; do
		mid=$(calc "($lo + $hi) / 2")
		tb "$rep" search echo -i tap0 --dst 192.0.2.2 "$@" -r "$mid" -t 1.5
		loss=$(jget loss_pct)
		if awk "BEGIN { exit !($loss < 1.0) }"; then best=$mid; lo=$mid; else hi=$mid; fi
	done
	if [ "$best" = 0 ]; then
		tb "$rep" search echo -i tap0 --dst 192.0.2.2 "$@" -r "$lo" -t 1.5
		loss=$(jget loss_pct)
		awk "BEGIN { exit !($loss < 1.0) }" && best=$lo
	fi
	printf '{"responder": "%s", "rep": %d, "test": "max_sustained", "r": {"rate": %s}}\n' \
		"$RESP_NAME" "$rep" "$best" >>"$RUNS"
	log "$RESP_NAME rep $rep: highest rate with < 1% loss $best pps"
}

fwd_suite() {
	local rep=$1
	shift
	tb "$rep" fwd_flood forward -i tap0 -o tap1 --dst 198.51.100.2 --out-mac "$OUT_MAC" "$@" \
		-t "$FLOOD_S"
	log "$RESP_NAME rep $rep: forwarding flood $(calc "$(jget replies_per_s)") frames/s"
}

# fwd6_suite REP [TAPBENCH ARGS]: the IPv6 forwarding flood (issue 15): ICMPv6 echo requests from
# $V6_SRC to 2001:db8:2::2 through the responder, counted as they come out of tap1, where tapbench
# answers the router's NSs for the destination.
fwd6_suite() {
	local rep=$1
	shift
	tb "$rep" fwd6_flood forward6 -i tap0 -o tap1 --dst 2001:db8:2::2 --src "$V6_SRC" --out-mac "$OUT_MAC" "$@" \
		-t "$FLOOD_S"
	log "$RESP_NAME rep $rep: IPv6 forwarding flood $(calc "$(jget replies_per_s)") frames/s"
}

# udp_pair REP [TAPBENCH ARGS]: the echo flood with and without 100 kpps of closed-port UDP
# probes, back to back (the order swapped every repetition). The flood rate drifts by 10-20 %
# between runs seconds apart, so the loaded run is compared with an unloaded one next to it. The
# reflector runs it too (--echo-only: it reads the probes and drops them): the cost of reading
# 100 kpps more from the TAP, with none of tapstackd's work, for comparison.
udp_pair() {
	local rep=$1 k
	shift
	for k in 1 2; do
		if [ $(((rep + k) % 2)) -eq 0 ]; then
			tb "$rep" flood_unloaded echo -i tap0 --dst 192.0.2.2 "$@" -t "$FLOOD_S"
			log "$RESP_NAME rep $rep: echo flood beside it, unloaded: $(calc "$(jget replies_per_s)") replies/s"
		else
			tb "$rep" flood_udp echo -i tap0 --dst 192.0.2.2 "$@" --bg-udp-closed 100000 -t "$FLOOD_S"
			log "$RESP_NAME rep $rep: echo flood with 100 kpps closed-port UDP: $(calc "$(jget replies_per_s)") replies/s ($(calc "($(jget bg_sent) - $(jget send_fail_bg)) / $(jget duration_s)") probes/s into the TAP queue, $(jget bg_errors) ICMP errors)"
		fi
	done
}

# v6_on: IPv6 on the kernel side of tap0 in $NSG (no DAD, no RS, no RA) with tapbench's source
# address, which the kernel then answers NSs for.
v6_on() {
	ip netns exec "$NSG" sysctl -qw net.ipv6.conf.tap0.router_solicitations=0 \
		net.ipv6.conf.tap0.accept_ra=0 net.ipv6.conf.tap0.accept_dad=0 \
		net.ipv6.conf.tap0.disable_ipv6=0 >/dev/null || fail "IPv6 on tap0 in $NSG"
	ip -n "$NSG" addr add "$V6_SRC/64" dev tap0 nodad || fail "addr add $V6_SRC tap0"
}

# v6_pair REP: on the dual-stack tapstackd, the IPv4 and the IPv6 echo flood back to back (the
# order swapped every repetition): the IPv6 rate against IPv4's on the same daemon, seconds apart.
# tapbench learns tapstackd's MAC by NS (which tapstackd answers once DAD is over).
v6_pair() {
	local rep=$1 k
	for k in 1 2; do
		if [ $(((rep + k) % 2)) -eq 0 ]; then
			tb "$rep" flood46_v4 echo -i tap0 --dst 192.0.2.2 -t "$FLOOD_S"
			log "$RESP_NAME rep $rep: dual stack, IPv4 echo flood $(calc "$(jget replies_per_s)") replies/s"
		else
			tb "$rep" flood6 echo6 -i tap0 --dst "$V6_DST" --src "$V6_SRC" -t "$FLOOD_S"
			log "$RESP_NAME rep $rep: dual stack, IPv6 echo flood $(calc "$(jget replies_per_s)") replies/s"
		fi
	done
}

rss_record() {
	local rep=$1 rss hwm
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$RESP_PID/status")
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$RESP_PID/status")
	printf '{"responder": "%s", "rep": %d, "test": "rss", "r": {"vmrss_kib": %s, "vmhwm_kib": %s}}\n' \
		"$RESP_NAME" "$rep" "${rss:-0}" "${hwm:-0}" >>"$RUNS"
}

run_reflector() {
	local rep=$1
	start_reflector echo "$B/reflector" --echo-only
	echo_suite "$rep" --dst-mac "$REFL_DMAC"
	udp_pair "$rep" --dst-mac "$REFL_DMAC"
	v6_on
	tb "$rep" flood6 echo6 -i tap0 --dst "$V6_DST" --src "$V6_SRC" --dst-mac "$REFL_DMAC" -t "$FLOOD_S"
	log "$RESP_NAME rep $rep: IPv6 echo flood $(calc "$(jget replies_per_s)") replies/s"
	stop_responder
	start_reflector forward
	fwd_suite "$rep" --dst-mac "$REFL_DMAC"
	v6_on
	fwd6_suite "$rep" --dst-mac "$REFL_DMAC"
	stop_responder
}

run_tapstackd() {
	local rep=$1
	start_tapstackd echo
	echo_suite "$rep"
	udp_pair "$rep"
	rss_record "$rep"
	stop_responder
	start_tapstackd forward
	fwd_suite "$rep" --next-hop 192.0.2.2
	stop_responder
	if [ "${BENCH_V6_LL:-0}" != 1 ]; then
		start_tapstackd forward46
		v6_on
		fwd6_suite "$rep" --next-hop 2001:db8:1::2
		stop_responder
	fi
	start_tapstackd echo46
	v6_on
	v6_pair "$rep"
	stop_responder
}

# --- BENCH_SUITE=uring: the reflector against reflector-uring ------------------------------
# NAME|BINARY ARGS: the responders compared, the first is the reference of the ratios.
# BENCH_URING_VARIANTS="NAME|OPTIONS;NAME|OPTIONS..." replaces the variants compared with the
# plain reflector: a NAME starting with uring- runs build/reflector-uring OPTIONS, one starting
# with reflector- build/reflector OPTIONS; e.g. "uring-mshot|--read mshot;uring-fixed|--read
# mshot --fixed". The default: the reflector with its writes back to back (--batch 256, as
# tapstackd's loop), the multishot read, read(2) with the writes on the ring, 64 reads in flight.
URING_VARIANTS=("reflector|$B/reflector")
IFS=";" read -r -a uv <<<"${BENCH_URING_VARIANTS:-reflector-b256|--batch 256;uring-mshot|--read mshot;uring-writes|--read syscall;uring-single64|--read single --inflight 64}"
for v in "${uv[@]}"; do
	case "$v" in
	uring-*'|'*) URING_VARIANTS+=("${v%%|*}|$B/reflector-uring ${v#*|}") ;;
	reflector-*'|'*) URING_VARIANTS+=("${v%%|*}|$B/reflector ${v#*|}") ;;
	*) fail "BENCH_URING_VARIANTS: \"$v\" is not uring-NAME|OPTIONS or reflector-NAME|OPTIONS" ;;
	esac
done

# uring_mark: reflector-uring's counters since the previous mark (SIGUSR1 prints and resets them
# on its stderr); nothing for another responder.
uring_mark() {
	case "$RESP_NAME" in uring-*) ;; *) return 0 ;; esac
	local n0 i
	n0=$(wc -l <"$TMP/resp.err")
	kill -USR1 "$RESP_PID" 2>/dev/null || return 0
	for i in $(seq 1 40); do
		[ "$(wc -l <"$TMP/resp.err")" -gt "$n0" ] && break
		sleep 0.025
	done
	tail -n 1 "$TMP/resp.err"
}

# ut REP TEST TAPBENCH_ARGS...: tb, plus reflector-uring's batching over the run (TEST.uring).
ut() {
	local rep=$1 test=$2 line
	uring_mark >/dev/null
	tb "$@"
	line=$(uring_mark | tr -d '"\\')
	[ -z "$line" ] || printf '{"responder": "%s", "rep": %d, "test": "%s.uring", "r": {"line": "%s"}}\n' \
		"$RESP_NAME" "$rep" "$test" "$line" >>"$RUNS"
}

# uring_one REP NAME BINARY [ARGS...]: one responder through the io_uring comparison's tests.
uring_one() {
	local rep=$1 name=$2 f
	shift 2
	RESP_NAME=$name
	start_reflector echo "$@"
	ut "$rep" flood echo -i tap0 --dst 192.0.2.2 --dst-mac "$REFL_DMAC" -t "$FLOOD_S"
	f=$(jget replies_per_s)
	ut "$rep" r100k echo -i tap0 --dst 192.0.2.2 --dst-mac "$REFL_DMAC" -r 100000 -t 2
	ut "$rep" rtt10k echo -i tap0 --dst 192.0.2.2 --dst-mac "$REFL_DMAC" -r 10000 -t 2
	stop_responder
	RESP_NAME=$name
	start_reflector forward "$@"
	ut "$rep" fwd_flood forward -i tap0 -o tap1 --dst 198.51.100.2 --out-mac "$OUT_MAC" \
		--dst-mac "$REFL_DMAC" -t "$FLOOD_S"
	log "$name rep $rep: echo flood $(calc "$f") replies/s, forwarding flood $(calc "$(jget replies_per_s)") frames/s"
	stop_responder
}

if [ "$SUITE" = uring ]; then
	log "io_uring comparison: namespace $NSG; generator on cpu$GEN_CPU, responders on cpu$RESP_CPU; $REPS repetitions; raw results in $RAW"
	nv=${#URING_VARIANTS[@]}
	for rep in $(seq 1 "$REPS"); do
		for i in $(seq 0 $((nv - 1))); do
			v=${URING_VARIANTS[$(((rep - 1 + i) % nv))]}
			# shellcheck disable=SC2086
			uring_one "$rep" "${v%%|*}" ${v#*|}
		done
	done
	python3 "$TOP/bench/report_uring.py" --runs "$RUNS" --out "$OUT" --raw "$RAW" \
		--meta "reps=$REPS gen_cpu=$GEN_CPU resp_cpu=$RESP_CPU flood_s=$FLOOD_S nice=$NICE txqueuelen=$TXQLEN kernel=$(uname -r) nproc=$(nproc)" ||
		fail "report failed"
	log "done in $(( $(date +%s) - T_START )) s"
	exit 0
fi

log "namespaces $NSD (tapstackd) and $NSG (generator, kernel side of the TAPs); generator on cpu$GEN_CPU, responder on cpu$RESP_CPU; $REPS repetitions; raw results in $RAW"
for rep in $(seq 1 "$REPS"); do
	if [ $((rep % 2)) -eq 1 ]; then
		run_reflector "$rep"
		run_tapstackd "$rep"
	else
		run_tapstackd "$rep"
		run_reflector "$rep"
	fi
done

# --- RTT at 10 kpps in alternating windows ------------------------------------------------
# The per-repetition RTT above compares runs some 20 s apart, and this VM's wake-up latency
# drifts between such runs (the reflector's own p50 moved between 24 and 53 us from one
# repetition to the next). Here both responders are up at once, on the same core (the reflector
# on tap0; tapstackd on tap2, 203.0.113.0/24; an idle one sits in epoll_wait, tapstackd with no
# timer armed), and tapbench alternates between them in 1 s windows at 10 kpps, the order
# swapped every window: the drift cancels out of each pair. BENCH_RTT_WINDOWS pairs (10).
RTT_WINDOWS=${BENCH_RTT_WINDOWS:-10}
start_reflector echo "$B/reflector" --echo-only
REFL_PID=$RESP_PID
start_tapstackd echo2
TD_PID=$RESP_PID
for w in $(seq 1 "$RTT_WINDOWS"); do
	order="reflector tapstackd"
	[ $((w % 2)) -eq 0 ] && order="tapstackd reflector"
	for who in $order; do
		if [ "$who" = reflector ]; then
			RESP_PID=$REFL_PID RESP_NAME=reflector
			tb "$w" rtt_alt echo -i tap0 --dst 192.0.2.2 --dst-mac "$REFL_DMAC" -r 10000 -t 1
		else
			RESP_PID=$TD_PID RESP_NAME=tapstackd
			tb "$w" rtt_alt echo -i tap2 --dst 203.0.113.2 -r 10000 -t 1
		fi
	done
done
log "RTT at 10 kpps in $RTT_WINDOWS alternating pairs of 1 s windows: done"
stop_pid "$TD_PID"
stop_pid "$REFL_PID"
ip -n "$NSG" link del tap0 2>/dev/null
RESP_PID=""
RESP_NAME=""

# --- allocations per packet in steady state ------------------------------------------------
ACOUNT=$TMP/alloccount.txt
: >"$ACOUNT"
start_tapstackd echo LD_PRELOAD="$B/alloccount.so" ALLOCCOUNT_OUT="$ACOUNT"
tb 0 alloc_warm echo -i tap0 --dst 192.0.2.2 -r 1000 -t 0.3
kill -USR1 "$RESP_PID"
sleep 0.2
tb 0 alloc_flood echo -i tap0 --dst 192.0.2.2 -t 2
kill -USR1 "$RESP_PID"
sleep 0.2
python3 - "$ACOUNT" "$(jget replies)" "$(jget bg_sent)" >>"$RUNS" <<'EOF'
import json, sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
if len(lines) < 2:
    print(json.dumps({"responder": "tapstackd", "rep": 0, "test": "allocs", "r": {"error": "no counts"}}))
    sys.exit(0)
a, b = (dict(zip(l[0::2], map(int, l[1::2]))) for l in lines[:2])
d = {k: b[k] - a[k] for k in a}
pk = int(sys.argv[2]) + int(sys.argv[3])
calls = d["malloc"] + d["calloc"] + d["realloc"] + d["memalign"]
print(json.dumps({"responder": "tapstackd", "rep": 0, "test": "allocs", "r": {
    "startup": a, "during_flood": d, "packets": pk,
    "allocs_per_packet": calls / pk if pk else None}}))
EOF
stop_responder
log "allocation count: $(tail -n 1 "$RUNS")"

if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	start_tapstackd echo
	perf record -g -o "$RAW/perf.data" -p "$RESP_PID" -- sleep 2 >/dev/null 2>&1 &
	perf_pid=$!
	tb 0 perf_flood echo -i tap0 --dst 192.0.2.2 -t 2.5
	wait "$perf_pid"
	perf report -i "$RAW/perf.data" --no-children --stdio --percent-limit 1 \
		>"$RAW/perf.txt" 2>/dev/null
	stop_responder
	log "perf profile: $RAW/perf.txt"
fi

# --- report --------------------------------------------------------------------------------
python3 "$TOP/bench/report.py" --runs "$RUNS" --out "$OUT" --raw "$RAW" \
	--meta "tapstackd_args='${BENCH_TAPSTACKD_ARGS:-}' reps=$REPS gen_cpu=$GEN_CPU resp_cpu=$RESP_CPU flood_s=$FLOOD_S nice=$NICE txqueuelen=$TXQLEN kernel=$(uname -r) nproc=$(nproc)" ||
	fail "report failed"
log "done in $(( $(date +%s) - T_START )) s"
