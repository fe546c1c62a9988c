#!/usr/bin/env bash
# IPv6 router mode (issue 15; ICMP6-SPEC §8, V6.14, V6.16), topology A — tapstackd — B (MTU 1400)
# — C of router_lib.sh made dual stack (ROUTER_V6=1, router_hosts_v6), Linux on A, B and C:
#  - traceroute -6 (UDP, ICMP, TCP) to C: hop 1 = 2001:db8:1::2 (3/0 from tapstackd), hop 2 = B,
#    hop 3 = C, no '*';
#  - tracepath -6 learns pmtu 1400 from tapstackd's 2/0 (never fragmenting, V8.2);
#  - ping -6 -M do -s 1452 → "Packet too big: mtu=1400"; -t 1 → "Time exceeded: Hop limit";
#    an unrouted destination → "Destination unreachable: No route"; a prohibit route →
#    "Administratively prohibited"; a link-local source forwarded to another link → 1/2 (scapy);
#  - a Redirect (V6.14) when A's packet goes back out tap0 toward a router on A's link, seen by
#    A's kernel (its route cache then points at that router);
#  - Router Advertisements (V6.16, tapstackctl ra on): A, with accept_ra=1, autoconfigures an
#    address in 2001:db8:1::/64 and a default route via tapstackd's link-local (rdisc6 shows
#    the RA); ra off sends a final RA with lifetime 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
export ROUTER_V6=1
setup_router -r "2001:db8:5::/64,prohibit" -r "2001:db8:7::/64,via=fe80::1234%tap0"
router_hosts_v6 "$NS_H" "$NS_B" "$NS_C"
S=$TMP/snap
C6=2001:db8:3::2
R06=2001:db8:1::2
wait_ping "$NS_H" "$C6" "C unreachable over IPv6 from A through tapstackd"

# hops OUTPUT: traceroute's hop lines as "N ADDR[ FLAGS]" joined by "|".
hops() {
	printf '%s\n' "$1" | sed -nE 's/^ *([0-9]+) +(.*)$/\1 \2/p' |
		sed -E 's/ +[0-9.]+ ms//g; s/ +/ /g; s/ $//' | paste -sd'|'
}

# First, while A knows no path MTU toward C: the 2/0 reaches ping (afterwards A's kernel refuses
# the 1500-byte datagram itself), and A's route cache is cleared for tracepath.
out=$(inh timeout --foreground 10 ping -6 -n -c 1 -W 2 -M do -s 1452 "$C6" 2>&1)
printf '%s\n' "$out"
expect_match "ping -6 -M do -s 1452: Packet too big from tapstackd" "^From $R06 icmp_seq=1 Packet too big: mtu=1400" "$out"
ip -n "$NS_H" -6 route flush cache >/dev/null 2>&1

out=$(inh timeout --foreground 40 tracepath -6 -n -m 6 "$C6" 2>&1)
printf '%s\n' "$out"
expect_match "tracepath -6: hop 1 is tapstackd" "^ *1: +$R06 " "$out"
expect_match "tracepath -6: tapstackd reports pmtu 1400 (2/0)" "^ *[12]: +$R06 .*pmtu 1400" "$out"
expect_match "tracepath -6: reaches host C" "^ *3: +$C6 .*reached" "$out"
expect_match "tracepath -6: resume line" 'Resume: pmtu 1400 hops 3 back 3' "$out"

for mode in UDP ICMP TCP; do
	case $mode in UDP) flag="" ;; ICMP) flag=-I ;; TCP) flag=-T ;; esac
	snapshot "$S"
	out=$(inh timeout --foreground 40 traceroute -6 -n -q 1 -w 2 -m 6 $flag "$C6" 2>&1)
	printf '%s\n' "$out"
	expect_eq "traceroute -6 ($mode) hops" "1 $R06|2 2001:db8:2::2|3 $C6" "$(hops "$out")"
	expect_nomatch "traceroute -6 ($mode): no lost probe or annotation" '^ *[0-9]+ .*(\*|!)' "$out"
	expect_delta Icmp6OutTimeExcds 1 "$S"
	expect_delta_ge Ip6OutForwDatagrams 4 "$S"
done

# Each error below goes to A, whose per-destination bucket (V5.1: burst 6, then 1 per 100 ms)
# the traceroutes have emptied: a second between them refills it.
sleep 1
out=$(inh timeout --foreground 10 ping -6 -n -c 1 -W 2 -t 1 "$C6" 2>&1)
printf '%s\n' "$out"
expect_match "ping -6 -t 1: Time exceeded" "^From $R06 icmp_seq=1 Time exceeded: Hop limit" "$out"
sleep 0.5
out=$(inh timeout --foreground 10 ping -6 -n -c 1 -W 2 2001:db8:4::1 2>&1)
printf '%s\n' "$out"
expect_match "ping -6 to an unrouted prefix: No route" "^From $R06 icmp_seq=1 Destination unreachable: No route" "$out"
sleep 0.5
out=$(inh timeout --foreground 10 ping -6 -n -c 1 -W 2 2001:db8:5::1 2>&1)
printf '%s\n' "$out"
expect_match "ping -6 behind a prohibit route: Administratively prohibited" \
	"^From $R06 icmp_seq=1 Destination unreachable: Administratively prohibited" "$out"

# A link-local source cannot leave its link: 1/2 (beyond scope), from tapstackd's address on A's link.
ll=$(ip -n "$NS_H" -6 -o addr show dev tap0 scope link | sed -nE 's/.*inet6 (fe80::[0-9a-f:]+)\/64.*/\1/p' | head -n 1)
res=$(inh timeout --foreground 20 "$PY" - "$ll" "$C6" <<'EOF'
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IPv6, ICMPv6EchoRequest, ICMPv6DestUnreach, sr1, conf
conf.verb = 0
r = sr1(IPv6(src=sys.argv[1], dst=sys.argv[2]) / ICMPv6EchoRequest(id=5, seq=1), iface="tap0", timeout=3)
print("none" if r is None else "%s %d/%d" % (r[IPv6].src, r.payload.type, r.payload.code))
EOF
)
log "link-local source to C: $res"
expect_match "a link-local source forwarded to another link gets 1/2" '^fe80::[0-9a-f:]+ 1/2$' "$res"

# V6.14: 2001:db8:7::/64 is via fe80::1234 on A's own link: tapstackd forwards A's packet back out
# tap0 and tells A of the better first hop (target fe80::1234, destination 2001:db8:7::1). A takes
# a Redirect only from its current first hop (RFC 4861 8.1), so A's default route goes via
# tapstackd's link-local here, as an RA would make it.
R_LL=$(ctl addr | sed -nE '/^0: /,/^[0-9]+: /s/^ +inet6 (fe80::[0-9a-f:]+)\/64 scope link.*/\1/p' | head -n 1)
[ -n "$R_LL" ] || fail "tapstackd's link-local on tap0 not in tapstackctl addr"
ip -n "$NS_H" -6 route replace default via "$R_LL" dev tap0 || fail "A's default route via $R_LL"
snapshot "$S"
inh ping -6 -n -c 1 -W 1 2001:db8:7::1 >/dev/null 2>&1
rd=$(pcap_text "icmp6 and ip6[40] == 137")
printf '%s\n' "$rd"
expect_match "Redirect from tapstackd's link-local to A" 'fe80::[0-9a-f:]+ > 2001:db8:1::1: .*ICMP6, redirect, length [0-9]+, 2001:db8:7::1 to fe80::1234' "$rd"
got=$(ip -n "$NS_H" -6 route get 2001:db8:7::1 2>&1)
log "A's route to 2001:db8:7::1 after the Redirect: $got"
expect_match "A's kernel follows the Redirect" 'via fe80::1234' "$got"

# V6.16: tapstackd advertises on tap0; A takes an address and a default route from it.
ip netns exec "$NS_H" sysctl -qw net.ipv6.conf.tap0.accept_ra=2 net.ipv6.conf.tap0.autoconf=1 >/dev/null ||
	fail "accept_ra in A"
ip -n "$NS_H" -6 route del default >/dev/null 2>&1
ctl ra tap0 on >/dev/null || fail "tapstackctl ra tap0 on"
out=$(inh timeout --foreground 20 rdisc6 -1 -w 4000 tap0 2>&1)
printf '%s\n' "$out"
expect_match "rdisc6: router lifetime 1800 s" 'Router lifetime +: +1800 \(0x00000708\) seconds' "$out"
expect_match "rdisc6: the prefix of tap0" 'Prefix +: 2001:db8:1::/64' "$out"
expect_match "rdisc6: MTU 1500" 'MTU +: +1500 bytes' "$out"
for i in $(seq 1 50); do
	ip -n "$NS_H" -6 -o addr show dev tap0 | grep -q 'dynamic' && break
	sleep 0.1
done
a=$(ip -n "$NS_H" -6 -o addr show dev tap0)
printf '%s\n' "$a"
expect_match "A autoconfigured an address in 2001:db8:1::/64 (SLAAC)" 'inet6 2001:db8:1:0:[0-9a-f:]+/64 scope global dynamic' "$a"
r=$(ip -n "$NS_H" -6 route show default)
printf '%s\n' "$r"
expect_match "A has a default route via tapstackd's link-local" 'default via fe80::[0-9a-f:]+ dev tap0 proto ra' "$r"
snapshot "$S"
ctl ra tap0 off >/dev/null || fail "tapstackctl ra tap0 off"
sleep 0.5
fin=$(pcap_text "icmp6 and ip6[40] == 134")
expect_match "a final RA with router lifetime 0" 'router advertisement.*router lifetime 0s' "$fin"
for i in $(seq 1 30); do
	[ -z "$(ip -n "$NS_H" -6 route show default)" ] && break
	sleep 0.1
done
expect_eq "A dropped the default route after the final RA" "" "$(ip -n "$NS_H" -6 route show default)"

finish
