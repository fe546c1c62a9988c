#!/usr/bin/env bash
# Router mode, TTL handling (ICMP-SPEC §6 11/0, R9.1, R5.10, R5.14):
#  - ping -t 1 to C: "Time to live exceeded" from 192.0.2.2 (tapstackd checks TTL <= 1 before any
#    decrement, IpInHdrErrors), the quote carrying TTL 1;
#  - crafted TTL-1 datagrams (scapy): a non-first fragment, an ICMP error, a frame sent to the
#    Ethernet broadcast address, a multicast destination, invalid sources get no 11/0 (R5.2-R5.6);
#    a first fragment and an echo reply do; an 11/0 for a source behind tap1 comes from tap1's
#    address, or from tap0's with icmp_errors_use_inbound_ifaddr=1 (R5.8);
#  - 20 rapid TTL-1 pings: a few 11/0, the rest rate limited (§7);
#  - ping -t 2 to C: tapstackd forwards with TTL 1 (decremented, checksum still right), host B
#    answers "Time to live exceeded" from 198.51.100.2, which tapstackd forwards back to A;
#  - ping -t 3 to C: answered (TTL 3 is just enough for two routers);
#  - ping -t 1 to 192.0.2.2: local delivery accepts TTL 1 (answered).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap
B_MAC=$(mac_of "$NS_B" tap1)

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -t 1 "$C_IP" 2>&1)
printf '%s\n' "$out"
expect_eq "ping -t 1: answers" \
	"From 192.0.2.2 icmp_seq=1 Time to live exceeded|From 192.0.2.2 icmp_seq=2 Time to live exceeded" \
	"$(printf '%s\n' "$out" | grep '^From ' | paste -sd'|')"
expect_delta IcmpMsgOutType11 2 "$S"
expect_delta IpInHdrErrors 2 "$S"
expect_delta IpForwDatagrams 0 "$S"
te=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 11")
expect_eq "11/0 messages in the capture" 2 "$(printf '%s\n' "$te" | grep -c .)"
expect_all_match "11/0: precedence 6, TTL 64, DF clear, 112 bytes, quote with TTL 1" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 112\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP time exceeded in-transit, length 92 \|\| IP \(tos 0x0, ttl 1, .*length 84\) \|\| 192\.0\.2\.1 > 203\.0\.113\.2: ICMP echo request' "$te"

# Crafted datagrams (scapy) through tapstackd with TTL 1: who gets an 11/0 and from which address.
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"
ID=$((0x4300 + RANDOM % 256))
xmit() {   # xmit SPEC: router_probe.py's answer lines for one crafted datagram (0.25 s of listening)
	ID=$((ID + 1))
	probe send tap0 "$DMAC" "$1" "$ID" 0.25
}
answers() { printf '%s\n' "$1" | grep -c '^rx .* type=11 '; }

# R5.4: a non-first fragment gets none; the first fragment (offset 0, MF) does.
snapshot "$S"
expect_eq "11/0 for a non-first fragment (R5.4)" 0 "$(answers "$(xmit "echo,dst=$C_IP,ttl=1,off=64")")"
r=$(xmit "echo,dst=$C_IP,ttl=1,mf=1")
expect_eq "11/0 for a first fragment (offset 0, MF), quoting it" "1 1/0" \
	"$(answers "$r") $(field "$(printf '%s\n' "$r" | grep -m1 '^rx ')" q.mf)/$(field "$(printf '%s\n' "$r" | grep -m1 '^rx ')" q.off)"
# R5.5: an ICMP error gets none; an echo reply (not an error type) does.
expect_eq "11/0 for a forwarded ICMP error (3/3) (R5.5)" 0 "$(answers "$(xmit "echo,dst=$C_IP,ttl=1,type=3,code=3")")"
expect_eq "11/0 for a forwarded echo reply" 1 "$(answers "$(xmit "echo,dst=$C_IP,ttl=1,type=0")")"
expect_delta IpInHdrErrors 4 "$S"
expect_delta IcmpMsgOutType11 2 "$S"
# R5.2: in an Ethernet broadcast frame: neither forwarded nor answered (R9.1).
snapshot "$S"
expect_eq "answers to TTL 1 in an Ethernet broadcast frame (R5.2)" 0 \
	"$(xmit "echo,dst=$C_IP,ttl=1,l2bcast=1" | grep -c '^rx ')"
expect_eq "answers to TTL 64 in an Ethernet broadcast frame (not forwarded)" 0 \
	"$(xmit "echo,dst=$C_IP,l2bcast=1" | grep -c '^rx ')"
# R5.3 and R5.6: multicast destination; invalid sources (0/8, loopback, class E, limited and
# directed broadcasts of both connected subnets): no ICMP at all.
expect_eq "answers to TTL 1 for a multicast destination (R5.3)" 0 \
	"$(xmit "echo,dst=224.0.0.9,ttl=1" | grep -c '^rx ')"
for src in 0.0.0.0 127.0.0.1 240.0.0.1 255.255.255.255 192.0.2.255 198.51.100.255; do
	expect_eq "answers to TTL 1 from invalid source $src (R5.6)" 0 \
		"$(xmit "echo,src=$src,dst=$C_IP,ttl=1" | grep -c '^rx ')"
done
expect_delta IcmpOutMsgs 0 "$S"
expect_delta IpForwDatagrams 0 "$S"
# R5.8: the 11/0 for an off-link source behind tap1 leaves by tap1; its source address is tap1's
# (icmp_errors_use_inbound_ifaddr=0) or tap0's, the inbound one (=1).
xmit "echo,src=203.0.113.9,dst=$C_IP,ttl=1" >/dev/null
ctl sysctl icmp_errors_use_inbound_ifaddr=1 >/dev/null || fail "sysctl icmp_errors_use_inbound_ifaddr=1"
xmit "echo,src=203.0.113.9,dst=$C_IP,ttl=1" >/dev/null
ctl sysctl icmp_errors_use_inbound_ifaddr=0 >/dev/null || fail "sysctl icmp_errors_use_inbound_ifaddr=0"
srcs=$(tcpdump -nn -e -r "$PCAP" "ether dst $B_MAC and icmp and icmp[icmptype] == 11 and dst host 203.0.113.9" 2>/dev/null |
	sed -nE 's/.* ([0-9.]+) > 203\.0\.113\.9: ICMP time exceeded in-transit.*/\1/p' | paste -sd' ')
expect_eq "11/0 sources toward 203.0.113.9 via B, inbound_ifaddr 0 then 1 (R5.8)" "198.51.100.1 192.0.2.2" "$srcs"

# 11/0 is rate limited per destination (ICMP-SPEC §7: a burst of 6, then 1 per second): of 20
# TTL-1 pings within 0.2 s only a few are answered, the rest counted as IcmpOutRateLimitHost.
snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 20 -i 0.01 -W 1 -t 1 "$C_IP" 2>&1)
n11=$(printf '%s\n' "$out" | grep -c '^From 192.0.2.2 icmp_seq=[0-9]* Time to live exceeded')
expect_range "11/0 answers to 20 rapid TTL-1 pings" 1 6 "$n11"
expect_delta IpInHdrErrors 20 "$S"
expect_delta IcmpMsgOutType11 "$n11" "$S"
expect_delta IcmpOutRateLimitHost $((20 - n11)) "$S"

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -t 2 "$C_IP" 2>&1)
printf '%s\n' "$out"
expect_eq "ping -t 2: answers" \
	"From 198.51.100.2 icmp_seq=1 Time to live exceeded|From 198.51.100.2 icmp_seq=2 Time to live exceeded" \
	"$(printf '%s\n' "$out" | grep '^From ' | paste -sd'|')"
expect_delta IcmpMsgOutType11 0 "$S"
expect_delta IpForwDatagrams 4 "$S"   # 2 requests out, 2 errors back
# The requests leave toward B with TTL 1 and a correct header checksum.
fw=$(tcpdump -nn -v -e -r "$PCAP" "ether dst $B_MAC and icmp and dst host $C_IP" 2>/dev/null | grep -E '^[0-9:.]+ ')
printf '%s\n' "$fw"
expect_eq "requests forwarded toward B with TTL 1" 2 "$(printf '%s\n' "$fw" | grep -c 'ttl 1,')"

out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -t 3 "$C_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "ping -t 3 to C: replies" 2 "$PING_RX"

out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -t 1 "$R0_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "ping -t 1 to 192.0.2.2 (local delivery): replies" 2 "$PING_RX"

finish
