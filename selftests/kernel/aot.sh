# SPDX-License-Identifier: GPL-2.0
# docs/aot-guide.md's recipes, each run as the guide says inside an
# enrolled cgroup under its runtime's signed manifest (hash gate on), with
# the other direction beside it: the runtime's JIT refused there, the
# artefact really used, and what the kernel does not gate shown as such.
# Needs selftests/aot/prepare (host side: snapshot, bytecode, manifests).
# Sourced by run.

A=$BUILD/aot-test
AOTW=$(mktemp -d /tmp/nojit-aot.XXXXXX)
ATRUST=$A/keys/nojit.pub
PY=/usr/bin/python3.11
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
N=20000		# loop steps: a few ms interpreted under TCG, hot for any JIT
[ -s "$A/node.json.sig" ] || die "no AOT recipes: run selftests/aot/prepare $BUILD first"

# The loop every recipe runs, computed here to check their answers.
LOOP=$(awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) s = (s + (i * 31 + 7) % 1000003) % 1000003; print s }')

routes_now() {	# "ROUTE=COUNT ..." of nojit's denial counters
	"$NOJIT" --json status | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]["denials_by_route"]
print(" ".join("%s=%s" % kv for kv in c.items()))'
}

routes_moved() {	# routes_moved BEFORE AFTER: the routes whose count grew
	local kv moved=
	local -A was
	for kv in $1; do was[${kv%=*}]=${kv#*=}; done
	for kv in $2; do
		[ "${kv#*=}" -gt "${was[${kv%=*}]:-0}" ] && moved+="${moved:+ }${kv%=*}"
	done
	echo "$moved"
}

# aot_run CGROUP [VAR=VALUE...] CMD...: A_RC, A_OUT (stdout), $AOTW/err.
# The variables are set here, not with env(1), which is not in the
# runtimes' manifests. In a subshell of its own, so that bash's note
# about a signal death lands in $AOTW/err. A_MOVED is left empty: see
# aot_run_counted.
aot_run() {
	local cg=$1
	shift
	(
		while [[ $1 == [A-Z]*=* ]]; do export "$1"; shift; done
		run_in "$cg" "$@"
		exit $?
	) >"$AOTW/out" 2>"$AOTW/err"
	A_RC=$?
	A_OUT=$(cat "$AOTW/out")
	A_MOVED=
}

# aot_run_counted ...: aot_run, and A_MOVED, the denial routes that moved
# meanwhile (nojit status costs most of a second under TCG: only where
# the route is asserted).
aot_run_counted() {
	local before
	before=$(routes_now)
	aot_run "$@"
	A_MOVED=$(routes_moved "$before" "$(routes_now)")
}

a_diag() {
	echo "exit $A_RC, denial routes moved: ${A_MOVED:-none}"
	echo "stdout: $(head -c 600 "$AOTW/out")"
	echo "stderr: $(grep -v 'disabling flag --expose_wasm' "$AOTW/err" | head -c 900)"
}

# a_expect DESC TEST: ok iff TEST (a shell condition) holds after aot_run.
a_expect() {
	if eval "$2"; then tap_ok "$1"; else tap_not_ok "$1" "$(a_diag)"; fi
}

# A JIT refused by the memory rules: the runtime failed with its own
# message (REGEX), nojit counted route 1 or 2 (anonymous executable memory,
# mprotect to exec), and not the hash gate (4, 10, 11): the runtime's
# files are all listed, so only its code generation was refused.
jit_refused() {
	[ "$A_RC" -ne 0 ] && grep -Eq "$1" "$AOTW/err" "$AOTW/out" &&
		[[ " $A_MOVED " =~ \ [12]\  ]] && ! [[ " $A_MOVED " =~ \ (4|10|11)\  ]]
}

listed() {	# listed MANIFEST FILE: FILE's digest is an entry of MANIFEST
	"$NOJIT" manifest verify --trust "$ATRUST" --list "$A/$1.json" 2>/dev/null |
		grep -q "^$(sha256sum "$2" | cut -d' ' -f1) "
}

aot_enroll() {	# aot_enroll NAME: the cgroup AOT_NAME under manifest NAME
	local cg=$CG/nojit-test-aot-$1 out
	rmdir "$cg" 2>/dev/null
	mkdir -p "$cg" || die "mkdir $cg"
	out=$("$NOJIT" enforce --cgroup "$cg" --manifest "$A/$1.json" --trust "$ATRUST" 2>&1) ||
		die "enforce $1.json: $out"
	echo "$cg"
}
mkdir -p "$OUT"

# --- Node: --jitless and a startup snapshot -------------------------------------
CGN=$(aot_enroll node)
aot_run_counted "$CGN" /usr/bin/node "$A/node/app.js" $N
a_expect "aot node: node with its JIT is refused inside (V8 aborts at start-up)" \
	'jit_refused "Check failed: 12 == |SetPermissions" && [ ! -s "$AOTW/out" ]'
aot_run "$CGN" /usr/bin/node --jitless "$A/node/app.js" $N
a_expect "aot node: node --jitless runs the script inside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "script "*" 5000 $LOOP "* ]]'
aot_run "$CGN" AOT_TOKEN_OUT="$AOTW/token" /usr/bin/node --jitless \
	--snapshot-blob "$AOTW/snap.blob" --build-snapshot "$A/node/app.js"
a_expect "aot node: building a startup snapshot needs no JIT (node --jitless --build-snapshot inside)" \
	'[ $A_RC -eq 0 ] && [ -s "$AOTW/snap.blob" ] && [ -s "$AOTW/token" ]'
aot_run "$CGN" /usr/bin/node --jitless --snapshot-blob "$AOTW/snap.blob" $N
a_expect "aot node: node --jitless --snapshot-blob starts from that snapshot inside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "snapshot $(cat "$AOTW/token") 5000 $LOOP "* ]]'
a_expect "aot node: the snapshot is data: it ran without being listed in the manifest" \
	'! listed node "$AOTW/snap.blob" && listed node /usr/bin/node'
aot_run "$CGN" /usr/bin/node --jitless --snapshot-blob "$A/node/snap-host.blob" $N
a_expect "aot node: a snapshot built on another CPU (the host) is refused by V8 itself, before any state is used" \
	'[ $A_RC -eq 14 ] && grep -q "different V8 configurations" "$AOTW/err" && [ ! -s "$AOTW/out" ]'

# --- Python: bytecode compiled ahead of time ---------------------------------------
CGP=$(aot_enroll python)
APP=$A/py/app
aot_run "$CGP" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$APP" $PY -v -m aotdemo $N
a_expect "aot python: the app runs from its precompiled __pycache__ inside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "aotdemo source $LOOP "* ]] &&
	 grep -qF "code object from '\''$APP/aotdemo/__pycache__/work.cpython-311.pyc'\''" "$AOTW/err"'
PFX=$A/py/prefix$APP/aotdemo/work.cpython-311.pyc
aot_run "$CGP" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$APP" $PY -v \
	-X pycache_prefix="$A/py/prefix" -m aotdemo $N
a_expect "aot python: ... or from a separate tree with -X pycache_prefix" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "aotdemo source $LOOP "* ]] &&
	 grep -qF "code object from '\''$PFX'\''" "$AOTW/err"'
a_expect "aot python: the bytecode it ran is listed in the signed manifest" \
	'listed python "$APP/aotdemo/__pycache__/work.cpython-311.pyc" && listed python "$PFX"'

mkdir -p "$AOTW/src"
cp -r "$A/py/app/aotdemo" "$AOTW/src/"
rm -rf "$AOTW/src/aotdemo/__pycache__"
aot_run "$CGP" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$AOTW/src" $PY -m aotdemo $N
a_expect "aot python: with PYTHONDONTWRITEBYTECODE=1 nothing is written into the image" \
	'[ $A_RC -eq 0 ] && [ ! -e "$AOTW/src/aotdemo/__pycache__" ]'
aot_run "$CGP" PYTHONPATH="$AOTW/src" $PY -m aotdemo $N
a_expect "aot python: without it Python writes bytecode inside, and nojit does not stop it (not machine code)" \
	'[ $A_RC -eq 0 ] && [ -s "$AOTW/src/aotdemo/__pycache__/work.cpython-311.pyc" ]'

# The known limit, asserted so that the guide cannot overclaim.
aot_run "$CGP" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$APP" $PY \
	-X pycache_prefix="$A/py/tampered-prefix" -m aotdemo $N
a_expect "aot python: limit: other bytecode under the same name runs inside, unlisted; the kernel never sees it" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "aotdemo tampered $LOOP "* ]]'
a_expect "aot python: ... a review against the manifest finds it (its digest is not listed)" \
	'! listed python "$A/py/tampered-prefix$APP/aotdemo/work.cpython-311.pyc"'
printf 'print("unlisted script ran")\n' >"$AOTW/unlisted.py"
aot_run "$CGP" $PY "$AOTW/unlisted.py"
a_expect "aot python: limit: a listed interpreter runs an unlisted script (read, not exec)" \
	'[ $A_RC -eq 0 ] && [ "$A_OUT" = "unlisted script ran" ]'

# What the kernel does gate for Python: native code. One byte appended
# to an extension module makes it another, unlisted file.
mkdir -p "$AOTW/ext"
cp /usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so "$AOTW/ext/"
printf '\0' >>"$AOTW/ext/_json.cpython-311-x86_64-linux-gnu.so"
aot_run "$OUT" PYTHONPATH="$AOTW/ext" $PY -c 'import _json; print(_json.__file__)'
a_expect "aot python: a modified extension module imports outside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$AOTW/ext/"* ]]'
aot_run_counted "$CGP" PYTHONPATH="$AOTW/ext" $PY -c 'import _json; print(_json.__file__)'
a_expect "aot python: ... and is refused inside (mapping unlisted native code)" \
	'[ $A_RC -ne 0 ] && grep -q "failed to map segment" "$AOTW/err" && [[ " $A_MOVED " =~ \ 4\  ]]'

# --- Lua: luajit -joff, LuaJIT bytecode, PUC Lua ---------------------------------
CGL=$(aot_enroll lua)
aot_run_counted "$CGL" /usr/bin/luajit "$A/lua/loop.lua" $N
a_expect "aot lua: luajit with its JIT is refused inside at its first trace" \
	'jit_refused "runtime code generation failed|failed to change memory protection"'
aot_run "$CGL" /usr/bin/luajit -joff "$A/lua/loop.lua" $N
a_expect "aot lua: luajit -joff runs the loop inside, interpreted" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "*" jit-off" ]]'
aot_run "$CGL" /usr/bin/luajit -joff "$A/lua/loop.bc" $N
a_expect "aot lua: luajit -joff runs precompiled bytecode (luajit -b) inside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "*" jit-off" ]] && listed lua "$A/lua/loop.bc"'
aot_run "$CGL" /usr/bin/lua5.4 "$A/lua/loop.lua" $N
a_expect "aot lua: lua5.4 (no JIT at all) runs the loop inside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "*" nojit" ]]'

# --- Java: even -Xint generates code (the template interpreter) -----------------
CGJ=$(aot_enroll java)
aot_run "$OUT" $JAVA -Xint -cp "$A/java" Loop $N
a_expect "aot java: java -Xint runs outside" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "* ]]'
aot_run_counted "$CGJ" $JAVA -Xint -cp "$A/java" Loop $N
a_expect "aot java: java -Xint cannot start inside under a plain manifest (needs a signed exception)" \
	'jit_refused "Failed to mark memory page as executable|Error occurred during initialization of VM" &&
	 [[ $A_OUT != "$LOOP "* ]]'

# ... and under a signed exception it runs, interpreted and with its JIT.
"$NOJIT" enforce --cgroup "$CGJ" --manifest "$A/java-exc.json" --trust "$ATRUST" \
	--approvers "$A/approver/approver.pub" >"$AOTW/enforce" 2>&1 ||
	tap_not_ok "aot java: the manifest with the JVM's exception is put in force" "$(cat "$AOTW/enforce")"
aot_run "$CGJ" $JAVA -XX:-UsePerfData -Xint -cp "$A/java" Loop $N
a_expect "aot java: java -Xint runs inside under its signed exception" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "* ]]'
aot_run "$CGJ" $JAVA -XX:-UsePerfData -cp "$A/java" Loop $N
a_expect "aot java: java with its JIT runs inside under its signed exception" \
	'[ $A_RC -eq 0 ] && [[ $A_OUT == "$LOOP "* ]]'

for c in node python lua java; do
	"$NOJIT" release --cgroup "$CG/nojit-test-aot-$c" >/dev/null 2>&1
	rmdir "$CG/nojit-test-aot-$c" 2>/dev/null
done
rm -rf "$AOTW"
