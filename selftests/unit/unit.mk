# SPDX-License-Identifier: GPL-2.0
# Criterion unit tests of the controller's library code, built and run
# under ASan/UBSan. Included by the top Makefile.

UNIT_SRCS := $(wildcard selftests/unit/test_*.c)
UNIT_BINS := $(patsubst selftests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_LIB_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(notdir $(CTL_LIB_SRCS)))

.PHONY: unit-tests
.SECONDARY: $(UNIT_LIB_OBJS)

unit-tests: $(UNIT_BINS)

$(BUILD)/asan/%.o: controller/%.c $(CTL_HDRS) $(BUILD)/nojit.skel.h | deps
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(SANITIZE) $(WARN) -c $< -o $@

$(BUILD)/asan/%.o: vkernel/%.c $(CTL_HDRS) | deps
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(SANITIZE) $(WARN) -c $< -o $@

$(BUILD)/unit/%: selftests/unit/%.c $(UNIT_LIB_OBJS) $(CTL_HDRS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -g $(SANITIZE) $(WARN) $< $(UNIT_LIB_OBJS) \
		-lcriterion $(LDLIBS) -o $@
