# SPDX-License-Identifier: GPL-2.0
# TAP 13 helpers for the shell suites. Source it; the plan is printed at
# the end (tap_done), since the number of tests depends on routes.txt.

TAP_N=0
TAP_FAILED=0

tap_begin() {
	echo "TAP version 13"
}

tap_ok() {	# tap_ok DESCRIPTION
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

tap_not_ok() {	# tap_not_ok DESCRIPTION [DIAGNOSTIC...]
	local desc=$1
	shift
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $desc"
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

tap_skip() {	# tap_skip DESCRIPTION REASON
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_check() {	# tap_check DESCRIPTION COMMAND...: ok iff COMMAND exits 0
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "command: $*" "$out"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
