#!/usr/bin/env bash
# ping -f -c 2000 loses nothing; echo replies are not rate limited (ICMP-SPEC R2.6).
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

out=$(inh timeout --foreground 60 ping -n -q -f -c 2000 -W 2 "$D_IP" 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" -ne 124 ] || fail "ping -f -c 2000 did not finish within 60 s"
ping_stats "$out"
assert_eq "flood echo requests sent" 2000 "$PING_TX"
assert_eq "flood echo replies received" 2000 "$PING_RX"
printf '%s\n' "$out" | grep -q ' 0% packet loss' || fail "expected 0% packet loss"
assert_counter IcmpMsgInType8 2000
assert_counter IcmpMsgOutType0 2000
assert_counter IcmpOutRateLimitGlobal 0
assert_counter IcmpOutRateLimitHost 0

stop_daemon
