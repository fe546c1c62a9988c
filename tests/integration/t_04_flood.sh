#!/usr/bin/env bash
# ping -f -c 2000 loses nothing; echo replies are not rate limited (ICMP-SPEC R2.6). Run once per
# write path (--io uring: batched on an io_uring ring; --io syscall: write(2) per frame), each
# checked in `tapstackctl daemon` and its JSON, with every reply counted as written.
. "$(dirname "$0")/lib.sh"
setup_ns

for io in uring syscall; do
	start_daemon --io "$io"
	out=$(inh timeout --foreground 60 ping -n -q -f -c 2000 -W 2 "$D_IP" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" -ne 124 ] || fail "--io $io: ping -f -c 2000 did not finish within 60 s"
	ping_stats "$out"
	assert_eq "--io $io: flood echo requests sent" 2000 "$PING_TX"
	assert_eq "--io $io: flood echo replies received" 2000 "$PING_RX"
	printf '%s\n' "$out" | grep -q ' 0% packet loss' || fail "--io $io: expected 0% packet loss"
	assert_counter IcmpMsgInType8 2000
	assert_counter IcmpMsgOutType0 2000
	assert_counter IcmpOutRateLimitGlobal 0
	assert_counter IcmpOutRateLimitHost 0

	status=$(ctl daemon) || fail "tapstackctl daemon failed"
	json=$(ctl daemon --json) || fail "tapstackctl daemon --json failed"
	read -r mode submits tx txdrop txerr <<<"$(printf '%s' "$json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin); i = d["ifaces"][0]
print(d["tx_io"], d["tx_submits"], i["tx_frames"], i["tx_drop"], i["tx_err"])')"
	assert_eq "--io $io: daemon --json tx_io" "$io" "$mode"
	# every reply, plus the ARP traffic, written; nothing dropped
	[ "$tx" -ge 2000 ] || fail "--io $io: tx_frames $tx < 2000 replies"
	assert_eq "--io $io: tx_drop + tx_err" 0 "$((txdrop + txerr))"
	if [ "$io" = uring ]; then
		printf '%s\n' "$status" | grep -qE '^writes: io_uring, [0-9]+ submissions' ||
			fail "--io uring: no 'writes: io_uring' line in: $status"
		# one submission per drain: never more submissions than frames, at least one per burst
		[ "$submits" -ge 1 ] && [ "$submits" -le "$tx" ] ||
			fail "--io uring: $submits submissions for $tx frames"
		log "ok: --io uring: $tx frames in $submits submissions"
	else
		printf '%s\n' "$status" | grep -qx 'writes: write(2) per frame' ||
			fail "--io syscall: no 'writes: write(2) per frame' line in: $status"
		assert_eq "--io syscall: daemon --json tx_submits" 0 "$submits"
	fi
	stop_daemon
done
