// SPDX-License-Identifier: GPL-2.0
/*
 * 93-vu-mq.c - the project's own front-end (vu_mq.c) replaying crosvm's,
 * cloud-hypervisor's and QEMU's vhost-user sequences through vubridged on
 * a multi-queue NIC: vp_vdpa over the test VM's first mq=on virtio-net
 * (scripts/vm/run.sh --mq-nics). The second mq NIC, a kernel netdev under
 * virtio_vdpa across the host bridge, sends frames of many flows; the
 * outer QEMU's multi-queue tap spreads them over the queue pairs the NIC
 * has in use, so the RX queues that receive show the device's pair count.
 *
 *  - crosvm hands the guest's control queue to the back-end (CTRL_VQ
 *    acknowledged): the guest's VQ_PAIRS_SET and MAC_ADDR_SET run on the
 *    device's own control queue; frames arrive on RX 0 and 1 with two
 *    pairs, only on RX 0 with one.
 *  - cloud-hypervisor acknowledges CTRL_VQ too but answers the control
 *    queue in its VMM: the daemon sets the pairs it enabled.
 *  - QEMU's way (CTRL_VQ not acknowledged, the daemon runs the device's
 *    control queue): a device-state snapshot and its restore into a new
 *    session keep the MAC and the pair count on the device.
 *  - What the devices enforce of the feature rules (Documentation/test-bed.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "evwait.h"
#include "net_frame.h"
#include "net_peer.h"
#include "vub_nl.h"
#include "vub_test.h"
#include "vu_mq.h"

#define SOCK_DIR	"/tmp/vubmq"
#define DEV_A		"mqa"
#define DEV_B		"mqb"
#define DEV_SIM		"mqsim"
#define FLOWS		64
#define F(b)		(1ull << (b))
/* What Linux's virtio_net acknowledges of it (and this driver does). */
#define GUEST_F		(F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC) |	\
			 F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF) | \
			 F(VIRTIO_NET_F_MQ))
#define GUEST_CTRL_F	(F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_RX) | \
			 F(VIRTIO_NET_F_CTRL_MAC_ADDR))

static const uint8_t guest_mac[6] = { 0x02, 0x93, 0, 0, 0, 0x01 };
static const uint8_t saved_mac[6] = { 0x02, 0x93, 0, 0, 0, 0x02 };

FIXTURE(mq) {
	pid_t daemon;
	char log[256];
	char sock[128];
	struct vmq m;
	struct net_peer peer;
	bool made;
};

static pid_t daemon_start(const char *logp)
{
	char bin[512];
	pid_t pid;
	int fd;

	snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
	if (access(bin, X_OK))
		return -ENOENT;
	mkdir(SOCK_DIR, 0755);
	pid = fork();
	if (pid == 0) {
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, bin, "--foreground", "--socket-dir", SOCK_DIR,
		      "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void daemon_stop(pid_t *pid)
{
	int i;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (i = 0; i < 500 && waitpid(*pid, NULL, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 500) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/* Lines of the daemon's log with "<dev>: <what>". */
static int log_count(FIXTURE_DATA(mq) *self, const char *dev,
		     const char *what)
{
	char needle[256], line[1024];
	FILE *f = fopen(self->log, "r");
	int n = 0;

	if (!f)
		return 0;
	snprintf(needle, sizeof(needle), "%s: %s", dev, what);
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	fclose(f);
	return n;
}

/* The daemon's error lines about DEV_A ("vubridged: error: mqa: ..."). */
static int log_errors(FIXTURE_DATA(mq) *self)
{
	char line[1024];
	FILE *f = fopen(self->log, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, "error: " DEV_A ": ");
	fclose(f);
	return n;
}

static int log_wait(FIXTURE_DATA(mq) *self, const char *what, int n,
		    int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (log_count(self, DEV_A, what) < n) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(50000);
	}
	return 0;
}

/* The MAC and negotiated features `vdpa dev config show` gives. */
static int dev_show(const char *dev, uint8_t mac[6], char *features,
		    size_t cap)
{
	char out[2048], one[18], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev config show %s", dev))
		return -EIO;
	p = strstr(out, "mac ");
	if (!p)
		return -ENOENT;
	snprintf(one, sizeof(one), "%s", p + 4);
	if (mac_parse(one, mac))
		return -ENOENT;
	if (features) {
		p = strstr(out, "negotiated_features");
		snprintf(features, cap, "%s", p ? p : "");
	}
	return 0;
}

/* Interrupts the module signalled for queue @q (netlink QUEUE_GET). */
static long queue_interrupts(const char *dev, uint32_t q)
{
	struct vub_nl_rec r;
	struct vub_nl nl;
	long v = -1;

	if (vub_nl_open(&nl))
		return -1;
	if (!vub_nl_queue_get(&nl, dev, q, &r) &&
	    vub_nl_has(&r, VUB_ATTR_QUEUE_INTERRUPTS))
		v = (long)r.val[VUB_ATTR_QUEUE_INTERRUPTS];
	vub_nl_close(&nl);
	return v;
}

/*
 * The peer sends FLOWS frames of distinct flows to @dst; what arrived on
 * each RX queue since @before goes to @got (the test's rings) and @irq
 * (the module's interrupt counters of RX queues 0 and 2).
 */
static int flows(struct __test_metadata *_metadata, FIXTURE_DATA(mq) *self,
		 const uint8_t dst[6], uint32_t first,
		 unsigned int got[VMQ_PAIRS], long irq[2])
{
	unsigned int before[VMQ_PAIRS], i;
	long i0 = queue_interrupts(DEV_A, 0), i2 = queue_interrupts(DEV_A, 2);
	int ret, t;

	memcpy(before, self->m.ours, sizeof(before));
	ret = net_peer_send_flows(&self->peer, dst, first, FLOWS);
	if (ret) {
		TH_LOG("sending: %s", strerror(-ret));
		return ret;
	}
	for (t = 0; t < 30; t++) {
		usleep(100000);
		ret = vmq_poll_rx(&self->m);
		if (ret) {
			TH_LOG("%s", self->m.err);
			return ret;
		}
	}
	for (i = 0; i < VMQ_PAIRS; i++)
		got[i] = self->m.ours[i] - before[i];
	irq[0] = queue_interrupts(DEV_A, 0) - i0;
	irq[1] = queue_interrupts(DEV_A, 2) - i2;
	return 0;
}

FIXTURE_SETUP(mq)
{
	char mgmt[2][VUB_MGMT_LEN];
	const char *res = getenv("VUB_RESULTS");
	int n;

	self->daemon = -1;
	self->made = false;
	vmq_init(&self->m, VMQ_QEMU);
	net_peer_init(&self->peer);
	VUBT_REQUIRE_ENV();
	n = vub_vp_vdpa_mq_mgmtdevs(mgmt, 2);
	if (n < 2)
		SKIP(return, "%d multi-queue NICs (%s), need 2: scripts/vm/run.sh --mq-nics",
		     n, vub_env_err());
	self->made = true;
	n = vub_mq_nic_create(DEV_A, mgmt[0]);
	if (n == -ENODEV)
		SKIP(return, "%s: vp_vdpa does not get the NIC's queues", vub_env_err());
	ASSERT_OK(n);
	n = net_peer_up(&self->peer, DEV_B, mgmt[1]);
	if (n == -ENODEV)
		SKIP(return, "%s: vp_vdpa does not get the NIC's queues", vub_env_err());
	ASSERT_OK(n);
	/* one log per test: the counts below are this test's */
	snprintf(self->log, sizeof(self->log), "%s/vubridged-%s.log",
		 res ? res : "/tmp", _metadata->name);
	unlink(self->log);
	snprintf(self->sock, sizeof(self->sock), SOCK_DIR "/%s.sock", DEV_A);
	self->daemon = daemon_start(self->log);
	if (self->daemon == -ENOENT)
		SKIP(return, "build/daemon/vubridged missing: make -C daemon");
	ASSERT_LT(0, self->daemon);
	ASSERT_EQ(0, vub_wait_path(self->sock, true, 10000));
}

/*
 * Runs in the parent: the test's heap and fds (rings, guest memory, the
 * front-end's socket, the peer's socket) ended with the child that ran it,
 * and freeing them here would free another process's pointers. Only what
 * outlives the child is undone: the daemon and the vDPA devices.
 */
FIXTURE_TEARDOWN_PARENT(mq)
{
	daemon_stop(&self->daemon);
	if (self->made) {
		vub_vdpa_dev_del(DEV_A);
		vub_vdpa_dev_del(DEV_B);
	}
	vub_vdpa_dev_del(DEV_SIM);
}

/*
 * crosvm: every queue the guest made ready, the control queue (index
 * 2 * max pairs) included, is the back-end's. The daemon's standby ring
 * gives way when the control queue is enabled; the guest's own commands
 * then set the pair count and the MAC on the device.
 */
TEST_F_TIMEOUT(mq, crosvm_control_queue_passthrough, 300)
{
	uint8_t ack, mac[6], pairs[2] = { 2, 0 };
	unsigned int got[VMQ_PAIRS];
	long irq[2];

	vmq_init(&self->m, VMQ_CROSVM);
	ASSERT_EQ(0, vmq_connect(&self->m, self->sock, GUEST_F | GUEST_CTRL_F)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_LE(2, self->m.max_pairs);
	/* crosvm makes that many queues: every pair and the control queue */
	EXPECT_EQ(2u * self->m.max_pairs + 1, self->m.queue_num);
	ASSERT_NE(0, self->m.acked & F(VIRTIO_NET_F_CTRL_VQ));
	ASSERT_EQ(0, vmq_rings(&self->m, self->m.max_pairs < VMQ_PAIRS ?
			       self->m.max_pairs : VMQ_PAIRS)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vmq_activate(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, log_wait(self, "control queue: the front-end runs it now",
			      1, 120000));

	/* the guest's driver sets two pairs and its MAC (virtnet_probe) */
	ASSERT_EQ(0, vmq_ctrl(&self->m, VIRTIO_NET_CTRL_MQ,
			      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, pairs, 2, &ack)) {
		TH_LOG("%s", self->m.err);
	}
	EXPECT_EQ(VIRTIO_NET_OK, ack);
	ASSERT_EQ(0, vmq_ctrl(&self->m, VIRTIO_NET_CTRL_MAC,
			      VIRTIO_NET_CTRL_MAC_ADDR_SET, guest_mac, 6, &ack)) {
		TH_LOG("%s", self->m.err);
	}
	EXPECT_EQ(VIRTIO_NET_OK, ack);
	ASSERT_EQ(0, dev_show(DEV_A, mac, NULL, 0));
	EXPECT_EQ(0, memcmp(mac, guest_mac, 6));

	ASSERT_EQ(0, flows(_metadata, self, guest_mac, 0, got, irq));
	printf("# crosvm, 2 pairs: flow frames on RX 0-3: %u %u %u %u; module interrupts RX 0: %ld, RX 1: %ld\n",
	       got[0], got[1], got[2], got[3], irq[0], irq[1]);
	EXPECT_LT(0u, got[0]);
	EXPECT_LT(0u, got[1]);
	EXPECT_EQ(0u, got[2] + got[3]);
	EXPECT_LT(0, irq[1]);

	pairs[0] = 1;
	ASSERT_EQ(0, vmq_ctrl(&self->m, VIRTIO_NET_CTRL_MQ,
			      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, pairs, 2, &ack)) {
		TH_LOG("%s", self->m.err);
	}
	EXPECT_EQ(VIRTIO_NET_OK, ack);
	ASSERT_EQ(0, flows(_metadata, self, guest_mac, 1000, got, irq));
	printf("# crosvm, 1 pair: flow frames on RX 0-3: %u %u %u %u; module interrupts RX 0: %ld, RX 1: %ld\n",
	       got[0], got[1], got[2], got[3], irq[0], irq[1]);
	EXPECT_LT(0u, got[0]);
	EXPECT_EQ(0u, got[1] + got[2] + got[3]);
	EXPECT_EQ(0, irq[1]);

	/* crosvm's reset: ENABLE 0 and GET_VRING_BASE of every ring */
	EXPECT_EQ(0, vmq_stop(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	EXPECT_EQ(0, log_errors(self));
}

/*
 * cloud-hypervisor with num_queues=4: CTRL_VQ and MQ acknowledged, the
 * control queue kept in the VMM (which acks the guest's VQ_PAIRS_SET
 * itself), both pairs' rings enabled. The device gets the two pairs from
 * the daemon.
 */
TEST_F_TIMEOUT(mq, cloud_hypervisor_enabled_pairs, 300)
{
	unsigned int got[VMQ_PAIRS];
	long irq[2];

	vmq_init(&self->m, VMQ_CLOUD_HYPERVISOR);
	ASSERT_EQ(0, vmq_connect(&self->m, self->sock,
				 GUEST_F | F(VIRTIO_NET_F_CTRL_VQ))) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_LE(2, self->m.max_pairs);
	/* its check: the data queues it was given fit the back-end's count */
	EXPECT_LE(4u, self->m.queue_num);
	ASSERT_NE(0, self->m.acked & F(VIRTIO_NET_F_CTRL_VQ));
	ASSERT_EQ(0, vmq_rings(&self->m, 2)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vmq_activate(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, log_wait(self, "control queue: VQ_PAIRS_SET 2", 1,
			      120000));
	EXPECT_EQ(0, log_count(self, DEV_A, "control queue: MAC_ADDR_SET"));

	ASSERT_EQ(0, flows(_metadata, self, self->m.mac, 2000, got, irq));
	printf("# cloud-hypervisor, 2 pairs enabled: flow frames on RX 0: %u, RX 1: %u; module interrupts RX 0: %ld, RX 1: %ld\n",
	       got[0], got[1], irq[0], irq[1]);
	EXPECT_LT(0u, got[0]);
	EXPECT_LT(0u, got[1]);
	EXPECT_LT(0, irq[1]);
	EXPECT_EQ(0, vmq_stop(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	EXPECT_EQ(0, log_errors(self));
}

/* SET_CONFIG of the MAC, QEMU's way (NEED_REPLY). */
static int set_mac(struct vmq *m, const uint8_t mac[6])
{
	struct vu_config c;

	memset(&c, 0, sizeof(c));
	c.size = 6;
	c.flags = VU_CONFIG_F_WRITABLE;
	memcpy(c.data, mac, 6);
	return vmq_call(m, VU_SET_CONFIG, &c, VU_CONFIG_HDR + 6, NULL, 0,
			NULL, NULL);
}

/*
 * QEMU's way (CTRL_VQ not acknowledged): two pairs enabled, a MAC written
 * with SET_CONFIG, the state saved, the session ended (the device gets the
 * operator's MAC back), a new session loads the state: the device has the
 * MAC and two pairs again. Also: the daemon negotiated CTRL_VQ with the
 * device for the MQ it passes on.
 */
TEST_F_TIMEOUT(mq, snapshot_restore_keeps_mac_and_pairs, 300)
{
	uint8_t mac[6], op_mac[6], *blob = NULL;
	char feat[1024];
	unsigned int got[VMQ_PAIRS];
	size_t len = 0;
	long irq[2];
	int pairs2;

	ASSERT_EQ(0, dev_show(DEV_A, op_mac, NULL, 0));
	vmq_init(&self->m, VMQ_QEMU);
	ASSERT_EQ(0, vmq_connect(&self->m, self->sock, GUEST_F)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, self->m.acked & F(VIRTIO_NET_F_CTRL_VQ));
	ASSERT_EQ(0, vmq_rings(&self->m, 2)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vmq_activate(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, log_wait(self, "control queue: VQ_PAIRS_SET 2", 1, 120000));
	ASSERT_EQ(0, set_mac(&self->m, saved_mac)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, dev_show(DEV_A, mac, feat, sizeof(feat)));
	EXPECT_EQ(0, memcmp(mac, saved_mac, 6));
	TH_LOG("device: %s", feat);
	EXPECT_NE(NULL, strstr(feat, "CTRL_VQ"));
	EXPECT_NE(NULL, strstr(feat, " MQ"));

	/* save (rings stopped first, as QEMU does), end the session */
	ASSERT_EQ(0, vmq_stop(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vu_fe_save_state(&self->m.fe, &blob, &len));
	vmq_fini(&self->m);
	ASSERT_EQ(0, log_wait(self, "front-end disconnected", 1, 30000));
	ASSERT_EQ(0, dev_show(DEV_A, mac, NULL, 0));
	EXPECT_EQ(0, memcmp(mac, op_mac, 6));
	pairs2 = log_count(self, DEV_A, "control queue: VQ_PAIRS_SET 2");

	/* a new session loads it */
	vmq_init(&self->m, VMQ_QEMU);
	ASSERT_EQ(0, vmq_connect(&self->m, self->sock, GUEST_F)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vu_fe_load_state(&self->m.fe, blob, len));
	free(blob);
	ASSERT_EQ(0, log_wait(self, "control queue: restored 2 queue pairs", 1,
			      10000));
	ASSERT_EQ(0, vmq_rings(&self->m, 2)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, vmq_activate(&self->m)) {
		TH_LOG("%s", self->m.err);
	}
	ASSERT_EQ(0, log_wait(self, "control queue: VQ_PAIRS_SET 2",
			      pairs2 + 1, 120000));
	ASSERT_EQ(0, dev_show(DEV_A, mac, NULL, 0));
	EXPECT_EQ(0, memcmp(mac, saved_mac, 6));
	ASSERT_EQ(0, flows(_metadata, self, saved_mac, 3000, got, irq));
	printf("# QEMU's way after restore: flow frames on RX 0: %u, RX 1: %u; module interrupts RX 0: %ld, RX 1: %ld\n",
	       got[0], got[1], irq[0], irq[1]);
	EXPECT_LT(0u, got[0]);
	EXPECT_LT(0u, got[1]);
	EXPECT_EQ(0, log_errors(self));
}

/* FEATURES_OK with @f written to @dev's file: 1 kept, 0 refused. */
static int features_ok(const char *dev, uint64_t f)
{
	struct vub_device_info info;
	char node[256];
	uint8_t st;
	int fd, ret;

	vub_node_path(dev, node, sizeof(node));
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, VUB_GET_DEVICE_INFO, &info);
	f &= info.device_features;
	/* the platform's DMA: the device needs it when it offers it */
	f |= info.device_features & F(VIRTIO_F_ACCESS_PLATFORM);
	st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	if (!ret)
		ret = ioctl(fd, VUB_SET_STATUS, &st);
	if (!ret)
		ret = ioctl(fd, VUB_SET_FEATURES, &f);
	if (ret) {
		ret = -errno;
		close(fd);
		return ret == -EINVAL ? 0 : ret;
	}
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	ret = ioctl(fd, VUB_SET_STATUS, &st);
	st = 0;
	if (!ret)
		ret = ioctl(fd, VUB_GET_STATUS, &st);
	ret = ret ? -errno : !!(st & VIRTIO_CONFIG_S_FEATURES_OK);
	close(fd);
	return ret;
}

/*
 * The rules the test devices enforce (mlx5_vdpa refuses MQ, CTRL_RX,
 * CTRL_VLAN, GUEST_ANNOUNCE or CTRL_MAC_ADDR without CTRL_VQ; the host
 * tests' fake device does too): QEMU's virtio-net under vp_vdpa and
 * vdpa_sim_net accept them without CTRL_VQ, so only the host tests prove
 * the daemon's answer to that rule; here the daemon's negotiation is
 * checked in snapshot_restore_keeps_mac_and_pairs.
 */
TEST_F_TIMEOUT(mq, feature_rules_of_the_test_devices, 120)
{
	uint64_t base = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC);

	daemon_stop(&self->daemon);
	EXPECT_EQ(1, features_ok(DEV_A, base | F(VIRTIO_NET_F_MQ)));
	EXPECT_EQ(1, features_ok(DEV_A, base | F(VIRTIO_NET_F_CTRL_RX) |
				 F(VIRTIO_NET_F_CTRL_MAC_ADDR)));
	EXPECT_EQ(1, features_ok(DEV_A, base | F(VIRTIO_NET_F_MQ) |
				 F(VIRTIO_NET_F_CTRL_VQ)));
	if (vub_modules_load_all())
		SKIP(return, "vdpa_sim_net not loadable (%s)", vub_env_err());
	ASSERT_OK(vub_sim_dev_create(DEV_SIM, "vdpasim_net", NULL));
	EXPECT_EQ(1, features_ok(DEV_SIM, base |
				 F(VIRTIO_NET_F_CTRL_MAC_ADDR)));
}

TEST_HARNESS_MAIN
