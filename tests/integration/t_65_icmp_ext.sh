#!/usr/bin/env bash
# ICMP extensions through tapstackd as a router (ICMP-EXT-SPEC X1-X5, IPv4; router_lib.sh topology):
#  - traceroute -e -n from host A with icmp_errors_extension_mask=0x07: hop 1 carries INC (tap0),
#    OUT (tap1, MTU 1400) and NXT (host B) objects whose words are X3's bytes (traceroute 2.1.2 prints
#    them raw as <2/15:...;2/143:...;2/196:...>), for probe sizes 60, 127, 128 and 129 (X1.3); the
#    3/0 of an unrouted destination carries INC only (X3.5); mask 0 gives no objects (X2 off);
#  - the Linux kernel as RFC 4884 receiver: a UDP socket with IP_RECVERR_RFC4884 in host A reads
#    ee_rfc4884.len 100 (= 128 - 20 - 8, X4.2) and the extension header 0x20 there; mask 0: len 0;
#  - the capture: the 11/0 is 200/252 bytes (X1.6), its ICMP checksum verifies under tcpdump;
#  - RFC 8335 PROBE (X5) with scapy from host A, and `tapstackctl probe` against host A's Linux.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/router_lib.sh"
setup_router -s icmp_errors_extension_mask=0x07 -s icmp_ratelimit=0 -s icmp_echo_enable_probe=1
X=$(dirname "$0")/icmp_ext.py
hexname() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# The objects as traceroute 2.1.2 prints them: X3.3 for tap0 (index 0, 192.0.2.2, MTU 1500),
# X3.5 OUT for tap1 (index 1, 198.51.100.1, MTU 1400) and NXT for host B (198.51.100.2).
INC='2/15:00000000,00010000,c0000202,14746170,30000000,00000000,00000000,00000000,000005dc'
OUT='2/143:00000001,00010000,c6336401,14746170,31000000,00000000,00000000,00000000,00000578'
NXT='2/196:00010000,c6336402'
S=$TMP/snap
for size in 60 127 128 129; do
	out=$(inh timeout --foreground 30 traceroute -e -n -q 1 -w 2 -m 3 "$C_IP" "$size" 2>&1)
	printf '%s\n' "$out"
	expect_match "traceroute -e ($size-byte probes): hop 1 shows INC;OUT;NXT" \
		"^ 1  192\.0\.2\.2 <$INC;$OUT;$NXT>  [0-9.]+ ms\$" "$out"
	expect_match "traceroute -e ($size): reaches C" '^ 3  203\.0\.113\.2 ' "$out"
done
sleep 2   # the routing error limiter (1 s an error, 5 s of burst) shares the source's tokens with what ran before
out=$(inh timeout --foreground 30 traceroute -e -n -q 1 -w 2 -m 2 "$UNROUTED_IP" 2>&1)
printf '%s\n' "$out"
expect_match "traceroute -e to an unrouted destination: 3/0 with INC only" "^ 1  192\.0\.2\.2 <$INC>  [0-9.]+ ms !N\$" "$out"

# The capture: an extended 11/0 is 252 bytes with mask 7 (20 + 8 + 128 + 96), its checksums good.
te=$(pcap_text "icmp and src host $R0_IP and icmp[icmptype] == 11")
expect_match "11/0 with INC+OUT+NXT is 252 bytes on the wire" 'proto ICMP \(1\), length 252\) \|\| 192\.0\.2\.2 > 192\.0\.2\.1: ICMP time exceeded in-transit' "$te"

# The Linux kernel as RFC 4884 receiver (X4.2): offset 100 = 128 - 20 - 8, the structure there.
for size in 32 200; do
	out=$(inh timeout --foreground 10 "$PY" "$X" recverr "$C_IP" "$size")
	log "recverr $size: $out"
	expect_eq "Linux IP_RECVERR_RFC4884 ($size-byte datagram)" "type=11 code=0 len=100 flags=0 datalen=196 ext=20000000" \
		"$(printf '%s' "$out" | sed -E 's/ext=2000..../ext=20000000/')"
done

# PROBE (X5) with scapy from host A, answered by tapstackd (L=1: by index, name, address).
pr() { inh timeout --foreground 20 "$PY" "$X" "$@" 2>"$TMP/pr.err" || printf 'error %s\n' "$(tail -n 2 "$TMP/pr.err")"; }
snapshot "$S"
expect_match "PROBE by index 1 (tap1): code 0 A=1 4=1 6=1 (its link-local)" '^code=0 id=16962 seq=1 state=0 A=1 v4=1 v6=1 echoed=1 src=192\.0\.2\.2$' "$(pr probe "$R0_IP" tap0 1 2 1)"
expect_match "PROBE by name tap0: code 0" '^code=0 .* A=1 v4=1 v6=1 echoed=1' "$(pr probe "$R0_IP" tap0 1 1 tap0)"
expect_match "PROBE by address 198.51.100.1: code 0" '^code=0 .* A=1 v4=1' "$(pr probe "$R0_IP" tap0 1 3 198.51.100.1)"
expect_match "PROBE by unknown name: code 2" '^code=2 .* A=0 v4=0 v6=0' "$(pr probe "$R0_IP" tap0 1 1 nope0)"
expect_match "PROBE request code 5: reply code 0 (X5.7 POLICY)" '^code=0 ' "$(pr probe "$R0_IP" tap0 1 2 0 5)"
expect_match "PROBE to the broadcast address: answered from 192.0.2.2 (X5.4)" 'src=192\.0\.2\.2$' "$(pr probe "$D_BCAST" tap0 1 2 0)"
# L=0 (proxy, POLICY X5.8): host A is in tapstackd's ARP table (Reachable); an unknown address is not.
expect_match "proxy PROBE for 192.0.2.1: code 0 state 2 (Reachable)" '^code=0 .* state=2 A=0 v4=0 v6=0' "$(pr probe "$R0_IP" tap0 0 3 192.0.2.1)"
expect_match "proxy PROBE for 192.0.2.99: code 3 (No Such Table Entry)" '^code=3 ' "$(pr probe "$R0_IP" tap0 0 3 192.0.2.99)"
# malformed objects (X5.5): C-Type 4, Length 4, a 16-byte name, AFI 9, no object → code 1
# (and an object of length 0 after a version-0 header)
for hex in 200000000008030400000000 200000000004030200000000 200000000014030174617030000000000000000000000000 \
	20000000000c030300090400c0000202 00c0000200000000 20000000; do
	expect_match "malformed PROBE body $hex: code 1" '^code=1 ' "$(pr probe-raw "$R0_IP" tap0 "$hex")"
done
expect_delta IcmpMsgOutType43 14 "$S"
expect_delta IcmpMsgInType42 14 "$S"
expect_delta IcmpOutEchoReps 0 "$S"

# Disabled: no answer, only the input counters move (X5.3).
ctl sysctl icmp_echo_enable_probe=0 >/dev/null
snapshot "$S"
expect_eq "PROBE with icmp_echo_enable_probe=0" "noreply" "$(pr probe "$R0_IP" tap0 1 2 0)"
expect_delta IcmpMsgInType42 1 "$S"
expect_delta IcmpOutMsgs 0 "$S"
expect_delta IcmpInErrors 0 "$S"

# tapstackctl probe against Linux in host A (its net.ipv4.icmp_echo_enable_probe=1).
inh sysctl -qw net.ipv4.icmp_echo_enable_probe=1 || fail "icmp_echo_enable_probe in $NS_H"
out=$(ctl probe -I tap0 -L "$A_IP" 2>&1)
printf '%s\n' "$out"
expect_match "tapstackctl probe -I tap0 -L: Linux says up, IPv4" '^20 bytes from 192\.0\.2\.1: icmp_seq=1 code=0 \(No Error\) state=0 \(Reserved\) A=1 4=1 6=0 ttl=64 time=' "$out"
out=$(ctl probe -i 999 -L "$A_IP" 2>&1)
expect_match "tapstackctl probe -i 999 -L: No Such Interface" 'icmp_seq=1 code=2 \(No Such Interface\)' "$out"
out=$(ctl probe -a "$A_IP" -L "$A_IP" 2>&1)
expect_match "tapstackctl probe -a 192.0.2.1 -L: code 0" 'icmp_seq=1 code=0 \(No Error\) state=0 \(Reserved\) A=1 4=1' "$out"
out=$(ctl probe -a "$A_IP" "$A_IP" 2>&1); rc=$?
expect_eq "tapstackctl probe L=0 to Linux: no answer (Linux drops proxy queries), exit 1" 1 "$rc"
expect_match "tapstackctl probe: statistics" '1 packets transmitted, 0 received, 100% packet loss' "$out"

# Mask 0: classic messages again, and Linux reports no extension.
ctl sysctl icmp_errors_extension_mask=0 >/dev/null
out=$(inh timeout --foreground 30 traceroute -e -n -q 1 -w 2 -m 1 "$C_IP" 2>&1)
expect_match "mask 0: traceroute -e shows no objects" '^ 1  192\.0\.2\.2  [0-9.]+ ms$' "$out"
out=$(inh timeout --foreground 10 "$PY" "$X" recverr "$C_IP" 32)
expect_eq "mask 0: IP_RECVERR_RFC4884 len 0" "type=11 code=0 len=0 flags=0 datalen=32 ext=-" "$out"
out=$(ctl sysctl icmp_errors_extension_mask=0x08 2>&1); rc=$?
expect_eq "mask 0x08 refused (exit 2)" 2 "$rc"
expect_eq "mask kept at 0" "icmp_errors_extension_mask = 0" "$(ctl sysctl icmp_errors_extension_mask)"

# The capture is clean except where X1.3 cuts a 129-byte probe at 128 bytes: its quoted UDP
# checksum cannot verify and tcpdump marks the cut (the probe's UDP length is 101).
stop_daemon
bad_lines=$(tcpdump -nn -vv -r "$PCAP" 2>&1 | grep -E 'bad cksum|wrong icmp cksum|bad udp cksum|incorrect ->|bad-len|\[\|(ip|icmp|udp|tcp)\]|invalid' |
	grep -vE 'UDP, length 101|length 101 \[\|icmp\]' || true)
expect_eq "capture clean (but for the cut 129-byte quotes)" "" "$bad_lines"
soft_verdict
