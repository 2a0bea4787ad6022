// SPDX-License-Identifier: GPL-2.0
/*
 * 98-qemu-mq.c - real QEMU with a multi-queue virtio-net-pci (mq=on, a
 * vhost-user netdev of queues=2) through vubridged on a multi-queue NIC:
 * vp_vdpa over the test VM's first mq=on NIC (scripts/vm/run.sh
 * --mq-nics). This program is the guest's driver over qtest: it negotiates
 * MQ and CTRL_VQ with QEMU's virtio-net and sets the pair count through
 * QEMU's control queue, as Linux's virtio_net does for `ethtool -L`.
 *
 * QEMU keeps that control queue for itself and turns VQ_PAIRS_SET into
 * SET_VRING_ENABLE on pair 1; vubridged turns that into VQ_PAIRS_SET on
 * the NIC's control queue, which it runs itself. The NIC's side shows it:
 * the VM's second mq NIC (a kernel virtio_net netdev over virtio_vdpa,
 * the peer across the host bridge) sends frames of many flows, and they
 * arrive on both RX queues only while the NIC has two pairs (QEMU on the
 * host attaches one tap queue per active pair). Frames sent on both TX
 * queues reach the peer; the module's per-queue counters (logged by the
 * daemon when the queues stop) show each queue worked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_frame.h"
#include "net_peer.h"
#include "qemu_mq.h"
#include "qemu_vm.h"
#include "vub_test.h"

#define DEV_A		"mqa"
#define DEV_B		"mqb"
#define FLOWS		64
#define CONNECT_MS	30000

FIXTURE(qmq) {
	struct qvm vm;
	struct vubd d;
	struct qmq n;
	struct net_peer peer;	/* DEV_B: a kernel netdev under virtio_vdpa */
	bool made;
};

static long peer_rx_packets(FIXTURE_DATA(qmq) *self)
{
	char path[256];
	long v = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
		 self->peer.ifname);
	vub_read_long(path, &v);
	return v;
}

/* The peer sends FLOWS frames, one per flow, to the QEMU NIC; then what
 * arrived on each RX queue is counted. */
static void peer_sends(struct __test_metadata *_metadata,
		       FIXTURE_DATA(qmq) *self, unsigned int base)
{
	ASSERT_EQ(0, net_peer_send_flows(&self->peer, self->n.mac, base,
					 FLOWS));
	usleep(1500000);
	ASSERT_EQ(0, qmq_poll_rx(&self->n)) {
		TH_LOG("%s", self->n.err);
	}
}

static int dev_mac(const char *dev, uint8_t mac[6])
{
	char out[1024], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev config show %s", dev))
		return -EIO;
	p = strstr(out, "mac ");
	if (!p)
		return -ENOENT;
	p[4 + 17] = 0;
	return mac_parse(p + 4, mac);
}

FIXTURE_SETUP(qmq)
{
	char mgmt[2][VUB_MGMT_LEN];
	int n;

	self->vm.pid = -1;
	self->d.pid = -1;
	net_peer_init(&self->peer);
	self->made = false;
	VUBT_REQUIRE_ENV();
	if (qvm_find(&self->vm, &qvm_qemu_10_0))
		SKIP(return, "%s", self->vm.err);
	n = vub_vp_vdpa_mq_mgmtdevs(mgmt, 2);
	if (n < 2)
		SKIP(return, "%d multi-queue NICs (%s), need 2: scripts/vm/run.sh --mq-nics",
		     n, vub_env_err());
	self->made = true;
	ASSERT_OK(vub_mq_nic_create(DEV_A, mgmt[0]));
	ASSERT_OK(net_peer_up(&self->peer, DEV_B, mgmt[1]));
	if (vubd_start(&self->d, "vubridged-qemu-mq.log") == -ENOENT)
		SKIP(return, "%s", self->d.err);
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV_A, "listening on", 1,
				     10000));
}

FIXTURE_TEARDOWN_PARENT(qmq)
{
	qvm_stop(&self->vm);
	vubd_stop(&self->d, SIGTERM);
	/* The peer's socket ended with the child that ran the test. */
	if (self->made) {
		vub_vdpa_dev_del(DEV_A);
		vub_vdpa_dev_del(DEV_B);
	}
}

TEST_F_TIMEOUT(qmq, pairs_through_the_guests_control_queue, 600)
{
	char chr[256], dev[256], mac[18], out[2048];
	uint8_t mac_a[6];
	const char *extra[] = {
		"-chardev", chr,
		"-netdev", "vhost-user,id=hn0,chardev=vu0,queues=2",
		"-device", dev,
		NULL,
	};
	unsigned int before[QMQ_PAIRS];
	long rx0, rx1;

	ASSERT_EQ(0, dev_mac(DEV_A, mac_a));
	mac_format(mac_a, mac);
	snprintf(chr, sizeof(chr), "socket,id=vu0,path=%s/%s.sock,%s",
		 QVM_DIR, DEV_A, qvm_qemu_10_0.reconnect);
	snprintf(dev, sizeof(dev),
		 "virtio-net-pci,id=net0,netdev=hn0,mq=on,mac=%s,disable-legacy=on,romfile=",
		 mac);
	ASSERT_EQ(0, qvm_start(&self->vm, "qemu-mq", extra)) {
		TH_LOG("%s", self->vm.err);
	}
	ASSERT_EQ(0, qmq_up(&self->n, &self->vm.qt)) {
		TH_LOG("%s", self->n.err);
	}
	/* One pair: the daemon set the device's count at DRIVER_OK. */
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV_A,
				     "control queue: VQ_PAIRS_SET 1", 1, 60000));
	peer_sends(_metadata, self, 0);
	printf("# one pair: %u frames on RX 0, %u on RX 1 (%u, %u others)\n",
	       self->n.ours[0], self->n.ours[1], self->n.other[0],
	       self->n.other[1]);
	EXPECT_LT(0, self->n.ours[0]);
	EXPECT_EQ(0, self->n.ours[1]);

	/* The guest asks for two pairs through QEMU's control queue. */
	ASSERT_EQ(0, qmq_set_pairs(&self->n, 2)) {
		TH_LOG("%s", self->n.err);
	}
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV_A,
				     "control queue: VQ_PAIRS_SET 2", 1, 60000));
	memcpy(before, self->n.ours, sizeof(before));
	peer_sends(_metadata, self, 1000);
	printf("# two pairs: %u frames on RX 0, %u on RX 1 (%u, %u others)\n",
	       self->n.ours[0] - before[0], self->n.ours[1] - before[1],
	       self->n.other[0], self->n.other[1]);
	EXPECT_LT(before[0], self->n.ours[0]);
	EXPECT_LT(before[1], self->n.ours[1]) {
		TH_LOG("no frame on RX 1: the NIC does not use pair 1");
	}
	/* Both TX queues reach the peer. */
	rx0 = peer_rx_packets(self);
	ASSERT_EQ(0, qmq_send(&self->n, 0, self->peer.mac, 16)) {
		TH_LOG("%s", self->n.err);
	}
	ASSERT_EQ(0, qmq_send(&self->n, 1, self->peer.mac, 16)) {
		TH_LOG("%s", self->n.err);
	}
	usleep(1000000);
	rx1 = peer_rx_packets(self);
	printf("# two pairs: 16 frames sent on TX 0 and 16 on TX 1, the peer received %ld\n",
	       rx1 - rx0);
	EXPECT_LE(32, rx1 - rx0);

	/* Back to one pair. */
	ASSERT_EQ(0, qmq_set_pairs(&self->n, 1)) {
		TH_LOG("%s", self->n.err);
	}
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV_A,
				     "control queue: VQ_PAIRS_SET 1", 2, 60000));
	memcpy(before, self->n.ours, sizeof(before));
	peer_sends(_metadata, self, 2000);
	printf("# one pair again: %u frames on RX 0, %u on RX 1\n",
	       self->n.ours[0] - before[0], self->n.ours[1] - before[1]);
	EXPECT_LT(before[0], self->n.ours[0]);
	EXPECT_EQ(before[1], self->n.ours[1]);

	/* The module's per-queue counters, logged as the queues stop. */
	qvm_stop(&self->vm);
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV_A, "front-end disconnected",
				     1, CONNECT_MS));
	if (!vub_sh_out(out, sizeof(out),
			"grep -E '%s: queue [0-9]+: [0-9]+ kicks' %s | tail -4",
			DEV_A, self->d.log))
		printf("# module counters (last stop):\n# %s\n", out);
	EXPECT_EQ(0, vubd_errors(&self->d, DEV_A));
}

TEST_HARNESS_MAIN
