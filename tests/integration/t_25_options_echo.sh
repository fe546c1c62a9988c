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
#    offender as held (our recorded address / time in its options).
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

# ---- local helpers (lib.sh belongs to the base harness; these stay in this file) ----
PROBE="$(cd "$(dirname "$0")" && pwd)/icmp_probe.py"
PROBE_OUT=$TMP/probe.out
# learn_dmac: one ping so both sides hold ARP entries; DMAC = the daemon's MAC from `tapstackctl addr`.
learn_dmac() {
	inh timeout 10 ping -n -q -c 1 -W 2 "$D_IP" >/dev/null || fail "ping $D_IP (to prime ARP on both sides)"
	DMAC=$(ctl addr | sed -nE 's/.*lladdr ([0-9a-f:]{17}).*/\1/p' | head -n 1)
	[ -n "$DMAC" ] || fail "no lladdr in tapstackctl addr"
}
# probe CASE...: icmp_probe.py in $NS_H; one result line per case in $PROBE_OUT (and in the log).
probe() {
	inh env TAPSTACKCTL="$TAPSTACKCTL" TAPSTACK_CONTROL="$CTL" timeout 60 "$PY" "$PROBE" "$HOST_IF" "$DMAC" "$@" \
		>"$PROBE_OUT" 2>"$TMP/probe.err" || fail "icmp_probe.py $* failed: $(tail -n 5 "$TMP/probe.err")"
	sed 's/^/# probe: /' "$PROBE_OUT"
}
# pf CASE KEY: one field of CASE's result line; "absent" if missing (a counter delta d.NAME: 0).
pf() {
	local line v
	line=$(grep -a -m1 "^$1 " "$PROBE_OUT") || { echo "no-result-line"; return; }
	v=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1)
	if [ -z "$v" ]; then case "$2" in d.*) v=0 ;; *) v=absent ;; esac; fi
	printf '%s\n' "$v"
}
expect() { assert_eq "$1: $4 [$2]" "$3" "$(pf "$1" "$2")"; }   # expect CASE KEY VALUE WHAT
# expect_le CASE KEY MAX WHAT: a numeric field is at most MAX.
expect_le() {
	local v
	v=$(pf "$1" "$2")
	case "$v" in '' | *[!0-9]*) fail "$1: $4 [$2]: not a number: '$v'" ;; esac
	[ "$v" -le "$3" ] || fail "$1: $4 [$2]: $v > $3"
	log "ok: $1: $4 [$2] = $v (<= $3)"
}
# ---- end of local helpers ----
learn_dmac
now_ms() { echo $(( $(date -u +%s%3N) % 86400000 )); }
circ() { local d=$(( ($1 % 86400000 + 86400000) % 86400000 )); [ "$d" -gt 43200000 ] && d=$((86400000 - d)); echo "$d"; }

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
	echo-ts-prespec2 echo-ts-full echo-ts-full-prespec udp-closed-rr udp-closed-ts

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

assert_counter IcmpOutErrors 0
stop_daemon
