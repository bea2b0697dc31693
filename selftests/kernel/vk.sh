# SPDX-License-Identifier: GPL-2.0
# nojit vk run with BPF LSM (issue: vkernel). Sourced by run; the host
# half is selftests/vk/run. Uses the megabinary of selftests/vk/prepare.

VK=$BUILD/vk-test
VK_APP=$VK/bin/app
VK_PUB=$VK/keys/nojit.pub
VK_SCRATCH=$(mktemp -d /tmp/nojit-vk.XXXXXX)
[ -x "$VK_APP" ] || die "no megabinary: run selftests/vk/prepare $BUILD first"

# While a guest runs: every layer is on, and the transient cgroup's
# manifest lists exactly one file, the megabinary.
mkfifo "$VK_SCRATCH/in"
"$NOJIT" vk run --trust "$VK_PUB" "$VK_APP" -- toolrunner <"$VK_SCRATCH/in" >"$VK_SCRATCH/out" 2>&1 &
runner=$!
exec 7>"$VK_SCRATCH/in"
echo "hello from-toolrunner" >&7
for _ in $(seq 100); do grep -q 'from-toolrunner' "$VK_SCRATCH/out" 2>/dev/null && break; sleep 0.1; done
entries=$("$NOJIT" --json status | python3 -c '
import json, sys
print(" ".join(str(e.get("manifest", {}).get("entries")) for e in json.load(sys.stdin)["enrolled"]
               if "/nojit-run/" in e["path"]))')
echo exit >&7
exec 7>&-
wait "$runner"
rc=$?
if [ $rc -eq 0 ] && [ "$entries" = 1 ] && grep -q 'layer bpf-lsm: active' "$VK_SCRATCH/out" &&
	grep -q 'layer seccomp: active' "$VK_SCRATCH/out"; then
	tap_ok "vk run: every layer on, the hash gate lists the megabinary alone"
else
	tap_not_ok "vk run: every layer on, the hash gate lists the megabinary alone" \
		"exit $rc, manifest entries: '$entries'" "$(cat "$VK_SCRATCH/out")"
fi

# The malicious agent under every layer: each attempt ends it (120) and
# lands, with its reason, in a signed log that verifies.
mkdir -p "$VK_SCRATCH/work" "$VK_SCRATCH/audit"
cp "$BUILD/vkernel/guests/hello.wasm" "$VK_SCRATCH/work/payload.wasm"
log=$VK_SCRATCH/audit/vk.log
for a in "write-elf-run $VK_SCRATCH/work" "write-script-run $VK_SCRATCH/work" spawn-unlisted \
	"wasm-from-disk $VK_SCRATCH/work/payload.wasm"; do
	# shellcheck disable=SC2086
	out=$("$NOJIT" vk run --trust "$VK_PUB" --dir "$VK_SCRATCH/work" --audit-log "$log" \
		--audit-key "$VK/keys/nojit.key" "$VK_APP" -- agent $a 2>&1)
	rc=$?
	[ $rc -eq 120 ] && tap_ok "vk run with BPF LSM: agent ${a%% *} stopped (120)" ||
		tap_not_ok "vk run with BPF LSM: agent ${a%% *} stopped (120)" "exit $rc" "$out"
done
out=$("$NOJIT" audit verify --key "$VK_PUB" "$log" 2>&1)
rc=$?
n=$(grep -c '"type":"vkernel"' "$log")
if [ $rc -eq 0 ] && [ "$n" -eq 4 ]; then
	tap_ok "vk run with BPF LSM: 4 vkernel records in a signed log that verifies"
else
	tap_not_ok "vk run with BPF LSM: 4 vkernel records in a signed log that verifies" "exit $rc, $n records" "$out"
fi

# A run's statement (issue 13), made once the hash gate admitted the
# megabinary and before the guest starts: it lists the megabinary's
# modules and the module started, by digests computed independently, and
# reports the gate active on the transient cgroup the guest then ran in.
"$NOJIT" keygen --attest --out "$VK_SCRATCH/attest" >/dev/null
mkdir -p "$VK_SCRATCH/att"
nonce=00112233445566778899aabbccddeeff
out=$("$NOJIT" vk run --trust "$VK_PUB" --dir "$VK_SCRATCH/att:/att" --attest-key "$VK_SCRATCH/attest/attest.key" \
	--nonce "$nonce" --attest-out "$VK_SCRATCH/att/st.json" "$VK_APP" -- sha256sum /att/st.json 2>&1)
rc=$?
seen=$(printf '%s\n' "$out" | awk '$2 == "/att/st.json" { print $1 }')
wasm_args=()
for g in hello wc sha256sum grep cpuhash toolrunner agent probe; do
	wasm_args+=(--wasm "$BUILD/vkernel/guests/$g.wasm")
done
stmt=$("$HERE/lib/dsse-nacl" check "$VK_SCRATCH/attest/attest.pub" "$nonce" "$VK_SCRATCH/att/st.json" 2>&1)
src=$?
chk=$(printf '%s' "$stmt" | "$HERE/vk/statement-check" --app "$VK_APP" --signer "$VK_PUB" \
	--attest-pub "$VK_SCRATCH/attest/attest.pub" "${wasm_args[@]}" --gate active -- sha256sum /att/st.json 2>&1)
crc=$?
vout=$("$NOJIT" attest verify --type vk-run --trust "$VK_SCRATCH/attest/attest.pub" --nonce "$nonce" "$VK_SCRATCH/att/st.json" 2>&1)
vrc=$?
cg=$(printf '%s' "$stmt" | python3 -c 'import json, sys; print(json.load(sys.stdin)["predicate"]["gate"]["hashGate"].get("cgroup", ""))' 2>&1)
if [ $rc -eq 0 ] && [ $src -eq 0 ] && [ $crc -eq 0 ] && [ $vrc -eq 0 ] && [ "$seen" = "$(sha256sum <"$VK_SCRATCH/att/st.json" | cut -d' ' -f1)" ] &&
	[[ $cg == */nojit-run/* ]] && grep -q 'layer bpf-lsm: active' <<<"$out" && [ ! -e "$cg" ]; then
	tap_ok "vk run --attest-key with BPF LSM: the statement verifies (nojit attest verify, PyNaCl), lists every module, the one started, the hash gate active"
else
	tap_not_ok "vk run --attest-key with BPF LSM: the statement lists every module, the one started, the hash gate active" \
		"exit $rc, cgroup '$cg'" "$out" "$chk" "attest verify: exit $vrc: $vout" "$stmt"
fi
# Fail closed with the gate in place: no statement, no guest, and the
# transient cgroup that was already enrolled is gone again.
before=$(ls "$CG/nojit-run" 2>/dev/null | wc -l)
out=$("$NOJIT" vk run --trust "$VK_PUB" --attest-key "$VK_SCRATCH/attest/attest.key" --nonce "$nonce" \
	--attest-out "$VK_SCRATCH/no/such/dir/st.json" "$VK_APP" -- hello x 2>&1)
rc=$?
after=$(ls "$CG/nojit-run" 2>/dev/null | wc -l)
if [ $rc -eq 1 ] && [[ $out == *"failed, hello not started"* && $out != *"hello from hello"* ]] &&
	[ "$before" = "$after" ]; then
	tap_ok "vk run --attest-key with BPF LSM: a statement it cannot write stops the run and removes its cgroup"
else
	tap_not_ok "vk run --attest-key with BPF LSM: a statement it cannot write stops the run and removes its cgroup" \
		"exit $rc, transient cgroups before $before after $after" "$out"
fi

cp "$VK_APP" "$VK_SCRATCH/app-modified"
printf 'x' >>"$VK_SCRATCH/app-modified"
out=$("$NOJIT" vk run --trust "$VK_PUB" "$VK_SCRATCH/app-modified" -- hello 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ $out != *"hello from hello"* ]] && tap_ok "vk run with BPF LSM: a modified megabinary is refused" ||
	tap_not_ok "vk run with BPF LSM: a modified megabinary is refused" "exit $rc" "$out"
rm -rf "$VK_SCRATCH"
