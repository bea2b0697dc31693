# SPDX-License-Identifier: GPL-2.0
#
# Benchmark binaries (selftests/bench/): the reference BPF programs b0/b1,
# the loader that holds them attached, and the workloads. Everything goes
# to $(BUILD)/bench/. Included by the top Makefile (`make bench`), or
# standalone from the repository root:
#   make -f selftests/bench/bench.mk [BUILD=build] [V=1] bench-bins

# Evaluated before anything else is included, to find our own directory.
BENCH_MK := $(lastword $(MAKEFILE_LIST))
BENCH_DIR := $(patsubst %/,%,$(dir $(BENCH_MK)))
BENCH_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

# Standalone, provide what the top Makefile would.
ifeq ($(BENCH_STANDALONE),1)
BUILD ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif
WARN ?= -Wall -Wextra -Werror
CPPFLAGS += -I$(BUILD) -Ibpf -D_GNU_SOURCE
LDLIBS ?= -lbpf -lelf -lz
endif

ifeq ($(V),1)
BENCH_Q :=
BENCH_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
BENCH_Q := @
BENCH_MSG := @true
else
BENCH_Q := @
BENCH_MSG := @printf '  %-8s %s\n'
endif

ifeq ($(BENCH_STANDALONE),1)
$(BUILD)/vmlinux.h:
	$(BENCH_MSG) BTF $@
	$(BENCH_Q)mkdir -p $(BUILD)
	$(BENCH_Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@
endif

BENCH_OUT := $(BUILD)/bench
BENCH_CFLAGS := -O2 -g $(WARN)
BENCH_BINS := $(BENCH_OUT)/loader $(BENCH_OUT)/loops $(BENCH_OUT)/empty.bpf.o $(BENCH_OUT)/startup
# attest_vk links the controller's objects: built only under the top Makefile.
ifneq ($(BENCH_STANDALONE),1)
BENCH_BINS += $(BENCH_OUT)/attest_vk $(BENCH_OUT)/selfcheck
endif

.DELETE_ON_ERROR:
.PHONY: bench-bins clean-bench

bench-bins: $(BENCH_BINS)

$(BENCH_OUT)/empty.bpf.o: $(BENCH_DIR)/empty.bpf.c $(BUILD)/vmlinux.h $(BENCH_MK) | $(BENCH_OUT)
	$(BENCH_MSG) BPF $@
	$(BENCH_Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) \
		-Wno-unused-parameter -I$(BUILD) -Ibpf -c $< -o $@
	$(BENCH_Q)llvm-strip -g $@

$(BENCH_OUT)/empty.skel.h: $(BENCH_OUT)/empty.bpf.o
	$(BENCH_MSG) GEN-SKEL $@
	$(BENCH_Q)$(BPFTOOL) gen skeleton $< name empty_bpf > $@

$(BENCH_OUT)/loader: $(BENCH_DIR)/loader.c $(BENCH_OUT)/empty.skel.h $(BENCH_MK)
	$(BENCH_MSG) CC $@
	$(BENCH_Q)$(CC) $(CPPFLAGS) -I$(BENCH_OUT) $(BENCH_CFLAGS) $< $(LDLIBS) -o $@

$(BENCH_OUT)/loops: $(BENCH_DIR)/loops.c $(BENCH_MK) | $(BENCH_OUT)
	$(BENCH_MSG) CC $@
	$(BENCH_Q)$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $< -o $@

# Static: the probe's own start-up must not include ld.so.
$(BENCH_OUT)/startup: $(BENCH_DIR)/startup.c $(BENCH_MK) | $(BENCH_OUT)
	$(BENCH_MSG) CC $@
	$(BENCH_Q)$(CC) $(BENCH_CFLAGS) -static $< -o $@

# The controller's own statement code, timed in-process: links its
# library objects, so only when the top Makefile includes us.
ifneq ($(BENCH_STANDALONE),1)
$(BENCH_OUT)/attest_vk: $(BENCH_DIR)/attest_vk.c $(patsubst %.c,$(BUILD)/controller/%.o,$(notdir $(CTL_LIB_SRCS))) \
		$(CTL_HDRS) $(BENCH_MK) | $(BENCH_OUT)
	$(BENCH_MSG) CC $@
	$(BENCH_Q)$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $< $(filter %.o,$^) $(LDLIBS) -o $@

# The megabinary's self check, timed in-process (selftests/bench/seal):
# the runtime's own trailer and seal code, -O2 as in libvkernel.a.
$(BENCH_OUT)/selfcheck: $(BENCH_DIR)/selfcheck.c $(patsubst %.c,$(BUILD)/controller/%.o,$(notdir $(CTL_LIB_SRCS))) \
		$(CTL_HDRS) $(BENCH_MK) | $(BENCH_OUT)
	$(BENCH_MSG) CC $@
	$(BENCH_Q)$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $< $(filter %.o,$^) $(LDLIBS) -o $@
endif

$(BENCH_OUT):
	$(BENCH_Q)mkdir -p $@

clean-bench:
	$(BENCH_Q)rm -rf $(BENCH_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(BENCH_STANDALONE),1)
.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
endif
