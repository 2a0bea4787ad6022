// SPDX-License-Identifier: GPL-2.0
/*
 * 97-dpdk-mq.c - DPDK's testpmd with two queue pairs per port through
 * vubridged on multi-queue NICs: vp_vdpa over the VM's two virtio-net-pci
 * NICs with mq=on (4 pairs and a control queue each, every pair backed by a
 * queue of a multi-queue tap; a host bridge joins the two taps:
 * scripts/vm/run.sh --mq-nics).
 *
 * testpmd keeps the guest's control queue for itself (virtio-user never
 * acknowledges CTRL_VQ) and enables pair 1 with SET_VRING_ENABLE; vubridged
 * negotiates CTRL_VQ with the device, runs its control queue and sends
 * VQ_PAIRS_SET 2. That the device took it is seen on the device's side:
 * QEMU attaches a tap queue per active pair, and frames of many flows
 * (--txonly-multi-flow) arrive on both RX queues of each port only when
 * the device has two pairs. Then testpmd goes down to one pair (port
 * stop, rxq/txq 1, port start): VQ_PAIRS_SET 1, and every frame arrives
 * on queue 0.
 *
 * Proof per queue: testpmd's per-queue counters (show port xstats) and
 * the module's per-queue kick counters (generic netlink QUEUE_GET), both
 * sampled over the same window. The NICs' vDPA devices count all nine
 * queues because vub_mq_nic_create() primes QEMU's virtio-net with MQ
 * before vp_vdpa counts them (selftests/lib/virtio_pci_prime.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpdk_daemon.h"
#include "dpdk_testpmd.h"
#include "vub_nl.h"
#include "vub_test.h"

#define DEV_A		"mqa"
#define DEV_B		"mqb"
#define HUGEPAGES	96
#define TP_START_MS	120000
#define WINDOW_MS	4000
#define PAIRS		2

FIXTURE(mq) {
	struct vubd d;
	struct testpmd tp;
	char mac[2][18];
	bool huge, made;
};

/* The MAC of vDPA device @dev ("vdpa dev config show"). */
static int dev_mac(const char *dev, char *mac, size_t cap)
{
	char out[1024], *p;

	if (vub_sh_out(out, sizeof(out), "vdpa dev config show %s", dev))
		return -EIO;
	p = strstr(out, "mac ");
	if (!p || cap < 18)
		return -ENOENT;
	memcpy(mac, p + 4, 17);
	mac[17] = 0;
	return 0;
}

/* Does the output of @cmd name @word, as a whole word? */
static int out_has(const char *cmd, const char *word)
{
	char out[4096], *p;
	size_t n = strlen(word);

	if (vub_sh_out(out, sizeof(out), "%s", cmd))
		return -EIO;
	for (p = out; (p = strstr(p, word)); p += n)
		if ((p == out || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

FIXTURE_SETUP(mq)
{
	char mgmt[2][VUB_MGMT_LEN], cmd[128];
	const char *names[2] = { DEV_A, DEV_B };
	int n, i;

	self->d.pid = -1;
	tp_init(&self->tp);
	self->huge = self->made = false;
	if (vub_sh("command -v " TP_BIN " >/dev/null"))
		SKIP(return, "no " TP_BIN ": scripts/deps.sh");
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s)", vub_env_err());
	n = vub_vp_vdpa_mq_mgmtdevs(mgmt, 2);
	if (n < 2)
		SKIP(return, "%d multi-queue NICs (%s), need 2: scripts/vm/run.sh --mq-nics",
		     n, vub_env_err());
	self->made = true;
	for (i = 0; i < 2; i++) {
		n = vub_mq_nic_create(names[i], mgmt[i]);
		ASSERT_EQ(0, n) {
			TH_LOG("%s", vub_env_err());
		}
		ASSERT_EQ(0, dev_mac(names[i], self->mac[i],
				     sizeof(self->mac[i])));
	}
	/* A NIC with 4 pairs and a control queue. */
	snprintf(cmd, sizeof(cmd), "vdpa mgmtdev show %s", mgmt[0]);
	ASSERT_EQ(1, out_has(cmd, "CTRL_VQ"));
	ASSERT_EQ(1, out_has(cmd, "MQ"));
	ASSERT_EQ(0, vub_sh("vdpa dev config show " DEV_A " | grep -q 'max_vq_pairs 4'")) {
		TH_LOG("max_vq_pairs is not 4: run.sh gives the tap queues=4");
	}
	ASSERT_EQ(0, tp_hugepages(HUGEPAGES));
	self->huge = true;
	mkdir(VD_SOCK_DIR, 0755);
}

FIXTURE_TEARDOWN(mq)
{
	tp_fini(&self->tp);
	vd_stop(&self->d, SIGTERM);
	if (self->made) {
		vub_vdpa_dev_del(DEV_A);
		vub_vdpa_dev_del(DEV_B);
	}
	if (self->huge)
		tp_hugepages(0);
}

/* The module's kick and interrupt counters of queue @q of @dev (the
 * generic-netlink QUEUE_GET the operator's vubctl reads). */
static int mod_counters(const char *dev, unsigned int q, uint64_t *kicks,
			uint64_t *irqs)
{
	struct vub_nl_rec r;
	struct vub_nl n;
	int ret;

	ret = vub_nl_open(&n);
	if (ret)
		return ret;
	ret = vub_nl_queue_get(&n, dev, q, &r);
	vub_nl_close(&n);
	if (ret)
		return ret;
	if (!vub_nl_has(&r, VUB_ATTR_QUEUE_KICKS) ||
	    !vub_nl_has(&r, VUB_ATTR_QUEUE_INTERRUPTS))
		return -ENODATA;
	*kicks = r.val[VUB_ATTR_QUEUE_KICKS];
	*irqs = r.val[VUB_ATTR_QUEUE_INTERRUPTS];
	return 0;
}

/*
 * Frames per queue of both ports over WINDOW_MS, from testpmd and from the
 * module: every queue of the @active pairs carries frames and its TX queue
 * was kicked through the module; the queues of the pairs above stay
 * silent on the device (no kick reaches them).
 */
static void per_queue(struct __test_metadata *_metadata,
		      FIXTURE_DATA(mq) *self, unsigned int active,
		      const char *phase)
{
	const char *devs[2] = { DEV_A, DEV_B };
	uint64_t rx[2][2][PAIRS], tx[2][2][PAIRS];
	uint64_t kick[2][2][2 * PAIRS], irq[2][2][2 * PAIRS];
	unsigned int s, p, q;

	for (s = 0; s < 2; s++) {
		if (s)
			usleep(WINDOW_MS * 1000);
		for (p = 0; p < 2; p++) {
			ASSERT_EQ(0, tp_queue_stats(&self->tp, p, active,
						    rx[s][p], tx[s][p])) {
				TH_LOG("%s: %s", phase, self->tp.err);
			}
			for (q = 0; q < 2 * PAIRS; q++)
				ASSERT_EQ(0, mod_counters(devs[p], q,
							  &kick[s][p][q],
							  &irq[s][p][q])) {
					TH_LOG("%s: no module counters of %s queue %u",
					       phase, devs[p], q);
				}
		}
	}
	for (p = 0; p < 2; p++) {
		for (q = 0; q < active; q++) {
			uint64_t r = rx[1][p][q] - rx[0][p][q];
			uint64_t t = tx[1][p][q] - tx[0][p][q];

			printf("# %s: port %u (%s) queue %u: %" PRIu64
			       " frames received, %" PRIu64 " sent in %d ms (%" PRIu64
			       " / %" PRIu64 " in all)\n", phase, p,
			       devs[p], q, r, t, WINDOW_MS,
			       rx[1][p][q], tx[1][p][q]);
			EXPECT_LT(0, r) {
				TH_LOG("%s: port %u RX queue %u got nothing: the device does not use pair %u",
				       phase, p, q, q);
			}
			EXPECT_LT(0, t) {
				TH_LOG("%s: port %u TX queue %u sent nothing",
				       phase, p, q);
			}
		}
		for (q = 0; q < 2 * PAIRS; q++) {
			uint64_t k = kick[1][p][q] - kick[0][p][q];
			uint64_t i = irq[1][p][q] - irq[0][p][q];

			printf("# %s: %s queue %u (%s %u): module counted %" PRIu64
			       " kicks, %" PRIu64 " interrupts in the window\n",
			       phase, devs[p], q, q & 1 ? "TX" : "RX", q / 2, k, i);
			if (q / 2 >= active) {
				EXPECT_EQ(0, k) {
					TH_LOG("%s: %s queue %u of an inactive pair was kicked",
					       phase, devs[p], q);
				}
			} else if (q & 1) {
				EXPECT_LT(0, k);
			}
		}
	}
	fflush(stdout);
}

TEST_F_TIMEOUT(mq, testpmd_two_pairs, 500)
{
	const char *devs[2] = { DEV_A, DEV_B };
	struct tp_opts o = {
		.sock = VD_SOCK_DIR "/" DEV_A ".sock",
		.mac = self->mac[0],
		.sock2 = VD_SOCK_DIR "/" DEV_B ".sock",
		.mac2 = self->mac[1],
		.queues = PAIRS,
		.tag = "mq",
	};
	size_t from;
	int i;

	ASSERT_EQ(0, vd_start_devs(&self->d, devs, 2, NULL, "mq")) {
		TH_LOG("%s", self->d.err);
	}
	ASSERT_EQ(0, tp_start(&self->tp, &o, TP_START_MS)) {
		TH_LOG("%s; its output:\n%s", self->tp.err,
		       self->tp.buf ? self->tp.buf : "(none)");
	}
	for (i = 0; i < 2; i++) {
		char cmd[96];

		/* The daemon's control queue told the device. */
		ASSERT_EQ(0, vd_wait_log(&self->d, 0, i ? DEV_B ": control queue: VQ_PAIRS_SET 2" :
					 DEV_A ": control queue: VQ_PAIRS_SET 2", 30000)) {
			TH_LOG("%s", self->d.err);
		}
		/* CTRL_VQ and MQ negotiated on the device (the front-end
		 * acknowledged MQ only). */
		snprintf(cmd, sizeof(cmd), "vdpa dev config show %s", devs[i]);
		EXPECT_EQ(1, out_has(cmd, "CTRL_VQ"));
		EXPECT_EQ(1, out_has(cmd, "MQ"));
	}
	ASSERT_EQ(0, tp_cmd(&self->tp, "start tx_first 8", 10000, NULL));
	per_queue(_metadata, self, PAIRS, "two pairs");

	/* Down to one pair: the device hears VQ_PAIRS_SET 1. */
	ASSERT_EQ(0, tp_cmd(&self->tp, "stop", 10000, NULL));
	ASSERT_EQ(0, tp_cmd(&self->tp, "port stop all", 30000, NULL));
	ASSERT_EQ(0, tp_cmd(&self->tp, "port config all rxq 1", 10000, NULL));
	ASSERT_EQ(0, tp_cmd(&self->tp, "port config all txq 1", 10000, NULL));
	from = vd_log_size(&self->d);
	ASSERT_EQ(0, tp_cmd(&self->tp, "port start all", 60000, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vd_wait_log(&self->d, from, i ? DEV_B ": control queue: VQ_PAIRS_SET 1" :
					 DEV_A ": control queue: VQ_PAIRS_SET 1", 30000)) {
			TH_LOG("%s", self->d.err);
		}
	ASSERT_EQ(0, tp_cmd(&self->tp, "start tx_first 8", 10000, NULL));
	per_queue(_metadata, self, 1, "one pair");
	ASSERT_EQ(0, tp_quit(&self->tp, 30000)) {
		TH_LOG("%s", self->tp.err);
	}
}

TEST_HARNESS_MAIN
