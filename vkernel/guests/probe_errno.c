// SPDX-License-Identifier: GPL-2.0
/*
 * probe errno: every WASI preview1 call's error cases through the raw
 * imports, one line per case: "CALL CASE ERRNO [DETAIL]". The runtime
 * suite compares the lines with selftests/vk/wasi-errno.expected, which
 * says what wasmtime answers for each and why.
 *
 * Descriptors: bad (999, never open), stdin (0, not a terminal),
 * stdout (1, a file here but a stream to the guest), preopen (the first
 * preopened directory), dir (a directory opened beneath it), file (a
 * regular file opened read-write beneath it).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include "probe_errno.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint16_t raw_proc_raise(uint32_t sig);

static const char *const errno_names[] = {
	"SUCCESS", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT",
	"AGAIN", "ALREADY", "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD",
	"CONNABORTED", "CONNREFUSED", "CONNRESET", "DEADLK", "DESTADDRREQ",
	"DOM", "DQUOT", "EXIST", "FAULT", "FBIG", "HOSTUNREACH", "IDRM",
	"ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO", "ISCONN", "ISDIR",
	"LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP", "NAMETOOLONG",
	"NETDOWN", "NETRESET", "NETUNREACH", "NFILE", "NOBUFS", "NODEV",
	"NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM", "NOMSG", "NOPROTOOPT",
	"NOSPC", "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY", "NOTRECOVERABLE",
	"NOTSOCK", "NOTSUP", "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM",
	"PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE", "RANGE", "ROFS",
	"SPIPE", "SRCH", "STALE", "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE",
};

static void line(const char *call, const char *c, __wasi_errno_t e, const char *detail)
{
	if (e < sizeof(errno_names) / sizeof(errno_names[0]))
		printf("%s %s %s%s%s\n", call, c, errno_names[e], detail ? " " : "",
		       detail ? detail : "");
	else
		printf("%s %s %u\n", call, c, (unsigned)e);
}

#define T(call, c, expr) line(call, c, (expr), NULL)

#define BAD	999u
#define RW	(__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)

static void fdstat(const char *c, __wasi_fd_t fd)
{
	__wasi_fdstat_t st;
	__wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
	char d[96] = "";

	if (!e)
		snprintf(d, sizeof(d), "type=%u flags=%u base=%#llx inheriting=%#llx",
			 st.fs_filetype, st.fs_flags, (unsigned long long)st.fs_rights_base,
			 (unsigned long long)st.fs_rights_inheriting);
	line("fd_fdstat_get", c, e, e ? NULL : d);
}

static void filestat(const char *c, __wasi_fd_t fd)
{
	__wasi_filestat_t st;
	__wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
	char d[64] = "";

	if (!e)
		snprintf(d, sizeof(d), "type=%u zero=%d", st.filetype,
			 !st.dev && !st.ino && !st.size && !st.mtim);
	line("fd_filestat_get", c, e, e ? NULL : d);
}

/* An open of path beneath pre with these arguments; the fd is closed. */
static __wasi_errno_t open_case(__wasi_fd_t pre, const char *path, __wasi_oflags_t of,
				__wasi_rights_t rights, __wasi_fdflags_t ff)
{
	__wasi_fd_t fd = BAD;
	__wasi_errno_t e = __wasi_path_open(pre, 0, path, of, rights, 0, ff, &fd);

	if (!e)
		(void)__wasi_fd_close(fd);
	return e;
}

static __wasi_errno_t poll_one(uint8_t tag, __wasi_fd_t fd, __wasi_clockid_t clock)
{
	__wasi_subscription_t s = { .userdata = 1, .u.tag = tag };
	__wasi_event_t ev;
	__wasi_size_t n = 0;

	if (tag == __WASI_EVENTTYPE_CLOCK)
		s.u.u.clock = (__wasi_subscription_clock_t){ .id = clock, .timeout = 1000 };
	else
		s.u.u.fd_read.file_descriptor = fd;
	return __wasi_poll_oneoff(&s, &ev, 1, &n);
}

static void fd_calls(__wasi_fd_t pre, __wasi_fd_t dir, __wasi_fd_t file)
{
	uint8_t buf[64], nm[256];
	__wasi_iovec_t iov = { buf, sizeof(buf) };
	__wasi_ciovec_t ciov = { (const uint8_t *)"x", 1 };
	__wasi_filesize_t off;
	__wasi_size_t n;
	__wasi_prestat_t ps;

	T("fd_advise", "bad", __wasi_fd_advise(BAD, 0, 0, __WASI_ADVICE_NORMAL));
	T("fd_advise", "stdin", __wasi_fd_advise(0, 0, 0, __WASI_ADVICE_NORMAL));
	T("fd_advise", "preopen", __wasi_fd_advise(pre, 0, 0, __WASI_ADVICE_NORMAL));
	T("fd_advise", "dir", __wasi_fd_advise(dir, 0, 0, __WASI_ADVICE_NORMAL));
	T("fd_advise", "file-bad-advice", __wasi_fd_advise(file, 0, 0, 6));
	T("fd_advise", "file", __wasi_fd_advise(file, 0, 0, __WASI_ADVICE_NORMAL));

	T("fd_allocate", "bad", __wasi_fd_allocate(BAD, 0, 1));
	T("fd_allocate", "stdout", __wasi_fd_allocate(1, 0, 1));
	T("fd_allocate", "dir", __wasi_fd_allocate(dir, 0, 1));
	T("fd_allocate", "file", __wasi_fd_allocate(file, 0, 1));

	T("fd_close", "bad", __wasi_fd_close(BAD));

	T("fd_datasync", "bad", __wasi_fd_datasync(BAD));
	T("fd_datasync", "stdout", __wasi_fd_datasync(1));
	T("fd_datasync", "dir", __wasi_fd_datasync(dir));
	T("fd_datasync", "file", __wasi_fd_datasync(file));
	T("fd_sync", "bad", __wasi_fd_sync(BAD));
	T("fd_sync", "stdout", __wasi_fd_sync(1));
	T("fd_sync", "preopen", __wasi_fd_sync(pre));
	T("fd_sync", "file", __wasi_fd_sync(file));

	fdstat("bad", BAD);
	fdstat("stdin", 0);
	fdstat("stdout", 1);
	fdstat("preopen", pre);
	fdstat("dir", dir);
	fdstat("file", file);

	T("fd_fdstat_set_flags", "bad", __wasi_fd_fdstat_set_flags(BAD, 0));
	T("fd_fdstat_set_flags", "stdout", __wasi_fd_fdstat_set_flags(1, 0));
	T("fd_fdstat_set_flags", "dir", __wasi_fd_fdstat_set_flags(dir, __WASI_FDFLAGS_NONBLOCK));
	T("fd_fdstat_set_flags", "file-sync", __wasi_fd_fdstat_set_flags(file, __WASI_FDFLAGS_SYNC));
	T("fd_fdstat_set_flags", "file-append",
	  __wasi_fd_fdstat_set_flags(file, __WASI_FDFLAGS_APPEND));
	T("fd_fdstat_set_flags", "file", __wasi_fd_fdstat_set_flags(file, 0));

	T("fd_fdstat_set_rights", "bad", __wasi_fd_fdstat_set_rights(BAD, 0, 0));
	T("fd_fdstat_set_rights", "stdout", __wasi_fd_fdstat_set_rights(1, 0, 0));
	T("fd_fdstat_set_rights", "dir", __wasi_fd_fdstat_set_rights(dir, 0, 0));
	T("fd_fdstat_set_rights", "file", __wasi_fd_fdstat_set_rights(file, 0, 0));

	filestat("bad", BAD);
	filestat("stdout", 1);
	filestat("dir", dir);

	T("fd_filestat_set_size", "bad", __wasi_fd_filestat_set_size(BAD, 0));
	T("fd_filestat_set_size", "stdout", __wasi_fd_filestat_set_size(1, 0));
	T("fd_filestat_set_size", "dir", __wasi_fd_filestat_set_size(dir, 0));
	T("fd_filestat_set_size", "file", __wasi_fd_filestat_set_size(file, 1));

	T("fd_filestat_set_times", "bad", __wasi_fd_filestat_set_times(BAD, 0, 0, 0));
	T("fd_filestat_set_times", "stdout", __wasi_fd_filestat_set_times(1, 0, 0, 0));
	T("fd_filestat_set_times", "file-atim-and-now",
	  __wasi_fd_filestat_set_times(file, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
	T("fd_filestat_set_times", "dir",
	  __wasi_fd_filestat_set_times(dir, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
	T("fd_filestat_set_times", "file",
	  __wasi_fd_filestat_set_times(file, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));

	T("fd_read", "bad", __wasi_fd_read(BAD, &iov, 1, &n));
	T("fd_read", "stdout", __wasi_fd_read(1, &iov, 1, &n));
	T("fd_read", "dir", __wasi_fd_read(dir, &iov, 1, &n));
	T("fd_read", "file", __wasi_fd_read(file, &iov, 1, &n));
	T("fd_read", "stdin", __wasi_fd_read(0, &iov, 1, &n));
	T("fd_pread", "bad", __wasi_fd_pread(BAD, &iov, 1, 0, &n));
	T("fd_pread", "stdin", __wasi_fd_pread(0, &iov, 1, 0, &n));
	T("fd_pread", "stdout", __wasi_fd_pread(1, &iov, 1, 0, &n));
	T("fd_pread", "dir", __wasi_fd_pread(dir, &iov, 1, 0, &n));
	T("fd_pread", "file", __wasi_fd_pread(file, &iov, 1, 0, &n));
	T("fd_write", "bad", __wasi_fd_write(BAD, &ciov, 1, &n));
	T("fd_write", "stdin", __wasi_fd_write(0, &ciov, 1, &n));
	T("fd_write", "dir", __wasi_fd_write(dir, &ciov, 1, &n));
	T("fd_write", "file", __wasi_fd_write(file, &ciov, 1, &n));
	T("fd_pwrite", "bad", __wasi_fd_pwrite(BAD, &ciov, 1, 0, &n));
	T("fd_pwrite", "stdin", __wasi_fd_pwrite(0, &ciov, 1, 0, &n));
	T("fd_pwrite", "stdout", __wasi_fd_pwrite(1, &ciov, 1, 0, &n));
	T("fd_pwrite", "dir", __wasi_fd_pwrite(dir, &ciov, 1, 0, &n));
	T("fd_pwrite", "file", __wasi_fd_pwrite(file, &ciov, 1, 0, &n));

	T("fd_prestat_get", "bad", __wasi_fd_prestat_get(BAD, &ps));
	T("fd_prestat_get", "stdout", __wasi_fd_prestat_get(1, &ps));
	T("fd_prestat_get", "dir", __wasi_fd_prestat_get(dir, &ps));
	T("fd_prestat_get", "file", __wasi_fd_prestat_get(file, &ps));
	T("fd_prestat_get", "preopen", __wasi_fd_prestat_get(pre, &ps));
	T("fd_prestat_dir_name", "bad", __wasi_fd_prestat_dir_name(BAD, nm, sizeof(nm)));
	T("fd_prestat_dir_name", "stdout", __wasi_fd_prestat_dir_name(1, nm, sizeof(nm)));
	T("fd_prestat_dir_name", "dir", __wasi_fd_prestat_dir_name(dir, nm, sizeof(nm)));
	T("fd_prestat_dir_name", "file", __wasi_fd_prestat_dir_name(file, nm, sizeof(nm)));
	T("fd_prestat_dir_name", "preopen-short", __wasi_fd_prestat_dir_name(pre, nm, 1));
	T("fd_prestat_dir_name", "preopen", __wasi_fd_prestat_dir_name(pre, nm, sizeof(nm)));

	T("fd_readdir", "bad", __wasi_fd_readdir(BAD, nm, sizeof(nm), 0, &n));
	T("fd_readdir", "stdin", __wasi_fd_readdir(0, nm, sizeof(nm), 0, &n));
	T("fd_readdir", "file", __wasi_fd_readdir(file, nm, sizeof(nm), 0, &n));
	T("fd_readdir", "dir", __wasi_fd_readdir(dir, nm, sizeof(nm), 0, &n));

	T("fd_renumber", "bad-from", __wasi_fd_renumber(BAD, file));
	T("fd_renumber", "bad-to", __wasi_fd_renumber(file, BAD));
	T("fd_renumber", "same", __wasi_fd_renumber(file, file));

	T("fd_seek", "bad", __wasi_fd_seek(BAD, 0, __WASI_WHENCE_SET, &off));
	T("fd_seek", "stdin", __wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &off));
	T("fd_seek", "stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &off));
	T("fd_seek", "dir", __wasi_fd_seek(dir, 0, __WASI_WHENCE_SET, &off));
	T("fd_seek", "file-bad-whence", __wasi_fd_seek(file, 0, 3, &off));
	T("fd_seek", "file-negative", __wasi_fd_seek(file, -1, __WASI_WHENCE_SET, &off));
	T("fd_seek", "file", __wasi_fd_seek(file, 0, __WASI_WHENCE_END, &off));
	T("fd_tell", "bad", __wasi_fd_tell(BAD, &off));
	T("fd_tell", "stdout", __wasi_fd_tell(1, &off));
	T("fd_tell", "dir", __wasi_fd_tell(dir, &off));
	T("fd_tell", "file", __wasi_fd_tell(file, &off));
}

static void path_calls(__wasi_fd_t pre, __wasi_fd_t dir, __wasi_fd_t file)
{
	__wasi_filestat_t st;
	__wasi_size_t n;
	uint8_t buf[64];

	T("path_create_directory", "bad", __wasi_path_create_directory(BAD, "n"));
	T("path_create_directory", "stdin", __wasi_path_create_directory(0, "n"));
	T("path_create_directory", "file", __wasi_path_create_directory(file, "n"));
	T("path_create_directory", "exists", __wasi_path_create_directory(pre, "errno-d"));

	T("path_filestat_get", "bad", __wasi_path_filestat_get(BAD, 0, "errno-f", &st));
	T("path_filestat_get", "file", __wasi_path_filestat_get(file, 0, "x", &st));
	T("path_filestat_get", "bad-flags", __wasi_path_filestat_get(pre, 2, "errno-f", &st));
	T("path_filestat_get", "missing", __wasi_path_filestat_get(pre, 0, "errno-none", &st));
	T("path_filestat_get", "preopen", __wasi_path_filestat_get(pre, 0, "errno-f", &st));

	T("path_filestat_set_times", "file",
	  __wasi_path_filestat_set_times(file, 0, "x", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
	T("path_filestat_set_times", "mtim-and-now",
	  __wasi_path_filestat_set_times(pre, 0, "errno-f", 0, 0,
					 __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));

	T("path_link", "bad", __wasi_path_link(BAD, 0, "errno-f", pre, "errno-l"));
	T("path_link", "file", __wasi_path_link(file, 0, "x", pre, "errno-l"));
	T("path_link", "file-target", __wasi_path_link(pre, 0, "errno-f", file, "errno-l"));
	T("path_link", "follow",
	  __wasi_path_link(pre, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "errno-f", pre, "errno-l"));

	T("path_open", "bad", open_case(BAD, "errno-f", 0, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "stdin", open_case(0, "errno-f", 0, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "file", open_case(file, "x", 0, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "bad-oflags", open_case(pre, "errno-f", 0x10, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "bad-fdflags", open_case(pre, "errno-f", 0, __WASI_RIGHTS_FD_READ, 0x20));
	T("path_open", "bad-rights", open_case(pre, "errno-f", 0, 1ULL << 40, 0));
	T("path_open", "file-sync", open_case(pre, "errno-f", 0, RW, __WASI_FDFLAGS_SYNC));
	T("path_open", "file-dsync", open_case(pre, "errno-f", 0, RW, __WASI_FDFLAGS_DSYNC));
	T("path_open", "directory-creat",
	  open_case(pre, "errno-n", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_CREAT, RW, 0));
	T("path_open", "directory-trunc",
	  open_case(pre, "errno-d", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_TRUNC, 0, 0));
	T("path_open", "directory-on-file",
	  open_case(pre, "errno-f", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "dir-write", open_case(pre, "errno-d", 0, __WASI_RIGHTS_FD_WRITE, 0));
	T("path_open", "dir-read-write", open_case(pre, "errno-d", 0, RW, 0));
	T("path_open", "dir-trunc", open_case(pre, "errno-d", __WASI_OFLAGS_TRUNC, 0, 0));
	T("path_open", "dir-creat", open_case(pre, "errno-d", __WASI_OFLAGS_CREAT, 0, 0));
	T("path_open", "dir-datasync-right",
	  open_case(pre, "errno-d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_DATASYNC, 0));
	T("path_open", "dir-read",
	  open_case(pre, "errno-d", __WASI_OFLAGS_DIRECTORY,
		    __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, 0));
	T("path_open", "missing", open_case(pre, "errno-none", 0, __WASI_RIGHTS_FD_READ, 0));
	T("path_open", "creat-excl-exists",
	  open_case(pre, "errno-f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RW, 0));

	T("path_readlink", "file", __wasi_path_readlink(file, "x", buf, sizeof(buf), &n));
	T("path_readlink", "not-a-link", __wasi_path_readlink(pre, "errno-f", buf, sizeof(buf), &n));

	T("path_remove_directory", "file", __wasi_path_remove_directory(file, "x"));
	T("path_remove_directory", "on-file", __wasi_path_remove_directory(pre, "errno-f"));
	T("path_remove_directory", "not-empty", __wasi_path_remove_directory(pre, "errno-d"));

	T("path_rename", "file", __wasi_path_rename(file, "x", pre, "errno-r"));
	T("path_rename", "bad-target", __wasi_path_rename(pre, "errno-f", BAD, "errno-r"));

	T("path_symlink", "bad", __wasi_path_symlink("errno-f", BAD, "errno-s"));
	T("path_symlink", "file", __wasi_path_symlink("errno-f", file, "errno-s"));
	T("path_symlink", "preopen", __wasi_path_symlink("errno-f", pre, "errno-s"));

	T("path_unlink_file", "file", __wasi_path_unlink_file(file, "x"));
	T("path_unlink_file", "on-dir", __wasi_path_unlink_file(pre, "errno-d"));
	(void)dir;
}

static void other_calls(__wasi_fd_t dir, __wasi_fd_t file)
{
	__wasi_subscription_t s;
	__wasi_timestamp_t t;
	__wasi_ciovec_t ciov = { (const uint8_t *)"x", 1 };
	__wasi_iovec_t iov = { (uint8_t *)&t, sizeof(t) };
	__wasi_size_t n;
	__wasi_roflags_t ro;
	__wasi_event_t ev;
	__wasi_fd_t nfd;

	T("poll_oneoff", "none", __wasi_poll_oneoff(&s, &ev, 0, &n));
	T("poll_oneoff", "read-bad", poll_one(__WASI_EVENTTYPE_FD_READ, BAD, 0));
	T("poll_oneoff", "read-dir", poll_one(__WASI_EVENTTYPE_FD_READ, dir, 0));
	T("poll_oneoff", "read-stdout", poll_one(__WASI_EVENTTYPE_FD_READ, 1, 0));
	T("poll_oneoff", "write-stdin", poll_one(__WASI_EVENTTYPE_FD_WRITE, 0, 0));
	T("poll_oneoff", "clock-cputime",
	  poll_one(__WASI_EVENTTYPE_CLOCK, 0, __WASI_CLOCKID_PROCESS_CPUTIME_ID));
	T("poll_oneoff", "read-file", poll_one(__WASI_EVENTTYPE_FD_READ, file, 0));
	T("poll_oneoff", "clock", poll_one(__WASI_EVENTTYPE_CLOCK, 0, __WASI_CLOCKID_MONOTONIC));

	T("clock_res_get", "bad-id", __wasi_clock_res_get(99, &t));
	T("clock_time_get", "bad-id", __wasi_clock_time_get(99, 1, &t));
	T("clock_time_get", "process-cputime",
	  __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t));

	T("proc_raise", "kill", raw_proc_raise(9));
	T("proc_raise", "bad-signal", raw_proc_raise(99));

	T("sock_accept", "bad", __wasi_sock_accept(BAD, 0, &nfd));
	T("sock_accept", "stdin", __wasi_sock_accept(0, 0, &nfd));
	T("sock_accept", "bad-flags", __wasi_sock_accept(0, 0x100, &nfd));
	T("sock_recv", "file", __wasi_sock_recv(file, &iov, 1, 0, &n, &ro));
	T("sock_send", "stdout", __wasi_sock_send(1, &ciov, 1, 0, &n));
	T("sock_shutdown", "bad", __wasi_sock_shutdown(BAD, __WASI_SDFLAGS_RD));
	T("sock_shutdown", "dir", __wasi_sock_shutdown(dir, __WASI_SDFLAGS_RD));
}

int probe_errno(void)
{
	__wasi_fd_t pre, dir = BAD, file = BAD, x = BAD;
	__wasi_prestat_t ps;

	for (pre = 3; pre < 64; pre++)
		if (!__wasi_fd_prestat_get(pre, &ps))
			break;
	if (pre == 64 ||
	    __wasi_path_create_directory(pre, "errno-d") ||
	    __wasi_path_open(pre, 0, "errno-d/x", __WASI_OFLAGS_CREAT, RW, 0, 0, &x) ||
	    __wasi_fd_close(x) ||
	    __wasi_path_open(pre, 0, "errno-d", __WASI_OFLAGS_DIRECTORY,
			     __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, 0, 0, &dir) ||
	    __wasi_path_open(pre, 0, "errno-f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RW,
			     0, 0, &file)) {
		fprintf(stderr, "probe errno: setup failed (a preopen, errno-d, errno-f)\n");
		return 2;
	}
	fd_calls(pre, dir, file);
	path_calls(pre, dir, file);
	other_calls(dir, file);
	(void)__wasi_fd_close(file);
	(void)__wasi_fd_close(dir);
	(void)__wasi_path_unlink_file(pre, "errno-f");
	(void)__wasi_path_unlink_file(pre, "errno-d/x");
	(void)__wasi_path_remove_directory(pre, "errno-d");
	return 0;
}
