// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <sodium.h>

#include "exception_sweep.h"

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Why the exception of MARK no longer holds for a task governed by ENROLLED_ID, or NULL. */
static const char *ended(const struct nojit_maps *m, __u64 enrolled_id,
			 const struct nojit_task_mark *mark)
{
	struct nojit_allow_key key = {};
	struct nojit_policy_ref ref;
	struct nojit_exception x;

	if (bpf_map_lookup_elem(m->policies, &enrolled_id, &ref))
		return "revoked";
	key.policy_id = ref.policy_id;
	memcpy(key.sha256, mark->sha256, sizeof(key.sha256));
	if (bpf_map_lookup_elem(m->exceptions, &key, &x))
		return "revoked";
	return boot_ns() >= x.expires_boot_ns ? "expired" : NULL;
}

static void check_pid(const struct nojit_maps *m, __u64 cgroup_id, __u64 enrolled_id, pid_t pid,
		      exception_sweep_fn fn, void *ctx, size_t *marked)
{
	struct exception_sweep_kill k = { .pid = pid, .cgroup_id = cgroup_id };
	struct nojit_task_state ts;
	int pidfd;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return;	/* gone */
	if (bpf_map_lookup_elem(m->task_state, &pidfd, &ts) || !ts.mark.marked) {
		close(pidfd);
		return;
	}
	(*marked)++;
	k.why = ended(m, enrolled_id, &ts.mark);
	if (k.why) {
		memcpy(k.sha256, ts.mark.sha256, sizeof(k.sha256));
		k.error = syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) ? -errno : 0;
		fn(ctx, &k);
	}
	close(pidfd);
}

int exception_sweep(const struct nojit_maps *m, struct cgroup_names *names,
		    exception_sweep_fn fn, void *ctx, size_t *ret_marked)
{
	struct nojit_cgroup_policy pol;
	__u64 id, *prev = NULL;
	size_t marked = 0;

	while (bpf_map_get_next_key(m->cgroups, prev, &id) == 0) {
		char dir[4096], path[4200];
		FILE *f;
		long pid;

		prev = &id;
		if (bpf_map_lookup_elem(m->cgroups, &id, &pol) ||
		    cgroup_names_dir(names, id, dir, sizeof(dir)))
			continue;	/* gone meanwhile */
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%ld", &pid) == 1)
			check_pid(m, id, pol.enrolled_id, (pid_t)pid, fn, ctx, &marked);
		fclose(f);
	}
	*ret_marked = marked;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int exception_state(const struct nojit_maps *m, struct cgroup_names *names, char **ret_text,
		    size_t *ret_n, __u8 digest[32])
{
	struct nojit_policy_ref ref;
	__u64 id, *prev = NULL, now = boot_ns();
	char **lines = NULL, *text = NULL;
	size_t n = 0, len = 0;
	int r = 0;
	FILE *f;

	while (!r && bpf_map_get_next_key(m->policies, prev, &id) == 0) {
		struct nojit_allow_key key, *kprev = NULL;

		prev = &id;
		if (bpf_map_lookup_elem(m->policies, &id, &ref))
			continue;
		while (!r && bpf_map_get_next_key(m->exceptions, kprev, &key) == 0) {
			const char *path = cgroup_names_path(names, id);
			struct nojit_exception x;
			char hex[65], **grown;
			__u64 left;

			kprev = &key;
			if (key.policy_id != ref.policy_id || bpf_map_lookup_elem(m->exceptions, &key, &x))
				continue;
			x.id[sizeof(x.id) - 1] = '\0';
			hex_encode(key.sha256, 32, hex);
			left = x.expires_boot_ns > now ? (x.expires_boot_ns - now) / 1000000000ull : 0;
			grown = realloc(lines, (n + 1) * sizeof(*lines));
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			lines = grown;
			/* Whether it is past its end, not the time left: stable from one read to the next. */
			if (asprintf(&lines[n], "%s: %s for %s%s%s, %s\n", path ? path : "(removed cgroup)", x.id,
				     hex, x.allow & NOJIT_EXC_ANON_EXEC ? " anon-exec" : "",
				     x.allow & NOJIT_EXC_WX_FLIP ? " wx-flip" : "",
				     left ? "in force" : "expired") < 0) {
				r = -ENOMEM;
				break;
			}
			n++;
		}
	}
	if (!r) {
		qsort(lines, n, sizeof(*lines), cmp_line);
		f = open_memstream(&text, &len);
		if (!f) {
			r = -ENOMEM;
		} else {
			for (size_t i = 0; i < n; i++)
				fputs(lines[i], f);
			if (fclose(f))
				r = -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (r) {
		free(text);
		return r;
	}
	crypto_hash_sha256(digest, (const unsigned char *)text, len);
	*ret_text = text;
	*ret_n = n;
	return 0;
}
