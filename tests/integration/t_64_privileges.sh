#!/usr/bin/env bash
# Least privilege by default (issue 11). Once set up, the daemon
#  - keeps only CAP_NET_ADMIN: /proc/PID/status shows CapEff, CapPrm and CapBnd 0000000000001000,
#    NoNewPrivs 1, Seccomp 2 — and still answers ping and tapstackctl, and exits cleanly;
#  - with --user nobody runs as uid 65534 with the same capabilities, and works the same;
#  - dies with one line naming the call when it makes a system call outside its allowlist: a test
#    preload makes acct(2) on SIGUSR2 -> "tapstackd: seccomp: system call 163 (acct) is not on the
#    daemon's allowlist; exiting", exit status 159 (128 + SIGSYS); the TAP is gone with it;
#  - --user with an unknown user is refused at start (exit 2);
#  - issue 17's operator case: `tapstackd -f FILE --user nobody` answers ping, re-applies a changed
#    knob and route on SIGHUP, refuses a broken file on reload and keeps running, as nobody with
#    CAP_NET_ADMIN only.
. "$(dirname "$0")/lib.sh"
setup_ns

status_of() { awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/status"; }
check_privs() {   # check_privs WHAT UID
	expect_eq "$1: CapEff" 0000000000001000 "$(status_of "$DAEMON_PID" CapEff)"
	expect_eq "$1: CapPrm" 0000000000001000 "$(status_of "$DAEMON_PID" CapPrm)"
	expect_eq "$1: CapBnd" 0000000000001000 "$(status_of "$DAEMON_PID" CapBnd)"
	expect_eq "$1: CapInh" 0000000000000000 "$(status_of "$DAEMON_PID" CapInh)"
	expect_eq "$1: NoNewPrivs" 1 "$(status_of "$DAEMON_PID" NoNewPrivs)"
	expect_eq "$1: Seccomp" 2 "$(status_of "$DAEMON_PID" Seccomp)"
	expect_eq "$1: Uid" "$2" "$(status_of "$DAEMON_PID" Uid)"
	out=$(inh timeout --foreground 10 ping -n -q -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
	expect_match "$1: ping" '^3 packets transmitted, 3 received' "$out"
	expect_match "$1: tapstackctl stats" '^IcmpInMsgs +[1-9]' "$(ctl stats)"
	expect_match "$1: tapstackctl sysctl (a knob set)" '^ip_default_ttl = 65$' "$(ctl sysctl ip_default_ttl=65)"
}

start_daemon
check_privs "default" 0
stop_daemon

start_daemon --user nobody
check_privs "--user nobody" "$(id -u nobody)"
stop_daemon

out=$(ip netns exec "$NS_D" "$TAPSTACKD" -c "$TMP/x.sock" --user no-such-user-x 2>&1); rc=$?
expect_eq "--user no-such-user-x: exit status" 2 "$rc"
expect_eq "--user no-such-user-x: says" 'tapstackd: --user: no user "no-such-user-x"' "$out"

# A configuration file, reloaded as nobody.
chmod 755 "$TMP"
CONF=$TMP/tapstackd.conf
conf() { printf 'iface %s\nset icmp_ratelimit=%s\nroute %s\nuser nobody\n' "$(default_iface)" "$1" "$2" >"$CONF"; chmod 644 "$CONF"; }
conf 250 "203.0.113.0/25,via=$HOST_IP"
TS_NO_IFACE=1 start_daemon -f "$CONF"
check_privs "-f FILE with user nobody" "$(id -u nobody)"
conf 300 "198.51.100.0/24,via=$HOST_IP"
kill -HUP "$DAEMON_PID"
for i in $(seq 1 40); do ctl sysctl icmp_ratelimit | grep -q '= 300$' && break; sleep 0.05; done
expect_eq "knob after SIGHUP as nobody" "icmp_ratelimit = 300" "$(ctl sysctl icmp_ratelimit)"
expect_match "route after SIGHUP as nobody" "^198\.51\.100\.0/24 via $HOST_IP" "$(ctl route)"
expect_nomatch "the dropped route is gone" "^203\.0\.113\.0/25" "$(ctl route)"
echo "bogus line" >>"$CONF"
out=$(ctl reload 2>&1); rc=$?
expect_eq "reload of a broken file as nobody: status" 1 "$rc"
expect_match "reload of a broken file as nobody: says" 'reload refused: .*tapstackd\.conf:5: ' "$out"
expect_eq "knob kept" "icmp_ratelimit = 300" "$(ctl sysctl icmp_ratelimit)"
out=$(inh timeout --foreground 10 ping -n -q -c 2 -i 0.2 -W 1 "$D_IP" 2>&1)
expect_match "ping after the refused reload" '^2 packets transmitted, 2 received' "$out"
stop_daemon

# A system call outside the allowlist.
gcc -shared -fPIC -O1 -o "$TMP/forbidden.so" "$TS_TOP/tests/integration/forbidden_preload.c" ||
	fail "cannot build the test preload"
REAL=$TAPSTACKD
cat >"$TMP/preloaded" <<WRAP
#!/bin/sh
LD_PRELOAD=$TMP/forbidden.so exec "$REAL" "\$@"
WRAP
chmod +x "$TMP/preloaded"
TAPSTACKD=$TMP/preloaded
start_daemon
TAPSTACKD=$REAL
wait_ping "$NS_H" "$D_IP"
kill -USR2 "$DAEMON_PID"
rc=0
for i in $(seq 1 40); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
wait "$DAEMON_PID"; rc=$?
forget_pid "$DAEMON_PID"
expect_eq "exit status after a forbidden system call" 159 "$rc"
expect_eq "what it says" "tapstackd: seccomp: system call 163 (acct) is not on the daemon's allowlist; exiting" \
	"$(cat "$DAEMON_ERR")"
for i in $(seq 1 40); do only_lo "$NS_D" && ! ip -n "$NS_H" link show "$HOST_IF" >/dev/null 2>&1 && break; sleep 0.05; done
only_lo "$NS_D" || bad "a device is left in $NS_D"
ip -n "$NS_H" link show "$HOST_IF" >/dev/null 2>&1 && bad "$HOST_IF is left in $NS_H"
soft_verdict
