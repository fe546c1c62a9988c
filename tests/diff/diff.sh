#!/bin/bash
# tests/diff/diff.sh — differential test: the same probes sent to tapstackd and to a Linux router.
#
#   sudo bash tests/diff/diff.sh          (what `make diff` runs; FULL=1 adds the probes marked full)
#
# Two identical worlds A — R — B — C, built in namespaces of this run only, documentation addresses
# only (the topology of tests/integration/router_lib.sh):
#   world "tapstack": R is tapstackd (-F) in its own namespace, its TAPs' kernel sides moved to A and B;
#   world "linux":    R is a Linux namespace forwarding between two veth pairs.
# Same addresses, MTUs (B's link 1400), routes and knobs (KNOBS below, set on both and read back).
# tests/diff/diff.py runs the corpus (tests/diff/corpus.txt) from A in both worlds at the same
# moments, tcpdump records A's and B's links, and diff.py compare prints one verdict per probe and
# `N passed, M failed`; the exit status is nonzero if any probe failed. An EXIT trap (lib.sh's)
# stops what this script started and deletes every namespace of the run.
#
# Environment: FULL=1, TAPSTACKD / TAPSTACKCTL (lib.sh), DIFF_KEEP=DIR (copy the captures, windows,
# per-probe details and a compare.sh that reruns the comparison there), DIFF_ONLY=PATTERN,...
# (only the probes whose names match), DIFF_LINUX_SET="key=value ..." (an extra knob for the Linux
# router only — to check that the harness sees a difference; never for a real run),
# DIFF_SPEC_DIR=DIR (where ICMP-SPEC.md and the other specs are, if not ../shared).

DIFF_DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIFF_DIR/../integration/lib.sh"
. "$DIFF_DIR/../integration/router_lib.sh"

FULL=${FULL:-0}
CORPUS=$DIFF_DIR/corpus.txt
ALLOW=$DIFF_DIR/allow.txt
# The spec (whose POLICY rules the allowlist names) sits beside the repository, ../shared; from a
# git worktree, beside the main checkout.
spec_dir() {
	local d common
	common=$(git -C "$TS_TOP" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	for d in ${DIFF_SPEC_DIR:-} "$TS_TOP/../shared" ${common:+"$common/../../shared"}; do
		[ -f "$d/ICMP-SPEC.md" ] && { (cd "$d" && pwd); return 0; }
	done
	return 1
}
# docs/POLICY.md carries the POLICY rules the allowlist may name, so a clone without ../shared (CI)
# checks it too; the shared specs are read as well when they are there.
SPECS=("$TS_TOP/docs/POLICY.md")
if SPEC_DIR=$(spec_dir); then
	for s in ICMP-SPEC.md ICMP6-SPEC.md ICMP-EXT-SPEC.md; do
		[ -f "$SPEC_DIR/$s" ] && SPECS+=("$SPEC_DIR/$s")
	done
fi

# The knobs, the same on both routers. ipfrag_time is short so that the reassembly-timeout probe
# takes seconds; the rest are the defaults, set explicitly because a new namespace's IPv4 conf
# is inherited from the machine's.
KNOBS="icmp_echo_ignore_all=0 icmp_echo_ignore_broadcasts=1 icmp_ignore_bogus_error_responses=1
icmp_errors_use_inbound_ifaddr=0 icmp_ratelimit=1000 icmp_ratemask=6168 icmp_msgs_per_sec=1000
icmp_msgs_burst=50 ip_default_ttl=64 ip_forward=1 send_redirects=1 accept_redirects=0
accept_source_route=0 min_pmtu=552 mtu_expires=600 ipfrag_time=3 ipfrag_max_dist=64
ipfrag_high_thresh=4194304 ipfrag_low_thresh=3145728 icmp_echo_enable_probe=1
net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=100 net.ipv6.icmp.ratemask=0-1,3-127
net.ipv6.icmp.echo_ignore_all=0 net.ipv6.icmp.echo_ignore_multicast=0 net.ipv6.icmp.echo_ignore_anycast=0
net.ipv6.ip6frag_time=3"
# The IPv6 side (ICMP6-SPEC): both routers dual stack (router_lib.sh's ROUTER_V6), with a prohibit
# and a blackhole route; 2001:db8:4::/64 has no route (1/0).
export ROUTER_V6=1
PROHIBIT6_NET=2001:db8:5::/64
BLACKHOLE6_NET=2001:db8:6::/64

# Besides router_lib.sh's routes, both routers have a prohibit route (3/13) and a blackhole route
# (silence) inside 203.0.113.128/25, which stays unrouted elsewhere (203.0.113.200: 3/0).
PROHIBIT_NET=203.0.113.224/27
BLACKHOLE_NET=203.0.113.208/28

# linux_knob KEY: the sysctl path(s) of a tapstackd knob in the Linux router.
linux_knob() {
	case "$1" in
	send_redirects | accept_redirects | accept_source_route)
		printf 'net.ipv4.conf.%s.%s\n' all "$1" default "$1" tap0 "$1" tap1 "$1" ;;
	min_pmtu | mtu_expires) printf 'net.ipv4.route.%s\n' "$1" ;;
	net.*) printf '%s\n' "$1" ;;
	*) printf 'net.ipv4.%s\n' "$1" ;;
	esac
}

# The Linux world: namespaces ${TS_PREFIX}la, lr, lb, lc.
NS_LA="${TS_PREFIX}la"
NS_LR="${TS_PREFIX}lr"
NS_LB="${TS_PREFIX}lb"
NS_LC="${TS_PREFIX}lc"

inlr() { ip netns exec "$NS_LR" "$@"; }

build_linux_world() {
	local k v p
	new_ns "$NS_LA"
	ip netns exec "$NS_LA" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1 >/dev/null || fail "sysctl in $NS_LA"
	router_hosts_pre "$NS_LA" "$NS_LB" "$NS_LC"
	new_ns "$NS_LR"
	ip -n "$NS_LR" link add tap0 type veth peer name tap0 netns "$NS_LA" || fail "veth R-A"
	ip -n "$NS_LR" link add tap1 mtu 1400 type veth peer name tap1 mtu 1400 netns "$NS_LB" || fail "veth R-B"
	ip -n "$NS_LR" addr add "$R0_IP/24" dev tap0 || fail "address on R's tap0"
	ip -n "$NS_LR" addr add "$R1_IP/24" dev tap1 || fail "address on R's tap1"
	ip -n "$NS_LA" addr add "$A_IP/24" dev tap0 || fail "address on A's tap0"
	ip -n "$NS_LB" addr add "$B_IP/24" dev tap1 || fail "address on B's tap1"
	# Everything of the router's IPv4 conf that could differ from tapstack's behaviour by
	# inheritance from the machine: set to Linux's defaults.
	for k in all default tap0 tap1; do
		for p in rp_filter=0 arp_ignore=0 arp_announce=0 arp_filter=0 arp_accept=0 proxy_arp=0 \
			accept_local=0 route_localnet=0 bc_forwarding=0 shared_media=1 secure_redirects=1 \
			log_martians=0 drop_gratuitous_arp=0 arp_notify=0 forwarding=1; do
			inlr sysctl -qw "net.ipv4.conf.$k.$p" >/dev/null || fail "sysctl conf.$k.$p in $NS_LR"
		done
	done
	for p in $KNOBS; do
		k=${p%%=*} v=${p#*=}
		for s in $(linux_knob "$k"); do
			inlr sysctl -qw "$s=$v" >/dev/null || fail "sysctl $s=$v in $NS_LR"
		done
	done
	for p in ${DIFF_LINUX_SET:-}; do
		log "Linux router only: $p (DIFF_LINUX_SET)"
		inlr sysctl -qw "$(linux_knob "${p%%=*}" | head -n 1)=${p#*=}" >/dev/null || fail "DIFF_LINUX_SET $p"
	done
	for p in "$NS_LR tap0" "$NS_LR tap1" "$NS_LA tap0" "$NS_LB tap1"; do
		set -- $p
		ip -n "$1" link set "$2" up || fail "$2 up in $1"
	done
	ip -n "$NS_LR" route add 203.0.113.0/25 via "$B_IP" dev tap1 || fail "route in $NS_LR"
	ip -n "$NS_LR" route add prohibit "$PROHIBIT_NET" || fail "prohibit route in $NS_LR"
	ip -n "$NS_LR" route add blackhole "$BLACKHOLE_NET" || fail "blackhole route in $NS_LR"
	wait_link "$NS_LA" tap0 "$A_IP/24"
	router_hosts_post "$NS_LA" "$NS_LB" "$NS_LC"
	v6_on "$NS_LR" tap0 tap1
	# KNOBS (forwarding among them) again, now that IPv6 is on in the router.
	for p in $KNOBS; do
		case "$p" in net.ipv6.*) inlr sysctl -qw "$p" >/dev/null || fail "sysctl $p in $NS_LR" ;; esac
	done
	ip -n "$NS_LR" -6 addr add 2001:db8:1::2/64 dev tap0 nodad || fail "IPv6 address on R's tap0"
	ip -n "$NS_LR" -6 addr add 2001:db8:2::1/64 dev tap1 nodad || fail "IPv6 address on R's tap1"
	router_hosts_v6 "$NS_LA" "$NS_LB" "$NS_LC"
	ip -n "$NS_LR" -6 route add 2001:db8:3::/64 via 2001:db8:2::2 dev tap1 || fail "IPv6 route in $NS_LR"
	ip -n "$NS_LR" -6 route add prohibit "$PROHIBIT6_NET" || fail "IPv6 prohibit route in $NS_LR"
	ip -n "$NS_LR" -6 route add blackhole "$BLACKHOLE6_NET" || fail "IPv6 blackhole route in $NS_LR"
}

build_tapstack_world() {
	local args=(-r "$PROHIBIT_NET,prohibit" -r "$BLACKHOLE_NET,blackhole"
		-r "$PROHIBIT6_NET,prohibit" -r "$BLACKHOLE6_NET,blackhole") p
	for p in $KNOBS; do args+=(-s "$p"); done
	setup_router "${args[@]}"
	router_hosts_v6 "$NS_H" "$NS_B" "$NS_C"
}

# knobs_equal: every knob reads the same in both routers.
knobs_equal() {
	local p k v lv tv s
	for p in $KNOBS; do
		k=${p%%=*}
		tv=$(ctl sysctl "$k" | sed -nE 's/^[a-z_0-9.]+ = //p')
		for s in $(linux_knob "$k"); do
			lv=$(inlr sysctl -n "$s")
			[ "$tv" = "$lv" ] || [ -n "${DIFF_LINUX_SET:-}" ] ||
				fail "knob $k: tapstackd $tv, Linux $s = $lv"
		done
	done
	log "knobs equal on both routers: $(printf '%s ' $KNOBS)"
}

# host_a_pool NS: host A's per-probe source addresses (/32, beside its /24) and the second host
# address A2 that the redirect probe sends to.
host_a_pool() {
	{
		for i in $(seq 10 249); do echo "addr add 192.0.2.$i/32 dev tap0"; done
		echo "addr add 192.0.2.9/32 dev tap0"
		for i in $(seq 256 495); do printf 'addr add 2001:db8:1::%x/128 dev tap0 nodad\n' "$i"; done
		echo "addr add 2001:db8:1::9/128 dev tap0 nodad"
	} | ip -n "$1" -batch - || fail "host A's address pool in $1"
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.tap0.arp_ignore=0 \
		net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.tap0.arp_announce=0 >/dev/null ||
		fail "arp sysctls in $1"
}

CAP_PIDS=""
# capture NS IF FILE: tcpdump on IF in NS until stop_captures; waits until it listens. Immediate
# mode (no frame waits for a buffer timeout when the capture stops), a snap length just above the
# largest frame (libpcap sizes its ring slots by it) and an 8 MiB buffer: a 65535-byte ping's 45
# fragments are kept. Frames the kernel dropped make the run fail (stop_captures).
capture() {
	local err=$3.err i
	ip netns exec "$1" tcpdump -i "$2" --immediate-mode -B 8192 -U -n -s 2048 -w "$3" >/dev/null 2>"$err" &
	CAP_PIDS="$CAP_PIDS $!"
	DAEMON_PIDS="$DAEMON_PIDS $!"   # lib.sh's trap stops it on any exit
	for i in $(seq 1 100); do
		grep -qs 'listening on' "$err" && return 0
		sleep 0.05
	done
	fail "tcpdump on $2 in $1 did not start: $(cat "$err")"
}
stop_captures() {
	local p f
	sleep 1
	for p in $CAP_PIDS; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		forget_pid "$p"
	done
	for f in "$OUT"/*.pcap.err; do
		grep -Eq '^0 packets dropped by kernel' "$f" || fail "a capture lost frames: $f: $(tail -n 3 "$f" | tr '\n' ' ')"
	done
}

START=$(date +%s)
SPECARGS=()
for s in "${SPECS[@]}"; do SPECARGS+=(--spec "$s"); done
# A bad allowlist fails the run before any probe is sent.
"$PY" "$DIFF_DIR/diff.py" check-allow --allow "$ALLOW" "${SPECARGS[@]}" || fail "allowlist $ALLOW refused"
log "building the worlds (run $TS_PREFIX)"
build_tapstack_world
build_linux_world
knobs_equal
host_a_pool "$NS_H"
host_a_pool "$NS_LA"
wait_ping "$NS_H" "$C_IP" "C unreachable from A through tapstackd"
wait_ping "$NS_LA" "$C_IP" "C unreachable from A through the Linux router"
wait_ping "$NS_H" 2001:db8:3::2 "C unreachable over IPv6 from A through tapstackd"
wait_ping "$NS_LA" 2001:db8:3::2 "C unreachable over IPv6 from A through the Linux router"

T_AMAC=$(mac_of "$NS_H" tap0)
L_AMAC=$(mac_of "$NS_LA" tap0)
T_RMAC=$(daemon_mac)
L_RMAC=$(mac_of "$NS_LR" tap0)
T_BMAC=$(mac_of "$NS_B" tap1)
L_BMAC=$(mac_of "$NS_LB" tap1)
if [ -z "$T_RMAC" ] || [ -z "$L_RMAC" ]; then
	fail "router MACs unknown (tapstack '$T_RMAC', linux '$L_RMAC')"
fi

OUT=$TMP/diff
mkdir -p "$OUT"
capture "$NS_H" tap0 "$OUT/tapstack.a.pcap"
capture "$NS_B" tap1 "$OUT/tapstack.b.pcap"
capture "$NS_LA" tap0 "$OUT/linux.a.pcap"
capture "$NS_LB" tap1 "$OUT/linux.b.pcap"

FULLARG=()
[ "$FULL" = 1 ] && FULLARG=(--full)
log "probing both worlds ($(/usr/bin/python3 "$DIFF_DIR/diff.py" list "$CORPUS" ${FULLARG[@]+"${FULLARG[@]}"} | wc -l) probes)"
ip netns exec "$NS_H" timeout -k 5 900 "$PY" "$DIFF_DIR/diff.py" run tapstack --corpus "$CORPUS" --out "$OUT" \
	--iface tap0 --amac "$T_AMAC" --rmac "$T_RMAC" ${FULLARG[@]+"${FULLARG[@]}"} 2>"$OUT/tapstack.err" &
RUN_T=$!
ip netns exec "$NS_LA" timeout -k 5 900 "$PY" "$DIFF_DIR/diff.py" run linux --corpus "$CORPUS" --out "$OUT" \
	--iface tap0 --amac "$L_AMAC" --rmac "$L_RMAC" ${FULLARG[@]+"${FULLARG[@]}"} 2>"$OUT/linux.err" &
RUN_L=$!
DAEMON_PIDS="$DAEMON_PIDS $RUN_T $RUN_L"
wait "$RUN_T"; rc_t=$?
wait "$RUN_L"; rc_l=$?
forget_pid "$RUN_T"
forget_pid "$RUN_L"
stop_captures
[ "$rc_t" -eq 0 ] || fail "the tapstack world's driver failed ($rc_t): $(tail -n 5 "$OUT/tapstack.err")"
[ "$rc_l" -eq 0 ] || fail "the Linux world's driver failed ($rc_l): $(tail -n 5 "$OUT/linux.err")"

COMPARE=("$PY" "$DIFF_DIR/diff.py" compare --corpus "$CORPUS" --dir "$OUT" --allow "$ALLOW" "${SPECARGS[@]}"
	--amac-tapstack "$T_AMAC" --amac-linux "$L_AMAC" --bmac-tapstack "$T_BMAC" --bmac-linux "$L_BMAC"
	${FULLARG[@]+"${FULLARG[@]}"})
# The comparison again, offline, on a kept directory: bash DIR/compare.sh (after DIFF_KEEP=DIR).
printf '%q ' "${COMPARE[@]}" | sed "s|$OUT|\"\$(dirname \"\$0\")\"|g" >"$OUT/compare.sh"
"${COMPARE[@]}"
rc=$?
if [ -n "${DIFF_KEEP:-}" ]; then
	mkdir -p "$DIFF_KEEP" && cp -r "$OUT"/. "$DIFF_KEEP"/ && log "captures and details kept in $DIFF_KEEP"
fi
stop_daemon
log "make diff took $(($(date +%s) - START)) s"
exit "$rc"
