"""hostile.py — hostile input for tapstackd (issue #7), under /usr/bin/python3 (Debian's python3-scapy).

    hostile.py matrix IFACE DAEMON_MAC [GROUP...]     the hostile-input matrix (t_70, t_71)
    hostile.py list                                   the matrix's group names, in order
    hostile.py matrix6 IFACE DAEMON_MAC [GROUP...]    the IPv6 matrix (t_95, t_96; see build6)
    hostile.py list6                                  its group names
    hostile.py flood KIND IFACE DAEMON_MAC SECONDS [PPS]   a bounded flood (t_75..t_78; mix6: t_97; fwd6: t_98)
    hostile.py rss PID SECONDS MAX_KIB SLACK_KIB      the daemon's VmRSS: plateau and bound (t_75..t_78)
    hostile.py ctl CASE CONTROL_PATH [ARGS...]        control-socket abuse (t_73)

matrix: runs in the host namespace; $TAPSTACKCTL and $TAPSTACK_CONTROL name the control client
and socket. Frames are built byte by byte (struct) with scapy's checksum, and written with one
AF_PACKET socket bound to IFACE (the kernel side of the daemon's TAP), which also reads every frame
the daemon writes. For each group of frames:
  1. `tapstackctl stats` before;
  2. every frame sent in one burst; then wait (at most 5 s) until EthInFrames has grown by the
     number sent, i.e. the daemon has read and handled all of them;
  3. collect what the daemon sent for a bounded time (0.3 s, longer when replies are expected);
  4. `tapstackctl stats` after: each counter the group names must have moved by exactly the
     expected amount (a few by at least), and the usual output counters (IcmpOutMsgs,
     TcpOutRsts, ArpOutReplies, UdpOutDatagrams) not at all unless named;
  5. what the daemon sent must be exactly the expected replies (a multiset of short keys such as
     "icmp:12/0:ptr=23>192.0.2.1"), nothing more;
  6. liveness: an echo request from 192.0.2.1 must be answered within 1 s.
One line per check: "ok: GROUP: ..." or "FAIL: GROUP: ...", then "matrix groups=N failed=M".
The fuzz groups are seeded (the same frames every run); HOSTILE_SEED=N in the environment picks
other ones, e.g. to fuzz longer by hand:
    for n in $(seq 1 20); do HOSTILE_SEED=$n ... hostile.py matrix tap0 MAC fuzz-mutate ...; done
The matrix stops at the first group after which the daemon is dead.

Expectations come from ICMP-SPEC.md and the counter descriptions in stack/counters.h, not from
what the daemon happens to do.

The daemon is expected to run with: -S echo -s icmp_ratelimit=0 -s icmp_msgs_burst=1000000
-s icmp_msgs_per_sec=1000000 -s ipfrag_time=3600 -r default,via=192.0.2.1 (so that every error
the spec allows is really sent, counts are exact, no reassembly queue times out during the run,
and there is a route back to every spoofed source, so a reply the spec forbids would be seen).
"""
import errno
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.utils import checksum  # noqa: E402

H, D, BC = "192.0.2.1", "192.0.2.2", "192.0.2.255"
ETH_P_ALL, ETH_P_IP, ETH_P_ARP = 0x0003, 0x0800, 0x0806
BCAST_MAC = b"\xff" * 6
LIVE_ID = 0xFE00
CHUNK = 250          # frames sent before waiting for the daemon to have read them
# The fuzz groups' seed: fixed (0) in the suite; HOSTILE_SEED=N explores other inputs.
FUZZ_SEED = int(os.environ.get("HOSTILE_SEED", "0"))


def die(msg):
    sys.stderr.write("hostile: %s\n" % msg)
    sys.exit(2)


def aton(a):
    return socket.inet_aton(a)


def mac_b(m):
    return bytes(int(x, 16) for x in m.split(":"))


def mac_s(b):
    return ":".join("%02x" % x for x in b)


# ---- frame builders ---------------------------------------------------------------------------

def with_csum(b, at, bad=False):
    """b with a correct (or deliberately wrong) 16-bit checksum at offset `at` (over all of b)."""
    b = bytearray(b)
    b[at:at + 2] = b"\0\0"
    c = checksum(bytes(b))
    if bad:
        c ^= 0x5555
    b[at:at + 2] = struct.pack("!H", c)
    return bytes(b)


def ip(payload, src=H, dst=D, proto=1, ident=0x4242, flags=0, frag=0, ttl=64, tos=0, opts=b"",
       ihl=None, tot=None, ver=4, csum="ok"):
    """An IPv4 datagram. ihl/tot/ver may lie; the checksum is computed over the first ihl*4 bytes
    (what a receiver checks) unless csum is "bad" (then off by 0x5555)."""
    if len(opts) % 4:
        die("options not padded: %r" % opts)
    if ihl is None:
        ihl = 5 + len(opts) // 4
    if tot is None:
        tot = 20 + len(opts) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15), tos, tot & 0xFFFF, ident,
                    (flags << 13) | frag, ttl, proto, 0, aton(src), aton(dst)) + opts
    whole = h + payload
    n = max(ihl * 4, 20)
    cov = bytearray(whole[:n])
    c = checksum(bytes(cov))
    if csum == "bad":
        c ^= 0x5555
    return whole[:10] + struct.pack("!H", c) + whole[12:]


def icmp(typ, code=0, rest=b"\0\0\0\0", data=b"", csum="ok"):
    return with_csum(struct.pack("!BBH", typ, code, 0) + rest + data, 2, csum == "bad")


def echo(ident, seq=1, data=None, code=0, csum="ok", typ=8):
    if data is None:
        data = bytes((i * 7 + 3) & 0xFF for i in range(56))
    return icmp(typ, code, struct.pack("!HH", ident, seq), data, csum)


def pseudo(src, dst, proto, length):
    return aton(src) + aton(dst) + struct.pack("!BBH", 0, proto, length)


def udp(sport, dport, data=b"hostile", src=H, dst=D, csum="ok", ulen=None):
    ln = 8 + len(data)
    u = struct.pack("!HHHH", sport, dport, ln if ulen is None else ulen, 0) + data
    if csum == "zero":
        return u
    c = checksum(pseudo(src, dst, 17, ln) + u)
    if c == 0:
        c = 0xFFFF
    if csum == "bad":
        c ^= 0x5555
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp(sport, dport, flags=0x02, seq=1000, ack=0, src=H, dst=D, doff=5, csum="ok", data=b"",
        opts=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 8192, 0, 0) + opts + data
    c = checksum(pseudo(src, dst, 6, len(t)) + t)
    if csum == "bad":
        c ^= 0x5555
    return t[:16] + struct.pack("!H", c) + t[18:]


def arp(op, sha, spa, tpa, tha=b"\0" * 6, htype=1, ptype=ETH_P_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + aton(spa) + tha + aton(tpa)


# ---- the wire ---------------------------------------------------------------------------------

class Wire:
    def __init__(self, iface, dmac):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
        self.s.bind((iface, 0))
        self.hmac = self.s.getsockname()[4][:6]
        self.dmac = mac_b(dmac)
        self.s.setblocking(False)

    def eth(self, payload, dst=None, src=None, etype=ETH_P_IP):
        return (self.dmac if dst is None else dst) + (self.hmac if src is None else src) + \
            struct.pack("!H", etype) + payload

    def send(self, frames):
        """Sends each frame; returns (sent, [errors]). Retries briefly when the socket is full."""
        sent, errs = 0, []
        for f in frames:
            for _ in range(200):
                try:
                    self.s.send(f)
                    sent += 1
                    break
                except BlockingIOError:
                    select.select([], [self.s], [], 0.01)
                except OSError as e:
                    errs.append(e.errno)
                    break
        return sent, errs

    def recv_from_daemon(self, seconds, until=None):
        """Frames whose Ethernet source is the daemon, for `seconds` (or until until(list) holds)."""
        got = []
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or (until and until(got)):
                break
            r, _, _ = select.select([self.s], [], [], min(left, 0.05))
            if not r:
                continue
            while True:
                try:
                    fr, addr = self.s.recvfrom(70000)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING or fr[6:12] != self.dmac:
                    continue
                got.append(fr)
        return got


def describe(fr):
    """(key, text) for a frame the daemon sent. The key is what expectations compare."""
    return describe_v4(fr)


def describe_v4(fr):
    et = struct.unpack("!H", fr[12:14])[0]
    if et == ETH_P_ARP and len(fr) >= 42:
        op = struct.unpack("!H", fr[20:22])[0]
        spa, tpa = socket.inet_ntoa(fr[28:32]), socket.inet_ntoa(fr[38:42])
        return ("arp:%d:%s>%s" % (op, spa, tpa),
                "ARP op %d %s (%s) -> %s, eth dst %s" % (op, spa, mac_s(fr[22:28]), tpa, mac_s(fr[0:6])))
    if et == 0x86DD and len(fr) >= 54 + 4:
        src, dst = socket.inet_ntop(socket.AF_INET6, fr[22:38]), socket.inet_ntop(socket.AF_INET6, fr[38:54])
        nh, l4 = fr[20], fr[54:]
        if nh == 0 and len(l4) >= 8:      # Hop-by-Hop first (MLD's Router Alert)
            nh, l4 = l4[0], l4[(l4[1] + 1) * 8:]
        if nh == 58 and len(l4) >= 4:
            return ("icmp6:%d/%d:%s>%s" % (l4[0], l4[1], src, dst),
                    "IPv6 %s > %s icmp6 %d/%d, %d bytes" % (src, dst, l4[0], l4[1], len(fr)))
        return ("ip6:%d:%s>%s" % (nh, src, dst), "IPv6 %s > %s next header %d" % (src, dst, nh))
    if et != ETH_P_IP or len(fr) < 34:
        return ("eth:0x%04x" % et, "ethertype 0x%04x, %d bytes" % (et, len(fr)))
    p = fr[14:]
    ihl = (p[0] & 15) * 4
    src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
    fo = struct.unpack("!H", p[6:8])[0]
    proto, l4 = p[9], p[ihl:]
    txt = "IP %s > %s proto %d len %d tos 0x%02x ttl %d frag 0x%04x" % (
        src, dst, proto, struct.unpack("!H", p[2:4])[0], p[1], p[8], fo)
    if fo & 0x1FFF:
        return ("ip-frag:%s>%s" % (src, dst), txt)
    if proto == 1 and len(l4) >= 8:
        t, c = l4[0], l4[1]
        key = "icmp:%d/%d" % (t, c)
        if t in (0, 8, 13, 14):
            key += ":id=%d" % struct.unpack("!H", l4[4:6])[0]
        if t == 12:
            key += ":ptr=%d" % l4[4]
        txt += " icmp %d/%d word2 %s" % (t, c, l4[4:8].hex())
        return (key + ">" + dst, txt)
    if proto == 6 and len(l4) >= 14:
        fl = l4[13]
        return ("tcp:%s>%s" % ("RST" if fl & 4 else "flags=0x%02x" % fl, dst), txt + " tcp flags 0x%02x" % fl)
    if proto == 17 and len(l4) >= 8:
        sp, dp = struct.unpack("!HH", l4[0:4])
        return ("udp:%d>%s:%d" % (sp, dst, dp), txt + " udp %d > %d" % (sp, dp))
    return ("ip:%d>%s" % (proto, dst), txt)


def ignorable(key):
    """What the daemon may send at any time regardless of the group: its own ARP for the host
    (resolution or refresh), answers to the liveness probe, and IPv6's own housekeeping on its
    link (this matrix is IPv4's): MLD reports to ff02::16, router solicitations to ff02::2 (they
    go on, with backoff, while no router answers), and duplicate address detection from ::."""
    return ignorable_v4(key)


def ignorable_v4(key):
    return (key.startswith("arp:1:") and key.endswith(">" + H) or key.startswith("icmp:0/0:id=%d>" % LIVE_ID)
            or key.startswith("icmp6:143/0:") and key.endswith(">ff02::16")
            or key.startswith("icmp6:133/0:") and key.endswith(">ff02::2")
            or key.startswith("icmp6:135/0:::>ff02::1:ff"))


# ---- counters ---------------------------------------------------------------------------------

def stats():
    ctl, path = os.environ.get("TAPSTACKCTL"), os.environ.get("TAPSTACK_CONTROL")
    if not ctl or not path:
        die("TAPSTACKCTL and TAPSTACK_CONTROL must be set")
    try:
        out = subprocess.run([ctl, "-c", path, "stats"], capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    d = {}
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[1].isdigit():
            d[f[0]] = int(f[1])
    return d


def delta(a, b, name):
    return b.get(name, 0) - a.get(name, 0)


# ---- groups -----------------------------------------------------------------------------------

QUIET = ("IcmpOutMsgs", "IcmpOutErrors", "TcpOutRsts", "ArpOutReplies", "UdpOutDatagrams", "PkbAllocFails")


class Group:
    def __init__(self, name, frames, expect=None, replies=(), at_least=None, quiet=QUIET, note="", settle=0.0):
        self.name = name
        self.settle = settle      # seconds to let the group's after-effects die down (not checked)
        self.frames = frames
        self.expect = dict(expect or {})
        self.replies = None if replies is None else list(replies)
        self.at_least = dict(at_least or {})
        self.quiet = [q for q in quiet if q not in self.expect and q not in self.at_least]
        self.note = note


class Matrix:
    def __init__(self, w):
        self.w = w
        self.ident = random.randrange(0x1000, 0x8000)
        self.groups = []

    def nid(self):
        self.ident += 1
        return self.ident

    def E(self, payload, **kw):
        return self.w.eth(payload, **kw)

    def add(self, *a, **kw):
        self.groups.append(Group(*a, **kw))


def icmp_body_csum_fail(b):
    return checksum(b) != 0 if b else True


def frag_ip(chunk, off, mf, ident, src=H, dst=D, proto=1, opts=b""):
    return ip(chunk, src=src, dst=dst, proto=proto, ident=ident, flags=1 if mf else 0, frag=off // 8, opts=opts)


def build(m):
    """Every group of the matrix, in order (the ones known to endanger the daemon last)."""
    w, E = m.w, m.E

    # -- Ethernet ---------------------------------------------------------------------------
    short = [E(b"")[:k] for k in range(14)]
    m.add("eth-short", short, expect={"EthInTruncated": "sent", "EthInFrames": "sent"},
          note="frames of 0..13 bytes (the kernel refuses to send those on a TAP: EINVAL)")
    gid = m.nid()
    good = ip(echo(gid))
    m.add("eth-other", [
        E(good, etype=0x86DD), E(b"\x00\x01" + b"\x08\x00" + good, etype=0x8100),
        E(good, etype=0x88CC), E(good, etype=0x0000), E(good, etype=0xFFFF), E(good, etype=0x0040),
        E(good, dst=b"\x02\x00\x00\x00\x00\x99"), E(good, dst=b"\x01\x00\x5e\x00\x00\xfb"),
        E(good, dst=b"\x33\x33\x00\x00\x00\x01"),
    ], expect={"EthInUnknownType": 5, "Ip6InHdrErrors": 1, "EthInOtherHost": 2, "IpInReceives": 1,
               "ArpInRequests": 0, "IcmpOutMsgs": 1},
          quiet=tuple(q for q in QUIET if q != "IcmpOutMsgs"), replies=["icmp:0/0:id=%d>%s" % (gid, H)],
          note="an IPv4 datagram as EtherType 0x86DD is a bad IPv6 header (version 4); 33:33:00:00:00:01 is "
               "the all-nodes group every IPv6 interface joins, so that frame is accepted, and its echo "
               "request answered (Linux too, with drop_unicast_in_l2_multicast=0)")

    # -- truncation at every header byte ------------------------------------------------------
    tr = []
    for full in (E(ip(echo(m.nid()))), E(ip(udp(4000, 9999), proto=17)), E(ip(tcp(4000, 80), proto=6))):
        tr += [full[:k] for k in range(14, len(full))]     # 98-, 49- and 54-byte frames
    m.add("trunc-ip", tr, expect={"IpInReceives": len(tr), "IpInHdrErrors": 3 * 20,
                                  "IpInTruncatedPkts": len(tr) - 3 * 20, "IcmpInMsgs": 0, "IpInCsumErrors": 0,
                                  "UdpInErrors": 0, "UdpNoPorts": 0, "TcpInSegs": 0, "TcpInErrs": 0},
          note="the first k bytes, for every k from 14 (the Ethernet header alone) up, of an echo "
               "request (98 bytes), a UDP datagram (49) and a TCP SYN (54): IP header cut -> "
               "IpInHdrErrors, datagram cut -> IpInTruncatedPkts")
    a = E(arp(1, w.hmac, H, D), dst=BCAST_MAC, etype=ETH_P_ARP)
    tr = [a[:14 + k] for k in range(28)]
    m.add("trunc-arp", tr, expect={"ArpInErrors": 28, "ArpInRequests": 0},
          note="first k bytes of an ARP request for 192.0.2.2, k = 0..27")
    msg = echo(m.nid())
    tr, csum_fails = [], 0
    for j in range(8):
        b = msg[:j]
        if 4 <= j:
            b = with_csum(b, 2)   # a checksum that verifies: only the length is wrong
        csum_fails += icmp_body_csum_fail(b)
        tr.append(E(ip(b)))
    m.add("trunc-icmp", tr, expect={"IcmpInMsgs": 8, "IcmpInErrors": 8, "IcmpInCsumErrors": csum_fails,
                                    "IcmpMsgInType8": 0},
          note="an ICMP message of j = 0..7 bytes (IP total length 20 + j); from 4 bytes on its checksum verifies")
    u = udp(4000, 9999)
    tr = [E(ip(u[:j], proto=17)) for j in range(8)]
    tr += [E(ip(udp(4000, 9999, ulen=0), proto=17)), E(ip(udp(4000, 9999, ulen=7), proto=17)),
           E(ip(udp(4000, 9999, ulen=100), proto=17))]
    m.add("trunc-udp", tr, expect={"UdpInErrors": 11, "UdpNoPorts": 0, "UdpInCsumErrors": 0},
          note="UDP header of j = 0..7 bytes; UDP length 0, 7, 100 (> the datagram)")
    t = tcp(4000, 80)
    tr = [E(ip(t[:j], proto=6)) for j in range(20)]
    tr += [E(ip(tcp(4000, 80, doff=4), proto=6)), E(ip(tcp(4000, 80, doff=15), proto=6)),
           E(ip(tcp(4000, 80, doff=0), proto=6))]
    m.add("trunc-tcp", tr, expect={"TcpInSegs": 23, "TcpInErrs": 2, "TcpInCsumErrors": 0},
          note="TCP header of j = 0..19 bytes; data offset 4, 15 (> the segment), 0. Counted as "
               "Linux 6.18 does (checked against the kernel): every segment in TcpInSegs, "
               "TcpInErrs only for a data offset below 5")

    # -- IHL, version and total-length lies ----------------------------------------------------
    e = echo(m.nid())
    lies = [ip(e, ver=6), ip(e, ver=0), ip(e, ver=15)]
    lies += [ip(e, ihl=k) for k in range(5)]
    lies += [ip(e[:8], ihl=15)]                       # IHL 15, 28-byte buffer
    lies += [ip(b"\x01\x01\x01\x01" + e[:8], ihl=6, tot=20)]  # tot < IHL*4
    lies += [ip(e, tot=0), ip(e, tot=19)]
    trunc = [ip(e, tot=1500), ip(e, tot=65535), ip(e, tot=20 + len(e) + 1)]
    m.add("ip-lies", [E(x) for x in lies + trunc],
          expect={"IpInReceives": len(lies) + len(trunc), "IpInHdrErrors": len(lies),
                  "IpInTruncatedPkts": len(trunc), "IpInCsumErrors": 0, "IcmpInMsgs": 0},
          note="version 6/0/15, IHL 0..4, IHL 15 in 28 bytes, total length < IHL*4, 0, 19; "
               "total length 1500, 65535, one past the buffer")
    i = m.nid()
    m.add("ip-trailer", [E(ip(echo(i)) + b"\xee" * 40)],
          expect={"IpInReceives": 1, "IcmpMsgInType8": 1, "IcmpMsgOutType0": 1, "IcmpOutMsgs": 1},
          replies=["icmp:0/0:id=%d>%s" % (i, H)],
          note="control: 40 bytes of trailer after the datagram are ignored and the echo answered")

    # -- checksums at every layer ---------------------------------------------------------------
    m.add("csum-ip", [E(ip(echo(m.nid()), csum="bad")), E(ip(udp(4000, 9999), proto=17, csum="bad")),
                      E(ip(tcp(4000, 80), proto=6, csum="bad")), E(ip(b"", proto=1, csum="bad"))],
          expect={"IpInReceives": 4, "IpInCsumErrors": 4, "IpInHdrErrors": 4, "IcmpInMsgs": 0,
                  "UdpNoPorts": 0, "TcpInSegs": 0})
    q = ip(udp(5555, 33434, src=D, dst="203.0.113.9"), src=D, dst="203.0.113.9", proto=17)
    m.add("csum-icmp", [E(ip(echo(m.nid(), csum="bad"))),
                        E(ip(icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12, csum="bad"))),
                        E(ip(icmp(3, 3, data=q, csum="bad"))), E(ip(icmp(8, 0, data=b"z" * 1000, csum="bad")))],
          expect={"IcmpInMsgs": 4, "IcmpInCsumErrors": 4, "IcmpInErrors": 4, "IcmpMsgInType8": 0,
                  "IcmpMsgInType13": 0, "IcmpMsgInType3": 0})
    m.add("csum-udp", [E(ip(udp(4000, 9999, csum="bad"), proto=17)), E(ip(udp(4000, 7, csum="bad"), proto=17))],
          expect={"UdpInCsumErrors": 2, "UdpInErrors": 2, "UdpNoPorts": 0, "UdpInDatagrams": 0},
          note="bad checksum to a closed port and to the echo service (-S echo): silent")
    m.add("csum-tcp", [E(ip(tcp(4000, 80, csum="bad"), proto=6)), E(ip(tcp(4000, 80, flags=0x10, csum="bad"), proto=6))],
          expect={"TcpInCsumErrors": 2, "TcpInErrs": 2, "TcpInSegs": 2})

    # -- L4 controls -------------------------------------------------------------------------------
    i = m.nid()
    m.add("l4-controls", [E(ip(udp(4000, 9999) + b"\xaa" * 9, proto=17)),
                          E(ip(udp(4001, 9999, csum="zero"), proto=17)),
                          E(ip(tcp(4000, 80), proto=6)), E(ip(b"\0" * 8, proto=253))],
          expect={"UdpNoPorts": 2, "TcpOutRsts": 1, "IpInUnknownProtos": 1, "IcmpOutMsgs": 3,
                  "IcmpMsgOutType3": 3},
          replies=["icmp:3/3>" + H, "icmp:3/3>" + H, "tcp:RST>" + H, "icmp:3/2>" + H],
          note="control: a UDP datagram shorter than the IP payload (trimmed), checksum 0, a SYN, protocol 253")

    i1, i2 = m.nid(), m.nid()
    m.add("ttl-local", [E(ip(echo(i1), ttl=0)), E(ip(echo(i2), ttl=1))],
          expect={"IcmpMsgOutType0": 2, "IcmpOutMsgs": 2, "IpInHdrErrors": 0},
          replies=["icmp:0/0:id=%d>%s" % (i1, H), "icmp:0/0:id=%d>%s" % (i2, H)],
          note="control: local delivery accepts TTL 0 and 1 (§6 row 11/0)")
    m.add("icmp-short-bodies", [E(ip(icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * j))) for j in range(4)] +
          [E(ip(icmp(17, 0)))],
          expect={"IcmpInMsgs": 5, "IcmpInErrors": 4, "IcmpMsgInType13": 4, "IcmpMsgInType17": 1},
          note="timestamp requests with 0..3 body bytes (R3.1: InErrors); an address-mask request "
               "without its mask (R4.1: silent)")

    # -- bad options (ICMP-SPEC §6 pointer rules) -------------------------------------------------
    RR = 7
    TS = 68
    pp = [
        ("nop-rr-ptr3", bytes([1, RR, 7, 3, 0, 0, 0, 0]), 23),
        ("rr-len1", bytes([RR, 1, 0, 0]), 20),
        ("rr-len2", bytes([RR, 2, 0, 0]), 21),
        ("rr-ptr0", bytes([RR, 7, 0, 0, 0, 0, 0, 0]), 22),
        ("rr-ptr-mid", bytes([RR, 7, 6, 0, 0, 0, 0, 0]), 22),
        ("two-rr", bytes([RR, 7, 4, 0, 0, 0, 0, RR, 7, 4, 0, 0, 0, 0, 0, 0]), 27),
        ("ts-len3", bytes([TS, 3, 5, 0]), 21),
        ("ts-ptr4", bytes([TS, 8, 4, 0, 0, 0, 0, 0]), 22),
        ("ts-flag1-short", bytes([TS, 8, 5, 1, 0, 0, 0, 0]), 22),
        ("ts-flag3-short", bytes([TS, 8, 5, 3, 0, 0, 0, 0]), 22),
        ("ts-full-ovf15", bytes([TS, 8, 9, 0xF0, 0, 0, 0, 0]), 23),
        ("two-ts", bytes([TS, 8, 5, 0, 0, 0, 0, 0, TS, 8, 5, 0, 0, 0, 0, 0]), 28),
        ("optlen-over", bytes([1, 1, RR, 40]), 22),
        ("optlen0", bytes([0x99, 0, 0, 0]), 20),
        ("optlen-unknown-over", bytes([0x99, 9, 0, 0, 0, 0, 0, 0]), 20),
        ("one-byte-left", bytes([1, 1, 1, TS]), 23),
        ("ra-len2", bytes([148, 2, 0, 0]), 21),
        ("lsrr-len2", bytes([131, 2, 0, 0]), 21),
        ("lsrr-ptr3", bytes([131, 7, 3, 0, 0, 0, 0, 0]), 22),
        ("lsrr-then-ssrr", bytes([131, 7, 4, 192, 0, 2, 9, 137, 7, 4, 192, 0, 2, 9, 0, 0]), 27),
        ("rr-then-ts-then-rr", bytes([RR, 7, 4, 0, 0, 0, 0, TS, 8, 5, 0, 0, 0, 0, 0, RR, 3, 4, 0, 0]), 35),
    ]
    m.add("opts-bad", [E(ip(echo(m.nid()), opts=o)) for _, o, _ in pp],
          expect={"IpInReceives": len(pp), "IpInHdrErrors": len(pp), "IcmpInMsgs": 0,
                  "IcmpOutMsgs": len(pp), "IcmpMsgOutType12": len(pp)},
          replies=["icmp:12/0:ptr=%d>%s" % (ptr, H) for _, _, ptr in pp],
          note="; ".join("%s->%d" % (n, p) for n, _, p in pp))
    m.add("opts-bad-nonreply", [
        E(ip(echo(m.nid()), dst=BC, opts=bytes([RR, 1, 0, 0])), dst=BCAST_MAC),
        E(ip(echo(m.nid()), src="240.0.0.1", opts=bytes([RR, 1, 0, 0]))),
        E(ip(icmp(3, 3, data=q), opts=bytes([RR, 1, 0, 0]))),
        E(ip(echo(m.nid()), opts=bytes([RR, 1, 0, 0]), frag=8)),
    ], expect={"IpInReceives": 4, "IpInHdrErrors": 4},
        note="bad option: to our broadcast (R5.3), from 240.0.0.1 (R5.6), on an ICMP error (R5.5), "
             "in a non-first fragment (R5.4)")
    m.add("opts-srr", [E(ip(echo(m.nid()), opts=bytes([131, 7, 4, 192, 0, 2, 9, 0]))),
                       E(ip(echo(m.nid()), opts=bytes([137, 7, 4, 192, 0, 2, 9, 0])))],
          expect={"IpInSrcRouteDrops": 2, "IcmpInMsgs": 0},
          note="valid LSRR/SSRR with accept_source_route=0: dropped silently")
    i = m.nid()
    m.add("opts-unknown-ok", [E(ip(echo(i), opts=bytes([0x82, 11]) + b"\0" * 9 + b"\0"))],
          expect={"IcmpMsgOutType0": 1, "IcmpOutMsgs": 1, "IpInHdrErrors": 0},
          replies=["icmp:0/0:id=%d>%s" % (i, H)], note="control: an unknown (security) option is carried")

    # -- ICMP messages: types, errors quoting garbage or truncated headers ------------------------
    t_err = [19, 41, 100, 255]
    t_silent = [1, 2, 6, 7, 9, 10, 14, 15, 16, 17, 18, 42, 43, 0, 4]
    m.add("icmp-types", [E(ip(icmp(t, 0, data=b"\0" * 8))) for t in t_err + t_silent],
          expect={"IcmpInMsgs": len(t_err) + len(t_silent), "IcmpInErrors": len(t_err), "IcmpMsgOutType43": 1,
                  "IcmpOutMsgs": 1},
          replies=["icmp:43/1>%s" % H],
          note="types > 18 (InErrors) and obsolete/unsolicited types (silent); t_70 answers PROBE (42), "
               "here with code 1: its zero bytes are no extension (ICMP-EXT-SPEC X5.5)")
    r = random.Random(7)
    garb = bytes(r.randrange(256) for _ in range(40))
    udp_q = ip(udp(5555, 33434, src=D, dst="203.0.113.9"), src=D, dst="203.0.113.9", proto=17)
    mal = [
        icmp(3, 3), icmp(3, 3, data=garb[:10]), icmp(3, 3, data=b"\x44" + garb[1:20]),
        icmp(3, 3, data=b"\x4f" + garb[1:28]), icmp(3, 3, data=udp_q[:20]), icmp(3, 3, data=udp_q[:27]),
        icmp(11, 0, data=b"\x45"), icmp(12, 0, b"\x14\0\0\0", data=b"\x46" + garb[1:30]),
        icmp(3, 4, b"\0\0\0\0", data=b"\x4f" + garb[1:40]), icmp(5, 1, aton("192.0.2.9"), data=garb[:19]),
        icmp(3, 0, data=b"\x43" + garb[1:40]),
    ]
    m.add("icmperr-malformed", [E(ip(x)) for x in mal],
          expect={"IcmpInMsgs": len(mal), "IcmpInErrors": len(mal), "IcmpInCsumErrors": 0},
          note="errors quoting nothing, 10 bytes, IHL 4, IHL 15 in 28 bytes, a header without 8 more "
               "bytes, 1 byte, ... (R8.1)")
    tcp_q = ip(tcp(5555, 80, src=D, dst="203.0.113.9"), src=D, dst="203.0.113.9", proto=6)
    icmp_q = ip(echo(0x3131), src=D, dst="203.0.113.9")
    unk_q = ip(b"\0" * 8, src=D, dst="203.0.113.9", proto=99)
    bc_q = ip(udp(5555, 33434, src=D, dst=BC), src=D, dst=BC, proto=17)
    g28 = bytes([0x45]) + garb[1:28]
    m.add("icmperr-unmatched", [
        E(ip(icmp(3, 3, data=udp_q))), E(ip(icmp(12, 0, b"\x16\0\0\0", data=udp_q))),
        E(ip(icmp(3, 4, b"\0\0\0\0", data=udp_q))), E(ip(icmp(3, 3, data=tcp_q))),
        E(ip(icmp(3, 3, data=icmp_q))), E(ip(icmp(3, 3, data=unk_q))), E(ip(icmp(11, 1, data=udp_q))),
        E(ip(icmp(3, 200, data=udp_q))), E(ip(icmp(3, 3, data=bc_q))), E(ip(icmp(3, 1, data=g28))),
        E(ip(icmp(5, 1, aton("192.0.2.9"), data=udp_q), src="192.0.2.77")),
    ], expect={"IcmpInMsgs": 11, "IcmpInErrors": 5, "IcmpInBogusErrors": 1, "IcmpInRedirectsIgnored": 1},
        at_least={},
        note="well-formed errors about datagrams we never sent: UDP (3/3, 12/0, 3/4, 11/1: InErrors each, "
             "R8.2), TCP (InErrors), ICMP echo and protocol 99 (no socket layer: nothing), 3/200 (ignored), "
             "about our broadcast (BogusErrors), a garbage 28-byte quote (VHL 0x45, its protocol "
             "0x%02x), a redirect (ignored)" % g28[9])
    # The garbage quote is delivered by its protocol byte: count InErrors only if that is UDP or TCP.
    if g28[9] in (6, 17):
        m.groups[-1].expect["IcmpInErrors"] += 1

    # -- ICMP extensions (ICMP-EXT-SPEC X4, X5; t_70 runs with icmp_echo_enable_probe=1 and a stub
    # bound with --rfc4884 on port 6565) ------------------------------------------------------------
    ext_q = ip(udp(6565, 33434, src=D, dst="203.0.113.9", data=b"q" * 32), src=D, dst="203.0.113.9", proto=17)
    field = ext_q + b"\0" * (128 - len(ext_q))

    def xsum(b):
        return b[:2] + struct.pack("!H", checksum(b)) + b[4:]

    def xerr(attr, tail, t=11, c=0):
        return E(ip(icmp(t, c, bytes([0, attr, 0, 0]), data=field + tail)))
    obj = lambda ln, cn, ct, p: struct.pack("!HBB", ln, cn, ct) + p  # noqa: E731
    exts = [
        xerr(32, b"\x20\0\xde\xad" + obj(8, 2, 8, b"\0\0\0\1")),            # bad extension checksum
        xerr(32, xsum(b"\x20\0\0\0" + obj(0, 2, 8, b"\0\0\0\1"))),          # object length 0
        xerr(32, xsum(b"\x20\0\0\0" + obj(0xFFFF, 2, 15, b""))),               # object past the end
        xerr(255, b"\x20\0\0\0" + obj(8, 2, 8, b"\0\0\0\1")),              # attribute past the message
        xerr(32, b"\x20\0"),                                                  # 2 bytes after the field
        xerr(31, xsum(b"\x20\0\0\0" + obj(8, 2, 8, b"\0\0\0\1"))),         # attribute < 128 bytes
        xerr(32, xsum(b"\x20\0\0\0" + obj(12, 2, 0x06, b"\0\x02\0\0\x00\xff\x41\x42"))),  # AFI 2 cut, name len 255
        xerr(32, xsum(b"\x20\0\0\0" + obj(8, 2, 0x02, b"\0abc"))),           # name length 0
        xerr(32, xsum(b"\x20\0\0\0" + obj(8, 2, 0x02, b"\xffabc"))),         # name length 255
        xerr(32, xsum(b"\x20\0\0\0" + obj(4, 2, 0xff, b"") * 30)),            # 30 empty objects, all flags
        xerr(32, xsum(b"\x10\0\0\0" + bytes(range(40)))),                    # version 1 garbage
        xerr(32, xsum(b"\x20\0\0\0" + obj(40, 2, 0x0f, b"\0\0\0\1\0\1\0\0\xc0\0\2\1\x14" + b"\x1b[2J" + b"\xff" * 14 + b"\0\0\x05\xdc"))),
        xerr(32, xsum(b"\x20\0\0\0" + obj(8, 2, 8, b"\0\0\0\1")), t=3, c=3),
        xerr(32, xsum(b"\x20\0\0\0" + obj(8, 2, 8, b"\0\0\0\1")), t=12, c=0),
    ]
    m.add("icmperr-ext-malformed", exts,
          expect={"IcmpInMsgs": len(exts), "IcmpInErrors": 0, "IcmpInCsumErrors": 0},
          note="errors about a datagram of the --rfc4884 stub (port 6565) with malformed RFC 4884 "
               "extensions: bad checksum, object lengths 0 and 65535, attribute 255 and 31, 2 bytes after "
               "the field, cut address and name sub-objects, name lengths 0 and 255, 30 empty objects, "
               "version 1, escape bytes in a name; never dropped as errors, never answered (X4.1)")
    pid = 0x5A5A
    pb = lambda o, L=1: icmp(42, 0, struct.pack("!HBB", pid, 1, L), data=o)  # noqa: E731
    iid = lambda ct, p, ln=None: struct.pack("!HBB", 4 + len(p) if ln is None else ln, 3, ct) + p  # noqa: E731
    probes_bad = [
        pb(b""), pb(b"\x20\0\0\0"), pb(xsum(b"\x20\0\0\0" + iid(4, b"\0\0\0\0"))),
        pb(xsum(b"\x20\0\0\0" + iid(2, b"\0\0\0\0", ln=4))),
        pb(xsum(b"\x20\0\0\0" + iid(2, b"\0\0\0\0", ln=0xFFFF))),
        pb(xsum(b"\x20\0\0\0" + iid(2, b"\0" * 24, ln=28))),
        pb(xsum(b"\x20\0\0\0" + iid(1, b"A" * 16))), pb(xsum(b"\x20\0\0\0" + iid(2, b"\0" * 8))),
        pb(xsum(b"\x20\0\0\0" + iid(3, b"\0\x01\x10\0" + b"\0" * 16))),
        pb(xsum(b"\x20\0\0\0" + iid(3, b"\0\x09\x04\0\xc0\0\2\2"))),
        pb(xsum(b"\x20\0\0\0" + iid(3, b"\0\x01\xff\0\xc0\0\2\2"))),
        pb(xsum(b"\x20\0\0\0" + iid(1, b"tap0")), L=0),
    ]
    probes_ok = [pb(xsum(b"\x20\0\0\0" + iid(2, b"\0\0\0\0"))), pb(b"\x10\0\xff\xff" + iid(1, b"tap0"))]
    m.add("probe-malformed", [E(ip(x)) for x in probes_bad + probes_ok],
          expect={"IcmpMsgInType42": len(probes_bad) + len(probes_ok), "IcmpMsgOutType43": len(probes_bad) + len(probes_ok),
                  "IcmpOutMsgs": len(probes_bad) + len(probes_ok), "IcmpInErrors": 0},
          replies=["icmp:43/1>%s" % H] * len(probes_bad) + ["icmp:43/0>%s" % H] * len(probes_ok),
          note="RFC 8335 PROBEs with no extension, no object, C-Type 4, Length 4, 65535, 28, a 16-byte name, "
               "an 8-byte index, AFI 1 with length 16, AFI 9, address length 255, L=0 by name: code 1 each "
               "(X5.5); by index 0 and, with version 1 and a bad checksum, by name: code 0")

    # -- smurf and broadcast/multicast destinations -----------------------------------------------
    m.add("smurf", [
        E(ip(echo(m.nid()), src="192.0.2.77", dst=BC), dst=BCAST_MAC),
        E(ip(echo(m.nid()), src="192.0.2.77", dst="255.255.255.255"), dst=BCAST_MAC),
        E(ip(echo(m.nid()), src="192.0.2.77", dst="224.0.0.1"), dst=b"\x01\x00\x5e\x00\x00\x01"),
        E(ip(icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12), src="192.0.2.77", dst=BC), dst=BCAST_MAC),
        E(ip(echo(m.nid()), src="203.0.113.66", dst=BC)),
        E(ip(icmp(3, 3, data=udp_q), src="192.0.2.77", dst=BC), dst=BCAST_MAC),
    ], expect={"IpInBcastPkts": 5, "IpInMcastPkts": 1, "IcmpInMsgs": 6, "IcmpInErrors": 6},
        note="echo and timestamp to 192.0.2.255, 255.255.255.255, 224.0.0.1 from a spoofed victim "
             "(icmp_echo_ignore_broadcasts=1), unicast-framed too; an error to broadcast (R1.5)")
    m.add("bcast-l4", [
        E(ip(udp(4000, 9999, src="192.0.2.77", dst=BC), src="192.0.2.77", dst=BC, proto=17), dst=BCAST_MAC),
        E(ip(udp(4000, 7, src="192.0.2.77", dst=BC), src="192.0.2.77", dst=BC, proto=17), dst=BCAST_MAC),
        E(ip(tcp(4000, 80, src="192.0.2.77", dst=BC), src="192.0.2.77", dst=BC, proto=6), dst=BCAST_MAC),
        E(ip(b"\0" * 8, src="192.0.2.77", dst=BC, proto=253), dst=BCAST_MAC),
        E(ip(udp(4000, 9999), proto=17), dst=BCAST_MAC),
        E(ip(b"\0" * 8, proto=253), dst=BCAST_MAC),
    ], expect={"UdpIgnoredMulti": 1, "UdpInDatagrams": 1, "TcpInNoReset": 1, "IpInUnknownProtos": 2,
               "UdpNoPorts": 1},
        note="to 192.0.2.255: closed UDP port, the echo port (no amplification), TCP SYN, protocol 253; "
             "unicast IP in an L2 broadcast frame: closed port and protocol 253 (R5.2: no error)")

    # -- invalid and martian sources ----------------------------------------------------------------
    E_ = "240.0.0.1"
    m.add("invalid-src", [
        E(ip(udp(4000, 9999, src=E_), src=E_, proto=17)), E(ip(echo(m.nid()), src=E_)),
        E(ip(icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12), src=E_)),
        E(ip(tcp(4000, 80, src=E_), src=E_, proto=6)), E(ip(b"\0" * 8, src=E_, proto=253)),
        E(ip(udp(4000, 9999, src="240.255.255.254"), src="240.255.255.254", proto=17)),
    ], expect={"UdpNoPorts": 2, "IcmpInInvalidSrc": 2, "TcpInNoReset": 1, "IpInUnknownProtos": 1,
               "IpInMartianSrc": 0},
        note="class E sources: closed UDP port, echo, timestamp, SYN, protocol 253 (R5.6, R2.7)")
    mart = ["0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.5", "255.255.255.255", BC, D]
    m.add("martian-src", [E(ip(udp(4000, 9999, src=s), src=s, proto=17)) for s in mart] +
          [E(ip(echo(m.nid()), src="127.0.0.1")), E(ip(tcp(4000, 80, src=D), src=D, proto=6))],
          expect={"IpInMartianSrc": len(mart) + 2, "UdpNoPorts": 0, "IcmpInMsgs": 0, "TcpInSegs": 0},
          note="closed-port probes from " + ", ".join(mart) + "; echo from 127.0.0.1; a land SYN")
    m.add("foreign-dst", [E(ip(echo(m.nid()), dst="203.0.113.5")), E(ip(udp(4000, 9999, dst="198.51.100.7"),
                                                                        dst="198.51.100.7", proto=17))],
          expect={"IpInAddrErrors": 2, "IpForwDatagrams": 0},
          note="not ours, forwarding off: silent (§6)")

    # -- ARP ------------------------------------------------------------------------------------------
    A = lambda payload, dst=BCAST_MAC, src=None: E(payload, dst=dst, src=src, etype=ETH_P_ARP)  # noqa: E731
    hm = w.hmac
    m.add("arp-bad-fields", [
        A(arp(1, hm, H, D, htype=6)), A(arp(1, hm, H, D, ptype=0x86DD)), A(arp(1, hm, H, D, hlen=8) + b"\0" * 4),
        A(arp(1, hm, H, D, plen=16) + b"\0" * 24), A(arp(0, hm, H, D)), A(arp(3, hm, H, D)),
        A(arp(0xFFFF, hm, H, D)), A(arp(1, hm, H, D, hlen=0)),
    ], expect={"ArpInErrors": 8, "ArpInRequests": 0, "ArpInReplies": 0})
    bad_mac = [BCAST_MAC, b"\0" * 6, w.dmac]
    mcast_mac = [b"\x01\x00\x5e\x00\x00\x01", b"\x33\x33\x00\x00\x00\x01", b"\x03\x00\x00\x00\x00\x01"]
    bad_ip = ["127.0.0.1", "224.0.0.1", "255.255.255.255", BC, "240.0.0.1", "0.0.0.1"]
    fr = [A(arp(1, mm, "192.0.2.60", D)) for mm in bad_mac]
    fr += [A(arp(1, b"\x02\x00\x00\x00\x60\x01", s, D)) for s in bad_ip]
    fr += [A(arp(2, BCAST_MAC, "192.0.2.61", D, tha=w.dmac), dst=w.dmac)]
    m.add("arp-bad-sender", fr, expect={"ArpInBadSender": len(fr), "ArpInRequests": len(fr) - 1, "ArpInReplies": 1},
          note="sender MAC broadcast, zero, ours; sender IP 127.0.0.1, 224.0.0.1, "
               "255.255.255.255, 192.0.2.255, 240.0.0.1, 0.0.0.1; a reply from a broadcast MAC")
    m.add("arp-mcast-sender", [A(arp(1, mm, "192.0.2.62", D)) for mm in mcast_mac],
          expect={"ArpInRequests": 3, "ArpOutReplies": 3, "ArpInBadSender": 0},
          replies=["arp:2:%s>192.0.2.62" % D] * 3,
          note="sender MAC multicast (3): answered, never learned (RFC 1812 3.3.2; Linux 6.18)")
    m.add("arp-foreign", [
        A(arp(1, hm, H, "192.0.2.77")), A(arp(1, hm, H, BC)), A(arp(1, hm, H, "198.51.100.1")),
        A(arp(1, hm, H, "203.0.113.9")), A(arp(1, hm, H, "0.0.0.0")),
        A(arp(1, b"\x02\x00\x00\x00\x50\x01", "192.0.2.50", "192.0.2.50")),
        A(arp(1, b"\x02\x00\x00\x00\x50\x02", "192.0.2.51", "192.0.2.77"), dst=w.dmac),
    ], expect={"ArpInOtherTarget": 7, "ArpInRequests": 7, "ArpInBadSender": 0},
        note="requests for 192.0.2.77, .255, 198.51.100.1, 203.0.113.9, 0.0.0.0; a gratuitous "
             "announcement of 192.0.2.50; a unicast request for another host")
    evil = b"\x02\xde\xad\xbe\xef\x01"
    m.add("arp-conflict", [
        A(arp(1, evil, D, D), src=evil), A(arp(2, evil, D, D, tha=BCAST_MAC), src=evil),
        A(arp(1, evil, D, H), src=evil), A(arp(2, evil, D, H, tha=w.hmac), dst=w.dmac, src=evil),
    ], expect={"ArpInConflicts": 4, "ArpInOtherTarget": 0},
        note="another MAC claims 192.0.2.2: gratuitous request and reply, a request and a reply from it")
    probe_mac = b"\x02\x00\x00\x00\x70\x01"
    m.add("arp-probe", [A(arp(1, probe_mac, "0.0.0.0", D), src=probe_mac)],
          expect={"ArpInRequests": 1, "ArpOutReplies": 1, "ArpInBadSender": 0},
          replies=["arp:2:%s>0.0.0.0" % D], note="control: an RFC 5227 probe (sender 0.0.0.0) is answered")

    # -- fragments ------------------------------------------------------------------------------------
    def fr_echo(ident, pieces, total, src=H, opts_for=None):
        msg = echo(ident, data=bytes((k * 13 + 5) & 0xFF for k in range(total - 8)))
        out = []
        for off, ln, mf in pieces:
            o = opts_for(off) if opts_for else b""
            out.append(E(frag_ip(msg[off:off + ln], off, mf, ident, src=src, opts=o)))
        return out

    i1, i2 = m.nid(), m.nid()
    ok = fr_echo(i1, [(0, 8, True), (8, 8, True), (16, 8, False)], 24)
    ok += list(reversed(fr_echo(i2, [(0, 8, True), (8, 8, True), (16, 8, False)], 24)))
    m.add("frag-tiny-ok", ok, expect={"IpReasmReqds": 6, "IpReasmOKs": 2, "IpReasmFails": 0,
                                      "IcmpMsgOutType0": 2, "IcmpOutMsgs": 2},
          replies=["icmp:0/0:id=%d>%s" % (i1, H), "icmp:0/0:id=%d>%s" % (i2, H)],
          note="control: 8-byte fragments, in order and reversed, are reassembled")
    deg = fr_echo(m.nid(), [(0, 5, True)], 24) + fr_echo(m.nid(), [(0, 0, True)], 24) + \
        fr_echo(m.nid(), [(8, 0, False)], 24) + fr_echo(m.nid(), [(65528, 16, False)], 65544)[:1]
    m.add("frag-degenerate", deg, expect={"IpReasmReqds": 4, "IpReasmFails": 3, "IpReasmOKs": 0, "IpReasmOverlaps": 0},
          note="a 5-byte middle fragment (cut to 0), zero-length middle and last fragments (R10.3: "
               "each queue discarded); a lone last fragment ending past 65535, held like any other "
               "until the datagram is complete or times out (the 65535 check is on the reassembled "
               "datagram: Linux 6.18 counts 3 failures for this group too)")
    ov = fr_echo(m.nid(), [(0, 24, True), (16, 24, False)], 40)
    ov += fr_echo(m.nid(), [(16, 24, False), (8, 16, True)], 40)
    ov += fr_echo(m.nid(), [(8, 8, True), (0, 24, True)], 40)
    m.add("frag-overlap", ov, expect={"IpReasmReqds": 6, "IpReasmOverlaps": 3, "IpReasmFails": 3, "IpReasmOKs": 0},
          note="partial overlaps: from the right, from the left, a fragment spanning held data (R10.2)")
    td = fr_echo(m.nid(), [(0, 36, True), (24, 4, False)], 40)
    td += fr_echo(m.nid(), [(0, 24, True), (16, 4, False)], 40)
    m.add("frag-teardrop", td, expect={"IpReasmReqds": 4, "IpReasmFails": 2, "IpReasmOKs": 0},
          note="teardrop: a last fragment ending inside held data (R10.3: the queue is discarded)")
    ident = m.nid()
    pieces, off = [], 0
    while off < 65528:
        ln = min(1480, 65528 - off)
        pieces.append((off, ln, True))
        off += ln
    pieces.append((65528, 16, False))
    pod = fr_echo(ident, pieces, 65544)
    m.add("frag-pod", pod, expect={"IpReasmReqds": len(pod), "IpReasmFails": 1, "IpReasmOKs": 0},
          note="ping of death: %d fragments reassembling to 65564 bytes" % len(pod))
    # -- reassembled datagrams whose fragments carry different header lengths --------------------
    ident = m.nid()
    first_opts = b"\x01" * 40                       # IHL 15: 40 bytes of NOP
    pieces, off = [(0, 1440, True)], 1440
    while off + 1480 < 65515:
        pieces.append((off, 1480, True))
        off += 1480
    pieces.append((off, 65515 - off, False))
    pf = fr_echo(ident, pieces, 65515, opts_for=lambda o: first_opts if o == 0 else b"")
    pf = pf[1:] + pf[:1]                            # the IHL-15 offset-0 fragment last
    m.add("frag-pod-options", pf, expect={"IpReasmReqds": len(pf), "IpReasmOKs": 0, "IpReasmFails": 1},
          note="ping of death through options: the offset-0 fragment (sent last) has a 60-byte header, "
               "the other %d fragments 20; each one passes a per-fragment 65535 check but the datagram "
               "is 60 + 65515 = 65575 bytes (R10.3: discard, IpReasmFails +1, no reply)" % (len(pf) - 1))
    i = m.nid()
    msg = echo(i, data=b"0123456789abcdef")          # 24 bytes
    mm = [E(frag_ip(msg[0:16], 0, True, i)), E(frag_ip(msg[16:24], 16, False, i, opts=b"\x01\x01\x01\x01"))]
    m.add("frag-ihl-mismatch", mm, expect={"IpReasmReqds": 2, "IpReasmOKs": 1, "IcmpMsgOutType0": 1,
                                           "IcmpOutMsgs": 1, "IcmpInCsumErrors": 0},
          replies=["icmp:0/0:id=%d>%s" % (i, H)],
          note="a 24-byte echo in two fragments, the last one (arriving last) with 4 bytes of NOP "
               "options: the datagram is the offset-0 fragment's header + 24 bytes (RFC 791), answered")
    i = m.nid()
    msg = echo(i, data=b"Z")                          # 9 bytes
    mm = [E(frag_ip(msg[0:8], 0, True, i)), E(frag_ip(msg[8:9], 8, False, i, opts=b"\x01" * 40))]
    m.add("frag-ihl-short", mm, expect={"IpReasmReqds": 2, "IpReasmOKs": 1, "IcmpMsgOutType0": 1,
                                        "IcmpOutMsgs": 1},
          replies=["icmp:0/0:id=%d>%s" % (i, H)],
          note="a 9-byte echo: offset 0 (IHL 5, 8 bytes) then offset 8 (IHL 15, 1 byte): a 29-byte "
               "datagram, answered (RFC 791; handled with the last fragment's header length, this "
               "once crashed the daemon)")

    # -- fuzzing (liveness only: counters and replies are not checked) ----------------------------
    rnd = random.Random(7070 + FUZZ_SEED)
    seeds = [ip(echo(0x7001)), ip(udp(4000, 9999), proto=17), ip(tcp(4000, 80), proto=6),
             ip(icmp(3, 3, data=udp_q)), ip(echo(0x7002), opts=bytes([RR, 7, 4, 0, 0, 0, 0, 0])),
             ip(echo(0x7003), opts=bytes([TS, 12, 5, 1] + [0] * 8)), frag_ip(echo(0x7004)[:16], 0, True, 0x7004),
             ip(icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12)), ip(udp(4000, 7), proto=17)]
    fz = []
    for k in range(3000):
        s = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randrange(1, 4)):
            s[rnd.randrange(len(s))] = rnd.randrange(256)
        if k % 2 and len(s) >= 20:       # half get a valid header checksum to reach deeper code
            hl = max((s[0] & 15) * 4, 20)
            if hl <= len(s):
                s[10:12] = b"\0\0"
                s[10:12] = struct.pack("!H", checksum(bytes(s[:hl])))
        fz.append(E(bytes(s)))
    for k in range(500):
        ln = rnd.randrange(0, 120)
        fz.append(E(bytes(rnd.randrange(256) for _ in range(ln)), etype=rnd.choice([ETH_P_IP, ETH_P_ARP]),
                    dst=rnd.choice([w.dmac, BCAST_MAC])))
    m.add("fuzz-mutate", fz, quiet=(), replies=None,
          note="3000 valid datagrams with 1-3 random bytes changed (half with a fixed-up header "
               "checksum), 500 random ARP/IPv4 payloads")

    def rand_opts(r, n):
        """n bytes of plausible-looking, mostly broken IPv4 options."""
        o = bytearray()
        while len(o) < n:
            kind = r.choice([0, 1, 1, RR, RR, TS, TS, 131, 137, 148, 0x82, r.randrange(256)])
            if kind in (0, 1):
                o.append(kind)
                continue
            ln = r.choice([0, 1, 2, 3, 4, 7, 8, 11, 12, 39, 40, r.randrange(256)])
            body = [r.choice([0, 3, 4, 5, 8, 9, 12, 13, 40, 41, r.randrange(256)]),
                    r.choice([0, 1, 3, 0xF0, 0xF1, 0xF3, r.randrange(256)])]
            body += [r.randrange(256) for _ in range(max(0, ln - 4))]
            o += bytes([kind, ln] + body[:max(0, ln - 2)])
        return bytes(o[:n])

    fo = []
    for k in range(2000):
        n = 4 * rnd.randrange(1, 11)
        src = rnd.choice([H, H, "192.0.2.77", "240.0.0.1"])
        dst = rnd.choice([D, D, D, BC, "203.0.113.9"])
        proto, body = rnd.choice([(1, echo(0x7100 + k % 256)), (1, icmp(13, 0, struct.pack("!HH", 7, 1), b"\0" * 12)),
                                  (17, udp(4000, 9999, src=src, dst=dst)), (6, tcp(4000, 80, src=src, dst=dst))])
        fo.append(E(ip(body, src=src, dst=dst, proto=proto, opts=rand_opts(rnd, n)),
                    dst=BCAST_MAC if dst == BC else None))
    m.add("fuzz-options", fo, quiet=(), replies=None,
          note="2000 datagrams (echo, timestamp, UDP, TCP; to us, our broadcast, a foreign address; "
               "from the host, a spoofed neighbour, class E) with 4..40 bytes of random options")

    fe = []
    for k in range(2000):
        typ = rnd.choice([3, 3, 4, 5, 11, 12, rnd.randrange(256)])
        code = rnd.choice([0, 1, 3, 4, 13, 15, 16, rnd.randrange(256)])
        inner_proto = rnd.choice([1, 6, 17, 17, rnd.randrange(256)])
        isrc = rnd.choice([D, D, H, BC, "203.0.113.9"])
        idst = rnd.choice([H, "203.0.113.9", BC, D, "198.51.100.3"])
        l4 = rnd.choice([udp(rnd.choice([5555, 7, 33434]), 33434, src=isrc, dst=idst), echo(rnd.randrange(65536)),
                         tcp(5555, 80, src=isrc, dst=idst), bytes(rnd.randrange(256) for _ in range(8))])
        q = ip(l4, src=isrc, dst=idst, proto=inner_proto, opts=rand_opts(rnd, 4 * rnd.randrange(0, 3)))
        q = bytearray(q)
        if rnd.random() < 0.3:
            q[0] = (q[0] & 0xF0) | rnd.randrange(16)
        if rnd.random() < 0.3:
            q[2:4] = struct.pack("!H", rnd.randrange(65536))
        q = bytes(q[:rnd.choice([len(q), len(q), rnd.randrange(len(q) + 1)])])
        rest = struct.pack("!I", rnd.choice([0, rnd.randrange(1 << 32), 0x00000044, 0x14000000]))
        fe.append(E(ip(icmp(typ, code, rest, q), src=rnd.choice([H, H, "192.0.2.77"]))))
    m.add("fuzz-icmperr", fe, quiet=(), replies=None,
          note="2000 ICMP messages (mostly error types) quoting datagrams with random header lengths, "
               "total lengths, protocols and truncation")

    ff = []
    for k in range(3000):
        fid = 0x6000 + rnd.randrange(4)
        off = 8 * rnd.choice([0, 0, 1, 2, 3, 4, 8, 16, 100, rnd.randrange(8192)])
        ln = rnd.choice([0, 1, 7, 8, 9, 16, 24, 100, rnd.randrange(1480)])
        mf = rnd.random() < 0.7
        src = rnd.choice([H, "192.0.2.77"])
        proto = rnd.choice([1, 1, 17, 6, 253])
        opts = rnd.choice([b"", b"", b"\x01" * 4, b"\x01" * 40, bytes([RR, 7, 4, 0, 0, 0, 0, 0])])
        ff.append(E(ip(bytes(rnd.randrange(256) for _ in range(ln)), src=src, proto=proto, ident=fid,
                       flags=1 if mf else 0, frag=off // 8, opts=opts)))
    m.add("fuzz-frags", ff, quiet=(), replies=None,
          note="3000 fragments of 4 datagrams: random offsets, lengths, MF, protocols, header lengths")

    fa = []
    for k in range(1500):
        op = rnd.choice([1, 1, 2, rnd.randrange(65536)])
        sha = rnd.choice([bytes([2, 0x70, 0, 0, rnd.randrange(256), rnd.randrange(256)]), BCAST_MAC, b"\0" * 6,
                          bytes(rnd.randrange(256) for _ in range(6))])
        # Never the host's address: ARP would (rightly) let that move the host's entry elsewhere.
        spa = rnd.choice(["192.0.2.%d" % rnd.randrange(2, 256), "0.0.0.0", D, "198.51.100.%d" % rnd.randrange(256)])
        tpa = rnd.choice([D, D, spa, "192.0.2.%d" % rnd.randrange(256)])
        fa.append(A(arp(op, sha, spa, tpa), dst=rnd.choice([BCAST_MAC, w.dmac]),
                    src=rnd.choice([w.hmac, sha if not sha[0] & 1 else w.hmac])))
    m.add("fuzz-arp", fa, quiet=(), replies=None, settle=3.5,
          note="1500 ARP requests/replies from random senders (a full cache: evictions); then 3.5 s "
               "for the ARP resolutions the fuzz started (answers to spoofed neighbours) to give up")

    # -- a flood of first fragments (after the fuzz: its queues are pushed out) ---------------------
    rnd = random.Random(70)
    flood = []
    for fid in rnd.sample(range(0x9000, 0x10000), 300):   # apart from the matrix's other IDs
        flood.append(E(frag_ip(echo(fid, data=b"\x5a" * 24)[:16], 0, True, fid)))
    m.add("frag-flood", flood, expect={"IpReasmReqds": 300, "IpReasmOKs": 0},
          note="300 first fragments with random IDs: held or pushed out (IpReasmFails, not checked: "
               "the spec bounds memory, not the number of queues), never answered")
    i = m.nid()
    m.add("frag-after-flood", fr_echo(i, [(0, 16, True), (16, 48, False)], 64),
          expect={"IpReasmOKs": 1, "IcmpMsgOutType0": 1, "IcmpOutMsgs": 1},
          replies=["icmp:0/0:id=%d>%s" % (i, H)], note="control: reassembly still works after the flood")


def run_matrix(iface, dmac, only, v6=False):
    w = Wire(iface, dmac)
    m = Matrix6(w) if v6 else Matrix(w)
    (build6 if v6 else build)(m)
    describe, ignorable = (describe_any, ignorable6) if v6 else (describe_v4, ignorable_v4)
    groups = [g for g in m.groups if not only or g.name in only]
    if only and len(groups) != len(only):
        die("unknown group(s): %s" % " ".join(sorted(set(only) - {g.name for g in m.groups})))
    failed = 0
    live_seq = 0
    for g in groups:
        bad = []

        def check(ok, what):
            if ok:
                print("ok: %s: %s" % (g.name, what))
            else:
                bad.append(what)
                print("FAIL: %s: %s" % (g.name, what))

        late = [describe(f) for f in w.recv_from_daemon(0.0)]
        late = [d for d in late if not ignorable(d[0])]
        for k, t in late:
            print("FAIL: before %s: a frame from the daemon nobody accounted for: %s" % (g.name, t))
        failed += bool(late)
        before = stats()
        if before is None:
            print("FAIL: %s: tapstackctl stats fails before the group: daemon dead?" % g.name)
            failed += 1
            break
        t0 = time.monotonic()
        # In chunks the TAP's transmit ring (1000 frames) holds, each read by the daemon before the
        # next goes: wait (at most 5 s a chunk) until EthInFrames has grown by what we sent.
        sent, errs, after = 0, [], before
        for c in range(0, len(g.frames), CHUNK):
            n, e = w.send(g.frames[c:c + CHUNK])
            sent += n
            errs += e
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                after = stats()
                if after is None or delta(before, after, "EthInFrames") >= sent:
                    break
                time.sleep(0.01)
            if after is None or delta(before, after, "EthInFrames") < sent:
                break
        if after is None:
            print("FAIL: %s: tapstackctl stats fails after sending %d frames: daemon dead" % (g.name, sent))
            failed += 1
            break
        want = g.replies
        nwant = 0 if want is None else len(want)
        got = w.recv_from_daemon(1.5 if nwant else 0.3,
                                 until=(lambda l: len([x for x in l if not ignorable(describe(x)[0])]) >= nwant)
                                 if nwant else None)
        if nwant:
            got += w.recv_from_daemon(0.1)
        after = stats()
        if after is None:
            print("FAIL: %s: tapstackctl stats fails after the group: daemon dead" % g.name)
            failed += 1
            break
        el = time.monotonic() - t0
        desc = [d for d in (describe(f) for f in got) if not ignorable(d[0])]
        print("# %s: %d frames sent in %.2f s%s%s" % (
            g.name, sent, el, (" (%d refused by the kernel: %s)" % (len(errs), ",".join(
                sorted({errno.errorcode.get(e, str(e)) for e in errs})))) if errs else "",
            ("; " + g.note) if g.note else ""))
        check(delta(before, after, "EthInFrames") >= sent, "EthInFrames +%d (>= %d sent)" % (
            delta(before, after, "EthInFrames"), sent))
        for name, v in g.expect.items():
            v = sent if v == "sent" else v
            d = delta(before, after, name)
            check(d == v, "%s +%d (expected +%d)" % (name, d, v))
        for name, v in g.at_least.items():
            d = delta(before, after, name)
            check(d >= v, "%s +%d (expected >= +%d)" % (name, d, v))
        for name in g.quiet:
            d = delta(before, after, name)
            check(d == 0, "%s +%d (expected +0)" % (name, d))
        if want is not None:
            keys = sorted(k for k, _ in desc)
            if keys == sorted(want):
                check(True, "replies: %s" % (", ".join(keys) if keys else "none"))
            else:
                check(False, "replies: expected [%s], the daemon sent %d frame(s):" % (", ".join(sorted(want)), len(desc)))
                for k, t in desc[:12]:
                    print("    | %s   [%s]" % (t, k))
                if len(desc) > 12:
                    print("    | ... %d more" % (len(desc) - 12))
        else:
            print("# %s: the daemon sent %d frame(s) (not checked)" % (g.name, len(desc)))
        if g.settle:
            w.recv_from_daemon(g.settle)
        # Liveness: an echo request from the host must be answered, to the host's MAC.
        live_seq += 1
        if v6:
            w.send([w.eth(ip6(echo6(LIVE_ID, seq=live_seq), 58), etype=ETH_P_IPV6)])
        else:
            w.send([w.eth(ip(echo(LIVE_ID, seq=live_seq)))])

        def answered(frames):
            for x in frames:
                k = describe(x)[0]
                if v6 and k.startswith("icmp6:129/0:id=%d>" % LIVE_ID) and x[0:6] == w.hmac:
                    if struct.unpack("!H", x[60:62])[0] == live_seq:
                        return True
                if not v6 and k.startswith("icmp:0/0:id=%d>" % LIVE_ID) and x[0:6] == w.hmac:
                    l4 = x[14 + (x[14] & 15) * 4:]
                    if struct.unpack("!H", l4[6:8])[0] == live_seq:
                        return True
            return False
        alive = answered(w.recv_from_daemon(1.0, until=answered))
        check(alive, "daemon answers an echo request afterwards")
        if bad:
            failed += 1
        if not alive and stats() is None:
            print("FAIL: %s: the daemon is dead; the matrix stops here" % g.name)
            break
    print("matrix groups=%d failed=%d" % (len(groups), failed))
    return 1 if failed else 0


# ---- floods (t_75..t_78) ------------------------------------------------------------------------

def run_flood(kind, iface, dmac, seconds, pps):
    """Sends KIND frames for `seconds` (at most `pps` per second, at most 5 million frames);
    prints "flood KIND sent=N seconds=S"."""
    w = Wire(iface, dmac)
    rnd = random.Random(0x7676)
    frames = []
    if kind == "arp":
        # 250 different senders 192.0.2.3..252, each with its own MAC, asking for 192.0.2.2.
        for k in range(3, 253):
            mac = bytes([0x02, 0x76, 0, 0, rnd.randrange(256), k])
            frames.append(w.eth(arp(1, mac, "192.0.2.%d" % k, D), dst=BCAST_MAC, src=mac, etype=ETH_P_ARP))
    elif kind == "udp":
        # Closed-port probes from spoofed sources across 203.0.113.0/24 and 198.51.100.0/24.
        for k in range(4000):
            net = "203.0.113." if k % 2 else "198.51.100."
            s = net + str(rnd.randrange(1, 255))
            frames.append(w.eth(ip(udp(rnd.randrange(1024, 65535), rnd.randrange(10000, 60000), src=s),
                                   src=s, proto=17, ident=k & 0xFFFF)))
    elif kind == "frag":
        # First fragments (1480 bytes: a full frame) with random IDs from spoofed sources, and
        # middle fragments at distinct offsets of a few long-lived IDs.
        for k in range(4000):
            s = ("203.0.113." if k % 2 else "198.51.100.") + str(rnd.randrange(1, 255))
            fid = rnd.randrange(65536)
            if k % 4 == 3:
                fid = 0x7700 + (k % 8)
                off = ((k // 8) % 40 + 1) * 1480
                frames.append(w.eth(frag_ip(b"\x33" * 1480, off, True, fid, src=H)))
            else:
                frames.append(w.eth(frag_ip(echo(fid, data=b"\x44" * 1472), 0, True, fid, src=s)))
    elif kind == "fwd":
        # Datagrams through the router to 198.51.100.3..254 (no such hosts: ARP never resolves).
        for k in range(4000):
            d = "198.51.100.%d" % rnd.randrange(3, 255)
            frames.append(w.eth(ip(udp(4000 + k % 1000, 33434, src=H, dst=d, data=b"\x55" * 200),
                                   dst=d, proto=17, ident=k & 0xFFFF)))
    elif kind == "mix6":
        frames = flood6_frames(w, rnd)
    elif kind == "fwd6":
        # IPv6 datagrams through the router to 2001:db8:2::3..fe (no such hosts: Neighbor
        # Discovery never resolves them; t_98), as many destinations as fwd has.
        for k in range(4000):
            d = "2001:db8:2::%x" % rnd.randrange(3, 255)
            frames.append(w.eth(ip6(udp6(4000 + k % 1000, 33434, b"\x55" * 200, src=H6, dst=d), 17, src=H6, dst=d),
                                etype=ETH_P_IPV6))
    else:
        die("unknown flood " + kind)
    sent = 0
    t0 = time.monotonic()
    end = t0 + seconds
    batch = max(1, pps // 50)
    k = 0
    while time.monotonic() < end and sent < 5000000:
        chunk = [frames[(k + j) % len(frames)] for j in range(batch)]
        k += batch
        n, _ = w.send(chunk)
        sent += n
        # Pace to at most pps: the batch's share of a second.
        ahead = t0 + sent / float(pps) - time.monotonic()
        if ahead > 0:
            time.sleep(min(ahead, 0.1))
        # Keep the receive queue from filling with the daemon's answers.
        try:
            while True:
                w.s.recv(70000, socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass
    print("flood %s sent=%d seconds=%.1f" % (kind, sent, time.monotonic() - t0))
    return 0


# ---- memory sampling (t_75..t_78) ---------------------------------------------------------------

def vmrss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_rss(pid, seconds, max_kib, slack_kib):
    """Samples the daemon's VmRSS once a second for `seconds` (at most 120); then checks the
    plateau (the last third's maximum at most the first third's maximum + slack_kib) and the
    bound (every sample at most max_kib). Prints the samples and "ok:"/"FAIL:" lines."""
    samples = []
    t0 = time.monotonic()
    for k in range(min(int(seconds), 120)):
        time.sleep(max(0.0, t0 + k + 1 - time.monotonic()))
        v = vmrss_kib(pid)
        if v is None:
            print("FAIL: rss: the daemon (pid %d) is gone after %d s" % (pid, k + 1))
            return 0
        samples.append(v)
    print("# rss (KiB, one a second): %s" % " ".join(str(x) for x in samples))
    if len(samples) < 3:
        print("FAIL: rss: only %d samples" % len(samples))
        return 0
    third = len(samples) // 3
    first, last = max(samples[:third]), max(samples[-third:])
    line = "rss plateau: last third max %d KiB <= first third max %d KiB + %d KiB" % (last, first, slack_kib)
    print(("ok: " if last <= first + slack_kib else "FAIL: ") + line)
    line = "rss bound: max %d KiB <= %d KiB" % (max(samples), max_kib)
    print(("ok: " if max(samples) <= max_kib else "FAIL: ") + line)
    return 0


# ---- control-socket abuse (t_73) -----------------------------------------------------------------

def ctl_conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def ctl_read(s, limit=1 << 20):
    """Everything until EOF (or 5 s): (bytes, how it ended)."""
    buf = b""
    try:
        while len(buf) < limit:
            b = s.recv(65536)
            if not b:
                return buf, "eof"
            buf += b
    except socket.timeout:
        return buf, "timeout"
    except ConnectionResetError:
        return buf, "reset"
    return buf, "limit"


def reply_fields(buf):
    """A reply is TEXT NUL STATUS (STX first for streaming commands)."""
    if b"\0" not in buf:
        return None, None
    text, _, status = buf.rpartition(b"\0")
    return text.decode(errors="replace"), status.decode(errors="replace")


def run_ctl(case, path, args):
    if case == "garbage":
        # Random bytes (newlines included, NULs included) in three writes, then the write side shut.
        rnd = random.Random(int(args[0]) if args else 74)
        s = ctl_conn(path)
        for _ in range(3):
            try:
                s.sendall(bytes(rnd.randrange(256) for _ in range(700)))
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        buf, how = ctl_read(s)
        text, status = reply_fields(buf)
        print("garbage bytes=%d end=%s status=%s" % (len(buf), how, status))
    elif case == "longline":
        s = ctl_conn(path)
        try:
            s.sendall(b"A" * 10000 + b"\n")
        except (BrokenPipeError, ConnectionResetError) as e:
            print("longline send-error=%s" % e.__class__.__name__)
        buf, how = ctl_read(s)
        text, status = reply_fields(buf)
        print("longline end=%s status=%s text=%s" % (how, status, (text or "").strip().replace(" ", "_")))
    elif case == "nul":
        s = ctl_conn(path)
        s.sendall(b"stats\0junk\n")
        buf, how = ctl_read(s)
        text, status = reply_fields(buf)
        print("nul end=%s status=%s text=%s" % (how, status, (text or "").strip().replace(" ", "_")))
    elif case == "partial-close":
        # Half a command, no newline, then close without reading.
        s = ctl_conn(path)
        s.sendall(b"sta")
        s.close()
        print("partial-close done")
    elif case == "eof-line":
        # A final line without a newline still counts (the write side shut).
        s = ctl_conn(path)
        s.sendall(b"stats")
        s.shutdown(socket.SHUT_WR)
        buf, how = ctl_read(s)
        text, status = reply_fields(buf)
        print("eof-line end=%s status=%s lines=%d" % (how, status, len((text or "").splitlines())))
    elif case == "midcmd":
        # Connect, send half a line, announce readiness, then wait to be killed (at most 30 s).
        s = ctl_conn(path)
        s.sendall(b"stat")
        with open(args[0], "w") as f:
            f.write("ready\n")
        time.sleep(30)
    elif case == "hold":
        # Open N connections that say nothing, hold them SECONDS, then close them.
        n, secs = int(args[0]), float(args[1])
        conns, refused = [], 0
        for _ in range(n):
            try:
                conns.append(ctl_conn(path))
            except OSError:
                refused += 1
        if len(args) > 2:
            with open(args[2], "w") as f:
                f.write("ready %d %d\n" % (len(conns), refused))
        time.sleep(secs)
        dropped = 0
        for c in conns:
            c.setblocking(False)
            try:
                if c.recv(4096) == b"":
                    dropped += 1
            except BlockingIOError:
                pass
            except OSError:
                dropped += 1
            c.close()
        print("hold opened=%d refused=%d closed_by_daemon=%d" % (len(conns), refused, dropped))
    else:
        die("unknown ctl case " + case)
    return 0


# ==== IPv6 (issue 14 item 8): the hostile matrix over IPv6 (t_95, t_96) =========================
#
#   hostile.py matrix6 IFACE DAEMON_MAC [GROUP...]    and    hostile.py list6
#
# The daemon runs dual stack: -i tap0,192.0.2.2/24,2001:db8:1::2/64,...,host=2001:db8:1::1/64 and
# -s net.ipv6.ip6frag_time=3600 -s net.ipv6.icmp.ratelimit=0 (every error the spec allows is sent,
# no reassembly queue times out during the run). The host's kernel has IPv6 on (for ping -6 after
# the matrix), holds a permanent neighbour entry for the daemon (it never solicits it) and sends
# no RS and no DAD. What the daemon sends by itself at any time — its NSs (NUD for the host, DAD
# for SLAAC addresses), RSs, MLD reports and the answers to the liveness probe — is ignored; every
# other frame it sends must be one the group expects. Counters that the host's own traffic moves
# (Ip6InReceives, Icmp6InMsgs, NdInNA ...) are never checked exactly; the error counters are.
# Environment: HOSTILE_D6 (the daemon's address, default 2001:db8:1::2) and HOSTILE_H6 (the
# host's, 2001:db8:1::1): a link-local pair (fe80::...) runs the matrix against a daemon whose
# -i has no IPv6 prefix; the groups that need the global address then expect what a link-local
# one gets.

ETH_P_IPV6 = 0x86DD
D6 = os.environ.get("HOSTILE_D6", "2001:db8:1::2")
H6 = os.environ.get("HOSTILE_H6", "2001:db8:1::1")
ALLNODES = "ff02::1"
ALLNODES_MAC = b"\x33\x33\x00\x00\x00\x01"
IGN6 = (133, 135, 143, 131, 132)    # RS, NS, MLD reports and done: the daemon's own housekeeping


def a6(a):
    return socket.inet_pton(socket.AF_INET6, a)


def n6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def mcast_mac6(a):
    return b"\x33\x33" + a6(a)[12:]


def solicited(a):
    return "ff02::1:ff" + "%02x:%02x%02x" % tuple(a6(a)[13:16])


def ip6(payload, nh, src=None, dst=None, hlim=64, plen=None, ver=6, tc=0, flow=0):
    """An IPv6 header (payload length and version may lie) and payload."""
    src, dst = src or H6, dst or D6
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", (ver << 28) | (tc << 20) | flow, plen & 0xFFFF, nh, hlim) + a6(src) + a6(dst) + payload


def icmp6(typ, code=0, body=b"", src=None, dst=None, csum="ok"):
    """An ICMPv6 message (type, code, checksum, body) with its pseudo-header checksum."""
    src, dst = src or H6, dst or D6
    m = struct.pack("!BBH", typ, code, 0) + body
    c = checksum(a6(src) + a6(dst) + struct.pack("!IxxxB", len(m), 58) + m)
    if csum == "bad":
        c ^= 0x5555
    return m[:2] + struct.pack("!H", c) + m[4:]


def echo6(ident, seq=1, data=None, src=None, dst=None):
    if data is None:
        data = bytes((i * 5 + 1) & 0xFF for i in range(56))
    return icmp6(128, 0, struct.pack("!HH", ident, seq) + data, src, dst)


def udp6(sport, dport, data=b"hostile6", src=None, dst=None):
    src, dst = src or H6, dst or D6
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = checksum(a6(src) + a6(dst) + struct.pack("!IxxxB", len(u), 17) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def ext(nh, body):
    """An extension header (HBH, DestOpt, Routing) with Next Header nh and body (its length a
    multiple of 8 minus 2)."""
    if (len(body) + 2) % 8:
        die("extension header body of %d bytes" % len(body))
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def opts(*o):
    """TLV options padded with PadN/Pad1 to fill an extension header (6 + 8k bytes)."""
    b = b"".join(o)
    pad = (6 - len(b)) % 8
    if pad == 1:
        b += b"\x00"
    elif pad:
        b += bytes([1, pad - 2]) + b"\0" * (pad - 2)
    return b


def fraghdr(nh, off, m, ident):
    return struct.pack("!BBHI", nh, 0, (off & 0xFFF8) | (1 if m else 0), ident)


def rthdr(nh, rtype, sl, addrs=1):
    return ext(nh, bytes([rtype, sl]) + b"\0" * 4 + a6("2001:db8:1::33") * addrs)


def describe6(fr):
    """(key, text) of an IPv6 frame the daemon sent: icmp6:T/C[:id=N][:ptr=N]>DST."""
    p = fr[14:]
    if len(p) < 40:
        return ("ip6-short", "IPv6 frame of %d bytes" % len(fr))
    nh, src, dst = p[6], n6(p[8:24]), n6(p[24:40])
    off, txt = 40, "IP6 %s > %s nh %d hlim %d plen %d" % (src, dst, nh, p[7], struct.unpack("!H", p[4:6])[0])
    while nh in (0, 60, 43) and off + 2 <= len(p):      # the daemon's own HBH (MLD)
        nh, off = p[off], off + (p[off + 1] + 1) * 8
    if nh == 44 and off + 8 <= len(p):
        fo = struct.unpack("!H", p[off + 2:off + 4])[0]
        if fo & 0xFFF8:
            return ("ip6-frag:%s>%s" % (src, dst), txt)
        nh, off = p[off], off + 8
    l4 = p[off:]
    if nh == 58 and len(l4) >= 8:
        t, c = l4[0], l4[1]
        key = "icmp6:%d/%d" % (t, c)
        if t in (128, 129):
            key += ":id=%d" % struct.unpack("!H", l4[4:6])[0]
        if t == 4:
            key += ":ptr=%d" % struct.unpack("!I", l4[4:8])[0]
        if t == 136 and len(l4) >= 24:
            key += ":tgt=%s" % n6(l4[8:24])
        return (key + ">" + dst, txt + " icmp6 %d/%d word2 %s" % (t, c, l4[4:8].hex()))
    if nh == 17 and len(l4) >= 8:
        sp, dp = struct.unpack("!HH", l4[0:4])
        return ("udp6:%d>%s:%d" % (sp, dst, dp), txt)
    return ("ip6:%d>%s" % (nh, dst), txt)


def describe_any(fr):
    if len(fr) >= 14 and struct.unpack("!H", fr[12:14])[0] == ETH_P_IPV6:
        return describe6(fr)
    return describe(fr)


def ignorable6(key):
    if key.startswith("icmp6:"):
        t = int(key[6:].split("/")[0])
        if t in IGN6:
            return True
        if key.startswith("icmp6:129/0:id=%d>" % LIVE_ID):
            return True
    return ignorable(key)


class Matrix6(Matrix):
    def E6(self, payload, dst=None):
        """An IPv6 frame to the daemon's MAC (or dst)."""
        return self.w.eth(payload, dst=dst, etype=ETH_P_IPV6)


def build6(m):
    """Every IPv6 group, in order (floods last)."""
    w, E = m.w, m.E6
    H, D = H6, D6
    ll = D.startswith("fe80")
    err = lambda t, c, ptr=None, to=H: "icmp6:%d/%d%s>%s" % (t, c, "" if ptr is None else ":ptr=%d" % ptr, to)
    rep = lambda i, to=H: "icmp6:129/0:id=%d>%s" % (i, to)
    MC = ALLNODES_MAC

    # -- the fixed header -------------------------------------------------------------------------
    i = m.nid()
    good = ip6(echo6(i), 58)
    tr = [E(good[:k]) for k in range(40)]
    lies = [E(ip6(echo6(m.nid()), 58, ver=v)) for v in (4, 0, 15)]
    m.add("ip6-short", tr + lies, expect={"Ip6InHdrErrors": 43, "Ip6InTruncatedPkts": 0},
          note="the first k bytes (k = 0..39) of an IPv6 header; version 4, 0, 15 in a whole one (V1.3)")
    trunc = [E(ip6(echo6(m.nid()), 58, plen=n)) for n in (65, 200, 1500, 65535)]
    i = m.nid()
    m.add("ip6-plen", trunc + [E(ip6(echo6(i), 58) + b"\xee" * 30)],
          expect={"Ip6InTruncatedPkts": 4, "Ip6InHdrErrors": 0}, replies=[rep(i)],
          note="payload length past the frame (V1.5): 65, 200, 1500, 65535; one with 30 bytes of "
               "trailer (trimmed, answered)")
    bad = [ip6(echo6(m.nid(), src="::1"), 58, src="::1"), ip6(echo6(m.nid(), dst="::1"), 58, dst="::1"),
           ip6(echo6(m.nid(), dst="ff00::1"), 58, dst="ff00::1"), ip6(echo6(m.nid(), dst="ff01::1"), 58, dst="ff01::1"),
           ip6(echo6(m.nid(), src="ff02::1"), 58, src="ff02::1"), ip6(echo6(m.nid(), src="ff0e::5"), 58, src="ff0e::5")]
    m.add("ip6-addr", [E(b) for b in bad[:2]] + [E(b, dst=MC) for b in bad[2:4]] + [E(b) for b in bad[4:]],
          expect={"Ip6InHdrErrors": 6}, replies=[],
          note="source or destination ::1, destination of scope 0 and 1, multicast sources (V1.4)")
    i1, i2 = m.nid(), m.nid()
    m.add("ip6-other-dst", [E(ip6(echo6(i1, dst="2001:db8:99::1"), 58, dst="2001:db8:99::1")),
                            E(ip6(echo6(i2, dst="ff02::1234"), 58, dst="ff02::1234"), dst=mcast_mac6("ff02::1234")),
                            E(ip6(echo6(m.nid(), src="::"), 58, src="::"))],
          expect={"Ip6InNoRoutes": 1}, replies=[err(1, 0)],
          note="a unicast destination not ours with no route (1/0, V1.14: unless a default route was "
               "learned); a group not joined (V1.13); an echo request from :: (V3.8: no reply)")

    # -- ICMPv6 checksum and length ---------------------------------------------------------------
    e = echo6(m.nid())
    short, fails = [], 0
    for j in range(8):
        b = e[:j]
        if j >= 4:
            b = b[:2] + b"\0\0" + b[4:]
            c = checksum(a6(H) + a6(D) + struct.pack("!IxxxB", len(b), 58) + b)
            b = b[:2] + struct.pack("!H", c) + b[4:]
        fails += checksum(a6(H) + a6(D) + struct.pack("!IxxxB", len(b), 58) + b) != 0
        short.append(E(ip6(b, 58)))
    m.add("icmp6-short-csum", short + [E(ip6(icmp6(128, 0, b"\0" * 60, csum="bad"), 58)),
                                       E(ip6(icmp6(1, 4, b"\0" * 44, csum="bad"), 58))],
          expect={"Icmp6InErrors": 10, "Icmp6InCsumErrors": fails + 2}, replies=[],
          note="ICMPv6 of 0..7 bytes (from 4 on the checksum verifies: V2.3), two bad checksums (V2.2)")

    # -- extension-header chains of every length and order ----------------------------------------
    # HBH, DestOpt, Routing (type 4, SL 0: ignored), an atomic Fragment header, DestOpt: every
    # ordered choice of 1..5 of them, then an echo request. HBH anywhere but first is an unknown
    # next header: 4/1 pointing at the byte that names it (V1.8, V1.12).
    parts = ["hbh", "dst", "rt", "frag", "dst2"]
    frames, replies, unk = [], [], 0
    import itertools
    for n in range(1, 6):
        for perm in itertools.permutations(parts, n):
            i = m.nid()
            body, nh_first, prev_nh_off, hdrs = echo6(i), 58, 6, []
            # build back to front: each header's Next Header is the one after it
            nxt = 58
            for name in reversed(perm):
                if name == "hbh":
                    h = ext(nxt, opts())
                    code = 0
                elif name in ("dst", "dst2"):
                    h = ext(nxt, opts())
                    code = 60
                elif name == "rt":
                    h = rthdr(nxt, 4, 0)
                    code = 43
                else:
                    h = fraghdr(nxt, 0, False, 0x6000 + i)
                    code = 44
                hdrs.insert(0, h)
                nxt = code
            frames.append(E(ip6(b"".join(hdrs) + body, nxt)))
            # expected: the first HBH that is not first -> 4/1 at the offset of the byte naming it
            off, bad_ptr = 40, None
            for k, name in enumerate(perm):
                if name == "hbh" and k > 0:
                    bad_ptr = prev_nh_off
                    break
                prev_nh_off = off
                off += len(hdrs[k])
            if bad_ptr is None:
                replies.append(rep(i))
            else:
                unk += 1
                replies.append(err(4, 1, bad_ptr))
    m.add("ext-chains", frames, expect={"Ip6InUnknownProtos": unk, "Ip6InHdrErrors": 0}, replies=replies,
          note="%d chains: every order and length of HBH, DestOpt, RH type 4 SL 0, atomic fragment, "
               "DestOpt before an echo request" % len(frames))

    # -- option actions (V1.10) and TLV rules (V1.9) ------------------------------------------------
    frames, replies, hdr_err = [], [], 0
    for code in (0, 60):                       # HBH, DestOpt
        for t in (0x1E, 0x5E, 0x9E, 0xDE):      # actions 00, 01, 10, 11
            for dst, dmac in ((D, None), (ALLNODES, MC)):
                i = m.nid()
                body = echo6(i, dst=dst)
                frames.append(E(ip6(ext(58, opts(bytes([t, 2, 0, 0]))) + body, code, dst=dst), dst=dmac))
                act = t >> 6
                if act == 0:
                    replies.append(rep(i))
                else:
                    hdr_err += 1
                    if act == 2 or (act == 3 and dst == D):
                        replies.append(err(4, 2, 42))
    m.add("opt-actions", frames, expect={"Ip6InHdrErrors": hdr_err}, replies=replies,
          note="unknown options of each action in HBH and DestOpt, to us and to ff02::1: 00 answered, "
               "01 silent, 10 4/2 ptr 42 even to multicast, 11 4/2 to unicast only")
    tlv = [opts(b"\x01\x08" + b"\0" * 8),            # PadN run of 10 bytes (> 7)
           opts(b"\x01\x02\x00\x07"),               # PadN data not zero
           b"\x1e\x09" + b"\0" * 4,                 # option running past the header
           opts(*[b"\x1e\x00"] * 9),                 # 9 non-padding options (> 8)
           opts(b"\x05\x03\0\0\0"),                  # Router Alert of length 3
           opts(b"\xc2\x02\0\0")]                    # Jumbo of length 2
    frames = []
    for code in (0, 60):
        for t in tlv if code == 0 else tlv[:4]:   # Router Alert and Jumbo are HBH options only
            frames.append(E(ip6(ext(58, t) + echo6(m.nid()), code)))
    m.add("tlv-bad", frames, expect={"Ip6InHdrErrors": len(frames)}, replies=[],
          note="PadN run > 7, PadN data not zero, an option past the header, 9 options (in HBH and "
               "DestOpt), Router Alert of length 3 and Jumbo of length 2 (HBH): dropped, no ICMP (V1.9)")
    i = m.nid()
    m.add("jumbo", [E(ip6(ext(58, b"\xc2\x04" + struct.pack("!I", 100)) + echo6(m.nid()), 0)),
                    E(ip6(ext(58, b"\xc2\x04" + struct.pack("!I", 70000)) + echo6(m.nid()), 0))],
          expect={"Ip6InHdrErrors": 2}, replies=[err(4, 0, 44), err(4, 0, 42)],
          note="Jumbo with a value <= 65535: 4/0 ptr option+2 (44); payload length not 0: 4/0 ptr option (42)")

    # -- routing headers (V1.11) ----------------------------------------------------------------------
    frames, replies = [], []
    for rtype in (0, 1, 2, 3, 4, 253):
        for sl in (0, 1, 2):
            i = m.nid()
            frames.append(E(ip6(rthdr(58, rtype, sl) + echo6(i), 43)))
            replies.append(rep(i) if sl == 0 else err(4, 0, 42))
    frames.append(E(ip6(rthdr(58, 4, 1)[:6], 43)))
    frames.append(E(ip6(b"\x3a\x10\x04\x01" + b"\0" * 4 + echo6(m.nid()), 43)))
    mc = [E(ip6(rthdr(58, 0, 1) + echo6(m.nid(), dst=ALLNODES), 43, dst=ALLNODES), dst=MC)]
    m.add("routing", frames + mc, expect={"Ip6InHdrErrors": 12 + 2, "Ip6InAddrErrors": 1}, replies=replies,
          note="RH types 0, 1, 2, 3, 4, 253 with Segments Left 0 (ignored, answered) and 1, 2 (4/0 ptr "
               "42); two truncated; one to ff02::1 (Ip6InAddrErrors, silent)")

    # -- next headers (V1.12) ---------------------------------------------------------------------
    i = m.nid()
    m.add("next-header", [E(ip6(b"\0" * 16, 253)), E(ip6(b"\0" * 16, 50)), E(ip6(b"\0" * 16, 51)),
                          E(ip6(ext(253, opts()) + b"\0" * 8, 60)), E(ip6(b"\0" * 8, 59)),
                          E(ip6(b"\0" * 8, 253, src="::"))],
          expect={"Ip6InUnknownProtos": 5}, replies=[err(4, 1, 6), err(4, 1, 6), err(4, 1, 6), err(4, 1, 40)],
          note="next header 253, 50, 51 (4/1 ptr 6), 253 after a DestOpt (ptr 40), 59 (consumed), "
               "253 from :: (no error to ::, V4.3)")

    # -- ICMPv6 errors quoting garbage (§10, V4.4) --------------------------------------------------
    inner = ip6(udp6(5000, 33434, src=D, dst=H), 17, src=D, dst=H)
    quotes = [b"", b"\x60", inner[:8], inner[:40], inner[:44], inner, b"\xff" * 64,
              b"\x60\0\0\0\0\x08\x3a\x40" + a6(D) + a6(H) + b"\x80" * 8, bytes(range(200))]
    frames = []
    for t, c, w2 in ((1, 4, 0), (1, 0, 0), (2, 0, 1000), (2, 0, 1400), (3, 0, 0), (4, 0, 6), (4, 1, 40), (5, 0, 0), (127, 0, 0)):
        for q in quotes:
            frames.append(E(ip6(icmp6(t, c, struct.pack("!I", w2) + q), 58)))
    m.add("errors-garbage", frames, expect={"Icmp6InCsumErrors": 0, "Ip6InHdrErrors": 0}, replies=[],
          note="errors 1/4, 1/0, 2/0 (1000 and 1400), 3/0, 4/0, 4/1, unknown 5 and 127, each quoting "
               "nothing, 1, 8, 40, 44 bytes, a whole datagram, garbage: never answered (V4.4)")
    m.add("informational-unknown", [E(ip6(icmp6(t, 0, b"\0" * 12), 58)) for t in (132, 139, 140, 144, 150, 200, 255)],
          expect={"Icmp6InErrors": 0}, replies=[], note="informational types nobody handles: dropped (V2.5, V2.6)")

    # -- fragments (§9) -----------------------------------------------------------------------------
    def frag(off, mf, data, fid, nh=58, pre=b"", pre_nh=None, dst=None, hlim=64):
        fh = fraghdr(nh, off, mf, fid)
        if pre:
            return E(ip6(pre + fh + data, pre_nh, dst=dst, hlim=hlim))
        return E(ip6(fh + data, 44, dst=dst, hlim=hlim))

    i = m.nid()
    e = echo6(i, data=bytes(range(40)))               # 48 bytes
    fid = 0x10000 + i
    m.add("frag-ok", [frag(0, True, e[:16], fid), frag(16, True, e[16:32], fid), frag(32, False, e[32:], fid)],
          expect={"Ip6ReasmOKs": 1, "Ip6ReasmFails": 0}, replies=[rep(i)], note="first, middle, last")
    i = m.nid()
    e = echo6(i, data=bytes(range(40)))
    fid = 0x10000 + i
    m.add("frag-reverse-dup", [frag(32, False, e[32:], fid), frag(16, True, e[16:32], fid),
                               frag(16, True, e[16:32], fid), frag(0, True, e[:16], fid)],
          expect={"Ip6ReasmOKs": 1, "Ip6ReasmFails": 0}, replies=[rep(i)],
          note="last first, a duplicate middle (dropped, queue kept: V9.6)")
    i = m.nid()
    e = echo6(i, data=bytes(range(40)))
    fid = 0x10000 + i
    m.add("frag-unfrag-differs", [frag(0, True, e[:16], fid, pre=ext(44, opts()), pre_nh=60),
                                  frag(16, False, e[16:], fid)],
          expect={"Ip6ReasmOKs": 1}, replies=[rep(i)],
          note="the first fragment has a DestOpt before its Fragment header, the last none: each "
               "fragment's data follows its own Fragment header")
    fa, fb, fc, fd = (0x20000 + m.nid() for _ in range(4))
    e = echo6(m.nid(), data=bytes(range(40)))
    m.add("frag-overlap", [frag(0, True, e[:24], fa), frag(16, True, e[16:32], fa),       # partial overlap
                           frag(0, True, e[:16], fb), frag(8, False, e[8:24] + b"\0" * 8, fb),
                           frag(16, False, e[16:24], fc), frag(16, False, e[16:32], fc),   # two ends
                           frag(24, True, e[24:40], fd), frag(8, False, e[8:16], fd)],      # last before held data
          expect={"Ip6ReasmFails": 4, "Ip6ReasmOKs": 0}, replies=[],
          note="partial overlaps (RFC 5722), a second different end, a last fragment ending before "
               "held data: each queue discarded (V9.5, V9.6)")
    i = m.nid()
    tiny_first = [frag(0, True, echo6(i)[:4] + b"\0" * 4, 0x30000 + i, nh=58)]  # 8 bytes: ICMPv6 header whole
    tiny = [frag(0, True, ext(60, opts()) + ext(17, opts()), 0x31000 + i, nh=60),  # no UDP header at all
            frag(0, True, ext(6, opts()), 0x32000 + i, nh=60),                      # TCP header missing
            frag(0, True, ext(17, opts()) + b"\0" * 8, 0x33000 + i, nh=60)]         # UDP: 8 bytes, enough
    m.add("frag-7112", tiny_first + tiny,
          expect={"Ip6InHdrErrors": 2}, replies=[err(4, 3, 0), err(4, 3, 0)],
          note="RFC 7112 (V9.3): a first fragment whose header chain stops before the upper-layer "
               "header (two DestOpts then no UDP header; DestOpt then no TCP header): 4/3 ptr 0; 8 "
               "bytes of ICMPv6 or UDP: queued")
    j = m.nid()
    m.add("frag-len-range", [frag(8, True, b"\x80" * 12, 0x40000 + j, nh=17),   # M=1, not a multiple of 8
                             frag(65528, False, b"\x80" * 16, 0x41000 + j, nh=17),  # past 65535
                             frag(65520, False, b"\x80" * 15, 0x42000 + j, nh=17),  # ends at 65535: fine
                             frag(8, False, b"", 0x43000 + j, nh=17)],             # zero length
          expect={"Ip6InHdrErrors": 2, "Ip6ReasmFails": 1}, replies=[err(4, 0, 4), err(4, 0, 42)],
          note="M=1 with 12 bytes: 4/0 ptr 4; offset 65528 + 16: 4/0 ptr 42 (V9.5); ending at 65535 "
               "exactly: queued; zero-length: discarded")
    k = m.nid()
    m.add("frag-second-fraghdr", [E(ip6(fraghdr(44, 0, False, 0x50000 + k) + fraghdr(58, 0, False, 0x51000 + k) +
                                        echo6(m.nid()), 44)),
                                  E(ip6(fraghdr(58, 0, False, 0x52000 + k), 44, plen=0))],
          expect={"Ip6InHdrErrors": 2}, replies=[err(4, 0, 48), err(4, 0, 40)],
          note="two atomic Fragment headers: 4/0 ptr 48 (the second); payload length 0: 4/0 ptr 40 (V9.1)")
    m.add("frag-ping-of-death", [frag(off, off + 1232 < 66000, b"\x55" * 1232, 0x60000 + k, nh=17)
                                 for off in range(0, 66000, 1232)],
          expect={"Ip6InHdrErrors": 1, "Ip6ReasmOKs": 0}, replies=[err(4, 0, 42)],
          note="a 66528-byte datagram in 1232-byte fragments: the last, past 65535, is refused (4/0 "
               "ptr 42), nothing is reassembled")

    # -- Neighbor Discovery (§6) ----------------------------------------------------------------------
    sn, snmac = solicited(D), mcast_mac6(solicited(D))
    sll = b"\x01\x01" + w.hmac
    def ns(tgt=D, src=H, dst=sn, hlim=255, code=0, opt=sll, dmac=snmac):
        return E(ip6(icmp6(135, code, b"\0" * 4 + a6(tgt) + opt, src, dst), 58, src=src, dst=dst, hlim=hlim), dst=dmac)

    def na(tgt=H, flags=0x60, src=H, dst=D, hlim=255, opt=b"\x02\x01" + w.hmac, dmac=None):
        return E(ip6(icmp6(136, 0, bytes([flags, 0, 0, 0]) + a6(tgt) + opt, src, dst), 58, src=src, dst=dst, hlim=hlim), dst=dmac)

    bad_nd = [ns(hlim=254), ns(hlim=64), ns(code=1), ns(tgt="ff02::1"), ns(opt=b"\x01\x00" + b"\0" * 6),
              ns(opt=b"\x01\x02" + b"\0" * 14), ns(opt=b"\x01\x03" + b"\0" * 6), ns(src="::", dst=D, dmac=None),
              ns(src="::", opt=sll), na(hlim=254), na(flags=0x40, dst=ALLNODES, dmac=MC), na(tgt="ff02::1"),
              na(opt=b"\x02\x02" + b"\0" * 14), na(opt=b"\x02\x00" + b"\0" * 6),
              E(ip6(icmp6(135, 0, b"\0" * 4 + a6(D)[:12]), 58, hlim=255))]
    m.add("nd-bad", bad_nd, expect={"NdInInvalid": len(bad_nd), "Icmp6InErrors": 0}, replies=[],
          note="NS/NA with hop limit 254 and 64, code 1, a multicast target, option length 0, SLLAO of "
               "16 bytes, an option past the end, NS from :: to a unicast address or with an SLLAO, NA "
               "with S to ff02::1, TLLAO of 16 bytes or length 0, an NS of 20 bytes: silent (V6.1, "
               "V6.2, V6.6, V2.8)")
    m.add("nd-ok", [ns(src="2001:db8:1::7" if not ll else "fe80::7", opt=b"\x01\x01\x02\x00\x00\x00\x09\x07")],
          expect={"NdInInvalid": 0}, replies=["icmp6:136/0:tgt=%s>%s" % (D, "2001:db8:1::7" if not ll else "fe80::7")],
          note="control: a valid NS with SLLAO from a new neighbour is answered (V6.5)")
    nsm = icmp6(135, 0, b"\0" * 4 + a6(D) + sll, H, sn)
    m.add("nd-fragmented", [frag(0, True, nsm[:16], 0x70000 + k, dst=sn, hlim=255),
                            frag(16, False, nsm[16:], 0x70000 + k, dst=sn, hlim=255)],
          expect={"NdOutNA": 0, "Ip6ReasmOKs": 1}, replies=[],
          note="an NS in two fragments (hop limit 255): reassembled, then dropped (V6.1, V9.8)")
    m.add("nd-redirect-bad", [E(ip6(icmp6(137, 0, b"\0" * 4 + a6("fe80::1") + a6(D), "fe80::1", D), 58, src="fe80::1", hlim=255)),
                              E(ip6(icmp6(137, 0, b"\0" * 4 + a6("2001:db8:1::9") + a6("2001:db8:5::1")), 58, hlim=255))],
          replies=[], note="a Redirect about ourselves, a Redirect from a global source: ignored (V6.15)")

    # -- DAD collisions (V6.9) on the daemon's SLAAC addresses, tentative for a second or two --------
    def ra_pio(pfx, rtr="fe80::dad:1"):
        pio = struct.pack("!BBBBIII", 3, 4, 64, 0x40, 600, 600, 0) + a6(pfx)    # A only, no on-link route
        body = struct.pack("!BBHII", 64, 0, 0, 0, 0) + pio                        # router lifetime 0
        return w.eth(ip6(icmp6(134, 0, body, rtr, ALLNODES), 58, src=rtr, dst=ALLNODES, hlim=255),
                     dst=MC, etype=ETH_P_IPV6)
    dm = w.dmac                                       # the daemon's interface identifier (V6.10)
    eui = bytes([dm[0] ^ 2, dm[1], dm[2], 0xFF, 0xFE, dm[3], dm[4], dm[5]])
    t1 = n6(a6("2001:db8:55::")[:8] + eui)
    t2 = n6(a6("2001:db8:56::")[:8] + eui)
    other = b"\x02\x00\x00\x00\xda\xd0"
    na_t1 = ip6(icmp6(136, 0, b"\x20\0\0\0" + a6(t1) + b"\x02\x01" + other, t1, ALLNODES), 58, src=t1, dst=ALLNODES, hlim=255)
    sn2 = solicited(t2)
    ns_t2 = ip6(icmp6(135, 0, b"\0" * 4 + a6(t2) + b"\x0e\x01" + b"\xab" * 6, "::", sn2), 58, src="::", dst=sn2, hlim=255)
    m.add("dad-collision", [ra_pio("2001:db8:55::"), w.eth(na_t1, dst=MC, src=other, etype=ETH_P_IPV6),
                            ra_pio("2001:db8:56::"), w.eth(ns_t2, dst=mcast_mac6(sn2), src=other, etype=ETH_P_IPV6)],
          expect={"NdInRA": 2, "NdDadFailures": 2}, replies=[],
          note="an RA's PIO makes a SLAAC address (tentative); an NA for it from another host, and for a "
               "second one a DAD NS from :: with another nonce: both addresses dadfailed")

    # -- floods: neighbour cache, RAs, MLD queries, fragments ---------------------------------------
    frames = []
    for k2 in range(600):
        src = "2001:db8:1::%x" % (0x1000 + k2) if not ll else "fe80::1:%x" % k2
        mac = bytes([0x02, 0x95, 0, 0, k2 >> 8, k2 & 0xFF])
        frames.append(w.eth(ip6(icmp6(135, 0, b"\0" * 4 + a6(D) + b"\x01\x01" + mac, src, sn), 58, src=src, dst=sn, hlim=255),
                            dst=snmac, src=mac, etype=ETH_P_IPV6))
    m.add("flood-ns", frames, expect={"NdInNS": 600, "NdOutNA": 600, "NdInInvalid": 0},
          at_least={"NdCacheEvictions": 600 - 256}, replies=None,
          note="600 NSs from as many neighbours with SLLAO: each answered, the cache bounded (256)")
    m.add("flood-mld", [w.eth(ip6(ext(58, b"\x05\x02\0\0\x01\x00") +
                                  icmp6(130, 0, struct.pack("!HH", 1000, 0) + b"\0" * 16 + b"\x02\x7d\0\0",
                                        "fe80::9:1", ALLNODES), 0, src="fe80::9:1", dst=ALLNODES, hlim=1),
                              dst=MC, etype=ETH_P_IPV6)] * 500 +
                        [w.eth(ip6(icmp6(130, 0, struct.pack("!HH", 1000, 0) + b"\0" * 20, "fe80::9:1", ALLNODES),
                                   58, src="fe80::9:1", dst=ALLNODES, hlim=1), dst=MC, etype=ETH_P_IPV6),
                         w.eth(ip6(ext(58, b"\x05\x02\0\0\x01\x00") +
                                   icmp6(130, 0, struct.pack("!HH", 1000, 0) + b"\0" * 20, "2001:db8:1::fe", ALLNODES), 0,
                                   src="2001:db8:1::fe", dst=ALLNODES, hlim=1), dst=MC, etype=ETH_P_IPV6)],
          expect={"MldInQueries": 502, "MldInInvalid": 2}, replies=None, settle=1.2,
          note="500 MLDv2 general queries (a report at most per query, nothing grows), one without "
               "Router Alert, one from a global source (V7.4: ignored)")
    frames = []
    for k2 in range(300):
        src = "2001:db8:1::%x" % (0x3000 + k2) if not ll else "fe80::3:%x" % k2
        fr6 = ip6(fraghdr(17, 0, True, 0x80000 + k2) + udp6(7, 9, b"\x66" * 1000, src=src), 44, src=src)
        frames.append(E(fr6))
    m.add("flood-frag", frames, at_least={"Ip6ReasmReqds": 300}, expect={"Ip6ReasmOKs": 0}, replies=None,
          note="300 first fragments from as many sources: queues and memory bounded, the rest refused")
    frames = []
    for k2 in range(300):
        src = "fe80::a:%x" % k2
        mac = bytes([0x02, 0x96, 0, 0, k2 >> 8, k2 & 0xFF])
        pio = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 120, 60, 0) + a6("2001:db8:%x::" % (0x100 + k2))
        body = struct.pack("!BBHII", 64, 0, 30, 0, 0) + b"\x01\x01" + mac + pio
        frames.append(w.eth(ip6(icmp6(134, 0, body, src, ALLNODES), 58, src=src, dst=ALLNODES, hlim=255),
                            dst=MC, src=mac, etype=ETH_P_IPV6))
    # The two dadfailed SLAAC addresses of dad-collision stay (V6.9) and count toward the 16.
    m.add("flood-ra", frames, expect={"NdInRA": 300, "NdRaLimit": 3 * (300 - 16) + 2}, replies=None, settle=1.5,
          note="300 routers, each with its own /64 (L, A): 16 routers, 16 prefixes, 14 more SLAAC "
               "addresses kept (2 dadfailed ones already count), the rest counted (NdRaLimit); router "
               "lifetime 30 s, prefixes 120 s")

    # -- seeded fuzz ---------------------------------------------------------------------------------
    rnd = random.Random(0x9595 + FUZZ_SEED)
    base = [ip6(echo6(1), 58), ip6(ext(58, opts(b"\x1e\x00")) + echo6(2), 60), ip6(rthdr(58, 4, 0) + echo6(3), 43),
            ip6(fraghdr(58, 0, True, 77) + echo6(4)[:16], 44), ip6(icmp6(135, 0, b"\0" * 4 + a6(D) + sll), 58, hlim=255),
            ip6(icmp6(1, 4, b"\0" * 4 + inner), 58), ip6(udp6(1, 7), 17)]
    frames = []
    for _ in range(1000):
        b = bytearray(rnd.choice(base))
        for _ in range(rnd.randrange(1, 6)):
            op = rnd.randrange(3)
            if op == 0 and b:
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            elif op == 1 and len(b) > 40:
                del b[rnd.randrange(40, len(b)):]
            else:
                b += bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 32)))
        frames.append(E(bytes(b)))
    m.add("fuzz6", frames, replies=None, note="1000 mutations of IPv6 frames (seeded)")


def flood6_frames(w, rnd):
    """The mix6 flood (t_97): 4000 frames cycling through five IPv6 floods, each from sources
    that keep changing: NSs for the daemon from new neighbours (the neighbour cache), echo
    requests from silent on-link hosts (replies wait for ND: the unresolved queues), first
    fragments with new IDs (reassembly), RAs from new routers with new /64s (the 16/16/16 RA
    bounds), MLDv2 general queries (no state)."""
    D, sn = D6, solicited(D6)
    pre = "fe80::" if D.startswith("fe80") else "2001:db8:1::"
    frames = []
    for k in range(4000):
        kind, n = k % 5, k // 5
        mac = bytes([0x02, 0x97, kind, 0, (n >> 8) & 0xFF, n & 0xFF])
        if kind == 0:
            src = pre + "4:%x" % n
            b = ip6(icmp6(135, 0, b"\0" * 4 + a6(D) + b"\x01\x01" + mac, src, sn), 58, src=src, dst=sn, hlim=255)
            frames.append(w.eth(b, dst=mcast_mac6(sn), src=mac, etype=ETH_P_IPV6))
        elif kind == 1:
            src = pre + "5:%x" % n
            frames.append(w.eth(ip6(echo6(n, src=src), 58, src=src), src=mac, etype=ETH_P_IPV6))
        elif kind == 2:
            src = pre + "6:%x" % rnd.randrange(65536)
            frames.append(w.eth(ip6(fraghdr(17, 0, True, rnd.randrange(1 << 32)) + udp6(7, 9, b"\x66" * 1200, src=src),
                                    44, src=src), src=mac, etype=ETH_P_IPV6))
        elif kind == 3:
            src = "fe80::7:%x" % n
            pio = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 60, 30, 0) + a6("2001:db8:%x::" % (0x1000 + n))
            body = struct.pack("!BBHII", 64, 0, 20, 0, 0) + b"\x01\x01" + mac + pio
            frames.append(w.eth(ip6(icmp6(134, 0, body, src, ALLNODES), 58, src=src, dst=ALLNODES, hlim=255),
                                dst=ALLNODES_MAC, src=mac, etype=ETH_P_IPV6))
        else:
            q = icmp6(130, 0, struct.pack("!HH", 1000, 0) + b"\0" * 16 + b"\x02\x7d\0\0", "fe80::9:1", ALLNODES)
            frames.append(w.eth(ip6(ext(58, b"\x05\x02\0\0\x01\x00") + q, 0, src="fe80::9:1", dst=ALLNODES, hlim=1),
                                dst=ALLNODES_MAC, src=mac, etype=ETH_P_IPV6))
    return frames


def main():
    if len(sys.argv) < 2:
        die(__doc__)
    mode = sys.argv[1]
    if mode == "matrix":
        if len(sys.argv) < 4:
            die("usage: matrix IFACE DAEMON_MAC [GROUP...]")
        return run_matrix(sys.argv[2], sys.argv[3], sys.argv[4:])
    if mode == "matrix6":
        if len(sys.argv) < 4:
            die("usage: matrix6 IFACE DAEMON_MAC [GROUP...]")
        return run_matrix(sys.argv[2], sys.argv[3], sys.argv[4:], v6=True)
    if mode in ("list", "list6"):
        class _W:
            hmac = b"\x02" * 6
            dmac = b"\x02" * 6

            def eth(self, p, dst=None, src=None, etype=ETH_P_IP):
                return b""
        m = Matrix6(_W()) if mode == "list6" else Matrix(_W())
        (build6 if mode == "list6" else build)(m)
        print(" ".join(g.name for g in m.groups))
        return 0
    if mode == "flood":
        if len(sys.argv) < 6:
            die("usage: flood KIND IFACE DAEMON_MAC SECONDS [PPS]")
        return run_flood(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]),
                         int(sys.argv[6]) if len(sys.argv) > 6 else 20000)
    if mode == "rss":
        if len(sys.argv) < 6:
            die("usage: rss PID SECONDS MAX_KIB SLACK_KIB")
        return run_rss(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    if mode == "ctl":
        if len(sys.argv) < 4:
            die("usage: ctl CASE CONTROL_PATH [ARGS...]")
        return run_ctl(sys.argv[2], sys.argv[3], sys.argv[4:])
    die("unknown mode " + mode)


if __name__ == "__main__":
    sys.exit(main())
