// SPDX-License-Identifier: GPL-2.0
/*
 * A program with a JIT exception of its own tries to leave the
 * confinement that comes with it (docs/exceptions.md), one way per
 * invocation:
 *   exception_escape STEP ARGS...
 * Exit status: attack.h's protocol, so the same run outside any enrolled
 * cgroup (where each step must work) and inside (where each must be
 * refused) prove both directions. Used by selftests/kernel/exception.sh.
 *
 *   jit                      anonymous RWX memory, called
 *   growsdown                the same, MAP_GROWSDOWN (stack-like memory)
 *   link SRC DST             a second name for SRC (DST in a write path)
 *   write FILE               open FILE for writing, write
 *   recvfd SOCK              receive a descriptor open for writing on the
 *                            AF_UNIX socket SOCK (SCM_RIGHTS), write to it
 *   setxattr FILE            user.* extended attribute
 *   acl FILE                 POSIX ACL granting everyone write
 *   utimes FILE              change its times
 *   mount DIR                unshare the mount namespace, bind DIR on itself
 *   userns                   a new user namespace
 *   chroot DIR               chroot
 *   splice FD                read a network socket it inherited, by splice
 *   unixconnect PATH         connect to a named AF_UNIX socket
 *   abstract                 bind an abstract AF_UNIX name
 *   setns NSFILE FILE        join the mount namespace NSFILE, write FILE there
 *   hostname                 sethostname (to the name it already has)
 *   setflags FILE            FS_IOC_SETFLAGS (nodump) through a read-only descriptor
 *   tiocsti FD               push a character into the terminal FD
 *   kill PID                 SIGCONT to a process it did not start
 */
#define ATTACK_NAME "exception_escape"
#include "attack.h"

#include <sched.h>
#include <signal.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/xattr.h>

/* A step that must work: a refusal (EPERM) ends the attack as denied. */
static void step(const char *what, long r)
{
	if (r < 0)
		attack_step_failed(what, errno);
}

static void run_code(int flags)
{
	void *p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		step("mmap RWX", -1);
	memcpy(p, attack_payload, sizeof(attack_payload));
	if (((int (*)(void))p)() != ATTACK_PAYLOAD_RET)
		attack_error("the generated code returned the wrong value");
	attack_worked("executed generated code");
}

static void write_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

	step("open for writing", fd);
	step("write", write(fd, "escaped\n", 8));
	attack_worked("wrote outside its write paths");
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";

	attack_init();
	if (!strcmp(s, "jit"))
		run_code(0);
	if (!strcmp(s, "growsdown"))
		run_code(MAP_GROWSDOWN);
	if (!strcmp(s, "link") && argc > 3) {
		step("link", link(a, argv[3]));
		write_to(argv[3]);
	}
	if (!strcmp(s, "write"))
		write_to(a);
	if (!strcmp(s, "recvfd")) {
		char data, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = &data, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		int fd;

		step("recvmsg", recvmsg(atoi(a), &msg, 0));
		c = CMSG_FIRSTHDR(&msg);
		/* A descriptor the kernel would not install truncates the message. */
		if (!c || c->cmsg_type != SCM_RIGHTS) {
			if (msg.msg_flags & MSG_CTRUNC)
				attack_step_failed("receiving the descriptor", EPERM);
			attack_error("no descriptor came");
		}
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		step("write to the received descriptor", write(fd, "escaped\n", 8));
		attack_worked("wrote through a received descriptor");
	}
	if (!strcmp(s, "setxattr")) {
		step("setxattr", setxattr(a, "user.escaped", "1", 1, 0));
		attack_worked("set an extended attribute");
	}
	if (!strcmp(s, "acl")) {
		/* version 2: USER_OBJ rw, GROUP_OBJ rw, OTHER rw */
		struct {
			uint32_t version;
			struct { uint16_t tag, perm; uint32_t id; } e[3];
		} __attribute__((packed)) acl = { 2, { { 0x01, 6, ~0u }, { 0x04, 6, ~0u }, { 0x20, 6, ~0u } } };

		step("set a POSIX ACL", setxattr(a, "system.posix_acl_access", &acl, sizeof(acl), 0));
		attack_worked("gave everyone write access by ACL");
	}
	if (!strcmp(s, "utimes")) {
		step("utimes", utimes(a, NULL));
		attack_worked("changed its times");
	}
	if (!strcmp(s, "mount")) {
		step("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
		step("mount --make-rprivate /", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		step("bind mount", mount(a, a, NULL, MS_BIND, NULL));
		attack_worked("changed its view of the file system");
	}
	if (!strcmp(s, "userns")) {
		step("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
		attack_worked("made a user namespace");
	}
	if (!strcmp(s, "chroot")) {
		step("chroot", chroot(a));
		attack_worked("changed its root");
	}
	if (!strcmp(s, "splice")) {
		int pipefd[2];
		char buf[64];
		long n;

		if (pipe(pipefd))
			attack_error("pipe: %s", strerror(errno));
		n = splice(atoi(a), NULL, pipefd[1], NULL, sizeof(buf), 0);
		step("splice from a network socket", n);
		if (n == 0 || read(pipefd[0], buf, (size_t)n) != n)
			attack_error("splice read nothing");
		attack_worked("received from the network");
	}
	if (!strcmp(s, "unixconnect")) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		step("socket(AF_UNIX)", fd);
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", a);
		step("connect to a named AF_UNIX socket", connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
		attack_worked("connected to a named AF_UNIX socket");
	}
	if (!strcmp(s, "abstract")) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "\0nojit-escape" };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		step("socket(AF_UNIX)", fd);
		step("bind an abstract name", bind(fd, (struct sockaddr *)&addr,
						   offsetof(struct sockaddr_un, sun_path) + 13));
		attack_worked("bound an abstract AF_UNIX name");
	}
	if (!strcmp(s, "setns") && argc > 3) {
		int ns = open(a, O_RDONLY | O_CLOEXEC);

		step("open the namespace", ns);
		step("setns(CLONE_NEWNS)", setns(ns, CLONE_NEWNS));
		write_to(argv[3]);
	}
	if (!strcmp(s, "hostname")) {
		char name[256] = "";

		if (gethostname(name, sizeof(name) - 1))
			attack_error("gethostname: %s", strerror(errno));
		step("sethostname", sethostname(name, strlen(name)));
		attack_worked("set the host name");
	}
	if (!strcmp(s, "setflags")) {
		int fd = open(a, O_RDONLY | O_CLOEXEC), flags = 0;

		step("open read-only", fd);
		step("FS_IOC_GETFLAGS", ioctl(fd, FS_IOC_GETFLAGS, &flags));
		flags |= FS_NODUMP_FL;
		step("FS_IOC_SETFLAGS", ioctl(fd, FS_IOC_SETFLAGS, &flags));
		attack_worked("changed a file's flags through a read-only descriptor");
	}
	if (!strcmp(s, "tiocsti")) {
		char c = '\n';

		step("TIOCSTI", ioctl(atoi(a), TIOCSTI, &c));
		attack_worked("typed into a terminal");
	}
	if (!strcmp(s, "kill")) {
		step("kill(SIGCONT)", kill(atoi(a), SIGCONT));
		attack_worked("signalled a process it did not start");
	}
	attack_error("usage: exception_escape STEP ARGS... (see the source)");
}
