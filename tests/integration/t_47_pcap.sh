#!/usr/bin/env bash
# Router mode, the daemon's capture over a mix of forwarded and generated traffic, read back with
# tcpdump -nn -vv (ICMP-SPEC R5.10, R5.12, R5.13): no "bad cksum" (IP headers, the quoted ones
# included), no "wrong icmp cksum", no bad UDP/TCP checksum, nothing truncated or malformed; every
# kind of ICMP error tapstackd generates appears and parses, each with precedence 6 (TOS 0xc0),
# TTL 64, DF clear, at most 576 bytes, and a quoted datagram.
# Traffic: traceroute (UDP) through to C and to an unrouted address; UDP and TCP probes to the
# daemon itself; a 4000-byte ping to C (re-fragmented); a 1500-byte DF ping (3/4); a 3080-byte ping
# to the daemon (reassembled, reply fragmented); a redirect; a prohibit route (3/13); a lone first
# fragment (11/1 after ipfrag_time=2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router -s ipfrag_time=2 -r "203.0.113.128/26,via=$A_IP"
S=$TMP/snap

run() { inh timeout --foreground 30 "$@" >>"$TMP/traffic.log" 2>&1 || true; }
run ping -n -c 1 -W 2 "$R0_IP"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"
probe send tap0 "$DMAC" first $((0x4700 + RANDOM % 256)) 0 >/dev/null   # 11/1 about 2 s from now
run ping -n -c 2 -i 0.3 -W 2 -s 4000 "$C_IP"
run traceroute -n -q 1 -w 2 -m 5 "$C_IP"
run traceroute -n -q 1 -w 1 -m 2 "$R0_IP"          # UDP to a closed port of the daemon: 3/3
run traceroute -n -T -q 1 -w 1 -m 2 "$R0_IP"       # TCP SYN to the daemon: RST
run ping -n -c 1 -W 2 -M do -s 1472 "$C_IP"
run ping -n -c 2 -i 0.3 -W 2 -s 3052 "$R0_IP"
run ping -n -c 1 -W 1 203.0.113.130
ctl route add 203.0.113.64/26,prohibit >/dev/null || fail "route add prohibit"
run ping -n -c 1 -W 1 203.0.113.70
sleep 2.1   # the 3/0 spends 1 s of the source's tokens in the routing error limiter and 1 s in §7
run traceroute -n -q 1 -w 1 -m 2 "$UNROUTED_IP"
sleep 1     # the 11/1
cat "$TMP/traffic.log"

check_pcap_clean
errs=$(pcap_text "icmp and src host $R0_IP and (icmp[icmptype] == 3 or icmp[icmptype] == 5 or icmp[icmptype] == 11 or icmp[icmptype] == 12)")
printf '%s\n' "$errs"
expect_all_match "every ICMP error from 192.0.2.2: TOS 0xc0, TTL 64, DF clear, a quoted datagram" \
	'^[0-9:.]+ IP \(tos 0xc0, ttl 64, id [0-9]+, offset 0, flags \[none\], proto ICMP \(1\), length [0-9]+\) \|\| 192\.0\.2\.2 > 192\.0\.2\.[0-9]+: ICMP .* \|\| IP \(tos 0x[0-9a-f]+, ttl [0-9]+, .*\) \|\| [0-9.]+ > [0-9.]+' "$errs"
big=$(printf '%s\n' "$errs" | sed -nE 's/^[0-9:.]+ IP \(tos [^,]*, ttl [0-9]+, id [0-9]+, offset [0-9]+, flags \[[^]]*\], proto ICMP \(1\), length ([0-9]+)\).*/\1/p' | awk '$1 > 576' | wc -l)
expect_eq "ICMP errors from 192.0.2.2 longer than 576 bytes (R5.13)" 0 "$big"
expect_match "the 3/4 is exactly 576 bytes (548 quoted of 1500, R5.13)" 'length 576\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP 203\.0\.113\.2 unreachable - need to frag' "$errs"
for kind in 'time exceeded in-transit' 'ip reassembly time exceeded' 'net 203\.0\.113\.200 unreachable' \
	'192\.0\.2\.2 udp port 3343[0-9] unreachable' '203\.0\.113\.2 unreachable - need to frag \(mtu 1400\)' \
	'redirect 203\.0\.113\.130 to host 192\.0\.2\.1' 'host 203\.0\.113\.70 unreachable - admin prohibited filter'; do
	expect_match "capture holds: $kind" "ICMP $kind" "$errs"
done
all=$(tcpdump -nn -vv -r "$PCAP" 2>/dev/null)
expect_match "capture holds: the daemon's TCP RST, checksum correct" \
	'192\.0\.2\.2\.[0-9]+ > 192\.0\.2\.1\.[0-9]+: Flags \[R\.\], cksum 0x[0-9a-f]+ \(correct\)' "$all"
expect_match "capture holds: forwarded fragments toward B (1396 bytes)" 'offset 0, flags \[\+\], proto ICMP \(1\), length 1396\)' "$all"
expect_match "capture holds: the daemon's fragmented echo reply (last fragment, 120 bytes)" \
	'offset 2960, flags \[none\], proto ICMP \(1\), length 120\)' "$all"

finish
