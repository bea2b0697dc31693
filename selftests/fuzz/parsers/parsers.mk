# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer harnesses for every parser of untrusted bytes in the
# controller (docs/fuzzing.md). Included by the top Makefile. The
# controller's library code is built again with clang's coverage
# instrumentation, ASan and UBSan into an archive each harness links.
#   make fuzz-parsers-bins               build them
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_JOBS=J]  fuzz each for N seconds
# make check runs selftests/fuzz/parsers/run --check: each harness
# briefly, plus every corpus input replayed.

FUZZP_DIR	:= selftests/fuzz/parsers
FUZZP_OUT	:= $(BUILD)/fuzz-parsers
FUZZP_NAMES	:= $(patsubst $(FUZZP_DIR)/fuzz_%.c,%,$(wildcard $(FUZZP_DIR)/fuzz_*.c))
FUZZP_BINS	:= $(FUZZP_NAMES:%=$(FUZZP_OUT)/fuzz_%)
FUZZP_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZP_CFLAGS	:= -O1 -g $(FUZZP_SAN) -fsanitize=fuzzer-no-link $(WARN)
FUZZP_LIB_OBJS	:= $(patsubst %.c,$(FUZZP_OUT)/obj/%.o,$(notdir $(CTL_LIB_SRCS)))
FUZZP_LIB	:= $(FUZZP_OUT)/libnojit-fuzz.a
FUZZ_SECONDS	?= 300
FUZZ_JOBS	?= 1

.PHONY: fuzz-parsers-bins fuzz
.SECONDARY: $(FUZZP_LIB_OBJS)

fuzz-parsers-bins: $(FUZZP_BINS)

$(FUZZP_OUT)/obj/%.o: controller/%.c $(CTL_HDRS) $(BUILD)/nojit.skel.h | deps
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZP_CFLAGS) -c $< -o $@

$(FUZZP_OUT)/obj/%.o: vkernel/%.c $(CTL_HDRS) | deps
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZP_CFLAGS) -c $< -o $@

$(FUZZP_OUT)/obj/common.o: $(FUZZP_DIR)/common.c $(FUZZP_DIR)/common.h $(CTL_HDRS) | deps
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZP_CFLAGS) -c $< -o $@

$(FUZZP_LIB): $(FUZZP_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZP_OUT)/fuzz_%: $(FUZZP_DIR)/fuzz_%.c $(FUZZP_DIR)/common.h $(FUZZP_OUT)/obj/common.o $(FUZZP_LIB) $(CTL_HDRS)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(CPPFLAGS) -O1 -g $(FUZZP_SAN) -fsanitize=fuzzer $(WARN) $< \
		$(FUZZP_OUT)/obj/common.o $(FUZZP_LIB) $(LDLIBS) -o $@

# Each harness for FUZZ_SECONDS; new inputs go to BUILD, never to the tree.
fuzz: fuzz-parsers-bins
	$(Q)$(FUZZP_DIR)/run --fuzz $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(BUILD)
