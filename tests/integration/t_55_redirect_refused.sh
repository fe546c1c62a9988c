#!/usr/bin/env bash
# accept_redirects=0: a real Linux router's redirects are not followed (ICMP-SPEC R8.5). Same
# topology as t_54 (errors_lib.sh, setup_redirect), fresh daemon, then
# `tapstackctl sysctl accept_redirects=0`:
#  - `tapstackctl ping -c 3 203.0.113.2`: 3 replies; H still sends its redirects (≥ 1 in the capture,
#    "ICMP redirect 203.0.113.2 to host 192.0.2.7" from 192.0.2.1);
#  - `route cache` holds no exception for 203.0.113.2 (no "redirected" line at all);
#  - every request went to H's MAC (none to G's), and H's kernel forwarded all 3;
#  - IcmpMsgInType5 = IcmpInRedirectsIgnored = the redirects in the capture; IcmpInErrors 0;
#  - accept_redirects=1 with ip_forward=1 (router mode): redirects still ignored, no exception;
#  - then ip_forward=0, accept_redirects=1: the next redirect from H (its per-source backoff allows one
#    within 2 s) installs the exception — the refusal above came from the knob, not the topology;
#  - the capture is well formed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/errors_lib.sh"
setup_redirect
S=$TMP/snap

out=$(ctl sysctl accept_redirects=0) || fail "sysctl accept_redirects=0: $out"
expect_match "sysctl accept_redirects reads 0" "^accept_redirects *=? *0\$" "$(ctl sysctl accept_redirects)"

redirect_opening "$S"
expect_nomatch "route cache: no redirect exception" "redirected|via $G_IP" "$RC_OUT"

m=$(pcap_ether_dst "src host $D_IP and dst host $FAR_IP")
expect_eq "link-layer destinations of the 3 requests (all H)" "$H_MAC $H_MAC $H_MAC" "$(printf '%s\n' "$m" | xargs)"
fwd1=$(kernel_snmp "$NS_H" Ip ForwDatagrams)
expect_eq "datagrams H's kernel forwarded" 3 "$((fwd1 - FWD0))"
expect_delta IcmpMsgInType5 "$NRD" "$S"
expect_delta IcmpInRedirectsIgnored "$NRD" "$S"
expect_delta IcmpInErrors 0 "$S"

# accept_redirects=1 but forwarding (ip_forward=1): still ignored (R8.5 "and not forwarding").
ctl sysctl accept_redirects=1 >/dev/null || fail "sysctl accept_redirects=1"
ctl sysctl ip_forward=1 >/dev/null || fail "sysctl ip_forward=1"
snapshot "$S"
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 2 -i 0.4 "$FAR_IP" 2>&1)
printf '%s\n' "$out" | sed 's/^/# ping: /'
n5=$(delta IcmpMsgInType5 "$S")
expect_range "redirects received while forwarding" 1 inf "$n5"
expect_delta IcmpInRedirectsIgnored "$n5" "$S"
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_nomatch "route cache while forwarding: no redirect exception" "redirected|via $G_IP" "$rc_out"

# Back to a host with accept_redirects=1: the next redirect is followed.
ctl sysctl ip_forward=0 >/dev/null || fail "sysctl ip_forward=0"
out=$(timeout --foreground 15 "$TAPSTACKCTL" -c "$CTL" ping -c 2 -i 1 "$FAR_IP" 2>&1)
printf '%s\n' "$out" | sed 's/^/# ping: /'
rc_out=$(ctl route cache)
printf '%s\n' "$rc_out" | sed 's/^/# route cache: /'
expect_match "accept_redirects=1 again: exception installed" \
	"^$FAR_IP via $G_IP dev tap0 redirected expires (300|299)s\$" "$rc_out"

finish
