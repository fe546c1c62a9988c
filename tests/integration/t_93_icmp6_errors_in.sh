#!/usr/bin/env bash
# Received ICMPv6 errors (issue 14; ICMP6-SPEC §10) with a Linux router in front of tapstackd:
#
#   tapstackd (host) tap0 2001:db8:1::2/64 --- H: tap0 2001:db8:1::1/64, forwarding, router
#        default via 2001:db8:1::1            H: vh 2001:db8:2::1/64, MTU 1400 --- B: vb 2001:db8:2::2/64
#   H: 2001:db8:5::/64 prohibit; no route for 2001:db8:9::/64; nobody at 2001:db8:2::77
#
# tapstackctl ping / udp send from the stack, Linux's errors back:
#  - 1/0 "Destination unreachable: No route", 1/1 "Administratively prohibited", 1/3 "Address
#    unreachable" (after H's neighbour solicitation fails), 3/0 "Time exceeded: Hop limit";
#  - 1/4: a UDP datagram to B's closed port: the stub's error queue reads ECONNREFUSED (1/4) from B;
#  - 2/0: ping -M do -s 1452 to B: "Packet too big: mtu=1400" from H; the route cache then holds
#    the path MTU (V10.4: for 600 s) and ping -s 1452 without -M do goes fragmented (V9.10) and is
#    answered; a 2/0 below 1280 changes nothing (scapy, from H's address).
. "$(dirname "$0")/lib.sh"
NS_B="${TS_PREFIX}b"
setup_ns
new_ns "$NS_B"
for ns in "$NS_H" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 >/dev/null || fail "IPv6 on in $ns"
done
inh sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null || fail "forwarding in H"
READY_ADDR=2001:db8:1::1/64 start_daemon -i "tap0,2001:db8:1::2/64,netns=$NS_H,host=2001:db8:1::1/64" -r "default,via=2001:db8:1::1"
ip -n "$NS_H" link add vh mtu 1400 type veth peer name vb mtu 1400 netns "$NS_B" || fail "veth H-B"
ip -n "$NS_H" -6 addr add 2001:db8:2::1/64 dev vh nodad || fail "address on vh"
ip -n "$NS_B" -6 addr add 2001:db8:2::2/64 dev vb nodad || fail "address on vb"
ip -n "$NS_H" link set vh up || fail "vh up"
ip -n "$NS_B" link set vb up || fail "vb up"
ip -n "$NS_B" -6 route add default via 2001:db8:2::1 dev vb || fail "default route in B"
ip -n "$NS_H" -6 route add prohibit 2001:db8:5::/64 || fail "prohibit route in H"
inh sysctl -qw net.ipv6.icmp.ratelimit=0 >/dev/null || fail "ratelimit in H"

# ping LINE...: tapstackctl ping's output.
tping() { timeout 20 "$TAPSTACKCTL" -c "$CTL" ping "$@" 2>&1; }
ok=0
for i in $(seq 1 30); do
	tping -c 1 -W 1 2001:db8:2::2 | grep -q ' 0% packet loss' && { ok=1; break; }
	sleep 0.2
done
[ "$ok" = 1 ] || fail "B never answered tapstackctl ping through H"

out=$(tping -c 1 -W 1 2001:db8:9::1)
printf '%s\n' "$out"
expect_match "1/0 from H" '^From 2001:db8:1::1 icmp_seq=1 Destination unreachable: No route$' "$out"
out=$(tping -c 1 -W 1 2001:db8:5::1)
printf '%s\n' "$out"
expect_match "1/1 from H" '^From 2001:db8:1::1 icmp_seq=1 Destination unreachable: Administratively prohibited$' "$out"
out=$(tping -c 1 -t 1 -W 1 2001:db8:2::2)
printf '%s\n' "$out"
expect_match "3/0 from H" '^From 2001:db8:1::1 icmp_seq=1 Time exceeded: Hop limit$' "$out"
out=$(tping -c 1 -W 5 2001:db8:2::77)
printf '%s\n' "$out"
expect_match "1/3 from H after its ND gave up" '^From 2001:db8:1::1 icmp_seq=1 Destination unreachable: Address unreachable$' "$out"

# 1/4 on a stub's error queue.
ctl udp send --keep '[2001:db8:2::2]:9999' hello >/dev/null || fail "udp send"
for i in $(seq 1 20); do ctl sockets | grep -q ECONNREFUSED && break; sleep 0.1; done
s=$(ctl sockets)
printf '%s\n' "$s"
expect_match "the stub reads ECONNREFUSED (1/4) from B" 'ECONNREFUSED \(1/4\) from 2001:db8:2::2' "$s"

# 2/0: the path MTU learned and used.
snapshot "$TMP/s1"
out=$(tping -c 1 -W 1 -M do -s 1452 2001:db8:2::2)
printf '%s\n' "$out"
expect_match "2/0 from H with the MTU of vh" '^From 2001:db8:1::1 icmp_seq=1 Packet too big: mtu=1400$' "$out"
rc=$(ctl route cache)
printf '%s\n' "$rc"
expect_match "route cache: path MTU 1400 toward B (V10.4)" '^2001:db8:2::2 .*mtu 1400 expires (59[0-9]|600)sec' "$rc"
out=$(tping -c 2 -i 0.2 -W 1 -s 1452 2001:db8:2::2)
printf '%s\n' "$out"
expect_match "ping -s 1452 through the 1400-byte link: answered" '2 packets transmitted, 2 received' "$out"
expect_delta_ge Ip6FragCreates 4 "$TMP/s1"
# A 2/0 below 1280 (or above the current value) changes nothing (RFC 8201; V10.4).
inh timeout 10 "$PY" - <<'EOF' || fail "scapy 2/0"
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IPv6, ICMPv6PacketTooBig, ICMPv6EchoRequest, send, conf
conf.verb = 0
inner = IPv6(src="2001:db8:1::2", dst="2001:db8:2::2") / ICMPv6EchoRequest(id=1, seq=1)
for mtu in (1000, 1500):
    send(IPv6(src="2001:db8:1::1", dst="2001:db8:1::2") / ICMPv6PacketTooBig(mtu=mtu) / inner, iface="tap0")
EOF
sleep 0.3
rc=$(ctl route cache)
printf '%s\n' "$rc"
expect_match "route cache: still 1400 after 2/0s of 1000 and 1500" '^2001:db8:2::2 .*mtu 1400 ' "$rc"
expect_delta Icmp6InErrors 0 "$TMP/s1"

finish
