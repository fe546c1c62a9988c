"""diff.py — the probe driver and the comparator of `make diff` (tests/diff/diff.sh builds the worlds).

    diff.py run WORLD --corpus FILE --out DIR --iface IF --amac MAC --rmac MAC [--full]
    diff.py compare --corpus FILE --dir DIR --allow FILE --spec FILE... [--full]

Runs under /usr/bin/python3 (Debian's python3-scapy).

run: in host A's namespace of one world, sends every probe of the corpus in order. Before probe
number i, host A's routes are pointed at a source address of its own for that probe (the pool in
ADDRS[family]['pool']), A's route cache is flushed and one ping from that address makes the router
resolve it; so every probe starts with fresh per-destination state at the router (rate-limit
tokens, redirect backoff, inet_peer), whatever the probes before it did, and the two worlds see
the same probe under the same conditions. The two drivers (one per world) meet at a barrier (files
DIR/barrier/WORLD.i) before each probe, so both worlds are probed at the same moments. The probe
window [t0, t1] (wall clock, the clock of the pcap timestamps) goes to DIR/WORLD.windows, one JSON
object per line.

compare: reads DIR/{tapstack,linux}.windows and the captures DIR/{tapstack,linux}.{a,b}.pcap (A's
link, B's link) and prints one line per probe: `same`, `allowed (RULE)` or `DIFFERENT` and the
fields that differ, then `N passed, M failed`; exits 1 if any probe failed, 2 on a bad allowlist.

Corpus (tests/diff/corpus.txt): one probe per line,
    NAME FAMILY [OPTION...] KIND: PAYLOAD
FAMILY selects the address set (ipv4 now; ipv6 probes add their own set to ADDRS). KIND is `cmd`
(a shell command run in A's namespace, bounded by timeout=SEC) or `scapy` (a Python expression,
evaluated with scapy's names and the addresses, giving a packet or a list of packets; a packet
without an Ethernet layer is framed from A's MAC to the router's). {NAME} in PAYLOAD is replaced by
the address NAME of the family (SRC = this probe's source), or {AMAC}, {RMAC}, {IF}. Options:
wait=SEC (time after the probe for late answers, default 0.3), gap=SEC (between scapy packets,
default 0.02), timeout=SEC (cmd), full (only with FULL=1), arp (compare ARP frames too),
nowarm (no resolving ping before the probe), clientrandom=FIELD,... (fields of A's own datagrams
that the client draws at random, not compared). DIFF_ONLY=PATTERN,... keeps only matching probes.

Comparison: the frames the router sent on A's link (side A) and on B's link (side B) inside the
probe's window, and the datagrams A sent (side S, coarse: destination, protocol, length, TTL,
TOS, DF, fragment), each normalized: addresses are the same in both worlds and compared as they
are; MACs only as
"to A", broadcast or the raw multicast address; checksums and times (ICMP timestamps, TS option
stamps) are excluded; identifiers that A's clients choose (ICMP id, ports, TCP sequence numbers,
A's IP IDs) are expressed relative to the datagram A sent that the answer matches (echoed or not,
the quote as the bytes that differ from that datagram, ack minus the sent sequence number); the
router's IP IDs as a class over the probe (zero, copied, incrementing, random, nonzero for a lone
one).
"""
import fnmatch
import json
import os
import re
import shlex
import socket
import struct
import subprocess
import sys
import time

# Per family: the addresses of the topology and the pool of per-probe sources of host A.
ADDRS = {
    "ipv4": {
        "A": "192.0.2.1", "R0": "192.0.2.2", "R1": "198.51.100.1", "B": "198.51.100.2",
        "BC": "203.0.113.1", "C": "203.0.113.2", "UNR": "203.0.113.200",
        "BCAST": "192.0.2.255", "A2": "192.0.2.9", "NOHOST": "198.51.100.77",
        "PROHIBIT": "203.0.113.230", "BLACKHOLE": "203.0.113.210",
        "pool": ["192.0.2.%d" % i for i in range(10, 250)],
        "gw": "192.0.2.2", "prefix": "192.0.2.0/24", "ip": "ip -4",
    },
}
ADDRS["ipv6"] = {
    "A": "2001:db8:1::1", "R0": "2001:db8:1::2", "R1": "2001:db8:2::1", "B": "2001:db8:2::2",
    "BC": "2001:db8:3::1", "C": "2001:db8:3::2", "UNR": "2001:db8:4::1", "A2": "2001:db8:1::9",
    "NOHOST": "2001:db8:2::77", "PROHIBIT": "2001:db8:5::1", "BLACKHOLE": "2001:db8:6::1",
    "ANYCAST": "2001:db8:1::",
    "pool": ["2001:db8:1::%x" % i for i in range(0x100, 0x1f0)],
    "gw": "2001:db8:1::2", "prefix": "2001:db8:1::/64", "ip": "ip -6",
}
# IPv6 frames are parsed by ip6() and compared by ip6_features(); Neighbor Discovery and MLD
# (whose timing is each kernel's own) only for probes with the option nd.
WORLDS = ("tapstack", "linux")


def die(msg, code=2):
    sys.stderr.write("diff.py: %s\n" % msg)
    sys.exit(code)


# ---------------------------------------------------------------- corpus

class Probe:
    def __init__(self, lineno, name, family, opts, kind, payload):
        self.lineno, self.name, self.family, self.kind, self.payload = lineno, name, family, kind, payload
        self.wait = float(opts.pop("wait", 0.3))
        self.gap = float(opts.pop("gap", 0.02))
        self.timeout = float(opts.pop("timeout", 30))
        self.full = opts.pop("full", None) is not None
        self.arp = opts.pop("arp", None) is not None
        self.nowarm = opts.pop("nowarm", None) is not None
        self.nd = opts.pop("nd", None) is not None
        # fields of A's own datagrams (side S) that the client draws at random (nmap's TTLs)
        self.clientrandom = [f for f in opts.pop("clientrandom", "").split(",") if f]
        if any(not f.startswith("S") for f in self.clientrandom):
            raise ValueError("clientrandom names fields of A's datagrams only (S...)")
        if opts:
            raise ValueError("unknown option(s) %s" % ", ".join(sorted(opts)))


def load_corpus(path, full):
    probes, names = [], set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(\S+)\s+(\S+)\s+((?:[a-z]+(?:=\S+)?\s+)*)(cmd|scapy):\s*(.+)$", line)
            if not m:
                die("%s:%d: not NAME FAMILY [OPTION...] KIND: PAYLOAD" % (path, n))
            name, family, optstr, kind, payload = m.groups()
            if family not in ADDRS:
                die("%s:%d: unknown family %s" % (path, n, family))
            if name in names:
                die("%s:%d: probe %s twice" % (path, n, name))
            names.add(name)
            opts = {}
            for o in optstr.split():
                k, _, v = o.partition("=")
                opts[k] = v
            try:
                p = Probe(n, name, family, opts, kind, payload)
            except ValueError as e:
                die("%s:%d: %s" % (path, n, e))
            if p.full and not full:
                continue
            probes.append(p)
    only = [x for x in os.environ.get("DIFF_ONLY", "").split(",") if x]
    if only:
        probes = [p for p in probes if any(fnmatch.fnmatchcase(p.name, pat) for pat in only)]
    return probes


def expand(text, family, src, extra):
    table = dict(ADDRS[family])
    table["SRC"] = src
    table.update(extra)

    def sub(m):
        k = m.group(1)
        if k not in table or not isinstance(table[k], str):
            raise KeyError(k)
        return table[k]
    return re.sub(r"\{([A-Z][A-Z0-9]*)\}", sub, text)


# ---------------------------------------------------------------- run (the driver)

def sh(cmd, timeout=10):
    return subprocess.run(cmd, shell=True, timeout=timeout, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode


def barrier(bdir, world, i, limit=120.0):
    open(os.path.join(bdir, "%s.%d" % (world, i)), "w").close()
    other = [w for w in WORLDS if w != world][0]
    path = os.path.join(bdir, "%s.%d" % (other, i))
    end = time.time() + limit
    while not os.path.exists(path):
        if time.time() > end:
            die("%s: the other world never reached probe %d" % (world, i))
        time.sleep(0.002)


def cmd_run(args):
    world = args[0]
    opt = parse_opts(args[1:], ("corpus", "out", "iface", "amac", "rmac"), ("full",))
    probes = load_corpus(opt["corpus"], opt["full"])
    out = opt["out"]
    bdir = os.path.join(out, "barrier")
    os.makedirs(bdir, exist_ok=True)
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.all as sc
    env = {k: getattr(sc, k) for k in dir(sc) if not k.startswith("_")}
    env["withopts"] = lambda pkt, hexopts: with_options(sc, pkt, hexopts)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((opt["iface"], 0))
    macs = {"AMAC": opt["amac"], "RMAC": opt["rmac"], "IF": opt["iface"]}
    log = open(os.path.join(out, "%s.clients.log" % world), "w")
    wins = open(os.path.join(out, "%s.windows" % world), "w")
    used = {}   # per family: the sources its probes have taken
    for i, p in enumerate(probes):
        fam = ADDRS[p.family]
        k = used.get(p.family, 0)
        if k >= len(fam["pool"]):
            die("more %s probes than source addresses in the pool" % p.family)
        used[p.family] = k + 1
        src = fam["pool"][k]
        # This probe's source: A's routes say src SRC; the router learns SRC's MAC now.
        sh("%s route replace default via %s dev %s src %s" % (fam["ip"], fam["gw"], opt["iface"], src))
        sh("%s route replace %s dev %s proto kernel scope link src %s" % (fam["ip"], fam["prefix"], opt["iface"], src))
        sh("%s route flush cache" % fam["ip"])
        if not p.nowarm:
            sh("ping -n -q -c 1 -W 1 %s" % fam["R0"], timeout=5)
        time.sleep(0.05)
        barrier(bdir, world, i)
        t0 = time.time()
        try:
            if p.kind == "cmd":
                c = expand(p.payload, p.family, src, macs)
                log.write("### %s: %s\n" % (p.name, c))
                log.flush()
                try:
                    subprocess.run(c, shell=True, timeout=p.timeout, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    log.write("### %s: timed out after %ss\n" % (p.name, p.timeout))
            else:
                e = dict(env)
                e.update({k: v for k, v in fam.items() if isinstance(v, str)})
                e.update(macs)
                e["SRC"] = src
                pkts = eval(expand(p.payload, p.family, src, macs), e)  # noqa: S307 (our corpus)
                if not isinstance(pkts, (list, tuple)):
                    pkts = [pkts]
                for k, pk in enumerate(pkts):
                    if isinstance(pk, sc.Raw):
                        et = 0x86DD if bytes(pk)[0] >> 4 == 6 else 0x0800
                        pk = sc.Ether(src=opt["amac"], dst=opt["rmac"], type=et) / pk
                    elif not pk.haslayer(sc.Ether):
                        pk = sc.Ether(src=opt["amac"], dst=opt["rmac"]) / pk
                    if k:
                        time.sleep(p.gap)
                    sock.send(bytes(pk))
        except Exception as ex:  # a broken probe is reported, the run goes on
            log.write("### %s: error %r\n" % (p.name, ex))
            wins.write(json.dumps({"i": i, "name": p.name, "error": repr(ex)}) + "\n")
            wins.flush()
            continue
        t1 = time.time()
        time.sleep(p.wait)
        t2 = time.time()
        wins.write(json.dumps({"i": i, "name": p.name, "src": src, "t0": t0, "t1": t1, "t2": t2}) + "\n")
        wins.flush()
    barrier(bdir, world, len(probes))
    return 0


def with_options(sc, pkt, hexopts):
    """An IPv4 datagram built by scapy (without options) with exactly the option bytes hexopts
    inserted (a multiple of 4; no padding, no reformatting), header length, total length and
    header checksum fixed: for option layouts scapy would not reproduce byte for byte."""
    b = bytes(pkt)
    o = bytes.fromhex(hexopts.replace(" ", ""))
    if len(o) % 4 or len(o) > 40:
        raise ValueError("options must be a multiple of 4 bytes, at most 40")
    ihl = (b[0] & 15) * 4
    nb = bytearray(b[:ihl] + o + b[ihl:])
    nb[0] = 0x40 | ((ihl + len(o)) // 4)
    nb[2:4] = struct.pack("!H", len(nb))
    nb[10:12] = b"\0\0"
    nb[10:12] = struct.pack("!H", sc.checksum(bytes(nb[:ihl + len(o)])))
    return sc.Raw(bytes(nb))


def parse_opts(args, keys, flags=()):
    opt = {f: False for f in flags}
    it = iter(args)
    for a in it:
        if a.startswith("--") and a[2:] in flags:
            opt[a[2:]] = True
        elif a.startswith("--") and a[2:] in keys:
            v = next(it, None)
            if v is None:
                die("%s needs a value" % a)
            if a[2:] == "spec":
                opt.setdefault("spec", []).append(v)
            else:
                opt[a[2:]] = v
        else:
            die("unknown argument %s" % a)
    for k in keys:
        if k not in opt:
            die("--%s is required" % k)
    return opt


# ---------------------------------------------------------------- pcap reading and parsing

def read_pcap(path):
    from scapy.utils import RawPcapReader
    frames = []
    if not os.path.exists(path):
        return frames
    rd = RawPcapReader(path)
    for data, meta in rd:
        if hasattr(meta, "sec"):
            t = meta.sec + meta.usec / 1e6 if hasattr(meta, "usec") else meta.sec + meta.nsec / 1e9
        else:
            t = meta[0] + meta[1] / 1e6
        frames.append((t, bytes(data)))
    rd.close()
    return frames


def mac(b):
    return ":".join("%02x" % x for x in b)


def ip4(b):
    if len(b) < 20 or b[0] >> 4 != 4:
        return None
    ihl = (b[0] & 15) * 4
    tot = struct.unpack("!H", b[2:4])[0]
    if tot >= 20:
        b = b[:tot]
    fl = struct.unpack("!H", b[6:8])[0]
    return {"raw": b, "ihl": ihl, "tos": b[1], "len": tot, "id": struct.unpack("!H", b[4:6])[0],
            "df": (fl >> 14) & 1, "mf": (fl >> 13) & 1, "off": fl & 0x1FFF, "ttl": b[8], "proto": b[9],
            "src": socket.inet_ntoa(b[12:16]), "dst": socket.inet_ntoa(b[16:20]),
            "opts": b[20:ihl], "pl": b[ihl:]}


def ip6(b):
    """An IPv6 datagram: its fixed header, the chain of extension headers before the upper layer
    (stopping at a non-first fragment), and that layer's bytes."""
    if len(b) < 40 or b[0] >> 4 != 6:
        return None
    plen = struct.unpack("!H", b[4:6])[0]
    if plen:
        b = b[:40 + plen]
    nh, off, chain, frag = b[6], 40, [], None
    while nh in (0, 43, 44, 60) and off + 8 <= len(b):
        chain.append(nh)
        if nh == 44:
            fo = struct.unpack("!H", b[off + 2:off + 4])[0]
            frag = (fo & 0xFFF8, fo & 1, struct.unpack("!I", b[off + 4:off + 8])[0])
            nh, off = b[off], off + 8
            if frag[0]:
                break
        else:
            nh, off = b[off], off + (b[off + 1] + 1) * 8
    return {"raw": b, "tc": ((b[0] & 15) << 4) | (b[1] >> 4), "flow": ((b[1] & 15) << 16) | (b[2] << 8) | b[3],
            "plen": plen, "nh": nh, "chain": chain, "hlim": b[7], "frag": frag, "l4off": off,
            "src": socket.inet_ntop(socket.AF_INET6, b[8:24]), "dst": socket.inet_ntop(socket.AF_INET6, b[24:40]),
            "pl": b[off:]}


ND_MLD = (130, 131, 132, 133, 134, 135, 136, 137, 143)


def nd_about_source(h, win):
    """An NS or NA whose target is the probe's own source address, or an MLD report: the router
    resolving or re-probing host A (its NUD timers, warmed up before the probe) and A's answers,
    or a listener report: background, on each kernel's own clock — never what an nd probe asks."""
    pl = h["pl"]
    if pl[:1] and pl[0] in (130, 131, 132, 143):
        return True
    if len(pl) < 24 or pl[0] not in (135, 136):
        return False
    try:
        return socket.inet_ntop(socket.AF_INET6, pl[8:24]) == win.get("src")
    except ValueError:
        return False


def ll_norm(a):
    """Link-local addresses come from each world's MACs: compared as their kind only."""
    return "link-local" if a.startswith("fe80:") else a


def nd_features(pl, d, ethsrc, amac):
    """An ND message: flags, target, and its options with link-layer addresses as whose they are."""
    ty = pl[0]
    fixed = {133: 8, 134: 16, 135: 24, 136: 24, 137: 40}.get(ty)
    if fixed is None or len(pl) < fixed:
        d["payload"] = pl[4:].hex()
        return
    if ty == 136:
        d["nd.flags"] = "".join(c for c, b in (("R", 0x80), ("S", 0x40), ("O", 0x20)) if pl[4] & b) or "-"
    if ty in (135, 136, 137):
        d["nd.target"] = ll_norm(socket.inet_ntop(socket.AF_INET6, pl[8:24]))
    if ty == 134:
        d["ra.fixed"] = pl[4:16].hex()
    opts, o = [], fixed
    while o + 2 <= len(pl) and pl[o + 1]:
        ot, ol = pl[o], pl[o + 1] * 8
        v = pl[o + 2:o + ol]
        if ot in (1, 2) and len(v) >= 6:
            who = "frame-src" if v[:6] == ethsrc else ("A" if mac(v[:6]) == amac else mac(v[:6]))
            opts.append("%d:%s" % (ot, who))
        elif ot == 14:
            opts.append("14:nonce")
        else:
            opts.append("%d:%s" % (ot, v.hex()))
        o += ol
    d["nd.opts"] = ",".join(opts) or "-"


def ip6_features(h, d, sent6, t, amac=""):
    """Fills d with the normalized fields of IPv6 datagram h; returns its sort key."""
    d.update({"src": ll_norm(h["src"]), "dst": ll_norm(h["dst"]), "hlim": h["hlim"], "tc": "0x%02x" % h["tc"],
              "flow": "zero" if h["flow"] == 0 else "nonzero", "plen": h["plen"],
              "chain": ",".join(str(x) for x in h["chain"]) or "-", "nh": h["nh"]})
    raw = h["raw"]
    # A datagram of A's forwarded by the router: the same bytes but for the hop limit.
    for i, s in enumerate(sent6):
        if s["t"] <= t and s["raw"][:7] == raw[:7] and s["raw"][8:] == raw[8:]:
            d["fwd"] = "sent"
            return (i, 0)
    if h["frag"]:
        d["frag"] = "off %d m %d payload %d" % (h["frag"][0], h["frag"][1], len(h["pl"]))
        if h["frag"][0]:
            return 1 << 29
    pl = h["pl"]
    if h["nh"] == 58 and len(pl) >= 4:
        ty, code = pl[0], pl[1]
        d.update({"type": ty, "code": code})
        if ty in ND_MLD:
            nd_features(pl, d, h.get("ethsrc", b""), amac)
            return 1 << 29
        if ty == 129 and len(pl) >= 8:
            ident, seq = struct.unpack("!HH", pl[4:8])
            k = None
            for i, s in enumerate(sent6):
                sp = s["pl"]
                if s["t"] <= t and s["nh"] == 58 and len(sp) >= 8 and sp[0] == 128 and struct.unpack("!HH", sp[4:8]) == (ident, seq):
                    k = i
            d["echo"] = "matched" if k is not None else "unmatched %d/%d" % (ident, seq)
            if k is not None and not h["frag"]:
                d["data"] = "same" if pl[8:] == sent6[k]["pl"][8:] else "differs"
            return k if k is not None else 1 << 29
        if ty < 128 and len(pl) >= 8:
            d["word"] = pl[4:8].hex()
            q = pl[8:]
            d["qlen"] = len(q)
            k = None
            for i, s in enumerate(sent6):
                if s["t"] <= t and len(q) >= 40 and s["raw"][8:40] == q[8:40] and s["raw"][40:len(q)] == q[40:len(s["raw"])]:
                    k = i
            if k is not None:
                sr = sent6[k]["raw"]
                diff = ["%d:%02x" % (o, q[o]) for o in range(min(len(q), len(sr))) if q[o] != sr[o]]
                if len(q) > len(sr):
                    diff.append("+%d" % (len(q) - len(sr)))
                d["quote"] = " ".join(diff) or "="
            else:
                d["quote"] = q[:64].hex()
            return k if k is not None else 1 << 29
        d["payload"] = pl[4:].hex()
        return 1 << 29
    if h["nh"] == 6 and len(pl) >= 20:
        d.update({"tcp.flags": tcp_flags(pl[13]), "tcp.win": struct.unpack("!H", pl[14:16])[0],
                  "tcp.data": len(pl) - (pl[12] >> 4) * 4})
        return 1 << 29
    if h["nh"] == 17 and len(pl) >= 8:
        d["udp.len"] = len(pl)
        return 1 << 29
    d["payload"] = pl.hex()
    return 1 << 29


def ts_mask(opts, base):
    """Offsets (from the IP header's start; the options begin at base) of the time values a
    Timestamp option holds up to its pointer: they are clock readings, never compared."""
    masked, k = set(), 0
    while k < len(opts):
        t = opts[k]
        if t == 0:
            break
        if t == 1:
            k += 1
            continue
        if k + 1 >= len(opts):
            break
        ln = opts[k + 1]
        if ln < 2 or k + ln > len(opts):
            break
        if t == 68 and ln >= 4:
            ptr, flag = opts[k + 2], opts[k + 3] & 15
            step = 4 if flag == 0 else 8
            first = 4 if flag == 0 else 8
            e = 4
            while e + step <= ln and e < ptr - 1:
                for j in range(e + first - 4, e + first):
                    masked.add(base + k + j)
                e += step
        k += ln
    return masked


def hexmask(b, masked, base=0):
    return "".join(".." if base + i in masked else "%02x" % x for i, x in enumerate(b))


def cks_offsets(h):
    """Offsets of the checksums inside an IPv4 datagram h (parsed): IP header, and the transport's."""
    s = {10, 11}
    i = h["ihl"]
    if h["off"] == 0:
        s |= {17: {i + 6, i + 7}, 6: {i + 16, i + 17}, 1: {i + 2, i + 3}}.get(h["proto"], set())
    return s


def quote_delta(q, sent):
    """The bytes of quote q that differ from the datagram A sent, as "OFFSET:HEX" (checksums and
    timestamp values excluded), plus the count of quoted bytes beyond what was sent."""
    qh = ip4(q) if len(q) >= 20 else None
    masked = cks_offsets(sent)
    if qh:
        masked |= ts_mask(q[20:qh["ihl"]], 20)
    s = sent["raw"]
    out = ["%d:%02x" % (o, q[o]) for o in range(min(len(q), len(s))) if q[o] != s[o] and o not in masked]
    if len(q) > len(s):
        out.append("+%d" % (len(q) - len(s)))
    return " ".join(out) or "="


def masked_quote(q):
    """A quote whose datagram A did not send (or could not be found): its bytes with the IP ID,
    checksums and timestamp values masked."""
    if len(q) < 20:
        return q.hex()
    qh = ip4(q)
    m = {4, 5, 10, 11} | (ts_mask(q[20:qh["ihl"]], 20) if qh else set())
    return hexmask(q, m)


TCPF = "FSRPAUEC"


def tcp_flags(f):
    return "".join(c for i, c in enumerate(TCPF) if f & (1 << i)) or "-"


class Side:
    def __init__(self, name):
        self.name = name
        self.items = []   # (sort key, feature dict)


def describe_world(win, fa, fb, amac, bmac, probe):
    """The normalized frames of one world inside one probe's window."""
    t0, t2 = win["t0"], win["t2"]
    sent, sent6 = [], []
    ans_a, ans_b = [], []
    for t, f in fa:
        if t < t0 or t > t2 or len(f) < 14:
            continue
        et = struct.unpack("!H", f[12:14])[0]
        src = mac(f[6:12])
        if src == amac:
            if et == 0x0800:
                h = ip4(f[14:])
                if h:
                    h["t"] = t
                    sent.append(h)
            elif et == 0x86DD:
                h = ip6(f[14:])
                if h and not (h["nh"] == 58 and h["pl"][:1] and h["pl"][0] in ND_MLD and
                              (not probe.nd or nd_about_source(h, win))):
                    h["t"] = t
                    sent6.append(h)
            continue
        ans_a.append((t, f, et))
    for t, f, in fb:
        if t < t0 or t > t2 or len(f) < 14:
            continue
        et = struct.unpack("!H", f[12:14])[0]
        if mac(f[6:12]) == bmac:
            continue
        ans_b.append((t, f, et))
    feats = []
    for side, lst in (("A", ans_a), ("B", ans_b)):
        for n, (t, f, et) in enumerate(lst):
            d = {"eth": "A" if f[0:6] == bytes.fromhex(amac.replace(":", "")) else
                 ("bcast" if f[0:6] == b"\xff" * 6 else mac(f[0:6]) if f[0] & 1 else "unicast")}
            if side == "B":
                d.pop("eth")
            if et == 0x0806:
                # ARP only for probes about ARP, only on A's link, and only about this probe's
                # source (the router refreshing entries of earlier probes is not this probe's)
                if not probe.arp or side != "A" or len(f) < 42:
                    continue
                a = f[14:42]
                op, sha, spa, tha, tpa = struct.unpack("!H", a[6:8])[0], a[8:14], a[14:18], a[18:24], a[24:28]
                if win["src"] not in (socket.inet_ntoa(spa), socket.inet_ntoa(tpa)):
                    continue
                d.update({"proto": "arp", "op": op, "psrc": socket.inet_ntoa(spa), "pdst": socket.inet_ntoa(tpa),
                          "hwsrc": "frame-src" if sha == f[6:12] else mac(sha),
                          "hwdst": "A" if mac(tha) == amac else mac(tha)})
                feats.append(((side, (1 << 30, 0), n), side, d, None))
                continue
            if et == 0x86DD:
                h6 = ip6(f[14:])
                if not h6:
                    d["ip6"] = "unparsable"
                    feats.append(((side, (1 << 30, 0), n), side, d, None))
                    continue
                # ND and MLD run on each kernel's own timers: compared only where the probe is
                # about them (option nd).
                if h6["nh"] == 58 and h6["pl"][:1] and h6["pl"][0] in ND_MLD and (not probe.nd or nd_about_source(h6, win)):
                    continue
                h6["ethsrc"] = f[6:12]
                k6 = ip6_features(h6, d, sent6, t, amac)
                if not isinstance(k6, tuple):
                    k6 = (k6, 0)
                feats.append(((side, k6, n), side, d, None))
                continue
            if et != 0x0800:
                d.update({"ethertype": "%04x" % et})
                feats.append(((side, (1 << 30, 0), n), side, d, None))
                continue
            h = ip4(f[14:])
            if not h:
                d["ip"] = "unparsable"
                feats.append(((side, (1 << 30, 0), n), side, d, None))
                continue
            key, rel = ip_features(h, d, sent, t)
            if not isinstance(key, tuple):
                key = (key, 0)
            feats.append(((side, key, n), side, d, (h, rel)))
    # IP ID classes: per side, source and protocol, over the probe, for what the router sent
    # (forwarded datagrams say "copied" when they kept A's ID).
    groups = {}
    for _, side, d, hr in feats:
        if hr is None:
            continue
        h, rel = hr
        if rel == "copied":
            d["id"] = "copied"
            continue
        groups.setdefault((side, h["src"], h["proto"]), []).append((d, h["id"], h["mf"] or h["off"]))
    for g in groups.values():
        ids = []
        for _, i, frag in g:   # the fragments of one datagram share its ID: one sample
            if not (frag and ids and ids[-1] == i):
                ids.append(i)
        if all(i == 0 for i in ids):
            cls = "zero"
        elif len(ids) == 1:
            cls = "nonzero"
        elif all(0 < (b - a) % 65536 <= 4096 for a, b in zip(ids, ids[1:])):
            cls = "incrementing"
        else:
            cls = "random"
        for d, _, _ in g:
            d["id"] = cls
    feats.sort(key=lambda x: x[0])
    out = {"A": [], "B": [], "S": []}
    for _, side, d, _ in feats:
        out[side].append(d)
    for h in sent:
        out["S"].append({"dst": h["dst"], "proto": h["proto"], "len": h["len"], "ttl": h["ttl"],
                         "tos": "0x%02x" % h["tos"], "df": h["df"], "mf": h["mf"], "off": h["off"]})
    for h in sent6:
        out["S"].append({"dst": ll_norm(h["dst"]), "nh": h["nh"], "plen": h["plen"], "hlim": h["hlim"],
                         "tc": "0x%02x" % h["tc"], "frag": "-" if not h["frag"] else "%d/%d" % h["frag"][:2]})
    return out


def find_sent(sent, pred, t):
    best = None
    for i, s in enumerate(sent):
        if s["t"] <= t and pred(s):
            best = i
    return best


def ip_features(h, d, sent, t):
    """Fills d with the normalized fields of datagram h; returns (sort key, relation)."""
    masked = ts_mask(h["opts"], 20)
    d.update({"src": h["src"], "dst": h["dst"], "proto": h["proto"], "ttl": h["ttl"], "tos": "0x%02x" % h["tos"],
              "df": h["df"], "mf": h["mf"], "off": h["off"], "len": h["len"],
              "opts": hexmask(h["opts"], masked, 20) or "-"})
    # A datagram of A's forwarded by the router: same source, destination, protocol and ID.
    k = find_sent(sent, lambda s: (s["src"], s["dst"], s["proto"], s["id"]) == (h["src"], h["dst"], h["proto"], h["id"]), t)
    if k is not None:
        # compared with the datagram's whole payload as A sent it (its fragments joined), so a
        # refragmented datagram is checked piece by piece; sorted by where the piece starts
        first = find_sent(sent, lambda s: (s["src"], s["dst"], s["proto"], s["id"], s["off"]) ==
                          (h["src"], h["dst"], h["proto"], h["id"], 0), t)
        spl = reassembled_payload(sent, first) if first is not None else b""
        start = h["off"] * 8
        d["payload"] = "sent" if h["pl"] == spl[start:start + len(h["pl"])] else "changed"
        return (first if first is not None else k, h["off"]), "copied"
    pl = h["pl"]
    if h["off"] or h["mf"]:
        d["frag"] = "payload %d" % len(pl)
        return 1 << 29, None
    if h["proto"] == 1 and len(pl) >= 8:
        ty, code = pl[0], pl[1]
        d.update({"type": ty, "code": code})
        if ty in (0, 14):
            ident, seq = struct.unpack("!HH", pl[4:8])
            req = 8 if ty == 0 else 13
            k = find_sent(sent, lambda s: s["proto"] == 1 and len(s["pl"]) >= 8 and s["pl"][0] == req
                          and s["off"] == 0 and struct.unpack("!HH", s["pl"][4:8]) == (ident, seq), t)
            d["echo"] = "matched" if k is not None else "unmatched %d/%d" % (ident, seq)
            if k is not None and ty == 0:
                # the request's data (reassembled if A fragmented it)
                d["data"] = "same" if pl[8:] == reassembled_payload(sent, k)[8:] else "differs"
            if ty == 14:
                d["ts.len"] = len(pl)
                if len(pl) >= 20:
                    orig, rx, tx = struct.unpack("!III", pl[8:20])
                    d["ts.orig"] = "echoed" if k is not None and sent[k]["pl"][8:12] == pl[8:12] else "%08x" % orig
                    d["ts.rx=tx"] = rx == tx
                    d["ts.std"] = not (rx >> 31)
            return (k if k is not None else 1 << 29), None
        if ty in (3, 4, 5, 11, 12):
            d["word"] = pl[4:8].hex()
            q = pl[8:]
            d["qlen"] = len(q)
            k = None
            if len(q) >= 20:
                qh = ip4(q)
                if qh:
                    k = find_sent(sent, lambda s: (s["src"], s["dst"], s["proto"], s["id"], s["off"]) ==
                                  (qh["src"], qh["dst"], qh["proto"], qh["id"], qh["off"]), t)
            d["quote"] = quote_delta(q, sent[k]) if k is not None else masked_quote(q)
            return (k if k is not None else 1 << 29), None
        d["payload"] = pl[4:].hex()
        return 1 << 29, None
    if h["proto"] == 6 and len(pl) >= 20:
        sp, dp, seq, ack = struct.unpack("!HHII", pl[0:12])
        hl = (pl[12] >> 4) * 4
        fl = pl[13]
        win = struct.unpack("!H", pl[14:16])[0]
        k = find_sent(sent, lambda s: s["proto"] == 6 and s["off"] == 0 and len(s["pl"]) >= 20 and
                      struct.unpack("!HH", s["pl"][0:4]) == (dp, sp), t)
        d.update({"tcp.flags": tcp_flags(fl), "tcp.win": win, "tcp.opts": pl[20:hl].hex() or "-",
                  "tcp.data": len(pl) - hl})
        if k is not None:
            s = sent[k]["pl"]
            sseq, sack = struct.unpack("!II", s[4:12])
            sfl = s[13]
            slen = len(s) - (s[12] >> 4) * 4 + (1 if sfl & 2 else 0) + (1 if sfl & 1 else 0)
            d["tcp.ports"] = "swapped"
            d["tcp.seq"] = "0" if seq == 0 else ("sent ack" if seq == sack else "other")
            d["tcp.ack"] = "-" if not fl & 16 else ack - ((sseq + slen) & 0xFFFFFFFF)
        else:
            d["tcp.ports"] = "unmatched"
        return (k if k is not None else 1 << 29), None
    if h["proto"] == 17 and len(pl) >= 8:
        sp, dp = struct.unpack("!HH", pl[0:4])
        k = find_sent(sent, lambda s: s["proto"] == 17 and s["off"] == 0 and len(s["pl"]) >= 8 and
                      struct.unpack("!HH", s["pl"][0:4]) == (dp, sp), t)
        d["udp.ports"] = "swapped" if k is not None else "unmatched"
        d["udp.len"] = len(pl)
        return (k if k is not None else 1 << 29), None
    d["payload"] = pl.hex()
    return 1 << 29, None


def reassembled_payload(sent, k):
    """The payload of A's datagram whose first fragment is sent[k], its fragments joined."""
    s = sent[k]
    if not s["mf"]:
        return s["pl"]
    parts = {}
    for x in sent:
        if (x["src"], x["dst"], x["id"], x["proto"]) == (s["src"], s["dst"], s["id"], s["proto"]):
            parts[x["off"] * 8] = x["pl"]
    out, pos = b"", 0
    while pos in parts:
        out += parts[pos]
        pos += len(parts[pos])
    return out


# ---------------------------------------------------------------- allowlist and verdicts

def load_allow(path, specs):
    """Entries `PROBE FIELDS RULE why...`; RULE must be a rule the spec marks POLICY: a bullet
    `- RULE ...` carrying **POLICY**, or text following **POLICY**: that starts with RULE, or a
    row `| RULE | ...` of the project's docs/POLICY.md (the POLICY rules it carries for a machine
    without ../shared, and the ones it added)."""
    spec_lines = []
    for sp in specs:
        try:
            with open(sp) as f:
                spec_lines += f.read().splitlines()
        except OSError:
            pass
    entries, bad = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            m = re.match(r"^(\S+)\s+(\S+)\s+(\"[^\"]+\"|\S+)\s+(.+)$", s)
            if not m:
                bad.append("%s:%d: not PROBE FIELDS RULE WHY" % (path, n))
                continue
            probe, fields, rule, why = m.groups()
            rule = rule.strip('"')
            esc = re.escape(rule)
            ok = any(re.match(r"^\s*- " + esc + r"\b.*\*\*POLICY\*\*", ln) or
                     re.search(r"\*\*POLICY\*\*:?\s+" + esc, ln) or
                     re.match(r"^\|\s*" + esc + r"\s*\|", ln) for ln in spec_lines)
            if not ok:
                bad.append("%s:%d: rule '%s' is not marked POLICY in %s; an allowed difference must"
                           " name a POLICY rule of the spec" % (path, n, rule, ", ".join(specs) or "(no spec)"))
                continue
            entries.append({"probe": probe, "fields": fields.split(","), "rule": rule, "line": n, "used": False})
    return entries, bad


def cmd_check_allow(args):
    """Validates the allowlist before any probe is sent, after checking on two made-up entries
    that the validation itself refuses a rule the spec does not mark POLICY and takes one it does."""
    opt = parse_opts(args, ("allow", "spec"))
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as t:
        t.write("probe-a A.count R5.13 not a POLICY rule\nprobe-b A.count R5.6 a POLICY rule\n")
        t.flush()
        ok, bad = load_allow(t.name, opt.get("spec", []))
    if len(bad) != 1 or "R5.13" not in bad[0] or [e["rule"] for e in ok] != ["R5.6"]:
        print("check-allow: the POLICY check of allow.txt entries does not work (spec: %s)" %
              ", ".join(opt.get("spec", [])))
        return 2
    entries, bad = load_allow(opt["allow"], opt.get("spec", []))
    for b in bad:
        print("refused: %s" % b)
    return 2 if bad else 0


def fmt(v):
    return "-" if v is None else str(v)


def diff_sides(t, l):
    """Fields that differ between the two worlds' normalized frames."""
    out = []
    for side in ("A", "B", "S"):
        ta, la = t[side], l[side]
        if len(ta) != len(la):
            out.append("%s.count(%d|%d)" % (side, len(ta), len(la)))
        for n, (x, y) in enumerate(zip(ta, la), 1):
            for k in list(dict.fromkeys(list(x) + list(y))):
                if x.get(k) != y.get(k):
                    out.append("%s%d.%s(%s|%s)" % (side, n, k, fmt(x.get(k)), fmt(y.get(k))))
    return out


def cmd_compare(args):
    opt = parse_opts(args, ("corpus", "dir", "allow", "amac-tapstack", "amac-linux", "bmac-tapstack",
                            "bmac-linux", "spec"), ("full", "verbose"))
    probes = load_corpus(opt["corpus"], opt["full"])
    entries, bad = load_allow(opt["allow"], opt.get("spec", []))
    if bad:
        for b in bad:
            print("refused: %s" % b)
        print("0 passed, %d failed" % len(bad))
        return 2
    d = opt["dir"]
    wins, caps = {}, {}
    for w in WORLDS:
        wins[w] = {}
        with open(os.path.join(d, "%s.windows" % w)) as f:
            for line in f:
                o = json.loads(line)
                wins[w][o["name"]] = o
        caps[w] = (read_pcap(os.path.join(d, "%s.a.pcap" % w)), read_pcap(os.path.join(d, "%s.b.pcap" % w)))
    passed = failed = 0
    width = max([len(p.name) for p in probes] + [10])
    detail = open(os.path.join(d, "diff.details"), "w")
    for p in probes:
        desc = {}
        err = None
        for w in WORLDS:
            win = wins[w].get(p.name)
            if win is None or "error" in win:
                err = "%s: probe not run (%s)" % (w, win.get("error") if win else "no window")
                break
            desc[w] = describe_world(win, caps[w][0], caps[w][1], opt["amac-" + w], opt["bmac-" + w], p)
        if err:
            failed += 1
            print("%-*s  DIFFERENT  %s" % (width, p.name, err))
            continue
        detail.write("## %s\n" % p.name)
        for w in WORLDS:
            for side in ("A", "B", "S"):
                for x in desc[w][side]:
                    detail.write("%s %s %s\n" % (w, side, json.dumps(x, sort_keys=True)))
        fields = [f for f in diff_sides(desc["tapstack"], desc["linux"])
                  if not any(fnmatch.fnmatchcase(f.split("(", 1)[0], pat) for pat in p.clientrandom)]
        if not fields:
            passed += 1
            print("%-*s  same" % (width, p.name))
            continue
        rules = []
        uncovered = []
        for fl in fields:
            name = fl.split("(", 1)[0]
            hit = None
            for e in entries:
                if e["probe"] == p.name and any(fnmatch.fnmatchcase(name, pat) for pat in e["fields"]):
                    hit = e
                    break
            if hit:
                hit["used"] = True
                if hit["rule"] not in rules:
                    rules.append(hit["rule"])
            else:
                uncovered.append(fl)
        if not uncovered:
            passed += 1
            print("%-*s  allowed (%s)  %s" % (width, p.name, ", ".join(rules), " ".join(fields)))
        else:
            failed += 1
            print("%-*s  DIFFERENT  %s" % (width, p.name, " ".join(uncovered)))
    names = {p.name for p in probes}
    for e in entries:
        if not e["used"] and e["probe"] in names:
            print("# note: allow.txt:%d (%s, %s) matched no difference in this run" % (e["line"], e["probe"], e["rule"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main():
    if len(sys.argv) < 2:
        die(__doc__.split("\n\n")[1])
    if sys.argv[1] == "run" and len(sys.argv) > 2 and sys.argv[2] in WORLDS:
        return cmd_run(sys.argv[2:])
    if sys.argv[1] == "check-allow":
        return cmd_check_allow(sys.argv[2:])
    if sys.argv[1] == "compare":
        return cmd_compare(sys.argv[2:])
    if sys.argv[1] == "list":
        for p in load_corpus(sys.argv[2], len(sys.argv) > 3):
            print(p.name, p.family, p.kind, shlex.quote(p.payload))
        return 0
    die("usage: diff.py run WORLD ... | compare ... | list CORPUS [full]")


if __name__ == "__main__":
    sys.exit(main())
