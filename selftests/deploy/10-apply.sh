# SPDX-License-Identifier: GPL-2.0
# nojit apply, policy.d, the persistent rollback state, daemon --policy-dir
# and status without bpffs. Sourced by selftests/deploy/run.

A=$WORK/apply
P=$A/policy.d
ACG=$CG/nojit-apply
export NOJIT_STATE_DIR=$A/state
mkdir -p "$A" "$P" "$ACG/mem-1" "$ACG/mem-2" "$ACG/gated" "$ACG/free" "$ACG/manual"

"$NOJIT" keygen --out "$A/keys" >/dev/null
"$NOJIT" keygen --out "$A/other" >/dev/null
# A manifest that lists /bin/true (and what it loads), at serials 2, 3, and
# one signed by a key the policy does not trust.
for s in 2 3; do
	"$NOJIT" manifest build --closure --name gated --serial $s --valid-for 2 \
		-o "$A/gated-$s.json" /bin/true 2>/dev/null
	"$NOJIT" manifest sign --key "$A/keys/nojit.key" "$A/gated-$s.json" >/dev/null
done
cp "$A/gated-3.json" "$A/gated-untrusted.json"
"$NOJIT" manifest sign --key "$A/other/nojit.key" "$A/gated-untrusted.json" >/dev/null

write_policy() {	# write_policy NAME JSON: atomically, as an operator's tool would
	printf '%s\n' "$2" >"$P/.$1.tmp" && mv "$P/.$1.tmp" "$P/$1.json"
}

# enrolled_json: {relative cgroup path: {policy, origin, serial}} of every enrollment.
enrolled_json() {
	"$NOJIT" --json status | python3 -c '
import json, sys
s = json.load(sys.stdin)
out = {}
for e in s["enrolled"]:
    p = e["path"].split("/nojit-apply/", 1)
    key = p[1] if len(p) == 2 else e["path"]
    out[key] = [e.get("policy"), e["origin"], e.get("manifest", {}).get("serial"), e["mode"]]
print(json.dumps(out, sort_keys=True))'
}

write_policy mem '{"name": "mem", "selector": {"cgroup": ["nojit-apply/mem-*"]}, "mode": "enforce", "on_violation": "deny"}'
write_policy gated "{\"selector\": {\"cgroup\": \"nojit-apply/gated\"}, \"manifest\": \"$A/gated-2.json\", \"trust\": \"$A/keys/nojit.pub\"}"

# --- dry run, apply, idempotence --------------------------------------------
out=$("$NOJIT" apply --dry-run "$P" 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ $out == *"would make 3 changes"* ]] && [[ $out == *"+ enroll   nojit-apply/gated"* ]] &&
   ! "$NOJIT" status 2>/dev/null | grep -q "nojit-apply"; then
	tap_ok "apply --dry-run lists the 3 enrollments and makes none"
else
	tap_not_ok "apply --dry-run lists the 3 enrollments and makes none" "exit $rc" "$out"
fi

out=$("$NOJIT" apply "$P" 2>&1); rc=$?
state=$(enrolled_json)
want='{"gated": ["gated", "policy", 2, "enforce"], "mem-1": ["mem", "policy", null, "enforce"], "mem-2": ["mem", "policy", null, "enforce"]}'
if [ $rc -eq 0 ] && [ "$state" = "$want" ]; then
	tap_ok "apply enrolls what the selectors name, with each policy's manifest and mode"
else
	tap_not_ok "apply enrolls what the selectors name, with each policy's manifest and mode" \
		"exit $rc" "$out" "state: $state" "want:  $want"
fi
expect_blocked "$ACG/mem-1" "in a cgroup a policy selected" anon_rwx_private 1
expect_allowed "$ACG/free" "in a sibling no policy selects" anon_rwx_private
out=$(run_in "$ACG/gated" /bin/true 2>&1) && out2=$(run_in "$ACG/gated" /bin/false 2>&1; echo "rc=$?")
if [ $? -eq 0 ] && [[ $out2 == *"rc=126"* || $out2 == *"Operation not permitted"* ]]; then
	tap_ok "the policy's manifest gates exec: a listed program runs, an unlisted one is refused"
else
	tap_not_ok "the policy's manifest gates exec: a listed program runs, an unlisted one is refused" \
		"$out" "$out2"
fi

out=$("$NOJIT" --json apply "$P" 2>&1); rc=$?
if [ $rc -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["changes"]==[] and d["unchanged"]==3' "$out" &&
   text=$("$NOJIT" apply "$P") && [[ $text == *"no changes"* ]]; then
	tap_ok "a second apply changes nothing and says so"
else
	tap_not_ok "a second apply changes nothing and says so" "exit $rc" "$out" "${text:-}"
fi

# --- all or nothing ------------------------------------------------------------
before=$(enrolled_json)
write_policy zz-bad '{"selector": {"container": {"namespace": "^(unclosed$"}}}'
write_policy mem '{"name": "mem", "selector": {"cgroup": ["nojit-apply/mem-1"]}, "mode": "audit"}'
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ $out == *"zz-bad.json: selector.container.namespace"* ]] &&
   [[ $out == *"nothing changed"* ]] && [ "$(enrolled_json)" = "$before" ]; then
	tap_ok "one file with a bad regular expression: exit 1, file and field named, nothing changed (not even the good file's change)"
else
	tap_not_ok "one file with a bad regular expression: exit 1, file and field named, nothing changed" \
		"exit $rc" "$out" "before: $before" "after:  $(enrolled_json)"
fi
rm -f "$P/zz-bad.json"
write_policy zz-bad '{"selector": {"cgroup": "nojit-apply/free"}, "manifest": "'"$A"'/gated-untrusted.json", "trust": "'"$A"'/keys/nojit.pub"}'
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ $out == *"zz-bad.json: manifest"* ]] && [ "$(enrolled_json)" = "$before" ]; then
	tap_ok "a manifest that does not verify: exit 1, named, nothing changed"
else
	tap_not_ok "a manifest that does not verify: exit 1, named, nothing changed" "exit $rc" "$out"
fi
rm -f "$P/zz-bad.json"

# --- changes: update, release, manifest swap ------------------------------------
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
state=$(enrolled_json)
want='{"gated": ["gated", "policy", 2, "enforce"], "mem-1": ["mem", "policy", null, "audit"]}'
if [ $rc -eq 0 ] && [ "$state" = "$want" ] && [[ $out == *"- release  nojit-apply/mem-2"* ]] &&
   [[ $out == *"~ update   nojit-apply/mem-1"* ]]; then
	tap_ok "a changed policy file: its cgroup is updated (mode audit), the one it no longer selects released"
else
	tap_not_ok "a changed policy file: update and release" "exit $rc" "$out" "state: $state" "want:  $want"
fi
expect_allowed "$ACG/mem-2" "after its policy no longer selects it" anon_rwx_private

write_policy gated "{\"selector\": {\"cgroup\": \"nojit-apply/gated\"}, \"manifest\": \"$A/gated-3.json\", \"trust\": \"$A/keys/nojit.pub\"}"
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(enrolled_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gated"][2])')" = 3 ] &&
   run_in "$ACG/gated" /bin/true; then
	tap_ok "a new manifest serial is swapped in by apply and keeps gating"
else
	tap_not_ok "a new manifest serial is swapped in by apply" "exit $rc" "$out"
fi

# --- rollback protection survives unload ---------------------------------------
write_policy gated "{\"selector\": {\"cgroup\": \"nojit-apply/gated\"}, \"manifest\": \"$A/gated-2.json\", \"trust\": \"$A/keys/nojit.pub\"}"
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"rollback refused"* ]] && tap_ok "an older serial is refused (rollback)" ||
	tap_not_ok "an older serial is refused (rollback)" "exit $rc" "$out"
"$NOJIT" unload >/dev/null
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
out2=$("$NOJIT" enforce --cgroup "$ACG/free" --manifest "$A/gated-2.json" --trust "$A/keys/nojit.pub" 2>&1); rc2=$?
if [ $rc -eq 1 ] && [[ $out == *"rollback refused"* ]] && [ $rc2 -eq 1 ] && [[ $out2 == *"rollback refused"* ]]; then
	tap_ok "after nojit unload the rollback is still refused, by apply and by enforce (persistent state)"
else
	tap_not_ok "after nojit unload the rollback is still refused" "apply exit $rc: $out" "enforce exit $rc2: $out2"
fi
cp "$NOJIT_STATE_DIR/rollback.state" "$A/state.bak"
sed -i 's/"serial": *3/"serial":1/' "$NOJIT_STATE_DIR/rollback.state"
out=$("$NOJIT" enforce --cgroup "$ACG/free" --manifest "$A/gated-2.json" --trust "$A/keys/nojit.pub" 2>&1); rc=$?
rm -f "$NOJIT_STATE_DIR/rollback.state"
out2=$("$NOJIT" enforce --cgroup "$ACG/free" --manifest "$A/gated-3.json" --trust "$A/keys/nojit.pub" 2>&1); rc2=$?
if [ $rc -eq 1 ] && [[ $out == *"changed outside nojit"* ]] && [ $rc2 -eq 1 ] && [[ $out2 == *"state was removed"* ]]; then
	tap_ok "an edited or deleted rollback state is detected and every manifest refused"
else
	tap_not_ok "an edited or deleted rollback state is detected" "edited: exit $rc: $out" "deleted: exit $rc2: $out2"
fi
out=$("$NOJIT" rollback reset --all 2>&1); rc=$?
out2=$("$NOJIT" rollback reset --all --reason "deploy test: state rebuilt" 2>&1); rc2=$?
out3=$("$NOJIT" apply "$P" 2>&1); rc3=$?
show=$("$NOJIT" rollback show 2>&1)
if [ $rc -eq 2 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && [[ $show == *"deploy test: state rebuilt"* ]] &&
   [[ $show == *'manifest "gated": serial 2'* ]]; then
	tap_ok "rollback reset needs a reason, is recorded in the state, and lets the policy load again"
else
	tap_not_ok "rollback reset needs a reason, is recorded, and lets the policy load again" \
		"no reason: exit $rc: $out" "reset: exit $rc2: $out2" "apply: exit $rc3: $out3" "$show"
fi

# --- manual enrollments are left alone -----------------------------------------
"$NOJIT" enforce --cgroup "$ACG/manual" >/dev/null
out=$("$NOJIT" apply "$P" 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ $out == *"1 enrollment made by 'nojit enforce' left alone"* ]] &&
   [ "$(enrolled_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["manual"][1])')" = manual ]; then
	tap_ok "apply leaves a manual enrollment alone and says so"
else
	tap_not_ok "apply leaves a manual enrollment alone" "exit $rc" "$out"
fi
"$NOJIT" release --cgroup "$ACG/manual" >/dev/null

# --- the daemon: apply at start, on change (ConfigMap swap), failures logged --------
"$NOJIT" unload >/dev/null
D=$A/daemon
mkdir -p "$D/cm/..2026_01" "$D/log"
cp "$P/gated.json" "$D/cm/..2026_01/gated.json"
ln -s ..2026_01 "$D/cm/..data"
ln -s ..data/gated.json "$D/cm/gated.json"
"$NOJIT" keygen --out "$D/audit" >/dev/null
"$NOJIT" daemon --policy-dir "$D/cm" --reapply-every 0 --log "$D/log/audit.log" \
	--key "$D/audit/nojit.key" --seal-every-ms 200 2>"$D/daemon.err" &
DPID=$!
wait_for() {	# wait_for SECONDS CMD...: until CMD succeeds
	local i
	for ((i = 0; i < $1 * 5; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
has_enrollment() { enrolled_json | grep -q "\"$1\""; }
if wait_for 60 has_enrollment gated && ! has_enrollment mem-1; then
	tap_ok "daemon --policy-dir applies the directory at start"
else
	tap_not_ok "daemon --policy-dir applies the directory at start" "$(enrolled_json)" "$(cat "$D/daemon.err")"
fi
# A ConfigMap update: a new data directory, then one rename of ..data.
mkdir "$D/cm/..2026_02"
cp "$D/cm/..2026_01/gated.json" "$D/cm/..2026_02/"
printf '%s\n' '{"name": "mem", "selector": {"cgroup": "nojit-apply/mem-2"}}' >"$D/cm/..2026_02/mem.json"
ln -s ..2026_02 "$D/cm/..data_tmp" && mv -T "$D/cm/..data_tmp" "$D/cm/..data"
ln -s ..data/mem.json "$D/cm/mem.json"
if wait_for 30 has_enrollment mem-2; then
	tap_ok "the daemon reapplies after a ConfigMap-style atomic swap of ..data"
else
	tap_not_ok "the daemon reapplies after a ConfigMap-style atomic swap" "$(enrolled_json)" "$(cat "$D/daemon.err")"
fi
before=$(enrolled_json)
printf '%s\n' '{"selector": {"cgroup": "../../etc"}}' >"$D/cm/broken.json"
sleep 2
after=$(enrolled_json)
kill -TERM $DPID
wait $DPID
drc=$?
policy_records=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "policy":
        print(r["action"], r.get("digest") is not None, r.get("changes"), r.get("detail") or "")
' "$D/log/audit.log")
if [ "$before" = "$after" ] && [ $drc -eq 0 ] &&
   [ "$(grep -c '^apply True' <<<"$policy_records")" -ge 2 ] &&
   grep -q '^apply-failed .*broken.json: selector.cgroup' <<<"$policy_records" &&
   "$NOJIT" audit verify --key "$D/audit/nojit.pub" "$D/log/audit.log" >/dev/null 2>&1; then
	tap_ok "each apply and a failed one are policy records with the digest; the policy in force stays; the log verifies"
else
	tap_not_ok "apply and failed apply are logged; the policy in force stays; the log verifies" \
		"daemon exit $drc" "before: $before" "after:  $after" "$policy_records" \
		"$("$NOJIT" audit verify --key "$D/audit/nojit.pub" "$D/log/audit.log" 2>&1)"
fi
# A restart onto a broken directory while a policy is pinned: keep it, drain, log why.
before=$(enrolled_json)
"$NOJIT" daemon --policy-dir "$D/cm" --reapply-every 0 --log "$D/log/audit2.log" \
	--key "$D/audit/nojit.key" 2>"$D/daemon2.err" </dev/null &
DPID=$!
wait_for 30 grep -q '"type":"policy".*"action":"apply-failed"' "$D/log/audit2.log"
expect_blocked "$ACG/mem-2" "while the daemon keeps the pinned policy" anon_rwx_private 1
sleep 0.5
kill -TERM $DPID
wait $DPID
drc=$?
if [ $drc -eq 0 ] && [ "$(enrolled_json)" = "$before" ] &&
   grep -q "keeping the policy pinned in the kernel" "$D/daemon2.err" &&
   grep -q '"type":"event"' "$D/log/audit2.log" &&
   grep -q '"action":"apply-failed".*broken.json' "$D/log/audit2.log"; then
	tap_ok "restarted onto a broken directory with a policy pinned, the daemon keeps it, drains events and logs the failed apply"
else
	tap_not_ok "restarted onto a broken directory, the daemon keeps the pinned policy and drains" \
		"exit $drc" "$(cat "$D/daemon2.err")" "$(cat "$D/log/audit2.log")"
fi
"$NOJIT" unload >/dev/null
out=$("$NOJIT" daemon --policy-dir "$D/cm" --log "$D/log/audit3.log" --key "$D/audit/nojit.key" 2>&1 </dev/null); rc=$?
if [ $rc -eq 1 ] && [[ $out == *"broken.json"* ]] && [[ $out == *"not starting"* ]]; then
	tap_ok "with nothing loaded (a boot) the daemon does not start on a policy directory with problems"
else
	tap_not_ok "with nothing loaded the daemon does not start on a policy directory with problems" "exit $rc" "$out"
fi
rm -f "$D/cm/broken.json"

# --- status on a host without bpffs or securityfs -------------------------------
out=$(unshare -m sh -c 'umount /sys/fs/bpf 2>/dev/null; umount /sys/kernel/security 2>/dev/null; "$1" status' sh "$NOJIT" 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ $out == *"not loaded: bpffs is not mounted"* ]] && [[ $out == *"securityfs"* ]]; then
	tap_ok "status answers without bpffs and securityfs, saying why"
else
	tap_not_ok "status answers without bpffs and securityfs, saying why" "exit $rc" "$out"
fi

"$NOJIT" unload >/dev/null
rmdir "$ACG"/* "$ACG" 2>/dev/null
unset NOJIT_STATE_DIR
