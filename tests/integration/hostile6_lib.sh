# shellcheck shell=bash
# tests/integration/hostile6_lib.sh — a dual-stack daemon for the IPv6 hostile and flood tests
# (t_95..t_97), sourced after lib.sh.
#
# v6_start_daemon [ARGS...]: the host's kernel speaks IPv6 on tap0 but keeps quiet (no RS, no DAD,
# no RA or redirect processing); the daemon runs dual stack with MAC $DMAC:
#   -i tap0,192.0.2.2/24,2001:db8:1::2/64,netns=...,host=192.0.2.1/24,host=2001:db8:1::1/64,mac=...
# (TS_V6_LL=1: no IPv6 prefix on -i; the pair is then the daemon's link-local fe80::ff:fe00:2 and the
# host's own, for a daemon whose -i takes no IPv6 yet). Waits until ping -6 is answered (DAD), then
# pins both of the daemon's addresses as permanent neighbours of the host, so that the host never
# solicits it. Sets D6, H6 (exported as HOSTILE_D6, HOSTILE_H6 for hostile.py), P6 (what ping -6
# takes) and DMAC.

DMAC=02:00:00:00:00:02

v6_start_daemon() {
	local ll=${TS_V6_LL:-0} iface ok
	inh sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.accept_redirects=0 \
		net.ipv6.conf.all.accept_redirects=0 >/dev/null || fail "sysctl in $NS_H"
	if [ "$ll" = 1 ]; then
		iface="tap0,$D_IP/24,netns=$NS_H,host=$HOST_IP/24,mac=$DMAC"
	else
		iface="tap0,$D_IP/24,2001:db8:1::2/64,netns=$NS_H,host=$HOST_IP/24,host=2001:db8:1::1/64,mac=$DMAC"
	fi
	start_daemon -i "$iface" "$@"
	if [ "$ll" = 1 ]; then
		D6=fe80::ff:fe00:2
		H6=$(ip -n "$NS_H" -6 -o addr show dev "$HOST_IF" scope link | sed -nE 's/.*inet6 (fe80::[0-9a-f:]+)\/64.*/\1/p' | head -n 1)
		[ -n "$H6" ] || fail "no link-local address on $HOST_IF in $NS_H"
		P6="$D6%$HOST_IF"
	else
		D6=2001:db8:1::2
		H6=2001:db8:1::1
		P6=$D6
	fi
	export HOSTILE_D6=$D6 HOSTILE_H6=$H6
	ok=0
	for _ in $(seq 1 20); do
		if inh timeout --foreground 3 ping -6 -n -q -c 1 -W 1 "$P6" >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.3
	done
	[ "$ok" = 1 ] || fail "ping -6 $P6 unanswered (is IPv6 on the -i? $iface)"
	ip -n "$NS_H" -6 neigh replace "$D6" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour $D6"
	ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour $D_IP"
	log "daemon $D6 and $D_IP at $DMAC, host $H6"
}

# v6_ping_after WHAT: 3 pings -6 of the daemon, all answered.
v6_ping_after() {
	local out
	out=$(inh timeout --foreground 10 ping -6 -n -c 3 -i 0.2 -W 1 "$P6" 2>&1)
	ping_stats "$out"
	[ "$PING_RX" = 3 ] || bad "ping -6 after $1: $PING_RX of 3 answered"
}
