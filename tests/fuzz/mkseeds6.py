#!/usr/bin/python3
"""tests/fuzz/mkseeds6.py — writes the IPv6 seeds (tests/fuzz/seeds/ipv6_*.bin) for fuzz_stack.c.

The seeds are committed; this script is how they were made (run it again after changing it:
`/usr/bin/python3 tests/fuzz/mkseeds6.py`). Addresses are those of the fuzz target's setup:
tap0 02:00:00:00:00:02, 2001:db8:1::2/64, fe80::ff:fe00:2; tap1 02:00:00:00:01:01, 2001:db8:2::1/64;
the known neighbour 2001:db8:1::1 at 02:00:00:00:09:01. Each record is described in fuzz_stack.c.
"""
import itertools
import os
import struct
import sys

from scapy.layers.inet import UDP
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6MLQuery, ICMPv6MLQuery2,
                                ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6ND_Redirect,
                                ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRedirectedHdr,
                                ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, ICMPv6PacketTooBig,
                                ICMPv6ParamProblem, ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, HBHOptUnknown,
                                PadN, RouterAlert)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

US0 = "02:00:00:00:00:02"
US1 = "02:00:00:00:01:01"
PEER = "02:00:00:00:09:01"
RTR = "02:00:00:00:09:fe"
OUR = "2001:db8:1::2"
OUR1 = "2001:db8:2::1"
OUR_LL = "fe80::ff:fe00:2"
PEER6 = "2001:db8:1::1"
RTR_LL = "fe80::9:fe"


def frame(pkt, ifx=0):
    b = bytes(pkt)
    return bytes([0, ifx]) + struct.pack(">H", len(b)) + b


def clock(ms):
    """Record 1 (as many as ms needs: one moves the clock at most 65535 ms)."""
    out = b""
    while ms > 0:
        step = min(ms, 65535)
        out += bytes([1]) + struct.pack(">H", step)
        ms -= step
    return out


def flood(pkt, count4, ifx=0):
    """Record 4: the frame 4 x count4 times from new sources."""
    b = bytes(pkt)
    return bytes([4, count4, ifx]) + struct.pack(">H", len(b)) + b


def e(dst_mac=US0, src_mac=PEER):
    return Ether(dst=dst_mac, src=src_mac)


def echo(dst=OUR, src=PEER6, dmac=US0, data=b"x" * 56, **kw):
    return e(dmac) / IPv6(src=src, dst=dst, **kw) / ICMPv6EchoRequest(id=0x1234, seq=1, data=data)


def opt(t, n=2):
    return HBHOptUnknown(otype=t, optdata=b"\0" * n)


SEEDS = {}

# --- echo (§3) ---
SEEDS["echo"] = (frame(echo()) + frame(echo(dst=OUR_LL, src="fe80::9:1")) +
                 frame(echo(dst="ff02::1", dmac="33:33:00:00:00:01")) +
                 frame(echo(dst=OUR1, src="2001:db8:2::9"), ifx=1) + frame(echo(data=b"y" * 1400)) +
                 frame(echo(dst="2001:db8:99::1")))            # not ours, not forwarding

# --- Neighbor Discovery (§6) ---
sn = "ff02::1:ff00:2"
snmac = "33:33:ff:00:00:02"
ns = ICMPv6ND_NS(tgt=OUR)
SEEDS["nd_ns"] = (
    frame(e(snmac) / IPv6(src="2001:db8:1::7", dst=sn, hlim=255) / ns / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:09:07")) +
    frame(e(snmac) / IPv6(src="::", dst=sn, hlim=255) / ns) +                               # DAD probe for ours
    frame(e(snmac) / IPv6(src="2001:db8:1::7", dst=sn, hlim=254) / ns / ICMPv6NDOptSrcLLAddr(lladdr=PEER)) +
    frame(e(snmac) / IPv6(src="2001:db8:1::7", dst=sn, hlim=255) / ns / Raw(b"\x01\x00" + b"\0" * 6)) +  # option length 0
    frame(e(snmac) / IPv6(src="::", dst=sn, hlim=255) / ns / ICMPv6NDOptSrcLLAddr(lladdr=PEER)) +     # DAD with SLLAO
    frame(e() / IPv6(src=PEER6, dst=OUR, hlim=255) / ICMPv6ND_NS(tgt="ff02::1")) +           # multicast target
    clock(1500) + clock(6000) + clock(40000))                                                # NUD: DELAY, PROBE, gone
SEEDS["nd_na"] = (
    frame(e("33:33:00:00:00:01") / IPv6(src=PEER6, dst="ff02::1", hlim=255) /
          ICMPv6ND_NA(tgt=PEER6, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:09:77")) +
    frame(e() / IPv6(src=PEER6, dst=OUR, hlim=255) / ICMPv6ND_NA(tgt=PEER6, R=1, S=1, O=0)) +
    frame(e("33:33:00:00:00:01") / IPv6(src=PEER6, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=PEER6, S=1)) +  # S to mcast
    frame(e() / IPv6(src=PEER6, dst=OUR, hlim=254) / ICMPv6ND_NA(tgt=PEER6, S=1)) +
    frame(e() / IPv6(src=PEER6, dst=OUR, hlim=255) / ICMPv6ND_NA(tgt=OUR, O=1) / ICMPv6NDOptDstLLAddr(lladdr=PEER)) +
    frame(e() / IPv6(src=PEER6, dst=OUR, hlim=255) / ICMPv6ND_NA(tgt=PEER6, R=0, S=1, O=1) / Raw(b"\x02\x00\0\0\0\0\0\0")))
# Collisions on a valid address (ignored, V6.6) and another host's DAD for a new one.
SEEDS["nd_dad"] = (
    frame(e("33:33:00:00:00:01") / IPv6(src="2001:db8:1::77", dst="ff02::1", hlim=255) /
          ICMPv6ND_NA(tgt="2001:db8:1::77", O=1) / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:09:66")) +
    frame(e("33:33:ff:00:00:77") / IPv6(src="::", dst="ff02::1:ff00:77", hlim=255) / ICMPv6ND_NS(tgt="2001:db8:1::77")) +
    clock(3000))

ra = (e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=255) /
      ICMPv6ND_RA(chlim=32, routerlifetime=1800, reachabletime=20000, retranstimer=500) /
      ICMPv6NDOptSrcLLAddr(lladdr=RTR) / ICMPv6NDOptMTU(mtu=1400) /
      ICMPv6NDOptPrefixInfo(prefix="2001:db8:5::", prefixlen=64, L=1, A=1, validlifetime=600, preferredlifetime=300) /
      ICMPv6NDOptPrefixInfo(prefix="2001:db8:6::", prefixlen=48, L=1, A=1, validlifetime=60, preferredlifetime=60))
SEEDS["nd_ra"] = (frame(ra) + clock(2000) + frame(echo(dst=OUR, src="2001:db8:77::1")) +   # via the default router
                  frame(e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=255) /
                        ICMPv6ND_RA(routerlifetime=0) /
                        ICMPv6NDOptPrefixInfo(prefix="2001:db8:5::", prefixlen=64, validlifetime=10, preferredlifetime=5)) +
                  frame(e("33:33:00:00:00:01", RTR) / IPv6(src="2001:db8:1::fe", dst="ff02::1", hlim=255) / ICMPv6ND_RA()) +
                  frame(e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA() /
                        ICMPv6NDOptMTU(mtu=1000) / ICMPv6NDOptPrefixInfo(prefix="fe80::", prefixlen=64)) +
                  clock(60000) + clock(60000))
# RA flood: 4 x 16 routers with the same PIO (bounded at 16 routers).
SEEDS["nd_ra_flood"] = flood(ra, 16) + clock(5000)
# Many RAs each with a new prefix (bounded at 16 prefixes, 16 SLAAC addresses).
raf = b""
for k in range(24):
    raf += frame(e("33:33:00:00:00:01", RTR) / IPv6(src="fe80::9:%x" % (k + 1), dst="ff02::1", hlim=255) /
                 ICMPv6ND_RA(routerlifetime=600) /
                 ICMPv6NDOptPrefixInfo(prefix="2001:db8:%x::" % (0x100 + k), prefixlen=64, L=1, A=1,
                                       validlifetime=600, preferredlifetime=600))
SEEDS["nd_ra_prefixes"] = raf + clock(3000)
SEEDS["nd_ns_flood"] = flood(e(snmac) / IPv6(src="2001:db8:1::100", dst=sn, hlim=255) / ns /
                             ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:09:07"), 80) + clock(2000)
SEEDS["nd_unresolved_flood"] = flood(echo(src="2001:db8:1::200"), 40) + clock(1000) + clock(3000)
SEEDS["nd_redirect"] = (frame(ra) + frame(
    e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst=OUR, hlim=255) /
    ICMPv6ND_Redirect(tgt="fe80::9:1", dst="2001:db8:77::1") / ICMPv6NDOptDstLLAddr(lladdr=PEER) /
    ICMPv6NDOptRedirectedHdr(pkt=bytes(IPv6(src=OUR, dst="2001:db8:77::1") / UDP(sport=5000, dport=9)))))

# --- MLD (§7) ---
hbh_ra = IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(otype=1, optdata=b"")])
mq1 = e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=1) / hbh_ra / ICMPv6MLQuery(mrd=1000)
mq2 = e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=1) / hbh_ra / ICMPv6MLQuery2(mrd=1000)
mqs = (e(snmac, RTR) / IPv6(src=RTR_LL, dst=sn, hlim=1) / hbh_ra / ICMPv6MLQuery2(mladdr=sn, mrd=100))
SEEDS["mld"] = (frame(mq2) + clock(1200) + frame(mq1) + clock(1200) + frame(mqs) + clock(500) +
                frame(e("33:33:00:00:00:01", RTR) / IPv6(src="2001:db8:1::fe", dst="ff02::1", hlim=1) / hbh_ra /
                      ICMPv6MLQuery()) + clock(300000))
SEEDS["mld_flood"] = flood(mq2, 64) + clock(1000) + flood(mq1, 16) + clock(1000)

# --- fragments (§9) ---
def echo_l4(n, dst=OUR, ident=1):
    """An echo request's ICMPv6 bytes (checksum right for PEER6 -> dst), n data bytes."""
    return bytes(IPv6(src=PEER6, dst=dst) / ICMPv6EchoRequest(id=ident, seq=1, data=bytes(i & 255 for i in range(n))))[40:]


def split(l4, sizes, fid, dst=OUR):
    """Fragments of l4 (an upper-layer message): pieces of the given sizes (multiples of 8 but the last)."""
    out, off = [], 0
    for k, n in enumerate(sizes):
        last = k == len(sizes) - 1
        piece = l4[off:] if last else l4[off:off + n]
        out.append(fr(off // 8, 0 if last else 1, piece, fid=fid, dst=dst))
        off += n
    return out


def fr(off, m, data, fid=0x99, nh=58, pre=None, dst=OUR):
    ip = IPv6(src=PEER6, dst=dst)
    if pre is not None:
        ip = ip / pre
    return e() / ip / IPv6ExtHdrFragment(offset=off, m=m, id=fid, nh=nh) / Raw(data)


echo_hdr = echo_l4(0)[:8]
SEEDS["frag"] = (b"".join(frame(f) for f in split(echo_l4(3000, ident=7), [1232, 1232, 0], 0x77)) +  # in order
                 b"".join(frame(f) for f in reversed(split(echo_l4(2000, ident=8), [1024, 0], 0x78))) +  # last first
                 b"".join(frame(f) for f in split(echo_l4(60, ident=9), [16, 16, 16, 0], 0x79)) +
                 frame(fr(0, 1, echo_hdr + b"a" * 8)) + frame(fr(1, 1, b"b" * 16)) + frame(fr(2, 0, b"c" * 8)) +
                 frame(fr(0, 0, echo_hdr, fid=5)))                              # atomic
SEEDS["frag_overlap"] = (frame(fr(0, 1, echo_hdr + b"a" * 24, fid=1)) + frame(fr(2, 1, b"b" * 24, fid=1)) +
                         frame(fr(3, 0, b"c" * 8, fid=1)) +
                         frame(fr(0, 1, echo_hdr + b"a" * 8, fid=2)) + frame(fr(0, 1, echo_hdr + b"a" * 8, fid=2)) +  # duplicate
                         frame(fr(1, 0, b"x" * 8, fid=2)) + frame(fr(1, 0, b"x" * 16, fid=2)) +                      # two lasts
                         frame(fr(4, 0, b"q" * 8, fid=3)) + frame(fr(1, 1, b"q" * 8, fid=3)) + frame(fr(0, 1, b"q" * 8, fid=3)))
SEEDS["frag_tiny"] = (frame(fr(0, 1, b"\x80", fid=4)) + frame(fr(0, 1, b"", fid=4)) + frame(fr(1, 1, b"abc", fid=4)) +
                      frame(fr(1, 0, b"", fid=4)) + clock(61000))                                                   # expiry: 3/1
# RFC 7112: the header chain runs past the first fragment.
long_dst = bytes(IPv6ExtHdrDestOpt(nh=58, options=[PadN(otype=1, optdata=b"\0" * 60)]))
SEEDS["frag_7112"] = (frame(fr(0, 1, long_dst[:16], fid=6, nh=60)) + frame(fr(2, 0, long_dst[16:] + echo_hdr, fid=6)) +
                      frame(fr(0, 1, long_dst + echo_hdr[:4] + b"\0" * 4, fid=7, nh=60)) +
                      frame(fr(0, 1, b"\0" * 8, fid=8, nh=6)) + frame(fr(0, 1, b"\0" * 8, fid=9, nh=59)))
SEEDS["frag_65535"] = (frame(fr(0, 1, echo_hdr + b"a" * 8, fid=10)) + frame(fr(8190, 0, b"o" * 40, fid=10)) +
                       frame(fr(8191, 1, b"p" * 8, fid=11)) + frame(fr(8189, 0, b"a" * 24, fid=12)) +
                       frame(fr(0, 1, echo_hdr + b"a" * 8, fid=13)) + frame(fr(8180, 0, b"p" * 80, fid=13)))
# Fragments whose unfragmentable parts differ: the first with a Destination Options header before
# its Fragment header, the second without, and the other way round.
dopt = IPv6ExtHdrDestOpt(options=[PadN(otype=1, optdata=b"\0" * 4)])
big_do = IPv6ExtHdrDestOpt(options=[PadN(otype=1, optdata=b"\0" * 252)] * 4)
SEEDS["frag_unfrag"] = (frame(fr(0, 1, echo_hdr + b"a" * 8, fid=14, pre=dopt)) + frame(fr(2, 0, b"b" * 8, fid=14)) +
                        frame(fr(0, 1, echo_hdr + b"a" * 8, fid=15, pre=big_do)) + frame(fr(2, 0, b"b" * 1000, fid=15)) +
                        frame(fr(0, 1, echo_hdr + b"a" * 8, fid=16)) + frame(fr(2, 0, b"b" * 8, fid=16, pre=big_do)))
SEEDS["frag_flood"] = flood(fr(0, 1, echo_hdr + b"f" * 1008, fid=0x4242), 64) + clock(2000) + clock(61000)
mcast = e("33:33:00:00:00:01") / IPv6(src=PEER6, dst="ff02::1")
SEEDS["frag_mcast"] = (frame(mcast / IPv6ExtHdrFragment(offset=0, m=1, id=17, nh=58) / Raw(echo_hdr + b"a" * 8)) +
                       frame(mcast / IPv6ExtHdrFragment(offset=2, m=0, id=17, nh=58) / Raw(b"b" * 8)))

# --- extension-header chains (§1) with each option action ---
chains = b""
for t in (0x1e, 0x5e, 0x9e, 0xde, 0x05, 0xc2, 0x01):       # skip, discard, 4/2, 4/2 unless mcast, RA, jumbo, PadN
    for hdr in (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt):
        for dst, dmac in ((OUR, US0), ("ff02::1", "33:33:00:00:00:01")):
            p = e(dmac) / IPv6(src=PEER6, dst=dst) / hdr(options=[opt(t)]) / ICMPv6EchoRequest(data=b"o" * 8)
            chains += frame(p)
order = [IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(), IPv6ExtHdrRouting(type=4, segleft=0),
         IPv6ExtHdrFragment(offset=0, m=0, id=9), IPv6ExtHdrDestOpt()]
for n in range(1, 6):
    for perm in itertools.permutations(range(5), n):
        if len(chains) > 60000:
            break
        p = IPv6(src=PEER6, dst=OUR)
        for i in perm:
            p = p / order[i].copy()
        chains += frame(e() / p / ICMPv6EchoRequest(data=b"c" * 8))
SEEDS["ext_chains"] = chains
SEEDS["ext_many"] = (frame(e() / IPv6(src=PEER6, dst=OUR) / IPv6ExtHdrDestOpt(options=[opt(0x1e)] * 9) / ICMPv6EchoRequest()) +
                     frame(e() / IPv6(src=PEER6, dst=OUR) / IPv6ExtHdrHopByHop(options=[opt(0x1e)] * 9) / ICMPv6EchoRequest()) +
                     frame(e() / IPv6(src=PEER6, dst=OUR) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest()) +
                     frame(e() / IPv6(src=PEER6, dst=OUR, nh=0) / Raw(b"\x3a\x05" + b"\x01\x2a" + b"\0" * 42)) +   # option past the header
                     frame(e() / IPv6(src=PEER6, dst=OUR, nh=60) / Raw(b"\x3a\x00\x1e\x04" + b"\0" * 4)) +          # option past the end
                     frame(e() / IPv6(src=PEER6, dst=OUR) / IPv6ExtHdrDestOpt(nh=200) / Raw(b"\0" * 8)) +              # unknown next header
                     frame(e() / IPv6(src=PEER6, dst=OUR, plen=200) / ICMPv6EchoRequest()) +                           # truncated
                     frame(e() / IPv6(src=PEER6, dst=OUR, nh=59) / Raw(b"\0" * 8)))
rh = b""
for rtype in (0, 1, 2, 3, 4, 253):
    for sl in (0, 1, 2):
        r = IPv6ExtHdrRouting(type=rtype, segleft=sl, addresses=["2001:db8:1::33"])
        rh += frame(e() / IPv6(src=PEER6, dst=OUR) / r / ICMPv6EchoRequest(data=b"r" * 8))
        rh += frame(e("33:33:00:00:00:01") / IPv6(src=PEER6, dst="ff02::1") / r.copy() / ICMPv6EchoRequest())
SEEDS["routing"] = rh

# --- ICMPv6 errors (§10) quoting garbage, and UDP ---
inner_ok = bytes(IPv6(src=OUR, dst=PEER6) / UDP(sport=5000, dport=33434) / Raw(b"q" * 16))
inner_rf = bytes(IPv6(src=OUR, dst=PEER6) / UDP(sport=40000, dport=9))
err = b""
for q in (inner_ok, inner_rf, inner_ok[:40], inner_ok[:44], b"\x60" + bytes((i * 37 + 11) & 255 for i in range(60)), b"\xff" * 8, b"", inner_ok[:7]):
    for msg in (ICMPv6DestUnreach(code=4), ICMPv6DestUnreach(code=1), ICMPv6PacketTooBig(mtu=1300),
                ICMPv6PacketTooBig(mtu=1000), ICMPv6TimeExceeded(), ICMPv6ParamProblem(code=1, ptr=6)):
        err += frame(e() / IPv6(src=PEER6, dst=OUR) / msg / Raw(q))
SEEDS["errors"] = err + frame(e() / IPv6(src=PEER6, dst=OUR) / Raw(b"\x01\x04\0\0\0\0\0\0" + inner_ok) ) + clock(700000)
SEEDS["udp"] = (frame(e() / IPv6(src=PEER6, dst=OUR) / UDP(sport=1234, dport=7) / Raw(b"hello")) +
                frame(e() / IPv6(src=PEER6, dst=OUR) / UDP(sport=1234, dport=9) / Raw(b"hello")) +
                frame(e() / IPv6(src=PEER6, dst=OUR) / UDP(sport=1234, dport=5001) / Raw(b"closed")) +
                frame(e() / IPv6(src=PEER6, dst=OUR) / UDP(sport=1234, dport=5000, chksum=0) / Raw(b"zero")) +
                frame(e("33:33:00:00:00:01") / IPv6(src=PEER6, dst="ff02::1") / UDP(sport=1, dport=5001)) +
                frame(e() / IPv6(src=PEER6, dst=OUR) / UDP(sport=1234, dport=7) / Raw(b"u" * 3000)))
ctl = [b"ping -c 2 2001:db8:1::1", b"ping -c 1 -s 3000 2001:db8:1::1", b"ping -6 -c 1 fe80::9:1%tap0",
       b"udp send [2001:db8:1::1]:9 hi", b"neigh", b"route", b"route cache", b"addr", b"stats"]
SEEDS["ctl"] = b"".join(bytes([2, len(c)]) + c for c in ctl) + clock(1500) + clock(3000)


def ctl(line):
    return bytes([2, len(line)]) + line


# --- forwarding on (§8), router solicitations processed (V6.13) ---
def fwd(dst, hlim=64, src=PEER6, n=56, smac=PEER):
    return frame(e(US0, smac) / IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6EchoRequest(data=b"f" * n))


SEEDS["forward"] = (ctl(b"sysctl net.ipv6.conf.all.forwarding=1") +
                    fwd("2001:db8:2::9") + fwd("2001:db8:2::9", hlim=1) + fwd("2001:db8:2::9", n=1400) +
                    fwd("2001:db8:2::9", src="fe80::9:1") + fwd("2001:db8:1::77") + fwd("2001:db8:99::1") +
                    fwd("2001:db8:2::9", src="::") +
                    frame(e("33:33:00:00:00:02") / IPv6(src="fe80::9:1", dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
                          ICMPv6NDOptSrcLLAddr(lladdr=PEER)) +
                    frame(e() / IPv6(src="fe80::9:1", dst=OUR_LL, hlim=255) / ICMPv6ND_RS() /
                          ICMPv6NDOptSrcLLAddr(lladdr=PEER)) +
                    frame(e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=600)) +
                    clock(1500) + clock(3000) + ctl(b"sysctl net.ipv6.conf.all.forwarding=0") + fwd("2001:db8:2::9"))
# --- DAD of a SLAAC address fails (V6.9); a short-lived SLAAC address expires (its group left) ---
slaac5 = "2001:db8:5::ff:fe00:2"   # EUI-64 of 02:00:00:00:00:02
SEEDS["nd_dad_slaac"] = (
    frame(e("33:33:00:00:00:01", RTR) / IPv6(src=RTR_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=0) /
          ICMPv6NDOptPrefixInfo(prefix="2001:db8:5::", prefixlen=64, L=0, A=1, validlifetime=600, preferredlifetime=600) /
          ICMPv6NDOptPrefixInfo(prefix="2001:db8:7::", prefixlen=64, L=1, A=1, validlifetime=5, preferredlifetime=3)) +
    frame(e("33:33:00:00:00:01") / IPv6(src=slaac5, dst="ff02::1", hlim=255) /
          ICMPv6ND_NA(tgt=slaac5, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:09:55")) +
    clock(3000) + clock(10000) + clock(3000))

out = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "seeds")
for name, data in SEEDS.items():
    with open(os.path.join(out, "ipv6_%s.bin" % name), "wb") as fh:
        fh.write(data)
print("%d seeds written to %s" % (len(SEEDS), out))
