// SPDX-License-Identifier: GPL-2.0
/* Kernel log watch through /dev/kmsg. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

static const char *const bad[] = {
	"WARNING:", "BUG:", "Oops", "general protection", "refcount_t",
	"kmemleak", "UBSAN", "KASAN",
};

int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

int kmsg_problems(int fd, char *first, size_t cap)
{
	char rec[8192];
	int count = 0;

	if (first && cap)
		first[0] = 0;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		const char *msg;
		size_t i;

		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: skip ahead */
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(msg, bad[i])) {
				if (!count && first && cap)
					snprintf(first, cap, "%.*s",
						 (int)strcspn(msg, "\n"), msg);
				count++;
				break;
			}
		}
	}
	return count;
}
