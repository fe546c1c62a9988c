#!/usr/bin/env python3
"""bench/report_uring.py: the table of `make bench-uring` (bench/run.sh, BENCH_SUITE=uring).

The plain reflector (read + write per frame, epoll) against build/reflector-uring in its variants:
medians over the repetitions, each variant's ratio to the reflector (and, in the JSON, the median
of the per-repetition ratios). CPU is counted over ALL the responder's threads (io-wq workers
included): the sum of /proc/PID/task/*/schedstat run times over the tapbench run, which
bench/run.sh records as all_threads_ns. Writes OUT/uring.txt and OUT/uring.json and copies both
into the raw directory.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def dig(x, key):
    v = x
    for k in key.split("."):
        v = v.get(k) if isinstance(v, dict) else None
    return v


def per_rep(runs, resp, test, fn):
    out = {}
    for x in runs:
        if x["responder"] == resp and x["test"] == test:
            v = fn(x)
            if v is not None:
                out[x["rep"]] = float(v)
    return out


def med(d):
    return statistics.median(d.values()) if d else None


def paired(a, b):
    rs = [a[r] / b[r] for r in sorted(set(a) & set(b)) if b[r]]
    return statistics.median(rs) if rs else None


def all_us_per_reply(x):
    r = x["r"]
    if "all_threads_ns" not in x or not r.get("replies"):
        return None
    return x["all_threads_ns"] / 1000.0 / r["replies"]


def all_util(x):
    r = x["r"]
    if "all_threads_ns" not in x or not r.get("duration_s"):
        return None
    return 100.0 * x["all_threads_ns"] / 1e9 / r["duration_s"]


def ksoft_us(x):
    r = x["r"]
    if not r.get("replies"):
        return None
    return x.get("ksoftirqd_ns", 0) / 1000.0 / r["replies"]


def nthreads(x):
    t = x.get("threads")
    return len(t.split(",")) if t else None


def frames_per_enter(x):
    m = re.search(r" rx (\d+) .*io_uring_enter (\d+) ", x["r"].get("line", ""))
    if not m or not int(m.group(2)):
        return None
    return int(m.group(1)) / int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--meta", default="")
    a = ap.parse_args()
    runs = load(a.runs)
    names = []
    for x in runs:
        if x["responder"] not in names:
            names.append(x["responder"])
    ref = "reflector"
    if ref not in names:
        print("bench/report_uring.py: no reflector runs", file=sys.stderr)
        return 1
    others = [n for n in names if n != ref]
    cols = [ref] + others

    spec = [  # metric, unit, test, value function, ratio shown
        ("echo flood, replies/s", "pps", "flood", lambda x: x["r"]["replies_per_s"], True),
        ("CPU per reply, echo flood, all threads (schedstat), µs", "us", "flood", all_us_per_reply, True),
        ("CPU per reply, echo flood, utime+stime (whole process), µs", "us", "flood",
         lambda x: x["r"].get("cpu_us_per_reply"), True),
        ("responder core busy per reply, echo flood, µs", "us", "flood",
         lambda x: x["r"].get("core_us_per_reply"), True),
        ("responder threads' CPU, echo flood, %", "pct", "flood", all_util, False),
        ("generator CPU, echo flood, %", "pct", "flood", lambda x: x["r"].get("gen_cpu_util_pct"), False),
        ("ksoftirqd on the responder core per reply, echo flood, µs", "us3", "flood", ksoft_us, False),
        ("CPU per reply at 100 kpps, all threads, µs", "us", "r100k", all_us_per_reply, True),
        ("loss at 100 kpps, %", "pct", "r100k", lambda x: x["r"].get("loss_pct"), False),
        ("CPU per reply at 10 kpps, all threads, µs", "us", "rtt10k", all_us_per_reply, True),
        ("RTT p50 at 10 kpps, µs", "us", "rtt10k", lambda x: dig(x["r"], "rtt_us.p50"), True),
        ("RTT p99 at 10 kpps, µs", "us", "rtt10k", lambda x: dig(x["r"], "rtt_us.p99"), True),
        ("forwarding flood, frames/s", "pps", "fwd_flood", lambda x: x["r"]["replies_per_s"], True),
        ("CPU per frame, forwarding flood, all threads, µs", "us", "fwd_flood", all_us_per_reply, True),
        ("threads of the responder (max seen after a run)", "int", None, nthreads, False),
        ("frames per io_uring_enter, echo flood", "f1", "flood.uring", frames_per_enter, False),
        ("frames per io_uring_enter at 100 kpps", "f1", "r100k.uring", frames_per_enter, False),
        ("frames per io_uring_enter at 10 kpps", "f1", "rtt10k.uring", frames_per_enter, False),
    ]

    def fmt(v, unit):
        if v is None:
            return "-"
        if unit == "pps":
            return f"{v:,.0f}"
        if unit == "us":
            return f"{v:.2f}" if v < 1000 else f"{v:,.0f}"
        if unit == "us3":
            return f"{v:.3f}"
        if unit == "pct":
            return f"{v:.1f}"
        if unit == "int":
            return f"{v:.0f}"
        return f"{v:.1f}"

    rows = []
    for metric, unit, test, fn, show_ratio in spec:
        row = {"metric": metric, "unit": unit, "values": {}, "reps": {}, "ratio": {}, "paired_ratio": {}}
        for n in cols:
            if test is None:  # threads: the maximum over every run of this responder
                vals = [nthreads(x) for x in runs if x["responder"] == n and nthreads(x)]
                row["values"][n] = max(vals) if vals else None
                row["names"] = row.get("names", {})
                row["names"][n] = sorted({t for x in runs if x["responder"] == n and x.get("threads")
                                          for t in x["threads"].split(",")})
                continue
            d = per_rep(runs, n, test, fn)
            row["reps"][n] = d
            row["values"][n] = med(d)
        if show_ratio:
            r0 = row["values"][ref]
            for n in others:
                v = row["values"][n]
                row["ratio"][n] = v / r0 if r0 and v is not None else None
                row["paired_ratio"][n] = paired(row["reps"][n], row["reps"][ref])
        rows.append(row)

    w = max(len(r["metric"]) for r in rows)
    head = f"{'metric':<{w}}  {ref:>12}"
    for n in others:
        head += f"  {n:>14}  {'ratio':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r['metric']:<{w}}  {fmt(r['values'][ref], r['unit']):>12}"
        for n in others:
            rt = r["ratio"].get(n)
            line += f"  {fmt(r['values'][n], r['unit']):>14}  {(f'{rt:.3f}' if rt is not None else ''):>6}"
        lines.append(line)
    lines.append("")
    lines.append("Medians over the repetitions (responders interleaved, order rotating); ratio = variant /")
    lines.append("reflector. 'all threads' = the sum of /proc/PID/task/*/schedstat over the run, io-wq")
    thr = next(r for r in rows if r["unit"] == "int")
    lines.append("workers included; utime+stime is the whole thread group's from /proc/PID/stat. Threads: " +
                 "; ".join(f"{n}: {','.join(thr.get('names', {}).get(n, []))}" for n in cols))
    lines.append(f"Run: {a.meta}")
    table = "\n".join(lines)
    print(table)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "uring.txt"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(a.out, "uring.json"), "w") as f:
        json.dump({"meta": a.meta, "raw": os.path.relpath(a.raw, a.out), "reference": ref,
                   "rows": rows}, f, indent=1, sort_keys=True)
        f.write("\n")
    for name in ("uring.txt", "uring.json"):
        shutil.copy(os.path.join(a.out, name), os.path.join(a.raw, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
