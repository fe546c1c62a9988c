#!/usr/bin/env bash
# Prometheus metrics: `tapstackctl stats --prometheus` and `tapstackd --metrics 127.0.0.1:PORT`
# (scraped with curl) both pass `promtool check metrics`, carry the counters' values (ICMP and
# ICMPv6 per type with a type label, per-interface frames with an iface label, drops with a reason label —
# the interfaces' and the stack's, as `tapstackctl drops` names them),
# and the server listens on the address asked for only.
. "$(dirname "$0")/lib.sh"
setup_ns
PORT=9412
start_daemon --metrics "127.0.0.1:$PORT"
out=$(inh ping -n -c 3 -i 0.2 -W 2 "$D_IP" 2>&1)
ping_stats "$out"
assert_eq "echo replies" 3 "$PING_RX"
# Two datagrams to a closed port: two drops named UdpNoPorts, two errors sent.
printf 'x\n' | inh timeout --foreground 5 nc -u -w 1 "$D_IP" 9 >/dev/null 2>&1
printf 'y\n' | inh timeout --foreground 5 nc -u -w 1 "$D_IP" 9 >/dev/null 2>&1

check() {   # check WHAT FILE
	local lint
	lint=$(promtool check metrics <"$2" 2>&1) || fail "promtool check metrics ($1): $lint"
	[ -z "$lint" ] || fail "promtool check metrics ($1) complains: $lint"
	grep -qx 'tapstack_icmp_msg_in_total{type="8"} 3' "$2" || fail "$1: no echo-request count of 3"
	grep -qx 'tapstack_icmp_msg_out_total{type="0"} 3' "$2" || fail "$1: no echo-reply count of 3"
	grep -qx "tapstack_ip_in_receives_total $(counter IpInReceives)" "$2" || fail "$1: ip_in_receives"
	grep -qx '# TYPE tapstack_ip_in_receives_total counter' "$2" || fail "$1: TYPE line"
	grep -q '^# HELP tapstack_ip_in_receives_total ' "$2" || fail "$1: HELP line"
	grep -qE '^tapstack_iface_rx_frames_total\{iface="tap0"\} [1-9]' "$2" || fail "$1: iface rx frames"
	grep -qx 'tapstack_iface_drops_total{iface="tap0",reason="rx_toobig"} 0' "$2" || fail "$1: drops by reason"
	grep -qx 'tapstack_drops_total{reason="UdpNoPorts"} 2' "$2" || fail "$1: the stack's drop reasons (tapstackctl drops)"
	grep -qx '# TYPE tapstack_icmp_errors_suppressed_total counter' "$2" || fail "$1: errors-not-sent family"
	# ICMPv6 by type: the MLDv2 report (143) the stack sends as its interface comes up (more
	# follow, and DAD's solicitation after a random delay, so no exact values here).
	grep -qx '# TYPE tapstack_icmp6_out_total counter' "$2" || fail "$1: no ICMPv6 per-type family"
	grep -qE '^tapstack_icmp6_out_total\{type="143"\} [1-9][0-9]*$' "$2" || fail "$1: ICMPv6 type 143"
	grep -qE '^tapstack_nd_out_neighbor_solicits_total [0-9]+$' "$2" || fail "$1: NdOutNS spelled out"
	# Every counter of `tapstackctl stats` is there.
	local n m
	n=$(ctl stats | grep -vcE '^(IcmpMsg|Icmp6(In|Out)Type)')
	m=$(grep -c '^tapstack_[a-z0-9_]*_total [0-9]' "$2")
	[ "$m" -ge "$n" ] || fail "$1: $m plain counters for the $n of tapstackctl stats"
	log "$1: promtool clean, $(grep -vc '^#' "$2") samples"
}
ctl stats --prometheus >"$TMP/ctl.prom" || fail "tapstackctl stats --prometheus"
check "tapstackctl stats --prometheus" "$TMP/ctl.prom"
ip netns exec "$NS_D" curl -sS -f -m 5 -D "$TMP/hdr" "http://127.0.0.1:$PORT/metrics" >"$TMP/http.prom" ||
	fail "curl http://127.0.0.1:$PORT/metrics"
check "GET /metrics" "$TMP/http.prom"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/hdr" || fail "content type: $(cat "$TMP/hdr")"
code=$(ip netns exec "$NS_D" curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/other")
assert_eq "status for another path" 404 "$code"
# Bound to 127.0.0.1 only, and in the daemon's namespace only.
listen=$(ip netns exec "$NS_D" ss -Hltn "sport = :$PORT")
log "listening: $listen"
assert_eq "listening sockets on port $PORT" 1 "$(printf '%s\n' "$listen" | grep -c .)"
printf '%s\n' "$listen" | grep -q " 127.0.0.1:$PORT " || fail "not bound to 127.0.0.1: $listen"
# Scrapes do not disturb the data path: pings are still answered, the loop still counts.
for i in 1 2 3 4 5; do ip netns exec "$NS_D" curl -s -m 5 "http://127.0.0.1:$PORT/metrics" >/dev/null; done
out=$(inh ping -n -c 2 -i 0.2 -W 2 "$D_IP" 2>&1)
ping_stats "$out"
assert_eq "echo replies after scrapes" 2 "$PING_RX"
grep -qx 'tapstack_icmp_msg_in_total{type="8"} 5' <(ip netns exec "$NS_D" curl -s -m 5 "http://127.0.0.1:$PORT/metrics") ||
	fail "the scrape does not show the 5 echo requests"
stop_daemon
# A port in use: one line, exit 1.
ip netns exec "$NS_D" $PY -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",9412)); s.listen(); sys.stdout.write("x\n"); sys.stdout.flush(); time.sleep(10)' >"$TMP/busy" &
BUSY=$!
for i in $(seq 1 40); do [ -s "$TMP/busy" ] && break; sleep 0.05; done
err=$(ip netns exec "$NS_D" "$TAPSTACKD" -c "$CTL" -i "$(default_iface)" --metrics "127.0.0.1:$PORT" 2>&1); rc=$?
kill "$BUSY"; wait "$BUSY" 2>/dev/null
assert_eq "exit status with the metrics port taken" 1 "$rc"
printf '%s\n' "$err" | grep -q "^tapstackd: --metrics: cannot listen on 127.0.0.1:$PORT" || fail "port taken: $err"
log "all checks passed"
