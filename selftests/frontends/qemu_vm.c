// SPDX-License-Identifier: GPL-2.0
/* QEMU and vubridged processes for the QEMU front-end tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu_vm.h"
#include "vdpa_env.h"

const struct qemu_ver qvm_qemu_7_2 = {
	.name = "7.2",
	.bin = "/usr/bin/qemu-system-x86_64",
	.reconnect = "reconnect=1",
	/* 7.2 under TCG segfaults in vhost_net_start once MSI-X is in use
	 * (msix_set_vector_notifiers); without vectors it takes INTx.
	 */
	.dev_opts = ",vectors=0",
};

const struct qemu_ver qvm_qemu_10_0 = {
	.name = "10.0",
	.bin = "qemu-10.0/usr/bin/qemu-system-x86_64",	/* scripts/qemu10.sh */
	.reconnect = "reconnect-ms=1000",
	.dev_opts = "",
};

int64_t qvm_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define HLT_BIOS	QVM_DIR "/hlt.bin"
#define BIOS_SIZE	65536

int qvm_find(struct qvm *vm, const struct qemu_ver *v)
{
	char out[256], want[64];
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->pid = -1;
	qchan_init(&vm->qt);
	qchan_init(&vm->qmp);
	if (v->bin[0] == '/')
		snprintf(vm->bin, sizeof(vm->bin), "%s", v->bin);
	else
		snprintf(vm->bin, sizeof(vm->bin), "%s/%s", vub_build_dir(),
			 v->bin);
	if (access(vm->bin, X_OK)) {
		snprintf(vm->err, sizeof(vm->err),
			 "%.300s: %s (QEMU %s: scripts/deps.sh installs 7.2, scripts/qemu10.sh unpacks 10.0)",
			 vm->bin, strerror(errno), v->name);
		return -ENOENT;
	}
	ret = vub_sh_out(out, sizeof(out), "'%s' --version | head -n 1", vm->bin);
	snprintf(want, sizeof(want), "QEMU emulator version %s.", v->name);
	if (ret || strncmp(out, want, strlen(want))) {
		snprintf(vm->err, sizeof(vm->err), "%.200s --version: '%.200s', not %s",
			 vm->bin, out, v->name);
		return -ENOENT;
	}
	return 0;
}

static int make_bios(void)
{
	unsigned char b[BIOS_SIZE];
	struct stat st;
	int fd;
	ssize_t n;

	if (!stat(HLT_BIOS, &st) && st.st_size == BIOS_SIZE)
		return 0;
	/* HLT everywhere: the CPU parks at the reset vector, whatever the
	 * machine does, and leaves all of the guest to the test.
	 */
	memset(b, 0xf4, sizeof(b));
	fd = open(HLT_BIOS ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, b, sizeof(b));
	close(fd);
	if (n != (ssize_t)sizeof(b) || rename(HLT_BIOS ".tmp", HLT_BIOS))
		return -EIO;
	return 0;
}

static const char *results_dir(void)
{
	const char *r = getenv("VUB_RESULTS");

	return r && *r ? r : QVM_DIR;
}

/*
 * qtest's accept and QMP's connect, in slices, giving up as soon as QEMU
 * exited: a device QEMU refuses at realize (after qtest connected, before
 * the main loop answers QMP) ends the start at once, not at the timeout.
 */
static int accept_qtest(struct qvm *vm, int lfd, int timeout_ms)
{
	int64_t end = qvm_ms_now() + timeout_ms;
	int ret;

	for (;;) {
		ret = qchan_accept(&vm->qt, lfd, 500);
		if (ret != -ETIMEDOUT || qvm_ms_now() >= end || !qvm_alive(vm))
			return ret;
	}
}

static int connect_qmp(struct qvm *vm, const char *path, int timeout_ms)
{
	int64_t end = qvm_ms_now() + timeout_ms;
	int ret;

	for (;;) {
		ret = qchan_connect(&vm->qmp, path, 500);
		if (!ret || qvm_ms_now() >= end || !qvm_alive(vm))
			return ret;
	}
}

int qvm_start(struct qvm *vm, const char *tag, const char *const *extra)
{
	char qtp[128], qta[160], qmpa[160], qmpp[128], ram[128], mach[64];
	const char *argv[64];
	int lfd, ret, n = 0, i, fd;
	pid_t pid;

	mkdir(QVM_DIR, 0755);
	ret = make_bios();
	if (ret) {
		snprintf(vm->err, sizeof(vm->err), "%s: %s", HLT_BIOS,
			 strerror(-ret));
		return ret;
	}
	snprintf(qtp, sizeof(qtp), QVM_DIR "/qtest-%s.sock", tag);
	snprintf(qta, sizeof(qta), "unix:%s", qtp);
	snprintf(qmpp, sizeof(qmpp), QVM_DIR "/qmp-%s.sock", tag);
	snprintf(qmpa, sizeof(qmpa), "unix:%s,server=on,wait=off", qmpp);
	snprintf(ram, sizeof(ram),
		 "memory-backend-memfd,id=ram0,size=%dM,share=on", QVM_RAM_MB);
	snprintf(mach, sizeof(mach), "%dM", QVM_RAM_MB);
	snprintf(vm->log, sizeof(vm->log), "%s/qemu-%s.log", results_dir(), tag);
	unlink(qmpp);
	lfd = qchan_listen(qtp);
	if (lfd < 0) {
		snprintf(vm->err, sizeof(vm->err), "listen %s: %s", qtp,
			 strerror(-lfd));
		return lfd;
	}

	argv[n++] = vm->bin;
	argv[n++] = "-accel";
	argv[n++] = "tcg,tb-size=32";
	argv[n++] = "-machine";
	argv[n++] = "pc,memory-backend=ram0";
	argv[n++] = "-m";
	argv[n++] = mach;
	argv[n++] = "-object";
	argv[n++] = ram;		/* vhost-user needs shared guest RAM */
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-bios";
	argv[n++] = HLT_BIOS;
	argv[n++] = "-qtest";
	argv[n++] = qta;
	/* Without it QEMU logs every qtest command to stderr. */
	argv[n++] = "-qtest-log";
	argv[n++] = "/dev/null";
	argv[n++] = "-qmp";
	argv[n++] = qmpa;
	for (i = 0; extra && extra[i] && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	fd = open(vm->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	{
		FILE *f = fd >= 0 ? fdopen(dup(fd), "w") : NULL;

		if (f) {
			fputs("#", f);
			for (i = 0; i < n; i++)
				fprintf(f, " %s", argv[i]);
			fputs("\n", f);
			fclose(f);
		}
	}
	/* The fixture may live in shared memory (FIXTURE_TEARDOWN_PARENT):
	 * the child must not write the pid there.
	 */
	pid = fork();
	if (pid == 0) {
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execv(vm->bin, (char *const *)argv);
		_exit(127);
	}
	vm->pid = pid;
	if (fd >= 0)
		close(fd);
	if (vm->pid < 0) {
		ret = -errno;
		close(lfd);
		snprintf(vm->err, sizeof(vm->err), "fork: %s", strerror(-ret));
		return ret;
	}
	/* QEMU alone takes 14-50 s to start under TCG in the test VM (more
	 * on a loaded machine); vhost-user devices wait for their back-end.
	 */
	ret = accept_qtest(vm, lfd, 120000);
	close(lfd);
	unlink(qtp);
	if (!ret)
		ret = connect_qmp(vm, qmpp, 120000);
	if (!ret)
		ret = qmp_handshake(&vm->qmp);
	if (ret) {
		char tail[300];

		qvm_log_tail(vm, tail, sizeof(tail), 3);
		snprintf(vm->err, sizeof(vm->err), "QEMU start: %.200s%s; log: %.200s",
			 vm->qt.fd < 0 ? vm->qt.err : vm->qmp.err,
			 qvm_alive(vm) ? "" : " (QEMU exited)", tail);
		return ret;
	}
	return 0;
}

/*
 * Wait for @pid to end. The test's teardown runs in the harness's parent
 * process (FIXTURE_TEARDOWN_PARENT), where QEMU and the daemon are no
 * longer children: then wait for /proc to show them gone or a zombie.
 */
static bool proc_wait(pid_t pid, int *status, int timeout_ms)
{
	int64_t end = qvm_ms_now() + timeout_ms;
	char path[64], st[256];
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0) {
			snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
			if (vub_read_file(path, st, sizeof(st)) < 0 ||
			    strstr(st, ") Z "))
				return true;
		}
		if (qvm_ms_now() >= end)
			return false;
		usleep(20000);
	}
}

static void proc_end(pid_t pid, int sig, int *status)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	if (sig != SIGKILL && proc_wait(pid, status, 5000))
		return;
	kill(pid, SIGKILL);
	proc_wait(pid, status, 10000);
}

bool qvm_alive(struct qvm *vm)
{
	pid_t r;

	if (vm->pid <= 0)
		return false;
	r = waitpid(vm->pid, &vm->status, WNOHANG);
	if (r == 0)
		return true;
	if (r < 0) {
		snprintf(vm->err, sizeof(vm->err), "QEMU: waitpid: %s",
			 strerror(errno));
		return kill(vm->pid, 0) == 0;
	}
	if (WIFSIGNALED(vm->status))
		snprintf(vm->err, sizeof(vm->err), "QEMU died of signal %d",
			 WTERMSIG(vm->status));
	else
		snprintf(vm->err, sizeof(vm->err), "QEMU exited with %d",
			 WEXITSTATUS(vm->status));
	vm->pid = -1;
	return false;
}

void qvm_stop(struct qvm *vm)
{
	/* Nothing to save: the quickest way out is the right one. */
	proc_end(vm->pid, SIGKILL, &vm->status);
	vm->pid = -1;
	qchan_close(&vm->qt);
	qchan_close(&vm->qmp);
}

void qvm_log_tail(const struct qvm *vm, char *buf, size_t cap, int n)
{
	int ret = vub_sh_out(buf, cap, "tail -n %d '%s' 2>/dev/null | tr '\\n' '|'",
			     n, vm->log);

	if (ret)
		snprintf(buf, cap, "(no log)");
}

/* ---- vubridged ---- */

int vubd_start(struct vubd *d, const char *log)
{
	return vubd_start_args(d, log, NULL);
}

int vubd_start_args(struct vubd *d, const char *log, const char *extra)
{
	char bin[512];
	pid_t pid;
	int fd;

	memset(d, 0, sizeof(*d));
	snprintf(d->log, sizeof(d->log), "%s/%s", results_dir(), log);
	snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
	if (access(bin, X_OK)) {
		snprintf(d->err, sizeof(d->err), "%.200s missing: make -C daemon", bin);
		return -ENOENT;
	}
	mkdir(QVM_DIR, 0755);
	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid = fork();
	if (pid == 0) {
		if (fd >= 0)
			dup2(fd, 2);
		execl(bin, bin, "--foreground", "--socket-dir", QVM_DIR,
		      "--log-level", "info", extra, (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	if (fd >= 0)
		close(fd);
	if (d->pid < 0) {
		snprintf(d->err, sizeof(d->err), "fork: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void vubd_stop(struct vubd *d, int sig)
{
	int status;

	proc_end(d->pid, sig, &status);
	d->pid = -1;
}

int vubd_count(const struct vubd *d, const char *dev, const char *what)
{
	char needle[256], line[1024];
	FILE *f = fopen(d->log, "re");
	int n = 0;

	if (!f)
		return 0;
	snprintf(needle, sizeof(needle), ": %s: %s", dev, what);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

int vubd_errors(const struct vubd *d, const char *dev)
{
	char needle[256], line[1024];
	FILE *f = fopen(d->log, "re");
	int n = 0;

	if (!f)
		return 0;
	snprintf(needle, sizeof(needle), " error: %s: ", dev);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

int vubd_wait_count(const struct vubd *d, const char *dev, const char *what,
		    int n, int timeout_ms)
{
	int64_t end = qvm_ms_now() + timeout_ms;

	while (vubd_count(d, dev, what) < n) {
		if (qvm_ms_now() >= end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	return 0;
}

void vubd_first_problem(const struct vubd *d, char *buf, size_t cap)
{
	char line[1024];
	FILE *f = fopen(d->log, "re");

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, ": error: ") || strstr(line, ": warning: ")) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, cap, "%s", line);
			break;
		}
	}
	fclose(f);
}
