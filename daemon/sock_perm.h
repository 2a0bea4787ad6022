/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sock_perm.h - who may connect to the listening sockets: their group and
 * mode (--socket-group, --socket-mode), so that a VMM running as another
 * user (libvirt's libvirt-qemu, in group kvm) can connect while the daemon
 * runs as its own unprivileged user.
 */
#ifndef VUB_SOCK_PERM_H
#define VUB_SOCK_PERM_H

#include <sys/types.h>

/* Parse the options; 0, or -EINVAL with a message on stderr. */
int sock_perm_set_group(const char *arg);
int sock_perm_set_mode(const char *arg);
/* The umask to bind() under, so the socket is born with the mode. */
mode_t sock_perm_umask(void);
/*
 * Give the socket @name in @dir_fd (inode @ino, just bound, not yet
 * listening) its group; no path is followed. 0 or -errno, logged for
 * device @dev.
 */
int sock_perm_apply(int dir_fd, const char *name, ino_t ino, const char *dev);

#endif /* VUB_SOCK_PERM_H */
