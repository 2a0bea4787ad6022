// SPDX-License-Identifier: GPL-2.0
/*
 * 95-hostile.c - a hostile front-end against vubridged, in the VM.
 *
 * Each test attacks the daemon through one device (the attacker's) while a
 * second device (the victim, vdpa_sim_net) carries traffic from the test
 * front-end library; after each attack the daemon must still be alive and
 * serve the victim: control messages answered, frames looping back.
 * Attacks (issue 11, daemon items):
 *  1. the host-notifier fd (vp_vdpa, which has doorbells) must be a
 *     doorbell-only handle: every ioctl ENOTTY, withdrawn when the ring
 *     stops, revoked (mmap ENODEV) when the session ends;
 *  2. truncating the memfd before the daemon reads the used index of a
 *     device without ring state (vp_vdpa): a clear failure, no SIGBUS;
 *  3. a huge sparse memfd (refused by the pin limit), a pin that takes a
 *     while (the victim is answered meanwhile), a front-end vanishing
 *     mid-pin (cleaned up);
 *  4. a flood of fds (the session's fd cap), a peer that never reads its
 *     replies, a peer vanishing mid-message;
 *  5. SET_CONFIG of the MAC, then a new session: the provisioned MAC;
 *  6. a symlink planted where a socket goes: refused, not followed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/vubridge.h>

#include "evwait.h"
#include "net_loop.h"
#include "pinned.h"
#include "vdpa_env.h"
#include "vub_test.h"
#include "vu_frontend.h"
#include "vu_net.h"

#define SOCK_DIR	VU_NET_SOCK_DIR
#define DEV_A		"vuhost0"	/* the attacker's */
#define DEV_B		"vuhost1"	/* the victim's */
#define MAC_A		"02:00:00:00:0c:01"
#define MAC_B		"02:00:00:00:0d:01"
#define PIN_LIMIT_MB	256
#define FD_CAP		32
#define PID_FILE	SOCK_DIR "/test-daemon.pid"
#define LOG_FILE	"/tmp/vubridged-hostile.log"
#define WANT_PF		(VU_PF(VU_PF_MQ) | VU_PF(VU_PF_REPLY_ACK) |	\
			 VU_PF(VU_PF_CONFIG) | VU_PF(VU_PF_BACKEND_REQ) |	\
			 VU_PF(VU_PF_BACKEND_SEND_FD) |			\
			 VU_PF(VU_PF_RESET_DEVICE) | VU_PF(VU_PF_STATUS) |	\
			 VU_PF(VU_PF_CONFIGURE_MEM_SLOTS))
#define NET_F		(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC)

/* ---- the daemon ---- */

static void kill_stale_daemon(void)
{
	char buf[32];
	long pid;
	int i;

	if (vub_read_file(PID_FILE, buf, sizeof(buf)) < 0)
		return;
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || kill((pid_t)pid, SIGKILL) < 0)
		return;
	for (i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
		usleep(20000);
}

/* vubridged serving @devs (NULL-ended) with the limits the tests attack. */
static pid_t daemon_start(const char *const *devs)
{
	char bin[512], buf[32];
	const char *argv[32];
	int n = 0, fd;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/daemon/vubridged", vub_build_dir());
	if (access(bin, X_OK))
		return -ENOENT;
	mkdir(SOCK_DIR, 0755);
	kill_stale_daemon();
	argv[n++] = bin;
	argv[n++] = "--foreground";
	argv[n++] = "--socket-dir";
	argv[n++] = SOCK_DIR;
	argv[n++] = "--max-pinned";
	argv[n++] = "256M";
	argv[n++] = "--max-session-fds";
	argv[n++] = "32";
	while (*devs && n < 28) {
		argv[n++] = "--device";
		argv[n++] = *devs++;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		fd = open(LOG_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	fd = open(PID_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, strlen(buf)) < 0)
			perror("pid file");
		close(fd);
	}
	return pid;
}

static void daemon_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(PID_FILE);
}

/* The daemon has not exited (a SIGBUS or abort would show here). */
static bool daemon_alive(pid_t pid, int *status)
{
	*status = 0;
	return pid > 0 && waitpid(pid, status, WNOHANG) == 0;
}

/* Wait up to @ms for @text in the daemon's log. */
static bool log_has(const char *text, int ms)
{
	static char buf[1 << 16];
	int t;

	for (t = 0; t <= ms; t += 50) {
		if (vub_read_file(LOG_FILE, buf, sizeof(buf)) >= 0 &&
		    strstr(buf, text))
			return true;
		usleep(50000);
	}
	return false;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static long rss_kb(pid_t pid)
{
	char path[64], buf[4096];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (vub_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

static int connect_dev(struct vu_fe *fe, const char *dev, uint64_t pf)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), SOCK_DIR "/%s.sock", dev);
	ret = vu_fe_connect(fe, path, 10000);
	if (!ret)
		ret = vu_fe_negotiate(fe, NET_F, pf);
	return ret;
}

/* One region: @fd at @gpa, @size bytes, at VMM address @uaddr. */
static int send_region_table(struct vu_fe *fe, int fd, uint64_t size,
			     uint64_t uaddr, bool wait)
{
	struct vu_mem_table t = { .nregions = 1 };

	t.regions[0].gpa = 0;
	t.regions[0].size = size;
	t.regions[0].uaddr = uaddr;
	t.regions[0].mmap_offset = 0;
	if (wait)
		return vu_fe_call(fe, VU_SET_MEM_TABLE, &t,
				  VU_MEM_TABLE_HDR + sizeof(t.regions[0]), &fd,
				  1, NULL, NULL);
	return vu_fe_send(fe, VU_SET_MEM_TABLE, VU_VERSION | VU_FLAG_NEED_REPLY,
			  &t, VU_MEM_TABLE_HDR + sizeof(t.regions[0]), &fd, 1);
}

static int big_memfd(uint64_t size)
{
	int fd = memfd_create("vubt-hostile", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the fixture: attacker device A, victim device B with traffic ---- */

FIXTURE(h) {
	pid_t daemon;
	struct nfe b;		/* the victim */
	struct vu_fe a;		/* the attacker */
};

FIXTURE_SETUP(h)
{
	static const char *const devs[] = { DEV_A, DEV_B, NULL };

	nfe_init(&self->b);
	vu_fe_init(&self->a, -1);
	self->daemon = -1;
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s): build kmod/ and build/sims/",
		     vub_env_err());
	ASSERT_EQ(0, vub_sim_dev_create(DEV_A, "vdpasim_net", MAC_A)) {
		TH_LOG("%s", vub_env_err());
	}
	ASSERT_EQ(0, vub_sim_dev_create(DEV_B, "vdpasim_net", MAC_B)) {
		TH_LOG("%s", vub_env_err());
	}
	self->daemon = daemon_start(devs);
	if (self->daemon == -ENOENT)
		SKIP(return, "build/daemon/vubridged missing: make -C daemon");
	ASSERT_GT(self->daemon, 0);
	ASSERT_EQ(0, nfe_start(&self->b, DEV_B, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->b.nl, 300, 5000)) {
		TH_LOG("%s", self->b.nl.err);
	}
}

FIXTURE_TEARDOWN(h)
{
	vu_fe_close(&self->a);
	nfe_fini(&self->b);
	daemon_stop(self->daemon);
	vub_vdpa_dev_del(DEV_A);
	vub_vdpa_dev_del(DEV_B);
}

/* After an attack: the daemon lives and the victim's device works. */
#define VICTIM_OK(after) do {						\
		uint64_t f_;						\
		int st_;						\
		ASSERT_TRUE(daemon_alive(self->daemon, &st_)) {		\
			TH_LOG("after %s the daemon died (status 0x%x)",\
			       after, st_);				\
			self->daemon = -1;				\
		}							\
		ASSERT_EQ(0, vu_fe_get_u64(&self->b.fe, VU_GET_FEATURES, \
					   &f_)) {			\
			TH_LOG("after %s: the victim's session is gone", \
			       after);					\
		}							\
		ASSERT_EQ(0, net_loop_run(&self->b.nl, 300, 5000)) {	\
			TH_LOG("after %s: %s", after, self->b.nl.err);	\
		}							\
	} while (0)

/* Item 3: a 4 GiB sparse memfd would have the daemon's module pin (and
 * populate) all of it; the limit refuses it before any page is touched. */
TEST_F_TIMEOUT(h, huge_sparse_memfd_refused, 120)
{
	uint64_t f;
	long rss0, rss1;
	int fd;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	fd = big_memfd(4ull << 30);
	ASSERT_LE(0, fd);
	rss0 = rss_kb(self->daemon);
	EXPECT_EQ(-EIO, send_region_table(&self->a, fd, 4ull << 30,
					  0x7f0000000000ull, true));
	close(fd);
	rss1 = rss_kb(self->daemon);
	EXPECT_GT(rss0 + 32 * 1024, rss1);
	TH_LOG("daemon RSS %ld KiB before, %ld KiB after the 4 GiB table",
	       rss0, rss1);
	/* Nothing of the guest's; the daemon's own control queue ring (4
	 * pages, mapped at FEATURES_OK: net_cvq.c) may be. */
	EXPECT_GE(4, pinned_dev(DEV_A) > 0 ? pinned_dev(DEV_A) : 0);
	EXPECT_TRUE(log_has("--max-pinned", 2000));
	/* the session goes on */
	EXPECT_EQ(0, vu_fe_get_u64(&self->a, VU_GET_FEATURES, &f));
	VICTIM_OK("a 4 GiB sparse memfd");
}

/* Item 3: a pin that takes a while does not stall the victim's session:
 * its control messages are answered while the attacker's table pins. */
TEST_F_TIMEOUT(h, pinning_does_not_stall_other_devices, 180)
{
	const uint64_t size = 160ull << 20;
	int64_t t0, t1, worst = 0, pin_ms = -1;
	struct vu_fe_msg m;
	unsigned int samples = 0;
	uint64_t f, ack = 1;
	int fd;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	fd = big_memfd(size);
	ASSERT_LE(0, fd);
	t0 = now_ms();
	ASSERT_EQ(0, send_region_table(&self->a, fd, size, 0x7f0000000000ull,
				       false));
	close(fd);
	while (now_ms() - t0 < 60000) {
		struct pollfd p = { .fd = self->a.sock, .events = POLLIN };

		if (poll(&p, 1, 0) == 1) {
			ASSERT_EQ(0, vu_fe_recv(&self->a, self->a.sock, &m,
						5000));
			ASSERT_EQ(VU_SET_MEM_TABLE, m.hdr.request);
			memcpy(&ack, m.payload, sizeof(ack));
			pin_ms = now_ms() - t0;
			break;
		}
		t1 = now_ms();
		ASSERT_EQ(0, vu_fe_get_u64(&self->b.fe, VU_GET_FEATURES, &f));
		if (now_ms() - t1 > worst)
			worst = now_ms() - t1;
		samples++;
		usleep(5000);
	}
	ASSERT_LE(0, pin_ms);
	EXPECT_EQ(0, ack);
	TH_LOG("pinning %llu MiB took %lld ms; the other device's worst reply meanwhile: %lld ms (%u requests)",
	       (unsigned long long)(size >> 20), (long long)pin_ms,
	       (long long)worst, samples);
	if (pin_ms < 300)
		TH_LOG("the pin was too quick here to tell a stall apart");
	if (pin_ms >= 300) {
		EXPECT_GT(pin_ms / 2, worst);
	}
	EXPECT_EQ(0, vu_fe_get_u64(&self->a, VU_GET_FEATURES, &f));
	vu_fe_close(&self->a);
	VICTIM_OK("a long pin");
}

/* Item 3: the attacker leaves while its table pins: its session is
 * cleaned up (pins released) and the device serves the next one. */
TEST_F_TIMEOUT(h, vanish_mid_pin_cleaned_up, 180)
{
	const uint64_t size = 128ull << 20;
	struct nfe n;
	long p = -1;
	int fd, i;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	fd = big_memfd(size);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_region_table(&self->a, fd, size, 0x7f0000000000ull,
				       false));
	close(fd);
	usleep(20000);
	vu_fe_close(&self->a);
	VICTIM_OK("a front-end vanishing mid-pin");
	/* The module cannot be interrupted: the session ends once the pin
	 * returned (until then the device is busy for a new front-end). */
	EXPECT_TRUE(log_has(DEV_A ": session ended", 60000));
	for (i = 0; i < 300; i++) {
		p = pinned_dev(DEV_A);
		if (p <= 0)
			break;
		usleep(100000);
	}
	EXPECT_GE(0, p);
	nfe_init(&n);
	ASSERT_EQ(0, nfe_start(&n, DEV_A, WANT_PF));
	EXPECT_EQ(0, net_loop_run(&n.nl, 300, 5000)) {
		TH_LOG("%s", n.nl.err);
	}
	nfe_fini(&n);
}

/* Item 4: fds beyond the session's cap are refused (failure ack, session
 * kept), replacing eventfds does not grow, a message with fds it must not
 * carry ends the session; the daemon's fd count stays bounded. */
TEST_F_TIMEOUT(h, fd_flood_capped, 120)
{
	struct vu_single_region reg;
	int base, n, ret = 0, i, efd, fds[VU_MAX_FDS];
	unsigned long long soft, hard;
	char lim[64], limits[2048], *p, *end;
	uint64_t f;

	/* the daemon took the hard limit as its soft fd limit */
	snprintf(lim, sizeof(lim), "/proc/%d/limits", (int)self->daemon);
	ASSERT_EQ(0, vub_read_file(lim, limits, sizeof(limits)));
	p = strstr(limits, "Max open files");
	ASSERT_NE(NULL, p);
	soft = strtoull(p + 14, &end, 10);
	hard = strtoull(end, NULL, 10);
	EXPECT_EQ(hard, soft);
	base = count_fds(self->daemon);
	ASSERT_LT(0, base);
	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	/* hundreds of eventfds, each replacing the last: no growth */
	for (i = 0; i < 200; i++) {
		efd = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, efd);
		ret = vu_fe_vring_fd(&self->a, VU_SET_VRING_ERR, 0, efd);
		close(efd);
		ASSERT_EQ(0, ret);
	}
	EXPECT_GE(base + 2, count_fds(self->daemon));
	/* memory regions until the cap */
	for (n = 0; n < VU_MAX_MEM_SLOTS; n++) {
		int fd = big_memfd(1 << 20);

		ASSERT_LE(0, fd);
		memset(&reg, 0, sizeof(reg));
		reg.region.gpa = (uint64_t)n << 21;
		reg.region.size = 1 << 20;
		reg.region.uaddr = 0x7f0000000000ull + ((uint64_t)n << 21);
		ret = vu_fe_call(&self->a, VU_ADD_MEM_REG, &reg, sizeof(reg),
				 &fd, 1, NULL, NULL);
		close(fd);
		if (ret)
			break;
	}
	EXPECT_EQ(-EIO, ret);
	EXPECT_GT(FD_CAP, n);
	EXPECT_LE(FD_CAP - 4, n);
	EXPECT_GE(base + FD_CAP + 1, count_fds(self->daemon));
	EXPECT_TRUE(log_has("its cap is 32", 2000));
	ASSERT_EQ(0, vu_fe_get_u64(&self->a, VU_GET_FEATURES, &f));
	/* eight fds on a message that takes none: the connection ends */
	for (i = 0; i < (int)VU_MAX_FDS; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	vu_fe_send(&self->a, VU_GET_FEATURES, VU_VERSION, NULL, 0, fds,
		   VU_MAX_FDS);
	for (i = 0; i < (int)VU_MAX_FDS; i++)
		close(fds[i]);
	EXPECT_TRUE(vu_fe_peer_closed(&self->a, 5000));
	VICTIM_OK("an fd flood");
	for (i = 0; i < 50 && count_fds(self->daemon) > base + 1; i++)
		usleep(100000);
	EXPECT_GE(base + 1, count_fds(self->daemon));
}

/* Item 4: a peer that never reads its replies is dropped. */
TEST_F_TIMEOUT(h, peer_never_reads_replies, 120)
{
	int64_t end;
	bool closed = false;
	int ret, fl;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	fl = fcntl(self->a.sock, F_GETFL);
	fcntl(self->a.sock, F_SETFL, fl | O_NONBLOCK);
	/* requests, never a reply read, until the daemon hangs up */
	for (end = now_ms() + 30000; now_ms() < end;) {
		ret = vu_fe_send(&self->a, VU_GET_FEATURES, VU_VERSION, NULL,
				 0, NULL, 0);
		if (ret == -EAGAIN) {
			usleep(1000);
			continue;
		}
		if (ret < 0) {
			closed = true;
			break;
		}
	}
	fcntl(self->a.sock, F_SETFL, fl);
	EXPECT_TRUE(closed);
	EXPECT_TRUE(log_has("does not read its replies", 5000));
	VICTIM_OK("a peer that never reads");
}

/* Item 4: vanishing mid-message, fds in flight. */
TEST_F_TIMEOUT(h, vanish_mid_message, 120)
{
	struct vu_hdr hdr = { VU_SET_MEM_TABLE, VU_VERSION, 40 };
	uint8_t half[12 + 10];
	int fds[2] = { big_memfd(4096), big_memfd(4096) };
	struct nfe n;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	memset(half, 0, sizeof(half));
	memcpy(half, &hdr, sizeof(hdr));
	/* a header announcing 40 bytes, 10 of them, two fds, then gone */
	{
		struct iovec iov = { half, sizeof(half) };
		union {
			char b[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr a;
		} c;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = c.b,
				     .msg_controllen = sizeof(c.b) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		ASSERT_EQ((ssize_t)sizeof(half),
			  sendmsg(self->a.sock, &mh, MSG_NOSIGNAL));
	}
	close(fds[0]);
	close(fds[1]);
	vu_fe_close(&self->a);
	VICTIM_OK("a peer vanishing mid-message");
	nfe_init(&n);
	ASSERT_EQ(0, nfe_start(&n, DEV_A, WANT_PF));
	EXPECT_EQ(0, net_loop_run(&n.nl, 300, 5000));
	nfe_fini(&n);
}

/* Item 5: one tenant writes the MAC; the next tenant sees the MAC the
 * operator provisioned. vdpa_sim_net has CTRL_MAC_ADDR: the daemon takes
 * the MAC for this session and sets it through the control queue it runs
 * (net_cvq.c); the rest of the config space stays read-only. */
TEST_F_TIMEOUT(h, set_config_mac_then_reconnect, 120)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0x0c, 1 };
	struct vu_config c = { .offset = 0, .size = 6, .flags = 0 };
	uint8_t mac[6];
	struct nfe n;

	ASSERT_EQ(0, connect_dev(&self->a, DEV_A, WANT_PF));
	memcpy(c.data, "\x02\xde\xad\xbe\xef\x01", 6);
	EXPECT_EQ(0, vu_fe_call(&self->a, VU_SET_CONFIG, &c,
				VU_CONFIG_HDR + 6, NULL, 0, NULL, NULL));
	ASSERT_EQ(0, vu_fe_get_config(&self->a, 0, mac, 6));
	EXPECT_EQ(0, memcmp(mac, c.data, 6));
	c.offset = 6;	/* status */
	c.size = 2;
	EXPECT_EQ(-EIO, vu_fe_call(&self->a, VU_SET_CONFIG, &c,
				   VU_CONFIG_HDR + 2, NULL, 0, NULL, NULL));
	EXPECT_TRUE(log_has("SET_CONFIG: offset 6 size 2 refused", 2000));
	vu_fe_close(&self->a);
	nfe_init(&n);
	ASSERT_EQ(0, nfe_start(&n, DEV_A, WANT_PF));
	EXPECT_EQ(0, memcmp(n.mac, mac_a, 6));
	EXPECT_EQ(0, net_loop_run(&n.nl, 300, 5000)) {
		TH_LOG("%s", n.nl.err);
	}
	nfe_fini(&n);
	VICTIM_OK("a MAC write");
}

/* Item 6: a symlink planted where A's socket goes is neither followed nor
 * removed; the daemon says so and serves the other device. */
TEST_F_TIMEOUT(h, planted_symlink_refused, 120)
{
	static const char *const devs[] = { DEV_A, DEV_B, NULL };
	const char *target = "/tmp/vubt-hostile-target";
	char path[128], buf[16];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), SOCK_DIR "/%s.sock", DEV_A);
	nfe_fini(&self->b);
	nfe_init(&self->b);
	daemon_stop(self->daemon);
	unlink(target);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "keep", 4));
	close(fd);
	unlink(path);
	ASSERT_EQ(0, symlink(target, path));
	self->daemon = daemon_start(devs);
	ASSERT_GT(self->daemon, 0);
	ASSERT_EQ(0, nfe_start(&self->b, DEV_B, WANT_PF));
	EXPECT_TRUE(log_has("is a symlink", 5000));
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_EQ(0, stat(target, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	ASSERT_EQ(0, vub_read_file(target, buf, sizeof(buf)));
	EXPECT_STREQ("keep", buf);
	unlink(path);
	unlink(target);
	VICTIM_OK("a planted symlink");
}

/* ---- vp_vdpa: doorbells, no ring state ---- */

FIXTURE(hv) {
	pid_t daemon;
	char vp[32];
	struct nfe b;		/* the victim, on a simulator */
	struct nfe a;		/* the attacker, on vp_vdpa */
	int bell_fd[2];
	bool have_vp;
};

FIXTURE_SETUP(hv)
{
	char mgmt[4][VUB_MGMT_LEN];
	const char *devs[3] = { DEV_B, self->vp, NULL };

	nfe_init(&self->a);
	nfe_init(&self->b);
	self->daemon = -1;
	self->bell_fd[0] = self->bell_fd[1] = -1;
	snprintf(self->vp, sizeof(self->vp), "vuhvp0");
	if (vub_modules_load_all())
		SKIP(return, "modules not loadable (%s)", vub_env_err());
	if (vub_vp_vdpa_mgmtdevs(mgmt, 4) < 1)
		SKIP(return, "no vp_vdpa device (%s): run in the VM of scripts/vm/run.sh",
		     vub_env_err());
	ASSERT_EQ(0, vub_sim_dev_create(self->vp, mgmt[0], NULL)) {
		TH_LOG("%s", vub_env_err());
	}
	ASSERT_EQ(0, vub_sim_dev_create(DEV_B, "vdpasim_net", MAC_B)) {
		TH_LOG("%s", vub_env_err());
	}
	self->daemon = daemon_start(devs);
	if (self->daemon == -ENOENT)
		SKIP(return, "build/daemon/vubridged missing: make -C daemon");
	ASSERT_GT(self->daemon, 0);
	ASSERT_EQ(0, nfe_start(&self->b, DEV_B, WANT_PF));
	ASSERT_EQ(0, net_loop_run(&self->b.nl, 300, 5000));
}

FIXTURE_TEARDOWN(hv)
{
	int k;

	for (k = 0; k < 2; k++)
		if (self->bell_fd[k] >= 0)
			close(self->bell_fd[k]);
	/* a test may have shrunk the attacker's memory: give it back */
	if (self->a.gm.memfd >= 0 && ftruncate(self->a.gm.memfd, MEMSIZE))
		TH_LOG("memfd: %s", strerror(errno));
	nfe_fini(&self->a);
	nfe_fini(&self->b);
	daemon_stop(self->daemon);
	vub_vdpa_dev_del(self->vp);
	vub_vdpa_dev_del(DEV_B);
}

/* The attacker on the vp_vdpa device, rings running, host notifiers
 * received (their fds kept in bell_fd). */
static int vp_up(FIXTURE_DATA(hv) *self)
{
	struct nfe *n = &self->a;
	struct guest_mem *gms[1] = { &n->gm };
	int ret, got = 0;

	ret = nfe_connect(n, self->vp, WANT_PF | VU_PF(VU_PF_HOST_NOTIFIER));
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
		struct vu_vring_area area;

		ret = vu_fe_recv(&n->fe, n->fe.breq, &m, 5000);
		if (ret)
			break;
		if (m.hdr.request != VU_BACKEND_VRING_HOST_NOTIFIER_MSG ||
		    m.nfds != 1) {
			while (m.nfds)
				close(m.fds[--m.nfds]);
			continue;
		}
		memcpy(&area, m.payload, sizeof(area));
		if ((area.u64 & 0xff) > 1)
			return -EIO;
		self->bell_fd[area.u64 & 1] = m.fds[0];
		got++;
	}
	return ret;
}

/*
 * Item 1: what the front-end gets for a doorbell maps that doorbell and
 * nothing else: every ioctl of the device UAPI fails with ENOTTY. When the
 * ring stops the daemon withdraws it; once the session ended the module
 * has revoked it (a new mmap fails with ENODEV).
 */
TEST_F_TIMEOUT(hv, host_notifier_is_doorbell_only, 120)
{
	static const unsigned long reqs[] = {
		VUB_GET_API_VERSION, VUB_GET_DEVICE_INFO, VUB_SET_STATUS,
		VUB_GET_STATUS, VUB_SET_FEATURES, VUB_SET_MEM_TABLE,
		VUB_GET_QUEUE_INFO, VUB_GET_DOORBELL_FD, VUB_RESET,
		VUB_SUSPEND, VUB_READ_CONFIG, VUB_WRITE_CONFIG, 0,
	};
	uint8_t arg[512];
	struct vu_fe_msg m;
	struct vu_vring_area area;
	uint32_t base;
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	size_t i;
	int ret;

	ret = vp_up(self);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "the vp_vdpa device offers no doorbells");
	ASSERT_EQ(0, ret);
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		memset(arg, 0, sizeof(arg));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->bell_fd[1], reqs[i], arg));
		EXPECT_EQ(ENOTTY, errno) {
			TH_LOG("ioctl 0x%lx on the host-notifier fd", reqs[i]);
		}
	}
	p = mmap(NULL, pg, PROT_WRITE, MAP_SHARED, self->bell_fd[1], 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, pg);
	/* the ring stops: the doorbell is withdrawn */
	ASSERT_EQ(0, vu_fe_get_vring_base(&self->a.fe, 1, &base));
	ASSERT_EQ(0, vu_fe_recv(&self->a.fe, self->a.fe.breq, &m, 5000));
	EXPECT_EQ(VU_BACKEND_VRING_HOST_NOTIFIER_MSG, m.hdr.request);
	EXPECT_EQ(0, m.nfds);
	memcpy(&area, m.payload, sizeof(area));
	EXPECT_EQ(1 | VU_VRING_NOFD, area.u64);
	/* the session ends: the front-end's handles are dead */
	nfe_fini(&self->a);
	nfe_init(&self->a);
	usleep(300000);
	p = mmap(NULL, pg, PROT_WRITE, MAP_SHARED, self->bell_fd[0], 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	if (p != MAP_FAILED)
		munmap(p, pg);
	VICTIM_OK("a host notifier probed");
}

/*
 * Item 2: the daemon reads the used index of a device without ring state
 * from guest memory when a ring stops; the attacker truncated that memory
 * first. Its own session fails with a clear log line; no SIGBUS.
 */
TEST_F_TIMEOUT(hv, truncated_memfd_no_sigbus, 120)
{
	uint32_t base;
	int ret;

	ret = vp_up(self);
	if (ret == -EOPNOTSUPP)
		ret = 0;	/* rings run all the same */
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, ftruncate(self->a.gm.memfd, 0));
	EXPECT_NE(0, vu_fe_get_vring_base(&self->a.fe, 0, &base));
	EXPECT_TRUE(log_has("truncated", 5000));
	ASSERT_EQ(0, ftruncate(self->a.gm.memfd, MEMSIZE));
	VICTIM_OK("a truncated memfd");
}

TEST_HARNESS_MAIN
