#!/usr/bin/env bash
# `tapstackctl stats -w SEC` on a terminal (tmux): the first screen lists the counters that moved
# as per-second rates over SEC (not the raw deltas) and leaves out those that did not.
. "$(dirname "$0")/lib.sh"
TMUX_SOCK=ts$$w
trap 'rc=$?; tmux -L "$TMUX_SOCK" kill-server 2>/dev/null; (exit $rc); ts_cleanup' EXIT
setup_ns
start_daemon
wait_ping "$NS_H" "$D_IP"
# 10 echo requests a second for 6 s, in the background (bounded by count and time).
inh timeout 10 ping -n -q -c 60 -i 0.1 -W 1 "$D_IP" >/dev/null 2>&1 &
PING=$!
sleep 0.5
tmux -L "$TMUX_SOCK" new-session -d -x 100 -y 50 "$TAPSTACKCTL -c $CTL stats -w 2; sleep 30" ||
	fail "tmux new-session"
screen=""
for i in $(seq 1 60); do
	screen=$(tmux -L "$TMUX_SOCK" capture-pane -p)
	printf '%s\n' "$screen" | grep -q "^IcmpMsgInType8 " && break
	sleep 0.1
done
wait "$PING"
printf '%s\n' "$screen" | sed 's/^/    | /'
printf '%s\n' "$screen" | head -n 1 | grep -q "^tapstackctl stats -w 2 .* rates per second over 2\.[0-9]* s" ||
	fail "first screen's header"
rate() { printf '%s\n' "$screen" | awk -v n="$1" '$1 == n { print $2 }'; }
r=$(rate IcmpMsgInType8)
[ -n "$r" ] || fail "IcmpMsgInType8 not on the first screen"
# ping -i 0.1 sends about 10 a second (a little less: each interval adds the send time).
awk -v r="$r" 'BEGIN { exit !(r >= 6 && r <= 11) }' || fail "IcmpMsgInType8 rate $r/s, want about 10/s"
r2=$(rate IcmpMsgOutType0)
assert_eq "reply rate equals request rate" "$r" "$r2"
# Counters that did not move are not shown.
printf '%s\n' "$screen" | grep -q "^IpInHdrErrors " && fail "a counter that did not move is shown"
printf '%s\n' "$screen" | grep -q "^UdpInDatagrams " && fail "a counter that did not move is shown"
log "IcmpMsgInType8 at $r/s"
stop_daemon
log "all checks passed"
