#!/usr/bin/env bash
# Hostile-input matrix (issue #7 part A), driven by hostile.py in one scapy process per half:
#  - truncation at every header byte: Ethernet (0..13 bytes: the kernel refuses to put such frames
#    on a TAP, noted), IPv4 (first k bytes of a 98-byte frame, every k), ARP (0..27 bytes),
#    ICMP (0..7), UDP (0..7, UDP length 0/7/too long), TCP (0..19, data offset 4/15/0);
#  - IHL, version and total-length lies; bad checksums at IP, ICMP, UDP and TCP;
#  - every bad-option case of ICMP-SPEC §6 (12/0 with the pointer §6 names), bad options where no
#    error may be sent (broadcast, class E source, ICMP error, non-first fragment), valid source
#    routes (dropped), an unknown option (carried);
#  - ICMP types > 18 and obsolete types; errors quoting nothing, garbage, truncated or IHL-lying
#    headers (R8.1), errors about datagrams nobody sent (R8.2), about our broadcast (bogus);
#  - smurf (echo/timestamp to 192.0.2.255, 255.255.255.255, 224.0.0.1 from a spoofed victim) and
#    broadcast L4; class E, 0/8, 127/8, multicast, broadcast and own-address sources;
#  - ARP: malformed fields, broadcast/zero/own sender MAC (a multicast one is answered, not
#    learned), invalid sender IP, requests for foreign addresses, another MAC claiming 192.0.2.2
#    (conflict), an RFC 5227 probe;
#  - fragments: tiny (ok), degenerate, overlapping, teardrop, ping of death, 300 first fragments
#    with random IDs, 1000 mutated/random frames, and last the reassembly cases whose fragments
#    carry different header lengths (ping of death through options; IHL mismatch).
# For every group: exact counter deltas, exactly the replies the spec allows (none for most),
# and the daemon still answers an echo request. Afterwards: the ARP cache learned nothing from
# the hostile ARP, ping and `tapstackctl stats` work, and SIGTERM gives a clean exit with no
# sanitizer report (t_71 runs this file against build-asan/tapstackd).
# Knobs: IPv6 off (this is the IPv4 matrix; the daemon's own RS/MLD/DAD frames would be in its way:
# t_95 runs the IPv6 one on a dual-stack daemon), per-destination and global ICMP limits off (exact
# counts), ipfrag_time=3600 (no queue expires during the run), a default route via the host (a
# route back to every spoofed source, so an error the spec forbids would really be sent and seen).
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon -S echo -s net.ipv6.conf.all.disable_ipv6=1 -s icmp_ratelimit=0 -s icmp_msgs_burst=1000000 -s icmp_msgs_per_sec=1000000 \
	-s ipfrag_time=3600 -r "default,via=$HOST_IP" -s icmp_echo_enable_probe=1 -s icmp_errors_extension_mask=7
# A stub reading RFC 4884 extensions, for the icmperr-ext-malformed group.
ctl udp bind --rfc4884 6565 >/dev/null || fail "udp bind --rfc4884 6565"

HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
T0=$(date +%s)
inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP (to learn its MAC)"
DMAC=$(daemon_mac)
[ -n "$DMAC" ] || fail "no neighbour entry for $D_IP in $NS_H"
# A permanent entry: the host's own ARP for 192.0.2.2 would otherwise add to the ARP counters.
ip -n "$NS_H" neigh replace "$D_IP" lladdr "$DMAC" nud permanent dev "$HOST_IF" || fail "permanent neighbour"
log "daemon MAC $DMAC ($TAPSTACKD)"

GROUPS_ALL=$(TAPSTACKCTL=$TAPSTACKCTL "$PY" "$HOSTILE" list) || fail "hostile.py list"
FIRST=$(printf '%s\n' $GROUPS_ALL | sed '/^frag-tiny-ok$/,$d')
SECOND=$(printf '%s\n' $GROUPS_ALL | sed -n '/^frag-tiny-ok$/,$p')
[ -n "$FIRST" ] && [ -n "$SECOND" ] || fail "cannot split the matrix: $GROUPS_ALL"

OUT=$TMP/matrix.out
: >"$OUT"
matrix() {   # matrix GROUP...: one hostile.py run; its output goes to the log and to $OUT
	inh env TAPSTACKCTL="$TAPSTACKCTL" TAPSTACK_CONTROL="$CTL" timeout --foreground 90 \
		"$PY" "$HOSTILE" matrix "$HOST_IF" "$DMAC" "$@" >"$TMP/part.out" 2>"$TMP/part.err"
	local rc=$?
	cat "$TMP/part.out" >>"$OUT"
	cat "$TMP/part.out"
	if [ -s "$TMP/part.err" ]; then sed 's/^/# hostile.py stderr: /' "$TMP/part.err"; fi
	grep -q '^matrix groups=' "$TMP/part.out" || echo "FAIL: hostile.py ended without a summary (rc $rc)" | tee -a "$OUT"
}

# Part 1: everything up to and including ARP.
matrix $FIRST

# The hostile ARP taught the cache nothing: no entry for our own address, the broadcast, the
# bad senders, the foreign announcement; the host's entry still has the host's MAC.
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	neigh=$(ctl neigh) || fail "tapstackctl neigh failed"
	printf '%s\n' "$neigh" | sed 's/^/# neigh: /'
	for a in 192.0.2.2 192.0.2.50 192.0.2.51 192.0.2.60 192.0.2.61 0.0.0.0 0.0.0.1 127.0.0.1 224.0.0.1 \
		255.255.255.255 192.0.2.255 240.0.0.1; do
		if printf '%s\n' "$neigh" | grep -q "^$a "; then
			echo "FAIL: arp: the cache learned $a from hostile ARP" | tee -a "$OUT"
		fi
	done
	hmac=$(host_mac)
	if printf '%s\n' "$neigh" | grep "^$HOST_IP " | grep -q "lladdr $hmac"; then
		log "ok: arp: $HOST_IP still at the host's MAC $hmac"
	else
		echo "FAIL: arp: the entry for $HOST_IP is not the host's MAC $hmac" | tee -a "$OUT"
	fi
fi

# Part 2: fragments, fuzz, and last the reassembly cases that have crashed the daemon.
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	matrix $SECOND
else
	echo "FAIL: the daemon died during part 1; part 2 not run" | tee -a "$OUT"
fi
log "matrix took $(($(date +%s) - T0)) s"

nfail=$(grep -c '^FAIL' "$OUT")
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
	ping_stats "$out"
	[ "$PING_RX" -ge 1 ] || fail "the daemon no longer answers ping after the matrix ($nfail failed check(s))"
	log "ok: ping after the matrix ($PING_RX/$PING_TX)"
	ctl stats >/dev/null || fail "tapstackctl stats fails after the matrix"
	stop_daemon
	log "ok: SIGTERM: exit 0 within 2 s, no sanitizer report"
else
	wait "$DAEMON_PID"
	rc=$?
	forget_pid "$DAEMON_PID"
	check_sanitizer_log "$DAEMON_ERR"
	fail "the daemon died during the matrix (exit status $rc; $((rc > 128 ? rc - 128 : 0)) = signal); $nfail failed check(s):
$(grep '^FAIL' "$OUT")"
fi
[ "$nfail" -eq 0 ] || fail "$nfail failed check(s):
$(grep '^FAIL' "$OUT")"
log "all checks passed"
