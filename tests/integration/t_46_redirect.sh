#!/usr/bin/env bash
# Router mode, ICMP redirects (ICMP-SPEC R9.3, R5.8, R5.12, R5.14). tapstackd gets a route
# 203.0.113.128/26 via 192.0.2.1 — host A itself, on tap0's link — while A sends everything to
# tapstackd. A datagram from A to 203.0.113.130 therefore leaves tapstackd by the interface it came
# in on, toward a gateway on the sender's own link: tapstackd sends A a host redirect (5/1,
# gateway 192.0.2.1) and still forwards the datagram (A, not forwarding, drops it; A's kernel also
# rejects the redirect since the new gateway is its own address, so every probe keeps coming).
#  - one ping: "Redirect Host(New nexthop: 192.0.2.1)" from 192.0.2.2; the redirect quotes the
#    datagram with its TTL already decremented (63); the datagram goes back out tap0 with TTL 63;
#  - backoff, from a second source address 192.0.2.10 (fresh state): pinging every 20 ms for 23 s
#    gives exactly 9 redirects, the k-th gap at least 20 ms << k (40, 80, ... 5120 ms), and no 10th
#    (without the cap of 9 it would come 10.24 s after the 9th, at about 20.5 s; with it, only
#    after 20.48 s without redirects, at about 30.7 s); every probe is forwarded;
#  - a datagram from an off-link source taking the same way back: forwarded, no redirect;
#  - send_redirects=0: no redirect, still forwarded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
RD_DST=203.0.113.130
A2_IP=192.0.2.10
setup_router -r "203.0.113.128/26,via=$A_IP"
S=$TMP/snap
A_MAC=$(mac_of "$NS_H" tap0)

snapshot "$S"
out=$(inh timeout --foreground 10 ping -n -c 1 -W 1 "$RD_DST" 2>&1)
printf '%s\n' "$out"
expect_eq "ping $RD_DST: answer" "From 192.0.2.2: icmp_seq=1 Redirect Host(New nexthop: 192.0.2.1)" \
	"$(printf '%s\n' "$out" | grep '^From ')"
expect_delta IcmpMsgOutType5 1 "$S"
expect_delta IpForwDatagrams 1 "$S"
rd=$(pcap_text "icmp and icmp[icmptype] == 5")
printf '%s\n' "$rd"
expect_all_match "redirect: from 192.0.2.2, precedence 6, gateway 192.0.2.1, quote with TTL 63" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 112\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP redirect 203\.0\.113\.130 to host 192\.0\.2\.1, length 92 \|\| IP \(tos 0x0, ttl 63, .*proto ICMP \(1\), length 84\) \|\| 192\.0\.2\.1 > 203\.0\.113\.130: ICMP echo request' "$rd"
fw=$(tcpdump -nn -v -e -r "$PCAP" "ether dst $A_MAC and icmp and dst host $RD_DST" 2>/dev/null | grep -E '^[0-9:.]+ ')
printf '%s\n' "$fw"
expect_match "the datagram is still forwarded, back out tap0 to A, TTL 63" \
	"ethertype IPv4 \(0x0800\), length 98: \(tos 0x0, ttl 63, .*proto ICMP \(1\), length 84\)" "$fw"

# R9.3 "source on-link": a datagram from an off-link source (crafted, 203.0.113.9) taking the same
# way back out tap0 is forwarded without a redirect.
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"
snapshot "$S"
out=$(probe send tap0 "$DMAC" "echo,src=203.0.113.9,dst=$RD_DST" $((0x4600 + RANDOM % 256)) 0.3)
printf '%s\n' "$out"
expect_eq "off-link source: the datagram comes back out tap0 (TTL 63), no redirect" "1 0" \
	"$(printf '%s\n' "$out" | grep -c '^rx .*src=203.0.113.9 dst=203.0.113.130 .*ttl=63 .*type=8 ') $(printf '%s\n' "$out" | grep -c '^rx .* type=5 ')"
expect_delta IcmpMsgOutType5 0 "$S"
expect_delta IpForwDatagrams 1 "$S"

# Backoff from a source with no history.
ip -n "$NS_H" addr add "$A2_IP/24" dev tap0 || fail "second address on A"
snapshot "$S"
out=$(inh timeout --foreground 40 ping -n -I "$A2_IP" -i 0.02 -w 23 "$RD_DST" 2>&1)
printf '%s\n' "$out" | grep -vE '^From .*Redirect' | tail -n 4
ping_stats "$out"
nr=$(printf '%s\n' "$out" | grep -c "^From 192.0.2.2: icmp_seq=[0-9]* Redirect Host(New nexthop: 192.0.2.1)")
expect_eq "redirects reported by ping over 23 s of 20 ms probes" 9 "$nr"
expect_delta IcmpMsgOutType5 9 "$S"
expect_delta IpForwDatagrams "$PING_TX" "$S"
ts=$(tcpdump -tt -nn -r "$PCAP" "icmp and icmp[icmptype] == 5 and dst host $A2_IP" 2>/dev/null | awk '{ print $1 }')
printf '%s\n' "$ts"
gaps=$(printf '%s\n' "$ts" | awk 'NR > 1 { printf "%d ", ($1 - p) * 1000 } { p = $1 }')   # whole ms, truncated
log "gaps between redirects (ms): $gaps"
expect_eq "redirects to $A2_IP in the capture" 9 "$(printf '%s\n' "$ts" | grep -c .)"
k=1
for g in $gaps; do
	# At least 20 ms << k after the previous one (less 1 ms: the daemon's millisecond clock against
	# the capture's timestamps); at most one probe interval (plus scheduling slack) later.
	expect_range "gap $k (ms)" $(((20 << k) - 1)) $(((20 << k) + 150)) "$g"
	k=$((k + 1))
done

# send_redirects=0: forwarded, no redirect (192.0.2.1's backoff would allow one by now).
ctl sysctl send_redirects=0 >/dev/null || fail "sysctl send_redirects=0"
snapshot "$S"
out=$(inh timeout --foreground 10 ping -n -c 2 -i 0.3 -W 1 "$RD_DST" 2>&1)
printf '%s\n' "$out"
expect_eq "ICMP answers ('From' lines) with send_redirects=0" 0 "$(printf '%s\n' "$out" | grep -c '^From ')"
expect_delta IcmpMsgOutType5 0 "$S"
expect_delta IpForwDatagrams 2 "$S"

finish
