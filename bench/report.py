#!/usr/bin/env python3
"""bench/report.py: the table of bench/run.sh from its raw runs (runs.jsonl).

Medians over the repetitions for each responder, ratios of tapstackd to the reflector from the
same run, the targets of issue #6. Writes OUT/latest.txt, OUT/latest.json, OUT/latency.dat and
OUT/latency.png (gnuplot, when installed), and copies the first two into the raw directory.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    return runs


def per_rep(runs, responder, test, key):
    """{rep: value} of r[key] (dotted path) for one responder and test (last run of a rep wins)."""
    out = {}
    for x in runs:
        if x["responder"] != responder or x["test"] != test:
            continue
        v = x["r"]
        for k in key.split("."):
            v = v.get(k) if isinstance(v, dict) else None
        if v is not None:
            out[x["rep"]] = float(v)
    return out


def med(d):
    return statistics.median(d.values()) if d else None


def paired_ratio(a, b):
    reps = sorted(set(a) & set(b))
    rs = [a[r] / b[r] for r in reps if b[r]]
    return statistics.median(rs) if rs else None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if unit == "pps":
        return f"{v:,.0f}"
    if unit == "us":
        return f"{v:.2f}"
    if unit == "MiB":
        return f"{v:.2f}"
    return f"{v:g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--meta", default="")
    a = ap.parse_args()
    runs = load(a.runs)
    R, T = "reflector", "tapstackd"

    rows = []  # (name, unit, refl, td, ratio, paired, target_text, ok)

    def cmp_row(name, unit, test, key, op, target):
        r = per_rep(runs, R, test, key)
        t = per_rep(runs, T, test, key)
        mr, mt = med(r), med(t)
        ratio = mt / mr if mr and mt is not None else None
        ok = None if ratio is None or op is None else (ratio >= target if op == ">=" else ratio <= target)
        rows.append({"metric": name, "unit": unit, "reflector": mr, "tapstackd": mt, "ratio": ratio,
                     "paired_ratio": paired_ratio(t, r), "target": f"{op} {target}x" if op else "",
                     "ok": ok, "reflector_reps": r, "tapstackd_reps": t})

    cmp_row("echo flood, replies/s", "pps", "flood", "replies_per_s", ">=", 0.95)
    cmp_row("highest echo rate with < 1% loss, pps", "pps", "max_sustained", "rate", ">=", 0.95)
    cmp_row("CPU per reply, echo flood (utime+stime), µs", "us", "flood", "cpu_us_per_reply", "<=", 1.1)
    cmp_row("CPU per reply, echo flood (schedstat), µs", "us", "flood", "sched_us_per_reply", None, 0)
    cmp_row("CPU per reply at 10 kpps (utime+stime), µs", "us", "rtt10k", "cpu_us_per_reply", None, 0)
    cmp_row("RTT p50 at 10 kpps, µs", "us", "rtt10k", "rtt_us.p50", None, 0)
    cmp_row("RTT p99 at 10 kpps, µs", "us", "rtt10k", "rtt_us.p99", None, 0)
    # Both responders up at once, tapbench alternating between them in 1 s windows: the target
    # is judged here, where the machine's drift between runs cancels out (bench/run.sh).
    cmp_row("RTT p50 at 10 kpps, alternating 1 s windows, µs", "us", "rtt_alt", "rtt_us.p50", "<=", 1.1)
    cmp_row("RTT p99 at 10 kpps, alternating 1 s windows, µs", "us", "rtt_alt", "rtt_us.p99", None, 0)
    cmp_row("CPU per reply at 10 kpps, alternating windows (schedstat), µs", "us", "rtt_alt",
            "sched_us_per_reply", None, 0)
    cmp_row("forwarding flood, frames/s", "pps", "fwd_flood", "replies_per_s", ">=", 0.9)

    # echo under a closed-port UDP flood: loaded against unloaded, the two runs back to back
    # (flood_unloaded; runs before it had none: their echo_suite flood). tapstackd is judged; the
    # reflector (--echo-only: reads the probes and drops them) shows what the reads alone cost.
    def udp_row(who, name, target):
        un = per_rep(runs, who, "flood_unloaded", "replies_per_s") or per_rep(runs, who, "flood", "replies_per_s")
        lo = per_rep(runs, who, "flood_udp", "replies_per_s")
        if not lo:
            return
        bg = per_rep(runs, who, "flood_udp", "bg_sent")
        bgf = per_rep(runs, who, "flood_udp", "send_fail_bg")
        bg = {k: bg[k] - bgf.get(k, 0) for k in bg}  # probes the TAP queue took
        du = per_rep(runs, who, "flood_udp", "duration_s")
        bg_rate = med({k: bg[k] / du[k] for k in bg if du.get(k)})
        ratio = med(lo) / med(un) if med(un) and med(lo) is not None else None
        rows.append({"metric": name.format(rate=fmt(bg_rate, "pps")), "unit": "pps",
                     "reflector": med(un), "tapstackd": med(lo), "ratio": ratio,
                     "paired_ratio": paired_ratio(lo, un), "target": ">= 0.9x" if target else "",
                     "ok": None if ratio is None or not target else ratio >= 0.9,
                     "reflector_reps": un, "tapstackd_reps": lo,
                     "columns": f"{who} unloaded | {who} loaded"})

    udp_row(T, "echo flood under {rate} pps closed-port UDP, replies/s (tapstackd back to back: "
               "unloaded | loaded)", True)
    udp_row(R, "  the same for the reflector --echo-only (reads and drops the probes): unloaded | "
               "loaded", False)

    # IPv6 (issue 14): the echo flood against the reflector answering ICMPv6 echo, and tapstackd's
    # IPv6 rate against its own IPv4 rate on the same dual-stack daemon, the two runs back to back.
    cmp_row("IPv6 echo flood, replies/s", "pps", "flood6", "replies_per_s", ">=", 0.95)
    # IPv6 forwarding (issue 15): through tapstackd -F against the reflector's forward mode.
    cmp_row("IPv6 forwarding flood, frames/s", "pps", "fwd6_flood", "replies_per_s", ">=", 0.9)
    # The responder's own CPU per reply: steadier than the rates on a shared machine.
    cmp_row("CPU per reply, IPv6 echo flood (schedstat), µs", "us", "flood6", "sched_us_per_reply", None, 0)
    v4 = per_rep(runs, T, "flood46_v4", "replies_per_s")
    v6 = per_rep(runs, T, "flood6", "replies_per_s")
    if v4 and v6:
        ratio = med(v6) / med(v4) if med(v4) else None
        rows.append({"metric": "tapstackd dual stack, echo flood IPv4 | IPv6 back to back, replies/s",
                     "unit": "pps", "reflector": med(v4), "tapstackd": med(v6), "ratio": ratio,
                     "paired_ratio": paired_ratio(v6, v4), "target": ">= 0.95x",
                     "ok": None if ratio is None else ratio >= 0.95,
                     "reflector_reps": v4, "tapstackd_reps": v6, "columns": "tapstackd IPv4 | tapstackd IPv6"})
        c4 = per_rep(runs, T, "flood46_v4", "sched_us_per_reply")
        c6 = per_rep(runs, T, "flood6", "sched_us_per_reply")
        if c4 and c6:
            rows.append({"metric": "  its CPU per reply (schedstat), IPv4 | IPv6, µs", "unit": "us",
                         "reflector": med(c4), "tapstackd": med(c6),
                         "ratio": med(c6) / med(c4) if med(c4) else None, "paired_ratio": paired_ratio(c6, c4),
                         "target": "", "ok": None, "reflector_reps": c4, "tapstackd_reps": c6,
                         "columns": "tapstackd IPv4 | tapstackd IPv6"})

    rss = per_rep(runs, T, "rss", "vmrss_kib")
    hwm = per_rep(runs, T, "rss", "vmhwm_kib")
    mx = max(hwm.values()) / 1024 if hwm else None
    rows.append({"metric": "tapstackd VmRSS | VmHWM (max over reps), MiB", "unit": "MiB",
                 "reflector": med(rss) / 1024 if rss else None, "tapstackd": mx, "ratio": None,
                 "paired_ratio": None, "target": "<= 8 MiB", "ok": None if mx is None else mx <= 8,
                 "columns": "VmRSS median | VmHWM max"})

    alloc = [x["r"] for x in runs if x["test"] == "allocs"]
    al = alloc[-1] if alloc else {}
    app = al.get("allocs_per_packet")
    rows.append({"metric": "heap allocations per packet (steady-state echo flood)", "unit": "",
                 "reflector": None, "tapstackd": app, "ratio": None, "paired_ratio": None,
                 "target": "0", "ok": None if app is None else app == 0, "detail": al})

    # --- table
    lines = []
    w = max(len(r["metric"]) for r in rows)
    head = f"{'metric':<{w}}  {'reflector':>12}  {'tapstackd':>12}  {'ratio':>6}  {'target':>9}  result"
    lines.append(head)
    lines.append("-" * len(head))
    for r in rows:
        u = r["unit"]
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else ""
        res = "" if r["ok"] is None else ("ok" if r["ok"] else "MISSED")
        refl = fmt(r["reflector"], u) if r["reflector"] is not None else "-"
        tdv = r["tapstackd"]
        td = f"{tdv:.6f}".rstrip("0").rstrip(".") if u == "" and tdv is not None else fmt(tdv, u)
        lines.append(f"{r['metric']:<{w}}  {refl:>12}  {td:>12}  {ratio:>6}  {r['target']:>9}  {res}")
    lines.append("")
    lines.append("Medians over the repetitions (the alternating rows: over the windows); ratio = tapstackd")
    lines.append("median / reflector median (the UDP rows: loaded / unloaded of the one responder; the dual")
    lines.append("stack row: tapstackd IPv6 / tapstackd IPv4; the RSS")
    lines.append("row: VmRSS median | VmHWM max). Per-rep values and paired ratios are in latest.json.")
    if al.get("during_flood"):
        lines.append(f"Allocation counts during {al.get('packets')} packets: {al['during_flood']}; "
                     f"at start-up: {al.get('startup')}")
    lines.append(f"Run: {a.meta}")
    table = "\n".join(lines)
    print(table)

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.txt"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump({"meta": a.meta, "raw": os.path.relpath(a.raw, a.out), "rows": rows}, f, indent=1,
                  sort_keys=True)
        f.write("\n")

    # --- latency against offered load
    dat = os.path.join(a.out, "latency.dat")
    with open(dat, "w") as f:
        for resp in (R, T):
            f.write(f"# {resp}: offered_pps p50_us p99_us loss_pct\n")
            pts = []
            for x in runs:
                if x["responder"] == resp and x["test"] in ("rtt10k", "paced", "search"):
                    r = x["r"]
                    pts.append((r["rate"], r["rtt_us"]["p50"], r["rtt_us"]["p99"], r["loss_pct"]))
            for p in sorted(pts):
                f.write(f"{p[0]:.0f} {p[1]:.3f} {p[2]:.3f} {p[3]:.4f}\n")
            f.write("\n\n")
    if shutil.which("gnuplot"):
        png = os.path.join(a.out, "latency.png")
        gp = f"""
set terminal pngcairo size 1000,700 noenhanced
set output '{png}'
set multiplot layout 2,1 title 'Echo RTT against offered load (98-byte frames; one point per run; hollow: >= 1% loss)'
set logscale y
set grid
set key top left
set xlabel 'offered load, kpps'
set ylabel 'RTT p50, µs'
plot '{dat}' index 0 using ($1/1000):($4<1?$2:1/0) with points pt 7 lc rgb '#1f77b4' title 'reflector', \\
     '{dat}' index 0 using ($1/1000):($4>=1?$2:1/0) with points pt 6 lc rgb '#1f77b4' notitle, \\
     '{dat}' index 1 using ($1/1000):($4<1?$2:1/0) with points pt 5 lc rgb '#d62728' title 'tapstackd', \\
     '{dat}' index 1 using ($1/1000):($4>=1?$2:1/0) with points pt 4 lc rgb '#d62728' notitle
set ylabel 'RTT p99, µs'
plot '{dat}' index 0 using ($1/1000):($4<1?$3:1/0) with points pt 7 lc rgb '#1f77b4' title 'reflector', \\
     '{dat}' index 0 using ($1/1000):($4>=1?$3:1/0) with points pt 6 lc rgb '#1f77b4' notitle, \\
     '{dat}' index 1 using ($1/1000):($4<1?$3:1/0) with points pt 5 lc rgb '#d62728' title 'tapstackd', \\
     '{dat}' index 1 using ($1/1000):($4>=1?$3:1/0) with points pt 4 lc rgb '#d62728' notitle
unset multiplot
"""
        rc = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
        if rc.returncode != 0:
            print(f"bench/report.py: gnuplot failed: {rc.stderr.strip()}", file=sys.stderr)
    for name in ("latest.txt", "latest.json"):
        shutil.copy(os.path.join(a.out, name), os.path.join(a.raw, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
