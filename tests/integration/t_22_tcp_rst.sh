#!/usr/bin/env bash
# TCP reset stub (RFC 793 3.4 "reset generation", CLOSED state; ICMP-SPEC §6: TCP is a known
# protocol, so no protocol unreachable):
#  - nc -z to port 80 reports failure ("Connection refused");
#  - a SYN gets RST|ACK with seq 0 and ack = seq + 1 (+ data length, mod 2^32);
#  - a segment with ACK gets a plain RST with seq = its ack number (ACK, FIN|ACK);
#  - a FIN without ACK gets RST|ACK, ack = seq + 1;
#  - a RST (with or without ACK) gets nothing; nor does a bad checksum (TcpInCsumErrors) or a
#    SYN to the subnet broadcast (TcpInNoReset);
#  - TcpOutRsts counts every reset sent, and no ICMP is generated for TCP;
#  - as Linux 6.18's reset (ip_send_unicast_reply, issue 12 rows 1-3): TOS 0xbb comes back as 0xb8
#    (ECN bits cleared), DF set and IP ID 0; a SYN's Record Route comes back with our address twice
#    (a 52-byte reset), a 40-byte Timestamp stamped twice (80 bytes).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon
learn_dmac

inh timeout 10 nc -z -w 2 "$D_IP" 80
assert_eq "nc -z -w 2 $D_IP 80 exit status (closed)" 1 "$?"
out=$(inh timeout 10 nc -v -z -w 2 "$D_IP" 80 2>&1)
log "nc: $out"
case "$out" in *"Connection refused"*) log "ok: nc -v says Connection refused" ;;
*) fail "nc -v -z $D_IP 80 did not say Connection refused: $out" ;; esac
assert_counter TcpOutRsts 2
assert_counter IcmpOutMsgs 1   # learn_dmac's echo reply only

probe tcp-syn tcp-syn-data tcp-ack tcp-finack tcp-fin tcp-rst tcp-rstack tcp-syn-badcsum tcp-syn-bcast \
	tcp-syn-tos-bb tcp-syn-rr tcp-syn-ts
expect tcp-syn n 1 "datagrams back for a SYN"
expect tcp-syn tcpflags RA "flags RST|ACK"
expect tcp-syn seq 0 "seq"
expect tcp-syn ack $((0x11223344 + 1)) "ack = SYN's seq + 1"
expect tcp-syn sport 80 "source port"
expect tcp-syn dport 40100 "destination port"
expect tcp-syn src "$D_IP" "source"
expect tcp-syn dst "$HOST_IP" "destination"
expect tcp-syn ttl 64 "TTL"
expect tcp-syn len 40 "IP total length (20 + 20, no options, no data)"
expect tcp-syn tcpck ok "TCP checksum"
expect tcp-syn ipck ok "IP header checksum"
expect tcp-syn tos 0x28 "TOS 0x28 reflected (no ECN bits to clear)"
expect tcp-syn df 1 "DF"
expect tcp-syn ipid 0 "IP ID 0 with DF (Linux: nmap CI=Z)"
expect tcp-syn d.TcpInSegs 1 "TcpInSegs"
expect tcp-syn d.TcpOutRsts 1 "TcpOutRsts"
expect tcp-syn d.IcmpOutMsgs 0 "no ICMP for TCP"
expect tcp-syn d.IpInUnknownProtos 0 "TCP is a known protocol"

expect tcp-syn-data tcpflags RA "flags for a SYN with 10 data bytes"
expect tcp-syn-data seq 0 "seq"
expect tcp-syn-data ack 5 "ack = 0xfffffffa + 10 + 1 (mod 2^32)"
expect tcp-syn-data tcpck ok "TCP checksum"

expect tcp-ack n 1 "datagrams back for an ACK"
expect tcp-ack tcpflags R "flags RST only"
expect tcp-ack seq $((0xCAFEBABE)) "seq = the segment's ack"
expect tcp-ack ack 0 "ack field"
expect tcp-ack tcpck ok "TCP checksum"
expect tcp-ack d.TcpOutRsts 1 "TcpOutRsts"

expect tcp-finack tcpflags R "flags for FIN|ACK"
expect tcp-finack seq $((0x0BADF00D)) "seq = the segment's ack"

expect tcp-fin tcpflags RA "flags for a FIN without ACK"
expect tcp-fin seq 0 "seq"
expect tcp-fin ack $((0x50000000 + 1)) "ack = seq + 1 (FIN counts)"

expect tcp-rst n 0 "datagrams back for a RST"
expect tcp-rst d.TcpInSegs 1 "TcpInSegs"
expect tcp-rst d.TcpOutRsts 0 "TcpOutRsts"
expect tcp-rst d.IcmpOutMsgs 0 "IcmpOutMsgs"
expect tcp-rstack n 0 "datagrams back for a RST|ACK"
expect tcp-rstack d.TcpOutRsts 0 "TcpOutRsts"

expect tcp-syn-badcsum n 0 "datagrams back for a SYN with a bad checksum"
expect tcp-syn-badcsum d.TcpInCsumErrors 1 "TcpInCsumErrors"
expect tcp-syn-badcsum d.TcpOutRsts 0 "TcpOutRsts"
expect tcp-syn-bcast n 0 "datagrams back for a SYN to $D_BCAST"
expect tcp-syn-bcast d.TcpInNoReset 1 "TcpInNoReset"
expect tcp-syn-bcast d.TcpOutRsts 0 "TcpOutRsts"

expect tcp-syn-tos-bb tos 0xb8 "TOS 0xbb comes back without its ECN bits"
expect tcp-syn-tos-bb ipid 0 "IP ID"
expect tcp-syn-tos-bb df 1 "DF"
expect tcp-syn-tos-bb tcpflags RA "flags"
expect tcp-syn-rr len 52 "IP total length (20 + 12 of options + 20)"
expect tcp-syn-rr rr_ptr 12 "RR pointer: two slots used"
expect tcp-syn-rr rr "$D_IP,$D_IP" "recorded: our receive address, then the reset's source"
expect tcp-syn-rr ipck ok "IP header checksum"
expect tcp-syn-rr tcpck ok "TCP checksum"
expect tcp-syn-ts len 80 "IP total length (20 + 40 of options + 20)"
expect tcp-syn-ts ts_ptr 13 "TS pointer: stamped on receive and on send"
expect tcp-syn-ts ipck ok "IP header checksum"

# 2 for nc, 8 crafted (SYN, SYN+data, ACK, FIN|ACK, FIN, SYN TOS 0xbb, SYN+RR, SYN+TS).
assert_counter TcpOutRsts 10
assert_counter IcmpOutMsgs 1
stop_daemon
