#!/usr/bin/env bash
# Router mode, routes changed at run time with `tapstackctl route` (ICMP-SPEC §6, §9). Host C also
# answers at 203.0.113.70, inside tapstackd's 203.0.113.0/25 via B.
#  - route add 203.0.113.64/26,prohibit: a ping to 203.0.113.70 gets "Packet filtered" (3/13) from
#    192.0.2.2, IpForwProhibited; 203.0.113.2, outside the /26, still answers (longest prefix);
#    route del: 203.0.113.70 answers again;
#  - route add 203.0.113.64/26,blackhole: no answer at all, no ICMP, IpForwBlackholed; route del
#    restores the replies;
#  - route add 203.0.113.192/26,via=198.51.100.99 (a gateway nobody answers ARP for): after the ARP
#    attempts fail, "Destination Host Unreachable" (3/1) from 192.0.2.2, quoting the datagram with
#    its TTL already decremented (R5.14);
#  - route add of an existing prefix and route del of a connected route are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap
C2_IP=203.0.113.70
ip -n "$NS_C" addr add "$C2_IP/25" dev vc || fail "second address on C"

pings() {   # pings DST COUNT: ping output from A
	inh timeout --foreground 20 ping -n -c "$2" -i 0.3 -W 1 "$1" 2>&1
}
replies() { ping_stats "$1"; printf '%s\n' "$PING_RX"; }

out=$(pings "$C2_IP" 1)
expect_eq "$C2_IP replies before any change" 1 "$(replies "$out")"

ctl route add 203.0.113.64/26,prohibit || fail "route add 203.0.113.64/26,prohibit"
rt=$(ctl route)
printf '%s\n' "$rt"
expect_match "route table shows the prohibit route" '^203\.0\.113\.64/26 +prohibit' "$rt"
snapshot "$S"
out=$(pings "$C2_IP" 2)
printf '%s\n' "$out"
expect_eq "prohibit: answers" "From 192.0.2.2 icmp_seq=1 Packet filtered|From 192.0.2.2 icmp_seq=2 Packet filtered" \
	"$(printf '%s\n' "$out" | grep '^From ' | paste -sd'|')"
expect_delta IpForwProhibited 2 "$S"
expect_delta IcmpMsgOutType3 2 "$S"
expect_delta IpForwDatagrams 0 "$S"
pf=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 3 and icmp[icmpcode] == 13")
expect_all_match "3/13 in the capture: precedence 6, quote with TTL 64" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, .*flags \[none\], proto ICMP \(1\), length 112\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP host 203\.0\.113\.70 unreachable - admin prohibited filter, length 92 \|\| IP \(tos 0x0, ttl 64, ' "$pf"
out=$(pings "$C_IP" 1)
expect_eq "$C_IP (outside the /26) still replies" 1 "$(replies "$out")"
ctl route del 203.0.113.64/26 || fail "route del 203.0.113.64/26"
expect_nomatch "route table without 203.0.113.64/26" '^203\.0\.113\.64/26' "$(ctl route)"
out=$(pings "$C2_IP" 1)
expect_eq "$C2_IP replies again after route del" 1 "$(replies "$out")"

ctl route add 203.0.113.64/26,blackhole || fail "route add 203.0.113.64/26,blackhole"
expect_match "route table shows the blackhole route" '^203\.0\.113\.64/26 +blackhole' "$(ctl route)"
snapshot "$S"
n0=$(tcpdump -nn -r "$PCAP" "icmp and src host $R0_IP" 2>/dev/null | wc -l)
out=$(pings "$C2_IP" 2)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "blackhole: replies" 0 "$PING_RX"
expect_eq "blackhole: ICMP answers ('From' lines)" 0 "$(printf '%s\n' "$out" | grep -c '^From ')"
expect_delta IpForwBlackholed 2 "$S"
expect_delta IcmpOutMsgs 0 "$S"
expect_delta IpForwDatagrams 0 "$S"
expect_eq "blackhole: ICMP from 192.0.2.2 in the capture" "$n0" "$(tcpdump -nn -r "$PCAP" "icmp and src host $R0_IP" 2>/dev/null | wc -l)"
ctl route del 203.0.113.64/26 || fail "route del 203.0.113.64/26 (blackhole)"
out=$(pings "$C2_IP" 1)
expect_eq "$C2_IP replies again after the blackhole is removed" 1 "$(replies "$out")"

# A route through a gateway that never answers ARP: 3/1 per queued datagram after the attempts fail.
ctl route add 203.0.113.192/26,via=198.51.100.99 || fail "route add 203.0.113.192/26,via=198.51.100.99"
snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 1 -W 8 203.0.113.195 2>&1)
printf '%s\n' "$out"
expect_eq "unanswered ARP for the gateway: answer" "From 192.0.2.2 icmp_seq=1 Destination Host Unreachable" \
	"$(printf '%s\n' "$out" | grep '^From ')"
expect_delta IcmpMsgOutType3 1 "$S"
expect_delta_ge ArpResolveFailed 1 "$S"
hu=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 3 and icmp[icmpcode] == 1")
expect_all_match "3/1 in the capture: precedence 6, quote with TTL 63" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, .*flags \[none\], proto ICMP \(1\), length 112\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP host 203\.0\.113\.195 unreachable, length 92 \|\| IP \(tos 0x0, ttl 63, ' "$hu"

# Refusals.
if ctl route add 203.0.113.192/26,blackhole >/dev/null 2>&1; then bad "route add of an existing prefix succeeded"; else log "ok: route add of an existing prefix refused"; fi
if ctl route del 198.51.100.0/24 >/dev/null 2>&1; then bad "route del of a connected route succeeded"; else log "ok: route del of a connected route refused"; fi
if ctl route del 203.0.113.64/26 >/dev/null 2>&1; then bad "route del of a missing route succeeded"; else log "ok: route del of a missing route refused"; fi
expect_match "connected route still there" '^198\.51\.100\.0/24 +dev tap1' "$(ctl route)"

finish
