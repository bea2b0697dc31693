# SPDX-License-Identifier: GPL-2.0
# nojit scan and nojit daemon --scan-every against the live policy (issue
# 11): code a task generated before its cgroup was enrolled is found by
# the scan of every governed task, logged by the daemon as a "scan"
# record, answered with the enrollment's response; the manifest in force
# is checked. Sourced by run.

SW=$(mktemp -d /tmp/nojit-scan.XXXXXX)
OFF=$BUILD/selftests/scan/offender
SCG=$CG/nojit-test-scan
SKILL=$CG/nojit-test-scan-kill
SMAN=$CG/nojit-test-scan-manifest
[ -x "$OFF" ] || die "$OFF not built (make scan-bins)"
"$NOJIT" keygen --out "$SW/keys" >/dev/null || die "keygen for the scan tests"
SKEY=$SW/keys/nojit.key
SPUB=$SW/keys/nojit.pub
SPIDS=()

# scan_start VAR CGROUP CMD...: CMD in CGROUP, its pid in VAR, once it is ready.
scan_start() {
	local var=$1 cg=$2
	shift 2
	( echo "$BASHPID" >"$cg/cgroup.procs" && exec "$@" >"$SW/$var.out" 2>&1 ) &
	printf -v "$var" %s "$!"
	SPIDS+=("$!")
	for _ in $(seq 1 100); do
		grep -qs '^ready' "$SW/$var.out" && return 0
		sleep 0.1
	done
	die "$*: not ready: $(cat "$SW/$var.out")"
}

# scan_daemon LOG SECONDS: nojit daemon --scan-every 1 for about SECONDS.
scan_daemon() {
	local log=$1 secs=$2 d
	"$NOJIT" daemon --log "$log" --key "$SKEY" --scan-every 1 2>>"$SW/daemon.err" &
	d=$!
	for _ in $(seq 1 100); do
		grep -qs "draining events" "$SW/daemon.err" && break
		sleep 0.1
	done
	sleep "$secs"
	kill -TERM "$d"
	wait "$d" 2>/dev/null	# quiet: the shell reports offenders the daemon killed
}

for c in "$SCG" "$SKILL" "$SMAN"; do
	rmdir "$c" 2>/dev/null
	mkdir -p "$c" || die "mkdir $c"
done
mkdir -p "$OUT"

# --- JIT code made before enrollment; a clean task beside it; one outside ----------
scan_start S_JIT "$SCG" "$OFF" anon
scan_start S_CLEAN "$SCG" "$OFF" clean
scan_start S_OUTSIDE "$OUT" "$OFF" anon
"$NOJIT" enforce --cgroup "$SCG" >/dev/null || die "enforce $SCG"
"$NOJIT" --json scan >"$SW/all.json" 2>"$SW/all.err"
rc=$?
tap_check "nojit scan (no argument) finds JIT code made before the cgroup was enrolled, only in governed tasks" \
	python3 - "$SW/all.json" "$rc" "$S_JIT" "$S_CLEAN" "$S_OUTSIDE" "${SCG#$CG}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rc, jit, clean, outside, cg = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
assert rc == 1, f"exit {rc}"
assert d["policy"]["pinned_maps"] and d["policy"]["note"] is None, d["policy"]
mine = [f for f in d["findings"] if f["pid"] == jit]
assert len(mine) == 1 and mine[0]["reason"] == "anonymous" and mine[0]["cgroup"] == cg, d["findings"]
assert not [f for f in d["findings"] if f["pid"] in (clean, outside)], d["findings"]
assert d["scanned"]["tasks"] >= 2 and d["errors"] == [], d
PY
tap_check "that scan is kept for nojit attest: its counts and the offender's identity" \
	python3 - "$SW/all.json" "$NOJIT_STATE_DIR/scan-last.json" "$S_JIT" "${SCG#$CG}" <<'PY'
import json, sys
d, k = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
jit, cg = int(sys.argv[3]), sys.argv[4]
assert k["source"] == "scan" and k["format"] == 1, k
assert k["tasks"] == d["scanned"]["tasks"] and k["findingCount"] == len(d["findings"]), (k, d)
assert k["findingsOmitted"] == 0 and len(k["findings"]) == len(d["findings"]), k
mine = [f for f in k["findings"] if f["pid"] == jit]
assert len(mine) == 1 and mine[0]["reason"] == "anonymous" and mine[0]["cgroup"] == cg, k
assert mine[0]["enrolledId"] == mine[0]["cgroupId"] and mine[0]["file"] is None, mine
PY
cp "$NOJIT_STATE_DIR/scan-last.json" "$SW/kept-by-scan.json"
"$NOJIT" --json scan --pid "$S_OUTSIDE" >"$SW/outside.json"
rc=$?
tap_check "nojit scan --pid still scans a task outside every enrolled subtree" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sys.argv[2] == "1" and [f["reason"] for f in d["findings"]] == ["anonymous"], d' \
	"$SW/outside.json" "$rc"
tap_check "a --pid scan leaves the kept scan of every governed task as it was" \
	cmp "$SW/kept-by-scan.json" "$NOJIT_STATE_DIR/scan-last.json"

# --- the daemon logs it, once, as a signed "scan" record -----------------------------
scan_daemon "$SW/scan.log" 3
tap_check "nojit daemon --scan-every 1 logs the finding once as a scan record" \
	python3 - "$SW/scan.log" "$S_JIT" "${SCG#$CG}" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
scans = [r for r in recs if r["type"] == "scan" and r["tgid"] == int(sys.argv[2])]
assert len(scans) == 1, f"{len(scans)} scan records for the offender (it persists: log it once)"
s = scans[0]
assert s["reason"] == "anonymous" and s["cgroup"] == sys.argv[3] and s["file"] is None, s
assert s["comm"] == "offender" and s["start"].startswith("0x") and "x" in s["perms"], s
# enforce + deny: nothing to answer, the task lives on (the daemon also
# drains what earlier suites left: only this task's records count)
assert not [r for r in recs if r["type"] == "response" and r["pid"] == int(sys.argv[2])], \
    "a response under --on-violation deny"
PY
tap_check "the offender still runs under --on-violation deny" kill -0 "$S_JIT"
tap_check "the daemon's scan replaces the kept one and lists the offender" \
	python3 - "$SW/kept-by-scan.json" "$NOJIT_STATE_DIR/scan-last.json" "$S_JIT" <<'PY'
import json, sys
old, k = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert k["source"] == "daemon" and k["time"] > old["time"], (old, k)
assert [f["reason"] for f in k["findings"] if f["pid"] == int(sys.argv[3])] == ["anonymous"], k
PY
out=$("$NOJIT" --json audit verify --key "$SPUB" "$SW/scan.log" 2>&1)
tap_check "nojit audit verify verifies the log and counts its scan records" \
	python3 - "$SW/scan.log" "$out" <<'PY'
import json, sys
v = json.loads(sys.argv[2])
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["type"] == "scan")
assert v["valid"] and v["closed"], v
assert v["scan_findings"] == n and n >= 1, (v["scan_findings"], n)
PY

# --- --on-violation kill: the daemon kills what the scan found --------------------
scan_start S_KILL "$SKILL" "$OFF" memfd
"$NOJIT" enforce --cgroup "$SKILL" --on-violation kill >/dev/null || die "enforce $SKILL"
scan_daemon "$SW/kill.log" 3
# Dead (a zombie until reaped): reaped here, quietly. Never wait for a live one.
S_KILL_GONE=0
if ! kill -0 "$S_KILL" 2>/dev/null || grep -qs '^State:.*Z' "/proc/$S_KILL/status"; then
	{ wait "$S_KILL"; } 2>/dev/null
	S_KILL_GONE=1
fi
tap_check "--on-violation kill: the daemon kills the task the scan found and records it" \
	python3 - "$SW/kill.log" "$S_KILL" <<'PY'
import json, os, sys
pid = int(sys.argv[2])
recs = [json.loads(l) for l in open(sys.argv[1])]
scans = [r for r in recs if r["type"] == "scan" and r["tgid"] == pid]
assert len(scans) == 1 and scans[0]["reason"] == "memfd", scans
resp = [r for r in recs if r["type"] == "response" and r["pid"] == pid]
assert len(resp) == 1, resp
r = resp[0]
assert r["action"] == "kill" and r["result"] == "ok" and r["event_seq"] == scans[0]["seq"], r
PY
tap_check "the killed offender is gone" test "$S_KILL_GONE" = 1
verify_out=$("$NOJIT" audit verify --key "$SPUB" "$SW/kill.log" 2>&1) &&
	tap_ok "the log with a scan finding and its response verifies" ||
	tap_not_ok "the log with a scan finding and its response verifies" "$verify_out"

# --- the manifest in force: an unlisted file mapped executable --------------------
"$NOJIT" manifest build --closure --name scan --serial 1 --valid-for 1 -o "$SW/scan.json" "$OFF" \
	>/dev/null 2>&1 && "$NOJIT" manifest sign --key "$SKEY" "$SW/scan.json" >/dev/null ||
	die "a manifest for the scan tests"
cp "$OFF" "$SW/offender-copy"
printf '\0' >>"$SW/offender-copy"
scan_start S_UNLISTED "$SMAN" "$SW/offender-copy" clean
scan_start S_LISTED "$SMAN" "$OFF" clean
"$NOJIT" enforce --cgroup "$SMAN" --manifest "$SW/scan.json" --trust "$SPUB" >/dev/null ||
	die "enforce $SMAN with a manifest"
"$NOJIT" --json scan --cgroup "$SMAN" >"$SW/man.json"
rc=$?
tap_check "under a manifest, a task running an unlisted file is found, with the file's SHA-256" \
	python3 - "$SW/man.json" "$rc" "$S_UNLISTED" "$S_LISTED" "$SW/offender-copy" \
	"$(sha256sum "$SW/offender-copy" | cut -d' ' -f1)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rc, bad, good, path, digest = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
assert rc == 1, f"exit {rc}"
assert d["policy"]["manifest_checked"], d["policy"]
assert d["scanned"]["tasks"] == 2 and d["scanned"]["files_hashed"] >= 2, d["scanned"]
f = d["findings"]
assert f and all(x["pid"] == bad and x["reason"] == "unlisted" and x["file"] == path for x in f), f
assert all(x["sha256"] == digest for x in f), f
PY

{
	for p in "${SPIDS[@]}"; do kill -9 "$p"; done
	wait "${SPIDS[@]}"
} 2>/dev/null
for c in "$SCG" "$SKILL" "$SMAN"; do
	"$NOJIT" release --cgroup "$c" >/dev/null 2>&1
	rmdir "$c" 2>/dev/null
done
rm -rf "$SW"
