#!/usr/bin/env bash
# Every ICMP message the daemon generates is well-formed on the wire (ICMP-SPEC §5, R5.15):
# after a mix of port and protocol unreachables (small, 548-byte quote, reassembled offender),
# parameter problems, echo and timestamp replies and TCP resets, `tcpdump -nn -vv` over the
# daemon's own pcap (-w) shows, for every frame the daemon sent: no "bad cksum" (IP header, outer
# or quoted), no "wrong icmp cksum", no bad UDP/TCP checksum, no "[|...]" truncation; and the
# number of unreachables, parameter problems, echo replies and timestamp replies in the pcap equals
# IcmpMsgOutType3, 12, 0 and 14. (Offenders whose options the stack records into are left out
# here: their quoted header keeps its original checksum, as Linux quotes it; t_25 checks them.)
# -s icmp_ratelimit=0: every error is sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -s icmp_ratelimit=0
learn_dmac

probe udp-closed udp-zerocsum unknown-proto unknown-proto-1028 unknown-proto-549 pp-nop-rr-ptr3 \
	pp-rr-len1 pp-ts-full-ovf15 pp-offender-echo pp-offender-udp pp-offender-timestamp frag-pair-udp \
	ts-reply ts-long echo-rr tcp-syn tcp-ack sock-refused >/dev/null
inh timeout 10 nc -u -v -z -w 1 "$D_IP" 9999 >/dev/null 2>&1
inh timeout 10 ping -n -q -c 3 -i 0.2 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP"

t3=$(counter IcmpMsgOutType3) t12=$(counter IcmpMsgOutType12) t0=$(counter IcmpMsgOutType0)
t14=$(counter IcmpMsgOutType14)
log "daemon counters: IcmpMsgOutType3=$t3 IcmpMsgOutType12=$t12 IcmpMsgOutType0=$t0 IcmpMsgOutType14=$t14"
[ "$t3" -ge 10 ] && [ "$t12" -ge 5 ] || fail "fewer errors generated than this test sent for"

tcpdump -nn -vv -r "$PCAP" "ether src $DMAC" >"$TMP/dump.txt" 2>"$TMP/dump.err" || fail "tcpdump -r: $(cat "$TMP/dump.err")"
log "tcpdump -nn -vv of the frames the daemon sent: $(grep -c '^[0-9]' "$TMP/dump.txt") frames"
bad=$(grep -nE 'bad cksum|wrong icmp cksum|bad udp cksum|incorrect|\[\|' "$TMP/dump.txt")
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" | head -n 20 >&2
	fail "tcpdump flags malformed frames from the daemon (above)"
fi
log "ok: no checksum error or truncation in any frame the daemon sent"

count() { grep -cE "^ +$D_IP > $HOST_IP: ICMP $1" "$TMP/dump.txt"; }
assert_eq "unreachables in the pcap (tcpdump -vv) = IcmpMsgOutType3" "$t3" "$(count '.*unreachable, length')"
assert_eq "parameter problems in the pcap = IcmpMsgOutType12" "$t12" "$(count 'parameter problem')"
assert_eq "echo replies in the pcap = IcmpMsgOutType0" "$t0" "$(count 'echo reply')"
assert_eq "timestamp replies in the pcap = IcmpMsgOutType14" "$t14" "$(count 'time stamp reply')"
n=$(tcpdump -nn -r "$PCAP" "ether src $DMAC and icmp[icmptype] == icmp-unreach" 2>/dev/null | grep -c .)
assert_eq "unreachables in the pcap (filter icmp-unreach) = IcmpMsgOutType3" "$t3" "$n"
nall=$(tcpdump -nn -r "$PCAP" "ether src $DMAC and icmp" 2>/dev/null | grep -c .)
assert_eq "ICMP messages in the pcap = IcmpOutMsgs" "$(counter IcmpOutMsgs)" "$nall"
# Errors leave with precedence 6 (R5.10): every outer header of an unreachable or a parameter
# problem has a TOS of 0xc0..0xdf (tcpdump prints the outer header right before the ICMP line).
hdrs=$(grep -B1 -E "^ +$D_IP > $HOST_IP: ICMP (.*unreachable|parameter problem)" "$TMP/dump.txt" |
	grep -E '^[0-9].* IP \(tos ')
assert_eq "outer headers of errors found" $((t3 + t12)) "$(printf '%s\n' "$hdrs" | grep -c .)"
assert_eq "errors whose TOS is not precedence 6" 0 "$(printf '%s\n' "$hdrs" | grep -vcE 'IP \(tos 0x[cd][0-9a-f][,)]')"
assert_counter IcmpOutErrors 0
stop_daemon
