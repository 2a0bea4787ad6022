// SPDX-License-Identifier: GPL-2.0
/* vubridged started, watched and stopped for the DPDK tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dpdk_daemon.h"
#include "vdpa_env.h"

#define VD_MAX_DEVS	4
#define VD_MAX_ARGS	(6 + 2 * VD_MAX_DEVS)

/* debug: every message the front-end sends is in the log. */
static void build_argv(const char *bin, const char *const *devs,
		       unsigned int ndevs, const char *client,
		       const char **argv)
{
	unsigned int i;
	int n = 0;

	argv[n++] = bin;
	argv[n++] = "--foreground";
	argv[n++] = "--log-level";
	argv[n++] = "debug";
	for (i = 0; i < ndevs && i < VD_MAX_DEVS; i++) {
		argv[n++] = "--device";
		argv[n++] = devs[i];
	}
	argv[n++] = client ? "--client" : "--socket-dir";
	argv[n++] = client ? client : VD_SOCK_DIR;
	argv[n] = NULL;
}

int vd_cmdline(const char *dev, const char *client, char *buf, size_t cap)
{
	return vd_cmdline_devs(&dev, 1, client, buf, cap);
}

int vd_cmdline_devs(const char *const *devs, unsigned int ndevs,
		    const char *client, char *buf, size_t cap)
{
	const char *argv[VD_MAX_ARGS];
	size_t len = 0;
	int i;

	build_argv("vubridged", devs, ndevs, client, argv);
	buf[0] = 0;
	for (i = 0; argv[i]; i++) {
		int w = snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= cap - len)
			return -ENAMETOOLONG;
		len += (size_t)w;
	}
	return 0;
}

int vd_start(struct vubd *d, const char *dev, const char *client,
	     const char *tag)
{
	return vd_start_devs(d, &dev, 1, client, tag);
}

int vd_start_devs(struct vubd *d, const char *const *devs, unsigned int ndevs,
		  const char *client, const char *tag)
{
	const char *argv[VD_MAX_ARGS];
	const char *dir = getenv("VUB_RESULTS");
	char bin[400], sock[256];
	unsigned int k;
	int fd, i;

	d->pid = -1;
	d->err[0] = 0;
	snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
	snprintf(d->log, sizeof(d->log), "%s/vubridged-%s.log",
		 dir ? dir : "/tmp", tag);
	if (access(bin, X_OK)) {
		snprintf(d->err, sizeof(d->err), "%s: %m", bin);
		return -ENOENT;
	}
	for (k = 0; !client && k < ndevs; k++) {
		snprintf(sock, sizeof(sock), VD_SOCK_DIR "/%s.sock", devs[k]);
		unlink(sock);
	}
	d->pid = fork();
	if (d->pid < 0) {
		snprintf(d->err, sizeof(d->err), "fork: %m");
		return -errno;
	}
	if (d->pid == 0) {
		fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		build_argv(bin, devs, ndevs, client, argv);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	if (client)
		return 0;
	/* Every device's socket, in any order. */
	for (i = 0, k = 0; i < 200; i++) {
		struct stat st;

		snprintf(sock, sizeof(sock), VD_SOCK_DIR "/%s.sock", devs[k]);
		while (k < ndevs && !stat(sock, &st) && S_ISSOCK(st.st_mode)) {
			if (++k < ndevs)
				snprintf(sock, sizeof(sock),
					 VD_SOCK_DIR "/%s.sock", devs[k]);
		}
		if (k == ndevs)
			return 0;
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = -1;
			snprintf(d->err, sizeof(d->err),
				 "vubridged exited at start (see %s)", d->log);
			return -ECHILD;
		}
		usleep(50000);
	}
	snprintf(d->err, sizeof(d->err), "no %s within 10 s (see %s)", sock,
		 d->log);
	return -ETIMEDOUT;
}

int vd_stop(struct vubd *d, int sig)
{
	int status;

	if (d->pid <= 0)
		return -ESRCH;
	kill(d->pid, sig);
	while (waitpid(d->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	d->pid = -1;
	return status;
}

long vd_cpu_ms(const struct vubd *d)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
	ret = vub_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	/* Fields after the ")" that ends the command name: state is 3rd,
	 * utime 14th and stime 15th of the whole line. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -EINVAL;
	return (long)((ut + st) * 1000 / (unsigned long)hz);
}

char *vd_log_text(const struct vubd *d)
{
	FILE *f = fopen(d->log, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, 0, f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

size_t vd_log_size(const struct vubd *d)
{
	struct stat st;

	return stat(d->log, &st) ? 0 : (size_t)st.st_size;
}

int vd_queue_counters(const struct vubd *d, size_t from, const char *dev,
		      unsigned int q, uint64_t *kicks, uint64_t *irqs)
{
	char *text = vd_log_text(d), *p, needle[96];
	int ret = -ENOENT;

	if (!text)
		return -ENOENT;
	snprintf(needle, sizeof(needle), " %s: queue %u: ", dev, q);
	p = strlen(text) >= from ? text + from : text + strlen(text);
	while ((p = strstr(p, needle))) {
		unsigned long long k, i;

		p += strlen(needle);
		if (sscanf(p, "%llu kicks forwarded, %llu interrupts", &k,
			   &i) == 2) {
			*kicks = k;
			*irqs = i;
			ret = 0;
		}
	}
	free(text);
	return ret;
}

int vd_wait_log(const struct vubd *d, size_t from, const char *needle,
		int timeout_ms)
{
	int t;

	for (t = 0; t <= timeout_ms; t += 100) {
		char *text = vd_log_text(d);
		bool found = text && strlen(text) >= from &&
			     strstr(text + from, needle);

		free(text);
		if (found)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}
