# SPDX-License-Identifier: GPL-2.0
# The fs-verity seal of a megabinary (docs/vkernel.md, "Start-up"): a
# sealed megabinary skips hashing its image, and every way of borrowing a
# seal for other bytes falls back to the full check. Sourced by run (needs
# root and a kernel with CONFIG_FS_VERITY, not BPF LSM); uses the
# megabinaries of selftests/vk/prepare and the ext4 and loop modules that
# selftests/vm/fetch-kernel keeps beside the VM's kernel. About 13 s.

# shellcheck source=selftests/lib/verity-fs.sh
. "$HERE/lib/verity-fs.sh"

VY=$(mktemp -d /tmp/nojit-verity.XXXXXX)
VY_MNT=$VY/mnt
VY_KEY=$BUILD/vk-test/keys/nojit.key
VY_PUB=$BUILD/vk-test/keys/nojit.pub

# copy_seal FROM TO: the seal xattr, byte for byte.
copy_seal() {
	python3 -c 'import os, sys; os.setxattr(sys.argv[2], "user.nojit.vk-verity", os.getxattr(sys.argv[1], "user.nojit.vk-verity"))' "$1" "$2"
}

# jello FILE: the hello guest's greeting, one byte changed in the image
# (the wasm data segment is in .rodata as is): a run that prints "jello"
# ran modified bytes.
jello() {
	python3 - "$1" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"hello from")
b[i] = ord("j")
open(sys.argv[1], "wb").write(b)
PY
}

verity_setup() {
	verity_fs_setup "$VY" || return 1
	cp "$BUILD/vk-test/bin/app" "$BUILD/vk-test/bin/app-hello" "$VY_MNT/"
}

if ! [ -x "$BUILD/vk-test/bin/app-hello" ]; then
	tap_not_ok "verity: megabinaries" "run selftests/vk/prepare $BUILD first"
elif ! verity_setup >"$VY/setup.log" 2>&1; then
	tap_not_ok "verity: ext4 with fs-verity on a loop device" "$(cat "$VY/setup.log")"
else
	A=$VY_MNT/app
	out=$("$A" --self-check-info 2>&1)
	[[ $out == "self check: full image hash ("*"not sealed: fs-verity not enabled on the file)"* ]] &&
		tap_ok "verity: an unsealed megabinary on ext4 with fs-verity hashes its image" ||
		tap_not_ok "verity: an unsealed megabinary on ext4 with fs-verity hashes its image" "$out"

	# Sealed: the kernel's digest is the one signed, the fast path is
	# taken, the modules run.
	seal=$("$NOJIT" vk seal --key "$VY_KEY" "$A" 2>&1)
	rc=$?
	d=$(verity_ioctl measure "$A" 2>&1)
	info=$("$A" --self-check-info 2>&1)
	run=$("$A" hello 2>&1)
	if [ $rc -eq 0 ] && [[ $seal == *"sealed, fs-verity $d, signed by key"* ]] &&
		[[ $info == "self check: fs-verity seal ($d, sealed by key "* ]] && [ "$run" = "hello from hello" ]; then
		tap_ok "verity: vk seal; the sealed megabinary checks its seal, not its image hash, and runs"
	else
		tap_not_ok "verity: vk seal; the sealed megabinary checks its seal, not its image hash, and runs" \
			"exit $rc: $seal" "kernel: $d" "$info" "$run"
	fi

	# The bytes cannot change: the kernel refuses any open for writing
	# (EPERM). The same write to an unsealed copy works.
	cp "$BUILD/vk-test/bin/app" "$VY_MNT/plain"
	w1=$(printf x 2>&1 | dd of="$A" bs=1 seek=4096 conv=notrunc 2>&1)
	rc1=$?
	printf x | dd of="$VY_MNT/plain" bs=1 seek=4096 conv=notrunc 2>/dev/null
	rc2=$?
	if [ $rc1 -ne 0 ] && [[ $w1 == *"Operation not permitted"* ]] && [ $rc2 -eq 0 ] &&
		[ "$("$A" hello 2>&1)" = "hello from hello" ]; then
		tap_ok "verity: a sealed megabinary cannot be written (EPERM); an unsealed copy can"
	else
		tap_not_ok "verity: a sealed megabinary cannot be written (EPERM); an unsealed copy can" \
			"sealed: exit $rc1: $w1" "unsealed: exit $rc2"
	fi

	# Attack 1: a copy with one byte changed, fs-verity enabled, and the
	# seal copied: another verity digest, the seal does not verify for
	# it, the full check finds the image modified. (Skip the image hash
	# whenever a trusted seal is present and this prints "jello".)
	B=$VY_MNT/modified
	cp "$BUILD/vk-test/bin/app" "$B" && jello "$B" && verity_ioctl enable "$B" && copy_seal "$A" "$B"
	out=$("$B" hello 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"does not match the SHA-256 its trailer lists (modified)"* ]] &&
		[[ $out != *jello* ]] && [ "$(verity_ioctl measure "$B")" != "$d" ]; then
		tap_ok "verity: a modified copy with fs-verity and the seal copied over is refused (seal fails, image hash)"
	else
		tap_not_ok "verity: a modified copy with fs-verity and the seal copied over is refused (seal fails, image hash)" \
			"exit $rc" "$out"
	fi

	# Attack 2: the seal moved onto another valid megabinary with
	# fs-verity: not taken for it (its own bytes are still hashed).
	H=$VY_MNT/app-hello
	verity_ioctl enable "$H" && copy_seal "$A" "$H"
	out=$("$H" --self-check-info 2>&1)
	run=$("$H" hello 2>&1)
	[[ $out == "self check: full image hash ("*"not sealed: seal signature does not verify for this file)"* ]] &&
		[ "$run" = "hello from hello" ] &&
		tap_ok "verity: a seal moved onto another verity file is not taken for it (full check)" ||
		tap_not_ok "verity: a seal moved onto another verity file is not taken for it (full check)" "$out" "$run"

	# Attack 3: a seal by a key the megabinary does not carry (the
	# attacker's own, over a copy it made verity): full check.
	"$NOJIT" keygen --out "$VY/attacker" >/dev/null
	U=$VY_MNT/untrusted
	cp "$BUILD/vk-test/bin/app" "$U"
	useal=$("$NOJIT" vk seal --key "$VY/attacker/nojit.key" --trust "$VY_PUB" "$U" 2>&1)
	out=$("$U" --self-check-info 2>&1)
	[[ $useal == *"sealed, fs-verity"* ]] &&
		[[ $out == "self check: full image hash ("*"not sealed: seal by a key not compiled in)"* ]] &&
		tap_ok "verity: a seal by a key not compiled into the megabinary is not taken (full check)" ||
		tap_not_ok "verity: a seal by a key not compiled into the megabinary is not taken (full check)" \
			"$useal" "$out"

	# Attack 4: no fs-verity, the seal copied, one byte changed: the seal
	# is about a verity digest the file does not have; full check.
	N=$VY_MNT/noverity
	cp "$BUILD/vk-test/bin/app" "$N" && jello "$N" && copy_seal "$A" "$N"
	out=$("$N" hello 2>&1)
	rc=$?
	cp "$BUILD/vk-test/bin/app" "$N.ok" && copy_seal "$A" "$N.ok"
	info=$("$N.ok" --self-check-info 2>&1)
	if [ $rc -eq 1 ] && [[ $out == *"(modified)"* && $out != *jello* ]] &&
		[[ $info == "self check: full image hash ("*"not sealed: fs-verity not enabled on the file)"* ]]; then
		tap_ok "verity: the seal on a file without fs-verity is ignored (full check; modified: refused)"
	else
		tap_not_ok "verity: the seal on a file without fs-verity is ignored (full check; modified: refused)" \
			"exit $rc" "$out" "$info"
	fi

	# vk seal verifies before it seals: a modified file is neither sealed
	# nor made immutable.
	M=$VY_MNT/tosseal
	cp "$BUILD/vk-test/bin/app" "$M" && jello "$M"
	out=$("$NOJIT" vk seal --key "$VY_KEY" "$M" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"(modified)"* ]] && ! verity_ioctl measure "$M" >/dev/null 2>&1; then
		tap_ok "verity: vk seal refuses a modified megabinary and leaves it as it was"
	else
		tap_not_ok "verity: vk seal refuses a modified megabinary and leaves it as it was" "exit $rc" "$out"
	fi
fi
verity_fs_cleanup "$VY"
rm -rf "$VY"
