#!/usr/bin/env bash
# Reloading the configuration file: SIGHUP and `tapstackctl reload` re-apply a changed knob and
# route without losing the ARP cache or the route cache (a redirect exception); an interface added to the file is created (and answers),
# one removed is deleted; a file that no longer parses is refused with one line on stderr while
# the daemon keeps running with its configuration.
. "$(dirname "$0")/lib.sh"
setup_ns
CONF=$TMP/tapstackd.conf
IF0=$(default_iface)
# Kernel side in the daemon's own namespace: entering another one on reload needs CAP_SYS_ADMIN,
# which the daemon gave up after start-up (issue 11); that case is refused with one line (below).
IF1="tap1,198.51.100.2/24,host=198.51.100.1/24"
write_conf() {   # write_conf RATELIMIT ROUTE [EXTRA LINES...]
	local rl=$1 rt=$2
	shift 2
	{ printf 'iface %s\n' "$IF0"; printf 'set icmp_ratelimit=%s\n' "$rl"; printf 'route %s\n' "$rt"
	  [ $# -gt 0 ] && printf '%s\n' "$@"; } >"$CONF.new"
	mv "$CONF.new" "$CONF"
}
err_lines() { wc -l <"$DAEMON_ERR"; }
# wait_reloads N: the daemon has counted N reloads (at most 2 s).
wait_reloads() {
	local i
	for i in $(seq 1 40); do
		ctl daemon | grep -q "^reloads: $1 " && return 0
		sleep 0.05
	done
	fail "reload count $1 not reached: $(ctl daemon | grep reloads)"
}

write_conf 100 "203.0.113.0/25,via=$HOST_IP"
TS_NO_IFACE=1 start_daemon -f "$CONF"
wait_ping "$NS_H" "$D_IP"
ctl neigh | grep -q "^$HOST_IP " || fail "no ARP entry for $HOST_IP after a ping: $(ctl neigh)"
neigh_before=$(ctl neigh | grep "^$HOST_IP ")
# A route-cache entry: a host redirect from the gateway (ICMP-SPEC R8.5) for 203.0.113.5.
inh $PY - "$(daemon_mac)" <<'EOPY'
import sys
from scapy.all import Ether, IP, ICMP, UDP, sendp, conf
conf.verb = 0
inner = IP(src="192.0.2.2", dst="203.0.113.5", ttl=63) / UDP(sport=40000, dport=33434)
sendp(Ether(dst=sys.argv[1]) / IP(src="192.0.2.1", dst="192.0.2.2") / ICMP(type=5, code=1, gw="192.0.2.9") / inner,
      iface="tap0")
EOPY
for i in $(seq 1 40); do ctl route cache | grep -q "^203.0.113.5 via 192.0.2.9 " && break; sleep 0.05; done
ctl route cache | grep -q "^203.0.113.5 via 192.0.2.9 " || fail "no redirect exception: $(ctl route cache)"

# 1. SIGHUP: knob and route re-applied; the ARP entry is still there.
write_conf 250 "203.0.113.128/25,via=$HOST_IP"
kill -HUP "$DAEMON_PID"
wait_reloads 1
assert_eq "knob after SIGHUP" "icmp_ratelimit = 250" "$(ctl sysctl icmp_ratelimit)"
routes=$(ctl route)
printf '%s\n' "$routes" | grep -q "^203.0.113.128/25 via $HOST_IP dev tap0" || fail "new route missing: $routes"
printf '%s\n' "$routes" | grep -q "^203.0.113.0/25 " && fail "old route still there: $routes"
ctl neigh | grep -q "^$HOST_IP " || fail "ARP entry lost on reload: $(ctl neigh)"
log "ARP entry kept: $neigh_before"
ctl route cache | grep -q "^203.0.113.5 via 192.0.2.9 " || fail "route cache lost on reload: $(ctl route cache)"

# 2. tapstackctl reload: the same, answered on the control socket; a runtime route stays.
ctl route add 198.51.100.0/25,blackhole || fail "route add"
write_conf 300 "default,via=$HOST_IP"
out=$(ctl reload) || fail "tapstackctl reload failed: $out"
log "$out"
printf '%s\n' "$out" | grep -q "routes +1 -1" || fail "reload reply: $out"
assert_eq "knob after tapstackctl reload" "icmp_ratelimit = 300" "$(ctl sysctl icmp_ratelimit)"
ctl route | grep -q "^default via $HOST_IP" || fail "default route missing: $(ctl route)"
ctl route | grep -q "^198.51.100.0/25 blackhole" || fail "runtime route lost: $(ctl route)"
ctl route del 198.51.100.0/25 || fail "route del"

# 3. An interface added to the file is created and answers; removed, it goes away.
write_conf 300 "default,via=$HOST_IP" "iface $IF1"
ctl reload >/dev/null || fail "reload adding tap1 failed"
wait_link "$NS_D" tap1 198.51.100.1/24
wait_ping "$NS_D" 198.51.100.2 "the added interface does not answer"
write_conf 300 "default,via=$HOST_IP"
out=$(ctl reload) || fail "reload removing tap1 failed: $out"
printf '%s\n' "$out" | grep -q "interfaces +0 -1" || fail "reload reply: $out"
for i in $(seq 1 40); do ip -n "$NS_D" link show tap1 >/dev/null 2>&1 || break; sleep 0.05; done
ip -n "$NS_D" link show tap1 >/dev/null 2>&1 && fail "tap1 still exists after its line was removed"
# Back again with the same line (the stack's slot is reused).
write_conf 300 "default,via=$HOST_IP" "iface $IF1"
ctl reload >/dev/null || fail "reload re-adding tap1 failed"
wait_link "$NS_D" tap1 198.51.100.1/24
wait_ping "$NS_D" 198.51.100.2 "the re-added interface does not answer"

# An interface whose kernel side goes to another namespace cannot be added once privileges are
# dropped: one line says so, the daemon goes on.
write_conf 300 "default,via=$HOST_IP" "iface $IF1" "iface tap2,203.0.113.1/24,netns=$NS_H,host=203.0.113.2/24"
out=$(ctl reload 2>&1); rc=$?
assert_eq "reload adding an interface with netns=: status" 1 "$rc"
printf '%s\n' "$out" | grep -q 'cannot enter network namespace.*Operation not permitted' ||
	fail "reload adding an interface with netns= said: $out"
write_conf 300 "default,via=$HOST_IP" "iface $IF1"
ctl reload >/dev/null 2>&1
wait_ping "$NS_D" 198.51.100.2 "tap1 gone after the netns= reload"

# 4. A broken file: refused with one line on stderr, nothing changes, the daemon goes on.
n0=$(err_lines)
write_conf 999 "default,via=$HOST_IP" "iface $IF1" "rouute 203.0.113.0/25,via=$HOST_IP"
kill -HUP "$DAEMON_PID"
wait_reloads 8
kill -0 "$DAEMON_PID" || fail "daemon died on a broken file"
new=$(tail -n +"$((n0 + 1))" "$DAEMON_ERR")
log "stderr: $new"
assert_eq "lines on stderr for a refused reload" 1 "$(printf '%s\n' "$new" | grep -c .)"
printf '%s\n' "$new" | grep -q "reload refused: $CONF:5: unknown directive \"rouute\"; running configuration kept" ||
	fail "refusal line: $new"
assert_eq "knob kept after a refused reload" "icmp_ratelimit = 300" "$(ctl sysctl icmp_ratelimit)"
out=$(ctl reload 2>&1); rc=$?
assert_eq "tapstackctl reload status on a broken file" 1 "$rc"
printf '%s\n' "$out" | grep -q "reload refused" || fail "tapstackctl reload said: $out"
# A file that parses but does not apply (gateway off-link) is refused the same way.
write_conf 999 "203.0.113.0/25,via=203.0.113.200" "iface $IF1"
out=$(ctl reload 2>&1) && fail "reload with an off-link gateway accepted: $out"
printf '%s\n' "$out" | grep -q "$CONF:3: --route: " || fail "off-link refusal: $out"
# Changing an interface's line is refused (a restart does that).
write_conf 300 "default,via=$HOST_IP" "iface ${IF1/198.51.100.2\/24/198.51.100.3/24}"
out=$(ctl reload 2>&1) && fail "reload changing tap1 accepted: $out"
assert_eq "knob kept" "icmp_ratelimit = 300" "$(ctl sysctl icmp_ratelimit)"
wait_ping "$NS_H" "$D_IP" "no answer after the refused reloads"
wait_ping "$NS_D" 198.51.100.2 "tap1 gone after the refused reloads"
ctl daemon | grep -q "^reloads: 11 (5 refused)" || fail "reload counts: $(ctl daemon | grep reloads)"
stop_daemon
log "all checks passed"
