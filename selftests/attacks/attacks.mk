# SPDX-License-Identifier: GPL-2.0
#
# Bypass-route attack programs (selftests/attacks/routes.txt).
# Included by the top Makefile, or standalone from the repository root:
#   make -f selftests/attacks/attacks.mk [BUILD=build] [CC=gcc] [V=1]

# Evaluated before anything else is included, to find our own directory.
ATTACKS_MK := $(lastword $(MAKEFILE_LIST))
ATTACKS_DIR := $(patsubst %/,%,$(dir $(ATTACKS_MK)))
ATTACKS_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),1)
ATTACKS_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
# "CC ?=" would never fire: make predefines CC=cc.
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
ATTACKS_Q :=
ATTACKS_MSG := @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
ATTACKS_Q := @
ATTACKS_MSG := @true
else
ATTACKS_Q := @
ATTACKS_MSG := @printf '  %-7s %s\n'
endif

ATTACKS_OUT := $(BUILD)/selftests/attacks
ATTACKS_CFLAGS := -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE
ATTACKS_HEADERS := $(wildcard $(ATTACKS_DIR)/*.h)
ATTACKS_SRCS := $(wildcard $(ATTACKS_DIR)/*.c)
ATTACK_NAMES := $(sort $(basename $(notdir $(ATTACKS_SRCS))))
ATTACK_BINS := $(addprefix $(ATTACKS_OUT)/,$(ATTACK_NAMES))

# exec_stack launches a second build of itself that asks for an
# executable stack: the kernel maps the stack executable at exec.
ATTACKS_EXTRA_BINS := $(ATTACKS_OUT)/exec_stack.execstack
ATTACK_BINS += $(ATTACKS_EXTRA_BINS)

.DELETE_ON_ERROR:
.PHONY: attacks clean-attacks

attacks: $(ATTACK_BINS)

$(filter-out $(ATTACKS_EXTRA_BINS),$(ATTACK_BINS)): $(ATTACKS_OUT)/%: \
		$(ATTACKS_DIR)/%.c $(ATTACKS_HEADERS) $(ATTACKS_MK) | $(ATTACKS_OUT)
	$(ATTACKS_MSG) CC $@
	$(ATTACKS_Q)$(CC) $(ATTACKS_CFLAGS) -o $@ $<

$(ATTACKS_OUT)/exec_stack.execstack: $(ATTACKS_DIR)/exec_stack.c \
		$(ATTACKS_HEADERS) $(ATTACKS_MK) | $(ATTACKS_OUT)
	$(ATTACKS_MSG) CC $@
	$(ATTACKS_Q)$(CC) $(ATTACKS_CFLAGS) -o $@ $< -z execstack

$(ATTACKS_OUT):
	$(ATTACKS_Q)mkdir -p $@

clean-attacks:
	$(ATTACKS_Q)rm -rf $(ATTACKS_OUT)

# Included: leave the includer's default goal alone (empty restarts the
# selection, so its first own target still becomes the default).
ifneq ($(ATTACKS_STANDALONE),1)
.DEFAULT_GOAL := $(ATTACKS_SAVED_GOAL)
endif
