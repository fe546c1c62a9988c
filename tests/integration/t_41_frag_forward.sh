#!/usr/bin/env bash
# Router mode, fragmentation on the forwarding path (ICMP-SPEC §9 R9.1, §6 3/4, R5.12-R5.14):
#  - ping -s 4000 from A to C: A sends 1500+1500+1068; tapstackd re-fragments each 1500-byte
#    fragment to fit tap1's MTU 1400 (1396+124, 8-byte-multiple payloads) and forwards C's replies
#    (already cut to 1400 by host B) unchanged. Every forwarded byte is checked against what came in.
#  - ping -M do -s 1472 (1500 bytes, DF) from A to C: "Frag needed and DF set (mtu = 1400)" from
#    192.0.2.2, the 3/4 carrying 1400 in the low 16 bits of its second word and quoting 548 bytes of
#    the offender with its TTL not yet decremented; IpFragFails; A's kernel learns PMTU 1400;
#    twenty such datagrams at once all get their 3/4 (exempt from rate limiting);
#  - ping -R: tapstackd records its outgoing address; re-fragmenting a datagram with Record Route
#    it keeps the option (copy bit clear) in the first fragment only;
#  - ping -T tsandaddr: tapstackd's entry keeps the inbound address 192.0.2.2 it stamped on
#    receive (Linux ip_forward_options rewrites only RR; issue 12 row 6).
# The 4000-byte ping runs first: once A has learned PMTU 1400 it would fragment to 1400 itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap
A_MAC=$(mac_of "$NS_H" tap0)
B_MAC=$(mac_of "$NS_B" tap1)

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 3 -i 0.3 -W 3 -s 4000 "$C_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "4028-byte echo requests sent to C" 3 "$PING_TX"
expect_eq "4028-byte echo replies received from C" 3 "$PING_RX"
expect_eq "replies carrying all 4008 ICMP bytes" 3 "$(printf '%s\n' "$out" | grep -cE "^4008 bytes from $C_IP: ")"
# Requests: 3 fragments in, the two 1500-byte ones cut in two each (R10.5 counters).
expect_delta IpFragOKs 6 "$S"
expect_delta IpFragCreates 12 "$S"
expect_delta IpFragFails 0 "$S"
# Every fragment is forwarded as a datagram of its own: 3 request + 5 reply fragments per ping.
expect_delta IpForwDatagrams 24 "$S"
expect_delta IpReasmReqds 0 "$S"

r=$(probe fragcheck "$PCAP" "$A_MAC" "$B_MAC" "$A_IP" "$C_IP" 1400)
printf '%s\n' "$r"
expect_eq "requests A->C: forwarded fragments (datagrams in out refragmented bad)" "3 9 15 3 0" \
	"$(printf '%s\n' "$r" | sed -nE 's/^fragcheck datagrams=([0-9]+) in=([0-9]+) out=([0-9]+) refragmented=([0-9]+) bad=([0-9]+)$/\1 \2 \3 \4 \5/p')"
r=$(probe fragcheck "$PCAP" "$B_MAC" "$A_MAC" "$C_IP" "$A_IP" 1500)
printf '%s\n' "$r"
expect_eq "replies C->A: forwarded fragments (datagrams in out refragmented bad)" "3 15 15 0 0" \
	"$(printf '%s\n' "$r" | sed -nE 's/^fragcheck datagrams=([0-9]+) in=([0-9]+) out=([0-9]+) refragmented=([0-9]+) bad=([0-9]+)$/\1 \2 \3 \4 \5/p')"

# Fragment geometry toward B for the requests: offset/flags/length, per request.
geo=$(tcpdump -nn -v -e -r "$PCAP" "ether dst $B_MAC and src host $A_IP and dst host $C_IP" 2>/dev/null |
	sed -nE 's/.*offset ([0-9]+), flags \[([^]]*)\].*length ([0-9]+)\)$/\1\/\2\/\3/p' | sort -t/ -k1,1n | uniq -c |
	awk '{ print $1 "x" $2 }' | paste -sd' ')
expect_eq "request fragments sent toward B (count x offset/flags/length)" \
	"3x0/+/1396 3x1376/+/124 3x1480/+/1396 3x2856/+/124 3x2960/none/1068" "$geo"

# Record Route through two routers: tapstackd records its outgoing address 198.51.100.1 (RFC 1812
# 5.2.4.1); re-fragmenting, it keeps RR (copy bit clear) in the first fragment only (R9.1).
out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 -R "$C_IP" 2>&1)
printf '%s\n' "$out"
rr=$(printf '%s\n' "$out" | sed -nE 's/^(RR:)?[[:space:]]+([0-9.]+)$/\2/p' | paste -sd' ')
expect_eq "ping -R: recorded route" \
	"192.0.2.1 198.51.100.1 203.0.113.1 203.0.113.2 203.0.113.2 198.51.100.2 192.0.2.2 192.0.2.1" "$rr"
out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 -T tsandaddr "$C_IP" 2>&1)
printf '%s\n' "$out"
ts=$(printf '%s\n' "$out" | sed -n '/^TS:/,/^$/p' | grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' | paste -sd' ')
expect_eq "ping -T tsandaddr: addresses stamped (A, tapstackd inbound, B inbound, C)" \
	"192.0.2.1 192.0.2.2 198.51.100.2 203.0.113.2" "$ts"
snapshot "$S"
out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 -R -s 4000 "$C_IP" 2>&1)
ping_stats "$out"
expect_eq "ping -R -s 4000: replies" 1 "$PING_RX"
expect_delta IpFragOKs 2 "$S"
rrf=$(tcpdump -nn -v -e -r "$PCAP" "ether dst $B_MAC and src host $A_IP and ip[0] != 0x45 and (ip[6:2] & 0x3fff) != 0" 2>/dev/null | grep -E '^[0-9:.]+ ')
printf '%s\n' "$rrf"
expect_match "first fragment toward B carries RR with 198.51.100.1 recorded" \
	'offset 0, flags \[\+\], proto ICMP \(1\), length 1396, options \(NOP,RR 192\.0\.2\.1, 198\.51\.100\.1, 0\.0\.0\.0 ' "$rrf"
expect_match "later fragments toward B with the option area present" 'offset [1-9][0-9]*, ' "$rrf"
expect_nomatch "no later fragment toward B carries RR" 'offset [1-9][0-9]*, .*RR ' "$rrf"
r=$(probe fragcheck "$PCAP" "$A_MAC" "$B_MAC" "$A_IP" "$C_IP" 1400)
printf '%s\n' "$r"
expect_match "all requests A->C forwarded intact (with and without options)" ' bad=0$' "$r"

# DF set and 1500 > 1400: 3/4 from tapstackd, exempt from rate limiting.
snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.5 -W 2 -M do -s 1472 "$C_IP" 2>&1)
printf '%s\n' "$out"
first=$(printf '%s\n' "$out" | sed -n 2p)
expect_eq "first answer to a 1500-byte DF ping" "From 192.0.2.2 icmp_seq=1 Frag needed and DF set (mtu = 1400)" "$first"
second=$(printf '%s\n' "$out" | sed -n 3p)
expect_match "second answer: 3/4 again, or A's own PMTU error" \
	'^(From 192\.0\.2\.2 icmp_seq=2 Frag needed and DF set \(mtu = 1400\)|ping: local error: message too long, mtu=1400)$' "$second"
n34=$(printf '%s\n' "$out" | grep -c 'Frag needed and DF set (mtu = 1400)')
expect_delta IpFragFails "$n34" "$S"
expect_delta IcmpMsgOutType3 "$n34" "$S"
expect_delta IpForwDatagrams "$n34" "$S"   # counted before the DF check (R9.1)
expect_delta IpFragCreates 0 "$S"
fn=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 3 and icmp[icmpcode] == 4")
printf '%s\n' "$fn"
expect_match "3/4 in the capture: next-hop MTU 1400, 576 bytes, quote with TTL 64 and DF" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length 576\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP 203\.0\.113\.2 unreachable - need to frag \(mtu 1400\), length 556 \|\| IP \(tos 0x0, ttl 64, id [0-9]+, offset 0, flags \[DF\], proto ICMP \(1\), length 1500\)' "$fn"
# 3/4 is exempt from rate limiting (ICMP-SPEC §7): 20 DF datagrams of 1500 bytes sent at once
# (scapy, bypassing A's PMTU cache) get 20 answers, each with MTU 1400 in its second word.
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"
snapshot "$S"
out=$(probe send tap0 "$DMAC" "echo,dst=$C_IP,df=1,len=1480,n=20" $((0x4100 + RANDOM % 256)) 1)
expect_eq "3/4 answers to 20 back-to-back DF datagrams" 20 \
	"$(printf '%s\n' "$out" | grep -c '^rx .* type=3 code=4 .*word2=0x00000578 q.src=192.0.2.1 q.dst=203.0.113.2 .* q.ttl=64 q.len=1500 q.bytes=548 q.match=1')"
expect_delta IcmpMsgOutType3 20 "$S"
expect_delta IcmpOutRateLimitHost 0 "$S"
expect_delta IcmpOutRateLimitGlobal 0 "$S"

rg=$(inh ip route get "$C_IP")
printf '%s\n' "$rg"
expect_match "host A learned PMTU 1400 toward C from the 3/4" 'mtu 1400' "$rg"

finish
