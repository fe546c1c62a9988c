"""stats_cmp.py TEXT JSON: checks `tapstackctl stats` (NAME VALUE lines) against `stats --json`
(one object of non-negative integers). Exit 0 when they hold the same counters with the same
values, 3 when they differ (the caller may retry), 1 when either is malformed."""
import json
import sys


def main():
    text = {}
    with open(sys.argv[1]) as fh:
        for n, line in enumerate(fh, 1):
            f = line.split()
            if len(f) != 2 or not f[1].isdigit():
                print("stats line %d is not 'NAME VALUE': %r" % (n, line))
                return 1
            if f[0] in text:
                print("stats prints %s twice" % f[0])
                return 1
            text[f[0]] = int(f[1])
    with open(sys.argv[2]) as fh:
        raw = fh.read()
    try:
        js = json.loads(raw)
    except ValueError as e:
        print("stats --json is not JSON (%s): %r" % (e, raw[:200]))
        return 1
    if not isinstance(js, dict):
        print("stats --json is not one JSON object")
        return 1
    bad = [k for k, v in js.items() if type(v) is not int or v < 0]
    if bad:
        print("non-integer values in stats --json: %s" % bad[:5])
        return 1
    for need in ("IpInReceives", "IcmpInMsgs", "IcmpOutMsgs", "IcmpInErrors",
                 "IcmpMsgInType8", "IcmpMsgOutType0"):
        if need not in js:
            print("stats --json lacks %s" % need)
            return 1
    if text != js:
        only_t = sorted(set(text) - set(js))
        only_j = sorted(set(js) - set(text))
        diff = sorted(k for k in set(text) & set(js) if text[k] != js[k])
        print("text and JSON differ: text-only=%s json-only=%s values=%s"
              % (only_t[:5], only_j[:5], [(k, text[k], js[k]) for k in diff[:5]]))
        return 3
    print("%d counters agree" % len(js))
    return 0


sys.exit(main())
