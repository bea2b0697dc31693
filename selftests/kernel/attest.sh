# SPDX-License-Identifier: GPL-2.0
# nojit attest, the node statement, against the live kernel state (issue
# 13): before any policy, after enforce, after a manifest swap, bound to a
# running daemon's audit log, with an unknown BPF object, after unload.
# Every statement is verified twice: by nojit attest verify and by
# selftests/lib/dsse-nacl (PyNaCl over DSSE's PAE, no nojit code), and
# every fact is compared with what the test reads itself (sha256sum,
# bpftool, stat, the log's bytes). Sourced by run; starts with nothing
# loaded, so it runs last.

AW=$(mktemp -d /tmp/nojit-attest.XXXXXX)
ACG=$CG/nojit-test-attest
APY=/usr/bin/python3	# Debian's, with python3-nacl
ANACL=$HERE/lib/dsse-nacl
"$NOJIT" keygen --attest --out "$AW/ak" >/dev/null || die "keygen --attest"
"$NOJIT" keygen --out "$AW/mk" >/dev/null || die "keygen for the attest tests"
AK=$AW/ak/attest.key
APUB=$AW/ak/attest.pub
MPUB=$AW/mk/nojit.pub

# attest NAME [ARGS...]: a statement for a fresh nonce into $AW/NAME.dsse,
# verified by nojit attest verify ARGS and by PyNaCl, which also checks the
# nonce and writes the statement it verified into $AW/NAME.json: the facts
# are read from a payload no nojit code decoded. A statement that does not
# verify leaves no NAME.json.
attest() {
	local name=$1 nonce out
	shift
	nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	rm -f "$AW/$name.json"
	if ! out=$("$NOJIT" attest --nonce "$nonce" --key "$AK" --no-tpm -o "$AW/$name.dsse" \
		--audit-log "${ALOG:-$AW/no-daemon.log}" 2>&1); then
		tap_not_ok "$name: nojit attest writes a statement" "$out"
		return 1
	fi
	if ! out=$("$NOJIT" --json attest verify --trust "$APUB" --nonce "$nonce" "$@" \
		"$AW/$name.dsse" 2>&1); then
		tap_not_ok "$name: nojit attest verify accepts it" "$out"
		return 1
	fi
	if ! "$APY" "$ANACL" check "$APUB" "$nonce" "$AW/$name.dsse" >"$AW/$name.tmp" 2>"$AW/$name.err"; then
		tap_not_ok "$name: PyNaCl verifies its signature over DSSE's PAE and its nonce" \
			"$(cat "$AW/$name.err")"
		return 1
	fi
	mv "$AW/$name.tmp" "$AW/$name.json"
	tap_ok "$name: signed statement verified by nojit attest verify and by PyNaCl"
}

# check DESC NAME PYTHON: PYTHON asserts on s (the statement NAME), p (its
# predicate), subj (subject name -> digest), and ARGV (the extra arguments).
check() {
	local desc=$1 name=$2 code=$3
	shift 3
	tap_check "$desc" "$APY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
p = s["predicate"]
subj = {x["name"]: x["digest"] for x in s["subject"]}
ARGV = sys.argv[2:]
'"$code" "$AW/$name.json" "$@"
}

OBJ=$(sha256sum "$BUILD/nojit.bpf.o" | cut -d' ' -f1)
"$NOJIT" unload >/dev/null || die "unload before the attest tests"
rmdir "$ACG" 2>/dev/null
mkdir -p "$ACG" || die "mkdir $ACG"

# --- nothing loaded ----------------------------------------------------------------
attest none &&
check "nothing loaded: no enrollment, no program, no object, no manifest subject" none '
assert p["bpf"]["loaded"] is False and p["bpf"]["notLoadedReason"], p["bpf"]
assert p["enrollments"] == [] and p["bpf"]["programs"] == [] and p["counters"] is None, p
assert p["bpf"]["objectSha256"] is None and p["bpf"]["loadedAt"] is None, p["bpf"]
assert "not loaded" in p["bpf"]["objectUnknownReason"], p["bpf"]
assert p["bpf"]["thisBinaryObjectSha256"] == ARGV[0], (p["bpf"], ARGV[0])
assert [n for n in subj if not n.startswith("nojit:")] == [], subj
assert p["auditLog"]["lastSeq"] is None and "no-daemon.log" in p["auditLog"]["unavailableReason"], p["auditLog"]
assert p["scan"] is None and "scan-last.json" in p["scanUnavailableReason"], p
' "$OBJ"

# --- enforce with a signed manifest -------------------------------------------------
# amanifest SERIAL: $AW/mSERIAL.json, signed, listing what the cgroup runs.
amanifest() {
	"$NOJIT" manifest build --closure --name attest-test --serial "$1" --valid-for 1 \
		-o "$AW/m$1.json" /usr/bin/sleep /usr/bin/true >/dev/null 2>&1 &&
		"$NOJIT" manifest sign --key "$AW/mk/nojit.key" "$AW/m$1.json" >/dev/null ||
		die "manifest serial $1 for the attest tests"
}
amanifest 1
amanifest 2
"$NOJIT" enforce --cgroup "$ACG" --manifest "$AW/m1.json" --trust "$MPUB" --on-violation kill \
	>/dev/null || die "enforce $ACG"
bpftool -j prog show >"$AW/progs.json" 2>/dev/null || die "bpftool prog show"
if attest enforced --expect-manifest "$AW/m1.json" --expect-bpf-object "$BUILD/nojit.bpf.o"; then
	check "after enforce: exactly that enrollment (cgroup path and id, mode, response)" enforced '
e = p["enrollments"]
assert len(e) == 1, e
e = e[0]
assert e["cgroupPath"] == ARGV[0] and e["cgroupId"] == int(ARGV[1]), (e, ARGV)
assert e["mode"] == "enforce" and e["onViolation"] == "kill" and e["origin"] == "manual", e
' "$(realpath "$ACG")" "$(stat -c %i "$ACG")"
	check "after enforce: that manifest (name, serial, sha256 of the file, signer) and its subject" enforced '
import base64, hashlib
m = p["enrollments"][0]["manifest"]
digest = hashlib.sha256(open(ARGV[0], "rb").read()).hexdigest()
key_id = hashlib.sha256(base64.b64decode(open(ARGV[1]).read().split()[1])).hexdigest()[:16]
assert m["name"] == "attest-test" and m["serial"] == 1 and m["sha256"] == digest, (m, digest)
assert m["signer"] == key_id and m["entries"] >= 2, (m, key_id)
assert subj["manifest:attest-test"] == {"sha256": digest}, subj
' "$AW/m1.json" "$MPUB"
	check "after enforce: the loaded BPF object is the one built, named by the subject" enforced '
b = p["bpf"]
assert b["loaded"] and b["objectSha256"] == ARGV[0] == b["thisBinaryObjectSha256"], b
assert b["objectUnknownReason"] is None and b["loaderVersion"] and b["loadedAt"] <= p["time"], b
assert subj["bpf-object:nojit.bpf.o"] == {"sha256": ARGV[0]}, subj
' "$OBJ"
	check "after enforce: every attached program, with the tag bpftool shows, is a subject" enforced '
kernel = {x["id"]: x for x in json.load(open(ARGV[0]))}
progs = p["bpf"]["programs"]
assert len(progs) >= 20, progs
for x in progs:
    k = kernel[x["id"]]
    assert k["tag"] == x["tag"] and x["name"].startswith(k["name"][:15]), (x, k)
    assert subj["bpf-program:" + x["name"]] == {"bpfTag": x["tag"]}, x
assert len([n for n in subj if n.startswith("bpf-program:")]) == len(progs)
' "$AW/progs.json"
fi

# --- a manifest swap -----------------------------------------------------------------
"$NOJIT" enforce --cgroup "$ACG" --manifest "$AW/m2.json" --trust "$MPUB" --on-violation kill \
	>/dev/null || die "enforce serial 2 on $ACG"
attest swapped --expect-manifest "$AW/m2.json" &&
check "after a swap: the new manifest, not the old one" swapped '
import hashlib
new, old = (hashlib.sha256(open(f, "rb").read()).hexdigest() for f in ARGV)
e = p["enrollments"]
assert len(e) == 1 and e[0]["manifest"]["serial"] == 2 and e[0]["manifest"]["sha256"] == new, e
assert subj["manifest:attest-test"] == {"sha256": new}, subj
assert old not in json.dumps(s), "the old manifest is still named"
' "$AW/m2.json" "$AW/m1.json"
nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
"$NOJIT" attest --nonce "$nonce" --key "$AK" --no-tpm -o "$AW/old.dsse" --audit-log "$AW/no-daemon.log" 2>/dev/null
out=$("$NOJIT" attest verify --trust "$APUB" --nonce "$nonce" --expect-manifest "$AW/m1.json" "$AW/old.dsse" 2>&1)
rc=$?
tap_check "after a swap, a verifier expecting the old manifest refuses the statement" \
	bash -c '[ "$1" -eq 1 ] && grep -q manifest <<<"$2"' _ "$rc" "$out"

# --- what "in force" means: that cgroup, existing, enforcing -------------------------
# verify_refused DESC WHY ARGS...: a statement made now, verified with ARGS: exit 1, the manifest check saying WHY.
verify_refused() {
	local desc=$1 why=$2 nonce out rc
	shift 2
	nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	"$NOJIT" attest --nonce "$nonce" --key "$AK" --no-tpm -o "$AW/r.dsse" --audit-log "$AW/no-daemon.log" 2>/dev/null
	out=$("$NOJIT" attest verify --trust "$APUB" --nonce "$nonce" "$@" "$AW/r.dsse" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"refused: manifest: "*"$why"* ]]; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc" "exit $rc, want 1 and 'manifest: ... $why'" "$out"
	fi
}
attest in-cgroup --expect-manifest "$AW/m2.json" --cgroup "${ACG#$CG/}" --expect-manifest "$AW/m2.json" --cgroup "$ACG"
verify_refused "a manifest expected in another cgroup is refused, naming where it is in force" \
	"not in cgroup nojit-test-other" --expect-manifest "$AW/m2.json" --cgroup nojit-test-other
# A nested enrollment takes part of the subtree elsewhere: the manifest no longer governs all of it.
mkdir -p "$ACG/tenant"
"$NOJIT" enforce --cgroup "$ACG/tenant" --mode audit >/dev/null || die "enforce --mode audit on $ACG/tenant"
verify_refused "a nested enrollment in audit mode below the cgroup: the manifest is not in force over its subtree" \
	"$ACG/tenant below $ACG is enrolled on its own (audit mode, no manifest)" \
	--expect-manifest "$AW/m2.json" --cgroup "$ACG"
"$NOJIT" release --cgroup "$ACG/tenant" >/dev/null || die "release $ACG/tenant"
rmdir "$ACG/tenant"
"$NOJIT" enforce --cgroup "$ACG" --manifest "$AW/m2.json" --trust "$MPUB" --mode audit >/dev/null ||
	die "enforce --mode audit on $ACG"
verify_refused "a manifest enrolled in audit mode is not in force: it denies nothing" \
	"runs it in audit mode, which denies nothing" --expect-manifest "$AW/m2.json"
"$NOJIT" enforce --cgroup "$ACG" --manifest "$AW/m2.json" --trust "$MPUB" --on-violation kill \
	>/dev/null || die "enforce again on $ACG"
ACG2=$CG/nojit-test-attest-gone
mkdir -p "$ACG2"
amanifest 3
"$NOJIT" enforce --cgroup "$ACG2" --manifest "$AW/m3.json" --trust "$MPUB" >/dev/null || die "enforce $ACG2"
rmdir "$ACG2"
verify_refused "a manifest whose only cgroup was removed is no subject: not attested" \
	"the expected manifest is not attested" --expect-manifest "$AW/m3.json"
attest gone --expect-manifest "$AW/m2.json" --cgroup "$ACG" &&
check "a removed cgroup: its enrollment, if still listed, says exists false; its manifest is no subject" gone '
import hashlib
gone = [e for e in p["enrollments"] if e["cgroupPath"] == ARGV[0]]
assert len(gone) in (0, 1) and all(e["exists"] is False for e in gone), p["enrollments"]
m3 = hashlib.sha256(open(ARGV[1], "rb").read()).hexdigest()
assert {"sha256": m3} not in subj.values(), subj
' "$ACG2" "$AW/m3.json"
"$NOJIT" status >/dev/null	# drops the removed cgroup's record (enroll_gc), as later checks expect one enrollment

# --- bound to the daemon's audit log ------------------------------------------------
ALOG=$AW/audit.log
# No periodic seal: the only seal while it runs is the one after the burst.
"$NOJIT" daemon --log "$ALOG" --key "$AW/mk/nojit.key" --seal-every-ms 3600000 2>"$AW/daemon.err" &
ADAEMON=$!
for _ in $(seq 1 100); do
	grep -qs "draining events" "$AW/daemon.err" && break
	sleep 0.1
done
run_in "$ACG" "$ATTACKS/anon_rwx_private" >/dev/null 2>&1	# unlisted: refused, and a violation
# The daemon seals a burst once the ring buffer is quiet (BURST_QUIET_MS):
# the statement is taken after that seal, which does not close the log.
for _ in $(seq 1 100); do
	grep -qs '"type":"event"' "$ALOG" && grep -A1000 '"type":"event"' "$ALOG" | grep -qs '"type":"seal"' && break
	sleep 0.1
done
# audit_head_is LOG: the statement's auditLog is the head of LOG, computed here from its bytes.
audit_head_code='
import hashlib
a = p["auditLog"]
data = open(ARGV[0], "rb").read()
lines = data.split(b"\n")
partial = lines.pop()
recs = [json.loads(l) for l in lines]
seals = [r for r in recs if r["type"] == "seal"]
assert a["path"] == ARGV[0] and a["unavailableReason"] is None, a
assert a["lastSeq"] == recs[-1]["seq"], (a, recs[-1])
assert a["lastRecordSha256"] == hashlib.sha256(lines[-1]).hexdigest(), a
assert a["logId"] == recs[0]["log"] and a["partialBytes"] == len(partial) == 0, a
seal = seals[-1] if seals else {"seq": recs[0]["seq"] - 1}
if seals:
    assert a["lastSeal"] == {"seq": seal["seq"], "time": seal["time"], "keyId": seal["key_id"],
                             "sig": seal["sig"], "closed": seal["close"] is not None}, (a, seal)
else:
    assert a["lastSeal"] is None, a
assert a["unsealed"] == recs[-1]["seq"] - seal["seq"], a
'
if attest daemon-running; then
	check "while the daemon runs: the audit log head is the log's last record, the violation sealed after its burst, the log not closed" \
		daemon-running "$audit_head_code"'
assert a["lastSeal"] is not None and not a["lastSeal"]["closed"] and a["unsealed"] == 0, (a, recs)
assert [r["type"] for r in recs if r["type"] == "event"] and recs[0]["type"] == "segment", recs
' "$ALOG"
fi
kill -TERM "$ADAEMON"
wait "$ADAEMON"
attest daemon-stopped &&
	check "after the daemon stopped: the head is its shutdown seal" daemon-stopped "$audit_head_code"'
assert a["lastSeal"]["seq"] == a["lastSeq"] and a["lastSeal"]["closed"] and a["unsealed"] == 0, a
' "$ALOG"
unset ALOG

# --- a BPF object the node cannot name ------------------------------------------------
# An older loader pinned no record: the rest of the pinned set still reads.
rm -f /sys/fs/bpf/nojit/nojit_meta
attest no-meta &&
	check "no loader record: the object is unknown (null, with why), the enrollment still listed" no-meta '
b = p["bpf"]
assert b["objectSha256"] is None and "nojit_meta" in b["objectUnknownReason"], b
assert "bpf-object:nojit.bpf.o" not in subj and len(p["enrollments"]) == 1, (subj, p)
'
verify_refused "programs from an object the node cannot name: no manifest counts as in force" \
	"cannot name the BPF object its programs came from" --expect-manifest "$AW/m2.json"
# A record that names other programs (root pinned a map of its own) is stale, not believed.
bpftool map create /sys/fs/bpf/nojit/nojit_meta type array key 4 value 336 entries 1 name nojit_meta \
	>/dev/null 2>&1 || die "bpftool map create"
attest stale-meta &&
	check "a record that names other programs: the object is unknown, not taken from it" stale-meta '
b = p["bpf"]
assert b["objectSha256"] is None and "does not describe" in b["objectUnknownReason"], b
assert "bpf-object:nojit.bpf.o" not in subj, subj
'

# --- unload --------------------------------------------------------------------------
"$NOJIT" unload >/dev/null || die "unload"
attest unloaded &&
	check "after unload: no enrollment, nothing loaded, no subject but nojit" unloaded '
assert p["bpf"]["loaded"] is False and p["enrollments"] == [] and p["bpf"]["programs"] == [], p
assert [n for n in subj if not n.startswith("nojit:")] == [], subj
'
rmdir "$ACG" 2>/dev/null
rm -rf "$AW"
