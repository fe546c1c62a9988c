#!/usr/bin/env bash
# One datagram cannot start an echo loop (issue 11): with `-S echo`, the host runs an RFC 862
# echo server of its own on 192.0.2.1:7, and scapy sends ONE datagram 192.0.2.1:7 -> 192.0.2.2:7
# (as anyone could, spoofing the host's address). Before the fix the two services echoed each
# other without end (62 000 datagrams in 3 s); now tapstackd answers no source port below 1024:
# the host's server sees nothing from 192.0.2.2 in 2 s, UdpEchoLoopDrops +1, and an ordinary
# client (a high source port) still gets its echo.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon -S echo
S=$TMP/snap
wait_ping "$NS_H" "$D_IP"

# The host's echo server: answers every datagram for 3 s, counts those from 192.0.2.2.
inh timeout --foreground 10 "$PY" - "$TMP/host_echo.count" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 7))
s.settimeout(0.1)
n, end = 0, time.time() + 3
open(sys.argv[1] + ".ready", "w").close()
while time.time() < end:
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    if peer[0] == "192.0.2.2":
        n += 1
    s.sendto(data, peer)
open(sys.argv[1], "w").write("%d\n" % n)
PYEOF
server=$!
for i in $(seq 1 40); do [ -e "$TMP/host_echo.count.ready" ] && break; sleep 0.05; done
snapshot "$S"
inh "$PY" - "$HOST_IF" "$(daemon_mac)" <<'PYEOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, conf, get_if_hwaddr, sendp
conf.verb = 0
iface, dmac = sys.argv[1], sys.argv[2]
sendp(Ether(src=get_if_hwaddr(iface), dst=dmac) / IP(src="192.0.2.1", dst="192.0.2.2") /
      UDP(sport=7, dport=7) / Raw(b"loop?"), iface=iface)
PYEOF
wait "$server"
n=$(cat "$TMP/host_echo.count" 2>/dev/null || echo missing)
expect_eq "datagrams from 192.0.2.2 at the host's echo server after one spoofed 7 -> 7 datagram" 0 "$n"
expect_delta UdpEchoLoopDrops 1 "$S"
out=$(printf 'still here\n' | inh timeout --foreground 5 nc -u -w 1 "$D_IP" 7 2>&1)
expect_eq "an ordinary client's echo (high source port)" "still here" "$out"
finish
