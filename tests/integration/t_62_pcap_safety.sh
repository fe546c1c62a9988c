#!/usr/bin/env bash
# Captures never clobber (issue 11). The root daemon's -w FILE:
#  - refuses a planted symbolic link (exit 2, one line; the link's target untouched), and a file
#    someone else created (exit 2; untouched even with --pcap-overwrite: not ours);
#  - creates a new capture mode 0600, or 0640 owned by the --pcap-group; --pcap-overwrite reuses a
#    regular file of ours;
#  - on a full disk (a 64 KiB tmpfs in a private mount namespace, then ping -f) stops the capture
#    with one line on stderr, `daemon` says "stopped after N frames: No space left on device",
#    and the stack goes on answering.
. "$(dirname "$0")/lib.sh"
setup_ns
PUB=$TMP/pub
chmod 755 "$TMP"   # so that another user reaches pub/
mkdir -p "$PUB" && chmod 1777 "$PUB"

# run_refused WHAT ERE ARGS...: tapstackd ARGS exits 2 at once with one stderr line matching ERE.
run_refused() {
	local what=$1 ere=$2 out rc
	shift 2
	out=$(ip netns exec "$NS_D" timeout --foreground 10 "$TAPSTACKD" -c "$TMP/refused.sock" \
		-i "tap9,192.0.2.2/24" "$@" 2>&1)
	rc=$?
	expect_eq "$what: exit status" 2 "$rc"
	expect_eq "$what: lines on stderr" 1 "$(printf '%s\n' "$out" | wc -l)"
	expect_match "$what: says why" "$ere" "$out"
	only_lo "$NS_D" || bad "$what: left a device behind in $NS_D"
}

echo "precious" >"$TMP/victim"
ln -s "$TMP/victim" "$PUB/cap.pcap"
run_refused "planted symlink" '^tapstackd: --pcap: .*/pub/cap\.pcap: is a symbolic link \(refused' -w "$PUB/cap.pcap"
run_refused "planted symlink, --pcap-overwrite" 'is a symbolic link \(refused\)' -w "$PUB/cap.pcap" --pcap-overwrite
expect_eq "the symlink's target after both" "precious" "$(cat "$TMP/victim")"

su nobody -s /bin/sh -c "umask 0; echo theirs > '$PUB/foreign.pcap'" || fail "cannot create a file as nobody"
run_refused "a file another user made" '^tapstackd: --pcap: .*/foreign\.pcap: exists \(refused' -w "$PUB/foreign.pcap"
run_refused "a file another user made, --pcap-overwrite" 'owned by another user \(refused\)' \
	-w "$PUB/foreign.pcap" --pcap-overwrite
expect_eq "the foreign file after both" "theirs" "$(cat "$PUB/foreign.pcap")"
run_refused "--pcap-group without --pcap" 'go with --pcap FILE' --pcap-group nogroup
run_refused "--pcap-group of no group" 'no group "no-such-group-x"' -w "$PUB/x.pcap" --pcap-group no-such-group-x

# New captures: 0600, or 0640 for a group; --pcap-overwrite on a file of ours.
start_daemon
expect_eq "mode of a new capture" "600 root" "$(stat -c '%a %U' "$PCAP")"
stop_daemon
rm -f "$PCAP"
start_daemon --pcap-group nogroup
expect_eq "mode and group with --pcap-group nogroup" "640 nogroup" "$(stat -c '%a %G' "$PCAP")"
stop_daemon
echo "old capture" >"$TMP/ours.pcap"
start_daemon -w "$TMP/ours.pcap" --pcap-overwrite
wait_ping "$NS_H" "$D_IP"
expect_match "--pcap-overwrite reuses our own file as a capture" 'ICMP echo request' \
	"$(tcpdump -nn -r "$TMP/ours.pcap" 2>/dev/null)"
stop_daemon

# A full disk: the capture stops, said once, the stack goes on.
SMALL=$TMP/small
mkdir -p "$SMALL"
cat >"$TMP/tmpfs-daemon" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount -t tmpfs -o size=64k tapstack-small "$SMALL" && exec "\$0" "\$@"' "$TAPSTACKD" "\$@"
WRAP
chmod +x "$TMP/tmpfs-daemon"
REAL=$TAPSTACKD
TAPSTACKD=$TMP/tmpfs-daemon
start_daemon -w "$SMALL/cap.pcap"
TAPSTACKD=$REAL
wait_ping "$NS_H" "$D_IP"
out=$(inh timeout --foreground 30 ping -n -q -f -c 3000 -s 200 "$D_IP" 2>&1)
printf '%s\n' "$out" | tail -n 2 | sed 's/^/# ping -f: /'
st=$(ctl daemon)
printf '%s\n' "$st" | grep '^pcap' | sed 's/^/# daemon: /'
expect_match "daemon shows the cut capture" '^pcap: .*/small/cap\.pcap \(stopped after [0-9]+ frames: No space left on device\)$' "$st"
expect_match "daemon --json names the error" '"pcap": null, "pcap_error": "No space left on device"' "$(ctl daemon --json)"
expect_eq "stderr lines about it" 1 "$(grep -c 'write failed: No space left on device; capture stopped after' "$DAEMON_ERR")"
out=$(inh timeout --foreground 10 ping -n -q -c 3 -i 0.2 -W 1 "$D_IP" 2>&1)
expect_match "ping after the capture stopped" '^3 packets transmitted, 3 received' "$out"
stop_daemon
soft_verdict
