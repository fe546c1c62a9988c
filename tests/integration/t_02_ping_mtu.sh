#!/usr/bin/env bash
# ping -s 1472 with DF: full 1500-byte datagrams each way, unfragmented.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

out=$(inh timeout --foreground 20 ping -n -c 3 -i 0.2 -W 2 -s 1472 -M do "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "1500-byte echo requests sent" 3 "$PING_TX"
assert_eq "1500-byte echo replies received" 3 "$PING_RX"
n=$(printf '%s\n' "$out" | grep -cE "^1480 bytes from $D_IP: ")
assert_eq "replies carrying all 1480 ICMP bytes" 3 "$n"

# In the capture every reply is a single, unfragmented 1500-byte datagram.
lens=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and icmp" 2>/dev/null |
	sed -nE 's/^[0-9:.]+ IP \(.*offset ([0-9]+), flags \[([^]]*)\].*length ([0-9]+)\)$/\1 \2 \3/p' | sort | uniq -c |
	awk '{ print $1 "x" $2 "/" $3 "/" $4 }' | tr '\n' ' ')
assert_eq "replies in the capture (count x offset/flags/length)" "3x0/none/1500 " "$lens"
assert_counter IcmpMsgInType8 3
assert_counter IcmpMsgOutType0 3

# One byte more than the MTU with DF set cannot leave the host at all.
out=$(inh timeout --foreground 10 ping -n -c 1 -W 1 -s 1473 -M do "$D_IP" 2>&1)
printf '%s\n' "$out" | grep -qi "message too long" ||
	fail "ping -s 1473 -M do should fail locally with 'message too long' (host MTU 1500): $out"
log "ok: host-side MTU is 1500"

stop_daemon
