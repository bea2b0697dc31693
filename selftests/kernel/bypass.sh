# SPDX-License-Identifier: GPL-2.0
# The review's bypass classes (issue 11) where a routes file cannot say it
# all: the file-class attacks on tmpfs and on an overlay mount, entry
# points the build host lacks (uselib), a userfaultfd made before its
# cgroup was enrolled, exec through a stacked file with the writer in the
# same process and in a cooperating process outside the cgroup, and a
# writable descriptor sent in from outside. Sourced by run; needs the
# manifests of selftests/kernel/prepare.

T=$BUILD/kernel-test
BYP=$CG/nojit-test-bypass
BGATE=$CG/nojit-test-bypass-gate
FS=$(mktemp -d /run/nojit-fs.XXXXXX)

"$NOJIT" unload >/dev/null 2>&1
rmdir "$BYP" "$BGATE" 2>/dev/null
mkdir -p "$BYP" "$BGATE" "$OUT" || die "cannot create the bypass cgroups"
"$NOJIT" enforce --cgroup "$BYP" >/dev/null || die "enforce $BYP"
"$NOJIT" enforce --cgroup "$BGATE" --manifest "$T/system.json" --trust "$T/keys/nojit.pub" \
	>/dev/null || die "enforce $BGATE with a manifest"

# A tmpfs, and an overlay whose upper and lower layers are on tmpfs.
mkdir -p "$FS/tmpfs" "$FS/layers" "$FS/overlay"
mount -t tmpfs nojit-tmpfs "$FS/tmpfs" && mount -t tmpfs nojit-layers "$FS/layers" &&
	mkdir -p "$FS/layers/lower" "$FS/layers/upper" "$FS/layers/work" &&
	mount -t overlay nojit-overlay -o "lowerdir=$FS/layers/lower,upperdir=$FS/layers/upper,workdir=$FS/layers/work" \
		"$FS/overlay" || die "cannot mount the scratch tmpfs and overlay under $FS"
chmod 1777 "$FS/tmpfs" "$FS/overlay"

route_of() {
	awk -v n="$1" '$1 == n { print $2 }' "$HERE/attacks/routes.txt" "$HERE/attacks/routes-manifest.txt"
}

# --- file classes, on tmpfs and on overlayfs --------------------------------------
for fs in tmpfs overlay; do
	export TMPDIR=$FS/$fs
	for name in tmpfile_double_map overlay_shared_writer; do
		expect_allowed "$OUT" "on $fs, outside" "$name"
		expect_blocked "$BYP" "on $fs, inside" "$name" "$(route_of $name)"
	done
	for name in devshm_exec_mmap exec_modified_copy listed_file_rewrite listed_file_truncate \
		gate_race_writer foreign_fd_write; do
		expect_allowed "$OUT" "on $fs, outside" "$name"
		expect_blocked "$BGATE" "on $fs, under a manifest" "$name" "$(route_of $name)"
	done
	unset TMPDIR
done

# --- variants the routes files run in one form only ----------------------------------
expect_allowed "$OUT" "outside (SO_ATTACH_REUSEPORT_CBPF)" cbpf_socket_filter reuseport
expect_blocked "$BYP" "inside (SO_ATTACH_REUSEPORT_CBPF)" cbpf_socket_filter 9 reuseport
expect_allowed "$OUT" "outside (open with O_RDONLY|O_TRUNC)" listed_file_truncate otrunc
expect_blocked "$BGATE" "under a manifest (open with O_RDONLY|O_TRUNC)" listed_file_truncate 17 otrunc
for name in brk_clone_vm uring_pinned_write uffd_fill_exec fuse_swap_exec; do
	expect_blocked "$BGATE" "under a manifest" "$name" "$(route_of $name)"
done

# --- route 13: uselib(), which 6.12 has only in its 32-bit entry -----------------
expect_allowed "$OUT" "outside (uselib through int \$0x80)" uselib_exec_tail int80
expect_blocked "$BYP" "inside (uselib through int \$0x80)" uselib_exec_tail 13 int80
expect_blocked "$BGATE" "under a manifest (uselib through int \$0x80)" uselib_exec_tail 13 int80

# --- route 1: /dev/kvm runs guest code from ordinary memory ------------------------
# The VM has no KVM (no nested virtualisation), so the device node is made
# here: outside, the open reaches the misc driver (which finds no KVM, or
# KVM); inside, nojit refuses the open itself, counted.
kvm=$FS/tmpfs/kvm
mknod "$kvm" c 10 232 || die "mknod $kvm"
open_dev='import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDWR))
except OSError as e:
    sys.exit(1 if e.errno == 1 else 3)'
run_in "$OUT" python3 -c "$open_dev" "$kvm" 2>/dev/null; rc=$?
[ $rc -ne 1 ] && tap_ok "/dev/kvm (10:232) opens or reaches its driver outside" ||
	tap_not_ok "/dev/kvm (10:232) opens or reaches its driver outside" "EPERM outside"
before=$(denials)
run_in "$BYP" python3 -c "$open_dev" "$kvm" 2>/dev/null; rc=$?
after=$(denials)
[ $rc -eq 1 ] && [ "$after" -gt "$before" ] && tap_ok "/dev/kvm (10:232) may not be opened inside (EPERM, route 1)" ||
	tap_not_ok "/dev/kvm (10:232) may not be opened inside" "exit $rc, denials $before -> $after"

# --- route 14: a userfaultfd created before its cgroup was governed -------------
expect_allowed "$OUT" "(descriptor made first, then moved to a cgroup outside)" \
	uffd_fill_exec join "$OUT"
expect_blocked "$CG" "(descriptor made outside, used after joining an enrolled cgroup)" \
	uffd_fill_exec 14 join "$BYP"

# --- route 16: exec through an overlay file with a writer on the upper file ------
export TMPDIR=$FS/overlay
expect_allowed "$OUT" "outside (exec, writer in the same process)" overlay_shared_writer exec
expect_blocked "$BGATE" "under a manifest (exec, writer in the same process)" \
	overlay_shared_writer 16 exec
unset TMPDIR

# overlay_writer_outsider CGROUP: the writer is a process outside every
# enrolled cgroup that mapped the file shared and writable, then closed it.
# Prints the run's exit statuses: before the patch, after it.
overlay_writer_outsider() {
	local cg=$1 file=$FS/overlay/held-copy line r1 r2=-
	rm -f "$file"
	coproc HOLDER { run_in "$OUT" "$ATTACKS/overlay_shared_writer" hold "$file" 2>&1; }
	read -r -t 30 line <&"${HOLDER[0]}"
	[ "$line" = ready ] || { echo "holder: $line"; return 1; }
	run_in "$cg" "$ATTACKS/overlay_shared_writer" run "$file" >/dev/null 2>&1
	r1=$?
	if [ $r1 -eq 3 ]; then
		echo patch >&"${HOLDER[1]}"
		read -r -t 30 line <&"${HOLDER[0]}"
		run_in "$cg" "$ATTACKS/overlay_shared_writer" run "$file" >/dev/null 2>&1
		r2=$?
	fi
	exec {HOLDER[1]}>&-
	wait "$HOLDER_PID" 2>/dev/null
	echo "$r1 $r2"
}
r=$(overlay_writer_outsider "$OUT")
[ "$r" = "3 0" ] && tap_ok "overlay_shared_writer allowed outside (exec, writer in a process outside): the patched copy ran" ||
	tap_not_ok "overlay_shared_writer allowed outside (exec, writer in a process outside)" "statuses $r (want 3 0)"
before=$(denials)
r=$(overlay_writer_outsider "$BGATE")
after=$(denials)
[ "${r%% *}" = 1 ] && [ "$after" -gt "$before" ] &&
	tap_ok "overlay_shared_writer blocked under a manifest (exec, writer in a process outside, route 16)" ||
	tap_not_ok "overlay_shared_writer blocked under a manifest (exec, writer in a process outside)" \
		"statuses $r (want 1 -), denials $before -> $after"

# --- route 17: the writable descriptor comes from a process outside -------------
sock=$FS/tmpfs/fd.sock
rm -f "$sock"
run_in "$OUT" "$ATTACKS/foreign_fd_write" serve "$sock" >/dev/null 2>&1 &
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
expect_blocked "$BGATE" "under a manifest (descriptor opened by a process outside)" \
	foreign_fd_write 17 "$sock"
wait

# --- route 9: classic BPF -------------------------------------------------------------
# A seccomp filter is classic BPF too, and must stay allowed (runtimes
# install one inside the container's cgroup): systemd-mdwe installs one and
# execs true.
out=$(run_in "$BYP" "$BUILD/selftests/matrix/systemd-mdwe" /bin/true 2>&1); rc=$?
[ $rc -eq 0 ] && tap_ok "a governed task may still install a seccomp filter" ||
	tap_not_ok "a governed task may still install a seccomp filter" "exit $rc" "$out"
# The backstop alone: with the socket_setsockopt program detached (its
# link's pin removed: nothing else holds the link), the classic program
# reaches bpf_prepare_filter, and the task dies there.
pin=$(ls -d /sys/fs/bpf/nojit/link_*socket_setsockopt* 2>/dev/null)
if [ -n "$pin" ] && rm "$pin"; then
	before=$(denials)
	out=$(run_in "$BYP" "$ATTACKS/cbpf_socket_filter" 2>&1); rc=$?
	after=$(denials)
	[ $rc -eq 137 ] && [ "$after" -gt "$before" ] &&
		tap_ok "cbpf_socket_filter killed by the bpf_prepare_filter backstop alone (route 9)" ||
		tap_not_ok "cbpf_socket_filter killed by the bpf_prepare_filter backstop alone" \
			"exit $rc (want 137), denials $before -> $after" "$out"
else
	tap_not_ok "cbpf_socket_filter killed by the bpf_prepare_filter backstop alone" \
		"could not remove the pin of nojit_socket_setsockopt's link ('$pin')"
fi

"$NOJIT" release --cgroup "$BYP" >/dev/null
"$NOJIT" release --cgroup "$BGATE" >/dev/null
# The detached link: start the next suite from a fresh load.
"$NOJIT" unload >/dev/null
rmdir "$BYP" "$BGATE" 2>/dev/null
umount "$FS/overlay" "$FS/layers" "$FS/tmpfs" 2>/dev/null
rmdir "$FS/overlay" "$FS/layers" "$FS/tmpfs" "$FS" 2>/dev/null
