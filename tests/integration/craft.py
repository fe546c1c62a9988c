"""craft.py IFACE DST_MAC CASE: sends one crafted frame from 192.0.2.1 to the daemon (192.0.2.2)
and prints what came back: "noreply", or "reply" followed by key=value fields of the echo reply.
Runs in the host namespace under /usr/bin/python3 (Debian's python3-scapy)."""
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, ICMP, Raw, conf, get_if_hwaddr, raw, srp1  # noqa: E402
from scapy.utils import checksum  # noqa: E402

conf.verb = 0
SRC, DST = "192.0.2.1", "192.0.2.2"


def frame(iface, dmac, ip, payload):
    return Ether(src=get_if_hwaddr(iface), dst=dmac) / ip / payload


def build(case, iface, dmac):
    data = bytes((i * 7 + 3) & 0xFF for i in range(200))
    if case == "echo-fields":
        # Code 7 must be copied (R2.2), TOS 0xb9 copied verbatim with its ECN bits (R2.4).
        return frame(iface, dmac, IP(src=SRC, dst=DST, tos=0xB9, ttl=5, flags="DF"),
                     ICMP(type=8, code=7, id=0x4242, seq=9) / data), data
    if case == "l2bcast":
        # A unicast IP destination inside an Ethernet broadcast frame is answered (R1.9).
        return frame(iface, "ff:ff:ff:ff:ff:ff", IP(src=SRC, dst=DST),
                     ICMP(type=8, id=0x4243, seq=1) / data[:32]), data[:32]
    if case == "echo-badcsum":
        p = frame(iface, dmac, IP(src=SRC, dst=DST), ICMP(type=8, id=0x4244, seq=1) / data[:56])
        p = Ether(raw(p))
        p[ICMP].chksum ^= 0x5555
        return p, None
    if case == "ip-badcsum":
        p = frame(iface, dmac, IP(src=SRC, dst=DST), ICMP(type=8, id=0x4245, seq=1) / data[:56])
        p = Ether(raw(p))
        p[IP].chksum ^= 0x5555
        return p, None
    if case == "icmp-short":
        # 4-byte ICMP message with a correct checksum: too short (R1.3).
        body = bytearray(b"\x08\x00\x00\x00")
        c = checksum(bytes(body))
        body[2:4] = c.to_bytes(2, "big")
        return frame(iface, dmac, IP(src=SRC, dst=DST, proto=1), Raw(bytes(body))), None
    if case == "icmp-empty":
        # Zero-length ICMP message: fails the checksum (R1.2).
        return frame(iface, dmac, IP(src=SRC, dst=DST, proto=1), b""), None
    sys.exit("unknown case " + case)


def main():
    iface, dmac, case = sys.argv[1], sys.argv[2], sys.argv[3]
    pkt, data = build(case, iface, dmac)
    r = srp1(pkt, iface=iface, timeout=1.5)
    if r is None or IP not in r or ICMP not in r:
        print("noreply")
        return
    ip, icmp = r[IP], r[ICMP]
    ihl = ip.ihl * 4
    ipraw = raw(ip)
    f = {
        "src": ip.src, "dst": ip.dst, "type": icmp.type, "code": icmp.code,
        "id": hex(icmp.id), "seq": icmp.seq, "tos": hex(ip.tos), "ttl": ip.ttl,
        "df": int(bool(ip.flags.DF)), "mf": int(bool(ip.flags.MF)), "frag": ip.frag,
        "ipck": "ok" if checksum(ipraw[:ihl]) == 0 else "bad",
        "icmpck": "ok" if checksum(ipraw[ihl:ip.len]) == 0 else "bad",
        "len": ip.len,
        "payload": "same" if data is not None and bytes(icmp.payload)[:len(data)] == data
                   and len(bytes(icmp.payload)) == len(data) else "different",
    }
    print("reply " + " ".join("%s=%s" % kv for kv in f.items()))


if __name__ == "__main__":
    main()
