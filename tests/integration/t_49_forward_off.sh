#!/usr/bin/env bash
# Router topology with forwarding switched off at run time (`tapstackctl sysctl ip_forward=0`;
# ICMP-SPEC §6 "(none)" row, R9.1):
#  - pings from A to C are dropped silently: no ICMP at all (not even 11/0 for TTL 1, nor 3/0 for
#    an unrouted destination, as on Linux), nothing leaves toward B, IpInAddrErrors counts each;
#  - tapstackd's own addresses still answer, 198.51.100.1 (the other interface) included (R2.3);
#  - ip_forward=1 again: C answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap
B_MAC=$(mac_of "$NS_B" tap1)

out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 "$C_IP" 2>&1)
ping_stats "$out"
expect_eq "C replies with forwarding on" 1 "$PING_RX"

ctl sysctl ip_forward=0 >/dev/null || fail "sysctl ip_forward=0"
expect_eq "ip_forward knob" "ip_forward = 0" "$(ctl sysctl ip_forward)"
snapshot "$S"
nb=$(tcpdump -nn -e -r "$PCAP" "ether dst $B_MAC and ip" 2>/dev/null | wc -l)
ni=$(tcpdump -nn -r "$PCAP" "icmp and src host $R0_IP" 2>/dev/null | wc -l)
out=$(inh timeout --foreground 20 ping -n -c 3 -i 0.3 -W 1 "$C_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "forwarding off: replies from C" 0 "$PING_RX"
expect_eq "forwarding off: ICMP answers ('From' lines)" 0 "$(printf '%s\n' "$out" | grep -c '^From ')"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 1 -t 1 "$C_IP" 2>&1)
expect_eq "forwarding off, TTL 1: ICMP answers" 0 "$(printf '%s\n' "$out" | grep -c '^From ')"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 1 "$UNROUTED_IP" 2>&1)
expect_eq "forwarding off, unrouted destination: ICMP answers" 0 "$(printf '%s\n' "$out" | grep -c '^From ')"
expect_delta IpInAddrErrors 7 "$S"
expect_delta IpForwDatagrams 0 "$S"
expect_delta IpInNoRoutes 0 "$S"
expect_delta IpInHdrErrors 0 "$S"
expect_delta IcmpOutMsgs 0 "$S"
expect_eq "IPv4 frames sent toward B while forwarding is off" "$nb" "$(tcpdump -nn -e -r "$PCAP" "ether dst $B_MAC and ip" 2>/dev/null | wc -l)"
expect_eq "ICMP from 192.0.2.2 while forwarding is off" "$ni" "$(tcpdump -nn -r "$PCAP" "icmp and src host $R0_IP" 2>/dev/null | wc -l)"

for ip in "$R0_IP" "$R1_IP"; do
	out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 "$ip" 2>&1)
	printf '%s\n' "$out" | grep -E '^64 bytes' || true
	ping_stats "$out"
	expect_eq "forwarding off: tapstackd's own $ip replies" 1 "$PING_RX"
	expect_match "reply to $ip comes from $ip" "^64 bytes from $ip: " "$out"
done

ctl sysctl ip_forward=1 >/dev/null || fail "sysctl ip_forward=1"
snapshot "$S"
out=$(inh timeout --foreground 10 ping -n -c 2 -i 0.3 -W 2 "$C_IP" 2>&1)
ping_stats "$out"
expect_eq "forwarding on again: replies from C" 2 "$PING_RX"
expect_delta IpForwDatagrams 4 "$S"

finish
