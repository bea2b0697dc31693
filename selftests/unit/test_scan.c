// SPDX-License-Identifier: GPL-2.0
/*
 * nojit scan's pure parsers: maps lines, pagemap entries, ELF zones, page
 * compare; and the summary of the last scan kept for attestation.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_log.h"
#include "scan.h"
#include "scan_last.h"
#include "scratch.h"

static struct scan_map parse_ok(const char *line)
{
	struct scan_map m;

	cr_assert_eq(scan_parse_maps_line(line, &m), 0, "refused: %s", line);
	return m;
}

Test(maps, file_line)
{
	struct scan_map m = parse_ok("7f3a1c000000-7f3a1c1d6000 r-xp 00028000 fd:01 1835043                    /usr/lib/x86_64-linux-gnu/libc.so.6\n");

	cr_assert_eq(m.start, 0x7f3a1c000000ull);
	cr_assert_eq(m.end, 0x7f3a1c1d6000ull);
	cr_assert_eq(m.offset, 0x28000ull);
	cr_assert_str_eq(m.perms, "r-xp");
	cr_assert_eq(m.dev_major, 0xfd);
	cr_assert_eq(m.dev_minor, 1);
	cr_assert_eq(m.ino, 1835043ull);
	cr_assert_str_eq(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	cr_assert(scan_map_exec(&m));
	cr_assert_eq(scan_classify(&m), SCAN_BACKING_FILE);
}

Test(maps, anonymous_line_without_path)
{
	struct scan_map m = parse_ok("7f0000000000-7f0000001000 rwxp 00000000 00:00 0 ");

	cr_assert_str_eq(m.path, "");
	cr_assert_eq(scan_classify(&m), SCAN_BACKING_ANON);
	m = parse_ok("7f0000000000-7f0000001000 r-xp 00000000 00:00 0");
	cr_assert_str_eq(m.path, "");
}

Test(maps, path_with_spaces_kept_whole)
{
	struct scan_map m = parse_ok("1000-2000 r-xs 00001000 00:05 42 /tmp/my dir/lib x.so (deleted)");

	cr_assert_str_eq(m.path, "/tmp/my dir/lib x.so (deleted)");
	cr_assert_str_eq(m.perms, "r-xs");
	cr_assert_eq(scan_classify(&m), SCAN_BACKING_DELETED);
}

Test(maps, vsyscall_above_2_63)
{
	struct scan_map m = parse_ok("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");

	cr_assert_eq(m.start, 0xffffffffff600000ull);
	cr_assert_eq(scan_classify(&m), SCAN_BACKING_KERNEL);
}

Test(maps, not_exec)
{
	struct scan_map m = parse_ok("1000-2000 rw-p 00000000 00:00 0 [heap]");

	cr_assert_not(scan_map_exec(&m));
}

Test(maps, malformed_lines_refused)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"1000-2000",
		"1000-2000 r-xp",
		"1000-2000 r-xp 0 00:00",
		"2000-1000 r-xp 00000000 00:00 0",	/* end before start */
		"1000-1000 r-xp 00000000 00:00 0",	/* empty */
		"1000-2000 rxp 00000000 00:00 0",	/* three perms */
		"1000-2000 r-xq 00000000 00:00 0",	/* not p or s */
		"1000-2000 x-rp 00000000 00:00 0",	/* out of place */
		"1000-2000 r-xp 00000000 00:00 0x/x",	/* junk after the inode */
	};
	struct scan_map m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(scan_parse_maps_line(bad[i], &m), -EINVAL, "accepted: '%s'", bad[i]);
}

Test(maps, path_too_long)
{
	static char line[SCAN_PATH_MAX + 64];
	struct scan_map m;

	strcpy(line, "1000-2000 r-xp 00000000 00:00 1 /");
	memset(line + strlen(line), 'a', SCAN_PATH_MAX);
	cr_assert_eq(scan_parse_maps_line(line, &m), -ENAMETOOLONG);
}

static enum scan_backing classify(const char *path)
{
	struct scan_map m = { .perms = "r-xp" };

	snprintf(m.path, sizeof(m.path), "%s", path);
	return scan_classify(&m);
}

Test(maps, classify)
{
	cr_expect_eq(classify("[vdso]"), SCAN_BACKING_KERNEL);
	cr_expect_eq(classify("[vsyscall]"), SCAN_BACKING_KERNEL);
	cr_expect_eq(classify("[heap]"), SCAN_BACKING_ANON);
	cr_expect_eq(classify("[stack]"), SCAN_BACKING_ANON);
	cr_expect_eq(classify("[stack:1234]"), SCAN_BACKING_ANON);
	cr_expect_eq(classify("[anon:jit code]"), SCAN_BACKING_ANON);
	cr_expect_eq(classify("[anon_shmem:jit]"), SCAN_BACKING_SHARED_ANON);
	cr_expect_eq(classify("[uprobes]"), SCAN_BACKING_PSEUDO);
	cr_expect_eq(classify("[vvar]"), SCAN_BACKING_PSEUDO);
	cr_expect_eq(classify("anon_inode:[perf_event]"), SCAN_BACKING_PSEUDO);
	cr_expect_eq(classify("/memfd:jit (deleted)"), SCAN_BACKING_MEMFD);
	cr_expect_eq(classify("/SYSV0000abcd (deleted)"), SCAN_BACKING_SYSV_SHM);
	cr_expect_eq(classify("/SYSV0000abcg (deleted)"), SCAN_BACKING_DELETED);
	cr_expect_eq(classify("/dev/zero (deleted)"), SCAN_BACKING_SHARED_ANON);
	cr_expect_eq(classify("/usr/lib/libx.so (deleted)"), SCAN_BACKING_DELETED);
	cr_expect_eq(classify("/usr/lib/libx.so"), SCAN_BACKING_FILE);
	/* A name that only looks like a memfd's is a real path. */
	cr_expect_eq(classify("/memfd:jit"), SCAN_BACKING_FILE);
}

Test(pagemap, decode)
{
	struct scan_pagemap_entry e;

	scan_pagemap_decode(0, &e);
	cr_assert(!e.present && !e.swapped && !e.file_or_shared);
	cr_assert_not(scan_pagemap_must_compare(&e));

	/* A page cache page, mapped once (bit 56), with its frame number. */
	scan_pagemap_decode(1ull << 63 | 1ull << 61 | 1ull << 56 | 0x12345, &e);
	cr_assert(e.present && e.file_or_shared && !e.swapped);
	cr_assert(scan_pagemap_must_compare(&e));

	/* A private copy (COW): present, not file, soft-dirty (bit 55). */
	scan_pagemap_decode(1ull << 63 | 1ull << 55 | 7, &e);
	cr_assert(e.present && !e.file_or_shared && !e.swapped);
	cr_assert(scan_pagemap_must_compare(&e));

	/* Swapped out: only a private copy can be; compared too. */
	scan_pagemap_decode(1ull << 62 | 0xabcdef, &e);
	cr_assert(e.swapped && !e.present && !e.file_or_shared);
	cr_assert(scan_pagemap_must_compare(&e));

	/* Without CAP_SYS_ADMIN the frame number reads 0: the flags still tell. */
	scan_pagemap_decode(1ull << 63, &e);
	cr_assert(e.present && !e.file_or_shared);

	/* Not present, only low bits or other flags set: nothing to read. */
	scan_pagemap_decode(~0ull >> 3, &e);
	cr_assert(!e.present && !e.swapped && !e.file_or_shared);
	cr_assert_not(scan_pagemap_must_compare(&e));
}

/* An ELF64 file's first bytes with the given PT_LOAD segments. */
static size_t elf64(__u8 *buf, size_t size, const Elf64_Phdr *ph, unsigned int n)
{
	Elf64_Ehdr eh = { .e_phoff = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
			  .e_phnum = (Elf64_Half)n };

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	memset(buf, 0, size);
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), ph, n * sizeof(*ph));
	return sizeof(eh) + n * sizeof(*ph);
}

Test(elf, zones_of_executable_segments_with_bss)
{
	Elf64_Phdr ph[] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000, .p_filesz = 0x1234, .p_memsz = 0x1234 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = 0x3000, .p_filesz = 0x0100, .p_memsz = 0x5000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x9000, .p_filesz = 0x10, .p_memsz = 0x2000 },
		{ .p_type = PT_DYNAMIC, .p_flags = PF_R | PF_X, .p_offset = 0xa000, .p_filesz = 0x10, .p_memsz = 0x20 },
	};
	struct scan_elf_zones z;
	__u8 buf[1024];
	size_t len = elf64(buf, sizeof(buf), ph, 4);

	scan_elf_zones_parse(buf, len, 4096, &z);
	/* Only the executable PT_LOAD with memsz > filesz; to the end of its page. */
	cr_assert_eq(z.n, 1);
	cr_assert_eq(z.z[0].start, 0x3100ull);
	cr_assert_eq(z.z[0].end, 0x4000ull);
}

Test(elf, zone_ending_on_a_page_boundary_is_empty)
{
	Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_X, .p_offset = 0x1000, .p_filesz = 0x1000, .p_memsz = 0x3000 };
	struct scan_elf_zones z;
	__u8 buf[512];

	scan_elf_zones_parse(buf, elf64(buf, sizeof(buf), &ph, 1), 4096, &z);
	cr_assert_eq(z.n, 0);
}

Test(elf, not_elf_or_truncated)
{
	Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_X, .p_offset = 0, .p_filesz = 0x10, .p_memsz = 0x20 };
	struct scan_elf_zones z;
	__u8 buf[512];
	size_t len = elf64(buf, sizeof(buf), &ph, 1);

	scan_elf_zones_parse((const __u8 *)"#!/bin/sh\n", 10, 4096, &z);
	cr_assert_eq(z.n, 0);
	/* Program headers cut off: nothing read past the buffer. */
	scan_elf_zones_parse(buf, len - 1, 4096, &z);
	cr_assert_eq(z.n, 0);
	scan_elf_zones_parse(buf, len, 4096, &z);
	cr_assert_eq(z.n, 1);
	/* A bogus e_phentsize. */
	buf[offsetof(Elf64_Ehdr, e_phentsize)] = 12;
	scan_elf_zones_parse(buf, len, 4096, &z);
	cr_assert_eq(z.n, 0);
}

Test(elf, elf32)
{
	__u8 buf[512] = {};
	Elf32_Ehdr eh = { .e_phoff = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1 };
	Elf32_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_X | PF_W, .p_offset = 0x2000, .p_filesz = 0x10, .p_memsz = 0x800 };
	struct scan_elf_zones z;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	scan_elf_zones_parse(buf, sizeof(eh) + sizeof(ph), 4096, &z);
	cr_assert_eq(z.n, 1);
	cr_assert_eq(z.z[0].start, 0x2010ull);
	cr_assert_eq(z.z[0].end, 0x3000ull);
}

#define PG 4096
static __u8 mem[PG], file[PG];

static void fill(void)
{
	for (size_t i = 0; i < PG; i++)
		mem[i] = file[i] = (__u8)(i * 7 + 1);
}

Test(compare, identical_page)
{
	size_t first = 99;

	fill();
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0, NULL, &first), 0);
	cr_assert_eq(first, 0);
}

Test(compare, patched_bytes_counted_first_reported)
{
	size_t first;

	fill();
	mem[100] ^= 1;
	mem[200] ^= 1;
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0, NULL, &first), 2);
	cr_assert_eq(first, 100);
}

Test(compare, past_end_of_file_reads_zero)
{
	size_t first;

	fill();
	memset(mem + 1000, 0, PG - 1000);
	cr_assert_eq(scan_page_compare(mem, file, 1000, PG, 0, NULL, &first), 0);
	mem[PG - 1] = 0xcc;	/* code hidden past the end of the file */
	cr_assert_eq(scan_page_compare(mem, file, 1000, PG, 0, NULL, &first), 1);
	cr_assert_eq(first, PG - 1);
}

Test(compare, loader_zero_fill_zone)
{
	struct scan_elf_zones z = { .n = 1, .z = { { 0x3100, 0x4000 } } };
	size_t first;

	/* The page at file offset 0x3000: zone is page bytes 0x100..0xfff. */
	fill();
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0x3000, &z, &first), 0, "file bytes kept");
	memset(mem + 0x100, 0, PG - 0x100);
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0x3000, &z, &first), 0, "zeroed by the loader");
	/* Code written into the zeroed tail: neither the file nor zeros. */
	mem[0x800] = 0xc3;
	cr_assert_neq(scan_page_compare(mem, file, PG, PG, 0x3000, &z, &first), 0);
	cr_assert_eq(first, 0x100, "counted against the file, from the zone's start");
	/* Before the zone, every byte must be the file's. */
	fill();
	memset(mem + 0x100, 0, PG - 0x100);
	mem[0xff] ^= 1;
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0x3000, &z, &first), 1);
	cr_assert_eq(first, 0xff);
	/* A zone on another page changes nothing here. */
	fill();
	memset(mem + 0x100, 0, 16);
	cr_assert_eq(scan_page_compare(mem, file, PG, PG, 0x5000, &z, &first), 16);
}

/* ---- the last scan's summary (scan_last.h) --------------------------------- */

static void last_setup(void)
{
	scratch_make("scan-last");
	cr_assert_eq(setenv("NOJIT_STATE_DIR", scratch_path("state"), 1), 0);
}

static void last_teardown(void)
{
	unsetenv("NOJIT_STATE_DIR");
	scratch_remove();
}

TestSuite(scan_last, .init = last_setup, .fini = last_teardown);

static struct scan_finding finding(unsigned int i, const char *file)
{
	return (struct scan_finding){
		.pid = 100 + (pid_t)i, .tgid = 100, .comm = "jit", .cgroup = "/nojit-test-scan",
		.cgroup_id = 4242, .enrolled_id = 4200, .start = 0x7f0000000000ull + 0x1000ull * i,
		.end = 0x7f0000001000ull + 0x1000ull * i, .perms = "rwxp", .file = file,
		.reason = file ? SCAN_REASON_MODIFIED : SCAN_REASON_ANONYMOUS, .has_sha256 = file != NULL,
		.sha256 = { 0xab, 0xcd },
	};
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v), "no %s in %s", key, json_object_to_json_string(o));
	return v;
}

Test(scan_last, none_kept_is_enoent)
{
	struct json_object *o = NULL;
	struct nojit_err err;

	cr_assert_eq(scan_last_read(&o, &err), -ENOENT);
	cr_assert(strstr(err.msg, SCAN_LAST_FILE), "%s", err.msg);
}

Test(scan_last, a_scan_is_kept_and_read_back)
{
	struct scan_stats st = { .tasks = 7, .mappings = 30, .vanished = 1 };
	struct scan_finding anon = finding(0, NULL), mod = finding(1, "/usr/bin/app");
	struct json_object *o = NULL, *f;
	struct scan_last l;
	struct nojit_err err;
	__u64 t;

	cr_assert_eq(scan_last_begin(&l), 0);
	scan_last_add(&l, &anon);
	scan_last_add(&l, &mod);
	cr_assert_eq(scan_last_commit(&l, "daemon", &st, 2, &err), 0, "%s", err.msg);
	cr_assert_null(l.findings, "commit releases the summary");
	cr_assert_eq(scan_last_read(&o, &err), 0, "%s", err.msg);
	cr_assert_str_eq(json_object_get_string(member(o, "source")), "daemon");
	cr_assert(audit_time_parse(json_object_get_string(member(o, "time")), &t));
	cr_assert_eq(json_object_get_uint64(member(o, "tasks")), 7);
	cr_assert_eq(json_object_get_uint64(member(o, "unreadable")), 2);
	cr_assert_eq(json_object_get_uint64(member(o, "findingCount")), 2);
	cr_assert_eq(json_object_get_uint64(member(o, "findingsOmitted")), 0);
	f = json_object_array_get_idx(member(o, "findings"), 0);
	cr_assert_eq(json_object_get_int(member(f, "pid")), 100);
	cr_assert_str_eq(json_object_get_string(member(f, "reason")), "anonymous");
	cr_assert_str_eq(json_object_get_string(member(f, "cgroup")), "/nojit-test-scan");
	cr_assert_eq(json_object_get_uint64(member(f, "cgroupId")), 4242);
	cr_assert_str_eq(json_object_get_string(member(f, "start")), "0x7f0000000000");
	cr_assert_null(member(f, "file"));
	cr_assert_null(member(f, "sha256"));
	f = json_object_array_get_idx(member(o, "findings"), 1);
	cr_assert_str_eq(json_object_get_string(member(f, "reason")), "modified");
	cr_assert_str_eq(json_object_get_string(member(f, "file")), "/usr/bin/app");
	cr_assert_str_eq(json_object_get_string(member(f, "sha256")),
			 "abcd000000000000000000000000000000000000000000000000000000000000");
	json_object_put(o);

	/* The next scan replaces it: a clean one says so. */
	cr_assert_eq(scan_last_begin(&l), 0);
	cr_assert_eq(scan_last_commit(&l, "scan", &st, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(scan_last_read(&o, &err), 0, "%s", err.msg);
	cr_assert_str_eq(json_object_get_string(member(o, "source")), "scan");
	cr_assert_eq(json_object_get_uint64(member(o, "findingCount")), 0);
	cr_assert_eq(json_object_array_length(member(o, "findings")), 0);
	json_object_put(o);
}

Test(scan_last, many_findings_are_counted_and_the_file_stays_small)
{
	struct scan_stats st = { .tasks = 1000 };
	char longpath[4096];
	struct json_object *o = NULL, *f;
	struct scan_last l;
	struct nojit_err err;
	struct stat sb;

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(scan_last_begin(&l), 0);
	for (unsigned int i = 0; i < 5000; i++) {
		struct scan_finding fi = finding(i, longpath);

		scan_last_add(&l, &fi);
	}
	cr_assert_eq(scan_last_commit(&l, "daemon", &st, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(scratch_path("state/" SCAN_LAST_FILE), &sb), 0);
	cr_assert_lt(sb.st_size, 32 << 10, "%lld bytes", (long long)sb.st_size);
	cr_assert_eq(scan_last_read(&o, &err), 0, "%s", err.msg);
	cr_assert_eq(json_object_get_uint64(member(o, "findingCount")), 5000);
	cr_assert_eq(json_object_array_length(member(o, "findings")), SCAN_LAST_MAX_FINDINGS);
	cr_assert_eq(json_object_get_uint64(member(o, "findingsOmitted")), 5000 - SCAN_LAST_MAX_FINDINGS);
	f = json_object_array_get_idx(member(o, "findings"), 0);
	cr_assert_eq(strlen(json_object_get_string(member(f, "file"))), SCAN_LAST_STRING_MAX);
	json_object_put(o);
}

Test(scan_last, a_damaged_file_is_refused)
{
	struct json_object *o = NULL;
	struct nojit_err err;
	FILE *f;

	cr_assert_eq(mkdir(scratch_path("state"), 0700), 0);
	f = fopen(scratch_path("state/" SCAN_LAST_FILE), "w");
	cr_assert_not_null(f);
	fputs("{\"format\":1,\"time\":", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(scan_last_read(&o, &err), -EBADMSG);
	cr_assert(strstr(err.msg, SCAN_LAST_FILE), "%s", err.msg);
}
