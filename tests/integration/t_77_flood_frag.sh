#!/usr/bin/env bash
# Resource bounds under a fragment flood (issue #7 part C): for 15 s, 20 000 fragments a second
# to 192.0.2.2: three in four are 1480-byte first fragments with random IDs from sources spread
# across 203.0.113.0/24 and 198.51.100.0/24 (each a new reassembly queue), one in four a middle
# fragment of one of 8 long-lived datagrams from the host (queues that grow). Default reassembly
# knobs (ipfrag_time 30, ipfrag_high_thresh 4 MiB). VmRSS reaches a plateau (last third's max <=
# first third's + 1 MiB) and stays <= 16 MiB; every fragment read is counted (IpReasmReqds), none
# is reassembled, failures are counted, no time exceeded is sent (no queue lives 30 s), no frame is
# read without a buffer (reassembly keeps a quarter of the buffers free: reception never starves);
# stats and ping work during the flood; afterwards a fragmented ping (3000 bytes) is answered;
# SIGTERM gives a clean exit.
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

ip netns exec "$NS_H" timeout -s INT $((SECS + 15)) "$PY" "$HOSTILE" flood frag "$HOST_IF" "$DMAC" "$SECS" "$PPS" \
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
grep -q '^flood frag sent=' "$TMP/flood.out" || fail "the flood did not run: $(cat "$TMP/flood.out")"
sent=$(sed -nE 's/^flood frag sent=([0-9]+).*/\1/p' "$TMP/flood.out")
grep '^FAIL' "$TMP/rss.out" >&2 && SOFT=$((SOFT + $(grep -c '^FAIL' "$TMP/rss.out")))
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the flood"

[ "$(cat "$TMP/mid.rc")" = 0 ] && grep -q '^IpReasmReqds ' "$TMP/mid.stats" &&
	log "ok: tapstackctl stats during the flood" || bad "tapstackctl stats during the flood: $(head -n 2 "$TMP/mid.stats")"
ping_stats "$(cat "$TMP/ping.out")"
log "ping during the flood: $PING_RX of $PING_TX answered"
[ "$PING_RX" -ge $((PING_TX / 2)) ] || bad "ping during the flood: only $PING_RX of $PING_TX answered"

reqds=$(delta IpReasmReqds "$S")
fails=$(delta IpReasmFails "$S")
oks=$(delta IpReasmOKs "$S")
t11=$(delta IcmpMsgOutType11 "$S")
drops=$(($(tx_drops) - drops0))
nobuf=$(($(rx_nobuf) - nobuf0))
log "flood: $sent sent; IpReasmReqds +$reqds, IpReasmFails +$fails, IpReasmOKs +$oks, PkbAllocFails +$(delta PkbAllocFails "$S"); lost on the way: $drops (kernel), $nobuf (no buffer)"
# Whatever the flood holds, reception must not starve: no frame read without a buffer for it.
[ "$nobuf" -eq 0 ] || bad "$nobuf frames read with no buffer free (reception starved)"
[ $((reqds + drops + nobuf)) -ge "$sent" ] || bad "IpReasmReqds +$reqds (+ $drops + $nobuf lost) < $sent sent"
[ "$oks" -eq 0 ] || bad "IpReasmOKs +$oks: nothing in the flood can be reassembled"
[ "$fails" -ge $((reqds / 2)) ] || bad "IpReasmFails +$fails for $reqds fragments (queues must give way)"
[ "$t11" -eq 0 ] || bad "IcmpMsgOutType11 +$t11: no queue lived ipfrag_time (30 s)"

out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.3 -W 1 -s 3000 "$D_IP" 2>&1)
ping_stats "$out"
[ "$PING_RX" -ge 2 ] || bad "fragmented ping (3000 bytes) after the flood: $PING_RX of 3 answered"
log "fragmented ping after the flood: $PING_RX of 3"
stop_daemon
[ "$SOFT" -eq 0 ] || fail "$SOFT check(s) failed (FAIL lines above)"
log "all checks passed"
