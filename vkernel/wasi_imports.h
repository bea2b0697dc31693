/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wasi_snapshot_preview1 imports as wasm2c (wabt 1.0.32) declares them
 * in every generated module header; declared here too so the compiler
 * checks our definitions against the same signatures. The instance
 * pointer is really a struct vk_guest * (see vk_module.h).
 */
#ifndef NOJIT_VK_WASI_IMPORTS_H
#define NOJIT_VK_WASI_IMPORTS_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "guest.h"

typedef struct Z_wasi_snapshot_preview1_instance_t wasi_instance_t;

static inline struct vk_guest *wasi_guest(wasi_instance_t *inst)
{
	return (struct vk_guest *)inst;
}

#define WASI_IMPORT(name) Z_wasi_snapshot_preview1Z_##name

/* wasi_fd.c: helpers the path calls share. */
/* struct stat to a WASI filestat at guest address ret: WASI errno. */
uint32_t wasi_store_filestat(struct vk_guest *g, uint32_t ret, const struct stat *st);
/* WASI times + fstflags to utimensat's ts[2]; -EINVAL on a bad combination. */
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

uint32_t Z_wasi_snapshot_preview1Z_args_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wasi_instance_t *, uint32_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_environ_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_advise(wasi_instance_t *, uint32_t, uint64_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(wasi_instance_t *, uint32_t, uint64_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_close(wasi_instance_t *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(wasi_instance_t *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(wasi_instance_t *, uint32_t, uint64_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(wasi_instance_t *, uint32_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(wasi_instance_t *, uint32_t, uint64_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_pread(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasi_instance_t *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_read(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wasi_instance_t *, uint32_t, uint64_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_sync(wasi_instance_t *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_tell(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_write(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(wasi_instance_t *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_link(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_open(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_readlink(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(wasi_instance_t *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_rename(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_symlink(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(wasi_instance_t *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t);
__attribute__((noreturn)) void Z_wasi_snapshot_preview1Z_proc_exit(wasi_instance_t *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_random_get(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wasi_instance_t *);
uint32_t Z_wasi_snapshot_preview1Z_sock_accept(wasi_instance_t *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_recv(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_send(wasi_instance_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(wasi_instance_t *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_proc_raise(wasi_instance_t *, uint32_t);

#endif
