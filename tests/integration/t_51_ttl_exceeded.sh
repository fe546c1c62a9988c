#!/usr/bin/env bash
# Time exceeded from a real Linux router (ICMP-SPEC R8.1–R8.3 rows 11/0; the ping client's lines).
# tapstackd is a host, 203.0.113.0/24 via the kernel router 192.0.2.1 (errors_lib.sh):
#  - `tapstackctl ping -c 2 -t 1 203.0.113.2`: H's kernel drops each request (TTL 1) and answers
#    11/0: "From 192.0.2.1 icmp_seq=1 Time to live exceeded" (and icmp_seq=2), summary
#    "2 packets transmitted, 0 received, +2 errors, 100% packet loss", exit 1;
#    IcmpMsgInType11 +2, IcmpInErrors unchanged;
#  - two concurrent `ping -c 3 -t 1` sessions each print exactly their own three error lines;
#  - `tapstackctl ping -c 2 203.0.113.2`: 2 replies "64 bytes from 203.0.113.2: icmp_seq=N ttl=63",
#    exit 0;
#  - `udp send --ttl 1 --connect` to the far host: the socket's queue holds
#    "EHOSTUNREACH (11/0) from 192.0.2.1" (R8.3: not fatal, so no pending error on the connected
#    socket); with --ttl 2 the datagram reaches the far host: ECONNREFUSED (3/3) from 203.0.113.2;
#  - one unconnected socket collects 11/0 from H, 3/3 from C and 3/3 from H: `sockets` and
#    `udp recv` list them oldest first;
#  - the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_errors
S=$TMP/snap

# ---- ping -t 1 ----
snapshot "$S"
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 2 -i 0.2 -t 1 "$FAR_IP" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# ping: /'
expect_eq "ping -t 1 exit status (no reply)" 1 "$rc"
expect_eq "ping -t 1: first answer" "From $ROUTER_IP icmp_seq=1 Time to live exceeded" \
	"$(printf '%s\n' "$out" | grep '^From ' | head -n 1)"
expect_eq "ping -t 1: 'Time to live exceeded' lines from $ROUTER_IP (icmp_seq 1 and 2)" 2 \
	"$(printf '%s\n' "$out" | grep -cE "^From $ROUTER_IP icmp_seq=[12] Time to live exceeded\$")"
expect_match "ping -t 1: summary" "^2 packets transmitted, 0 received, \+2 errors, 100% packet loss" "$out"
expect_delta IcmpMsgInType11 2 "$S"
expect_delta IcmpInTimeExcds 2 "$S"
expect_delta IcmpInErrors 0 "$S"
te=$(pcap_text "icmp and icmp[icmptype] == 11")
printf '%s\n' "$te" | sed 's/^/# pcap: /'
expect_eq "11/0 from $ROUTER_IP in the capture" 2 \
	"$(printf '%s\n' "$te" | grep -cE "$ROUTER_IP > $D_IP: ICMP time exceeded in-transit")"

# ---- two concurrent pings: each session gets only its own errors (matched on the identifier) ----
timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 3 -i 0.2 -t 1 "$FAR_IP" >"$TMP/p1.out" 2>&1 &
p1=$!
timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 3 -i 0.2 -t 1 "$FAR_IP" >"$TMP/p2.out" 2>&1 &
p2=$!
wait "$p1"; wait "$p2"
for f in p1 p2; do
	sed "s/^/# $f: /" "$TMP/$f.out"
	expect_eq "concurrent ping $f: its 'Time to live exceeded' lines" \
		"From $ROUTER_IP icmp_seq=1 Time to live exceeded
From $ROUTER_IP icmp_seq=2 Time to live exceeded
From $ROUTER_IP icmp_seq=3 Time to live exceeded" "$(grep '^From ' "$TMP/$f.out")"
	expect_match "concurrent ping $f: summary" "^3 packets transmitted, 0 received, \+3 errors, 100% packet loss" \
		"$(cat "$TMP/$f.out")"
done

# ---- plain ping: replies through the router ----
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 2 -i 0.2 "$FAR_IP" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# ping: /'
expect_eq "ping $FAR_IP exit status" 0 "$rc"
expect_eq "replies from $FAR_IP with ttl=63 (one router hop)" 2 \
	"$(printf '%s\n' "$out" | grep -cE "^64 bytes from $FAR_IP: icmp_seq=[12] ttl=63 time=[0-9.]+ ms\$")"
expect_match "ping $FAR_IP: summary" "^2 packets transmitted, 2 received, 0% packet loss" "$out"

# ---- UDP with a small TTL ----
snapshot "$S"
out=$(ctl udp send --from 40010 --ttl 1 --connect "$FAR_IP:9" ttl-one) || fail "udp send --ttl 1: $out"
want="udp $D_IP:40010 -> $FAR_IP:9  EHOSTUNREACH (11/0) from $ROUTER_IP"
if poll_for "11/0 queued" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
ctl sockets | sed 's/^/# sockets: /'
l=$(ctl sockets | grep -E "^udp [0-9.]+:40010 -> $FAR_IP:9 rx ")
expect_match "connected socket 40010 listed" "." "$l"
expect_nomatch "11/0 is not fatal: no pending error on the connected socket" "pending" "$l"
expect_eq "udp recv 40010" "error EHOSTUNREACH (11/0) from $ROUTER_IP" "$(ctl udp recv 40010)"
expect_delta IcmpMsgInType11 1 "$S"

out=$(ctl udp send --from 40011 --ttl 2 "$FAR_IP:9" ttl-two) || fail "udp send --ttl 2: $out"
want="udp $D_IP:40011 -> $FAR_IP:9  ECONNREFUSED (3/3) from $FAR_IP"
if poll_for "3/3 queued" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -qxF '$want'"; then
	log "ok: --ttl 2 reaches the far host: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
# Three errors on one unconnected socket, from three senders, queued oldest first.
ctl udp send --from 40012 --ttl 1 "$FAR_IP:9" a >/dev/null || fail "udp send a"
poll_for "first" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -q ':40012 -> $FAR_IP:9  EHOSTUNREACH'" || bad "no 11/0 on 40012"
ctl udp send --from 40012 "$FAR_IP:9" b >/dev/null || fail "udp send b"
poll_for "second" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -q ':40012 -> $FAR_IP:9  ECONNREFUSED'" || bad "no 3/3 from C on 40012"
ctl udp send --from 40012 "$ROUTER_IP:9" c >/dev/null || fail "udp send c"
poll_for "third" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -q ':40012 -> $ROUTER_IP:9  ECONNREFUSED'" || bad "no 3/3 from H on 40012"
expect_eq "sockets: the error queue of 40012, oldest first" \
	"udp $D_IP:40012 -> $FAR_IP:9  EHOSTUNREACH (11/0) from $ROUTER_IP
udp $D_IP:40012 -> $FAR_IP:9  ECONNREFUSED (3/3) from $FAR_IP
udp $D_IP:40012 -> $ROUTER_IP:9  ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl sockets | grep -E '^udp [0-9.]+:40012 -> .*  E')"
expect_eq "udp recv 40012, oldest first" \
	"error EHOSTUNREACH (11/0) from $ROUTER_IP
error ECONNREFUSED (3/3) from $FAR_IP
error ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl udp recv 40012)"

# The datagrams left with the TTLs asked for.
expect_match "udp --ttl 1 left with ttl 1" "ttl 1, .*proto UDP .*$D_IP\.40010 > $FAR_IP\.9: UDP" "$(pcap_text udp)"
expect_match "udp --ttl 2 left with ttl 2" "ttl 2, .*proto UDP .*$D_IP\.40011 > $FAR_IP\.9: UDP" "$(pcap_text udp)"

finish
