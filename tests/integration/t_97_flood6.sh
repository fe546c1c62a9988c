#!/usr/bin/env bash
# Resource bounds under IPv6 floods (issue 14 item 8), on a dual-stack daemon: for 15 s, 20 000
# frames a second cycling through five floods from sources that keep changing (hostile.py flood
# mix6): NSs from new neighbours (the neighbour cache), echo requests from silent on-link hosts
# (their replies wait for ND: the unresolved queues), first fragments with new IDs (reassembly),
# RAs from new routers each with a new /64 (at most 16 routers, 16 prefixes, 16 SLAAC addresses),
# MLDv2 general queries. The daemon's VmRSS, sampled every second, reaches a plateau (the last
# third's maximum at most the first third's + 1 MiB) and stays at most 16 MiB; `tapstackctl stats`
# works and IPv4 ping is answered during the flood; no frame is read without a buffer; the
# neighbour table (`tapstackctl neigh`, both families) is full of IPv6 neighbours and holds at most
# 256 entries; every flood reached the stack (its counters moved, the
# RA bound was hit); afterwards ping and ping -6 are answered and SIGTERM gives a clean exit.
# TS_V6_LL=1: between link-local addresses (see hostile6_lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
. "$(dirname "$0")/hostile6_lib.sh"
setup_ns
v6_start_daemon
flood_baseline
flood_run mix6 neigh
flood_check_mid_stats NdInNS
flood_check_ping_during
flood_losses
flood_check_no_starvation
log "flood: $SENT frames sent; lost on the way: $DROPS dropped by the kernel (tap0 ring full), $NOBUF read without a buffer"
for c in NdInNS NdOutNA Ip6ReasmReqds NdInRA NdRaLimit MldInQueries NdOutNS; do
	d=$(delta "$c" "$S")
	log "$c +$d"
	[ "$d" -gt 0 ] || bad "$c +0: that part of the flood never reached the stack"
done
# One table for both families, NEIGH_SIZE (256) entries: half-way through it is full of the
# flood's IPv6 neighbours, and no larger.
n=$(grep -c ' lladdr \|INCOMPLETE\|FAILED' "$TMP/mid.neigh")
n6=$(grep -cE '^[0-9a-f]*:[0-9a-f:]+ ' "$TMP/mid.neigh")
log "neighbour table half-way: $n entries, $n6 of them IPv6"
[ "$n" -le 256 ] || bad "the neighbour table held $n entries half-way through the flood (more than 256)"
[ "$n6" -ge 200 ] || bad "tapstackctl neigh listed $n6 IPv6 entries half-way through a flood of NSs from new neighbours (issue 14 item 6: neigh shows both families)"
n=$(ctl neigh | grep -c ' lladdr \|INCOMPLETE\|FAILED')
[ "$n" -le 256 ] || bad "the neighbour table holds $n entries after the flood (more than 256)"

flood_ping_after
v6_ping_after "the flood"
flood_finish
