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
	python3 -c 'import os, sys; os.setxattr(sys.argv[2], "security.nojit.vk-verity", os.getxattr(sys.argv[1], "security.nojit.vk-verity"))' "$1" "$2"
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
	VY_APP=$VY_MNT/app
	out=$("$VY_APP" --self-check-info 2>&1)
	[[ $out == "self check: full image hash ("*"not sealed: fs-verity not enabled on the file)"* ]] &&
		tap_ok "verity: an unsealed megabinary on ext4 with fs-verity hashes its image" ||
		tap_not_ok "verity: an unsealed megabinary on ext4 with fs-verity hashes its image" "$out"

	# Sealed: the kernel's digest is the one signed, the fast path is
	# taken, the modules run.
	vy_seal=$("$NOJIT" vk seal --key "$VY_KEY" "$VY_APP" 2>&1)
	rc=$?
	vy_d=$(verity_ioctl measure "$VY_APP" 2>&1)
	vy_info=$("$VY_APP" --self-check-info 2>&1)
	vy_run=$("$VY_APP" hello 2>&1)
	if [ $rc -eq 0 ] && [[ $vy_seal == *"sealed, fs-verity $vy_d, signed by key"* ]] &&
		[[ $vy_info == "self check: fs-verity seal ($vy_d, sealed by key "* ]] && [ "$vy_run" = "hello from hello" ]; then
		tap_ok "verity: vk seal; the sealed megabinary checks its seal, not its image hash, and runs"
	else
		tap_not_ok "verity: vk seal; the sealed megabinary checks its seal, not its image hash, and runs" \
			"exit $rc: $vy_seal" "kernel: $vy_d" "$vy_info" "$vy_run"
	fi

	# The bytes cannot change: the kernel refuses any open for writing
	# (EPERM). The same write to an unsealed copy works.
	cp "$BUILD/vk-test/bin/app" "$VY_MNT/plain"
	vy_w1=$(printf x 2>&1 | dd of="$VY_APP" bs=1 seek=4096 conv=notrunc 2>&1)
	vy_rc1=$?
	printf x | dd of="$VY_MNT/plain" bs=1 seek=4096 conv=notrunc 2>/dev/null
	vy_rc2=$?
	if [ $vy_rc1 -ne 0 ] && [[ $vy_w1 == *"Operation not permitted"* ]] && [ $vy_rc2 -eq 0 ] &&
		[ "$("$VY_APP" hello 2>&1)" = "hello from hello" ]; then
		tap_ok "verity: a sealed megabinary cannot be written (EPERM); an unsealed copy can"
	else
		tap_not_ok "verity: a sealed megabinary cannot be written (EPERM); an unsealed copy can" \
			"sealed: exit $vy_rc1: $vy_w1" "unsealed: exit $vy_rc2"
	fi

	# Attack 1: a copy with one byte changed, fs-verity enabled, and the
	# seal copied: another verity digest, the seal does not verify for
	# it, the full check finds the image modified. (Skip the image hash
	# whenever a trusted seal is present and this prints "jello".)
	VY_MOD=$VY_MNT/modified
	cp "$BUILD/vk-test/bin/app" "$VY_MOD" && jello "$VY_MOD" && verity_ioctl enable "$VY_MOD" && copy_seal "$VY_APP" "$VY_MOD"
	out=$("$VY_MOD" hello 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"does not match the SHA-256 its trailer lists (modified)"* ]] &&
		[[ $out != *jello* ]] && [ "$(verity_ioctl measure "$VY_MOD")" != "$vy_d" ]; then
		tap_ok "verity: a modified copy with fs-verity and the seal copied over is refused (seal fails, image hash)"
	else
		tap_not_ok "verity: a modified copy with fs-verity and the seal copied over is refused (seal fails, image hash)" \
			"exit $rc" "$out"
	fi

	# Attack 2: the seal moved onto another valid megabinary with
	# fs-verity: not taken for it (its own bytes are still hashed).
	VY_HELLO=$VY_MNT/app-hello
	verity_ioctl enable "$VY_HELLO" && copy_seal "$VY_APP" "$VY_HELLO"
	out=$("$VY_HELLO" --self-check-info 2>&1)
	vy_run=$("$VY_HELLO" hello 2>&1)
	[[ $out == "self check: full image hash ("*"not sealed: seal signature does not verify for this file)"* ]] &&
		[ "$vy_run" = "hello from hello" ] &&
		tap_ok "verity: a seal moved onto another verity file is not taken for it (full check)" ||
		tap_not_ok "verity: a seal moved onto another verity file is not taken for it (full check)" "$out" "$vy_run"

	# Attack 3: a seal by a key the megabinary does not carry (the
	# attacker's own, over a copy it made verity): full check.
	"$NOJIT" keygen --out "$VY/attacker" >/dev/null
	VY_UNTR=$VY_MNT/untrusted
	cp "$BUILD/vk-test/bin/app" "$VY_UNTR"
	vy_useal=$("$NOJIT" vk seal --key "$VY/attacker/nojit.key" --trust "$VY_PUB" "$VY_UNTR" 2>&1)
	out=$("$VY_UNTR" --self-check-info 2>&1)
	[[ $vy_useal == *"sealed, fs-verity"* ]] &&
		[[ $out == "self check: full image hash ("*"not sealed: seal by a key not compiled in)"* ]] &&
		tap_ok "verity: a seal by a key not compiled into the megabinary is not taken (full check)" ||
		tap_not_ok "verity: a seal by a key not compiled into the megabinary is not taken (full check)" \
			"$vy_useal" "$out"

	# Attack 4: no fs-verity, the seal copied, one byte changed: the seal
	# is about a verity digest the file does not have; full check.
	VY_NOVER=$VY_MNT/noverity
	cp "$BUILD/vk-test/bin/app" "$VY_NOVER" && jello "$VY_NOVER" && copy_seal "$VY_APP" "$VY_NOVER"
	out=$("$VY_NOVER" hello 2>&1)
	rc=$?
	cp "$BUILD/vk-test/bin/app" "$VY_NOVER.ok" && copy_seal "$VY_APP" "$VY_NOVER.ok"
	vy_info=$("$VY_NOVER.ok" --self-check-info 2>&1)
	if [ $rc -eq 1 ] && [[ $out == *"(modified)"* && $out != *jello* ]] &&
		[[ $vy_info == "self check: full image hash ("*"not sealed: fs-verity not enabled on the file)"* ]]; then
		tap_ok "verity: the seal on a file without fs-verity is ignored (full check; modified: refused)"
	else
		tap_not_ok "verity: the seal on a file without fs-verity is ignored (full check; modified: refused)" \
			"exit $rc" "$out" "$vy_info"
	fi

	# Attack 5: a user's own copy of the sealed bytes (same verity
	# digest), verity enabled by the user, who could have pinned a page of
	# it before (docs/vkernel.md): the user cannot put the seal on it, a
	# security.* xattr needs CAP_SYS_ADMIN; and when root takes the file
	# over (chown, chmod), it still has no seal: full check.
	VY_USER=$VY_MNT/user
	mkdir -p "$VY_USER" && chmod 1777 "$VY_USER" && chmod 755 "$VY" "$VY_MNT"
	cp "$BUILD/vk-test/bin/app" "$VY_USER/copy" && chown 65534:65534 "$VY_USER/copy"
	vy_seal_b64=$(python3 -c 'import base64, os, sys; print(base64.b64encode(os.getxattr(sys.argv[1], "security.nojit.vk-verity")).decode())' "$VY_APP")
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups bash -c '
		. "$1/lib/verity-fs.sh" && verity_ioctl enable "$2" && verity_ioctl measure "$2" &&
		python3 -c "import base64, os, sys; os.setxattr(sys.argv[1], \"security.nojit.vk-verity\", base64.b64decode(sys.argv[2]))" "$2" "$3"' \
		bash "$HERE" "$VY_USER/copy" "$vy_seal_b64" 2>&1)
	rc=$?
	chown root:root "$VY_USER/copy" && chmod 755 "$VY_USER/copy"
	vy_info=$("$VY_USER/copy" --self-check-info 2>&1)
	if [ $rc -ne 0 ] && [[ $out == "$vy_d"*"Operation not permitted"* ]] &&
		[[ $vy_info == "self check: full image hash ("*"not sealed: no seal)"* ]]; then
		tap_ok "verity: a user cannot seal a verity copy of the sealed bytes (security xattr: EPERM); taken over by root, it has no seal"
	else
		tap_not_ok "verity: a user cannot seal a verity copy of the sealed bytes (security xattr: EPERM); taken over by root, it has no seal" \
			"exit $rc" "$out" "$vy_info"
	fi

	# vk seal verifies before it seals: a modified file is neither sealed
	# nor made immutable.
	VY_TOSEAL=$VY_MNT/tosseal
	cp "$BUILD/vk-test/bin/app" "$VY_TOSEAL" && jello "$VY_TOSEAL"
	out=$("$NOJIT" vk seal --key "$VY_KEY" "$VY_TOSEAL" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"(modified)"* ]] && ! verity_ioctl measure "$VY_TOSEAL" >/dev/null 2>&1; then
		tap_ok "verity: vk seal refuses a modified megabinary and leaves it as it was"
	else
		tap_not_ok "verity: vk seal refuses a modified megabinary and leaves it as it was" "exit $rc" "$out"
	fi

	# Sealing without the key on the node: the seal is made where the
	# key is (-o: the digest computed there, no fs-verity needed) and
	# stored with --seal --trust, which checks that it fits before making
	# the file immutable, and that the kernel's digest is the one sealed.
	VY_OFF=$VY_MNT/offline
	cp "$BUILD/vk-test/bin/app" "$VY_OFF"
	vy_mk=$("$NOJIT" vk seal --key "$VY_KEY" -o "$VY/app.seal" "$BUILD/vk-test/bin/app" 2>&1)
	vy_put=$("$NOJIT" vk seal --seal "$VY/app.seal" --trust "$VY_PUB" "$VY_OFF" 2>&1)
	rc=$?
	vy_info=$("$VY_OFF" --self-check-info 2>&1)
	if [ $rc -eq 0 ] && [[ $vy_mk == *"seal written to $VY/app.seal, fs-verity $vy_d,"* ]] &&
		[ "$(verity_ioctl measure "$VY_OFF")" = "$vy_d" ] &&
		[[ $vy_info == "self check: fs-verity seal ($vy_d, sealed by key "* ]]; then
		tap_ok "verity: a seal made without fs-verity (-o, digest computed as the kernel does) stored with --seal is taken"
	else
		tap_not_ok "verity: a seal made without fs-verity (-o, digest computed as the kernel does) stored with --seal is taken" \
			"kernel: $vy_d" "$vy_mk" "exit $rc: $vy_put" "$vy_info"
	fi
	VY_OTHER=$VY_MNT/other
	cp "$BUILD/vk-test/bin/app-hello" "$VY_OTHER"
	out=$("$NOJIT" vk seal --seal "$VY/app.seal" --trust "$VY_PUB" "$VY_OTHER" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"the seal is not for"* ]] &&
		! verity_ioctl measure "$VY_OTHER" >/dev/null 2>&1; then
		tap_ok "verity: vk seal --seal refuses another file's seal and leaves the file as it was"
	else
		tap_not_ok "verity: vk seal --seal refuses another file's seal and leaves the file as it was" "exit $rc" "$out"
	fi
fi
verity_fs_cleanup "$VY"
rm -rf "$VY"
