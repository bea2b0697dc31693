# SPDX-License-Identifier: GPL-2.0
# Signed JIT exceptions (docs/exceptions.md), sourced by selftests/kernel/run.
# node's exception (selftests/kernel/prepare-exceptions) lets node JIT in an
# enrolled cgroup, and confines it: no TCP, no exec, no writes outside its
# path. The same cgroup's other programs stay under the full policy. Bad
# exceptions are refused at load with the policy in force untouched, and an
# exception that expires while node runs stops its JIT.

T=$BUILD/kernel-test
XCG=$CG/nojit-exc
XW=$(mktemp -d /tmp/nojit-exc.XXXXXX)
WORK=/tmp/nojit-exc-work
XTRUST=(--trust "$T/keys/nojit.pub" --approvers "$T/approvers")
NODE=/usr/bin/node
ip link set lo up 2>/dev/null
mkdir -p "$XCG" "$WORK"

# A function V8 has compiled to machine code has status bit 15 (Sparkplug
# baseline), 4, 5 or 6 (optimised tiers), 32880 together: proof that the
# JIT ran, not a timing.
cat >"$XW/jit.js" <<'EOF'
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
%PrepareFunctionForOptimization(hot);
hot(100); hot(100);
%OptimizeFunctionOnNextCall(hot);
const r = hot(3000000);
console.log("optimized=" + ((%GetOptimizationStatus(hot) & 32880) ? 1 : 0) + " result=" + r);
EOF

node_in() {	# node_in ARGS...: node in the exception's cgroup; output in $XW/out
	run_in "$XCG" "$NODE" "$@" >"$XW/out" 2>&1
}

xstat() {	# xstat KEY: a kernel counter
	"$NOJIT" --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$1'])"
}

tap_check "exception: a manifest with an approved JIT exception is put in force" \
	"$NOJIT" enforce --cgroup "$XCG" --manifest "$T/exc.json" "${XTRUST[@]}"

# The daemon drains the kernel's records into a log, and ends processes
# whose exception ended. It needs the policy loaded.
"$NOJIT" keygen --out "$XW/akey" >/dev/null
AKEY_X=$XW/akey/nojit.key
"$NOJIT" daemon --log "$XW/audit.log" --key "$AKEY_X" 2>"$XW/daemon.err" &
XDAEMON=$!
for _ in $(seq 100); do
	grep -q "draining events" "$XW/daemon.err" 2>/dev/null && break
	sleep 0.1
done

# Outside any enrolled cgroup node JITs: the reference for both directions.
if "$NODE" --allow-natives-syntax "$XW/jit.js" >"$XW/out" 2>&1 && grep -q 'optimized=1' "$XW/out"; then
	tap_ok "exception: node optimises to machine code outside (reference)"
else
	tap_not_ok "exception: node optimises to machine code outside (reference)" "$(cat "$XW/out")"
fi

uses0=$(xstat exception_uses)
if node_in --allow-natives-syntax "$XW/jit.js" && grep -q 'optimized=1' "$XW/out"; then
	tap_ok "exception: node under its exception JIT-compiles in the enrolled cgroup"
else
	tap_not_ok "exception: node under its exception JIT-compiles in the enrolled cgroup" \
		"$(cat "$XW/out")"
fi
uses1=$(xstat exception_uses)
if [ "$uses1" -gt "$uses0" ]; then
	tap_ok "exception: the kernel counted node's uses of its exception ($((uses1 - uses0)))"
else
	tap_not_ok "exception: the kernel counted node's uses of its exception" "$uses0 -> $uses1"
fi

# Speed, reported, never asserted (make bench measures it): JIT vs
# --jitless in the same cgroup, on a loop short enough for make check.
loop='let s=0; for (let i=0;i<3000000;i++) s=(s+i*i)%1000003; console.log(s)'
t0=$(date +%s%N); node_in -e "$loop"; t1=$(date +%s%N)
node_in --jitless -e "$loop"; t2=$(date +%s%N)
echo "# exception: CPU loop in the cgroup: JIT $(((t1 - t0) / 1000000)) ms, --jitless $(((t2 - t1) / 1000000)) ms"

connect_js='const s=require("net").connect(9,"127.0.0.1");
s.on("connect",()=>{console.log("connected");process.exit(0)});
s.on("error",e=>{console.log("error "+e.code);process.exit(3)})'
node_in -e "$connect_js"
if grep -q 'error EPERM' "$XW/out"; then
	tap_ok "exception: node under its exception cannot open a TCP socket (EPERM)"
else
	tap_not_ok "exception: node under its exception cannot open a TCP socket (EPERM)" "$(cat "$XW/out")"
fi
# The refusal is the mark's, not the cgroup's: --jitless node is the same
# binary (so marked as well); python3 in the same cgroup is not marked.
out=$(run_in "$XCG" /usr/bin/python3 -c '
import socket, errno
s = socket.socket()
try:
    s.connect(("127.0.0.1", 9))
except OSError as e:
    print(errno.errorcode[e.errno])' 2>&1)
if [ -n "$out" ] && [ "$out" != EPERM ]; then
	tap_ok "exception: an unmarked program in the same cgroup may use TCP ($out)"
else
	tap_not_ok "exception: an unmarked program in the same cgroup may use TCP" "$out"
fi
node_in -e 'const {Worker}=require("worker_threads");
new Worker(`const s=require("net").connect(9,"127.0.0.1");
s.on("error",e=>{console.log("error "+e.code);process.exit(3)})`,{eval:true})'
if grep -q 'error EPERM' "$XW/out"; then
	tap_ok "exception: node's worker threads inherit the confinement (no TCP)"
else
	tap_not_ok "exception: node's worker threads inherit the confinement (no TCP)" "$(cat "$XW/out")"
fi

node_in -e 'try { require("child_process").execSync("true"); console.log("ran") }
catch (e) { console.log("error " + (e.code || e.message)); process.exit(3) }'
if [ $? -eq 3 ] && ! grep -q '^ran' "$XW/out"; then
	tap_ok "exception: node under its exception cannot run a program ($(head -c 60 "$XW/out"))"
else
	tap_not_ok "exception: node under its exception cannot run a program" "$(cat "$XW/out")"
fi

node_in -e 'const fs=require("fs"); fs.writeFileSync("/tmp/nojit-exc-work/ok", "x");
try { fs.writeFileSync("/tmp/nojit-exc-outside", "x"); console.log("wrote outside") }
catch (e) { console.log("error " + e.code); process.exit(3) }'
if [ $? -eq 3 ] && grep -q 'error EPERM' "$XW/out" && [ -f "$WORK/ok" ] &&
   [ ! -e /tmp/nojit-exc-outside ]; then
	tap_ok "exception: node writes under its write path, not outside it"
else
	tap_not_ok "exception: node writes under its write path, not outside it" "$(cat "$XW/out")"
fi
echo x >/tmp/nojit-exc-unmarked
node_in -e 'const fs=require("fs"); fs.writeFileSync("/tmp/nojit-exc-work/r", "x");
const tries = [["rename out", () => fs.renameSync("/tmp/nojit-exc-work/r", "/tmp/nojit-exc-moved")],
	["mkdir", () => fs.mkdirSync("/tmp/nojit-exc-dir")],
	["symlink", () => fs.symlinkSync("/tmp/nojit-exc-work/r", "/tmp/nojit-exc-link")],
	["chmod", () => fs.chmodSync("/tmp/nojit-exc-unmarked", 0o777)],
	["unlink", () => fs.unlinkSync("/tmp/nojit-exc-unmarked")]];
let bad = 0;
for (const [what, f] of tries) {
	try { f(); console.log(what + " done"); bad++ } catch (e) { console.log(what + " " + e.code); if (e.code !== "EPERM") bad++ }
}
fs.renameSync("/tmp/nojit-exc-work/r", "/tmp/nojit-exc-work/r2");
process.exit(bad ? 4 : 0)'
if [ $? -eq 0 ] && [ -f "$WORK/r2" ] && [ ! -e /tmp/nojit-exc-moved ] && [ ! -e /tmp/nojit-exc-dir ] &&
   [ -f /tmp/nojit-exc-unmarked ]; then
	tap_ok "exception: node renames within its write path, changes no name outside it"
else
	tap_not_ok "exception: node renames within its write path, changes no name outside it" "$(cat "$XW/out")"
fi
if run_in "$XCG" /bin/sh -c 'echo x >/tmp/nojit-exc-unmarked'; then
	tap_ok "exception: an unmarked program in the same cgroup writes anywhere"
else
	tap_not_ok "exception: an unmarked program in the same cgroup writes anywhere"
fi

# A marked program of our own tries each way out of the confinement; the
# same step outside any enrolled cgroup must work, so a refusal inside is
# the confinement's. Targets live on a tmpfs of their own (xattrs, ACLs).
ESC=$BUILD/selftests/attacks/exception_escape
XT=/tmp/nojit-exc-x
mkdir -p "$XT" && mount -t tmpfs tmpfs "$XT" && mkdir -p "$XT/m" "$XT/root"
/usr/bin/python3 - "$XT/sock" <<'EOF' &
import os, socket, sys, threading
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 4719)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"from the network\n")
def unix():
    u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen(8)
    while True:
        u.accept()
threading.Thread(target=tcp, daemon=True).start()
threading.Thread(target=unix, daemon=True).start()
threading.Event().wait(600)
EOF
XSERVER=$!
for _ in $(seq 50); do [ -S "$XT/sock" ] && break; sleep 0.1; done

escape_run() {	# escape_run CGROUP STEP ARGS...: the step's exit status
	local cg=$1
	shift
	case $1 in
	recvfd) run_in "$cg" /usr/bin/python3 -c '
import os, socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "recvfd", str(b.fileno())], pass_fds=[b.fileno()])
socket.send_fds(a, [b"x"], [os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND)])
sys.exit(p.wait())' "$ESC" "$2" ;;
	splice) run_in "$cg" bash -c 'exec 3<>/dev/tcp/127.0.0.1/4719; exec "$0" splice 3' "$ESC" ;;
	tiocsti) run_in "$cg" /usr/bin/python3 -c '
import os, pty, subprocess, sys
master, slave = pty.openpty()
sys.exit(subprocess.call([sys.argv[1], "tiocsti", str(slave)], pass_fds=[slave]))' "$ESC" ;;
	*) run_in "$cg" "$ESC" "$@" ;;
	esac >>"$XW/escape.out" 2>&1
}

escape_case() {	# escape_case STEP ARGS...: works outside, refused to the marked program
	local out_rc in_rc
	echo x >"$XT/target"
	rm -f "$WORK/newlink"
	escape_run "$OUT" "$@"
	out_rc=$?
	umount "$XT/m" 2>/dev/null
	echo x >"$XT/target"
	rm -f "$WORK/newlink"
	escape_run "$XCG" "$@"
	in_rc=$?
	if [ $out_rc -eq 0 ] && [ $in_rc -eq 1 ]; then
		tap_ok "exception escape: $1 works outside, is refused to the marked program"
	else
		tap_not_ok "exception escape: $1 works outside, is refused to the marked program" \
			"outside $out_rc, inside $in_rc: $(tail -n 4 "$XW/escape.out")"
	fi
}

if escape_run "$XCG" jit; then
	tap_ok "exception escape: the attack program is marked (it JITs inside)"
else
	tap_not_ok "exception escape: the attack program is marked (it JITs inside)" "$(tail -n 2 "$XW/escape.out")"
fi
escape_case growsdown
# Hard links need one file system: the write path's own.
echo x >/tmp/nojit-exc-linked
escape_case link /tmp/nojit-exc-linked "$WORK/newlink"
ln -f /tmp/nojit-exc-linked "$WORK/second-name"
escape_run "$XCG" write "$WORK/second-name"
rc=$?
escape_run "$XCG" write "$WORK/plain-missing"
missing=$?
echo x >"$WORK/plain"
if escape_run "$XCG" write "$WORK/plain" && [ $rc -eq 1 ] && [ $missing -eq 2 ]; then
	tap_ok "exception escape: in its write path it writes a plain file, not one with a second name outside"
else
	tap_not_ok "exception escape: in its write path it writes a plain file, not one with a second name outside" \
		"second name: $rc; $(tail -n 3 "$XW/escape.out")"
fi
escape_case write "$XT/target"
# (What its launcher hands it at exec stays usable: every node run here
# writes its output to a file outside its write paths.)
escape_case recvfd "$XT/target"
escape_case setxattr "$XT/target"
escape_case acl "$XT/target"
escape_case utimes "$XT/target"
escape_case mount "$XT/m"
escape_case userns
escape_case chroot "$XT/root"
escape_case splice
escape_case unixconnect "$XT/sock"
escape_case abstract
# Another mount namespace in which the write path is another directory.
echo x >"$XT/m/plain"
unshare -m sh -c "mount --bind $XT/m $WORK && exec sleep 300" &
XNS=$!
sleep 1
escape_case setns "/proc/$XNS/ns/mnt" "$WORK/plain"
kill "$XNS" 2>/dev/null
escape_case hostname
escape_case setflags "$XT/target"
escape_case tiocsti
sleep 300 &
XSLEEP=$!
escape_case kill "$XSLEEP"
kill "$XSLEEP" 2>/dev/null
kill "$XSERVER" 2>/dev/null
wait "$XSERVER" 2>/dev/null
umount "$XT/m" 2>/dev/null
umount "$XT" && rmdir "$XT"

# The digest decides: a byte-modified copy of node is listed, runs, gets no JIT.
run_in "$XCG" "$T/node-mod" --jitless -e 'console.log("jitless ok")' >"$XW/out" 2>&1
run_in "$XCG" "$T/node-mod" -e 'console.log("jit ok")' >"$XW/out2" 2>&1
rc=$?
if grep -q 'jitless ok' "$XW/out" && [ $rc -ne 0 ] && ! grep -q 'jit ok' "$XW/out2"; then
	tap_ok "exception: a byte-modified copy of node runs but gets no exception (JIT refused, status $rc)"
else
	tap_not_ok "exception: a byte-modified copy of node runs but gets no exception" \
		"jitless: $(cat "$XW/out"); jit (status $rc): $(cat "$XW/out2")"
fi
if run_in "$XCG" /usr/bin/luajit -e 'local s=0 for i=1,3000000 do s=(s+i)%7 end print(s)' \
	>"$XW/out" 2>&1; then
	tap_not_ok "exception: luajit in the same cgroup still cannot JIT" "$(cat "$XW/out")"
else
	tap_ok "exception: luajit in the same cgroup still cannot JIT"
fi

# Refused at load; the policy in force stays exactly as it was.
serial_in_force() {
	"$NOJIT" --json status | python3 -c "
import json, sys
for c in json.load(sys.stdin)['enrolled']:
    if c['path'].endswith('/nojit-exc'):
        print(c['manifest']['serial'], sorted(e['id'] for e in c['manifest']['exceptions']))"
}
before=$(serial_in_force)
for bad in "self:an exception needs a second party" \
	   "untrusted:not a trusted approver" \
	   "expired:expired at" \
	   "unlisted:not an executable the manifest lists" \
	   "tampered:bad approval"; do
	name=${bad%%:*}
	want=${bad#*:}
	"$NOJIT" enforce --cgroup "$XCG" --manifest "$T/exc-$name.json" "${XTRUST[@]}" \
		>"$XW/out" 2>&1
	rc=$?
	after=$(serial_in_force)
	if [ $rc -eq 1 ] && grep -q "$want" "$XW/out" && [ "$after" = "$before" ]; then
		tap_ok "exception: refused at load ($name: $want); policy in force unchanged"
	else
		tap_not_ok "exception: refused at load ($name)" \
			"status $rc, in force $before -> $after: $(cat "$XW/out")"
	fi
done
if "$NOJIT" enforce --cgroup "$XCG" --manifest "$T/exc.json" --trust "$T/keys/nojit.pub" \
	--approvers "$T/approver2/approver.pub" >"$XW/out" 2>&1; then
	tap_not_ok "exception: refused when its approver is not in the approver directory given"
else
	tap_ok "exception: refused when its approver is not in the approver directory given"
fi
if node_in --allow-natives-syntax "$XW/jit.js" && grep -q 'optimized=1' "$XW/out"; then
	tap_ok "exception: after the refusals node still JITs under the old policy"
else
	tap_not_ok "exception: after the refusals node still JITs under the old policy" "$(cat "$XW/out")"
fi
tap_check "exception: a PyNaCl-made approval by the trusted approver verifies" \
	"$NOJIT" manifest verify "${XTRUST[@]}" "$T/exc-pynacl.json"

"$NOJIT" --json status >"$XW/status.json"
if python3 - "$XW/status.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
x = [e for c in s["enrolled"] if c["path"].endswith("/nojit-exc")
     for e in c["manifest"]["exceptions"] if e["id"] == "node-jit"]
assert len(x) == 1, x
assert x[0]["marks"] >= 1 and x[0]["uses"] >= 1, x
assert x[0]["write_paths"] == ["/tmp/nojit-exc-work"], x
assert x[0]["seconds_left"] > 3600, x
EOF
then
	tap_ok "exception: nojit status shows the exception in force, its marks and uses"
else
	tap_not_ok "exception: nojit status shows the exception in force, its marks and uses" \
		"$(head -c 2000 "$XW/status.json")"
fi

# An exception expiring while node runs. node 20's V8 writes code into a
# code space it made writable and executable once, with no further system
# call to refuse; so the kernel refuses anything new at once, and nojit
# daemon ends the process (exception_sweep.h). Either way, no JIT after
# the end. The manifest is re-issued with the exception ending in 15 s.
/usr/bin/python3 - "$T/exc.json" "$XW/short.json" <<'EOF'
import datetime, json, sys
m = json.load(open(sys.argv[1]))
m["serial"] = 600
end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=15)
m["exceptions"][0]["expires"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
del m["exceptions"][0]["approval"]
json.dump(m, open(sys.argv[2], "w"), indent=1)
EOF
"$NOJIT" manifest approve --key "$T/approver/approver.key" --signer "$T/keys/nojit.pub" \
	"$XW/short.json" >/dev/null &&
	"$NOJIT" manifest sign --key "$T/keys/nojit.key" "$XW/short.json" >/dev/null &&
	"$NOJIT" enforce --cgroup "$XCG" --manifest "$XW/short.json" "${XTRUST[@]}" >/dev/null ||
	tap_not_ok "exception: a short exception is put in force"
end=$(python3 -c "import json; print(json.load(open('$XW/short.json'))['exceptions'][0]['expires'])")
end_s=$(date -d "$end" +%s)
cat >"$XW/expire.js" <<EOF
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * 3) % 1000003; return s; }
%PrepareFunctionForOptimization(hot); hot(10); hot(10);
%OptimizeFunctionOnNextCall(hot); hot(100000);
console.log("before=" + ((%GetOptimizationStatus(hot) & 32880) ? 1 : 0));
const wait = () => {
	if (Date.now() / 1000 < $end_s + 3) return setTimeout(wait, 200);
	let n = 0;
	for (let k = 0; k < 300; k++) {
		const g = new Function("n", "let s = " + k + "; for (let i = 0; i < n; i++) s = (s * 7 + i + " + k + ") % 1000003; return s;");
		%PrepareFunctionForOptimization(g); g(10); g(10);
		%OptimizeFunctionOnNextCall(g); g(100000);
		if (%GetOptimizationStatus(g) & 32880) n++;
	}
	console.log("after=" + n);
};
wait();
EOF
node_in --allow-natives-syntax "$XW/expire.js"
rc=$?
if grep -q 'before=1' "$XW/out" && ! grep -q 'after=' "$XW/out" && [ $rc -ne 0 ]; then
	tap_ok "exception: expired while node ran: no JIT after the end (status $rc)"
else
	tap_not_ok "exception: expired while node ran: no JIT after the end" \
		"status $rc: $(head -c 600 "$XW/out")"
fi

# Every use is in the audit log: records (aggregated, with counts) plus
# uses no record could carry equal the kernel's count.
kill -TERM "$XDAEMON" 2>/dev/null
wait "$XDAEMON" 2>/dev/null
if python3 - "$XW/audit.log" "$(xstat exception_uses)" "$(xstat exception_uses_unreported)" <<'EOF'
import json, sys
log, uses, lost = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = 0
recs = [json.loads(l) for l in open(log)]
exc = [r for r in recs if r.get("action") == "exception"]
assert exc, "no exception records"
# Earlier parts' exceptions (the AOT guide's JVM) are drained here too.
assert all(r["exception"] and r["count"] >= 1 for r in exc), exc[:2]
assert any(r["exception"] == "node-jit" for r in exc), "no node-jit records"
n = sum(r["count"] for r in exc)
assert n + lost == uses, (n, lost, uses)
confined = [r for r in recs if r.get("route") == 18]
assert confined, "no confinement records"
ended = [r for r in recs if r.get("type") == "response" and "expired" in (r.get("detail") or "")]
states = [r.get("what") or "" for r in recs if r.get("action") == "exceptions"]
assert any("node-jit for " in w and "in force" in w for w in states), states
assert any("node-jit for " in w and "expired" in w for w in states), states
print("# %d uses in %d records, %d confinement refusals, %d processes ended at expiry"
      % (n, len(exc), len(confined), len(ended)))
EOF
then
	tap_ok "exception: the audit log accounts for every use (aggregated), each confinement refusal, what is in force"
else
	tap_not_ok "exception: the audit log accounts for every use (aggregated), each confinement refusal, what is in force" \
		"$(grep -c . "$XW/audit.log") records; daemon: $(tail -c 600 "$XW/daemon.err")"
fi

"$NOJIT" release --cgroup "$XCG" >/dev/null 2>&1
rmdir "$XCG" 2>/dev/null
rm -rf "$XW" "$WORK" /tmp/nojit-exc-unmarked /tmp/nojit-exc-outside /tmp/nojit-exc-moved \
	/tmp/nojit-exc-dir /tmp/nojit-exc-link /tmp/nojit-exc-linked
