#!/usr/bin/env bash
# Resource bounds under a flood of closed-port probes from spoofed sources (issue #7 part C): for
# 15 s, 20 000 UDP datagrams a second to 192.0.2.2, closed ports, from sources spread across
# 203.0.113.0/24 and 198.51.100.0/24 (routed back via the host, so every 3/3 the limits allow
# is really sent). Default limits (icmp_ratelimit 1000 ms, icmp_msgs_per_sec 1000, burst 50):
# the port unreachables sent stay within the global bound (1000 a second + the burst), the limits
# are seen to act (IcmpOutRateLimitGlobal/Host), every datagram read counts in UdpNoPorts; VmRSS
# reaches a plateau (last third's max <= first third's + 1 MiB) and stays <= 16 MiB (the
# per-destination table is fixed-size); no frame is read without a buffer (reception never
# starves); stats and ping work during the flood and after; SIGTERM gives a clean exit.
. "$(dirname "$0")/lib.sh"
PCAP=/dev/null   # no capture: a flood would write hundreds of MB of it
setup_ns
start_daemon -r "203.0.113.0/24,via=$HOST_IP" -r "198.51.100.0/24,via=$HOST_IP"
HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
SECS=15
PPS=${TS_FLOOD_PPS:-20000}
SOFT=0
bad() { printf 'FAIL: %s\n' "$*" >&2; SOFT=$((SOFT + 1)); }

inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
tx_drops() { ip -n "$NS_H" -s -j link show dev "$HOST_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
rx_nobuf() { ctl daemon | sed -nE 's/.*rx_nobuf ([0-9]+).*/\1/p' | head -n 1; }
S=$TMP/snap
snapshot "$S"
drops0=$(tx_drops)
nobuf0=$(rx_nobuf)

ip netns exec "$NS_H" timeout -s INT $((SECS + 15)) "$PY" "$HOSTILE" flood udp "$HOST_IF" "$DMAC" "$SECS" "$PPS" \
	>"$TMP/flood.out" 2>&1 &
FLOOD=$!
ip netns exec "$NS_H" timeout -s INT $((SECS + 5)) ping -n -q -i 0.5 -W 1 -c $((SECS * 2 - 4)) "$D_IP" \
	>"$TMP/ping.out" 2>&1 &
PINGER=$!
( sleep $((SECS / 2)); "$TAPSTACKCTL" -c "$CTL" stats >"$TMP/mid.stats" 2>&1; echo $? >"$TMP/mid.rc" ) &
MID=$!
"$PY" "$HOSTILE" rss "$DAEMON_PID" "$SECS" 16384 1024 >"$TMP/rss.out" 2>&1
wait "$FLOOD" "$PINGER" "$MID"
cat "$TMP/flood.out" "$TMP/rss.out"
grep -q '^flood udp sent=' "$TMP/flood.out" || fail "the flood did not run: $(cat "$TMP/flood.out")"
sent=$(sed -nE 's/^flood udp sent=([0-9]+).*/\1/p' "$TMP/flood.out")
grep '^FAIL' "$TMP/rss.out" >&2 && SOFT=$((SOFT + $(grep -c '^FAIL' "$TMP/rss.out")))
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the flood"

[ "$(cat "$TMP/mid.rc")" = 0 ] && grep -q '^UdpNoPorts ' "$TMP/mid.stats" &&
	log "ok: tapstackctl stats during the flood" || bad "tapstackctl stats during the flood: $(head -n 2 "$TMP/mid.stats")"
ping_stats "$(cat "$TMP/ping.out")"
log "ping during the flood: $PING_RX of $PING_TX answered"
[ "$PING_RX" -ge $((PING_TX / 2)) ] || bad "ping during the flood: only $PING_RX of $PING_TX answered"

noports=$(delta UdpNoPorts "$S")
out=$(delta IcmpOutMsgs "$S")
t3=$(delta IcmpMsgOutType3 "$S")
rlg=$(delta IcmpOutRateLimitGlobal "$S")
rlh=$(delta IcmpOutRateLimitHost "$S")
drops=$(($(tx_drops) - drops0))
nobuf=$(($(rx_nobuf) - nobuf0))
log "flood: $sent sent; UdpNoPorts +$noports; lost on the way: $drops (kernel), $nobuf (no buffer)"
log "port unreachables: IcmpOutMsgs +$out (type 3: +$t3); rate-limited: global +$rlg, per destination +$rlh"
# Whatever the flood holds, reception must not starve: no frame read without a buffer for it.
[ "$nobuf" -eq 0 ] || bad "$nobuf frames read with no buffer free (reception starved)"
[ $((noports + drops + nobuf)) -ge "$sent" ] || bad "UdpNoPorts +$noports (+ $drops + $nobuf lost) < $sent sent"
# Global bucket: at most icmp_msgs_burst (50) at once, then icmp_msgs_per_sec (1000) a second,
# over the flood's duration (plus two seconds of slack: the daemon drains its queue after it).
fsecs=$(sed -nE 's/^flood udp sent=[0-9]+ seconds=([0-9]+).*/\1/p' "$TMP/flood.out")
max=$((50 + 1000 * (fsecs + 2)))
[ "$out" -le "$max" ] || bad "IcmpOutMsgs +$out for a ${fsecs}-s flood exceeds the global limit ($max)"
[ "$t3" -ge 1000 ] || bad "only $t3 port unreachables sent in a ${fsecs}-s flood (the limits allow about 1000 a second)"
[ $((rlg + rlh)) -ge 1 ] || bad "the rate limits never acted (IcmpOutRateLimitGlobal/Host +0)"
[ $((t3 + rlg + rlh)) -eq "$noports" ] ||
	log "note: UdpNoPorts +$noports != sent 3/3 +$t3 + limited +$((rlg + rlh)) (other suppression)"

out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
ping_stats "$out"
[ "$PING_RX" = 3 ] || bad "ping after the flood: $PING_RX of 3 answered"
stop_daemon
[ "$SOFT" -eq 0 ] || fail "$SOFT check(s) failed (FAIL lines above)"
log "all checks passed"
