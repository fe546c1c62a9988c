#!/usr/bin/env bash
# Router mode, datagrams for tapstackd itself that arrive in fragments (ICMP-SPEC §10, R2.2):
#  - ping -s 5000 192.0.2.2: each 5028-byte request (4 fragments) is reassembled and the 5028-byte
#    reply is fragmented by IP output as 1500+1500+1500+588;
#  - ping -s 3052 192.0.2.2: 3080-byte datagrams, reply fragments 1500+1500+120;
#  - ping -s 5000 198.51.100.1 (tapstackd's address on the other interface): answered from that
#    address (R2.3), through tap0, fragmented the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router
S=$TMP/snap

# geometry SRC: the daemon's IPv4 fragments from SRC to A, "COUNTxOFFSET/FLAGS/LENGTH" sorted.
geometry() {
	tcpdump -nn -v -r "$PCAP" "src host $1 and dst host $A_IP and ip proto 1" 2>/dev/null |
		sed -nE 's/^[0-9:.]+ IP \(.*offset ([0-9]+), flags \[([^]]*)\].*length ([0-9]+)\)$/\1\/\2\/\3/p' |
		sort -t/ -k1,1n | uniq -c | awk '{ print $1 "x" $2 }' | paste -sd' '
}

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 3 -i 0.3 -W 2 -s 5000 "$R0_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "5028-byte echo requests sent" 3 "$PING_TX"
expect_eq "5028-byte echo replies received" 3 "$PING_RX"
expect_eq "replies carrying all 5008 ICMP bytes" 3 "$(printf '%s\n' "$out" | grep -cE "^5008 bytes from $R0_IP: ")"
expect_delta IpReasmReqds 12 "$S"
expect_delta IpReasmOKs 3 "$S"
expect_delta IpReasmFails 0 "$S"
expect_delta IpFragOKs 3 "$S"
expect_delta IpFragCreates 12 "$S"
expect_delta IcmpMsgOutType0 3 "$S"
expect_delta IpForwDatagrams 0 "$S"
expect_eq "5028-byte replies in the capture (count x offset/flags/length)" \
	"3x0/+/1500 3x1480/+/1500 3x2960/+/1500 3x4440/none/588" "$(geometry "$R0_IP")"

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -s 3052 "$R0_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "3080-byte echo replies received" 2 "$PING_RX"
expect_eq "replies carrying all 3060 ICMP bytes" 2 "$(printf '%s\n' "$out" | grep -cE "^3060 bytes from $R0_IP: ")"
expect_delta IpReasmReqds 6 "$S"
expect_delta IpReasmOKs 2 "$S"
expect_delta IpFragOKs 2 "$S"
expect_delta IpFragCreates 6 "$S"
expect_eq "all replies in the capture (count x offset/flags/length)" \
	"5x0/+/1500 5x1480/+/1500 3x2960/+/1500 2x2960/none/120 3x4440/none/588" "$(geometry "$R0_IP")"

snapshot "$S"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.3 -W 2 -s 5000 "$R1_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
expect_eq "5028-byte echo replies from $R1_IP (tapstackd's tap1 address)" 2 "$PING_RX"
expect_delta IpReasmOKs 2 "$S"
expect_delta IpForwDatagrams 0 "$S"
expect_eq "replies from $R1_IP in the capture (count x offset/flags/length)" \
	"2x0/+/1500 2x1480/+/1500 2x2960/+/1500 2x4440/none/588" "$(geometry "$R1_IP")"

finish
