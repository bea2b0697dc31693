/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Installing nojit's node-side files from a container onto the host (the
 * Kubernetes DaemonSet's init container): a file is replaced by rename, so
 * a container runtime executing the hook binary or reading the hook JSON
 * meanwhile sees the old or the new one, never a partial one (and never
 * ETXTBSY); a directory (policy.d, trust, manifests) is published as a
 * symlink to a versioned copy, swapped by one rename.
 */
#ifndef NOJIT_NODE_INSTALL_H
#define NOJIT_NODE_INSTALL_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* Largest file node_install_file() copies (the static nojit is ~3 MiB). */
#define NODE_INSTALL_FILE_MAX (256u << 20)
/* Most files node_install_dir() copies from one directory. */
#define NODE_INSTALL_DIR_FILES_MAX 10000

/* Create DIR with MODE (its parents 0755), or leave it as it is. */
int node_install_mkdir(const char *dir, mode_t mode, struct nojit_err *err);

/*
 * Copy SRC to DST with MODE (parents created 0755): a temporary file
 * beside DST, fsync, rename. *RET_CHANGED: DST did not hold these bytes
 * and this mode before.
 */
int node_install_file(const char *src, const char *dst, mode_t mode, bool *ret_changed,
		      struct nojit_err *err);

/*
 * Publish the regular files of SRC (symlinks followed, as a ConfigMap
 * mount holds them; dot entries such as "..data" skipped; anything else
 * refused) as DST: the files are copied into DST's parent as
 * ".NAME-<sha256 prefix of the content>", then DST, a symlink, is pointed
 * at that copy by a rename. The copy DST pointed at before is kept (a
 * reader in the middle of a load finishes it); older ones are removed.
 * DST that exists and is not a symlink is refused (-EEXIST): it was not
 * installed this way. *RET_CHANGED: the content differs from what DST
 * showed before.
 */
int node_install_dir(const char *src, const char *dst, bool *ret_changed, struct nojit_err *err);

#endif /* NOJIT_NODE_INSTALL_H */
