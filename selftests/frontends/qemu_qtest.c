// SPDX-License-Identifier: GPL-2.0
/* qtest and QMP channels to a QEMU under test (see qemu_qtest.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qemu_qtest.h"

#define DEFAULT_TIMEOUT_MS	20000

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int chan_err(struct qchan *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int chan_err(struct qchan *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return ret;
}

void qchan_init(struct qchan *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
}

void qchan_close(struct qchan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int qchan_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd, ret = fill_addr(&sa, path);

	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int qchan_accept(struct qchan *c, int lfd, int timeout_ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int ret;

	ret = poll(&p, 1, timeout_ms);
	if (ret < 0)
		return chan_err(c, -errno, "poll: %s", strerror(errno));
	if (ret == 0)
		return chan_err(c, -ETIMEDOUT,
				"QEMU did not connect to the qtest socket in %d ms",
				timeout_ms);
	c->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c->fd < 0)
		return chan_err(c, -errno, "accept: %s", strerror(errno));
	c->len = 0;
	return 0;
}

int qchan_connect(struct qchan *c, const char *path, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	struct sockaddr_un sa;
	int ret = fill_addr(&sa, path);

	if (ret)
		return chan_err(c, ret, "%s: path too long", path);
	for (;;) {
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return chan_err(c, -errno, "socket: %s", strerror(errno));
		if (!connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		ret = -errno;
		close(c->fd);
		c->fd = -1;
		if (mono_ms() >= end)
			return chan_err(c, ret, "connect %s: %s", path,
					strerror(-ret));
		usleep(20000);
	}
	c->len = 0;
	return 0;
}

static int send_all(struct qchan *c, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chan_err(c, -errno, "send: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Next line (without the line end) into @line; waits up to the timeout. */
static int read_line(struct qchan *c, char *line, size_t cap, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int64_t left;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			size_t take = l < cap - 1 ? l : cap - 1;

			memcpy(line, c->buf, take);
			line[take] = 0;
			if (take && line[take - 1] == '\r')
				line[take - 1] = 0;
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return chan_err(c, -E2BIG, "reply line longer than %zu",
					sizeof(c->buf));
		left = end - mono_ms();
		if (left <= 0)
			return chan_err(c, -ETIMEDOUT, "no reply in %d ms",
					timeout_ms);
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return chan_err(c, -errno, "poll: %s", strerror(errno));
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chan_err(c, -errno, "recv: %s", strerror(errno));
		if (n == 0)
			return chan_err(c, -ECONNRESET, "QEMU closed the channel");
		c->len += (size_t)n;
	}
}

static int vqt_cmd(struct qchan *c, char *val, size_t cap, const char *fmt,
		   va_list ap)
{
	char cmd[20000], line[20000];
	int n, ret;

	if (c->fd < 0)
		return chan_err(c, -ENOTCONN, "qtest not connected");
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 1)
		return chan_err(c, -E2BIG, "qtest command too long");
	cmd[n++] = '\n';
	ret = send_all(c, cmd, (size_t)n);
	if (ret)
		return ret;
	for (;;) {
		ret = read_line(c, line, sizeof(line), c->timeout_ms);
		if (ret) {
			cmd[n - 1] = 0;
			snprintf(line, sizeof(line), "%s", c->err);
			return chan_err(c, ret, "qtest '%.60s': %s", cmd, line);
		}
		if (!strncmp(line, "IRQ ", 4))
			continue;
		break;
	}
	if (strncmp(line, "OK", 2)) {
		cmd[n - 1] = 0;
		return chan_err(c, -EIO, "qtest '%.60s': %.120s", cmd, line);
	}
	if (val)
		snprintf(val, cap, "%s", line[2] == ' ' ? line + 3 : "");
	return 0;
}

int qt_cmd(struct qchan *c, char *val, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vqt_cmd(c, val, cap, fmt, ap);
	va_end(ap);
	return ret;
}

static int qt_num(struct qchan *c, uint64_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int qt_num(struct qchan *c, uint64_t *v, const char *fmt, ...)
{
	char val[64], *end;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vqt_cmd(c, val, sizeof(val), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(val, &end, 0);
	if (errno || end == val)
		return chan_err(c, -EPROTO, "qtest: bad number '%s'", val);
	return 0;
}

int qt_outl(struct qchan *c, uint16_t port, uint32_t v)
{
	return qt_cmd(c, NULL, 0, "outl 0x%x 0x%x", port, v);
}

int qt_outw(struct qchan *c, uint16_t port, uint16_t v)
{
	return qt_cmd(c, NULL, 0, "outw 0x%x 0x%x", port, v);
}

int qt_outb(struct qchan *c, uint16_t port, uint8_t v)
{
	return qt_cmd(c, NULL, 0, "outb 0x%x 0x%x", port, v);
}

int qt_inl(struct qchan *c, uint16_t port, uint32_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "inl 0x%x", port);

	*v = (uint32_t)x;
	return ret;
}

int qt_inw(struct qchan *c, uint16_t port, uint16_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "inw 0x%x", port);

	*v = (uint16_t)x;
	return ret;
}

int qt_inb(struct qchan *c, uint16_t port, uint8_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "inb 0x%x", port);

	*v = (uint8_t)x;
	return ret;
}

int qt_writeb(struct qchan *c, uint64_t addr, uint8_t v)
{
	return qt_cmd(c, NULL, 0, "writeb 0x%llx 0x%x",
		      (unsigned long long)addr, v);
}

int qt_writew(struct qchan *c, uint64_t addr, uint16_t v)
{
	return qt_cmd(c, NULL, 0, "writew 0x%llx 0x%x",
		      (unsigned long long)addr, v);
}

int qt_writel(struct qchan *c, uint64_t addr, uint32_t v)
{
	return qt_cmd(c, NULL, 0, "writel 0x%llx 0x%x",
		      (unsigned long long)addr, v);
}

int qt_readb(struct qchan *c, uint64_t addr, uint8_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "readb 0x%llx", (unsigned long long)addr);

	*v = (uint8_t)x;
	return ret;
}

int qt_readw(struct qchan *c, uint64_t addr, uint16_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "readw 0x%llx", (unsigned long long)addr);

	*v = (uint16_t)x;
	return ret;
}

int qt_readl(struct qchan *c, uint64_t addr, uint32_t *v)
{
	uint64_t x;
	int ret = qt_num(c, &x, "readl 0x%llx", (unsigned long long)addr);

	*v = (uint32_t)x;
	return ret;
}

#define QT_BULK_MAX	8192

int qt_memwrite(struct qchan *c, uint64_t addr, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char data[2 * QT_BULK_MAX + 1];
	const uint8_t *b = buf;
	size_t i;

	if (len == 0 || len > QT_BULK_MAX)
		return chan_err(c, -EINVAL, "qt_memwrite: %zu bytes", len);
	for (i = 0; i < len; i++) {
		data[2 * i] = hex[b[i] >> 4];
		data[2 * i + 1] = hex[b[i] & 15];
	}
	data[2 * len] = 0;
	return qt_cmd(c, NULL, 0, "write 0x%llx 0x%zx 0x%s",
		      (unsigned long long)addr, len, data);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int qt_memread(struct qchan *c, uint64_t addr, void *buf, size_t len)
{
	char data[2 * QT_BULK_MAX + 8];
	uint8_t *b = buf;
	const char *h;
	size_t i;
	int ret;

	if (len == 0 || len > QT_BULK_MAX)
		return chan_err(c, -EINVAL, "qt_memread: %zu bytes", len);
	ret = qt_cmd(c, data, sizeof(data), "read 0x%llx 0x%zx",
		     (unsigned long long)addr, len);
	if (ret)
		return ret;
	h = data;
	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
		h += 2;
	if (strlen(h) != 2 * len)
		return chan_err(c, -EPROTO, "qtest read: %zu hex digits for %zu bytes",
				strlen(h), len);
	for (i = 0; i < len; i++) {
		int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return chan_err(c, -EPROTO, "qtest read: bad hex");
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---- QMP ---- */

static void note_event(struct qchan *c, const char *line)
{
	const char *e = strstr(line, "\"event\": \"");
	size_t n = strlen(c->events);
	const char *q;

	if (!e)
		return;
	e += strlen("\"event\": \"");
	q = strchr(e, '"');
	if (!q)
		return;
	snprintf(c->events + n, sizeof(c->events) - n, "%.*s ",
		 (int)(q - e), e);
}

void qmp_clear_events(struct qchan *c)
{
	c->events[0] = 0;
}

static int qmp_reply(struct qchan *c, char *reply, size_t cap, int timeout_ms)
{
	char line[4096];
	int ret;

	for (;;) {
		ret = read_line(c, line, sizeof(line), timeout_ms);
		if (ret)
			return ret;
		if (!strncmp(line, "{\"return\"", 9))
			break;
		if (!strncmp(line, "{\"error\"", 8))
			return chan_err(c, -EIO, "QMP: %.200s", line);
		note_event(c, line);
	}
	if (reply)
		snprintf(reply, cap, "%s", line);
	return 0;
}

int qmp_handshake(struct qchan *c)
{
	char line[4096];
	int ret = read_line(c, line, sizeof(line), c->timeout_ms);

	if (ret)
		return ret;
	if (!strstr(line, "\"QMP\""))
		return chan_err(c, -EPROTO, "QMP greeting: %.120s", line);
	return qmp_exec(c, NULL, 0, "{\"execute\": \"qmp_capabilities\"}");
}

int qmp_exec(struct qchan *c, char *reply, size_t cap, const char *json)
{
	char msg[1024];
	int n, ret;

	if (c->fd < 0)
		return chan_err(c, -ENOTCONN, "QMP not connected");
	n = snprintf(msg, sizeof(msg), "%s\n", json);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return chan_err(c, -E2BIG, "QMP command too long");
	ret = send_all(c, msg, (size_t)n);
	if (!ret)
		ret = qmp_reply(c, reply, cap, c->timeout_ms);
	if (ret && ret != -EIO) {
		snprintf(msg, sizeof(msg), "%s", c->err);
		chan_err(c, ret, "QMP %.80s: %s", json, msg);
	}
	return ret;
}

int qmp_wait_event(struct qchan *c, const char *name, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	char want[80], line[4096];
	int ret;

	snprintf(want, sizeof(want), "%s ", name);
	for (;;) {
		/* Names are stored with a trailing blank: match whole names. */
		const char *p = c->events;

		while ((p = strstr(p, want)))
			if (p == c->events || p[-1] == ' ')
				return 0;
			else
				p++;
		if (mono_ms() >= end)
			return chan_err(c, -ETIMEDOUT, "no QMP event %s in %d ms (seen: %s)",
					name, timeout_ms, c->events);
		ret = read_line(c, line, sizeof(line), (int)(end - mono_ms()));
		if (ret == -ETIMEDOUT)
			continue;
		if (ret)
			return ret;
		note_event(c, line);
	}
}
