# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Part 40, sourced by selftests/deploy/run: the Kubernetes agent image
# (make image) runs under runc with exactly the DaemonSet's privileges,
# mounts and environment -- the OCI configs are derived from
# deploy/kubernetes/daemonset.yaml by selftests/deploy/k8s-oci-config, so
# the two cannot drift -- and from there governs a sibling runc container.
# This VM's root plays the node: the init container writes the real
# /opt/nojit, /etc/nojit, /etc/containers/oci/hooks.d and the agent the
# real /var/log/nojit, so the part runs only in the VM (or with
# NOJIT_K8S_ON_HOST=1 on a throwaway host).

K8S_ROOT=$(cd "$HERE/.." && pwd)
K8S_DIR=$K8S_ROOT/deploy/kubernetes
K8S_DS=$K8S_DIR/daemonset.yaml
K8S_GEN=$HERE/deploy/k8s-oci-config
K8S_W=$WORK/k8s
K8S_NETNS=nojit-k8s-pod
K8S_POD_IP=10.88.0.2
K8S_PODS=$CG/nojit-k8s-pods
K8S_AGENT=nojit-k8s-agent

k8s_cfg() {	# k8s_cfg CONTAINER OUT [k8s-oci-config options...]
	local ctr=$1 out=$2
	shift 2
	"$K8S_GEN" --daemonset "$K8S_DS" --container "$ctr" --rootfs "$K8S_W/rootfs" \
		--volume policy="$K8S_W/cm/nojit-policy" --volume trust="$K8S_W/cm/nojit-trust" \
		--volume manifests="$K8S_W/cm/nojit-manifests" --volume audit-key="$K8S_W/secret" \
		--env POD_IP=$K8S_POD_IP --netns /run/netns/$K8S_NETNS \
		--ignore-seccomp-default --create-host-dirs "$@" > "$out"
}

# A ConfigMap volume as the kubelet lays it out: the files in a
# timestamped directory, "..data" pointing at it, one symlink per key.
k8s_configmap() {	# k8s_configmap DIR FILE...
	local dir=$1 f
	shift
	mkdir -p "$dir/..2026_01_01_00_00_00.000000001"
	ln -s ..2026_01_01_00_00_00.000000001 "$dir/..data"
	for f in "$@"; do
		cp "$K8S_DIR/$f" "$dir/..data/$(basename "$f")"
		ln -s "..data/$(basename "$f")" "$dir/$(basename "$f")"
	done
}

# The files each configMapGenerator of the kustomization names.
k8s_generator_files() {	# k8s_generator_files NAME
	python3 - "$K8S_DIR/kustomization.yaml" "$1" <<'EOF'
import sys, yaml
k = yaml.safe_load(open(sys.argv[1]))
for g in k.get("configMapGenerator", []):
    if g["name"] == sys.argv[2]:
        for f in g.get("files", []):
            print(f.split("=", 1)[-1])
EOF
}

# Run one container of the DaemonSet in the foreground: its exit status.
k8s_run() {	# k8s_run ID CONFIG LOG
	local id=$1 bundle=$K8S_W/bundle-$1
	mkdir -p "$bundle"
	cp "$2" "$bundle/config.json"
	runc run --bundle "$bundle" "$id" </dev/null >"$3" 2>&1
}

k8s_new_cgroup() {	# a pod cgroup's path below the cgroup2 mount, made fresh
	mkdir -p "$K8S_PODS/$1"
	echo "/nojit-k8s-pods/$1"
}

# A sibling workload: busybox-sized rootfs, the host's /usr read-only for
# the attack's libc, annotations as CRI-O sets them, and the
# createRuntime hook exactly as the installed hooks.d JSON says (runc
# does not read hooks.d; CRI-O and Podman do, and add it like this).
#
# Until 'nojit oci-hook' exists, a governed sibling's createRuntime hook
# runs a one-shot container with the agent's exact privileges that
# enrolls the sibling's cgroup with 'nojit enforce': the same moment the
# real hook acts. (Enrolling a parent cgroup before the container starts
# does not work with runc 1.1: its init re-executes itself from a memfd
# (CVE-2019-5736 protection) after joining the cgroup, a fileless exec
# nojit refuses, and the container never starts.)
k8s_sibling() {	# k8s_sibling ID NAMESPACE CGROUP ATTACK [governed]: runc's exit status
	local id=$1 ns=$2 cgp=$3 attack=$4 b=$K8S_W/sib-$1 enroll=""
	if [ "${5:-}" = governed ] && [ "$K8S_HOOK_MODE" = enforce ]; then
		enroll=$K8S_W/bundle-enroll-$id
		mkdir -p "$enroll"
		k8s_cfg agent "$enroll/config.json" --cgroups-path "$(k8s_new_cgroup "enroll-$id")" \
			--args /usr/bin/nojit enforce --cgroup "/sys/fs/cgroup$cgp" || return 2
	fi
	mkdir -p "$b/rootfs"/{usr,attacks,proc,dev,sys,tmp}
	for l in bin lib lib64 sbin; do ln -sfn "usr/$l" "$b/rootfs/$l"; done
	python3 - "$b" "$ns" "$cgp" "$attack" "$ATTACKS" "$K8S_HOOK_MODE" "$enroll" <<'EOF' > "$b/config.json"
import json, sys
b, ns, cgp, attack, attacks, hook_mode, enroll = sys.argv[1:]
hooks = {}
if enroll:
    hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c",
        f"runc run --bundle {enroll} nojit-k8s-enroll-$$ </dev/null >{enroll}/log 2>&1; "
        f"rc=$?; runc delete -f nojit-k8s-enroll-$$ >/dev/null 2>&1; exit $rc"]}]}
elif hook_mode == "hook":
    h = json.load(open("/etc/containers/oci/hooks.d/nojit.json"))
    assert "createRuntime" in h["stages"] and h["when"].get("always"), h
    hooks = {"createRuntime": [{"path": h["hook"]["path"], "args": h["hook"]["args"]}]}
caps = ["CAP_" + c for c in ("CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID "
                              "SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE").split()]
print(json.dumps({
    "ociVersion": "1.0.2",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                "args": ["/attacks/" + attack], "env": ["PATH=/usr/bin:/bin"], "cwd": "/",
                "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
                "noNewPrivileges": False},
    "root": {"path": b + "/rootfs", "readonly": True},
    "hostname": "victim",
    "annotations": {"io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.name": "victim-" + ns,
                    "io.kubernetes.container.name": "attack",
                    "io.kubernetes.cri-o.ContainerType": "container"},
    "hooks": hooks,
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
        {"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]},
        {"destination": "/attacks", "type": "bind", "source": attacks, "options": ["rbind", "ro"]},
    ],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "mount", "ipc", "uts", "network", "cgroup")],
              "cgroupsPath": cgp,
              "maskedPaths": ["/proc/kcore", "/proc/keys"], "readonlyPaths": ["/proc/sys"]},
}, indent=1))
EOF
	runc run --bundle "$b" "nojit-k8s-$id" </dev/null >"$b/out" 2>&1
}

# The newest event record of COMM in the host's audit log (or nothing).
k8s_event() {	# k8s_event COMM
	python3 - "$1" <<'EOF'
import json, sys
last = None
try:
    for line in open("/var/log/nojit/audit.log"):
        r = json.loads(line)
        if r.get("type") == "event" and r.get("comm", "").startswith(sys.argv[1][:15]):
            last = r
except OSError:
    pass
if last:
    print(json.dumps(last))
EOF
}

k8s_wait_event() {	# k8s_wait_event COMM: the record, within 15 s
	local i ev
	for i in $(seq 150); do
		ev=$(k8s_event "$1")
		[ -n "$ev" ] && { echo "$ev"; return 0; }
		sleep 0.1
	done
	return 1
}

k8s_field() {	# k8s_field JSON FIELD
	[ -n "$1" ] || return 0
	python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

k8s_cleanup() {
	local id
	for id in $(runc list -q 2>/dev/null | grep '^nojit-k8s'); do
		runc kill "$id" KILL >/dev/null 2>&1
		sleep 0.2
		runc delete -f "$id" >/dev/null 2>&1
	done
	ip netns del $K8S_NETNS 2>/dev/null
	find "$K8S_PODS" -depth -type d -exec rmdir {} + 2>/dev/null
}

k8s_part() {
	local rc out ev cfg caps cap
	if [ "${NOJIT_IN_VM:-}" != 1 ] && [ "${NOJIT_K8S_ON_HOST:-}" != 1 ]; then
		tap_skip "kubernetes agent under runc" \
			"writes /opt/nojit, /etc/nojit, /etc/containers on the host: VM only (NOJIT_K8S_ON_HOST=1 to force)"
		return
	fi
	if ! command -v runc >/dev/null || ! python3 -c 'import yaml' 2>/dev/null; then
		tap_not_ok "kubernetes agent under runc" "runc and python3-yaml are needed (make deps)"
		return
	fi
	mkdir -p "$K8S_W"

	# 1. The image as the archive holds it (digests checked).
	tap_check "agent image: OCI archive verifies and unpacks" \
		"$K8S_ROOT/deploy/image/oci-image" unpack "$BUILD/image/nojit-agent.oci.tar" "$K8S_W/rootfs"
	[ -x "$K8S_W/rootfs/usr/bin/nojit" ] || { tap_not_ok "agent image has /usr/bin/nojit"; return; }

	# The pod's volumes: the kustomization's ConfigMaps, the Secret.
	local g
	for g in nojit-policy nojit-trust nojit-manifests; do
		mapfile -t files < <(k8s_generator_files $g)
		k8s_configmap "$K8S_W/cm/$g" "${files[@]}"
	done
	"$NOJIT" keygen --out "$K8S_W/keygen" >/dev/null || { tap_not_ok "keygen"; return; }
	mkdir -p "$K8S_W/secret"
	install -m 0400 "$K8S_W/keygen/nojit.key" "$K8S_W/secret/audit.key"

	# The pod's network namespace, as a CNI plugin leaves it: the pod IP
	# on an interface of its own (lo here: the VM has no veth module).
	ip netns add $K8S_NETNS && ip -n $K8S_NETNS link set lo up &&
		ip -n $K8S_NETNS addr add $K8S_POD_IP/32 dev lo ||
		{ tap_not_ok "pod network namespace"; return; }
	mkdir -p "$K8S_PODS"
	# Kubelet requires the bpffs hostPath to be a mount the host shares
	# (systemd makes / shared); the VM's init leaves mounts private.
	mount --make-shared /sys/fs/bpf

	# 2. The init container: no capability at all.
	k8s_cfg install-hook "$K8S_W/init.json" --cgroups-path "$(k8s_new_cgroup pod-init)" ||
		{ tap_not_ok "derive the init container's config"; return; }
	caps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["process"]["capabilities"]["effective"]))' "$K8S_W/init.json")
	if k8s_run nojit-k8s-init "$K8S_W/init.json" "$K8S_W/init.log" && [ "$caps" = 0 ]; then
		tap_ok "init container ($caps capabilities) ran 'nojit node install'"
	else
		tap_not_ok "init container ($caps capabilities) ran 'nojit node install'" "$(cat "$K8S_W/init.log")"
		return
	fi
	runc delete -f nojit-k8s-init >/dev/null 2>&1
	out=""
	cmp -s "$K8S_W/rootfs/usr/bin/nojit" /opt/nojit/bin/nojit || out+="/opt/nojit/bin/nojit differs from the image's; "
	cmp -s "$K8S_W/rootfs/usr/share/nojit/oci-hooks.d/nojit.json" /etc/containers/oci/hooks.d/nojit.json ||
		out+="hooks.d JSON not installed; "
	[ -L /etc/nojit/policy.d ] && cmp -s "$K8S_DIR/policy.d/workloads.json" /etc/nojit/policy.d/workloads.json ||
		out+="policy.d not published; "
	[ -d /etc/nojit/keys ] || out+="no /etc/nojit/keys mount point; "
	if [ -z "$out" ]; then
		tap_ok "the host got the hook binary, hooks.d JSON, policy.d (symlink swap) and the key mount point"
	else
		tap_not_ok "the host got the hook binary, hooks.d JSON, policy.d and the key mount point" "$out"
	fi
	tap_check "init container again: nothing changes" \
		sh -c "k=\$(runc run --bundle '$K8S_W/bundle-nojit-k8s-init' nojit-k8s-init2 </dev/null 2>&1); \
			echo \"\$k\"; ! echo \"\$k\" | grep -q '^installed'"
	runc delete -f nojit-k8s-init2 >/dev/null 2>&1

	# What the merged daemon and hook support; until then the agent
	# enrolls with 'nojit enforce' under the same privileges.
	local nj=$K8S_W/rootfs/usr/bin/nojit daemon_drop=()
	K8S_HOOK_MODE=enforce
	/opt/nojit/bin/nojit oci-hook --help >/dev/null 2>&1 && K8S_HOOK_MODE=hook
	"$nj" daemon --help 2>&1 | grep -q -- --policy-dir || daemon_drop+=(--policy-dir)
	"$nj" daemon --help 2>&1 | grep -q -- --listen || daemon_drop+=(--listen)

	# 3. Each capability the DaemonSet grants the agent is needed: without
	# it the agent cannot do its job (load and attach here; name what it
	# logs in 8 below). The list comes from the YAML.
	local workloads agent_caps
	workloads=$(k8s_new_cgroup workloads)
	mapfile -t agent_caps < <(python3 - "$K8S_DS" <<'EOF'
import sys, yaml
ds = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "DaemonSet")
for c in ds["spec"]["template"]["spec"]["containers"]:
    if c["name"] == "agent":
        for x in c.get("securityContext", {}).get("capabilities", {}).get("add", []):
            print(x.upper())
EOF
	)
	for cap in "${agent_caps[@]}"; do
		case $cap in
		SYS_PTRACE|DAC_READ_SEARCH) continue ;;	# below, with the daemon
		SYS_ADMIN|BPF|PERFMON) ;;
		*) tap_not_ok "agent needs CAP_$cap" "no test here shows it is needed: test it or drop it"
		   continue ;;
		esac
		k8s_cfg agent "$K8S_W/cap.json" --drop-cap $cap --cgroups-path "$(k8s_new_cgroup "cap-$cap")" \
			--args /usr/bin/nojit enforce --cgroup "/sys/fs/cgroup$workloads" || return
		if k8s_run "nojit-k8s-cap-$cap" "$K8S_W/cap.json" "$K8S_W/cap.log"; then
			tap_not_ok "agent without CAP_$cap cannot load and enroll" "it could: drop it from the DaemonSet"
		else
			tap_ok "agent without CAP_$cap cannot load and enroll ($(tail -n 1 "$K8S_W/cap.log"))"
		fi
		runc delete -f "nojit-k8s-cap-$cap" >/dev/null 2>&1
		"$NOJIT" unload >/dev/null 2>&1
	done

	# 4. The agent container, with the DaemonSet's privileges exactly
	# (the daemon needs the policy loaded: until --policy-dir loads it,
	# a one-shot agent container with the same privileges does).
	if [ "$K8S_HOOK_MODE" = enforce ]; then
		k8s_cfg agent "$K8S_W/enroll.json" --cgroups-path "$(k8s_new_cgroup agent-enroll)" \
			--args /usr/bin/nojit enforce --cgroup "/sys/fs/cgroup$(k8s_new_cgroup placeholder)" || return
		if k8s_run nojit-k8s-enroll "$K8S_W/enroll.json" "$K8S_W/enroll.log"; then
			tap_ok "agent's privileges load BPF LSM, pin and enroll a cgroup (nojit enforce; no oci-hook yet)"
		else
			tap_not_ok "agent's privileges load BPF LSM, pin and enroll" "$(cat "$K8S_W/enroll.log")"
		fi
		runc delete -f nojit-k8s-enroll >/dev/null 2>&1
	fi
	k8s_cfg agent "$K8S_W/agent.json" --cgroups-path "$(k8s_new_cgroup agent)" || return
	python3 - "$K8S_W/agent.json" "${daemon_drop[@]}" <<'EOF' || return
import json, sys
p = sys.argv[1]; c = json.load(open(p)); a = c["process"]["args"]; out = []
i = 0
while i < len(a):
    if a[i] in sys.argv[2:]:
        i += 2
        continue
    out.append(a[i]); i += 1
c["process"]["args"] = out
json.dump(c, open(p, "w"), indent=1)
EOF
	mkdir -p "$K8S_W/bundle-$K8S_AGENT"
	cp "$K8S_W/agent.json" "$K8S_W/bundle-$K8S_AGENT/config.json"
	runc run -d --bundle "$K8S_W/bundle-$K8S_AGENT" $K8S_AGENT </dev/null >"$K8S_W/agent.log" 2>&1
	local i
	for i in $(seq 100); do
		[ -s /var/log/nojit/audit.log ] && break
		sleep 0.1
	done
	if [ "$(runc state $K8S_AGENT 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ] &&
	   [ -s /var/log/nojit/audit.log ]; then
		tap_ok "agent container runs 'nojit daemon' (args: $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["process"]["args"][1:]))' "$K8S_W/bundle-$K8S_AGENT/config.json"))"
	else
		tap_not_ok "agent container runs 'nojit daemon'" "$(cat "$K8S_W/agent.log")"
		k8s_cleanup
		return
	fi
	if [ -e /sys/fs/bpf/nojit ]; then
		tap_ok "the agent's pins are in the host's bpffs"
	else
		tap_not_ok "the agent's pins are in the host's bpffs" "$(ls /sys/fs/bpf)"
	fi

	# 5. Probes: the kubelet's httpGet against the pod IP.
	if [ ${#daemon_drop[@]} -eq 0 ] || ! printf '%s\n' "${daemon_drop[@]}" | grep -q listen; then
		out=$(ip netns exec $K8S_NETNS python3 - "$K8S_POD_IP" <<'EOF' 2>&1
import sys, time, urllib.request
for i in range(100):
    try:
        r = urllib.request.urlopen(f"http://{sys.argv[1]}:9640/healthz", timeout=3)
        print(r.status); sys.exit(0 if r.status == 200 else 1)
    except Exception as e:
        err = e
        time.sleep(0.1)
print(err); sys.exit(1)
EOF
		) && tap_ok "liveness/readiness: GET http://$K8S_POD_IP:9640/healthz answers 200" ||
			tap_not_ok "liveness/readiness: GET http://$K8S_POD_IP:9640/healthz answers 200" "$out"
	else
		tap_skip "liveness/readiness probe on the pod IP" "nojit daemon has no --listen yet"
	fi

	# 6. A sibling container selected by the ConfigMap's policy.
	local before after
	before=$(denials)
	k8s_sibling victim workloads "$workloads/victim" anon_rwx_private governed
	rc=$?
	after=$(denials)
	if [ "$rc" -eq 1 ] && [ "$after" -gt "$before" ]; then
		tap_ok "sibling runc container (namespace workloads, $K8S_HOOK_MODE): anon_rwx_private refused"
	else
		tap_not_ok "sibling runc container (namespace workloads, $K8S_HOOK_MODE): anon_rwx_private refused" \
			"exit $rc, denials $before -> $after" "$(cat "$K8S_W/sib-victim/out")" \
			"$(cat "$K8S_W/bundle-enroll-victim/log" 2>/dev/null)"
	fi
	if ev=$(k8s_wait_event anon_rwx_private); then
		out=""
		[ "$(k8s_field "$ev" action)" = denied ] || out+="action is not denied; "
		case $(k8s_field "$ev" cgroup) in
		*/nojit-k8s-pods/workloads/victim) ;;
		*) out+="cgroup path not named (CAP_DAC_READ_SEARCH?); " ;;
		esac
		if [ -z "$out" ]; then
			tap_ok "denial event in the host's /var/log/nojit/audit.log (cgroup path named)"
		else
			tap_not_ok "denial event in the host's /var/log/nojit/audit.log" "$out" "$ev"
		fi
	else
		tap_not_ok "denial event in the host's /var/log/nojit/audit.log" "none within 15 s" \
			"$(grep '"event"' /var/log/nojit/audit.log | cut -c1-1500)" "agent: $(cat "$K8S_W/agent.log")" \
			"victim: $(cat "$K8S_W/sib-victim/out")"
	fi
	if k8s_sibling control default "$(k8s_new_cgroup default)/control" anon_rwx_private; then
		tap_ok "sibling in a namespace no policy selects runs the attack"
	else
		tap_not_ok "sibling in a namespace no policy selects runs the attack" "$(cat "$K8S_W/sib-control/out")"
	fi

	# 7. The agent stops (SIGTERM, as the kubelet does): the log verifies.
	runc kill $K8S_AGENT TERM
	for i in $(seq 100); do
		[ "$(runc state $K8S_AGENT 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)" = stopped ] && break
		sleep 0.1
	done
	tap_check "audit log the agent wrote on the host verifies after SIGTERM" \
		"$NOJIT" audit verify --key "$K8S_W/keygen/nojit.pub" /var/log/nojit/audit.log

	# 8. The two privileges that name what the log records or scans.
	runc delete -f $K8S_AGENT >/dev/null 2>&1
	for cap in "${agent_caps[@]}"; do
		case $cap in
		SYS_PTRACE)
			# A governed workload that stays (an offender usually exits
			# before the daemon reads its /proc/PID/exe): 'nojit scan'
			# reads its maps and executable with the agent's privileges.
			local sleeper=$K8S_W/sib-sleeper pid
			k8s_sibling sleeper workloads "$workloads/sleeper" anon_rwx_private >/dev/null 2>&1
			python3 - "$sleeper/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = ["/usr/bin/busybox", "sleep", "60"]
json.dump(c, open(sys.argv[1], "w"))
EOF
			runc run -d --bundle "$sleeper" nojit-k8s-sleeper </dev/null >"$sleeper/out" 2>&1
			pid=$(runc state nojit-k8s-sleeper | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
			local with without
			k8s_cfg agent "$K8S_W/scan.json" --cgroups-path "$(k8s_new_cgroup scan-with)" \
				--args /usr/bin/nojit scan --pid "$pid" || return
			k8s_run nojit-k8s-scan-with "$K8S_W/scan.json" "$K8S_W/scan-with.log"
			with=$?
			k8s_cfg agent "$K8S_W/scan.json" --drop-cap SYS_PTRACE --cgroups-path "$(k8s_new_cgroup scan-without)" \
				--args /usr/bin/nojit scan --pid "$pid" || return
			k8s_run nojit-k8s-scan-without "$K8S_W/scan.json" "$K8S_W/scan-without.log"
			without=$?
			if [ "$with" -eq 0 ] && [ "$without" -ne 0 ]; then
				tap_ok "agent without CAP_SYS_PTRACE cannot read a workload's /proc/PID ($(tail -n 1 "$K8S_W/scan-without.log"))"
			else
				tap_not_ok "agent without CAP_SYS_PTRACE cannot read a workload's /proc/PID" \
					"with: exit $with $(cat "$K8S_W/scan-with.log")" "without: exit $without $(cat "$K8S_W/scan-without.log")"
			fi
			runc kill nojit-k8s-sleeper KILL >/dev/null 2>&1
			;;
		DAC_READ_SEARCH)
			rm -f /var/log/nojit/audit.log*
			k8s_cfg agent "$K8S_W/bundle-$K8S_AGENT/config.json" --drop-cap $cap \
				--cgroups-path "$(k8s_new_cgroup "agent-$cap")" \
				--args /usr/bin/nojit daemon --log /var/log/nojit/audit.log --key /etc/nojit/keys/audit.key || return
			runc run -d --bundle "$K8S_W/bundle-$K8S_AGENT" $K8S_AGENT </dev/null >"$K8S_W/agent.log" 2>&1
			sleep 1
			k8s_sibling "victim-$cap" workloads "$workloads/victim-$cap" anon_rwx_private governed
			ev=$(k8s_wait_event anon_rwx_private)
			if [ -n "$ev" ] && [ -z "$(k8s_field "$ev" cgroup)" ]; then
				tap_ok "agent without CAP_DAC_READ_SEARCH logs the event but cannot name its cgroup"
			else
				tap_not_ok "agent without CAP_DAC_READ_SEARCH cannot name what it logs" \
					"it could: drop it from the DaemonSet" "$ev" "victim: $(cat "$K8S_W/sib-victim-$cap/out")"
			fi
			runc kill $K8S_AGENT TERM >/dev/null 2>&1
			sleep 0.5
			;;
		esac
	done
	k8s_cleanup
}

k8s_part
