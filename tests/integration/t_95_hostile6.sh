#!/usr/bin/env bash
# IPv6 hostile-input matrix (issue 14 item 8), driven by hostile.py matrix6 (its build6 lists the
# groups and what each expects): truncated and lying fixed headers, ::1 and scope-0/1 addresses,
# extension-header chains of every length and order (HBH, DestOpt, routing, atomic fragment), each
# option action to unicast and multicast, bad TLVs, Jumbo, routing header types 0/1/2/3/4/253 with
# Segments Left 0..2, unknown next headers, ICMPv6 errors quoting garbage, fragments (in order,
# reversed, duplicated, overlapping, RFC 7112 first fragments, lengths past 65535, two Fragment
# headers, ping of death, unfragmentable parts that differ), NS/NA with hop limit 254 and bad
# options, a fragmented NS, bogus Redirects, floods of NSs (600 neighbours), MLD queries (500),
# first fragments (300) and RAs (300 routers with as many prefixes: 16/16/16 kept), and 1000
# seeded mutations. For every group: the error counters' exact deltas, exactly the ICMPv6 the
# spec allows (the daemon's own NS/RS/MLD housekeeping aside), and the daemon still answers an
# ICMPv6 echo request. Afterwards `ping -6` from the host's kernel is answered, `tapstackctl
# stats` works, and SIGTERM gives a clean exit with no sanitizer report (t_96 runs this file
# against build-asan/tapstackd).
#
# The daemon is dual stack: -i tap0,192.0.2.2/24,2001:db8:1::2/64,...,host=2001:db8:1::1/64.
# TS_V6_LL=1 runs the matrix between link-local addresses instead (the daemon's fe80::ff:fe00:2,
# the host's own link-local), for a daemon whose -i takes no IPv6 prefix yet. TS_HOSTILE6_GROUPS
# (names from `hostile.py list6`) runs only those groups.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile6_lib.sh"
setup_ns
PCAP=${TS_HOSTILE6_PCAP:-$PCAP}
v6_start_daemon -S echo -s net.ipv6.icmp.ratelimit=0 -s icmp_msgs_burst=1000000 -s icmp_msgs_per_sec=1000000 \
	-s net.ipv6.ip6frag_time=3600
log "($TAPSTACKD)"

HOSTILE="$(cd "$(dirname "$0")" && pwd)/hostile.py"
OUT=$TMP/matrix6.out
T0=$(date +%s)
# shellcheck disable=SC2086 # the group list is split into words on purpose
inh env TAPSTACKCTL="$TAPSTACKCTL" TAPSTACK_CONTROL="$CTL" HOSTILE_D6="$D6" HOSTILE_H6="$H6" \
	timeout --foreground 180 "$PY" "$HOSTILE" matrix6 "$HOST_IF" "$DMAC" ${TS_HOSTILE6_GROUPS:-} >"$OUT" 2>"$TMP/matrix6.err"
rc=$?
cat "$OUT"
[ -s "$TMP/matrix6.err" ] && sed 's/^/# hostile.py stderr: /' "$TMP/matrix6.err"
grep -q '^matrix groups=' "$OUT" || echo "FAIL: hostile.py matrix6 ended without a summary (rc $rc)" | tee -a "$OUT"
log "matrix took $(($(date +%s) - T0)) s"

nfail=$(grep -c '^FAIL' "$OUT")
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	out=$(inh timeout --foreground 10 ping -6 -n -c 3 -i 0.2 -W 1 "$P6" 2>&1)
	ping_stats "$out"
	[ "$PING_RX" -ge 1 ] || fail "the daemon no longer answers ping -6 after the matrix ($nfail failed check(s))"
	log "ok: ping -6 after the matrix ($PING_RX/$PING_TX)"
	out=$(inh timeout --foreground 10 ping -n -c 2 -i 0.2 -W 1 "$D_IP" 2>&1)
	ping_stats "$out"
	[ "$PING_RX" -ge 1 ] || fail "the daemon no longer answers IPv4 ping after the matrix"
	ctl stats >/dev/null || fail "tapstackctl stats fails after the matrix"
	stop_daemon
	log "ok: SIGTERM: exit 0 within 2 s, no sanitizer report"
else
	wait "$DAEMON_PID"
	rc=$?
	forget_pid "$DAEMON_PID"
	check_sanitizer_log "$DAEMON_ERR"
	fail "the daemon died during the matrix (exit status $rc); $nfail failed check(s):
$(grep '^FAIL' "$OUT")"
fi
[ "$nfail" -eq 0 ] || fail "$nfail failed check(s):
$(grep '^FAIL' "$OUT")"
log "all checks passed"
