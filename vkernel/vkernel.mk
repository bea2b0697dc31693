# SPDX-License-Identifier: GPL-2.0
#
# The vkernel runtime library and the wasm guests. Included by the top
# Makefile (BUILD given), or standalone from the repository root:
#   make -f vkernel/vkernel.mk [BUILD=build] [V=1] [vkernel|vk-lib|vk-guests]
#
# Outputs:
#   $(VK_LIB)                         build/vkernel/libvkernel.a: the runtime,
#                                     main() included; -O2, no sanitizers
#   $(VK_OUT)/guests/NAME.wasm        each of $(VK_GUESTS), wasm32-wasi
#   $(VK_OUT)/guests/NAME.native      each of $(VK_NATIVE_GUESTS), same C, gcc
#   $(VK_SJLJ_LIB)                    build/vkernel/sdk/libnojit-sjlj.a: the
#                                     setjmp/longjmp runtime for guests built
#                                     with $(VK_SJLJ_CFLAGS) (vkernel/sdk/)
# For the megabinary link: objects... $(VK_LINK_LIBS)  (-static works).
# VK_RT_EXTRA_SRCS: more C files to put in libvkernel.a (e.g. the
# controller sources trailer.c needs).

VK_MK := $(lastword $(MAKEFILE_LIST))
VK_DIR := $(patsubst %/,%,$(dir $(VK_MK)))
VK_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
VK_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
LLVM_AR ?= llvm-ar
VK_WASI_SYSROOT ?= /usr
VK_WASM_RT_LIB ?= /usr/lib/x86_64-linux-gnu/libwasm-rt-impl.a

ifeq ($(V),1)
VK_Q :=
VK_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
VK_Q := @
VK_MSG := @true
else
VK_Q := @
VK_MSG := @printf '  %-7s %s\n'
endif

VK_OUT := $(BUILD)/vkernel
VK_LIB := $(VK_OUT)/libvkernel.a
VK_LINK_LIBS := $(VK_LIB) $(VK_WASM_RT_LIB) -ljson-c -lsodium

VK_WARN := -Wall -Wextra -Werror
VK_RT_CFLAGS := -O2 -g $(VK_WARN)
VK_RT_CPPFLAGS := -I$(VK_DIR) -Icontroller -Ibpf -D_GNU_SOURCE
VK_RT_SRCS := $(wildcard $(VK_DIR)/*.c) $(VK_RT_EXTRA_SRCS)
VK_RT_HDRS := $(wildcard $(VK_DIR)/*.h)
VK_RT_OBJS := $(patsubst %.c,$(VK_OUT)/rt/%.o,$(VK_RT_SRCS))

# Every guest the runtime tests (selftests/vk/run-runtime) expect in the
# megabinary; the native build only of those without nojit imports.
VK_GUESTS := hello wc sha256sum grep cpuhash toolrunner agent probe
VK_NATIVE_GUESTS := hello wc sha256sum grep cpuhash
VK_GUEST_DIR := $(VK_DIR)/guests
VK_GUEST_HDRS := $(wildcard $(VK_GUEST_DIR)/*.h)
VK_GUEST_WASM := $(VK_GUESTS:%=$(VK_OUT)/guests/%.wasm)
VK_GUEST_NATIVE := $(VK_NATIVE_GUESTS:%=$(VK_OUT)/guests/%.native)
VK_GUEST_CFLAGS := -O2 $(VK_WARN) -I$(VK_GUEST_DIR)
VK_WASM_CFLAGS := --target=wasm32-wasi --sysroot=$(VK_WASI_SYSROOT) -Wl,--strip-debug

# The guest SDK for C that uses setjmp/longjmp: compile with
# $(VK_SJLJ_CFLAGS), link $(VK_SJLJ_LIB) (docs/vkernel.md).
VK_SDK_DIR := $(VK_DIR)/sdk
VK_SJLJ_CFLAGS := -isystem $(VK_SDK_DIR) -mllvm -wasm-enable-sjlj -mexception-handling
VK_SJLJ_LIB := $(VK_OUT)/sdk/libnojit-sjlj.a
VK_SJLJ_OBJS := $(VK_OUT)/sdk/sjlj.o $(VK_OUT)/sdk/sjlj_throw.o

# Lua 5.4 from Debian's source with the code gate: the megabinary's `lua`
# (vkernel/interp/lua/build; cached outside the tree, keyed by the source
# version and a hash of these inputs).
VK_LUA_WASM := $(VK_OUT)/guests/lua.wasm
VK_LUA_INPUTS := $(wildcard $(VK_DIR)/interp/lua/*) $(VK_GUEST_DIR)/nojit_guest.h \
	$(wildcard $(VK_SDK_DIR)/*)

.DELETE_ON_ERROR:
.PHONY: vkernel vk-lib vk-guests vk-sdk vk-lua clean-vkernel

vkernel: vk-lib vk-guests vk-sdk
vk-sdk: $(VK_SJLJ_LIB)
vk-lib: $(VK_LIB)
vk-guests: $(VK_GUEST_WASM) $(VK_GUEST_NATIVE) $(VK_LUA_WASM)
vk-lua: $(VK_LUA_WASM)

$(VK_OUT)/rt/%.o: %.c $(VK_RT_HDRS) $(VK_MK)
	$(VK_MSG) CC $@
	$(VK_Q)mkdir -p $(dir $@)
	$(VK_Q)$(CC) $(VK_RT_CPPFLAGS) $(VK_RT_CFLAGS) -c $< -o $@

$(VK_LIB): $(VK_RT_OBJS)
	$(VK_MSG) AR $@
	$(VK_Q)rm -f $@
	$(VK_Q)ar rcs $@ $^

# Guests with a second source file (the shared SHA-256, probe's errno table).
$(VK_OUT)/guests/sha256sum.wasm $(VK_OUT)/guests/sha256sum.native \
$(VK_OUT)/guests/cpuhash.wasm $(VK_OUT)/guests/cpuhash.native: \
	$(VK_GUEST_DIR)/sha256_guest.c
$(VK_OUT)/guests/probe.wasm: $(VK_GUEST_DIR)/probe_errno.c

$(VK_OUT)/guests/%.wasm: $(VK_GUEST_DIR)/%.c $(VK_GUEST_HDRS) $(VK_MK)
	$(VK_MSG) WASM $@
	$(VK_Q)mkdir -p $(dir $@)
	$(VK_Q)$(CLANG) $(VK_WASM_CFLAGS) $(VK_GUEST_CFLAGS) -o $@ $(filter %.c,$^)

$(VK_LUA_WASM): $(VK_LUA_INPUTS) $(VK_SJLJ_LIB)
	$(VK_Q)CLANG=$(CLANG) $(VK_DIR)/interp/lua/build $@ $(VK_SJLJ_LIB)

$(VK_OUT)/sdk/sjlj.o: $(VK_SDK_DIR)/sjlj.c $(VK_SDK_DIR)/setjmp.h $(VK_MK)
	$(VK_MSG) WASM $@
	$(VK_Q)mkdir -p $(dir $@)
	$(VK_Q)$(CLANG) --target=wasm32-wasi --sysroot=$(VK_WASI_SYSROOT) $(VK_SJLJ_CFLAGS) -O2 $(VK_WARN) -c $< -o $@

$(VK_OUT)/sdk/sjlj_throw.o: $(VK_SDK_DIR)/sjlj_throw.S $(VK_MK)
	$(VK_MSG) WASM $@
	$(VK_Q)mkdir -p $(dir $@)
	$(VK_Q)$(CLANG) --target=wasm32-wasi -mexception-handling -c $< -o $@

# llvm-ar: GNU ar writes no symbol index wasm-ld can read.
$(VK_SJLJ_LIB): $(VK_SJLJ_OBJS)
	$(VK_MSG) AR $@
	$(VK_Q)rm -f $@
	$(VK_Q)$(LLVM_AR) rcs $@ $^

$(VK_OUT)/guests/%.native: $(VK_GUEST_DIR)/%.c $(VK_GUEST_HDRS) $(VK_MK)
	$(VK_MSG) CC $@
	$(VK_Q)mkdir -p $(dir $@)
	$(VK_Q)$(CC) $(VK_GUEST_CFLAGS) -o $@ $(filter %.c,$^)

clean-vkernel:
	$(VK_Q)rm -rf $(VK_OUT)

# Included: leave the includer's default goal alone.
ifneq ($(VK_STANDALONE),1)
.DEFAULT_GOAL := $(VK_SAVED_GOAL)
endif
