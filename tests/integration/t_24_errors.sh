#!/usr/bin/env bash
# Error generation and suppression (ICMP-SPEC §5, §6 rows 3/2 and 3/3), crafted frames (scapy):
#  - protocol 253, TOS 0xb9 -> 3/2 from 192.0.2.2 quoting the whole 60-byte datagram, TOS 0xd8
#    ((0xb9 & 0x1e) | 0xc0, R5.10), TTL 64, DF 0, second word 0; IpInUnknownProtos +1;
#  - quote size (R5.13): a 1028-byte offender -> a 576-byte error quoting its first 548 bytes;
#    548 bytes -> quoted whole (576); 549 -> 548 quoted;
#  - UDP to the subnet or limited broadcast (in an Ethernet broadcast or unicast frame) gets
#    nothing: UdpIgnoredMulti +1 (R5.2, R5.3);
#  - our unicast address in an Ethernet broadcast frame: counted (UdpNoPorts, IpInUnknownProtos)
#    but never answered with an error (R5.2);
#  - a class-E source (240.0.0.1) is accepted but gets no 3/3 or 3/2 (R5.6 POLICY).
# Each silent case also shows no rate-limit drop: the per-destination limiter is off
# (-s icmp_ratelimit=0), so the silence is the suppression rule's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -s icmp_ratelimit=0
learn_dmac

probe unknown-proto unknown-proto-1028 unknown-proto-548 unknown-proto-549 \
	bcast-udp bcast-udp-l2unicast bcast-all-udp l2bcast-udp l2bcast-proto classe-udp classe-proto

expect unknown-proto n 1 "datagrams back"
expect unknown-proto type 3 "type"
expect unknown-proto code 2 "code (protocol unreachable)"
expect unknown-proto src "$D_IP" "source"
expect unknown-proto dst "$HOST_IP" "destination"
expect unknown-proto tos 0xd8 "TOS = (0xb9 & 0x1e) | 0xc0"
expect unknown-proto ttl 64 "TTL (ip_default_ttl, not the offender's 17)"
expect unknown-proto df 0 "DF"
expect unknown-proto word2 0x00000000 "second word"
expect unknown-proto quote_len 60 "quote length (the whole datagram)"
expect unknown-proto quote same "quote = the datagram as sent"
expect unknown-proto len 88 "IP total length (20 + 8 + 60)"
expect unknown-proto icmpck ok "ICMP checksum"
expect unknown-proto ipck ok "IP header checksum"
expect unknown-proto d.IpInUnknownProtos 1 "IpInUnknownProtos"
expect unknown-proto d.IcmpMsgOutType3 1 "IcmpMsgOutType3"
expect unknown-proto d.IcmpOutDestUnreachs 1 "IcmpOutDestUnreachs"
expect unknown-proto d.IpInDelivers 0 "IpInDelivers"

expect unknown-proto-1028 sent_len 1028 "offender size"
expect unknown-proto-1028 len 576 "error IP total length"
expect unknown-proto-1028 wirelen 576 "error bytes on the wire"
expect unknown-proto-1028 quote_len 548 "quoted bytes"
expect unknown-proto-1028 quote same "quote = the first 548 bytes as sent"
expect unknown-proto-1028 tos 0xc4 "TOS = (0x04 & 0x1e) | 0xc0"
expect unknown-proto-1028 icmpck ok "ICMP checksum"
expect unknown-proto-548 len 576 "error for a 548-byte offender"
expect unknown-proto-548 quote_len 548 "quoted whole"
expect unknown-proto-548 quote same "quote"
expect unknown-proto-549 len 576 "error for a 549-byte offender"
expect unknown-proto-549 quote_len 548 "quote cut at 548"
expect unknown-proto-549 quote same "quote"

for c in bcast-udp bcast-udp-l2unicast bcast-all-udp; do
	expect "$c" n 0 "nothing back"
	expect "$c" d.UdpIgnoredMulti 1 "UdpIgnoredMulti"
	expect "$c" d.UdpNoPorts 0 "UdpNoPorts"
	expect "$c" d.IpInBcastPkts 1 "IpInBcastPkts"
	expect "$c" d.IcmpOutMsgs 0 "IcmpOutMsgs"
	expect "$c" d.IcmpOutRateLimitHost 0 "not a rate-limit drop"
	expect "$c" d.IcmpOutRateLimitGlobal 0 "not a rate-limit drop"
done

expect l2bcast-udp n 0 "nothing back (closed port, our address, Ethernet broadcast)"
expect l2bcast-udp d.UdpNoPorts 1 "UdpNoPorts"
expect l2bcast-udp d.IcmpOutMsgs 0 "IcmpOutMsgs"
expect l2bcast-udp d.IcmpOutRateLimitHost 0 "not a rate-limit drop"
expect l2bcast-proto n 0 "nothing back (protocol 253, Ethernet broadcast)"
expect l2bcast-proto d.IpInUnknownProtos 1 "IpInUnknownProtos"
expect l2bcast-proto d.IcmpOutMsgs 0 "IcmpOutMsgs"

expect classe-udp n 0 "nothing back to 240.0.0.1"
expect classe-udp d.IpInReceives 1 "IpInReceives"
expect classe-udp d.IpInMartianSrc 0 "class E accepted on input (as Linux)"
expect classe-udp d.UdpNoPorts 1 "UdpNoPorts"
expect classe-udp d.IcmpOutMsgs 0 "IcmpOutMsgs"
expect classe-udp d.IcmpOutRateLimitHost 0 "not a rate-limit drop"
expect classe-udp d.IcmpOutRateLimitGlobal 0 "not a rate-limit drop"
expect classe-proto n 0 "nothing back to 240.0.0.1"
expect classe-proto d.IpInUnknownProtos 1 "IpInUnknownProtos"
expect classe-proto d.IcmpOutMsgs 0 "IcmpOutMsgs"

assert_counter IcmpOutErrors 0
assert_counter IcmpMsgOutType3 4
stop_daemon
