# tests/integration/router_lib.sh — the three-host router topology for the t_4N tests (bash).
#
# Sourced after lib.sh:  . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/router_lib.sh"
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

# no_rpf NS [IF...]: reverse-path filtering off (all, default and the named interfaces), so the
# asymmetric-looking test traffic is never dropped as martian by a namespace that inherited
# rp_filter from the machine.
no_rpf() {
	local ns=$1 k
	shift
	for k in all default "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$k.rp_filter=0" >/dev/null ||
			fail "rp_filter=0 for $k in $ns"
	done
}

# wait_link NS IF ADDR/LEN: at most 5 s for IF in NS to be up with carrier and ADDR/LEN.
wait_link() {
	local i l
	for i in $(seq 1 100); do
		l=$(ip -n "$1" -o link show dev "$2" 2>/dev/null) &&
			case "$l" in *LOWER_UP*) true ;; *) false ;; esac &&
			ip -n "$1" -o -4 addr show dev "$2" 2>/dev/null | grep -q " $3 " && return 0
		sleep 0.05
	done
	fail "$2 in $1 not up with $3 within 5 s: $(ip -n "$1" -o addr show dev "$2" 2>&1 | head -n 3)"
}

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
wait_veth() {
	local i
	for i in $(seq 1 25); do
		inb ping -n -q -c 1 -W 1 "$C_IP" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "host C ($C_IP) unreachable from host B"
}

# check_pcap_clean [PCAP]: tcpdump -vv parses every frame the daemon saw or sent with no checksum
# error (IP header, ICMP, UDP, TCP — quoted headers inside ICMP errors included) and no malformed
# header. Prints the number of frames.
check_pcap_clean() {
	local pcap=${1:-$PCAP} out bad n
	out=$(tcpdump -nn -vv -r "$pcap" 2>&1) || fail "tcpdump -r $pcap: $(printf '%s\n' "$out" | tail -n 3)"
	bad=$(printf '%s\n' "$out" | grep -nE 'bad cksum|wrong icmp cksum|bad udp cksum|incorrect ->|bad-len|bad-hlen|IP[0-9]* bad-version|\[\|(ip|icmp|udp|tcp)\]' || true)
	if [ -n "$bad" ]; then
		printf -- '--- malformed frames in the capture ---\n%s\n' "$bad" >&2
		fail "the daemon's capture holds malformed or badly checksummed packets"
	fi
	n=$(tcpdump -nn -r "$pcap" 2>/dev/null | wc -l)
	log "ok: capture clean under tcpdump -vv ($n frames)"
}

# probe ARGS...: runs router_probe.py in host A's namespace (bounded).
probe() {
	inh timeout --foreground 60 "$PY" "$R_PROBE" "$@" 2>"$TMP/probe.err" ||
		fail "router_probe.py $* failed: $(tail -n 5 "$TMP/probe.err")"
}

# Soft checks: each prints "# ok: ..." or "FAIL: ..." and the test goes on, so one run reports every
# deviation; finish (at the end of every test) stops the daemon and fails if any check failed.
SOFT_FAILS=0
bad() {
	printf 'FAIL: %s\n' "$*" >&2
	SOFT_FAILS=$((SOFT_FAILS + 1))
}
expect_eq() {   # expect_eq WHAT EXPECTED SEEN
	if [ "$2" = "$3" ]; then log "ok: $1 = $3"; else bad "$1: expected '$2', saw '$3'"; fi
}
expect_match() {   # expect_match WHAT ERE TEXT: some line of TEXT matches ERE
	if printf '%s\n' "$3" | grep -qE -- "$2"; then
		log "ok: $1"
	else
		bad "$1: no line matches /$2/ in:"
		printf '%s\n' "$3" | sed 's/^/    | /' >&2
	fi
}
expect_nomatch() {   # expect_nomatch WHAT ERE TEXT: no line of TEXT matches ERE
	local m
	m=$(printf '%s\n' "$3" | grep -E -- "$2" || true)
	if [ -z "$m" ]; then
		log "ok: $1"
	else
		bad "$1: unexpected line(s):"
		printf '%s\n' "$m" | sed 's/^/    | /' >&2
	fi
}
expect_all_match() {   # expect_all_match WHAT ERE TEXT: TEXT has lines and every one matches ERE
	local m
	m=$(printf '%s\n' "$3" | grep -vE -- "$2" || true)
	if [ -n "$3" ] && [ -z "$m" ]; then
		log "ok: $1 ($(printf '%s\n' "$3" | wc -l) lines)"
	else
		bad "$1: line(s) not matching /$2/:"
		printf '%s\n' "${m:-(no lines at all)}" | sed 's/^/    | /' >&2
	fi
}
expect_range() {   # expect_range WHAT MIN MAX SEEN (integers; MAX may be "inf")
	if [ "$4" -ge "$2" ] && { [ "$3" = inf ] || [ "$4" -le "$3" ]; }; then
		log "ok: $1 = $4"
	else
		bad "$1: expected $2..$3, saw $4"
	fi
}
expect_delta() {   # expect_delta NAME EXPECTED SNAPSHOT
	local v
	v=$(delta "$1" "$3") || exit 1
	expect_eq "$1 delta" "$2" "$v"
}
expect_delta_ge() {   # expect_delta_ge NAME MIN SNAPSHOT
	local v
	v=$(delta "$1" "$3") || exit 1
	expect_range "$1 delta" "$2" inf "$v"
}

# finish: checks the capture, stops the daemon (clean exit asserted) and fails on any soft failure.
finish() {
	check_pcap_clean
	stop_daemon
	[ "$SOFT_FAILS" -eq 0 ] || fail "$SOFT_FAILS check(s) failed (FAIL lines above)"
	log "all checks passed"
}

# field LINE KEY: the value of KEY=VALUE in a router_probe.py line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# mac_of NS IF: the MAC of IF in NS.
mac_of() { ip -n "$1" -o link show dev "$2" | sed -nE 's/.*link\/ether ([0-9a-f:]{17}).*/\1/p'; }

# pcap_text [FILTER]: tcpdump -nn -v of the daemon's capture, each packet on one line (the quoted
# datagram of an ICMP error joined to its line with " || ").
pcap_text() {
	tcpdump -nn -v -r "$PCAP" "$@" 2>/dev/null | awk '
		/^[0-9][0-9]:/ { if (line != "") print line; line = $0; next }
		{ sub(/^[ \t]+/, ""); line = line " || " $0 }
		END { if (line != "") print line }'
}
