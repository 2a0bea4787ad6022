// SPDX-License-Identifier: GPL-2.0
/*
 * 92-vubctl.c - vubctl (build/bin/vubctl) against live simulator devices in
 * the VM.
 *
 * Every command, in text and JSON; the JSON is parsed (jq) and checked field
 * by field against what the module's ioctls report on the same device (info,
 * status, features, queue info and stats, the owner facts we register
 * ourselves). vubctl monitor sees bind, owner attach (vubridged starting),
 * front-end connect, config change, front-end disconnect, owner release and
 * unbind, in that order, with the pids they carry. Errors: unknown device,
 * unknown management device, duplicate name, bind/unbind of a device whose
 * file is open, changes by an unprivileged user (EPERM), malformed
 * arguments; each with its exact message and exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net_rig.h"
#include "vdpa_nl.h"
#include "vub_test.h"
#include "vu_frontend.h"
#include "vu_net.h"

#define OUT_FILE	"/tmp/vubctl-test.out"
#define ERR_FILE	"/tmp/vubctl-test.err"
#define SOCK_DIR	"/tmp/vubd-ctl"
#define NOBODY		65534
#define LABEL		"/run/vubridge/test-label.sock"

/* ---- running vubctl ---- */

struct res {
	int rc;			/* exit status, -1 if it did not exit */
	char out[16384];
	char err[2048];
};

static const char *vubctl_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/bin/vubctl", vub_build_dir());
	return path;
}

/* The whole file into @buf, as it is (vub_read_file() trims it). */
static int read_all(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return 0;
}

/* Run "vubctl ARGS" (as @uid unless it is 0); stdout and stderr apart. */
static int ctl_as(struct res *r, uid_t uid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int ctl_as(struct res *r, uid_t uid, const char *fmt, ...)
{
	char args[512], cmd[1200], who[96] = "";
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (uid)
		snprintf(who, sizeof(who),
			 "setpriv --reuid=%u --regid=%u --clear-groups ",
			 (unsigned int)uid, (unsigned int)uid);
	snprintf(cmd, sizeof(cmd), "%s%s %s >" OUT_FILE " 2>" ERR_FILE, who,
		 vubctl_path(), args);
	st = system(cmd);
	r->rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	read_all(OUT_FILE, r->out, sizeof(r->out));
	read_all(ERR_FILE, r->err, sizeof(r->err));
	return r->rc;
}

#define ctl(r, ...) ctl_as(r, 0, __VA_ARGS__)

/* @s starts with @prefix. */
static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- reading JSON with jq ---- */

#define KV_MAX	64

struct kv {
	int n;
	char key[KV_MAX][48];
	char val[KV_MAX][1024];
};

/*
 * The members of the object at jq path @path of the JSON in OUT_FILE, as
 * strings (nested values as compact JSON). Returns the member count or
 * -errno.
 */
static int kv_load(struct kv *kv, const char *path)
{
	char buf[32768], *line, *save = NULL;
	int ret;

	kv->n = 0;
	ret = vub_sh_out(buf, sizeof(buf),
			 "jq -e -r '%s | to_entries[] | \"\\(.key)=\\(.value | if type == \"string\" then . else tojson end)\"' " OUT_FILE,
			 path);
	if (ret)
		return -EINVAL;
	for (line = strtok_r(buf, "\n", &save); line && kv->n < KV_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(kv->key[kv->n], sizeof(kv->key[0]), "%s", line);
		snprintf(kv->val[kv->n], sizeof(kv->val[0]), "%s", eq + 1);
		kv->n++;
	}
	return kv->n;
}

static const char *kv_get(const struct kv *kv, const char *key)
{
	int i;

	for (i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

/* A member as a number; -1 (never a valid value here) when absent. */
static long long kv_num(const struct kv *kv, const char *key)
{
	const char *v = kv_get(kv, key);

	return v ? strtoll(v, NULL, 0) : -1;
}

static uint64_t kv_hex(const struct kv *kv, const char *key)
{
	const char *v = kv_get(kv, key);

	return v ? strtoull(v, NULL, 16) : 0;
}

/* One value of jq @filter on OUT_FILE into @buf; 0 or -EINVAL. */
static int jq1(char *buf, size_t cap, const char *filter)
{
	return vub_sh_out(buf, cap, "jq -e -r '%s' " OUT_FILE, filter) ?
	       -EINVAL : 0;
}

static int popcount64(uint64_t v)
{
	return __builtin_popcountll(v);
}

/* ---- the device under test ---- */

FIXTURE(ctl) {
	char name[32];
	int fd;
	bool vhost_vdpa_loaded;	/* we loaded it: unload at the end */
	struct vubt_watch watch;
	struct guest_mem gm;
	struct virtq vq[2];
	unsigned int nvq;
};

FIXTURE_VARIANT(ctl) {
	const char *mgmtdev;
	const char *mac;
	uint32_t device_id;
	const char *type;
	uint64_t want;		/* features to negotiate */
	const char *names[3];	/* feature names the device must show */
	unsigned int nvq;	/* queues to start */
};

FIXTURE_VARIANT_ADD(ctl, net) {
	.mgmtdev = "vdpasim_net",
	.mac = "02:00:00:00:c7:01",
	.device_id = 1,
	.type = "net",
	.want = VF_VERSION_1 | VF_ACCESS_PLATFORM | VNF_MAC,
	.names = { "MAC", "VERSION_1", "ACCESS_PLATFORM" },
	.nvq = 2,
};

FIXTURE_VARIANT_ADD(ctl, blk) {
	.mgmtdev = "vdpasim_blk",
	.mac = NULL,
	.device_id = 2,
	.type = "block",
	.want = VF_VERSION_1 | VF_ACCESS_PLATFORM | VBF_FLUSH,
	.names = { "FLUSH", "VERSION_1", "ACCESS_PLATFORM" },
	.nvq = 1,
};

FIXTURE_SETUP(ctl)
{
	self->fd = -1;
	self->nvq = 0;
	self->gm.memfd = -1;
	snprintf(self->name, sizeof(self->name), "vubctl-%s",
		 variant->device_id == 1 ? "net" : "blk");
	VUBT_REQUIRE_ENV();
	if (access(vubctl_path(), X_OK))
		SKIP(return, "%s missing: make -C tools/vubctl", vubctl_path());
	if (system("command -v jq >/dev/null && command -v setpriv >/dev/null"))
		SKIP(return, "jq and setpriv needed (scripts/deps.sh installs them)");
	/* vhost_vdpa takes every new device first, as on a distribution
	 * kernel: "dev add" must take it from there. */
	if (!vub_module_loaded("vhost_vdpa")) {
		ASSERT_OK(vub_module_load("vhost_vdpa", NULL));
		self->vhost_vdpa_loaded = true;
	}
	vub_vdpa_dev_del(self->name);
	vubt_watch_start(&self->watch);
}

FIXTURE_TEARDOWN(ctl)
{
	unsigned int i;

	if (self->fd >= 0)
		close(self->fd);
	for (i = 0; i < self->nvq; i++)
		virtq_destroy(&self->vq[i]);
	guest_mem_destroy(&self->gm);
	vub_vdpa_dev_del(self->name);
	if (self->vhost_vdpa_loaded)
		vub_module_unload("vhost_vdpa");
	VUBT_WATCH_CHECK(&self->watch);
}

/* "dev add" with the variant's configuration; the device ends on vubridge. */
static int add_dev(struct res *r, const char *name, const char *mgmtdev,
		   const char *mac)
{
	if (mac)
		return ctl(r, "dev add %s mgmtdev %s mac %s", name, mgmtdev, mac);
	return ctl(r, "dev add %s mgmtdev %s", name, mgmtdev);
}

TEST_F_TIMEOUT(ctl, dev_add_show_queue_stats_del, 300)
{
	struct vub_device_info info;
	struct vub_owner_info oi = { 0 };
	struct virtq *vqs[2];
	char path[128], drv[64], want[512], buf[2048], vendor_line[128] = "";
	uint64_t negotiated = 0, kicks_sum = 0;
	long pin_base = pinned_module();
	uint8_t status;
	struct res r;
	struct kv kv;
	unsigned int i;

	/* dev add: created, taken from vhost_vdpa, bound, node present. */
	ASSERT_EQ(0, add_dev(&r, self->name, variant->mgmtdev, variant->mac))
		TH_LOG("%s", r.err);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("", r.err);
	vub_node_path(self->name, path, sizeof(path));
	ASSERT_OK(vub_wait_path(path, true, 5000));
	ASSERT_OK(vub_vdpa_dev_driver(self->name, drv, sizeof(drv)));
	EXPECT_STREQ(VUB_DRIVER, drv);

	/* Hold the file, register owner facts, bring the queues up. */
	self->fd = vub_open(self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_OK(vub_get_info(self->fd, &info));
	EXPECT_EQ(variant->device_id, info.device_id);
	snprintf(oi.label, sizeof(oi.label), LABEL);
	oi.flags = VUB_OWNER_F_FRONTEND;
	oi.frontend_pid = 4321;
	oi.frontend_uid = 42;
	ASSERT_EQ(0, ioctl(self->fd, VUB_SET_OWNER_INFO, &oi));
	ASSERT_OK(guest_mem_init(&self->gm, 2 << 20, net_rig_iova_base(&info), 1));
	for (i = 0; i < variant->nvq; i++) {
		ASSERT_OK(virtq_init(&self->vq[i], &self->gm, (uint16_t)i, 64));
		self->nvq++;
		vqs[i] = &self->vq[i];
	}
	ASSERT_OK(vub_bringup(self->fd, variant->want, &self->gm, vqs,
			      variant->nvq));
	/* vub_bringup() negotiates the device's share of @want. */
	negotiated = variant->want & info.device_features;
	for (i = 0; i < variant->nvq; i++)
		ASSERT_OK(virtq_kick(&self->vq[i]));
	ASSERT_OK(vub_get_status(self->fd, &status));

	/* dev show -j: field by field against the ioctls. */
	ASSERT_EQ(0, ctl(&r, "-j dev show %s", self->name)) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), ".dev[\"%s\"]", self->name);
	ASSERT_LT(10, kv_load(&kv, want)) TH_LOG("%s", r.out);
	snprintf(buf, sizeof(buf), "/dev/vubridge/%s", self->name);
	EXPECT_STREQ(buf, kv_get(&kv, "node"));
	EXPECT_STREQ(variant->mgmtdev, kv_get(&kv, "mgmtdev"));
	EXPECT_STREQ(variant->type, kv_get(&kv, "type"));
	EXPECT_EQ(info.device_id, kv_num(&kv, "device_id"));
	EXPECT_EQ(info.vendor_id, kv_num(&kv, "vendor_id"));
	EXPECT_EQ(info.num_queues, kv_num(&kv, "num_queues"));
	EXPECT_EQ(info.max_queue_size, kv_num(&kv, "max_queue_size"));
	EXPECT_EQ(status, kv_num(&kv, "status"));
	EXPECT_STREQ("[\"ACKNOWLEDGE\",\"DRIVER\",\"DRIVER_OK\",\"FEATURES_OK\"]",
		     kv_get(&kv, "status_names"));
	EXPECT_EQ(info.device_features, kv_hex(&kv, "device_features"));
	EXPECT_EQ(negotiated, kv_hex(&kv, "negotiated_features"));
	EXPECT_EQ(info.abilities, kv_hex(&kv, "abilities"));
	EXPECT_EQ(getpid(), kv_num(&kv, "owner_pid"));
	EXPECT_STREQ(LABEL, kv_get(&kv, "owner_label"));
	EXPECT_STREQ("true", kv_get(&kv, "frontend_connected"));
	EXPECT_EQ(4321, kv_num(&kv, "frontend_pid"));
	EXPECT_EQ(42, kv_num(&kv, "frontend_uid"));
	EXPECT_EQ(1, kv_num(&kv, "mem_regions"));
	if (pin_base >= 0)
		EXPECT_EQ(pinned_module() - pin_base, kv_num(&kv, "pinned_pages"));
	/* Every feature bit has a name; the ones we know are there. */
	snprintf(want, sizeof(want), ".dev[\"%s\"].device_features_names | length",
		 self->name);
	ASSERT_OK(jq1(buf, sizeof(buf), want));
	EXPECT_EQ(popcount64(info.device_features), atoi(buf));
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "\"%s\"", variant->names[i]);
		EXPECT_NE(NULL, strstr(kv_get(&kv, "device_features_names") ?: "",
				       want)) TH_LOG("%s missing", want);
		EXPECT_NE(NULL, strstr(kv_get(&kv, "negotiated_features_names") ?: "",
				       want)) TH_LOG("%s not negotiated", want);
	}

	/* queue show -j: each queue against GET_QUEUE_INFO / _STATS. */
	ASSERT_EQ(0, ctl(&r, "-j queue show %s", self->name)) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), ".queue[\"%s\"] | length", self->name);
	ASSERT_OK(jq1(buf, sizeof(buf), want));
	ASSERT_EQ(info.num_queues, (uint32_t)atoi(buf));
	for (i = 0; i < info.num_queues; i++) {
		struct vub_queue_info qi = { .index = i };
		struct vub_queue_stats *qs = calloc(1, sizeof(*qs));
		bool started = i < variant->nvq;
		unsigned int v;

		ASSERT_NE(NULL, qs);
		qs->index = i;
		ASSERT_OK(vub_get_queue_info(self->fd, i, &qi));
		ASSERT_OK(vub_get_queue_stats(self->fd, i, qs));
		kicks_sum += qs->kicks;
		snprintf(want, sizeof(want), ".queue[\"%s\"][%u]", self->name, i);
		ASSERT_LT(5, kv_load(&kv, want));
		EXPECT_EQ(i, kv_num(&kv, "index"));
		EXPECT_EQ(qi.size, kv_num(&kv, "size"));
		EXPECT_EQ(qi.max_size, kv_num(&kv, "max_size"));
		EXPECT_STREQ(qi.flags & VUB_QUEUE_INFO_F_STARTED ? "true" : "false",
			     kv_get(&kv, "started"));
		EXPECT_STREQ(qi.flags & VUB_QUEUE_INFO_F_ENABLED ? "true" : "false",
			     kv_get(&kv, "enabled"));
		EXPECT_STREQ(qi.flags & VUB_QUEUE_INFO_F_DOORBELL ? "true" : "false",
			     kv_get(&kv, "doorbell"));
		EXPECT_STREQ(qi.flags & VUB_QUEUE_INFO_F_IRQ ? "true" : "false",
			     kv_get(&kv, "irq"));
		EXPECT_EQ(started, !!(qi.flags & VUB_QUEUE_INFO_F_STARTED));
		EXPECT_STREQ(started ? "enabled" : "stopped", kv_get(&kv, "state"));
		if (started) {
			EXPECT_EQ(64, kv_num(&kv, "size"));
			EXPECT_STREQ("split", kv_get(&kv, "ring"));
			EXPECT_EQ(self->vq[i].desc_iova, (uint64_t)kv_num(&kv, "desc_addr"));
			EXPECT_EQ(self->vq[i].avail_iova, (uint64_t)kv_num(&kv, "driver_addr"));
			EXPECT_EQ(self->vq[i].used_iova, (uint64_t)kv_num(&kv, "device_addr"));
			EXPECT_LE(1, kv_num(&kv, "kicks"));
		} else {
			EXPECT_EQ(NULL, kv_get(&kv, "desc_addr"));
		}
		EXPECT_EQ(qs->kicks, (uint64_t)kv_num(&kv, "kicks"));
		EXPECT_EQ(qs->interrupts, (uint64_t)kv_num(&kv, "interrupts"));
		for (v = 0; v < qs->num_vendor; v++) {
			snprintf(want, sizeof(want), ".queue[\"%s\"][%u].vendor_stats[\"%s\"]",
				 self->name, i, qs->vendor[v].name);
			ASSERT_EQ(0, jq1(buf, sizeof(buf), want)) TH_LOG("%s", want);
			EXPECT_EQ(qs->vendor[v].value, strtoull(buf, NULL, 0));
		}
		snprintf(want, sizeof(want), ".queue[\"%s\"][%u].vendor_stats | length",
			 self->name, i);
		ASSERT_EQ(0, jq1(buf, sizeof(buf), want));
		EXPECT_EQ(qs->num_vendor, (uint32_t)atoi(buf));
		if (qs->num_vendor)
			snprintf(vendor_line, sizeof(vendor_line),
				 "\n       vendor: %s: %llu", qs->vendor[0].name,
				 (unsigned long long)qs->vendor[0].value);
		free(qs);
	}

	/* qidx N: that queue only; past the end: named. */
	ASSERT_EQ(0, ctl(&r, "-j queue show %s qidx 0", self->name));
	snprintf(want, sizeof(want), ".queue[\"%s\"] | length", self->name);
	ASSERT_OK(jq1(buf, sizeof(buf), want));
	EXPECT_STREQ("1", buf);
	EXPECT_EQ(1, ctl(&r, "queue show %s qidx %u", self->name, info.num_queues));
	snprintf(want, sizeof(want), "vubctl: device \"%s\" has no queue %u",
		 self->name, info.num_queues);
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);

	/* stats -j: the totals and each queue's counters. */
	ASSERT_EQ(0, ctl(&r, "-j stats %s", self->name)) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), ".stats[\"%s\"]", self->name);
	ASSERT_LT(3, kv_load(&kv, want));
	EXPECT_EQ(kicks_sum, (uint64_t)kv_num(&kv, "kicks"));
	EXPECT_EQ(1, kv_num(&kv, "mem_regions"));
	snprintf(want, sizeof(want), "[.stats[\"%s\"].queues[].kicks] | add",
		 self->name);
	ASSERT_OK(jq1(buf, sizeof(buf), want));
	EXPECT_EQ(kicks_sum, strtoull(buf, NULL, 0));
	ASSERT_EQ(0, ctl(&r, "-j dev show %s", self->name));
	snprintf(want, sizeof(want), ".dev[\"%s\"]", self->name);
	ASSERT_LT(10, kv_load(&kv, want));
	EXPECT_EQ(kicks_sum, (uint64_t)kv_num(&kv, "kicks"));

	/* The same in text, for people. */
	ASSERT_EQ(0, ctl(&r, "dev show %s", self->name));
	snprintf(want, sizeof(want), "%s\n  node                 /dev/vubridge/%s\n  mgmtdev              %s\n  type                 %s (device id %u, vendor id 0x%x)\n",
		 self->name, self->name, variant->mgmtdev, variant->type,
		 info.device_id, info.vendor_id);
	EXPECT_TRUE(starts(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "\n  owner                pid %d label \"" LABEL "\"\n  frontend connected   yes, pid 4321 uid 42\n",
		 getpid());
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\n  status               0x0f ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK\n"))
		TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\n  device features      ")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, ctl(&r, "queue show %s", self->name));
	EXPECT_NE(NULL, strstr(r.out, "QUEUE  STATE     SIZE   MAX    RING"))
		TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\n0      enabled   64     ")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, vendor_line)) TH_LOG("%s", r.out);
	ASSERT_EQ(0, ctl(&r, "stats %s", self->name));
	snprintf(want, sizeof(want), "dev %s: kicks %" PRIu64 " interrupts ",
		 self->name, kicks_sum);
	EXPECT_TRUE(starts(r.out, want)) TH_LOG("%s", r.out);
	/* Pretty JSON is the same document. */
	ASSERT_EQ(0, ctl(&r, "-j -p dev show %s", self->name));
	EXPECT_TRUE(starts(r.out, "{\n    \"dev\": {\n")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, vub_sh("jq -e . " OUT_FILE " >/dev/null"));

	/* Closing the file: no owner, no front-end. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, ctl(&r, "-j dev show"));
	snprintf(want, sizeof(want), ".dev[\"%s\"]", self->name);
	ASSERT_LT(5, kv_load(&kv, want)) TH_LOG("%s", r.out);
	EXPECT_EQ(NULL, kv_get(&kv, "owner_pid"));
	EXPECT_EQ(NULL, kv_get(&kv, "frontend_connected"));
	EXPECT_EQ(0, kv_num(&kv, "pinned_pages"));

	/* dev del: gone, and named as such afterwards. */
	ASSERT_EQ(0, ctl(&r, "dev del %s", self->name)) TH_LOG("%s", r.err);
	EXPECT_FALSE(vub_vdpa_dev_exists(self->name));
	EXPECT_EQ(1, ctl(&r, "dev show %s", self->name));
	snprintf(want, sizeof(want), "vubctl: device \"%s\" not found", self->name);
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);
	EXPECT_STREQ("", r.out);
}

TEST_F_TIMEOUT(ctl, bind_unbind_and_busy, 120)
{
	char drv[64], want[256];
	struct res r;

	/* A device made elsewhere, held by vhost_vdpa. */
	ASSERT_OK(vub_vdpa_dev_add(self->name, variant->mgmtdev, variant->mac));
	ASSERT_OK(vub_vdpa_dev_driver(self->name, drv, sizeof(drv)));
	EXPECT_STREQ("vhost_vdpa", drv);
	EXPECT_EQ(1, ctl(&r, "dev show %s", self->name));
	snprintf(want, sizeof(want), "vubctl: device \"%s\" is not bound to vubridge (vubctl dev bind %s)",
		 self->name, self->name);
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, "dev unbind %s", self->name));
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);

	ASSERT_EQ(0, ctl(&r, "dev bind %s", self->name)) TH_LOG("%s", r.err);
	ASSERT_OK(vub_vdpa_dev_driver(self->name, drv, sizeof(drv)));
	EXPECT_STREQ(VUB_DRIVER, drv);
	EXPECT_EQ(1, ctl(&r, "dev bind %s", self->name));
	snprintf(want, sizeof(want), "vubctl: device \"%s\" is already bound to vubridge",
		 self->name);
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);

	/* Owned: neither bind nor unbind takes it away. */
	self->fd = vub_open(self->name);
	ASSERT_LE(0, self->fd);
	snprintf(want, sizeof(want), "vubctl: device \"%s\" is in use: its file /dev/vubridge/%s is open",
		 self->name, self->name);
	EXPECT_EQ(1, ctl(&r, "dev bind %s", self->name));
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl(&r, "dev unbind %s", self->name));
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);
	ASSERT_OK(vub_vdpa_dev_driver(self->name, drv, sizeof(drv)));
	EXPECT_STREQ(VUB_DRIVER, drv);
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, ctl(&r, "dev unbind %s", self->name)) TH_LOG("%s", r.err);
	ASSERT_OK(vub_vdpa_dev_driver(self->name, drv, sizeof(drv)));
	EXPECT_STRNE(VUB_DRIVER, drv);
	vub_node_path(self->name, want, sizeof(want));
	EXPECT_OK(vub_wait_path(want, false, 5000));
}

TEST_F_TIMEOUT(ctl, errors_name_what_was_wrong, 180)
{
	char want[256];
	struct res r;

	ASSERT_EQ(0, add_dev(&r, self->name, variant->mgmtdev, variant->mac))
		TH_LOG("%s", r.err);

	/* Unknown device, for every command that names one. */
	static const char *const cmds[] = {
		"dev show", "dev bind", "dev unbind", "dev del", "queue show",
		"stats",
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_EQ(1, ctl(&r, "%s vubctl-nosuch9", cmds[i]));
		EXPECT_TRUE(starts(r.err, "vubctl: device \"vubctl-nosuch9\" not found")) TH_LOG("%s: %s", cmds[i], r.err);
		EXPECT_STREQ("", r.out);
	}
	/* Unknown management device; nothing created. */
	EXPECT_EQ(1, ctl(&r, "dev add vubctl-x mgmtdev nosuch_mgmt"));
	EXPECT_TRUE(starts(r.err, "vubctl: management device \"nosuch_mgmt\" not found")) TH_LOG("%s", r.err);
	EXPECT_FALSE(vub_vdpa_dev_exists("vubctl-x"));
	EXPECT_EQ(1, ctl(&r, "mgmtdev show nosuch_mgmt"));
	EXPECT_TRUE(starts(r.err, "vubctl: management device \"nosuch_mgmt\" not found")) TH_LOG("%s", r.err);
	/* Duplicate name: refused, the first device untouched. */
	EXPECT_EQ(1, add_dev(&r, self->name, variant->mgmtdev, NULL));
	snprintf(want, sizeof(want), "vubctl: device \"%s\" already exists",
		 self->name);
	EXPECT_TRUE(starts(r.err, want)) TH_LOG("%s", r.err);
	EXPECT_EQ(0, ctl(&r, "dev show %s", self->name));

	/* Unprivileged: reads work, every change is EPERM, said clearly. */
	EXPECT_EQ(0, ctl_as(&r, NOBODY, "-j dev show %s", self->name))
		TH_LOG("%s", r.err);
	EXPECT_EQ(0, ctl_as(&r, NOBODY, "-j queue show %s", self->name))
		TH_LOG("%s", r.err);
	EXPECT_EQ(0, ctl_as(&r, NOBODY, "mgmtdev show")) TH_LOG("%s", r.err);
	EXPECT_EQ(1, ctl_as(&r, NOBODY, "dev add vubctl-u mgmtdev %s",
			    variant->mgmtdev));
	EXPECT_STREQ("vubctl: dev add vubctl-u: Operation not permitted (CAP_NET_ADMIN needed)\n",
		     r.err);
	EXPECT_FALSE(vub_vdpa_dev_exists("vubctl-u"));
	EXPECT_EQ(1, ctl_as(&r, NOBODY, "dev unbind %s", self->name));
	snprintf(want, sizeof(want), "vubctl: dev unbind %s: Operation not permitted (CAP_NET_ADMIN needed)\n",
		 self->name);
	EXPECT_STREQ(want, r.err);
	EXPECT_EQ(1, ctl_as(&r, NOBODY, "dev bind %s", self->name));
	snprintf(want, sizeof(want), "vubctl: dev bind %s: Operation not permitted (CAP_NET_ADMIN needed)\n",
		 self->name);
	EXPECT_STREQ(want, r.err);
	EXPECT_EQ(1, ctl_as(&r, NOBODY, "dev del %s", self->name));
	snprintf(want, sizeof(want), "vubctl: dev del %s: Operation not permitted (CAP_NET_ADMIN needed)\n",
		 self->name);
	EXPECT_STREQ(want, r.err);
	EXPECT_TRUE(vub_vdpa_dev_exists(self->name));

	/* Malformed arguments: exit 2 before any change. */
	EXPECT_EQ(2, ctl(&r, "dev add %s mgmtdev %s mtu 12", self->name,
			 variant->mgmtdev));
	EXPECT_STREQ("vubctl: mtu \"12\": not a number in 68..65535\n", r.err);
	EXPECT_EQ(2, ctl(&r, "dev add vubctl-y mgmtdev %s mac zz", variant->mgmtdev));
	EXPECT_FALSE(vub_vdpa_dev_exists("vubctl-y"));
	EXPECT_EQ(2, ctl(&r, "queue show %s qidx -1", self->name));
	EXPECT_EQ(2, ctl(&r, "dev frob"));
	EXPECT_EQ(2, ctl(&r, "-q dev show"));
}

TEST_F_TIMEOUT(ctl, mgmtdev_show_agrees_with_vdpa_tool, 60)
{
	char want[256], mine[256], theirs[256];
	struct res r;

	ASSERT_EQ(0, ctl(&r, "-j mgmtdev show %s", variant->mgmtdev))
		TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), ".mgmtdev[\"%s\"].supported_classes | join(\",\")",
		 variant->mgmtdev);
	ASSERT_OK(jq1(mine, sizeof(mine), want));
	EXPECT_STREQ(variant->type, mine);
	snprintf(want, sizeof(want), ".mgmtdev[\"%s\"].max_supported_vqs",
		 variant->mgmtdev);
	ASSERT_OK(jq1(mine, sizeof(mine), want));
	/* iproute2's vdpa reads the same family: the same numbers. */
	ASSERT_EQ(0, vub_sh_out(theirs, sizeof(theirs),
				"vdpa -j mgmtdev show %s | jq -r '.mgmtdev[\"%s\"].max_supported_vqs'",
				variant->mgmtdev, variant->mgmtdev));
	EXPECT_STREQ(theirs, mine);
	ASSERT_EQ(0, ctl(&r, "mgmtdev show"));
	snprintf(want, sizeof(want), "%s\n  supported classes    %s\n",
		 variant->mgmtdev, variant->type);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
}

/* ---- monitor, with the daemon ---- */

struct monitor {
	pid_t pid;
	int fd;			/* its stdout */
	char buf[16384];
	size_t len;
};

static int monitor_start(struct monitor *m)
{
	pid_t pid;
	int p[2];

	m->len = 0;
	m->buf[0] = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	/* @m may be in memory shared with the harness's parent: only the
	 * parent side writes it. */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], 1);
		execl(vubctl_path(), "vubctl", "-j", "monitor", (char *)NULL);
		_exit(127);
	}
	m->pid = pid;
	close(p[1]);
	m->fd = p[0];
	return 0;
}

/* Read what the monitor printed, waiting up to @ms for more. */
static void monitor_read(struct monitor *m, int ms)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	ssize_t n;

	while (poll(&pfd, 1, ms) > 0 && m->len + 1 < sizeof(m->buf)) {
		n = read(m->fd, m->buf + m->len, sizeof(m->buf) - 1 - m->len);
		if (n <= 0)
			break;
		m->len += (size_t)n;
		m->buf[m->len] = '\0';
		ms = 0;
	}
}

/* Wait until the output has @line (a whole JSON line). */
static bool monitor_wait(struct monitor *m, const char *line, int ms)
{
	int waited;

	for (waited = 0; waited <= ms; waited += 100) {
		if (strstr(m->buf, line))
			return true;
		monitor_read(m, 100);
	}
	return strstr(m->buf, line) != NULL;
}

/* The first line of event @ev of MON_DEV into @line; false if none. */
static bool event_line(const struct monitor *m, const char *ev, char *line,
		       size_t cap)
{
	char head[96];
	const char *p, *nl;

	snprintf(head, sizeof(head), "{\"event\":\"%s\",\"dev\":\"%s\"", ev,
		 "vubctl-mon");
	p = strstr(m->buf, head);
	if (!p)
		return false;
	nl = strchr(p, '\n');
	snprintf(line, cap, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
	return true;
}

static pid_t daemon_run(const char *dev, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char bin[512];

		if (fd >= 0)
			dup2(fd, 2);
		snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
		execl(bin, bin, "--foreground", "--socket-dir", SOCK_DIR,
		      "--device", dev, "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	return pid;
}

FIXTURE(mon) {
	struct monitor m;
	pid_t daemon;
	char log[256];
	struct nfe n;
};

#define MON_DEV		"vubctl-mon"
#define MON_MAC		"02:00:00:00:c7:0a"

FIXTURE_SETUP(mon)
{
	self->m.pid = -1;
	self->daemon = -1;
	nfe_init(&self->n);
	VUBT_REQUIRE_ENV();
	if (access(vubctl_path(), X_OK))
		SKIP(return, "%s missing: make -C tools/vubctl", vubctl_path());
	snprintf(self->log, sizeof(self->log), "%s/vubridged-92.log",
		 getenv("VUB_RESULTS") ? getenv("VUB_RESULTS") : "/tmp");
	mkdir(SOCK_DIR, 0755);
	vub_vdpa_dev_del(MON_DEV);
	ASSERT_OK(vub_vdpa_dev_add(MON_DEV, "vdpasim_net", MON_MAC));
}

/* In the parent, so that a failed ASSERT still stops the processes (the
 * front-end's socket died with the test's process). */
FIXTURE_TEARDOWN_PARENT(mon)
{
	if (self->daemon > 0) {
		kill(self->daemon, SIGKILL);
		waitpid(self->daemon, NULL, 0);
	}
	if (self->m.pid > 0) {
		kill(self->m.pid, SIGKILL);
		waitpid(self->m.pid, NULL, 0);
	}
	vub_vdpa_dev_del(MON_DEV);
}

/* The events of MON_DEV in the monitor's output, by name, in order,
 * without "reset" (each session's end resets the device). */
static void event_list(const struct monitor *m, char *out, size_t cap)
{
	const char *p = m->buf, *nl;
	size_t len = 0;

	out[0] = '\0';
	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		char ev[40];

		if (!memmem(p, (size_t)(nl - p), "\"dev\":\"" MON_DEV "\"",
			    strlen("\"dev\":\"" MON_DEV "\"")) ||
		    sscanf(p, "{\"event\":\"%39[a-z_]\"", ev) != 1 ||
		    !strcmp(ev, "reset"))
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
					len ? " " : "", ev);
		if (len >= cap)
			break;
	}
}

TEST_F_TIMEOUT(mon, monitor_sees_a_device_life, 300)
{
	char line[512], want[256], path[128], events[512], logbuf[65536];
	const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0xc7, 0x0b };
	struct res r;
	struct kv kv;
	char *start;
	int i, st;

	ASSERT_OK(monitor_start(&self->m));
	/*
	 * The monitor has joined the group once it reports a bind: bind
	 * (and unbind again) until it does. Only what follows its first
	 * "bound" counts.
	 */
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, ctl(&r, "dev bind " MON_DEV)) TH_LOG("%s", r.err);
		if (monitor_wait(&self->m, "{\"event\":\"bound\",\"dev\":\"" MON_DEV "\"", 300))
			break;
		ASSERT_EQ(0, ctl(&r, "dev unbind " MON_DEV)) TH_LOG("%s", r.err);
	}
	ASSERT_GT(50, i) TH_LOG("vubctl monitor reported no bind");
	start = strstr(self->m.buf, "{\"event\":\"bound\",\"dev\":\"" MON_DEV "\"");
	memmove(self->m.buf, start, strlen(start) + 1);
	self->m.len = strlen(self->m.buf);

	/* The daemon opens the device: owner attached, with its pid. */
	self->daemon = daemon_run(MON_DEV, self->log);
	ASSERT_LT(0, self->daemon);
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"owner_attached\",\"dev\":\"" MON_DEV "\"",
				 20000)) TH_LOG("%s", self->m.buf);
	ASSERT_TRUE(event_line(&self->m, "owner_attached", line, sizeof(line)));
	snprintf(want, sizeof(want), "\"owner_pid\":%d", self->daemon);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);

	/* A front-end connects (and drives the device up to DRIVER_OK): its
	 * pid and uid, the daemon's socket. */
	snprintf(path, sizeof(path), SOCK_DIR "/%s.sock", MON_DEV);
	ASSERT_EQ(0, nfe_start(&self->n, path, VU_PF(VU_PF_MQ) |
			       VU_PF(VU_PF_REPLY_ACK) | VU_PF(VU_PF_CONFIG) |
			       VU_PF(VU_PF_STATUS) | VU_PF(VU_PF_RESET_DEVICE)));
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"frontend_connected\",\"dev\":\"" MON_DEV "\"",
				 10000)) TH_LOG("%s", self->m.buf);
	ASSERT_TRUE(event_line(&self->m, "frontend_connected", line, sizeof(line)));
	snprintf(want, sizeof(want), "\"frontend_pid\":%d,\"frontend_uid\":0", getpid());
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	snprintf(want, sizeof(want), "\"owner_label\":\"%s\"", path);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	/* dev show says the same. */
	ASSERT_EQ(0, ctl(&r, "-j dev show " MON_DEV));
	ASSERT_LT(10, kv_load(&kv, ".dev[\"" MON_DEV "\"]")) TH_LOG("%s", r.out);
	EXPECT_EQ(self->daemon, kv_num(&kv, "owner_pid"));
	EXPECT_STREQ(path, kv_get(&kv, "owner_label"));
	EXPECT_STREQ("true", kv_get(&kv, "frontend_connected"));
	EXPECT_EQ(getpid(), kv_num(&kv, "frontend_pid"));
	EXPECT_EQ(0, kv_num(&kv, "frontend_uid"));

	/* A config change (the MAC, as "vdpa dev set" does). */
	ASSERT_OK(vdpa_nl_dev_set_mac(MON_DEV, mac2));
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"config_changed\",\"dev\":\"" MON_DEV "\"",
				 10000)) TH_LOG("%s", self->m.buf);

	/* The front-end leaves, the daemon stops. */
	nfe_fini(&self->n);
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"frontend_disconnected\",\"dev\":\"" MON_DEV "\"",
				 10000)) TH_LOG("%s", self->m.buf);
	kill(self->daemon, SIGTERM);
	ASSERT_EQ(self->daemon, waitpid(self->daemon, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	self->daemon = -1;
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"owner_released\",\"dev\":\"" MON_DEV "\"",
				 10000)) TH_LOG("%s", self->m.buf);

	ASSERT_EQ(0, ctl(&r, "dev unbind " MON_DEV)) TH_LOG("%s", r.err);
	ASSERT_TRUE(monitor_wait(&self->m, "{\"event\":\"unbound\",\"dev\":\"" MON_DEV "\"",
				 10000)) TH_LOG("%s", self->m.buf);

	/* SIGINT ends it cleanly. */
	kill(self->m.pid, SIGINT);
	ASSERT_EQ(self->m.pid, waitpid(self->m.pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	self->m.pid = -1;
	monitor_read(&self->m, 0);

	event_list(&self->m, events, sizeof(events));
	EXPECT_STREQ("bound owner_attached frontend_connected config_changed frontend_disconnected owner_released unbound",
		     events) TH_LOG("%s", self->m.buf);

	/* The daemon followed the events and said what happened. */
	ASSERT_EQ(0, read_all(self->log, logbuf, sizeof(logbuf)));
	EXPECT_NE(NULL, strstr(logbuf, "following vubridge's generic netlink events"))
		TH_LOG("%s", logbuf);
	EXPECT_NE(NULL, strstr(logbuf, MON_DEV ": the device's configuration changed"))
		TH_LOG("%s", logbuf);
}

/* A device deleted under the daemon: it stops serving it on the event. */
TEST_F_TIMEOUT(mon, daemon_drops_a_removed_device, 120)
{
	char path[128], logbuf[65536];
	struct res r;
	int i;

	ASSERT_EQ(0, ctl(&r, "dev bind " MON_DEV)) TH_LOG("%s", r.err);
	self->daemon = daemon_run(MON_DEV, self->log);
	ASSERT_LT(0, self->daemon);
	snprintf(path, sizeof(path), SOCK_DIR "/%s.sock", MON_DEV);
	ASSERT_OK(vub_wait_path(path, true, 20000));
	ASSERT_EQ(0, ctl(&r, "dev del " MON_DEV)) TH_LOG("%s", r.err);
	/* Served no more: its socket goes, the daemon lives on. */
	ASSERT_OK(vub_wait_path(path, false, 10000));
	for (i = 0; i < 50; i++) {
		if (read_all(self->log, logbuf, sizeof(logbuf)) == 0 &&
		    strstr(logbuf, MON_DEV ": no longer served"))
			break;
		usleep(100000);
	}
	EXPECT_NE(NULL, strstr(logbuf, MON_DEV ": device removed")) TH_LOG("%s", logbuf);
	EXPECT_EQ(0, kill(self->daemon, 0));
}

TEST_HARNESS_MAIN
