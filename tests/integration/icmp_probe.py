"""icmp_probe.py — crafted-frame probes for the t_2N_*.sh integration tests (ICMP-SPEC §1-§7, §10).

    icmp_probe.py IFACE DAEMON_MAC CASE [CASE...]

Runs in the host namespace ($NS_H) under /usr/bin/python3 (Debian's python3-scapy). For each CASE it
sends one or more crafted Ethernet frames from 192.0.2.1 (the kernel side of the TAP) to the daemon
at 192.0.2.2 on a raw AF_PACKET socket (the sock-* and ctl-send cases use the host kernel's own UDP
sockets instead), captures what the daemon sends back on the same socket, and prints one line

    CASE key=value key=value ...

describing every IPv4 datagram the daemon sent back (n=, then the fields of the first one, or of the
one the case looks for) and how its counters moved (d.NAME=DELTA for each counter that changed,
read with `tapstackctl stats --json` before and after; $TAPSTACKCTL and $TAPSTACK_CONTROL name the
client and the control socket).

No fixed sleeps decide that "nothing came back": after the probe frames, each exchange sends a
sentinel, an ARP request with sender address 0.0.0.0 (RFC 5227 probe: the daemon answers it and
learns nothing), on the same raw socket. The daemon handles frames in order and writes its output in
order, so once the sentinel's ARP reply is here, any answer to the probes is here too. The sentinel
touches no IP, ICMP, UDP or TCP counter.

Datagrams are built byte by byte (struct) where the test is about exact bytes (IP options, bad
checksums, fragments) and with scapy where a normal packet will do; replies are parsed from the raw
bytes so every field is checked as it was on the wire.
"""
import json
import logging
import os
import select
import socket
import struct
import subprocess
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ARP, IP, TCP, UDP, Ether, get_if_hwaddr, raw  # noqa: E402
from scapy.utils import checksum  # noqa: E402

HOST, DAEMON, BCAST = "192.0.2.1", "192.0.2.2", "192.0.2.255"
ETH_P_ALL, ETH_P_IP, ETH_P_ARP = 0x0003, 0x0800, 0x0806
PACKET_OUTGOING = 4

OPT_NOP, OPT_RR, OPT_TS = 1, 7, 68


def die(msg):
    sys.stderr.write("icmp_probe: %s\n" % msg)
    sys.exit(2)


# ---------------------------------------------------------------- counters

def stats():
    ctl = os.environ.get("TAPSTACKCTL")
    path = os.environ.get("TAPSTACK_CONTROL")
    if not ctl or not path:
        die("TAPSTACKCTL and TAPSTACK_CONTROL must be set")
    out = subprocess.run([ctl, "-c", path, "stats", "--json"], capture_output=True, text=True, timeout=5)
    if out.returncode != 0:
        die("tapstackctl stats failed: %s" % out.stderr.strip())
    return json.loads(out.stdout)


def deltas(before, after):
    d = {}
    for k in set(before) | set(after):
        v = after.get(k, 0) - before.get(k, 0)
        if v:
            d[k] = v
    return d


# ---------------------------------------------------------------- building

def ip4(src, dst, proto, payload, tos=0, ttl=64, ident=0x1234, flags=0, frag=0, opts=b"", tot=None):
    """An IPv4 datagram, options as given (a multiple of 4 bytes), header checksum correct."""
    if len(opts) % 4:
        die("options must be a multiple of 4 bytes")
    ihl = 5 + len(opts) // 4
    tot = ihl * 4 + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, tot, ident, (flags << 13) | frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + opts
    c = checksum(h)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def with_opts(dgram, opts):
    """dgram (a 20-byte-header datagram) with opts inserted after the header, lengths and checksum fixed."""
    h = bytearray(dgram[:20])
    ihl = 5 + len(opts) // 4
    h[0] = 0x40 | ihl
    struct.pack_into("!H", h, 2, len(dgram) + len(opts))
    struct.pack_into("!H", h, 10, 0)
    h = bytes(h) + opts
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + dgram[20:]


def icmp_msg(typ, code, rest=b"\0\0\0\0", data=b""):
    m = struct.pack("!BBH", typ, code, 0) + rest + data
    return m[:2] + struct.pack("!H", checksum(m)) + m[4:]


def echo_req(ident=0x5151, seq=1, data=b"tapstack-probe-data-0123456789ab", **kw):
    return ip4(HOST, DAEMON, 1, icmp_msg(8, 0, struct.pack("!HH", ident, seq), data), **kw)


def udp_dgram(sport, dport, data=b"probe", src=HOST, dst=DAEMON, tos=0, bad_csum=False):
    d = raw(IP(src=src, dst=dst, tos=tos, id=0x2222) / UDP(sport=sport, dport=dport) / data)
    if bad_csum:
        d = bytearray(d)
        d[26] ^= 0x5A
        d = bytes(d)
    return d


def rr_opt(length, ptr, addrs=()):
    body = b"".join(socket.inet_aton(a) for a in addrs)
    body = body + b"\0" * (length - 3 - len(body))
    return bytes([OPT_RR, length, ptr]) + body


def pad4(opts):
    return opts + b"\0" * (-len(opts) % 4)


# ---------------------------------------------------------------- parsing

def parse_opts(ip):
    """The RR and TS options of datagram ip: dict with rr_ptr, rr (addresses recorded), ts_ptr,
    ts_flag, ts_ovf, ts (entries recorded: times, or addr/time pairs)."""
    ihl = (ip[0] & 15) * 4
    o = ip[20:ihl]
    f = {}
    i = 0
    while i < len(o):
        t = o[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            f["opt_bad"] = i + 20
            break
        ln, ptr = o[i + 1], o[i + 2] if i + 2 < len(o) else 0
        body = o[i:i + ln]
        if t == OPT_RR:
            f["rr_len"], f["rr_ptr"] = ln, ptr
            used = max(0, min(ptr, ln + 1) - 4) // 4
            f["rr"] = ",".join(socket.inet_ntoa(body[3 + 4 * k:7 + 4 * k]) for k in range(used)) or "-"
        elif t == OPT_TS:
            f["ts_len"], f["ts_ptr"] = ln, ptr
            f["ts_flag"], f["ts_ovf"] = body[3] & 15, body[3] >> 4
            step = 4 if (body[3] & 15) == 0 else 8
            used = max(0, min(ptr, ln + 1) - 5) // step
            ents = []
            for k in range(used):
                e = body[4 + step * k:4 + step * (k + 1)]
                if step == 4:
                    ents.append(str(struct.unpack("!I", e)[0]))
                else:
                    ents.append("%s/%d" % (socket.inet_ntoa(e[:4]), struct.unpack("!I", e[4:])[0]))
            f["ts"] = ",".join(ents) or "-"
        i += ln
    return f


def describe(ip, sent=None):
    """Fields of an IPv4 datagram ip the daemon sent; sent = the offender, for errors that quote it."""
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    fl = struct.unpack("!H", ip[6:8])[0]
    f = {
        "src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]), "proto": ip[9],
        "tos": "0x%02x" % ip[1], "ttl": ip[8], "ihl": ihl, "len": tot, "wirelen": len(ip),
        "ipid": struct.unpack("!H", ip[4:6])[0],
        "df": (fl >> 14) & 1, "mf": (fl >> 13) & 1, "frag": fl & 0x1FFF,
        "ipck": "ok" if checksum(ip[:ihl]) == 0 else "bad",
    }
    f.update(parse_opts(ip))
    body = ip[ihl:tot]
    if ip[9] == 1 and len(body) >= 8:
        f["type"], f["code"] = body[0], body[1]
        f["icmpck"] = "ok" if checksum(body) == 0 else "bad"
        f["word2"] = "0x%08x" % struct.unpack("!I", body[4:8])[0]
        f["icmplen"] = len(body)
        if body[0] in (3, 4, 5, 11, 12):
            q = body[8:]
            f["ptr"] = body[4]
            f["quote_len"] = len(q)
            if sent is not None:
                f["quote"] = quote_cmp(q, sent)
            if len(q) >= 20:
                f["q_opts"] = q[20:min(len(q), (q[0] & 15) * 4)].hex() or "-"
    elif ip[9] == 6 and len(body) >= 20:
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", body[:14])
        f.update(sport=sport, dport=dport, seq=seq, ack=ack, tcpflags=tcp_flags(flags),
                 tcpck="ok" if tcp_csum_ok(ip, body) else "bad")
    elif ip[9] == 17 and len(body) >= 8:
        sport, dport, ulen, ck = struct.unpack("!HHHH", body[:8])
        f.update(sport=sport, dport=dport, ulen=ulen, data=printable(body[8:ulen]))
    return f


def printable(b):
    """b as one word: printable ASCII kept, space as _, anything else as \\xNN."""
    return "".join("_" if c == 32 else chr(c) if 32 < c < 127 and c != 92 else "\\x%02x" % c for c in b) or "-"


def quote_cmp(q, sent):
    """'same' when the quote is exactly the first len(q) bytes of what was sent; 'opts-written' when
    it differs only inside the IP options (RR/TS bytes the stack recorded on input); else the first
    differing offset."""
    if q == sent[:len(q)]:
        return "same"
    ihl = (sent[0] & 15) * 4
    diff = [i for i in range(min(len(q), len(sent))) if q[i] != sent[i]]
    if len(q) > len(sent):
        return "longer"
    if all(20 <= i < ihl or i in (10, 11) for i in diff):
        return "opts-written"
    return "differs@%d" % diff[0]


def tcp_flags(b):
    names = [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "A"), (0x20, "U")]
    return "".join(n for bit, n in names if b & bit) or "-"


def tcp_csum_ok(ip, seg):
    ph = ip[12:20] + struct.pack("!BBH", 0, 6, len(seg))
    return checksum(ph + seg) == 0


def ms_since_midnight_utc():
    t = time.time()
    return int(t % 86400 * 1000)


# ---------------------------------------------------------------- the wire

class Wire:
    def __init__(self, iface, dmac):
        self.iface, self.dmac = iface, dmac.lower()
        self.hmac = get_if_hwaddr(iface)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((iface, 0))
        self.sentinel = raw(Ether(src=self.hmac, dst=self.dmac) /
                            ARP(op=1, hwsrc=self.hmac, psrc="0.0.0.0", hwdst="00:00:00:00:00:00", pdst=DAEMON))

    def frame(self, ip, dmac=None):
        return raw(Ether(src=self.hmac, dst=dmac or self.dmac, type=ETH_P_IP)) + ip

    def _drain(self):
        while select.select([self.s], [], [], 0)[0]:
            self.s.recv(65535)

    def exchange(self, frames, gap=0.0, timeout=3.0, action=None):
        """Sends frames (Ethernet bytes) — or runs action(), which may use kernel sockets, and keeps
        its result in self.action_result — then the sentinel; returns (datagrams the daemon sent
        meanwhile, as bytes, in order; counter deltas)."""
        self._drain()
        before = stats()
        self.action_result = action() if action else None
        for i, fr in enumerate(frames):
            self.s.send(fr)
            if gap and i + 1 < len(frames):
                time.sleep(gap)
        self.s.send(self.sentinel)
        got = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                die("no answer to the ARP sentinel within %.1f s (daemon stuck or gone?)" % timeout)
            if not select.select([self.s], [], [], left)[0]:
                continue
            data, sa = self.s.recvfrom(65535)
            if sa[2] == PACKET_OUTGOING or data[6:12] != bytes.fromhex(self.dmac.replace(":", "")):
                continue
            etype = struct.unpack("!H", data[12:14])[0]
            if etype == ETH_P_ARP:
                op = struct.unpack("!H", data[20:22])[0]
                if op == 2 and data[28:32] == socket.inet_aton(DAEMON) and data[38:42] == b"\0\0\0\0":
                    break
                continue
            if etype == ETH_P_IP:
                got.append(data[14:])
        after = stats()
        return got, deltas(before, after)


# ---------------------------------------------------------------- cases

def circ_dist(a, b):
    d = abs(a - b) % 86400000
    return min(d, 86400000 - d)


def result(got, d, sent=None, pick=None, **extra):
    """The printed fields: n, the chosen datagram's fields, extra, and the counter deltas. With
    extra now_ms (ms since midnight UT when the probe left), ts_skew_ms is the largest distance of a
    recorded Timestamp-option time from it, and ts_highbit whether any had bit 31 set."""
    f = {"n": len(got)}
    sel = [g for g in got if pick is None or pick(g)]
    f["n_match"] = len(sel)
    if sel:
        f.update(describe(sel[0], sent))
    f.update(extra)
    if "now_ms" in extra and f.get("ts", "-") != "-":
        times = [int(e.split("/")[-1]) for e in f["ts"].split(",")]
        f["ts_skew_ms"] = max(circ_dist(t, extra["now_ms"]) for t in times)
        f["ts_highbit"] = int(any(t >> 31 for t in times))
    for k in sorted(d):
        f["d." + k] = d[k]
    return f


def is_icmp(typ, code=None):
    def p(ip):
        ihl = (ip[0] & 15) * 4
        return ip[9] == 1 and len(ip) > ihl + 1 and ip[ihl] == typ and (code is None or ip[ihl + 1] == code)
    return p


def one(w, dgram, pick=None, dmac=None, **extra):
    got, d = w.exchange([w.frame(dgram, dmac)])
    return result(got, d, sent=dgram, pick=pick, **extra)


CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


# -- timestamp (§3)

def ts_req(orig, body_extra=b"", ident=0x7474, seq=1):
    return ip4(HOST, DAEMON, 1, icmp_msg(13, 0, struct.pack("!HH", ident, seq),
                                          struct.pack("!III", orig, 0, 0) + body_extra))


def ts_fields(f, got):
    for g in got:
        if is_icmp(14)(g):
            ihl = (g[0] & 15) * 4
            m = g[ihl:]
            ident, seq, orig, recv, xmit = struct.unpack("!HHIII", m[4:20])
            now = ms_since_midnight_utc()
            f.update(ts_id="0x%04x" % ident, ts_seq=seq, ts_orig=orig, ts_recv=recv, ts_xmit=xmit,
                     ts_skew_ms=circ_dist(recv, now), ts_highbit=(recv >> 31) | (xmit >> 31))
            break
    return f


@case("ts-reply")
def _(w):
    # R3.2: originate copied verbatim (an odd value with the high bit set: not the clock),
    # receive = transmit = ms since midnight UT, exactly 20 bytes, id/seq copied.
    dg = ts_req(0x80ABCDEF, ident=0x7475, seq=3)
    got, d = w.exchange([w.frame(dg)])
    return ts_fields(result(got, d, pick=is_icmp(14)), got)


@case("ts-long")
def _(w):
    # A timestamp request with 24 extra bytes: the reply is still exactly 20 bytes (R3.2).
    dg = ts_req(1234, body_extra=bytes(range(24)), ident=0x7476)
    got, d = w.exchange([w.frame(dg)])
    return ts_fields(result(got, d, pick=is_icmp(14)), got)


@case("ts-short")
def _(w):
    # 8-byte header + 3 bytes of body: shorter than R3.1 allows; dropped, IcmpInErrors +1.
    dg = ip4(HOST, DAEMON, 1, icmp_msg(13, 0, struct.pack("!HH", 0x7477, 1), b"\1\2\3"))
    return one(w, dg)


# -- UDP (§6 row 3/3)

@case("udp-closed")
def _(w):
    dg = udp_dgram(40000, 9999, b"closed-port-probe")
    return one(w, dg, pick=is_icmp(3))


@case("udp-badcsum")
def _(w):
    # A bad UDP checksum to a closed port: silent (no 3/3), UdpInCsumErrors and UdpInErrors.
    dg = udp_dgram(40001, 9998, b"bad-checksum-probe", bad_csum=True)
    return one(w, dg)


@case("udp-zerocsum")
def _(w):
    # Checksum 0 = none computed (RFC 768): valid, so a closed port answers 3/3.
    dg = bytearray(udp_dgram(40002, 9997, b"no-checksum-probe"))
    dg[26:28] = b"\0\0"
    return one(w, bytes(dg), pick=is_icmp(3))


# -- UDP through the host kernel's own sockets

def ksock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.settimeout(2.0)
    return s


@case("sock-refused")
def _(w):
    # Three connected kernel UDP sockets each send one datagram to closed port 9999 and read:
    # each read must fail with ECONNREFUSED (the kernel got our 3/3), UdpNoPorts +1 per probe.
    def act():
        outcome, per = [], []
        for i in range(3):
            b = stats()
            s = ksock(45010 + i)
            s.connect((DAEMON, 9999))
            s.send(b"is-anyone-there-%d" % i)
            try:
                s.recv(100)
                outcome.append("data")
            except ConnectionRefusedError:
                outcome.append("ECONNREFUSED")
            except socket.timeout:
                outcome.append("timeout")
            s.close()
            per.append(str(deltas(b, stats()).get("UdpNoPorts", 0)))
        return {"outcome": ",".join(outcome), "noports_per_probe": ",".join(per)}
    got, d = w.exchange([], action=act)
    return result(got, d, pick=is_icmp(3, 3), **w.action_result)


ECHO_DATA = b"echo me \x00\x01\xfe\xff " + bytes(range(32, 127))


@case("sock-echo")
def _(w):
    # RFC 862 echo service (-S echo) on port 7: the datagram comes back unchanged.
    def act():
        s = ksock(45020)
        s.sendto(ECHO_DATA, (DAEMON, 7))
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            return {"echo": "timeout"}
        finally:
            s.close()
        return {"echo": "same" if data == ECHO_DATA else "different", "echo_from": "%s:%d" % src,
                "echo_len": len(data)}
    got, d = w.exchange([], action=act)
    return result(got, d, **w.action_result)


@case("sock-to5000")
def _(w):
    # From the kernel's 192.0.2.1:45030 to the daemon's stub socket on 5000 (`udp bind 5000`).
    def act():
        s = ksock(45030)
        s.sendto(b"hello-5000 from the host", (DAEMON, 5000))
        s.close()
        return {}
    got, d = w.exchange([], action=act)
    return result(got, d)


@case("ctl-send")
def _(w):
    # `tapstackctl udp send --from 5001 192.0.2.1:6000 hello from tapstack` reaches a kernel
    # socket bound to 192.0.2.1:6000.
    def act():
        s = ksock(6000)
        ctl = [os.environ["TAPSTACKCTL"], "-c", os.environ["TAPSTACK_CONTROL"]]
        out = subprocess.run(ctl + ["udp", "send", "--from", "5001", HOST + ":6000", "hello", "from", "tapstack"],
                             capture_output=True, text=True, timeout=5)
        r = {"ctl_rc": out.returncode, "ctl_out": out.stdout.strip().replace(" ", "_") or "-"}
        try:
            data, src = s.recvfrom(2048)
            r.update(rcvd=printable(data), rcvd_from="%s:%d" % src)
        except socket.timeout:
            r.update(rcvd="timeout")
        s.close()
        return r
    got, d = w.exchange([], action=act)
    return result(got, d, **w.action_result)


# -- TCP reset stub (RFC 793 3.4)

def tcp_seg(flags, seq, ack, dport=80, sport=40100, data=b""):
    return raw(IP(src=HOST, dst=DAEMON, tos=0x28, id=0x3333) /
               TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=1024) / data)


@case("tcp-syn")
def _(w):
    return one(w, tcp_seg("S", 0x11223344, 0), pick=lambda ip: ip[9] == 6)


@case("tcp-syn-data")
def _(w):
    # SYN with 10 bytes of data: ack = seq + 10 + 1.
    return one(w, tcp_seg("S", 0xFFFFFFFA, 0, data=b"0123456789"), pick=lambda ip: ip[9] == 6)


@case("tcp-ack")
def _(w):
    return one(w, tcp_seg("A", 0x01020304, 0xCAFEBABE), pick=lambda ip: ip[9] == 6)


@case("tcp-finack")
def _(w):
    return one(w, tcp_seg("FA", 0x01020304, 0x0BADF00D), pick=lambda ip: ip[9] == 6)


@case("tcp-fin")
def _(w):
    # FIN without ACK: RST|ACK, seq 0, ack = seq + 1 (the FIN counts).
    return one(w, tcp_seg("F", 0x50000000, 0), pick=lambda ip: ip[9] == 6)


@case("tcp-syn-tos-bb")
def _(w):
    # Linux's reset (ip_send_unicast_reply): TOS without the ECN bits (0xbb -> 0xb8), DF, IP ID 0.
    d = raw(IP(src=HOST, dst=DAEMON, tos=0xBB, id=0x3335) / TCP(sport=40102, dport=80, flags="S", seq=9))
    return one(w, d, pick=lambda ip: ip[9] == 6)


@case("tcp-syn-rr")
def _(w):
    # A SYN with Record Route (two slots): the reset echoes it with our address twice (52 bytes).
    d = with_opts(tcp_seg("S", 0x0A0B0C0D, 0, sport=40103), pad4(rr_opt(11, 4)))
    return one(w, d, pick=lambda ip: ip[9] == 6)


@case("tcp-syn-ts")
def _(w):
    # A SYN with a 40-byte Timestamp: stamped on receive and on send (an 80-byte reset).
    d = with_opts(tcp_seg("S", 0x0A0B0C0E, 0, sport=40104), ts_opt(40, 5, 0))
    return one(w, d, pick=lambda ip: ip[9] == 6)


@case("tcp-syn-badcsum")
def _(w):
    d = bytearray(tcp_seg("S", 0x10000000, 0))
    d[36] ^= 0x77
    return one(w, bytes(d))


@case("tcp-syn-bcast")
def _(w):
    # To the subnet broadcast: no reset (TcpInNoReset).
    d = raw(IP(src=HOST, dst=BCAST, id=0x3334) / TCP(sport=40101, dport=80, flags="S", seq=7))
    return one(w, d, dmac="ff:ff:ff:ff:ff:ff")


@case("tcp-rst")
def _(w):
    return one(w, tcp_seg("R", 0x01020304, 0), pick=lambda ip: ip[9] == 6)


@case("tcp-rstack")
def _(w):
    return one(w, tcp_seg("RA", 0x01020304, 0x05060708), pick=lambda ip: ip[9] == 6)


# -- parameter problem (§6 row 12/0, pointer rules)

PP_OPTS = {
    # name: (options bytes, expected pointer) — expected values are ICMP-SPEC §6's.
    "pp-nop-rr-ptr3": (bytes([OPT_NOP]) + rr_opt(7, 3), 23),
    "pp-rr-len1": (bytes([OPT_RR, 1, 0, 0]), 20),
    "pp-rr-len2": (bytes([OPT_RR, 2, 0, 0]), 21),
    "pp-rr-ptr-mid": (rr_opt(11, 10) + b"\0", 22),                  # 10 <= 11 but 10+3 > 11
    "pp-ts-full-ovf15": (bytes([OPT_TS, 12, 13, 0xF0]) + b"\0" * 8, 23),
    "pp-ts-full-ovf15-prespec": (bytes([OPT_TS, 12, 13, 0xF3]) + b"\0" * 8, 23),
    "pp-ts-len3": (bytes([OPT_TS, 3, 5, 0]), 21),
    "pp-ts-ptr4": (bytes([OPT_TS, 8, 4, 0]) + b"\0" * 4, 22),
    "pp-ts-addr-short": (bytes([OPT_TS, 8, 5, 1]) + b"\0" * 4, 22),  # flag 1: ptr+7 > len
    "pp-two-rr": (rr_opt(7, 4) + rr_opt(7, 4) + b"\0\0", 27),
    "pp-optlen-over": (bytes([OPT_NOP, OPT_NOP, 0x94, 9]), 22),     # length beyond the header
    "pp-ra-len2": (bytes([0x94, 2, 0, 0]), 21),                     # router alert length < 4
}


def pp_case(name, opts, ptr):
    def fn(w):
        dg = with_opts(echo_req(ident=0x6060, seq=len(name), tos=0x10), opts)
        got, d = w.exchange([w.frame(dg)])
        # The first datagram back is described, whatever it is; n_pp counts parameter problems.
        return result(got, d, sent=dg, want_ptr=ptr, n_pp=sum(1 for g in got if is_icmp(12)(g)))
    CASES[name] = fn


for _n, (_o, _p) in PP_OPTS.items():
    pp_case(_n, _o, _p)


BAD_OPT = bytes([OPT_RR, 1, 0, 0])  # -> 12/0 pointer 20 when the offender may get an error


def icmp_bad_opts(typ, code, body=b"\0\0\0\0", data=b""):
    return with_opts(ip4(HOST, DAEMON, 1, icmp_msg(typ, code, body, data)), BAD_OPT)


_INNER = udp_dgram(9, 40000, b"inner")[:28]


@case("pp-offender-echo")
def _(w):
    return one(w, icmp_bad_opts(8, 0, struct.pack("!HH", 1, 1), b"x" * 16), pick=is_icmp(12))


@case("pp-offender-timestamp")
def _(w):
    return one(w, icmp_bad_opts(13, 0, struct.pack("!HH", 1, 1), b"\0" * 12), pick=is_icmp(12))


@case("pp-offender-3")
def _(w):
    return one(w, icmp_bad_opts(3, 3, data=_INNER))


@case("pp-offender-11")
def _(w):
    return one(w, icmp_bad_opts(11, 0, data=_INNER))


@case("pp-offender-12")
def _(w):
    return one(w, icmp_bad_opts(12, 0, b"\x14\0\0\0", data=_INNER))


@case("pp-offender-5")
def _(w):
    return one(w, icmp_bad_opts(5, 1, socket.inet_aton("192.0.2.1"), data=_INNER))


@case("pp-offender-type42")
def _(w):
    # Type > 18: treated as an error type (R1.8), no error about it (R5.5).
    return one(w, icmp_bad_opts(200, 0, data=b"\0" * 8))


@case("pp-offender-notype")
def _(w):
    # ICMP with no byte after the IP header: type unreadable, no error (R5.5).
    return one(w, with_opts(ip4(HOST, DAEMON, 1, b""), BAD_OPT))


@case("pp-offender-udp")
def _(w):
    return one(w, with_opts(udp_dgram(40003, 9, b"udp-with-bad-opts"), BAD_OPT), pick=is_icmp(12))


# -- suppression (§5) and generation (§6)

@case("unknown-proto")
def _(w):
    # Protocol 253 (RFC 3692 experimentation), TOS 0xb9: 3/2 quoting it whole, TOS 0xd8 (R5.10).
    dg = ip4(HOST, DAEMON, 253, bytes((i * 5 + 1) & 0xFF for i in range(40)), tos=0xB9, ttl=17)
    return one(w, dg, pick=is_icmp(3, 2))


@case("unknown-proto-1028")
def _(w):
    dg = ip4(HOST, DAEMON, 253, bytes((i * 3 + 7) & 0xFF for i in range(1008)), tos=0x04)
    return one(w, dg, pick=is_icmp(3, 2), sent_len=len(dg))


@case("unknown-proto-548")
def _(w):
    # Exactly 548 bytes: quoted whole, 576 total.
    dg = ip4(HOST, DAEMON, 253, bytes(528))
    return one(w, dg, pick=is_icmp(3, 2), sent_len=len(dg))


@case("unknown-proto-549")
def _(w):
    dg = ip4(HOST, DAEMON, 253, bytes(529))
    return one(w, dg, pick=is_icmp(3, 2), sent_len=len(dg))


def frag(dgram, off_bytes, length, mf, opts=b""):
    """One fragment of the 20-byte-header datagram dgram: payload bytes [off, off+length), with
    opts (a multiple of 4) in its header."""
    h = dgram[:20]
    tos, ident, ttl, proto = h[1], struct.unpack("!H", h[4:6])[0], h[8], h[9]
    src, dst = socket.inet_ntoa(h[12:16]), socket.inet_ntoa(h[16:20])
    body = dgram[20 + off_bytes:20 + off_bytes + length]
    return ip4(src, dst, proto, body, tos=tos, ttl=ttl, ident=ident, flags=1 if mf else 0,
               frag=off_bytes // 8, opts=opts)


_FRAG_DATA = bytes((i * 11 + 5) & 0xFF for i in range(40))


@case("frag-nonfirst-udp")
def _(w):
    # Offset 24 without MF: the tail of a UDP datagram to a closed port whose head never comes.
    u = ip4(HOST, DAEMON, 17, raw(UDP(sport=40004, dport=9996, len=48, chksum=0)) + _FRAG_DATA, ident=0x4444)
    return one(w, frag(u, 24, 24, False))


@case("frag-first-udp")
def _(w):
    # Offset 0 with MF: the head of a UDP datagram to a closed port whose tail never comes.
    u = ip4(HOST, DAEMON, 17, raw(UDP(sport=40005, dport=9995, len=48, chksum=0)) + _FRAG_DATA, ident=0x4445)
    return one(w, frag(u, 0, 24, True))


@case("frag-expiry")
def _(w):
    # Waits out ipfrag_time (the test sets it to 1 s) after the two cases above: the queue holding
    # the first fragment times out with 11/1 quoting it; the other one silently (R10.4).
    u = ip4(HOST, DAEMON, 17, raw(UDP(sport=40005, dport=9995, len=48, chksum=0)) + _FRAG_DATA, ident=0x4445)
    got, d = w.exchange([], action=lambda: time.sleep(1.8))
    return result(got, d, sent=frag(u, 0, 24, True), pick=is_icmp(11))


def _udp48(sport, dport, ident):
    return raw(IP(src=HOST, dst=DAEMON, id=ident, ttl=33) / UDP(sport=sport, dport=dport) / _FRAG_DATA)


@case("frag-pair-udp")
def _(w):
    # Head then tail of a UDP datagram to a closed port: reassembled, then 3/3 quoting the
    # reassembled datagram (R5.14), which is the datagram as it would have been sent whole.
    u = _udp48(40013, 9987, 0x4447)
    got, d = w.exchange([w.frame(frag(u, 0, 24, True)), w.frame(frag(u, 24, 24, False))])
    return result(got, d, sent=u, pick=is_icmp(3, 3))


@case("frag-pair-udp-rev")
def _(w):
    u = _udp48(40014, 9986, 0x4448)
    got, d = w.exchange([w.frame(frag(u, 24, 24, False)), w.frame(frag(u, 0, 24, True))])
    return result(got, d, sent=u, pick=is_icmp(3, 3))


@case("frag-pair-echo")
def _(w):
    # An echo request in two fragments gets one echo reply carrying all 64 data bytes.
    e = ip4(HOST, DAEMON, 1, icmp_msg(8, 0, struct.pack("!HH", 0x5A5A, 7), bytes(range(64))), ident=0x4449)
    got, d = w.exchange([w.frame(frag(e, 0, 40, True)), w.frame(frag(e, 40, 32, False))])
    f = result(got, d, pick=is_icmp(0))
    for g in got:
        if is_icmp(0)(g):
            ihl = (g[0] & 15) * 4
            f["echo_data"] = "same" if g[ihl + 8:] == bytes(range(64)) else "different"
    return f


@case("frag-pair-rr")
def _(w):
    # Head with a Record Route option (not copied into other fragments, RFC 791), tail without,
    # in order: reassembled with the head's header (options included) -> 3/3.
    u = _udp48(40015, 9985, 0x444A)
    rr = pad4(rr_opt(7, 4))
    got, d = w.exchange([w.frame(frag(u, 0, 24, True, opts=rr)), w.frame(frag(u, 24, 24, False))])
    return result(got, d, sent=with_opts(u, rr), pick=is_icmp(3, 3))


@case("frag-pair-rr-rev")
def _(w):
    u = _udp48(40016, 9984, 0x444B)
    rr = pad4(rr_opt(7, 4))
    got, d = w.exchange([w.frame(frag(u, 24, 24, False)), w.frame(frag(u, 0, 24, True, opts=rr))])
    return result(got, d, sent=with_opts(u, rr), pick=is_icmp(3, 3))


@case("frag-pair-echo-rr")
def _(w):
    # An echo request fragmented as RFC 791 3.2 (and BSD) does it: Record Route (copy flag 0) only
    # in the head, so the tail has a 20-byte header. Head, then tail: one echo reply, whole data.
    e = ip4(HOST, DAEMON, 1, icmp_msg(8, 0, struct.pack("!HH", 0x5A5B, 8), bytes(range(64))), ident=0x444E)
    rr = pad4(rr_opt(7, 4))
    got, d = w.exchange([w.frame(frag(e, 0, 40, True, opts=rr)), w.frame(frag(e, 40, 32, False))])
    f = result(got, d, pick=is_icmp(0))
    for g in got:
        if is_icmp(0)(g):
            ihl = (g[0] & 15) * 4
            f["echo_data"] = "same" if g[ihl + 8:] == bytes(range(64)) else "different"
    return f


@case("frag-badopt-first")
def _(w):
    # Bad options (RR length 1) in a first fragment (MF, offset 0): 12/0 (R5.4: offset 0 is answered).
    e = ip4(HOST, DAEMON, 1, icmp_msg(8, 0, struct.pack("!HH", 1, 1), bytes(32)), ident=0x444C)
    return one(w, frag(e, 0, 24, True, opts=BAD_OPT), pick=is_icmp(12))


@case("frag-badopt-nonfirst")
def _(w):
    # The same in a non-first fragment (offset 8): nothing (R5.4).
    e = ip4(HOST, DAEMON, 1, icmp_msg(8, 0, struct.pack("!HH", 1, 1), bytes(32)), ident=0x444D)
    return one(w, frag(e, 8, 32, False, opts=BAD_OPT))


@case("bcast-udp")
def _(w):
    # To the subnet broadcast in an Ethernet broadcast frame: no 3/3 (R5.2, R5.3).
    return one(w, udp_dgram(40006, 9994, b"bcast", dst=BCAST), dmac="ff:ff:ff:ff:ff:ff")


@case("bcast-udp-l2unicast")
def _(w):
    # To the subnet broadcast in a frame sent to the daemon's MAC: still none (R5.3).
    return one(w, udp_dgram(40007, 9993, b"bcast", dst=BCAST))


@case("bcast-all-udp")
def _(w):
    return one(w, udp_dgram(40008, 9992, b"bcast", dst="255.255.255.255"), dmac="ff:ff:ff:ff:ff:ff")


@case("l2bcast-udp")
def _(w):
    # Unicast IP destination (ours), closed port, inside an Ethernet broadcast frame: no error (R5.2).
    return one(w, udp_dgram(40009, 9991, b"l2bcast"), dmac="ff:ff:ff:ff:ff:ff")


@case("l2bcast-proto")
def _(w):
    return one(w, ip4(HOST, DAEMON, 253, bytes(20)), dmac="ff:ff:ff:ff:ff:ff")


@case("classe-udp")
def _(w):
    # Source 240.0.0.1 (class E): accepted on input (as Linux), but no 3/3 (R5.6 POLICY).
    return one(w, udp_dgram(40010, 9990, b"class-e", src="240.0.0.1"))


@case("classe-proto")
def _(w):
    return one(w, ip4("240.0.0.1", DAEMON, 253, bytes(20)))


# -- options echoed in replies and errors (R2.5, R5.11)

@case("echo-rr")
def _(w):
    # 9 slots, none used: we record our receive address, the reply records its source.
    dg = with_opts(echo_req(ident=0x5252), pad4(rr_opt(39, 4)))
    return one(w, dg, pick=is_icmp(0))


@case("echo-rr-oneslot")
def _(w):
    # One slot: filled on receive; the reply has no room and goes out as it is.
    dg = with_opts(echo_req(ident=0x5253), pad4(rr_opt(7, 4)))
    return one(w, dg, pick=is_icmp(0))


@case("echo-rr-full")
def _(w):
    dg = with_opts(echo_req(ident=0x5254), pad4(rr_opt(7, 8, ["198.51.100.1"])))
    return one(w, dg, pick=is_icmp(0))


def ts_opt(length, ptr, flag, words=(), ovf=0):
    body = b"".join(words)
    body += b"\0" * (length - 4 - len(body))
    return bytes([OPT_TS, length, ptr, (ovf << 4) | flag]) + body


@case("echo-ts-tsonly")
def _(w):
    dg = with_opts(echo_req(ident=0x5255), ts_opt(40, 5, 0))
    return one(w, dg, pick=is_icmp(0), now_ms=ms_since_midnight_utc())


@case("echo-ts-tsandaddr")
def _(w):
    dg = with_opts(echo_req(ident=0x5256), ts_opt(36, 5, 1))
    return one(w, dg, pick=is_icmp(0), now_ms=ms_since_midnight_utc())


@case("echo-ts-prespec")
def _(w):
    # Prespecified [ours, someone else's, ours]: stamped on receive only (the reply's next
    # address is not ours).
    words = []
    for a in (DAEMON, "198.51.100.7", DAEMON):
        words += [socket.inet_aton(a), b"\0" * 4]
    dg = with_opts(echo_req(ident=0x5257), ts_opt(28, 5, 3, words))
    return one(w, dg, pick=is_icmp(0), now_ms=ms_since_midnight_utc())


@case("echo-ts-prespec2")
def _(w):
    words = []
    for a in (DAEMON, DAEMON):
        words += [socket.inet_aton(a), b"\0" * 4]
    dg = with_opts(echo_req(ident=0x5258), ts_opt(20, 5, 3, words))
    return one(w, dg, pick=is_icmp(0), now_ms=ms_since_midnight_utc())


@case("echo-ts-full")
def _(w):
    # TS tsonly already full, overflow 2: the overflow count goes to 3 (RFC 791), reply sent.
    dg = with_opts(echo_req(ident=0x5259), ts_opt(12, 13, 0, [b"\0\0\0\1", b"\0\0\0\2"], ovf=2))
    return one(w, dg, pick=is_icmp(0))


@case("echo-ts-full-prespec")
def _(w):
    # Same with prespecified addresses (flag 3): RFC 791 and Linux count the overflow for every flag.
    words = [socket.inet_aton("198.51.100.7"), b"\0\0\0\1"]
    dg = with_opts(echo_req(ident=0x525A), ts_opt(12, 13, 3, words, ovf=2))
    return one(w, dg, pick=is_icmp(0))


@case("udp-closed-rr")
def _(w):
    # A port unreachable carries the offender's Record Route rebuilt as for a reply (R5.11).
    dg = with_opts(udp_dgram(40011, 9989, b"rr-offender"), pad4(rr_opt(15, 4)))
    return one(w, dg, pick=is_icmp(3, 3))


@case("udp-closed-ts")
def _(w):
    dg = with_opts(udp_dgram(40012, 9988, b"ts-offender"), ts_opt(12, 5, 0))
    return one(w, dg, pick=is_icmp(3, 3), now_ms=ms_since_midnight_utc())


@case("udp-closed-rr-bad-ts")
def _(w):
    # A valid RR, then a TS with pointer 4: 12/0 pointing at the TS pointer (20 + 11 + 2 = 33),
    # echoing the RR compiled before the fault with our address added (R5.17, Linux icmp_send).
    opts = rr_opt(11, 4) + bytes([OPT_TS, 8, 4, 0]) + b"\0" * 4 + b"\0"
    dg = with_opts(udp_dgram(40013, 9987, b"rr-then-bad-ts"), opts)
    return one(w, dg, pick=is_icmp(12))


@case("udp-closed-eol-junk")
def _(w):
    # Options 00 aa bb cc: the bytes after End of Option List come back as zeros in the quote (R5.16).
    dg = with_opts(udp_dgram(40014, 9986, b"eol-junk"), b"\x00\xaa\xbb\xcc")
    return one(w, dg, pick=is_icmp(3, 3))


# -- rate limiting (§7)

def rl_burst(w, base, gap):
    frames = [w.frame(udp_dgram(41000, base + i, b"rl")) for i in range(100)]
    t0 = time.monotonic()
    got, d = w.exchange(frames, gap=gap)
    el = time.monotonic() - t0
    unr = [g for g in got if is_icmp(3, 3)(g)]
    ports = sorted(struct.unpack("!H", g[(g[0] & 15) * 4 + 8 + 22:(g[0] & 15) * 4 + 8 + 24])[0] for g in unr)
    bad = sum(1 for g in unr if describe(g)["icmpck"] != "ok" or describe(g)["ipck"] != "ok")
    return result(got, d, pick=is_icmp(3, 3), unreach=len(unr), bad=bad, elapsed_ms=int(el * 1000),
                  first_ports=",".join(str(p) for p in ports[:8]) or "-")


@case("rl-burst")
def _(w):
    # 100 UDP datagrams to distinct closed ports, about 1 ms apart (about 100 ms in all).
    return rl_burst(w, 20000, 0.001)


@case("rl-burst-fast")
def _(w):
    # The same, back to back (a few ms in all).
    return rl_burst(w, 21000, 0.0)


@case("rl-one")
def _(w):
    got, d = w.exchange([w.frame(udp_dgram(41001, 30000, b"rl"))])
    return result(got, d, pick=is_icmp(3, 3), unreach=sum(1 for g in got if is_icmp(3, 3)(g)))


def main():
    if len(sys.argv) < 4:
        die("usage: icmp_probe.py IFACE DAEMON_MAC CASE [CASE...]; cases: " + " ".join(sorted(CASES)))
    iface, dmac, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    for n in names:
        if n not in CASES:
            die("unknown case %s" % n)
    w = Wire(iface, dmac)
    for n in names:
        f = CASES[n](w)
        print(n + " " + " ".join("%s=%s" % kv for kv in f.items()), flush=True)


if __name__ == "__main__":
    main()
