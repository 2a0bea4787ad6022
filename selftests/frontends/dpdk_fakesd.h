/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of systemd a daemon with FDSTORE=1 meets, played faithfully
 * for tests in a VM without systemd: a NOTIFY_SOCKET datagram socket
 * (SO_PASSCRED: a sender is identified by its credentials, and only the
 * service's processes are heard, as NotifyAccess=main/all), the service's
 * file descriptor store (FDSTORE=1 with FDNAME and FDPOLL, a file already
 * held dropped as a duplicate, FDSTOREREMOVE=1 with FDNAME removing every
 * file of that name, at most FileDescriptorStoreMax files), and the start
 * of the service with the store handed back: fds from 3 on, LISTEN_PID,
 * LISTEN_FDS, LISTEN_FDNAMES, NOTIFY_SOCKET and FDSTORE set.
 */
#ifndef VUBT_DPDK_FAKESD_H
#define VUBT_DPDK_FAKESD_H

#include <stdbool.h>
#include <sys/types.h>

#define FSD_MAX_FDS	1024
#define FSD_MAX_PIDS	64

struct fakesd {
	int sock;
	char path[108];
	unsigned int max;		/* FileDescriptorStoreMax= */
	unsigned int n;
	int fds[FSD_MAX_FDS];
	char names[FSD_MAX_FDS][256];
	bool poll[FSD_MAX_FDS];
	pid_t pids[FSD_MAX_PIDS];	/* processes of the service */
	unsigned int npids;
	unsigned int stored, removed, dups, refused, ready;
	char err[256];
};

/* Listen on @path; a store of at most @max files. 0 or -errno. */
int fsd_open(struct fakesd *f, const char *path, unsigned int max);
/* Handle every notification that arrives within @ms. */
void fsd_pump(struct fakesd *f, int ms);
/* Start @argv (argv[0] the binary) as the service, stderr appended to
 * @log, @env1 (NAME=VALUE, may be NULL) added. The pid, or -errno. */
pid_t fsd_start(struct fakesd *f, const char *const *argv, const char *log,
		const char *env1);
/* The stored file named @name, or -1. */
int fsd_find(const struct fakesd *f, const char *name);
/* systemctl stop: every stored file closed. */
void fsd_flush(struct fakesd *f);
void fsd_close(struct fakesd *f);

#endif
