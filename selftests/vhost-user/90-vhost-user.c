// SPDX-License-Identifier: GPL-2.0
/*
 * 90-vhost-user.c - vubridged end to end, in the VM: the test front-end
 * (vu_frontend.c) talks vhost-user to the daemon, the daemon programs
 * vubridge.ko, the simulators move the data.
 *
 * net: >= 10,000 frames loop back byte for byte through vdpa_sim_net;
 * stop/restart (GET_VRING_BASE) and snapshot/restore mid-traffic lose and
 * duplicate nothing; a config change reaches the front-end as
 * CONFIG_CHANGE_MSG; two devices at once, one front-end killed mid-traffic;
 * the daemon killed with SIGKILL and a new one serving again.
 * blk: 4 MiB written and read back through vdpa_sim_blk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "blk_req.h"
#include "evwait.h"
#include "net_frame.h"
#include "net_loop.h"
#include "vdpa_nl.h"
#include "vub_test.h"
#include "vu_frontend.h"
#include "vu_net.h"

#include <sys/mman.h>

#define SOCK_DIR	VU_NET_SOCK_DIR
#define DEV_A		"vunet0"
#define DEV_B		"vunet1"
#define DEV_BLK		"vublk0"
#define MAC_A		"02:00:00:00:0a:01"
#define MAC_B		"02:00:00:00:0b:01"
#define WANT_PF		(VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |	\
			 VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_BACKEND_REQ) |	\
			 VU_PF(VU_PF_BACKEND_SEND_FD) |			\
			 VU_PF(VU_PF_RESET_DEVICE) | VU_PF(VU_PF_STATUS) |	\
			 VU_PF(VU_PF_DEVICE_STATE) |			\
			 VU_PF(VU_PF_CONFIGURE_MEM_SLOTS))


/* ---- the daemon ---- */

/* Pinned pages (vmstat, folded lazily) back to at most @base. */
static long pins_settle(long base, int timeout_ms)
{
	long v = pinned_vmstat();
	int t;

	for (t = 0; v > base && t < timeout_ms; t += 20) {
		usleep(20000);
		v = pinned_vmstat();
	}
	return v;
}

#define PID_FILE	SOCK_DIR "/test-daemon.pid"

/* A daemon a previous test left behind (a test whose teardown did not
 * run) would hold the devices: stop it. */
static void kill_stale_daemon(void)
{
	char buf[32], path[64], st[256];
	long pid;
	int i;

	if (vub_read_file(PID_FILE, buf, sizeof(buf)) < 0)
		return;
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || kill((pid_t)pid, SIGKILL) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 100; i++) {
		if (vub_read_file(path, st, sizeof(st)) < 0 ||
		    strstr(st, ") Z "))
			break;
		usleep(20000);
	}
}

static pid_t daemon_start(const char *env)
{
	char bin[512], logp[512], buf[32];
	pid_t pid;
	int fd;

	snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
	snprintf(logp, sizeof(logp), "%s/vubridged.log",
		 getenv("VUB_RESULTS") ? getenv("VUB_RESULTS") : "/tmp");
	if (access(bin, X_OK))
		return -ENOENT;
	mkdir(SOCK_DIR, 0755);
	kill_stale_daemon();
	pid = fork();
	if (pid == 0) {
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (env)
			putenv((char *)env);
		execl(bin, bin, "--foreground", "--socket-dir", SOCK_DIR,
		      "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	fd = open(PID_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t n = write(fd, buf, strlen(buf));

		(void)n;
		close(fd);
	}
	return pid;
}

static void daemon_stop(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	waitpid(pid, NULL, 0);
	unlink(PID_FILE);
}

FIXTURE(vu) {
	pid_t daemon;
	struct nfe a, b;
	long pin_base;
};

FIXTURE_SETUP(vu)
{
	nfe_init(&self->a);
	nfe_init(&self->b);
	self->daemon = -1;
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s): build kmod/ and build/sims/",
		     vub_env_err());
	self->pin_base = pinned_vmstat();
	ASSERT_EQ(0, vub_sim_dev_create(DEV_A, "vdpasim_net", MAC_A)) {
		TH_LOG("%s", vub_env_err());
	}
	ASSERT_EQ(0, vub_sim_dev_create(DEV_B, "vdpasim_net", MAC_B)) {
		TH_LOG("%s", vub_env_err());
	}
	self->daemon = daemon_start(NULL);
	if (self->daemon == -ENOENT)
		SKIP(return, "build/daemon/vubridged missing: make -C daemon");
	ASSERT_GT(self->daemon, 0);
}

FIXTURE_TEARDOWN(vu)
{
	nfe_fini(&self->a);
	nfe_fini(&self->b);
	daemon_stop(self->daemon, SIGTERM);
	vub_vdpa_dev_del(DEV_A);
	vub_vdpa_dev_del(DEV_B);
	if (self->pin_base >= 0)
		EXPECT_GE(self->pin_base, pins_settle(self->pin_base, 5000));
}

TEST_F(vu, net_10000_frames)
{
	int64_t t0;

	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	EXPECT_EQ(0, memcmp(self->a.mac, "\x02\x00\x00\x00\x0a\x01", 6));
	t0 = now_ms();
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 10000, 5000)) {
		TH_LOG("%s", self->a.nl.err);
	}
	ASSERT_EQ(10000, self->a.nl.rx_seq);
	TH_LOG("10000 frames through vubridged + vdpa_sim_net in %lld ms",
	       (long long)(now_ms() - t0));
}

TEST_F(vu, net_without_status_protocol)
{
	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF & ~VU_PF(VU_PF_STATUS)));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 2000, 5000)) {
		TH_LOG("%s", self->a.nl.err);
	}
}

TEST_F(vu, stop_restart_mid_traffic)
{
	uint32_t b[2];
	int i;

	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, net_loop_run(&self->a.nl, 1500, 5000)) {
			TH_LOG("round %d: %s", i, self->a.nl.err);
		}
		ASSERT_EQ(0, nfe_stop(&self->a, b));
		EXPECT_EQ(self->a.nl.tx_seq & 0xffff, b[1]);
		/* the same rings, the same positions, new start */
		ASSERT_EQ(0, nfe_rings(&self->a, (uint16_t)b[0],
				       (uint16_t)b[1]));
	}
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 1500, 5000)) {
		TH_LOG("%s", self->a.nl.err);
	}
	EXPECT_EQ(6000, self->a.nl.rx_seq);
}

TEST_F(vu, snapshot_restore_mid_traffic)
{
	struct guest_mem *gms[1] = { &self->a.gm };
	struct vu_fe old;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint32_t b[2], r[2];

	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 1000, 5000));
	ASSERT_EQ(0, nfe_stop(&self->a, b));
	ASSERT_EQ(0, vu_fe_save_state(&self->a.fe, &blob, &len));
	/* The old connection goes: the device is reset. */
	old = self->a.fe;
	vu_fe_close(&old);
	/* A new connection, a fresh device state, the saved one loaded. */
	ASSERT_EQ(0, nfe_connect(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, vu_fe_load_state(&self->a.fe, blob, len));
	free(blob);
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 0, &r[0]));
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 1, &r[1]));
	EXPECT_EQ(b[0], r[0]);
	EXPECT_EQ(b[1], r[1]);
	ASSERT_EQ(0, vu_fe_set_mem_table(&self->a.fe, gms, 1));
	ASSERT_EQ(0, nfe_rings(&self->a, (uint16_t)r[0], (uint16_t)r[1]));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 1000, 5000)) {
		TH_LOG("%s", self->a.nl.err);
	}
	EXPECT_EQ(2000, self->a.nl.rx_seq);
}

TEST_F(vu, config_change_message)
{
	struct vu_fe_msg m;
	uint8_t mac[6];
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0x0a, 0x02 };

	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, vu_fe_open_backend_channel(&self->a.fe));
	/* what `vdpa dev set NAME mac ...` sends */
	ASSERT_EQ(0, vdpa_nl_dev_set_mac(DEV_A, mac2));
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.breq, &m, 5000));
	EXPECT_EQ(VU_BACKEND_CONFIG_CHANGE_MSG, m.hdr.request);
	ASSERT_EQ(0, vu_fe_get_config(&self->a.fe, 0, mac, 6));
	EXPECT_EQ(0x02, mac[5]);
}

/*
 * A child front-end on @dev sends until killed. It writes one byte to
 * @ready once its first frames made the round trip, so the parent knows the
 * device is mid-traffic (memory mapped, queues running) before it kills it.
 */
static pid_t child_traffic(const char *dev, int ready)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct nfe n;
		char c = 1;

		nfe_init(&n);
		if (nfe_start(&n, dev, WANT_PF))
			_exit(1);
		if (net_loop_run(&n.nl, 500, 5000))
			_exit(2);
		if (write(ready, &c, 1) != 1)
			_exit(3);
		for (;;)
			if (net_loop_run(&n.nl, 500, 5000))
				_exit(2);
	}
	return pid;
}

/* Wait up to @ms for the child's ready byte on @fd. */
static bool child_ready(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 1;
}

TEST_F(vu, two_devices_one_frontend_killed)
{
	int ready[2];
	pid_t child;
	long pinned;
	bool up;

	ASSERT_EQ(0, pipe(ready));
	child = child_traffic(DEV_A, ready[1]);
	ASSERT_GT(child, 0);
	close(ready[1]);
	ASSERT_EQ(0, nfe_start(&self->b, DEV_B, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->b.nl, 2000, 5000));
	up = child_ready(ready[0], 20000);
	close(ready[0]);
	if (!up) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	ASSERT_TRUE(up) {
		TH_LOG("the front-end on %s never got traffic going", DEV_A);
	}
	/* A is mid-traffic now: it must hold pinned pages. */
	pinned = pinned_dev(DEV_A);
	if (pinned != -ENOENT)
		EXPECT_GT(pinned, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ASSERT_EQ(0, net_loop_run(&self->b.nl, 3000, 5000)) {
		TH_LOG("%s", self->b.nl.err);
	}
	/* The daemon reset A and unpinned its memory... */
	if (pinned != -ENOENT) {
		int i;

		for (i = 0; i < 100 && pinned_dev(DEV_A) > 0; i++)
			usleep(50000);
		EXPECT_EQ(0, pinned_dev(DEV_A));
	}
	/* ... and serves it again. */
	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 1000, 5000));
	ASSERT_EQ(0, net_loop_run(&self->b.nl, 1000, 5000));
}

TEST_F(vu, daemon_sigkill_then_new_daemon)
{
	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 1000, 5000));
	daemon_stop(self->daemon, SIGKILL);
	self->daemon = -1;
	ASSERT_TRUE(vu_fe_peer_closed(&self->a.fe, 5000));
	/* The module reset the device and unpinned everything. */
	EXPECT_GE(self->pin_base, pins_settle(self->pin_base, 5000));
	nfe_fini(&self->a);
	nfe_init(&self->a);
	self->daemon = daemon_start(NULL);
	ASSERT_GT(self->daemon, 0);
	ASSERT_EQ(0, nfe_start(&self->a, DEV_A, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->a.nl, 2000, 5000)) {
		TH_LOG("%s", self->a.nl.err);
	}
}

TEST_F(vu, blk_4mib)
{
	struct guest_mem *gms[1];
	struct nfe *n = &self->b;	/* only its fe and gm */
	struct virtq vq;
	struct blk_req *req;
	uint8_t *data, *back;
	const uint32_t total = 4u << 20;
	uint32_t off, len, i = 0;
	char path[256];

	ASSERT_EQ(0, vub_sim_dev_create(DEV_BLK, "vdpasim_blk", NULL)) {
		TH_LOG("%s", vub_env_err());
	}
	snprintf(path, sizeof(path), SOCK_DIR "/%s.sock", DEV_BLK);
	ASSERT_EQ(0, vu_fe_connect(&n->fe, path, 10000));
	ASSERT_EQ(0, vu_fe_negotiate(&n->fe, 1ull << VIRTIO_F_VERSION_1 |
				     1ull << VIRTIO_BLK_F_FLUSH, WANT_PF));
	ASSERT_EQ(0, guest_mem_init(&n->gm, 2 * total + (2u << 20), GPA_BASE,
				    1));
	ASSERT_EQ(0, virtq_init(&vq, &n->gm, 0, 128));
	req = guest_mem_alloc(&n->gm, sizeof(*req), 16);
	data = guest_mem_alloc(&n->gm, total, 4096);
	back = guest_mem_alloc(&n->gm, total, 4096);
	ASSERT_NE(NULL, back);
	gms[0] = &n->gm;
	ASSERT_EQ(0, vu_fe_set_mem_table(&n->fe, gms, 1));
	ASSERT_EQ(0, vu_fe_vring(&n->fe, &vq, 0));
	ASSERT_EQ(0, vu_fe_enable(&n->fe, 0, true));
	ASSERT_EQ(0, vu_fe_set_u64(&n->fe, VU_SET_STATUS, 0xf));
	blk_pattern(data, 0, total, 7);
	for (int pass = 0; pass < 2; pass++) {
		for (off = 0; off < total; off += len, i++) {
			uint32_t l;

			len = BLK_SECTOR * (1 + (i * 13) % 64);
			if (len > total - off)
				len = total - off;
			ASSERT_EQ(0, blk_req_queue(&vq, req, pass ?
						   VIRTIO_BLK_T_IN :
						   VIRTIO_BLK_T_OUT,
						   off / BLK_SECTOR,
						   (pass ? back : data) + off,
						   len));
			virtq_kick(&vq);
			ASSERT_LE(0, evfd_wait(vq.call_fd, 5000));
			ASSERT_EQ(req, virtq_get_used(&vq, &l));
			ASSERT_EQ(VIRTIO_BLK_S_OK, req->status);
		}
	}
	EXPECT_EQ(0, memcmp(data, back, total));
	virtq_destroy(&vq);
	vu_fe_close(&n->fe);
	vub_vdpa_dev_del(DEV_BLK);
}

/* The demo's front-end, as `make demo` runs it. */
TEST_F(vu, demo_frontend)
{
	char out[4096];

	ASSERT_EQ(0, vub_sh_out(out, sizeof(out),
				"%s/bin/vu-demo " SOCK_DIR "/%s.sock 5000 %d",
				vub_build_dir(), DEV_A, (int)self->daemon)) {
		TH_LOG("%s", out);
	}
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "received 5000 back byte for byte"));
	EXPECT_NE(NULL, strstr(out, "CPU time during the traffic"));
}

/*
 * A device without VUB_ABILITY_ENABLE_AFTER_DRIVER_OK (the daemon is told
 * to ignore the simulator's): a queue enabled after DRIVER_OK, and every
 * restart, go through stop / reset / reprogram / DRIVER_OK, transparently.
 */
TEST_F(vu, restart_path_without_late_start)
{
	struct guest_mem *gms[1] = { &self->a.gm };
	struct nfe *n = &self->a;
	uint32_t b[2];
	int i;

	daemon_stop(self->daemon, SIGTERM);
	self->daemon = daemon_start("VUBRIDGED_TEST_NO_LATE_START=1");
	ASSERT_GT(self->daemon, 0);
	ASSERT_EQ(0, nfe_connect(n, DEV_A, WANT_PF));
	ASSERT_EQ(0, guest_mem_init(&n->gm, MEMSIZE, GPA_BASE, 1));
	ASSERT_EQ(0, virtq_init(&n->rx, &n->gm, 0, QSIZE));
	ASSERT_EQ(0, virtq_init(&n->tx, &n->gm, 1, QSIZE));
	ASSERT_EQ(0, net_loop_init(&n->nl, &n->rx, &n->tx, n->mac, vu_net_src_mac,
				   true));
	n->up = true;
	ASSERT_EQ(0, vu_fe_set_mem_table(&n->fe, gms, 1));
	/* QEMU's order: rings, DRIVER_OK, then the enables. */
	ASSERT_EQ(0, vu_fe_vring(&n->fe, &n->rx, 0));
	ASSERT_EQ(0, vu_fe_vring(&n->fe, &n->tx, 0));
	ASSERT_EQ(0, vu_fe_set_u64(&n->fe, VU_SET_STATUS, 0xf));
	ASSERT_EQ(0, vu_fe_enable(&n->fe, 0, true));
	ASSERT_EQ(0, net_loop_post_rx(&n->nl));
	ASSERT_EQ(0, vu_fe_enable(&n->fe, 1, true));	/* late */
	ASSERT_EQ(0, net_loop_run(&n->nl, 1000, 5000)) {
		TH_LOG("%s", n->nl.err);
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, nfe_stop(n, b));
		ASSERT_EQ(0, nfe_rings(n, (uint16_t)b[0], (uint16_t)b[1]));
		ASSERT_EQ(0, net_loop_run(&n->nl, 1000, 5000)) {
			TH_LOG("round %d: %s", i, n->nl.err);
		}
	}
	EXPECT_EQ(4000, n->nl.rx_seq);
}

/* ---- vp_vdpa: PCI devices with doorbells, behind virtio-iommu ---- */

#define NVP	2

FIXTURE(vp) {
	pid_t daemon;
	char name[NVP][32];
	struct nfe n[NVP];
	struct net_loop ab;
	bool have_ab;
	void *bell[NVP][2];
	size_t bell_len[NVP][2];
};

FIXTURE_SETUP(vp)
{
	char mgmt[4][VUB_MGMT_LEN];
	int i, k, nmg;

	self->daemon = -1;
	self->have_ab = false;
	for (i = 0; i < NVP; i++) {
		nfe_init(&self->n[i]);
		snprintf(self->name[i], sizeof(self->name[i]), "vuvp%d", i);
		for (k = 0; k < 2; k++)
			self->bell[i][k] = MAP_FAILED;
	}
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s)", vub_env_err());
	nmg = vub_vp_vdpa_mgmtdevs(mgmt, 4);
	if (nmg < NVP)
		SKIP(return, "%d vp_vdpa devices (%s), need 2: run in the VM of scripts/vm/run.sh",
		     nmg, vub_env_err());
	for (i = 0; i < NVP; i++)
		ASSERT_EQ(0, vub_sim_dev_create(self->name[i], mgmt[i], NULL)) {
			TH_LOG("%s", vub_env_err());
		}
	self->daemon = daemon_start(NULL);
	if (self->daemon == -ENOENT)
		SKIP(return, "build/daemon/vubridged missing: make -C daemon");
	ASSERT_GT(self->daemon, 0);
}

FIXTURE_TEARDOWN(vp)
{
	int i, k;

	if (self->have_ab)
		net_loop_destroy(&self->ab);
	for (i = 0; i < NVP; i++) {
		for (k = 0; k < 2; k++)
			if (self->bell[i][k] != MAP_FAILED)
				munmap(self->bell[i][k], self->bell_len[i][k]);
		self->n[i].rx.doorbell = self->n[i].tx.doorbell = NULL;
		nfe_fini(&self->n[i]);
	}
	daemon_stop(self->daemon, SIGTERM);
	for (i = 0; i < NVP; i++)
		vub_vdpa_dev_del(self->name[i]);
}

/* Bring up device @i with doorbells: expect one VRING_HOST_NOTIFIER_MSG
 * per queue, map it and kick through it from now on. */
static int vp_start(FIXTURE_DATA(vp) *self, int i)
{
	struct guest_mem *gms[1] = { &self->n[i].gm };
	struct nfe *n = &self->n[i];
	int k, ret, got = 0;

	ret = nfe_connect(n, self->name[i], WANT_PF |
			  VU_PF(VU_PF_HOST_NOTIFIER));
	if (!ret && !(n->fe.pf & VU_PF(VU_PF_HOST_NOTIFIER)))
		return -EOPNOTSUPP;
	if (!ret)
		ret = vu_fe_open_backend_channel(&n->fe);
	if (!ret)
		ret = guest_mem_init(&n->gm, MEMSIZE, GPA_BASE, 1);
	if (!ret)
		ret = virtq_init(&n->rx, &n->gm, 0, QSIZE);
	if (!ret)
		ret = virtq_init(&n->tx, &n->gm, 1, QSIZE);
	if (ret)
		return ret;
	n->up = true;
	ret = vu_fe_set_mem_table(&n->fe, gms, 1);
	if (!ret)
		ret = nfe_rings(n, 0, 0);
	while (!ret && got < 2) {
		struct vu_fe_msg m;
		struct vu_vring_area a;
		void *p;

		ret = vu_fe_recv(&n->fe, n->fe.breq, &m, 5000);
		if (ret)
			break;
		if (m.hdr.request != VU_BACKEND_VRING_HOST_NOTIFIER_MSG ||
		    m.nfds != 1 || m.hdr.size != sizeof(a)) {
			while (m.nfds)
				close(m.fds[--m.nfds]);
			continue;
		}
		memcpy(&a, m.payload, sizeof(a));
		k = (int)(a.u64 & 0xff);
		p = mmap(NULL, a.size, PROT_WRITE, MAP_SHARED, m.fds[0],
			 (off_t)a.offset);
		close(m.fds[0]);
		if (p == MAP_FAILED || k > 1)
			return -EIO;
		self->bell[i][k] = p;
		self->bell_len[i][k] = a.size;
		(k ? &n->tx : &n->rx)->doorbell = p;
		got++;
	}
	return ret;
}

/* Two vp_vdpa devices, 3000 frames and two device removals: more than the
 * harness's default 30 s when the machine is loaded. */
TEST_F_TIMEOUT(vp, doorbells_and_frames_across_devices, 120)
{
	int i, k;

	ASSERT_EQ(0, vp_start(self, 0));
	ASSERT_EQ(0, vp_start(self, 1));
	ASSERT_EQ(0, net_loop_init(&self->ab, &self->n[1].rx, &self->n[0].tx,
				   self->n[1].mac, self->n[0].mac, false));
	self->have_ab = true;
	ASSERT_EQ(0, net_loop_post_rx(&self->ab));
	/* Kicks go through the doorbell pages, not the eventfds. */
	ASSERT_EQ(0, net_loop_run(&self->ab, 2000, 5000)) {
		TH_LOG("%s", self->ab.err);
	}
	EXPECT_NE(0, self->n[0].tx.kicks);

	/*
	 * Both front-ends go away and come back: the daemon reset the PCI
	 * devices, new sessions start from fresh rings. (A PCI virtio device
	 * cannot be told a ring position, so restarting its rings mid-stream
	 * is not possible; the daemon says so if a front-end tries.)
	 */
	net_loop_destroy(&self->ab);
	self->have_ab = false;
	for (i = 0; i < NVP; i++) {
		for (k = 0; k < 2; k++) {
			if (self->bell[i][k] != MAP_FAILED)
				munmap(self->bell[i][k], self->bell_len[i][k]);
			self->bell[i][k] = MAP_FAILED;
		}
		self->n[i].rx.doorbell = self->n[i].tx.doorbell = NULL;
		nfe_fini(&self->n[i]);
		nfe_init(&self->n[i]);
	}
	ASSERT_EQ(0, vp_start(self, 0));
	ASSERT_EQ(0, vp_start(self, 1));
	ASSERT_EQ(0, net_loop_init(&self->ab, &self->n[1].rx, &self->n[0].tx,
				   self->n[1].mac, self->n[0].mac, false));
	self->have_ab = true;
	ASSERT_EQ(0, net_loop_post_rx(&self->ab));
	ASSERT_EQ(0, net_loop_run(&self->ab, 1000, 5000)) {
		TH_LOG("%s", self->ab.err);
	}
}

TEST_HARNESS_MAIN
