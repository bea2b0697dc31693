# SPDX-License-Identifier: GPL-2.0
#
# make            build build/nojit and the BPF object
# make check      unit tests (host, ASan/UBSan) + kernel selftests (VM)
# make demo       the main job, in the VM: deny inside, allow outside
# make bench      benchmarks (not tests), in the VM
# make matrix     the bypass matrix (docs/bypass-matrix.md), host + VM
# make compat     real Debian programs outside and inside, in the VM: writes
#                 the table of docs/compatibility.md
# make fuzz-kernel SECONDS=N [SEED=S]  the bypass fuzzer in the VM for N seconds
# make fuzz [FUZZ_SECONDS=N]  libFuzzer on every parser of untrusted bytes, N s each
# make image      the Kubernetes agent image, no registry needed:
#                 build/image/rootfs and build/image/nojit-agent.oci.tar
# make install    binary, systemd units, example policy (DESTDIR, PREFIX aware)
#
# Quiet unless V=1. Everything generated goes to build/.

BUILD		?= build
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
# systemd reads units from here too (systemd-analyze unit-paths); packages'
# units live there, /etc/systemd/system is left to the operator.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
NOJIT_DOC_DIR	?= $(PREFIX)/share/doc/nojit
SYSTEMD_UNITS	:= deploy/systemd/nojit.service deploy/systemd/nojit.slice
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= bpftool
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages the build, the tests and the VM harness need.
DEB_PACKAGES := gcc make clang llvm lld libbpf-dev bpftool libelf-dev \
	zlib1g-dev pkg-config libsodium-dev libjson-c-dev libcriterion-dev \
	qemu-system-x86 busybox-static cpio zstd xz-utils kmod iproute2 \
	python3 python3-cryptography python3-jsonschema python3-yaml yamllint \
	runc luajit nodejs lua5.4 openjdk-17-jre-headless openjdk-17-jdk-headless git \
	wabt wasi-libc libclang-rt-14-dev-wasm32 strace python3.11 \
	libmicrohttpd-dev prometheus libsystemd-dev systemd runc crun \
	python3-nacl openssl libssl-dev libtss2-dev tpm2-tools swtpm swtpm-tools \
	git gdb python3-gi gir1.2-glib-2.0 guile-3.0 ruby php-cli pcre2-utils \
	grep sed gawk jq gnupg coreutils tar gzip unzip zip rsyslog \
	openjdk-17-jre-headless libclang-rt-14-dev \
	dpkg-dev debian-archive-keyring patch time

WARN		:= -Wall -Wextra -Werror
CFLAGS		?= -O2 -g
CPPFLAGS	+= -I$(BUILD) -Ibpf -Icontroller -iquote vkernel -D_GNU_SOURCE
LDLIBS		+= -lbpf -lelf -lz -ljson-c -lsodium -lmicrohttpd
# TPM quotes (controller/tpm_quote.c): tpm2-tss talks to the TPM, libcrypto
# checks the quotes' ECDSA signatures. The TCTI for /dev/tpmrm0
# (libtss2-tcti-device) is loaded at run time by libtss2-tctildr.
TSS2_PKGS	:= tss2-esys tss2-mu tss2-rc tss2-tctildr libcrypto
LDLIBS		+= $(or $(shell pkg-config --libs $(TSS2_PKGS) 2>/dev/null),\
		   -ltss2-esys -ltss2-mu -ltss2-rc -ltss2-tctildr -lcrypto)

# Readiness for systemd (sd_notify) comes from libsystemd. NOJIT_NO_SYSTEMD=1
# builds controller/notify.c as no-ops and links no libsystemd, for a
# static nojit (Debian ships no libsystemd.a).
ifeq ($(NOJIT_NO_SYSTEMD),1)
CPPFLAGS	+= -DNOJIT_NO_SYSTEMD
else
LDLIBS		+= -lsystemd
endif

SANITIZE	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

.DELETE_ON_ERROR:
.SUFFIXES:
# Generated once, kept: the controller and the unit tests both use them.
.SECONDARY: $(BUILD)/nojit.bpf.o $(BUILD)/nojit.skel.h
.PHONY: image image-rootfs all deps check unit-check vm-check demo bench install clean vm-kernel vk-runtime matrix fuzz-kernel compat libffi-static-tramp vk-python vk-python-check

all: $(BUILD)/nojit vk-runtime

deps:
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# ---- BPF ---------------------------------------------------------------

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h)

$(BUILD)/vmlinux.h: | deps
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(BUILD)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) \
		-Wno-unused-parameter \
		-I$(BUILD) -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

# ---- controller --------------------------------------------------------

# The megabinary trailer and seal code is shared with the vkernel runtime.
CTL_SHARED_SRCS := vkernel/trailer.c vkernel/verity.c
CTL_SRCS := $(wildcard controller/*.c) $(CTL_SHARED_SRCS)
CTL_HDRS := $(wildcard controller/*.h) $(BPF_HDRS) vkernel/trailer.h vkernel/verity.h
CTL_LIB_SRCS := $(filter-out controller/main.c controller/cmd_%.c,$(CTL_SRCS))
# Where `nojit vk build` finds the vkernel runtime unless told (--runtime).
VK_RUNTIME_DIR	?= $(abspath $(BUILD)/vkernel)

$(BUILD)/controller/%.o: controller/%.c $(CTL_HDRS) $(BUILD)/nojit.skel.h | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -DNOJIT_VK_RUNTIME_DIR='"$(VK_RUNTIME_DIR)"' $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/controller/%.o: vkernel/%.c $(CTL_HDRS) | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

# Switching NOJIT_NO_SYSTEMD rebuilds the wrapper: the stamp changes only
# when the setting does.
$(BUILD)/notify.cfg: FORCE
	$(Q)mkdir -p $(BUILD)
	$(Q)echo 'NOJIT_NO_SYSTEMD=$(NOJIT_NO_SYSTEMD)' | cmp -s - $@ || \
		echo 'NOJIT_NO_SYSTEMD=$(NOJIT_NO_SYSTEMD)' > $@
$(BUILD)/controller/notify.o $(BUILD)/asan/notify.o: $(BUILD)/notify.cfg
.PHONY: FORCE
FORCE:

$(BUILD)/nojit: $(patsubst %.c,$(BUILD)/controller/%.o,$(notdir $(CTL_SRCS)))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- agent image (deploy/image, deploy/kubernetes) ----------------------

IMAGE_NAME	:= nojit-agent
IMAGE_TAG	:= 0.1
IMAGE_DIR	:= $(BUILD)/image
# The image's nojit is linked statically: a FROM scratch image with one
# file to trust. Debian ships every archive the link needs (libbpf.a,
# libelf.a, libz.a, libjson-c.a, libsodium.a; bookworm's libelf.a is built
# without zstd). libsystemd has no static library in Debian: the image
# runs no systemd, so -lsystemd is left out here (NOJIT_NO_SYSTEMD=1).
# libmicrohttpd.a is there, but Debian builds it with HTTPS, which pulls in
# libgnutls.a and with it p11-kit, of which Debian ships no static library
# (libp11-kit-dev has only the .so): with -lmicrohttpd in LDLIBS a fully
# static link is impossible, and the image falls back to the dynamic nojit
# with exactly the shared libraries ldd names (deploy/image/oci-image).
# tpm2-tss has no static libraries in Debian either (libtss2-dev ships
# only the .so files; libcrypto.a is there): with TPM quotes compiled in,
# the image is dynamic for that reason too.
# Force either with IMAGE_LINK=static|dynamic.
IMAGE_STATIC_LDLIBS ?= $(filter-out -lsystemd -lmicrohttpd,$(LDLIBS))
ifneq ($(filter -lmicrohttpd -ltss2-esys,$(LDLIBS)),)
IMAGE_LINK	?= dynamic
else
IMAGE_LINK	?= static
endif
IMAGE_INPUTS	:= deploy/image/oci-image deploy/kubernetes/oci-hooks.d/nojit.json

ifeq ($(IMAGE_LINK),static)
$(IMAGE_DIR)/nojit: $(patsubst %.c,$(BUILD)/controller/%.o,$(notdir $(CTL_SRCS)))
	$(call msg,LINK,$@ (static))
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -static $(CFLAGS) $^ $(IMAGE_STATIC_LDLIBS) -o $@
	$(Q)strip $@
else
$(IMAGE_DIR)/nojit: $(BUILD)/nojit
	$(call msg,COPY,$@ (dynamic))
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@ && strip $@
endif

$(IMAGE_DIR)/rootfs/usr/bin/nojit: $(IMAGE_DIR)/nojit $(IMAGE_INPUTS)
	$(call msg,ROOTFS,$(IMAGE_DIR)/rootfs)
	$(Q)deploy/image/oci-image rootfs --binary $< --hook deploy/kubernetes/oci-hooks.d/nojit.json \
		--out $(IMAGE_DIR)/rootfs

$(IMAGE_DIR)/$(IMAGE_NAME).oci.tar: $(IMAGE_DIR)/rootfs/usr/bin/nojit
	$(call msg,OCI,$@)
	$(Q)deploy/image/oci-image archive --rootfs $(IMAGE_DIR)/rootfs \
		--name $(IMAGE_NAME):$(IMAGE_TAG) --out $@ >/dev/null

image-rootfs: $(IMAGE_DIR)/rootfs/usr/bin/nojit
image: $(IMAGE_DIR)/$(IMAGE_NAME).oci.tar

# ---- vkernel ------------------------------------------------------------

# The runtime a megabinary links (trailer.c needs the key code; the code
# gate's --manifest the manifest parser), the headers the generated
# registry includes, and the guests.
VK_RT_EXTRA_SRCS := controller/keys.c controller/util.c controller/manifest.c \
	controller/manifest_exception.c controller/json_check.c controller/sha256.c \
	controller/sha256_stream.c
include vkernel/vkernel.mk
VK_RUNTIME_HDRS := $(BUILD)/vkernel/vk_module.h $(BUILD)/vkernel/self_check.h \
	$(BUILD)/vkernel/vk_eh.h $(BUILD)/vkernel/vk_mem.h

$(BUILD)/vkernel/%.h: vkernel/%.h
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

vk-runtime: $(VK_LIB) $(VK_RUNTIME_HDRS) $(VK_SJLJ_LIB)

# The runtime needs wabt's and libsodium's headers, the guests clang's
# wasm32 target and wasi-libc: installed first, also under make -j.
$(VK_RT_OBJS) $(VK_GUEST_WASM) $(VK_GUEST_NATIVE) $(VK_SJLJ_OBJS) $(VK_LUA_WASM): | deps

# ---- tests -------------------------------------------------------------

include selftests/attacks/attacks.mk
include selftests/legit/legit.mk
include selftests/unit/unit.mk
include selftests/bench/bench.mk
include selftests/matrix/matrix.mk
include selftests/scan/scan.mk
include selftests/fuzz/fuzz.mk
include selftests/feed/feed.mk
include selftests/fuzz/parsers/parsers.mk

VM_RUN := selftests/vm/run

# The audit suite's violation storm.
STORM := $(BUILD)/selftests/storm
$(STORM): selftests/audit/storm.c | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -g $(WARN) $< -o $@

# Repeated violations, then a change of identity (selftests/kernel/audit.sh).
DISGUISE := $(BUILD)/selftests/disguise
$(DISGUISE): selftests/audit/disguise.c | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -g $(WARN) $< -o $@

vm-kernel: | deps
	$(Q)selftests/vm/fetch-kernel >/dev/null

# Every suite writes TAP; the summary line is computed over all of them.
check: all attacks legit unit-tests $(STORM) $(DISGUISE) $(FEED) vm-kernel vk-guests matrix-bins scan-bins fuzz-bins fuzz-parsers-bins image libffi-static-tramp vk-python
	$(Q)selftests/check $(BUILD)

demo: all attacks vm-kernel vk-guests vk-python
	$(Q)selftests/vk/prepare $(BUILD)
	$(Q)mkdir -p -m 700 /var/cache/nojit/vk-objects
	$(Q)vkernel/interp/python/megabinary $(BUILD)/nojit $(BUILD)/vk-test/keys/nojit.key \
		$(BUILD)/vk-test/bin/app-python --object-cache /var/cache/nojit/vk-objects \
		--wasm $(BUILD)/vkernel/guests/toolrunner.wasm --wasm $(BUILD)/vkernel/guests/agent.wasm \
		--script selftests/vk/python/listed.py --script selftests/vk/python/generate.py \
		--codegen-args none >$(BUILD)/vk-test/python-dir
	$(Q)$(VM_RUN) --tpm --timeout 600 -- selftests/demo $(BUILD)

bench: all bench-bins scan-bins $(STORM) $(FEED) vm-kernel vk-guests vk-python
	$(Q)selftests/bench/manifest-build $(BUILD)
	$(Q)selftests/bench/drain $(BUILD)
	$(Q)selftests/bench/confine $(BUILD)
	$(Q)selftests/bench/vk $(BUILD)
	$(Q)selftests/bench/lua/run $(BUILD)
	$(Q)selftests/bench/python/run $(BUILD)
	$(Q)selftests/bench/scan $(BUILD)
	$(Q)selftests/aot/prepare $(BUILD)
	$(Q)selftests/bench/seal --host $(BUILD)
	$(Q)$(VM_RUN) --tpm --timeout 3600 -- sh -c \
		'selftests/bench/run $(BUILD) && selftests/bench/exception $(BUILD) && selftests/bench/hashgate $(BUILD) && selftests/bench/audit $(BUILD) && selftests/bench/apply $(BUILD) && selftests/bench/oci $(BUILD) && selftests/bench/attest $(BUILD) && selftests/bench/aot $(BUILD) && selftests/bench/seal $(BUILD)'

# The bypass matrix: every attack under every configuration, host columns
# here and BPF LSM columns in one VM; fails if the measured table differs
# from docs/bypass-matrix.md.
matrix: all attacks matrix-bins vm-kernel
	$(Q)selftests/matrix/run $(BUILD) --out $(BUILD)/matrix/bypass-matrix.md
	$(Q)selftests/matrix/compare $(BUILD)/matrix/bypass-matrix.md docs/bypass-matrix.md

# libffi with static trampolines, from Debian's source package: the remedy
# for libffi closures (ctypes, GObject callbacks) docs/compatibility.md
# describes, and the fix the compatibility table measures.
LIBFFI_STATIC_TRAMP := $(BUILD)/libffi-static-tramp
libffi-static-tramp: | deps
	$(Q)deploy/libffi/build-static-tramp $(LIBFFI_STATIC_TRAMP)

# CPython 3.11 for wasm32-wasi from Debian's source package, cached under
# /var/cache/nojit/python3.11 by source version and a hash of the build
# inputs (vkernel/interp/python/build prints the directory). Cold: about
# 6 min on 2 loaded cores, and the suite's first run compiles its 60 MB of
# C once more (~208 s CPU, objects cached in /var/cache/nojit/vk-objects);
# a later clone pays neither (docs/vkernel.md).
vk-python: | deps
	$(Q)vkernel/interp/python/build

# python3 in a megabinary, gated (selftests/vk/python/run), alone; make
# check runs it too.
vk-python-check: $(BUILD)/nojit vk-runtime vk-python
	$(Q)selftests/vk/python/run $(BUILD)

# Real Debian programs outside and inside an enrolled cgroup, in one VM:
# writes the table of docs/compatibility.md (the prose stays). make check
# measures again and compares (selftests/compat/check-vm).
compat: all libffi-static-tramp vm-kernel
	$(Q)selftests/compat/run $(BUILD)

# The bypass fuzzer alone, for longer than make check's fixed seed set:
# random seeds inside an enrolled cgroup for SECONDS, findings minimized.
SECONDS ?= 300
fuzz-kernel: all fuzz-bins vm-kernel
	$(Q)$(VM_RUN) --timeout $$(($(SECONDS) + 600)) -- \
		selftests/fuzz/run $(BUILD) --seconds $(SECONDS) $(if $(SEED),--seed $(SEED))

# The binary, the systemd units (where systemd reads packages' units:
# /usr/local/lib/systemd/system for PREFIX=/usr/local; /etc/systemd/system
# stays the operator's) and an example policy. /etc/nojit is the
# operator's: nothing there is ever overwritten, and the example policy
# goes into policy.d only when there is no policy.d yet (an extra file in
# an existing one would change what the node enforces).
install: $(BUILD)/nojit
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/nojit)
	$(Q)install -D -m 0755 $(BUILD)/nojit $(DESTDIR)$(PREFIX)/sbin/nojit
	$(Q)install -d -m 0755 $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(NOJIT_DOC_DIR)/examples/policy.d
	$(Q)for u in $(SYSTEMD_UNITS); do \
		sed -e 's|/usr/local/sbin/nojit|$(PREFIX)/sbin/nojit|g' \
		    -e 's|/usr/local/share/doc/nojit|$(NOJIT_DOC_DIR)|g' $$u \
			> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u##*/}.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u##*/}.tmp && \
		mv $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u##*/}.tmp $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u##*/} || exit 1; \
		printf '  %-8s %s\n' INSTALL "$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u##*/}"; \
	done
	$(Q)install -m 0644 docs/deploy-systemd.md $(DESTDIR)$(NOJIT_DOC_DIR)/
	$(Q)install -m 0644 deploy/policy.d/example.json $(DESTDIR)$(NOJIT_DOC_DIR)/examples/policy.d/
	$(Q)install -d -m 0755 $(DESTDIR)$(NOJIT_DOC_DIR)/examples/oci-hooks.d
	$(Q)sed -e 's|/usr/local/sbin/nojit|$(PREFIX)/sbin/nojit|g' deploy/oci-hooks.d/nojit.json \
		> $(DESTDIR)$(NOJIT_DOC_DIR)/examples/oci-hooks.d/nojit.json
	@echo "  NOTE     the OCI hook is not active: copy $(NOJIT_DOC_DIR)/examples/oci-hooks.d/nojit.json to /etc/containers/oci/hooks.d/ (docs/oci-hook.md)"
	$(Q)for d in nojit nojit/trust; do \
		[ -d $(DESTDIR)$(SYSCONFDIR)/$$d ] || install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/$$d || exit 1; \
	done
	$(Q)if [ -e $(DESTDIR)$(SYSCONFDIR)/nojit/policy.d ]; then \
		echo "  KEEP     $(DESTDIR)$(SYSCONFDIR)/nojit/policy.d (exists; example in $(NOJIT_DOC_DIR)/examples)"; \
	else \
		install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/nojit/policy.d && \
		install -m 0644 deploy/policy.d/example.json $(DESTDIR)$(SYSCONFDIR)/nojit/policy.d/ && \
		echo "  INSTALL  $(DESTDIR)$(SYSCONFDIR)/nojit/policy.d/example.json"; \
	fi
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/nojit/audit.key ] || \
		echo "  NOTE     no $(SYSCONFDIR)/nojit/audit.key yet: see docs/deploy-systemd.md before enabling nojit.service"

clean:
	rm -rf $(BUILD)
