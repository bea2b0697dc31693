# SPDX-License-Identifier: GPL-2.0
# What a governed workload must not be able to do to the node agent: stall
# the daemon's drain with a file it chose, or steer a cgroup response onto
# a child cgroup it made. Sourced by selftests/deploy/run.

H=$WORK/hostile
HCG=$CG/nojit-hostile
mkdir -p "$H/att" "$HCG/drain" "$HCG/resp/child"
chmod 755 "$H" "$H/att"
"$NOJIT" keygen --out "$H/key" >/dev/null
"$NOJIT" enforce --cgroup "$HCG/drain" >/dev/null
"$NOJIT" daemon --log "$H/audit.log" --key "$H/key/nojit.key" --seal-every-ms 200 2>"$H/daemon.err" &
HPID=$!
sleep 1

# A sparse 256 GiB executable: hashing it in full would take minutes.
cp "$ATTACKS/anon_rwx_private" "$H/att/big"
truncate -s 256G "$H/att/big"
run_in "$HCG/drain" "$H/att/big" >/dev/null 2>&1
run_in "$HCG/drain" "$ATTACKS/mprotect_anon" >/dev/null 2>&1
events() {	# events COMM: that comm's event records, as "exe_sha256 or null" lines
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "event" and r["comm"] == sys.argv[2]:
        print(r["exe_sha256"])' "$H/audit.log" "$1"
}
second_logged() { [ -n "$(events mprotect_anon)" ]; }
ok=0
for ((i = 0; i < 50; i++)); do
	second_logged && { ok=1; break; }
	sleep 0.2
done
big=$(events big)
if [ $ok = 1 ] && [ "$big" = None ]; then
	tap_ok "a sparse 256 GiB offender does not stall the drain: the next event is logged within 10 s (big: exe_sha256 null)"
else
	tap_not_ok "a sparse 256 GiB offender does not stall the drain" \
		"next event logged: $ok" "big: ${big:-no event}" "next: $(events mprotect_anon)" "$(cat "$H/daemon.err")"
fi

# An executable changed in place with its mtime set back: the log must
# carry the new digest, not a cached one. In audit mode the offender lives
# on after its violation, so the daemon always finds its executable.
mkdir -p "$HCG/audit"
"$NOJIT" enforce --cgroup "$HCG/audit" --mode audit >/dev/null
cp "$BUILD/selftests/scan/offender" "$H/att/prog"
offend() {	# run prog in the audit cgroup until an event of it is logged, then stop it
	local before pid i
	before=$(events prog | wc -l)
	run_in "$HCG/audit" "$H/att/prog" anon >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		[ "$(events prog | wc -l)" -gt "$before" ] && break
		sleep 0.2
	done
	sleep 0.5
	echo 1 >"$HCG/audit/cgroup.kill"
	wait $pid 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[ -s "$HCG/audit/cgroup.procs" ] || break
		sleep 0.1
	done
}
offend
mtime=$(stat -c %.9Y "$H/att/prog")
sha1=$(sha256sum "$H/att/prog" | cut -d' ' -f1)
printf 'x' >>"$H/att/prog"
touch -m -d "@$mtime" "$H/att/prog"
sha2=$(sha256sum "$H/att/prog" | cut -d' ' -f1)
offend
logged=$(events prog | tr '\n' ' ')
first=$(events prog | head -n 1)
last=$(events prog | tail -n 1)
if [ "$first" = "$sha1" ] && [ "$last" = "$sha2" ] && [ "$sha1" != "$sha2" ]; then
	tap_ok "an executable changed in place with its mtime restored is hashed again (the log names what ran)"
else
	tap_not_ok "an executable changed in place with its mtime restored is hashed again" \
		"logged: $logged" "want first $sha1, last $sha2"
fi

# kill-cgroup acts on the enrollment, not on a child cgroup the offender made.
"$NOJIT" enforce --cgroup "$HCG/resp" --on-violation kill-cgroup >/dev/null
run_in "$HCG/resp" sleep 60 &
SLEEPER=$!
sleep 0.3
run_in "$HCG/resp/child" "$ATTACKS/anon_rwx_private" >/dev/null 2>&1
for ((i = 0; i < 50; i++)); do
	kill -0 $SLEEPER 2>/dev/null || break
	sleep 0.2
done
if ! kill -0 $SLEEPER 2>/dev/null &&
   grep -q '"type":"response".*"action":"kill-cgroup".*"cgroup":"/nojit-hostile/resp".*"result":"ok"' "$H/audit.log"; then
	tap_ok "kill-cgroup on a violation in a child cgroup kills the whole enrolled cgroup"
else
	tap_not_ok "kill-cgroup on a violation in a child cgroup kills the whole enrolled cgroup" \
		"sleeper alive: $(kill -0 $SLEEPER 2>/dev/null && echo yes || echo no)" \
		"$(grep '"type":"response"' "$H/audit.log")"
	kill $SLEEPER 2>/dev/null
fi
wait $SLEEPER 2>/dev/null

kill -TERM $HPID
wait $HPID
tap_check "the log of the hostile workloads verifies" \
	"$NOJIT" audit verify --key "$H/key/nojit.pub" "$H/audit.log"
"$NOJIT" unload >/dev/null
rmdir "$HCG/resp/child" "$HCG/resp" "$HCG/drain" "$HCG/audit" "$HCG" 2>/dev/null
