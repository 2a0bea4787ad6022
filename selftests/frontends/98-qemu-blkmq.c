// SPDX-License-Identifier: GPL-2.0
/*
 * 98-qemu-blkmq.c - real QEMU's vhost-user-blk-pci with several queues
 * (num-queues=2 and 4) through vubridged on a multi-queue blk device: vp_vdpa
 * over the test VM's 4-queue virtio-blk-pci (scripts/vm/run.sh --mq-blk,
 * backed by an image file on the host).
 *
 * This program is the guest's virtio-blk driver over qtest: it negotiates
 * VIRTIO_BLK_F_MQ, reads num_queues from the config space QEMU shows the
 * guest, sets up every queue and keeps one request in flight on each at
 * once. Each queue writes its own pattern; another queue reads it back, so
 * every request went through the device and its disk. The module's
 * per-queue counters (netlink QUEUE_GET) show interrupts on every queue
 * the front-end started and none on the device's queues it did not.
 *
 * Also: a device reset by the guest's driver, and a machine reset, each
 * followed by a second bring-up of all queues; and QEMU 10.0 with one queue
 * more than the device has: QEMU refuses it at realize, naming the
 * back-end's maximum, and vubridged keeps serving the device. The cases
 * (below) run one after the other in one test: a fixture per case would
 * set the device up again each time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blk_req.h"
#include "qemu_blk.h"
#include "qemu_vm.h"
#include "vub_nl.h"
#include "vub_test.h"

#define DEV		"vqbmq"
#define DEV_QUEUES	4u	/* run.sh --mq-blk: num-queues=4 */
#define ROUNDS		2	/* requests per queue per phase */
#define IO_MS		10000
#define CONNECT_MS	30000

FIXTURE(qbmq) {
	struct vubt_watch w;
	struct qvm vm;
	struct vubd d;
	struct qblk blk;
	struct vub_nl nl;
	uint64_t kicks[DEV_QUEUES], irqs[DEV_QUEUES];
	const struct blk_case *c;	/* the one running */
	char bin[2][512];		/* 7.2, 10.0 (from qvm_find()) */
	char tag[64];
	int connects;	/* "front-end connected" lines before our QEMU */
	int64_t t0;
	bool made;
};

/*
 * The front-ends, one after the other on one device and one daemon
 * (QEMU takes 20-120 s to start in the test VM, and setting the device up
 * costs as much): 7.2 on every queue of the device, 10.0 on some and on
 * all of them; the refusal once, with the QEMU current distributions run.
 */
static const struct blk_case {
	const struct qemu_ver *ver;
	unsigned int nq;
	bool refusal_first;
} cases[] = {
	{ &qvm_qemu_7_2, 4, false },
	{ &qvm_qemu_10_0, 2, false },
	{ &qvm_qemu_10_0, 4, true },
};

FIXTURE_SETUP(qbmq)
{
	char mgmt[1][VUB_MGMT_LEN], log[128];
	struct vub_nl_rec r;
	int n;

	self->w.kmsg = -1;
	self->vm.pid = -1;
	self->d.pid = -1;
	self->nl.sock = NULL;
	self->made = false;
	snprintf(self->tag, sizeof(self->tag), "blkmq");
	VUBT_REQUIRE_ENV();
	if (qvm_find(&self->vm, &qvm_qemu_7_2))
		SKIP(return, "%s", self->vm.err);
	memcpy(self->bin[0], self->vm.bin, sizeof(self->bin[0]));
	if (qvm_find(&self->vm, &qvm_qemu_10_0))
		SKIP(return, "%s", self->vm.err);
	memcpy(self->bin[1], self->vm.bin, sizeof(self->bin[1]));
	n = vub_vp_vdpa_blk_mgmtdevs(mgmt, 1);
	if (n < 1)
		SKIP(return, "no virtio-blk-pci (1af4:1042) for vp_vdpa (%d, %s): scripts/vm/run.sh --mq-blk",
		     n, vub_env_err());
	vubt_watch_start(&self->w);
	self->made = true;
	ASSERT_OK(vub_sim_dev_create(DEV, mgmt[0], NULL));
	ASSERT_EQ(0, vub_nl_open(&self->nl));
	ASSERT_EQ(0, vub_nl_dev_get(&self->nl, DEV, &r)) {
		TH_LOG("%s", self->nl.ext);
	}
	ASSERT_EQ(2u, r.val[VUB_ATTR_DEVICE_ID]);
	ASSERT_EQ((uint64_t)DEV_QUEUES, r.val[VUB_ATTR_NUM_QUEUES]) {
		TH_LOG("%s (%s) has %llu queues: run.sh --mq-blk gives 4",
		       DEV, mgmt[0],
		       (unsigned long long)r.val[VUB_ATTR_NUM_QUEUES]);
	}
	snprintf(log, sizeof(log), "vubridged-%s.log", self->tag);
	if (vubd_start(&self->d, log) == -ENOENT)
		SKIP(return, "%s", self->d.err);
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV, "listening on", 1, 10000));
}

/* In the parent, so an ASSERT failure still stops QEMU and the daemon
 * (see 95-qemu.c). */
FIXTURE_TEARDOWN_PARENT(qbmq)
{
	qvm_stop(&self->vm);
	vubd_stop(&self->d, SIGTERM);
	if (self->made)
		vub_vdpa_dev_del(DEV);
	self->w.kmsg = -1;
	if (_metadata->exit_code == KSFT_PASS)
		VUBT_WATCH_CHECK(&self->w);
}

static void dev_args(char *chr, size_t ccap, char *dev, size_t dcap,
		     const struct qemu_ver *v, unsigned int nq)
{
	snprintf(chr, ccap, "socket,id=vb0,path=%s/%s.sock,%s", QVM_DIR, DEV,
		 v->reconnect);
	/* queue-size: QEMU's default (128); the device takes 256. */
	snprintf(dev, dcap,
		 "vhost-user-blk-pci,id=blk0,chardev=vb0,num-queues=%u,disable-legacy=on%s",
		 nq, v->dev_opts);
}

/* The module's counters of every device queue into @kicks / @irqs. */
static int queue_counters(struct __test_metadata *_metadata,
			  FIXTURE_DATA(qbmq) *self, uint64_t *kicks,
			  uint64_t *irqs)
{
	struct vub_nl_rec r;
	unsigned int q;
	int ret;

	for (q = 0; q < DEV_QUEUES; q++) {
		ret = vub_nl_queue_get(&self->nl, DEV, q, &r);
		if (ret) {
			TH_LOG("QUEUE_GET %s %u: %s (%s)", DEV, q,
			       strerror(-ret), self->nl.ext);
			return ret;
		}
		kicks[q] = r.val[VUB_ATTR_QUEUE_KICKS];
		irqs[q] = r.val[VUB_ATTR_QUEUE_INTERRUPTS];
	}
	return 0;
}

static uint64_t sector_of(const struct qblk *b, unsigned int q,
			  unsigned int round)
{
	uint64_t span = b->capacity - QBLK_MAX_IO / BLK_SECTOR;

	return span * (q * ROUNDS + round) / (QBLK_MAX_QUEUES * ROUNDS) & ~7ull;
}

static uint32_t seed_of(unsigned int q, uint32_t phase)
{
	return phase << 8 | (0x40 + q);
}

/*
 * Every queue writes ROUNDS blocks of its own pattern (@phase), one
 * request in flight on each queue at a time, all queues at once.
 */
static int write_all(struct __test_metadata *_metadata,
		     FIXTURE_DATA(qbmq) *self, uint32_t phase)
{
	uint8_t buf[QBLK_MAX_IO];
	unsigned int q, round, nq = self->blk.nq;
	int ret;

	for (round = 0; round < ROUNDS; round++) {
		for (q = 0; q < nq; q++) {
			uint64_t s = sector_of(&self->blk, q, round);

			blk_pattern(buf, s * BLK_SECTOR, sizeof(buf),
				    seed_of(q, phase));
			ret = qblk_submit(&self->blk, q, 1, s, buf, sizeof(buf));
			if (ret)
				goto fail;
		}
		for (q = 0; q < nq; q++) {
			ret = qblk_complete(&self->blk, q, NULL, IO_MS);
			if (ret)
				goto fail;
		}
	}
	return 0;
fail:
	TH_LOG("write: %s", self->blk.err);
	return ret;
}

/*
 * What queue q wrote is read back through queue (q + @shift) % nq, all
 * queues at once, and compared.
 */
static int read_all(struct __test_metadata *_metadata,
		    FIXTURE_DATA(qbmq) *self, uint32_t phase, unsigned int shift)
{
	static uint8_t got[QBLK_MAX_QUEUES][QBLK_MAX_IO];
	uint8_t want[QBLK_MAX_IO];
	unsigned int q, round, nq = self->blk.nq;
	int ret;

	for (round = 0; round < ROUNDS; round++) {
		for (q = 0; q < nq; q++) {
			unsigned int from = (q + nq - shift % nq) % nq;

			ret = qblk_submit(&self->blk, q, 0,
					  sector_of(&self->blk, from, round),
					  NULL, QBLK_MAX_IO);
			if (ret)
				goto fail;
		}
		for (q = 0; q < nq; q++) {
			unsigned int from = (q + nq - shift % nq) % nq;
			uint64_t s = sector_of(&self->blk, from, round);

			ret = qblk_complete(&self->blk, q, got[q], IO_MS);
			if (ret)
				goto fail;
			blk_pattern(want, s * BLK_SECTOR, sizeof(want),
				    seed_of(from, phase));
			if (memcmp(got[q], want, sizeof(want))) {
				TH_LOG("queue %u read sector %llu (written through queue %u): not what was written",
				       q, (unsigned long long)s, from);
				return -EBADMSG;
			}
		}
	}
	return 0;
fail:
	TH_LOG("read: %s", self->blk.err);
	return ret;
}

/*
 * Bring-up of @nq queues; the guest sees num_queues = @nq. The module
 * counts from each queue's start (DRIVER_OK): the counters now are the
 * baseline of the next ASSERT_PER_QUEUE.
 */
#define ASSERT_BLK_UP(nq) do {						\
	ASSERT_EQ(0, qblk_up_mq(&self->blk, &self->vm.qt, (nq))) {	\
		TH_LOG("virtio-blk bring-up: %s", self->blk.err);	\
	}								\
	ASSERT_EQ((nq), (unsigned int)self->blk.num_queues);		\
	ASSERT_EQ(0, queue_counters(_metadata, self, self->kicks,	\
				    self->irqs));			\
} while (0)

/*
 * Each queue completed @reqs requests since the bring-up: the module
 * counted at least that many interrupts on each started queue (no
 * EVENT_IDX: one per request) and nothing on the others; the numbers are
 * printed.
 */
#define ASSERT_PER_QUEUE(phase, nq, reqs) do {				\
	uint64_t __k[DEV_QUEUES], __i[DEV_QUEUES];			\
	unsigned int __q;						\
	ASSERT_EQ(0, queue_counters(_metadata, self, __k, __i));	\
	for (__q = 0; __q < DEV_QUEUES; __q++) {			\
		uint64_t __dk = __k[__q] - self->kicks[__q];		\
		uint64_t __di = __i[__q] - self->irqs[__q];		\
		printf("# QEMU %s num-queues=%u, %s: queue %u: %u requests, %llu kicks, %llu interrupts\n", \
		       self->c->ver->name, (nq), (phase), __q,		\
		       __q < (nq) ? (reqs) : 0,				\
		       (unsigned long long)__dk, (unsigned long long)__di); \
		if (__q < (nq)) {					\
			EXPECT_LE((uint64_t)(reqs), __di) {		\
				TH_LOG("%s: queue %u: %llu interrupts for %u requests", \
				       (phase), __q, (unsigned long long)__di, \
				       (reqs));				\
			}						\
		} else {						\
			EXPECT_EQ(0ull, __dk + __di) {			\
				TH_LOG("%s: queue %u, not started, worked", \
				       (phase), __q);			\
			}						\
		}							\
	}								\
} while (0)

/*
 * The first error or warning of the daemon's log into @buf ("" if none)
 * but one the test bed causes: the module stops a ring of a device without
 * suspend (vp_vdpa) by making it not ready, vp_vdpa writes 0 to the PCI
 * queue_enable register, which the virtio spec forbids the driver, and the
 * VM's QEMU answers with "wrong value for queue_enable 0" and
 * DEVICE_NEEDS_RESET: the module reports that as a device error, which the
 * daemon logs. The next start resets the device. Those are counted.
 */
static int daemon_problem(const struct vubd *d, char *buf, size_t cap)
{
	char line[1024];
	FILE *f = fopen(d->log, "re");
	int needs_reset = 0;

	buf[0] = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "vubridged: warning: " DEV ": the device reported an error")) {
			needs_reset++;
			continue;
		}
		if (!buf[0] && (strstr(line, ": error: ") ||
				strstr(line, ": warning: ")))
			snprintf(buf, cap, "%.400s", line);
	}
	fclose(f);
	return needs_reset;
}

/* The session is the one QEMU opened, and nothing went wrong. */
#define ASSERT_SESSION(phase) do {					\
	char __p[512];							\
	int __c = vubd_count(&self->d, DEV, "front-end connected");	\
	int __x = vubd_count(&self->d, DEV, "front-end disconnected");	\
	int __r = daemon_problem(&self->d, __p, sizeof(__p));		\
	TH_LOG("%s: %lld ms; DEVICE_NEEDS_RESET reported %d times (queue_enable 0)", \
	       (phase), (long long)(qvm_ms_now() - self->t0), __r);	\
	ASSERT_TRUE(qvm_alive(&self->vm)) {				\
		TH_LOG("%s: %s", (phase), self->vm.err);		\
	}								\
	ASSERT_EQ(self->connects + 1, __c) {				\
		TH_LOG("%s: QEMU reconnected (%s: %s)", (phase),	\
		       self->d.log, __p);				\
	}								\
	ASSERT_EQ(self->connects, __x) {				\
		TH_LOG("%s: the session ended (%s: %s)", (phase),	\
		       self->d.log, __p);				\
	}								\
	ASSERT_STREQ("", __p);						\
} while (0)

/*
 * One queue more than the device has: QEMU's vhost-user-blk reads
 * GET_QUEUE_NUM (the device's 4) at realize and refuses; QEMU exits. The
 * daemon saw each attempt as a session that ended and listens on.
 */
static void too_many_queues(struct __test_metadata *_metadata,
			    FIXTURE_DATA(qbmq) *self,
			    const struct qemu_ver *v)
{
	char chr[256], dev[256], out[512], tag[96];
	const char *extra[] = { "-chardev", chr, "-device", dev, NULL };
	int i, c, x;

	dev_args(chr, sizeof(chr), dev, sizeof(dev), v, DEV_QUEUES + 1);
	snprintf(tag, sizeof(tag), "%s-refused", self->tag);
	ASSERT_NE(0, qvm_start(&self->vm, tag, extra)) {
		TH_LOG("QEMU %s started with num-queues=%u on a %u-queue device",
		       v->name, DEV_QUEUES + 1, DEV_QUEUES);
	}
	for (i = 0; i < 300 && qvm_alive(&self->vm); i++)
		usleep(100000);
	ASSERT_FALSE(qvm_alive(&self->vm));
	ASSERT_TRUE(WIFEXITED(self->vm.status)) {
		TH_LOG("QEMU: %s", self->vm.err);
	}
	EXPECT_EQ(1, WEXITSTATUS(self->vm.status));
	qvm_stop(&self->vm);
	ASSERT_EQ(0, vub_sh_out(out, sizeof(out),
				"grep -m1 'maximum number of queues supported by the backend is %u' '%s'",
				DEV_QUEUES, self->vm.log)) {
		qvm_log_tail(&self->vm, out, sizeof(out), 4);
		TH_LOG("QEMU's refusal is not in its log: %s", out);
	}
	printf("# QEMU %s, num-queues=%u: %s\n", v->name, DEV_QUEUES + 1, out);
	c = vubd_count(&self->d, DEV, "front-end connected");
	ASSERT_LE(self->connects + 1, c);
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV, "front-end disconnected",
				     c, CONNECT_MS));
	x = vubd_count(&self->d, DEV, "front-end disconnected");
	ASSERT_EQ(c, x);
	ASSERT_EQ(0, waitpid(self->d.pid, NULL, WNOHANG)) {
		TH_LOG("vubridged exited (%s)", self->d.log);
	}
	printf("# vubridged: %d sessions QEMU opened and closed at realize, still serving (%lld ms)\n",
	       c - self->connects, (long long)(qvm_ms_now() - self->t0));
	self->connects = c;
}

/*
 * QEMU @c->ver with num-queues=@c->nq: bring-up, I/O on every queue,
 * a device reset and a machine reset each followed by a second bring-up.
 */
static void one_case(struct __test_metadata *_metadata,
		     FIXTURE_DATA(qbmq) *self, const struct blk_case *c)
{
	char chr[256], dev[256], tag[96];
	const char *extra[] = { "-chardev", chr, "-device", dev, NULL };
	unsigned int nq = c->nq;

	self->c = c;
	self->t0 = qvm_ms_now();
	memcpy(self->vm.bin, self->bin[c->ver == &qvm_qemu_10_0],
	       sizeof(self->vm.bin));
	if (c->refusal_first)
		too_many_queues(_metadata, self, c->ver);

	dev_args(chr, sizeof(chr), dev, sizeof(dev), c->ver, nq);
	snprintf(tag, sizeof(tag), "%s-%s-q%u", self->tag, c->ver->name, nq);
	ASSERT_EQ(0, qvm_start(&self->vm, tag, extra)) {
		TH_LOG("%s", self->vm.err);
	}
	ASSERT_BLK_UP(nq);
	TH_LOG("QEMU %s: %u queues up, num_queues %u in the guest's config, %llu sectors (%lld ms)",
	       c->ver->name, nq, self->blk.num_queues,
	       (unsigned long long)self->blk.capacity,
	       (long long)(qvm_ms_now() - self->t0));
	ASSERT_EQ(0, write_all(_metadata, self, 1));
	ASSERT_EQ(0, read_all(_metadata, self, 1, 1));
	ASSERT_SESSION("after start");
	ASSERT_PER_QUEUE("after start", nq, 2u * ROUNDS);

	/* The guest's driver resets the device and sets it up again (a
	 * driver reload): QEMU stops vhost, every ring stops on the device,
	 * and starts again at the second DRIVER_OK.
	 */
	ASSERT_EQ(0, vpci_reset(&self->blk.pci)) {
		TH_LOG("%s", self->blk.pci.err);
	}
	ASSERT_BLK_UP(nq);
	ASSERT_EQ(0, read_all(_metadata, self, 1, nq - 1));
	ASSERT_EQ(0, write_all(_metadata, self, 2));
	ASSERT_EQ(0, read_all(_metadata, self, 2, 1));
	ASSERT_SESSION("after a device reset");
	ASSERT_PER_QUEUE("after a device reset", nq, 3u * ROUNDS);

	/* A reboot: the machine resets, the driver starts from scratch. */
	qmp_clear_events(&self->vm.qmp);
	ASSERT_EQ(0, qmp_exec(&self->vm.qmp, NULL, 0,
			      "{\"execute\": \"system_reset\"}")) {
		TH_LOG("%s", self->vm.qmp.err);
	}
	ASSERT_EQ(0, qmp_wait_event(&self->vm.qmp, "RESET", 20000)) {
		TH_LOG("%s", self->vm.qmp.err);
	}
	ASSERT_BLK_UP(nq);
	ASSERT_EQ(0, read_all(_metadata, self, 2, nq - 1));
	ASSERT_EQ(0, write_all(_metadata, self, 3));
	ASSERT_EQ(0, read_all(_metadata, self, 3, 1));
	ASSERT_SESSION("after system_reset");
	ASSERT_PER_QUEUE("after system_reset", nq, 3u * ROUNDS);

	/* QEMU goes; the daemon ends the session and serves the next. */
	qvm_stop(&self->vm);
	self->connects++;
	ASSERT_EQ(0, vubd_wait_count(&self->d, DEV, "front-end disconnected",
				     self->connects, CONNECT_MS));
}

TEST_F_TIMEOUT(qbmq, queues, 900)
{
	char p[512];
	size_t i;

	self->connects = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one_case(_metadata, self, &cases[i]);
		if (_metadata->exit_code != KSFT_PASS)
			return;
	}
	daemon_problem(&self->d, p, sizeof(p));
	EXPECT_STREQ("", p);
}

TEST_HARNESS_MAIN
