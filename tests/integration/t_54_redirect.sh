#!/usr/bin/env bash
# Following a redirect sent by a real Linux router (ICMP-SPEC R8.5). Topology (errors_lib.sh,
# setup_redirect): tapstackd's gateway for 203.0.113.0/24 is the kernel router H (192.0.2.1, br0),
# which routes that network via G (192.0.2.7) on the same link; a datagram from tapstackd to
# 203.0.113.2 therefore leaves H by the interface it came in on, so H's kernel forwards it to G and
# sends tapstackd a host redirect (5/1, new gateway 192.0.2.7):
#  - `tapstackctl ping -c 3 203.0.113.2`: 3 replies (ttl=63); the capture holds H's redirect
#    ("ICMP redirect 203.0.113.2 to host 192.0.2.7" from 192.0.2.1);
#  - `route cache` shows "203.0.113.2 via 192.0.2.7 dev tap0 redirected expires 300s" (299 allowed);
#  - the first request went to H's MAC; every later datagram to 203.0.113.2 (the other two requests,
#    then a UDP datagram, which a kernel socket on the far host receives) goes straight to G's MAC,
#    and H's kernel forwarded only the first (its Ip ForwDatagrams +1);
#  - with G's link to the far host at MTU 1300, a DF ping of 1428 bytes gets G's 3/4
#    ("From 192.0.2.7 icmp_seq=1 Frag needed and DF set (mtu = 1300)"), `route cache` then shows the
#    exception and "pmtu 1300" on one line, and `ping -s 1400` goes to G in 1300-byte fragments and
#    is answered;
#  - IcmpMsgInType5 = the redirects in the capture (≥ 1), IcmpInRedirectsIgnored 0, IcmpInErrors 0;
#  - the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_redirect
S=$TMP/snap
PORT=47001

redirect_opening "$S"
expect_match "route cache: redirect exception" \
	"^$FAR_IP via $G_IP dev tap0 redirected expires (300|299)s\$" "$RC_OUT"

# Link-layer destinations of the datagrams to the far host, in order.
macs() {
	pcap_ether_dst "src host $D_IP and dst host $FAR_IP"
}
m=$(macs)
log "link-layer destinations of the requests: $(printf '%s ' $m)"
expect_eq "first request to H's MAC" "$H_MAC" "$(printf '%s\n' "$m" | sed -n 1p)"
expect_eq "later requests to G's MAC" "$G_MAC $G_MAC" "$(printf '%s\n' "$m" | sed -n '2,$p' | xargs)"
fwd1=$(kernel_snmp "$NS_H" Ip ForwDatagrams)
expect_eq "datagrams H's kernel forwarded" 1 "$((fwd1 - FWD0))"

# A later UDP datagram follows the exception too, and reaches the far host.
RX=$TMP/rx.txt
udp_listener "$NS_C" "$PORT" 15 "$RX"
out=$(ctl udp send --from 40030 "$FAR_IP:$PORT" after-redirect) || fail "udp send: $out"
wait_lines "$RX" 1 || bad "the far host received nothing"
expect_match "far host received the datagram" "^14 $D_IP:40030 after-redirect\$" "$(cat "$RX")"
expect_eq "UDP datagram to the far host: link-layer destination" "$G_MAC" \
	"$(pcap_ether_dst "udp and src host $D_IP and dst host $FAR_IP")"
fwd2=$(kernel_snmp "$NS_H" Ip ForwDatagrams)
expect_eq "datagrams H's kernel forwarded after the redirect" 0 "$((fwd2 - fwd1))"
kill "$LISTENER_PID" 2>/dev/null
wait "$LISTENER_PID" 2>/dev/null

# Path MTU through the redirected route: G's link to the far host is 1300 bytes; a DF ping of 1428
# bytes now goes to G, which answers 3/4 (from 192.0.2.7, not our configured gateway — R8.4 does not
# ask the sender to be a gateway). The route cache entry then holds both the exception and the PMTU.
ip -n "$NS_G" link set gc mtu "$PATH_MTU" || fail "gc mtu"
ip -n "$NS_C" link set cg mtu "$PATH_MTU" || fail "cg mtu"
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -M 'do' -s 1400 -c 1 "$FAR_IP" 2>&1)
printf '%s\n' "$out" | sed 's/^/# ping: /'
expect_eq "DF ping of 1428 bytes via G" "From $G_IP icmp_seq=1 Frag needed and DF set (mtu = $PATH_MTU)" \
	"$(printf '%s\n' "$out" | grep '^From ')"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: exception and path MTU on one entry" \
	"^$FAR_IP via $G_IP dev tap0 redirected expires (300|299|298)s pmtu $PATH_MTU expires (600|599)s\$" "$rc_out"
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -s 1400 -c 1 "$FAR_IP" 2>&1)
printf '%s\n' "$out" | sed 's/^/# ping: /'
expect_match "ping -s 1400 (fragmented to $PATH_MTU, via G): reply" "^1408 bytes from $FAR_IP: icmp_seq=1 ttl=63 " "$out"
expect_eq "link-layer destinations of the fragments (G)" "$G_MAC $G_MAC" \
	"$(pcap_ether_dst "src host $D_IP and dst host $FAR_IP and (ip[6:2] & 0x3fff != 0)" | xargs)"
fwd3=$(kernel_snmp "$NS_H" Ip ForwDatagrams)
expect_eq "datagrams H's kernel forwarded since the redirect" 0 "$((fwd3 - fwd1))"

expect_delta IcmpMsgInType5 "$NRD" "$S"
expect_delta IcmpInRedirectsIgnored 0 "$S"
expect_delta IcmpInErrors 0 "$S"
finish
