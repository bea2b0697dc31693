# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# An ext4 file system with fs-verity on a loop device, for the seal's VM
# test (selftests/kernel/verity.sh) and bench (selftests/bench/start).
# Source it, as root, on a kernel with CONFIG_FS_VERITY: in the VM, ext4
# and loop are the modules selftests/vm/fetch-kernel keeps beside it.

VERITY_LOOP=

# verity_fs_setup DIR: mounts the file system on DIR/mnt (DIR/fs.img
# backs it); prints what went wrong and fails otherwise.
verity_fs_setup() {
	local dir=$1 extra m
	if ! grep -qw ext4 /proc/filesystems; then
		extra=$(ls -d "${NOJIT_VM_CACHE:-/var/cache/nojit/vm}/$(uname -r)"_*/extra 2>/dev/null | tail -n 1)
		[ -s "$extra/load" ] ||
			{ echo "no ext4 here and no extra modules for $(uname -r) (selftests/vm/fetch-kernel)"; return 1; }
		while read -r m; do
			[ -d "/sys/module/$m" ] || insmod "$extra/$m.ko" || return 1
		done <"$extra/load"
	fi
	# 4 KiB blocks, as a real root file system has (mkfs makes a small
	# one with 1 KiB blocks). No checksums or journal: less to set up.
	truncate -s 64M "$dir/fs.img" &&
		mkfs.ext4 -q -b 4096 -O verity,^metadata_csum,^has_journal "$dir/fs.img" &&
		VERITY_LOOP=$(losetup -f --show "$dir/fs.img") &&
		mkdir "$dir/mnt" && mount -t ext4 "$VERITY_LOOP" "$dir/mnt"
}

# verity_fs_cleanup DIR
verity_fs_cleanup() {
	umount "$1/mnt" 2>/dev/null
	[ -n "$VERITY_LOOP" ] && losetup -d "$VERITY_LOOP"
	VERITY_LOOP=
}

# verity_ioctl enable|measure FILE: fs-verity enabled on FILE by the
# kernel's ioctl (SHA-256, 4 KiB blocks), or its digest printed as
# ALG:HEX: an attacker's own tools, independent of nojit's.
verity_ioctl() {
	python3 - "$@" <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[2], os.O_RDONLY)
if sys.argv[1] == "enable":
    # struct fsverity_enable_arg: version, algorithm, block size, salt
    # size, salt, signature size, reserved, signature, reserved[11].
    fcntl.ioctl(fd, 0x40806685, struct.pack("<IIIIQIIQ88x", 1, 1, 4096, 0, 0, 0, 0, 0))
else:
    buf = bytearray(struct.pack("<HH", 0, 64) + bytes(64))
    fcntl.ioctl(fd, 0xC0046686, buf)
    alg, n = struct.unpack("<HH", buf[:4])
    print({1: "sha256", 2: "sha512"}[alg] + ":" + buf[4:4 + n].hex())
PY
}
