#!/usr/bin/env bash
# tapstackctl: stats --json is one JSON object that agrees with the text form; neigh shows the
# host after traffic; addr lists every configured address; errors exit nonzero with a message.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon -i "tap0,$D_IP/24,198.51.100.2/24,netns=$NS_H,host=$HOST_IP/24"

out=$(inh timeout --foreground 20 ping -n -q -c 3 -i 0.2 -W 2 "$D_IP" 2>&1)
ping_stats "$out"
assert_eq "echo replies from $D_IP" 3 "$PING_RX"

# A second address on the same interface answers too, from that address (ICMP-SPEC R2.3).
inh ip route add 198.51.100.0/24 dev "$HOST_IF" || fail "route to 198.51.100.0/24 in $NS_H"
out=$(inh timeout --foreground 20 ping -n -c 2 -i 0.2 -W 2 198.51.100.2 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "echo replies from the second address 198.51.100.2" 2 "$PING_RX"
assert_eq "replies whose source is 198.51.100.2" 2 "$(printf '%s\n' "$out" | grep -c '^64 bytes from 198\.51\.100\.2: ')"

ctl stats --json | "$PY" -c 'import json,sys; json.load(sys.stdin)' || fail "stats --json does not parse as JSON"
# --- stats: text and JSON agree (retried: a late ARP could move a counter in between) ---
ok=0
for i in 1 2 3; do
	ctl stats >"$TMP/stats.txt" || fail "tapstackctl stats exited nonzero"
	ctl stats --json >"$TMP/stats.json" || fail "tapstackctl stats --json exited nonzero"
	res=$("$PY" "$(dirname "$0")/stats_cmp.py" "$TMP/stats.txt" "$TMP/stats.json"); rc=$?
	if [ "$rc" -eq 0 ]; then ok=1; log "ok: stats --json parses and $res"; break; fi
	[ "$rc" -eq 3 ] || fail "$res"
	log "attempt $i: $res"
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "stats and stats --json disagree three times: $res"
assert_counter IcmpMsgInType8 5
assert_counter IcmpMsgOutType0 5

# --- neigh: the host's address and MAC after traffic ---
neigh=$(ctl neigh) || fail "tapstackctl neigh exited nonzero"
printf '%s\n' "$neigh"
hm=$(host_mac)
printf '%s\n' "$neigh" | grep -Ew "192\.0\.2\.1" | grep -qi "$hm" ||
	fail "tapstackctl neigh: expected a line with $HOST_IP and the host's MAC $hm"
log "ok: neigh lists $HOST_IP at $hm"

# --- addr: both addresses with their prefix length ---
addr=$(ctl addr) || fail "tapstackctl addr exited nonzero"
printf '%s\n' "$addr"
printf '%s\n' "$addr" | grep -qw "192\.0\.2\.2/24" || fail "tapstackctl addr: no 192.0.2.2/24"
printf '%s\n' "$addr" | grep -qw "198\.51\.100\.2/24" || fail "tapstackctl addr: no 198.51.100.2/24"
log "ok: addr lists 192.0.2.2/24 and 198.51.100.2/24"

# --- errors: nonzero exit and a message on stderr ---
expect_error() {   # expect_error WHAT COMMAND...
	local what=$1 err rc; shift
	"$@" >"$TMP/e.out" 2>"$TMP/e.err"; rc=$?
	err=$(cat "$TMP/e.err")
	[ "$rc" -ne 0 ] || fail "$what: exit status 0, expected nonzero"
	[ -n "$err" ] || fail "$what: exit status $rc but nothing on stderr"
	log "ok: $what -> exit $rc: $(head -n 1 "$TMP/e.err")"
}
expect_error "unknown command" ctl nosuchcommand
expect_error "stats with a bad flag" ctl stats --nosuchflag
expect_error "no daemon at the socket path" "$TAPSTACKCTL" -c "$TMP/nosuch.sock" stats

stop_daemon
