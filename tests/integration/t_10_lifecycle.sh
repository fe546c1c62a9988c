#!/usr/bin/env bash
# Lifecycle: SIGTERM and SIGINT end the daemon with status 0 within 2 s, its TAP disappears (host
# side in $NS_H, nothing left in $NS_D) and the control socket file is removed; with no -i it
# uses its default tap0 192.0.2.2/24, host side 192.0.2.1/24; bad arguments exit 2 with one line
# on stderr and leave no device and no socket behind; --help exits 0 and mentions --iface. With no
# -i in a namespace with IPv6 off, the default's IPv6 host= is left out with a note.
. "$(dirname "$0")/lib.sh"
setup_ns

assert_gone() {   # assert_gone WHEN
	only_lo "$NS_H" || fail "$1: devices left in $NS_H: $(ip -n "$NS_H" -o link show | grep -v ': lo:')"
	only_lo "$NS_D" || fail "$1: devices left in $NS_D: $(ip -n "$NS_D" -o link show | grep -v ': lo:')"
	[ ! -e "$CTL" ] || fail "$1: control socket $CTL still exists"
	log "ok: no device in $NS_H or $NS_D and no control socket ($1)"
}

for sig in TERM INT; do
	start_daemon
	ip -n "$NS_H" -o link show dev "$HOST_IF" >/dev/null || fail "no $HOST_IF in $NS_H while running"
	only_lo "$NS_D" || fail "the TAP was not moved out of $NS_D: $(ip -n "$NS_D" -o link show)"
	inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping before SIG$sig"
	stop_daemon "$sig"
	log "ok: exit status 0 within 2 s of SIG$sig"
	assert_gone "after SIG$sig"
	[ -s "$PCAP" ] || fail "capture file empty after SIG$sig"
done

# No -i: the default interface, created where the daemon runs (here $NS_D), as `make run` does.
TS_NO_IFACE=1 READY_NS=$NS_D start_daemon
ip -n "$NS_D" -o -4 addr show dev tap0 | grep -q " 192\.0\.2\.1/24 " || fail "default host side is not 192.0.2.1/24"
out=$(ip netns exec "$NS_D" timeout --foreground 10 ping -n -c 2 -i 0.2 -W 2 192.0.2.2 2>&1)
ping_stats "$out"
assert_eq "echo replies on the default interface" 2 "$PING_RX"
# $NS_D has IPv6 off: the default's IPv6 host= is left out with a note (t_90 has it on).
grep -qx "tapstackd: tap0: IPv6 is disabled on the kernel side: its address 2001:db8:1::1/64 is not set" "$DAEMON_ERR" ||
	fail "no note about the IPv6 host address: $(cat "$DAEMON_ERR")"
ctl addr | grep -q "^    inet6 2001:db8:1::2/64 scope global" || fail "default: no inet6 2001:db8:1::2/64: $(ctl addr)"
stop_daemon INT
assert_gone "default interface, after SIGINT"

# Bad arguments. Each one runs with a control path and, where an interface is given, with the
# host side in $NS_H, so anything it wrongly creates shows up in one of our namespaces.
bad_args() {   # bad_args EXPECTED_STATUS ARGS...
	local want=$1 rc lines; shift
	timeout --foreground 5 ip netns exec "$NS_D" "$TAPSTACKD" -c "$CTL" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	check_sanitizer_log "$TMP/bad.err"
	lines=$(grep -c '' "$TMP/bad.err")
	[ "$rc" -ne 124 ] || fail "tapstackd $*: still running after 5 s (expected exit $want)"
	if [ "$want" = nonzero ]; then
		[ "$rc" -ne 0 ] || fail "tapstackd $*: exit 0, expected nonzero"
	else
		[ "$rc" -eq "$want" ] || fail "tapstackd $*: exit $rc, expected $want; stderr: $(cat "$TMP/bad.err")"
	fi
	[ "$lines" -eq 1 ] || fail "tapstackd $*: $lines lines on stderr, expected exactly 1: $(cat "$TMP/bad.err")"
	assert_gone "tapstackd $*"
	log "ok: tapstackd $* -> exit $rc: $(cat "$TMP/bad.err")"
}
bad_args 2 -i tap0,192.0.2.2/33
bad_args 2 -i tap0,192.0.2.300/24
bad_args 2 -s nosuchknob=1
bad_args 2 -i "$(default_iface)" -s nosuchknob=1
bad_args 2 -i "$(default_iface)" -s ip_default_ttl=0
bad_args 2 -i "tap0,$D_IP/24,netns=$NS_H,host=192.0.2.1/33"
bad_args 2 -i "tap0,$D_IP/24,netns=$NS_H,mtu=40"
bad_args 2 --bogus
bad_args 2 -i
bad_args nonzero -i "tap0,$D_IP/24,netns=${TS_PREFIX}nosuch,host=$HOST_IP/24"

out=$(timeout --foreground 5 ip netns exec "$NS_D" "$TAPSTACKD" -c "$CTL" --help 2>&1); rc=$?
assert_eq "tapstackd --help exit status" 0 "$rc"
printf '%s\n' "$out" | grep -q -- '--iface' || fail "tapstackd --help does not mention --iface: $out"
log "ok: --help mentions --iface"
assert_gone "after --help"
