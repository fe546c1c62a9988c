#!/usr/bin/env bash
# Crafted frames (scapy): malformed messages are dropped and counted by name (ICMP-SPEC R1.1-R1.3),
# IPv4 header checksum errors count IpInHdrErrors and IpInCsumErrors (as Linux does), and an echo reply copies code, id, seq, data and
# TOS while using TTL ip_default_ttl and DF=0 (R2.2, R2.4); a unicast IP destination in an Ethernet
# broadcast frame is answered (R1.9).
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon
inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
log "daemon MAC $DMAC"

craft() {   # craft CASE: prints craft.py's result line
	inh timeout --foreground 30 "$PY" "$(dirname "$0")/craft.py" "$HOST_IF" "$DMAC" "$1" 2>"$TMP/craft.err" ||
		fail "craft.py $1 failed: $(tail -n 5 "$TMP/craft.err")"
}
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

S=$TMP/snap
# Echo request with a bad ICMP checksum: no reply; InMsgs, InCsumErrors, InErrors +1, no type count.
snapshot "$S"
assert_eq "reply to an echo request with a bad ICMP checksum" noreply "$(craft echo-badcsum)"
assert_delta IcmpInMsgs 1 "$S"
assert_delta IcmpInCsumErrors 1 "$S"
assert_delta IcmpInErrors 1 "$S"
assert_delta IcmpMsgInType8 0 "$S"
assert_delta IcmpOutMsgs 0 "$S"

# IPv4 header with a bad checksum: no reply; IpInReceives and IpInHdrErrors +1; never reaches ICMP.
snapshot "$S"
assert_eq "reply to a datagram with a bad IP header checksum" noreply "$(craft ip-badcsum)"
assert_delta IpInReceives 1 "$S"
assert_delta IpInHdrErrors 1 "$S"
assert_delta IpInCsumErrors 1 "$S"
assert_delta IcmpInMsgs 0 "$S"
assert_delta IcmpOutMsgs 0 "$S"

# A 4-byte ICMP message with a good checksum: too short, IcmpInErrors +1 but no checksum error.
snapshot "$S"
assert_eq "reply to a 4-byte ICMP message" noreply "$(craft icmp-short)"
assert_delta IcmpInMsgs 1 "$S"
assert_delta IcmpInErrors 1 "$S"
assert_delta IcmpInCsumErrors 0 "$S"

# A zero-length ICMP message fails the checksum.
snapshot "$S"
assert_eq "reply to a zero-length ICMP message" noreply "$(craft icmp-empty)"
assert_delta IcmpInMsgs 1 "$S"
assert_delta IcmpInCsumErrors 1 "$S"
assert_delta IcmpInErrors 1 "$S"

# Echo request, code 7, TOS 0xb9, TTL 5, DF, 200 data bytes: the reply copies what it must.
snapshot "$S"
r=$(craft echo-fields)
log "$r"
case "$r" in reply*) ;; *) fail "no reply to an echo request with code 7 and TOS 0xb9" ;; esac
assert_eq "reply type" 0 "$(field "$r" type)"
assert_eq "reply code (copied, R2.2)" 7 "$(field "$r" code)"
assert_eq "reply id" 0x4242 "$(field "$r" id)"
assert_eq "reply seq" 9 "$(field "$r" seq)"
assert_eq "reply data (200 bytes, copied)" same "$(field "$r" payload)"
assert_eq "reply TOS (copied verbatim, R2.4)" 0xb9 "$(field "$r" tos)"
assert_eq "reply TTL (ip_default_ttl, R2.4)" 64 "$(field "$r" ttl)"
assert_eq "reply DF (R2.4)" 0 "$(field "$r" df)"
assert_eq "reply source" "$D_IP" "$(field "$r" src)"
assert_eq "reply destination" "$HOST_IP" "$(field "$r" dst)"
assert_eq "reply IP header checksum" ok "$(field "$r" ipck)"
assert_eq "reply ICMP checksum" ok "$(field "$r" icmpck)"
assert_eq "reply IP total length" 228 "$(field "$r" len)"
assert_delta IcmpMsgInType8 1 "$S"
assert_delta IcmpMsgOutType0 1 "$S"
assert_delta IcmpInErrors 0 "$S"

# Unicast IP destination in an Ethernet broadcast frame: answered normally (R1.9).
snapshot "$S"
r=$(craft l2bcast)
log "$r"
case "$r" in reply*) ;; *) fail "no reply to an echo request in an Ethernet broadcast frame" ;; esac
assert_eq "reply (L2 broadcast) type" 0 "$(field "$r" type)"
assert_eq "reply (L2 broadcast) data" same "$(field "$r" payload)"
assert_eq "reply (L2 broadcast) ICMP checksum" ok "$(field "$r" icmpck)"
assert_delta IcmpMsgOutType0 1 "$S"
assert_delta IcmpInErrors 0 "$S"

stop_daemon
