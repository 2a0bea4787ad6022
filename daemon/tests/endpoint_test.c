// SPDX-License-Identifier: GPL-2.0
/*
 * endpoint_test.c - the socket side of the daemon (endpoint.c) on the
 * epoll loop (loop.c), with the test device: the socket and its mode, one
 * front-end at a time, a clean new session after a disconnect, the socket
 * removed on shutdown, and client mode reconnecting with back-off.
 * Hostile surroundings: a symlink or file planted where the socket goes,
 * a world-writable socket directory, a socket replaced before shutdown,
 * a VMM whose listen backlog is full, accept() out of fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "endpoint.h"
#include "evwait.h"
#include "log.h"
#include "loop.h"
#include "test_device.h"
#include "vu_frontend.h"

static void ep_idle(void *arg)
{
	ep_loop_run_once(arg, 0);
}

static void fe_attach(struct vu_fe *fe, struct ep_loop *l)
{
	fe->idle = ep_idle;
	fe->idle_arg = l;
	fe->timeout_ms = 2000;
}

FIXTURE(ep) {
	char dir[64];
	char path[128];
	struct ep_loop *loop;
	struct test_device *td;
	struct endpoint *ep;
};

FIXTURE_SETUP(ep)
{
	vub_log_level = VUB_LOG_ERR - 1;
	strcpy(self->dir, "/tmp/vubt-ep-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/dev-ep.sock", self->dir);
	self->loop = ep_loop_new();
	ASSERT_NE(NULL, self->loop);
	self->td = test_device_new("dev-ep", 4, 256, false);
	ASSERT_NE(NULL, self->td);
	self->ep = NULL;
}

FIXTURE_TEARDOWN(ep)
{
	endpoint_free(self->ep);	/* frees the device too */
	if (!self->ep)
		test_device_free(self->td);
	ep_loop_free(self->loop);
	unlink(self->path);
	rmdir(self->dir);
}

TEST_F(ep, server_socket_one_frontend_at_a_time)
{
	struct vu_fe a, b;
	struct stat st;
	uint64_t f;

	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 0777);

	ASSERT_EQ(0, vu_fe_connect(&a, self->path, 1000));
	fe_attach(&a, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&a, ~0ull, ~0ull));
	/* A second front-end is turned away; the first goes on. */
	ASSERT_EQ(0, vu_fe_connect(&b, self->path, 1000));
	fe_attach(&b, self->loop);
	EXPECT_TRUE(vu_fe_peer_closed(&b, 1000));
	vu_fe_close(&b);
	ASSERT_EQ(0, vu_fe_get_u64(&a, VU_GET_FEATURES, &f));
	/* A disconnect resets the device; the next front-end starts clean. */
	vu_fe_close(&a);
	ep_loop_run_once(self->loop, 100);
	EXPECT_EQ(1, self->td->calls[TD_OP_RESET]);
	ASSERT_EQ(0, vu_fe_connect(&a, self->path, 1000));
	fe_attach(&a, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&a, ~0ull, ~0ull));
	/* Shutdown: the front-end sees the socket close, the path is gone. */
	endpoint_free(self->ep);
	self->ep = NULL;
	self->td = NULL;
	a.idle = NULL;
	EXPECT_TRUE(vu_fe_peer_closed(&a, 1000));
	vu_fe_close(&a);
	EXPECT_NE(0, access(self->path, F_OK));
}

/*
 * The owner facts "vubctl dev show" displays: the socket path from the
 * start, the front-end's pid and uid (SO_PEERCRED) while it is connected.
 */
TEST_F(ep, owner_facts_follow_the_frontend)
{
	struct vu_fe a;

	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	EXPECT_EQ(1, self->td->calls[TD_OP_SET_OWNER_INFO]);
	EXPECT_STREQ(self->path, self->td->owner.label);
	EXPECT_FALSE(self->td->owner.frontend);

	ASSERT_EQ(0, vu_fe_connect(&a, self->path, 1000));
	fe_attach(&a, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&a, ~0ull, ~0ull));
	EXPECT_EQ(2, self->td->calls[TD_OP_SET_OWNER_INFO]);
	EXPECT_STREQ(self->path, self->td->owner.label);
	EXPECT_TRUE(self->td->owner.frontend);
	EXPECT_EQ(getpid(), self->td->owner.frontend_pid);
	EXPECT_EQ(getuid(), self->td->owner.frontend_uid);

	vu_fe_close(&a);
	ep_loop_run_once(self->loop, 100);
	EXPECT_EQ(3, self->td->calls[TD_OP_SET_OWNER_INFO]);
	EXPECT_FALSE(self->td->owner.frontend);
	EXPECT_EQ(0, self->td->owner.frontend_pid);
	EXPECT_STREQ(self->path, self->td->owner.label);

	/* A successor re-registers in one call; a refusal is harmless. */
	self->td->fail_op = TD_OP_SET_OWNER_INFO;
	self->td->fail_errno = EINVAL;
	EXPECT_EQ(-EINVAL, endpoint_owner_register(self->ep, -1));
	EXPECT_EQ(0, endpoint_owner_register(self->ep, -1));
	EXPECT_EQ(5, self->td->calls[TD_OP_SET_OWNER_INFO]);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 2))
		return -1;
	return fd;
}

/* Run the daemon's loop until the VMM's listening socket has a caller. */
static int accept_from_daemon(struct ep_loop *l, int lfd, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c >= 0) {
			/* back to blocking for the front-end library */
			fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
			return c;
		}
		ep_loop_run_once(l, 20);
	}
	return -1;
}

TEST_F(ep, client_mode_reconnects)
{
	struct vu_fe fe;
	int lfd, c;

	/* The VMM is not there yet: the daemon keeps trying. */
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				NULL, self->path);
	ASSERT_NE(NULL, self->ep);
	ep_loop_run_once(self->loop, 150);
	lfd = listen_at(self->path);
	ASSERT_LE(0, lfd);
	c = accept_from_daemon(self->loop, lfd, 3000);
	ASSERT_LE(0, c);
	vu_fe_init(&fe, c);
	fe_attach(&fe, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&fe, ~0ull, ~0ull));
	/* The VMM drops the connection: the daemon comes back. */
	vu_fe_close(&fe);
	c = accept_from_daemon(self->loop, lfd, 3000);
	ASSERT_LE(0, c);
	EXPECT_EQ(1, self->td->calls[TD_OP_RESET]);
	vu_fe_init(&fe, c);
	fe_attach(&fe, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&fe, ~0ull, ~0ull));
	vu_fe_close(&fe);
	close(lfd);
}

/* Log lines of the code under test, for the tests that check them. */
static char logbuf[4096];

static void log_sink(int level, const char *dev, const char *line, void *arg)
{
	size_t n = strlen(logbuf);

	(void)level;
	(void)arg;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s: %s\n", dev, line);
}

static void log_capture(void)
{
	logbuf[0] = '\0';
	vub_log_set_sink(log_sink, NULL, 1);
}

TEST_F(ep, planted_symlink_refused_not_followed)
{
	char target[160];
	struct stat st;
	int fd;

	/* An attacker's symlink where the socket goes, to a file of ours. */
	snprintf(target, sizeof(target), "%s/victim", self->dir);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, symlink(target, self->path));
	log_capture();
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	vub_log_set_sink(NULL, NULL, 0);
	self->td = NULL;	/* endpoint_new destroyed it */
	EXPECT_EQ(NULL, self->ep);
	EXPECT_NE(NULL, strstr(logbuf, "is a symlink")) {
		TH_LOG("log: %s", logbuf);
	}
	/* Neither the link nor its target was touched. */
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_EQ(0, stat(target, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 0777);
	unlink(self->path);
	unlink(target);
}

TEST_F(ep, world_writable_socket_dir_refused)
{
	ASSERT_EQ(0, chmod(self->dir, 0777));
	log_capture();
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	vub_log_set_sink(NULL, NULL, 0);
	self->td = NULL;
	EXPECT_EQ(NULL, self->ep);
	EXPECT_NE(NULL, strstr(logbuf, "writable by everybody")) {
		TH_LOG("log: %s", logbuf);
	}
	EXPECT_NE(0, access(self->path, F_OK));
	chmod(self->dir, 0700);
}

TEST_F(ep, shutdown_removes_only_its_own_socket)
{
	struct stat st;
	int fd;

	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	/* Somebody replaced the socket with a file of theirs. */
	ASSERT_EQ(0, unlink(self->path));
	fd = open(self->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	endpoint_free(self->ep);
	self->ep = NULL;
	self->td = NULL;
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	unlink(self->path);
}

TEST_F(ep, client_connect_to_full_backlog_does_not_block)
{
	int fill[16], nfill = 0, lfd, c, i;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t t0;
	struct vu_fe fe;

	lfd = listen_at(self->path);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 0));
	strcpy(sa.sun_path, self->path);
	/* A VMM that never accepts: its backlog fills up. */
	while (nfill < 16) {
		fill[nfill] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				     SOCK_CLOEXEC, 0);
		ASSERT_LE(0, fill[nfill]);
		if (connect(fill[nfill], (struct sockaddr *)&sa,
			    sizeof(sa)) < 0) {
			ASSERT_EQ(EAGAIN, errno);
			close(fill[nfill]);
			break;
		}
		nfill++;
	}
	ASSERT_LT(nfill, 16);
	t0 = now_ms();
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				NULL, self->path);
	ASSERT_NE(NULL, self->ep);
	EXPECT_GT(500, now_ms() - t0);
	/* The loop stays responsive while the VMM does not answer. */
	for (i = 0; i < 10; i++) {
		t0 = now_ms();
		ep_loop_run_once(self->loop, 50);
		EXPECT_GT(500, now_ms() - t0);
	}
	/* The VMM wakes up: the daemon's retry gets through. */
	for (i = 0; i < nfill; i++) {
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		close(fill[i]);
	}
	c = accept_from_daemon(self->loop, lfd, 8000);
	ASSERT_LE(0, c);
	vu_fe_init(&fe, c);
	fe_attach(&fe, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&fe, ~0ull, ~0ull));
	vu_fe_close(&fe);
	close(lfd);
}

TEST_F(ep, accept_out_of_fds_pauses_instead_of_spinning)
{
	struct rlimit old, low;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int filler[512], nfiller = 0, c, busy = 0, i;
	int64_t end;
	struct vu_fe fe;

	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	strcpy(sa.sun_path, self->path);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	/* No fd left for accept(). */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	low = old;
	low.rlim_cur = 256;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	while (nfiller < 512) {
		int fd = dup(0);

		if (fd < 0)
			break;
		filler[nfiller++] = fd;
	}
	log_capture();
	end = now_ms() + 600;
	while (now_ms() < end)
		if (ep_loop_run_once(self->loop, 50) > 0)
			busy++;
	vub_log_set_sink(NULL, NULL, 0);
	for (i = 0; i < nfiller; i++)
		close(filler[i]);
	setrlimit(RLIMIT_NOFILE, &old);
	/* A few timer wake-ups, not one per loop round. */
	EXPECT_GT(10, busy);
	EXPECT_NE(NULL, strstr(logbuf, "Too many open files")) {
		TH_LOG("log: %s", logbuf);
	}
	/* fds are back: the waiting front-end is served. */
	vu_fe_init(&fe, c);
	fe_attach(&fe, self->loop);
	ASSERT_EQ(0, vu_fe_negotiate(&fe, ~0ull, ~0ull));
	vu_fe_close(&fe);
}

TEST_HARNESS_MAIN
