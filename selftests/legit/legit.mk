# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the legit-workload suite (selftests/legit/run) and the JIT
# runtime checks (selftests/legit/jit-runtimes).
# Included by the top Makefile, or standalone from the repository root:
#   make -f selftests/legit/legit.mk [BUILD=build] [CC=gcc] [V=1]

LEGIT_MK := $(lastword $(MAKEFILE_LIST))
LEGIT_DIR := $(patsubst %/,%,$(dir $(LEGIT_MK)))
LEGIT_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
LEGIT_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
LEGIT_Q :=
LEGIT_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
LEGIT_Q := @
LEGIT_MSG := @true
else
LEGIT_Q := @
LEGIT_MSG := @printf '  %-7s %s\n'
endif

LEGIT_OUT := $(BUILD)/selftests/legit
LEGIT_CFLAGS := -Wall -Wextra -Werror -O1 -g
LEGIT_NAMES := deny-exec-mem dlopen-libm threads
LEGIT_BINS := $(addprefix $(LEGIT_OUT)/,$(LEGIT_NAMES))
LEGIT_LDLIBS_dlopen-libm := -ldl
LEGIT_LDLIBS_threads := -pthread

.DELETE_ON_ERROR:
.PHONY: legit clean-legit

legit: $(LEGIT_BINS)

$(LEGIT_BINS): $(LEGIT_OUT)/%: $(LEGIT_DIR)/%.c $(LEGIT_MK) | $(LEGIT_OUT)
	$(LEGIT_MSG) CC $@
	$(LEGIT_Q)$(CC) $(LEGIT_CFLAGS) -o $@ $< $(LEGIT_LDLIBS_$*)

$(LEGIT_OUT):
	$(LEGIT_Q)mkdir -p $@

clean-legit:
	$(LEGIT_Q)rm -rf $(LEGIT_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(LEGIT_STANDALONE),1)
.DEFAULT_GOAL := $(LEGIT_SAVED_GOAL)
endif
