# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Verify-then-use race tests: swap a bad file in and out at a path while a
# command verifies and uses it (swap-loop). Source it.

race_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

race_start() {	# race_start [--in-place] GOOD BAD TARGET: returns once the swapping is on
	local mode=()
	[ "$1" = --in-place ] && mode=(--in-place) && shift
	RACE_STOP=$(mktemp -u "${TMPDIR:-/tmp}/race-stop.XXXXXX")
	"$race_lib/swap-loop" "${mode[@]}" "$1" "$2" "$3" "$RACE_STOP.ready" "$RACE_STOP" &
	RACE_PID=$!
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -e "$RACE_STOP.ready" ] && return 0
		kill -0 "$RACE_PID" 2>/dev/null || return 1
		sleep 0.01
	done
	race_stop
	return 1
}

race_stop() {
	touch "$RACE_STOP"
	wait "$RACE_PID"
	rm -f "$RACE_STOP" "$RACE_STOP.ready"
}
