#!/usr/bin/env bash
# The control socket under abuse (issue #7 part B):
#  - created mode 0600 (stat), a socket, owned by root;
#  - fed garbage: random bytes (3 seeds), a 10 000-byte line (refused: "too long", status 2), a NUL
#    byte (refused, status 2), half a command and close without reading, a last line without '\n'
#    then EOF (still a command: stats, status 0); after each the daemon answers;
#  - 100 `tapstackctl stats` in parallel: each succeeds with the whole table or fails cleanly
#    (exit 1, a message on stderr, nothing on stdout); the daemon is alive and holds no client;
#  - a client that dies mid-command (connects, sends half a line, SIGKILL): dropped (the client
#    count returns to 1, the one asking) and the daemon is fine;
#  - 70 clients that connect and say nothing (more than the 64 the daemon serves at once): while
#    they hold, a tapstackctl succeeds or fails cleanly; they are dropped after the idle timeout
#    (5 s) and tapstackctl works again within 8 s;
#  - a ping stream to 192.0.2.2 runs throughout and the daemon answers it at the end;
#  - SIGTERM: exit 0, no sanitizer report, socket removed.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon
HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
SOFT=0
check_eq() {   # check_eq WHAT EXPECTED SEEN (soft: the test goes on)
	if [ "$2" = "$3" ]; then log "ok: $1 = $3"; else printf 'FAIL: %s: expected %s, saw %s\n' "$1" "$2" "$3" >&2; SOFT=$((SOFT + 1)); fi
}
hctl() { timeout --foreground 20 "$PY" "$HOSTILE" ctl "$@"; }   # hostile.py ctl CASE $CTL ...
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
alive() {   # alive WHAT: the daemon runs and answers stats
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died after: $1"
	ctl stats >/dev/null || fail "tapstackctl stats fails after: $1"
	log "ok: daemon alive and answering after: $1"
}
clients() { ctl daemon | sed -nE 's/^control clients: ([0-9]+)$/\1/p'; }

check_eq "control socket mode" 600 "$(stat -c %a "$CTL")"
check_eq "control socket type" "socket" "$(stat -c %F "$CTL")"
check_eq "control socket owner" "0:0" "$(stat -c %u:%g "$CTL")"

inh ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP"
# Started directly (not through a shell function) so that $! is the process itself.
ip netns exec "$NS_H" timeout -s INT 60 ping -n -q -i 0.2 -W 1 -c 300 "$D_IP" >"$TMP/bgping.out" 2>&1 &
BGPING=$!

for seed in 1 2 3; do
	r=$(hctl garbage "$CTL" "$seed") || fail "hostile.py ctl garbage $seed"
	log "garbage seed $seed: $r"
	alive "random bytes (seed $seed)"
done

r=$(hctl longline "$CTL") || fail "hostile.py ctl longline"
log "$r"
check_eq "10 000-byte line: reply status" 2 "$(field "$r" status)"
case "$(field "$r" text)" in *too_long*) log "ok: 10 000-byte line: refused as too long" ;;
*) printf 'FAIL: 10 000-byte line: reply does not say too long: %s\n' "$r" >&2; SOFT=$((SOFT + 1)) ;; esac
alive "a 10 000-byte line"

r=$(hctl nul "$CTL") || fail "hostile.py ctl nul"
log "$r"
check_eq "NUL byte in the line: reply status" 2 "$(field "$r" status)"
case "$(field "$r" text)" in *NUL*) log "ok: NUL byte: refused" ;;
*) printf 'FAIL: NUL byte: reply does not name it: %s\n' "$r" >&2; SOFT=$((SOFT + 1)) ;; esac
alive "a NUL byte"

hctl partial-close "$CTL" >/dev/null || fail "hostile.py ctl partial-close"
alive "half a command, then close"

r=$(hctl eof-line "$CTL") || fail "hostile.py ctl eof-line"
log "$r"
check_eq "\"stats\" without a newline, then EOF: status" 0 "$(field "$r" status)"
n=$(field "$r" lines)
[ "${n:-0}" -ge 50 ] || { printf 'FAIL: "stats" then EOF: only %s lines\n' "$n" >&2; SOFT=$((SOFT + 1)); }

# ---- 100 clients at once ----
mkdir -p "$TMP/par"
pids=""
for i in $(seq 1 100); do
	( "$TAPSTACKCTL" -c "$CTL" stats >"$TMP/par/$i.out" 2>"$TMP/par/$i.err"; echo $? >"$TMP/par/$i.rc" ) &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
okc=0; failc=0; badc=0
for i in $(seq 1 100); do
	rc=$(cat "$TMP/par/$i.rc")
	if [ "$rc" = 0 ] && grep -q '^IpInReceives ' "$TMP/par/$i.out" && grep -q '^PkbAllocFails ' "$TMP/par/$i.out" &&
		[ ! -s "$TMP/par/$i.err" ]; then
		okc=$((okc + 1))
	elif [ "$rc" = 1 ] && [ ! -s "$TMP/par/$i.out" ] && [ -s "$TMP/par/$i.err" ]; then
		failc=$((failc + 1))
		[ "$failc" -le 2 ] && log "a client failed cleanly: $(head -n 1 "$TMP/par/$i.err")"
	else
		badc=$((badc + 1))
		printf 'FAIL: client %d: exit %s, %d bytes out, stderr: %s\n' "$i" "$rc" "$(wc -c <"$TMP/par/$i.out")" \
			"$(head -c 200 "$TMP/par/$i.err")" >&2
	fi
done
log "100 parallel clients: $okc complete, $failc failed cleanly, $badc otherwise"
check_eq "parallel clients neither complete nor cleanly failed" 0 "$badc"
[ "$okc" -ge 1 ] || { echo "FAIL: none of 100 parallel clients got the stats" >&2; SOFT=$((SOFT + 1)); }
alive "100 parallel clients"
check_eq "control clients after the parallel ones (the asking one)" 1 "$(clients)"

# ---- a client killed mid-command ----
rm -f "$TMP/mid.ready"
"$PY" "$HOSTILE" ctl midcmd "$CTL" "$TMP/mid.ready" >/dev/null 2>&1 &
MID=$!
for i in $(seq 1 100); do [ -s "$TMP/mid.ready" ] && break; sleep 0.05; done
[ -s "$TMP/mid.ready" ] || fail "the mid-command client did not connect"
kill -KILL "$MID"
wait "$MID" 2>/dev/null
n=""
for i in $(seq 1 40); do n=$(clients); [ "$n" = 1 ] && break; sleep 0.05; done
check_eq "control clients after a client was killed mid-command" 1 "$n"
alive "a client killed mid-command"

# ---- more idle clients than the daemon serves ----
rm -f "$TMP/hold.ready"
timeout 30 "$PY" "$HOSTILE" ctl hold "$CTL" 70 7 "$TMP/hold.ready" >"$TMP/hold.out" 2>&1 &
HOLD=$!
for i in $(seq 1 100); do [ -s "$TMP/hold.ready" ] && break; sleep 0.05; done
[ -s "$TMP/hold.ready" ] || fail "the idle clients did not connect"
log "idle clients: $(cat "$TMP/hold.ready")"
sleep 0.3
out=$("$TAPSTACKCTL" -c "$CTL" stats 2>"$TMP/held.err")
rc=$?
if [ "$rc" = 0 ]; then
	log "ok: tapstackctl stats while 70 idle clients hold: succeeded"
elif [ "$rc" = 1 ] && [ -z "$out" ] && [ -s "$TMP/held.err" ]; then
	log "ok: tapstackctl stats while 70 idle clients hold: failed cleanly: $(head -n 1 "$TMP/held.err")"
else
	printf 'FAIL: tapstackctl stats while idle clients hold: exit %s, stderr %s\n' "$rc" "$(cat "$TMP/held.err")" >&2
	SOFT=$((SOFT + 1))
fi
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died while idle clients held the socket"
ok=0
for i in $(seq 1 80); do
	if ctl stats >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.1
done
[ "$ok" = 1 ] || fail "tapstackctl still refused 8 s after 70 idle clients connected (idle timeout 5 s)"
log "ok: tapstackctl works again after $((i / 10)).$((i % 10)) s"
wait "$HOLD"
log "$(cat "$TMP/hold.out")"
n=""
for i in $(seq 1 40); do n=$(clients); [ "$n" = 1 ] && break; sleep 0.05; done
check_eq "control clients after the idle ones" 1 "$n"

# ---- the ping stream went on throughout ----
kill -INT "$BGPING" 2>/dev/null
wait "$BGPING"
cat "$TMP/bgping.out" | sed 's/^/# bg ping: /'
ping_stats "$(cat "$TMP/bgping.out")"
[ "$PING_RX" -ge 1 ] && [ "$PING_RX" -ge $((PING_TX - 2)) ] ||
	{ printf 'FAIL: background ping: %s of %s answered\n' "$PING_RX" "$PING_TX" >&2; SOFT=$((SOFT + 1)); }
alive "everything"
stop_daemon
[ ! -e "$CTL" ] || fail "control socket left after SIGTERM"
log "ok: clean exit, socket removed"
[ "$SOFT" -eq 0 ] || fail "$SOFT check(s) failed (FAIL lines above)"
log "all checks passed"
