// SPDX-License-Identifier: GPL-2.0
/* dpdk-testpmd driven at its interactive prompt through a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dpdk_testpmd.h"

#define TP_MAX_ARGS	32

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tp_fail(struct testpmd *tp, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tp_fail(struct testpmd *tp, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tp->err, sizeof(tp->err), fmt, ap);
	va_end(ap);
	return ret;
}

void tp_init(struct testpmd *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->pid = -1;
	tp->in = -1;
	tp->out = -1;
	tp->log = -1;
	tp->status = -1;
}

/*
 * The command line. EAL: two lcores (the prompt and one forwarding core,
 * all this VM has), no PCI scan, hugepage memory that is not kept in
 * files after the process ends (--in-memory), and one file per memory
 * segment list (--single-file-segments): without it every 2 MiB page is
 * its own vhost-user memory region and virtio-user gives up at 8 ("Too
 * many memory regions") before it sends a table. testpmd: the prompt on
 * stdin, no mlockall (it would fault in every mapped library page, 20 s
 * under TCG), io forwarding from the port back to itself, frames addressed
 * to the port's own MAC, a small mbuf pool (the default sizes it for 32
 * ports). stdbuf: testpmd prints with stdio, which a pipe would buffer
 * until exit, while its prompt is written directly.
 */
static int build_argv(const struct tp_opts *o, char vdev[2][512],
		      char peer[2][64], const char **argv)
{
	static char qarg[2][32];
	bool two = o->sock2 && o->mac2;
	unsigned int q = o->queues ? o->queues : 1;
	int n = 0;

	if (o->vhost) {
		if ((size_t)snprintf(vdev[0], 512, "net_vhost0,iface=%s,queues=1",
				     o->sock) >= 512)
			return -ENAMETOOLONG;
	} else if ((size_t)snprintf(vdev[0], 512,
			     "net_virtio_user0,path=%s,mac=%s,queues=%u,queue_size=256%s%s",
			     o->sock, o->mac, q, o->server ? ",server=1" : "",
			     o->packed ? ",packed_vq=1" : "") >= 512)
		return -ENAMETOOLONG;
	if (two && (size_t)snprintf(vdev[1], 512,
			     "net_virtio_user1,path=%s,mac=%s,queues=%u,queue_size=256%s%s",
			     o->sock2, o->mac2, q, o->server ? ",server=1" : "",
			     o->packed ? ",packed_vq=1" : "") >= 512)
		return -ENAMETOOLONG;
	snprintf(qarg[0], sizeof(qarg[0]), "--rxq=%u", q);
	snprintf(qarg[1], sizeof(qarg[1]), "--txq=%u", q);
	snprintf(peer[0], 64, "--eth-peer=0,%s", two ? o->mac2 : o->mac);
	snprintf(peer[1], 64, "--eth-peer=1,%s", o->mac);
	argv[n++] = "stdbuf";
	argv[n++] = "-oL";
	argv[n++] = TP_BIN;
	argv[n++] = "-l";
	argv[n++] = "0-1";
	if (o->main_lcore) {
		argv[n++] = "--main-lcore";
		argv[n++] = o->main_lcore;
	}
	if (o->iova_va)
		argv[n++] = "--iova-mode=va";
	argv[n++] = "--no-pci";
	argv[n++] = "--in-memory";
	argv[n++] = "--single-file-segments";
	argv[n++] = "-m";
	argv[n++] = "128";
	argv[n++] = "--no-telemetry";
	argv[n++] = "--vdev";
	argv[n++] = vdev[0];
	if (two) {
		argv[n++] = "--vdev";
		argv[n++] = vdev[1];
	}
	argv[n++] = "--";
	argv[n++] = "-i";
	argv[n++] = "--no-mlockall";
	argv[n++] = "--forward-mode=io";
	argv[n++] = two ? "--port-topology=paired" : "--port-topology=loop";
	argv[n++] = "--total-num-mbufs=4096";
	argv[n++] = peer[0];
	if (two)
		argv[n++] = peer[1];
	if (q > 1) {
		/* Queues per port, and frames of many flows (the source IP
		 * varies) so that a multi-queue NIC spreads what it receives
		 * over its RX queues. */
		argv[n++] = qarg[0];
		argv[n++] = qarg[1];
		argv[n++] = "--txonly-multi-flow";
	}
	argv[n] = NULL;
	return n;
}

int tp_cmdline(const struct tp_opts *o, char *buf, size_t cap)
{
	const char *argv[TP_MAX_ARGS];
	char vdev[2][512], peer[2][64];
	size_t len = 0;
	int n, i;

	n = build_argv(o, vdev, peer, argv);
	if (n < 0)
		return n;
	buf[0] = 0;
	for (i = 0; i < n; i++) {
		int w = snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= cap - len)
			return -ENAMETOOLONG;
		len += (size_t)w;
	}
	return 0;
}

static void open_log(struct testpmd *tp, const char *tag, const char *cmdline)
{
	const char *dir = getenv("VUB_RESULTS");
	char path[512];

	snprintf(path, sizeof(path), "%s/testpmd-%s.log", dir ? dir : "/tmp",
		 tag ? tag : "x");
	tp->log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tp->log >= 0)
		dprintf(tp->log, "$ %s\n", cmdline);
}

int tp_start(struct testpmd *tp, const struct tp_opts *o, int timeout_ms)
{
	int ret = tp_spawn(tp, o);

	if (ret)
		return ret;
	/* The first prompt comes once the port is configured and started. */
	return tp_wait_output(tp, TP_PROMPT, 0, timeout_ms);
}

int tp_spawn(struct testpmd *tp, const struct tp_opts *o)
{
	const char *argv[TP_MAX_ARGS];
	char vdev[2][512], peer[2][64], line[2048];
	int in[2], out[2];
	int ret;

	tp_init(tp);
	ret = build_argv(o, vdev, peer, argv);
	if (ret < 0)
		return tp_fail(tp, ret, "socket path too long");
	tp_cmdline(o, line, sizeof(line));
	open_log(tp, o->tag, line);
	if (pipe2(in, O_CLOEXEC))
		return tp_fail(tp, -errno, "pipe: %m");
	if (pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		close(in[0]);
		close(in[1]);
		return tp_fail(tp, ret, "pipe: %m");
	}
	tp->pid = fork();
	if (tp->pid < 0) {
		ret = -errno;
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return tp_fail(tp, ret, "fork: %m");
	}
	if (tp->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		/* Dies with the test rather than linger holding hugepages. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	tp->in = in[1];
	tp->out = out[0];
	fcntl(tp->out, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Read whatever it printed, waiting up to @wait_ms for something. */
static int pump(struct testpmd *tp, int wait_ms)
{
	struct pollfd pfd = { .fd = tp->out, .events = POLLIN };
	char tmp[4096];
	ssize_t n;

	if (tp->out < 0)
		return -EPIPE;
	if (poll(&pfd, 1, wait_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	for (;;) {
		n = read(tp->out, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -EPIPE;	/* it exited */
		if (tp->len + (size_t)n + 1 > tp->cap) {
			size_t cap = (tp->cap ? tp->cap * 2 : 65536) + (size_t)n;
			char *b = realloc(tp->buf, cap);

			if (!b)
				return -ENOMEM;
			tp->buf = b;
			tp->cap = cap;
		}
		memcpy(tp->buf + tp->len, tmp, (size_t)n);
		tp->len += (size_t)n;
		tp->buf[tp->len] = 0;
		if (tp->log >= 0 && write(tp->log, tmp, (size_t)n) < 0) {
			close(tp->log);
			tp->log = -1;
		}
	}
}

int tp_wait_output(struct testpmd *tp, const char *needle, size_t from,
		   int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	int ret;

	for (;;) {
		if (tp->buf && from <= tp->len && strstr(tp->buf + from, needle))
			return 0;
		if (mono_ms() >= end)
			return tp_fail(tp, -ETIMEDOUT,
				       "no \"%s\" from testpmd within %d ms",
				       needle, timeout_ms);
		ret = pump(tp, 100);
		if (ret == -EPIPE)
			return tp_fail(tp, -EPIPE,
				       "testpmd exited before printing \"%s\"",
				       needle);
		if (ret)
			return tp_fail(tp, ret, "reading testpmd: %s",
				       strerror(-ret));
	}
}

int tp_cmd(struct testpmd *tp, const char *cmd, int timeout_ms,
	   size_t *reply)
{
	size_t from;
	int ret;

	/* Whatever it printed on its own belongs before this command. */
	pump(tp, 0);
	from = tp->len;
	if (reply)
		*reply = from;
	if (tp->log >= 0)
		dprintf(tp->log, "\n[test sends: %s]\n", cmd);
	if (dprintf(tp->in, "%s\n", cmd) < 0)
		return tp_fail(tp, -errno, "writing \"%s\" to testpmd: %m", cmd);
	ret = tp_wait_output(tp, TP_PROMPT, from, timeout_ms);
	if (ret)
		snprintf(tp->err + strlen(tp->err),
			 sizeof(tp->err) - strlen(tp->err), " (after \"%s\")",
			 cmd);
	return ret;
}

static int field(const char *s, const char *name, uint64_t *val)
{
	const char *p = strstr(s, name);
	char *end;

	if (!p)
		return -ENOENT;
	p += strlen(name);
	*val = strtoull(p, &end, 10);
	return end == p ? -EINVAL : 0;
}

int tp_port_stats(struct testpmd *tp, struct tp_stats *st, unsigned int n)
{
	char head[64];
	unsigned int i;
	size_t at;
	int ret;

	ret = tp_cmd(tp, "show port stats all", 10000, &at);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		const char *p;

		snprintf(head, sizeof(head), "NIC statistics for port %u ", i);
		p = strstr(tp->buf + at, head);
		st[i].at_ms = mono_ms();
		if (!p || field(p, "RX-packets:", &st[i].rx) ||
		    field(p, "TX-packets:", &st[i].tx))
			return tp_fail(tp, -EINVAL,
				       "no statistics of port %u in: %.300s",
				       i, tp->buf + at);
	}
	return 0;
}

int tp_queue_stats(struct testpmd *tp, unsigned int port, unsigned int nq,
		   uint64_t *rx, uint64_t *tx)
{
	char cmd[64], name[32];
	unsigned int q;
	size_t at;
	int ret;

	snprintf(cmd, sizeof(cmd), "show port xstats %u", port);
	ret = tp_cmd(tp, cmd, 10000, &at);
	if (ret)
		return ret;
	/* The virtio PMD names them rx_qN_good_packets / tx_qN_good_packets. */
	for (q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), "rx_q%u_good_packets:", q);
		if (field(tp->buf + at, name, &rx[q]))
			return tp_fail(tp, -EINVAL, "no %s in: %.600s", name,
				       tp->buf + at);
		snprintf(name, sizeof(name), "tx_q%u_good_packets:", q);
		if (field(tp->buf + at, name, &tx[q]))
			return tp_fail(tp, -EINVAL, "no %s in: %.600s", name,
				       tp->buf + at);
	}
	return 0;
}

static int reap(struct testpmd *tp, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	int status;
	pid_t r;

	while ((r = waitpid(tp->pid, &status, WNOHANG)) == 0) {
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		pump(tp, 50);
	}
	if (r < 0)
		return -errno;
	tp->status = status;
	tp->pid = -1;
	return 0;
}

bool tp_alive(struct testpmd *tp)
{
	if (tp->pid <= 0)
		return false;
	pump(tp, 0);
	if (waitpid(tp->pid, &tp->status, WNOHANG) != tp->pid)
		return true;
	tp->pid = -1;
	return false;
}

int tp_quit(struct testpmd *tp, int timeout_ms)
{
	int ret, i;

	if (tp->pid <= 0)
		return tp_fail(tp, -ESRCH, "testpmd is not running");
	if (tp->log >= 0)
		dprintf(tp->log, "\n[test sends: quit]\n");
	if (dprintf(tp->in, "quit\n") < 0)
		return tp_fail(tp, -errno, "writing quit: %m");
	ret = reap(tp, timeout_ms);
	if (ret)
		return tp_fail(tp, ret, "testpmd did not exit within %d ms of quit",
			       timeout_ms);
	for (i = 0; i < 50 && pump(tp, 10) == 0; i++)
		;	/* its last words, up to EOF */
	if (!WIFEXITED(tp->status) || WEXITSTATUS(tp->status))
		return tp_fail(tp, -ECHILD, "testpmd quit with wait status 0x%x",
			       tp->status);
	return 0;
}

void tp_fini(struct testpmd *tp)
{
	if (tp->pid > 0) {
		kill(tp->pid, SIGKILL);
		waitpid(tp->pid, &tp->status, 0);
		tp->pid = -1;
	}
	if (tp->in >= 0)
		close(tp->in);
	if (tp->out >= 0)
		close(tp->out);
	if (tp->log >= 0)
		close(tp->log);
	tp->in = tp->out = tp->log = -1;
	free(tp->buf);
	tp->buf = NULL;
	tp->len = tp->cap = 0;
}

int tp_hugepages(long n)
{
	const char *path = "/proc/sys/vm/nr_hugepages";
	char buf[32];
	long got;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", n);
	if (fclose(f))
		return -errno;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	got = strtol(buf, NULL, 10);
	return got >= n ? 0 : -ENOMEM;
}
