// SPDX-License-Identifier: GPL-2.0
/*
 * WASI preview1: args, environ, clocks, random, process, scheduling,
 * poll_oneoff, and the socket calls we do not offer (ENOTSOCK, as in
 * wasmtime: no descriptor is a socket).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "wasi.h"
#include "wasi_imports.h"

/* argv / environ share the layout: pointers at ptrs, strings at buf. */
static uint32_t strings_sizes(struct vk_guest *g, char **v, uint32_t n,
			      uint32_t count_ptr, uint32_t size_ptr)
{
	uint64_t size = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		size += strlen(v[i]) + 1;
	if (size > UINT32_MAX)
		return WASI_E2BIG;
	if (!vk_store32(g, count_ptr, n) || !vk_store32(g, size_ptr, (uint32_t)size))
		return WASI_EFAULT;
	return WASI_ESUCCESS;
}

static uint32_t strings_get(struct vk_guest *g, char **v, uint32_t n,
			    uint32_t ptrs, uint32_t buf)
{
	uint64_t off = buf;
	uint32_t i;

	if (!vk_mem(g, ptrs, (uint64_t)n * 4))
		return WASI_EFAULT;
	for (i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		void *dst;

		if (off > UINT32_MAX || !(dst = vk_mem(g, (uint32_t)off, len)))
			return WASI_EFAULT;
		memcpy(dst, v[i], len);
		vk_store32(g, ptrs + 4 * i, (uint32_t)off);
		off += len;
	}
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(args_sizes_get)(wasi_instance_t *inst, uint32_t argc_ptr, uint32_t size_ptr)
{
	struct vk_guest *g = wasi_guest(inst);

	return strings_sizes(g, g->argv, g->argc, argc_ptr, size_ptr);
}

uint32_t WASI_IMPORT(args_get)(wasi_instance_t *inst, uint32_t argv_ptr, uint32_t buf)
{
	struct vk_guest *g = wasi_guest(inst);

	return strings_get(g, g->argv, g->argc, argv_ptr, buf);
}

uint32_t WASI_IMPORT(environ_sizes_get)(wasi_instance_t *inst, uint32_t count_ptr, uint32_t size_ptr)
{
	struct vk_guest *g = wasi_guest(inst);

	return strings_sizes(g, g->envp, g->envc, count_ptr, size_ptr);
}

uint32_t WASI_IMPORT(environ_get)(wasi_instance_t *inst, uint32_t env_ptr, uint32_t buf)
{
	struct vk_guest *g = wasi_guest(inst);

	return strings_get(g, g->envp, g->envc, env_ptr, buf);
}

static int clock_host(uint32_t id, clockid_t *ret)
{
	switch (id) {
	case WASI_CLOCK_REALTIME: *ret = CLOCK_REALTIME; return 0;
	case WASI_CLOCK_MONOTONIC: *ret = CLOCK_MONOTONIC; return 0;
	case WASI_CLOCK_PROCESS_CPUTIME_ID: *ret = CLOCK_PROCESS_CPUTIME_ID; return 0;
	case WASI_CLOCK_THREAD_CPUTIME_ID: *ret = CLOCK_THREAD_CPUTIME_ID; return 0;
	default: return -EINVAL;
	}
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

uint32_t WASI_IMPORT(clock_res_get)(wasi_instance_t *inst, uint32_t id, uint32_t ret_ptr)
{
	struct vk_guest *g = wasi_guest(inst);
	struct timespec ts;
	clockid_t c;

	if (clock_host(id, &c) < 0)
		return WASI_EINVAL;
	if (clock_getres(c, &ts) < 0)
		return wasi_errno_from_host(errno);
	return vk_store64(g, ret_ptr, ts_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t WASI_IMPORT(clock_time_get)(wasi_instance_t *inst, uint32_t id, uint64_t precision,
				     uint32_t ret_ptr)
{
	struct vk_guest *g = wasi_guest(inst);
	struct timespec ts;
	clockid_t c;

	(void)precision;
	if (clock_host(id, &c) < 0)
		return WASI_EINVAL;
	if (clock_gettime(c, &ts) < 0)
		return wasi_errno_from_host(errno);
	return vk_store64(g, ret_ptr, ts_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t WASI_IMPORT(random_get)(wasi_instance_t *inst, uint32_t buf, uint32_t len)
{
	struct vk_guest *g = wasi_guest(inst);
	uint8_t *p = vk_mem(g, buf, len);
	size_t done = 0;

	if (!p)
		return WASI_EFAULT;
	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wasi_errno_from_host(errno);
		}
		done += (size_t)n;
	}
	return WASI_ESUCCESS;
}

void WASI_IMPORT(proc_exit)(wasi_instance_t *inst, uint32_t status)
{
	vk_guest_exit(wasi_guest(inst), (int)(status & 0xff));
}

uint32_t WASI_IMPORT(proc_raise)(wasi_instance_t *inst, uint32_t sig)
{
	(void)inst;
	return sig > WASI_SIGNAL_MAX ? WASI_EINVAL : WASI_ENOTSUP;	/* as wasmtime */
}

uint32_t WASI_IMPORT(sched_yield)(wasi_instance_t *inst)
{
	(void)inst;
	sched_yield();
	return WASI_ESUCCESS;
}

/*
 * poll_oneoff: clock subscriptions (relative or absolute) and fd
 * read/write readiness, by one poll(2) with the earliest clock deadline.
 */
#define POLL_MAX_SUBS	1024

uint32_t WASI_IMPORT(poll_oneoff)(wasi_instance_t *inst, uint32_t in, uint32_t out,
				  uint32_t nsubs, uint32_t ret_nevents)
{
	struct vk_guest *g = wasi_guest(inst);
	struct pollfd pfd[POLL_MAX_SUBS];
	int pfd_of[POLL_MAX_SUBS];	/* subscription -> pfd index, -1 clock */
	uint64_t deadline[POLL_MAX_SUBS];	/* monotonic ns, clocks only */
	uint64_t now, earliest = UINT64_MAX;
	uint32_t i, nev = 0, npfd = 0;
	struct timespec ts;
	int timeout_ms, r;

	if (nsubs == 0)
		return WASI_EINVAL;
	if (nsubs > POLL_MAX_SUBS)
		return WASI_ENOTSUP;
	if (!vk_mem(g, in, (uint64_t)nsubs * WASI_SUBSCRIPTION_SIZE) ||
	    !vk_mem(g, out, (uint64_t)nsubs * WASI_EVENT_SIZE) ||
	    !vk_mem(g, ret_nevents, 4))
		return WASI_EFAULT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts_ns(&ts);

	for (i = 0; i < nsubs; i++) {
		uint32_t s = in + i * WASI_SUBSCRIPTION_SIZE, id = 0, fd = 0;
		uint64_t timeout = 0;
		uint16_t flags = 0;
		uint8_t tag = 0;
		struct vk_fd *f;

		vk_load8(g, s + 8, &tag);
		pfd_of[i] = -1;
		if (tag == WASI_EVENTTYPE_CLOCK) {
			vk_load32(g, s + 16, &id);
			vk_load64(g, s + 24, &timeout);
			vk_load16(g, s + 40, &flags);
			/* wasmtime waits on these two clocks only. */
			if (id != WASI_CLOCK_REALTIME && id != WASI_CLOCK_MONOTONIC)
				return WASI_EINVAL;
			if (flags & WASI_SUBCLOCK_ABSTIME) {
				clockid_t c;
				struct timespec cur;

				if (clock_host(id, &c) < 0)
					return WASI_EINVAL;
				clock_gettime(c, &cur);
				timeout = timeout > ts_ns(&cur) ? timeout - ts_ns(&cur) : 0;
			}
			deadline[i] = now + timeout < now ? UINT64_MAX : now + timeout;
			if (deadline[i] < earliest)
				earliest = deadline[i];
		} else if (tag == WASI_EVENTTYPE_FD_READ || tag == WASI_EVENTTYPE_FD_WRITE) {
			vk_load32(g, s + 16, &fd);
			f = vk_fdtable_get(g, fd);
			/* A file, or the stream of the right direction; any
			 * other fd fails the whole call, as in wasmtime. */
			if (!f || vk_fd_kind(f) == VK_FD_DIR ||
			    vk_fd_kind(f) == (tag == WASI_EVENTTYPE_FD_READ ? VK_FD_STDOUT
									 : VK_FD_STDIN))
				return WASI_EBADF;
			pfd_of[i] = (int)npfd;
			pfd[npfd].fd = f->host_fd;
			pfd[npfd].events = tag == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
			pfd[npfd].revents = 0;
			npfd++;
		} else {
			return WASI_EINVAL;
		}
	}

	for (;;) {
		uint64_t wait = earliest == UINT64_MAX ? UINT64_MAX :
				earliest > now ? earliest - now : 0;

		timeout_ms = wait == UINT64_MAX ? -1 :
			     wait / 1000000 > 3600000 ? 3600000 :
			     (int)((wait + 999999) / 1000000);
		if (npfd)
			r = poll(pfd, npfd, timeout_ms);
		else {
			struct timespec rq = {
				.tv_sec = (time_t)(wait / 1000000000ULL),
				.tv_nsec = (long)(wait % 1000000000ULL),
			};

			if (wait > 3600ULL * 1000000000ULL)
				rq = (struct timespec){ .tv_sec = 3600 };
			r = nanosleep(&rq, NULL) < 0 ? -1 : 0;
		}
		if (r < 0 && errno != EINTR)
			return wasi_errno_from_host(errno);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts_ns(&ts);
		if (r > 0 || now >= earliest)
			break;
	}

	for (i = 0; i < nsubs; i++) {
		uint32_t s = in + i * WASI_SUBSCRIPTION_SIZE;
		uint32_t e = out + nev * WASI_EVENT_SIZE;
		uint64_t userdata = 0, nbytes = 0;
		uint16_t error = WASI_ESUCCESS, rwflags = 0;
		uint8_t tag = 0;

		vk_load64(g, s, &userdata);
		vk_load8(g, s + 8, &tag);
		if (pfd_of[i] < 0) {
			if (now < deadline[i])
				continue;
		} else {
			short rev = pfd[pfd_of[i]].revents;

			if (!rev)
				continue;
			if (rev & POLLNVAL)
				error = WASI_EBADF;
			else if (rev & POLLERR)
				error = WASI_EIO;
			if (rev & POLLHUP)
				rwflags |= WASI_EVENTRWFLAGS_HANGUP;
			nbytes = (rev & (POLLIN | POLLOUT)) ? 1 : 0;
		}
		memset(vk_mem(g, e, WASI_EVENT_SIZE), 0, WASI_EVENT_SIZE);
		vk_store64(g, e, userdata);
		vk_store16(g, e + 8, error);
		vk_store8(g, e + 10, tag);
		vk_store64(g, e + 16, nbytes);
		vk_store16(g, e + 24, rwflags);
		nev++;
	}
	vk_store32(g, ret_nevents, nev);
	return WASI_ESUCCESS;
}

/*
 * No sockets: a guest gets no network through the vkernel. Undefined
 * flag bits EINVAL, a closed fd EBADF, any open one ENOTSOCK (wasmtime).
 */
static uint32_t not_a_socket(wasi_instance_t *inst, uint32_t fd)
{
	return vk_fdtable_get(wasi_guest(inst), fd) ? WASI_ENOTSOCK : WASI_EBADF;
}

uint32_t WASI_IMPORT(sock_accept)(wasi_instance_t *inst, uint32_t fd, uint32_t flags, uint32_t ret)
{
	(void)ret;
	return flags & ~WASI_FDFLAGS_ALL ? WASI_EINVAL : not_a_socket(inst, fd);
}

uint32_t WASI_IMPORT(sock_recv)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
				uint32_t flags, uint32_t ret_len, uint32_t ret_flags)
{
	(void)iovs; (void)n; (void)ret_len; (void)ret_flags;
	return flags & ~WASI_RIFLAGS_ALL ? WASI_EINVAL : not_a_socket(inst, fd);
}

uint32_t WASI_IMPORT(sock_send)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
				uint32_t flags, uint32_t ret_len)
{
	/* siflags is a plain u16 ("must be zero"), not checked by wasmtime. */
	(void)iovs; (void)n; (void)flags; (void)ret_len;
	return not_a_socket(inst, fd);
}

uint32_t WASI_IMPORT(sock_shutdown)(wasi_instance_t *inst, uint32_t fd, uint32_t how)
{
	return how & ~WASI_SDFLAGS_ALL ? WASI_EINVAL : not_a_socket(inst, fd);
}
