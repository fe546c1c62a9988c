#!/usr/bin/env bash
# ICMP timestamp (ICMP-SPEC §3):
#  - hping3 --icmp --icmp-ts -c 3 gets 3 timestamp replies; receive == transmit, within a few
#    seconds of the current UTC milliseconds since midnight, originate (hping3's own clock) close;
#  - counted as IcmpOutTimestampReps / IcmpMsgOutType14 = 3, not as echo replies (R3.4 POLICY);
#  - crafted requests (scapy): originate copied verbatim even with the high bit set, id/seq
#    copied, the reply exactly 20 bytes even for a longer request, receive/transmit with bit 31
#    clear (R3.2); a body shorter than 4 bytes is dropped with IcmpInErrors (R3.1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon
learn_dmac

out=$(inh timeout 20 hping3 --icmp --icmp-ts -c 3 -i u200000 "$D_IP" 2>&1)
t_after=$(now_ms)
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -qE '^3 packets transmitted, 3 packets received' ||
	fail "hping3 did not get 3 of 3 timestamp replies"
stamps=$(printf '%s\n' "$out" | sed -nE 's/^ICMP timestamp: Originate=([0-9]+) Receive=([0-9]+) Transmit=([0-9]+).*/\1 \2 \3/p')
assert_eq "hping3 'ICMP timestamp:' lines" 3 "$(printf '%s\n' "$stamps" | grep -c .)"
n=$(printf '%s\n' "$out" | grep -cE "^len=40 ip=$D_IP ttl=64 ")
assert_eq "hping3 replies from $D_IP, 40 bytes (20-byte ICMP), ttl 64" 3 "$n"
while read -r orig recv xmit; do
	assert_eq "timestamp reply: receive == transmit (one reading, R3.2)" "$recv" "$xmit"
	skew=$(circ $((recv - t_after)))
	[ "$skew" -le 5000 ] || fail "receive timestamp $recv is ${skew} ms from UTC ms-since-midnight $t_after"
	oskew=$(circ $((recv - orig)))
	[ "$oskew" -le 1000 ] || fail "receive $recv is ${oskew} ms from hping3's originate $orig"
	log "ok: originate=$orig receive=$recv transmit=$xmit: ${skew} ms from now, ${oskew} ms from originate"
done <<<"$stamps"

assert_counter IcmpMsgInType13 3
assert_counter IcmpInTimestamps 3
assert_counter IcmpMsgOutType14 3
assert_counter IcmpOutTimestampReps 3
# The one echo reply is learn_dmac's ping: the timestamp replies are not counted as echo replies.
assert_counter IcmpMsgOutType0 1
assert_counter IcmpOutEchoReps 1
assert_counter IcmpOutMsgs 4
assert_counter IcmpInErrors 0

probe ts-reply ts-long ts-short
expect ts-reply n_match 1 "one timestamp reply"
expect ts-reply icmplen 20 "reply is exactly 20 bytes"
expect ts-reply len 40 "IP total length"
expect ts-reply code 0 "code"
expect ts-reply ts_id 0x7475 "identifier copied"
expect ts-reply ts_seq 3 "sequence copied"
expect ts-reply ts_orig 2158743023 "originate 0x80abcdef copied verbatim"
expect ts-reply ts_recv "$(pf ts-reply ts_xmit)" "receive == transmit"
expect ts-reply ts_highbit 0 "receive/transmit have bit 31 clear (standard time)"
expect_le ts-reply ts_skew_ms 5000 "receive within 5 s of UTC ms since midnight"
expect ts-reply src "$D_IP" "source"
expect ts-reply ttl 64 "TTL (ip_default_ttl)"
expect ts-reply icmpck ok "ICMP checksum"
expect ts-reply ipck ok "IP header checksum"
expect ts-reply d.IcmpMsgOutType14 1 "IcmpMsgOutType14"
expect ts-reply d.IcmpOutTimestampReps 1 "IcmpOutTimestampReps"
expect ts-reply d.IcmpMsgOutType0 0 "not counted as an echo reply"
expect ts-long n_match 1 "reply to a request with 24 extra bytes"
expect ts-long icmplen 20 "reply still exactly 20 bytes"
expect ts-long ts_orig 1234 "originate copied"
expect ts-long icmpck ok "ICMP checksum"
expect ts-short n 0 "no reply to a 3-byte timestamp body"
expect ts-short d.IcmpInErrors 1 "IcmpInErrors"
expect ts-short d.IcmpMsgInType13 1 "still counted by type (R1.4)"
expect ts-short d.IcmpOutMsgs 0 "IcmpOutMsgs"

stop_daemon
