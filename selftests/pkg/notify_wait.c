// SPDX-License-Identifier: GPL-2.0
/*
 * notify_wait.c - the service manager's side of Type=notify, for tests
 * where systemd does not run (the test VM): bind a datagram socket, start
 * COMMAND with NOTIFY_SOCKET pointing at it, and wait for READY=1.
 *
 * Usage: notify-wait SOCKET TIMEOUT_S PIDFILE COMMAND [ARG...]
 *
 * Prints every notification received (one "notify: ..." line each), writes
 * the command's pid to PIDFILE, and exits 0 once READY=1 arrived, leaving
 * the command running. Exits 1 if the command ended first or TIMEOUT_S
 * passed (the command is then killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	long deadline;
	FILE *pf;
	pid_t pid;
	int fd, one = 1, status, ready = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: notify-wait SOCKET TIMEOUT_S PIDFILE COMMAND [ARG...]\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify-wait: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* The service runs as another user: let it send (systemd's socket is
	 * reachable by every service too). */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(argv[1], 0666) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		perror("notify-wait: socket");
		return 1;
	}
	deadline = now_ms() + atol(argv[2]) * 1000;
	pid = fork();
	if (pid < 0) {
		perror("notify-wait: fork");
		return 1;
	}
	if (pid == 0) {
		/* Like a service's: its output is a log, not our stdout (a
		 * caller reading that pipe would wait for the service). */
		dup2(2, 1);
		setenv("NOTIFY_SOCKET", argv[1], 1);
		execvp(argv[4], argv + 4);
		perror("notify-wait: exec");
		_exit(127);
	}
	pf = fopen(argv[3], "w");
	if (pf) {
		fprintf(pf, "%d\n", (int)pid);
		fclose(pf);
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "notify-wait: the command ended (status 0x%x) before READY=1\n",
				status);
			return 1;
		}
		if (left <= 0) {
			fprintf(stderr, "notify-wait: no READY=1 within %s s\n", argv[2]);
			kill(pid, SIGKILL);
			return 1;
		}
		if (poll(&p, 1, left < 200 ? (int)left : 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
			printf("notify: %s\n", l);
			ready |= !strcmp(l, "READY=1");
		}
		fflush(stdout);
		if (ready)
			return 0;
	}
}
