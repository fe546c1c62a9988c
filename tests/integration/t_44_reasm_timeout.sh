#!/usr/bin/env bash
# Router mode with ipfrag_time=2, reassembly timeout (ICMP-SPEC §6 11/1, R10.4, R5.8-R5.13):
#  - a lone first fragment (offset 0, MF) of an echo request to 192.0.2.2: about 2 s later an ICMP
#    11/1 from 192.0.2.2, precedence 6, quoting that fragment whole (IP id, MF, offset 0, bytes);
#    IpReasmTimeout and IpReasmFails +1;
#  - the first fragment and, 1.2 s later, a middle one: the 11/1 still comes 2 s after the first
#    (the timer runs from the queue's creation and is not extended);
#  - a lone non-first fragment: no 11/1 (R10.4, R5.4), IpReasmTimeout and IpReasmFails +1 all the same;
#  - memory bound (R10.1, knobs set at run time): fragments refused above ipfrag_high_thresh, a
#    fragmented ping fails meanwhile, works again once the held queues have expired.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router -s ipfrag_time=2
S=$TMP/snap
inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$R0_IP" >/dev/null || fail "ping $R0_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"

ID=$((0x4100 + RANDOM % 256))
snapshot "$S"
out=$(probe send tap0 "$DMAC" first "$ID" 3)
printf '%s\n' "$out"
expect_eq "datagrams from the daemon after a lone first fragment" 1 "$(printf '%s\n' "$out" | grep -c '^rx ')"
r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
expect_eq "type/code" "11/1" "$(field "$r" type)/$(field "$r" code)"
expect_eq "source (the fragment's destination, R5.8)" "$R0_IP" "$(field "$r" src)"
expect_eq "destination" "$A_IP" "$(field "$r" dst)"
expect_eq "TOS (precedence 6, R5.10)" 0xc0 "$(field "$r" tos)"
expect_eq "TTL" 64 "$(field "$r" ttl)"
expect_eq "DF" 0 "$(field "$r" df)"
expect_eq "IP / ICMP checksums" "ok/ok" "$(field "$r" ipck)/$(field "$r" icmpck)"
expect_eq "second word" 0x00000000 "$(field "$r" word2)"
expect_eq "quoted IP id" "$(printf '0x%04x' "$ID")" "$(field "$r" q.id)"
expect_eq "quoted MF/offset" "1/0" "$(field "$r" q.mf)/$(field "$r" q.off)"
expect_eq "quoted bytes (the whole 52-byte fragment, R5.13)" "52/52" "$(field "$r" q.len)/$(field "$r" q.bytes)"
expect_eq "quote identical to the fragment sent" "1/0" "$(field "$r" q.match)/$(field "$r" q.frame)"
t_ms=$(awk -v t="$(field "$r" t)" 'BEGIN { printf "%d", t * 1000 }')
expect_range "11/1 delay after the fragment (ms, ipfrag_time=2)" 1900 3000 "$t_ms"
expect_delta IpReasmReqds 1 "$S"
expect_delta IpReasmTimeout 1 "$S"
expect_delta IpReasmFails 1 "$S"
expect_delta IpReasmOKs 0 "$S"
expect_delta IcmpMsgOutType11 1 "$S"
assert_counter IpReasmTimeout 1

ID=$((0x4200 + RANDOM % 256))
snapshot "$S"
out=$(probe send tap0 "$DMAC" stretch "$ID" 3)
printf '%s\n' "$out"
r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
expect_eq "type/code after a first fragment and a late middle one" "11/1" "$(field "$r" type)/$(field "$r" code)"
expect_eq "quoted: the first fragment" "$(printf '0x%04x' "$ID"),1/0" "$(field "$r" q.id),$(field "$r" q.match)/$(field "$r" q.frame)"
t_ms=$(awk -v t="$(field "$r" t)" 'BEGIN { printf "%d", t * 1000 }')
expect_range "11/1 delay after the first fragment (ms; not extended by the later one)" 1900 3000 "$t_ms"
expect_delta IpReasmReqds 2 "$S"
expect_delta IpReasmTimeout 1 "$S"
expect_delta IpReasmFails 1 "$S"

ID=$((0x4300 + RANDOM % 256))
snapshot "$S"
out=$(probe send tap0 "$DMAC" lone "$ID" 3)
printf '%s\n' "$out"
expect_eq "datagrams from the daemon after a lone non-first fragment" 0 "$(printf '%s\n' "$out" | grep -c '^rx ')"
expect_delta IpReasmReqds 1 "$S"
expect_delta IpReasmTimeout 1 "$S"
expect_delta IpReasmFails 1 "$S"
expect_delta IcmpMsgOutType11 0 "$S"
expect_delta IcmpOutMsgs 0 "$S"

# Memory bound (R10.1): with ipfrag_high_thresh=16384 / low 8192 set at run time, 40 first fragments
# of 40 datagrams (1020 bytes each) fill reassembly memory after a few; the rest are refused
# (IpReasmFails at once); a complete fragmented ping is refused too while over the mark; once the
# held queues time out (2 s), memory is back under ipfrag_low_thresh and fragmented pings work.
ctl sysctl ipfrag_low_thresh=8192 >/dev/null || fail "sysctl ipfrag_low_thresh"
ctl sysctl ipfrag_high_thresh=16384 >/dev/null || fail "sysctl ipfrag_high_thresh"
snapshot "$S"
out=$(probe send tap0 "$DMAC" flood $((0x5000 + RANDOM % 256)) 0.2)
refused=$(delta IpReasmFails "$S")
expect_range "first fragments refused at once (of 40)" 20 39 "$refused"
expect_delta IpReasmReqds 40 "$S"
out=$(inh timeout --foreground 10 ping -n -c 1 -W 1 -s 3000 "$R0_IP" 2>&1)
ping_stats "$out"
expect_eq "3028-byte ping while reassembly memory is over ipfrag_high_thresh: replies" 0 "$PING_RX"
sleep 2.5
# Each of the 40 datagrams failed once, refused or timed out, and so did the ping's 3 fragments.
expect_delta IpReasmTimeout $((40 - refused)) "$S"
expect_delta IpReasmFails 43 "$S"
expect_delta IpReasmReqds 43 "$S"
expect_delta IpReasmOKs 0 "$S"
out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 -s 3000 "$R0_IP" 2>&1)
ping_stats "$out"
expect_eq "3028-byte ping after the queues expired: replies" 1 "$PING_RX"

finish
