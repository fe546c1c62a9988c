#!/bin/sh
# tests/layout.sh — the house rules of the core's layout (issue 13), checked on the tree:
#  1. stack/core.h, the inside of struct stack, includes no protocol module's header: each module's
#     state is a pointer to a type only that module defines (the compiler then stops anyone else
#     from reading its arrays).
#  2. A module's own state header is included only by that module's files and by tests/.
#  3. Nothing outside the core (tap/, tools/, bench/) includes stack/core.h.
#  4. The packet core (stack/, eth/, ip/, icmp/) never includes ctl/: the control text (command
#     parsing, iputils' wording) uses the core, not the other way round.
#  5. The README's "Packet path" names functions that exist: each `function  file` line of its
#     call chains is a definition in that file.
#  6. Nor does the packet core write the control text itself: sbuf_printf (the control text's one writer)
#     is called only in the allowlist below; printouts go through the modules' iterators to ctl/.
# Prints one line per broken rule and exits 1; silent and 0 when the tree keeps them.
cd "$(dirname "$0")/.." || exit 2
bad=0
complain() { echo "layout: $*"; bad=1; }

# 1: the base headers core.h may include.
for h in $(sed -n 's/^#include "\(.*\)"/\1/p' stack/core.h); do
	case "$h" in
	stack/counters.h | stack/knobs.h | stack/pkb.h | stack/stack.h | stack/addr.h | eth/eth.h) ;;
	*) complain "stack/core.h includes $h: a module's state belongs behind its own header, core.h holds a pointer" ;;
	esac
done
grep -q '^#include' stack/core.h || complain "stack/core.h includes nothing: is this the right file?"

# 2: private state headers and the files allowed to include them (a shell pattern).
check_private() { # header allowed-file...
	h=$1
	shift
	for f in $(grep -rl --include='*.c' --include='*.h' "#include \"$h\"" stack eth ip icmp ctl tap tools bench 2>/dev/null); do
		ok=0
		for a in "$@"; do [ "$f" = "$a" ] && ok=1; done
		[ $ok = 1 ] || complain "$f includes $h, the private state of another module (use its functions)"
	done
}
check_private eth/neigh_int.h eth/neigh.c
check_private ip/ip4_int.h ip/ip4.c ip/ip4_frag.c ip/ip4_opt.c
check_private ip/ip6_frag.h ip/ip6_frag.c
check_private ip/ip6_int.h ip/ip6.c ip/ip6_frag.c ip/ip6_forward.c eth/ndisc.c eth/ndisc_router.c icmp/icmp6.c icmp/mld.c

# 3
for f in $(grep -rl --include='*.c' --include='*.h' '#include "stack/core.h"' tap tools bench 2>/dev/null); do
	complain "$f (outside the core) includes stack/core.h: use stack/stack.h"
done

# 4
for f in $(grep -rl --include='*.c' --include='*.h' '#include "ctl/' stack eth ip icmp 2>/dev/null); do
	complain "$f (the packet core) includes ctl/: the control text stays out of the core"
done

# 5
awk '/^## Packet path/ { p = 1; next } /^## / { p = 0 } p' README.md | awk '/^```/ { c = !c; next } c' |
	sed 's/^[ …]*//' | awk '$2 ~ /\.[ch]$/ { print $1, $2 }' | sort -u >"${TMPDIR:-/tmp}/layout.$$"
n=0
while read -r fn path; do
	n=$((n + 1))
	if [ ! -f "$path" ]; then
		complain "README's Packet path names $path ($fn): no such file"
	elif ! grep -qE "^[a-z].*[ *]$fn\(" "$path"; then
		complain "README's Packet path names $fn in $path: not defined there"
	fi
done <"${TMPDIR:-/tmp}/layout.$$"
rm -f "${TMPDIR:-/tmp}/layout.$$"
[ "$n" -ge 20 ] || complain "README's Packet path: only $n function lines found (the section moved?)"

# 6: the allowlist, each with its reason.
for f in $(grep -rl --include='*.c' --include='*.h' 'sbuf_printf *(' stack eth ip icmp 2>/dev/null); do
	case "$f" in
	stack/sbuf.c | stack/sbuf.h) ;; # the writer itself
	stack/stack.c) ;;               # stack_knobs_describe: tapstackd --help's knob list, from the knob table
	*) complain "$f (the packet core) writes text with sbuf_printf: the wording belongs in ctl/ (give it an iterator)" ;;
	esac
done

exit $bad
