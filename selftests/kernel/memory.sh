# SPDX-License-Identifier: GPL-2.0
# The memory policy (issue: kernel no-JIT memory policy). Sourced by run.

"$NOJIT" unload >/dev/null 2>&1
rmdir "$IN"/nested/deeper "$IN"/nested "$IN"/sub "$IN" "$OUT" 2>/dev/null
mkdir -p "$IN" "$OUT" || die "cannot create test cgroups under $CG"

# --- controller: errors and set-up ---------------------------------------
out=$("$NOJIT" enforce 2>&1); rc=$?
[ $rc -eq 2 ] && tap_ok "enforce without --cgroup is a usage error (exit 2)" ||
	tap_not_ok "enforce without --cgroup is a usage error (exit 2)" "exit $rc" "$out"
out=$("$NOJIT" enforce --cgroup "$CG/does-not-exist" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"No such file"* ]] && tap_ok "enforce on a missing cgroup: exit 1, says so" ||
	tap_not_ok "enforce on a missing cgroup: exit 1, says so" "exit $rc" "$out"
out=$("$NOJIT" enforce --cgroup /tmp 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"not a cgroup2 directory"* ]] && tap_ok "enforce on a non-cgroup2 directory: exit 1, says so" ||
	tap_not_ok "enforce on a non-cgroup2 directory: exit 1, says so" "exit $rc" "$out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$NOJIT" enforce --cgroup "$IN" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"must be run as root"* ]] && tap_ok "enforce as non-root: exit 1, says so" ||
	tap_not_ok "enforce as non-root: exit 1, says so" "exit $rc" "$out"
out=$(unshare -m sh -c "umount /sys/fs/bpf && '$NOJIT' enforce --cgroup '$IN'" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"bpffs is not mounted"* ]] && tap_ok "enforce without bpffs: exit 1, says so" ||
	tap_not_ok "enforce without bpffs: exit 1, says so" "exit $rc" "$out"
[ -e /sys/fs/bpf/nojit ] && tap_not_ok "refused enforce left nothing pinned" || tap_ok "refused enforce left nothing pinned"

out=$("$NOJIT" enforce --cgroup "$IN" 2>&1) || die "enforce failed: $out"
tap_ok "enforce --cgroup $IN"
ids1=$("$NOJIT" --json status | python3 -c 'import json,sys; print(sorted(p["id"] for p in json.load(sys.stdin)["programs"]))')
out=$("$NOJIT" enforce --cgroup "$IN" 2>&1); rc=$?
ids2=$("$NOJIT" --json status | python3 -c 'import json,sys; print(sorted(p["id"] for p in json.load(sys.stdin)["programs"]))')
[ $rc -eq 0 ] && [[ $out == *"already enrolled"* ]] && [ "$ids1" = "$ids2" ] &&
	tap_ok "enforce is idempotent: same programs reused, says already enrolled" ||
	tap_not_ok "enforce is idempotent: same programs reused, says already enrolled" "exit $rc" "$out" "$ids1 vs $ids2"
tap_check "status --json lists the enrollment and every program with id and tag" python3 - "$IN" <<PY
import json, subprocess, sys
s = json.loads(subprocess.check_output(["$NOJIT", "--json", "status"]))
assert s["bpf_lsm"]["usable"] and s["loaded"], s
assert any(e["path"] == sys.argv[1] for e in s["enrolled"]), s["enrolled"]
assert len(s["programs"]) >= 10 and all(len(p["tag"]) == 16 and p["id"] > 0 for p in s["programs"]), s["programs"]
PY

# --- every route, both directions -------------------------------------------
while read -r name route desc; do
	case $name in ''|'#'*) continue ;; esac
	[ -x "$ATTACKS/$name" ] || { tap_not_ok "$name built" "$ATTACKS/$name missing"; continue; }
	expect_allowed "$OUT" "outside (not enrolled)" "$name"
	expect_blocked "$IN" "inside (enrolled)" "$name" "$route"
done < "$HERE/attacks/routes.txt"

# --- the subtree ----------------------------------------------------------------
mkdir -p "$IN/nested/deeper" || die "mkdir nested"
for name in anon_rwx_private mprotect_anon memfd_exec_mmap; do
	expect_blocked "$IN/nested/deeper" "in a cgroup created after enrollment" "$name" \
		"$(awk -v n=$name '$1 == n { print $2 }' "$HERE/attacks/routes.txt")"
done
mkdir -p "$IN/sub"
out=$(run_in "$IN/nested" "$ATTACKS/cgroup_escape_procs" "$IN/sub" 2>&1); rc=$?
[ $rc -eq 0 ] && tap_ok "moving within the enrolled subtree stays allowed" ||
	tap_not_ok "moving within the enrolled subtree stays allowed" "exit $rc" "$out"

# --- legit workloads inside -------------------------------------------------------
export BUILD
legit_tap "legit inside" run_in "$IN" "$HERE/legit/run"
if [ -x "$HERE/legit/jit-runtimes" ]; then
	legit_tap "jit runtimes outside" run_in "$OUT" "$HERE/legit/jit-runtimes" --expect-jit-allowed
	legit_tap "jit runtimes inside" run_in "$IN" "$HERE/legit/jit-runtimes" --expect-jit-denied
fi

# --- release and unload restore -----------------------------------------------------
out=$("$NOJIT" release --cgroup "$IN" 2>&1) || tap_not_ok "release --cgroup $IN" "$out"
expect_allowed "$IN" "after release" anon_rwx_private
expect_allowed "$IN/nested/deeper" "in the nested cgroup after release" mprotect_anon
out=$("$NOJIT" release --cgroup "$IN" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"not enrolled"* ]] && tap_ok "release of a cgroup that is not enrolled: exit 1" ||
	tap_not_ok "release of a cgroup that is not enrolled: exit 1" "exit $rc" "$out"

"$NOJIT" enforce --cgroup "$IN" >/dev/null || die "re-enforce"
"$NOJIT" enforce --cgroup "$IN/nested" >/dev/null || die "nested enforce"
"$NOJIT" release --cgroup "$IN/nested" >/dev/null || die "nested release"
expect_blocked "$IN/nested/deeper" "after releasing a nested enrollment (parent still governs)" \
	anon_rwx_private 1

out=$("$NOJIT" unload 2>&1) || tap_not_ok "unload" "$out"
expect_allowed "$IN" "after unload" anon_rwx_private
[ -e /sys/fs/bpf/nojit ] && tap_not_ok "unload removed the pins" || tap_ok "unload removed the pins"

rmdir "$IN"/nested/deeper "$IN"/nested "$IN"/sub "$IN" "$OUT" 2>/dev/null
