// SPDX-License-Identifier: GPL-2.0
/*
 * 96-dpdk.c - DPDK's testpmd (Debian's dpdk-testpmd, 22.11) as a real
 * vhost-user front-end of vubridged, in the VM: a virtio-user port over
 * the daemon's socket, vdpa_sim_net behind it, io forwarding of 256 frames
 * addressed to the device's own MAC, which the simulator loops back.
 *
 * Traffic is proven by two samples of testpmd's port counters (RX and TX
 * both grow) that agree with the simulator's own per-queue packet counters
 * (vendor statistics, read through the kernel's vdpa netlink) over the
 * same window, and by the module's per-queue kick counters the daemon
 * logs when testpmd stops a queue.
 *
 * daemon_listens: vubridged listens, testpmd connects; testpmd quits and a
 * new one connects and forwards.
 * daemon_connects: testpmd listens (server=1), vubridged --client; the
 * daemon is killed mid-traffic and a new one connects to the same testpmd,
 * which never re-sends SET_OWNER, and the frames in flight go on looping
 * without testpmd injecting any; then testpmd is restarted.
 * In both, the first testpmd asks for split rings and the second for
 * packed rings (packed_vq=1), which it gets where the device offers
 * VIRTIO_F_RING_PACKED and falls back to split rings where it does not
 * (vdpa_sim_net does not): the test asserts which one was negotiated.
 * vp.packed_rings: real packed rings, on vp_vdpa over the VM's two
 * virtio-net-pci NICs (packed=on): one testpmd port per NIC, frames
 * crossing the QEMU hub between them; each port receives what the other
 * sent. vp.packed_daemon_connects: the same with testpmd listening and one
 * vubridged --client per device; both daemons are killed mid-traffic and
 * restarted under the same testpmd, then testpmd is restarted.
 *
 * Printed, not judged: frames/s per phase and the daemon's CPU time
 * during traffic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dpdk_daemon.h"
#include "dpdk_testpmd.h"
#include "evwait.h"
#include "vub_test.h"

#define DEV		"dpdk0"
#define MAC		"02:00:00:00:d0:01"
#define DEV_SOCK	VD_SOCK_DIR "/" DEV ".sock"
#define TP_SOCK		"/run/testpmd-" DEV ".sock"	/* testpmd server=1 */
#define HUGEPAGES	96		/* 2 MiB each; testpmd takes -m 128 */
#define TP_START_MS	120000		/* EAL init under TCG: 10-30 s */
#define WINDOW_MS	3000		/* between the two samples */

/* ---- the simulator's own counters ---- */

/* Vendor statistic @name ("tx packets") of queue @qidx, or -1. */
static long long sim_vstat(unsigned int qidx, const char *name)
{
	char out[512], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev vstats show %s qidx %u",
		       DEV, qidx))
		return -1;
	p = strstr(out, name);
	if (!p)
		return -1;
	return strtoll(p + strlen(name), NULL, 10);
}

/* Does the feature list on the line starting with @key name @feature? */
static int features_have(const char *cmd, const char *key,
			 const char *feature)
{
	char out[2048], *line, *end;
	size_t n = strlen(feature);

	if (vub_sh_out(out, sizeof(out), "%s", cmd))
		return -EIO;
	line = strstr(out, key);
	if (!line)
		return -ENOENT;
	end = strchr(line, '\n');
	if (end)
		*end = 0;
	for (line += strlen(key); (line = strstr(line, feature)); line += n)
		if (line[-1] == ' ' && (line[n] == ' ' || !line[n]))
			return 1;
	return 0;
}

/* ---- a sample of everything that counts ---- */

/*
 * testpmd's counters, bracketed by the simulator's read just before and
 * just after (each read runs the vdpa tool, which takes from a few ms to
 * a second here): the device's count at the moment testpmd answered lies
 * between the two.
 */
struct sample {
	struct tp_stats tp;
	long long rx_lo, rx_hi;		/* queue 0 "rx packets" */
	long long tx_lo, tx_hi;		/* queue 1 "tx packets" */
	long cpu_ms;			/* the daemon's */
};

/* Frames one side may count before the other: a ring's worth each way. */
#define IN_FLIGHT	512

FIXTURE(dpdk) {
	struct vubd d;
	struct testpmd tp;
	bool huge;
};

static int take_sample(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dpdk) *self, struct sample *s)
{
	int ret;

	s->rx_lo = sim_vstat(0, "rx packets");
	s->tx_lo = sim_vstat(1, "tx packets");
	ret = tp_port_stats(&self->tp, &s->tp, 1);
	EXPECT_EQ(0, ret) {
		TH_LOG("%s", self->tp.err);
	}
	s->rx_hi = sim_vstat(0, "rx packets");
	s->tx_hi = sim_vstat(1, "tx packets");
	EXPECT_LE(0, s->rx_lo) {
		TH_LOG("no vendor statistics for %s queue 0: %s", DEV,
		       vub_env_err());
	}
	EXPECT_LE(0, s->tx_lo);
	EXPECT_LE(0, s->rx_hi);
	EXPECT_LE(0, s->tx_hi);
	s->cpu_ms = vd_cpu_ms(&self->d);
	return ret;
}

/* testpmd counted @n between samples whose device counts were
 * [@a_lo, @a_hi] and [@b_lo, @b_hi]: does the device agree? */
static bool agree(uint64_t n, long long a_lo, long long a_hi,
		  long long b_lo, long long b_hi)
{
	long long v = (long long)n;

	return v >= b_lo - a_hi - IN_FLIGHT && v <= b_hi - a_lo + IN_FLIGHT;
}

/*
 * Frames flow both ways: two samples WINDOW_MS apart, testpmd's RX and TX
 * grow, and the simulator's RX and TX queues count the same frames (up to
 * the ones still in a ring). Prints the rate.
 */
static void assert_traffic(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dpdk) *self, const char *phase)
{
	struct sample a, b;
	uint64_t rx, tx;
	int64_t ms;

	/* Let the first bursts settle into a steady loop. */
	usleep(500000);
	ASSERT_EQ(0, take_sample(_metadata, self, &a));
	usleep(WINDOW_MS * 1000);
	ASSERT_EQ(0, take_sample(_metadata, self, &b));
	rx = b.tp.rx - a.tp.rx;
	tx = b.tp.tx - a.tp.tx;
	ms = b.tp.at_ms - a.tp.at_ms;
	EXPECT_LT(0, rx) {
		TH_LOG("%s: testpmd received nothing in %" PRId64 " ms (RX-packets %" PRIu64 ")",
		       phase, ms, b.tp.rx);
	}
	EXPECT_LT(0, tx) {
		TH_LOG("%s: testpmd sent nothing in %" PRId64 " ms (TX-packets %" PRIu64 ")",
		       phase, ms, b.tp.tx);
	}
	EXPECT_TRUE(agree(rx, a.rx_lo, a.rx_hi, b.rx_lo, b.rx_hi)) {
		TH_LOG("%s: testpmd received %" PRIu64 ", the device delivered %lld..%lld",
		       phase, rx, b.rx_lo - a.rx_hi, b.rx_hi - a.rx_lo);
	}
	EXPECT_TRUE(agree(tx, a.tx_lo, a.tx_hi, b.tx_lo, b.tx_hi)) {
		TH_LOG("%s: testpmd sent %" PRIu64 ", the device took %lld..%lld",
		       phase, tx, b.tx_lo - a.tx_hi, b.tx_hi - a.tx_lo);
	}
	/* Measured, not judged. */
	printf("# %s: %" PRIu64 " frames received, %" PRIu64 " sent in %" PRId64
	       " ms: %" PRIu64 " frames/s; vubridged CPU %ld ms\n", phase, rx, tx,
	       ms, ms > 0 ? rx * 1000 / (uint64_t)ms : 0, b.cpu_ms - a.cpu_ms);
	fflush(stdout);
}

/* The module's counters the daemon logged when testpmd stopped the
 * queues after @from: the transmit queue was kicked. */
static void assert_stop_counters(struct __test_metadata *_metadata,
				 const struct vubd *d, const char *dev,
				 size_t from, const char *phase)
{
	uint64_t kicks, irqs;
	unsigned int q;

	for (q = 0; q < 2; q++) {
		int ret = -ENOENT, t;

		/* The daemon logs them as it handles the stop. */
		for (t = 0; t < 50 && ret; t++) {
			ret = vd_queue_counters(d, from, dev, q, &kicks,
						&irqs);
			if (ret)
				usleep(100000);
		}
		EXPECT_EQ(0, ret) {
			TH_LOG("%s: no counters of %s queue %u in %s", phase,
			       dev, q, d->log);
		}
		if (ret)
			continue;
		/* testpmd kicks its transmit queue for every burst; its
		 * receive queue only as the device asks for refills. */
		if (q == 1)
			EXPECT_LT(0, kicks) {
				TH_LOG("%s: %s queue %u was never kicked",
				       phase, dev, q);
			}
		printf("# %s: %s queue %u: %" PRIu64 " kicks, %" PRIu64
		       " interrupts (testpmd polls)\n", phase, dev, q, kicks,
		       irqs);
	}
}

/* The rings that were negotiated: packed only where the device offers it. */
static void assert_ring_layout(struct __test_metadata *_metadata,
			       bool packed)
{
	int offered, negotiated = -ENOENT;

	int t;

	offered = features_have("vdpa mgmtdev show vdpasim_net",
				"dev_features", "RING_PACKED");
	ASSERT_LE(0, offered);
	/* The kernel shows negotiated features once the device has
	 * FEATURES_OK; a reconnecting front-end may be just before that. */
	for (t = 0; t < 50; t++) {
		negotiated = features_have("vdpa dev config show " DEV,
					   "negotiated_features", "RING_PACKED");
		if (negotiated != -ENOENT)
			break;
		usleep(200000);
	}
	ASSERT_LE(0, negotiated) {
		TH_LOG("no negotiated features on %s after 10 s", DEV);
	}
	if (!packed) {
		EXPECT_EQ(0, negotiated);
		return;
	}
	EXPECT_EQ(offered, negotiated) {
		TH_LOG("packed_vq=1: the device %s RING_PACKED, negotiated %s",
		       offered ? "offers" : "does not offer",
		       negotiated ? "packed" : "split");
	}
	if (!offered)
		printf("# packed_vq=1: vdpa_sim_net offers no VIRTIO_F_RING_PACKED: split rings negotiated\n");
}

static void start_testpmd(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dpdk) *self, bool server, bool packed,
			  const char *tag)
{
	struct tp_opts o = {
		.sock = server ? TP_SOCK : DEV_SOCK,
		.mac = MAC,
		.server = server,
		.packed = packed,
		.tag = tag,
	};
	int64_t t0 = now_ms();
	int ret;

	ret = tp_start(&self->tp, &o, TP_START_MS);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: %s; its output:\n%s", tag, self->tp.err,
		       self->tp.buf ? self->tp.buf : "(none)");
	}
	printf("# %s: testpmd at its prompt after %lld ms\n", tag,
	       (long long)(now_ms() - t0));
	assert_ring_layout(_metadata, packed);
	/* 8 bursts of 32 frames: enough to keep the loop full. */
	ASSERT_EQ(0, tp_cmd(&self->tp, "start tx_first 8", 10000, NULL)) {
		TH_LOG("%s", self->tp.err);
	}
}

static void quit_testpmd(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dpdk) *self, const char *phase)
{
	size_t from = vd_log_size(&self->d);

	ASSERT_EQ(0, tp_quit(&self->tp, 30000)) {
		TH_LOG("%s: %s", phase, self->tp.err);
	}
	assert_stop_counters(_metadata, &self->d, DEV, from, phase);
	tp_fini(&self->tp);
}

FIXTURE_SETUP(dpdk)
{
	char path[64];

	self->d.pid = -1;
	tp_init(&self->tp);
	self->huge = false;
	if (vub_sh("command -v " TP_BIN " >/dev/null"))
		SKIP(return, "no " TP_BIN ": apt-get install dpdk-dev librte-net-virtio23 (scripts/deps.sh)");
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s): build kmod/ and build/sims/",
		     vub_env_err());
	ASSERT_EQ(0, vub_sim_dev_create(DEV, "vdpasim_net", MAC)) {
		TH_LOG("%s", vub_env_err());
	}
	ASSERT_EQ(0, tp_hugepages(HUGEPAGES)) {
		TH_LOG("cannot reserve %d hugepages", HUGEPAGES);
	}
	self->huge = true;
	mkdir(VD_SOCK_DIR, 0755);
	snprintf(path, sizeof(path), "%s", TP_SOCK);
	unlink(path);
}

FIXTURE_TEARDOWN(dpdk)
{
	tp_fini(&self->tp);
	vd_stop(&self->d, SIGTERM);
	vub_vdpa_dev_del(DEV);
	unlink(TP_SOCK);
	if (self->huge)
		EXPECT_EQ(0, tp_hugepages(0));
}

/* (a) vubridged listens, testpmd connects; then a second testpmd. */
TEST_F_TIMEOUT(dpdk, daemon_listens, 400)
{
	pid_t daemon;

	ASSERT_EQ(0, vd_start(&self->d, DEV, NULL, "listens")) {
		TH_LOG("%s", self->d.err);
	}
	daemon = self->d.pid;

	start_testpmd(_metadata, self, false, false, "listens-split");
	assert_traffic(_metadata, self, "listens-split");
	quit_testpmd(_metadata, self, "listens-split");

	/* The daemon reset the device and listens again: a new testpmd. */
	start_testpmd(_metadata, self, false, true, "listens-packed_vq");
	assert_traffic(_metadata, self, "listens-packed_vq");
	quit_testpmd(_metadata, self, "listens-packed_vq");

	EXPECT_EQ(daemon, self->d.pid);
	EXPECT_EQ(0, kill(daemon, 0)) {
		TH_LOG("vubridged died; see %s", self->d.log);
	}
}

/* (b) testpmd listens, vubridged --client; each side restarted. */
TEST_F_TIMEOUT(dpdk, daemon_connects, 400)
{
	size_t from;

	/* The daemon retries until testpmd's socket is there. */
	ASSERT_EQ(0, vd_start(&self->d, DEV, TP_SOCK, "connects")) {
		TH_LOG("%s", self->d.err);
	}
	start_testpmd(_metadata, self, true, false, "connects-split");
	assert_traffic(_metadata, self, "connects-split");

	/*
	 * Kill the daemon mid-traffic and start another: it connects to the
	 * same testpmd, which sets the device up again without SET_OWNER.
	 * testpmd injects nothing new: the frames it had in flight go on
	 * looping only if the device resumed its rings where they stood.
	 */
	EXPECT_EQ(SIGKILL, WTERMSIG(vd_stop(&self->d, SIGKILL)));
	from = vd_log_size(&self->d);
	ASSERT_EQ(0, vd_start(&self->d, DEV, TP_SOCK, "connects")) {
		TH_LOG("%s", self->d.err);
	}
	/* Connected, and testpmd started both rings again. */
	EXPECT_EQ(0, vd_wait_log(&self->d, from, "queue 1 started", 30000)) {
		TH_LOG("the rings were not started again; see %s",
		       self->d.log);
	}
	ASSERT_TRUE(tp_alive(&self->tp)) {
		TH_LOG("testpmd ended (wait status 0x%x); its output:\n%s",
		       self->tp.status, self->tp.buf);
	}
	assert_ring_layout(_metadata, false);
	assert_traffic(_metadata, self, "connects-split vubridged restarted");

	/* testpmd quits; a new one listens; the daemon connects to it. */
	quit_testpmd(_metadata, self, "connects-split vubridged restarted");
	start_testpmd(_metadata, self, true, true, "connects-packed_vq");
	assert_traffic(_metadata, self, "connects-packed_vq");
	quit_testpmd(_metadata, self, "connects-packed_vq");
}

/* ---- packed rings for real: vp_vdpa over QEMU's packed=on NICs ---- */

#define VP_A	"dpdkvp0"
#define VP_B	"dpdkvp1"
#define VP_TP_SOCK_A	"/run/testpmd-" VP_A ".sock"
#define VP_TP_SOCK_B	"/run/testpmd-" VP_B ".sock"

/* The MAC of vDPA net device @name (vdpa dev config show), or -errno. */
static int dev_mac(const char *name, char *mac, size_t cap)
{
	char out[1024], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev config show %s", name))
		return -EIO;
	p = strstr(out, " mac ");
	if (!p || cap < 18)
		return -ENOENT;
	snprintf(mac, cap, "%.17s", p + 5);
	return 0;
}

FIXTURE(vp) {
	struct vubd d, d2;	/* d2: the second --client daemon */
	struct testpmd tp;
	bool huge, made;
	char mac[2][24];
};

/*
 * The two virtio-net-pci NICs of the test VM (scripts/vm/run.sh: packed=on,
 * joined by a QEMU hub) bound to vp_vdpa, their vDPA devices to vubridge:
 * a SmartNIC that offers VIRTIO_F_RING_PACKED.
 */
FIXTURE_SETUP(vp)
{
	char mgmt[4][VUB_MGMT_LEN], cmd[128];
	const char *names[2] = { VP_A, VP_B };
	int n, i, packed;

	memset(&self->d2, 0, sizeof(self->d2));
	self->d.pid = self->d2.pid = -1;
	tp_init(&self->tp);
	self->huge = self->made = false;
	if (vub_sh("command -v " TP_BIN " >/dev/null"))
		SKIP(return, "no " TP_BIN ": apt-get install dpdk-dev librte-net-virtio23 (scripts/deps.sh)");
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s): build kmod/ and build/sims/",
		     vub_env_err());
	n = vub_vp_vdpa_mgmtdevs(mgmt, 4);
	if (n < 2)
		SKIP(return, "%d vp_vdpa devices (%s), need 2: run in the VM of scripts/vm/run.sh",
		     n, vub_env_err());
	self->made = true;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vub_sim_dev_create(names[i], mgmt[i], NULL)) {
			TH_LOG("%s", vub_env_err());
		}
		ASSERT_EQ(0, dev_mac(names[i], self->mac[i], sizeof(self->mac[i])));
	}
	snprintf(cmd, sizeof(cmd), "vdpa mgmtdev show %s", mgmt[0]);
	packed = features_have(cmd, "dev_features", "RING_PACKED");
	ASSERT_EQ(1, packed) {
		TH_LOG("the VM's NICs offer no RING_PACKED: scripts/vm/run.sh gives them packed=on");
	}
	ASSERT_EQ(0, tp_hugepages(HUGEPAGES));
	self->huge = true;
	mkdir(VD_SOCK_DIR, 0755);
}

FIXTURE_TEARDOWN(vp)
{
	tp_fini(&self->tp);
	vd_stop(&self->d, SIGTERM);
	vd_stop(&self->d2, SIGTERM);
	unlink(VP_TP_SOCK_A);
	unlink(VP_TP_SOCK_B);
	if (self->made) {
		vub_vdpa_dev_del(VP_A);
		vub_vdpa_dev_del(VP_B);
	}
	if (self->huge)
		EXPECT_EQ(0, tp_hugepages(0));
}

/* Both vp devices negotiated packed rings. */
static void assert_vp_packed(struct __test_metadata *_metadata)
{
	const char *devs[2] = { VP_A, VP_B };
	char cmd[128];
	int i, ret;

	for (i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "vdpa dev config show %s", devs[i]);
		ret = features_have(cmd, "negotiated_features", "RING_PACKED");
		EXPECT_EQ(1, ret) {
			TH_LOG("%s did not negotiate packed rings (%d)", devs[i],
			       ret);
		}
	}
}

/* testpmd with one port per vp device, packed_vq=1, at its prompt. */
static void start_vp_testpmd(struct __test_metadata *_metadata,
			     FIXTURE_DATA(vp) *self, bool server,
			     const char *tag)
{
	struct tp_opts o = {
		.sock = server ? VP_TP_SOCK_A : VD_SOCK_DIR "/" VP_A ".sock",
		.mac = self->mac[0],
		.sock2 = server ? VP_TP_SOCK_B : VD_SOCK_DIR "/" VP_B ".sock",
		.mac2 = self->mac[1],
		.server = server,
		.packed = true,
		.tag = tag,
	};
	int64_t t0 = now_ms();

	ASSERT_EQ(0, tp_start(&self->tp, &o, TP_START_MS)) {
		TH_LOG("%s: %s; its output:\n%s", tag, self->tp.err,
		       self->tp.buf ? self->tp.buf : "(none)");
	}
	printf("# %s: testpmd at its prompt after %lld ms\n", tag,
	       (long long)(now_ms() - t0));
	assert_vp_packed(_metadata);
	ASSERT_EQ(0, tp_cmd(&self->tp, "start tx_first 8", 10000, NULL));
}

/* CPU time of the vp daemons (one, or one per device in client mode). */
static long vp_daemons_cpu_ms(FIXTURE_DATA(vp) *self)
{
	return vd_cpu_ms(&self->d) +
	       (self->d2.pid > 0 ? vd_cpu_ms(&self->d2) : 0);
}

/*
 * Frames flow both ways between the two ports: two samples of both ports
 * (one "show port stats all" each), every counter grows, and each port
 * received what the other sent, up to the frames still in the rings.
 */
static void assert_vp_traffic(struct __test_metadata *_metadata,
			      FIXTURE_DATA(vp) *self, const char *phase)
{
	struct tp_stats a[2], b[2];
	uint64_t rx[2], tx[2];
	long cpu_a, cpu_b;
	int64_t ms;
	int i;

	usleep(500000);
	ASSERT_EQ(0, tp_port_stats(&self->tp, a, 2)) {
		TH_LOG("%s: %s", phase, self->tp.err);
	}
	cpu_a = vp_daemons_cpu_ms(self);
	usleep(WINDOW_MS * 1000);
	ASSERT_EQ(0, tp_port_stats(&self->tp, b, 2)) {
		TH_LOG("%s: %s", phase, self->tp.err);
	}
	cpu_b = vp_daemons_cpu_ms(self);
	ms = b[0].at_ms - a[0].at_ms;
	for (i = 0; i < 2; i++) {
		rx[i] = b[i].rx - a[i].rx;
		tx[i] = b[i].tx - a[i].tx;
		EXPECT_LT(0, rx[i]) {
			TH_LOG("%s: port %d received nothing", phase, i);
		}
		EXPECT_LT(0, tx[i]) {
			TH_LOG("%s: port %d sent nothing", phase, i);
		}
	}
	for (i = 0; i < 2; i++) {
		uint64_t s = tx[i], r = rx[1 - i];
		uint64_t d = s > r ? s - r : r - s;

		EXPECT_GE(2 * IN_FLIGHT, d) {
			TH_LOG("%s: port %d sent %" PRIu64 ", port %d received %" PRIu64,
			       phase, i, s, 1 - i, r);
		}
	}
	printf("# %s: packed rings; %" PRIu64 " + %" PRIu64
	       " frames received in %" PRId64 " ms: %" PRIu64
	       " frames/s per port; vubridged CPU %ld ms\n", phase, rx[0],
	       rx[1], ms, ms > 0 ? rx[0] * 1000 / (uint64_t)ms : 0,
	       cpu_b - cpu_a);
	fflush(stdout);
}

static void quit_vp_testpmd(struct __test_metadata *_metadata,
			    FIXTURE_DATA(vp) *self, const char *phase)
{
	size_t from[2] = { vd_log_size(&self->d), vd_log_size(&self->d2) };

	ASSERT_EQ(0, tp_quit(&self->tp, 30000)) {
		TH_LOG("%s: %s", phase, self->tp.err);
	}
	if (self->d2.pid > 0) {
		assert_stop_counters(_metadata, &self->d, VP_A, from[0], phase);
		assert_stop_counters(_metadata, &self->d2, VP_B, from[1], phase);
	} else {
		assert_stop_counters(_metadata, &self->d, VP_A, from[0], phase);
		assert_stop_counters(_metadata, &self->d, VP_B, from[0], phase);
	}
	tp_fini(&self->tp);
}

/*
 * vubridged listens for both devices; testpmd with two ports, packed_vq=1,
 * one per NIC: each port's frames cross the hub to the other NIC and
 * testpmd sends them back out of the other port.
 */
TEST_F_TIMEOUT(vp, packed_rings, 400)
{
	const char *devs[2] = { VP_A, VP_B };

	ASSERT_EQ(0, vd_start_devs(&self->d, devs, 2, NULL, "vp-packed")) {
		TH_LOG("%s", self->d.err);
	}
	start_vp_testpmd(_metadata, self, false, "vp-packed");
	assert_vp_traffic(_metadata, self, "vp-packed");
	quit_vp_testpmd(_metadata, self, "vp-packed");
}

/*
 * Packed rings with testpmd listening (server=1) and one vubridged
 * --client per device. Both daemons are killed mid-traffic and new ones
 * connect to the same testpmd. On a packed-ring reconnect DPDK resets its
 * rings and drops the frames it had in flight ("Packets on the fly will be
 * dropped when packed ring reconnecting"), so the same testpmd sends a new
 * first burst; then testpmd itself is restarted.
 */
TEST_F_TIMEOUT(vp, packed_daemon_connects, 400)
{
	size_t from;
	char *p;
	int n;

	ASSERT_EQ(0, vd_start(&self->d, VP_A, VP_TP_SOCK_A, "vp-connects-a"));
	ASSERT_EQ(0, vd_start(&self->d2, VP_B, VP_TP_SOCK_B, "vp-connects-b"));
	start_vp_testpmd(_metadata, self, true, "vp-connects");
	assert_vp_traffic(_metadata, self, "vp-connects");

	from = self->tp.len;
	EXPECT_EQ(SIGKILL, WTERMSIG(vd_stop(&self->d, SIGKILL)));
	EXPECT_EQ(SIGKILL, WTERMSIG(vd_stop(&self->d2, SIGKILL)));
	ASSERT_EQ(0, vd_start(&self->d, VP_A, VP_TP_SOCK_A, "vp-connects-a"));
	ASSERT_EQ(0, vd_start(&self->d2, VP_B, VP_TP_SOCK_B, "vp-connects-b"));
	/* Both ports reconnected, in the same testpmd. */
	for (n = 0; n < 2; ) {
		ASSERT_EQ(0, tp_wait_output(&self->tp, "reconnection succeeds",
					    from, 30000)) {
			TH_LOG("%d of 2 ports reconnected: %s", n, self->tp.err);
		}
		p = strstr(self->tp.buf + from, "reconnection succeeds");
		from = (size_t)(p - self->tp.buf) + 1;
		n++;
	}
	ASSERT_TRUE(tp_alive(&self->tp));
	assert_vp_packed(_metadata);
	ASSERT_EQ(0, tp_cmd(&self->tp, "stop", 10000, NULL));
	ASSERT_EQ(0, tp_cmd(&self->tp, "start tx_first 8", 10000, NULL));
	assert_vp_traffic(_metadata, self, "vp-connects vubridged restarted");

	/* A new testpmd; the daemons connect to it. */
	quit_vp_testpmd(_metadata, self, "vp-connects vubridged restarted");
	start_vp_testpmd(_metadata, self, true, "vp-connects testpmd restarted");
	assert_vp_traffic(_metadata, self, "vp-connects testpmd restarted");
	quit_vp_testpmd(_metadata, self, "vp-connects testpmd restarted");
}

/*
 * Documentation/vmm/dpdk.rst quotes the command lines this program runs:
 * both modes' and the packed-ring pair's testpmd and vubridged lines must
 * be there, verbatim.
 */
TEST(doc_quotes_the_command_lines)
{
	const char *devs[2] = { VP_A, VP_B };
	struct tp_opts o = { .sock = DEV_SOCK, .mac = MAC };
	char path[512], line[2048], *doc = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/Documentation/vmm/dpdk.rst",
		 vub_root_dir());
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) {
		TH_LOG("%s: %s", path, strerror(errno));
	}
	ASSERT_LT(0, getdelim(&doc, &cap, 0, f));
	fclose(f);

	ASSERT_EQ(0, tp_cmdline(&o, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	o.sock = TP_SOCK;
	o.server = true;
	ASSERT_EQ(0, tp_cmdline(&o, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	ASSERT_EQ(0, vd_cmdline(DEV, NULL, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	ASSERT_EQ(0, vd_cmdline(DEV, TP_SOCK, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	/* The packed-ring pair, with the MACs scripts/vm/run.sh gives. */
	o = (struct tp_opts){
		.sock = VD_SOCK_DIR "/" VP_A ".sock", .mac = "52:54:00:12:34:01",
		.sock2 = VD_SOCK_DIR "/" VP_B ".sock", .mac2 = "52:54:00:12:34:02",
		.packed = true,
	};
	ASSERT_EQ(0, tp_cmdline(&o, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	ASSERT_EQ(0, vd_cmdline_devs(devs, 2, NULL, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	/* ... and with testpmd listening, one daemon per device. */
	o.sock = VP_TP_SOCK_A;
	o.sock2 = VP_TP_SOCK_B;
	o.server = true;
	ASSERT_EQ(0, tp_cmdline(&o, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	ASSERT_EQ(0, vd_cmdline(VP_A, VP_TP_SOCK_A, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	ASSERT_EQ(0, vd_cmdline(VP_B, VP_TP_SOCK_B, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(doc, line)) {
		TH_LOG("%s lacks: %s", path, line);
	}
	free(doc);
}

TEST_HARNESS_MAIN
