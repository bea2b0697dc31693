// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <json-c/json.h>

#include "cgroup.h"
#include "json_check.h"
#include "oci.h"

void oci_state_free(struct oci_state *s)
{
	if (!s)
		return;
	json_object_put(s->root);
	*s = (struct oci_state){ 0 };
}

static void json_putp(struct json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

/* Parse LEN bytes as exactly one JSON object; WHAT names it in messages. */
static int json_parse_object(const char *buf, size_t len, const char *what,
			     struct json_object **ret, struct nojit_err *err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t used;

	if (len > INT_MAX)
		return nojit_err_set(err, -EFBIG, "%s: too large", what);
	if (memchr(buf, '\0', len))
		return nojit_err_set(err, -EINVAL, "%s: contains a NUL byte", what);
	tok = json_tokener_new();
	if (!tok)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", what);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success)
		return nojit_err_set(err, -EINVAL, "%s: not valid JSON (%s)", what,
				     jerr == json_tokener_continue ? "truncated"
								   : json_tokener_error_desc(jerr));
	for (; used < len; used++)
		if (!strchr(" \t\r\n", buf[used]))
			return nojit_err_set(err, -EINVAL, "%s: data after the JSON document",
					     what);
	if (!json_object_is_type(o, json_type_object))
		return nojit_err_set(err, -EINVAL, "%s: not a JSON object", what);
	/* json-c would let a second copy of an annotation replace the first. */
	if (json_repeats_names(buf, len, o))
		return nojit_err_set(err, -EINVAL, "%s: an object names the same member twice", what);
	if (json_has_escaped_nul(buf, len))
		return nojit_err_set(err, -EINVAL, "%s: a string holds \\u0000", what);
	*ret = TAKE_PTR(o);
	return 0;
}

/* Optional string member KEY of O: NULL when absent, -EINVAL when not a string. */
static int member_string(struct json_object *o, const char *key, const char *what,
			 const char **ret, struct nojit_err *err)
{
	struct json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return nojit_err_set(err, -EINVAL, "%s: \"%s\" is not a string", what, key);
	*ret = json_object_get_string(v);
	return 0;
}

/* Annotations: an object whose values are all strings. */
static int check_annotations(struct json_object *ann, const char *what, struct nojit_err *err)
{
	if (!json_object_is_type(ann, json_type_object))
		return nojit_err_set(err, -EINVAL, "%s: \"annotations\" is not an object", what);
	json_object_object_foreach(ann, k, v) {
		if (!json_object_is_type(v, json_type_string))
			return nojit_err_set(err, -EINVAL,
					     "%s: annotation \"%s\" is not a string", what, k);
	}
	return 0;
}

static bool id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > OCI_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '/')
			return false;
	return true;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct nojit_err *err)
{
	static const char what[] = "container state on stdin";
	_cleanup_json_ struct json_object *root = NULL;
	struct oci_state s = { 0 };
	struct json_object *v;
	const char *str;
	int64_t pid;
	int r;

	if (!len)
		return nojit_err_set(err, -EINVAL,
				     "%s: empty (run me as an OCI createRuntime hook)", what);
	r = json_parse_object(buf, len, what, &root, err);
	if (r)
		return r;
	r = member_string(root, "id", what, &str, err);
	if (r)
		return r;
	if (!str)
		return nojit_err_set(err, -EINVAL, "%s: no \"id\"", what);
	if (!id_valid(str))
		return nojit_err_set(err, -EINVAL,
				     "%s: container id \"%.80s\" is empty, longer than %d bytes, or has a space, '/' or control character",
				     what, str, OCI_ID_MAX);
	s.id = (char *)str;
	if (!json_object_object_get_ex(root, "pid", &v) || !json_object_is_type(v, json_type_int))
		return nojit_err_set(err, -EINVAL,
				     "%s: no integer \"pid\" (the hook must run at createRuntime, when the container's init exists)",
				     what);
	errno = 0;
	pid = json_object_get_int64(v);
	if (errno || pid <= 0 || pid > INT_MAX)
		return nojit_err_set(err, -EINVAL, "%s: \"pid\" %lld is not a process id", what,
				     (long long)pid);
	s.pid = (pid_t)pid;
	r = member_string(root, "bundle", what, &str, err);
	if (r)
		return r;
	if (!str || str[0] != '/')
		return nojit_err_set(err, -EINVAL, "%s: \"bundle\" is not an absolute path", what);
	s.bundle = (char *)str;
	r = member_string(root, "status", what, &str, err);
	if (r)
		return r;
	s.status = (char *)str;
	if (json_object_object_get_ex(root, "annotations", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		r = check_annotations(v, what, err);
		if (r)
			return r;
		s.annotations = v;
		s.has_annotations = true;
	} else {
		s.annotations = json_object_new_object();
		if (!s.annotations)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		json_object_object_add(root, "annotations", s.annotations);
	}
	s.root = TAKE_PTR(root);
	*ret = s;
	return 0;
}

int oci_state_read(int fd, struct oci_state *ret, struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = read_fd_max(fd, OCI_STATE_MAX, &buf, &len);
	if (r == -EFBIG)
		return nojit_err_set(err, r, "container state on stdin: larger than %d bytes",
				     OCI_STATE_MAX);
	if (r)
		return nojit_err_set(err, r, "container state on stdin: %s", strerror(-r));
	return oci_state_parse(buf, len, ret, err);
}

int oci_config_read(struct oci_state *s, struct json_object **ret_config,
		    const char **ret_cgroups_path, struct nojit_err *err)
{
	_cleanup_json_ struct json_object *config = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct json_object *v, *linux_;
	const char *cgroups_path = NULL;
	struct stat st;
	size_t len;
	int r;

	if (asprintf(&path, "%s/config.json", s->bundle) < 0)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "bundle %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return nojit_err_set(err, -errno, "bundle %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "bundle %s: not a regular file", path);
	r = read_fd_max(fd, OCI_CONFIG_MAX, &buf, &len);
	if (r == -EFBIG)
		return nojit_err_set(err, r, "bundle %s: larger than %d bytes", path, OCI_CONFIG_MAX);
	if (r)
		return nojit_err_set(err, r, "bundle %s: %s", path, strerror(-r));
	r = json_parse_object(buf, len, path, &config, err);
	if (r)
		return r;
	if (json_object_object_get_ex(config, "annotations", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		r = check_annotations(v, path, err);
		if (r)
			return r;
		/* The state's own annotations win: they are what the runtime holds. */
		if (!s->has_annotations) {
			json_object_object_add(s->root, "annotations", json_object_get(v));
			s->annotations = v;
			s->has_annotations = true;
		}
	}
	if (json_object_object_get_ex(config, "linux", &linux_) &&
	    json_object_is_type(linux_, json_type_object)) {
		r = member_string(linux_, "cgroupsPath", path, &cgroups_path, err);
		if (r)
			return r;
		if (cgroups_path && !cgroups_path[0])
			cgroups_path = NULL;
	}
	*ret_cgroups_path = cgroups_path;
	*ret_config = TAKE_PTR(config);
	return 0;
}

/* Compare P[0..N) with the NUL-terminated S. */
static bool span_eq(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(p, s, n);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int oci_cgroups_path_match(const char *path, const char *cgroups_path)
{
	_cleanup_free_ char *want = NULL, *copy = NULL;
	const char *first_colon = strchr(cgroups_path, ':');
	size_t plen = strlen(path), wlen;

	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	if (first_colon && cgroups_path[0] != '/') {
		/* systemd driver: "slice:prefix:name". */
		const char *second = strchr(first_colon + 1, ':');
		const char *prefix = first_colon + 1, *name;
		size_t prefix_len;

		if (!second)
			return -EXDEV;
		prefix_len = (size_t)(second - prefix);
		name = second + 1;
		if (!*name)
			return -EXDEV;
		if (ends_with(name, ".slice") || ends_with(name, ".scope"))
			want = strdup(name);
		else if (asprintf(&want, "%.*s%s%s.scope", (int)prefix_len, prefix,
				  prefix_len ? "-" : "", name) < 0)
			want = NULL;
		if (!want)
			return -ENOMEM;
		for (const char *p = path; p < path + plen;) {
			const char *end = memchr(p, '/', (size_t)(path + plen - p));

			if (!end)
				end = path + plen;
			if (span_eq(p, (size_t)(end - p), want))
				return 0;
			p = end + 1;
		}
		return -EXDEV;
	}
	/* cgroupfs driver: an absolute path below the mount, or a relative one. */
	copy = strdup(cgroups_path);
	if (!copy)
		return -ENOMEM;
	wlen = strlen(copy);
	while (wlen > 1 && copy[wlen - 1] == '/')
		copy[--wlen] = '\0';
	if (copy[0] == '/')
		return span_eq(path, plen, copy) ? 0 : -EXDEV;
	if (plen > wlen && path[plen - wlen - 1] == '/' && !memcmp(path + plen - wlen, copy, wlen))
		return 0;
	return -EXDEV;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* PID's cgroup2 path from /proc/PID/cgroup; *RET malloc'd. */
static int proc_pid_cgroup(pid_t pid, char **ret, struct nojit_err *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char file[64];
	size_t cap = 0;
	ssize_t n;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return nojit_err_set(err, -errno, "container init (pid %d): %s: %s", (int)pid, file,
				     strerror(errno));
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (strncmp(line, "0::", 3))
			continue;
		if (line[3] != '/')
			return nojit_err_set(err, -EINVAL, "container init (pid %d): %s: \"%s\" is not a path",
					     (int)pid, file, line);
		/* Outside this process's cgroup namespace: not reachable by path here. */
		if (!strncmp(line + 3, "/..", 3))
			return nojit_err_set(err, -EXDEV,
					     "container init (pid %d): its cgroup %s is outside this cgroup namespace",
					     (int)pid, line + 3);
		*ret = strdup(line + 3);
		return *ret ? 0 : nojit_err_set(err, -ENOMEM, "out of memory");
	}
	if (ferror(f))
		return nojit_err_set(err, -EIO, "container init (pid %d): cannot read %s", (int)pid,
				     file);
	return nojit_err_set(err, -ENOENT,
			     "container init (pid %d): %s has no cgroup2 (\"0::\") line: cgroup v1 is not supported",
			     (int)pid, file);
}

/* 1 if the cgroup.procs of the cgroup open at FD lists PID, 0 if not. */
static int cgroup_has_pid(int fd, pid_t pid)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int pfd;

	pfd = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	f = fdopen(pfd, "r");
	if (!f) {
		int r = -errno;

		close(pfd);
		return r;
	}
	while (getline(&line, &cap, f) > 0)
		if (strtol(line, NULL, 10) == pid)
			return 1;
	return ferror(f) ? -EIO : 0;
}

int oci_pid_cgroup(pid_t pid, const char *cgroups_path, int *ret_fd, __u64 *ret_id,
		   char **ret_path, char **ret_dir, struct nojit_err *err)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int pidfd = -1, fd = -1;
	struct pollfd pfd;
	char mount[PATH_MAX];
	__u64 id;
	int r;

	/* Pinned first: from here on PID cannot name another process unnoticed. */
	pidfd = pidfd_open_(pid);
	if (pidfd < 0)
		return nojit_err_set(err, -errno, "container init (pid %d): %s", (int)pid,
				     errno == ESRCH ? "no such process" : strerror(errno));
	r = proc_pid_cgroup(pid, &path, err);
	if (r)
		return r;
	r = cgroup2_mount_path(mount, sizeof(mount));
	if (r)
		return nojit_err_set(err, r, "no cgroup2 mount: %s", strerror(-r));
	if (asprintf(&dir, "%s%s", mount, strcmp(path, "/") ? path : "") < 0)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	if (!strcmp(path, "/"))
		return nojit_err_set(err, -EPERM,
				     "container init (pid %d) is in the root cgroup: refusing to enroll the whole host",
				     (int)pid);
	if (cgroups_path && oci_cgroups_path_match(path, cgroups_path))
		return nojit_err_set(err, -EXDEV,
				     "container init (pid %d) is in cgroup %s, not in the one config.json's linux.cgroupsPath \"%s\" names",
				     (int)pid, path, cgroups_path);
	r = cgroup_open(dir, &fd, &id, err);
	if (r)
		return r;
	/* The directory opened is the one the process is in, not a namesake made since. */
	r = cgroup_has_pid(fd, pid);
	if (r < 0)
		return nojit_err_set(err, r, "cgroup %s: cannot read cgroup.procs: %s", dir,
				     strerror(-r));
	if (!r)
		return nojit_err_set(err, -ESRCH,
				     "container init (pid %d) left cgroup %s while it was being opened",
				     (int)pid, path);
	/* Still alive, so PID named this same process at every step above. */
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	r = poll(&pfd, 1, 0);
	if (r < 0)
		return nojit_err_set(err, -errno, "container init (pid %d): poll: %s", (int)pid,
				     strerror(errno));
	if (r > 0)
		return nojit_err_set(err, -ESRCH,
				     "container init (pid %d) exited while its cgroup was looked up",
				     (int)pid);
	*ret_fd = TAKE_FD(fd);
	*ret_id = id;
	*ret_path = TAKE_PTR(path);
	*ret_dir = TAKE_PTR(dir);
	return 0;
}
