#!/usr/bin/env bash
# arping (Thomas Habets' arping, Debian package "arping": -i IFACE, -c COUNT; exit 0 when
# answered) gets one ARP reply per request, from the MAC the daemon was given; an address the
# daemon does not own gets none.
. "$(dirname "$0")/lib.sh"
setup_ns
DMAC=02:00:5e:00:02:02
start_daemon -i "$(default_iface),mac=$DMAC"

out=$(inh timeout --foreground 20 arping -c 3 -i "$HOST_IF" "$D_IP" 2>&1)
rc=$?
printf '%s\n' "$out"
assert_eq "arping $D_IP exit status" 0 "$rc"
printf '%s\n' "$out" | grep -qE '^3 packets transmitted, 3 packets received' ||
	fail "expected '3 packets transmitted, 3 packets received' from arping"
n=$(printf '%s\n' "$out" | grep -cE "^[0-9]+ bytes from $DMAC \($D_IP\): index=[0-9]+")
assert_eq "ARP replies from $DMAC ($D_IP)" 3 "$n"
inh timeout --foreground 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP after arping"
assert_eq "host's neighbour entry for $D_IP (after a ping)" "$DMAC" "$(daemon_mac)"

out=$(inh timeout --foreground 20 arping -c 2 -i "$HOST_IF" 192.0.2.9 2>&1)
rc=$?
printf '%s\n' "$out"
assert_eq "arping 192.0.2.9 (not the daemon's) exit status" 1 "$rc"
printf '%s\n' "$out" | grep -qE '^2 packets transmitted, 0 packets received' ||
	fail "expected no ARP reply for 192.0.2.9"

stop_daemon
