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
. "$(dirname "$0")/flood_lib.sh"
setup_ns
start_daemon -r "203.0.113.0/24,via=$HOST_IP" -r "198.51.100.0/24,via=$HOST_IP"
flood_standard udp UdpNoPorts

noports=$(delta UdpNoPorts "$S")
out=$(delta IcmpOutMsgs "$S")
t3=$(delta IcmpMsgOutType3 "$S")
rlg=$(delta IcmpOutRateLimitGlobal "$S")
rlh=$(delta IcmpOutRateLimitHost "$S")
flood_losses
log "flood: $SENT sent; UdpNoPorts +$noports; lost on the way: $DROPS (kernel), $NOBUF (no buffer)"
log "port unreachables: IcmpOutMsgs +$out (type 3: +$t3); rate-limited: global +$rlg, per destination +$rlh"
flood_check_no_starvation
[ $((noports + DROPS + NOBUF)) -ge "$SENT" ] || bad "UdpNoPorts +$noports (+ $DROPS + $NOBUF lost) < $SENT sent"
# Global bucket: at most icmp_msgs_burst (50) at once, then icmp_msgs_per_sec (1000) a second,
# over the flood's duration (plus two seconds of slack: the daemon drains its queue after it).
max=$((50 + 1000 * (FLOOD_SECS + 2)))
[ "$out" -le "$max" ] || bad "IcmpOutMsgs +$out for a ${FLOOD_SECS}-s flood exceeds the global limit ($max)"
[ "$t3" -ge 1000 ] || bad "only $t3 port unreachables sent in a ${FLOOD_SECS}-s flood (the limits allow about 1000 a second)"
[ $((rlg + rlh)) -ge 1 ] || bad "the rate limits never acted (IcmpOutRateLimitGlobal/Host +0)"
[ $((t3 + rlg + rlh)) -eq "$noports" ] ||
	log "note: UdpNoPorts +$noports != sent 3/3 +$t3 + limited +$((rlg + rlh)) (other suppression)"

flood_ping_after
flood_finish
