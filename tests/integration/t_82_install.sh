#!/usr/bin/env bash
# make install DESTDIR=... lays out every file under DESTDIR only; the man pages pass
# `mandoc -T lint` with no warning, render with `man -l`, document every knob with its default;
# make uninstall removes what install put there.
. "$(dirname "$0")/lib.sh"
STAGE=$TMP/stage
mark=$TMP/mark
touch "$mark"
make -s -C "$TS_TOP" install DESTDIR="$STAGE" PREFIX=/usr/local >"$TMP/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 5 "$TMP/install.log")"
want="usr/local/bin/tapstackctl
usr/local/lib/systemd/system/tapstackd.service
usr/local/sbin/tapstackd
usr/local/share/bash-completion/completions/tapstackctl
usr/local/share/doc/tapstack/tapstackd.conf.example
usr/local/share/man/man5/tapstackd.conf.5
usr/local/share/man/man8/tapstackctl.8
usr/local/share/man/man8/tapstackd.8"
got=$(cd "$STAGE" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
assert_eq "installed files" "$want" "$got"
[ -x "$STAGE/usr/local/sbin/tapstackd" ] || fail "tapstackd not executable"
"$STAGE/usr/local/sbin/tapstackd" --version | grep -q '^tapstackd ' || fail "installed tapstackd --version"
# Nothing outside DESTDIR: no file under the real PREFIX changed since the mark.
for d in /usr/local/sbin /usr/local/bin /usr/local/share/man /usr/local/lib/systemd /etc/tapstack; do
	[ -d "$d" ] || continue
	newer=$(find "$d" -newer "$mark" -name 'tapstack*' 2>/dev/null)
	[ -z "$newer" ] || fail "install touched $newer outside DESTDIR"
done
grep -q "^ExecStart=/usr/local/sbin/tapstackd -f /etc/tapstack/tapstackd.conf$" \
	"$STAGE/usr/local/lib/systemd/system/tapstackd.service" || fail "unit ExecStart"

# Man pages: lint clean, render, and list every knob with its default.
for m in "$STAGE"/usr/local/share/man/man*/*; do
	out=$(mandoc -T lint -W warning "$m" 2>&1) || fail "mandoc -T lint -W warning $(basename "$m"): $out"
	MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q "^NAME" || fail "man -l $(basename "$m") shows no NAME"
	for s in SYNOPSIS DESCRIPTION "SEE ALSO"; do
		MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q "^$s" || fail "$(basename "$m") has no $s"
	done
done
for s in OPTIONS SIGNALS FILES "EXIT STATUS" EXAMPLES; do
	MANWIDTH=80 man -l "$STAGE/usr/local/share/man/man8/tapstackd.8" 2>/dev/null | grep -q "^$s" ||
		fail "tapstackd(8) has no $s section"
done
conf5=$(MANWIDTH=200 man -l "$STAGE/usr/local/share/man/man5/tapstackd.conf.5" 2>/dev/null)
nk=0
while IFS='|' read -r name def; do
	printf '%s\n' "$conf5" | grep -A3 -E "^ +$name\$" | grep -q "default $def\." ||
		fail "tapstackd.conf(5) does not give knob $name with its default $def"
	nk=$((nk + 1))
done < <(sed -nE 's/^\tX\(([a-z_0-9]+), *([0-9a-fx]+),.*/\1|\2/p' "$TS_TOP/stack/knobs.h")
log "$nk knobs documented with their defaults"
[ "$nk" -gt 10 ] || fail "knob list not read from stack/knobs.h"

# Bash completion: commands, knob names, sub-options.
comp() {   # comp WORDS...: the completions bash offers for the last word
	bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_tapstackctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$STAGE/usr/local/share/bash-completion/completions/tapstackctl" "$@" 2>/dev/null
}
comp tapstackctl re | grep -qx reload || fail "completion: commands ($(comp tapstackctl re))"
comp tapstackctl sysctl icmp_rate | grep -qx 'icmp_ratelimit=' || fail "completion: knobs"
comp tapstackctl stats --p | grep -qx -- '--prometheus' || fail "completion: stats options"
comp tapstackctl -c /x route a | grep -qx add || fail "completion: route after -c"

make -s -C "$TS_TOP" uninstall DESTDIR="$STAGE" PREFIX=/usr/local >/dev/null 2>&1 || fail "make uninstall"
left=$(cd "$STAGE" && find . -type f)
[ -z "$left" ] || fail "uninstall left: $left"
log "all checks passed"
