// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink family "vubridge" against live simulator devices:
 * every attribute of DEV_GET and QUEUE_GET compared with what the ioctls
 * report on the same device, dumps of several devices, the exact errno and
 * extack of bad requests (unknown device, bad queue index, attributes a
 * command does not take), reads open to an unprivileged user while BIND
 * and UNBIND are not, BIND/UNBIND against vubridge and vhost_vdpa (a device
 * whose vhost-vdpa file is open is refused, not waited for), and the order
 * of the events of one device's life.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "evwait.h"
#include "vdpa_nl.h"
#include "vub_nl.h"
#include "vub_test.h"

#define MAXQ 8

FIXTURE(nl) {
	char name[32];
	int fd;
	struct vubt_watch watch;
	struct vub_nl n;
	struct guest_mem gm;
	struct virtq vq[2];
	int nvq;
};

FIXTURE_VARIANT(nl) {
	const char *mgmtdev;
	const char *mac;
	uint32_t device_id;
};

FIXTURE_VARIANT_ADD(nl, net) {
	.mgmtdev = "vdpasim_net",
	.mac = "02:5a:00:00:00:16",
	.device_id = 1,
};

FIXTURE_VARIANT_ADD(nl, blk) {
	.mgmtdev = "vdpasim_blk",
	.device_id = 2,
};

FIXTURE_SETUP(nl)
{
	int ret;

	self->fd = -1;
	self->nvq = 0;
	self->gm = (struct guest_mem)GUEST_MEM_INIT;
	snprintf(self->name, sizeof(self->name), "vubt-nl-%s",
		 variant->device_id == 1 ? "net" : "blk");
	VUBT_REQUIRE_ENV();
	vubt_watch_start(&self->watch);
	ret = vub_nl_open(&self->n);
	ASSERT_EQ(0, ret) TH_LOG("family %s: %s", VUB_GENL_NAME, strerror(-ret));
	ASSERT_OK(vub_sim_dev_create(self->name, variant->mgmtdev,
				     variant->mac));
}

FIXTURE_TEARDOWN(nl)
{
	int i;

	if (self->fd >= 0)
		close(self->fd);
	for (i = 0; i < self->nvq; i++)
		virtq_destroy(&self->vq[i]);
	guest_mem_destroy(&self->gm);
	vub_nl_close(&self->n);
	EXPECT_OK(vub_vdpa_dev_del(self->name));
	VUBT_WATCH_CHECK(&self->watch);
}

/* Open, negotiate, map, start queues 0 and 1 (1 disabled, from 5). */
static int bring_up(struct __test_metadata *_metadata,
		    FIXTURE_DATA(nl) *self,
		    const FIXTURE_VARIANT(nl) *variant, uint64_t *negotiated)
{
	struct vub_queue_start qs;
	int ret;

	self->fd = vub_open(self->name);
	if (self->fd < 0)
		return self->fd;
	ret = vub_negotiate(self->fd, VF_VERSION_1 | VF_ACCESS_PLATFORM,
			    negotiated);
	if (!ret)
		ret = guest_mem_init(&self->gm, 2 << 20, 0x40000000, 1);
	if (!ret)
		ret = vub_map_mem(self->fd, &self->gm, VUB_PERM_RW);
	if (!ret)
		ret = virtq_init(&self->vq[0], &self->gm, 0, 128);
	if (!ret) {
		self->nvq = 1;
		ret = virtq_init(&self->vq[1], &self->gm, 1, 64);
	}
	if (!ret) {
		self->nvq = 2;
		ret = vub_start_queue(self->fd, &self->vq[0], 0);
	}
	/* a second queue, where there is one: disabled, from 5 */
	if (!ret && variant->device_id == 1) {
		vub_queue_start_of(&qs, &self->vq[1], 5);
		qs.flags = VUB_QUEUE_F_DISABLED;
		ret = vub_ioctl(self->fd, VUB_START_QUEUE, &qs);
	}
	EXPECT_EQ(0, ret) TH_LOG("bring-up: %s", strerror(-ret));
	return ret;
}

static long sysfs_pinned(const char *name)
{
	char path[256];
	long v = -1;

	snprintf(path, sizeof(path), VUB_CLASS_DIR "/%s/pinned_pages", name);
	if (vub_read_long(path, &v))
		return -1;
	return v;
}

TEST_F(nl, dev_get_matches_ioctls)
{
	struct vub_nl_rec r;
	struct vub_device_info info;
	struct vub_owner_info oi = {};
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	uint64_t negotiated, features, kicks = 0, irqs = 0;
	char node[256];
	uint8_t status;
	uint32_t q;

	ASSERT_NE(NULL, st);

	/* bound, nobody owns it */
	ASSERT_EQ(0, vub_nl_dev_get(&self->n, self->name, &r)) TH_LOG("%s", self->n.ext);
	EXPECT_EQ(VUB_CMD_DEV_GET, r.cmd);
	EXPECT_STREQ(self->name, r.name);
	vub_node_path(self->name, node, sizeof(node));
	EXPECT_STREQ(node, r.node);
	EXPECT_STREQ(variant->mgmtdev, r.mgmt);
	EXPECT_EQ(variant->device_id, r.val[VUB_ATTR_DEVICE_ID]);
	EXPECT_EQ(0u, r.val[VUB_ATTR_STATUS]);
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_OWNER_PID));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_OWNER_LABEL));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_FRONTEND_CONNECTED));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_NEGOTIATED_FEATURES));
	EXPECT_EQ(0u, r.val[VUB_ATTR_PINNED_PAGES]);
	EXPECT_EQ(0u, r.val[VUB_ATTR_MEM_REGIONS]);

	ASSERT_EQ(0, bring_up(_metadata, self, variant, &negotiated));
	/* a few kicks on queue 0 (an empty ring: the device finds nothing) */
	evfd_signal(self->vq[0].kick_fd);
	usleep(20000);
	evfd_signal(self->vq[0].kick_fd);
	usleep(20000);

	snprintf(oi.label, sizeof(oi.label), "/run/vubridge/%s.sock", self->name);
	oi.flags = VUB_OWNER_F_FRONTEND;
	oi.frontend_pid = 4242;
	oi.frontend_uid = 107;
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));

	ASSERT_OK(vub_get_info(self->fd, &info));
	ASSERT_OK(vub_ioctl(self->fd, VUB_GET_FEATURES, &features));
	ASSERT_OK(vub_get_status(self->fd, &status));
	for (q = 0; q < info.num_queues; q++) {
		ASSERT_OK(vub_get_queue_stats(self->fd, q, st));
		kicks += st->kicks;
		irqs += st->interrupts;
	}

	ASSERT_EQ(0, vub_nl_dev_get(&self->n, self->name, &r)) TH_LOG("%s", self->n.ext);
	EXPECT_EQ(info.device_id, r.val[VUB_ATTR_DEVICE_ID]);
	EXPECT_EQ(info.vendor_id, r.val[VUB_ATTR_VENDOR_ID]);
	EXPECT_EQ(info.device_features, r.val[VUB_ATTR_DEVICE_FEATURES]);
	EXPECT_EQ(features, r.val[VUB_ATTR_DEVICE_FEATURES]);
	ASSERT_TRUE(vub_nl_has(&r, VUB_ATTR_NEGOTIATED_FEATURES));
	EXPECT_EQ(negotiated, r.val[VUB_ATTR_NEGOTIATED_FEATURES]);
	EXPECT_EQ(status, r.val[VUB_ATTR_STATUS]);
	EXPECT_EQ(info.num_queues, r.val[VUB_ATTR_NUM_QUEUES]);
	EXPECT_EQ(info.max_queue_size, r.val[VUB_ATTR_MAX_QUEUE_SIZE]);
	EXPECT_EQ(info.abilities, r.val[VUB_ATTR_ABILITIES]);
	EXPECT_EQ((uint64_t)getpid(), r.val[VUB_ATTR_OWNER_PID]);
	EXPECT_STREQ(oi.label, r.label);
	EXPECT_EQ(1u, r.val[VUB_ATTR_FRONTEND_CONNECTED]);
	EXPECT_EQ(4242u, r.val[VUB_ATTR_FRONTEND_PID]);
	EXPECT_EQ(107u, r.val[VUB_ATTR_FRONTEND_UID]);
	EXPECT_LT(0u, r.val[VUB_ATTR_PINNED_PAGES]);
	EXPECT_EQ((uint64_t)sysfs_pinned(self->name), r.val[VUB_ATTR_PINNED_PAGES]);
	EXPECT_EQ(1u, r.val[VUB_ATTR_MEM_REGIONS]);
	EXPECT_EQ(kicks, r.val[VUB_ATTR_KICKS]);
	EXPECT_LE(2u, kicks);
	EXPECT_EQ(irqs, r.val[VUB_ATTR_INTERRUPTS]);

	/* front-end gone: the flag and its pid/uid go */
	memset(&oi, 0, sizeof(oi));
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	ASSERT_EQ(0, vub_nl_dev_get(&self->n, self->name, &r));
	EXPECT_EQ(0u, r.val[VUB_ATTR_FRONTEND_CONNECTED]);
	EXPECT_TRUE(vub_nl_has(&r, VUB_ATTR_OWNER_LABEL));
	EXPECT_STREQ("", r.label);
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_FRONTEND_PID));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_FRONTEND_UID));

	/* closed: owner facts and memory gone */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, vub_nl_dev_get(&self->n, self->name, &r));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_OWNER_PID));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_FRONTEND_CONNECTED));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_NEGOTIATED_FEATURES));
	EXPECT_EQ(0u, r.val[VUB_ATTR_PINNED_PAGES]);
	EXPECT_EQ(0u, r.val[VUB_ATTR_MEM_REGIONS]);
	EXPECT_EQ(0u, r.val[VUB_ATTR_STATUS]);
	free(st);
}

/* Compare one QUEUE_GET message with the ioctls' view of queue @q. */
static void check_queue(struct __test_metadata *_metadata, int fd,
			const struct vub_nl_rec *r, uint32_t q,
			struct vub_queue_stats *st)
{
	struct vub_queue_info qi;
	struct vub_queue_start qc;
	int i;

	ASSERT_OK(vub_get_queue_info(fd, q, &qi));
	ASSERT_OK(vub_get_queue_stats(fd, q, st));
	EXPECT_EQ(VUB_CMD_QUEUE_GET, r->cmd);
	EXPECT_EQ(q, r->val[VUB_ATTR_QUEUE_INDEX]);
	EXPECT_EQ(qi.flags, r->val[VUB_ATTR_QUEUE_FLAGS]);
	EXPECT_EQ(qi.size, r->val[VUB_ATTR_QUEUE_SIZE]);
	EXPECT_EQ(qi.max_size, r->val[VUB_ATTR_QUEUE_MAX_SIZE]);
	EXPECT_EQ(st->kicks, r->val[VUB_ATTR_QUEUE_KICKS]);
	EXPECT_EQ(st->interrupts, r->val[VUB_ATTR_QUEUE_INTERRUPTS]);
	EXPECT_EQ((int)st->num_vendor, r->nvendor);
	for (i = 0; i < r->nvendor && i < (int)st->num_vendor; i++) {
		EXPECT_STREQ(st->vendor[i].name, r->vname[i]);
		EXPECT_EQ(st->vendor[i].value, r->vval[i]);
	}
	memset(&qc, 0, sizeof(qc));
	qc.index = q;
	if (!(qi.flags & VUB_QUEUE_INFO_F_STARTED)) {
		EXPECT_FALSE(vub_nl_has(r, VUB_ATTR_QUEUE_PACKED));
		EXPECT_FALSE(vub_nl_has(r, VUB_ATTR_QUEUE_DESC_ADDR));
		EXPECT_FALSE(vub_nl_has(r, VUB_ATTR_QUEUE_AVAIL_IDX));
		return;
	}
	ASSERT_EQ(0, ioctl(fd, VUB_GET_QUEUE_CONFIG, &qc));
	EXPECT_EQ(0u, r->val[VUB_ATTR_QUEUE_PACKED]);
	EXPECT_TRUE(vub_nl_has(r, VUB_ATTR_QUEUE_PACKED));
	EXPECT_EQ(qc.desc_addr, r->val[VUB_ATTR_QUEUE_DESC_ADDR]);
	EXPECT_EQ(qc.driver_addr, r->val[VUB_ATTR_QUEUE_DRIVER_ADDR]);
	EXPECT_EQ(qc.device_addr, r->val[VUB_ATTR_QUEUE_DEVICE_ADDR]);
	/* nothing was made available: the device is where it started */
	ASSERT_TRUE(vub_nl_has(r, VUB_ATTR_QUEUE_AVAIL_IDX));
	EXPECT_EQ(qc.avail_idx, r->val[VUB_ATTR_QUEUE_AVAIL_IDX]);
	EXPECT_FALSE(vub_nl_has(r, VUB_ATTR_QUEUE_USED_IDX));
}

TEST_F(nl, queue_get_matches_ioctls)
{
	struct vub_queue_stats *st = calloc(1, sizeof(*st));
	struct vub_nl_rec *recs = calloc(MAXQ + 1, sizeof(*recs));
	struct vub_device_info info;
	uint64_t negotiated;
	int count, ret;
	uint32_t q;

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, recs);
	ASSERT_EQ(0, bring_up(_metadata, self, variant, &negotiated));
	ASSERT_OK(vub_get_info(self->fd, &info));
	ASSERT_GE(MAXQ, (int)info.num_queues);
	evfd_signal(self->vq[0].kick_fd);
	usleep(20000);

	for (q = 0; q < info.num_queues; q++) {
		ret = vub_nl_queue_get(&self->n, self->name, q, &recs[0]);
		ASSERT_EQ(0, ret) TH_LOG("queue %u: %s %s", q, strerror(-ret), self->n.ext);
		EXPECT_STREQ(self->name, recs[0].name);
		check_queue(_metadata, self->fd, &recs[0], q, st);
	}
	/* queue 1 started disabled from 5 */
	if (info.num_queues > 1) {
		ASSERT_EQ(0, vub_nl_queue_get(&self->n, self->name, 1, &recs[0]));
		EXPECT_EQ(VUB_QUEUE_INFO_F_STARTED,
			  recs[0].val[VUB_ATTR_QUEUE_FLAGS] &
			  (VUB_QUEUE_INFO_F_STARTED | VUB_QUEUE_INFO_F_ENABLED));
		EXPECT_EQ(5u, recs[0].val[VUB_ATTR_QUEUE_AVAIL_IDX]);
		EXPECT_EQ(64u, recs[0].val[VUB_ATTR_QUEUE_SIZE]);
	}

	/* the dump: every queue, in order */
	ret = vub_nl_cmd(&self->n, VUB_CMD_QUEUE_GET, true, self->name, -1,
			 recs, MAXQ + 1, &count);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->n.ext);
	ASSERT_EQ((int)info.num_queues, count);
	for (q = 0; q < info.num_queues; q++)
		check_queue(_metadata, self->fd, &recs[q], q, st);
	free(st);
	free(recs);
}

TEST_F(nl, bad_requests)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct vub_nl_rec r;
	struct nlmsghdr *nlh;
	struct vub_device_info info;
	int fd, ret;

	fd = vub_open(self->name);
	ASSERT_LE(0, fd);
	ASSERT_OK(vub_get_info(fd, &info));
	close(fd);

	/* unknown device */
	EXPECT_EQ(-ENODEV, vub_nl_dev_get(&self->n, "vubt-nl-none", &r));
	EXPECT_NE(NULL, strstr(self->n.ext, "vubt-nl-none")) TH_LOG("extack: %s", self->n.ext);
	EXPECT_EQ(-ENODEV, vub_nl_queue_get(&self->n, "vubt-nl-none", 0, &r));
	EXPECT_EQ(-ENODEV, vub_nl_cmd(&self->n, VUB_CMD_QUEUE_GET, true,
				      "vubt-nl-none", -1, NULL, 0, NULL));
	EXPECT_EQ(-ENODEV, vub_nl_cmd(&self->n, VUB_CMD_DEV_UNBIND, false,
				      "vubt-nl-none", -1, NULL, 0, NULL));
	EXPECT_EQ(-ENODEV, vub_nl_cmd(&self->n, VUB_CMD_DEV_BIND, false,
				      "vubt-nl-none", -1, NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(self->n.ext, "vubt-nl-none")) TH_LOG("extack: %s", self->n.ext);

	/* queue index */
	EXPECT_EQ(-ERANGE, vub_nl_queue_get(&self->n, self->name, info.num_queues, &r));
	EXPECT_NE(NULL, strstr(self->n.ext, "out of range")) TH_LOG("extack: %s", self->n.ext);
	EXPECT_EQ(-ERANGE, vub_nl_queue_get(&self->n, self->name, ~0u, &r));

	/* missing attributes */
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_DEV_GET, false, NULL,
				      -1, NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(self->n.ext, "VUB_ATTR_DEV_NAME")) TH_LOG("extack: %s", self->n.ext);
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_QUEUE_GET, false,
				      self->name, -1, NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(self->n.ext, "VUB_ATTR_QUEUE_INDEX")) TH_LOG("extack: %s", self->n.ext);
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_QUEUE_GET, true, NULL,
				      -1, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_DEV_UNBIND, false,
				      NULL, -1, NULL, 0, NULL));

	/* attributes the command does not take: strict validation */
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, self->name);
	mnl_attr_put_u32(nlh, VUB_ATTR_QUEUE_INDEX, 0);
	EXPECT_EQ(-EINVAL, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, self->name);
	mnl_attr_put_u8(nlh, VUB_ATTR_STATUS, 0);
	EXPECT_EQ(-EINVAL, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, self->name);
	mnl_attr_put_u32(nlh, VUB_ATTR_MAX + 1, 0);
	EXPECT_EQ(-EINVAL, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, VUB_ATTR_MAX + 1, 0);
	EXPECT_EQ(-EINVAL, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	/* a device dump takes no name, a queue dump no index */
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_DEV_GET, true,
				      self->name, -1, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, vub_nl_cmd(&self->n, VUB_CMD_QUEUE_GET, true,
				      self->name, 0, NULL, 0, NULL));
	/* wrong sizes */
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_QUEUE_GET, 0);
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, self->name);
	mnl_attr_put_u8(nlh, VUB_ATTR_QUEUE_INDEX, 0);
	EXPECT_EQ(-EINVAL, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, 0);
	memset(r.label, 'x', 100);
	r.label[100] = 0;
	mnl_attr_put_strz(nlh, VUB_ATTR_DEV_NAME, r.label);
	/* the netlink core's errno for a string over the policy's length */
	EXPECT_EQ(-ERANGE, vub_nl_talk(&self->n, nlh, NULL, 0, NULL));
	/* the event command is not a request; nor is an unknown one */
	EXPECT_EQ(-EOPNOTSUPP, vub_nl_cmd(&self->n, VUB_CMD_EVENT, false,
					  self->name, -1, NULL, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, vub_nl_cmd(&self->n, VUB_CMD_MAX + 1, false,
					  self->name, -1, NULL, 0, NULL));
	/* a name without its NUL is a name */
	nlh = vub_nl_req(&self->n, buf, VUB_CMD_DEV_GET, 0);
	mnl_attr_put(nlh, VUB_ATTR_DEV_NAME, strlen(self->name), self->name);
	ret = vub_nl_talk(&self->n, nlh, &r, 1, NULL);
	EXPECT_EQ(0, ret) TH_LOG("%s", self->n.ext);
	EXPECT_STREQ(self->name, r.name);
}

/* In a child as nobody: reads work, BIND/UNBIND get EPERM. */
TEST_F(nl, unprivileged)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct vub_nl n;
		struct vub_nl_rec r;
		int fails = 0;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (vub_nl_open(&n))
			_exit(11);
		if (vub_nl_dev_get(&n, self->name, &r) ||
		    strcmp(r.name, self->name))
			fails |= 1;
		if (vub_nl_queue_get(&n, self->name, 0, &r))
			fails |= 2;
		if (vub_nl_cmd(&n, VUB_CMD_DEV_GET, true, NULL, -1, NULL, 0, NULL))
			fails |= 4;
		if (vub_nl_cmd(&n, VUB_CMD_DEV_UNBIND, false, self->name, -1,
			       NULL, 0, NULL) != -EPERM)
			fails |= 8;
		if (vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, self->name, -1,
			       NULL, 0, NULL) != -EPERM)
			fails |= 16;
		if (vub_nl_events_join(&n))
			fails |= 32;
		_exit(fails);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("failed checks mask %d", WEXITSTATUS(status));
	/* and the device is still bound */
	{
		char node[256];

		vub_node_path(self->name, node, sizeof(node));
		EXPECT_EQ(0, access(node, F_OK));
	}
}


/* ---- a device's life: BIND/UNBIND and the events, in order ---- */

#define LIFE "vubt-nl-life"

static int life_driver(char *drv, size_t cap)
{
	return vub_vdpa_dev_driver(LIFE, drv, cap);
}

/* Next event about LIFE, which must be @want; CONFIG_CHANGED repeats skipped
 * when @skip_cfg.
 */
static uint32_t next_ev(struct vub_nl *ev, struct vub_nl_rec *r, bool skip_cfg)
{
	int ret;

	do {
		ret = vub_nl_event_next(ev, LIFE, r, 5000);
		if (ret)
			return 1000 - ret;	/* never a valid event */
	} while (skip_cfg && r->val[VUB_ATTR_EVENT] == VUB_EVENT_CONFIG_CHANGED);
	return (uint32_t)r->val[VUB_ATTR_EVENT];
}

/* The /dev/vhost-vdpa-N of LIFE, or "" if it has none. */
static void vhost_node(char *buf, size_t cap)
{
	buf[0] = 0;
	vub_sh_out(buf, cap, "ls /sys/bus/vdpa/devices/%s/ | grep '^vhost-vdpa-' | head -1",
		   LIFE);
}

TEST(life_events)
{
	struct vubt_watch watch;
	struct vub_nl n, ev;
	struct vub_nl_rec r;
	struct vub_owner_info oi = {};
	static const uint8_t mac[6] = { 0x02, 0x5a, 0, 0, 0x16, 0x99 };
	char drv[64], node[256], vnode[64];
	bool vhost;
	pid_t child;
	int fd, vfd, status, ret;

	VUBT_REQUIRE_ENV();
	vubt_watch_start(&watch);
	vhost = !vub_module_load("vhost_vdpa", NULL);
	ASSERT_EQ(0, vub_nl_open(&n));
	ASSERT_EQ(0, vub_nl_open(&ev));
	ASSERT_EQ(0, vub_nl_events_join(&ev));
	ASSERT_OK(vub_vdpa_dev_del(LIFE));
	ASSERT_OK(vub_vdpa_dev_add(LIFE, "vdpasim_net", "02:5a:00:00:16:01"));
	ASSERT_OK(life_driver(drv, sizeof(drv)));
	if (vhost)
		EXPECT_STREQ("vhost_vdpa", drv);
	/* not ours yet */
	EXPECT_EQ(-ENODEV, vub_nl_dev_get(&n, LIFE, &r));
	EXPECT_EQ(-ENODEV, vub_nl_cmd(&n, VUB_CMD_DEV_UNBIND, false, LIFE, -1,
				      NULL, 0, NULL));

	/* bind (from vhost_vdpa when it is there) */
	ret = vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, LIFE, -1, NULL, 0, NULL);
	ASSERT_EQ(0, ret) TH_LOG("bind: %s: %s", strerror(-ret), n.ext);
	EXPECT_EQ(VUB_EVENT_BOUND, next_ev(&ev, &r, false));
	vub_node_path(LIFE, node, sizeof(node));
	ASSERT_OK(vub_wait_path(node, true, 5000));
	ASSERT_OK(life_driver(drv, sizeof(drv)));
	EXPECT_STREQ(VUB_DRIVER, drv);
	EXPECT_EQ(0, vub_nl_dev_get(&n, LIFE, &r));
	EXPECT_EQ(-EALREADY, vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, LIFE, -1,
					NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(n.ext, LIFE)) TH_LOG("extack: %s", n.ext);

	/* open: owner attached; bound and open refuses bind and unbind */
	fd = vub_open(LIFE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(VUB_EVENT_OWNER_ATTACHED, next_ev(&ev, &r, false));
	EXPECT_EQ((uint64_t)getpid(), r.val[VUB_ATTR_OWNER_PID]);
	EXPECT_EQ(-EBUSY, vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, LIFE, -1,
				     NULL, 0, NULL));
	EXPECT_EQ(-EBUSY, vub_nl_cmd(&n, VUB_CMD_DEV_UNBIND, false, LIFE, -1,
				     NULL, 0, NULL));
	EXPECT_NE(NULL, strstr(n.ext, "open")) TH_LOG("extack: %s", n.ext);

	/* the front-end connects */
	snprintf(oi.label, sizeof(oi.label), "/run/vubt/%s.sock", LIFE);
	oi.flags = VUB_OWNER_F_FRONTEND;
	oi.frontend_pid = 77;
	oi.frontend_uid = 88;
	ASSERT_EQ(0, ioctl(fd, VUB_SET_OWNER_INFO, &oi));
	EXPECT_EQ(VUB_EVENT_FRONTEND_CONNECTED, next_ev(&ev, &r, false));
	EXPECT_EQ(77u, r.val[VUB_ATTR_FRONTEND_PID]);
	EXPECT_EQ(88u, r.val[VUB_ATTR_FRONTEND_UID]);
	EXPECT_STREQ(oi.label, r.label);
	/* the same again: no event */
	ASSERT_EQ(0, ioctl(fd, VUB_SET_OWNER_INFO, &oi));

	/* config change (seen by the comparison once FEATURES_OK is set) */
	ASSERT_OK(vub_negotiate(fd, VF_VERSION_1 | VF_ACCESS_PLATFORM | VNF_MAC,
				NULL));
	usleep(300000);
	ASSERT_OK(vdpa_nl_dev_set_mac(LIFE, mac));
	EXPECT_EQ(VUB_EVENT_CONFIG_CHANGED, next_ev(&ev, &r, false));

	/* reset */
	ASSERT_EQ(0, ioctl(fd, VUB_RESET));
	EXPECT_EQ(VUB_EVENT_RESET, next_ev(&ev, &r, true));
	{
		uint8_t zero = 0;

		ASSERT_EQ(0, ioctl(fd, VUB_SET_STATUS, &zero));
	}
	EXPECT_EQ(VUB_EVENT_RESET, next_ev(&ev, &r, true));

	/* another process holding the file registers itself */
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(ioctl(fd, VUB_SET_OWNER_INFO, &oi) ? 1 : 0);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(VUB_EVENT_OWNER_ATTACHED, next_ev(&ev, &r, true));
	EXPECT_EQ((uint64_t)child, r.val[VUB_ATTR_OWNER_PID]);
	ASSERT_EQ(0, vub_nl_dev_get(&n, LIFE, &r));
	EXPECT_EQ((uint64_t)child, r.val[VUB_ATTR_OWNER_PID]);
	EXPECT_EQ(1u, r.val[VUB_ATTR_FRONTEND_CONNECTED]);

	/* last close: the front-end is reported gone, then the owner */
	close(fd);
	EXPECT_EQ(VUB_EVENT_FRONTEND_DISCONNECTED, next_ev(&ev, &r, true));
	EXPECT_EQ(VUB_EVENT_OWNER_RELEASED, next_ev(&ev, &r, true));
	EXPECT_EQ((uint64_t)child, r.val[VUB_ATTR_OWNER_PID]);
	ASSERT_EQ(0, vub_nl_dev_get(&n, LIFE, &r));
	EXPECT_FALSE(vub_nl_has(&r, VUB_ATTR_OWNER_PID));

	/* unbind: gone from vubridge, back to vhost_vdpa */
	ret = vub_nl_cmd(&n, VUB_CMD_DEV_UNBIND, false, LIFE, -1, NULL, 0, NULL);
	ASSERT_EQ(0, ret) TH_LOG("unbind: %s: %s", strerror(-ret), n.ext);
	EXPECT_EQ(VUB_EVENT_UNBOUND, next_ev(&ev, &r, true));
	EXPECT_OK(vub_wait_path(node, false, 5000));
	EXPECT_EQ(-ENODEV, vub_nl_dev_get(&n, LIFE, &r));
	ASSERT_OK(life_driver(drv, sizeof(drv)));
	EXPECT_STREQ(vhost ? "vhost_vdpa" : "", drv);

	/* a vhost-vdpa file open: refused, not waited for */
	vhost_node(vnode, sizeof(vnode));
	if (vhost && vnode[0]) {
		char path[96];

		snprintf(path, sizeof(path), "/dev/%s", vnode);
		vfd = open(path, O_RDWR);
		ASSERT_LE(0, vfd) TH_LOG("open %s: %s", path, strerror(errno));
		EXPECT_EQ(-EBUSY, vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, LIFE,
					     -1, NULL, 0, NULL));
		EXPECT_NE(NULL, strstr(n.ext, "vhost_vdpa")) TH_LOG("extack: %s", n.ext);
		ASSERT_OK(life_driver(drv, sizeof(drv)));
		EXPECT_STREQ("vhost_vdpa", drv);
		close(vfd);
	}
	ret = vub_nl_cmd(&n, VUB_CMD_DEV_BIND, false, LIFE, -1, NULL, 0, NULL);
	ASSERT_EQ(0, ret) TH_LOG("bind: %s: %s", strerror(-ret), n.ext);
	EXPECT_EQ(VUB_EVENT_BOUND, next_ev(&ev, &r, true));

	/* deleting the device unbinds it too */
	ASSERT_OK(vub_vdpa_dev_del(LIFE));
	EXPECT_EQ(VUB_EVENT_UNBOUND, next_ev(&ev, &r, true));
	EXPECT_EQ(-ETIMEDOUT, vub_nl_event_next(&ev, LIFE, &r, 300));

	vub_nl_close(&n);
	vub_nl_close(&ev);
	VUBT_WATCH_CHECK(&watch);
}

/* ---- dumps of several devices ---- */

TEST(dump_several)
{
	static const char *const names[] = { "vubt-nl-d0", "vubt-nl-d1", "vubt-nl-d2" };
	static const char *const mgmt[] = { "vdpasim_net", "vdpasim_blk", "vdpasim_net" };
	struct vub_nl_rec *recs = calloc(64, sizeof(*recs));
	struct vubt_watch watch;
	struct vub_nl n;
	int i, j, count, found[3] = { 0 }, pos[3] = { -1, -1, -1 };

	VUBT_REQUIRE_ENV();
	ASSERT_NE(NULL, recs);
	vubt_watch_start(&watch);
	ASSERT_EQ(0, vub_nl_open(&n));
	for (i = 0; i < 3; i++)
		ASSERT_OK(vub_sim_dev_create(names[i], mgmt[i],
					     i == 1 ? NULL : (i ? "02:5a:00:00:16:d2" : "02:5a:00:00:16:d0")));

	ASSERT_EQ(0, vub_nl_cmd(&n, VUB_CMD_DEV_GET, true, NULL, -1, recs, 64,
				&count)) TH_LOG("%s", n.ext);
	ASSERT_GE(64, count);
	for (j = 0; j < count; j++) {
		EXPECT_EQ(VUB_CMD_DEV_GET, recs[j].cmd);
		for (i = 0; i < 3; i++) {
			if (strcmp(recs[j].name, names[i]))
				continue;
			found[i]++;
			pos[i] = j;
			EXPECT_STREQ(mgmt[i], recs[j].mgmt);
			EXPECT_EQ(i == 1 ? 2u : 1u, recs[j].val[VUB_ATTR_DEVICE_ID]);
		}
	}
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, found[i]);
	/* in the order they were bound */
	EXPECT_LT(pos[0], pos[1]);
	EXPECT_LT(pos[1], pos[2]);

	/* one gone: no longer dumped */
	ASSERT_OK(vub_vdpa_dev_del(names[1]));
	ASSERT_EQ(0, vub_nl_cmd(&n, VUB_CMD_DEV_GET, true, NULL, -1, recs, 64,
				&count));
	for (j = 0; j < count; j++)
		EXPECT_STRNE(names[1], recs[j].name);
	for (i = 0; i < 3; i++)
		EXPECT_OK(vub_vdpa_dev_del(names[i]));
	vub_nl_close(&n);
	free(recs);
	VUBT_WATCH_CHECK(&watch);
}

TEST_HARNESS_MAIN
