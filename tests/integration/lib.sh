# tests/integration/lib.sh — shared helpers for the namespace integration tests (bash).
#
# Sourced by each t_NN_*.sh:  . "$(dirname "$0")/lib.sh"
#
# Every test gets two fresh network namespaces: $NS_D, where tapstackd runs (so any device it
# creates is born there, never in the machine's root namespace), and $NS_H, the "host", into which
# the daemon moves the kernel side of its TAP (tap0, 192.0.2.1/24). The daemon answers at
# 192.0.2.2. An EXIT trap stops only the daemons this test started (by PID), deletes the test's
# namespaces and removes its temp directory, on success, failure or interrupt alike.
#
# Environment: TAPSTACKD, TAPSTACKCTL (binaries; default build/ in the repo), TS_RUN (namespace
# name prefix shared by one run.sh invocation), TS_DAEMON_VERBOSE=1 (pass -v to the daemon).

set -u

TS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACKD=${TAPSTACKD:-$TS_TOP/build/tapstackd}
TAPSTACKCTL=${TAPSTACKCTL:-$TS_TOP/build/tapstackctl}
PY=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)

# Namespace names: "ts" + run id + PID + role letter, at most 15 characters.
TS_RUN=${TS_RUN:-$(printf '%04x' $((RANDOM % 65536)))}
TS_PREFIX="ts${TS_RUN}$$"
NS_H="${TS_PREFIX}h"
NS_D="${TS_PREFIX}d"
HOST_IF=tap0           # kernel side of the TAP, in $NS_H
HOST_IP=192.0.2.1
D_IP=192.0.2.2
D_BCAST=192.0.2.255

TMP=$(mktemp -d "/tmp/tapstack-it.${TEST_NAME}.XXXXXX")
CTL=$TMP/ctl.sock
PCAP=$TMP/d.pcap
DAEMON_PIDS=""          # daemons this test started and has not yet reaped
DAEMON_PID=""           # the most recent one
DAEMON_ERR=""           # its stderr log
DAEMON_N=0
TS_NAMESPACES=""        # namespaces this test created

log() { printf '# %s\n' "$*"; }

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	if [ -n "$DAEMON_ERR" ] && [ -s "$DAEMON_ERR" ]; then
		printf -- '--- daemon stderr (last 20 lines) ---\n' >&2
		tail -n 20 "$DAEMON_ERR" >&2
	fi
	exit 1
}

ts_cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM HUP
	for pid in $DAEMON_PIDS; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	local ns
	for ns in $TS_NAMESPACES; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap ts_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" -eq 0 ] || fail "integration tests need root (network namespaces, TAP devices)"
[ -x "$TAPSTACKD" ] || fail "no daemon binary at $TAPSTACKD (make all)"
[ -x "$TAPSTACKCTL" ] || fail "no control client at $TAPSTACKCTL (make all)"

# new_ns NAME: creates an empty namespace with lo up and IPv6 off (so the kernel sends no
# router solicitations or MLD reports that would add noise to counters and captures).
new_ns() {
	ip netns add "$1" || fail "ip netns add $1"
	TS_NAMESPACES="$TS_NAMESPACES $1"
	ip -n "$1" link set lo up || fail "lo up in $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
}

# setup_ns: $NS_D (daemon) and $NS_H (host side). The host namespace keeps Linux's default
# icmp_echo_ignore_broadcasts=1 so its own kernel never answers the broadcast pings we send.
setup_ns() {
	new_ns "$NS_D"
	new_ns "$NS_H"
	ip netns exec "$NS_H" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1 >/dev/null ||
		fail "sysctl in $NS_H"
}

inh() { ip netns exec "$NS_H" "$@"; }   # run in the host namespace

# The default interface option: the TAP is moved to $NS_H and given 192.0.2.1/24 there.
default_iface() { printf 'tap0,%s/24,netns=%s,host=%s/24' "$D_IP" "$NS_H" "$HOST_IP"; }

# start_daemon [ARGS...]: starts tapstackd in $NS_D with -c $CTL -w $PCAP (none if PCAP is empty), the default
# interface unless ARGS hold an -i (or TS_NO_IFACE=1), and ARGS. Waits (at most 5 s) for the
# control socket and for tap0 to be up with its address in $NS_H (or $READY_NS).
# Sets DAEMON_PID and DAEMON_ERR.
start_daemon() {
	local have_i=0 a i
	for a in "$@"; do [ "$a" = "-i" ] && have_i=1; done
	local args=(-c "$CTL")
	[ -n "$PCAP" ] && args+=(-w "$PCAP")   # PCAP="": no capture
	[ "$have_i" -eq 1 ] || [ "${TS_NO_IFACE:-0}" = 1 ] || args+=(-i "$(default_iface)")
	[ "${TS_DAEMON_VERBOSE:-0}" = 1 ] && args+=(-v)
	args+=("$@")
	DAEMON_N=$((DAEMON_N + 1))
	DAEMON_ERR=$TMP/daemon.$DAEMON_N.err
	rm -f "$CTL"
	# A capture is always a new file (the daemon refuses an existing one): only ever our own.
	case "$PCAP" in "$TMP"/*) rm -f "$PCAP" ;; esac
	log "start: $TAPSTACKD ${args[*]}"
	ip netns exec "$NS_D" "$TAPSTACKD" "${args[@]}" >"$TMP/daemon.$DAEMON_N.out" 2>"$DAEMON_ERR" &
	DAEMON_PID=$!
	DAEMON_PIDS="$DAEMON_PIDS $DAEMON_PID"
	for i in $(seq 1 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || {
			wait "$DAEMON_PID"; local rc=$?
			forget_pid "$DAEMON_PID"
			fail "daemon exited during start-up with status $rc"
		}
		if [ -S "$CTL" ] && host_link_ready; then
			return 0
		fi
		sleep 0.05
	done
	fail "daemon not ready within 5 s (control socket: $([ -S "$CTL" ] && echo yes || echo no);" \
		"$HOST_IF in ${READY_NS:-$NS_H}: $(ip -n "${READY_NS:-$NS_H}" -o addr show dev "$HOST_IF" 2>&1 | head -n 2))"
}

# True when tap0 in $NS_H (or $READY_NS) is administratively up, has carrier and holds
# 192.0.2.1/24.
host_link_ready() {
	local l ns=${READY_NS:-$NS_H}
	l=$(ip -n "$ns" -o link show dev "$HOST_IF" 2>/dev/null) || return 1
	case "$l" in *"<"*",UP"*) ;; *"<UP"*) ;; *) return 1 ;; esac
	case "$l" in *LOWER_UP*) ;; *) return 1 ;; esac
	# READY_ADDR: the address to wait for (an IPv6-only interface's host=); default the IPv4 one.
	ip -n "$ns" -o addr show dev "$HOST_IF" 2>/dev/null | grep -q " ${READY_ADDR:-$HOST_IP/24} "
}

forget_pid() {
	local p out=""
	for p in $DAEMON_PIDS; do [ "$p" = "$1" ] || out="$out $p"; done
	DAEMON_PIDS=$out
}

# stop_daemon [SIGNAL]: signals the current daemon (TERM by default), waits at most 2 s, and
# asserts exit status 0 and no sanitizer report on its stderr.
stop_daemon() {
	local sig=${1:-TERM} pid=$DAEMON_PID i rc
	[ -n "$pid" ] || fail "stop_daemon: no daemon"
	kill -"$sig" "$pid" || fail "kill -$sig $pid"
	for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		fail "daemon (pid $pid) still running 2 s after SIG$sig"
	fi
	wait "$pid"; rc=$?
	forget_pid "$pid"
	DAEMON_PID=""
	check_sanitizer_log "$DAEMON_ERR"
	[ "$rc" -eq 0 ] || fail "daemon exited with status $rc after SIG$sig (expected 0)"
}

check_sanitizer_log() {
	if grep -Eq 'Sanitizer|runtime error:|==[0-9]+==ERROR' "$1"; then
		printf -- '--- sanitizer report ---\n' >&2
		head -n 60 "$1" >&2
		DAEMON_ERR=""
		fail "sanitizer report on the daemon's stderr"
	fi
}

ctl() { "$TAPSTACKCTL" -c "$CTL" "$@"; }

# counter NAME: the value from `tapstackctl stats`. IcmpMsg* and Icmp6(In|Out)Type* counters are
# printed only when nonzero, so an absent one reads 0; any other absent counter is a failure.
counter() {
	local out v
	out=$(ctl stats) || fail "tapstackctl stats failed"
	v=$(printf '%s\n' "$out" | awk -v n="$1" '$1 == n { print $2; exit }')
	if [ -z "$v" ]; then
		case "$1" in IcmpMsg* | Icmp6InType* | Icmp6OutType*) v=0 ;; *) fail "counter $1 missing from tapstackctl stats" ;; esac
	fi
	printf '%s\n' "$v"
}

# snapshot FILE: saves `tapstackctl stats` for delta().
snapshot() { ctl stats >"$1" || fail "tapstackctl stats failed"; }

# delta NAME FILE: current value minus the value in snapshot FILE (absent = 0 there).
delta() {
	local now then
	now=$(counter "$1") || exit 1
	then=$(awk -v n="$1" '$1 == n { print $2; f = 1; exit } END { if (!f) print 0 }' "$2")
	printf '%s\n' $((now - then))
}

assert_eq() {   # assert_eq WHAT EXPECTED SEEN
	[ "$2" = "$3" ] || fail "$1: expected '$2', saw '$3'"
	log "ok: $1 = $3"
}

assert_counter() {   # assert_counter NAME EXPECTED
	local v
	v=$(counter "$1") || exit 1
	if [ "$v" != "$2" ]; then
		printf -- '--- tapstackctl stats ---\n' >&2
		ctl stats >&2
		fail "counter $1: expected $2, saw $v"
	fi
	log "ok: $1 = $v"
}

assert_delta() {   # assert_delta NAME EXPECTED SNAPSHOT_FILE
	local v
	v=$(delta "$1" "$3") || exit 1
	if [ "$v" != "$2" ]; then
		printf -- '--- tapstackctl stats ---\n' >&2
		ctl stats >&2
		fail "counter $1 grew by $v, expected $2"
	fi
	log "ok: $1 +$v"
}

# wait_counter NAME EXPECTED: polls (at most 2 s) until the counter reads EXPECTED, then
# asserts it (for frames that get no answer, whose processing nothing else waits for).
wait_counter() {
	local i
	for i in $(seq 1 40); do
		[ "$(counter "$1")" = "$2" ] && break
		sleep 0.05
	done
	assert_counter "$1" "$2"
}

# ping_stats OUTPUT: sets PING_TX and PING_RX from ping's summary line.
ping_stats() {
	local line
	line=$(printf '%s\n' "$1" | grep -E '^[0-9]+ packets transmitted, [0-9]+ received') ||
		fail "no summary line in ping output: $1"
	PING_TX=$(printf '%s\n' "$line" | sed -E 's/^([0-9]+) packets transmitted.*/\1/')
	PING_RX=$(printf '%s\n' "$line" | sed -E 's/.* ([0-9]+) received.*/\1/')
}

host_mac() { ip -n "$NS_H" -o link show dev "$HOST_IF" | sed -nE 's/.*link\/ether ([0-9a-f:]{17}).*/\1/p'; }

# daemon_mac: the daemon's MAC as the host's neighbour table learned it (after some traffic).
daemon_mac() {
	ip -n "$NS_H" neigh show "$D_IP" dev "$HOST_IF" | sed -nE 's/.*lladdr ([0-9a-f:]{17}).*/\1/p'
}

# only_lo NS: true when NS holds no interface but lo.
only_lo() {
	local names
	names=$(ip -n "$1" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -vx lo)
	[ -z "$names" ]
}

# ---- multi-namespace topologies (router_lib.sh, errors_lib.sh) ----

# no_rpf NS [IF...]: reverse-path filtering off (all, default and the named interfaces), so the
# asymmetric-looking test traffic is never dropped as martian by a namespace that inherited
# rp_filter from the machine.
no_rpf() {
	local ns=$1 k
	shift
	for k in all default "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$k.rp_filter=0" >/dev/null ||
			fail "rp_filter=0 for $k in $ns"
	done
}

# wait_link NS IF ADDR/LEN: at most 5 s for IF in NS to be up with carrier and ADDR/LEN.
wait_link() {
	local i l
	for i in $(seq 1 100); do
		l=$(ip -n "$1" -o link show dev "$2" 2>/dev/null) &&
			case "$l" in *LOWER_UP*) true ;; *) false ;; esac &&
			ip -n "$1" -o -4 addr show dev "$2" 2>/dev/null | grep -q " $3 " && return 0
		sleep 0.05
	done
	fail "$2 in $1 not up with $3 within 5 s: $(ip -n "$1" -o addr show dev "$2" 2>&1 | head -n 3)"
}

# wait_ping NS ADDR [WHAT]: at most 5 s for ADDR to answer a ping from NS; WHAT names the failure.
wait_ping() {
	local i
	for i in $(seq 1 25); do
		ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "${3:-$2 unreachable from $1 within 5 s}"
}

# mac_of NS IF: the MAC of IF in NS.
mac_of() { ip -n "$1" -o link show dev "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]{17}).*/\1/p'; }

# ---- the daemon's capture ----

# pcap_text [FILTER]: tcpdump -nn -v of the daemon's capture, one packet per line (the quoted
# datagram of an ICMP error joined to its line with " || ").
pcap_text() {
	tcpdump -nn -v -r "$PCAP" "$@" 2>/dev/null | awk '
		/^[0-9][0-9]:/ { if (line != "") print line; line = $0; next }
		{ sub(/^[ \t]+/, ""); line = line " || " $0 }
		END { if (line != "") print line }'
}

# check_pcap_clean [PCAP]: tcpdump -vv parses every frame the daemon saw or sent with no checksum
# error (IP header, ICMP, UDP, TCP — quoted headers inside ICMP errors included) and no malformed
# or invalid header; fails the test at once otherwise. Logs the number of frames.
check_pcap_clean() {
	local pcap=${1:-$PCAP} out bad n
	out=$(tcpdump -nn -vv -r "$pcap" 2>&1) || fail "tcpdump -r $pcap: $(printf '%s\n' "$out" | tail -n 3)"
	bad=$(printf '%s\n' "$out" | grep -nE 'bad cksum|wrong icmp cksum|bad udp cksum|incorrect ->|bad-len|bad-hlen|IP[0-9]* bad-version|\[\|(ip|icmp|udp|tcp)\]|invalid' || true)
	if [ -n "$bad" ]; then
		printf -- '--- malformed frames in the capture ---\n%s\n' "$bad" >&2
		fail "the daemon's capture holds malformed or badly checksummed packets"
	fi
	n=$(printf '%s\n' "$out" | grep -cE '^[0-9]{2}:[0-9]{2}:')
	log "ok: capture clean under tcpdump -vv ($n frames)"
}

# ---- soft checks ----
# Each prints "# ok: ..." or "FAIL: ..." and the test goes on, so one run reports every deviation;
# soft_verdict (or finish, which calls it) at the end of the test fails if any check failed.
SOFT_FAILS=0
bad() {
	printf 'FAIL: %s\n' "$*" >&2
	SOFT_FAILS=$((SOFT_FAILS + 1))
}
expect_eq() {   # expect_eq WHAT EXPECTED SEEN
	if [ "$2" = "$3" ]; then log "ok: $1 = $3"; else bad "$1: expected '$2', saw '$3'"; fi
}
expect_match() {   # expect_match WHAT ERE TEXT: some line of TEXT matches ERE
	if printf '%s\n' "$3" | grep -qE -- "$2"; then
		log "ok: $1"
	else
		bad "$1: no line matches /$2/ in:"
		printf '%s\n' "$3" | sed 's/^/    | /' >&2
	fi
}
expect_nomatch() {   # expect_nomatch WHAT ERE TEXT: no line of TEXT matches ERE
	local m
	m=$(printf '%s\n' "$3" | grep -E -- "$2" || true)
	if [ -z "$m" ]; then
		log "ok: $1"
	else
		bad "$1: unexpected line(s):"
		printf '%s\n' "$m" | sed 's/^/    | /' >&2
	fi
}
expect_all_match() {   # expect_all_match WHAT ERE TEXT: TEXT has lines and every one matches ERE
	local m
	m=$(printf '%s\n' "$3" | grep -vE -- "$2" || true)
	if [ -n "$3" ] && [ -z "$m" ]; then
		log "ok: $1 ($(printf '%s\n' "$3" | wc -l) lines)"
	else
		bad "$1: line(s) not matching /$2/:"
		printf '%s\n' "${m:-(no lines at all)}" | sed 's/^/    | /' >&2
	fi
}
expect_range() {   # expect_range WHAT MIN MAX SEEN (integers; MAX may be "inf")
	case "$4" in '' | *[!0-9]*) bad "$1: not a number: '$4'"; return ;; esac
	if [ "$4" -ge "$2" ] && { [ "$3" = inf ] || [ "$4" -le "$3" ]; }; then
		log "ok: $1 = $4"
	else
		bad "$1: expected $2..$3, saw $4"
	fi
}
expect_delta() {   # expect_delta NAME EXPECTED SNAPSHOT
	local v
	v=$(delta "$1" "$3") || exit 1
	expect_eq "$1 delta" "$2" "$v"
}
expect_delta_ge() {   # expect_delta_ge NAME MIN SNAPSHOT
	local v
	v=$(delta "$1" "$3") || exit 1
	expect_range "$1 delta" "$2" inf "$v"
}

# soft_verdict: fails the test if any soft check failed.
soft_verdict() {
	[ "$SOFT_FAILS" -eq 0 ] || fail "$SOFT_FAILS check(s) failed (FAIL lines above)"
	log "all checks passed"
}

# finish: checks the capture, stops the daemon (clean exit asserted) and fails on any soft failure.
finish() {
	check_pcap_clean
	stop_daemon
	soft_verdict
}
