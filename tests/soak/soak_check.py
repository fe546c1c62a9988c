#!/usr/bin/python3
"""tests/soak/soak_check.py — the soak test's verdicts (issue #7 part 4), from files soak.sh wrote.

  phase DIR NAME SECONDS WARMUP RSS_LIMIT_KB
      Reads DIR/stats.json, DIR/daemon.json (`tapstackctl stats --json`, `daemon --json`, taken
      with the traffic stopped), DIR/rss.txt ("SECONDS KB" per sample), the generators' JSON
      (DIR/udp.json, frags.json, junk.json), the ping/traceroute/control logs, and prints one line
      per check: "ok   - NAME: check: detail" or "FAIL - NAME: check: detail". Writes
      DIR/summary.json for the table.
  table FILE[=RESULT]...
      The summary table of the phases (RESULT: the phase's verdict, soak.sh's to give).

The counter identities are derived from the code (stack_input, eth_input, arp_input, ip4_input,
ip4_forward, ip4_reasm, the transport inputs and the event loop's TAP I/O):

  [eth]  EthInFrames = EthInIfaceDown + EthInTruncated + EthInOtherHost + EthInUnknownType
                     + ArpInErrors + ArpInRequests + ArpInReplies + IpInReceives
  [ip]   IpInReceives = IpInHdrErrors + IpInTruncatedPkts + IpInMartianSrc + IpInSrcRouteDrops
                      + (IpInAddrErrors + IpInNoRoutes + IpForwBlackholed + IpForwProhibited
                         + IpForwSrcRouteFailed + IpForwDatagrams)           forward outcomes
                      + IpReasmReqds                                       fragments for us
                      + IpInDelivers + IpInUnknownProtos - IpReasmOKs      whole datagrams for us
         (IpInCsumErrors is inside IpInHdrErrors, as IpInDiscards is inside IpReasmReqds, and
         IpFragFails of a DF datagram inside IpForwDatagrams; IpInHdrErrors also holds the TTL
         expiries of the forward path and the bad source routes answered with 12/0)
  [l4]   IpInDelivers = IcmpInMsgs
                      + UdpInDatagrams + UdpNoPorts + UdpIgnoredMulti + UdpInErrors
                      + TCP segments, where TcpInSegs <= TCP segments <= TcpInSegs + TcpInNoReset
         (UDP as Linux counts: InDatagrams and InErrors are disjoint, InErrors holds InCsumErrors
         and RcvbufErrors; one UDP socket is bound during the soak and gets no broadcast, so no
         datagram is copied to several sockets. TCP: tcp_input counts every segment in TcpInSegs
         except one that came in an L2 broadcast or multicast frame, which only TcpInNoReset
         counts; TcpInNoReset also counts segments already in TcpInSegs, hence a range.)
  [rx]   sum(rx_frames) = EthInFrames + sum(rx_nobuf) + sum(rx_toobig)
  [tx]   EthOutFrames = sum(tx_frames + tx_drop + tx_link_down + tx_err)   (transmit queue empty)
  [arp]  ArpInRequests + ArpInReplies >= ArpInBadSender + ArpInConflicts + ArpInOtherTarget
         + ArpOutReplies (a learned reply has no counter), ArpInOtherTarget + ArpOutReplies <=
         ArpInRequests (ArpOutReplies counts only answers: our own requests go out through arp_send)
  [reasm] 2 * IpReasmOKs + IpReasmFails <= IpReasmReqds  (a datagram takes two fragments or more;
         every failure consumes at least one fragment of its own), and IpReasmTimeout,
         IpReasmOverlaps <= IpReasmFails.
"""
import json
import os
import re
import sys

ETH_TERMS = ["EthInIfaceDown", "EthInTruncated", "EthInOtherHost", "EthInUnknownType",
             "ArpInErrors", "ArpInRequests", "ArpInReplies", "IpInReceives"]
IP_DROP_TERMS = ["IpInHdrErrors", "IpInTruncatedPkts", "IpInMartianSrc", "IpInSrcRouteDrops"]
IP_FWD_TERMS = ["IpInAddrErrors", "IpInNoRoutes", "IpForwBlackholed", "IpForwProhibited",
                "IpForwSrcRouteFailed", "IpForwDatagrams"]
IP_LOCAL_TERMS = [("IpReasmReqds", 1), ("IpInDelivers", 1), ("IpInUnknownProtos", 1),
                  ("IpReasmOKs", -1)]
# UDP: one outcome per datagram, as Linux counts them: delivered (InDatagrams), no socket (NoPorts),
# broadcast nobody wanted (IgnoredMulti), or dropped (InErrors, which holds InCsumErrors and
# RcvbufErrors).
L4_EXACT = ["IcmpInMsgs", "UdpInDatagrams", "UdpNoPorts", "UdpIgnoredMulti", "UdpInErrors"]

results = []


def check(phase, name, ok, detail):
    results.append((bool(ok), name, detail))
    print("%s - %s: %s: %s" % ("ok  " if ok else "FAIL", phase, name, detail), flush=True)


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def identity(phase, name, c, lhs, terms):
    """Checks c[lhs] == sum(sign * c[term]); terms: [(counter, sign)]."""
    missing = [t for t, _ in terms + [(lhs, 1)] if t not in c]
    if missing:
        check(phase, name, False, "counter(s) missing from stats --json: %s" % ", ".join(missing))
        return
    rhs = sum(sign * c[t] for t, sign in terms)
    shown = " ".join("%s%s=%d" % ("+" if sign > 0 else "-", t, c[t]) for t, sign in terms)
    diff = c[lhs] - rhs
    hint = ""
    if diff:
        hint = "; %d %s" % (abs(diff), "unaccounted for" if diff > 0 else "counted twice")
        same = sorted(k for k, v in c.items() if v == abs(diff) and k != lhs)
        if same:
            hint += " (the difference equals %s)" % ", ".join(same)
    check(phase, name, diff == 0, "%s=%d vs %d (%s)%s" % (lhs, c[lhs], rhs, shown.lstrip("+"), hint))


def ping_totals(text):
    tx = rx = runs = 0
    for m in re.finditer(r"^(\d+) packets transmitted, (\d+) received", text, re.M):
        tx += int(m.group(1))
        rx += int(m.group(2))
        runs += 1
    return tx, rx, runs


def phase(d, name, seconds, warmup, rss_limit_kb):
    seconds, warmup, rss_limit_kb = float(seconds), float(warmup), int(rss_limit_kb)
    c = load_json(os.path.join(d, "stats.json"))
    dj = load_json(os.path.join(d, "daemon.json"))
    summary = {"phase": name, "seconds": seconds}
    if not isinstance(c, dict):
        check(name, "stats --json", False, "no usable stats.json")
        c = {}
    if not isinstance(dj, dict):
        check(name, "daemon --json", False, "no usable daemon.json")
        dj = {"ifaces": []}

    # ---- counter identities
    if c:
        identity(name, "identity [eth]", c, "EthInFrames", [(t, 1) for t in ETH_TERMS])
        # Issue 13's conservation: every frame read has exactly one counted fate.
        identity(name, "identity [fate]", c, "EthInFrames",
                 [(t, 1) for t in ("RxAnswered", "RxForwarded", "RxDelivered", "RxHeld", "RxDropped")])
        check(name, "no frame without a fate", c.get("RxUnaccounted", 0) == 0,
              "RxUnaccounted=%d" % c.get("RxUnaccounted", 0))
        identity(name, "identity [ip]", c, "IpInReceives",
                 [(t, 1) for t in IP_DROP_TERMS + IP_FWD_TERMS] + IP_LOCAL_TERMS)
        need = ["IpInDelivers", "TcpInSegs", "TcpInNoReset"] + L4_EXACT
        if all(k in c for k in need):
            rest = sum(c[k] for k in L4_EXACT)
            tcp = c["IpInDelivers"] - rest
            lo, hi = c["TcpInSegs"], c["TcpInSegs"] + c["TcpInNoReset"]
            detail = "IpInDelivers=%d; %s = %d leaves %d for TCP, expected TcpInSegs..TcpInSegs+TcpInNoReset = %d..%d" % (
                c["IpInDelivers"], "+".join("%s=%d" % (k, c[k]) for k in L4_EXACT), rest, tcp, lo, hi)
            if tcp < lo:
                twice = lo - tcp
                same = sorted(k for k, v in c.items() if v == twice)
                detail += "; %d datagram(s) counted twice%s" % (
                    twice, " (the difference equals %s)" % ", ".join(same) if same else "")
            elif tcp > hi:
                detail += "; %d datagram(s) unaccounted for" % (tcp - hi)
            check(name, "identity [l4]", lo <= tcp <= hi, detail)
        else:
            check(name, "identity [l4]", False, "counter(s) missing: %s" % ", ".join(k for k in need if k not in c))
        ifs = dj.get("ifaces", [])
        s = lambda k: sum(int(i.get(k, 0)) for i in ifs)
        if ifs and "EthInFrames" in c:
            rx, want = s("rx_frames"), c["EthInFrames"] + s("rx_nobuf") + s("rx_toobig")
            check(name, "identity [rx]", rx == want,
                  "sum(rx_frames)=%d vs EthInFrames+rx_nobuf+rx_toobig=%d+%d+%d" %
                  (rx, c["EthInFrames"], s("rx_nobuf"), s("rx_toobig")))
            tx = s("tx_frames") + s("tx_drop") + s("tx_link_down") + s("tx_err")
            check(name, "identity [tx]", tx == c.get("EthOutFrames", -1),
                  "EthOutFrames=%d vs tx_frames+tx_drop+tx_link_down+tx_err=%d+%d+%d+%d" %
                  (c.get("EthOutFrames", -1), s("tx_frames"), s("tx_drop"), s("tx_link_down"), s("tx_err")))
            summary["rx_nobuf"] = s("rx_nobuf")
            summary["tx_drop"] = s("tx_drop")
        else:
            check(name, "identity [rx]/[tx]", False, "no interfaces in daemon --json")
        g = lambda k: c.get(k, 0)
        # Every valid request or reply ends one way; only the replies that teach us something
        # have no counter of their own.
        arp_out = g("ArpInBadSender") + g("ArpInConflicts") + g("ArpInOtherTarget") + g("ArpOutReplies")
        check(name, "ARP bounds", g("ArpInRequests") + g("ArpInReplies") >= arp_out and
              g("ArpInOtherTarget") + g("ArpOutReplies") <= g("ArpInRequests"),
              "ArpInRequests+ArpInReplies=%d >= BadSender+Conflicts+OtherTarget+OutReplies=%d; "
              "OtherTarget+OutReplies=%d <= ArpInRequests" % (
                  g("ArpInRequests") + g("ArpInReplies"), arp_out, g("ArpInOtherTarget") + g("ArpOutReplies")))
        ok = (2 * g("IpReasmOKs") + g("IpReasmFails") <= g("IpReasmReqds") and
              g("IpReasmTimeout") <= g("IpReasmFails") and g("IpReasmOverlaps") <= g("IpReasmFails") and
              g("IpInCsumErrors") <= g("IpInHdrErrors"))
        check(name, "reassembly bounds", ok,
              "Reqds=%d OKs=%d Fails=%d Timeout=%d Overlaps=%d" % (
                  g("IpReasmReqds"), g("IpReasmOKs"), g("IpReasmFails"), g("IpReasmTimeout"), g("IpReasmOverlaps")))

    # ---- the traffic did what it should
    g = lambda k: c.get(k, 0)
    echo = read(os.path.join(d, "echo.log"))
    tx, rx, runs = ping_totals(echo)
    loss = 100.0 * (tx - rx) / tx if tx else 100.0
    check(name, "echo flood", runs > 0 and rx > 0 and loss <= 5.0,
          "%d run(s), %d sent, %d replies, %.2f%% loss (limit 5%%)" % (runs, tx, rx, loss))
    summary["flood_sent"], summary["flood_replies"] = tx, rx
    fwd = read(os.path.join(d, "fwd.log"))
    ftx, frx, fruns = ping_totals(fwd)
    floss = 100.0 * (ftx - frx) / ftx if ftx else 100.0
    check(name, "forwarded flood to 203.0.113.2", fruns > 0 and frx > 0 and floss <= 5.0,
          "%d run(s), %d sent, %d replies, %.2f%% loss (limit 5%%)" % (fruns, ftx, frx, floss))
    big = read(os.path.join(d, "frag.log"))
    btx, brx, bruns = ping_totals(big)
    check(name, "ping -s 4000 (reassembly, forwarded fragments)", bruns > 0 and brx > 0 and brx >= 0.9 * btx,
          "%d run(s), %d sent, %d replies" % (bruns, btx, brx))
    check(name, "reassembly exercised", g("IpReasmOKs") > 0 and g("IpReasmTimeout") > 0 and
          g("IpReasmOverlaps") > 0 and g("IpFragCreates") > 0,
          "IpReasmOKs=%d IpReasmTimeout=%d IpReasmOverlaps=%d IpFragCreates=%d" % (
              g("IpReasmOKs"), g("IpReasmTimeout"), g("IpReasmOverlaps"), g("IpFragCreates")))
    tr = read(os.path.join(d, "trace.log"))
    good = len(re.findall(r"^TRACE ok", tr, re.M))
    bad = len(re.findall(r"^TRACE bad", tr, re.M))
    check(name, "traceroute through the daemon", good >= 1,
          "%d run(s) with hops 192.0.2.2, 198.51.100.2, 203.0.113.2; %d other (a '*' is a rate-limited 11/0)" % (good, bad))

    u = load_json(os.path.join(d, "udp.json"), {})
    if u:
        el = float(u.get("elapsed", 0))
        cap = 6 + int(el) + 2  # burst of 6, then one per icmp_ratelimit (1 s), as ICMP-SPEC §7
        floor = max(1, int(0.75 * el))  # ... and not much fewer: the limiter is not stricter
        other = {k: v for k, v in u.get("by", {}).items() if k != "3/3"}
        errs = int(u.get("errors", 0))
        check(name, "UDP to closed ports: errors rate limited", u.get("sent", 0) > 0 and floor <= errs <= cap and not other,
              "%d datagrams in %.0f s, %d port unreachable(s) back (%d..%d expected)%s" % (
                  u.get("sent", 0), el, errs, floor, cap, "; other errors: %s" % other if other else ""))
        summary["udp_sent"], summary["udp_errors"] = u.get("sent", 0), errs
    else:
        check(name, "UDP to closed ports", False, "the prober left no result")
    f = load_json(os.path.join(d, "frags.json"), {})
    j = load_json(os.path.join(d, "junk.json"), {})
    check(name, "fragment and junk generators ran", bool(f) and bool(j) and f.get("frames", 0) > 0 and j.get("frames", 0) > 0,
          "frags: %s frames %s; junk: %s frames" % (f.get("frames"), f.get("events"), j.get("frames")))

    ctl = read(os.path.join(d, "ctl.log"))
    runs = {}
    for m in re.finditer(r"^CTL (\S+) rc=(\d+)", ctl, re.M):
        r = runs.setdefault(m.group(1), [0, 0])
        r[0] += 1
        r[1] += m.group(2) != "0"
    nonping_fail = {k: v[1] for k, v in runs.items() if not k.startswith("ping") and v[1]}
    ping_ok = sum(v[0] - v[1] for k, v in runs.items() if k.startswith("ping"))
    check(name, "control commands", bool(runs) and not nonping_fail and ping_ok >= 1,
          "%d command(s) run (%s); failures: %s; tapstackctl pings ok: %d" % (
              sum(v[0] for v in runs.values()), ", ".join(sorted(runs)), nonping_fail or "none", ping_ok))

    # ---- RSS
    samples = []
    for line in read(os.path.join(d, "rss.txt")).splitlines():
        p = line.split()
        if len(p) == 2:
            samples.append((float(p[0]), int(p[1])))
    after = [kb for t, kb in samples if t >= warmup]
    summary["rss_samples"] = len(samples)
    if after:
        summary["rss_min_kb"], summary["rss_max_kb"] = min(after), max(after)
    if rss_limit_kb >= 0:
        ok = len(after) >= 2 and max(after) - min(after) <= rss_limit_kb
        check(name, "RSS flat after %.0f s warm-up" % warmup, ok,
              "%d sample(s) after warm-up, min %s KiB, max %s KiB, growth %s KiB (limit %d KiB)" % (
                  len(after), min(after) if after else "-", max(after) if after else "-",
                  max(after) - min(after) if after else "-", rss_limit_kb))

    errors_sent = sum(c.get("IcmpMsgOutType%d" % t, 0) for t in (3, 4, 5, 11, 12))
    summary.update({
        "frames_in": g("EthInFrames"), "frames_out": g("EthOutFrames"), "echo_replies": g("IcmpMsgOutType0"),
        "errors_sent": errors_sent, "rate_limited": g("IcmpOutRateLimitHost") + g("IcmpOutRateLimitGlobal") + g("IcmpOutRateLimitRoute"),
        "forwarded": g("IpForwDatagrams"), "reasm_ok": g("IpReasmOKs"),
        "checks_passed": sum(1 for r in results if r[0]), "checks_failed": sum(1 for r in results if not r[0]),
    })
    with open(os.path.join(d, "summary.json"), "w") as fh:
        json.dump(summary, fh, sort_keys=True)
    return 0 if all(r[0] for r in results) else 1


def table(files):
    rows = []
    for arg in files:
        path, _, result = arg.partition("=")
        r = load_json(path, {})
        r.setdefault("phase", os.path.basename(os.path.dirname(path)))  # a phase that ended early
        if result:
            r["result"] = result
        rows.append(r)
    cols = [("phase", "phase", "%s"), ("seconds", "secs", "%.0f"), ("frames_in", "frames in", "%s"),
            ("echo_replies", "echo replies", "%s"), ("errors_sent", "errors sent", "%s"),
            ("rate_limited", "rate-limited", "%s"), ("forwarded", "forwarded", "%s"),
            ("rss_min_kb", "RSS min KiB", "%s"), ("rss_max_kb", "RSS max KiB", "%s"), ("result", "result", "%s")]
    cells = [[h for _, h, _ in cols]]
    for r in rows:
        line = []
        for k, _, fmt in cols:
            v = r.get(k)
            line.append("-" if v is None else fmt % v)
        cells.append(line)
    w = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    for n, row in enumerate(cells):
        print("  ".join(x.rjust(w[i]) if i not in (0, len(cols) - 1) else x.ljust(w[i]) for i, x in enumerate(row)))
        if n == 0:
            print("  ".join("-" * x for x in w))


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "phase":
        return phase(*sys.argv[2:7])
    if len(sys.argv) >= 2 and sys.argv[1] == "table":
        table(sys.argv[2:])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
