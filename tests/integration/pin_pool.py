"""pin_pool.py IFACE DST_MAC: tries to pin every buffer share of the daemon at 192.0.2.2 at once
(issue 11), from the host side of its TAP, under /usr/bin/python3 (Debian's python3-scapy):
  - 17 one-byte datagrams to each of the UDP ports 40000-40063 (bound by the test, never read);
  - 300 datagrams to a closed port from 240 spoofed on-link sources that never answer ARP, so that
    every port unreachable waits in ARP's pending queue (the test sets icmp_ratemask=0);
  - 400 first fragments of datagrams that never complete (reassembly holds them).
Prints how many frames it sent."""
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, conf, get_if_hwaddr, sendp  # noqa: E402

conf.verb = 0
iface, dmac = sys.argv[1], sys.argv[2]
smac = get_if_hwaddr(iface)
frames = []
for port in range(40000, 40064):
    for i in range(17):
        frames.append(Ether(src=smac, dst=dmac) / IP(src="192.0.2.1", dst="192.0.2.2") /
                      UDP(sport=5000 + i, dport=port) / Raw(b"x"))
for i in range(300):
    frames.append(Ether(src=smac, dst=dmac) / IP(src="192.0.2.%d" % (10 + i % 240), dst="192.0.2.2") /
                  UDP(sport=7000 + i, dport=33434) / Raw(b"probe"))
for i in range(400):
    frames.append(Ether(src=smac, dst=dmac) / IP(src="192.0.2.1", dst="192.0.2.2", id=1000 + i, flags="MF") /
                  Raw(bytes(1200)))
sendp(frames, iface=iface)
print(len(frames))
