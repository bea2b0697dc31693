// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log's readers (controller/audit_log.h), on files as they are
 * on disk: the offline verifier (`nojit audit verify`), the head reader
 * (attestation binds to it) and the writer's start-up, which reads the
 * tail of an existing log to continue or recover it.
 *
 * An input is a mode byte, then up to three log files separated by NUL
 * bytes (segments, given to the verifier in that order). Mode bits:
 *   1  repair: before writing the files the harness recomputes every
 *      "prev" from the line before it and re-signs every seal with its own
 *      trusted key (docs/audit-log.md gives both rules), so mutations get
 *      past the chain and seal checks to the code behind them
 *   2  verify strictly (--strict)
 *   4  also open the first file for appending, as the daemon does at start
 * Oracle: when the verifier accepts a one-file log, the head reader must
 * find the same last record, seal, unsealed count and partial tail.
 * The seeds are logs this harness's writer produced with the same key:
 *   NOJIT_FUZZ_SEEDS=DIR fuzz_audit_log   writes them to DIR and exits.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_log.h"
#include "common.h"

#define FILES_MAX	3
#define SIG_TAIL	",\"sig\":\""
/* ,"sig":"<88 base64>"} : cut off a seal line to get what is signed */
#define SIG_TAIL_LEN	(sizeof(SIG_TAIL) - 1 + AUDIT_SIG_B64_LEN + 2)

struct repair {
	__u8 prev[32];
	bool has_prev;
};

/* Fix LINE (LEN bytes, no newline) in place as described above. */
static void repair_line(struct repair *st, char *line, size_t len)
{
	char *p = len > 40 ? memmem(line, 40, ",\"prev\":\"", 9) : NULL;

	if (p && st->has_prev && p + 9 + 64 <= line + len) {
		char hex[65];

		hex_encode(st->prev, 32, hex);
		memcpy(p + 9, hex, 64);
	}
	if (len > SIG_TAIL_LEN && !memcmp(line + len - SIG_TAIL_LEN, SIG_TAIL, sizeof(SIG_TAIL) - 1) &&
	    !memcmp(line + len - 2, "\"}", 2)) {
		size_t ctx = strlen(AUDIT_SEAL_CONTEXT), body = len - SIG_TAIL_LEN;
		char *msg = malloc(ctx + body + 1), b64[AUDIT_SIG_B64_LEN + 1];
		__u8 sig[NOJIT_SIG_LEN];

		if (!msg)
			abort();
		memcpy(msg, AUDIT_SEAL_CONTEXT, ctx);
		memcpy(msg + ctx, line, body);
		msg[ctx + body] = '}';
		if (key_sign(&fuzz_keys()->signing, msg, ctx + body + 1, sig))
			abort();
		free(msg);
		sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
		memcpy(line + len - 2 - AUDIT_SIG_B64_LEN, b64, AUDIT_SIG_B64_LEN);
	}
	crypto_hash_sha256(st->prev, (const unsigned char *)line, len);
	st->has_prev = true;
}

static void repair(struct repair *st, char *buf, size_t len)
{
	for (size_t i = 0; i < len;) {
		char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;

		repair_line(st, buf + i, end - i);
		i = end + 1;
	}
}

static void remove_prefixed(const char *prefix)
{
	DIR *d = opendir(fuzz_dir());
	struct dirent *e;

	if (!d)
		abort();
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static __u64 fixed_clock(void *ctx)
{
	return (*(__u64 *)ctx += 1000000000ull);
}

/* Logs of each record type, sealed and not, in one and in two segments. */
static void write_seeds(const char *out)
{
	__u64 now = 1796601600ull * 1000000000ull;
	struct audit_log_config cfg = { .seal_every = 3, .clock_ns = fixed_clock, .clock_ctx = &now };
	struct audit_event ev = { .hook = 1, .route = 1, .action = 1, .prot = 4, .pid = 42, .tgid = 42,
				  .comm = "node", .exe = "/usr/bin/node", .cgroup_id = 7, .enrolled_id = 7,
				  .cgroup_path = "/system.slice/app.service", .path = "/tmp/x", .ino = 9 };
	struct audit_response resp = { .action = "kill", .pid = 42, .event_seq = 2 };
	struct audit_scan_finding f = { .reason = "anonymous", .pid = 42, .tgid = 42, .comm = "node",
					.start = 0x1000, .end = 0x2000, .perms = "r-xp" };
	struct audit_vk_event vk = { .event = "spawn_denied", .module = "sh", .target = "/bin/ls" };
	struct audit_policy_event pol = { .action = "apply", .dir = "/etc/nojit/policy.d", .policies = 1 };
	const char *names[] = { "sealed", "rotated", "unsealed-tail" };
	struct audit_log *log;
	struct nojit_err err = {};
	char path[4200], rotated[PATH_MAX];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s.log", fuzz_dir(), names[i]);
		if (audit_log_open(path, &fuzz_keys()->signing, &cfg, &log, NULL, &err) ||
		    audit_log_append_event(log, &ev, NULL, &err) ||
		    audit_log_append_response(log, &resp, NULL, &err) ||
		    audit_log_append_drops(log, "kernel", 3, 10, true, NULL, &err) ||
		    audit_log_append_scan(log, &f, NULL, &err) ||
		    audit_log_append_vkernel(log, &vk, NULL, &err) ||
		    audit_log_append_policy(log, &pol, NULL, &err))
			goto fail;
		if (i == 1 && (audit_log_rotate(log, rotated, &err) ||
			       audit_log_append_event(log, &ev, NULL, &err)))
			goto fail;
		if (i == 2)
			audit_log_free(log);	/* a crash: the tail stays unsealed */
		else if (audit_log_close(log, &err))
			goto fail;
		{
			char cmd[9000];

			/* mode byte 1 (repair), then the file(s), NUL separated */
			snprintf(cmd, sizeof(cmd), "{ printf '\\001'; %s%s%s cat %s; } > %s/%s",
				 i == 1 ? "cat " : "", i == 1 ? rotated : "", i == 1 ? "; printf '\\000';" : "",
				 path, out, names[i]);
			if (system(cmd))
				goto fail;
		}
	}
	exit(0);
fail:
	fprintf(stderr, "seeds: %s\n", err.msg);
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *out = getenv("NOJIT_FUZZ_SEEDS");

	(void)argc, (void)argv;
	if (out)
		write_seeds(out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char paths[FILES_MAX][4200];
	const char *files[FILES_MAX];
	struct audit_verify_opts opts = {};
	struct audit_verify_result res;
	struct audit_log_head head = {};
	struct repair st = {};
	struct nojit_err err = {};
	size_t n = 0, start = 1;
	char *buf;

	if (!size)
		return 0;
	if (!paths[0][0])
		for (int i = 0; i < FILES_MAX; i++) {
			char name[32];

			snprintf(name, sizeof(name), "seg%d.log", i);
			fuzz_path(paths[i], sizeof(paths[i]), name);
		}
	buf = malloc(size);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	while (n < FILES_MAX && start <= size) {
		char *nul = memchr(buf + start, 0, size - start);
		size_t end = nul ? (size_t)(nul - buf) : size;

		if (data[0] & 1)
			repair(&st, buf + start, end - start);
		fuzz_write(paths[n], buf + start, end - start);
		files[n] = paths[n];
		n++;
		start = end + 1;
	}
	free(buf);
	opts.strict = data[0] & 2;
	if (audit_verify(files, n, &fuzz_keys()->signing_trust, &opts, &res, &err) == 0 &&
	    res.reason == AUDIT_OK && n == 1) {
		/*
		 * Two readers of one file, forwards and backwards: an
		 * attestation binds to what the head reader says, so it must
		 * be where the verifier says the log ends.
		 */
		if (audit_log_head(files[0], &head, &err) ||
		    head.last_seq != res.last_seq || memcmp(head.last_sha256, res.head, 32) ||
		    head.unsealed != res.unsealed || head.partial_bytes != res.partial_bytes ||
		    head.has_seal != (res.last_seal_seq != 0) ||
		    (head.has_seal && head.seal_seq != res.last_seal_seq)) {
			fprintf(stderr, "head and verifier disagree: %s; seq %llu/%llu unsealed %llu/%llu partial %llu/%llu seal %llu/%llu\n",
				err.msg, (unsigned long long)head.last_seq, (unsigned long long)res.last_seq,
				(unsigned long long)head.unsealed, (unsigned long long)res.unsealed,
				(unsigned long long)head.partial_bytes, (unsigned long long)res.partial_bytes,
				(unsigned long long)head.seal_seq, (unsigned long long)res.last_seal_seq);
			abort();
		}
	} else {
		audit_log_head(files[0], &head, &err);
	}
	if (data[0] & 4) {
		struct audit_log *log;

		if (audit_log_open(files[0], &fuzz_keys()->signing, NULL, &log, NULL, &err) == 0)
			audit_log_free(log);
		/* It may have moved the file aside (to FILE.N): start the next input clean. */
		remove_prefixed("seg0.log.");
	}
	for (size_t i = 0; i < n; i++)
		unlink(files[i]);
	return 0;
}
