#!/usr/bin/env bash
# Resource bounds while forwarding IPv6 to unresolvable next hops (issue 15 item 4; t_78's IPv6
# twin). Dual-stack router mode:
#   host A ($NS_H) tap0 2001:db8:1::1/64 --- tapstackd -F: tap0 2001:db8:1::2/64, tap1 2001:db8:2::1/64
#                                              --- host B ($NS_B) tap1 2001:db8:2::2/64
# For 15 s, 20 000 datagrams a second from A through the daemon to 2001:db8:2::3..fe, where no
# host answers Neighbor Discovery: every destination becomes a resolution that fails after 3 NSs
# 1 s apart (V6.8), its datagrams queued meanwhile (bounded) and a 1/3 for each (rate limited,
# §5). VmRSS reaches a plateau and stays <= 16 MiB; the neighbour table stays <= 256 entries;
# resolutions fail and are counted (NdResolveFailed); the 1/3s stay within the global limit;
# stats work during the flood; no frame is read without a buffer; afterwards A reaches B through
# the daemon over IPv6. Then, as t_78, a moderate flood (1000/s) must not starve reception:
# ping and ping -6 of the daemon answered (>= 90%). SIGTERM: clean exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
NS_B="${TS_PREFIX}b"
DMAC=02:00:00:00:00:02
setup_ns
new_ns "$NS_B"
no_rpf "$NS_H"
no_rpf "$NS_B"
for ns in "$NS_H" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0 >/dev/null || fail "IPv6 on in $ns"
done
start_daemon -F -i "tap0,$D_IP/24,2001:db8:1::2/64,netns=$NS_H,host=$HOST_IP/24,host=2001:db8:1::1/64,mac=$DMAC" \
	-i "tap1,198.51.100.1/24,2001:db8:2::1/64,netns=$NS_B,host=198.51.100.2/24,host=2001:db8:2::2/64"
wait_link "$NS_B" tap1 198.51.100.2/24
ip -n "$NS_H" -6 route add 2001:db8:2::/64 via 2001:db8:1::2 dev "$HOST_IF" || fail "IPv6 route in $NS_H"
ip -n "$NS_B" -6 route add 2001:db8:1::/64 via 2001:db8:2::1 dev tap1 || fail "IPv6 route in $NS_B"
ok=0
for _ in $(seq 1 30); do
	inh timeout --foreground 3 ping -6 -n -q -c 1 -W 1 2001:db8:2::2 >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.2
done
[ "$ok" = 1 ] || fail "B (2001:db8:2::2) unreachable through the daemon before the flood"
ip -n "$NS_H" -6 neigh replace 2001:db8:1::2 lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
export HOSTILE_D6=2001:db8:1::2 HOSTILE_H6=2001:db8:1::1

flood_baseline
# ping -6 of the daemon every 0.5 s while the flood runs (flood_run pings its IPv4 address).
inh timeout -s INT $((SECS + 5)) ping -6 -n -q -i 0.5 -W 1 -c $((SECS * 2 - 4)) 2001:db8:1::2 >"$TMP/ping6.out" 2>&1 &
P6=$!
flood_run fwd6 neigh
wait "$P6"
flood_check_mid_stats Ip6OutForwDatagrams
n=$(wc -l <"$TMP/mid.neigh")
log "neighbour table during the flood: $n lines"
[ "$n" -le 256 ] || bad "neighbour table during the flood: $n entries (more than 256)"
ping_stats "$(cat "$TMP/ping.out")"
log "ping 192.0.2.2 during the flood: $PING_RX of $PING_TX answered"
ping_stats "$(cat "$TMP/ping6.out")"
log "ping -6 2001:db8:1::2 during the flood: $PING_RX of $PING_TX answered"

fwd=$(delta Ip6OutForwDatagrams "$S")
failed=$(delta NdResolveFailed "$S")
t1=$(delta Icmp6OutType1 "$S")
flood_losses
log "flood: $SENT sent; Ip6OutForwDatagrams +$fwd; NdResolveFailed +$failed, NdQueueDrops +$(delta NdQueueDrops "$S"), NdCacheEvictions +$(delta NdCacheEvictions "$S"), NdOutNS +$(delta NdOutNS "$S")"
log "1/3s +$t1 (rate-limited: global +$(delta IcmpOutRateLimitGlobal "$S"), per destination +$(delta Icmp6OutRateLimitHost "$S")); PkbAllocFails +$(delta PkbAllocFails "$S"), Ip6OutDiscards +$(delta Ip6OutDiscards "$S"); lost on the way: $DROPS (kernel), $NOBUF (no buffer)"
[ "$fwd" -ge 1000 ] || bad "Ip6OutForwDatagrams +$fwd: the flood was not forwarded"
[ "$failed" -ge 1 ] || bad "NdResolveFailed +0: no resolution failed in a ${FLOOD_SECS}-s flood to unresolvable hosts"
[ "$t1" -le $((50 + 1000 * (FLOOD_SECS + 5))) ] || bad "Icmp6OutType1 +$t1 exceeds the global limit"
flood_check_no_starvation

# Afterwards: A reaches B through the daemon over IPv6 (the queues drain within 3 s + slack).
ok=0
for _ in $(seq 1 10); do
	if inh timeout --foreground 5 ping -6 -n -q -c 1 -W 1 2001:db8:2::2 >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.5
done
[ "$ok" = 1 ] || bad "2001:db8:2::2 unreachable through the daemon after the flood"
flood_ping_after "ping 192.0.2.2"

# ---- a moderate flood: reception must not starve ----
sleep 4   # the first flood's resolutions all given up
flood_baseline
ip netns exec "$NS_H" timeout -s INT 20 "$PY" "$HOSTILE" flood fwd6 "$HOST_IF" "$DMAC" 6 1000 >"$TMP/flood2.out" 2>&1 &
FLOOD=$!
sleep 1
inh timeout -s INT 10 ping -6 -n -q -i 0.2 -W 1 -c 20 2001:db8:1::2 >"$TMP/ping2.out" 2>&1
wait "$FLOOD"
cat "$TMP/flood2.out"
ping_stats "$(cat "$TMP/ping2.out")"
flood_losses
log "1000/s flood: ping -6 answered $PING_RX of $PING_TX; frames read without a buffer: $NOBUF; kernel drops: $DROPS; Ip6OutForwDatagrams +$(delta Ip6OutForwDatagrams "$S")"
[ "$NOBUF" -eq 0 ] || bad "1000/s to unresolvable next hops: $NOBUF frames read with no buffer free"
[ "$PING_RX" -ge $((PING_TX * 9 / 10)) ] || bad "1000/s to unresolvable next hops: ping -6 answered $PING_RX of $PING_TX"
flood_finish
