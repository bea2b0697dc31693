# SPDX-License-Identifier: GPL-2.0
#
# The syscall-sequence bypass fuzzer (selftests/fuzz/README.md).
# Included by the top Makefile, or standalone from the repository root:
#   make -f selftests/fuzz/fuzz.mk [BUILD=build] [CC=gcc] [V=1] fuzz-bins

FUZZ_MK := $(lastword $(MAKEFILE_LIST))
FUZZ_DIR := $(patsubst %/,%,$(dir $(FUZZ_MK)))
FUZZ_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
FUZZ_Q :=
FUZZ_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
FUZZ_Q := @
FUZZ_MSG := @true
else
FUZZ_Q := @
FUZZ_MSG := @printf '  %-7s %s\n'
endif

FUZZ_OUT := $(BUILD)/selftests/fuzz
FUZZ_CFLAGS := -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE
FUZZ_BIN := $(FUZZ_OUT)/nojit-fuzz
# Files the VM sees on the lower (9p, read-only) layer of its root
# overlay: a sequence that writes them makes the overlay copy them up.
# f0 is a copy of the fuzzer, so its digest is listed in the test manifest.
FUZZ_ROOTDIR := $(FUZZ_OUT)/rootdir
FUZZ_BINS := $(FUZZ_BIN) $(FUZZ_ROOTDIR)/f0 $(FUZZ_ROOTDIR)/f1

.DELETE_ON_ERROR:
.PHONY: fuzz-bins clean-fuzz

fuzz-bins: $(FUZZ_BINS)

$(FUZZ_BIN): $(FUZZ_DIR)/fuzz.c $(FUZZ_MK)
	$(FUZZ_MSG) CC $@
	$(FUZZ_Q)mkdir -p $(dir $@)
	$(FUZZ_Q)$(CC) $(FUZZ_CFLAGS) -o $@ $<

$(FUZZ_ROOTDIR)/f0 $(FUZZ_ROOTDIR)/f1: $(FUZZ_BIN)
	$(FUZZ_Q)mkdir -p $(dir $@)
	$(FUZZ_Q)cp $< $@

clean-fuzz:
	$(FUZZ_Q)rm -rf $(FUZZ_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(FUZZ_STANDALONE),1)
.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
endif
