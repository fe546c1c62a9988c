#!/usr/bin/python3
"""ICMP extension checks for t_65_icmp_ext.sh (ICMP-EXT-SPEC X4, X5), run in host A's namespace.

  recverr DST SIZE        a Linux UDP socket with IP_RECVERR + IP_RECVERR_RFC4884 sends SIZE payload
                          bytes with TTL 1 to DST:33434 and prints what the error queue says:
                          "type=11 code=0 len=100 flags=0 datalen=N ext=20000000" (len/flags = ee_rfc4884)
  probe DST IFACE L CTYPE VALUE [CODE]
                          sends an RFC 8335 PROBE (scapy, X6 recipe) and prints the reply:
                          "code=0 id=16962 seq=1 state=0 A=1 v4=1 v6=0 echoed=1" or "noreply"
  probe-raw DST IFACE HEX sends a PROBE whose bytes after the ICMP header are HEX (malformed objects)
  x4-send DST IFACE INNER_SRC SPORT CASE
                          sends one crafted 11/0 of X7's receive table (CASE: a name of X4_CASES) to DST,
                          quoting a UDP datagram INNER_SRC:SPORT -> 203.0.113.9:33434
  x4-listen PORT N        a Linux UDP socket on PORT with IP_RECVERR (+ IP_RECVERR_RFC4884 unless N
                          is negative) prints "len=L flags=F" for each of |N| errors (90 s at most)
"""
import select
import socket
import struct
import sys
import time

IP_RECVERR, IP_RECVERR_RFC4884 = 11, 26   # linux/in.h


def recverr(dst, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR_RFC4884, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.sendto(b"\x55" * size, (dst, 33434))
    select.select([], [], [s], 3)
    try:
        data, anc, _, _ = s.recvmsg(4096, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
    except BlockingIOError:
        print("noerror")
        return
    for lvl, typ, d in anc:
        if lvl == socket.IPPROTO_IP and typ == IP_RECVERR:
            _, _, t, c, _, _, ee_data = struct.unpack("=IBBBBII", d[:16])
            ln, fl, _ = struct.unpack("=HBB", struct.pack("=I", ee_data))
            ext = data[ln:ln + 4].hex() if ln else "-"
            print(f"type={t} code={c} len={ln} flags={fl} datalen={len(data)} ext={ext}")
            return
    print("nocmsg")


def ext(*objs):
    from scapy.all import checksum
    b = b"\x20\0\0\0" + b"".join(objs)
    return b[:2] + struct.pack("!H", checksum(b)) + b[4:]


def obj(cnum, ctype, p):
    return struct.pack("!HBB", 4 + len(p), cnum, ctype) + p


def send_probe(dst, iface, L, body, code=0, ident=0x4242, seq=1):
    from scapy.all import IP, ICMP, Raw, AsyncSniffer, send, raw
    h = struct.pack("!HBB", ident, seq, L)
    req = IP(dst=dst, proto=1) / ICMP(type=42, code=code, unused=struct.unpack("!I", h)[0]) / Raw(body)
    sn = AsyncSniffer(iface=iface, count=1, timeout=2, filter="icmp and icmp[0]==43")
    sn.start()
    time.sleep(0.3)
    send(req, verbose=0, iface=iface)
    sn.join()
    if not sn.results:
        print("noreply")
        return
    m = raw(sn.results[0][ICMP])
    f = m[7]
    echoed = int(m[8:] == body)
    print(f"code={m[1]} id={struct.unpack('!H', m[4:6])[0]} seq={m[6]} state={f >> 5} A={f >> 2 & 1} "
          f"v4={f >> 1 & 1} v6={f & 1} echoed={echoed} src={sn.results[0][IP].src}")


# name: (attribute, extension bytes after the 128-byte field; None = a valid INC-like object)
def _x4_cases():
    from scapy.all import checksum
    o = struct.pack("!HBB", 8, 2, 0x08) + b"\0\0\0\5"

    def sumd(b):
        return b[:2] + struct.pack("!H", checksum(b)) + b[4:]
    good = sumd(b"\x20\0\0\0" + o)
    return {
        "valid": (32, good),
        "bad-checksum": (32, good[:2] + bytes([good[2] ^ 0x11, good[3]]) + good[4:]),
        "checksum-0": (32, b"\x20\0\0\0" + o),
        "version-1": (32, b"\x10\0\x12\x34" + o),
        "objlen-2": (32, sumd(b"\x20\0\0\0" + struct.pack("!HBB", 2, 0, 6) + b"\0\0\0\5")),
        "obj-past-end": (32, sumd(b"\x20\0\0\0" + struct.pack("!HBB", 12, 2, 8) + b"\0\0\0\5")),
        "attr-0": (0, good),
        "attr-31": (31, good),
        "2-bytes-after": (32, b"\x20\0"),
    }


def x4_send(dst, iface, inner_src, sport, case):
    from scapy.all import IP, ICMP, UDP, Raw, send, raw
    attr, tail = _x4_cases()[case]
    inner = raw(IP(src=inner_src, dst="203.0.113.9", ttl=1, id=7) / UDP(sport=sport, dport=33434) / (b"\x55" * 32))
    field = inner + b"\0" * (128 - len(inner))
    send(IP(dst=dst, proto=1) / ICMP(type=11, code=0, length=attr) / Raw(field + tail), iface=iface, verbose=0)


def x4_listen(port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    if n > 0:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR_RFC4884, 1)
    print("ready", flush=True)
    end, got = time.time() + 90, 0
    while got < abs(n) and time.time() < end:
        select.select([], [], [s], 0.5)
        try:
            _, anc, _, _ = s.recvmsg(4096, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        for lvl, typ, d in anc:
            if lvl == socket.IPPROTO_IP and typ == IP_RECVERR:
                ee_data = struct.unpack("=IBBBBII", d[:16])[6]
                ln, fl, _ = struct.unpack("=HBB", struct.pack("=I", ee_data))
                print(f"len={ln} flags={fl}", flush=True)
                got += 1


def main():
    a = sys.argv[1:]
    if a[0] == "recverr":
        recverr(a[1], int(a[2]))
    elif a[0] == "probe":
        dst, iface, L, ctype, value = a[1], a[2], int(a[3]), int(a[4]), a[5]
        code = int(a[6]) if len(a) > 6 else 0
        if ctype == 1:
            n = value.encode()
            o = obj(3, 1, n + b"\0" * (-len(n) % 4))
        elif ctype == 2:
            o = obj(3, 2, struct.pack("!I", int(value)))
        else:
            o = obj(3, 3, struct.pack("!HBB", 1, 4, 0) + socket.inet_aton(value))
        send_probe(dst, iface, L, ext(o), code)
    elif a[0] == "x4-send":
        x4_send(a[1], a[2], a[3], int(a[4]), a[5])
    elif a[0] == "x4-listen":
        x4_listen(int(a[1]), int(a[2]))
    elif a[0] == "probe-raw":
        send_probe(a[1], a[2], 1, bytes.fromhex(a[3]))
    else:
        sys.exit("usage: icmp_ext.py recverr|probe|probe-raw ...")


main()
