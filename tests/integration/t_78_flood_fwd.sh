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
. "$(dirname "$0")/flood_lib.sh"
NS_B="${TS_PREFIX}b"
setup_ns
new_ns "$NS_B"
no_rpf "$NS_H"
no_rpf "$NS_B"
start_daemon -F -i "$(default_iface)" -i "tap1,198.51.100.1/24,netns=$NS_B,host=198.51.100.2/24"
wait_link "$NS_B" tap1 198.51.100.2/24
ip -n "$NS_H" route add 198.51.100.0/24 via "$D_IP" dev "$HOST_IF" || fail "route in $NS_H"
ip -n "$NS_B" route add 192.0.2.0/24 via 198.51.100.1 dev tap1 || fail "route in $NS_B"
flood_pin_dmac 198.51.100.2 "ping 198.51.100.2 through the daemon"
flood_baseline
flood_run fwd neigh
flood_check_mid_stats IpForwDatagrams
log "ARP cache during the flood: $(wc -l <"$TMP/mid.neigh") lines"
[ "$(wc -l <"$TMP/mid.neigh")" -le 256 ] || bad "ARP cache during the flood: $(wc -l <"$TMP/mid.neigh") entries (more than 256)"
ping_stats "$(cat "$TMP/ping.out")"
log "ping 192.0.2.2 during the flood: $PING_RX of $PING_TX answered"

fwd=$(delta IpForwDatagrams "$S")
failed=$(delta ArpResolveFailed "$S")
qdrops=$(delta ArpQueueDrops "$S")
evict=$(delta ArpCacheEvictions "$S")
t3=$(delta IcmpMsgOutType3 "$S")
flood_losses
log "flood: $SENT sent; IpForwDatagrams +$fwd; ArpResolveFailed +$failed, ArpQueueDrops +$qdrops, ArpCacheEvictions +$evict, ArpOutRequests +$(delta ArpOutRequests "$S")"
log "host unreachables +$t3 (rate-limited: global +$(delta IcmpOutRateLimitGlobal "$S"), per destination +$(delta IcmpOutRateLimitHost "$S")); PkbAllocFails +$(delta PkbAllocFails "$S"), IpOutDiscards +$(delta IpOutDiscards "$S"); lost on the way: $DROPS (kernel), $NOBUF (no buffer)"
[ "$failed" -ge 1 ] || bad "ArpResolveFailed +0: no resolution failed in a ${FLOOD_SECS}-s flood to unresolvable hosts"
[ "$t3" -le $((50 + 1000 * (FLOOD_SECS + 5))) ] || bad "IcmpMsgOutType3 +$t3 exceeds the global limit"

# Afterwards: A reaches the daemon and, through it, B (the queues drain within 3 s + slack).
ok=0
for i in $(seq 1 10); do
	if inh timeout --foreground 5 ping -n -q -c 1 -W 1 198.51.100.2 >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.5
done
[ "$ok" = 1 ] || bad "198.51.100.2 unreachable through the daemon after the flood"
flood_ping_after "ping 192.0.2.2"

# ---- a moderate flood: reception must not starve ----
sleep 4   # the first flood's resolutions all given up
flood_baseline
ip netns exec "$NS_H" timeout -s INT 20 "$PY" "$HOSTILE" flood fwd "$HOST_IF" "$DMAC" 6 1000 >"$TMP/flood2.out" 2>&1 &
FLOOD=$!
sleep 1
ip netns exec "$NS_H" timeout -s INT 10 ping -n -q -i 0.2 -W 1 -c 20 "$D_IP" >"$TMP/ping2.out" 2>&1
wait "$FLOOD"
cat "$TMP/flood2.out"
ping_stats "$(cat "$TMP/ping2.out")"
flood_losses
log "1000/s flood: ping 192.0.2.2 answered $PING_RX of $PING_TX; frames read without a buffer: $NOBUF; kernel drops: $DROPS; PkbAllocFails +$(delta PkbAllocFails "$S"); IpForwDatagrams +$(delta IpForwDatagrams "$S")"
[ "$NOBUF" -eq 0 ] || bad "1000/s to unresolvable next hops: $NOBUF frames read with no buffer free (datagrams waiting for ARP hold the whole pool: reception starves)"
[ "$PING_RX" -ge $((PING_TX * 9 / 10)) ] || bad "1000/s to unresolvable next hops: ping 192.0.2.2 answered $PING_RX of $PING_TX"
flood_finish
