#!/usr/bin/env bash
# Receiving port unreachables from real Linux kernels (ICMP-SPEC R8.1–R8.3, §8's error queue and
# pending error). tapstackd is a host, 203.0.113.0/24 via the kernel router 192.0.2.1 (errors_lib.sh):
#  - `udp send --from 40000 192.0.2.1:9` (closed port on the router itself): within 1 s `sockets`
#    lists "udp 192.0.2.2:40000 -> 192.0.2.1:9  ECONNREFUSED (3/3) from 192.0.2.1"; the unconnected
#    socket holds no pending error; `udp recv 40000` prints "error ECONNREFUSED (3/3) from 192.0.2.1"
#    and clears the queue (a second recv prints nothing, `sockets` shows no error line);
#  - `udp send --keep 192.0.2.1:9 hello` (no --from): the ephemeral socket it used queues the
#    same error, and `udp recv <that port>` prints it; without --keep the ephemeral socket is closed
#    after the send (issue 11: no socket left open to anyone), so `sockets` does not list it and the
#    3/3 finds no socket (IcmpInErrors +1, as Linux for an error nobody asked for);
#  - `udp recv` prints queued datagrams first (two sent by a kernel socket in H), then the error;
#  - with --connect (port 40001) the socket's line also shows " pending ECONNREFUSED" (3/3 is fatal),
#    and `udp recv` clears both;
#  - a datagram to the far host's closed port 203.0.113.2:9 (through the router) → ECONNREFUSED from
#    203.0.113.2, quoting 192.0.2.2:40002 -> 203.0.113.2:9;
#  - counters: IcmpMsgInType3 and IcmpInDestUnreachs +1 per error, IcmpInErrors unchanged;
#  - the capture is well formed (tcpdump -vv: no bad checksum).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_errors
S=$TMP/snap

# sockets_has LINE: `sockets` holds exactly this line (fixed string).
sockets_has() { ctl sockets | grep -qxF -- "$1"; }
sock_line() { ctl sockets | grep -E "^udp [0-9.]+:$1( |$)" | grep -v '  ' | head -n 1; }

# ---- 1. closed port on the kernel router, unconnected socket ----
snapshot "$S"
out=$(ctl udp send --from 40000 "$ROUTER_IP:9" hello) || fail "udp send to $ROUTER_IP:9: $out"
expect_eq "udp send --from 40000 $ROUTER_IP:9 says" "sent 5 bytes from udp 0.0.0.0:40000 to $ROUTER_IP:9" "$out"
want="udp $D_IP:40000 -> $ROUTER_IP:9  ECONNREFUSED (3/3) from $ROUTER_IP"
if poll_for "sockets error line" sockets_has "$want"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
ctl sockets | sed 's/^/# sockets: /'
l=$(sock_line 40000)
expect_match "socket 40000 listed" "^udp 0\.0\.0\.0:40000 " "$l"
expect_nomatch "unconnected socket holds no pending error" "pending" "$l"
expect_delta IcmpMsgInType3 1 "$S"
expect_delta IcmpInDestUnreachs 1 "$S"
expect_delta IcmpInErrors 0 "$S"
expect_eq "udp recv 40000" "error ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl udp recv 40000)"
expect_eq "udp recv 40000 again (queue cleared)" "" "$(ctl udp recv 40000)"
expect_eq "sockets error lines for port 40000 after recv" 0 \
	"$(ctl sockets | grep -c "^udp .*:40000 -> .*  E")"

# ---- 1b. no --from: an ephemeral socket, kept with --keep for its error ----
out=$(ctl udp send --keep "$ROUTER_IP:9" hello) || fail "udp send --keep $ROUTER_IP:9 hello: $out"
eport=$(printf '%s\n' "$out" | sed -nE "s/^sent 5 bytes from udp 0\.0\.0\.0:([0-9]+) to $ROUTER_IP:9\$/\1/p")
expect_match "udp send $ROUTER_IP:9 hello (ephemeral port) says" "^sent 5 bytes from udp 0\.0\.0\.0:[0-9]+ to $ROUTER_IP:9\$" "$out"
if [ -n "$eport" ]; then
	want="udp $D_IP:$eport -> $ROUTER_IP:9  ECONNREFUSED (3/3) from $ROUTER_IP"
	if poll_for "ephemeral error line" sockets_has "$want"; then
		log "ok: sockets: $want"
	else
		bad "no '$want' in sockets within 1 s:"
		ctl sockets | sed 's/^/    | /' >&2
	fi
	expect_eq "udp recv $eport" "error ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl udp recv "$eport")"
fi
snapshot "$S"
out=$(ctl udp send "$ROUTER_IP:9" bye) || fail "udp send $ROUTER_IP:9 bye: $out"
eport=$(printf '%s\n' "$out" | sed -nE "s/^sent 3 bytes from udp 0\.0\.0\.0:([0-9]+) to $ROUTER_IP:9\$/\1/p")
expect_match "udp send without --keep says" "^sent 3 bytes from udp 0\.0\.0\.0:[0-9]+ to $ROUTER_IP:9\$" "$out"
in_errors_moved() { [ "$(delta IcmpInErrors "$S")" -ge 1 ]; }
poll_for "the 3/3 about the closed ephemeral port" in_errors_moved || true
expect_eq "sockets lines for the closed ephemeral port $eport" 0 "$(ctl sockets | grep -c ":$eport[ ]")"
expect_delta IcmpInErrors 1 "$S"

# ---- 1c. datagrams first, then errors ----
# Port 40003: a datagram to the router's closed port (3/3 queued), then a kernel socket in H sends
# two datagrams to 192.0.2.2:40003; `udp recv` prints the two datagrams, then the error.
out=$(ctl udp send --from 40003 "$ROUTER_IP:9" first) || fail "udp send --from 40003: $out"
poll_for "3/3 on 40003" sockets_has "udp $D_IP:40003 -> $ROUTER_IP:9  ECONNREFUSED (3/3) from $ROUTER_IP" ||
	bad "no 3/3 queued on 40003 within 1 s"
inh timeout 5 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 6003))
for m in (b"one", b"two"):
    s.sendto(m, ("192.0.2.2", 40003))
' || fail "kernel sender in $NS_H"
for _ in $(seq 1 20); do
	ctl sockets | grep -qE "^udp 0\.0\.0\.0:40003 rx 2 " && break
	sleep 0.05
done
expect_eq "udp recv 40003 (datagrams, then errors)" \
	"from $ROUTER_IP:6003 3 bytes: one
from $ROUTER_IP:6003 3 bytes: two
error ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl udp recv 40003)"

# ---- 2. connected socket: pending error ----
out=$(ctl udp send --from 40001 --connect "$ROUTER_IP:9" hello) || fail "udp send --connect: $out"
log "udp send --connect: $out"
if poll_for "pending error" sh -c "'$TAPSTACKCTL' -c '$CTL' sockets | grep -E '^udp [0-9.]+:40001 -> $ROUTER_IP:9 .* pending ECONNREFUSED\$'"; then
	log "ok: connected socket: $POLL_OUT"
else
	bad "connected socket 40001 shows no ' pending ECONNREFUSED' within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
ctl sockets | sed 's/^/# sockets: /'
expect_match "connected socket's error queue" \
	"^udp $D_IP:40001 -> $ROUTER_IP:9  ECONNREFUSED \(3/3\) from $ROUTER_IP\$" "$(ctl sockets)"
expect_eq "udp recv 40001" "error ECONNREFUSED (3/3) from $ROUTER_IP" "$(ctl udp recv 40001)"
after=$(ctl sockets | grep -E "^udp [0-9.]+:40001 ")
expect_nomatch "after recv: no pending error, no queued error on 40001" "pending|  ECONN" "$after"
expect_match "after recv: socket 40001 still connected" "^udp [0-9.]+:40001 -> $ROUTER_IP:9 " "$after"

# ---- 3. closed port on the far host, through the router ----
snapshot "$S"
out=$(ctl udp send --from 40002 "$FAR_IP:9" "hello far") || fail "udp send to $FAR_IP:9: $out"
want="udp $D_IP:40002 -> $FAR_IP:9  ECONNREFUSED (3/3) from $FAR_IP"
if poll_for "far error" sockets_has "$want"; then
	log "ok: sockets: $want"
else
	bad "no '$want' in sockets within 1 s:"
	ctl sockets | sed 's/^/    | /' >&2
fi
expect_delta IcmpMsgInType3 1 "$S"
expect_delta IcmpInErrors 0 "$S"
expect_eq "udp recv 40002" "error ECONNREFUSED (3/3) from $FAR_IP" "$(ctl udp recv 40002)"
# On the wire: the far host's 3/3 arrived through the router (TTL 63), quoting our datagram.
pu=$(pcap_text "icmp and src host $FAR_IP and icmp[icmptype] == 3")
printf '%s\n' "$pu" | sed 's/^/# pcap: /'
expect_match "3/3 from $FAR_IP in the capture, forwarded by H (ttl 63), quoting 40002 -> 9" \
	"ttl 63, .*$FAR_IP > $D_IP: ICMP $FAR_IP udp port 9 unreachable.*$D_IP\.40002 > $FAR_IP\.9: UDP" "$pu"

finish
