#!/usr/bin/env bash
# IPv6 host basics against the Linux kernel on the other side of the TAP (issue 14 items 1, 6, 7):
#  - a dual-stack -i (IPv6 prefix and host= per family): the kernel side gets 2001:db8:1::1/64 by
#    libnl; our addresses leave DAD (tapstackctl addr: no "tentative" within 5 s) and then
#    `ping -6` to the global address (sizes 0, 56, 1452 = exactly the 1500-byte MTU, and 3000,
#    which needs our reassembly and our fragmentation of the reply) and to our link-local with
#    %tap0 get every reply; ndisc6 resolves us to our MAC; `ping -6 -Q 0xb8` gets replies with
#    traffic class 0xb8 (seen in the capture); tapstackctl addr/neigh/route show the IPv6 lines,
#    stats counts Icmp6InEchos = Icmp6InType128 = the echo requests sent, and -r takes an IPv6 route;
#  - an IPv6-only interface (no IPv4 address, one host=): ping -6 works, addr has no inet line,
#    and we send no ARP;
#  - "forward" sets both ip_forward and net.ipv6.conf.all.forwarding;
#  - a reload that drops "default,via=IPV6" deletes ::/0 and keeps IPv4's default;
#  - an explicit IPv6 host= where the kernel side has IPv6 disabled: exit 1, one line;
#  - no -i (the default interface, as `make run`) where IPv6 is on: ping and ping -6 both answered.
. "$(dirname "$0")/lib.sh"
setup_ns
D_IP6=2001:db8:1::2
HOST_IP6=2001:db8:1::1
# new_ns turned IPv6 off; the host side needs it (the TAP moved in takes the default).
inh sysctl -qw net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.disable_ipv6=0 >/dev/null ||
	fail "sysctl disable_ipv6=0 in $NS_H"

# The kernel side is ready when up with READY_ADDR (default: the IPv4 host address).
host_link_ready() {
	local l ns=${READY_NS:-$NS_H}
	l=$(ip -n "$ns" -o link show dev "$HOST_IF" 2>/dev/null) || return 1
	case "$l" in *"<"*",UP"*) ;; *"<UP"*) ;; *) return 1 ;; esac
	case "$l" in *LOWER_UP*) ;; *) return 1 ;; esac
	ip -n "$ns" -o addr show dev "$HOST_IF" 2>/dev/null | grep -q " ${READY_ADDR:-$HOST_IP/24} "
}

# wait_dad: polls (at most 5 s) until neither side has a tentative IPv6 address on the link.
wait_dad() {
	local i a k
	for i in $(seq 1 100); do
		a=$(ctl addr) || fail "tapstackctl addr"
		k=$(ip -n "$NS_H" -6 -o addr show dev "$HOST_IF" tentative)
		if ! printf '%s\n' "$a" | grep -q tentative && [ -z "$k" ] &&
			printf '%s\n' "$a" | grep -q 'inet6 fe80::'; then
			log "DAD done after $((i * 50)) ms"
			return 0
		fi
		sleep 0.05
	done
	fail "still tentative after 5 s: $a / kernel: $k"
}

ping6_ok() {   # ping6_ok WHAT COUNT PING-ARGS...: every reply comes back
	local what=$1 n=$2 out; shift 2
	out=$(inh timeout --foreground 20 ping -6 -n -c "$n" -i 0.2 -W 2 "$@" 2>&1)
	printf '%s\n' "$out" | tail -n 3
	ping_stats "$out"
	assert_eq "$what: replies" "$n" "$PING_RX"
}

start_daemon -i "tap0,$D_IP/24,$D_IP6/64,netns=$NS_H,host=$HOST_IP/24,host=$HOST_IP6/64" \
	-r 2001:db8:2::/64,via=$HOST_IP6
ip -n "$NS_H" -6 -o addr show dev "$HOST_IF" | grep -q " $HOST_IP6/64 scope global " ||
	fail "kernel side lacks $HOST_IP6/64: $(ip -n "$NS_H" -6 -o addr show dev "$HOST_IF")"
ip -n "$NS_H" -6 -o addr show dev "$HOST_IF" | grep " $HOST_IP6/64 " | grep -q nodad ||
	fail "the kernel side's $HOST_IP6 is not nodad"
wait_dad
addr=$(ctl addr)
printf '%s\n' "$addr"
mac=$(printf '%s\n' "$addr" | sed -nE 's/^0: tap0 .* lladdr ([0-9a-f:]{17})$/\1/p')
[ -n "$mac" ] || fail "no MAC in tapstackctl addr"
ll=$(printf '%s\n' "$addr" | sed -nE 's|^    inet6 (fe80::[0-9a-f:]+)/64 scope link$|\1|p')
[ -n "$ll" ] || fail "no link-local inet6 line in tapstackctl addr"
printf '%s\n' "$addr" | grep -qx "    inet 192.0.2.2/24 brd 192.0.2.255" || fail "no inet line"
printf '%s\n' "$addr" | grep -qx "    inet6 $D_IP6/64 scope global" || fail "no global inet6 line"
log "ok: addr shows inet, inet6 global and inet6 $ll scope link, none tentative"

ping6_ok "ping -6 $D_IP6" 3 "$D_IP6"
out=$(inh timeout --foreground 20 ping -6 -n -c 1 -W 2 "$D_IP6" 2>&1)
printf '%s\n' "$out" | grep -qE "^64 bytes from $D_IP6: icmp_seq=1 ttl=64 " ||
	fail "reply line (hop limit 64): $out"
ping6_ok "ping -6 $ll%$HOST_IF" 2 "$ll%$HOST_IF"
for size in 0 56 1452 3000; do
	ping6_ok "ping -6 -s $size" 2 -s "$size" "$D_IP6"
done

# ndisc6 asks with a multicast NS and prints the Target link-layer address of our NA.
out=$(inh timeout --foreground 10 ndisc6 -1 -r 3 -w 1000 "$D_IP6" "$HOST_IF" 2>&1) || fail "ndisc6: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -qi "Target link-layer address: $mac" || fail "ndisc6 did not print our MAC $mac: $out"
log "ok: ndisc6 resolves $D_IP6 to $mac"

# Traffic class: the reply copies the request's (V3.x), visible in the capture.
ping6_ok "ping -6 -Q 0xb8" 2 -Q 0xb8 "$D_IP6"
sleep 0.2
# ICMPv6 echo reply (type 129 right after the 40-byte header) with class 0xb8.
n=$(tcpdump -nn -r "$PCAP" 'ip6 and ip6[6] == 58 and ip6[40] == 129 and (ip6[0:2] & 0x0ff0) == 0x0b80' 2>/dev/null | grep -c .)
assert_eq "echo replies with traffic class 0xb8 in the capture" 2 "$n"

neigh=$(ctl neigh)
printf '%s\n' "$neigh"
printf '%s\n' "$neigh" | grep -qE "^($HOST_IP6|fe80::[0-9a-f:]+) dev tap0 lladdr [0-9a-f:]{17} (router )?[A-Z]+ expires [0-9]+ms$" ||
	fail "no IPv6 neighbour line"
route=$(ctl route)
printf '%s\n' "$route"
printf '%s\n' "$route" | grep -qx "2001:db8:1::/64 dev tap0 proto kernel" || fail "no connected IPv6 route"
printf '%s\n' "$route" | grep -qx "2001:db8:2::/64 via $HOST_IP6 dev tap0" || fail "no -r IPv6 route"
printf '%s\n' "$route" | grep -q "^192.0.2.0/24 dev tap0" || fail "no IPv4 route"
ctl route del 2001:db8:2::/64 || fail "route del 2001:db8:2::/64"
ctl route | grep -q "^2001:db8:2::/64" && fail "route del left the route"

# Every echo request sent above: 3 + 1 + 2 + 4*2 + 2, by name and by type.
assert_counter Icmp6InEchos 16
assert_counter Icmp6InType128 16
assert_counter Icmp6OutEchoReplies 16
assert_counter Icmp6InErrors 0
stop_daemon

# IPv6 only: no IPv4 address at all.
READY_ADDR="$HOST_IP6/64" start_daemon -i "tap0,$D_IP6/64,netns=$NS_H,host=$HOST_IP6/64"
wait_dad
addr=$(ctl addr)
printf '%s\n' "$addr"
printf '%s\n' "$addr" | grep -q '^    inet ' && fail "an IPv6-only interface shows an inet line"
printf '%s\n' "$addr" | grep -qx "    inet6 $D_IP6/64 scope global" || fail "no global inet6 line (IPv6 only)"
ping6_ok "ping -6 $D_IP6 (IPv6 only)" 3 "$D_IP6"
sleep 0.2
n=$(tcpdump -nn -r "$PCAP" "arp and ether src $mac" 2>/dev/null | grep -c .)
assert_eq "ARP frames we sent on an IPv6-only interface" 0 "$n"
stop_daemon

# Reload: a configuration whose IPv6 default route goes away deletes ::/0, not IPv4's default.
CONF=$TMP/d.conf
write_conf() {   # write_conf ROUTE...
	{ printf 'iface tap0,%s/24,%s/64,netns=%s,host=%s/24,host=%s/64\nforward\n' "$D_IP" "$D_IP6" "$NS_H" "$HOST_IP" "$HOST_IP6"
	  for r in "$@"; do printf 'route %s\n' "$r"; done; } >"$CONF"
}
write_conf "default,via=$HOST_IP" "default,via=$HOST_IP6" "2001:db8:2::/64,via=$HOST_IP6"
TS_NO_IFACE=1 start_daemon -f "$CONF"
route=$(ctl route)
printf '%s\n' "$route" | grep -qx "default via $HOST_IP6 dev tap0" || fail "no IPv6 default from the file: $route"
# "forward" (-F) makes a router of both families (ICMP6-SPEC §0).
assert_eq "forward: IPv4" "ip_forward = 1" "$(ctl sysctl ip_forward)"
assert_eq "forward: IPv6" "net.ipv6.conf.all.forwarding = 1" "$(ctl sysctl net.ipv6.conf.all.forwarding)"
write_conf "default,via=$HOST_IP" "2001:db8:2::/64,via=$HOST_IP6"
out=$(ctl reload) || fail "reload: $out"
log "$out"
route=$(ctl route)
printf '%s\n' "$route"
printf '%s\n' "$route" | grep -q "^default via $HOST_IP " || fail "the reload deleted IPv4's default route"
printf '%s\n' "$route" | grep -q "^default via $HOST_IP6 " && fail "the reload kept the IPv6 default route"
printf '%s\n' "$route" | grep -qx "2001:db8:2::/64 via $HOST_IP6 dev tap0" || fail "the reload lost 2001:db8:2::/64"
log "ok: reload removed default,via=$HOST_IP6 only"
stop_daemon

# An explicit IPv6 host= where the kernel side has IPv6 off: one line, exit 1, nothing left.
NS_X="${TS_PREFIX}x"
new_ns "$NS_X"
err=$(ip netns exec "$NS_D" timeout --foreground 10 "$TAPSTACKD" -c "$CTL" \
	-i "tap0,$D_IP6/64,netns=$NS_X,host=$HOST_IP6/64" 2>&1); rc=$?
assert_eq "exit status with IPv6 off on the kernel side" 1 "$rc"
printf '%s\n' "$err" | grep -q "IPv6 is disabled on the kernel side" || fail "message: $err"
assert_eq "lines on stderr" 1 "$(printf '%s\n' "$err" | grep -c .)"
ip -n "$NS_X" -o link show | grep -vq ': lo:' && fail "a device was left in $NS_X"

# The default interface (no -i, as `make run`) in a namespace with IPv6 on: dual stack.
ip netns exec "$NS_D" sysctl -qw net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.disable_ipv6=0 >/dev/null ||
	fail "sysctl in $NS_D"
TS_NO_IFACE=1 READY_NS=$NS_D start_daemon
for i in $(seq 1 100); do
	[ -z "$(ip -n "$NS_D" -6 -o addr show dev tap0 tentative)" ] && ! ctl addr | grep -q tentative && break
	sleep 0.05
done
ip -n "$NS_D" -6 -o addr show dev tap0 | grep -q " $HOST_IP6/64 scope global " || fail "default: no $HOST_IP6 on the kernel side"
out=$(ip netns exec "$NS_D" timeout --foreground 20 ping -6 -n -c 2 -i 0.2 -W 2 "$D_IP6" 2>&1)
ping_stats "$out"
assert_eq "ping -6 on the default interface" 2 "$PING_RX"
out=$(ip netns exec "$NS_D" timeout --foreground 20 ping -n -c 2 -i 0.2 -W 2 "$D_IP" 2>&1)
ping_stats "$out"
assert_eq "ping on the default interface" 2 "$PING_RX"
stop_daemon INT
log "all checks passed"
