#!/bin/sh
# tests/integration/run.sh — runs every tests/integration/t_*.sh (in name order) against the real
# daemon in network namespaces, then t_01_ping once more against the sanitizer build.
#
#   sudo sh tests/integration/run.sh [NAME|PATH...]     (no argument: what `make integration` runs)
#
# Prints PASS/FAIL per test (a failing test's output follows, indented) and, last, exactly
# "N passed, M failed"; exits 1 when any test failed.
# Environment: TAPSTACKD (default build/tapstackd), TAPSTACKCTL (default build/tapstackctl),
# ASAN_TAPSTACKD (default build-asan/tapstackd; empty skips the sanitizer run),
# TS_TEST_TIMEOUT (seconds per test, default 240), TS_VERBOSE=1 (print every test's output).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$DIR/../.." && pwd)
cd "$TOP" || exit 1
export TAPSTACKD=${TAPSTACKD:-$TOP/build/tapstackd}
export TAPSTACKCTL=${TAPSTACKCTL:-$TOP/build/tapstackctl}
ASAN_TAPSTACKD=${ASAN_TAPSTACKD-$TOP/build-asan/tapstackd}
TEST_TIMEOUT=${TS_TEST_TIMEOUT:-240}
# One id per run: every namespace a test makes is named ts$TS_RUN..., so leftovers can be found.
TS_RUN=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
export TS_RUN

passed=0
failed=0
CUR=""   # PID of the running test's timeout
LOG=""   # its output file

on_signal() {
	if [ -n "$CUR" ]; then
		kill -TERM "$CUR" 2>/dev/null
		wait "$CUR" 2>/dev/null
	fi
	[ -n "$LOG" ] && rm -f "$LOG"
	echo "run.sh: interrupted"
	echo "$passed passed, $((failed + 1)) failed"
	exit 130
}
trap on_signal INT TERM HUP

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the integration tests need root (network namespaces, TAP devices): sudo make integration" >&2
	echo "FAIL run.sh (not root)"
	echo "0 passed, 1 failed"
	exit 1
fi

leftover_ns() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^ts$TS_RUN" || true; }

# run_one LABEL SCRIPT [VAR=VALUE...]: runs one test under a time bound and records the result.
run_one() {
	local label=$1 script=$2 log rc left
	shift 2
	log=$(mktemp /tmp/tapstack-it-log.XXXXXX)
	LOG=$log
	# timeout runs the test in a process group of its own; a signal to timeout reaches the whole
	# group (test shell, daemon, ping...), so the test's trap cleans up at once.
	env "$@" timeout -k 10 "$TEST_TIMEOUT" bash "$script" >"$log" 2>&1 &
	CUR=$!
	wait "$CUR"
	rc=$?
	CUR=""
	left=$(leftover_ns)
	if [ -n "$left" ]; then
		echo "run.sh: $label left namespaces behind: $left" >>"$log"
		for ns in $left; do ip netns del "$ns" 2>/dev/null; done
		[ "$rc" -ne 0 ] || rc=1
	fi
	[ "$rc" -ne 124 ] || echo "run.sh: $label timed out after ${TEST_TIMEOUT}s" >>"$log"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $label"
		[ "${TS_VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$log"
	else
		failed=$((failed + 1))
		echo "FAIL $label"
		tail -n 80 "$log" | sed 's/^/    /'
	fi
	rm -f "$log"
	LOG=""
}

tests=()
if [ "$#" -gt 0 ]; then
	for name in "$@"; do
		if [ -f "$name" ]; then tests+=("$(cd "$(dirname "$name")" && pwd)/$(basename "$name")"); continue; fi
		name=${name%.sh}
		name=${name##*/}
		[ -f "$DIR/$name.sh" ] || { echo "run.sh: no test $name" >&2; exit 2; }
		tests+=("$DIR/$name.sh")
	done
else
	for t in "$DIR"/t_*.sh; do tests+=("$t"); done
fi

echo "# tapstackd: $TAPSTACKD  (run id ts$TS_RUN)"
for t in "${tests[@]}"; do
	run_one "$(basename "$t" .sh)" "$t"
done

# The sanitizer build: one quick test (ping + stats, clean exit on SIGTERM with no report).
if [ -n "$ASAN_TAPSTACKD" ] && [ "$#" -eq 0 ]; then
	if [ -x "$ASAN_TAPSTACKD" ]; then
		run_one "asan:t_01_ping" "$DIR/t_01_ping.sh" TAPSTACKD="$ASAN_TAPSTACKD" \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
	else
		echo "FAIL asan:t_01_ping"
		echo "    no sanitizer daemon at $ASAN_TAPSTACKD (make build-asan/tapstackd)"
		failed=$((failed + 1))
	fi
fi

left=$(leftover_ns)
if [ -n "$left" ]; then
	echo "FAIL cleanup: namespaces left: $left"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
