#!/usr/bin/env bash
# Echo to the subnet broadcast 192.0.2.255 (ICMP-SPEC §0, R1.5, R2.3):
#  - default icmp_echo_ignore_broadcasts=1: no reply, IcmpInErrors +1 per request;
#  - set to 0 at run time with `tapstackctl sysctl`: replies, from 192.0.2.2;
#  - daemon started with -s icmp_echo_ignore_broadcasts=0: replies.
# The host namespace keeps its own icmp_echo_ignore_broadcasts=1 (setup_ns): with 0 its kernel
# would answer its own looped-back broadcast pings and ping would count those as replies.
. "$(dirname "$0")/lib.sh"
setup_ns

# bping: three broadcast pings; sets FROM_D to the replies that came from the daemon.
bping() {
	local out
	out=$(inh timeout --foreground 20 ping -n -b -c 3 -i 0.2 -W 1 "$D_BCAST" 2>&1)
	printf '%s\n' "$out"
	ping_stats "$out"
	assert_eq "broadcast echo requests sent" 3 "$PING_TX"
	FROM_D=$(printf '%s\n' "$out" | grep -cE "^64 bytes from $D_IP: icmp_seq=")
	local other
	other=$(printf '%s\n' "$out" | grep -E ' bytes from ' | grep -vE " bytes from $D_IP: ")
	[ -z "$other" ] || fail "replies from someone other than $D_IP: $other"
}

start_daemon
assert_eq "sysctl icmp_echo_ignore_broadcasts (default)" \
	"icmp_echo_ignore_broadcasts = 1" "$(ctl sysctl icmp_echo_ignore_broadcasts)"
bping
assert_eq "replies to broadcast echo with icmp_echo_ignore_broadcasts=1" 0 "$FROM_D"
wait_counter IcmpInErrors 3
assert_counter IcmpMsgInType8 3
assert_counter IcmpInMsgs 3
assert_counter IcmpMsgOutType0 0
assert_counter IcmpOutMsgs 0

ctl sysctl icmp_echo_ignore_broadcasts=0 || fail "tapstackctl sysctl icmp_echo_ignore_broadcasts=0 failed"
assert_eq "sysctl icmp_echo_ignore_broadcasts after setting it" \
	"icmp_echo_ignore_broadcasts = 0" "$(ctl sysctl icmp_echo_ignore_broadcasts)"
bping
assert_eq "replies to broadcast echo after sysctl icmp_echo_ignore_broadcasts=0" 3 "$FROM_D"
assert_counter IcmpMsgInType8 6
assert_counter IcmpMsgOutType0 3
assert_counter IcmpInErrors 3

ctl sysctl icmp_echo_ignore_broadcasts=1 || fail "tapstackctl sysctl icmp_echo_ignore_broadcasts=1 failed"
bping
assert_eq "replies to broadcast echo after setting it back to 1" 0 "$FROM_D"
wait_counter IcmpInErrors 6
assert_counter IcmpMsgOutType0 3
stop_daemon

start_daemon -s icmp_echo_ignore_broadcasts=0
assert_eq "sysctl icmp_echo_ignore_broadcasts (started with -s ...=0)" \
	"icmp_echo_ignore_broadcasts = 0" "$(ctl sysctl icmp_echo_ignore_broadcasts)"
bping
assert_eq "replies to broadcast echo with -s icmp_echo_ignore_broadcasts=0" 3 "$FROM_D"
assert_counter IcmpMsgInType8 3
assert_counter IcmpMsgOutType0 3
assert_counter IcmpInErrors 0
stop_daemon
