#!/usr/bin/python3
"""ICMP extension checks for t_65_icmp_ext.sh (ICMP-EXT-SPEC X4, X5), run in host A's namespace.

  recverr DST SIZE        a Linux UDP socket with IP_RECVERR + IP_RECVERR_RFC4884 sends SIZE payload
                          bytes with TTL 1 to DST:33434 and prints what the error queue says:
                          "type=11 code=0 len=100 flags=0 datalen=N ext=20000000" (len/flags = ee_rfc4884)
  probe DST IFACE L CTYPE VALUE [CODE]
                          sends an RFC 8335 PROBE (scapy, X6 recipe) and prints the reply:
                          "code=0 id=16962 seq=1 state=0 A=1 v4=1 v6=0 echoed=1" or "noreply"
  probe-raw DST IFACE HEX sends a PROBE whose bytes after the ICMP header are HEX (malformed objects)
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
    elif a[0] == "probe-raw":
        send_probe(a[1], a[2], 1, bytes.fromhex(a[3]))
    else:
        sys.exit("usage: icmp_ext.py recverr|probe|probe-raw ...")


main()
