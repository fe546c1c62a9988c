#!/usr/bin/env bash
# bench/profile.sh — perf profile of a responder under a tapbench flood (docs/perf.md).
#
#   sudo bash bench/profile.sh [tapstackd|reflector|reflector-uring] [echo|forward] [SECONDS]
#
# The reflector and reflector-uring take extra options from $RESP_ARGS (e.g. RESP_ARGS="--batch
# 256" for the reflector, RESP_ARGS="--read syscall" for reflector-uring; URING_ARGS is the same).
# TB_ARGS: more tapbench options (e.g. TB_ARGS="--bg-udp-closed 100000": closed-port probes too).
#
# Same topology as bench/run.sh (own namespaces, generator on cpu0, responder on cpu1, documentation
# addresses only, a trap removes everything). Prints `perf stat` of the responder over the flood,
# then `perf report` (self time, call graphs off, >= 0.5%) of `perf record -g`; the data file stays
# in bench/results/raw/profile-<stamp>/.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$TOP/build
WHO=${1:-tapstackd}
MODE=${2:-echo}
SECS=${3:-4}
GEN_CPU=${BENCH_GEN_CPU:-0}
RESP_CPU=${BENCH_RESP_CPU:-1}
NSG="tp$$g"
NSD="tp$$d"
TMP=$(mktemp -d /tmp/tapprof.XXXXXX)
OUTD=$TOP/bench/results/raw/profile-$(date -u +%Y%m%dT%H%M%SZ)-$WHO-$MODE
PIDS=""

fail() { echo "profile: $*" >&2; exit 1; }
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip -n "$NSG" link del tap0 2>/dev/null
	ip -n "$NSG" link del tap1 2>/dev/null
	ip netns del "$NSD" 2>/dev/null
	ip netns del "$NSG" 2>/dev/null
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v perf >/dev/null || fail "perf is not installed"
case "$WHO.$MODE" in tapstackd.echo|tapstackd.forward|reflector.echo|reflector.forward) ;;
	reflector-uring.echo|reflector-uring.forward) ;;
	*) fail "usage: profile.sh [tapstackd|reflector|reflector-uring] [echo|forward] [SECONDS]" ;; esac
make -s -C "$TOP" build/tapstackd build/tapbench build/reflector || fail "build failed"
[ "$WHO" != reflector-uring ] || make -s -C "$TOP" build/reflector-uring || fail "build failed"
mkdir -p "$OUTD"
[ -w /proc/self/autogroup ] && echo "${BENCH_NICE:--20}" >/proc/self/autogroup 2>/dev/null
for ns in "$NSD" "$NSG"; do
	ip netns add "$ns" || fail "netns add"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done

if [ "$WHO" != tapstackd ]; then
	ip -n "$NSG" tuntap add dev tap0 mode tap && ip -n "$NSG" link set tap0 up &&
		ip -n "$NSG" addr add 192.0.2.1/24 dev tap0 || fail "tap0"
	args=(-i tap0 -q)
	# shellcheck disable=SC2206
	args+=(${RESP_ARGS:-${URING_ARGS:-}})
	if [ "$MODE" = forward ]; then
		ip -n "$NSG" tuntap add dev tap1 mode tap && ip -n "$NSG" link set tap1 up || fail "tap1"
		args+=(-o tap1 --dst-mac 02:54:42:00:00:02)
	fi
	taskset -c "$RESP_CPU" ip netns exec "$NSG" "$B/$WHO" "${args[@]}" &
	gen=(--dst-mac 02:00:00:00:00:02)
else
	args=(-c "$TMP/ctl.sock" -i "tap0,192.0.2.2/24,netns=$NSG,host=192.0.2.1/24")
	[ "$MODE" = forward ] && args+=(-F -i "tap1,198.51.100.1/24,netns=$NSG")
	taskset -c "$RESP_CPU" ip netns exec "$NSD" "$B/tapstackd" "${args[@]}" &
	gen=(--next-hop 192.0.2.2)
fi
PID=$!
PIDS="$PID"
for _ in $(seq 1 100); do
	ip -n "$NSG" -o link show dev tap0 2>/dev/null | grep -q LOWER_UP &&
		{ [ "$MODE" = echo ] || ip -n "$NSG" -o link show dev tap1 2>/dev/null | grep -q LOWER_UP; } && break
	sleep 0.05
done
sleep 0.2
if [ "$MODE" = echo ]; then
	tbargs=(echo -i tap0 --dst 192.0.2.2)
	[ "$WHO" != tapstackd ] && tbargs+=("${gen[@]}")
else
	tbargs=(forward -i tap0 -o tap1 --dst 198.51.100.2 "${gen[@]}")
fi
# shellcheck disable=SC2206
tbargs+=(${TB_ARGS:-})
taskset -c "$GEN_CPU" ip netns exec "$NSG" "$B/tapbench" "${tbargs[@]}" -t "$((SECS + 2))" --pid "$PID" \
	>"$OUTD/tapbench.txt" &
tbpid=$!
PIDS="$PIDS $tbpid"
sleep 1
perf stat -p "$PID" -e task-clock,context-switches,cpu-migrations,page-faults -- sleep "$SECS" \
	2>"$OUTD/perf-stat.txt"
wait "$tbpid"
taskset -c "$GEN_CPU" ip netns exec "$NSG" "$B/tapbench" "${tbargs[@]}" -t "$((SECS + 2))" --pid "$PID" \
	>/dev/null &
tbpid=$!
PIDS="$PIDS $tbpid"
sleep 1
perf record -q -g -o "$OUTD/perf.data" -p "$PID" -- sleep "$SECS" >/dev/null 2>&1
wait "$tbpid"
cat "$OUTD/tapbench.txt"
grep -vE '^\s*$' "$OUTD/perf-stat.txt"
perf report -i "$OUTD/perf.data" --no-children --stdio -g none --percent-limit 0.5 2>/dev/null |
	grep -v '^#' | grep -v '^$' | tee "$OUTD/perf-report.txt"
echo "profile: data in $OUTD"
