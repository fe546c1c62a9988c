#!/usr/bin/env bash
# UDP and port unreachable (ICMP-SPEC §6 row 3/3, R5.9, R5.10, R5.13, §8 as the host's kernel sees it):
#  - netcat-openbsd to a closed port fails (ECONNREFUSED, exit 1), to the open echo port succeeds;
#  - three kernel sockets each get ECONNREFUSED on read; UdpNoPorts and IcmpMsgOutType3 +1 per probe;
#  - a crafted datagram to a closed port gets 3/3 from 192.0.2.2, TOS 0xc0, quoting it whole;
#    checksum 0 (none) is valid and answered; a bad checksum is silent (UdpInCsumErrors, UdpInErrors);
#  - -S echo: a datagram to port 7 comes back unchanged (a kernel socket, and nc);
#  - `tapstackctl udp bind 5000`, a datagram from the host shows in `udp recv 5000`;
#    `tapstackctl udp send --from 5001 192.0.2.1:6000 ...` reaches a kernel socket bound there.
# The per-destination limiter is off (-s icmp_ratelimit=0) so that every probe's 3/3 is sent and
# the counts are exact; t_26_ratelimit tests the limiter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/icmp_lib.sh"
setup_ns
start_daemon -S echo -s icmp_ratelimit=0
learn_dmac
S=$TMP/snap

# netcat-openbsd (nc -u -v -z writes "X" probes; the second write fails with ECONNREFUSED once
# the 3/3 is in): exit 1, silently, for a closed port...
readlink -f "$(command -v nc)" | grep -q openbsd || fail "nc is not netcat-openbsd: $(readlink -f "$(command -v nc)")"
snapshot "$S"
inh timeout 10 nc -u -v -z -w 1 "$D_IP" 9999 >"$TMP/nc.out" 2>&1
rc=$?
sed 's/^/# nc: /' "$TMP/nc.out"
assert_eq "nc -u -v -z $D_IP 9999 exit status (connection refused)" 1 "$rc"
grep -q succeeded "$TMP/nc.out" && fail "nc reported success for closed UDP port 9999"
np=$(delta UdpNoPorts "$S")
[ "$np" -ge 1 ] || fail "UdpNoPorts did not move for nc's probes to port 9999"
assert_delta IcmpMsgOutType3 "$np" "$S"
log "ok: nc's $np datagram(s) to port 9999 each got a port unreachable"
# ... and exit 0 with "succeeded" for the open echo port.
inh timeout 10 nc -u -v -z -w 1 "$D_IP" 7 >"$TMP/nc.out" 2>&1
rc=$?
sed 's/^/# nc: /' "$TMP/nc.out"
assert_eq "nc -u -v -z $D_IP 7 (echo service) exit status" 0 "$rc"
grep -q "Connection to $D_IP 7 port \[udp/.*\] succeeded" "$TMP/nc.out" || fail "nc did not report success for UDP port 7"
# nc sending a line to the echo port prints it back.
got=$(echo "hello through nc" | inh timeout 10 nc -u -w 1 "$D_IP" 7)
assert_eq "nc to the echo port (port 7) prints" "hello through nc" "$got"

ctl udp bind 5000 >"$TMP/bind.out" || fail "tapstackctl udp bind 5000 failed: $(cat "$TMP/bind.out")"
assert_eq "tapstackctl udp bind 5000" "bound udp 0.0.0.0:5000" "$(cat "$TMP/bind.out")"

probe sock-refused udp-closed udp-zerocsum udp-badcsum sock-echo sock-to5000 ctl-send
expect sock-refused outcome ECONNREFUSED,ECONNREFUSED,ECONNREFUSED "each kernel socket's read"
expect sock-refused noports_per_probe 1,1,1 "UdpNoPorts per probe"
expect sock-refused n_match 3 "port unreachables on the wire"
expect sock-refused d.UdpNoPorts 3 "UdpNoPorts"
expect sock-refused d.IcmpMsgOutType3 3 "IcmpMsgOutType3"
expect sock-refused d.IcmpOutDestUnreachs 3 "IcmpOutDestUnreachs"

expect udp-closed n 1 "datagrams back"
expect udp-closed type 3 "type"
expect udp-closed code 3 "code (port unreachable)"
expect udp-closed src "$D_IP" "source = the offender's destination (R5.8)"
expect udp-closed dst "$HOST_IP" "destination = the offender's source (R5.9)"
expect udp-closed tos 0xc0 "TOS (R5.10)"
expect udp-closed ttl 64 "TTL"
expect udp-closed df 0 "DF"
expect udp-closed word2 0x00000000 "second word (R5.12)"
expect udp-closed quote_len 45 "quote length (the whole 45-byte datagram)"
expect udp-closed quote same "quote = the datagram as sent"
expect udp-closed icmpck ok "ICMP checksum"
expect udp-closed ipck ok "IP header checksum"
expect udp-closed d.UdpNoPorts 1 "UdpNoPorts"
expect udp-closed d.IcmpMsgOutType3 1 "IcmpMsgOutType3"
expect udp-closed d.IcmpOutMsgs 1 "IcmpOutMsgs"

expect udp-zerocsum code 3 "checksum 0 (none) is valid: port unreachable"
expect udp-zerocsum quote same "quote"
expect udp-zerocsum d.UdpNoPorts 1 "UdpNoPorts"

expect udp-badcsum n 0 "datagrams back for a bad UDP checksum"
expect udp-badcsum d.UdpInCsumErrors 1 "UdpInCsumErrors"
expect udp-badcsum d.UdpInErrors 1 "UdpInErrors"
expect udp-badcsum d.UdpNoPorts 0 "UdpNoPorts (checked only after the checksum)"
expect udp-badcsum d.IcmpOutMsgs 0 "IcmpOutMsgs"

expect sock-echo echo same "datagram to port 7 comes back unchanged"
expect sock-echo echo_from "$D_IP:7" "echo comes from"
expect sock-echo d.UdpInDatagrams 1 "UdpInDatagrams"
expect sock-echo d.UdpOutDatagrams 1 "UdpOutDatagrams"
expect sock-echo d.UdpNoPorts 0 "UdpNoPorts"

expect sock-to5000 n 0 "nothing back for a datagram to the bound port 5000"
expect sock-to5000 d.UdpInDatagrams 1 "UdpInDatagrams"
expect sock-to5000 d.UdpNoPorts 0 "UdpNoPorts"
got=$(ctl udp recv 5000) || fail "tapstackctl udp recv 5000 failed"
assert_eq "tapstackctl udp recv 5000" "from $HOST_IP:45030 24 bytes: hello-5000 from the host" "$got"
assert_eq "tapstackctl udp recv 5000 again (queue drained)" "" "$(ctl udp recv 5000)"

expect ctl-send ctl_rc 0 "tapstackctl udp send exit status"
expect ctl-send ctl_out "sent_19_bytes_from_udp_0.0.0.0:5001_to_$HOST_IP:6000" "tapstackctl udp send says"
expect ctl-send rcvd hello_from_tapstack "the kernel socket on $HOST_IP:6000 received"
expect ctl-send rcvd_from "$D_IP:5001" "from"
expect ctl-send d.UdpOutDatagrams 1 "UdpOutDatagrams"

assert_counter UdpInCsumErrors 1
assert_counter IcmpOutErrors 0
stop_daemon
