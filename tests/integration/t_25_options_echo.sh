#!/usr/bin/env bash
# IP options in replies and errors (ICMP-SPEC R2.5, R5.11):
#  - ping -R: "RR: 192.0.2.1 192.0.2.2 192.0.2.2 192.0.2.1" — the host's source, our receive
#    address (recorded on input), our reply's source (room remains), the host on receipt;
#  - ping -T tsonly / tsandaddr: stamped on receive and on send (4 entries, our two within 1 s of
#    the host's clock; with addresses: 192.0.2.1, 192.0.2.2, 192.0.2.2, 192.0.2.1);
#  - crafted (scapy): RR with 9 free slots -> 2 recorded (pointer 12); one slot -> filled on
#    receive, no room for the reply (pointer 8, one address); already full -> copied unchanged;
#    TS flag 0 / flag 1 -> two stamps (with our address), within 5 s of UTC ms since midnight;
#    TS flag 3 (prespecified) stamps only where the next address is ours; TS full -> overflow + 1;
#    full TS with flag 3 -> overflow unchanged (Linux parity);
#  - a port unreachable carries the offender's RR / TS rebuilt the same way (R5.11), and quotes the
#    offender as held (our recorded address / time in its options);
#  - options 00 aa bb cc: the bytes after End of Option List are quoted as zeros (R5.16, Linux's
#    __ip_options_compile rewrites them; issue 12 row 5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon
learn_dmac

out=$(inh timeout 10 ping -n -R -c 1 -W 2 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "ping -R replies" 1 "$PING_RX"
rr=$(printf '%s\n' "$out" | sed -n '/^RR:/,/^$/p' | grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' | tr '\n' ' ')
assert_eq "ping -R record route" "$HOST_IP $D_IP $D_IP $HOST_IP " "$rr"

out=$(inh timeout 10 ping -n -T tsonly -c 1 -W 2 "$D_IP" 2>&1)
t_now=$(now_ms)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "ping -T tsonly replies" 1 "$PING_RX"
ts=$(printf '%s\n' "$out" | sed -n '/^TS:/,/^$/p' | grep -oE '[-]?[0-9]+( absolute)?' | tr '\n' ' ')
set -- $ts
[ "$#" -eq 5 ] && [ "$2" = absolute ] || fail "ping -T tsonly: expected 'ABS absolute' and 3 deltas, got: $ts"
abs=$1
[ "$(circ $((abs - t_now)))" -le 5000 ] || fail "ping -T tsonly: host stamp $abs is far from now $t_now"
for dlt in "$3" "$4"; do
	[ "${dlt#-}" -le 1000 ] || fail "ping -T tsonly: the daemon's stamp is ${dlt} ms from the previous one"
done
log "ok: ping -T tsonly: 4 stamps ($ts), the daemon's two within 1 s"

out=$(inh timeout 10 ping -n -T tsandaddr -c 1 -W 2 "$D_IP" 2>&1)
printf '%s\n' "$out"
ping_stats "$out"
assert_eq "ping -T tsandaddr replies" 1 "$PING_RX"
addrs=$(printf '%s\n' "$out" | sed -n '/^TS:/,/^$/p' | grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' | tr '\n' ' ')
assert_eq "ping -T tsandaddr addresses" "$HOST_IP $D_IP $D_IP $HOST_IP " "$addrs"

probe echo-rr echo-rr-oneslot echo-rr-full echo-ts-tsonly echo-ts-tsandaddr echo-ts-prespec \
	echo-ts-prespec2 echo-ts-full echo-ts-full-prespec udp-closed-rr udp-closed-ts udp-closed-eol-junk

expect echo-rr type 0 "echo reply"
expect echo-rr ihl 60 "header length (40 bytes of options, as sent)"
expect echo-rr rr_len 39 "RR length"
expect echo-rr rr_ptr 12 "RR pointer (two slots used)"
expect echo-rr rr "$D_IP,$D_IP" "recorded: our receive address, then the reply's source"
expect echo-rr ipck ok "IP header checksum"
expect echo-rr icmpck ok "ICMP checksum"
expect echo-rr-oneslot rr_ptr 8 "one slot: pointer"
expect echo-rr-oneslot rr "$D_IP" "one slot: our receive address only"
expect echo-rr-oneslot type 0 "one slot: still answered"
expect echo-rr-full rr_ptr 8 "full on arrival: pointer unchanged"
expect echo-rr-full rr 198.51.100.1 "full on arrival: content unchanged"

expect echo-ts-tsonly ts_flag 0 "TS flag"
expect echo-ts-tsonly ts_ptr 13 "TS pointer (two stamps)"
expect_le echo-ts-tsonly ts_skew_ms 5000 "stamps within 5 s of UTC ms since midnight"
expect echo-ts-tsonly ts_highbit 0 "stamps are standard time (bit 31 clear)"
expect echo-ts-tsonly ipck ok "IP header checksum"
expect echo-ts-tsandaddr ts_ptr 21 "TS flag 1 pointer (two pairs)"
n=$(pf echo-ts-tsandaddr ts | tr ',' '\n' | grep -c "^$D_IP/")
assert_eq "echo-ts-tsandaddr: pairs with our address" 2 "$n"
expect_le echo-ts-tsandaddr ts_skew_ms 5000 "stamps within 5 s"
expect echo-ts-prespec ts_ptr 13 "prespecified [ours, other, ours]: stamped on receive only"
expect echo-ts-prespec ts_flag 3 "TS flag"
expect_le echo-ts-prespec ts_skew_ms 5000 "stamp within 5 s"
expect echo-ts-prespec2 ts_ptr 21 "prespecified [ours, ours]: stamped on receive and send"
expect_le echo-ts-prespec2 ts_skew_ms 5000 "stamps within 5 s"
expect echo-ts-full ts_ovf 3 "full TS (flag 0): overflow 2 -> 3"
expect echo-ts-full ts "1,2" "full TS: stamps unchanged"
expect echo-ts-full type 0 "full TS: still answered"
expect echo-ts-full-prespec ts_ovf 2 "full TS flag 3: overflow not counted (Linux parity)"
expect echo-ts-full-prespec type 0 "full TS flag 3: still answered"

expect udp-closed-rr type 3 "type"
expect udp-closed-rr code 3 "code"
expect udp-closed-rr rr "$D_IP,$D_IP" "error's RR: our receive address, then the error's source"
expect udp-closed-rr rr_ptr 12 "error's RR pointer"
expect udp-closed-rr quote opts-written "quote = offender as held (our address recorded in its RR)"
expect udp-closed-rr ipck ok "IP header checksum"
expect udp-closed-rr icmpck ok "ICMP checksum"
expect udp-closed-ts code 3 "code"
expect udp-closed-ts ts_ptr 13 "error's TS pointer (receive and send stamps)"
expect_le udp-closed-ts ts_skew_ms 5000 "stamps within 5 s"
expect udp-closed-ts quote opts-written "quote = offender as held (our stamp in its TS)"
expect udp-closed-eol-junk type 3 "type"
expect udp-closed-eol-junk code 3 "code"
expect udp-closed-eol-junk q_opts 00000000 "quoted options: zeros after END"
expect udp-closed-eol-junk quote opts-written "quote = offender as held (only the option bytes differ)"
expect udp-closed-eol-junk ihl 20 "no options in the error"
expect udp-closed-eol-junk icmpck ok "ICMP checksum"

assert_counter IcmpOutErrors 0
stop_daemon
