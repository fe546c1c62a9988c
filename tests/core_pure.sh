#!/bin/sh
# tests/core_pure.sh [LIB] — the core makes no system calls and reads no clock (DESIGN; README
# "Layout"), checked on the built library: every symbol the core's objects (LIB, default
# build/libcore.a) take from outside is one of the C library's pure helpers listed below (memory,
# strings, number text, the heap). Anything else — read, write, clock_gettime, time, getrandom,
# socket, ioctl, printf to a stream — is named with the object that wants it, and the check fails.
lib=${1:-build/libcore.a}
[ -f "$lib" ] || { echo "core_pure: no $lib (build it first)"; exit 2; }
allowed="__assert_fail __errno_location _GLOBAL_OFFSET_TABLE_ __stack_chk_fail calloc free malloc realloc
memchr memcmp memcpy memmove memset snprintf vsnprintf sqrt strchr strcmp strcpy strcspn strerror
strerrorname_np strlen strncmp strnlen strrchr strspn strstr strtod strtok_r strtol strtoul strtoll strtoull"
tmp=${TMPDIR:-/tmp}/core_pure.$$
trap 'rm -f "$tmp".*' EXIT
echo "$allowed" | tr ' ' '\n' | sed '/^$/d' >"$tmp.ok"
nm --defined-only "$lib" | awk 'NF == 3 { print $3 }' >>"$tmp.ok"
nm -A -u "$lib" | awk '{ n = split($1, a, ":"); print a[2], $NF }' | sort -u >"$tmp.used"
bad=0
while read -r obj sym; do
	grep -qx "$sym" "$tmp.ok" && continue
	echo "core_pure: $obj takes $sym from outside the core: no system call, clock or I/O in the core"
	bad=1
done <"$tmp.used"
exit $bad
