// SPDX-License-Identifier: GPL-2.0
/*
 * 95-qemu.c - real QEMU as the front-end of vubridged, in the VM.
 *
 * QEMU runs with no guest OS (TCG, a firmware of HLT, -qtest): this
 * program is the guest's virtio driver over qtest, so QEMU's own
 * virtio-net-pci / vhost-user-blk-pci models and vhost-user front-end
 * send vubridged exactly what they send for a real guest. vubridged serves
 * vdpa_sim_net / vdpa_sim_blk through vubridge.ko.
 *
 * vm_life lives one VM life with a NIC and a disk (start, stop/cont,
 * set_link off/on, system_reset, a live takeover by a new vubridged,
 * vubridged killed and restarted); after
 * each event frames must loop back byte for byte, the disk must read back
 * the pattern written at the start, and the vhost-user sessions must have
 * lived through it: QEMU reconnecting behind our back (the chardevs have
 * reconnect set, as the restart needs) fails the test, as do problems in
 * the kernel log. Variants: bookworm's QEMU 7.2, bookworm-backports' 10.0.
 * The device arguments are the ones Documentation/vmm/qemu.rst quotes.
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
#include "net_frame.h"
#include "qemu_blk.h"
#include "qemu_net.h"
#include "qemu_vm.h"
#include "vub_test.h"

#define NET_DEV		"vqnet0"
#define NET_MAC		"02:00:00:00:0c:01"
#define BLK_DEV		"vqblk0"
#define FRAMES		32	/* per phase; each one a few ms of qtest */
#define LOOP_MS		5000	/* for one frame to come back */
#define CONNECT_MS	30000

FIXTURE(qemu) {
	struct vubt_watch w;
	struct qvm vm;
	struct vubd d;
	struct qnet net;
	struct qblk blk;
	uint8_t mac[6];
	char tag[64];
	int daemons;
};

FIXTURE_VARIANT(qemu) {
	const struct qemu_ver *ver;
	const char *tag;
};

FIXTURE_VARIANT_ADD(qemu, v7_2) {
	.ver = &qvm_qemu_7_2,
	.tag = "7.2",
};

FIXTURE_VARIANT_ADD(qemu, v10_0) {
	.ver = &qvm_qemu_10_0,
	.tag = "10.0",
};

static int daemon_up(struct __test_metadata *_metadata,
		     FIXTURE_DATA(qemu) *self)
{
	char log[128];
	int ret;

	snprintf(log, sizeof(log), "vubridged-%s-%d.log", self->tag,
		 ++self->daemons);
	ret = vubd_start(&self->d, log);
	if (ret)
		return ret;
	if (vubd_wait_count(&self->d, NET_DEV, "listening on", 1, 10000) ||
	    vubd_wait_count(&self->d, BLK_DEV, "listening on", 1, 10000)) {
		TH_LOG("vubridged did not listen for %s and %s (log %s)",
		       NET_DEV, BLK_DEV, self->d.log);
		return -ETIMEDOUT;
	}
	return 0;
}

FIXTURE_SETUP(qemu)
{
	self->w.kmsg = -1;
	self->vm.pid = -1;
	self->d.pid = -1;
	snprintf(self->tag, sizeof(self->tag), "%s-%s", variant->tag,
		 _metadata->name);
	VUBT_REQUIRE_ENV();
	if (qvm_find(&self->vm, variant->ver))
		SKIP(return, "%s", self->vm.err);
	vubt_watch_start(&self->w);
	ASSERT_EQ(0, mac_parse(NET_MAC, self->mac));
	ASSERT_OK(vub_sim_dev_create(NET_DEV, "vdpasim_net", NET_MAC));
	ASSERT_OK(vub_sim_dev_create(BLK_DEV, "vdpasim_blk", NULL));
	if (daemon_up(_metadata, self) == -ENOENT)
		SKIP(return, "%s", self->d.err);
	ASSERT_GT(self->d.pid, 0);
}

/*
 * In the parent: this harness (6.12) skips a plain FIXTURE_TEARDOWN when
 * an ASSERT fails in the test (its longjmp loses the forked child's pid),
 * which would leave QEMU and the daemon holding the devices for the next
 * test. The kernel log is checked by the tests themselves (the parent
 * does not have their /dev/kmsg fd) and by run_vm.sh.
 */
FIXTURE_TEARDOWN_PARENT(qemu)
{
	qvm_stop(&self->vm);
	vubd_stop(&self->d, SIGTERM);
	vub_vdpa_dev_del(NET_DEV);
	vub_vdpa_dev_del(BLK_DEV);
	self->w.kmsg = -1;
	/* A failed test already said why; its leftovers are not news. */
	if (_metadata->exit_code == KSFT_PASS)
		VUBT_WATCH_CHECK(&self->w);
}

/*
 * Documentation/vmm/qemu.rst quotes the device arguments the tests run:
 * each "-option value" pair of @extra must appear in it as is.
 */
static int doc_quotes(struct __test_metadata *_metadata,
		      const char *const *extra)
{
	char path[512], want[512], *doc;
	FILE *f;
	long n;
	int i, ret = 0;

	snprintf(path, sizeof(path), "%s/Documentation/vmm/qemu.rst",
		 vub_root_dir());
	f = fopen(path, "re");
	if (!f) {
		TH_LOG("%s: %s", path, strerror(errno));
		return -errno;
	}
	doc = calloc(1, 1 << 16);
	n = doc ? (long)fread(doc, 1, (1 << 16) - 1, f) : -1;
	fclose(f);
	for (i = 0; n > 0 && extra[i] && extra[i + 1]; i += 2) {
		snprintf(want, sizeof(want), "%s %s", extra[i], extra[i + 1]);
		if (!strstr(doc, want)) {
			TH_LOG("%s does not quote the line the test runs: %s",
			       path, want);
			ret = -EBADMSG;
		}
	}
	free(doc);
	return n > 0 ? ret : -EIO;
}

/* The guest's drivers initialise both devices (boot, or after a reset). */
static int drivers_up(struct __test_metadata *_metadata,
		      FIXTURE_DATA(qemu) *self)
{
	int ret = qnet_up(&self->net, &self->vm.qt, self->mac);

	if (ret) {
		TH_LOG("virtio-net driver bring-up: %s", self->net.err);
		return ret;
	}
	ret = qblk_up(&self->blk, &self->vm.qt);
	if (ret)
		TH_LOG("virtio-blk driver bring-up: %s", self->blk.err);
	return ret;
}

/*
 * QEMU with a vhost-user virtio-net-pci on NET_DEV's socket and a
 * vhost-user-blk-pci on BLK_DEV's, both drivers up. One QEMU for both:
 * starting QEMU takes 20-50 s in the TCG test VM.
 */
static int start_vm(struct __test_metadata *_metadata,
		    FIXTURE_DATA(qemu) *self, const struct qemu_ver *v)
{
	char net_chr[256], net_dev[256], blk_chr[256], blk_dev[256];
	int64_t t0 = qvm_ms_now();
	const char *extra[] = {
		"-chardev", net_chr,
		"-netdev", "vhost-user,id=hn0,chardev=vu0",
		"-device", net_dev,
		"-chardev", blk_chr,
		"-device", blk_dev,
		NULL,
	};
	int ret;

	snprintf(net_chr, sizeof(net_chr), "socket,id=vu0,path=%s/%s.sock,%s",
		 QVM_DIR, NET_DEV, v->reconnect);
	/* The MAC must be the vDPA device's: the device filters on it. */
	snprintf(net_dev, sizeof(net_dev),
		 "virtio-net-pci,id=net0,netdev=hn0,mac=%s,disable-legacy=on,romfile=%s",
		 NET_MAC, v->dev_opts);
	snprintf(blk_chr, sizeof(blk_chr), "socket,id=vb0,path=%s/%s.sock,%s",
		 QVM_DIR, BLK_DEV, v->reconnect);
	/* vdpa_sim_blk has one queue of at most 256 entries. */
	snprintf(blk_dev, sizeof(blk_dev),
		 "vhost-user-blk-pci,id=blk0,chardev=vb0,num-queues=1,queue-size=128,disable-legacy=on%s",
		 v->dev_opts);
	ret = doc_quotes(_metadata, extra);
	if (!ret)
		ret = qvm_start(&self->vm, self->tag, extra);
	if (ret) {
		TH_LOG("%s", self->vm.err);
		return ret;
	}
	TH_LOG("QEMU %s up (qtest and QMP connected) in %lld ms", v->name,
	       (long long)(qvm_ms_now() - t0));
	return drivers_up(_metadata, self);
}

/*
 * The session of @dev lived: one connection to this daemon, never closed,
 * QEMU still running, nothing in the kernel log.
 */
#define ASSERT_SESSION_LIVED(dev, phase) do {				\
	char __p[512], __k[512];					\
	int __c = vubd_count(&self->d, dev, "front-end connected");	\
	int __x = vubd_count(&self->d, dev, "front-end disconnected");	\
	vubd_first_problem(&self->d, __p, sizeof(__p));			\
	ASSERT_TRUE(qvm_alive(&self->vm)) {				\
		TH_LOG("%s: %s", phase, self->vm.err);			\
	}								\
	ASSERT_EQ(1, __c) {						\
		TH_LOG("%s: QEMU connected %d times (first problem in %s: %s)", \
		       phase, __c, self->d.log, __p);			\
	}								\
	ASSERT_EQ(0, __x) {						\
		TH_LOG("%s: the session ended (first problem in %s: %s)", \
		       phase, self->d.log, __p);			\
	}								\
	if (self->w.kmsg >= 0)						\
		ASSERT_EQ(0, kmsg_problems(self->w.kmsg, __k, sizeof(__k))) { \
			TH_LOG("%s: kernel log: %s", phase, __k);	\
		}							\
} while (0)

/* FRAMES frames loop back, and the session lived through @phase. */
#define ASSERT_NET_PHASE(phase) do {					\
	int64_t __t0 = qvm_ms_now();					\
	int __r = qnet_loop(&self->net, FRAMES, LOOP_MS);		\
	ASSERT_EQ(0, __r) {						\
		char __p[512];						\
		vubd_first_problem(&self->d, __p, sizeof(__p));		\
		TH_LOG("%s: %s (daemon: %s)", phase, self->net.err, __p); \
	}								\
	ASSERT_SESSION_LIVED(NET_DEV, phase);				\
	TH_LOG("QEMU %s, %s: %d frames back in %lld ms", variant->tag,	\
	       phase, FRAMES, (long long)(qvm_ms_now() - __t0));		\
} while (0)

#define ASSERT_QMP(json) do {						\
	ASSERT_EQ(0, qmp_exec(&self->vm.qmp, NULL, 0, json)) {		\
		TH_LOG("%s", self->vm.qmp.err);				\
	}								\
} while (0)

/* Pattern blocks spread over the disk; written once, read back often. */
#define BLK_BLOCKS	16

static uint64_t blk_sector(const struct qblk *b, unsigned int i)
{
	uint64_t span = b->capacity - QBLK_MAX_IO / BLK_SECTOR;

	return span * i / BLK_BLOCKS & ~7ull;
}

static int blk_write(struct __test_metadata *_metadata,
		     FIXTURE_DATA(qemu) *self)
{
	uint8_t buf[QBLK_MAX_IO];
	unsigned int i;
	int ret;

	if (self->blk.capacity < 2 * QBLK_MAX_IO / BLK_SECTOR) {
		TH_LOG("disk of %llu sectors", (unsigned long long)self->blk.capacity);
		return -ENOSPC;
	}
	for (i = 0; i < BLK_BLOCKS; i++) {
		uint64_t s = blk_sector(&self->blk, i);

		blk_pattern(buf, s * BLK_SECTOR, sizeof(buf), 0x95);
		ret = qblk_io(&self->blk, 1, s, buf, sizeof(buf), LOOP_MS);
		if (ret) {
			TH_LOG("%s", self->blk.err);
			return ret;
		}
	}
	return 0;
}

static int blk_check(struct __test_metadata *_metadata,
		     FIXTURE_DATA(qemu) *self, const char *phase)
{
	uint8_t got[QBLK_MAX_IO], want[QBLK_MAX_IO];
	unsigned int i;
	int ret;

	for (i = 0; i < BLK_BLOCKS; i++) {
		uint64_t s = blk_sector(&self->blk, i);

		blk_pattern(want, s * BLK_SECTOR, sizeof(want), 0x95);
		ret = qblk_io(&self->blk, 0, s, got, sizeof(got), LOOP_MS);
		if (ret) {
			TH_LOG("%s: %s", phase, self->blk.err);
			return ret;
		}
		if (memcmp(got, want, sizeof(got))) {
			TH_LOG("%s: sector %llu does not read back what was written",
			       phase, (unsigned long long)s);
			return -EBADMSG;
		}
	}
	return 0;
}

/* The disk reads back the pattern, and its session lived through @phase. */
#define ASSERT_BLK_PHASE(phase) do {					\
	int64_t __t0 = qvm_ms_now();					\
	ASSERT_EQ(0, blk_check(_metadata, self, phase));		\
	ASSERT_SESSION_LIVED(BLK_DEV, phase);				\
	TH_LOG("QEMU %s, %s: %d x %u bytes read back in %lld ms",	\
	       variant->tag, phase, BLK_BLOCKS, QBLK_MAX_IO,		\
	       (long long)(qvm_ms_now() - __t0));				\
} while (0)

/* A successor takes over; the old daemon exits, its sessions never end. */
static int takeover(struct __test_metadata *_metadata,
		    FIXTURE_DATA(qemu) *self)
{
	struct vubd old = self->d;
	int64_t t0 = qvm_ms_now();
	char log[128];
	int status, ret;

	snprintf(log, sizeof(log), "vubridged-%s-%d.log", self->tag,
		 ++self->daemons);
	ret = vubd_start_args(&self->d, log, "--takeover");
	if (ret)
		return ret;
	while (waitpid(old.pid, &status, WNOHANG) != old.pid) {
		if (qvm_ms_now() - t0 > 20000) {
			TH_LOG("the old daemon did not hand over (logs %s, %s)",
			       old.log, self->d.log);
			vubd_stop(&old, SIGKILL);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    vubd_count(&old, NET_DEV, "front-end disconnected") ||
	    vubd_count(&old, BLK_DEV, "front-end disconnected") ||
	    vubd_wait_count(&self->d, NET_DEV,
			    "taken over: the front-end stays connected", 1,
			    10000) ||
	    vubd_wait_count(&self->d, BLK_DEV,
			    "taken over: the front-end stays connected", 1,
			    10000)) {
		TH_LOG("the takeover went wrong (logs %s, %s)", old.log,
		       self->d.log);
		return -EIO;
	}
	TH_LOG("QEMU: vubridged taken over in %lld ms",
	       (long long)(qvm_ms_now() - t0));
	return 0;
}

/*
 * One VM life with a NIC and a disk, in the order a VM lives it: start,
 * pause/resume, link down/up, reboot, back-end crash. After each event
 * FRAMES frames loop back byte for byte, the disk reads back what was
 * written at the start, and the sessions are the ones from the start
 * (after the crash: QEMU reconnected by itself, the guest did nothing).
 */
TEST_F_TIMEOUT(qemu, vm_life, 600)
{
	int64_t t0 = qvm_ms_now();
	char p[512];

	ASSERT_EQ(0, start_vm(_metadata, self, variant->ver));
	TH_LOG("QEMU %s started and the drivers are up in %lld ms",
	       variant->tag, (long long)(qvm_ms_now() - t0));
	ASSERT_NET_PHASE("after start");
	ASSERT_EQ(0, blk_write(_metadata, self));
	ASSERT_BLK_PHASE("after start");

	/* QEMU stops and restarts the rings (GET_VRING_BASE, SET_STATUS 0,
	 * then the whole start sequence again, without a device reset).
	 */
	ASSERT_QMP("{\"execute\": \"stop\"}");
	ASSERT_QMP("{\"execute\": \"cont\"}");
	ASSERT_NET_PHASE("after stop/cont");
	ASSERT_BLK_PHASE("after stop/cont");

	/* The same from the link status (virtio-net stops vhost on link down). */
	ASSERT_QMP("{\"execute\": \"set_link\", \"arguments\": {\"name\": \"net0\", \"up\": false}}");
	ASSERT_QMP("{\"execute\": \"set_link\", \"arguments\": {\"name\": \"net0\", \"up\": true}}");
	ASSERT_NET_PHASE("after set_link off/on");

	/* A reboot: the devices reset (10.0 sends RESET_DEVICE and keeps its
	 * memory table), the guest's drivers initialise them again.
	 */
	qmp_clear_events(&self->vm.qmp);
	ASSERT_QMP("{\"execute\": \"system_reset\"}");
	/* The reset runs after the command returns; RESET says it is done. */
	ASSERT_EQ(0, qmp_wait_event(&self->vm.qmp, "RESET", 20000)) {
		TH_LOG("%s", self->vm.qmp.err);
	}
	ASSERT_EQ(0, drivers_up(_metadata, self));
	ASSERT_NET_PHASE("after system_reset");
	ASSERT_BLK_PHASE("after system_reset");

	/* An upgrade: a new vubridged --takeover takes both devices, with
	 * QEMU's connections, from the running one, which exits. QEMU
	 * notices nothing: no reconnect, the rings never stop.
	 */
	ASSERT_EQ(0, takeover(_metadata, self));
	ASSERT_NET_PHASE("after a live takeover");
	ASSERT_BLK_PHASE("after a live takeover");

	/* A crash, not a shutdown: the device files close with the process. */
	vubd_stop(&self->d, SIGKILL);
	t0 = qvm_ms_now();
	ASSERT_EQ(0, daemon_up(_metadata, self));
	ASSERT_EQ(0, vubd_wait_count(&self->d, NET_DEV, "front-end connected",
				     1, CONNECT_MS)) {
		TH_LOG("QEMU did not reconnect the NIC to the new vubridged in %d ms",
		       CONNECT_MS);
	}
	ASSERT_EQ(0, qnet_wait_traffic(&self->net, CONNECT_MS)) {
		vubd_first_problem(&self->d, p, sizeof(p));
		TH_LOG("after the restart: %s (daemon: %s)", self->net.err, p);
	}
	TH_LOG("QEMU %s: traffic back %lld ms after the daemon was killed",
	       variant->tag, (long long)(qvm_ms_now() - t0));
	ASSERT_NET_PHASE("after the daemon restart");
	ASSERT_EQ(0, vubd_wait_count(&self->d, BLK_DEV, "front-end connected",
				     1, CONNECT_MS)) {
		TH_LOG("QEMU did not reconnect the disk to the new vubridged in %d ms",
		       CONNECT_MS);
	}
	ASSERT_BLK_PHASE("after the daemon restart");
}

TEST_HARNESS_MAIN
