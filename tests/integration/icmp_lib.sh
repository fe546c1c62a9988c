# tests/integration/icmp_lib.sh — crafted-frame helpers for the t_2N tests (bash): icmp_probe.py
# (scapy) run from the host namespace against the daemon, and checks on its result lines.
#
# Sourced after lib.sh (learn_dmac once the daemon runs):
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/icmp_lib.sh"; setup_ns; start_daemon ...; learn_dmac
# Its checks (expect, expect_le) fail the test at once, like lib.sh's assert_*; now_ms and circ are
# for ICMP timestamps.

PROBE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/icmp_probe.py"
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

# now_ms: UTC milliseconds since midnight, the unit of ICMP timestamps (RFC 792).
now_ms() { echo $(( $(date -u +%s%3N) % 86400000 )); }
# circ DIFF: distance on the 24-hour circle.
circ() { local d=$(( ($1 % 86400000 + 86400000) % 86400000 )); [ "$d" -gt 43200000 ] && d=$((86400000 - d)); echo "$d"; }
