#!/usr/bin/env bash
# ping -c 5 gets 5/5, and the ICMP counters match exactly what ping sent.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

out=$(inh timeout --foreground 20 ping -n -c 5 -i 0.2 -W 2 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "echo requests sent" 5 "$PING_TX"
assert_eq "echo replies received" "$PING_TX" "$PING_RX"
n=$(printf '%s\n' "$out" | grep -cE "^64 bytes from $D_IP: icmp_seq=[0-9]+ ttl=64 ")
assert_eq "replies from $D_IP with ttl=64 (ip_default_ttl)" "$PING_TX" "$n"

assert_counter IcmpMsgInType8 "$PING_TX"
assert_counter IcmpMsgOutType0 "$PING_TX"
assert_counter IcmpInMsgs "$PING_TX"
assert_counter IcmpOutMsgs "$PING_TX"
assert_counter IcmpInErrors 0
assert_counter IcmpInCsumErrors 0
assert_counter IcmpOutErrors 0
# The host namespace has IPv6 off, so the only IPv4 datagrams it sends are the echo requests.
assert_counter IpInReceives "$PING_TX"
assert_counter IpInDelivers "$PING_TX"
assert_counter IpInHdrErrors 0
assert_counter IpOutRequests "$PING_TX"

stop_daemon TERM
