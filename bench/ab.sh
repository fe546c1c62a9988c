#!/usr/bin/env bash
# bench/ab.sh — tapstackd against itself with two option sets, A and B, alternating (issue #6).
#
#   sudo bash bench/ab.sh                                  # --io uring against --io syscall, flood
#   sudo RATE=10000 bash bench/ab.sh                       # the same at 10 kpps paced
#   sudo A_ARGS="..." B_ARGS="..." REPS=8 bash bench/ab.sh
#   sudo A_ARGS= B_ARGS= B_BIN=/tmp/tapstackd.before bash bench/ab.sh   # two builds
#   sudo FAMILY=6 A_ARGS= B_ARGS= B_BIN=/tmp/tapstackd.before bash bench/ab.sh   # over IPv6
#
# Per repetition: tapstackd with A_ARGS, then with B_ARGS (a fresh daemon each time, pinned to
# cpu1, tapbench on cpu0), one echo run of DUR seconds at RATE (0 = flood); prints the daemon's CPU
# per reply from /proc/PID/schedstat (ns, all of it on-CPU time), tapbench's RTT p50 and replies,
# and the daemon's "writes:" status line; last, the medians and the paired ratio B/A. For a
# change confined to tapstackd, A/B in one run says more than two `make bench` runs: the
# machine's drift cancels out of the pairs.
# Two namespaces of its own, documentation addresses only, a trap removes them and stops the
# daemon (by PID). Environment: A_ARGS (--io uring), B_ARGS (--io syscall), A_BIN and B_BIN (the
# daemons, default build/tapstackd), RATE (0), DUR (3, at most 60), REPS (6, at most 50), FAMILY
# (4; 6: ICMPv6 echo from 2001:db8:1::1 to the daemon's 2001:db8:1::2, as make bench's IPv6 rows).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$TOP/build
A_ARGS=${A_ARGS---io uring}
B_ARGS=${B_ARGS---io syscall}
RATE=${RATE:-0}
DUR=${DUR:-3}
REPS=${REPS:-6}
FAMILY=${FAMILY:-4}
A_BIN=${A_BIN:-$TOP/build/tapstackd}
B_BIN=${B_BIN:-$TOP/build/tapstackd}
PY=/usr/bin/python3

die() { echo "bench/ab.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, TAP devices)"
[ "$(nproc)" -ge 2 ] || die "needs 2 cores"
case "$REPS" in '' | *[!0-9]*) die "REPS=$REPS: a number" ;; esac
if [ "$REPS" -lt 1 ] || [ "$REPS" -gt 50 ]; then die "REPS=$REPS: 1..50"; fi
case "$FAMILY" in 4 | 6) ;; *) die "FAMILY=$FAMILY: 4 or 6" ;; esac
awk "BEGIN { exit !($DUR > 0 && $DUR <= 60) }" 2>/dev/null || die "DUR=$DUR: 0..60 seconds"
make -s -C "$TOP" build/tapstackd build/tapstackctl build/tapbench || die "build failed"

TMP=$(mktemp -d /tmp/tapstack-ab.XXXXXX) || die "mktemp"
NSD=tsab$$d
NSG=tsab$$g
PID=""
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	ip netns del "$NSD" 2>/dev/null
	ip netns del "$NSG" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for ns in "$NSD" "$NSG"; do
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
done
renice -n -20 -p $$ >/dev/null 2>&1

# one NAME BINARY ARGS...: one daemon, one tapbench run; appends "NAME ns_per_reply p50 replies" to
# $TMP/runs and prints a line.
one() {
	local name=$1 bin=$2 s0 s1 w
	shift 2
	[ -x "$bin" ] || die "$bin: not an executable"
	rm -f "$TMP/ctl.sock"
	local v6="" tb=(echo -i tap0 --dst 192.0.2.2)
	if [ "$FAMILY" = 6 ]; then
		v6=",2001:db8:1::2/64"
		tb=(echo6 -i tap0 --dst 2001:db8:1::2 --src 2001:db8:1::1)
	fi
	taskset -c 1 ip netns exec "$NSD" "$bin" -c "$TMP/ctl.sock" \
		-i "tap0,192.0.2.2/24$v6,netns=$NSG,host=192.0.2.1/24" "$@" 2>"$TMP/err" &
	PID=$!
	for _ in $(seq 1 100); do
		kill -0 "$PID" 2>/dev/null || die "tapstackd $*: exited: $(tail -n 2 "$TMP/err")"
		ip -n "$NSG" -o link show dev tap0 2>/dev/null | grep -q LOWER_UP &&
			ip -n "$NSG" -o -4 addr show dev tap0 | grep -q " 192.0.2.1/" && break
		sleep 0.05
	done
	ip -n "$NSG" link set tap0 txqueuelen 4096 || die "tap0 not ready"
	if [ "$FAMILY" = 6 ]; then
		# The kernel side holds tapbench's source (no DAD, RS or RA), as make bench's v6_on does.
		ip netns exec "$NSG" sysctl -qw net.ipv6.conf.tap0.router_solicitations=0 \
			net.ipv6.conf.tap0.accept_ra=0 net.ipv6.conf.tap0.accept_dad=0 \
			net.ipv6.conf.tap0.disable_ipv6=0 >/dev/null || die "IPv6 on tap0 in $NSG"
		ip -n "$NSG" addr add 2001:db8:1::1/64 dev tap0 nodad || die "addr add 2001:db8:1::1 tap0"
	fi
	s0=$(awk '{ print $1 }' "/proc/$PID/schedstat")
	taskset -c 0 ip netns exec "$NSG" "$B/tapbench" "${tb[@]}" -r "$RATE" \
		-t "$DUR" --json >"$TMP/tb.json" 2>"$TMP/tb.err" || die "tapbench: $(tail -n 2 "$TMP/tb.err")"
	s1=$(awk '{ print $1 }' "/proc/$PID/schedstat")
	w=$("$B/tapstackctl" -c "$TMP/ctl.sock" daemon | grep '^writes:')
	[ -n "$w" ] || w="(no writes: line)"
	kill "$PID"
	wait "$PID" 2>/dev/null
	PID=""
	"$PY" - "$name" "$((s1 - s0))" "$TMP/tb.json" "$w" "$TMP/runs" <<'EOF'
import json, sys
name, ns, path, w, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
d = json.load(open(path))
r = d["replies"]
if r == 0:
    sys.exit("bench/ab.sh: no replies")
print(f"{name}  {ns / r:7.0f} ns/reply  RTT p50 {d['rtt_us']['p50']:8.1f} us  replies {r:8d}  {w}")
with open(runs, "a") as f:
    f.write(f"{name} {ns / r} {d['rtt_us']['p50']} {r}\n")
EOF
}

echo "A: $A_BIN $A_ARGS   B: $B_BIN $B_ARGS   IPv$FAMILY, rate ${RATE:-0} (0 = flood), ${DUR} s, $REPS repetitions"
for _ in $(seq 1 "$REPS"); do
	# shellcheck disable=SC2086
	one A "$A_BIN" $A_ARGS
	# shellcheck disable=SC2086
	one B "$B_BIN" $B_ARGS
done
"$PY" - "$TMP/runs" <<'EOF'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
col = {k: [(float(r[1]), float(r[2]), int(r[3])) for r in rows if r[0] == k] for k in "AB"}
pairs = [b[0] / a[0] for a, b in zip(col["A"], col["B"])]
for k in "AB":
    c = col[k]
    print(f"median {k}: {st.median(x[0] for x in c):7.0f} ns/reply  RTT p50 {st.median(x[1] for x in c):8.1f} us"
          f"  replies {st.median(x[2] for x in c):9.0f}")
print(f"CPU per reply B/A: ratio of medians {st.median(x[0] for x in col['B']) / st.median(x[0] for x in col['A']):.3f},"
      f" median of paired ratios {st.median(pairs):.3f}, B costlier in {sum(p > 1 for p in pairs)} of {len(pairs)} pairs")
EOF
