#!/usr/bin/env bash
# SIGTERM during a flood (issue #7 part B): with `ping -f` (and a second one with 1400-byte
# fragmented-free payloads) running against 192.0.2.2 from the host namespace, SIGTERM makes the
# daemon exit with status 0 within 2 s (lib.sh's stop_daemon), with no sanitizer report; its TAP is
# gone from the host namespace, nothing but lo is left in the daemon's namespace, and the control
# socket is removed. Run against build/tapstackd and, when built, build-asan/tapstackd.
. "$(dirname "$0")/lib.sh"
PCAP=""   # no capture: a flood would write hundreds of MB of it
setup_ns
ASAN=${ASAN_TAPSTACKD:-$TS_TOP/build-asan/tapstackd}
daemons=("$TAPSTACKD")
[ -x "$ASAN" ] && [ "$ASAN" != "$TAPSTACKD" ] && daemons+=("$ASAN")

for d in "${daemons[@]}"; do
	TAPSTACKD=$d
	start_daemon
	inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP"
	# Started directly (not through a shell function) so that $! is the process itself.
	ip netns exec "$NS_H" timeout -s INT 20 ping -f -n -q -w 15 "$D_IP" >"$TMP/f1.out" 2>&1 &
	F1=$!
	ip netns exec "$NS_H" timeout -s INT 20 ping -f -n -q -s 1400 -w 15 "$D_IP" >"$TMP/f2.out" 2>&1 &
	F2=$!
	sleep 1.5
	before=$(counter EthInFrames)
	sleep 0.5
	during=$(counter EthInFrames)
	[ "$during" -gt "$before" ] || fail "no flood reaching the daemon ($before -> $during frames)"
	log "flood running: $((during - before)) frames in 0.5 s"
	# As lib.sh's stop_daemon, timed finely: $EPOCHREALTIME needs no subprocess, so the polling
	# stays accurate while the flood keeps both CPUs busy.
	pid=$DAEMON_PID
	t0=${EPOCHREALTIME/./}
	kill -TERM "$pid" || fail "kill -TERM $pid"
	while kill -0 "$pid" 2>/dev/null && [ $((${EPOCHREALTIME/./} - t0)) -lt 2000000 ]; do sleep 0.01; done
	t1=${EPOCHREALTIME/./}
	kill -0 "$pid" 2>/dev/null && fail "$d: still running 2 s after SIGTERM during a flood"
	wait "$pid"
	rc=$?
	forget_pid "$pid"
	DAEMON_PID=""
	check_sanitizer_log "$DAEMON_ERR"
	[ "$rc" -eq 0 ] || fail "$d: exit status $rc after SIGTERM during a flood (expected 0)"
	log "ok: $d: exit 0 $(((t1 - t0) / 1000)) ms after SIGTERM, during the flood, no sanitizer report"
	[ ! -e "$CTL" ] || fail "$d: control socket $CTL left after SIGTERM"
	only_lo "$NS_H" || fail "$d: devices left in $NS_H: $(ip -n "$NS_H" -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ')"
	only_lo "$NS_D" || fail "$d: devices left in $NS_D: $(ip -n "$NS_D" -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ')"
	log "ok: $d: tap0 gone, control socket removed"
	kill -INT "$F1" "$F2" 2>/dev/null
	wait "$F1" "$F2"
	grep -h 'packets transmitted' "$TMP/f1.out" "$TMP/f2.out" | sed 's/^/# ping -f: /'
done
log "all checks passed"
