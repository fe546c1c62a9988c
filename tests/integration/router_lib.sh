# tests/integration/router_lib.sh — the three-host router topology for the t_4N tests (bash).
#
# Sourced after lib.sh:  . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/router_lib.sh"
# The generic helpers it relies on (no_rpf, wait_link, wait_ping, mac_of, pcap_text,
# check_pcap_clean, the soft checks bad/expect_*/finish) are in lib.sh.
#
#   host A ($NS_H)          tapstackd ($NS_D, -F)             host B ($NS_B)        host C ($NS_C)
#   tap0 192.0.2.1/24 ----- tap0 192.0.2.2/24
#   default via 192.0.2.2   tap1 198.51.100.1/24, MTU 1400 -- tap1 198.51.100.2/24
#                           203.0.113.0/25 via 198.51.100.2   ip_forward=1
#                                                             vb 203.0.113.1/25 --- vc 203.0.113.2/25
#                                                             192.0.2.0/24 via      default via
#                                                               198.51.100.1          203.0.113.1
#
# 203.0.113.128/25 has no route at tapstackd (3/0 "!N"). Every namespace comes from new_ns (so
# lib.sh's trap deletes it), the veth pair is created inside $NS_B/$NS_C, and nothing here touches
# the root namespace. Only the documentation ranges are used.

NS_B="${TS_PREFIX}b"
NS_C="${TS_PREFIX}c"
A_IP=$HOST_IP            # 192.0.2.1
R0_IP=$D_IP              # 192.0.2.2, tapstackd on tap0
R1_IP=198.51.100.1       # tapstackd on tap1
B_IP=198.51.100.2        # host B on tap1
BC_IP=203.0.113.1        # host B on the veth toward C
C_IP=203.0.113.2         # host C
UNROUTED_IP=203.0.113.200
R_PROBE=$(dirname "${BASH_SOURCE[0]}")/router_probe.py

inb() { ip netns exec "$NS_B" "$@"; }
inc() { ip netns exec "$NS_C" "$@"; }

# router_daemon_args: tapstackd's arguments for the topology (without -c/-w, which start_daemon adds).
# With ROUTER_V6=1 (tests/diff/) the router is dual stack: 2001:db8:1::2/64 on tap0,
# 2001:db8:2::1/64 on tap1, 2001:db8:3::/64 via host B (router_hosts_v6 gives the hosts theirs).
router_daemon_args() {
	local v6a="" v6b=""
	if [ "${ROUTER_V6:-0}" = 1 ]; then
		v6a=",2001:db8:1::2/64" v6b=",2001:db8:2::1/64"
	fi
	printf '%s\n' -F \
		-i "tap0,$R0_IP/24$v6a,netns=$NS_H,host=$A_IP/24" \
		-i "tap1,$R1_IP/24$v6b,netns=$NS_B,host=$B_IP/24,mtu=1400" \
		-r "203.0.113.0/25,via=$B_IP"
	if [ "${ROUTER_V6:-0}" = 1 ]; then
		printf '%s\n' -r "2001:db8:3::/64,via=2001:db8:2::2"
	fi
}

# v6_on NS IF...: IPv6 on in NS (new_ns turned it off) for the given interfaces, without router
# advertisements being taken or DAD delaying the addresses.
v6_on() {
	local ns=$1 i
	shift
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null || fail "IPv6 on in $ns"
	for i in "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=0" "net.ipv6.conf.$i.accept_ra=0" \
			"net.ipv6.conf.$i.accept_dad=0" >/dev/null || fail "IPv6 on for $i in $ns"
	done
}

# router_hosts_v6 A B C: the hosts' IPv6 side of the topology (after router_hosts_post):
# A 2001:db8:1::1/64 default via the router; B 2001:db8:2::2/64 and 2001:db8:3::1/64, forwarding,
# 2001:db8:1::/64 via the router; C 2001:db8:3::2/64 default via B.
router_hosts_v6() {
	local a=$1 b=$2 c=$3
	v6_on "$a" tap0
	v6_on "$b" tap1 vb
	v6_on "$c" vc
	ip -n "$a" -6 addr add 2001:db8:1::1/64 dev tap0 nodad || fail "IPv6 address of A"
	ip -n "$b" -6 addr add 2001:db8:2::2/64 dev tap1 nodad || fail "IPv6 address of B on tap1"
	ip -n "$b" -6 addr add 2001:db8:3::1/64 dev vb nodad || fail "IPv6 address of B on vb"
	ip -n "$c" -6 addr add 2001:db8:3::2/64 dev vc nodad || fail "IPv6 address of C"
	ip netns exec "$b" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null || fail "IPv6 forwarding in $b"
	ip -n "$b" -6 route add 2001:db8:1::/64 via 2001:db8:2::1 dev tap1 || fail "IPv6 route in $b"
	ip -n "$c" -6 route add default via 2001:db8:3::1 dev vc || fail "IPv6 default route in $c"
	ip -n "$a" -6 route add default via 2001:db8:1::2 dev tap0 || fail "IPv6 default route in $a"
}

# setup_router [EXTRA DAEMON ARGS...]: builds the namespaces, starts tapstackd with the topology's
# interfaces and route plus EXTRA, and finishes the hosts' routing once the TAPs exist.
setup_router() {
	local args
	setup_ns
	router_hosts_pre "$NS_H" "$NS_B" "$NS_C"
	mapfile -t args < <(router_daemon_args)
	start_daemon "${args[@]}" "$@"
	router_hosts_post "$NS_H" "$NS_B" "$NS_C"
}

# router_hosts_pre A B C: the Linux hosts of the topology before the router exists: namespaces B
# and C (A exists already), forwarding on in B and off in A, host C behind B on a veth pair, no
# reverse-path filtering. Also used by tests/diff/ for its Linux-router twin of this topology.
router_hosts_pre() {
	local a=$1 b=$2 c=$3
	new_ns "$b"
	new_ns "$c"
	no_rpf "$a"
	no_rpf "$b"
	no_rpf "$c"
	ip netns exec "$b" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || fail "ip_forward=1 in $b"
	ip netns exec "$a" sysctl -qw net.ipv4.ip_forward=0 >/dev/null || fail "ip_forward=0 in $a"
	ip -n "$b" link add vb type veth peer name vc netns "$c" || fail "veth pair $b/$c"
	ip -n "$b" addr add "$BC_IP/25" dev vb || fail "address on vb"
	ip -n "$c" addr add "$C_IP/25" dev vc || fail "address on vc"
	ip -n "$b" link set vb up || fail "vb up"
	ip -n "$c" link set vc up || fail "vc up"
	no_rpf "$b" vb
	no_rpf "$c" vc
	ip -n "$c" route add default via "$BC_IP" || fail "default route in $c"
}

# router_hosts_post A B C: once the router's links exist (tap0 in A, tap1 in B, MTU 1400): the
# hosts' routes through the router, and C reachable from B.
router_hosts_post() {
	local a=$1 b=$2 c=$3 mtu
	wait_link "$b" tap1 "$B_IP/24"
	no_rpf "$a" tap0
	no_rpf "$b" tap1
	ip -n "$b" route add 192.0.2.0/24 via "$R1_IP" dev tap1 || fail "route to 192.0.2.0/24 in $b"
	ip -n "$a" route add default via "$R0_IP" dev tap0 || fail "default route in $a"
	mtu=$(ip -n "$b" -o link show dev tap1 | sed -nE 's/.* mtu ([0-9]+) .*/\1/p')
	[ "$mtu" = 1400 ] || fail "tap1 in $b has MTU '$mtu', expected 1400"
	wait_ping "$b" "$C_IP" "host C ($C_IP) unreachable from host B ($b)"
}

# probe ARGS...: runs router_probe.py in host A's namespace (bounded).
probe() {
	inh timeout --foreground 60 "$PY" "$R_PROBE" "$@" 2>"$TMP/probe.err" ||
		fail "router_probe.py $* failed: $(tail -n 5 "$TMP/probe.err")"
}

# field LINE KEY: the value of KEY=VALUE in a router_probe.py line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
