# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the nojit scan suites (selftests/scan/run, selftests/kernel/scan.sh).
# Included by the top Makefile, or standalone from the repository root:
#   make -f selftests/scan/scan.mk [BUILD=build] [CC=gcc] [V=1] scan-bins

SCAN_MK := $(lastword $(MAKEFILE_LIST))
SCAN_DIR := $(patsubst %/,%,$(dir $(SCAN_MK)))
SCAN_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
SCAN_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
SCAN_Q :=
SCAN_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
SCAN_Q := @
SCAN_MSG := @true
else
SCAN_Q := @
SCAN_MSG := @printf '  %-7s %s\n'
endif

SCAN_OUT := $(BUILD)/selftests/scan
SCAN_CFLAGS := -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE
SCAN_BINS := $(SCAN_OUT)/offender

.DELETE_ON_ERROR:
.PHONY: scan-bins clean-scan

scan-bins: $(SCAN_BINS)

$(SCAN_OUT)/%: $(SCAN_DIR)/%.c $(SCAN_MK)
	$(SCAN_MSG) CC $@
	$(SCAN_Q)mkdir -p $(dir $@)
	$(SCAN_Q)$(CC) $(SCAN_CFLAGS) -o $@ $<

clean-scan:
	$(SCAN_Q)rm -rf $(SCAN_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(SCAN_STANDALONE),1)
.DEFAULT_GOAL := $(SCAN_SAVED_GOAL)
endif
