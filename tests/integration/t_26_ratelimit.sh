#!/usr/bin/env bash
# Rate limiting (ICMP-SPEC §7, R2.6):
#  - defaults (icmp_ratelimit 1000 ms, burst 6 per destination): 100 UDP probes to distinct closed
#    ports in about 100 ms get exactly 6 port unreachables (for the first 6 ports), and
#    IcmpOutRateLimitHost +94; the counters agree with what was captured;
#  - more than 1 s later one more probe gets one more error;
#  - echo replies are not limited (bit 0 not in icmp_ratemask): ping -f -c 500 gets 500 replies
#    right after the per-destination bucket was emptied; with icmp_ratemask=0x1819 (bit 0 set)
#    a flood is limited: few replies, and the drops are counted;
#  - icmp_ratelimit=0: only the global bucket (burst 50, 1000/s) applies: 100 back-to-back probes
#    get between 45 and 100 errors, and IcmpOutRateLimitGlobal + errors = 100;
#  - a fresh daemon with icmp_msgs_per_sec=10, icmp_msgs_burst=10 (and icmp_ratelimit=0): a
#    back-to-back burst of 100 gets about 10 (3..25), the rest counted IcmpOutRateLimitGlobal;
#  - in the daemon's pcap, the unreachables and echo replies number what the counters say.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon
learn_dmac
S=$TMP/snap

probe rl-burst
expect rl-burst d.UdpNoPorts 100 "UdpNoPorts"
expect rl-burst unreach 6 "port unreachables captured (per-destination burst)"
expect rl-burst first_ports 20000,20001,20002,20003,20004,20005 "answered: the first six probes"
expect rl-burst d.IcmpMsgOutType3 6 "IcmpMsgOutType3 = captured"
expect rl-burst d.IcmpOutRateLimitHost 94 "IcmpOutRateLimitHost"
expect rl-burst d.IcmpOutRateLimitGlobal 0 "IcmpOutRateLimitGlobal"
expect rl-burst bad 0 "errors with a bad checksum"
el=$(pf rl-burst elapsed_ms)
[ "$el" -lt 900 ] || fail "the 100 probes took ${el} ms: too slow for the 1 s bucket period to hold"

sleep 1.1
probe rl-one
expect rl-one unreach 1 "one more error after more than 1 s"
expect rl-one d.IcmpOutRateLimitHost 0 "IcmpOutRateLimitHost"

# Echo replies are exempt, even with the bucket for 192.0.2.1 just emptied.
snapshot "$S"
out=$(inh timeout 20 ping -n -q -f -c 500 -W 1 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "ping -f -c 500: replies" 500 "$PING_RX"
assert_delta IcmpMsgOutType0 500 "$S"
assert_delta IcmpOutRateLimitHost 0 "$S"
assert_delta IcmpOutRateLimitGlobal 0 "$S"

assert_eq "sysctl icmp_ratemask=0x1819" "icmp_ratemask = 6169" "$(ctl sysctl icmp_ratemask=0x1819)"
snapshot "$S"
out=$(inh timeout 20 ping -n -q -f -c 100 -i 0.002 -W 1 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "flood with echo rate limited: requests sent" 100 "$PING_TX"
[ "$PING_RX" -le 10 ] || fail "flood with icmp_ratemask bit 0 set: $PING_RX of 100 answered (expected a few)"
log "ok: flood with icmp_ratemask=0x1819: $PING_RX of 100 answered"
assert_delta IcmpMsgInType8 100 "$S"
assert_delta IcmpMsgOutType0 "$PING_RX" "$S"
h=$(delta IcmpOutRateLimitHost "$S") g=$(delta IcmpOutRateLimitGlobal "$S")
[ "$h" -gt 0 ] || fail "IcmpOutRateLimitHost did not move for the limited flood"
assert_eq "flood: IcmpOutRateLimitHost + IcmpOutRateLimitGlobal = unanswered" $((100 - PING_RX)) $((h + g))
ctl sysctl icmp_ratemask=0x1818 >/dev/null || fail "sysctl icmp_ratemask=0x1818"

assert_eq "sysctl icmp_ratelimit=0" "icmp_ratelimit = 0" "$(ctl sysctl icmp_ratelimit=0)"
probe rl-burst-fast
u=$(pf rl-burst-fast unreach)
[ "$u" -ge 45 ] && [ "$u" -le 100 ] || fail "icmp_ratelimit=0: $u of 100 probes got errors (expected 45..100)"
log "ok: icmp_ratelimit=0: $u of 100 back-to-back probes got errors"
expect rl-burst-fast d.IcmpMsgOutType3 "$u" "IcmpMsgOutType3 = captured"
expect rl-burst-fast d.IcmpOutRateLimitGlobal $((100 - u)) "IcmpOutRateLimitGlobal = 100 - captured"
expect rl-burst-fast d.IcmpOutRateLimitHost 0 "IcmpOutRateLimitHost"
expect rl-burst-fast d.UdpNoPorts 100 "UdpNoPorts"

# The wire agrees with the counters.
n3=$(tcpdump -nn -r "$PCAP" "ether src $DMAC and icmp[icmptype] == icmp-unreach" 2>/dev/null | grep -c .)
assert_eq "port unreachables in the pcap = IcmpMsgOutType3" "$(counter IcmpMsgOutType3)" "$n3"
n0=$(tcpdump -nn -r "$PCAP" "ether src $DMAC and icmp[icmptype] == icmp-echoreply" 2>/dev/null | grep -c .)
assert_eq "echo replies in the pcap = IcmpMsgOutType0" "$(counter IcmpMsgOutType0)" "$n0"
stop_daemon

# The global bucket alone, made small: 10 per second, burst 10.
start_daemon -s icmp_ratelimit=0 -s icmp_msgs_per_sec=10 -s icmp_msgs_burst=10
learn_dmac
probe rl-burst-fast
u=$(pf rl-burst-fast unreach)
[ "$u" -ge 3 ] && [ "$u" -le 25 ] || fail "icmp_msgs_burst=10: $u of 100 probes got errors (expected about 10)"
log "ok: icmp_msgs_per_sec=10, icmp_msgs_burst=10: $u of 100 back-to-back probes got errors"
expect rl-burst-fast d.IcmpMsgOutType3 "$u" "IcmpMsgOutType3 = captured"
expect rl-burst-fast d.IcmpOutRateLimitGlobal $((100 - u)) "IcmpOutRateLimitGlobal = 100 - captured"
expect rl-burst-fast d.IcmpOutRateLimitHost 0 "IcmpOutRateLimitHost"
stop_daemon
