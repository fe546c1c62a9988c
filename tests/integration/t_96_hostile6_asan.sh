#!/usr/bin/env bash
# The IPv6 hostile-input matrix of t_95 against the sanitizer build (build-asan/tapstackd, ASan +
# UBSan, leak detection on): the same groups and checks, and on SIGTERM a clean exit with no
# sanitizer report on the daemon's stderr. If the daemon dies during the matrix, its report is
# printed.
top=$(cd "$(dirname "$0")/../.." && pwd)
export TAPSTACKD=${ASAN_TAPSTACKD:-$top/build-asan/tapstackd}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
if [ ! -x "$TAPSTACKD" ]; then
	echo "FAIL: no sanitizer daemon at $TAPSTACKD (make build-asan/tapstackd)" >&2
	exit 1
fi
exec bash "$(dirname "$0")/t_95_hostile6.sh"
