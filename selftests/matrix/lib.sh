# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with the includers
# Shared by selftests/matrix/{run,check-host,check-vm}: the configurations
# of the bypass matrix, running one attack under one of them, and reading
# the table of docs/bypass-matrix.md. Source it after setting matrix_root
# (the repository) and matrix_build (an absolute build directory).

# Host kernel columns, then the columns that need BPF LSM (the VM).
MATRIX_HOST_CONFIGS=(none mdwe systemd-mdwe nojit-host)
MATRIX_VM_CONFIGS=(nojit-bpf-lsm nojit-all)
# Per attack run. Generous for TCG; a stuck attack alarms itself at 10 s.
MATRIX_TIMEOUT=${MATRIX_TIMEOUT:-60}
# The layers of the nojit-host column: every host layer. Only to try the
# scripts against an older nojit (nnp,mdwe,seccomp,landlock).
MATRIX_HOST_LAYERS=${MATRIX_HOST_LAYERS:-host}

matrix_nojit=$matrix_build/nojit
matrix_bindir=$matrix_build/selftests/attacks
matrix_sysmdwe=$matrix_build/selftests/matrix/systemd-mdwe
# Keys and the signed manifest of selftests/matrix/prepare (made on the host).
matrix_prep=$matrix_build/matrix
matrix_manifest=$matrix_prep/manifest.json
matrix_trust=$matrix_prep/keys/nojit.pub

# The attacks: routes.txt, then routes-manifest.txt (the hash gate's).
matrix_names=()
declare -A matrix_route=() matrix_gated=()
matrix_read_routes() {
	local file name route _
	for file in routes.txt routes-manifest.txt; do
		while read -r name route _; do
			case $name in '' | '#'*) continue ;; esac
			matrix_names+=("$name")
			matrix_route[$name]=$route
			[[ $file == routes-manifest.txt ]] && matrix_gated[$name]=1
		done <"$matrix_root/selftests/attacks/$file"
	done
}

# Landlock exec paths for nojit-host and nojit-all: the system trees and
# the attack programs (as in selftests/host/run).
matrix_exec_args=()
for _p in /usr /bin /sbin /lib /lib32 /lib64 /libx32; do
	[[ -e $_p ]] && matrix_exec_args+=(-x "$_p")
done
matrix_exec_args+=(-x "$matrix_bindir")
unset _p

# matrix_missing CONFIG...: prints what the configurations need and lack.
matrix_missing() {
	local cfg f need=("$matrix_bindir/anon_rwx_private")
	for cfg in "$@"; do
		case $cfg in
		systemd-mdwe) need+=("$matrix_sysmdwe") ;;
		none) ;;
		*) need+=("$matrix_nojit") ;;
		esac
		case $cfg in nojit-bpf-lsm | nojit-all) need+=("$matrix_manifest.sig") ;; esac
	done
	for f in "${need[@]}"; do
		[[ -e $f ]] || echo "$f"
	done | sort -u
}

# matrix_command CONFIG NAME [ARGS...]: sets matrix_cmd to the command line
# that runs attack NAME under CONFIG.
matrix_command() {
	local cfg=$1 name=$2 gate=()
	shift 2
	local bin=("$matrix_bindir/$name" "$@")
	[[ -n ${matrix_gated[$name]:-} ]] &&
		gate=(--manifest "$matrix_manifest" --trust "$matrix_trust")
	case $cfg in
	none) matrix_cmd=("${bin[@]}") ;;
	mdwe) matrix_cmd=("$matrix_nojit" run --layers mdwe -- "${bin[@]}") ;;
	systemd-mdwe) matrix_cmd=("$matrix_sysmdwe" "${bin[@]}") ;;
	nojit-host) matrix_cmd=("$matrix_nojit" run --layers "$MATRIX_HOST_LAYERS" "${matrix_exec_args[@]}" -- "${bin[@]}") ;;
	nojit-bpf-lsm) matrix_cmd=("$matrix_nojit" run --layers bpf-lsm "${gate[@]}" -- "${bin[@]}") ;;
	nojit-all) matrix_cmd=("$matrix_nojit" run --layers all "${matrix_exec_args[@]}" "${gate[@]}" -- "${bin[@]}") ;;
	*) echo "matrix: unknown configuration $cfg" >&2; return 2 ;;
	esac
}

# matrix_denials: nojit's denials and kills so far (nojit --json status),
# summed in bash: python's start-up costs seconds under TCG.
matrix_denials() {
	local json pairs p sum re='"denials_by_route":\{([^}]*)\}.*"kills":([0-9]+)'
	json=$("$matrix_nojit" --json status 2>/dev/null)
	[[ $json =~ $re ]] || { echo -1; return; }
	IFS=, read -r -a pairs <<<"${BASH_REMATCH[1]}"
	sum=${BASH_REMATCH[2]}
	for p in "${pairs[@]}"; do	# "route":count
		sum=$((sum + ${p#*:}))
	done
	echo "$sum"
}

# matrix_verdict NAME CONFIG RC OUTFILE: sets matrix_cell (blocked,
# allowed or error) and matrix_how, from the attack protocol (attack.h):
#   0 with the attack's success line            allowed
#   1 with "attack NAME: STEP denied: ..."       blocked (EPERM, or an
#                                                EACCES the attack accepts,
#                                                or brk()'s ENOMEM)
#   2 with "unexpected errno 13" on the step     blocked (EACCES: MDWE and
#                                                Landlock answer so)
#   137 / 139 under BPF LSM                      blocked (nojit killed it, or
#                                                an exec it refused after the
#                                                point of no return), as in
#                                                selftests/kernel/lib.sh
# Anything else, or a status without its protocol line (nojit run itself
# exits 1 when a layer is unavailable), is an error: never a verdict.
# Under BPF LSM, matrix_moved says whether nojit's counters moved during
# the run (yes/no): a kill (137/139) must have moved them, and so must any
# refusal under nojit-bpf-lsm, where no other layer could have refused.
matrix_verdict() {
	local name=$1 cfg=$2 rc=$3 out=$4 line
	# The verdict is the attack's last line; warnings may come before it.
	line=$(grep -a "^attack $name: " "$out" | grep -av "^attack $name: warning: " | tail -n 1)
	matrix_cell=error
	matrix_how="exit $rc"
	case $rc in
	0)
		if [[ -n $line && $line != *" denied: "* && $line != "attack $name: error: "* ]]; then
			matrix_cell=allowed matrix_how=worked
		fi
		;;
	1)
		if [[ $line == *" denied: Operation not permitted" ]]; then
			matrix_cell=blocked matrix_how=EPERM
		elif [[ $line == *" denied: Permission denied" ]]; then
			matrix_cell=blocked matrix_how=EACCES
		elif [[ $line == *"brk"*" denied: Cannot allocate memory" ]]; then
			# brk() has no errno: it keeps the break, glibc says ENOMEM.
			matrix_cell=blocked matrix_how=ENOMEM
		fi
		;;
	2)
		if [[ $line == "attack $name: error: "*"unexpected errno 13: Permission denied" ]]; then
			matrix_cell=blocked matrix_how=EACCES
		fi
		;;
	137 | 139)
		case $cfg in nojit-bpf-lsm | nojit-all)
			matrix_cell=blocked
			[[ $rc == 137 ]] && matrix_how=SIGKILL || matrix_how="SIGSEGV at exec"
			;;
		esac
		;;
	esac
	case $cfg in nojit-bpf-lsm | nojit-all)
		[[ $matrix_cell == blocked ]] || return 0
		if [[ ${matrix_moved:-no} == yes ]]; then
			matrix_how+=", counted by nojit"
		elif [[ $cfg == nojit-bpf-lsm || $rc -gt 128 ]]; then
			matrix_cell=error
			matrix_how+=", but nojit's denial counters did not move"
		fi
		;;
	esac
}

# matrix_run_one CONFIG NAME SCRATCH [ARGS...]: runs the attack, sets
# matrix_cell, matrix_how and matrix_out (its output, stdout and stderr).
# Route 12 on the host: set matrix_cg_from to a cgroup to start in; ARGS
# name the target.
matrix_run_one() {
	local cfg=$1 name=$2 scratch=$3 rc
	shift 3
	matrix_command "$cfg" "$name" "$@" || return 2
	matrix_out=$scratch/out.$name.$cfg
	local before=
	case $cfg in nojit-bpf-lsm | nojit-all) before=$(matrix_denials) ;; esac
	if [[ $name == cgroup_escape_* && -n ${matrix_cg_from:-} ]]; then
		# shellcheck disable=SC2016 # expanded by the inner bash
		TMPDIR=$scratch/tmp timeout -k 5 "$MATRIX_TIMEOUT" bash -c \
			'echo 0 >"$1/cgroup.procs" && exec "${@:2}"' _ "$matrix_cg_from" \
			"${matrix_cmd[@]}" >"$matrix_out" 2>&1 </dev/null
	else
		TMPDIR=$scratch/tmp timeout -k 5 "$MATRIX_TIMEOUT" \
			"${matrix_cmd[@]}" >"$matrix_out" 2>&1 </dev/null
	fi
	rc=$?
	matrix_moved=
	if [[ -n $before ]]; then
		local after
		after=$(matrix_denials)
		[[ $before -ge 0 && $after -gt $before ]] && matrix_moved=yes || matrix_moved=no
	fi
	matrix_verdict "$name" "$cfg" "$rc" "$matrix_out"
}

# matrix_doc_read FILE: the table between <!-- matrix:begin --> and
# <!-- matrix:end --> into matrix_doc[NAME,CONFIG] (and matrix_doc_route,
# matrix_doc_cols). Returns 1 if there is no such table.
declare -A matrix_doc=() matrix_doc_route=()
matrix_doc_cols=()
matrix_doc_read() {
	local file=$1 line i n=0 cells
	matrix_doc=() matrix_doc_route=() matrix_doc_cols=()
	while IFS= read -r line; do
		[[ $line == '|'* ]] || continue
		IFS='|' read -r -a cells <<<"${line#|}"
		for i in "${!cells[@]}"; do
			cells[i]=${cells[i]//[[:space:]]/}
			cells[i]=${cells[i]//\*/}
		done
		n=$((n + 1))
		if [[ $n -eq 1 ]]; then
			matrix_doc_cols=("${cells[@]:2}")
			continue
		fi
		[[ ${cells[0]} == -* ]] && continue	# the |---| row
		matrix_doc_route[${cells[0]}]=${cells[1]}
		for i in "${!matrix_doc_cols[@]}"; do
			matrix_doc[${cells[0]},${matrix_doc_cols[i]}]=${cells[i + 2]:-}
		done
	done < <(sed -n '/<!-- matrix:begin -->/,/<!-- matrix:end -->/p' "$file")
	[[ $n -gt 1 ]]
}

# matrix_cgroup_setup: two scratch cgroups under the cgroup2 root for the
# route 12 attacks on the host: start in .../inside, escape to .../outside.
# Sets matrix_cg_top, or matrix_cg_skip to why not.
matrix_cg_top=
matrix_cg_skip=
matrix_cgroup_setup() {
	local mnt
	mnt=$(awk '$(NF-2) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	if [[ -z $mnt ]]; then
		matrix_cg_skip="no cgroup2 hierarchy mounted"
		return 1
	fi
	matrix_cg_top=$mnt/nojit-matrix.$$
	if ! mkdir "$matrix_cg_top" 2>/dev/null ||
		! mkdir "$matrix_cg_top/inside" "$matrix_cg_top/outside" 2>/dev/null; then
		matrix_cg_skip="cannot create cgroups under $mnt"
		rmdir "$matrix_cg_top" 2>/dev/null
		matrix_cg_top=
		return 1
	fi
}
matrix_cgroup_cleanup() {
	[[ -n $matrix_cg_top ]] || return 0
	local d
	for d in "$matrix_cg_top/inside" "$matrix_cg_top/outside" "$matrix_cg_top"; do
		# A just-reaped task can keep a cgroup busy for a moment.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$d" 2>/dev/null && break
			[[ -d $d ]] || break
			sleep 0.1
		done
	done
}

# matrix_host_run_one CONFIG NAME SCRATCH: matrix_run_one on the host,
# with the route 12 set-up. Without cgroups, route 12 is an error.
matrix_host_run_one() {
	local cfg=$1 name=$2 scratch=$3
	if [[ $name == cgroup_escape_* ]]; then
		if [[ -z $matrix_cg_top ]]; then
			matrix_cell=error matrix_how="route 12 needs cgroups: $matrix_cg_skip"
			matrix_out=/dev/null
			return
		fi
		matrix_cg_from=$matrix_cg_top/inside matrix_run_one "$cfg" "$name" "$scratch" \
			"$matrix_cg_top/outside"
	else
		matrix_run_one "$cfg" "$name" "$scratch"
	fi
}
