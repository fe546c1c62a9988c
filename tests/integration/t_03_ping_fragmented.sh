#!/usr/bin/env bash
# A 3080-byte echo (ping -s 3072) arrives in three fragments, is reassembled, and the reply is
# fragmented by IP output as 1500 + 1500 + 140 (ICMP-SPEC R2.2, §10).
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -s 3072 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "3080-byte echo requests sent" 2 "$PING_TX"
assert_eq "3080-byte echo replies received" 2 "$PING_RX"
n=$(printf '%s\n' "$out" | grep -cE "^3080 bytes from $D_IP: ")
assert_eq "replies carrying all 3080 ICMP bytes" 2 "$n"

# Each reply leaves as offset 0 (MF) 1500 bytes, offset 1480 (MF) 1500, offset 2960 140.
frags=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and ip proto 1" 2>/dev/null |
	sed -nE 's/^[0-9:.]+ IP \(.*offset ([0-9]+), flags \[([^]]*)\].*length ([0-9]+)(, bad cksum.*)?\)$/\1\/\2\/\3/p' |
	sort -t/ -k1,1n | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')
assert_eq "reply fragments in the capture (count x offset/flags/length)" \
	"2x0/+/1500 2x1480/+/1500 2x2960/none/140 " "$frags"
assert_counter IpReasmReqds 6
assert_counter IpReasmOKs 2
assert_counter IpFragCreates 6
assert_counter IpFragOKs 2
assert_counter IcmpMsgInType8 2
assert_counter IcmpMsgOutType0 2

stop_daemon
