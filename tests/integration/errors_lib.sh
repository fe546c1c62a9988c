# shellcheck disable=SC2034,SC2120  # variables and helpers here are used by the tests that source this file

# tests/integration/errors_lib.sh — topologies for the t_5N tests: tapstackd as a HOST receiving ICMP
# errors and redirects from real Linux routers (ICMP-SPEC §8, R8.1–R8.6) (bash).
#
# Sourced after lib.sh:  . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/errors_lib.sh"
# The generic helpers it relies on (no_rpf, wait_link, wait_ping, mac_of, pcap_text,
# check_pcap_clean, the soft checks bad/expect_*/finish) are in lib.sh.
#
# setup_errors — the "far host behind a Linux router" topology:
#
#   tapstackd ($NS_D)                 router H ($NS_H, ip_forward=1)       far host C ($NS_C)
#   tap0 192.0.2.2/24 ----------------- tap0 192.0.2.1/24
#   203.0.113.0/24 via 192.0.2.1        vh 203.0.113.1/24 MTU 1300 ------- vc 203.0.113.2/24 MTU 1300
#                                                                          default via 203.0.113.1
#
# setup_redirect — a second gateway G on tapstackd's link, the far host behind G, H routing
# 203.0.113.0/24 via G out the interface it came in on (so H's kernel sends 5/1 to tapstackd):
#
#   tapstackd ($NS_D)              router H ($NS_H)            gateway G ($NS_G, ip_forward=1)   C ($NS_C)
#   tap0 192.0.2.2/24 ---- tap0 -+ br0 192.0.2.1/24
#   203.0.113.0/24                 |  203.0.113.0/24 via G
#     via 192.0.2.1        hg ----+----------------------------- gh 192.0.2.7/24
#                                                                gc 203.0.113.1/24 ----------- cg 203.0.113.2/24
#                                                                                              default via .1
#
# Every namespace comes from new_ns (lib.sh's trap deletes it); veth pairs are created inside the
# test's namespaces; nothing touches the root namespace; only documentation ranges are used. The
# kernel routers' ICMP rate limit is off (icmp_ratelimit=0) so that every error they owe is sent.

NS_C="${TS_PREFIX}c"
NS_G="${TS_PREFIX}g"
G_IP=192.0.2.7           # second gateway on tapstackd's link
ROUTER_IP=$HOST_IP       # 192.0.2.1, tapstackd's gateway (the kernel router H)
FAR_IP=203.0.113.2       # far host C
FAR_NET=203.0.113.0/24
FAR_GW=203.0.113.1       # C's gateway (H in setup_errors, G in setup_redirect)
PATH_MTU=1300

ing() { ip netns exec "$NS_G" "$@"; }

# errors_daemon_args: tapstackd as a host with its gateway 192.0.2.1 for the far network.
errors_daemon_args() {
	printf '%s\n' -i "tap0,$D_IP/24,netns=$NS_H,host=$HOST_IP/24" -r "$FAR_NET,via=$ROUTER_IP"
}

# kernel_router NS: no ICMP rate limiting, IPv4 forwarding on, reverse-path filtering off.
kernel_router() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 >/dev/null ||
		fail "ip_forward/icmp_ratelimit in $1"
	no_rpf "$1"
}

# setup_errors [EXTRA DAEMON ARGS...]
setup_errors() {
	local args mtu
	setup_ns
	new_ns "$NS_C"
	kernel_router "$NS_H"
	ip netns exec "$NS_C" sysctl -qw net.ipv4.icmp_ratelimit=0 >/dev/null || fail "icmp_ratelimit in $NS_C"
	no_rpf "$NS_C"
	ip -n "$NS_H" link add vh mtu "$PATH_MTU" type veth peer name vc mtu "$PATH_MTU" netns "$NS_C" ||
		fail "veth pair $NS_H/$NS_C"
	ip -n "$NS_H" addr add "$FAR_GW/24" dev vh || fail "address on vh"
	ip -n "$NS_C" addr add "$FAR_IP/24" dev vc || fail "address on vc"
	ip -n "$NS_H" link set vh up || fail "vh up"
	ip -n "$NS_C" link set vc up || fail "vc up"
	no_rpf "$NS_H" vh
	no_rpf "$NS_C" vc
	ip -n "$NS_C" route add default via "$FAR_GW" || fail "default route in $NS_C"
	mtu=$(ip -n "$NS_C" -o link show dev vc | sed -nE 's/.* mtu ([0-9]+) .*/\1/p')
	[ "$mtu" = "$PATH_MTU" ] || fail "vc in $NS_C has MTU '$mtu', expected $PATH_MTU"

	mapfile -t args < <(errors_daemon_args)
	start_daemon "${args[@]}" "$@"
	no_rpf "$NS_H" tap0
	wait_ping "$NS_H" "$FAR_IP"
}

# setup_redirect [EXTRA DAEMON ARGS...]
setup_redirect() {
	local args i
	setup_ns
	new_ns "$NS_G"
	new_ns "$NS_C"
	kernel_router "$NS_H"
	kernel_router "$NS_G"
	ip netns exec "$NS_C" sysctl -qw net.ipv4.icmp_ratelimit=0 >/dev/null || fail "icmp_ratelimit in $NS_C"
	no_rpf "$NS_C"
	# H sends redirects (all OR the device; set all, default, and br0 below).
	inh sysctl -qw net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.default.send_redirects=1 >/dev/null ||
		fail "send_redirects in $NS_H"
	ip -n "$NS_H" link add br0 type bridge stp_state 0 forward_delay 0 || fail "bridge br0 in $NS_H"
	ip -n "$NS_H" link add hg type veth peer name gh netns "$NS_G" || fail "veth pair $NS_H/$NS_G"
	ip -n "$NS_H" link set hg master br0 || fail "hg into br0"
	ip -n "$NS_H" link set hg up || fail "hg up"
	ip -n "$NS_G" addr add "$G_IP/24" dev gh || fail "address on gh"
	ip -n "$NS_G" link set gh up || fail "gh up"
	ip -n "$NS_G" link add gc type veth peer name cg netns "$NS_C" || fail "veth pair $NS_G/$NS_C"
	ip -n "$NS_G" addr add "$FAR_GW/24" dev gc || fail "address on gc"
	ip -n "$NS_C" addr add "$FAR_IP/24" dev cg || fail "address on cg"
	ip -n "$NS_G" link set gc up || fail "gc up"
	ip -n "$NS_C" link set cg up || fail "cg up"
	no_rpf "$NS_G" gh gc
	no_rpf "$NS_C" cg
	ip -n "$NS_C" route add default via "$FAR_GW" || fail "default route in $NS_C"

	mapfile -t args < <(errors_daemon_args)
	start_daemon "${args[@]}" "$@"
	# The daemon gave tap0 (in H) 192.0.2.1/24: move the address to the bridge, tap0 into it.
	ip -n "$NS_H" addr del "$HOST_IP/24" dev tap0 || fail "address off tap0"
	ip -n "$NS_H" link set tap0 master br0 || fail "tap0 into br0"
	ip -n "$NS_H" addr add "$HOST_IP/24" dev br0 || fail "address on br0"
	ip -n "$NS_H" link set br0 up || fail "br0 up"
	inh sysctl -qw net.ipv4.conf.br0.send_redirects=1 >/dev/null || fail "send_redirects on br0"
	no_rpf "$NS_H" br0 tap0 hg
	wait_link "$NS_H" br0 "$HOST_IP/24"
	ip -n "$NS_H" route add "$FAR_NET" via "$G_IP" dev br0 || fail "route $FAR_NET via $G_IP in $NS_H"
	wait_ping "$NS_H" "$G_IP"
	wait_ping "$NS_H" "$FAR_IP"
	H_MAC=$(mac_of "$NS_H" br0)
	G_MAC=$(mac_of "$NS_G" gh)
	log "H (br0) MAC $H_MAC, G (gh) MAC $G_MAC"
}

# kernel_snmp NS PROTO FIELD: a /proc/net/snmp value as seen inside NS (e.g. Ip ForwDatagrams).
kernel_snmp() {
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == p && h { print $col[f]; exit }' /proc/net/snmp
}

# poll_for WHAT CMD...: runs CMD (output to $POLL_OUT) every 50 ms for at most 1 s until it
# succeeds; returns its last status.
POLL_OUT=""
poll_for() {
	local i
	shift
	for i in $(seq 1 20); do
		POLL_OUT=$("$@" 2>&1) && return 0
		sleep 0.05
	done
	return 1
}

# udp_listener NS PORT SECONDS OUTFILE: a kernel UDP socket in NS on PORT that writes
# "LEN FROM" for each datagram into OUTFILE, for at most SECONDS; waits until it is bound.
udp_listener() {
	local ns=$1 port=$2 secs=$3 outf=$4 i
	: >"$outf"
	ip netns exec "$ns" timeout "$secs" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
while True:
    d, a = s.recvfrom(65535)
    with open(sys.argv[2], "a") as f:
        f.write("%d %s:%d %s\n" % (len(d), a[0], a[1], d[:16].decode("ascii", "replace")))
' "$port" "$outf" 2>"$outf.err" &
	LISTENER_PID=$!
	for i in $(seq 1 100); do
		[ -e "$outf.ready" ] && return 0
		sleep 0.05
	done
	fail "UDP listener on port $port in $ns not ready within 5 s: $(cat "$outf.err")"
}

# wait_lines FILE N: at most 3 s for FILE to hold at least N lines.
wait_lines() {
	local i
	for i in $(seq 1 60); do
		[ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# pcap_ether_dst FILTER: the link-layer destination of each frame of the daemon's capture matching
# FILTER, in order, one per line.
pcap_ether_dst() {
	tcpdump -e -nn -r "$PCAP" "$@" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i == ">") { sub(/,$/, "", $(i + 1)); print $(i + 1); break } }'
}

# redirect_opening SNAPSHOT: the common start of the redirect tests (after setup_redirect):
# snapshots the counters into SNAPSHOT and H's Ip ForwDatagrams into FWD0; `tapstackctl ping -c 3`
# of the far host (exit status 0, 3 replies with ttl=63); H's redirects in the capture ("ICMP
# redirect 203.0.113.2 to host 192.0.2.7" from 192.0.2.1) counted into NRD (at least 1); then the
# route cache, logged and kept in RC_OUT.
redirect_opening() {
	local out rc rd
	snapshot "$1"
	FWD0=$(kernel_snmp "$NS_H" Ip ForwDatagrams)
	out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 3 -i 0.3 "$FAR_IP" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# ping: /'
	expect_eq "ping $FAR_IP exit status" 0 "$rc"
	expect_eq "replies from $FAR_IP (ttl=63)" 3 \
		"$(printf '%s\n' "$out" | grep -cE "^64 bytes from $FAR_IP: icmp_seq=[123] ttl=63 time=")"

	rd=$(pcap_text "icmp and icmp[icmptype] == 5")
	printf '%s\n' "$rd" | sed 's/^/# pcap: /'
	NRD=$(printf '%s\n' "$rd" | grep -c "$ROUTER_IP > $D_IP: ICMP redirect $FAR_IP to host $G_IP")
	expect_range "redirects from H ($ROUTER_IP, new gateway $G_IP) in the capture" 1 inf "$NRD"

	RC_OUT=$(ctl route cache)
	printf '%s\n' "$RC_OUT" | sed 's/^/# route cache: /'
}
