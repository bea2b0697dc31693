# SPDX-License-Identifier: GPL-2.0
# Violations reach the signed audit log; responses; audit mode (issue:
# ring buffer -> nojit daemon -> signed, hash-chained audit log). Sourced
# by run, after memory.sh and manifest.sh.

AW=$(mktemp -d /tmp/nojit-audit.XXXXXX)
T=${T:-$BUILD/kernel-test}
AUD=$CG/nojit-test-audit
"$NOJIT" keygen --out "$AW/keys" >/dev/null || die "keygen for the audit log"
AKEY=$AW/keys/nojit.key
APUB=$AW/keys/nojit.pub
rmdir "$AUD"/* "$AUD" 2>/dev/null
mkdir -p "$AUD" "$OUT"
"$NOJIT" enforce --cgroup "$AUD" >/dev/null || die "enforce $AUD"

DAEMON=
start_daemon() {	# start_daemon LOG [ARGS...]
	local log=$1 n
	shift
	# daemon.err collects every start: wait for this one's line, not an earlier one's.
	n=$(cat "$AW/daemon.err" 2>/dev/null | grep -c "draining events")
	"$NOJIT" daemon --log "$log" --key "$AKEY" "$@" 2>>"$AW/daemon.err" &
	DAEMON=$!
	for _ in $(seq 1 100); do
		[ "$(grep -c "draining events" "$AW/daemon.err")" -gt "$n" ] && return 0
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.1
	done
	die "nojit daemon did not start: $(cat "$AW/daemon.err")"
}
stop_daemon() {
	kill -TERM "$DAEMON"
	wait "$DAEMON" || echo "# nojit daemon exited with $?: $(tail -3 "$AW/daemon.err")"
}

# records LOG PYTHON-FILTER: records of LOG (a JSON list) for python checks.
verify_ok() {	# verify_ok DESC LOG...
	local desc=$1 out
	shift
	out=$("$NOJIT" audit verify --key "$APUB" "$@" 2>&1) && tap_ok "$desc" ||
		tap_not_ok "$desc" "$out"
}

# --- one well-formed event per route --------------------------------------------
start_daemon "$AW/routes.log" --seal-every 50
: >"$AW/pids"
while read -r name route desc; do
	case $name in ''|'#'*) continue ;; esac
	( echo "$BASHPID" >"$AUD/cgroup.procs" && echo "$name $route $BASHPID" >>"$AW/pids" &&
	  exec "$ATTACKS/$name" $(attack_target "$name") ) >/dev/null 2>&1
	sleep 0.3	# the daemon polls every 100 ms: keep records per attack apart
	echo "--- $name" >>"$AW/marks"
done < "$HERE/attacks/routes.txt"
stop_daemon
verify_ok "the log of the route attacks verifies" "$AW/routes.log"
tap_check "each route attack left exactly one well-formed event" \
	python3 - "$AW/routes.log" "$AW/pids" "${AUD#$CG}" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
cg = sys.argv[3]
# The daemon also drains what earlier suites left in the ring buffer.
events = [r for r in recs if r["type"] == "event" and r["cgroup"] == cg]
want = [l.split() for l in open(sys.argv[2])]
# Attacks whose refused step runs in a child they forked, by the child's comm.
child = {"ptrace_poketext": "ptrace_poketext", "exec_stack": "exec_stack",
         "elf_brk_exec_tail": "tail.elf", "exec_stack_noload": "noload.elf",
         "brk_clone_vm": "brk_clone_vm"}
bad = []
pids = {int(p) for _, _, p in want}
for name, route, pid in want:
    mine = [e for e in events if e["tgid"] == int(pid) or
            (name in child and e["comm"].startswith(child[name][:15]) and e["tgid"] not in pids)]
    if len(mine) != 1:
        bad.append(f"{name}: {len(mine)} events")
        continue
    e = mine[0]
    if name not in child and e["tgid"] != int(pid):
        bad.append(f"{name}: tgid {e['tgid']} != {pid}")
    if e["cgroup"] != cg:
        bad.append(f"{name}: cgroup {e['cgroup']}")
    if e["action"] not in ("denied", "killed"):
        bad.append(f"{name}: action {e['action']}")
    if not e.get("hook"):
        bad.append(f"{name}: no hook")
    if name.startswith("anon_rwx") and not (e["prot"] & 4 and e["hook"] == "mmap_file"):
        bad.append(f"{name}: hook {e['hook']} prot {e['prot']}")
    if name == "memfd_exec_mmap" and "memfd:" not in (e.get("path") or ""):
        bad.append(f"{name}: path {e.get('path')}")
    if name == "memfd_exec_mmap" and not e.get("ino"):
        bad.append(f"{name}: no inode")
if len(events) != len(want):
    bad.append(f"{len(events)} events for {len(want)} attacks")
if bad:
    sys.exit("\n".join(bad))
PY

# --- a cgroup removed before the daemon reads its record is still named -------
# A failed service or container is often gone before its record is drained:
# the daemon is stopped while one runs and is removed, then let go.
GONE=$AUD/gone.scope
start_daemon "$AW/gone.log"
kill -STOP "$DAEMON"
mkdir "$GONE"
( echo "$BASHPID" >"$GONE/cgroup.procs" && echo "$BASHPID" >"$AW/gone.pid" &&
  exec "$ATTACKS/anon_rwx_private" ) >/dev/null 2>&1
rmdir "$GONE" || tap_not_ok "the attack's cgroup could be removed" "$GONE"
kill -CONT "$DAEMON"
sleep 0.5
stop_daemon
tap_check "a record whose cgroup was removed before it was read names it (${GONE#$CG})" \
	python3 - "$AW/gone.log" "${GONE#$CG}" "$(cat "$AW/gone.pid")" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in ev if r["type"] == "event" and r["tgid"] == int(sys.argv[3])]
assert ev and all(r["cgroup"] == sys.argv[2] for r in ev), [r["cgroup"] for r in ev]
PY

# --- a refused exec under a manifest names the file and its digest ------------
AUDG=$CG/nojit-test-audit-gate
mkdir -p "$AUDG"
"$NOJIT" enforce --cgroup "$AUDG" --manifest "$T/system.json" --trust "$T/keys/nojit.pub" >/dev/null ||
	die "enforce $AUDG with a manifest"
cp /bin/true "$AW/unlisted"
printf '\0' >>"$AW/unlisted"
# A stand-in for the system logger on /dev/log.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
out = open(sys.argv[1], "w")
while True:
    out.write(s.recv(65536).decode() + "\n")
    out.flush()' "$AW/syslog.out" &
SYSLOGD=$!
for _ in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
start_daemon "$AW/gate.log" --stdout --syslog >"$AW/gate.stdout"
run_in "$AUDG" "$AW/unlisted" >/dev/null 2>&1
sleep 0.3
stop_daemon
tap_check "a hash-gate refusal records the file's path and SHA-256" \
	python3 - "$AW/gate.log" "$AW/unlisted" "$(sha256sum "$AW/unlisted" | cut -d' ' -f1)" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in ev if r["type"] == "event"]
assert len(ev) == 1, ev
e = ev[0]
assert e["route"] == 10 and e["hook"] == "bprm_check_security", e
assert e["path"] == sys.argv[2] and e["sha256"] == sys.argv[3], e
PY
tap_check "--stdout carries the same records as the log" cmp "$AW/gate.log" "$AW/gate.stdout"
tap_check "--syslog sent every record as an RFC 5424 message" python3 - "$AW/gate.log" "$AW/syslog.out" <<'PY'
import sys
log = open(sys.argv[1]).read().splitlines()
got = open(sys.argv[2]).read().splitlines()
assert len(got) == len(log), (len(got), len(log))
for g, l in zip(got, log):
    assert g.startswith("<84>1 ") and " nojit " in g and g.endswith(l), g
PY
kill "$SYSLOGD"; wait "$SYSLOGD" 2>/dev/null; rm -f /dev/log
"$NOJIT" release --cgroup "$AUDG" >/dev/null
rmdir "$AUDG"

# --- responses ------------------------------------------------------------------
# respond_cg MODE-ARGS...: a fresh enrolled cgroup with a sleeper in it.
respond_cg() {
	local cg=$CG/nojit-test-resp
	rmdir "$cg" 2>/dev/null
	mkdir "$cg" && "$NOJIT" enforce --cgroup "$cg" "$@" >/dev/null || die "enforce $cg $*"
	( echo "$BASHPID" >"$cg/cgroup.procs" && exec sleep 300 ) &
	SLEEPER=$!
	RESP=$cg
}
gone() {	# gone PID: within 5 s
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
start_daemon "$AW/resp.log" --seal-every 10 \
	--exec-on-violation "cat >$AW/ir.\$\$" --exec-timeout 5000 --exec-max 2

respond_cg --on-violation kill
run_in "$RESP" "$ATTACKS/anon_rwx_private" >/dev/null 2>&1
rc=$?
[ $rc -eq 137 ] && kill -0 "$SLEEPER" 2>/dev/null && tap_ok "kill: the offender is killed in the kernel, its cgroup lives on" ||
	tap_not_ok "kill: the offender is killed in the kernel, its cgroup lives on" "exit $rc"
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null; "$NOJIT" release --cgroup "$RESP" >/dev/null; rmdir "$RESP"

respond_cg --on-violation kill-cgroup
run_in "$RESP" "$ATTACKS/anon_rwx_private" >/dev/null 2>&1
gone "$SLEEPER" && tap_ok "kill-cgroup: every process of the cgroup is killed (cgroup.kill)" ||
	tap_not_ok "kill-cgroup: every process of the cgroup is killed (cgroup.kill)" "the sleeper survived"
wait "$SLEEPER" 2>/dev/null; "$NOJIT" release --cgroup "$RESP" >/dev/null; rmdir "$RESP"

respond_cg --on-violation freeze
run_in "$RESP" "$ATTACKS/anon_rwx_private" >/dev/null 2>&1
frozen=0
for _ in $(seq 1 50); do
	grep -q '^frozen 1' "$RESP/cgroup.events" && { frozen=1; break; }
	sleep 0.1
done
[ $frozen = 1 ] && kill -0 "$SLEEPER" && tap_ok "freeze: the cgroup is frozen, its processes kept" ||
	tap_not_ok "freeze: the cgroup is frozen, its processes kept" "$(cat "$RESP/cgroup.events")"
out=$("$NOJIT" thaw --cgroup "$RESP" 2>&1)
sleep 0.5
grep -q '^frozen 0' "$RESP/cgroup.events" && tap_ok "thaw releases the quarantine" ||
	tap_not_ok "thaw releases the quarantine" "$out" "$(cat "$RESP/cgroup.events")"
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null; "$NOJIT" release --cgroup "$RESP" >/dev/null; rmdir "$RESP"

respond_cg --mode audit
out=$(run_in "$RESP" "$ATTACKS/anon_rwx_private" 2>&1); rc=$?
[ $rc -eq 0 ] && tap_ok "audit mode: the would-be violation runs" || tap_not_ok "audit mode: the would-be violation runs" "exit $rc" "$out"
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null; "$NOJIT" release --cgroup "$RESP" >/dev/null; rmdir "$RESP"

sleep 0.3
stop_daemon
verify_ok "the log of the responses verifies" "$AW/resp.log"
tap_check "each response and the audited event are in the log" python3 - "$AW/resp.log" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in recs if r["type"] == "event"]
resp = [r for r in recs if r["type"] == "response"]
acts = sorted(r["action"] for r in resp if r["action"] != "exec-on-violation")
assert acts == ["freeze", "kill", "kill-cgroup"], acts
# Audit mode reports and does nothing else: no command for the audited one.
assert sum(r["action"] == "exec-on-violation" for r in resp) == 3, resp
assert all(r.get("error") in (None, 0, "") for r in resp), resp
assert [e["action"] for e in ev] == ["killed", "denied", "denied", "audited"], [e["action"] for e in ev]
PY
tap_check "exec-on-violation: the command got each enforced event's record on stdin" python3 - "$AW" <<'PY'
import glob, json, sys
got = [json.loads(open(f).read()) for f in glob.glob(sys.argv[1] + "/ir.*")]
assert len(got) == 3, len(got)
assert all(g["type"] == "event" and g["comm"] == "anon_rwx_privat" for g in got), got
PY

# --- storm: every attempt is in a record's count or a counted drop -----------
# The kernel aggregates each thread's identical repeats (one record a second
# and at exit), so the ring buffer never fills and nothing is dropped. An
# accounting property, not a timing one: a slow or starved VM only means
# fewer, larger records.
STORM_N=${NOJIT_STORM_N:-250000}
start_daemon "$AW/storm.log" --seal-every 1000
attempts=$(run_in "$AUD" "$BUILD/selftests/storm" 4 "$STORM_N") || tap_not_ok "storm ran" "$attempts"
sleep 1
stop_daemon
verify_ok "the storm's log verifies" "$AW/storm.log"
read -r ev dr nrec < <("$HERE/audit/account" "$AW/storm.log")
[ $((ev + dr)) -eq "$attempts" ] &&
	tap_ok "storm: $attempts attempts = $ev in $nrec records (by count) + $dr drops counted" ||
	tap_not_ok "storm: $attempts attempts = sum of counts + drops counted" "$ev in $nrec records + $dr dropped" \
		"$(grep '"type":"drops"' "$AW/storm.log")"
[ $((ev * 100)) -ge $((attempts * 99)) ] &&
	tap_ok "storm: >= 99% of the attempts are in records ($ev of $attempts in $nrec records)" ||
	tap_not_ok "storm: >= 99% of the attempts are in records" "$ev of $attempts in $nrec records, $dr dropped"

# --- a flood of distinct violations fills the ring buffer: still accounted ----
# Alternating mmap and mprotect never aggregates: one record per attempt, a
# full ring buffer, drops counted by reason (the replaced attempt, or the
# thread's last one at exit).
start_daemon "$AW/alt.log" --seal-every 1000
kill -STOP "$DAEMON"	# nobody drains: the ring buffer must fill
attempts=$(run_in "$AUD" "$BUILD/selftests/storm" 2 20000 alternate) ||
	tap_not_ok "alternating storm ran" "$attempts"
kill -CONT "$DAEMON"
sleep 1
stop_daemon
read -r ev dr nrec < <("$HERE/audit/account" "$AW/alt.log")
[ "$dr" -gt 0 ] && [ $((ev + dr)) -eq "$attempts" ] &&
	tap_ok "distinct flood: $attempts attempts = $ev in $nrec records + $dr drops counted" ||
	tap_not_ok "distinct flood: attempts = sum of counts + drops (some dropped)" \
		"$attempts attempts, $ev in $nrec records + $dr dropped"
tap_check "distinct flood: the kernel counted its drops by reason" python3 - "$NOJIT" <<'PY'
import json, subprocess, sys
c = json.loads(subprocess.check_output([sys.argv[1], "--json", "status"]))["counters"]
parts = (c["events_dropped_ring_full"] + c["events_dropped_evicted"] + c["events_dropped_exit"] +
         c["events_dropped_exec"])
assert c["events_dropped"] == parts and c["events_dropped_evicted"] > 0, c
PY

tap_check "distinct flood: the log's kernel drops records say why, by reason" python3 - "$AW/alt.log" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
d = [r for r in d if r["type"] == "drops" and r["source"] == "kernel"]
assert d, "no kernel drops record"
for r in d:
    assert sum(r["reasons"].values()) == r["total"], r
assert d[-1]["reasons"]["evicted"] > 0, d[-1]
PY

# --- a storm's record says who did what, then ------------------------------
# Repeats share a record only when every field of it but the times is the
# same, and the record is taken at the first attempt: a storm framed by
# milder attempts, or followed by a rename, a setuid or an exec, is not
# reported as the mild one nor in the later identity.
DN=500
start_daemon "$AW/disguise.log"
run_in "$AUD" "$BUILD/selftests/disguise" hide "$DN" >"$AW/disguise.out" 2>&1
echo "hide $?" >>"$AW/disguise.rc"
run_in "$AUD" "$BUILD/selftests/disguise" exec "$DN" /bin/true >>"$AW/disguise.out" 2>&1
echo "exec $?" >>"$AW/disguise.rc"
stop_daemon
tap_check "repeats keep their own prot, flags, name, uid and executable in the record (rename, setuid, exec after a storm)" \
	python3 - "$AW/disguise.log" "$DN" "$AW/disguise.rc" <<'PY'
import json, sys
n = int(sys.argv[2])
rc = open(sys.argv[3]).read().split()
assert rc == ["hide", "0", "exec", "0"], rc
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in ev if r["type"] == "event"]
bad = [r for r in ev if r["comm"] != "disguise" or r["uid"] != 0 or
       (r["exe"] or "").endswith("/true")]
assert not bad, bad
rwx = [r for r in ev if r["prot"] == 7]
assert all(r["flags"] & 0x1 and not r["flags"] & 0x2 for r in rwx), rwx  # MAP_SHARED
assert sum(r["count"] for r in rwx) == 2 * n, [(r["count"], r["prot"]) for r in ev]
rx = [r for r in ev if r["prot"] == 5]
assert sum(r["count"] for r in rx) == 3 and all(r["flags"] & 0x2 for r in rx), rx
PY

# --- repeats are in the log while their thread lives on ----------------------
# A burst, then a thread that sleeps and never violates again: its repeats
# go out when it is switched out, not only at its exit.
start_daemon "$AW/sleeper.log"
run_in "$AUD" "$BUILD/selftests/disguise" sleep "$DN" >"$AW/sleeper.out" 2>&1 &
SLEEPER=$!
for _ in $(seq 1 100); do grep -q done "$AW/sleeper.out" && break; sleep 0.1; done
sleep 1
stop_daemon
kill -0 "$SLEEPER" && alive=yes || alive=no
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null
tap_check "a burst's repeats are in the log while the thread still lives (alive: $alive)" \
	python3 - "$AW/sleeper.log" "$DN" "$alive" <<'PY'
import json, sys
n = int(sys.argv[2])
assert sys.argv[3] == "yes", "the sleeper was gone before the daemon stopped"
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in ev if r["type"] == "event" and r["comm"] == "disguise"]
got = sum(r["count"] for r in ev if r["prot"] == 7)
assert got == n, f"{got} of {n} RWX attempts in the log"
PY

# --- a new offender is reported at once while another thread floods ---------
# Each thread aggregates in its own task state and a storm's repeats take no
# room in the ring buffer: the newcomer's first attempt is a record while
# the flood goes on and the newcomer is still alive (no exit flush helps).
mkdir -p "$AUD/flood" "$AUD/new"
start_daemon "$AW/new.log"
{ run_in "$AUD/flood" "$BUILD/selftests/storm" 2 1000000000; } >/dev/null 2>&1 &
flood=$!
for _ in $(seq 1 100); do
	grep -q '"comm":"storm"' "$AW/new.log" 2>/dev/null && break
	sleep 0.2
done
coproc NEW { run_in "$AUD/new" "$BUILD/selftests/storm" 1 1 hold; } 2>/dev/null
newcop=$NEW_PID
read -r newpid <&"${NEW[0]}"
found=
for _ in $(seq 1 150); do
	python3 - "$AW/new.log" "$newpid" <<'PY' && { found=1; break; }
import json, sys
for l in open(sys.argv[1]):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    if r["type"] == "event" and r["tgid"] == int(sys.argv[2]) and r["count"] == 1:
        sys.exit(0)
sys.exit(1)
PY
	sleep 0.2
done
alive=no
kill -0 "$newpid" 2>/dev/null && kill -0 "$flood" 2>/dev/null && alive=yes
echo 1 >"$AUD/new/cgroup.kill"
echo 1 >"$AUD/flood/cgroup.kill"
wait "$flood" 2>/dev/null
wait "$newcop" 2>/dev/null
stop_daemon
[ -n "$found" ] && [ "$alive" = yes ] &&
	tap_ok "a new offender's first attempt is a record while another task floods" ||
	tap_not_ok "a new offender's first attempt is a record while another task floods" \
		"found=${found:-no} both still running=$alive"
rmdir "$AUD/new" "$AUD/flood" 2>/dev/null

# --- kill -9 during a storm, restart: verifies, the gap is written down ------
# Alternating violations never aggregate: records keep coming, so the log
# is never quiet long enough for the after-burst seal, and kill -9 leaves
# an unsealed tail (the kernel drops what the ring buffer cannot hold).
start_daemon "$AW/crash.log" --seal-every 1000
( run_in "$AUD" "$BUILD/selftests/storm" 2 "$STORM_N" alternate >"$AW/crash-attempts" ) &
storm=$!
for _ in $(seq 1 300); do
	[ "$(wc -l <"$AW/crash.log")" -gt 1500 ] && break
	sleep 0.1
done
kill -KILL "$DAEMON"; wait "$DAEMON" 2>/dev/null
# What kill -9 leaves is what a log cut short looks like: the default
# refuses it, --allow-unsealed-tail accepts it as a crash, and says so.
out=$("$NOJIT" audit verify --key "$APUB" "$AW/crash.log" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "unsealed-tail: unsealed tail: " <<<"$out" &&
	tap_ok "after kill -9 the default audit verify refuses the unsealed tail" ||
	tap_not_ok "after kill -9 the default audit verify refuses the unsealed tail" "exit $rc" "$out"
out=$("$NOJIT" audit verify --allow-unsealed-tail --key "$APUB" "$AW/crash.log" 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "unsealed tail accepted (--allow-unsealed-tail)" <<<"$out" &&
	tap_ok "after kill -9 audit verify --allow-unsealed-tail accepts the crash, and says so" ||
	tap_not_ok "after kill -9 audit verify --allow-unsealed-tail accepts the crash, and says so" "exit $rc" "$out"
start_daemon "$AW/crash.log" --seal-every 1000
wait "$storm"
sleep 1
stop_daemon
out=$("$NOJIT" audit verify --key "$APUB" "$AW/crash.log"* 2>&1) && tap_ok "after kill -9 and a restart the log verifies" ||
	tap_not_ok "after kill -9 and a restart the log verifies" "$out"
# The gap a restart writes down may be over-counted, never under-counted.
read -r ev dr _ < <("$HERE/audit/account" "$AW"/crash.log*)
attempts=$(cat "$AW/crash-attempts")
[ $((ev + dr)) -ge "$attempts" ] &&
	tap_ok "after kill -9: $ev events + $dr dropped or lost account for all $attempts attempts" ||
	tap_not_ok "after kill -9: events + drops (daemon and kernel) account for every attempt" \
		"$ev events + $dr dropped or lost < $attempts"
rm -rf "$AW"
"$NOJIT" release --cgroup "$AUD" >/dev/null
rmdir "$AUD" 2>/dev/null
