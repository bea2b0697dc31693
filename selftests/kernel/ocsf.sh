# SPDX-License-Identifier: GPL-2.0
# SIEM output through a real system logger (docs/siem.md): nojit daemon
# --syslog-socket --format ocsf sends RFC 5424 messages to a socket of
# Debian's rsyslogd (imuxsock, as it serves /dev/log: audit.sh covers the
# daemon's default /dev/log), which writes each message to a file. Every
# record must arrive, whole and in order, as an OCSF event that passes
# selftests/ocsf/check-ocsf. Sourced by run, after audit.sh.

OW=$(mktemp -d /tmp/nojit-ocsf.XXXXXX)
T=${T:-$BUILD/kernel-test}
"$NOJIT" keygen --out "$OW/keys" >/dev/null || die "keygen for the OCSF log"

# Enrolled cgroups: refuse, refuse and kill, audit mode, the hash gate.
ocsf_cg() {	# ocsf_cg NAME ENFORCE-ARGS...
	local cg=$CG/nojit-test-ocsf-$1
	shift
	rmdir "$cg" 2>/dev/null
	mkdir "$cg" && "$NOJIT" enforce --cgroup "$cg" "$@" >/dev/null || die "enforce $cg $*"
}
ocsf_cg deny
ocsf_cg kill --on-violation kill
ocsf_cg audit --mode audit
ocsf_cg gate --manifest "$T/system.json" --trust "$T/keys/nojit.pub"

# The longest record: an offender whose executable's path is near PATH_MAX
# and not UTF-8 (the record carries it twice: exe and exe_hex, and OCSF
# names it as actor and as process), in a deeply nested cgroup. Python, so
# that it is still running when the daemon reads /proc/PID/exe.
long=$OW
while [ ${#long} -lt 3800 ]; do
	long=$long/$(printf 'd%.0s' $(seq 1 200))
done
mkdir -p "$long"
long=$long/$(printf 'x\377y')
cp "$(readlink -f /usr/bin/python3)" "$long"
lcg=deny
for _ in $(seq 1 12); do
	lcg=$lcg/$(printf 'c%.0s' $(seq 1 250))
done
mkdir -p "$CG/nojit-test-ocsf-$lcg"
printf '%s' "$long" >"$OW/long.path"
cp /bin/true "$OW/unlisted"
printf '\0' >>"$OW/unlisted"

cat >"$OW/rsyslog.conf" <<EOF
global(maxMessageSize="128k" workDirectory="$OW")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$OW/log" UseSpecialParser="off" ParseHostname="on" UseSysTimeStamp="off")
template(name="nojit_msg" type="string" string="%msg%\n")
if \$programname == "nojit" then {
	action(type="omfile" file="$OW/rsyslog.out" template="nojit_msg")
}
EOF
rsyslogd -n -f "$OW/rsyslog.conf" -i "$OW/rsyslogd.pid" 2>"$OW/rsyslogd.err" &
RSYSLOGD=$!
for _ in $(seq 1 100); do [ -S "$OW/log" ] && break; sleep 0.1; done
[ -S "$OW/log" ] || die "rsyslogd did not open its socket: $(cat "$OW/rsyslogd.err")"

"$NOJIT" daemon --log "$OW/audit.log" --key "$OW/keys/nojit.key" --seal-every 4 \
	--stdout --syslog-socket "$OW/log" --format ocsf >"$OW/stdout" 2>"$OW/daemon.err" &
ODAEMON=$!
for _ in $(seq 1 100); do
	grep -q "draining events" "$OW/daemon.err" 2>/dev/null && break
	sleep 0.1
done
ocsf_run() {	# ocsf_run CGROUP-NAME PROGRAM [ARGS...]: refused, or audited
	local cg=$CG/nojit-test-ocsf-$1
	shift
	run_in "$cg" "$@" >/dev/null 2>&1
}
ocsf_run deny "$ATTACKS/anon_rwx_private"
ocsf_run deny "$ATTACKS/mprotect_anon"
ocsf_run deny "$ATTACKS/exec_stack"
ocsf_run deny "$ATTACKS/shmat_exec"
ocsf_run deny "$ATTACKS/proc_self_mem"
ocsf_run deny "$ATTACKS/bpf_prog_load"
ocsf_run kill "$ATTACKS/anon_rwx_private"
ocsf_run audit "$ATTACKS/mprotect_anon"
ocsf_run gate "$OW/unlisted"
PYTHONHOME=/usr ocsf_run "$lcg" "$long" -c 'import mmap, time
try:
    mmap.mmap(-1, 4096, prot=7)
except OSError:
    pass
time.sleep(1)'
sleep 0.3	# the daemon polls every 100 ms; at SIGTERM it drains what is queued
kill -TERM "$ODAEMON"
wait "$ODAEMON"
# rsyslogd writes what it received before it exits on SIGTERM.
sleep 0.5
kill -TERM "$RSYSLOGD"
wait "$RSYSLOGD" 2>/dev/null

tap_check "rsyslogd received every record of the log, whole, in order, as OCSF" \
	python3 - "$OW/audit.log" "$OW/rsyslog.out" "$OW/sizes" <<'PY'
import hashlib, json, sys
log = open(sys.argv[1], "rb").read().decode().splitlines()
got = open(sys.argv[2], "rb").read().decode().splitlines()
assert len(got) == len(log), (len(got), len(log))
for l, g in zip(log, got):
    o = json.loads(g)
    assert o["unmapped"]["seq"] == json.loads(l)["seq"], (o["unmapped"], l[:80])
    assert o["metadata"]["uid"] == hashlib.sha256(l.encode()).hexdigest(), l[:80]
open(sys.argv[3], "w").write("%d records; longest: %d bytes in the log, %d as OCSF" %
      (len(log), max(len(l.encode()) for l in log), max(len(g.encode()) for g in got)))
PY
echo "# $(cat "$OW/sizes" 2>/dev/null)"
tap_check "every OCSF event rsyslogd wrote passes the OCSF 1.8.0 check" \
	"$HERE/ocsf/check-ocsf" --quiet "$OW/rsyslog.out"
tap_check "--stdout carries the same OCSF events as syslog" cmp "$OW/stdout" "$OW/rsyslog.out"
tap_check "nojit audit ocsf of the log is what the daemon sent" \
	sh -c '"$1" audit ocsf "$2" | cmp - "$3"' - "$NOJIT" "$OW/audit.log" "$OW/stdout"
tap_check "refusals map to their OCSF class, activity, action and disposition" \
	python3 - "$OW/rsyslog.out" "$OW/unlisted" "$(sha256sum "$OW/unlisted" | cut -d' ' -f1)" \
	"$OW/long.path" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="surrogateescape")]
ev = [e for e in ev if e["unmapped"]["record_type"] == "event" and
      (e["unmapped"]["cgroup"] or "").startswith("/nojit-test-ocsf-")]
def pick(cg, hook):
    m = [e for e in ev if e["unmapped"]["cgroup"] == "/nojit-test-ocsf-" + cg and
         e["unmapped"]["hook"] == hook]
    assert m, (cg, hook, [(e["unmapped"]["cgroup"], e["unmapped"]["hook"]) for e in ev])
    return m[0]
# An executable stack is refused past exec's point of no return: killed (High).
want = [("deny", "mmap_file", 1004, 1, 3), ("deny", "file_mprotect", 1004, 2, 3),
        ("deny", "setup_arg_pages", 1004, 5, 4), ("deny", "shm_shmat", 1004, 9, 3),
        ("deny", "bpf", 1007, 99, 3), ("gate", "bprm_check_security", 1007, 1, 3)]
for cg, hook, cls, act, sev in want:
    e = pick(cg, hook)
    assert (e["class_uid"], e["activity_id"], e["type_uid"]) == (cls, act, cls * 100 + act), e
    assert (e["action_id"], e["disposition_id"], e["severity_id"]) == (2, 2, sev), e
    assert e["actor"]["process"]["pid"] == e["process"]["pid"] > 0, e
k = pick("kill", "mmap_file")
assert (k["action_id"], k["disposition_id"], k["severity_id"]) == (2, 2, 4), k
a = pick("audit", "file_mprotect")
assert (a["action_id"], a["disposition_id"], a["is_alert"]) == (1, 19, True), a
ex = [e for e in ev if e["unmapped"]["hook"] == "bprm_check_security"]
f = ex[0]["process"]["file"]
assert f["path"] == sys.argv[2] and f["hashes"][0]["value"] == sys.argv[3], f
# The long, non-UTF-8 executable: cut nowhere, its bytes kept in exe_hex.
lg = [e for e in ev if "exe_hex" in e["unmapped"]]
assert len(lg) == 1, [e["unmapped"] for e in ev]
assert bytes.fromhex(lg[0]["unmapped"]["exe_hex"]) == open(sys.argv[4], "rb").read()
assert lg[0]["process"]["file"]["path"].endswith("/x\ufffdy"), lg[0]["process"]["file"]
assert len(lg[0]["unmapped"]["cgroup"]) > 3000, lg[0]["unmapped"]["cgroup"]
PY
d=$CG/nojit-test-ocsf-$lcg
while [ "$d" != "$CG/nojit-test-ocsf-deny" ]; do
	rmdir "$d"
	d=${d%/*}
done
for c in deny kill audit gate; do
	"$NOJIT" release --cgroup "$CG/nojit-test-ocsf-$c" >/dev/null
	rmdir "$CG/nojit-test-ocsf-$c" 2>/dev/null
done
rm -rf "$OW"
