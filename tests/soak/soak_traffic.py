#!/usr/bin/python3
"""tests/soak/soak_traffic.py — the soak test's packet generators (issue #7 part 4).

Run by tests/soak/soak.sh inside one of its namespaces; every mode is bounded both in time
(--seconds) and in count (--max), paces itself at --rate events per second, and writes one JSON
object with what it did to --out (or stdout). Only documentation addresses are used.

  udp     UDP datagrams to closed ports of the daemon from a kernel UDP socket with IP_RECVERR:
          counts the ICMP errors that come back (rate limited by the daemon, ICMP-SPEC §7).
  frags   lone and hostile fragments on a raw IP socket: a first fragment alone (times out, 11/1),
          a middle or last fragment alone (times out silently), a duplicate, an overlap (RFC 5722),
          a whole datagram in reverse order (reassembles), and now and then a burst of more queues
          than the daemon keeps (the oldest give way).
  junk    malformed and odd frames on an AF_PACKET socket on the host side of the TAP, one of
          each kind per round: other MAC, unknown EtherType, bad ARP, bad IP headers, martian
          source, loose and strict source routes, unknown protocol, TTL 1 and unrouted forwards,
          broadcast echo, TCP SYN, bad UDP checksum, a datagram the daemon sends back out the way
          it came (redirect), and ten datagrams to the UDP socket soak.sh binds (its receive
          queue, 16, overflows between reads); every 10th round a ping of death (a datagram of
          65540 bytes in 45 fragments) and 60 datagrams for one silent neighbour (its ARP queue
          overflows); every 50th one datagram to each of 252 silent neighbours (the ARP cache
          overflows). Error-provoking kinds use spoofed on-link sources (192.0.2.100-119) that
          answer no ARP.
"""
import argparse
import errno
import json
import random
import select
import socket
import struct
import time

IP_RECVERR = 11
SO_EE_ORIGIN_ICMP = 2


def pacer(args):
    """Yields round numbers at --rate per second until --seconds or --max runs out."""
    start = time.monotonic()
    n = 0
    while n < args.max:
        now = time.monotonic()
        if now - start >= args.seconds:
            break
        due = start + n / args.rate
        if due > now:
            time.sleep(min(due - now, 0.5))
            continue
        yield n
        n += 1


def emit(args, result):
    text = json.dumps(result, sort_keys=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


# ---------------------------------------------------------------- udp

def drain_errqueue(s, by):
    got = 0
    while True:
        try:
            _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return got
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return got
            raise
        for level, typ, data in anc:
            if level == socket.IPPROTO_IP and typ == IP_RECVERR and len(data) >= 16:
                ee_errno, origin, itype, icode = struct.unpack_from("=IBBB", data, 0)
                if origin == SO_EE_ORIGIN_ICMP:
                    key = "%d/%d" % (itype, icode)
                    by[key] = by.get(key, 0) + 1
                    got += 1


def mode_udp(args):
    dsts = args.dst.split(",")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.setblocking(False)
    by = {}
    sent = errors = send_fail = 0
    start = time.monotonic()
    for n in pacer(args):
        port = 40000 + (n * 7919) % 10000  # closed: the daemon runs no service
        try:
            s.sendto(b"soak %d" % n, (dsts[n % len(dsts)], port))
            sent += 1
        except OSError:
            # A queued error makes the next send fail with its errno on some kernels: count it.
            send_fail += 1
        errors += drain_errqueue(s, by)
    deadline = time.monotonic() + 1.5  # the last errors in flight
    while time.monotonic() < deadline:
        select.select([s], [], [], 0.1)
        errors += drain_errqueue(s, by)
    emit(args, {"mode": "udp", "sent": sent, "send_fail": send_fail, "errors": errors, "by": by,
                "elapsed": round(time.monotonic() - start, 3)})


# ---------------------------------------------------------------- frags

def ip_hdr(src, dst, ident, proto, frag_field, payload_len, ttl=64, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_len, ident, frag_field, ttl,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def icmp_echo(ident, seq, data):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


MF = 0x2000


def mode_frags(args):
    dsts = args.dst.split(",")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    src = args.src
    ident = random.randrange(1, 0xffff)
    counts = {}
    frames = 0
    fails = 0

    def nid():
        nonlocal ident
        ident = ident % 0xfffe + 1
        return ident

    def send(dst, pkt):
        nonlocal frames, fails
        try:
            s.sendto(pkt, (dst, 0))
            frames += 1
        except OSError:
            fails += 1

    kinds = ["first", "middle", "last", "dup", "overlap", "whole"]
    start = time.monotonic()
    next_burst = start + args.burst_every
    for n in pacer(args):
        dst = dsts[n % len(dsts)]
        kind = kinds[n % len(kinds)]
        i = nid()
        if kind == "first":      # offset 0 of an echo request, alone: 11/1 when it times out
            body = icmp_echo(0x5300, n & 0xffff, bytes(32))
            send(dst, ip_hdr(src, dst, i, 1, MF, len(body)) + body)
        elif kind == "middle":   # never completed, no offset 0: silent timeout
            send(dst, ip_hdr(src, dst, i, 17, MF | 100, 64) + bytes(64))
        elif kind == "last":     # the end alone
            send(dst, ip_hdr(src, dst, i, 17, 50, 24) + bytes(24))
        elif kind == "dup":      # the same middle fragment twice: the second is dropped, queue kept
            pkt = ip_hdr(src, dst, i, 17, MF | 10, 48) + bytes(48)
            send(dst, pkt)
            send(dst, pkt)
        elif kind == "overlap":  # 0..47 then 16..63: the whole queue goes (IpReasmOverlaps)
            send(dst, ip_hdr(src, dst, i, 17, MF | 0, 48) + bytes(48))
            send(dst, ip_hdr(src, dst, i, 17, MF | 2, 48) + bytes(48))
        elif kind == "whole":    # an echo request in two pieces, last first: reassembled, answered
            body = icmp_echo(0x5301, n & 0xffff, bytes(range(256)) * 2)
            send(dst, ip_hdr(src, dst, i, 1, 256 // 8, len(body) - 256) + body[256:])
            send(dst, ip_hdr(src, dst, i, 1, MF, 256) + body[:256])
        counts[kind] = counts.get(kind, 0) + 1
        if args.burst and time.monotonic() >= next_burst:
            # More open queues than the daemon has (64): the oldest are failed to make room.
            next_burst += args.burst_every
            for _ in range(args.burst):
                send(dst, ip_hdr(src, dst, nid(), 17, MF | 200, 16) + bytes(16))
            counts["burst"] = counts.get("burst", 0) + args.burst
    emit(args, {"mode": "frags", "events": counts, "frames": frames, "send_fail": fails,
                "elapsed": round(time.monotonic() - start, 3)})


# ---------------------------------------------------------------- junk

def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def udp_seg(src, dst, sport, dport, data, good=True):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(u))
    c = csum(ph + u) or 0xffff
    if not good:
        c ^= 0x5a5a
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp_syn(src, dst, sport, dport):
    t = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 8192, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]


def arp(op, sha, spa, tha, tpa, htype=1):
    return struct.pack("!HHBBH6s4s6s4s", htype, 0x0800, 6, 4, op, sha, socket.inet_aton(spa), tha,
                       socket.inet_aton(tpa))


def refix(h):
    """h with its header checksum recomputed."""
    h = h[:10] + b"\0\0" + h[12:]
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def mode_junk(args):
    dmac = mac_bytes(args.dmac)
    smac = mac_bytes(args.smac)
    bcast = b"\xff" * 6
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.iface, 0))
    me = args.src                       # the host's real address: only for kinds that get no error
    dst = args.daemon_ip
    far = args.far
    counts = {}
    frames = fails = 0

    def spoof(n):
        return "192.0.2.%d" % (100 + n % 20)

    def eth(d, typ, payload):
        return d + smac + struct.pack("!H", typ) + payload

    def ip(srcip, dstip, proto, payload, ttl=64, frag=0, opts=b"", ident=None, fix=None):
        h = ip_hdr(srcip, dstip, ident if ident is not None else random.randrange(65536), proto,
                   frag, len(payload), ttl, opts)
        if fix:
            h = fix(h)
        return h + payload

    def kinds(n):
        sp = spoof(n)
        echo = icmp_echo(0x5302, n & 0xffff, bytes(24))
        out = [
            ("other_mac", eth(b"\x02\x00\x00\x00\x00\x99", 0x0800, ip(me, dst, 1, echo))),
            ("other_mcast", eth(b"\x01\x00\x5e\x00\x00\xfb", 0x0800, ip(me, "224.0.0.251", 17, udp_seg(me, "224.0.0.251", 5353, 5353, b"x")))),
            ("unknown_type", eth(dmac, 0x88b5, bytes(46))),
            ("vlan", eth(dmac, 0x8100, b"\x00\x05\x08\x00" + ip(me, dst, 1, echo))),
            ("arp_bad_htype", eth(bcast, 0x0806, arp(1, smac, me, bytes(6), dst, htype=6))),
            ("arp_bad_op", eth(bcast, 0x0806, arp(9, smac, me, bytes(6), dst))),
            ("arp_other_target", eth(bcast, 0x0806, arp(1, smac, me, bytes(6), "192.0.2.99"))),
            ("arp_mcast_sender", eth(bcast, 0x0806, arp(1, b"\x01\x00\x5e\x00\x00\x01", me, bytes(6), dst))),
            ("ip_bad_version", eth(dmac, 0x0800, ip(me, dst, 1, echo, fix=lambda h: bytes([0x65]) + h[1:]))),
            ("ip_bad_csum", eth(dmac, 0x0800, ip(me, dst, 1, echo, fix=lambda h: h[:10] + bytes([h[10] ^ 0xff, h[11]]) + h[12:]))),
            ("ip_truncated", eth(dmac, 0x0800, ip(me, dst, 1, echo, fix=lambda h: refix(h[:2] + struct.pack("!H", 1000) + h[4:])))),
            ("martian_src", eth(dmac, 0x0800, ip("127.0.0.1", dst, 1, echo))),
            ("source_route", eth(dmac, 0x0800, ip(me, dst, 1, echo, opts=b"\x83\x07\x04" + socket.inet_aton(far) + b"\x00"))),
            ("strict_route_offlink", eth(dmac, 0x0800, ip(sp, dst, 17, udp_seg(sp, dst, 4000, 33439, b"s"), opts=b"\x89\x07\x04" + socket.inet_aton(far) + b"\x00"))),
            ("bad_option", eth(dmac, 0x0800, ip(sp, dst, 1, echo, opts=b"\x07\x0f\x04\x00"))),
            ("unknown_proto", eth(dmac, 0x0800, ip(sp, dst, 253, bytes(16)))),
            ("ttl1_forward", eth(dmac, 0x0800, ip(sp, far, 17, udp_seg(sp, far, 4000, 33434, b"t"), ttl=1))),
            ("unrouted", eth(dmac, 0x0800, ip(sp, "203.0.113.200", 17, udp_seg(sp, "203.0.113.200", 4000, 33434, b"u")))),
            ("forward_l2_bcast", eth(bcast, 0x0800, ip(me, far, 1, echo))),
            ("bcast_echo", eth(bcast, 0x0800, ip(me, "192.0.2.255", 1, echo))),
            ("tcp_syn", eth(dmac, 0x0800, ip(me, dst, 6, tcp_syn(me, dst, 40000 + n % 1000, 80)))),
            ("udp_bad_csum", eth(dmac, 0x0800, ip(me, dst, 17, udp_seg(me, dst, 4000, 9, b"bad", good=False)))),
            ("forward_spoofed", eth(dmac, 0x0800, ip(sp, far, 17, udp_seg(sp, far, 4000, 33435, b"f")))),
        ] + [
            ("udp_bound", eth(dmac, 0x0800, ip(me, dst, 17, udp_seg(me, dst, 4001, args.bound_port, b"to the bound socket")))),
        ] * 10 + [
            ("redirect", eth(dmac, 0x0800, ip(sp, "192.0.2.50", 17, udp_seg(sp, "192.0.2.50", 4000, 33436, b"r")))),
        ]
        if n % 10 == 0:
            # Ping of death: a whole datagram of 20 + 65520 bytes in 45 fragments (discarded when
            # complete, as Linux does; a lone last fragment would only wait for its timeout).
            pid = random.randrange(65536)
            for off in range(0, 65520, 1480):
                size = min(1480, 65520 - off)
                more = MF if off + size < 65520 else 0
                out.append(("ping_of_death", eth(dmac, 0x0800, ip(me, dst, 1, bytes(size), frag=more | off // 8, ident=pid))))
        if n % 10 == 5:
            # More datagrams for one neighbour that never answers than its pending queue holds (48).
            out += [("neigh_burst", eth(dmac, 0x0800, ip(sp, args.silent, 17, udp_seg(sp, args.silent, 4000, 33437, b"q"))))] * 60
        if n % 50 == 25:
            # More new neighbours at once than the ARP cache has entries (256).
            net = args.silent.rsplit(".", 1)[0]
            for h in range(3, 255):
                a = "%s.%d" % (net, h)
                out.append(("neigh_sweep", eth(dmac, 0x0800, ip(sp, a, 17, udp_seg(sp, a, 4000, 33438, b"w")))))
        return out

    only = set(args.kinds.split(",")) if args.kinds else None
    start = time.monotonic()
    for n in pacer(args):
        for name, frame in kinds(n):
            if only is not None and name not in only:
                continue
            if len(frame) < 60:
                frame += bytes(60 - len(frame))
            try:
                s.send(frame)
                frames += 1
                counts[name] = counts.get(name, 0) + 1
            except OSError:
                fails += 1
    emit(args, {"mode": "junk", "kinds": counts, "frames": frames, "send_fail": fails,
                "elapsed": round(time.monotonic() - start, 3)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["udp", "frags", "junk"])
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--max", type=int, required=True)
    ap.add_argument("--out")
    ap.add_argument("--dst", default="192.0.2.2")
    ap.add_argument("--src", default="192.0.2.1")
    ap.add_argument("--burst", type=int, default=0)
    ap.add_argument("--burst-every", type=float, default=60.0)
    ap.add_argument("--iface", default="tap0")
    ap.add_argument("--dmac")
    ap.add_argument("--smac")
    ap.add_argument("--daemon-ip", default="192.0.2.2")
    ap.add_argument("--far", default="203.0.113.2")
    ap.add_argument("--kinds", help="junk: only these kinds (comma-separated names as in the result)")
    ap.add_argument("--bound-port", type=int, default=5000, help="a UDP port the daemon has a socket on")
    ap.add_argument("--silent", default="198.51.100.77", help="a neighbour of the daemon that never answers ARP")
    args = ap.parse_args()
    if args.rate <= 0 or args.seconds < 0 or args.max < 0:
        ap.error("--rate must be > 0, --seconds and --max >= 0")
    {"udp": mode_udp, "frags": mode_frags, "junk": mode_junk}[args.mode](args)


if __name__ == "__main__":
    main()
