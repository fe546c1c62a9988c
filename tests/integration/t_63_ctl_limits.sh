#!/usr/bin/env bash
# The control socket's limits (issue 11):
#  - 64 slow clients, each sending one byte a second (every slot held, and once every byte reset
#    the idle timer, so they held it forever): each is dropped 5 s after it connected, so
#    `tapstackctl stats` works again within 7 s, while they keep trickling;
#  - a 4096-byte command line (the documented limit) reaches the interpreter (`stats` followed by
#    spaces and a word: its usage error, not "too long"); 4097 bytes are refused by tapstackctl;
#  - a control byte in an argument is never echoed raw (the reply shows \x1b);
#  - a netns name holding a newline is refused at start-up (exit 2), not printed raw;
#  - tapstackctl reads at most 16 MiB of reply: a fake daemon that sends without end gets exit 1
#    and one line, not an ever-growing client.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

# ---- slow clients ----
"$PY" - "$CTL" "$TMP/slow.ready" <<'PYEOF' &
import socket, sys, time
socks = []
for i in range(64):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
open(sys.argv[2], "w").write("%d\n" % len(socks))
end = time.time() + 10
while time.time() < end:
    for s in socks:
        try:
            s.send(b"s")
        except OSError:
            pass
    time.sleep(1)
PYEOF
slow=$!
for i in $(seq 1 40); do [ -s "$TMP/slow.ready" ] && break; sleep 0.05; done
[ -s "$TMP/slow.ready" ] || fail "the slow clients did not connect"
t0=$(date +%s%N)
ok=0
for i in $(seq 1 40); do
	if ctl stats >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.2
done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
kill "$slow" 2>/dev/null; wait "$slow" 2>/dev/null
expect_eq "tapstackctl stats succeeds while 64 slow clients trickle bytes" 1 "$ok"
expect_range "ms until it did (the slow clients dropped 5 s after they connected)" 0 7000 "$ms"

# ---- line limit ----
pad=$(head -c 4089 /dev/zero | tr '\0' ' ')
out=$(ctl stats "${pad}x" 2>&1); rc=$?
expect_eq "a 4096-byte line: exit status" 2 "$rc"
expect_eq "a 4096-byte line reaches the interpreter" "usage: stats [--json]" "$out"
out=$(ctl stats "${pad}xy" 2>&1); rc=$?
expect_eq "a 4097-byte line: exit status" 2 "$rc"
expect_match "a 4097-byte line is refused as too long" 'too long' "$out"

# ---- control bytes ----
out=$(ctl udp bind "$(printf '\033[2J5000')" 2>&1)
expect_match "a terminal escape in an argument comes back escaped" 'control byte \\x1b' "$out"
if printf '%s' "$out" | grep -q "$(printf '\033')"; then bad "the reply holds a raw ESC byte"; fi

# ---- netns names ----
out=$(ip netns exec "$NS_D" timeout --foreground 10 "$TAPSTACKD" -c "$TMP/x.sock" \
	-i "tap9,192.0.2.2/24,netns=$(printf 'a\nb')" 2>&1); rc=$?
expect_eq "netns name with a newline: exit status" 2 "$rc"
expect_eq "netns name with a newline: one line on stderr" 1 "$(printf '%s\n' "$out" | wc -l)"
# ---- tapstackctl's bound on a reply ----
"$PY" - "$TMP/fake.sock" <<'PYEOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.settimeout(10)
chunk = b"x" * 65536
end = time.time() + 10
try:
    while time.time() < end:
        c.sendall(chunk)
except OSError:
    pass
PYEOF
fake=$!
for i in $(seq 1 40); do [ -S "$TMP/fake.sock" ] && break; sleep 0.05; done
out=$(timeout --foreground 20 "$TAPSTACKCTL" -c "$TMP/fake.sock" stats 2>&1 >/dev/null); rc=$?
kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null
expect_eq "tapstackctl against an endless reply: exit status" 1 "$rc"
expect_match "tapstackctl against an endless reply: says" 'longer than 16777216 bytes' "$out"
finish
