#!/usr/bin/env bash
# Fragments and reassembly as seen by the error rules (ICMP-SPEC R5.4, R5.14, §6 row 11/1, §10):
#  - a lone non-first fragment of a UDP datagram to a closed port gets nothing (R5.4), and when
#    its queue expires nothing either (no offset-0 fragment: R10.4);
#  - a lone first fragment (MF, offset 0) gets no 3/3 (never reassembled), but its queue's expiry
#    (ipfrag_time, set to 1 s here) sends 11/1 quoting that fragment; IpReasmTimeout/Fails +1 each;
#  - head + tail of a UDP datagram to a closed port, in either order: reassembled (IpReasmOKs),
#    then one 3/3 quoting the reassembled datagram (R5.14); an echo request in two fragments gets
#    one echo reply with all its data;
#  - fragmented as RFC 791 section 3.2 describes (options without the copy flag, here Record Route,
#    only in the head, so the tail has a shorter header): reassembled and answered like any other
#    datagram, whichever fragment comes last;
#  - bad options in a first fragment get 12/0; in a non-first fragment nothing (R5.4).
# -s icmp_ratelimit=0: the per-destination limiter would otherwise hide some of these errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -s icmp_ratelimit=0 -s ipfrag_time=1
learn_dmac

# frag-expiry last: it waits 1.8 s, past the 1 s ipfrag_time of the queues the first two made.
probe frag-nonfirst-udp frag-first-udp frag-pair-udp frag-pair-udp-rev frag-pair-echo \
	frag-pair-rr-rev frag-pair-rr frag-pair-echo-rr frag-badopt-first frag-badopt-nonfirst frag-expiry

for c in frag-nonfirst-udp frag-first-udp; do
	expect "$c" n 0 "nothing back for a lone fragment"
	expect "$c" d.IpReasmReqds 1 "IpReasmReqds"
	expect "$c" d.UdpNoPorts 0 "UdpNoPorts (never reaches UDP)"
	expect "$c" d.IcmpOutMsgs 0 "IcmpOutMsgs"
done

expect frag-expiry n 1 "datagrams sent when the two queues expire"
expect frag-expiry type 11 "type (time exceeded)"
expect frag-expiry code 1 "code (reassembly timeout)"
expect frag-expiry quote same "quote = the first fragment as sent"
expect frag-expiry quote_len 44 "quote length (the 44-byte first fragment)"
expect frag-expiry src "$D_IP" "source"
expect frag-expiry dst "$HOST_IP" "destination"
expect frag-expiry tos 0xc0 "TOS"
expect frag-expiry icmpck ok "ICMP checksum"
expect frag-expiry d.IpReasmTimeout 2 "IpReasmTimeout"
expect frag-expiry d.IpReasmFails 2 "IpReasmFails"
expect frag-expiry d.IcmpMsgOutType11 1 "IcmpMsgOutType11 (only for the queue with offset 0)"

for c in frag-pair-udp frag-pair-udp-rev; do
	expect "$c" n 1 "datagrams back"
	expect "$c" type 3 "type"
	expect "$c" code 3 "code (port unreachable)"
	expect "$c" quote same "quote = the reassembled datagram (as if sent whole)"
	expect "$c" quote_len 68 "quote length"
	expect "$c" d.IpReasmReqds 2 "IpReasmReqds"
	expect "$c" d.IpReasmOKs 1 "IpReasmOKs"
	expect "$c" d.UdpNoPorts 1 "UdpNoPorts"
	expect "$c" d.IcmpMsgOutType3 1 "IcmpMsgOutType3"
done
expect frag-pair-echo n_match 1 "echo replies to a fragmented echo request"
expect frag-pair-echo echo_data same "reply carries all 64 data bytes"
expect frag-pair-echo icmpck ok "ICMP checksum"
expect frag-pair-echo d.IpReasmOKs 1 "IpReasmOKs"

expect frag-badopt-first n 1 "datagrams back for bad options in a first fragment"
expect frag-badopt-first type 12 "type"
expect frag-badopt-first ptr 20 "pointer"
expect frag-badopt-first quote same "quote"
expect frag-badopt-nonfirst n 0 "nothing back for bad options in a non-first fragment"
expect frag-badopt-nonfirst d.IpInHdrErrors 1 "IpInHdrErrors"
expect frag-badopt-nonfirst d.IcmpOutMsgs 0 "IcmpOutMsgs"

# Record Route only in the head (IHL 7), tail without (IHL 5). Last, because the daemon fails
# these (bug reported with this test): when the tail completes the queue, ip4_input goes on with
# the tail's header length (rx.hlen = 20) on the reassembled datagram, whose header is the head's
# (28 bytes), so the transport header is read from the option bytes: UdpInErrors (no 3/3) for UDP,
# IcmpInCsumErrors (no echo reply) for ICMP.
expect frag-pair-rr-rev n_match 1 "3/3 when the head (with RR) arrives last"
expect frag-pair-rr-rev quote opts-written "quote = reassembled datagram (RR slot filled by us)"
expect frag-pair-rr-rev rr 192.0.2.2 "error echoes the RR option (R5.11)"
expect frag-pair-echo-rr n_match 1 "echo reply when the head (with RR) arrives first"
expect frag-pair-echo-rr echo_data same "reply carries all 64 data bytes"
expect frag-pair-echo-rr d.IcmpInCsumErrors 0 "no ICMP checksum error after reassembly"
expect frag-pair-rr d.IpReasmOKs 1 "IpReasmOKs when the head (with RR) arrives first"
expect frag-pair-rr d.UdpInErrors 0 "UdpInErrors: the UDP header is found after the head's options"
expect frag-pair-rr n_match 1 "3/3 when the head (with RR) arrives first"
expect frag-pair-rr quote opts-written "quote = reassembled datagram"


stop_daemon
