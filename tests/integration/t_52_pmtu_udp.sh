#!/usr/bin/env bash
# Path MTU discovery for UDP against a real Linux router (ICMP-SPEC R8.1 frag-needed info, R8.3 row
# 3/4, R8.4). tapstackd is a host; the kernel router 192.0.2.1 reaches the far host 203.0.113.2 over a
# 1300-byte-MTU link (errors_lib.sh):
#  - `udp send --df` of 1372 bytes of text (a 1400-byte datagram) to 203.0.113.2:9 leaves tap0 with
#    DF; H answers 3/4 with next-hop MTU 1300 → `sockets` lists
#    "udp 192.0.2.2:40020 -> 203.0.113.2:9  EMSGSIZE (3/4) from 192.0.2.1 mtu 1300" and
#    `route cache` shows "203.0.113.2 pmtu 1300 expires 600s" (599 allowed for the clock);
#  - the same with --connect to a second far address (203.0.113.3): the connected socket's line also
#    shows " pending EMSGSIZE" (3/4 is fatal), cleared by `udp recv`;
#  - the same send again is refused locally: "udp send: Message too long", exit 1, nothing on the wire;
#  - a --df datagram of exactly the path MTU (1272 bytes of text) still goes out whole, with DF, and
#    reaches a kernel socket on the far host;
#  - without --df the 1372 bytes go out as two fragments sized to the path MTU (IP lengths 1300 and
#    120, offsets 0 and 1280) and a kernel socket on the far host receives all 1372 bytes;
#  - the same 1372 bytes without DF to the far host's closed port 9: C reassembles and answers 3/3
#    (quoting a 1400-byte header) → ECONNREFUSED from 203.0.113.2; with --ttl 1 the router answers
#    11/0 for the first fragment only → exactly one EHOSTUNREACH (11/0) queued;
#  - counters (first part): IcmpMsgInType3 +1, IcmpInErrors unchanged; the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_errors
S=$TMP/snap
PORT=47000

# text N: N characters of printable text, no spaces (one argument, one datagram payload).
text() { head -c "$1" /dev/zero | tr '\0' 'p'; }
BIG=$(text 1372)
FIT=$(text 1272)
[ "${#BIG}" = 1372 ] || fail "text generator"

# ---- DF datagram larger than the path: 3/4 from the router ----
snapshot "$S"
out=$(ctl udp send --df --from 40020 "$FAR_IP:9" "$BIG") || fail "udp send --df 1372 bytes: $out"
expect_eq "udp send --df (1400-byte datagram) says" "sent 1372 bytes from udp 0.0.0.0:40020 to $FAR_IP:9" "$out"
want="udp $D_IP:40020 -> $FAR_IP:9  EMSGSIZE (3/4) from $ROUTER_IP mtu $PATH_MTU"
if poll_for "3/4 queued" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
ctl sockets | sed 's/^/# sockets: /'
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: $FAR_IP pmtu $PATH_MTU (not locked)" "^$FAR_IP pmtu $PATH_MTU expires (600|599)s\$" "$rc_out"
expect_delta IcmpMsgInType3 1 "$S"
expect_delta IcmpInErrors 0 "$S"
p=$(pcap_text "host $FAR_IP or icmp")
printf '%s\n' "$p" | sed 's/^/# pcap: /'
expect_match "the 1400-byte datagram left with DF" \
	"flags \[DF\], proto UDP \(17\), length 1400\) \|\| $D_IP\.40020 > $FAR_IP\.9: UDP, length 1372" "$p"
expect_match "H's 3/4 with next-hop MTU $PATH_MTU" \
	"$ROUTER_IP > $D_IP: ICMP $FAR_IP unreachable - need to frag \(mtu $PATH_MTU\)" "$p"
expect_eq "udp recv 40020" "error EMSGSIZE (3/4) from $ROUTER_IP mtu $PATH_MTU" "$(ctl udp recv 40020)"

# ---- a connected socket: 3/4 is fatal, so it is also the pending error ----
FAR2_IP=203.0.113.3
ip -n "$NS_C" addr add "$FAR2_IP/24" dev vc || fail "second address on vc"
out=$(ctl udp send --df --connect --from 40025 "$FAR2_IP:9" "$BIG") || fail "udp send --df --connect: $out"
want="udp $D_IP:40025 -> $FAR2_IP:9  EMSGSIZE (3/4) from $ROUTER_IP mtu $PATH_MTU"
if poll_for "3/4 queued (connected)" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
expect_match "connected socket 40025: pending EMSGSIZE" "^udp [0-9.]+:40025 -> $FAR2_IP:9 rx .* pending EMSGSIZE\$" \
	"$(ctl sockets)"
expect_match "route cache: $FAR2_IP pmtu $PATH_MTU" "^$FAR2_IP pmtu $PATH_MTU expires (600|599)s\$" "$(ctl route cache)"
expect_eq "udp recv 40025" "error EMSGSIZE (3/4) from $ROUTER_IP mtu $PATH_MTU" "$(ctl udp recv 40025)"
expect_nomatch "after recv: 40025 has nothing pending" "pending" "$(ctl sockets | grep -E '^udp [0-9.]+:40025 ')"

# ---- the same send again: refused locally ----
n0=$(tcpdump -nn -r "$PCAP" "udp and dst host $FAR_IP" 2>/dev/null | wc -l)
out=$(ctl udp send --df --from 40020 "$FAR_IP:9" "$BIG" 2>&1)
rc=$?
expect_eq "second --df send: exit status" 1 "$rc"
expect_eq "second --df send: message" "udp send: Message too long" "$out"
sleep 0.1
n1=$(tcpdump -nn -r "$PCAP" "udp and dst host $FAR_IP" 2>/dev/null | wc -l)
expect_eq "datagrams to $FAR_IP on the wire from the refused send" 0 "$((n1 - n0))"

# ---- a far-host listener for the rest ----
RX=$TMP/rx.txt
udp_listener "$NS_C" "$PORT" 20 "$RX"

# ---- --df exactly at the path MTU: goes out whole ----
out=$(ctl udp send --df --from 40022 "$FAR_IP:$PORT" "$FIT") || fail "udp send --df 1272 bytes: $out"
wait_lines "$RX" 1 || bad "the far host received nothing for the 1300-byte --df datagram"
expect_match "far host received the 1272-byte --df datagram" "^1272 $D_IP:40022 " "$(cat "$RX")"
expect_match "the 1300-byte datagram left whole with DF" \
	"flags \[DF\], proto UDP \(17\), length 1300\) \|\| $D_IP\.40022 > $FAR_IP\.$PORT: UDP, length 1272" \
	"$(pcap_text "udp and dst host $FAR_IP")"

# ---- without --df: fragmented to the path MTU ----
out=$(ctl udp send --from 40021 "$FAR_IP:$PORT" "$BIG") || fail "udp send 1372 bytes (no DF): $out"
expect_eq "udp send (no DF) says" "sent 1372 bytes from udp 0.0.0.0:40021 to $FAR_IP:$PORT" "$out"
wait_lines "$RX" 2 || bad "the far host received nothing for the fragmented datagram"
cat "$RX" | sed 's/^/# far host received: /'
expect_match "far host received all 1372 bytes, from 40021" "^1372 $D_IP:40021 pppppppppppppppp\$" "$(cat "$RX")"
fr=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and dst host $FAR_IP and (ip[6:2] & 0x3fff != 0)" 2>/dev/null |
	grep -E '^[0-9:.]+ IP ')
printf '%s\n' "$fr" | sed 's/^/# fragment: /'
expect_eq "fragments sent" 2 "$(printf '%s\n' "$fr" | grep -c .)"
expect_match "first fragment: offset 0, MF, IP length 1300" \
	"offset 0, flags \[\+\], proto UDP \(17\), length 1300\)" "$fr"
expect_match "last fragment: offset 1280, no MF, IP length 120" \
	"offset 1280, flags \[none\], proto UDP \(17\), length 120\)" "$fr"
kill "$LISTENER_PID" 2>/dev/null
wait "$LISTENER_PID" 2>/dev/null

# ---- errors about a fragmented datagram ----
# To the far host's closed port: C reassembles it and answers 3/3 quoting a header whose total
# length (1400) is more than the quote holds.
out=$(ctl udp send --from 40023 "$FAR_IP:9" "$BIG") || fail "udp send 1372 bytes to port 9: $out"
want="udp $D_IP:40023 -> $FAR_IP:9  ECONNREFUSED (3/3) from $FAR_IP"
if poll_for "3/3 about a fragmented datagram" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
expect_match "C's 3/3 quotes the reassembled header (length 1400)" \
	"$FAR_IP > $D_IP: ICMP $FAR_IP udp port 9 unreachable.* length 1400\) \|\| $D_IP\.40023 > $FAR_IP\.9: UDP" \
	"$(pcap_text "icmp and src host $FAR_IP")"
# With TTL 1: H answers 11/0 for the first fragment only (RFC 1122: no errors about non-first
# fragments), so exactly one error is queued.
out=$(ctl udp send --from 40024 --ttl 1 "$FAR_IP:9" "$BIG") || fail "udp send --ttl 1 1372 bytes: $out"
want="udp $D_IP:40024 -> $FAR_IP:9  EHOSTUNREACH (11/0) from $ROUTER_IP"
if poll_for "11/0 about a fragmented datagram" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
sleep 0.2
expect_eq "errors queued on 40024 (one per datagram, not per fragment)" "error EHOSTUNREACH (11/0) from $ROUTER_IP" \
	"$(ctl udp recv 40024)"

finish
