// SPDX-License-Identifier: GPL-2.0
/* A service manager's notify socket and fd store for tests (dpdk_fakesd.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include "dpdk_fakesd.h"

int fsd_open(struct fakesd *f, const char *path, unsigned int max)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->max = max < FSD_MAX_FDS ? max : FSD_MAX_FDS;
	snprintf(f->path, sizeof(f->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	f->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->sock < 0)
		return -errno;
	if (setsockopt(f->sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    bind(f->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		close(f->sock);
		f->sock = -1;
		return -errno;
	}
	return 0;
}

/* systemd's same_fd(): the same open file description. */
static bool same_fd(int a, int b)
{
	pid_t me = getpid();

	return syscall(SYS_kcmp, me, me, KCMP_FILE, a, b) == 0;
}

static bool ours(const struct fakesd *f, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

/* The value of @key= in the newline-separated @msg, or NULL. */
static const char *value(const char *msg, const char *key, char *buf,
			 size_t cap)
{
	size_t k = strlen(key);
	const char *p = msg;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > k && !strncmp(p, key, k) && p[k] == '=') {
			snprintf(buf, cap, "%.*s", (int)(len - k - 1), p + k + 1);
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static void handle(struct fakesd *f, const char *msg, int *fds, int nfds)
{
	char name[256], poll_v[16], tmp[16];
	const char *nm;
	unsigned int i, k;
	int j;

	if (value(msg, "READY", tmp, sizeof(tmp)))
		f->ready++;
	nm = value(msg, "FDNAME", name, sizeof(name));
	if (value(msg, "FDSTOREREMOVE", tmp, sizeof(tmp)) &&
	    !strcmp(tmp, "1") && nm) {
		for (i = 0, k = 0; i < f->n; i++) {
			if (!strcmp(f->names[i], name)) {
				close(f->fds[i]);
				f->removed++;
				continue;
			}
			f->fds[k] = f->fds[i];
			f->poll[k] = f->poll[i];
			memcpy(f->names[k], f->names[i], sizeof(f->names[k]));
			k++;
		}
		f->n = k;
	}
	if (!value(msg, "FDSTORE", tmp, sizeof(tmp)) || strcmp(tmp, "1")) {
		for (j = 0; j < nfds; j++)
			close(fds[j]);	/* fds without FDSTORE=1: dropped */
		return;
	}
	for (j = 0; j < nfds; j++) {
		bool dup = false;

		for (i = 0; i < f->n && !dup; i++)
			dup = same_fd(f->fds[i], fds[j]);
		if (dup) {
			f->dups++;
			close(fds[j]);
			continue;
		}
		if (f->n >= f->max) {
			f->refused++;
			close(fds[j]);
			continue;
		}
		f->fds[f->n] = fds[j];
		snprintf(f->names[f->n], sizeof(f->names[0]), "%s",
			 nm ? name : "stored");
		f->poll[f->n] = !value(msg, "FDPOLL", poll_v, sizeof(poll_v)) ||
				strcmp(poll_v, "0");
		f->n++;
		f->stored++;
	}
}

void fsd_pump(struct fakesd *f, int ms)
{
	struct pollfd pfd = { .fd = f->sock, .events = POLLIN };

	while (poll(&pfd, 1, ms) > 0) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 768) +
				 CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} ctl;
		char msg[4096];
		struct iovec iov = { msg, sizeof(msg) - 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cm;
		int fds[768], nfds = 0, j;
		pid_t pid = 0;
		ssize_t n;

		n = recvmsg(f->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0)
			break;
		msg[n] = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SCM_RIGHTS) {
				int k = (int)((cm->cmsg_len - CMSG_LEN(0)) /
					      sizeof(int));

				memcpy(fds + nfds, CMSG_DATA(cm),
				       (size_t)k * sizeof(int));
				nfds += k;
			} else if (cm->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
				pid = uc.pid;
			}
		}
		if (!ours(f, pid)) {	/* NotifyAccess: not the service */
			for (j = 0; j < nfds; j++)
				close(fds[j]);
			continue;
		}
		handle(f, msg, fds, nfds);
		ms = 0;		/* then drain what is queued */
	}
}

pid_t fsd_start(struct fakesd *f, const char *const *argv, const char *log,
		const char *env1)
{
	pid_t pid;

	fsd_pump(f, 0);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char names[FSD_MAX_FDS * 64], num[32];
		size_t len = 0;
		unsigned int i;
		int fd, tmp[FSD_MAX_FDS];

		/* Out of the way first, then to 3, 4, ... in order. */
		for (i = 0; i < f->n; i++)
			tmp[i] = fcntl(f->fds[i], F_DUPFD_CLOEXEC,
				       3 + (int)f->n);
		for (i = 0; i < f->n; i++)
			dup2(tmp[i], 3 + (int)i);
		names[0] = 0;
		for (i = 0; i < f->n && len < sizeof(names) - 300; i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", i ? ":" : "",
						f->names[i]);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (f->n) {
			snprintf(num, sizeof(num), "%d", (int)getpid());
			setenv("LISTEN_PID", num, 1);
			snprintf(num, sizeof(num), "%u", f->n);
			setenv("LISTEN_FDS", num, 1);
			setenv("LISTEN_FDNAMES", names, 1);
		} else {
			unsetenv("LISTEN_PID");
			unsetenv("LISTEN_FDS");
			unsetenv("LISTEN_FDNAMES");
		}
		snprintf(num, sizeof(num), "%u", f->max);
		setenv("FDSTORE", num, 1);
		setenv("NOTIFY_SOCKET", f->path, 1);
		if (env1)
			putenv((char *)env1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (f->npids < FSD_MAX_PIDS)
		f->pids[f->npids++] = pid;
	return pid;
}

int fsd_find(const struct fakesd *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->names[i], name))
			return f->fds[i];
	return -1;
}

void fsd_flush(struct fakesd *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		close(f->fds[i]);
	f->n = 0;
}

void fsd_close(struct fakesd *f)
{
	if (f->sock < 0)
		return;
	fsd_flush(f);
	close(f->sock);
	f->sock = -1;
	unlink(f->path);
}
