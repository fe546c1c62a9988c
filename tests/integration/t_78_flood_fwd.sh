#!/usr/bin/env bash
# Resource bounds while forwarding to unresolvable next hops (issue #7 part C). Router mode:
#   host A ($NS_H) tap0 192.0.2.1/24 --- tapstackd -F: tap0 192.0.2.2/24, tap1 198.51.100.1/24
#                                                       --- host B ($NS_B) tap1 198.51.100.2/24
# For 15 s, 20 000 datagrams a second from A through the daemon to 198.51.100.3..254, where no
# host answers ARP: every destination becomes an ARP resolution that fails after 3 requests (1 s
# apart), with datagrams queued meanwhile and a 3/1 for each (rate limited) when it fails.
# VmRSS reaches a plateau (last third's max <= first third's + 1 MiB) and stays <= 16 MiB; the ARP
# cache stays <= 256 entries; resolutions fail and are counted (ArpResolveFailed, ArpQueueDrops or
# ArpCacheEvictions); host unreachables stay within the global limit; stats work during the flood;
# afterwards A reaches 192.0.2.2 and, through the daemon, B (within 5 s); SIGTERM: clean exit.
. "$(dirname "$0")/lib.sh"
PCAP=/dev/null   # no capture: a flood would write hundreds of MB of it
NS_B="${TS_PREFIX}b"
setup_ns
new_ns "$NS_B"
for ns in "$NS_H" "$NS_B"; do
	for k in all default; do ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$k.rp_filter=0" >/dev/null || fail "rp_filter in $ns"; done
done
start_daemon -F -i "$(default_iface)" -i "tap1,198.51.100.1/24,netns=$NS_B,host=198.51.100.2/24"
for i in $(seq 1 100); do
	ip -n "$NS_B" -o -4 addr show dev tap1 2>/dev/null | grep -q ' 198.51.100.2/24 ' &&
		ip -n "$NS_B" -o link show dev tap1 | grep -q LOWER_UP && break
	sleep 0.05
done
ip -n "$NS_H" route add 198.51.100.0/24 via "$D_IP" dev "$HOST_IF" || fail "route in $NS_H"
ip -n "$NS_B" route add 192.0.2.0/24 via 198.51.100.1 dev tap1 || fail "route in $NS_B"
HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
SECS=15
PPS=${TS_FLOOD_PPS:-20000}
SOFT=0
bad() { printf 'FAIL: %s\n' "$*" >&2; SOFT=$((SOFT + 1)); }

inh timeout --foreground 10 ping -n -q -c 1 -W 2 198.51.100.2 >/dev/null || fail "ping 198.51.100.2 through the daemon"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
tx_drops() { ip -n "$NS_H" -s -j link show dev "$HOST_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
rx_nobuf() { ctl daemon | sed -nE 's/.*rx_nobuf ([0-9]+).*/\1/p' | head -n 1; }
S=$TMP/snap
snapshot "$S"
drops0=$(tx_drops)
nobuf0=$(rx_nobuf)

ip netns exec "$NS_H" timeout -s INT $((SECS + 15)) "$PY" "$HOSTILE" flood fwd "$HOST_IF" "$DMAC" "$SECS" "$PPS" \
	>"$TMP/flood.out" 2>&1 &
FLOOD=$!
ip netns exec "$NS_H" timeout -s INT $((SECS + 5)) ping -n -q -i 0.5 -W 1 -c $((SECS * 2 - 4)) "$D_IP" \
	>"$TMP/ping.out" 2>&1 &
PINGER=$!
( sleep $((SECS / 2)); "$TAPSTACKCTL" -c "$CTL" stats >"$TMP/mid.stats" 2>&1; echo $? >"$TMP/mid.rc";
  "$TAPSTACKCTL" -c "$CTL" neigh >"$TMP/mid.neigh" 2>&1 ) &
MID=$!
"$PY" "$HOSTILE" rss "$DAEMON_PID" "$SECS" 16384 1024 >"$TMP/rss.out" 2>&1
wait "$FLOOD" "$PINGER" "$MID"
cat "$TMP/flood.out" "$TMP/rss.out"
grep -q '^flood fwd sent=' "$TMP/flood.out" || fail "the flood did not run: $(cat "$TMP/flood.out")"
sent=$(sed -nE 's/^flood fwd sent=([0-9]+).*/\1/p' "$TMP/flood.out")
fsecs=$(sed -nE 's/^flood fwd sent=[0-9]+ seconds=([0-9]+).*/\1/p' "$TMP/flood.out")
grep '^FAIL' "$TMP/rss.out" >&2 && SOFT=$((SOFT + $(grep -c '^FAIL' "$TMP/rss.out")))
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the flood"

[ "$(cat "$TMP/mid.rc")" = 0 ] && grep -q '^IpForwDatagrams ' "$TMP/mid.stats" &&
	log "ok: tapstackctl stats during the flood" || bad "tapstackctl stats during the flood: $(head -n 2 "$TMP/mid.stats")"
n=$(grep -c ' lladdr \| INCOMPLETE\|FAILED' "$TMP/mid.neigh")
log "ARP cache during the flood: $(wc -l <"$TMP/mid.neigh") lines"
[ "$(wc -l <"$TMP/mid.neigh")" -le 256 ] || bad "ARP cache during the flood: $(wc -l <"$TMP/mid.neigh") entries (more than 256)"
ping_stats "$(cat "$TMP/ping.out")"
log "ping 192.0.2.2 during the flood: $PING_RX of $PING_TX answered"

fwd=$(delta IpForwDatagrams "$S")
failed=$(delta ArpResolveFailed "$S")
qdrops=$(delta ArpQueueDrops "$S")
evict=$(delta ArpCacheEvictions "$S")
t3=$(delta IcmpMsgOutType3 "$S")
drops=$(($(tx_drops) - drops0))
nobuf=$(($(rx_nobuf) - nobuf0))
log "flood: $sent sent; IpForwDatagrams +$fwd; ArpResolveFailed +$failed, ArpQueueDrops +$qdrops, ArpCacheEvictions +$evict, ArpOutRequests +$(delta ArpOutRequests "$S")"
log "host unreachables +$t3 (rate-limited: global +$(delta IcmpOutRateLimitGlobal "$S"), per destination +$(delta IcmpOutRateLimitHost "$S")); PkbAllocFails +$(delta PkbAllocFails "$S"), IpOutDiscards +$(delta IpOutDiscards "$S"); lost on the way: $drops (kernel), $nobuf (no buffer)"
[ "$failed" -ge 1 ] || bad "ArpResolveFailed +0: no resolution failed in a ${fsecs}-s flood to unresolvable hosts"
[ "$t3" -le $((50 + 1000 * (fsecs + 5))) ] || bad "IcmpMsgOutType3 +$t3 exceeds the global limit"

# Afterwards: A reaches the daemon and, through it, B (the queues drain within 3 s + slack).
ok=0
for i in $(seq 1 10); do
	if inh timeout --foreground 5 ping -n -q -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.5
done
[ "$ok" = 1 ] || bad "198.51.100.2 unreachable through the daemon after the flood"
out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
ping_stats "$out"
[ "$PING_RX" = 3 ] || bad "ping 192.0.2.2 after the flood: $PING_RX of 3 answered"

# ---- a moderate flood: reception must not starve ----
sleep 4   # the first flood's resolutions all given up
snapshot "$S"
drops0=$(tx_drops)
nobuf0=$(rx_nobuf)
ip netns exec "$NS_H" timeout -s INT 20 "$PY" "$HOSTILE" flood fwd "$HOST_IF" "$DMAC" 6 1000 >"$TMP/flood2.out" 2>&1 &
FLOOD=$!
sleep 1
ip netns exec "$NS_H" timeout -s INT 10 ping -n -q -i 0.2 -W 1 -c 20 "$D_IP" >"$TMP/ping2.out" 2>&1
wait "$FLOOD"
cat "$TMP/flood2.out"
ping_stats "$(cat "$TMP/ping2.out")"
drops=$(($(tx_drops) - drops0))
nobuf=$(($(rx_nobuf) - nobuf0))
log "1000/s flood: ping 192.0.2.2 answered $PING_RX of $PING_TX; frames read without a buffer: $nobuf; kernel drops: $drops; PkbAllocFails +$(delta PkbAllocFails "$S"); IpForwDatagrams +$(delta IpForwDatagrams "$S")"
[ "$nobuf" -eq 0 ] || bad "1000/s to unresolvable next hops: $nobuf frames read with no buffer free (datagrams waiting for ARP hold the whole pool: reception starves)"
[ "$PING_RX" -ge $((PING_TX * 9 / 10)) ] || bad "1000/s to unresolvable next hops: ping 192.0.2.2 answered $PING_RX of $PING_TX"
stop_daemon
[ "$SOFT" -eq 0 ] || fail "$SOFT check(s) failed (FAIL lines above)"
log "all checks passed"
