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
#  - 60 streaming `tapstackctl ping` (half to an address nobody has) killed with SIGKILL: every
#    session ends, every client goes, a new ping works;
#  - hostile arguments to real commands (ping, udp, route, sysctl: out of range, malformed,
#    duplicated, oversized): each ends with status 0/1/2 (a refusal says why), the daemon carries on;
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

# ---- streaming commands abandoned: 60 `tapstackctl ping` (half of them to an address nobody has,
#      192.0.2.99), all killed; their sessions must end and their clients go ----
ppids=""
for i in $(seq 1 60); do
	dst=$HOST_IP
	[ $((i % 2)) = 0 ] && dst=192.0.2.99
	"$TAPSTACKCTL" -c "$CTL" ping -c 100 -i 0.2 "$dst" >"$TMP/par/p$i.out" 2>"$TMP/par/p$i.err" &
	ppids="$ppids $!"
done
n=""
for i in $(seq 1 40); do n=$(ctl daemon | sed -nE 's/^streaming commands: ([0-9]+)$/\1/p'); [ "$n" = 60 ] && break; sleep 0.05; done
check_eq "streaming commands while 60 pings run" 60 "$n"
sleep 1
kill -KILL $ppids 2>/dev/null
for p in $ppids; do wait "$p" 2>/dev/null; done
for i in $(seq 1 40); do n=$(ctl daemon | sed -nE 's/^streaming commands: ([0-9]+)$/\1/p'); [ "$n" = 0 ] && break; sleep 0.05; done
check_eq "streaming commands after the 60 pings were killed" 0 "$n"
check_eq "control clients after the 60 pings were killed" 1 "$(clients)"
out=$(ctl ping -c 1 "$HOST_IP" 2>&1)
case "$out" in *"1 received"*) log "ok: a new ping after the killed ones: answered" ;;
*) printf 'FAIL: a ping after the 60 killed ones: %s\n' "$out" >&2; SOFT=$((SOFT + 1)) ;; esac
alive "60 streaming commands killed"

# ---- hostile arguments to real commands: each ends (at most 10 s) with status 0, 1 or 2, a
#      refusal says why on stderr, and the daemon carries on ----
long=$(head -c 3000 /dev/zero | tr '\0' 'x')
while IFS= read -r args; do
	[ -n "$args" ] || continue
	# shellcheck disable=SC2086 # word splitting of the argument list is intended
	timeout -s KILL 10 "$TAPSTACKCTL" -c "$CTL" $args >"$TMP/arg.out" 2>"$TMP/arg.err"
	rc=$?
	case "$rc" in
	0) ;;
	1 | 2)
		# A refusal says why on stderr; ping's "no reply" (exit 1) is its summary on stdout.
		[ -s "$TMP/arg.err" ] || grep -q 'packets transmitted' "$TMP/arg.out" ||
			{ printf 'FAIL: tapstackctl %s: exit %s and no reason given\n' "$args" "$rc" >&2; SOFT=$((SOFT + 1)); } ;;
	*) printf 'FAIL: tapstackctl %s: exit %s\n' "$args" "$rc" >&2; SOFT=$((SOFT + 1)) ;;
	esac
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died after: tapstackctl $args"
done <<EOF2
ping -c 0 $HOST_IP
ping -c -1 $HOST_IP
ping -c 99999999999999999999 $HOST_IP
ping -c 1 -s 70000 $HOST_IP
ping -c 1 -s -1 $HOST_IP
ping -c 1 -s 65508 $HOST_IP
ping -c 1 -s 65507 $HOST_IP
ping -c 2 -i 0 $HOST_IP
ping -c 1 -i -1 $HOST_IP
ping -c 1 -i abc $HOST_IP
ping -c 1 -t 0 $HOST_IP
ping -c 1 -t 256 $HOST_IP
ping -c 1 -M bogus $HOST_IP
ping -c 1 -M do -s 3000 $HOST_IP
ping -c 1 $D_BCAST
ping -c 1 $D_IP
ping -c 1 300.1.1.1
ping -c 1 192.0.2
ping
udp bind 0
udp bind 65536
udp bind -1
udp bind 192.0.2.99:5000
udp bind 5000
udp bind 5000
udp send $HOST_IP:0 x
udp send $HOST_IP:70000 x
udp send --ttl 0 $HOST_IP:9 x
udp send --ttl 300 $HOST_IP:9 x
udp send --from 5000 --df $HOST_IP:9 $long
udp send $HOST_IP:9 $long
udp send $D_BCAST:9 x
udp send $D_IP:5000 to-ourselves
udp recv 5000
udp recv 9999
udp close 9999
udp close 5000
udp close 5000
route add 0.0.0.0/33,via=$HOST_IP
route add 198.51.100.0/24
route add 203.0.113.0/24,via=203.0.113.1
route add 198.51.100.0/24,via=$HOST_IP
route add 198.51.100.0/24,via=$HOST_IP
route del 198.51.100.0/24
route del 198.51.100.0/24
route del 10.0.0.0/8
route cache
sysctl icmp_ratelimit=-1
sysctl icmp_ratelimit=99999999999999999999
sysctl ip_default_ttl=0
sysctl ip_forward=2
sysctl nosuch=1
sysctl =
sysctl icmp_ratelimit=
stats --bogus
neigh extra
addr extra
daemon --json extra
sockets extra
help me
EOF2
ctl sysctl icmp_ratelimit=1000 >/dev/null || fail "restoring icmp_ratelimit"
alive "hostile arguments to real commands"

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
