# SPDX-License-Identifier: GPL-2.0
# The hash gate (issue: signed manifests). Sourced by run; needs the keys
# and manifests of selftests/kernel/prepare (made on the host).

T=$BUILD/kernel-test
GATE=$CG/nojit-test-gate
CTL=$CG/nojit-test-gate-ctl
TRUST=$T/keys/nojit.pub
SCRATCH=$(mktemp -d /tmp/nojit-gate.XXXXXX)
[ -s "$T/system.json.sig" ] || die "no test manifests: run selftests/kernel/prepare $BUILD first"

# gate_runs DESC CMD...: CMD, run in the gated cgroup, succeeds.
gate_runs() {
	local desc=$1 out rc
	shift
	out=$(run_in "$GATE" "$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && tap_ok "$desc" || tap_not_ok "$desc" "exit $rc" "$out"
}

# gate_refused DESC CGROUP CMD...: CMD fails there, and nojit counted it.
gate_refused() {
	local desc=$1 cg=$2 out rc before after
	shift 2
	before=$(denials)
	out=$(run_in "$cg" "$@" 2>&1)
	rc=$?
	after=$(denials)
	if [ $rc -ne 0 ] && [ "$after" -gt "$before" ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "exit $rc, denials $before -> $after" "$out"
	fi
}

serial_in_force() {
	"$NOJIT" --json status | python3 -c '
import json, sys
for e in json.load(sys.stdin)["enrolled"]:
    if e["path"] == sys.argv[1]:
        print(e.get("manifest", {}).get("serial", "none"))' "$GATE"
}

# policy_intact SERIAL: the manifest with SERIAL is still what decides.
policy_intact() {
	local serial
	serial=$(serial_in_force)
	[ "$serial" = "$1" ] || { echo "serial in force: $serial, expected $1"; return 1; }
	run_in "$GATE" /bin/true || { echo "a listed program no longer runs"; return 1; }
	if run_in "$GATE" "$SCRATCH/true-modified" 2>/dev/null; then
		echo "an unlisted program runs"
		return 1
	fi
}

# refused NAME WHAT: enforcing T/NAME.json fails, says WHAT, changes nothing.
refused() {
	local name=$1 what=$2 serial out rc
	serial=$(serial_in_force)
	out=$("$NOJIT" enforce --cgroup "$GATE" --manifest "$T/$name.json" --trust "$TRUST" 2>&1)
	rc=$?
	if [ $rc -ne 1 ] || ! grep -qi -- "$what" <<<"$out"; then
		tap_not_ok "refused: $name.json ($what)" "exit $rc" "$out"
	elif ! out=$(policy_intact "$serial" 2>&1); then
		tap_not_ok "refused: $name.json ($what)" "the policy in force changed" "$out"
	else
		tap_ok "refused: $name.json ($what), previous manifest still enforced"
	fi
}

rmdir "$GATE" "$CTL" 2>/dev/null
mkdir -p "$GATE" "$CTL" "$OUT"
cp /bin/true "$SCRATCH/true-copy"
cp /bin/true "$SCRATCH/true-modified"
printf '\0' >>"$SCRATCH/true-modified"

out=$("$NOJIT" enforce --cgroup "$GATE" --manifest "$T/system.json" --trust "$TRUST" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *'serial 100'* ]] && tap_ok "enforce with a signed manifest" ||
	die "enforce --manifest failed ($rc): $out"

# --- content addressing -------------------------------------------------------
gate_runs "a listed program runs" /bin/true
gate_runs "a byte-identical copy elsewhere runs (content-addressed)" "$SCRATCH/true-copy"
gate_refused "the copy with one byte appended is refused" "$GATE" "$SCRATCH/true-modified"
printf '#!/bin/sh\necho hi\n' >"$SCRATCH/script.sh"
chmod +x "$SCRATCH/script.sh" "$SCRATCH/true-copy" "$SCRATCH/true-modified"
gate_refused "an unlisted #! script is refused" "$GATE" "$SCRATCH/script.sh"

cp /bin/true "$SCRATCH/true-inplace"
gate_runs "a listed file runs before it is modified" "$SCRATCH/true-inplace"
size=$(stat -c %s "$SCRATCH/true-inplace")
printf 'X' | dd of="$SCRATCH/true-inplace" bs=1 seek=$((size - 1)) conv=notrunc status=none
gate_refused "after an in-place modification its next exec is refused" "$GATE" "$SCRATCH/true-inplace"

mkdir -p "$SCRATCH/lib"
cp "$(realpath /lib/x86_64-linux-gnu/libm.so.6)" "$SCRATCH/lib/libm.so.6"
gate_runs "a byte-identical copy of libm is dlopen()ed" \
	env LD_LIBRARY_PATH="$SCRATCH/lib" "$BUILD/selftests/legit/dlopen-libm"
size=$(stat -c %s "$SCRATCH/lib/libm.so.6")
printf 'X' | dd of="$SCRATCH/lib/libm.so.6" bs=1 seek=$((size - 1)) conv=notrunc status=none
gate_refused "after an in-place modification, mapping it is refused" "$GATE" \
	env LD_LIBRARY_PATH="$SCRATCH/lib" "$BUILD/selftests/legit/dlopen-libm"

# --- routes 4, 6, 10, 11 ------------------------------------------------------
while read -r name route desc; do
	case $name in ''|'#'*) continue ;; esac
	expect_allowed "$OUT" "outside (not enrolled)" "$name"
	expect_blocked "$GATE" "inside (manifest in force)" "$name" "$route"
done < "$HERE/attacks/routes-manifest.txt"
for name in anon_rwx_private mprotect_anon memfd_exec_mmap; do
	expect_blocked "$GATE" "under a manifest (memory rules still apply)" "$name" \
		"$(awk -v n=$name '$1 == n { print $2 }' "$HERE/attacks/routes.txt")"
done

# --- the legit workloads under a manifest built with --closure ---------------
legit_tap "legit under manifest" run_in "$GATE" "$HERE/legit/run" --expect-new-exec-denied

# --- refused manifests leave the policy in force untouched -------------------
out=$("$NOJIT" enforce --cgroup "$GATE" --manifest "$T/s101.json" --trust "$TRUST" 2>&1); rc=$?
[ $rc -eq 0 ] && out=$(policy_intact 101 2>&1) && tap_ok "a higher serial replaces the manifest" ||
	tap_not_ok "a higher serial replaces the manifest" "exit $rc" "$out"
refused s99 "rollback"
refused s101b "different content"
refused system "rollback"
refused badsig "bad signature"
refused other "unknown key"
refused malformed "malformed"
refused wrongtype "serial"
refused badhash "sha256"
refused empty "empty"
refused garbage "too large"
now=$(date +%s)
date -s "@$((now + 2 * 86400))" >/dev/null
refused expiring "expired"
date -s "@$(( $(date +%s) - 2 * 86400 ))" >/dev/null

# --- a swap is atomic for a concurrent exec -----------------------------------
(
	fails=0
	for i in $(seq 1 150); do
		run_in "$GATE" /bin/true || fails=$((fails + 1))
	done
	echo "$fails" >"$SCRATCH/swap-fails"
) &
loop=$!
swaps=0
while kill -0 "$loop" 2>/dev/null && [ $swaps -lt 20 ]; do
	"$NOJIT" enforce --cgroup "$GATE" --manifest "$T/s101.json" --trust "$TRUST" >/dev/null 2>&1 &&
		swaps=$((swaps + 1))
done
wait "$loop"
[ "$(cat "$SCRATCH/swap-fails")" = 0 ] && [ $swaps -gt 0 ] &&
	tap_ok "no exec failed during $swaps manifest swaps" ||
	tap_not_ok "no exec failed during $swaps manifest swaps" "failures: $(cat "$SCRATCH/swap-fails")"

# --- scale -------------------------------------------------------------------------
out=$("$NOJIT" --json enforce --cgroup "$GATE" --manifest "$T/big.json" --trust "$TRUST" 2>&1); rc=$?
entries=$("$NOJIT" --json status | python3 -c '
import json, sys
print([e["manifest"]["entries"] for e in json.load(sys.stdin)["enrolled"] if e["path"] == sys.argv[1]][0])' "$GATE")
[ $rc -eq 0 ] && [ "$entries" = 100000 ] && out=$(policy_intact 300 2>&1) &&
	tap_ok "a 100,000-entry manifest loads and decides" ||
	tap_not_ok "a 100,000-entry manifest loads and decides" "exit $rc, $entries entries in the kernel" "$out"

# --- hash source "controller" (kernels without IMA) -------------------------
cp /bin/true "$SCRATCH/true-unattached"
out=$("$NOJIT" enforce --cgroup "$CTL" --manifest "$T/tools.json" --trust "$TRUST" \
	--hash-source controller 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *"digests attached for"* ]] && tap_ok "enforce --hash-source controller attaches digests" ||
	tap_not_ok "enforce --hash-source controller attaches digests" "exit $rc" "$out"
out=$(run_in "$CTL" /usr/bin/sha256sum /dev/null 2>&1) && tap_ok "controller mode: a listed file at its manifest path runs" ||
	tap_not_ok "controller mode: a listed file at its manifest path runs" "$out"
gate_refused "controller mode: a copy the controller never hashed is refused" "$CTL" "$SCRATCH/true-unattached"

"$NOJIT" release --cgroup "$CTL" >/dev/null
"$NOJIT" release --cgroup "$GATE" >/dev/null
out=$(run_in "$GATE" "$SCRATCH/true-modified" 2>&1) && tap_ok "release lifts the hash gate" ||
	tap_not_ok "release lifts the hash gate" "$out"
rmdir "$GATE" "$CTL" "$OUT" 2>/dev/null
rm -rf "$SCRATCH"
