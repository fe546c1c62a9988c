#!/usr/bin/env bash
# Router mode with ipfrag_time=1, bad fragment sets crafted on host A and sent to 192.0.2.2
# (ICMP-SPEC §10 R10.2, R10.3, Linux parity). Each case that could leave a queue behind listens for
# 2 s, past ipfrag_time, so such a queue would show up as an 11/1 or in IpReasmTimeout.
#  - controls: two fragments in order; the same with the first sent twice (exact duplicate); with
#    a fragment wholly inside held data: one echo reply each, no failure counted;
#  - R10.3 (expected values checked against Linux): a 28-byte middle fragment is cut to 24 (reply);
#    a second last fragment with another end discards the queue (the complete set sent after it is
#    answered); a middle fragment past the last one's end discards the queue (the offset-0
#    fragment sent after it starts a new one, which times out with an 11/1); a zero-length
#    fragment discards the queue;
#  - partial overlap (offset 0 len 24 MF, offset 16 len 24): no reply, IpReasmOverlaps and
#    IpReasmFails +1, the queue gone (no 11/1, no IpReasmTimeout);
#  - "ping of death" (1480-byte fragments up to a last one at offset 65528 with 16 bytes: 65564
#    bytes reassembled), in order and in reverse order: no reply, IpReasmFails grows. As on Linux
#    6.18 (checked against the kernel: +1 ReasmFails per datagram, no ICMP, in either order), the
#    datagram is discarded once: IpReasmFails +1, no IpReasmTimeout, no 11/1 afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router -s ipfrag_time=1
S=$TMP/snap
inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$R0_IP" >/dev/null || fail "ping $R0_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $R0_IP in $NS_H"

ID=$((0x4400 + RANDOM % 256))
for c in inorder dup inside; do
	ID=$((ID + 1))
	snapshot "$S"
	out=$(probe send tap0 "$DMAC" "$c" "$ID" 1)
	printf '%s\n' "$out"
	r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
	expect_eq "$c: answers from the daemon" 1 "$(printf '%s\n' "$out" | grep -c '^rx ')"
	expect_eq "$c: echo reply for ICMP id $ID, 40 bytes" "0/0 $ID 40 ok" \
		"$(field "$r" type)/$(field "$r" code) $(field "$r" echo.id) $(field "$r" echo.len) $(field "$r" icmpck)"
	expect_delta IpReasmOKs 1 "$S"
	expect_delta IpReasmFails 0 "$S"
	expect_delta IpReasmOverlaps 0 "$S"
done

# R10.3, each as Linux 6.18 does it (same fragments sent to a kernel: same replies and counts).
ID=$((ID + 1))
snapshot "$S"
out=$(probe send tap0 "$DMAC" trim "$ID" 1)
printf '%s\n' "$out"
r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
expect_eq "trim (a 28-byte middle fragment cut to 24): echo reply, 40 bytes" "0 $ID 40" \
	"$(field "$r" type) $(field "$r" echo.id) $(field "$r" echo.len)"
expect_delta IpReasmOKs 1 "$S"
expect_delta IpReasmFails 0 "$S"

ID=$((ID + 1))
snapshot "$S"
out=$(probe send tap0 "$DMAC" twoends "$ID" 1)
printf '%s\n' "$out"
r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
expect_eq "twoends (second last fragment with another end discards the queue; a full set follows): replies" 1 \
	"$(printf '%s\n' "$out" | grep -c '^rx ')"
expect_eq "twoends: the reply is to the 48-byte datagram" "0 $ID 48" "$(field "$r" type) $(field "$r" echo.id) $(field "$r" echo.len)"
expect_delta IpReasmFails 1 "$S"
expect_delta IpReasmOKs 1 "$S"

ID=$((ID + 1))
snapshot "$S"
out=$(probe send tap0 "$DMAC" beyond "$ID" 2)
printf '%s\n' "$out"
r=$(printf '%s\n' "$out" | grep -m1 '^rx ' || true)
# Data past the last fragment's end discards the queue; the offset-0 fragment that follows starts a
# new one, which times out with an 11/1 quoting it.
expect_eq "beyond: answers" 1 "$(printf '%s\n' "$out" | grep -c '^rx ')"
expect_eq "beyond: 11/1 quoting the offset-0 fragment" "11/1 1/0 1/2" \
	"$(field "$r" type)/$(field "$r" code) $(field "$r" q.mf)/$(field "$r" q.off) $(field "$r" q.match)/$(field "$r" q.frame)"
expect_delta IpReasmFails 2 "$S"
expect_delta IpReasmTimeout 1 "$S"
expect_delta IpReasmOKs 0 "$S"

ID=$((ID + 1))
snapshot "$S"
out=$(probe send tap0 "$DMAC" zerolen "$ID" 2)
printf '%s\n' "$out"
# The zero-length fragment discards the queue; the last fragment alone then times out, no 11/1.
expect_eq "zerolen: answers (no reply, no 11/1)" 0 "$(printf '%s\n' "$out" | grep -c '^rx ')"
expect_delta IpReasmFails 2 "$S"
expect_delta IpReasmTimeout 1 "$S"
expect_delta IpReasmOKs 0 "$S"

ID=$((ID + 1))
snapshot "$S"
out=$(probe send tap0 "$DMAC" overlap "$ID" 2)
printf '%s\n' "$out"
expect_eq "overlap: datagrams from the daemon (no reply, no 11/1)" 0 "$(printf '%s\n' "$out" | grep -c '^rx ')"
expect_delta IpReasmReqds 2 "$S"
expect_delta IpReasmOverlaps 1 "$S"
expect_delta IpReasmFails 1 "$S"
expect_delta IpReasmOKs 0 "$S"
expect_delta IpReasmTimeout 0 "$S"

for c in pod podrev; do
	ID=$((ID + 1))
	snapshot "$S"
	out=$(probe send tap0 "$DMAC" "$c" "$ID" 2)
	printf '%s\n' "$out" | cut -c1-400
	expect_eq "$c: echo replies" 0 "$(printf '%s\n' "$out" | grep -c '^rx .* type=0 ')"
	expect_delta IpReasmReqds 46 "$S"
	expect_delta IpReasmOKs 0 "$S"
	expect_delta_ge IpReasmFails 1 "$S"
	# Linux parity: one datagram, one failure, nothing left to time out, nothing sent.
	expect_eq "$c: IpReasmFails delta (one datagram, one failure, as Linux)" 1 "$(delta IpReasmFails "$S")"
	expect_eq "$c: IpReasmTimeout delta (no queue left behind, as Linux)" 0 "$(delta IpReasmTimeout "$S")"
	expect_eq "$c: datagrams from the daemon (no reply, no 11/1, as Linux)" 0 "$(printf '%s\n' "$out" | grep -c '^rx ')"
done

# Still serving.
out=$(inh timeout --foreground 10 ping -n -c 1 -W 2 -s 3000 "$R0_IP" 2>&1)
ping_stats "$out"
expect_eq "a fragmented ping afterwards" 1 "$PING_RX"

finish
