/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A QEMU process used as a vhost-user front-end with no guest OS: TCG, no
 * default devices, a firmware of HLT instructions that parks the CPU at
 * the reset vector, shared memfd guest RAM, qtest (the test program plays
 * the guest's drivers) and QMP (the management commands).
 *
 * Also the vubridged process these tests run behind it.
 */
#ifndef VUBT_QEMU_VM_H
#define VUBT_QEMU_VM_H

#include <stdbool.h>
#include <sys/types.h>

#include <stdint.h>

#include "qemu_qtest.h"

#define QVM_DIR		"/tmp/vubq"	/* sockets, firmware, logs (tmpfs) */
#define QVM_RAM_MB	64

/* One QEMU build under test. */
struct qemu_ver {
	const char *name;	/* "7.2" */
	const char *bin;	/* absolute, or relative to the build dir */
	const char *reconnect;	/* the chardev's reconnect option */
	const char *dev_opts;	/* appended to every virtio -device */
};

/* Debian's 7.2 and bookworm-backports' 10.0 (scripts/qemu10.sh). */
extern const struct qemu_ver qvm_qemu_7_2, qvm_qemu_10_0;

/* CLOCK_MONOTONIC in ms. */
int64_t qvm_ms_now(void);

struct qvm {
	pid_t pid;
	int status;		/* wait status once it exited */
	struct qchan qt, qmp;
	char bin[512];
	char log[256];
	char err[512];
};

/* Resolve @v's binary and check `--version` names @v->name. On failure
 * err[] says why (the caller SKIPs with it).
 */
int qvm_find(struct qvm *vm, const struct qemu_ver *v);
/*
 * Start QEMU with the common arguments plus @extra (NULL-terminated),
 * accept its qtest connection and open QMP. Output goes to
 * QVM_DIR/qemu-<tag>.log. A vhost-user device makes QEMU wait for its
 * back-end while it starts: start the daemon first.
 */
int qvm_start(struct qvm *vm, const char *tag, const char *const *extra);
/* QEMU still running? (false also records its exit status in err[]) */
bool qvm_alive(struct qvm *vm);
/* SIGKILL and wait (also from a process that is not QEMU's parent). */
void qvm_stop(struct qvm *vm);
/* Last @n lines of QEMU's output into @buf (for failure messages). */
void qvm_log_tail(const struct qvm *vm, char *buf, size_t cap, int n);

/* ---- vubridged ---- */

struct vubd {
	pid_t pid;
	char log[256];
	char err[256];
};

/* Start build/daemon/vubridged listening in QVM_DIR (DEV.sock), its
 * stderr appended to @log. -ENOENT if it is not built.
 */
int vubd_start(struct vubd *d, const char *log);
/* The same with one more option (@extra, may be NULL): "--takeover". */
int vubd_start_args(struct vubd *d, const char *log, const char *extra);
/* Stop with @sig (SIGKILL after 5 s) and wait, as qvm_stop(). */
void vubd_stop(struct vubd *d, int sig);
/* Lines the daemon logged at level error about @dev. */
int vubd_errors(const struct vubd *d, const char *dev);
/* Lines of the daemon log containing "<dev>: <what>". */
int vubd_count(const struct vubd *d, const char *dev, const char *what);
/* Wait until vubd_count(@dev, @what) >= @n. */
int vubd_wait_count(const struct vubd *d, const char *dev, const char *what,
		    int n, int timeout_ms);
/* The first "error:" / "warning:" line of the log into @buf, or "". */
void vubd_first_problem(const struct vubd *d, char *buf, size_t cap);

#endif /* VUBT_QEMU_VM_H */
