#!/usr/bin/env bash
# Parameter problem for bad IP options (ICMP-SPEC §6 row 12/0 and its pointer rules, R5.5, R5.10):
#  - each malformed option gets 12/0 whose pointer (first byte of the second word, R5.12) is the
#    offset §6 names: NOP then RR with pointer 3 -> 23; RR length 1 -> 20; RR length 2 -> 21;
#    RR pointer <= length but pointer + 3 > length -> 22; a second RR -> 27 (its type byte);
#    TS length 3 -> 21; TS pointer 4 -> 22; TS flag 1 without room for a pair -> 22;
#    a full TS with overflow 15 -> 23; an option longer than the header -> its type byte (22);
#    router alert length 2 -> 21;
#  - the error quotes the offender as sent (only bytes the stack recorded on input may differ),
#    TOS (offender & 0x1e) | 0xc0, no IP options of its own, IpInHdrErrors +1, no echo reply;
#  - errors about errors (R5.5): the same bad option on ICMP 3, 5, 11, 12, a type above 18 or an
#    ICMP header too short to hold a type gets nothing; on an echo request, a timestamp request
#    or a UDP datagram it gets 12/0.
# A full TS with prespecified addresses (flag 3) and overflow 15 is not an error, and its
# overflow is not counted: Linux's __ip_options_compile skips the overflow for flag 3, and the
# spec's default is Linux parity (RFC 791 would count it; see the test report).
# The per-destination limiter is off (-s icmp_ratelimit=0): more than 6 errors go to one host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -s icmp_ratelimit=0
learn_dmac

# case:pointer, as in icmp_probe.py's PP_OPTS (the expected values are ICMP-SPEC §6's).
PP="pp-nop-rr-ptr3:23 pp-rr-len1:20 pp-rr-len2:21 pp-rr-ptr-mid:22 pp-two-rr:27 pp-ts-len3:21
    pp-ts-ptr4:22 pp-ts-addr-short:22 pp-ts-full-ovf15:23 pp-optlen-over:22 pp-ra-len2:21"
names=""
for cp in $PP; do names="$names ${cp%%:*}"; done
# shellcheck disable=SC2086
probe $names pp-ts-full-ovf15-prespec pp-offender-echo pp-offender-timestamp pp-offender-udp \
	pp-offender-3 pp-offender-5 pp-offender-11 pp-offender-12 pp-offender-type42 pp-offender-notype \
	udp-closed-rr-bad-ts

for cp in $PP; do
	c=${cp%%:*} ptr=${cp##*:}
	expect "$c" n 1 "datagrams back"
	expect "$c" type 12 "type (parameter problem)"
	expect "$c" code 0 "code"
	expect "$c" ptr "$ptr" "pointer"
	expect "$c" word2 "$(printf '0x%02x000000' "$ptr")" "second word = pointer << 24"
	expect "$c" src "$D_IP" "source"
	expect "$c" dst "$HOST_IP" "destination"
	expect "$c" tos 0xd0 "TOS = (0x10 & 0x1e) | 0xc0"
	expect "$c" ttl 64 "TTL"
	if [ "$c" = pp-two-rr ]; then
		# R5.17: the first RR, compiled before the fault, comes back (full: as it was, with the
		# address input recorded; Linux icmp_send echoes the partly filled options).
		expect "$c" ihl 28 "the first RR echoed in the error"
		expect "$c" rr "$D_IP" "its one slot: our receive address"
	else
		expect "$c" ihl 20 "no IP options in the error"
	fi
	expect "$c" icmpck ok "ICMP checksum"
	expect "$c" ipck ok "IP header checksum"
	q=$(pf "$c" quote)
	case "$c:$q" in
	pp-two-rr:opts-written) log "ok: $c: quote differs only in the RR slot the stack filled (first RR)" ;;
	*:same) log "ok: $c: quote = the offender as sent" ;;
	*) fail "$c: quote does not match the offender as sent: $q" ;;
	esac
	expect "$c" d.IpInHdrErrors 1 "IpInHdrErrors"
	expect "$c" d.IcmpMsgOutType12 1 "IcmpMsgOutType12"
	expect "$c" d.IcmpOutParmProbs 1 "IcmpOutParmProbs"
	expect "$c" d.IcmpMsgOutType0 0 "no echo reply"
	expect "$c" d.IcmpInMsgs 0 "never reaches ICMP input"
done
# The quote is the whole offender when it fits: 20 + options + 8 + 32 bytes of echo.
expect pp-nop-rr-ptr3 quote_len 68 "quote length"
expect pp-ts-full-ovf15 quote_len 72 "quote length"

expect pp-ts-full-ovf15-prespec n_pp 0 "no 12/0 for full TS flag 3, overflow 15 (Linux parity)"
expect pp-ts-full-ovf15-prespec type 0 "answered with an echo reply instead"
expect pp-ts-full-ovf15-prespec ts_ovf 15 "overflow not counted for flag 3 (Linux parity)"

for c in pp-offender-echo pp-offender-timestamp pp-offender-udp; do
	expect "$c" n 1 "datagrams back"
	expect "$c" type 12 "type"
	expect "$c" ptr 20 "pointer (RR length 1)"
	expect "$c" quote same "quote"
	expect "$c" tos 0xc0 "TOS"
	expect "$c" d.IcmpMsgOutType12 1 "IcmpMsgOutType12"
done
for c in pp-offender-3 pp-offender-5 pp-offender-11 pp-offender-12 pp-offender-type42 pp-offender-notype; do
	expect "$c" n 0 "nothing back (no error about an error, R5.5)"
	expect "$c" d.IpInHdrErrors 1 "IpInHdrErrors (still dropped)"
	expect "$c" d.IcmpOutMsgs 0 "IcmpOutMsgs"
	expect "$c" d.IcmpOutRateLimitHost 0 "not a rate-limit drop"
	expect "$c" d.IcmpOutRateLimitGlobal 0 "not a rate-limit drop"
done

# R5.17 (issue 12 row 4): UDP to a closed port with a valid RR (two slots), then a TS with pointer 4:
# a 12/0 (no 3/3) pointing at the TS pointer byte, carrying that RR with our address added.
expect udp-closed-rr-bad-ts n 1 "datagrams back"
expect udp-closed-rr-bad-ts type 12 "type"
expect udp-closed-rr-bad-ts ptr 33 "pointer: 20 + 11 (RR) + 2"
expect udp-closed-rr-bad-ts ihl 32 "the RR echoed (11 bytes + END)"
expect udp-closed-rr-bad-ts rr_ptr 12 "RR pointer: two slots used"
expect udp-closed-rr-bad-ts rr "$D_IP,$D_IP" "our receive address, then the error's source"
expect udp-closed-rr-bad-ts quote opts-written "quote: the offender with the slot input filled"
expect udp-closed-rr-bad-ts ipck ok "IP header checksum"
expect udp-closed-rr-bad-ts icmpck ok "ICMP checksum"
expect udp-closed-rr-bad-ts d.UdpNoPorts 0 "dropped before UDP"

assert_counter IcmpOutErrors 0
stop_daemon
