// SPDX-License-Identifier: GPL-2.0
/*
 * sock_perm.c - the listening sockets' group and mode. The mode comes from
 * the umask at bind() time and the group from fchownat() on the bound name
 * before listen(), so no front-end can connect while the socket still has
 * other permissions, and no chmod()/chown() by path can be redirected: the
 * directory is ours (endpoint.c checks it) and the name is not followed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sock_perm.h"

static struct {
	mode_t mode;
	gid_t gid;
	const char *group;
} sp = { .mode = 0660, .gid = (gid_t)-1 };

int sock_perm_set_group(const char *arg)
{
	struct group *gr = getgrnam(arg);
	unsigned long v;
	char *end;

	if (gr) {
		sp.gid = gr->gr_gid;
	} else {
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v >= (gid_t)-1) {
			fprintf(stderr, "vubridged: --socket-group: no group '%s'\n",
				arg);
			return -EINVAL;
		}
		sp.gid = (gid_t)v;
	}
	sp.group = arg;
	return 0;
}

int sock_perm_set_mode(const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 8);
	/* connect() needs write permission; the daemon itself must keep it. */
	if (errno || end == arg || *end || v > 0777 || !(v & 0200)) {
		fprintf(stderr, "vubridged: --socket-mode: '%s' is not an octal mode in 0200..0777 with the owner's write bit\n",
			arg);
		return -EINVAL;
	}
	sp.mode = (mode_t)v;
	return 0;
}

mode_t sock_perm_umask(void)
{
	return ~sp.mode & 0777;
}

int sock_perm_apply(int dir_fd, const char *name, ino_t ino, const char *dev)
{
	struct stat st;
	int err;

	if (sp.gid == (gid_t)-1)
		return 0;
	if (fchownat(dir_fd, name, (uid_t)-1, sp.gid, AT_SYMLINK_NOFOLLOW) < 0) {
		err = errno;
		log_err(dev, "cannot give socket %s to group %s: %s%s", name,
			sp.group, strerror(err), err == EPERM ?
			" (the daemon's user must be a member of that group)" : "");
		return -err;
	}
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != ino || st.st_gid != sp.gid) {
		log_err(dev, "socket %s changed while its group was set: refusing it",
			name);
		return -EEXIST;
	}
	return 0;
}
