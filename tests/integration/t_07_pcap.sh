#!/usr/bin/env bash
# The -w capture holds every frame in and out, is readable while the daemon runs, and every echo
# reply in it has correct IP and ICMP checksums (tcpdump -vv verifies both) and matches a request
# (same id, seq and length); the number of replies equals the number ping saw answered.
. "$(dirname "$0")/lib.sh"
setup_ns
start_daemon

answered=0; sent=0
for args in "-c 5 -i 0.2" "-c 3 -i 0.2 -s 1472" "-c 4 -i 0.2 -s 0" "-f -c 300"; do
	# shellcheck disable=SC2086
	out=$(inh timeout --foreground 30 ping -n -q -W 2 $args "$D_IP" 2>&1)
	ping_stats "$out"
	log "ping $args: $PING_TX sent, $PING_RX received"
	sent=$((sent + PING_TX)); answered=$((answered + PING_RX))
done
assert_eq "echo requests answered" "$sent" "$answered"

check_capture() {   # check_capture WHEN
	local all reqs reps bad
	all=$(tcpdump -nn -vv -r "$PCAP" 2>&1) || fail "tcpdump -r $PCAP ($1): $all"
	printf '%s\n' "$all" | grep -q 'link-type EN10MB' || fail "capture is not Ethernet: $(printf '%s\n' "$all" | head -n 1)"
	bad=$(printf '%s\n' "$all" | grep -E 'bad cksum|wrong icmp cksum|truncated' | head -n 5)
	[ -z "$bad" ] || fail "bad checksums in the capture ($1): $bad"
	reqs=$(printf '%s\n' "$all" | sed -nE "s/^ +$HOST_IP > $D_IP: ICMP echo request, (id [0-9]+, seq [0-9]+, length [0-9]+)$/\1/p" | sort)
	reps=$(printf '%s\n' "$all" | sed -nE "s/^ +$D_IP > $HOST_IP: ICMP echo reply, (id [0-9]+, seq [0-9]+, length [0-9]+)$/\1/p" | sort)
	assert_eq "echo requests in the capture ($1)" "$sent" "$(printf '%s' "$reqs" | grep -c .)"
	assert_eq "echo replies in the capture ($1)" "$answered" "$(printf '%s' "$reps" | grep -c .)"
	[ "$reqs" = "$reps" ] || fail "replies do not match requests one for one (id, seq, length) ($1)"
	log "ok: every reply matches its request ($1)"
	local n_replies_all
	n_replies_all=$(printf '%s\n' "$all" | grep -c 'ICMP echo reply')
	assert_eq "echo replies of any kind ($1)" "$answered" "$n_replies_all"
	printf '%s\n' "$all" | grep -qE "Reply $D_IP is-at |Request who-has $HOST_IP tell $D_IP" ||
		fail "no ARP from the daemon in the capture ($1)"
}
check_capture "while running"
assert_counter IcmpMsgOutType0 "$answered"
stop_daemon
check_capture "after exit"
