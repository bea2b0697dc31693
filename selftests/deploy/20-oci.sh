# SPDX-License-Identifier: GPL-2.0
# nojit oci-hook (issue 12, section 2) under the real runc and crun:
# busybox bundles whose createRuntime hook is nojit oci-hook. Sourced by
# selftests/deploy/run (BUILD, NOJIT, ATTACKS, CG, WORK, TAP helpers).
#
# For each runtime: (a) a container a policy selects runs an attack as its
# entrypoint and is refused, counted and audited with its container id;
# (b) a container no policy selects runs it; (c) a selected container
# whose manifest does not verify does not start, and says why; (d) two
# containers created and run at once each get their own policy; (e) a
# container of the fail-open namespace starts despite the broken policy.
# The hook itself proves the cgroup claim of docs/oci-hook.md each time:
# it refuses unless the init is listed in the cgroup.procs of the cgroup
# config.json names, which the log's "cgroup" is then checked against.

OCI=$WORK/oci
OCG=/nojit-oci-test		# the containers' parent cgroup, below the mount
ROOTFS=$OCI/rootfs
ATTACK=anon_rwx_private		# route 1: anonymous RWX mmap
HOOKLOG=$OCI/hook.log
mkdir -p "$OCI/good.d" "$OCI/bad.d"

oci_setup() {
	"$NOJIT" keygen --out "$OCI/keys" >/dev/null &&
	"$NOJIT" keygen --out "$OCI/other-keys" >/dev/null &&
	"$NOJIT" keygen --out "$OCI/audit-keys" >/dev/null || return 1
	# The gated containers may run busybox (the rootfs's copy of it) only.
	"$NOJIT" manifest build --name oci-gated --serial 1 --valid-for 30 \
		-o "$OCI/gated.json" "$(readlink -f "$(command -v busybox)")" >/dev/null 2>&1 &&
	"$NOJIT" manifest sign --key "$OCI/keys/nojit.key" "$OCI/gated.json" >/dev/null || return 1
	# Broken: a byte changed under a valid signature.
	cp "$OCI/gated.json" "$OCI/tampered.json" && cp "$OCI/gated.json.sig" "$OCI/tampered.json.sig" &&
	sed -i '0,/oci-gated/s//oci-gatex/' "$OCI/tampered.json" || return 1
	cat >"$OCI/good.d/prod.json" <<-EOF
	{"name": "prod", "selector": {"container": {"namespace": "prod", "pod": "web-.*"}},
	 "mode": "enforce", "on_violation": "deny"}
	EOF
	cat >"$OCI/good.d/gated.json" <<-EOF
	{"name": "gated",
	 "selector": {"container": {"namespace": "gated", "annotations": {"nojit.test/tier": "gold"}}},
	 "manifest": "$OCI/gated.json", "trust": "$OCI/keys/nojit.pub",
	 "mode": "enforce", "on_violation": "deny"}
	EOF
	cat >"$OCI/bad.d/bad.json" <<-EOF
	{"name": "bad", "selector": {"container": {"namespace": "bad|nojit-system"}},
	 "manifest": "$OCI/tampered.json", "trust": "$OCI/keys/nojit.pub"}
	EOF
	mkdir -p "$CG$OCG"
}

# ann STYLE NAMESPACE POD CONTAINER: --annotation options as CRI-O or containerd sets them.
ann() {
	case $1 in
	crio) printf -- '--annotation\n%s\n' "io.kubernetes.pod.namespace=$2" \
		"io.kubernetes.pod.name=$3" "io.kubernetes.container.name=$4" ;;
	containerd) printf -- '--annotation\n%s\n' "io.kubernetes.cri.sandbox-namespace=$2" \
		"io.kubernetes.cri.sandbox-name=$3" "io.kubernetes.cri.container-name=$4" ;;
	esac
}

# bundle ID POLICY_DIR [HOOK_OPTION...] ';' [BUNDLE_OPTION...] -- ARGS...:
# $OCI/ID with its cgroup at $OCG/ID and nojit oci-hook as createRuntime hook.
bundle() {
	local id=$1 dir=$2 hookopts=()
	shift 2
	while [ "$1" != ";" ]; do hookopts+=("$1"); shift; done
	shift
	"$HERE/deploy/oci-bundle" "$OCI/$id" --rootfs "$ROOTFS" --cgroup "$OCG/$id" \
		--bind "$ATTACKS:/attacks" \
		--hook "$NOJIT" oci-hook --policy-dir "$dir" --log-file "$HOOKLOG" "${hookopts[@]}" \; \
		"$@"
}

# run_ctr RT ID: `RT run` the bundle; sets RC, OUT, ERR.
run_ctr() {
	local rt=$1 id=$2
	"$rt" run --bundle "$OCI/$id" "$id" >"$OCI/$id.out" 2>"$OCI/$id.err" </dev/null
	RC=$?
	OUT=$(cat "$OCI/$id.out")
	ERR=$(cat "$OCI/$id.err")
	"$rt" delete -f "$id" >/dev/null 2>&1
}

# hook_log ID KEY: KEY of the hook's last log line for container ID.
hook_log() {
	python3 - "$HOOKLOG" "$1" "$2" <<-'PY'
	import json, sys
	rec = None
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if r["container_id"] == sys.argv[2]:
	        rec = r
	v = rec.get(sys.argv[3]) if rec else "(no record)"
	print("null" if v is None else v)
	PY
}

# enrollment_of CGROUP: "origin policy container_id" of the enrollment of CGROUP.
enrollment_of() {
	"$NOJIT" --json status 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin).get("enrolled", []):
    if e["path"].endswith(sys.argv[1]):
        print(e.get("origin"), e.get("policy"), e.get("container_id"))' "$1"
}

enrolled_paths() {
	"$NOJIT" --json status 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin).get("enrolled", []):
    print(e["path"])'
}

# wait_stopped RT ID: until the container ran to its end (60 s at most).
wait_stopped() {
	local i
	for i in $(seq 1 600); do
		"$1" state "$2" 2>/dev/null | grep -q '"status": *"stopped"' && return 0
		sleep 0.1
	done
	return 1
}

ODAEMON=
oci_daemon_start() {
	# The daemon drains pinned maps: load them (a scratch enrollment, released).
	mkdir -p "$CG$OCG/load" && "$NOJIT" enforce --cgroup "$CG$OCG/load" >/dev/null &&
	"$NOJIT" release --cgroup "$CG$OCG/load" >/dev/null && rmdir "$CG$OCG/load" || return 1
	"$NOJIT" daemon --log "$OCI/audit.log" --key "$OCI/audit-keys/nojit.key" \
		2>"$OCI/daemon.err" &
	ODAEMON=$!
	for _ in $(seq 1 100); do
		grep -q "draining events" "$OCI/daemon.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

oci_suite() {	# oci_suite RUNTIME ANNOTATION-STYLE OTHER-STYLE
	local rt=$1 style=$2 other=$3 id before after how ann_args cgroup desc reason
	local ida idb pids

	# (a) selected: refused, counted, the hook recorded the cgroup config.json names.
	id=$rt-sel
	mapfile -t ann_args < <(ann "$style" prod web-1 app)
	bundle "$id" "$OCI/good.d" \; "${ann_args[@]}" -- "/attacks/$ATTACK"
	before=$(denials)
	run_ctr "$rt" "$id"
	after=$(denials)
	desc="$rt: a container policy \"prod\" selects ($style annotations): $ATTACK as entrypoint refused"
	if ! how=$(blocked_status "$RC"); then
		tap_not_ok "$desc" "exit status $RC (0 = the attack worked)" "$OUT" "$ERR"
	elif [ "$after" -le "$before" ]; then
		tap_not_ok "$desc" "$how, but the denial counters did not move ($before -> $after)" "$ERR"
	else
		tap_ok "$desc ($how, denials $before -> $after)"
	fi
	cgroup=$(hook_log "$id" cgroup)
	desc="$rt: at createRuntime the init is already in $OCG/$id, and the hook enrolled it as \"prod\""
	if [ "$(hook_log "$id" result)" = enrolled ] && [ "$(hook_log "$id" policy)" = prod ] &&
	   [ "$cgroup" = "$OCG/$id" ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "hook log: $(grep "\"$id\"" "$HOOKLOG")"
	fi

	# (b) not selected (another namespace; and prod's pod pattern does not match): runs.
	for id in "$rt-other-ns" "$rt-other-pod"; do
		if [ "$id" = "$rt-other-ns" ]; then
			mapfile -t ann_args < <(ann "$style" staging web-1 app)
		else
			mapfile -t ann_args < <(ann "$other" prod api-1 app)
		fi
		bundle "$id" "$OCI/good.d" \; "${ann_args[@]}" -- "/attacks/$ATTACK"
		run_ctr "$rt" "$id"
		desc="$rt: a container no policy selects (${id#"$rt"-}) runs $ATTACK"
		if [ "$RC" -eq 0 ] && [ "$(hook_log "$id" result)" = not-selected ]; then
			tap_ok "$desc"
		else
			tap_not_ok "$desc" "exit status $RC, hook: $(hook_log "$id" result)" "$OUT" "$ERR"
		fi
	done

	# (c) selected, manifest does not verify: does not start, the reason is
	# shown: runc puts the hook's stderr in its own error; crun writes it
	# only where the run.oci.hooks.stderr annotation says (else nowhere),
	# and says which hook failed. The hook's log file has it for both.
	id=$rt-bad
	mapfile -t ann_args < <(ann "$style" bad web-1 app)
	bundle "$id" "$OCI/bad.d" \; "${ann_args[@]}" \
		--annotation "run.oci.hooks.stderr=$OCI/$id.hook-stderr" -- /bin/echo STARTED
	: >"$OCI/$id.hook-stderr"
	run_ctr "$rt" "$id"
	desc="$rt: a selected container whose manifest does not verify does not start"
	reason="nojit: oci-hook: container $id in namespace bad: policy directory .*signature"
	if [ "$RC" -ne 0 ] && [[ $OUT != *STARTED* ]] &&
	   grep -q "$reason" <<<"$ERR"$'\n'"$(cat "$OCI/$id.hook-stderr")" &&
	   [ "$(hook_log "$id" result)" = refused ] && [[ $(hook_log "$id" error) == *signature* ]] &&
	   ! enrolled_paths | grep -q "$OCG/$id\$"; then
		tap_ok "$desc (exit $RC; $(grep -o 'nojit: oci-hook: .*' <<<"$ERR"$'\n'"$(cat "$OCI/$id.hook-stderr")" | head -c 160)...)"
	else
		tap_not_ok "$desc" "exit status $RC" "stdout: $OUT" "stderr: $ERR" \
			"hook stderr: $(cat "$OCI/$id.hook-stderr")" "hook log: $(grep "\"$id\"" "$HOOKLOG")"
	fi

	# (e) the fail-open namespace starts despite the same broken policy, and says so.
	id=$rt-failopen
	mapfile -t ann_args < <(ann "$style" nojit-system agent-1 agent)
	bundle "$id" "$OCI/bad.d" --fail-open-namespace kube-system --fail-open-namespace nojit-system \; \
		"${ann_args[@]}" -- /bin/echo STARTED
	run_ctr "$rt" "$id"
	desc="$rt: a container of a fail-open namespace starts despite a broken policy"
	if [ "$RC" -eq 0 ] && [[ $OUT == *STARTED* ]] && [ "$(hook_log "$id" result)" = failed-open ] &&
	   [[ $(hook_log "$id" error) == *signature* ]]; then
		tap_ok "$desc (hook log: failed-open, $(hook_log "$id" error | head -c 100)...)"
	else
		tap_not_ok "$desc" "exit status $RC, hook: $(grep "\"$id\"" "$HOOKLOG")" "$OUT" "$ERR"
	fi

	# (d) two containers created and run at once, each with its own policy:
	# "gated" (manifest lists busybox only: the attack cannot even be
	# exec'd, 126) and "prod" (memory rules: it runs and its mmap is refused, 1).
	ida=$rt-gated idb=$rt-prod
	mapfile -t ann_args < <(ann "$other" gated db-0 db)
	bundle "$ida" "$OCI/good.d" \; "${ann_args[@]}" --annotation nojit.test/tier=gold -- \
		/bin/sh -c "sleep 1; echo listed-ran; /attacks/$ATTACK; echo rc=\$?"
	mapfile -t ann_args < <(ann "$style" prod web-2 app)
	bundle "$idb" "$OCI/good.d" \; "${ann_args[@]}" -- \
		/bin/sh -c "sleep 1; echo listed-ran; /attacks/$ATTACK; echo rc=\$?"
	# (Never a bare wait: the daemon is a child too.)
	pids=()
	for id in "$ida" "$idb"; do
		"$rt" create --bundle "$OCI/$id" "$id" >"$OCI/$id.out" 2>"$OCI/$id.err" </dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	# Created, not started: the enrollments are there, each with its policy and id.
	desc="$rt: created at once, each enrolled with its own policy, origin container and container id"
	if [ "$(enrollment_of "$OCG/$ida")" = "container gated $ida" ] &&
	   [ "$(enrollment_of "$OCG/$idb")" = "container prod $idb" ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "status: $(enrollment_of "$OCG/$ida") / $(enrollment_of "$OCG/$idb")" \
			"$(cat "$OCI/$ida.err" "$OCI/$idb.err")"
	fi
	pids=()
	for id in "$ida" "$idb"; do
		"$rt" start "$id" 2>>"$OCI/$id.err" &
		pids+=($!)
	done
	wait "${pids[@]}"
	wait_stopped "$rt" "$ida" && wait_stopped "$rt" "$idb"
	for id in "$ida" "$idb"; do
		"$rt" delete -f "$id" >/dev/null 2>&1
	done
	desc="$rt: two containers at once: \"gated\" may run only busybox (attack not exec'd), \"prod\" runs it and its mmap is refused"
	if grep -q "listed-ran" "$OCI/$ida.out" && grep -q "rc=126" "$OCI/$ida.out" &&
	   grep -q "listed-ran" "$OCI/$idb.out" && grep -q "rc=1\$" "$OCI/$idb.out" &&
	   [ "$(hook_log "$ida" policy)" = gated ] && [ "$(hook_log "$idb" policy)" = prod ]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "$ida: $(cat "$OCI/$ida.out" "$OCI/$ida.err")" \
			"$idb: $(cat "$OCI/$idb.out" "$OCI/$idb.err")" \
			"hook: $(grep -e "\"$ida\"" -e "\"$idb\"" "$HOOKLOG")"
	fi
}

if ! oci_setup; then
	tap_not_ok "oci-hook: keys, manifests and policies for the tests"
elif ! oci_daemon_start; then
	tap_not_ok "oci-hook: nojit daemon starts" "$(cat "$OCI/daemon.err")"
else
	for rt in runc crun; do
		if ! command -v "$rt" >/dev/null; then
			tap_not_ok "$rt: installed" "no $rt on PATH (make deps)"
			continue
		fi
		if [ "$rt" = runc ]; then
			oci_suite runc crio containerd
		else
			oci_suite crun containerd crio
		fi
	done
	sleep 0.5	# the daemon polls every 100 ms
	kill -TERM "$ODAEMON"
	wait "$ODAEMON"
	tap_check "oci-hook: the audit log of the container runs verifies" \
		"$NOJIT" audit verify --key "$OCI/audit-keys/nojit.pub" "$OCI/audit.log"
	tap_check "oci-hook: each refused container's events carry its container id" \
		python3 - "$OCI/audit.log" "$ATTACK" runc-sel crun-sel runc-prod crun-prod runc-gated crun-gated <<-'PY'
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	events = [r for r in recs if r["type"] == "event"]
	for cid in sys.argv[3:]:
	    mine = [e for e in events if e["container_id"] == cid]
	    if not mine:
	        sys.exit("no event with container_id %s; events: %s" % (cid, [
	            (e["comm"], e["cgroup"], e["container_id"]) for e in events]))
	    for e in mine:
	        if not e["cgroup"].startswith("/nojit-oci-test/" + cid):
	            sys.exit("event for %s in cgroup %s" % (cid, e["cgroup"]))
	    print("%s: %d event(s), %s" % (cid, len(mine), sorted({e["route_name"] for e in mine})))
	PY
fi
rmdir "$CG$OCG"/* "$CG$OCG" 2>/dev/null
