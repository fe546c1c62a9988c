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
router_daemon_args() {
	printf '%s\n' -F \
		-i "tap0,$R0_IP/24,netns=$NS_H,host=$A_IP/24" \
		-i "tap1,$R1_IP/24,netns=$NS_B,host=$B_IP/24,mtu=1400" \
		-r "203.0.113.0/25,via=$B_IP"
}

# setup_router [EXTRA DAEMON ARGS...]: builds the namespaces, starts tapstackd with the topology's
# interfaces and route plus EXTRA, and finishes the hosts' routing once the TAPs exist.
setup_router() {
	local args
	setup_ns
	new_ns "$NS_B"
	new_ns "$NS_C"
	no_rpf "$NS_H"
	no_rpf "$NS_B"
	no_rpf "$NS_C"
	inb sysctl -qw net.ipv4.ip_forward=1 >/dev/null || fail "ip_forward=1 in $NS_B"
	inh sysctl -qw net.ipv4.ip_forward=0 >/dev/null || fail "ip_forward=0 in $NS_H"
	ip -n "$NS_B" link add vb type veth peer name vc netns "$NS_C" || fail "veth pair $NS_B/$NS_C"
	ip -n "$NS_B" addr add "$BC_IP/25" dev vb || fail "address on vb"
	ip -n "$NS_C" addr add "$C_IP/25" dev vc || fail "address on vc"
	ip -n "$NS_B" link set vb up || fail "vb up"
	ip -n "$NS_C" link set vc up || fail "vc up"
	no_rpf "$NS_B" vb
	no_rpf "$NS_C" vc
	ip -n "$NS_C" route add default via "$BC_IP" || fail "default route in $NS_C"

	mapfile -t args < <(router_daemon_args)
	start_daemon "${args[@]}" "$@"
	wait_link "$NS_B" tap1 "$B_IP/24"
	no_rpf "$NS_H" tap0
	no_rpf "$NS_B" tap1
	ip -n "$NS_B" route add 192.0.2.0/24 via "$R1_IP" dev tap1 || fail "route to 192.0.2.0/24 in $NS_B"
	ip -n "$NS_H" route add default via "$R0_IP" dev tap0 || fail "default route in $NS_H"
	local mtu
	mtu=$(ip -n "$NS_B" -o link show dev tap1 | sed -nE 's/.* mtu ([0-9]+) .*/\1/p')
	[ "$mtu" = 1400 ] || fail "tap1 in $NS_B has MTU '$mtu', expected 1400"
	wait_veth
}

# wait_veth: at most 5 s for C to be reachable from B (veth carrier up, ARP resolved).
wait_veth() { wait_ping "$NS_B" "$C_IP" "host C ($C_IP) unreachable from host B"; }

# probe ARGS...: runs router_probe.py in host A's namespace (bounded).
probe() {
	inh timeout --foreground 60 "$PY" "$R_PROBE" "$@" 2>"$TMP/probe.err" ||
		fail "router_probe.py $* failed: $(tail -n 5 "$TMP/probe.err")"
}

# field LINE KEY: the value of KEY=VALUE in a router_probe.py line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
