#!/usr/bin/env bash
# Router mode, path discovery from host A through tapstackd and host B to host C (router_lib.sh):
#  - tracepath learns PMTU 1400 from tapstackd's 3/4 (the 1500-byte TTL-1 probe gets 11/0 first,
#    R9.1: TTL before DF) and reaches C;
#  - traceroute with UDP, ICMP echo and TCP SYN probes: hop 1 = 192.0.2.2 (11/0 from tapstackd,
#    quoting the probe with its TTL of 1, R5.14), hop 2 = 198.51.100.2, hop 3 = 203.0.113.2, no '*';
#  - traceroute to 203.0.113.200 (no route at tapstackd): "!N" at hop 1 (3/0, R9.2), IpInNoRoutes;
#  - 10 UDP datagrams at once to 203.0.113.200 with icmp_ratelimit=0: 5 net unreachables, the
#    routing error path's own limiter (Linux route.c ip_error: 5 s of burst, 1 s per error;
#    issue 12 row 7), IcmpOutRateLimitRoute +5.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap

# hops OUTPUT: traceroute's hop lines as "N ADDR[ FLAGS]" joined by "|".
hops() {
	printf '%s\n' "$1" | sed -nE 's/^ *([0-9]+) +(.*)$/\1 \2/p' |
		sed -E 's/ +[0-9.]+ ms//g; s/ +/ /g; s/ $//' | paste -sd'|'
}

# tracepath first, while every ICMP token bucket toward A is full.
snapshot "$S"
out=$(inh timeout --foreground 40 tracepath -n -m 6 "$C_IP" 2>&1)
printf '%s\n' "$out"
expect_match "tracepath: hop 1 is tapstackd" '^ *1: +192\.0\.2\.2 ' "$out"
expect_match "tracepath: tapstackd reports pmtu 1400 (3/4)" '^ *2: +192\.0\.2\.2 .*pmtu 1400' "$out"
expect_match "tracepath: hop 2 is host B" '^ *2: +198\.51\.100\.2 ' "$out"
expect_match "tracepath: reaches host C at hop 3" '^ *3: +203\.0\.113\.2 .*reached' "$out"
expect_match "tracepath: resume line" 'Resume: pmtu 1400 hops 3 back 3' "$out"
expect_delta_ge IpFragFails 1 "$S"
expect_delta_ge IcmpMsgOutType3 1 "$S"
expect_delta_ge IcmpMsgOutType11 1 "$S"

for mode in UDP ICMP TCP; do
	case $mode in UDP) flag="" ;; ICMP) flag=-I ;; TCP) flag=-T ;; esac
	snapshot "$S"
	out=$(inh timeout --foreground 40 traceroute -n -q 1 -w 2 -m 6 $flag "$C_IP" 2>&1)
	printf '%s\n' "$out"
	expect_eq "traceroute ($mode) hops" "1 192.0.2.2|2 198.51.100.2|3 203.0.113.2" "$(hops "$out")"
	expect_nomatch "traceroute ($mode): no lost probe or annotation" '^ *[0-9]+ .*(\*|!)' "$out"
	expect_delta IcmpMsgOutType11 1 "$S"
	expect_delta IpInHdrErrors 1 "$S"
	expect_delta_ge IpForwDatagrams 4 "$S"
done

# 11/0 from tapstackd in the capture: precedence 6 (TOS 0xc0), TTL 64, DF clear (R5.10); the quote
# is the probe as it arrived, TTL 1 (R5.14), one per probe protocol.
te=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 11")
printf '%s\n' "$te"
for proto in 'UDP \(17\)' 'ICMP \(1\)' 'TCP \(6\)'; do
	expect_match "11/0 quoting a ${proto%% *} probe with TTL 1" \
		"^[0-9:.]+ IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length [0-9]+\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP time exceeded in-transit, length [0-9]+ \|\| IP \(tos 0x0, ttl 1, .*proto $proto" "$te"
done

# No route at tapstackd for 203.0.113.128/25: 3/0 at hop 1, traceroute stops there. The routing
# error limiter and §7's per-destination one spend the same tokens (1 s each per 3/0): wait for two.
sleep 2
snapshot "$S"
out=$(inh timeout --foreground 40 traceroute -n -q 1 -w 2 -m 3 "$UNROUTED_IP" 2>&1)
printf '%s\n' "$out"
expect_eq "traceroute to $UNROUTED_IP hops" "1 192.0.2.2 !N" "$(hops "$out")"
expect_delta_ge IpInNoRoutes 1 "$S"
expect_delta_ge IcmpMsgOutType3 1 "$S"
expect_delta IpForwDatagrams 0 "$S"
nu=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 3 and icmp[icmpcode] == 0")
expect_match "3/0 in the capture, from 192.0.2.2, precedence 6, quoting the UDP probe" \
	"IP \(tos 0xc0, ttl 64, .*flags \[none\], proto ICMP \(1\), length 88\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP net 203\.0\.113\.200 unreachable, length 68 \|\| IP \(tos 0x0, ttl 1, .*proto UDP \(17\), length 60\)" "$nu"

# Row 7 of issue 12: only the routing error limiter (icmp_ratelimit=0), its burst refilled (5 s).
ctl sysctl icmp_ratelimit=0 >/dev/null || fail "sysctl icmp_ratelimit=0"
sleep 5.2
snapshot "$S"
inh bash -c 'for i in $(seq 1 10); do echo probe > /dev/udp/'"$UNROUTED_IP"'/33434; done' 2>/dev/null
sleep 0.5
expect_delta IpInNoRoutes 10 "$S"
expect_delta IcmpMsgOutType3 5 "$S"
expect_delta IcmpOutRateLimitRoute 5 "$S"

finish
