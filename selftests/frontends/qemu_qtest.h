/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two control channels of a QEMU under test: qtest (the test is the
 * guest: port I/O and guest-physical memory accesses, one text line per
 * command, see QEMU's system/qtest.c) and QMP (the management commands a
 * VMM user or libvirt would send: stop, cont, set_link, system_reset).
 *
 * Functions return 0 or -errno; on failure the channel's err[] says why.
 */
#ifndef VUBT_QEMU_QTEST_H
#define VUBT_QEMU_QTEST_H

#include <stddef.h>
#include <stdint.h>

#define QCHAN_BUF	(64 * 1024)

/* A line-oriented unix-socket channel with a read buffer. */
struct qchan {
	int fd;
	int timeout_ms;		/* per reply */
	size_t len;		/* bytes buffered in buf */
	char buf[QCHAN_BUF];
	char err[256];
	char events[1024];	/* QMP: names of events seen, ' '-separated */
};

void qchan_init(struct qchan *c);
void qchan_close(struct qchan *c);

/* Listen on a unix socket @path (the test is the qtest server). Returns
 * the listening fd or -errno.
 */
int qchan_listen(const char *path);
/* Accept one connection on @lfd within @timeout_ms. */
int qchan_accept(struct qchan *c, int lfd, int timeout_ms);
/* Connect to @path, retrying until @timeout_ms (QEMU creates it late). */
int qchan_connect(struct qchan *c, const char *path, int timeout_ms);

/* ---- qtest ---- */

/*
 * Send one command and wait for its "OK"/"FAIL"/"ERR" reply line (async
 * "IRQ" lines are skipped). A reply other than OK is -EIO. The text after
 * "OK " goes to @val (may be NULL).
 */
int qt_cmd(struct qchan *c, char *val, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int qt_outl(struct qchan *c, uint16_t port, uint32_t v);
int qt_inl(struct qchan *c, uint16_t port, uint32_t *v);
int qt_inw(struct qchan *c, uint16_t port, uint16_t *v);
int qt_inb(struct qchan *c, uint16_t port, uint8_t *v);
int qt_outw(struct qchan *c, uint16_t port, uint16_t v);
int qt_outb(struct qchan *c, uint16_t port, uint8_t v);

/* Guest-physical accesses (MMIO or RAM), little endian like the guest. */
int qt_writeb(struct qchan *c, uint64_t addr, uint8_t v);
int qt_writew(struct qchan *c, uint64_t addr, uint16_t v);
int qt_writel(struct qchan *c, uint64_t addr, uint32_t v);
int qt_readb(struct qchan *c, uint64_t addr, uint8_t *v);
int qt_readw(struct qchan *c, uint64_t addr, uint16_t *v);
int qt_readl(struct qchan *c, uint64_t addr, uint32_t *v);
/* Bulk guest memory (at most 8 KiB a call). */
int qt_memwrite(struct qchan *c, uint64_t addr, const void *buf, size_t len);
int qt_memread(struct qchan *c, uint64_t addr, void *buf, size_t len);

/* ---- QMP ---- */

/* Read the greeting and enter command mode (qmp_capabilities). */
int qmp_handshake(struct qchan *c);
/*
 * Execute @json (a complete {"execute": ...} object) and wait for its
 * return. An {"error": ...} reply is -EIO with the reply in err[]. The
 * reply line goes to @reply (may be NULL). Events read meanwhile are
 * remembered for qmp_wait_event().
 */
int qmp_exec(struct qchan *c, char *reply, size_t cap, const char *json);
/* Wait until QEMU has sent event @name (e.g. "RESET") since the last
 * qmp_clear_events(); events already seen count.
 */
int qmp_wait_event(struct qchan *c, const char *name, int timeout_ms);
void qmp_clear_events(struct qchan *c);

#endif /* VUBT_QEMU_QTEST_H */
