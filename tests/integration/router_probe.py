"""router_probe.py — crafted fragments and capture checks for the t_4N router tests (ICMP-SPEC §9, §10).

    router_probe.py send IFACE DAEMON_MAC CASE IDENT WAIT
    router_probe.py fragcheck PCAP IN_MAC OUT_MAC SRC DST MTU

Runs under /usr/bin/python3 in host A's namespace; fragcheck reads the capture with Debian's
python3-scapy, send builds every datagram byte by byte and uses a raw packet socket.

send: opens a raw packet socket on IFACE (so nothing the daemon sends is missed), sends the frames of
CASE (from 192.0.2.1 to the daemon at 192.0.2.2 unless the case says otherwise) with IP
identification IDENT, then for WAIT seconds prints one line per IPv4 datagram the daemon sends on
IFACE (Ethernet source DAEMON_MAC), forwarded ones included:

    rx t=SECONDS src= dst= type= code= tos= ttl= df= id= ipck= icmpck= len= [echo.id= | q.*=]

t is measured from the first probe frame sent; WAIT counts from the last one. For ICMP errors the
quote is described by q.src, q.dst, q.id, q.mf, q.off, q.ttl, q.len (the quoted header's total
length), q.bytes (how many bytes are quoted) and q.match (1 when the quote equals the first q.bytes
bytes of a datagram this case sent, q.frame says which). The last line is "end n=COUNT".

Cases (ICMP echo requests to 192.0.2.2 with ICMP id IDENT, cut into fragments as described):
  first    the first fragment only (offset 0, MF, 32 bytes of ICMP)
  lone     a last fragment only (offset 64, MF clear, 16 bytes)
  stretch  the first fragment, then 1.2 s later a middle one (offset 64, MF): the queue's timer
           runs from its creation and is not extended
  inorder  offset 0 len 24 MF, offset 24 len 16: a good datagram (control: the reply comes)
  dup      as inorder, the first fragment sent twice (R10.2: exact duplicate dropped, queue kept)
  inside   offset 0 len 24 MF, offset 8 len 8 MF (inside held data), offset 24 len 16: a reply
  trim     offset 0 len 28 MF (cut to 24, R10.3), offset 24 len 16: a reply
  twoends  last fragments 24+16 and 32+16 (a second, different end: queue discarded, R10.3), then
           a complete set 0+24 MF, 24+24
  beyond   last fragment 24+16, then 32+16 MF (data past the end: queue discarded), then 0+24 MF
  zerolen  0+24 MF, a zero-length fragment at 24 (queue discarded, R10.3), 24+16
  overlap  offset 0 len 24 MF, offset 16 len 24 MF clear (R10.2: partial overlap)
  flood    first fragments (1000 bytes of ICMP) of 40 datagrams, IP ids IDENT..IDENT+39 (R10.1)
  pod      "ping of death": 1480-byte fragments up to a last one at offset 65528 with 16 bytes,
           reassembling to 65564 bytes (R10.3), sent in order
  podrev   the same fragments in reverse order (last fragment first)
  echo,KEY=VALUE,...  one crafted datagram of any source and destination (see custom())

fragcheck: reads the daemon's capture and, for every datagram from SRC to DST that came in from
IN_MAC (Ethernet source) and went out to OUT_MAC (Ethernet destination), checks that the forwarded
fragments carry exactly the received bytes, each frame at most MTU, every non-last fragment's
payload a multiple of 8, TTL one less, TOS/ID/protocol/addresses and DF kept, checksums right.
Prints "fragcheck datagrams= in= out= refragmented= bad=" and one "bad ..." line per problem.
"""
import logging
import select
import socket
import struct
import sys
import time



def checksum(b):
    """The Internet checksum (RFC 1071) of b, as scapy.utils.checksum computes it."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

HOST, DAEMON = "192.0.2.1", "192.0.2.2"
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def die(msg):
    sys.stderr.write("router_probe: %s\n" % msg)
    sys.exit(2)


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def ip_hdr(src, dst, proto, plen, ident, mf, off8, ttl=64, tos=0):
    """A 20-byte IPv4 header (no options) with a correct checksum."""
    flags_off = (0x2000 if mf else 0) | off8
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + plen, ident, flags_off, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    c = checksum(h)
    return h[:10] + struct.pack("!H", c) + h[12:]


def echo_payload(ident, total):
    """An ICMP echo request of `total` bytes (header included) with a correct checksum over all of it
    (the checksum field wraps for the oversized case; its value does not matter there)."""
    data = bytes((i * 13 + 5) & 0xFF for i in range(total - 8))
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    c = checksum(hdr + data)
    return struct.pack("!BBHHH", 8, 0, c, ident, 1) + data


def frags(ident, pieces, payload):
    """[(offset, length, mf)] -> list of raw IP datagrams cut from payload."""
    out = []
    for off, ln, mf in pieces:
        if off % 8:
            die("offset %d not a multiple of 8" % off)
        chunk = payload[off:off + ln]
        out.append(ip_hdr(HOST, DAEMON, 1, len(chunk), ident, mf, off // 8) + chunk)
    return out


def custom(case, ident):
    """The case "echo,KEY=VALUE,...": one ICMP message, an echo request unless type says otherwise. Keys:
    src, dst (default 192.0.2.1 -> 192.0.2.2), ttl (64), len (ICMP bytes, 64), df, mf (flags, 0/1),
    off (fragment offset in bytes: the datagram then carries bytes [off, off+len) of an
    (off+len)-byte echo request), type (ICMP type, 8; an error type gets a quoted UDP datagram as
    body), code, n (that many copies, IP ids counting up from IDENT), l2bcast (1: sent in an
    Ethernet broadcast frame)."""
    kv = dict(x.split("=", 1) for x in case.split(",")[1:])
    src, dst = kv.get("src", HOST), kv.get("dst", DAEMON)
    ttl, ln, off = int(kv.get("ttl", 64)), int(kv.get("len", 64)), int(kv.get("off", 0))
    df, mf, typ = int(kv.get("df", 0)), int(kv.get("mf", 0)), int(kv.get("type", 8))
    if typ == 8:
        body = echo_payload(ident, off + ln)[off:off + ln]
    else:
        q = ip_hdr(dst, src, 17, 8, 0x7777, False, 0) + struct.pack("!HHHH", 33434, 33434, 8, 0)
        body = struct.pack("!BBHI", typ, int(kv.get("code", 0)), 0, 0) + q
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    h = bytearray(ip_hdr(src, dst, 1, len(body), ident, mf, off // 8, ttl=ttl))
    if df:
        h[6] |= 0x40
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", checksum(bytes(h)))
    n = int(kv.get("n", 1))
    if int(kv.get("l2bcast", 0)):
        return [("l2", b"\xff" * 6, bytes(h) + body)]
    if n == 1:
        return [bytes(h) + body]
    # n copies, IP ids ident, ident+1, ... (ICMP id unchanged; fine for errors, which quote the header).
    out = []
    for i in range(n):
        c = bytearray(h)
        c[4:6] = struct.pack("!H", (ident + i) & 0xFFFF)
        c[10:12] = b"\0\0"
        c[10:12] = struct.pack("!H", checksum(bytes(c)))
        out.append(bytes(c) + body)
    return out


def build(case, ident):
    if case.startswith("echo,"):
        return custom(case, ident)
    if case == "first":
        return frags(ident, [(0, 32, True)], echo_payload(ident, 64))
    if case == "lone":
        return frags(ident, [(64, 16, False)], echo_payload(ident, 80))
    if case == "inorder":
        return frags(ident, [(0, 24, True), (24, 16, False)], echo_payload(ident, 40))
    if case == "dup":
        p = echo_payload(ident, 40)
        f = frags(ident, [(0, 24, True), (24, 16, False)], p)
        return [f[0], f[0], f[1]]
    if case == "inside":
        # The middle 8 bytes again, wholly inside held data: dropped, the queue kept (R10.2).
        return frags(ident, [(0, 24, True), (8, 8, True), (24, 16, False)], echo_payload(ident, 40))
    if case == "trim":
        # A middle fragment of 28 bytes is cut to 24 (R10.3); the last one supplies 24..40.
        return frags(ident, [(0, 28, True), (24, 16, False)], echo_payload(ident, 40))
    if case == "twoends":
        # Two last fragments with different ends (R10.3: the queue is discarded), then the rest.
        p = echo_payload(ident, 48)
        return frags(ident, [(24, 16, False), (32, 16, False), (0, 24, True), (24, 24, False)], p)
    if case == "beyond":
        # The last fragment ends at 40, then a middle one runs past it to 48 (R10.3).
        p = echo_payload(ident, 48)
        return frags(ident, [(24, 16, False), (32, 16, True), (0, 24, True)], p)
    if case == "zerolen":
        # A zero-length fragment in a queue discards it (R10.3); the rest arrives afterwards.
        p = echo_payload(ident, 40)
        return frags(ident, [(0, 24, True), (24, 0, True), (24, 16, False)], p)
    if case == "flood":
        # 40 first fragments (1000 bytes of ICMP each) of 40 datagrams, IP ids ident..ident+39.
        out = []
        for i in range(40):
            out += frags((ident + i) & 0xFFFF, [(0, 1000, True)], echo_payload(ident + i, 1200))
        return out
    if case == "overlap":
        # Both halves consistent bytes of one 40-byte message; bytes 16..23 sent twice.
        return frags(ident, [(0, 24, True), (16, 24, False)], echo_payload(ident, 40))
    if case == "stretch":
        # The first fragment, then 1.2 s later a middle one: the timer runs from the queue's
        # creation and is not extended (ICMP-SPEC §0 ipfrag_time).
        f = frags(ident, [(0, 32, True), (64, 16, True)], echo_payload(ident, 120))
        return [f[0], 1.2, f[1]]
    if case == "podrev":
        return list(reversed(build("pod", ident)))
    if case == "pod":
        total = 65528 + 16
        p = echo_payload(ident, total)
        pieces = []
        off = 0
        while off < 65528:
            ln = min(1480, 65528 - off)
            pieces.append((off, ln, True))
            off += ln
        pieces.append((65528, 16, False))
        return frags(ident, pieces, p)
    die("unknown case " + case)


def describe(ip, t, sent):
    ihl = (ip[0] & 0x0F) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    ident = struct.unpack("!H", ip[4:6])[0]
    fo = struct.unpack("!H", ip[6:8])[0]
    f = {
        "t": "%.3f" % t,
        "src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]),
        "proto": ip[9], "tos": "0x%02x" % ip[1], "ttl": ip[8], "df": int(bool(fo & 0x4000)),
        "mf": int(bool(fo & 0x2000)), "off": (fo & 0x1FFF) * 8, "id": "0x%04x" % ident,
        "ipck": "ok" if checksum(ip[:ihl]) == 0 else "bad", "len": tot,
    }
    body = ip[ihl:tot]
    if ip[9] == 1 and len(body) >= 8 and not f["mf"] and f["off"] == 0:
        f["type"], f["code"] = body[0], body[1]
        f["icmpck"] = "ok" if checksum(body) == 0 else "bad"
        if body[0] in (0, 8):
            f["echo.id"] = struct.unpack("!H", body[4:6])[0]
            f["echo.len"] = len(body)
        elif body[0] in (3, 4, 5, 11, 12):
            f["word2"] = "0x%08x" % struct.unpack("!I", body[4:8])[0]
            q = body[8:]
            if len(q) >= 20:
                qfo = struct.unpack("!H", q[6:8])[0]
                f.update({
                    "q.src": socket.inet_ntoa(q[12:16]), "q.dst": socket.inet_ntoa(q[16:20]),
                    "q.id": "0x%04x" % struct.unpack("!H", q[4:6])[0],
                    "q.mf": int(bool(qfo & 0x2000)), "q.off": (qfo & 0x1FFF) * 8, "q.ttl": q[8],
                    "q.len": struct.unpack("!H", q[2:4])[0], "q.bytes": len(q),
                })
                f["q.match"] = 0
                for i, s in enumerate(sent):
                    if s[:len(q)] == q:
                        f["q.match"], f["q.frame"] = 1, i
                        break
    return "rx " + " ".join("%s=%s" % kv for kv in f.items())


def cmd_send(iface, dmac, case, ident, wait):
    ident = int(ident, 0)
    wait = float(wait)
    dmac_b = mac_bytes(dmac)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    smac = s.getsockname()[4][:6]
    plan = build(case, ident)
    sent = [d if isinstance(d, bytes) else d[2] for d in plan if not isinstance(d, float)]
    t0 = time.monotonic()
    for d in plan:
        if isinstance(d, bytes):
            s.send(dmac_b + smac + struct.pack("!H", ETH_P_IP) + d)
        elif isinstance(d, tuple):  # ("l2", destination MAC, datagram)
            s.send(d[1] + smac + struct.pack("!H", ETH_P_IP) + d[2])
        else:
            time.sleep(d)
    wait += time.monotonic() - t0
    n = 0
    while True:
        left = wait - (time.monotonic() - t0)
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        fr, addr = s.recvfrom(70000)
        if addr[2] == PACKET_OUTGOING or fr[6:12] != dmac_b or len(fr) < 34:
            continue
        n += 1
        print(describe(fr[14:], time.monotonic() - t0, sent), flush=True)
    print("end n=%d" % n)


def ip_fields(p):
    raw = bytes(p)[14:]
    ihl = (raw[0] & 0x0F) * 4
    tot = struct.unpack("!H", raw[2:4])[0]
    fo = struct.unpack("!H", raw[6:8])[0]
    return {
        "raw": raw, "ihl": ihl, "tot": tot, "tos": raw[1], "id": struct.unpack("!H", raw[4:6])[0],
        "df": bool(fo & 0x4000), "mf": bool(fo & 0x2000), "off": (fo & 0x1FFF) * 8, "ttl": raw[8],
        "proto": raw[9], "src": socket.inet_ntoa(raw[12:16]), "dst": socket.inet_ntoa(raw[16:20]),
        "ck": checksum(raw[:ihl]) == 0, "data": raw[ihl:tot],
    }


def assemble(fs):
    """fragments -> bytes, or None when they do not tile [0, end) exactly."""
    fs = sorted(fs, key=lambda f: f["off"])
    out = b""
    for f in fs:
        if f["off"] != len(out):
            return None
        out += f["data"]
    if fs[-1]["mf"]:
        return None
    return out


def cmd_fragcheck(pcap, in_mac, out_mac, src, dst, mtu):
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import Ether, rdpcap  # only here: sending needs no scapy (faster start)
    mtu = int(mtu)
    in_mac, out_mac = in_mac.lower(), out_mac.lower()
    ins, outs = {}, {}
    for p in rdpcap(pcap):
        if Ether not in p or p[Ether].type != ETH_P_IP:
            continue
        f = ip_fields(p)
        if f["src"] != src or f["dst"] != dst:
            continue
        key = (f["id"], f["proto"])
        if p[Ether].src.lower() == in_mac:
            ins.setdefault(key, []).append(f)
        elif p[Ether].dst.lower() == out_mac:
            outs.setdefault(key, []).append(f)
    bad = []
    refrag = 0
    nout = 0
    for key, fin in sorted(ins.items()):
        fout = outs.get(key, [])
        nout += len(fout)
        a_in, a_out = assemble(fin), assemble(fout) if fout else None
        tag = "id=0x%04x" % key[0]
        if a_in is None:
            bad.append("%s: received fragments do not tile" % tag)
            continue
        if not fout:
            bad.append("%s: never forwarded" % tag)
            continue
        if a_out is None:
            bad.append("%s: forwarded fragments do not tile [0, %d) (%s)" % (
                tag, len(a_in), ", ".join("%d+%d%s" % (f["off"], len(f["data"]), "M" if f["mf"] else "")
                                          for f in sorted(fout, key=lambda f: f["off"]))))
            continue
        if a_out != a_in:
            bad.append("%s: forwarded bytes differ from received bytes" % tag)
        if len(fout) > len(fin):
            refrag += 1
        ttl_in = fin[0]["ttl"]
        for f in fout:
            w = "%s off=%d" % (tag, f["off"])
            if f["tot"] > mtu:
                bad.append("%s: %d bytes > MTU %d" % (w, f["tot"], mtu))
            if f["mf"] and len(f["data"]) % 8:
                bad.append("%s: non-last fragment payload %d not a multiple of 8" % (w, len(f["data"])))
            if f["ttl"] != ttl_in - 1:
                bad.append("%s: TTL %d, expected %d" % (w, f["ttl"], ttl_in - 1))
            if f["tos"] != fin[0]["tos"]:
                bad.append("%s: TOS changed" % w)
            if f["df"] != fin[0]["df"]:
                bad.append("%s: DF changed" % w)
            if not f["ck"]:
                bad.append("%s: bad header checksum" % w)
    print("fragcheck datagrams=%d in=%d out=%d refragmented=%d bad=%d" % (
        len(ins), sum(len(v) for v in ins.values()), nout, refrag, len(bad)))
    for b in bad:
        print("bad " + b)


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "send":
        cmd_send(*a[1:])
    elif len(a) == 7 and a[0] == "fragcheck":
        cmd_fragcheck(*a[1:])
    else:
        die("usage: see the module docstring")


if __name__ == "__main__":
    main()
