// SPDX-License-Identifier: GPL-2.0
/*
 * try_open.c - what a given user gets from the device node or the socket:
 * "try-open dev PATH" opens PATH read-write, "try-open sock PATH"
 * connects to the unix socket PATH, once, no retry. Prints "ok" or the
 * errno's name (EACCES, ...) and exits 0 or 1 accordingly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (argc != 3 || (strcmp(argv[1], "dev") && strcmp(argv[1], "sock")) ||
	    strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: try-open dev|sock PATH\n");
		return 2;
	}
	if (!strcmp(argv[1], "dev")) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
	} else {
		strcpy(sa.sun_path, argv[2]);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int err = errno;

			close(fd);
			fd = -1;
			errno = err;
		}
	}
	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}
