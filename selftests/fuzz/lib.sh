# SPDX-License-Identifier: GPL-2.0
# Set-up shared by selftests/kernel/fuzz.sh (make check) and
# selftests/fuzz/run (make fuzz-kernel): the enrolled cgroup with a signed
# manifest, and the three kinds of file system the sequences write on.
# Needs BUILD, NOJIT, CG and die() from the caller.

FZ=$BUILD/selftests/fuzz/nojit-fuzz
FCG=$CG/nojit-test-fuzz
FCG_AUDIT=$CG/nojit-test-fuzz-audit
FW=
FUZZ_DIRS=()

# fuzz_setup: mounts, manifest, enrollment; FUZZ_DIRS holds the --dir options.
fuzz_setup() {
	[ -x "$FZ" ] || die "$FZ not built (make fuzz-bins)"
	# Under /tmp: on the VM's root, an overlay of tmpfs on the host's 9p.
	FW=$(mktemp -d /tmp/nojit-fuzz.XXXXXX) || die "mktemp for the fuzzer"
	mkdir -p "$FW/tmpfs" "$FW/layers" "$FW/ovl" "$FW/root" || die "mkdir in $FW"
	mount -t tmpfs -o mode=0755 tmpfs "$FW/tmpfs" || die "mount tmpfs on $FW/tmpfs"
	# An overlay of our own whose layers the sequences may also write
	# directly (lower and upper are --dir too): route 16's stacked inodes.
	mount -t tmpfs -o mode=0755 tmpfs "$FW/layers" || die "mount tmpfs on $FW/layers"
	mkdir -p "$FW/layers/lower" "$FW/layers/upper" "$FW/layers/work"
	cp "$FZ" "$FW/layers/lower/f0" && cp "$FZ" "$FW/layers/lower/f1" ||
		die "populating the overlay's lower layer"
	mount -t overlay overlay -o "lowerdir=$FW/layers/lower,upperdir=$FW/layers/upper,workdir=$FW/layers/work" \
		"$FW/ovl" || die "mount overlay on $FW/ovl"
	# BUILD/selftests/fuzz/rootdir holds files made on the host: in the VM
	# they sit on the read-only 9p layer below the root overlay.
	# Writing the layers below a mounted overlay leaves it with stale
	# dentries: --overlay has the fuzzer mount it afresh for every sequence.
	FUZZ_DIRS=(--dir "$FW/tmpfs" --dir "$FW/ovl" --dir "$FW/layers/lower"
		--dir "$FW/layers/upper" --dir "$FW/root" --dir "$BUILD/selftests/fuzz/rootdir"
		--overlay "$FW/ovl:$FW/layers/lower:$FW/layers/upper:$FW/layers/work")

	# The manifest lists the fuzzer and its libraries (and so every copy
	# of the fuzzer a sequence writes): route 4 and the hash gate are in
	# force, as in a real deployment. Made here: a few MB to hash.
	"$NOJIT" keygen --out "$FW/keys" >/dev/null || die "keygen for the fuzzer"
	"$NOJIT" manifest build --closure --name fuzz --serial 1 --valid-for 1 \
		-o "$FW/fuzz.json" "$FZ" >"$FW/manifest.log" 2>&1 ||
		die "manifest build for the fuzzer: $(cat "$FW/manifest.log")"
	"$NOJIT" manifest sign --key "$FW/keys/nojit.key" "$FW/fuzz.json" >/dev/null ||
		die "manifest sign for the fuzzer"
	rmdir "$FCG" "$FCG_AUDIT" 2>/dev/null
	mkdir -p "$FCG" "$FCG_AUDIT" || die "mkdir $FCG $FCG_AUDIT"
	"$NOJIT" enforce --cgroup "$FCG" --manifest "$FW/fuzz.json" \
		--trust "$FW/keys/nojit.pub" >/dev/null || die "enforce $FCG for the fuzzer"
	# The same enrollment in audit mode: violations reported, let through.
	"$NOJIT" enforce --cgroup "$FCG_AUDIT" --manifest "$FW/fuzz.json" \
		--trust "$FW/keys/nojit.pub" --mode audit >/dev/null ||
		die "enforce --mode audit $FCG_AUDIT for the fuzzer"
}

fuzz_teardown() {
	"$NOJIT" release --cgroup "$FCG" >/dev/null 2>&1
	"$NOJIT" release --cgroup "$FCG_AUDIT" >/dev/null 2>&1
	rmdir "$FCG" "$FCG_AUDIT" 2>/dev/null
	umount "$FW/ovl" "$FW/layers" "$FW/tmpfs" 2>/dev/null
	rm -rf "$FW"
}

# fuzz_summary OUTPUT KEY: a figure of the fuzzer's "# summary:" line.
fuzz_summary() {
	printf '%s\n' "$1" | sed -n "s/^# summary:.* $2=\([0-9.]*\).*/\1/p" | tail -n 1
}

# fuzz_calibrate SEED COUNT LEN: the same sequences outside any enrolled
# cgroup must give findings whose payload runs, or the fuzzer could not
# find a bypass inside either (seed and length as an inside run: the
# first COUNT sequences are the same ones).
fuzz_calibrate() {
	local seed=$1 count=$2 len=$3 where=${4:-outside enrolled cgroups} out n p s
	local cgroup=()
	[ $# -ge 5 ] && cgroup=(--cgroup "$5")
	out=$("$FZ" --seed "$seed" --count "$count" --len "$len" --no-minimize "${cgroup[@]}" \
		--nojit "$NOJIT" "${FUZZ_DIRS[@]}" --label calibration 2>&1)
	n=$(fuzz_summary "$out" sequences)
	p=$(fuzz_summary "$out" payload_findings)
	s=$(fuzz_summary "$out" seconds)
	if [ -n "$p" ] && [ "$p" -gt 0 ]; then
		tap_ok "fuzz calibration: seed $seed's first $n sequences (--len $len) $where: $(fuzz_summary "$out" findings) findings, $p ran the payload ($s s)"
	else
		tap_not_ok "fuzz calibration: seed $seed's first ${n:-?} sequences $where find no payload that runs" \
			"$(printf '%s\n' "$out" | tail -n 20)"
	fi
}

# fuzz_calibrate_audit SEED COUNT LEN: the same inside the enrolled cgroup
# in audit mode, which lets violations through: the oracles find them
# there too, through the very path (cgroup, manifest, scan with the
# pinned maps) the enforcing runs take.
fuzz_calibrate_audit() {
	fuzz_calibrate "$1" "$2" "$3" "in $FCG_AUDIT (audit mode)" "$FCG_AUDIT"
}

# fuzz_inside LABEL FUZZER-ARGS...: sequences in the enrolled cgroup; ok
# if none gave a finding, else not ok with every minimized case.
fuzz_inside() {
	local label=$1 out rc n f seed before after
	shift
	before=$(denials)
	out=$("$FZ" --cgroup "$FCG" --nojit "$NOJIT" "${FUZZ_DIRS[@]}" --label "$label" "$@" 2>&1)
	rc=$?
	after=$(denials)
	n=$(fuzz_summary "$out" sequences)
	f=$(fuzz_summary "$out" findings)
	seed=$(printf '%s\n' "$out" | sed -n 's/^# nojit-fuzz: seed \([0-9]*\).*/\1/p')
	printf '%s\n' "$out" | grep -E "^# $label: "
	echo "# $label: of which $(fuzz_summary "$out" scan_seconds) s in nojit scan"
	echo "# $label: nojit denied $((after - before)) operations meanwhile"
	if [ "$rc" -eq 2 ]; then
		tap_not_ok "$label: seed $seed: the fuzzer failed after $n sequences (no verdict)" \
			"$(printf '%s\n' "$out" | grep -E '^# error|nojit-fuzz:' | head -n 20)"
	elif [ "$rc" -eq 0 ] && [ "${f:-x}" = 0 ] && [ "$after" -gt "$before" ]; then
		tap_ok "$label: seed $seed, $n sequences run inside $FCG, 0 findings"
	elif [ "$rc" -eq 0 ] && [ "${f:-x}" = 0 ]; then
		tap_not_ok "$label: seed $seed, $n sequences run, but nojit denied nothing: were they inside $FCG?"
	else
		tap_not_ok "$label: seed $seed, ${n:-?} sequences run inside $FCG, ${f:-?} findings (exit $rc)" \
			"$(printf '%s\n' "$out" | grep -E -A3 '^# FINDING \(minimized\)|^# sequence |nojit-fuzz:' | grep -v '^--$' | head -n 60)"
	fi
}
