// SPDX-License-Identifier: GPL-2.0
/*
 * VUB_SET_QUEUE_CALL / VUB_SET_QUEUE_ERR on vdpa_sim_net: a running queue's
 * call eventfd is replaced while frames flow (vhost-user SET_VRING_CALL on a
 * live ring): notifications arrive on the new eventfd, none on the old one
 * once the call returned, and no frame is lost or duplicated; -1 silences a
 * queue until a new eventfd comes; bad arguments get their exact errno.
 * Also VUB_GET_DOORBELL_FD's refusals on a device without doorbells.
 *
 * And that the module lets go of every eventfd it no longer uses before the
 * call that dropped it returned: the one a VUB_SET_QUEUE_CALL /
 * VUB_SET_QUEUE_ERR / VUB_SET_CONFIG_EVENTFD replaced, and a queue's call
 * and error eventfds at VUB_STOP_QUEUE. An eventfd context's id
 * (/proc/self/fdinfo, "eventfd-id") is freed with its last reference, and
 * the kernel hands out the lowest free id: a new eventfd can get an old
 * one's id only once nobody, the module included, holds the old one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "net_rig.h"
#include "vub_test.h"

#define WAIT_MS		5000

FIXTURE(qcall) {
	char name[32];
	struct vubt_watch watch;
	struct net_rig r;
};

FIXTURE_SETUP(qcall)
{
	int ret;

	net_rig_init(&self->r);
	snprintf(self->name, sizeof(self->name), "vubt-qcall");
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ASSERT_OK(vub_sim_dev_create(self->name, "vdpasim_net",
				     "02:5a:00:00:00:45"));
	ret = net_rig_open(&self->r, self->name);
	if (!ret)
		ret = net_rig_prepare(&self->r, 16 << 20, 256, NULL, true);
	if (!ret)
		ret = net_rig_start(&self->r);
	if (ret) {
		net_rig_fini(&self->r);
		vub_vdpa_dev_del(self->name);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", vub_env_err());
}

FIXTURE_TEARDOWN(qcall)
{
	net_rig_fini(&self->r);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

#define RUN(self, n) do {						\
	int __r = net_loop_run(&(self)->r.nl, (n), WAIT_MS);		\
	ASSERT_EQ(0, __r) TH_LOG("%s", (self)->r.nl.err);		\
} while (0)

static int set_fd(int fd, unsigned long req, uint32_t index, int32_t efd)
{
	struct vub_queue_fd qf = { .index = index, .fd = efd };

	return ioctl(fd, req, &qf);
}

/* Make the rig's loop wait on the queues' current call eventfds. */
static int rewatch(struct net_rig *r)
{
	int ret;

	evwait_destroy(&r->nl.w);
	ret = evwait_init(&r->nl.w);
	if (ret)
		return ret;
	if (r->rx.call_fd >= 0 && evwait_add(&r->nl.w, r->rx.call_fd) < 0)
		return -EIO;
	if (r->tx.call_fd >= 0 && evwait_add(&r->nl.w, r->tx.call_fd) < 0)
		return -EIO;
	return 0;
}

/* Wait until the device used @n more TX buffers than @from, polling. */
static bool tx_used_reaches(struct net_rig *r, uint16_t from, uint16_t n)
{
	int64_t deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline) {
		if ((uint16_t)(virtq_device_used_idx(&r->tx) - from) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

/* The id of eventfd @fd's context, or -1. */
static int evfd_id(int fd)
{
	char path[64], line[128];
	int id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-id: %d", &id) == 1)
			break;
	fclose(f);
	return id;
}

#define PROBE_MAX	512

/*
 * Is the eventfd context that had id @id gone? New eventfds get the lowest
 * free ids: make them (kept open) until one gets @id (it was freed) or a
 * higher one (@id is still held). Return: 1 freed, 0 held, -1 undecided.
 */
static int evfd_id_freed(int id)
{
	int fds[PROBE_MAX], n, got = -1, ret = -1;

	for (n = 0; n < PROBE_MAX; n++) {
		fds[n] = evfd_new();
		if (fds[n] < 0)
			break;
		got = evfd_id(fds[n]);
		if (got < 0 || got >= id) {
			n++;
			break;
		}
	}
	if (got == id)
		ret = 1;
	else if (got > id)
		ret = 0;
	while (n--)
		close(fds[n]);
	return ret;
}

/* An eventfd whose only reference is the module's after VUB_SET_*(@req). */
static int hand_over(int fd, unsigned long req, uint32_t index, int *id)
{
	int e = evfd_new(), ret;

	if (e < 0)
		return -1;
	*id = evfd_id(e);
	if (req == VUB_SET_CONFIG_EVENTFD) {
		int32_t v = e;

		ret = ioctl(fd, req, &v);
	} else {
		ret = set_fd(fd, req, index, e);
	}
	close(e);
	return ret || *id < 0 ? -1 : 0;
}

/* The replaced eventfd is released by the time the call returns. */
TEST_F(qcall, replaced_eventfd_released)
{
	static const unsigned long reqs[] = { VUB_SET_QUEUE_CALL,
					      VUB_SET_QUEUE_ERR,
					      VUB_SET_CONFIG_EVENTFD };
	int fd = self->r.fd, id1, id2, i;
	int32_t none = -1;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, hand_over(fd, reqs[i], 1, &id1));
		/* the module holds it: the probe can tell a held one */
		EXPECT_EQ(0, evfd_id_freed(id1)) TH_LOG("request %d", i);
		ASSERT_EQ(0, hand_over(fd, reqs[i], 1, &id2));
		EXPECT_EQ(1, evfd_id_freed(id1)) TH_LOG("request %d", i);
		EXPECT_EQ(0, evfd_id_freed(id2)) TH_LOG("request %d", i);
		/* -1 releases the current one */
		if (reqs[i] == VUB_SET_CONFIG_EVENTFD) {
			ASSERT_EQ(0, ioctl(fd, reqs[i], &none));
		} else {
			ASSERT_EQ(0, set_fd(fd, reqs[i], 1, -1));
		}
		EXPECT_EQ(1, evfd_id_freed(id2)) TH_LOG("request %d", i);
	}
	/* the queue is served on new eventfds again */
	ASSERT_EQ(0, set_fd(fd, VUB_SET_QUEUE_CALL, 1, self->r.tx.call_fd));
	RUN(self, 200);
}

/*
 * VUB_STOP_QUEUE releases the queue's call and error eventfds before it
 * returns, right after frames flowed (callbacks and the call work were
 * busy with them), and the queue starts again on new ones.
 */
TEST_F(qcall, stop_releases_eventfds)
{
	struct vub_queue_state qs = { .index = 0 };
	int fd = self->r.fd, call_id, err_id;

	uint16_t rx_used = virtq_device_used_idx(&self->r.rx);
	int64_t deadline = now_ms() + WAIT_MS;

	ASSERT_EQ(0, hand_over(fd, VUB_SET_QUEUE_CALL, 0, &call_id));
	ASSERT_EQ(0, hand_over(fd, VUB_SET_QUEUE_ERR, 0, &err_id));
	/* RX completions now signal an eventfd only the module holds */
	ASSERT_LT(0, net_loop_send(&self->r.nl, 100)) TH_LOG("%s", self->r.nl.err);
	while (virtq_device_used_idx(&self->r.rx) == rx_used &&
	       now_ms() < deadline)
		usleep(1000);
	ASSERT_NE(rx_used, virtq_device_used_idx(&self->r.rx));
	EXPECT_EQ(0, evfd_id_freed(call_id));
	EXPECT_EQ(0, evfd_id_freed(err_id));
	ASSERT_EQ(0, ioctl(fd, VUB_STOP_QUEUE, &qs));
	EXPECT_EQ(1, evfd_id_freed(call_id));
	EXPECT_EQ(1, evfd_id_freed(err_id));
}

TEST_F_TIMEOUT(qcall, swap_while_frames_flow, 300)
{
	int old_rx = self->r.rx.call_fd, old_tx = self->r.tx.call_fd;
	int new_rx = evfd_new(), new_tx = evfd_new();
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	uint64_t irqs_before;
	int round;

	ASSERT_NE(NULL, st);
	ASSERT_LE(0, new_rx);
	ASSERT_LE(0, new_tx);
	RUN(self, 500);

	/* frames in flight while the eventfds change under the device */
	ASSERT_LT(0, net_loop_send(&self->r.nl, 200)) TH_LOG("%s", self->r.nl.err);
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_CALL, 0, new_rx));
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_CALL, 1, new_tx));
	/* whatever the old ones got, they got before the calls returned */
	evfd_drain(old_rx);
	evfd_drain(old_tx);
	self->r.rx.call_fd = new_rx;
	self->r.tx.call_fd = new_tx;
	ASSERT_EQ(0, rewatch(&self->r));
	ASSERT_EQ(0, vub_get_queue_stats(self->r.fd, 0, st));
	irqs_before = st->interrupts;

	/* the loop sleeps on the new eventfds only: it stalls without them */
	for (round = 0; round < 4; round++) {
		RUN(self, 1000);
		EXPECT_EQ(0u, evfd_drain(old_rx));
		EXPECT_EQ(0u, evfd_drain(old_tx));
	}
	ASSERT_EQ(0, net_loop_drain(&self->r.nl, WAIT_MS)) TH_LOG("%s", self->r.nl.err);
	EXPECT_EQ(self->r.nl.tx_seq, self->r.nl.rx_seq);
	EXPECT_LT(0u, self->r.nl.waits);

	/* and directly: a burst is announced on the new eventfd */
	evfd_drain(new_tx);
	ASSERT_LT(0, net_loop_send(&self->r.nl, 50));
	EXPECT_LT(0, evfd_wait(new_tx, WAIT_MS));
	ASSERT_EQ(0, net_loop_drain(&self->r.nl, WAIT_MS)) TH_LOG("%s", self->r.nl.err);
	EXPECT_EQ(0u, evfd_drain(old_rx));
	EXPECT_EQ(0u, evfd_drain(old_tx));

	ASSERT_EQ(0, vub_get_queue_stats(self->r.fd, 0, st));
	EXPECT_LT(irqs_before, st->interrupts);
	close(old_rx);
	close(old_tx);
	free(st);
}

/*
 * Swap both call eventfds 200 times while frames flow, closing each old one
 * right after the call returns: nothing may still signal it (a late signal
 * would be a use after free), and no frame is lost.
 */
TEST_F_TIMEOUT(qcall, swap_storm, 300)
{
	int i, q;

	for (i = 0; i < 200; i++) {
		ASSERT_LE(0, net_loop_send(&self->r.nl, 50)) TH_LOG("%s", self->r.nl.err);
		for (q = 0; q < 2; q++) {
			struct virtq *vq = q ? &self->r.tx : &self->r.rx;
			int nfd = evfd_new();

			ASSERT_LE(0, nfd);
			ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_CALL, q, nfd));
			close(vq->call_fd);
			vq->call_fd = nfd;
		}
		ASSERT_EQ(0, rewatch(&self->r));
		ASSERT_LE(0, net_loop_reap(&self->r.nl)) TH_LOG("%s", self->r.nl.err);
	}
	ASSERT_EQ(0, net_loop_drain(&self->r.nl, WAIT_MS)) TH_LOG("%s", self->r.nl.err);
	RUN(self, 1000);
	EXPECT_EQ(self->r.nl.tx_seq, self->r.nl.rx_seq);
}

TEST_F_TIMEOUT(qcall, none_then_new, 300)
{
	int old_tx = self->r.tx.call_fd, new_tx = evfd_new();
	uint16_t used;

	ASSERT_LE(0, new_tx);
	RUN(self, 200);

	/* -1: TX completions happen, nobody is told */
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_CALL, 1, -1));
	evfd_drain(old_tx);
	used = virtq_device_used_idx(&self->r.tx);
	ASSERT_LT(0, net_loop_send(&self->r.nl, 20));
	EXPECT_TRUE(tx_used_reaches(&self->r, used, 20));
	EXPECT_EQ(-ETIMEDOUT, evfd_wait(old_tx, 200));
	close(old_tx);
	self->r.tx.call_fd = -1;

	/* a new eventfd: announced at once, then every completion */
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_CALL, 1, new_tx));
	EXPECT_LT(0, evfd_wait(new_tx, WAIT_MS));
	self->r.tx.call_fd = new_tx;
	ASSERT_EQ(0, rewatch(&self->r));
	ASSERT_EQ(0, net_loop_drain(&self->r.nl, WAIT_MS)) TH_LOG("%s", self->r.nl.err);
	evfd_drain(new_tx);
	ASSERT_LT(0, net_loop_send(&self->r.nl, 20));
	EXPECT_LT(0, evfd_wait(new_tx, WAIT_MS));
	RUN(self, 2000);
	EXPECT_EQ(self->r.nl.tx_seq, self->r.nl.rx_seq);
}

TEST_F(qcall, err_swap)
{
	int e1 = evfd_new(), e2 = evfd_new();

	ASSERT_LE(0, e1);
	ASSERT_LE(0, e2);
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_ERR, 0, e1));
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_ERR, 0, e2));
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_ERR, 0, -1));
	ASSERT_EQ(0, set_fd(self->r.fd, VUB_SET_QUEUE_ERR, 1, e1));
	/* the queue kept running throughout */
	RUN(self, 500);
	close(e1);
	close(e2);
}

TEST_F(qcall, bad_arguments)
{
	static const unsigned long reqs[] = { VUB_SET_QUEUE_CALL,
					      VUB_SET_QUEUE_ERR };
	int fd = self->r.fd, e = evfd_new();
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	uint32_t nq = self->r.info.num_queues;
	struct vub_queue_state qs = { .index = 1 };
	unsigned int i;

	ASSERT_LE(0, e);
	ASSERT_LE(0, nul);
	for (i = 0; i < 2; i++) {
		unsigned long req = reqs[i];

		EXPECT_ERRNO(EINVAL, set_fd(fd, req, nq, e));
		EXPECT_ERRNO(EINVAL, set_fd(fd, req, UINT32_MAX, e));
		EXPECT_ERRNO(EBADF, set_fd(fd, req, 0, 1000));
		EXPECT_ERRNO(EBADF, set_fd(fd, req, 0, -2));
		EXPECT_ERRNO(EINVAL, set_fd(fd, req, 0, nul));
		EXPECT_ERRNO(EFAULT, ioctl(fd, req, (void *)8));
	}
	/* a stopped queue has nothing to swap; index checked first */
	ASSERT_EQ(0, ioctl(fd, VUB_STOP_QUEUE, &qs));
	EXPECT_ERRNO(EINVAL, set_fd(fd, VUB_SET_QUEUE_CALL, 1, e));
	EXPECT_ERRNO(EINVAL, set_fd(fd, VUB_SET_QUEUE_ERR, 1, -1));
	EXPECT_ERRNO(EINVAL, set_fd(fd, VUB_SET_QUEUE_CALL, 1, 1000));
	/* the failed calls took nothing: the good queue still works */
	EXPECT_EQ(0, set_fd(fd, VUB_SET_QUEUE_CALL, 0, e));
	close(nul);
	close(e);
}

TEST_F(qcall, no_doorbell_fd_on_sim)
{
	struct vub_doorbell_handle dh = { .index = 0 };
	int fd = self->r.fd;

	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, VUB_GET_DOORBELL_FD, &dh));
	dh.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, VUB_GET_DOORBELL_FD, &dh));
	dh.flags = 0;
	dh.reserved[1] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, VUB_GET_DOORBELL_FD, &dh));
	dh.reserved[1] = 0;
	dh.index = self->r.info.num_queues;
	EXPECT_ERRNO(EINVAL, ioctl(fd, VUB_GET_DOORBELL_FD, &dh));
	EXPECT_ERRNO(EFAULT, ioctl(fd, VUB_GET_DOORBELL_FD, (void *)8));
}

TEST_HARNESS_MAIN
