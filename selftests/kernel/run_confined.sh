# SPDX-License-Identifier: GPL-2.0
# nojit run with BPF LSM available (issue: host confinement). Sourced by
# run; the host half is selftests/host/run. Uses the keys and manifests of
# selftests/kernel/prepare.

RC_SCRATCH=$(mktemp -d /tmp/nojit-run.XXXXXX)
RUN_PARENT=$CG/nojit-run
RC_TRUST=$BUILD/kernel-test/keys/nojit.pub
# --exec-path replaces the defaults; the dynamic loader must stay executable.
exec_args=()
for p in /usr /bin /sbin /lib /lib32 /lib64 /libx32; do
	[ -e $p ] && exec_args+=(-x "$p")
done

# No transient cgroup left behind, and none of them still enrolled.
no_transient_left() {
	local left
	left=$(find "$RUN_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	if "$NOJIT" --json status | python3 -c '
import json, sys
bad = [e["path"] for e in json.load(sys.stdin)["enrolled"] if "/nojit-run/" in e["path"]]
sys.exit(1 if bad else 0)'; then
		return 0
	fi
	echo "a transient cgroup is still enrolled"
	return 1
}

# The command runs in a transient cgroup below the default parent, enrolled
# (looked at from outside: a governed task may not use bpf() itself).
"$NOJIT" run --layers bpf-lsm -- sh -c \
	'cut -d: -f3 /proc/self/cgroup > "$1.tmp" && mv "$1.tmp" "$1"; sleep 5' sh "$RC_SCRATCH/cg" \
	>"$RC_SCRATCH/run.out" 2>&1 &
runner=$!
for _ in $(seq 100); do [ -s "$RC_SCRATCH/cg" ] && break; sleep 0.1; done
cg=$(cat "$RC_SCRATCH/cg" 2>/dev/null)
status=$("$NOJIT" --json status 2>&1)
wait "$runner"
rc=$?
if [ $rc -eq 0 ] && echo "$cg" | grep -q '^/nojit-run/run-[0-9]*$' &&
	echo "$status" | grep -q "\"$CG$cg\"" && grep -q 'layer bpf-lsm: active' "$RC_SCRATCH/run.out"; then
	tap_ok "run --layers bpf-lsm: the command runs in an enrolled transient cgroup"
else
	tap_not_ok "run --layers bpf-lsm: the command runs in an enrolled transient cgroup" \
		"exit $rc, cgroup '$cg'" "$(cat "$RC_SCRATCH/run.out")" "$status"
fi
msg=$(no_transient_left) && tap_ok "the transient cgroup is released and removed afterwards" ||
	tap_not_ok "the transient cgroup is released and removed afterwards" "$msg"

# The layers the host layers miss are closed by bpf-lsm, and counted by nojit.
for name in anon_rwx_private exec_stack tmpfile_double_map mprotect_anon; do
	before=$(denials)
	out=$("$NOJIT" run --layers bpf-lsm -- "$ATTACKS/$name" 2>&1)
	rc=$?
	after=$(denials)
	if how=$(blocked_status $rc) && [ "$after" -gt "$before" ]; then
		tap_ok "$name blocked under run --layers bpf-lsm ($how)"
	else
		tap_not_ok "$name blocked under run --layers bpf-lsm" "exit $rc, denials $before -> $after" "$out"
	fi
	# Its own TMPDIR: /tmp takes no new entries if the build lies below it (Landlock, documented).
	out=$(TMPDIR=$RC_SCRATCH "$NOJIT" run --layers all "${exec_args[@]}" -x "$ATTACKS" -- "$ATTACKS/$name" 2>&1)
	rc=$?
	if how=$(blocked_status $rc); then
		tap_ok "$name blocked under run --layers all ($how)"
	else
		tap_not_ok "$name blocked under run --layers all" "exit $rc" "$out"
	fi
done

# A manifest makes the transient cgroup hash-gated: listed runs, a changed copy does not.
cp /bin/true "$RC_SCRATCH/true-copy"
printf '\0' >>"$RC_SCRATCH/true-copy"
out=$("$NOJIT" run --layers bpf-lsm --manifest "$T/system.json" --trust "$RC_TRUST" -- /bin/true 2>&1)
rc=$?
[ $rc -eq 0 ] && tap_ok "run --manifest: a listed program runs" ||
	tap_not_ok "run --manifest: a listed program runs" "exit $rc" "$out"
before=$(denials)
out=$("$NOJIT" run --layers bpf-lsm --manifest "$T/system.json" --trust "$RC_TRUST" -- "$RC_SCRATCH/true-copy" 2>&1)
rc=$?
after=$(denials)
if [ $rc -eq 126 ] && [ "$after" -gt "$before" ]; then
	tap_ok "run --manifest: a modified copy is refused (126), counted by nojit"
else
	tap_not_ok "run --manifest: a modified copy is refused (126), counted by nojit" "exit $rc, denials $before -> $after" "$out"
fi
out=$("$NOJIT" run --layers bpf-lsm --manifest "$T/badsig.json" --trust "$RC_TRUST" -- /bin/true 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -qi 'signature' && msg=$(no_transient_left); then
	tap_ok "run --manifest with a bad signature: refused before anything runs"
else
	tap_not_ok "run --manifest with a bad signature: refused before anything runs" "exit $rc" "$out" "${msg:-}"
fi

# The command killed: whatever it left running in the cgroup goes too.
out=$("$NOJIT" run --layers bpf-lsm -- sh -c 'sleep 1000 & echo $! > '"$RC_SCRATCH"'/bg; kill -KILL $$' 2>&1)
rc=$?
bg=$(cat "$RC_SCRATCH/bg" 2>/dev/null)
if [ $rc -eq 137 ] && [ -n "$bg" ] && ! kill -0 "$bg" 2>/dev/null && msg=$(no_transient_left); then
	tap_ok "command killed: exit 137, its background child killed, cgroup removed"
else
	tap_not_ok "command killed: exit 137, its background child killed, cgroup removed" "exit $rc, bg=$bg" "$out" "${msg:-}"
fi

# nojit run itself sent SIGTERM: passed on to the command, then the cleanup.
"$NOJIT" run -- sleep 1000 >/dev/null 2>&1 &
runner=$!
for _ in $(seq 50); do
	[ -n "$(find "$RUN_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ] && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$runner"
wait "$runner"
rc=$?
if [ $rc -eq 143 ] && msg=$(no_transient_left); then
	tap_ok "nojit run sent SIGTERM: the command gets it (143), cgroup removed"
else
	tap_not_ok "nojit run sent SIGTERM: the command gets it (143), cgroup removed" "exit $rc" "${msg:-}"
fi

# Every layer at once: the legit suite still passes (the program gcc just
# built is new code outside the exec paths, refused by Landlock: 126), and
# a JIT runtime's no-JIT mode works while its JIT is stopped.
out=$(BUILD=$BUILD TMPDIR=$RC_SCRATCH "$NOJIT" run --layers all "${exec_args[@]}" -x "$BUILD/selftests/legit" \
	-- bash "$HERE/legit/run" "$BUILD" 2>&1)
bad=$(printf '%s\n' "$out" | grep '^not ok' | grep -v ' - gcc_compile_link_run$')
if [ -z "$bad" ] && printf '%s\n' "$out" | grep -q '^ok .* - bash_script$' &&
	printf '%s\n' "$out" | grep -q 'prog exited 126: .*Permission denied'; then
	tap_ok "legit suite under run --layers all: every workload runs, the fresh program is refused"
else
	tap_not_ok "legit suite under run --layers all: every workload runs, the fresh program is refused" "$out"
fi
if [ -x "$HERE/legit/jit-runtimes" ]; then
	legit_tap "jit runtimes under run --layers all" \
		"$NOJIT" run --layers all -- bash "$HERE/legit/jit-runtimes" --expect-jit-denied
fi
rm -rf "$RC_SCRATCH"
