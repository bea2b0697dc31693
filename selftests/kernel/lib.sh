# SPDX-License-Identifier: GPL-2.0
# Shared by the kernel suites (sourced by selftests/kernel/run): running
# commands in a cgroup, and asserting an attack was allowed or blocked.

die() {
	echo "Bail out! $*"
	exit 1
}

# run_in CGROUP CMD...: CMD in a fresh process moved into CGROUP first.
run_in() {
	local cg=$1
	shift
	( echo "$BASHPID" > "$cg/cgroup.procs" && exec "$@" )
}

# All of nojit's denials and kills so far. A blocked attack must move it:
# that proves nojit blocked it, not some other part of the system. The
# rule that fires is not always the attack's own route (a double-mapped
# memfd is refused by the memfd rule), so the total is what is compared.
denials() {
	"$NOJIT" --json status | python3 -c \
		'import json,sys; c=json.load(sys.stdin)["counters"]; print(sum(c["denials_by_route"].values()))'
}

# An attack counts as blocked when the protected step failed with EPERM
# (exit 1), or when nojit killed it (SIGKILL) or the kernel could not
# finish an exec nojit refused past the point of no return (SIGSEGV).
blocked_status() {
	case $1 in
	1) echo "denied with EPERM" ;;
	137) echo "killed (SIGKILL)" ;;
	139) echo "killed (SIGSEGV at exec)" ;;
	*) return 1 ;;
	esac
}

attack_target() {	# extra argument for the attacks that need one
	case $1 in
	cgroup_escape_*) echo "$CG" ;;
	esac
}

# attack_args NAME [ARGS...]: ARGS if given, else what attack_target says.
attack_args() {
	local name=$1
	shift
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; else attack_target "$name"; fi
}

expect_allowed() {	# expect_allowed CGROUP LABEL NAME [ARGS...]
	local cg=$1 label=$2 name=$3 out rc args
	shift 3
	mapfile -t args < <(attack_args "$name" "$@")
	out=$(run_in "$cg" "$ATTACKS/$name" "${args[@]}" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$name allowed $label"
	else
		tap_not_ok "$name allowed $label" "exit status $rc" "$out"
	fi
}

expect_blocked() {	# expect_blocked CGROUP LABEL NAME ROUTE [ARGS...]
	local cg=$1 label=$2 name=$3 route=$4 out rc before after how args
	shift 4
	mapfile -t args < <(attack_args "$name" "$@")
	before=$(denials)
	out=$(run_in "$cg" "$ATTACKS/$name" "${args[@]}" 2>&1)
	rc=$?
	after=$(denials)
	if ! how=$(blocked_status "$rc"); then
		tap_not_ok "$name blocked $label" "exit status $rc (0 = the attack worked)" "$out"
	elif [ "$after" -le "$before" ]; then
		tap_not_ok "$name blocked $label" \
			"$how, but nojit's denial counters did not move ($before -> $after)" "$out"
	else
		tap_ok "$name blocked $label ($how, route $route)"
	fi
}

# legit_tap LABEL CMD...: run a TAP sub-suite, re-numbering its tests into
# ours; a sub-suite that fails without a failing test, or runs none, fails.
legit_tap() {
	local label=$1 line n=0 failed=0 rc
	shift
	while IFS= read -r line; do
		case $line in
		"ok "*) n=$((n + 1)); tap_ok "$label: ${line#ok * - }" ;;
		"not ok "*) n=$((n + 1)); failed=1; tap_not_ok "$label: ${line#not ok * - }" ;;
		"# exit "*) rc=${line#\# exit } ;;
		"#"*) echo "$line" ;;
		esac
	done < <("$@" 2>&1; echo "# exit $?")
	if [ "$n" -eq 0 ] || { [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
		tap_not_ok "$label: suite ran $n tests and exited $rc"
	fi
}
