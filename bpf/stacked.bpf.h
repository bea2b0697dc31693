/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 16: the inode a hook sees is not always the inode that holds the
 * data. On overlayfs (the root of most containers) an open file, a
 * mapping and every writer below it work on the upper or lower inode:
 * a shared writable mapping holds the upper file, so the overlay inode's
 * i_writecount says "no writers" while the page cache under an executable
 * mapping can still change. Writer checks, the digest cache and the
 * exec_mapped mark therefore all follow the data inode found here.
 *
 * Per-file state of a plain file lives in inode storage (hashgate.bpf.h).
 * The verifier lets inode storage hang only off pointers it can trust,
 * and the upper and lower inodes are reached through overlayfs's private
 * structures, which it cannot: the state of a stacked file's data is kept
 * in a hash map keyed by the data inode's identity, and deleted when that
 * inode is freed (inode_free_security), so a reused inode never inherits
 * a stale digest. Writers of a plain inode look in both places: it may be
 * some overlay's upper or lower inode.
 */
#ifndef NOJIT_STACKED_BPF_H
#define NOJIT_STACKED_BPF_H

#include "policy.bpf.h"

/*
 * overlayfs's inode, lower stack and options (fs/overlayfs/ovl_entry.h).
 * They live in the overlay module's BTF, which libbpf searches for CO-RE
 * candidates when the module is loaded at enforce time.
 */
struct ovl_path___nojit {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct ovl_entry___nojit {
	unsigned int __numlower;
	struct ovl_path___nojit __lowerstack[1];
} __attribute__((preserve_access_index));

struct ovl_config___nojit {
	bool metacopy;
} __attribute__((preserve_access_index));

struct ovl_fs___nojit {
	struct ovl_config___nojit config;
} __attribute__((preserve_access_index));

struct ovl_inode___nojit {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
	struct ovl_entry___nojit *oe;
} __attribute__((preserve_access_index));

/* Overlays of overlays: deeper stacks are refused (fail closed). */
#define NOJIT_MAX_STACK_DEPTH 4

/* Which inode holds a file's data: its super block, number and generation. */
struct data_key {
	__u64 sb;
	__u64 ino;
	__u32 gen;
	__u32 pad;
};

/* The data inode of what a hook saw: where to look for writers and state. */
struct data_ref {
	struct inode *plain;	/* the inode the hook saw, when it holds the data */
	__u64 inode;		/* address of the data inode (read, not trusted) */
	__u64 magic;		/* its file system's s_magic */
	struct data_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NOJIT_MAX_FILES);
	__type(key, struct data_key);
	__type(value, struct nojit_file_hash);
} nojit_files SEC(".maps");

/* The key of an inode reached through overlayfs (read, not trusted). */
static __always_inline void data_key_of(__u64 addr, struct data_key *key)
{
	struct inode *inode = (struct inode *)addr;

	key->sb = (__u64)BPF_CORE_READ(inode, i_sb);
	key->ino = BPF_CORE_READ(inode, i_ino);
	key->gen = BPF_CORE_READ(inode, i_generation);
	key->pad = 0;
}

/* The key of an inode a hook was given: direct loads, no helper calls. */
static __always_inline void data_key_plain(struct inode *inode, struct data_key *key)
{
	key->sb = (__u64)inode->i_sb;
	key->ino = inode->i_ino;
	key->gen = inode->i_generation;
	key->pad = 0;
}

/*
 * The data inode behind INODE into REF: INODE itself unless it is an
 * overlay inode. -EPERM when it cannot be found (an overlay whose module
 * BTF was not there at load time, metacopy, a stack deeper than
 * NOJIT_MAX_STACK_DEPTH, neither an upper nor a lower inode): callers
 * refuse then.
 */
static __always_inline int data_ref_get(struct inode *start, struct data_ref *ref)
{
	__u64 addr = (__u64)start;

	ref->plain = NULL;
	ref->magic = start->i_sb->s_magic;
	if (ref->magic != OVERLAYFS_SUPER_MAGIC) {
		ref->plain = start;
		ref->inode = addr;
		data_key_plain(start, &ref->key);
		return 0;
	}
	if (!bpf_core_type_exists(struct ovl_inode___nojit) ||
	    !bpf_core_type_exists(struct ovl_fs___nojit))
		return -EPERM;
	/* addr is an overlay inode at the top of each round. */
	for (int i = 0; i < NOJIT_MAX_STACK_DEPTH; i++) {
		struct inode *inode = (struct inode *)addr;
		struct ovl_inode___nojit *oi;
		struct ovl_entry___nojit *oe;
		struct ovl_fs___nojit *ofs;
		struct dentry *real;

		/*
		 * With metacopy an upper inode may hold only metadata and
		 * the data sits in a data-only lower layer: not followed.
		 */
		ofs = BPF_CORE_READ(inode, i_sb, s_fs_info);
		if (!ofs || BPF_CORE_READ(ofs, config.metacopy))
			return -EPERM;
		oi = (void *)(addr - bpf_core_field_offset(struct ovl_inode___nojit, vfs_inode));
		real = BPF_CORE_READ(oi, __upperdentry);
		if (!real) {
			/* Without metacopy the data is in the first lower layer. */
			oe = BPF_CORE_READ(oi, oe);
			if (!oe || BPF_CORE_READ(oe, __numlower) < 1)
				return -EPERM;
			real = BPF_CORE_READ(oe, __lowerstack[0].dentry);
		}
		addr = real ? (__u64)BPF_CORE_READ(real, d_inode) : 0;
		if (!addr)
			return -EPERM;
		inode = (struct inode *)addr;
		ref->magic = BPF_CORE_READ(inode, i_sb, s_magic);
		if (ref->magic != OVERLAYFS_SUPER_MAGIC) {
			ref->inode = addr;
			data_key_of(addr, &ref->key);
			return 0;
		}
	}
	return -EPERM;
}

/*
 * True if the data may change without any write through the VFS: a FUSE
 * server answers every read (and, with direct I/O or after an
 * invalidation, every page fault) with whatever it likes, and a
 * passthrough file's mappings land on a backing file the hook never saw.
 * An unprivileged task can serve one itself (a user namespace and
 * /dev/fuse). What the gate hashed or the writer check saw says nothing
 * about what will run, so it is never code for a governed task.
 */
static __always_inline bool data_unstable(const struct data_ref *ref)
{
	return ref->magic == FUSE_SUPER_MAGIC;
}

static __always_inline bool data_has_writers(const struct data_ref *ref)
{
	/* A local first: inside BPF_CORE_READ, ref's own field would be relocated. */
	struct inode *inode = (struct inode *)ref->inode;

	return BPF_CORE_READ(inode, i_writecount.counter) > 0;
}

/* A stacked file's state; with CREATE, made empty if there is none yet. */
static __always_inline struct nojit_file_hash *stacked_state(const struct data_key *key,
							     bool create)
{
	struct nojit_file_hash *fh, empty = {};

	fh = bpf_map_lookup_elem(&nojit_files, key);
	if (fh || !create)
		return fh;
	/* A racing creator may have won: either entry is as good. */
	bpf_map_update_elem(&nojit_files, key, &empty, BPF_NOEXIST);
	return bpf_map_lookup_elem(&nojit_files, key);
}

/*
 * A freed inode's identity may come back (a new inode in the same slab
 * object with the same number): its state goes with it.
 */
SEC("lsm/inode_free_security")
int BPF_PROG(nojit_inode_free, struct inode *inode)
{
	struct data_key key;

	data_key_plain(inode, &key);
	bpf_map_delete_elem(&nojit_files, &key);
	return 0;
}

#endif /* NOJIT_STACKED_BPF_H */
