// SPDX-License-Identifier: GPL-2.0
/*
 * sockperm_test.c - the listening socket's group and mode (--socket-group,
 * --socket-mode: sock_perm.c) on a real endpoint: a VMM of another user in
 * the group connects, one outside it is refused, a daemon user who is not
 * in the group gets no socket at all, and bad option values are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "endpoint.h"
#include "log.h"
#include "loop.h"
#include "sock_perm.h"
#include "test_device.h"

#define OTHER_UID	65534	/* nobody */
#define OTHER_GID	65534
#define VMM_GID		47001	/* the VMMs' group (a number: no name needed) */

FIXTURE(sp) {
	char dir[64];
	char path[128];
	struct ep_loop *loop;
	struct test_device *td;
	struct endpoint *ep;
};

FIXTURE_SETUP(sp)
{
	vub_log_level = VUB_LOG_ERR - 1;
	strcpy(self->dir, "/tmp/vubt-sp-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	/* Others must reach the socket through the directory. */
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->path, sizeof(self->path), "%s/dev-sp.sock", self->dir);
	self->loop = ep_loop_new();
	ASSERT_NE(NULL, self->loop);
	self->td = test_device_new("dev-sp", 2, 256, false);
	ASSERT_NE(NULL, self->td);
	self->ep = NULL;
}

FIXTURE_TEARDOWN(sp)
{
	endpoint_free(self->ep);
	if (!self->ep)
		test_device_free(self->td);
	ep_loop_free(self->loop);
	unlink(self->path);
	rmdir(self->dir);
}

/* connect() to @path as uid OTHER_UID with supplementary groups @gids:
 * 0 or the errno, from a child. */
static int connect_as_other(const char *path, const gid_t *gids, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int status, fd;
	pid_t pid;

	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	pid = fork();
	if (pid == 0) {
		if (setgroups(n, gids) || setresgid(OTHER_GID, OTHER_GID, OTHER_GID) ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID))
			_exit(255);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			_exit(254);
		_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(sp, default_mode_0660_daemon_group)
{
	gid_t vmm = VMM_GID;
	struct stat st;

	if (geteuid())
		SKIP(return, "needs root (another user connects)");
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(getegid(), st.st_gid);
	/* Another user in another group: refused by the mode. */
	EXPECT_EQ(EACCES, connect_as_other(self->path, &vmm, 1));
}

TEST_F(sp, vmm_group_connects_others_refused)
{
	gid_t vmm = VMM_GID, none = OTHER_GID;
	struct stat st;

	if (geteuid())
		SKIP(return, "needs root (another user connects)");
	ASSERT_EQ(0, sock_perm_set_group("47001"));
	ASSERT_EQ(0, sock_perm_set_mode("0660"));
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ((gid_t)VMM_GID, st.st_gid);
	EXPECT_EQ(0, connect_as_other(self->path, &vmm, 1));
	EXPECT_EQ(EACCES, connect_as_other(self->path, &none, 1));
}

TEST_F(sp, mode_0600_refuses_the_group)
{
	gid_t vmm = VMM_GID;
	struct stat st;

	if (geteuid())
		SKIP(return, "needs root (another user connects)");
	ASSERT_EQ(0, sock_perm_set_group("47001"));
	ASSERT_EQ(0, sock_perm_set_mode("600"));
	self->ep = endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				self->dir, NULL);
	ASSERT_NE(NULL, self->ep);
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(EACCES, connect_as_other(self->path, &vmm, 1));
}

/* A daemon user outside the group cannot hand the socket over: it does
 * not serve the device rather than serve it with other permissions. */
TEST_F(sp, daemon_not_in_group_gets_no_socket)
{
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root (to become another user)");
	ASSERT_EQ(0, chown(self->dir, OTHER_UID, OTHER_GID));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gid_t none = OTHER_GID;

		if (setgroups(1, &none) || setresgid(OTHER_GID, OTHER_GID, OTHER_GID) ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID))
			_exit(10);
		if (sock_perm_set_group("47001"))
			_exit(11);
		if (endpoint_new(td_dev(self->td), ep_loop_base(self->loop),
				 self->dir, NULL))
			_exit(12);
		_exit(access(self->path, F_OK) == 0 ? 13 : 0);
	}
	self->td = NULL;	/* the child's endpoint_new() freed its copy */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	self->td = test_device_new("dev-sp", 2, 256, false);
}

TEST(bad_values_refused)
{
	EXPECT_EQ(-EINVAL, sock_perm_set_mode("0477"));	/* no owner write */
	EXPECT_EQ(-EINVAL, sock_perm_set_mode("01660"));
	EXPECT_EQ(-EINVAL, sock_perm_set_mode("rw"));
	EXPECT_EQ(-EINVAL, sock_perm_set_mode(""));
	EXPECT_EQ(-EINVAL, sock_perm_set_group("no-such-group-vub"));
	EXPECT_EQ(-EINVAL, sock_perm_set_group("4294967295"));
	EXPECT_EQ(0, sock_perm_set_group("0"));
	EXPECT_EQ(0, sock_perm_set_mode("0666"));
	EXPECT_EQ((mode_t)0111, sock_perm_umask());
}

TEST_HARNESS_MAIN
