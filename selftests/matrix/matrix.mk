# SPDX-License-Identifier: GPL-2.0
#
# The bypass matrix (selftests/matrix/run, docs/bypass-matrix.md): the
# systemd MemoryDenyWriteExecute= stand-in it runs the attacks under.
# Included by the top Makefile, or standalone from the repository root:
#   make -f selftests/matrix/matrix.mk [BUILD=build] [CC=gcc] [V=1]

# Evaluated before anything else is included, to find our own directory.
MATRIX_MK := $(lastword $(MAKEFILE_LIST))
MATRIX_DIR := $(patsubst %/,%,$(dir $(MATRIX_MK)))
MATRIX_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
MATRIX_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
MATRIX_Q :=
MATRIX_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
MATRIX_Q := @
MATRIX_MSG := @true
else
MATRIX_Q := @
MATRIX_MSG := @printf '  %-7s %s\n'
endif

MATRIX_OUT := $(BUILD)/selftests/matrix
MATRIX_CFLAGS := -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE
MATRIX_BINS := $(MATRIX_OUT)/systemd-mdwe

.DELETE_ON_ERROR:
.PHONY: matrix-bins clean-matrix

matrix-bins: $(MATRIX_BINS)

$(MATRIX_BINS): $(MATRIX_OUT)/%: $(MATRIX_DIR)/%.c $(MATRIX_MK) | $(MATRIX_OUT)
	$(MATRIX_MSG) CC $@
	$(MATRIX_Q)$(CC) $(MATRIX_CFLAGS) -o $@ $<

$(MATRIX_OUT):
	$(MATRIX_Q)mkdir -p $@

clean-matrix:
	$(MATRIX_Q)rm -rf $(MATRIX_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(MATRIX_STANDALONE),1)
.DEFAULT_GOAL := $(MATRIX_SAVED_GOAL)
endif
