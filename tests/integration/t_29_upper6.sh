#!/usr/bin/env bash
# The upper layers over IPv6 (issue 14 item 6), with Linux clients on the link-local addresses
# (the daemon makes its fe80:: address from its MAC, V6.10):
#  - nc -6 -u to a closed port reads "Connection refused": the 1/4 of ICMP6-SPEC §4 (Udp6NoPorts);
#  - nc -6 -u to the echo service gets its line back (--service echo answers on both families);
#  - nc -6 -z to a TCP port sees the reset ("Connection refused"), TcpOutRsts;
#  - tapstackctl ping fe80::HOST%tap0 prints iputils' ping6 lines, and ping -4 of it is refused;
#  - tapstackctl udp send [fe80::HOST%tap0]:9999 gets Linux's 1/4 onto the stub's error queue;
#  - Linux's ping -6 to the daemon answers (the ICMPv6 echo of the core) with the UDP socket table
#    still showing one socket per family for the service.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -S echo
learn_dmac

# IPv6 on the host's side of the TAP (new_ns turned it off), without DAD to wait for.
inh sysctl -qw net.ipv6.conf.tap0.accept_dad=0 >/dev/null || fail "accept_dad on tap0"
inh sysctl -qw net.ipv6.conf.tap0.disable_ipv6=0 >/dev/null || fail "IPv6 on tap0"

# fe80::/64 + modified EUI-64 of a MAC.
ll_of() {
	local IFS=: m
	read -r -a m <<<"$1"
	printf 'fe80::%x:%x:%x:%x\n' $(((0x${m[0]} ^ 2) << 8 | 0x${m[1]})) $((0x${m[2]} << 8 | 0xff)) \
		$((0xfe << 8 | 0x${m[3]})) $((0x${m[4]} << 8 | 0x${m[5]}))
}
DLL=$(ll_of "$DMAC")
HLL=$(ll_of "$(host_mac)")
log "daemon $DLL, host $HLL"

ok=0
for i in $(seq 1 20); do
	inh timeout 5 ping -6 -n -q -c 1 -W 1 "$DLL%$HOST_IF" >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.25
done
[ "$ok" = 1 ] || fail "ping -6 $DLL%$HOST_IF never answered (DAD of the daemon's link-local?)"
log "ok: ping -6 $DLL%$HOST_IF answers"

snapshot "$TMP/s0"
inh timeout 10 nc -6 -u -v -z -w 1 "$DLL%$HOST_IF" 9999 >"$TMP/nc.out" 2>&1
rc=$?
log "nc: $(tr '\n' ' ' <"$TMP/nc.out")"
assert_eq "nc -6 -u -v -z $DLL 9999 exit status (connection refused)" 1 "$rc"
grep -q succeeded "$TMP/nc.out" && fail "nc reported success for closed UDP port 9999"
# A connected socket reads the 1/4 as ECONNREFUSED.
got=$(inh timeout 10 "$PY" -c '
import socket, sys
ai = socket.getaddrinfo(sys.argv[1], 9999, socket.AF_INET6, socket.SOCK_DGRAM)[0]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(ai[4])
s.send(b"x")
try:
    s.recv(10)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
' "$DLL%$HOST_IF")
assert_eq "a connected IPv6 UDP socket reads" refused "$got"
[ "$(delta Udp6NoPorts "$TMP/s0")" -ge 1 ] || fail "Udp6NoPorts did not grow"
assert_delta UdpNoPorts 0 "$TMP/s0"

got=$(echo "hello over six" | inh timeout 10 nc -6 -u -w 1 "$DLL%$HOST_IF" 7)
assert_eq "nc -6 -u to the echo service prints" "hello over six" "$got"
[ "$(delta Udp6InDatagrams "$TMP/s0")" -ge 1 ] || fail "Udp6InDatagrams did not grow"
[ "$(delta Udp6OutDatagrams "$TMP/s0")" -ge 1 ] || fail "Udp6OutDatagrams did not grow"
socks=$(ctl sockets)
log "sockets: $(printf '%s' "$socks" | tr '\n' '|')"
printf '%s\n' "$socks" | grep -q '^udp 0.0.0.0:7 service echo' || fail "no IPv4 echo socket"
printf '%s\n' "$socks" | grep -q '^udp \[::\]:7 service echo' || fail "no IPv6 echo socket"

snapshot "$TMP/s1"
out=$(inh timeout 10 nc -6 -v -z -w 2 "$DLL%$HOST_IF" 80 2>&1)
log "nc: $out"
case "$out" in *"Connection refused"*) log "ok: nc -6 -z says Connection refused" ;;
*) fail "nc -6 -v -z $DLL 80 did not say Connection refused: $out" ;; esac
assert_delta TcpOutRsts 1 "$TMP/s1"

out=$(timeout 20 "$TAPSTACKCTL" -c "$CTL" ping -c 2 -i 0.2 "$HLL%$HOST_IF" 2>&1)
rc=$?
log "tapstackctl ping: $(printf '%s' "$out" | tr '\n' '|')"
assert_eq "tapstackctl ping $HLL%$HOST_IF exit status" 0 "$rc"
printf '%s\n' "$out" | grep -q "^PING $HLL%$HOST_IF ($HLL%$HOST_IF) 56 data bytes$" || fail "no iputils ping6 header line"
printf '%s\n' "$out" | grep -Eq "^64 bytes from $HLL%$HOST_IF: icmp_seq=1 ttl=64 time=[0-9.]+ ms$" ||
	fail "no iputils reply line for icmp_seq=1"
printf '%s\n' "$out" | grep -q "^--- $HLL%$HOST_IF ping statistics ---$" || fail "no statistics header"
ping_stats "$out"
assert_eq "tapstackctl ping received" 2 "$PING_RX"

out=$(timeout 20 "$TAPSTACKCTL" -c "$CTL" ping -4 -c 1 "$HLL%$HOST_IF" 2>&1)
assert_eq "ping -4 of an IPv6 address" "ping: $HLL%$HOST_IF: Address family for hostname not supported" "$out"
out=$(timeout 20 "$TAPSTACKCTL" -c "$CTL" ping -c 1 "$HLL" 2>&1)
assert_eq "ping of a link-local address without its scope" "ping: connect: Invalid argument" "$out"

# A received ICMPv6 error (§10): Linux answers our datagram to its closed port with 1/4; the
# stub's queue holds ECONNREFUSED from Linux's link-local address.
out=$(ctl udp send --keep "[$HLL%$HOST_IF]:9999" probe) || fail "udp send to [$HLL%$HOST_IF]:9999: $out"
log "udp send: $out"
eport=$(printf '%s\n' "$out" | sed -nE 's/^sent 5 bytes from udp \[::\]:([0-9]+) to .*/\1/p')
[ -n "$eport" ] || fail "no ephemeral port in: $out"
for i in $(seq 1 40); do
	ctl sockets | grep -q "ECONNREFUSED (1/4) from $HLL" && break
	sleep 0.05
done
line=$(ctl sockets | grep "ECONNREFUSED")
log "sockets: $line"
assert_eq "the stub's error entry" "udp [$DLL]:$eport -> [$HLL]:9999  ECONNREFUSED (1/4) from $HLL" "$line"

stop_daemon
log "PASS"
