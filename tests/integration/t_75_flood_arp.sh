#!/usr/bin/env bash
# Resource bounds under an ARP flood (issue #7 part C): for 15 s, ARP requests for 192.0.2.2 from
# 250 different senders (192.0.2.3..252, each with its own MAC), 20 000 a second. The daemon's
# VmRSS, sampled every second, reaches a plateau (the last third's maximum at most the first
# third's + 1 MiB) and stays at most 16 MiB; the ARP cache holds at most 256 entries; every request
# read is answered or counted; `tapstackctl stats` works and ping is answered during the flood;
# no frame is read without a buffer (reception never starves); afterwards ping works, SIGTERM
# gives a clean exit.
. "$(dirname "$0")/lib.sh"
PCAP=/dev/null   # no capture: a flood would write hundreds of MB of it
setup_ns
start_daemon
HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
SECS=15
PPS=${TS_FLOOD_PPS:-20000}
SOFT=0
bad() { printf 'FAIL: %s\n' "$*" >&2; SOFT=$((SOFT + 1)); }

inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
# tx_drops: frames the host kernel dropped on tap0's way to the daemon (its ring was full).
tx_drops() { ip -n "$NS_H" -s -j link show dev "$HOST_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
# rx_nobuf: frames the daemon read with no buffer to put them in (dropped, counted by the loop).
rx_nobuf() { ctl daemon | sed -nE 's/.*rx_nobuf ([0-9]+).*/\1/p' | head -n 1; }
S=$TMP/snap
snapshot "$S"
drops0=$(tx_drops)
nobuf0=$(rx_nobuf)

# The flood, pings and a mid-flood stats, each bounded, started directly so $! is the process.
ip netns exec "$NS_H" timeout -s INT $((SECS + 15)) "$PY" "$HOSTILE" flood arp "$HOST_IF" "$DMAC" "$SECS" "$PPS" \
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
grep -q '^flood arp sent=' "$TMP/flood.out" || fail "the flood did not run: $(cat "$TMP/flood.out")"
sent=$(sed -nE 's/^flood arp sent=([0-9]+).*/\1/p' "$TMP/flood.out")
grep '^FAIL' "$TMP/rss.out" >&2 && SOFT=$((SOFT + $(grep -c '^FAIL' "$TMP/rss.out")))
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the flood"

[ "$(cat "$TMP/mid.rc")" = 0 ] && grep -q '^ArpInRequests ' "$TMP/mid.stats" &&
	log "ok: tapstackctl stats during the flood" || bad "tapstackctl stats during the flood: $(head -n 2 "$TMP/mid.stats")"
ping_stats "$(cat "$TMP/ping.out")"
log "ping during the flood: $PING_RX of $PING_TX answered"
[ "$PING_RX" -ge $((PING_TX / 2)) ] || bad "ping during the flood: only $PING_RX of $PING_TX answered"

req=$(delta ArpInRequests "$S")
rep=$(delta ArpOutReplies "$S")
log "flood: $sent requests sent, ArpInRequests +$req, ArpOutReplies +$rep, ArpCacheEvictions +$(delta ArpCacheEvictions "$S")"
drops=$(($(tx_drops) - drops0))
nobuf=$(($(rx_nobuf) - nobuf0))
# Whatever the flood holds, reception must not starve: no frame read without a buffer for it.
[ "$nobuf" -eq 0 ] || bad "$nobuf frames read with no buffer free (reception starved)"
log "lost on the way: $drops dropped by the kernel (tap0 ring full), $nobuf read without a buffer"
[ $((req + drops + nobuf)) -ge "$sent" ] ||
	bad "ArpInRequests +$req, kernel drops $drops, rx_nobuf $nobuf: fewer than the $sent requests sent"
[ "$rep" -eq "$req" ] || bad "ArpOutReplies +$rep for ArpInRequests +$req (every request was for 192.0.2.2)"
n=$(ctl neigh | grep -c ' lladdr ')
[ "$n" -le 256 ] || bad "the ARP cache holds $n entries (more than 256)"
[ "$n" -ge 200 ] || bad "the ARP cache holds only $n entries after requests from 250 senders"
log "ARP cache: $n entries"

out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
ping_stats "$out"
[ "$PING_RX" = 3 ] || bad "ping after the flood: $PING_RX of 3 answered"
stop_daemon
[ "$SOFT" -eq 0 ] || fail "$SOFT check(s) failed (FAIL lines above)"
log "all checks passed"
