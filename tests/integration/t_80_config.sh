#!/usr/bin/env bash
# tapstackd -f FILE: a configuration file of long-option directives starts the daemon (ping
# answered, knob, route and service from the file); the command line overrides the file; a bad
# line at start-up is "FILE:LINE: what is wrong", exit 2, with nothing created.
. "$(dirname "$0")/lib.sh"
setup_ns
CONF=$TMP/tapstackd.conf
cat >"$CONF" <<EOC
# a comment, then a blank line

iface $(default_iface)   # trailing comment
set icmp_ratelimit=100
set ip_default_ttl=77
route 203.0.113.0/25,via=$HOST_IP
service echo
EOC
TS_NO_IFACE=1 start_daemon -f "$CONF" -s ip_default_ttl=50
out=$(inh ping -n -c 3 -i 0.2 -W 2 "$D_IP" 2>&1)
ping_stats "$out"
assert_eq "replies to pings at the file's interface" 3 "$PING_RX"
# The command line's -s wins over the file's line for the same knob; the file's other set stays.
printf '%s\n' "$out" | grep -q "ttl=50 " || fail "ttl 50 (-s on the command line) expected: $out"
assert_eq "icmp_ratelimit from the file" "icmp_ratelimit = 100" "$(ctl sysctl icmp_ratelimit)"
ctl route | grep -q "^203.0.113.0/25 via $HOST_IP dev tap0" || fail "file route missing: $(ctl route)"
ctl sockets | grep -q ':7 ' || fail "service echo from the file not listening: $(ctl sockets)"
stop_daemon

# Bad lines: each one exits 2 before creating anything, naming its line.
expect_bad() {   # expect_bad LINE_NUMBER WHAT_ERE CONTENT...
	local n=$1 ere=$2 rc err
	shift 2
	printf '%s\n' "$@" >"$CONF"
	rm -f "$CTL"
	err=$(ip netns exec "$NS_D" "$TAPSTACKD" -c "$CTL" -f "$CONF" 2>&1 >/dev/null)
	rc=$?
	log "line $n: $err"
	assert_eq "exit status for a bad line $n" 2 "$rc"
	assert_eq "one line on stderr" 1 "$(printf '%s\n' "$err" | wc -l)"
	printf '%s\n' "$err" | grep -Eq "^$CONF:$n: $ere" || fail "want \"$CONF:$n: $ere\", got: $err"
	[ ! -e "$CTL" ] || fail "control socket created despite the bad line"
	ip -n "$NS_H" link show tap0 >/dev/null 2>&1 && fail "tap0 created despite the bad line"
	ip -n "$NS_D" link show tap0 >/dev/null 2>&1 && fail "tap0 created despite the bad line"
	return 0
}
IF=$(default_iface)
expect_bad 2 'unknown directive "ifface"' "iface $IF" "ifface tap1,198.51.100.2/24"
expect_bad 3 '--iface: bad prefix length "33"' "# c" "" "iface tap0,192.0.2.2/33"
expect_bad 2 '--set: unknown knob "no_such_knob"' "iface $IF" "set no_such_knob=1"
expect_bad 3 '--route: ' "iface $IF" "set icmp_ratelimit=5" "route 203.0.113.0/25,via=198.51.100.9"
expect_bad 1 '"forward" takes no argument' "forward yes" "iface $IF"
expect_bad 2 '"pcap" needs an argument' "iface $IF" "pcap"
expect_bad 1 'unknown directive "config"' "config /etc/other.conf"
expect_bad 2 '--metrics: bad port "0"' "iface $IF" "metrics 127.0.0.1:0"
log "all checks passed"
