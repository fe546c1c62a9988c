#!/usr/bin/env bash
# Resource bounds under an ARP flood (issue #7 part C): for 15 s, ARP requests for 192.0.2.2 from
# 250 different senders (192.0.2.3..252, each with its own MAC), 20 000 a second. The daemon's
# VmRSS, sampled every second, reaches a plateau (the last third's maximum at most the first
# third's + 1 MiB) and stays at most 16 MiB; the ARP cache holds at most 256 entries; every request
# read is answered or counted; `tapstackctl stats` works and ping is answered during the flood;
# no frame is read without a buffer (reception never starves); afterwards ping works, SIGTERM
# gives a clean exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
setup_ns
start_daemon
flood_standard arp ArpInRequests

req=$(delta ArpInRequests "$S")
rep=$(delta ArpOutReplies "$S")
log "flood: $SENT requests sent, ArpInRequests +$req, ArpOutReplies +$rep, ArpCacheEvictions +$(delta ArpCacheEvictions "$S")"
flood_losses
flood_check_no_starvation
log "lost on the way: $DROPS dropped by the kernel (tap0 ring full), $NOBUF read without a buffer"
[ $((req + DROPS + NOBUF)) -ge "$SENT" ] ||
	bad "ArpInRequests +$req, kernel drops $DROPS, rx_nobuf $NOBUF: fewer than the $SENT requests sent"
[ "$rep" -eq "$req" ] || bad "ArpOutReplies +$rep for ArpInRequests +$req (every request was for 192.0.2.2)"
n=$(ctl neigh | grep -c ' lladdr ')
[ "$n" -le 256 ] || bad "the ARP cache holds $n entries (more than 256)"
[ "$n" -ge 200 ] || bad "the ARP cache holds only $n entries after requests from 250 senders"
log "ARP cache: $n entries"

flood_ping_after
flood_finish
