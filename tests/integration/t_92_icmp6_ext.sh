#!/usr/bin/env bash
# RFC 4884/5837 over ICMPv6 (issue 16; ICMP-EXT-SPEC X1-X3 for ICMPv6 1 and 3), router topology of
# router_lib.sh made dual stack, net.ipv6.icmp.errors_extension_mask=7: traceroute -6 -e from A
# prints, for hop 1 (tapstackd's 3/0), the three class-2 objects of X3 in Debian's raw form —
#   INC  2/15:  ifIndex 0, AFI 2 + 2001:db8:1::2, name "tap0" (20-byte sub-object), MTU 1500;
#   OUT  2/143: ifIndex 1, AFI 2 + 2001:db8:2::1, "tap1", MTU 1400;
#   NXT  2/196: AFI 2 + 2001:db8:2::2 (the route's gateway);
# and for an unrouted destination (1/0 "!N") INC alone (X3.5: OUT and NXT only on forwarded
# offenders with a route). With the mask 0, no objects. The capture shows the length attribute 16
# (X1.2: 64-bit words) and the ICMPv6 length: 8 + 128 + 4 + 52 + 52 + 24 = 268.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
export ROUTER_V6=1
setup_router -s net.ipv6.icmp.errors_extension_mask=7
router_hosts_v6 "$NS_H" "$NS_B" "$NS_C"
wait_ping "$NS_H" 2001:db8:3::2 "C unreachable over IPv6 from A through tapstackd"

INC='2/15:00000000,00020000,20010db8,00010000,00000000,00000002,14746170,30000000,00000000,00000000,00000000,000005dc'
OUT='2/143:00000001,00020000,20010db8,00020000,00000000,00000001,14746170,31000000,00000000,00000000,00000000,00000578'
NXT='2/196:00020000,20010db8,00020000,00000000,00000002'

out=$(inh timeout --foreground 30 traceroute -6 -e -n -q 1 -w 1 -m 4 2001:db8:3::2 2>&1)
printf '%s\n' "$out"
expect_match "hop 1: INC, OUT and NXT objects" "^ 1  2001:db8:1::2 <$INC;$OUT;$NXT>" "$out"
expect_match "hop 2 (Linux host B): no objects" '^ 2  2001:db8:2::2  ' "$out"
expect_match "hop 3 reached" '^ 3  2001:db8:3::2  ' "$out"
sleep 0.5
out=$(inh timeout --foreground 30 traceroute -6 -e -n -q 1 -w 1 -m 2 2001:db8:4::1 2>&1)
printf '%s\n' "$out"
expect_match "1/0 (no route): INC alone" "^ 1  2001:db8:1::2 <$INC>  [0-9.]+ ms !N" "$out"

# The wire: 3/0 with length attribute 16 (the byte after the code and checksum), 268 bytes.
te=$(tcpdump -nn -r "$PCAP" -x 'icmp6 and ip6[40] == 3' 2>/dev/null | head -n 4)
printf '%s\n' "$te"
expect_match "3/0: ICMPv6 length 268 with three objects" 'ICMP6, time exceeded in-transit.*length 268' "$te"
expect_match "3/0: length attribute 16 (64-bit words)" '0x0020:  [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} 0300 [0-9a-f]{4} 1000 0000' "$te"

ctl sysctl net.ipv6.icmp.errors_extension_mask=0 >/dev/null || fail "mask 0"
sleep 0.5
out=$(inh timeout --foreground 30 traceroute -6 -e -n -q 1 -w 1 -m 1 2001:db8:3::2 2>&1)
printf '%s\n' "$out"
expect_match "mask 0: no objects" '^ 1  2001:db8:1::2  [0-9.]+ ms' "$out"
expect_eq "bits outside 0x07 refused (usage error, value kept)" "2" "$(ctl sysctl net.ipv6.icmp.errors_extension_mask=8 >/dev/null 2>&1; echo $?)"
assert_eq "the mask after the refusal" "net.ipv6.icmp.errors_extension_mask = 0" "$(ctl sysctl net.ipv6.icmp.errors_extension_mask)"
finish
