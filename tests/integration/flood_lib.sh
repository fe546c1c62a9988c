# tests/integration/flood_lib.sh — the scaffolding of the resource-bound flood tests t_75..t_78 (bash).
#
# Sourced after lib.sh, before setup_ns/start_daemon:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/flood_lib.sh"
# A test then: starts its daemon, flood_standard KIND COUNTER (or its parts: flood_pin_dmac,
# flood_baseline, flood_run KIND, ...), checks what is special to its flood (soft checks from
# lib.sh: bad, expect_*), and ends with flood_finish.
#
# The flood itself and the RSS sampling are hostile.py's: `flood KIND IF DMAC SECONDS PPS` prints
# "flood KIND sent=N seconds=S ..."; `rss PID SECONDS 16384 1024` samples the daemon's VmRSS every
# second and prints a FAIL line when it exceeds 16 MiB or does not reach a plateau (the last third's
# maximum at most the first third's + 1 MiB); each FAIL line counts as a failed soft check.
#
# Environment: TS_FLOOD_PPS (frames a second, default 20000).

PCAP=""   # no capture: a flood would write hundreds of MB of it
HOSTILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hostile.py"
SECS=15
PPS=${TS_FLOOD_PPS:-20000}
S=$TMP/snap      # the counters' snapshot before the flood

# flood_pin_dmac [ADDR [WHAT]]: one ping from the host to ADDR ($D_IP) so the host learns the
# daemon's MAC (DMAC), then pins it as a permanent neighbour entry (the flood would otherwise push
# it out). WHAT names a failed ping.
flood_pin_dmac() {
	local addr=${1:-$D_IP}
	inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$addr" >/dev/null || fail "${2:-ping $addr (to learn its MAC)}"
	DMAC=$(daemon_mac)
	[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
	ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
}

# tx_drops: frames the host kernel dropped on tap0's way to the daemon (its ring was full).
tx_drops() { ip -n "$NS_H" -s -j link show dev "$HOST_IF" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
# rx_nobuf: frames the daemon read with no buffer to put them in (dropped, counted by the loop).
rx_nobuf() { ctl daemon | sed -nE 's/.*rx_nobuf ([0-9]+).*/\1/p' | head -n 1; }

# flood_baseline: snapshots the counters into $S and the two loss counts, for flood_losses.
flood_baseline() {
	snapshot "$S"
	FLOOD_DROPS0=$(tx_drops)
	FLOOD_NOBUF0=$(rx_nobuf)
}

# flood_losses: DROPS and NOBUF, frames lost since flood_baseline (host kernel drops; frames the
# daemon read without a buffer).
flood_losses() {
	DROPS=$(($(tx_drops) - FLOOD_DROPS0))
	NOBUF=$(($(rx_nobuf) - FLOOD_NOBUF0))
}

# flood_run KIND [neigh]: for $SECS s, hostile.py's flood KIND at $PPS frames a second from the
# host; meanwhile a ping of $D_IP every 0.5 s ($TMP/ping.out), `tapstackctl stats` half-way
# ($TMP/mid.stats, its status in $TMP/mid.rc; with "neigh" also `tapstackctl neigh` into
# $TMP/mid.neigh) and the RSS sampling (its FAIL lines count as failed checks). Fails the test if
# the flood did not run or the daemon died; sets SENT and FLOOD_SECS from the flood's summary.
flood_run() {
	local kind=$1 mid_neigh=${2:-} flood pinger mid
	# Each bounded and started directly so $! is the process.
	ip netns exec "$NS_H" timeout -s INT $((SECS + 15)) "$PY" "$HOSTILE" flood "$kind" "$HOST_IF" "$DMAC" "$SECS" "$PPS" \
		>"$TMP/flood.out" 2>&1 &
	flood=$!
	ip netns exec "$NS_H" timeout -s INT $((SECS + 5)) ping -n -q -i 0.5 -W 1 -c $((SECS * 2 - 4)) "$D_IP" \
		>"$TMP/ping.out" 2>&1 &
	pinger=$!
	( sleep $((SECS / 2)); "$TAPSTACKCTL" -c "$CTL" stats >"$TMP/mid.stats" 2>&1; echo $? >"$TMP/mid.rc"
	  [ -z "$mid_neigh" ] || "$TAPSTACKCTL" -c "$CTL" neigh >"$TMP/mid.neigh" 2>&1 ) &
	mid=$!
	"$PY" "$HOSTILE" rss "$DAEMON_PID" "$SECS" 16384 1024 >"$TMP/rss.out" 2>&1
	wait "$flood" "$pinger" "$mid"
	cat "$TMP/flood.out" "$TMP/rss.out"
	grep -q "^flood $kind sent=" "$TMP/flood.out" || fail "the flood did not run: $(cat "$TMP/flood.out")"
	SENT=$(sed -nE "s/^flood $kind sent=([0-9]+).*/\1/p" "$TMP/flood.out")
	FLOOD_SECS=$(sed -nE "s/^flood $kind sent=[0-9]+ seconds=([0-9]+).*/\1/p" "$TMP/flood.out")
	grep '^FAIL' "$TMP/rss.out" >&2 && SOFT_FAILS=$((SOFT_FAILS + $(grep -c '^FAIL' "$TMP/rss.out")))
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the flood"
}

# flood_check_mid_stats COUNTER: `tapstackctl stats` half-way through the flood worked and listed
# COUNTER.
flood_check_mid_stats() {
	if [ "$(cat "$TMP/mid.rc")" = 0 ] && grep -q "^$1 " "$TMP/mid.stats"; then
		log "ok: tapstackctl stats during the flood"
	else
		bad "tapstackctl stats during the flood: $(head -n 2 "$TMP/mid.stats")"
	fi
}

# flood_check_ping_during: at least half the pings sent during the flood were answered.
flood_check_ping_during() {
	ping_stats "$(cat "$TMP/ping.out")"
	log "ping during the flood: $PING_RX of $PING_TX answered"
	[ "$PING_RX" -ge $((PING_TX / 2)) ] || bad "ping during the flood: only $PING_RX of $PING_TX answered"
}

# flood_check_no_starvation: whatever the flood holds, reception must not starve: no frame read
# without a buffer for it (NOBUF from flood_losses).
flood_check_no_starvation() {
	[ "$NOBUF" -eq 0 ] || bad "$NOBUF frames read with no buffer free (reception starved)"
}

# flood_ping_after [WHAT]: after the flood, 3 pings of $D_IP, all answered (WHAT: "ping").
flood_ping_after() {
	local out
	out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
	ping_stats "$out"
	[ "$PING_RX" = 3 ] || bad "${1:-ping} after the flood: $PING_RX of 3 answered"
}

# flood_standard KIND COUNTER: the usual sequence on tap0 alone: flood_pin_dmac, flood_baseline,
# flood_run KIND, then `tapstackctl stats` half-way listed COUNTER and at least half the pings
# during the flood were answered.
flood_standard() {
	flood_pin_dmac
	flood_baseline
	flood_run "$1"
	flood_check_mid_stats "$2"
	flood_check_ping_during
}

# flood_finish: SIGTERM (clean exit, no sanitizer report asserted), then fails on any soft failure.
flood_finish() {
	stop_daemon
	soft_verdict
}
