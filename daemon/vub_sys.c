// SPDX-License-Identifier: GPL-2.0
/*
 * vub_sys.c - struct vub_sys over the real system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vub_sys.h"

static int sys_open(void *ctx, const char *path)
{
	int fd;

	(void)ctx;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int sys_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int ret;

	(void)ctx;
	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const struct vub_sys vub_sys_kernel = {
	.open = sys_open,
	.ioctl = sys_ioctl,
	.close = sys_close,
};
