#!/usr/bin/env bash
# The path MTU learned from a real Linux router expires after mtu_expires, and min_pmtu locks a
# report below it (ICMP-SPEC R8.4). Topology as t_52/t_53 (errors_lib.sh), daemon with
# -s mtu_expires=2:
#  - `ping -M do -s 1400 -c 1 203.0.113.2` → "From 192.0.2.1 icmp_seq=1 Frag needed and DF set
#    (mtu = 1300)"; `route cache`: "203.0.113.2 pmtu 1300 expires 2s"; a --df UDP datagram of 1400
#    bytes is then refused locally ("udp send: Message too long");
#  - the entry is gone from `route cache` 2 s after it was learned (not before 1.5 s, polled for at most
#    4 s), and the same DF ping then leaves whole again and gets a fresh 3/4 from the router;
#  - `sysctl min_pmtu=1400`, `sysctl mtu_expires=600`, wait for the entry to expire again, then the DF
#    ping once more: 1300 < min_pmtu, so `route cache` shows "203.0.113.2 pmtu 1400 lock"; a
#    `ping -s 1400` (1428 bytes, -M want) then leaves as fragments of at most 1400 bytes with DF=0
#    (H refragments them for its 1300-byte link) and is answered (ttl=63);
#  - the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_errors -s mtu_expires=2

tping() {
	OUT=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping "$@" 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed "s/^/# ping $*: /"
}
now_ms() { date +%s%3N; }
BIG=$(head -c 1372 /dev/zero | tr '\0' 'e')
FN="From $ROUTER_IP icmp_seq=1 Frag needed and DF set (mtu = $PATH_MTU)"

# wait_expired: polls (at most 4 s) until `route cache` no longer lists the far host; sets GONE_MS
# (ms since T0) or fails the check.
wait_expired() {
	local _
	GONE_MS=""
	for _ in $(seq 1 80); do
		if ! ctl route cache | grep -q "^$FAR_IP "; then
			GONE_MS=$(($(now_ms) - T0))
			return 0
		fi
		sleep 0.05
	done
	bad "route cache still lists $FAR_IP 4 s after it was learned: $(ctl route cache)"
	return 1
}

tping -M 'do' -s 1400 -c 1 "$FAR_IP"
T0=$(now_ms)
expect_eq "DF ping, PMTU unknown: answer" "$FN" "$(printf '%s\n' "$OUT" | grep '^From ')"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: pmtu $PATH_MTU expires 2s" "^$FAR_IP pmtu $PATH_MTU expires (2|1)s\$" "$rc_out"
out=$(ctl udp send --df --from 40050 "$FAR_IP:9" "$BIG" 2>&1)
expect_eq "1400-byte --df datagram while the PMTU is known" "udp send: Message too long" "$out"

if wait_expired; then
	log "route cache entry gone after $GONE_MS ms"
	expect_range "ms until the PMTU entry expired (mtu_expires=2)" 1500 3000 "$GONE_MS"
fi
n0=$(tcpdump -nn -r "$PCAP" "icmp and dst host $FAR_IP and greater 1400" 2>/dev/null | wc -l)
tping -M 'do' -s 1400 -c 1 "$FAR_IP"
expect_eq "DF ping after expiry: the router's 3/4 again" "$FN" "$(printf '%s\n' "$OUT" | grep '^From ')"
n1=$(tcpdump -nn -r "$PCAP" "icmp and dst host $FAR_IP and greater 1400" 2>/dev/null | wc -l)
expect_eq "1428-byte DF requests on the wire after expiry" 1 "$((n1 - n0))"
expect_match "route cache: relearned" "^$FAR_IP pmtu $PATH_MTU expires (2|1)s\$" "$(ctl route cache)"
T0=$(now_ms)

# ---- min_pmtu above the router's report: locked at min_pmtu ----
ctl sysctl min_pmtu=1400 >/dev/null || fail "sysctl min_pmtu=1400"
ctl sysctl mtu_expires=600 >/dev/null || fail "sysctl mtu_expires=600"
wait_expired
tping -M 'do' -s 1400 -c 1 "$FAR_IP"
expect_eq "DF ping with min_pmtu=1400: answer" "$FN" "$(printf '%s\n' "$OUT" | grep '^From ')"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: report $PATH_MTU < min_pmtu 1400 → pmtu 1400 lock" \
	"^$FAR_IP pmtu 1400 lock expires (600|599)s\$" "$rc_out"
n0=$(tcpdump -nn -r "$PCAP" "src host $D_IP and dst host $FAR_IP" 2>/dev/null | wc -l)
tping -s 1400 -c 1 "$FAR_IP"
expect_eq "ping -s 1400 (want) with the PMTU locked: exit status" 0 "$RC"
expect_match "ping -s 1400: reply" "^1408 bytes from $FAR_IP: icmp_seq=1 ttl=63 time=" "$OUT"
fr=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and dst host $FAR_IP" 2>/dev/null | grep -E '^[0-9:.]+ IP ' |
	sed -n "$((n0 + 1)),\$p")
printf '%s\n' "$fr" | sed 's/^/# sent: /'
expect_eq "frames of the 1428-byte request" 2 "$(printf '%s\n' "$fr" | grep -c .)"
expect_nomatch "no DF on the locked path" "DF" "$fr"
expect_match "first fragment: 1396 bytes (1376 of data, a multiple of 8)" \
	"offset 0, flags \[\+\], proto ICMP \(1\), length 1396\)" "$fr"

finish
