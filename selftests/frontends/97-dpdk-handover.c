// SPDX-License-Identifier: GPL-2.0
/*
 * 97-dpdk-handover.c - vubridged restarted and upgraded under DPDK's
 * testpmd (virtio-user, split rings, io forwarding through vdpa_sim_net):
 * no frame lost, no reconnect, no link change, pinned pages and device
 * state unchanged (Documentation/handover.rst).
 *
 * takeover: ten successors started with --takeover, each taking the
 * device, its listener and testpmd's connection from the running daemon,
 * which exits; then successors that must be refused (a truncated record, a
 * record of another version, a record that disagrees with the module) and
 * one killed in the middle: the running daemon serves on each time, and a
 * last successor takes over. At the end the daemon is stopped with nothing
 * else holding the files: every pinned page is released.
 *
 * fdstore: the daemon keeps its files and a current record in systemd's fd
 * store (played by dpdk_fakesd.c): ten SIGTERM + restarts, one SIGKILL +
 * restart, each new daemon taking over from the store; then a record
 * spoilt in the store: the device is reset cleanly and served afresh.
 * systemctl stop (the store closes everything) releases every page.
 *
 * The daemon runs vdpa_sim_net's control queue itself (testpmd keeps its
 * own), and every successor goes on with that queue (the record's CVQ
 * section): after the last takeover and after the SIGKILL restart, with
 * forwarding paused (vdpa_sim drops frames to another MAC), an operator's
 * `vdpa dev set mac` (its netlink request) reaches the device as the successor's MAC_ADDR_SET
 * (its log, the device's config and its cvq counter), then the original
 * MAC the same way; one more handover after those commands and the same
 * again (the ring's position travels). No region is mapped again: the
 * pins stay. A record whose control queue is one command ahead of its ring
 * is refused.
 *
 * Frames: testpmd injects 256 frames (start tx_first 8) and forwards what
 * it receives; a lost frame never comes back. After the restarts
 * forwarding is paused and the frames still circulating are counted
 * exactly: delivered by the device but not yet received (simulator's rx
 * packets - testpmd's RX-packets) plus sent but not yet taken (testpmd's
 * TX-packets - simulator's tx packets). 256 minus that is the frames lost
 * over all restarts. (The same count before, then a fresh injection:
 * testpmd's "start" drops what waits in its receive queue.) The longest RX gap is the longest
 * time testpmd's RX counter stood still while a restart was under way,
 * sampled as fast as testpmd answers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dpdk_daemon.h"
#include "dpdk_fakesd.h"
#include "dpdk_testpmd.h"
#include "pinned.h"
#include "vdpa_env.h"
#include "vdpa_nl.h"
#include "vub_test.h"

#define DEV		"dpdkho0"
#define MAC		"02:00:00:00:d0:41"
#define OP_MAC		"02:00:00:00:d0:5"	/* + a digit per phase */
#define DEV_SOCK	VD_SOCK_DIR "/" DEV ".sock"
#define NOTIFY_SOCK	"/run/vubt-notify.sock"
#define HUGEPAGES	96
#define TP_START_MS	120000
#define RESTARTS	10
#define POPULATION	256	/* start tx_first 8: 8 bursts of 32 */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long sim_vstat(unsigned int qidx, const char *name)
{
	char out[512], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev vstats show %s qidx %u",
		       DEV, qidx))
		return -1;
	p = strstr(out, name);
	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

/*
 * FIXTURE_TEARDOWN_PARENT runs the teardown in the harness's process, on
 * a fixture shared with the test's: what lives on the test's heap (testpmd,
 * the store) is only pointed at, and the teardown uses pids and names only.
 */
FIXTURE(ho) {
	struct testpmd *tp;
	struct fakesd *sd;
	pid_t tp_pid;
	pid_t pid;		/* the daemon serving now */
	char log[512];
	bool huge;
	long pins0;		/* the module's pins before testpmd */
	long pins;		/* ... with testpmd's memory mapped */
	int64_t worst_gap_ms;
	int64_t worst_sample_ms;	/* longest answer of testpmd */
	unsigned int restarts;
};

static const char *bin(void)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/daemon/vubridged", vub_build_dir());
	return path;
}

/* vubridged serving DEV, its stderr appended to self->log. */
static pid_t spawn(FIXTURE_DATA(ho) *self, bool takeover, bool fdstore,
		   const char *env1)
{
	const char *argv[] = {
		bin(), "--foreground", "--log-level", "debug", "--device", DEV,
		"--socket-dir", VD_SOCK_DIR,
		takeover ? "--takeover" : fdstore ? "--fd-store" : NULL, NULL,
	};
	pid_t pid;

	if (fdstore)
		return fsd_start(self->sd, argv, self->log, env1);
	pid = fork();
	if (pid == 0) {
		int fd = open(self->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		if (env1)
			putenv((char *)env1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static size_t log_size(FIXTURE_DATA(ho) *self)
{
	struct stat st;

	return stat(self->log, &st) ? 0 : (size_t)st.st_size;
}

/* Is @needle in the log at or after @from? */
static bool log_has(FIXTURE_DATA(ho) *self, size_t from, const char *needle)
{
	size_t len = log_size(self);
	char *buf;
	bool found = false;
	int fd;

	if (len <= from)
		return false;
	buf = calloc(1, len - from + 1);
	fd = open(self->log, O_RDONLY);
	if (buf && fd >= 0 && pread(fd, buf, len - from, (off_t)from) > 0)
		found = strstr(buf, needle) != NULL;
	if (fd >= 0)
		close(fd);
	free(buf);
	return found;
}

static bool wait_log(FIXTURE_DATA(ho) *self, size_t from, const char *needle,
		     int ms)
{
	int64_t end = now_ms() + ms;

	while (!log_has(self, from, needle)) {
		if (now_ms() > end)
			return false;
		if (self->sd->sock >= 0)
			fsd_pump(self->sd, 20);
		else
			usleep(20000);
	}
	return true;
}

/* Exited within @ms? Its wait status, or -1. */
static int reap(pid_t pid, int ms)
{
	int64_t end = now_ms() + ms;
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	} while (now_ms() < end);
	return -1;
}

/*
 * Sample testpmd's RX counter until @done says the restart is over, plus
 * 300 ms; the longest stretch without growth goes to self->worst_gap_ms.
 */
static int64_t watch_rx(struct __test_metadata *_metadata,
			FIXTURE_DATA(ho) *self,
			bool (*done)(FIXTURE_DATA(ho) *, void *), void *arg,
			int timeout_ms)
{
	struct tp_stats st;
	int64_t end = now_ms() + timeout_ms, after = 0, last_t = 0, gap = 0;
	uint64_t last_rx = 0;
	bool first = true;

	for (;;) {
		int64_t asked = now_ms();

		ASSERT_EQ(0, tp_port_stats(self->tp, &st, 1)) {
			TH_LOG("%s", self->tp->err);
		}
		if (st.at_ms - asked > self->worst_sample_ms)
			self->worst_sample_ms = st.at_ms - asked;
		if (first || st.rx > last_rx) {
			if (!first && st.at_ms - last_t > gap)
				gap = st.at_ms - last_t;
			last_rx = st.rx;
			last_t = st.at_ms;
			first = false;
		} else if (st.at_ms - last_t > gap) {
			gap = st.at_ms - last_t;
		}
		if (!after && done(self, arg))
			after = now_ms() + 300;
		if (after && now_ms() > after)
			break;
		ASSERT_LT(now_ms(), end) {
			TH_LOG("the restart did not finish in %d ms; see %s",
			       timeout_ms, self->log);
		}
		if (self->sd->sock >= 0)
			fsd_pump(self->sd, 0);
	}
	if (gap > self->worst_gap_ms)
		self->worst_gap_ms = gap;
	return gap;
}

/*
 * Frames circulating, counted exactly with forwarding paused. testpmd's
 * "start" drains its receive queues first (frames freed, not forwarded):
 * with @again a fresh population is injected after the count.
 */
static long long circulating(struct __test_metadata *_metadata,
			     FIXTURE_DATA(ho) *self, bool again)
{
	struct tp_stats st;
	long long srx, stx, n;

	ASSERT_EQ(0, tp_cmd(self->tp, "stop", 10000, NULL)) {
		TH_LOG("%s", self->tp->err);
	}
	usleep(1500000);	/* the device moves what it can */
	ASSERT_EQ(0, tp_port_stats(self->tp, &st, 1));
	srx = sim_vstat(0, "rx packets");
	stx = sim_vstat(1, "tx packets");
	ASSERT_LE(0, srx) {
		TH_LOG("no vendor statistics: %s", vub_env_err());
	}
	ASSERT_LE(0, stx);
	n = (srx - (long long)st.rx) + ((long long)st.tx - stx);
	printf("# circulating: %lld (testpmd RX %" PRIu64 " TX %" PRIu64
	       ", device delivered %lld took %lld)\n", n, st.rx, st.tx, srx,
	       stx);
	if (again)
		ASSERT_EQ(0, tp_cmd(self->tp, "start tx_first 8", 10000, NULL));
	usleep(500000);
	return n;
}

static void start_testpmd(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ho) *self, const char *tag)
{
	struct tp_opts o = { .sock = DEV_SOCK, .mac = MAC, .tag = tag };

	ASSERT_EQ(0, tp_start(self->tp, &o, TP_START_MS)) {
		TH_LOG("%s; its output:\n%s", self->tp->err,
		       self->tp->buf ? self->tp->buf : "(none)");
	}
	self->tp_pid = self->tp->pid;
	ASSERT_EQ(0, tp_cmd(self->tp, "start tx_first 8", 10000, NULL));
	usleep(1000000);
	self->pins = pinned_module();
	ASSERT_LT(self->pins0, self->pins) {
		TH_LOG("testpmd's memory is not pinned");
	}
}

/* After a restart: the same pins, one daemon, testpmd unaware. */
static void assert_steady(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ho) *self, size_t from,
			  const char *phase)
{
	EXPECT_EQ(self->pins, pinned_module()) {
		TH_LOG("%s: pinned pages moved", phase);
	}
	EXPECT_FALSE(log_has(self, from, "front-end disconnected")) {
		TH_LOG("%s: the front-end's connection was lost; see %s",
		       phase, self->log);
	}
	EXPECT_FALSE(log_has(self, from, "resetting the device")) {
		TH_LOG("%s: see %s", phase, self->log);
	}
	EXPECT_TRUE(tp_alive(self->tp));
	EXPECT_EQ(NULL, strstr(self->tp->buf, "link state change")) {
		TH_LOG("%s: testpmd saw a link change", phase);
	}
	EXPECT_EQ(NULL, strstr(self->tp->buf, "LSC")) {
		TH_LOG("%s: testpmd saw a link change", phase);
	}
}

/*
 * An operator's `vdpa dev set ... mac` (testpmd paused): the daemon sends
 * MAC_ADDR_SET on the control queue it took over, the device takes it
 * (vdpa_sim counts it), and the config shows it; then the original MAC.
 */
static void operator_mac(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ho) *self, const char *phase,
			 unsigned int digit)
{
	char mac2[24], line[96], out[1024];
	const char *macs[2] = { mac2, MAC };
	size_t from = log_size(self);
	long long ok0, ok1;
	unsigned int i;

	snprintf(mac2, sizeof(mac2), OP_MAC "%u", digit);
	ok0 = sim_vstat(2, "cvq successes");
	ASSERT_LE(0, ok0) {
		TH_LOG("%s: no control-queue statistics: %s", phase,
		       vub_env_err());
	}
	for (i = 0; i < 2; i++) {
		uint8_t m[6];

		ASSERT_EQ(6, sscanf(macs[i], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				    &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]));
		/* what `vdpa dev set DEV mac ...` sends (bookworm's vdpa
		 * tool predates the command) */
		ASSERT_EQ(0, vdpa_nl_dev_set_mac(DEV, m));
		snprintf(line, sizeof(line), "control queue: MAC_ADDR_SET %s",
			 macs[i]);
		EXPECT_TRUE(wait_log(self, from, line, 20000)) {
			TH_LOG("%s: no '%s' in %s", phase, line, self->log);
		}
		ASSERT_EQ(0, vub_sh_out(out, sizeof(out),
					"vdpa dev config show %s", DEV));
		snprintf(line, sizeof(line), "mac %s", macs[i]);
		EXPECT_NE(NULL, strstr(out, line)) {
			TH_LOG("%s: the device's config: %s", phase, out);
		}
	}
	ok1 = sim_vstat(2, "cvq successes");
	EXPECT_EQ(ok0 + 2, ok1) {
		TH_LOG("%s: the device acknowledged %lld commands, not 2",
		       phase, ok1 - ok0);
	}
	EXPECT_FALSE(log_has(self, from, "not answered"));
	EXPECT_FALSE(log_has(self, from, "replacing the ring region"));
	EXPECT_EQ(self->pins, pinned_module()) {
		TH_LOG("%s: pinned pages moved", phase);
	}
	printf("# %s: MAC %s and back through the carried control queue (device: %lld commands acknowledged, +%lld)\n",
	       phase, mac2, ok1, ok1 - ok0);
}

FIXTURE_SETUP(ho)
{
	const char *dir = getenv("VUB_RESULTS");

	self->pid = -1;
	self->tp_pid = -1;
	self->huge = false;
	self->worst_gap_ms = 0;
	self->worst_sample_ms = 0;
	self->restarts = 0;
	self->tp = calloc(1, sizeof(*self->tp));
	self->sd = calloc(1, sizeof(*self->sd));
	ASSERT_NE(NULL, self->tp);
	ASSERT_NE(NULL, self->sd);
	self->sd->sock = -1;
	tp_init(self->tp);
	snprintf(self->log, sizeof(self->log), "%s/vubridged-handover.log",
		 dir ? dir : "/tmp");
	if (vub_sh("command -v " TP_BIN " >/dev/null"))
		SKIP(return, "no " TP_BIN);
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s)", vub_env_err());
	ASSERT_EQ(0, vub_sim_dev_create(DEV, "vdpasim_net", MAC)) {
		TH_LOG("%s", vub_env_err());
	}
	ASSERT_EQ(0, tp_hugepages(HUGEPAGES));
	self->huge = true;
	mkdir(VD_SOCK_DIR, 0755);
	unlink(DEV_SOCK);
	self->pins0 = pinned_module();
}

FIXTURE_TEARDOWN_PARENT(ho)
{
	/* The test's process is gone: its children die with it
	 * (PR_SET_PDEATHSIG), its files are closed. */
	if (self->tp_pid > 0)
		kill(self->tp_pid, SIGKILL);
	if (self->pid > 0)
		kill(self->pid, SIGKILL);
	usleep(500000);
	vub_vdpa_dev_del(DEV);
	unlink(NOTIFY_SOCK);
	if (self->huge)
		tp_hugepages(0);
}

struct succ {
	pid_t old, new;
};

/* The old daemon exited and the new one took the device. */
static bool taken(FIXTURE_DATA(ho) *self, void *arg)
{
	struct succ *s = arg;

	(void)self;
	return waitpid(s->old, NULL, WNOHANG) == s->old;
}

static void one_takeover(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ho) *self, const char *phase)
{
	struct succ s = { self->pid, -1 };
	size_t from = log_size(self);
	int64_t t0 = now_ms(), gap;

	s.new = spawn(self, true, false, NULL);
	ASSERT_LT(0, s.new);
	gap = watch_rx(_metadata, self, taken, &s, 120000);
	self->pid = s.new;
	ASSERT_EQ(0, kill(s.new, 0)) {
		TH_LOG("%s: the successor died; see %s", phase, self->log);
	}
	/* The old daemon exits at the ACK, before the successor adopts. */
	EXPECT_TRUE(wait_log(self, from, "taken over: the front-end stays connected", 10000)) {
		TH_LOG("%s: see %s", phase, self->log);
	}
	EXPECT_TRUE(log_has(self, from, "control queue taken over: run by the daemon, queue 2 running")) {
		TH_LOG("%s: see %s", phase, self->log);
	}
	self->restarts++;
	printf("# %s: handed over in %lld ms; longest RX gap %lld ms\n", phase,
	       (long long)(now_ms() - t0), (long long)gap);
	assert_steady(_metadata, self, from, phase);
}

/* A successor that must be refused: it exits 1, the daemon serves on. */
static void refused_takeover(struct __test_metadata *_metadata,
			     FIXTURE_DATA(ho) *self, const char *env1,
			     const char *why)
{
	size_t from = log_size(self);
	struct tp_stats a, b;
	pid_t p;
	int status;

	p = spawn(self, true, false, env1);
	ASSERT_LT(0, p);
	status = reap(p, 120000);
	ASSERT_NE(-1, status) {
		kill(p, SIGKILL);
		TH_LOG("%s: the successor did not give up", env1);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	EXPECT_TRUE(log_has(self, from, why)) {
		TH_LOG("%s: no '%s' in %s", env1, why, self->log);
	}
	EXPECT_TRUE(log_has(self, from, "serving on"));
	ASSERT_EQ(0, kill(self->pid, 0)) {
		TH_LOG("%s: the running daemon is gone", env1);
	}
	ASSERT_EQ(0, tp_port_stats(self->tp, &a, 1));
	usleep(500000);
	ASSERT_EQ(0, tp_port_stats(self->tp, &b, 1));
	EXPECT_LT(a.rx, b.rx) {
		TH_LOG("%s: traffic stopped", env1);
	}
	assert_steady(_metadata, self, from, env1);
}

TEST_F_TIMEOUT(ho, takeover, 900)
{
	long long before, after;
	size_t from;
	unsigned int i;
	pid_t p;
	char phase[64];

	unlink(VD_SOCK_DIR "/vubridged.ctl");
	self->pid = spawn(self, false, false, NULL);
	ASSERT_TRUE(wait_log(self, 0, "listening on " DEV_SOCK, 20000));
	start_testpmd(_metadata, self, "handover-takeover");
	before = circulating(_metadata, self, true);

	for (i = 0; i < RESTARTS; i++) {
		snprintf(phase, sizeof(phase), "takeover %u", i + 1);
		one_takeover(_metadata, self, phase);
	}

	refused_takeover(_metadata, self, "VUBRIDGED_TEST_BAD_RECORD=truncate",
			 "takeover refused: device 0 (?): record says");
	refused_takeover(_metadata, self, "VUBRIDGED_TEST_BAD_RECORD=version",
			 "takeover refused: device 0 (?): record version 127, this daemon reads 1");
	refused_takeover(_metadata, self, "VUBRIDGED_TEST_BAD_RECORD=disagree",
			 "takeover refused: device 0 (" DEV "): the device's status");
	refused_takeover(_metadata, self, "VUBRIDGED_TEST_BAD_RECORD=cvq",
			 "takeover refused: device 0 (" DEV "): control queue: the ring has ");

	/* A successor killed before its answer. */
	from = log_size(self);
	p = spawn(self, true, false, "VUBRIDGED_TEST_TAKEOVER_STALL=1");
	ASSERT_TRUE(wait_log(self, from, "stalling before the answer", 30000));
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	EXPECT_TRUE(wait_log(self, from, "the successor gave no answer", 20000));
	ASSERT_EQ(0, kill(self->pid, 0));
	assert_steady(_metadata, self, from, "successor killed");
	one_takeover(_metadata, self, "takeover after the killed one");

	after = circulating(_metadata, self, false);
	printf("# takeover: %u restarts, frames lost %lld (%d injected, %lld circulating after; %lld before the injection), longest RX gap %lld ms (testpmd took up to %lld ms to answer one sample)\n",
	       self->restarts, POPULATION - after, POPULATION, after, before,
	       (long long)self->worst_gap_ms, (long long)self->worst_sample_ms);
	EXPECT_EQ(POPULATION, before);
	EXPECT_EQ(POPULATION, after);

	/* Forwarding paused: the control queue after a takeover, and after
	 * one more that carries the commands' ring position. */
	operator_mac(_metadata, self, "after a takeover", 1);
	from = log_size(self);
	p = spawn(self, true, false, NULL);
	ASSERT_LT(0, p);
	EXPECT_TRUE(wait_log(self, from, "control queue taken over: run by the daemon, queue 2 running, ring of 64 at IOVA", 120000));
	EXPECT_NE(-1, reap(self->pid, 20000));
	self->pid = p;
	operator_mac(_metadata, self, "after a takeover following commands", 2);

	/* Nothing else holds the files: stopping releases everything. */
	kill(self->pid, SIGTERM);
	EXPECT_NE(-1, reap(self->pid, 20000));
	self->pid = -1;
	EXPECT_EQ(self->pins0, pinned_module_wait(self->pins0, 10000));
}

/* The daemon is gone and the store holds everything it left. */
static bool restarted(FIXTURE_DATA(ho) *self, void *arg)
{
	size_t *from = arg;

	fsd_pump(self->sd, 0);
	return log_has(self, *from, "taken over: the front-end stays connected") ||
	       log_has(self, *from, "record is refused");
}

static void one_restart(struct __test_metadata *_metadata,
			FIXTURE_DATA(ho) *self, int sig, const char *phase)
{
	size_t from;
	int64_t t0 = now_ms(), gap;

	fsd_pump(self->sd, 100);	/* what the daemon stored */
	kill(self->pid, sig);
	ASSERT_NE(-1, reap(self->pid, 20000));
	fsd_pump(self->sd, 100);
	ASSERT_NE(-1, fsd_find(self->sd, DEV ".rec"));
	from = log_size(self);
	self->pid = spawn(self, false, true, NULL);
	ASSERT_LT(0, self->pid);
	gap = watch_rx(_metadata, self, restarted, &from, 120000);
	EXPECT_TRUE(log_has(self, from, "taken over: the front-end stays connected")) {
		TH_LOG("%s: see %s", phase, self->log);
	}
	self->restarts++;
	printf("# %s: restarted in %lld ms; longest RX gap %lld ms; %u files in the store\n",
	       phase, (long long)(now_ms() - t0), (long long)gap, self->sd->n);
	assert_steady(_metadata, self, from, phase);
}

TEST_F_TIMEOUT(ho, fdstore, 900)
{
	long long before, after;
	unsigned int i;
	size_t from;
	char phase[64];
	int rec, fd;

	ASSERT_EQ(0, fsd_open(self->sd, NOTIFY_SOCK, 512));
	self->pid = spawn(self, false, true, NULL);
	ASSERT_TRUE(wait_log(self, 0, "listening on " DEV_SOCK, 20000));
	start_testpmd(_metadata, self, "handover-fdstore");
	fsd_pump(self->sd, 200);
	before = circulating(_metadata, self, true);

	for (i = 0; i < RESTARTS; i++) {
		snprintf(phase, sizeof(phase), "fd store restart %u", i + 1);
		one_restart(_metadata, self, SIGTERM, phase);
	}
	one_restart(_metadata, self, SIGKILL, "SIGKILL + restart");

	after = circulating(_metadata, self, false);
	printf("# fdstore: %u restarts, frames lost %lld (%d injected, %lld circulating after; %lld before the injection), longest RX gap %lld ms (testpmd took up to %lld ms to answer one sample)\n",
	       self->restarts, POPULATION - after, POPULATION, after, before,
	       (long long)self->worst_gap_ms, (long long)self->worst_sample_ms);
	EXPECT_EQ(POPULATION, before);
	EXPECT_EQ(POPULATION, after);

	/* Forwarding paused: the control queue after an fd-store restart,
	 * and after one more that carries the commands' ring position. */
	operator_mac(_metadata, self, "after the SIGKILL restart", 3);
	fsd_pump(self->sd, 200);
	kill(self->pid, SIGTERM);
	ASSERT_NE(-1, reap(self->pid, 20000));
	fsd_pump(self->sd, 100);
	from = log_size(self);
	self->pid = spawn(self, false, true, NULL);
	ASSERT_LT(0, self->pid);
	EXPECT_TRUE(wait_log(self, from, "control queue taken over: run by the daemon, queue 2 running, ring of 64 at IOVA", 120000));
	EXPECT_TRUE(wait_log(self, from, "taken over: the front-end stays connected", 20000));
	operator_mac(_metadata, self, "after an fd-store restart following commands", 4);

	/* A record spoilt in the store: a clean reset, and served. */
	fsd_pump(self->sd, 100);
	kill(self->pid, SIGKILL);
	ASSERT_NE(-1, reap(self->pid, 20000));
	fsd_pump(self->sd, 100);
	rec = fsd_find(self->sd, DEV ".rec");
	ASSERT_LE(0, rec);
	ASSERT_EQ(4, pwrite(rec, "junk", 4, 0));
	ASSERT_EQ(4, pwrite(rec, "junk", 4, 512 * 1024));
	from = log_size(self);
	self->pid = spawn(self, false, true, NULL);
	ASSERT_TRUE(wait_log(self, from, "the record is refused (no whole record in the memfd): resetting the device", 20000));
	/* The store lets go of the session's files; the module unpins. */
	EXPECT_EQ(self->pins0, pinned_module_wait(self->pins0, 10000));
	fsd_pump(self->sd, 200);
	/* Served: a front-end can connect again. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX,
					  .sun_path = DEV_SOCK };

		EXPECT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	}
	EXPECT_TRUE(wait_log(self, from, "front-end connected", 10000));
	close(fd);
	tp_fini(self->tp);

	/* systemctl stop: the store closes what it holds. */
	kill(self->pid, SIGTERM);
	EXPECT_NE(-1, reap(self->pid, 20000));
	self->pid = -1;
	fsd_pump(self->sd, 100);
	fsd_flush(self->sd);
	EXPECT_EQ(self->pins0, pinned_module_wait(self->pins0, 10000));
}

TEST_HARNESS_MAIN
