// SPDX-License-Identifier: GPL-2.0
/*
 * Route 17: write to code through a descriptor this process did not open.
 * A listed file (a byte-identical copy of this program) is mapped
 * executable; then a writable descriptor for it arrives over a unix
 * socket from another process, which opened it after the mapping
 * existed. The code is changed with pwrite(), or else through a shared
 * writable mapping of that descriptor, and called.
 *
 *   foreign_fd_write serve SOCK   (the other process) accept one
 *                                 connection, read a path, open it for
 *                                 writing, send the descriptor back
 *   foreign_fd_write SOCK         the attack, with that process's socket
 *   foreign_fd_write              the attack, with a forked server
 * (a server in the same governed cgroup may not open the file at all).
 */
#define ATTACK_NAME "foreign_fd_write"
#include "file.h"
#include <sys/socket.h>
#include <sys/un.h>

static void sock_addr(struct sockaddr_un *sa, const char *sock)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sa->sun_path))
		attack_error("socket path too long: %s", sock);
	strcpy(sa->sun_path, sock);
}

static int serve(const char *sock, int ready_fd)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	char path[PATH_MAX] = "";
	struct msghdr msg = {};
	struct sockaddr_un sa;
	struct cmsghdr *c;
	struct iovec iov;
	int ls, cs, fd;
	ssize_t n;

	sock_addr(&sa, sock);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
		attack_error("server socket %s: %s", sock, strerror(errno));
	if (ready_fd >= 0)
		close(ready_fd);
	else
		printf("ready\n");
	cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (cs < 0)
		attack_error("accept: %s", strerror(errno));
	n = read(cs, path, sizeof(path) - 1);
	if (n <= 0)
		attack_error("read path: %s", n ? strerror(errno) : "EOF");
	path[n] = '\0';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* No descriptor: the errno, as one byte, instead. */
		char e = (char)errno;

		if (write(cs, &e, 1) != 1)
			attack_error("server: send errno: %s", strerror(errno));
		unlink(sock);
		return 0;
	}
	iov.iov_base = "f";
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(cs, &msg, 0) != 1)
		attack_error("sendmsg: %s", strerror(errno));
	unlink(sock);
	return 0;
}

static int receive_fd(const char *sock, const char *path)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = {};
	struct sockaddr_un sa;
	struct cmsghdr *c;
	struct iovec iov;
	char byte;
	int s, fd;

	sock_addr(&sa, sock);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		attack_error("connect %s: %s", sock, strerror(errno));
	if (write(s, path, strlen(path)) != (ssize_t)strlen(path))
		attack_error("send path: %s", strerror(errno));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1)
		attack_error("recvmsg: %s", strerror(errno));
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		attack_step_failed("the other process's open for writing", byte);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	close(s);
	return fd;
}

int main(int argc, char **argv)
{
	char file[PATH_MAX + 16], sock[PATH_MAX + 16];
	unsigned char *rx, *rw;
	struct stat st;
	int fd, wfd, err, ready[2];
	pid_t server = 0;

	attack_init();
	if (argc > 2 && !strcmp(argv[1], "serve"))
		return serve(argv[2], -1);

	snprintf(file, sizeof(file), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", file, 0700, 0);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", file, strerror(errno));
	rx = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (rx == MAP_FAILED)
		attack_error("mapping the unmodified copy executable failed: %s (is this program in the manifest?)",
			     strerror(err));

	if (argc > 1) {
		snprintf(sock, sizeof(sock), "%s", argv[1]);
	} else {
		snprintf(sock, sizeof(sock), "%s/sock", attack_scratch);
		if (pipe2(ready, O_CLOEXEC))
			attack_error("pipe: %s", strerror(errno));
		server = fork();
		if (server < 0)
			attack_error("fork: %s", strerror(errno));
		if (server == 0) {
			close(ready[0]);
			_exit(serve(sock, ready[1]));
		}
		close(ready[1]);
		if (read(ready[0], &err, 1) < 0)
			attack_error("waiting for the server: %s", strerror(errno));
		close(ready[0]);
	}
	wfd = receive_fd(sock, file);
	if (server > 0)
		waitpid(server, NULL, 0);
	attack_scratch_remove(attack_scratch);

	err = -attack_pwrite_all(wfd, attack_payload, sizeof(attack_payload), ATTACK_PAGE);
	if (!err)
		attack_run_payload(rx + ATTACK_PAGE);
	if (err != EPERM)
		attack_error("pwrite through the received descriptor: %s", strerror(err));
	rw = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, wfd, 0);
	if (rw == MAP_FAILED)
		attack_step_failed("pwrite and shared writable mmap through the received descriptor",
				   errno);
	attack_write_payload(rw + ATTACK_PAGE);
	attack_run_payload(rx + ATTACK_PAGE);
}
