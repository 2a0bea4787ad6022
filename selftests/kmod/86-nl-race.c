// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink family under churn: reader threads dump and query
 * (DEV_GET dump and doit, QUEUE_GET dump) and a listener drains the events
 * group, while the main thread adds and removes simulator devices, opens
 * and closes their files, registers owner facts, and unloads and reloads
 * vubridge itself under the readers. Every answer must be a reply or the
 * errno of a device or family that went away (ENODEV; ENOENT; and
 * EPROTONOSUPPORT, the netlink core's answer to a dump that starts while
 * the module is being unloaded); the kernel
 * log must stay clean (no WARN, no refcount or list corruption) and no page
 * stay pinned.
 *
 * Env: VUB_NLRACE_SECS (default 30, at most 200).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>

#include "evwait.h"
#include "vub_nl.h"
#include "vub_test.h"

#define NREADERS	2
#define NDEV		3

static const char *const names[NDEV] = {
	"vubt-race-0", "vubt-race-1", "vubt-race-2",
};
static const char *const mgmts[NDEV] = {
	"vdpasim_net", "vdpasim_blk", "vdpasim_net",
};
static const char *const macs[NDEV] = {
	"02:5a:00:00:86:00", NULL, "02:5a:00:00:86:02",
};

static atomic_bool stop;
static atomic_long ops, replies, gone;
static atomic_int bad_errno;

static void note(int ret)
{
	atomic_fetch_add(&ops, 1);
	if (!ret)
		atomic_fetch_add(&replies, 1);
	else if (ret == -ENODEV || ret == -ENOENT || ret == -EPROTONOSUPPORT)
		/* device gone; family gone; a dump while the module is going */
		atomic_fetch_add(&gone, 1);
	else if (!atomic_load(&bad_errno))
		atomic_store(&bad_errno, -ret);
}

static void *reader(void *arg)
{
	struct vub_nl_rec *recs = calloc(64, sizeof(*recs));
	struct vub_nl n = { 0 };
	unsigned int i = (unsigned int)(uintptr_t)arg;
	int ret, count;

	while (recs && !atomic_load(&stop)) {
		if (!n.sock && vub_nl_open(&n)) {
			usleep(10000);	/* the module is away */
			continue;
		}
		ret = vub_nl_cmd(&n, VUB_CMD_DEV_GET, true, NULL, -1, recs, 64,
				 &count);
		note(ret);
		ret = vub_nl_dev_get(&n, names[i % NDEV], recs);
		note(ret);
		ret = vub_nl_cmd(&n, VUB_CMD_QUEUE_GET, true, names[i % NDEV],
				 -1, recs, 64, &count);
		note(ret);
		if (ret == -ENOENT)	/* the family was unregistered */
			vub_nl_close(&n);
		i++;
		/* leave the churning thread some CPU in a 2-CPU TCG VM */
		usleep(2000);
	}
	vub_nl_close(&n);
	free(recs);
	return NULL;
}

static void *listener(void *arg)
{
	struct vub_nl n = { 0 };
	struct vub_nl_rec r;
	long *events = arg;

	while (!atomic_load(&stop)) {
		if (!n.sock) {
			if (vub_nl_open(&n) || vub_nl_events_join(&n)) {
				vub_nl_close(&n);
				usleep(10000);
				continue;
			}
		}
		if (!vub_nl_event_next(&n, NULL, &r, 200))
			(*events)++;
	}
	vub_nl_close(&n);
	return NULL;
}

/* Open each existing device's file, register, close some of them. */
static void churn_files(int round)
{
	struct vub_owner_info oi = {};
	int fd[NDEV], i;

	for (i = 0; i < NDEV; i++) {
		fd[i] = vub_open(names[i]);
		if (fd[i] < 0)
			continue;
		oi.flags = (round + i) & 1 ? VUB_OWNER_F_FRONTEND : 0;
		oi.frontend_pid = oi.flags ? 1 : 0;
		snprintf(oi.label, sizeof(oi.label), "race-%d-%d", round, i);
		ioctl(fd[i], VUB_SET_OWNER_INFO, &oi);
	}
	for (i = 0; i < NDEV; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}


FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, netlink_under_churn, 400)
{
	pthread_t rd[NREADERS], ls;
	struct vubt_watch watch;
	const char *env = getenv("VUB_NLRACE_SECS");
	int secs = env ? atoi(env) : 30, round = 0, unloads = 0, tries = 0;
	int64_t end;
	long events = 0;
	int i, ret;

	VUBT_REQUIRE_ENV();
	if (secs < 5 || secs > 200)
		secs = 30;
	vubt_watch_start(&watch);
	for (i = 0; i < NDEV; i++)
		ASSERT_OK(vub_vdpa_dev_del(names[i]));
	for (i = 0; i < NREADERS; i++)
		ASSERT_EQ(0, pthread_create(&rd[i], NULL, reader,
					    (void *)(uintptr_t)i));
	ASSERT_EQ(0, pthread_create(&ls, NULL, listener, &events));

	end = now_ms() + secs * 1000LL;
	while (now_ms() < end) {
		for (i = 0; i < NDEV; i++) {
			ret = vub_sim_dev_create(names[i], mgmts[i], macs[i]);
			EXPECT_EQ(0, ret) TH_LOG("create %s: %s", names[i], vub_env_err());
		}
		churn_files(round);
		/* every third round, the module goes away under the readers */
		if (round % 3 == 1) {
			tries++;
			if (!vub_module_unload("vubridge")) {
				unloads++;
				/* devices steered to vubridge bind again */
				ASSERT_OK(vub_module_load("vubridge", NULL));
			}
		}
		churn_files(round + 1);
		for (i = round % NDEV; i < NDEV; i++)
			EXPECT_OK(vub_vdpa_dev_del(names[i]));
		round++;
		TH_LOG("round %d: %ld requests, %d of %d unloads", round,
		       atomic_load(&ops), unloads, tries);
	}

	atomic_store(&stop, true);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rd[i], NULL);
	pthread_join(ls, NULL);
	for (i = 0; i < NDEV; i++)
		EXPECT_OK(vub_vdpa_dev_del(names[i]));

	TH_LOG("%d rounds, %d of %d unloads, %ld requests (%ld replies, %ld gone), %ld events",
	       round, unloads, tries, atomic_load(&ops), atomic_load(&replies),
	       atomic_load(&gone), events);
	EXPECT_EQ(0, atomic_load(&bad_errno))
		TH_LOG("unexpected errno %s", strerror(atomic_load(&bad_errno)));
	EXPECT_LT(100, atomic_load(&replies));
	EXPECT_LT(0, events);
	EXPECT_LT(0, unloads);
	if (!vub_module_loaded("vubridge"))
		EXPECT_OK(vub_module_load("vubridge", NULL));
	VUBT_WATCH_CHECK(&watch);
}

TEST_HARNESS_MAIN
