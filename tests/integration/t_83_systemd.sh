#!/usr/bin/env bash
# The systemd unit: `systemd-analyze verify` accepts it (its binary, man pages and hardening
# directives), and its ExecStart line, run by hand in a namespace with NOTIFY_SOCKET pointing at
# a test socket, sends READY=1 only once the interface is up and the control socket listens;
# SIGHUP gives RELOADING=1 then READY=1, SIGTERM STOPPING=1.
. "$(dirname "$0")/lib.sh"
setup_ns
P=$TMP/p
make -s -C "$TS_TOP" install PREFIX="$P" SYSCONFDIR="$TMP/etc" >"$TMP/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 5 "$TMP/install.log")"
UNIT=$P/lib/systemd/system/tapstackd.service
for d in Type=notify "ExecReload=kill -HUP \$MAINPID" RuntimeDirectory=tapstack \
	CapabilityBoundingSet=CAP_NET_ADMIN AmbientCapabilities=CAP_NET_ADMIN "DeviceAllow=/dev/net/tun rw" \
	DevicePolicy=closed NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	"RestrictAddressFamilies=AF_UNIX AF_NETLINK" SystemCallArchitectures=native; do
	grep -qxF "$d" "$UNIT" || fail "unit lacks $d"
done
out=$(MANPATH=$P/share/man SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$UNIT" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify said: $out"
log "systemd-analyze verify: clean"

# ExecStart by hand: the configuration file it names, in the test's namespaces.
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
conf=$(printf '%s\n' "$exec_start" | sed -n 's/.* -f \([^ ]*\).*/\1/p')
[ "$conf" = "$TMP/etc/tapstack/tapstackd.conf" ] || fail "ExecStart does not name the config: $exec_start"
mkdir -p "$(dirname "$conf")"
printf 'iface %s\ncontrol %s\n' "$(default_iface)" "$CTL" >"$conf"

NSOCK=$TMP/notify.sock
NLOG=$TMP/notify.log
# The listener records each datagram with whether the control socket existed when it arrived
# (checked first, at once: the daemon opens it after every interface is up) and whether tap0 then
# had its address.
$PY - "$NSOCK" "$NLOG" "$NS_H" "$CTL" <<'EOPY' &
import os, socket, subprocess, sys
path, logp, ns, ctl = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
with open(logp, "w", buffering=1) as log:
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        c = os.path.exists(ctl)  # at once: the control socket is opened after the interfaces
        l = subprocess.run(["ip", "-n", ns, "-o", "addr", "show", "dev", "tap0"], capture_output=True, text=True).stdout
        up = "192.0.2.1/24" in l
        log.write("%s up=%d ctl=%d\n" % (msg.replace("\n", ";"), up, c))
        if "STOPPING=1" in msg:
            break
EOPY
LPID=$!
for i in $(seq 1 100); do [ -S "$NSOCK" ] && break; sleep 0.05; done
[ -S "$NSOCK" ] || fail "notify listener did not start"

# shellcheck disable=SC2086
NOTIFY_SOCKET=$NSOCK ip netns exec "$NS_D" $exec_start 2>"$TMP/d.err" &
DPID=$!
DAEMON_PIDS="$DAEMON_PIDS $DPID"
for i in $(seq 1 100); do grep -q READY=1 "$NLOG" 2>/dev/null && break; sleep 0.05; done
log "notify: $(cat "$NLOG")"
grep -q "READY=1" "$NLOG" || fail "no READY=1 within 5 s"
grep -q "READY=1.* up=1 ctl=1" "$NLOG" || fail "READY=1 came before the interface was up: $(cat "$NLOG")"
grep -q "MAINPID=$DPID" "$NLOG" || fail "MAINPID is not the daemon's pid $DPID: $(cat "$NLOG")"
wait_ping "$NS_H" "$D_IP"
kill -HUP "$DPID"
for i in $(seq 1 40); do [ "$(grep -c READY=1 "$NLOG")" -ge 2 ] && break; sleep 0.05; done
sed -n '2,3p' "$NLOG" | tr '\n' ' ' | grep -q "RELOADING=1.*READY=1" || fail "reload notifications: $(cat "$NLOG")"
kill -TERM "$DPID"
wait "$DPID" || fail "daemon exit status $? after SIGTERM"
forget_pid "$DPID"
wait "$LPID"
tail -n 1 "$NLOG" | grep -q STOPPING=1 || fail "no STOPPING=1: $(cat "$NLOG")"
log "all checks passed"
