# SPDX-License-Identifier: GPL-2.0
#
# The audit feeder (test and bench only): feed.bpf.c writes violation
# records into nojit's ring buffer on a host that refuses BPF LSM; feed.c
# creates nojit's maps and drives it. Included by the top Makefile.

FEED := $(BUILD)/selftests/feed

$(BUILD)/selftests/feed.bpf.o: selftests/feed/feed.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) \
		-Wno-unused-parameter -I$(BUILD) -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

$(BUILD)/selftests/feed.skel.h: $(BUILD)/selftests/feed.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name feed_bpf > $@

$(FEED): selftests/feed/feed.c $(BUILD)/selftests/feed.skel.h $(BUILD)/nojit.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -I$(BUILD)/selftests $(CFLAGS) $(WARN) $< -lbpf -lelf -lz -o $@
