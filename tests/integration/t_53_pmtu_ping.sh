#!/usr/bin/env bash
# Path MTU discovery for the ping client against a real Linux router (ICMP-SPEC R8.1, R8.3 row 3/4,
# R8.4). Fresh daemon, so the path MTU to 203.0.113.2 is not yet known (errors_lib.sh):
#  - `ping -M do -s 1400 -c 1 203.0.113.2` (1428-byte datagram, DF): H answers 3/4 →
#    "From 192.0.2.1 icmp_seq=1 Frag needed and DF set (mtu = 1300)", exit 1; `route cache` then
#    shows "203.0.113.2 pmtu 1300 expires 600s";
#  - `ping -M do -s 1400` again → "ping: local error: message too long, mtu=1300", exit 1, nothing
#    on the wire;
#  - `ping -M do -s 1272` (exactly 1300 bytes) → a reply, "1280 bytes from 203.0.113.2: ... ttl=63";
#  - `ping -s 1400` (default -M want) → sent as two fragments (IP lengths 1300 and 148) and answered:
#    "1408 bytes from 203.0.113.2: icmp_seq=1 ttl=63", exit 0;
#  - `ping -s 1400 -c 2` (-M want) to 203.0.113.4, PMTU not yet known: request 1 leaves with DF and
#    gets "From 192.0.2.1 icmp_seq=1 Frag needed and DF set (mtu = 1300)", request 2 is fragmented and
#    answered; summary "2 packets transmitted, 1 received, +1 errors, 50% packet loss", exit 0;
#  - R8.4 lock with a real router: the link to 203.0.113.3 (a second address of the far host) is
#    lowered to MTU 500; `ping -M do -s 600 203.0.113.3` gets "Frag needed and DF set (mtu = 500)",
#    500 < min_pmtu 552, so `route cache` shows "203.0.113.3 pmtu 552 lock"; after that a small
#    `ping -s 100` (default -M want) leaves with DF=0 (locked) and is answered, and `ping -s 600`
#    goes out in fragments no larger than 552 with DF=0 and is answered;
#  - a `udp send --df` above the known path MTU is refused (Message too long) and `sockets` does
#    not count it as sent (issue 12 item 4);
#  - tapstackctl ping speaks iputils (issue 12 item 4): -q prints only the summary, -D stamps each
#    line with the wall clock, -W 0.5 ends a ping nobody answers after half a second (the default
#    wait is 2 s), -w 2 without -c keeps sending until the deadline (exit 0), -O reports
#    "no answer yet", -n is accepted, an unknown option gets "ping: invalid option -- 'x'" and the
#    usage, exit 2;
#  - IcmpMsgInType3 +4 before the ping options (three 3/4, C's 3/3 for the small datagram),
#    IcmpInErrors 0; the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_errors
S=$TMP/snap
snapshot "$S"

# tping ARGS...: tapstackctl ping (bounded); output in $OUT, status in $RC.
tping() {
	OUT=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping "$@" 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed "s/^/# ping $*: /"
}

# ---- first time: the router's 3/4 ----
tping -M 'do' -s 1400 -c 1 "$FAR_IP"
expect_eq "ping -M do -s 1400 (PMTU unknown): exit status" 1 "$RC"
expect_eq "ping -M do -s 1400 (PMTU unknown): answer" \
	"From $ROUTER_IP icmp_seq=1 Frag needed and DF set (mtu = $PATH_MTU)" "$(printf '%s\n' "$OUT" | grep '^From ')"
expect_match "summary" "^1 packets transmitted, 0 received, \+1 errors, 100% packet loss" "$OUT"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: $FAR_IP pmtu $PATH_MTU" "^$FAR_IP pmtu $PATH_MTU expires (600|599)s\$" "$rc_out"
expect_match "the 1428-byte request left with DF" \
	"flags \[DF\], proto ICMP \(1\), length 1428\) \|\| $D_IP > $FAR_IP: ICMP echo request" \
	"$(pcap_text "icmp and dst host $FAR_IP")"

# ---- PMTU known: refused locally ----
n0=$(tcpdump -nn -r "$PCAP" "dst host $FAR_IP" 2>/dev/null | wc -l)
tping -M 'do' -s 1400 -c 1 "$FAR_IP"
expect_eq "ping -M do -s 1400 (PMTU known): exit status" 1 "$RC"
expect_eq "ping -M do -s 1400 (PMTU known): local error" "ping: local error: message too long, mtu=$PATH_MTU" \
	"$(printf '%s\n' "$OUT" | grep '^ping: ')"
sleep 0.1
n1=$(tcpdump -nn -r "$PCAP" "dst host $FAR_IP" 2>/dev/null | wc -l)
expect_eq "frames to $FAR_IP from the refused ping" 0 "$((n1 - n0))"

# ---- a UDP datagram above the known path MTU: refused at send, not counted as sent ----
big=$(head -c 1400 /dev/zero | tr '\0' x)
out=$(ctl udp send --from 40090 --df "$FAR_IP:9" "$big" 2>&1); rc=$?
expect_eq "udp send --df of 1428 bytes (PMTU $PATH_MTU): exit status" 1 "$rc"
expect_match "udp send --df of 1428 bytes: Message too long" "Message too long" "$out"
expect_match "sockets: the refused datagram is not counted as sent" "^udp 0\.0\.0\.0:40090 rx 0 tx 0 " "$(ctl sockets)"
out=$(ctl udp send --from 40090 "$FAR_IP:9" small 2>&1) || fail "udp send small: $out"
expect_match "sockets: a datagram that went is" "^udp 0\.0\.0\.0:40090 rx 0 tx 1 " "$(ctl sockets)"

# ---- exactly the path MTU with DF: fine ----
tping -M 'do' -s 1272 -c 1 "$FAR_IP"
expect_eq "ping -M do -s 1272 (1300 bytes): exit status" 0 "$RC"
expect_match "ping -M do -s 1272: reply" "^1280 bytes from $FAR_IP: icmp_seq=1 ttl=63 time=" "$OUT"

# ---- -M want (default): fragmented to the path MTU, answered ----
tping -s 1400 -c 1 "$FAR_IP"
expect_eq "ping -s 1400 (want): exit status" 0 "$RC"
expect_match "ping -s 1400 (want): reply" "^1408 bytes from $FAR_IP: icmp_seq=1 ttl=63 time=" "$OUT"
fr=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and dst host $FAR_IP and (ip[6:2] & 0x3fff != 0)" 2>/dev/null |
	grep -E '^[0-9:.]+ IP ')
printf '%s\n' "$fr" | sed 's/^/# fragment: /'
expect_eq "request fragments sent" 2 "$(printf '%s\n' "$fr" | grep -c .)"
expect_match "first fragment: offset 0, MF, 1300 bytes" "offset 0, flags \[\+\], proto ICMP \(1\), length 1300\)" "$fr"
expect_match "last fragment: offset 1280, 148 bytes" "offset 1280, flags \[none\], proto ICMP \(1\), length 148\)" "$fr"

# ---- -M want toward a destination whose PMTU is not known yet ----
# The first 1428-byte request fits tap0, so it leaves with DF and gets H's 3/4; the second, 300 ms
# later, is fragmented to the learned 1300 and answered (as iputils ping behaves on Linux).
WANT_IP=203.0.113.4
ip -n "$NS_C" addr add "$WANT_IP/24" dev vc || fail "third address on vc"
tping -s 1400 -c 2 -i 0.3 "$WANT_IP"
expect_eq "ping -s 1400 -c 2 $WANT_IP (want, PMTU unknown): exit status" 0 "$RC"
expect_eq "ping -s 1400 -c 2 $WANT_IP: first answer" "From $ROUTER_IP icmp_seq=1 Frag needed and DF set (mtu = $PATH_MTU)" \
	"$(printf '%s\n' "$OUT" | grep '^From ')"
expect_match "ping -s 1400 -c 2 $WANT_IP: second request answered" "^1408 bytes from $WANT_IP: icmp_seq=2 ttl=63 " "$OUT"
expect_match "ping -s 1400 -c 2 $WANT_IP: summary" "^2 packets transmitted, 1 received, \+1 errors, 50% packet loss" "$OUT"

# ---- a report below min_pmtu locks the path MTU at min_pmtu ----
LOW_IP=203.0.113.3
ip -n "$NS_C" addr add "$LOW_IP/24" dev vc || fail "second address on vc"
ip -n "$NS_H" link set vh mtu 500 || fail "vh mtu 500"
ip -n "$NS_C" link set vc mtu 500 || fail "vc mtu 500"
tping -M 'do' -s 600 -c 1 "$LOW_IP"
expect_eq "ping -M do -s 600 $LOW_IP (link MTU 500): answer" \
	"From $ROUTER_IP icmp_seq=1 Frag needed and DF set (mtu = 500)" "$(printf '%s\n' "$OUT" | grep '^From ')"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "route cache: $LOW_IP pmtu 552 lock (report 500 < min_pmtu 552)" \
	"^$LOW_IP pmtu 552 lock expires (600|599)s\$" "$rc_out"
expect_match "route cache: $FAR_IP still pmtu $PATH_MTU" "^$FAR_IP pmtu $PATH_MTU expires [0-9]+s\$" "$rc_out"
tping -s 100 -c 1 "$LOW_IP"
expect_eq "ping -s 100 $LOW_IP (locked): exit status" 0 "$RC"
expect_match "ping -s 100 $LOW_IP: reply" "^108 bytes from $LOW_IP: icmp_seq=1 ttl=63 time=" "$OUT"
expect_match "with the path MTU locked, a small request leaves with DF=0" \
	"flags \[none\], proto ICMP \(1\), length 128\) \|\| $D_IP > $LOW_IP: ICMP echo request" \
	"$(pcap_text "icmp and dst host $LOW_IP")"
tping -s 600 -c 1 "$LOW_IP"
expect_eq "ping -s 600 $LOW_IP (locked): exit status" 0 "$RC"
expect_match "ping -s 600 $LOW_IP: reply" "^608 bytes from $LOW_IP: icmp_seq=1 ttl=63 time=" "$OUT"
fr=$(tcpdump -nn -v -r "$PCAP" "src host $D_IP and dst host $LOW_IP and (ip[6:2] & 0x3fff != 0)" 2>/dev/null |
	grep -E '^[0-9:.]+ IP ')
printf '%s\n' "$fr" | sed 's/^/# fragment: /'
expect_eq "fragments of the 628-byte request" 2 "$(printf '%s\n' "$fr" | grep -c .)"
expect_nomatch "no fragment with DF" "DF" "$fr"
big=$(printf '%s\n' "$fr" | sed -nE 's/.* length ([0-9]+)\)$/\1/p' | sort -n | tail -n 1)
expect_range "largest fragment (IP length)" 1 552 "${big:-0}"

# Three 3/4 from H, and C's port unreachable for the small UDP datagram (the iputils section
# below adds H's late host unreachables for 203.0.113.99).
expect_delta IcmpMsgInType3 4 "$S"

# ---- iputils' options ----
tping -qn -c 2 -i 0.2 "$FAR_IP"
expect_eq "ping -qn: exit status" 0 "$RC"
expect_nomatch "ping -q: no line per reply" "bytes from" "$OUT"
expect_match "ping -q: the summary" "^2 packets transmitted, 2 received, 0% packet loss" "$OUT"
tping -D -c 1 "$FAR_IP"
stamp=$(printf '%s\n' "$OUT" | sed -nE 's/^\[([0-9]+)\.[0-9]{6}\] 64 bytes from .*/\1/p')
expect_range "ping -D: the reply line's [seconds.microseconds] is now" $(( $(date +%s) - 5 )) $(( $(date +%s) + 1 )) "${stamp:-0}"
SILENT_IP=203.0.113.99   # on H's link, nobody: H's ARP takes seconds to give up
t0=$(date +%s%N)
tping -W 0.5 -c 1 "$SILENT_IP"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "ping -W 0.5 (no answer): exit status" 1 "$RC"
expect_range "ping -W 0.5: ends after half a second (ms)" 400 1500 "$ms"
tping -O -c 2 -i 0.3 -W 0.3 "$SILENT_IP"
expect_match "ping -O: the unanswered first request reported before the second" "^no answer yet for icmp_seq=1\$" "$OUT"
tping -w 2 -i 0.5 "$FAR_IP"
expect_eq "ping -w 2 (no -c, all answered): exit status" 0 "$RC"
expect_match "ping -w 2 -i 0.5: requests until the deadline" "^[45] packets transmitted, [45] received, 0% packet loss" "$OUT"
tping -x "$FAR_IP"
expect_eq "ping -x: exit status" 2 "$RC"
expect_eq "ping -x: message" "ping: invalid option -- 'x'" "$(printf '%s\n' "$OUT" | head -n 1)"
expect_match "ping -x: the usage" "^usage: ping " "$OUT"
expect_delta IcmpInErrors 0 "$S"
finish
