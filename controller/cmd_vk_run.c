// SPDX-License-Identifier: GPL-2.0
/*
 * nojit vk run: verify a megabinary with the operator's trust store, then
 * run one of its modules under every confinement layer available, in a
 * transient cgroup whose hash gate allows the megabinary and nothing else.
 */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sodium.h>

#include "attest_vk.h"
#include "audit_log.h"
#include "cli.h"
#include "cmd.h"
#include "enforce_cgroup.h"
#include "run.h"
#include "vk_audit.h"
#include "vk_build.h"

static const char vk_run_usage[] =
	"Usage: nojit vk run --trust PUB|DIR [--layers LIST] [--allow-missing]\n"
	"                    [--cgroup-parent DIR] [--dir HOST[:GUEST]]... [--env K=V]...\n"
	"                    [--script-manifest FILE] [--audit-log FILE --audit-key KEY]\n"
	"                    [--attest-key KEY --nonce HEX --attest-out FILE [--attest-tpm[=DEV]]]\n"
	"                    APP -- MODULE [ARGS...]\n"
	"\n"
	"Check APP's signed trailer against the trust store, then run MODULE of\n"
	"it confined: bpf-lsm with a hash gate that lists APP alone, and the\n"
	"host layers (nojit run --help). Exits with the module's status.\n"
	"\n"
	"  -t, --trust PUB|DIR     keys a megabinary must be signed by\n"
	"  -l, --layers LIST       as nojit run (default: every available layer)\n"
	"  -m, --allow-missing     run even if a requested layer is unavailable\n"
	"  -c, --cgroup-parent DIR as nojit run\n"
	"  -d, --dir HOST[:GUEST]  preopen HOST for the guest (repeatable)\n"
	"  -e, --env K=V           guest environment variable (repeatable)\n"
	"  -s, --script-manifest FILE\n"
	"                          scripts the interpreters in APP may also run: a nojit\n"
	"                          manifest signed by a key of the trust store, which APP\n"
	"                          checks again against the keys compiled into it\n"
	"  -a, --audit-log FILE    append the vkernel's audit events to this signed\n"
	"                          log (docs/audit-log.md); default: JSON on stderr\n"
	"  -k, --audit-key KEY     secret key that seals the log\n"
	"      --attest-key KEY    before the guest starts, write a signed statement of\n"
	"                          this run (docs/attestation.md) with this attestation\n"
	"                          key; if it cannot be written, the guest does not start\n"
	"      --nonce HEX         the verifier's nonce, put into the statement\n"
	"      --attest-out FILE   where the statement goes (\"-\": stdout)\n"
	"      --attest-tpm[=DEV]  also bind it to the TPM at DEV (default " ATTEST_TPM_DEVICE "),\n"
	"                          PCR 23: opt-in here, a quote costs a guest's start-up\n"
	"  -h, --help              show this help\n";

/* What a run's statement needs beyond what vk run verified (attest_vk.h). */
struct vk_attest {
	struct attest_vk_run run;
	struct attest_nonce nonce;
	const struct nojit_seckey *key;
	const char *out;
	const char *tpm_device;		/* NULL: no TPM quote */
};

struct pump {
	int app_fd;		/* its read lease is let go once the app runs */
	int fd;
	struct audit_log *log;
	const char *app;
	__u64 cgroup_id;
	__u64 records, failed;
	struct run_layers layers;
	struct vk_attest *attest;	/* NULL: no statement */
};

static void pump_line(struct pump *p, char *line)
{
	struct nojit_err err;

	if (vk_audit_append(p->log, line, p->app, p->cgroup_id, &err)) {
		fprintf(stderr, "nojit: vk audit: %s\n", err.msg);
		p->failed++;
	} else {
		p->records++;
	}
}

/*
 * Read the megabinary's event lines and put each into the signed log.
 * Plain read(2), no stdio: a FILE this thread blocks on would hold its
 * lock, and the fflush(NULL) before fork in run_confined() would wait for
 * it forever. A line longer than the buffer is cut and logged as it is.
 */
static void *pump_events(void *arg)
{
	static char buf[1 << 16];
	struct pump *p = arg;
	size_t used = 0;
	ssize_t n;

	for (;;) {
		char *nl;

		n = read(p->fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += n;
		buf[used] = '\0';
		while ((nl = memchr(buf, '\n', used))) {
			*nl = '\0';
			pump_line(p, buf);
			used -= nl + 1 - buf;
			memmove(buf, nl + 1, used);
		}
		if (used == sizeof(buf) - 1) {
			pump_line(p, buf);
			used = 0;
		}
	}
	if (used) {
		buf[used] = '\0';
		pump_line(p, buf);
	}
	close(p->fd);
	return NULL;
}

/*
 * The gate has admitted the megabinary (the cgroup is enrolled with its
 * digest, under bpf-lsm) and nothing of the guest exists yet: the
 * statement is written now, so it speaks of what is about to run, and a
 * failure to write it means the guest never starts (fail closed).
 */
static int attest_before_start(void *ctx, const struct run_state *st, struct nojit_err *err)
{
	struct pump *p = ctx;
	struct vk_attest *a = p->attest;
	const struct attest_emit_opts eo = { .out = a->out, .nonce = &a->nonce,
					     .tpm_device = a->tpm_device,
					     .tpm_pcr = ATTEST_TPM_PCR_DEFAULT };
	struct json_object *statement;
	struct nojit_err why;
	int r;

	a->run.cgroup = st->cgroup;
	a->run.cgroup_id = st->cgroup_id;
	a->run.now_ns = clock_ns(CLOCK_REALTIME);
	statement = attest_vk_statement(&a->run);
	if (!statement)
		return nojit_err_set(err, -errno, "attestation to %s failed, %s not started: %s",
				     a->out, a->run.started->name, strerror(errno));
	r = attest_emit(a->key, statement, &eo, NULL, &why);
	json_object_put(statement);
	if (r)
		return nojit_err_set(err, r, "attestation to %s failed, %s not started: %s",
				     a->out, a->run.started->name, why.msg);
	return 0;
}

static void on_started(void *ctx, const struct run_state *st)
{
	struct pump *p = ctx;

	/* Running now (or not at all): exec keeps writers off it from here on. */
	fcntl(p->app_fd, F_SETLEASE, F_UNLCK);
	p->cgroup_id = st->cgroup_id;
	p->layers.applied = st->applied;
	run_layers_report(&p->layers);
	if (st->failure[0])
		cli_error("%s", st->failure);
}

/*
 * Open APP and keep writers off it from before it is verified until it
 * runs, when exec takes over (no one may open a running program for
 * writing): the bytes verified are the bytes that run, also on hosts
 * without the hash gate's check at exec. A read lease cannot be taken
 * while the file is open for writing, and whoever opens it for writing or
 * truncates it afterwards must wait for us to let go, which makes run.c
 * refuse to start it. Leases need the file's owner (or CAP_LEASE) and a
 * file system that has them; without one, only a file that nobody but
 * root and the caller may write is run. *RET_LEASED says which it was.
 */
static int open_app(const char *path, int *ret_fd, bool *ret_leased, struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", path);
	*ret_leased = !fcntl(fd, F_SETLEASE, F_RDLCK);
	if (!*ret_leased && errno == EAGAIN)
		return nojit_err_set(err, -ETXTBSY,
				     "%s: open for writing elsewhere, it could change between the check and the start",
				     path);
	if (!*ret_leased && ((st.st_uid && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))))
		return nojit_err_set(err, -EPERM,
				     "%s: cannot keep writers off it until it starts (F_SETLEASE: %s), and it is writable by %s: run it as its owner or root, or from a copy only you may write",
				     path, strerror(errno),
				     st.st_mode & (S_IWGRP | S_IWOTH) ? "group or others" : "its owner, another user");
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * A sealed copy of PATH (sealed_copy()), inherited across exec: the
 * script manifest and its signature are read once, and the operator's
 * check and the megabinary's own are both of these bytes, never of the
 * path again (a file or directory swapped between the two would otherwise
 * let a manifest the operator does not trust through).
 */
static int snapshot_sealed(const char *path, size_t max, int *ret_fd, struct nojit_err *err)
{
	_cleanup_close_ int in = -1;
	struct stat st;
	int m;

	in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(in, &st))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", path);
	if ((size_t)st.st_size > max)
		return nojit_err_set(err, -EFBIG, "%s: too large (%lld bytes, limit %zu)", path,
				     (long long)st.st_size, max);
	m = sealed_copy(in, path, max, true, err);
	if (m < 0)
		return m;
	*ret_fd = m;
	return 0;
}

/*
 * Snapshots of the script manifest FILE and FILE.sig in FDS, named by
 * PATHS as the megabinary will open them (its inherited descriptors).
 */
static int script_manifest_snapshot(const char *file, int fds[2], char paths[2][32],
				    struct nojit_err *err)
{
	char sig[PATH_MAX];
	int r;

	if ((size_t)snprintf(sig, sizeof(sig), "%s%s", file, NOJIT_SIG_SUFFIX) >= sizeof(sig))
		return nojit_err_set(err, -ENAMETOOLONG, "manifest %s: name too long", file);
	r = snapshot_sealed(file, NOJIT_MANIFEST_MAX_BYTES, &fds[0], err);
	if (!r)
		r = snapshot_sealed(sig, NOJIT_SIG_FILE_MAX, &fds[1], err);
	if (r)
		return r;
	for (int i = 0; i < 2; i++)
		snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d", fds[i]);
	return 0;
}

/*
 * A one-entry manifest: the megabinary, by the digest of the bytes that
 * were verified. If the file changed since, the kernel's own hash of it at
 * exec differs, and the exec is refused.
 */
static int app_manifest(const char *path, const __u8 sha256[32], const struct vk_trailer *t,
			struct nojit_manifest **ret, struct nojit_err *err)
{
	struct nojit_manifest *m = calloc(1, sizeof(*m));

	if (!m || !(m->entries = calloc(1, sizeof(*m->entries))) ||
	    !(m->name = strdup("vk run")) || !(m->entries[0].path = strdup(path))) {
		manifest_free(m);
		return nojit_err_set(err, -ENOMEM, "out of memory");
	}
	m->n_entries = 1;
	m->entries[0].kind = NOJIT_KIND_ANY;
	memcpy(m->entries[0].sha256, sha256, sizeof(m->entries[0].sha256));
	m->mode = NOJIT_MODE_ENFORCE;
	/* Vouched for by the trailer's signer; lives as long as the run. */
	snprintf(m->key_id, sizeof(m->key_id), "%s", t->key_id);
	m->issued = time(NULL);
	m->expires = m->issued + 86400;
	*ret = m;
	return 0;
}

int do_vk_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "layers", required_argument, NULL, 'l' },
		{ "allow-missing", no_argument, NULL, 'm' },
		{ "cgroup-parent", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "audit-key", required_argument, NULL, 'k' },
		{ "attest-key", required_argument, NULL, 'A' },
		{ "nonce", required_argument, NULL, 'N' },
		{ "attest-out", required_argument, NULL, 'O' },
		{ "script-manifest", required_argument, NULL, 's' },
		{ "attest-tpm", optional_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *trust_path = NULL, *audit_path = NULL, *audit_key = NULL;
	const char *attest_key = NULL, *nonce = NULL, *attest_out = NULL, *attest_tpm = NULL;
	const char *script_manifest = NULL;
	unsigned int layers = CONFINE_ALL;
	struct run_opts o = { .hash_source = NOJIT_HASH_SOURCE_IMA };
	_cleanup_free_ char **cmd = calloc(2 * argc + 10, sizeof(*cmd));
	_cleanup_free_ char **guest_opts = calloc(2 * argc, sizeof(*guest_opts));
	/* The guest's environment and preopens as given, for the statement. */
	_cleanup_free_ char **envs = calloc(argc, sizeof(*envs));
	_cleanup_free_ char **dirs = calloc(argc, sizeof(*dirs));
	_cleanup_seckey_ struct nojit_seckey akey = {};
	static struct vk_attest attest;
	size_t n_envs = 0, n_dirs = 0;
	_cleanup_free_ char *app = NULL;
	_cleanup_seckey_ struct nojit_seckey key = {};
	struct nojit_manifest *man = NULL;
	/* --script-manifest as verified, for the statement. */
	_cleanup_manifest_ struct nojit_manifest *scripts = NULL;
	_cleanup_close_ int sm_fd0 = -1, sm_fd1 = -1;
	int sm_fd[2] = { -1, -1 };
	char sm_path[2][32];
	struct pump pump = { .fd = -1, .app_fd = -1 };
	/* Kept until the end: the statement lists the keys a trailer was checked against. */
	__attribute__((cleanup(trust_free))) struct nojit_trust trust = {};
	bool explicit = false, allow_missing = false;
	_cleanup_close_ int fd = -1;
	static struct vk_trailer t;
	size_t n_cmd = 0, n_guest_opts = 0;
	int c, r, first, ret = EXIT_FAILED, pipefd[2] = { -1, -1 };
	__u8 app_sha256[32];
	char audit_fd_arg[32];
	struct nojit_err err;
	struct run_state st;
	pthread_t thread;
	bool pumping = false;

	if (!cmd || !guest_opts || !envs || !dirs) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:l:mc:d:e:s:a:k:A:N:O:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			trust_path = optarg;
			break;
		case 'l':
			if (confine_layers_parse(optarg, &layers, &err))
				return cli_usage_error(vk_run_usage, "--layers: %s", err.msg);
			explicit = true;
			break;
		case 'm':
			allow_missing = true;
			break;
		case 'c':
			o.cgroup_parent = optarg;
			break;
		case 'd':
			guest_opts[n_guest_opts++] = "--dir";
			guest_opts[n_guest_opts++] = optarg;
			dirs[n_dirs++] = optarg;
			break;
		case 'e':
			guest_opts[n_guest_opts++] = "--env";
			guest_opts[n_guest_opts++] = optarg;
			envs[n_envs++] = optarg;
			break;
		case 's':
			script_manifest = optarg;
			break;
		case 'a':
			audit_path = optarg;
			break;
		case 'k':
			audit_key = optarg;
			break;
		case 'A':
			attest_key = optarg;
			break;
		case 'N':
			nonce = optarg;
			break;
		case 'O':
			attest_out = optarg;
			break;
		case 'T':
			attest_tpm = optarg ? optarg : ATTEST_TPM_DEVICE;
			break;
		case 'h':
			printf("%s", vk_run_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", vk_run_usage);
			return EXIT_USAGE;
		}
	}
	if (!trust_path)
		return cli_usage_error(vk_run_usage, "--trust PUB|DIR is required");
	if (!!audit_path != !!audit_key)
		return cli_usage_error(vk_run_usage, "--audit-log and --audit-key go together");
	if ((attest_key || nonce || attest_out) && !(attest_key && nonce && attest_out))
		return cli_usage_error(vk_run_usage,
				       "--attest-key, --nonce and --attest-out go together (missing:%s%s%s)",
				       attest_key ? "" : " --attest-key", nonce ? "" : " --nonce",
				       attest_out ? "" : " --attest-out");
	if (attest_tpm && !attest_key)
		return cli_usage_error(vk_run_usage, "--attest-tpm binds a statement: it needs --attest-key");
	if (nonce && attest_nonce_parse(nonce, &attest.nonce, &err))
		return cli_usage_error(vk_run_usage, "--nonce: %s", err.msg);
	if (optind >= argc)
		return cli_usage_error(vk_run_usage, "no APP given");
	first = optind + 1;
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc)
		return cli_usage_error(vk_run_usage, "no MODULE given (APP -- MODULE [ARGS...])");
	/* A key that cannot sign the statement stops the run before anything is opened. */
	if (attest_key && key_load_secret_for(attest_key, KEY_PURPOSE_ATTEST, &akey, &err)) {
		cli_error("attestation key %s", err.msg);
		return EXIT_FAILED;
	}

	/*
	 * Verify before anything else happens, and hold on to what was
	 * verified: the program started, the hash gate's digest, the Landlock
	 * exec rule and the name reported all come from this one open file,
	 * never from the path again, where another file may be by then; and
	 * no writer changes it meanwhile (open_app()). A break of its lease
	 * is signalled with SIGIO, which would end us: run.c notices instead.
	 */
	signal(SIGIO, SIG_IGN);
	r = open_app(argv[optind], &fd, &o.exec_fd_leased, &err);
	if (!r)
		r = trust_load(trust_path, &trust, &err);
	if (!r)
		r = vk_verify_fd(fd, argv[optind], &trust, NULL, 0, &t, app_sha256, &err);
	if (!r)
		r = vk_check_segments(fd, argv[optind], &err);
	/* The operator's keys decide; the megabinary checks it again with its own. */
	if (!r && script_manifest) {
		r = script_manifest_snapshot(script_manifest, sm_fd, sm_path, &err);
		sm_fd0 = sm_fd[0];
		sm_fd1 = sm_fd[1];
	}
	if (!r && script_manifest) {
		r = manifest_load_verified_sig(sm_path[0], sm_path[1], &trust, trust_path, time(NULL),
					       &scripts, &err);
		if (r) {
			char msg[sizeof(err.msg)];

			snprintf(msg, sizeof(msg), "%s", err.msg);
			r = nojit_err_set(&err, r, "--script-manifest %s (its copy %s): %s",
					  script_manifest, sm_path[0], msg);
		}
		if (!r && scripts->mode != NOJIT_MODE_ENFORCE)
			r = nojit_err_set(&err, -EINVAL, "manifest %s: mode is not \"enforce\"",
					  script_manifest);
	}
	/*
	 * The statement names the module started, so it must be one the
	 * verified trailer lists (without a statement the megabinary's own
	 * check refuses it, and audits that).
	 */
	if (!r && attest_key && !(attest.run.started = attest_vk_module_find(&t, argv[first])))
		r = nojit_err_set(&err, -ENOENT, "module '%s' is not listed in its signed trailer",
				  argv[first]);
	if (r) {
		cli_error("refusing to run %s: %s", argv[optind], err.msg);
		return EXIT_FAILED;
	}
	r = fd_path(fd, &app);
	if (r) {
		cli_error("refusing to run %s: %s", argv[optind],
			  r == -ENOENT ? "it was moved or replaced while it was checked" : strerror(-r));
		return EXIT_FAILED;
	}

	/* Without --layers: every layer this kernel offers; named layers are required. */
	run_layers_probe(&pump.layers, layers);
	if (explicit && (layers & ~pump.layers.available) && !allow_missing) {
		run_layers_report(&pump.layers);
		cli_error("refusing to run %s: a requested layer is unavailable here (--allow-missing runs it without)",
			  argv[optind]);
		return EXIT_FAILED;
	}
	o.layers = pump.layers.available;
	if ((o.layers & CONFINE_BPF_LSM) && app_manifest(app, app_sha256, &t, &man, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	o.manifest = man;
	/* Landlock: the megabinary is the one file that may be executed, and it is read-only. */
	o.exec_by_fd = true;
	o.exec_fd = fd;
	pump.app_fd = fd;

	if (audit_path) {
		r = key_load_secret(audit_key, &key, &err);
		if (!r)
			r = audit_log_open(audit_path, &key, NULL, &pump.log, NULL, &err);
		if (r) {
			cli_error("audit log %s: %s", audit_path, err.msg);
			goto out;
		}
		/* Not close-on-exec on the write end: the megabinary writes its events there. */
		if (pipe(pipefd)) {
			cli_error("pipe: %s", strerror(errno));
			goto out;
		}
		fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
		snprintf(audit_fd_arg, sizeof(audit_fd_arg), "%d", pipefd[1]);
	}
	cmd[n_cmd++] = app;
	for (size_t i = 0; i < n_guest_opts; i++)
		cmd[n_cmd++] = guest_opts[i];
	if (audit_path) {
		cmd[n_cmd++] = "--audit-fd";
		cmd[n_cmd++] = audit_fd_arg;
	}
	if (script_manifest) {
		cmd[n_cmd++] = "--script-manifest";
		cmd[n_cmd++] = sm_path[0];
		cmd[n_cmd++] = "--script-manifest-sig";
		cmd[n_cmd++] = sm_path[1];
	}
	cmd[n_cmd++] = "--";
	for (int i = first; i < argc; i++)
		cmd[n_cmd++] = argv[i];
	cmd[n_cmd] = NULL;
	o.cmd = cmd;
	o.on_started = on_started;
	o.ctx = &pump;
	pump.app = app;
	if (attest_key) {
		attest.run = (struct attest_vk_run){
			.app_path = app, .app_sha256 = app_sha256, .trailer = &t,
			.started = attest.run.started,
			.argv = argv + first, .argc = (size_t)(argc - first),
			.env = envs, .n_env = n_envs, .dirs = dirs, .n_dirs = n_dirs,
			.trust_path = trust_path, .trust = &trust,
			.layers = o.layers, .gate = man, .scripts = scripts,
			.hash_source = o.hash_source,
			.nonce = &attest.nonce, .attest_key = &akey.pub,
		};
		attest.key = &akey;
		attest.out = attest_out;
		attest.tpm_device = attest_tpm;
		pump.attest = &attest;
		o.before_start = attest_before_start;
	}
	if (audit_path) {
		pump.fd = pipefd[0];
		if (pthread_create(&thread, NULL, pump_events, &pump)) {
			cli_error("cannot start the audit reader");
			goto out;
		}
		pumping = true;
		pipefd[0] = -1;
	}
	r = run_confined(&o, &st, &err);
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		pipefd[1] = -1;
	}
	if (pumping)
		pthread_join(thread, NULL);
	if (r) {
		cli_error("%s", err.msg);
		goto out;
	}
	ret = st.status;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (pump.log && audit_log_close(pump.log, &err))
		cli_error("audit log %s: %s", audit_path, err.msg);
	manifest_free(man);
	return ret;
}
