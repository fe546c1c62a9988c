#!/usr/bin/env bash
# Resource bounds under a fragment flood (issue #7 part C): for 15 s, 20 000 fragments a second
# to 192.0.2.2: three in four are 1480-byte first fragments with random IDs from sources spread
# across 203.0.113.0/24 and 198.51.100.0/24 (each a new reassembly queue), one in four a middle
# fragment of one of 8 long-lived datagrams from the host (queues that grow). Default reassembly
# knobs (ipfrag_time 30, ipfrag_high_thresh 4 MiB). VmRSS reaches a plateau (last third's max <=
# first third's + 1 MiB) and stays <= 16 MiB; every fragment read is counted (IpReasmReqds), none
# is reassembled, failures are counted, no time exceeded is sent (no queue lives 30 s), no frame is
# read without a buffer (reassembly keeps a quarter of the buffers free: reception never starves);
# stats and ping work during the flood; afterwards a fragmented ping (3000 bytes) is answered;
# SIGTERM gives a clean exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
setup_ns
start_daemon -r "203.0.113.0/24,via=$HOST_IP" -r "198.51.100.0/24,via=$HOST_IP"
flood_standard frag IpReasmReqds

reqds=$(delta IpReasmReqds "$S")
fails=$(delta IpReasmFails "$S")
oks=$(delta IpReasmOKs "$S")
t11=$(delta IcmpMsgOutType11 "$S")
flood_losses
log "flood: $SENT sent; IpReasmReqds +$reqds, IpReasmFails +$fails, IpReasmOKs +$oks, PkbAllocFails +$(delta PkbAllocFails "$S"); lost on the way: $DROPS (kernel), $NOBUF (no buffer)"
flood_check_no_starvation
[ $((reqds + DROPS + NOBUF)) -ge "$SENT" ] || bad "IpReasmReqds +$reqds (+ $DROPS + $NOBUF lost) < $SENT sent"
[ "$oks" -eq 0 ] || bad "IpReasmOKs +$oks: nothing in the flood can be reassembled"
[ "$fails" -ge $((reqds / 2)) ] || bad "IpReasmFails +$fails for $reqds fragments (queues must give way)"
[ "$t11" -eq 0 ] || bad "IcmpMsgOutType11 +$t11: no queue lived ipfrag_time (30 s)"

out=$(inh timeout --foreground 10 ping -n -c 3 -i 0.3 -W 1 -s 3000 "$D_IP" 2>&1)
ping_stats "$out"
[ "$PING_RX" -ge 2 ] || bad "fragmented ping (3000 bytes) after the flood: $PING_RX of 3 answered"
log "fragmented ping after the flood: $PING_RX of 3"
flood_finish
