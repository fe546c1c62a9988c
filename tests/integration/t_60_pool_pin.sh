#!/usr/bin/env bash
# Every buffer share pinned at once (issue 11): 64 UDP sockets nobody reads, each sent 17
# datagrams (together they once held the whole pool); port unreachables to 240 silent on-link
# sources waiting for ARP; 400 reassembly queues that never complete. Then ping from the host
# still gets every reply: UDP queues stop at their share (UdpMemErrors), ARP's pending queue at
# its own (ArpQueueDrops), reassembly at the pool's reserve (IpReasmFails), and no frame was read
# without a buffer.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon -s icmp_ratemask=0
S=$TMP/snap
for p in $(seq 40000 40063); do
	ctl udp bind "$p" >/dev/null || fail "udp bind $p"
done
wait_ping "$NS_H" "$D_IP"   # the host learns the daemon's MAC
snapshot "$S"
sent=$(inh timeout --foreground 120 "$PY" "$TS_TOP/tests/integration/pin_pool.py" "$HOST_IF" "$(daemon_mac)") ||
	fail "pin_pool.py failed"
log "pin_pool.py sent $sent frames"
sleep 0.5
out=$(inh timeout --foreground 20 ping -n -c 5 -i 0.2 -W 2 "$D_IP" 2>&1)
printf '%s\n' "$out" | sed 's/^/# ping: /'
expect_match "ping while every share is pinned" '^5 packets transmitted, 5 received, 0% packet loss' "$out"
queued=$(ctl sockets | awk '$1 == "udp" && $3 == "rx" { q += $8 } END { print q + 0 }')
log "datagrams queued on the 64 sockets: $queued"
expect_range "datagrams queued on all sockets (at most an eighth of the 1024-buffer pool)" 1 128 "$queued"
expect_delta_ge UdpMemErrors 1 "$S"
expect_delta_ge ArpQueueDrops 1 "$S"
expect_delta_ge IpReasmFails 1 "$S"
nobuf=$(ctl daemon --json | sed -nE 's/.*"rx_nobuf": ([0-9]+).*/\1/p' | head -n 1)
expect_eq "frames read without a buffer" 0 "${nobuf:-missing}"
ctl stats | grep -E '^(UdpMemErrors|UdpRcvbufErrors|ArpQueueDrops|IpReasmFails|PkbAllocFails) ' | sed 's/^/# /'
finish
