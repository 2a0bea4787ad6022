// SPDX-License-Identifier: GPL-2.0
/*
 * endpoint_test.c - the socket side of the daemon (endpoint.c) on the
 * epoll loop (loop.c), with the test device: the socket and its mode, one
 * front-end at a time, a clean new session after a disconnect, the socket
 * removed on shutdown, and client mode reconnecting with back-off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

TEST_HARNESS_MAIN
