#!/usr/bin/env bash
# ping -f -c 2000 loses nothing; echo replies are not rate limited (ICMP-SPEC R2.6). Run once per
# write path (--io uring: the replies of one wake-up batched on an io_uring ring, a lone reply by
# write(2); --io syscall: write(2) per frame), each checked in `tapstackctl daemon` and its JSON,
# with every reply counted as written; then bursts of 64 (ping -l 64), which the ring must batch.
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

	daemon_json() {
		ctl daemon --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin); i = d["ifaces"][0]
print(d["tx_io"], d["tx_submits"], d["tx_ring_frames"], i["tx_frames"], i["tx_drop"], i["tx_err"])'
	}
	read -r mode submits ringf tx txdrop txerr <<<"$(daemon_json)"
	assert_eq "--io $io: daemon --json tx_io" "$io" "$mode"
	# every reply, plus the ARP traffic, written; nothing dropped
	[ "$tx" -ge 2000 ] || fail "--io $io: tx_frames $tx < 2000 replies"
	assert_eq "--io $io: tx_drop + tx_err" 0 "$((txdrop + txerr))"
	log "--io $io: after ping -f: $tx frames, $ringf of them in $submits ring submissions"

	# Bursts: 64 requests in flight, so a wake-up finds several and answers them together.
	out=$(inh timeout --foreground 60 ping -n -q -f -l 64 -c 2000 -W 2 "$D_IP" 2>&1)
	ping_stats "$out"
	assert_eq "--io $io: ping -f -l 64: replies received" 2000 "$PING_RX"
	read -r mode submits ringf tx txdrop txerr <<<"$(daemon_json)"
	[ "$tx" -ge 4000 ] || fail "--io $io: tx_frames $tx < 4000 replies"
	assert_eq "--io $io: tx_drop + tx_err after the bursts" 0 "$((txdrop + txerr))"
	status=$(ctl daemon) || fail "tapstackctl daemon failed"
	if [ "$io" = uring ]; then
		printf '%s\n' "$status" | grep -qE "^writes: io_uring, $ringf frames in $submits submissions" ||
			fail "--io uring: no 'writes: io_uring, $ringf frames in $submits submissions' line in: $status"
		# the bursts were batched: some submissions, each of at least two frames
		[ "$submits" -ge 1 ] && [ "$ringf" -ge $((2 * submits)) ] && [ "$ringf" -le "$tx" ] ||
			fail "--io uring: $ringf frames in $submits submissions (of $tx frames)"
		log "ok: --io uring: $tx frames, $ringf of them in $submits ring submissions"
	else
		printf '%s\n' "$status" | grep -qx 'writes: write(2) per frame' ||
			fail "--io syscall: no 'writes: write(2) per frame' line in: $status"
		assert_eq "--io syscall: ring submissions" "0 0" "$submits $ringf"
	fi
	stop_daemon
done
