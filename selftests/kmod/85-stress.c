// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress (issue 11): on one vp_vdpa device (doorbells, platform
 * IOMMU) and one vdpa_sim_net device (set_map), threads issue random ioctls
 * with hostile payloads on the open file while others mmap, touch and unmap
 * doorbells and doorbell handles, close and reopen the file, and delete and
 * re-create the devices. Bounded in time, seeded: the seed is printed and
 * VUB_STRESS_SEED=N repeats the same per-thread choices (the interleaving
 * is the scheduler's). Afterwards: no kernel warning, vubridge's pinned
 * pages back at baseline, and the module unloads and loads again.
 *
 * Env: VUB_STRESS_SEED (default: from the clock), VUB_STRESS_SECS (60,
 * at most 240).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "evwait.h"
#include "guest_mem.h"
#include "vub_test.h"

#define NDEV		2
#define NIOCTL		3	/* ioctl threads per device */
#define NEFD		8
#define MEM_SIZE	(2u << 20)
#define PG		4096u

struct sdev {
	char name[32];
	char mgmt[VUB_MGMT_LEN];
	const char *mac;
	_Atomic int fd;			/* -1 while closed */
	_Atomic int gone;		/* deleted, being re-created */
	struct guest_mem gm;		/* what regions point at */
	uint32_t nvqs;
};

struct stress {
	struct sdev dev[NDEV];
	int ndev;
	int efd[NEFD];			/* eventfds for payloads, never closed */
	int nul;			/* an fd that is no eventfd */
	_Atomic int stop;
	uint64_t seed;
	_Atomic long ioctls, maps, touches, sigbus, reopens, recreates;
	/* how deep the random calls got: successes of the stateful ones */
	_Atomic long ok_table, ok_start, ok_driver_ok, ok_handle;
};

/* xorshift64*: per thread, from the seed and the thread's number */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t pick(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static int any_fd(struct stress *st, uint64_t *s)
{
	switch (pick(s, 6)) {
	case 0:
		return -1;
	case 1:
		return 1000 + (int)pick(s, 1000);	/* not open */
	case 2:
		return st->nul;
	default:
		return st->efd[pick(s, NEFD)];
	}
}

/* A region: mostly inside the device's guest memory, sometimes hostile. */
static void any_region(struct sdev *d, uint64_t *s, struct vub_mem_region *r)
{
	uint64_t off = pick(s, MEM_SIZE / PG) * PG;

	memset(r, 0, sizeof(*r));
	r->iova = d->gm.iova + (pick(s, 4) ? off : rnd(s));
	r->size = (1 + pick(s, (MEM_SIZE - off) / PG)) * PG;
	r->uaddr = (uintptr_t)d->gm.map + off;
	r->perm = 1 + pick(s, 3);
	switch (pick(s, 12)) {
	case 0:
		r->uaddr = 0x1000;			/* unmapped */
		break;
	case 1:
		r->uaddr = 0xffff888000000000ULL;	/* kernel */
		break;
	case 2:
		r->size = rnd(s);
		break;
	case 3:
		r->perm = (uint32_t)rnd(s);
		break;
	case 4:
		r->reserved = 1;
		break;
	}
}

static uint64_t any_iova(struct sdev *d, uint64_t *s, uint64_t align)
{
	if (!pick(s, 8))
		return rnd(s);
	return d->gm.iova + pick(s, MEM_SIZE / align) * align;
}

/*
 * A well-formed bring-up (negotiate, map all memory, start two queues,
 * DRIVER_OK) so that the random calls also meet running queues. Errors are
 * expected when other threads interfere and are ignored.
 */
static void bringup(struct stress *st, struct sdev *d, int fd, uint64_t *s)
{
	uint64_t feat = (1ULL << 32) | (1ULL << 33);
	struct vub_mem_region r;
	struct {
		struct vub_mem_table t;
		struct vub_mem_region r[1];
	} mt = { .t.nregions = 1 };
	uint8_t status = 0x1 | 0x2;
	uint32_t q;

	ioctl(fd, VUB_RESET);
	ioctl(fd, VUB_SET_STATUS, &status);
	ioctl(fd, VUB_SET_FEATURES, &feat);
	status |= 0x8;
	ioctl(fd, VUB_SET_STATUS, &status);
	memset(&r, 0, sizeof(r));
	r.iova = d->gm.iova;
	r.size = MEM_SIZE;
	r.uaddr = (uintptr_t)d->gm.map;
	r.perm = VUB_PERM_RW;
	mt.r[0] = r;
	if (!ioctl(fd, VUB_SET_MEM_TABLE, &mt))
		atomic_fetch_add(&st->ok_table, 1);
	for (q = 0; q < 2; q++) {
		/* rings of queue q in their own 64 KiB, zeroed: nothing to do */
		struct vub_queue_start qs = {
			.index = q, .size = 64,
			.flags = pick(s, 4) ? 0 : VUB_QUEUE_F_NO_CALL,
			.kick_fd = st->efd[pick(s, NEFD)],
			.call_fd = st->efd[pick(s, NEFD)],
			.err_fd = pick(s, 2) ? -1 : st->efd[pick(s, NEFD)],
			.desc_addr = d->gm.iova + q * 0x10000,
			.driver_addr = d->gm.iova + q * 0x10000 + 0x1000,
			.device_addr = d->gm.iova + q * 0x10000 + 0x2000,
		};

		if (!ioctl(fd, VUB_START_QUEUE, &qs))
			atomic_fetch_add(&st->ok_start, 1);
	}
	status |= 0x4;
	if (!ioctl(fd, VUB_SET_STATUS, &status))
		atomic_fetch_add(&st->ok_driver_ok, 1);
}

/* One random ioctl with a hostile payload. */
static void one_ioctl(struct stress *st, struct sdev *d, uint64_t *s)
{
	union {
		struct vub_device_info info;
		struct vub_config_access ca;
		struct vub_queue_start qs;
		struct vub_queue_state qst;
		struct vub_queue_enable qe;
		struct vub_queue_info qi;
		struct vub_queue_fd qf;
		struct vub_doorbell_handle dh;
		struct {
			struct vub_mem_table t;
			struct vub_mem_region r[4];
		} mt;
		struct vub_mem_region r;
		uint64_t u64;
		uint8_t u8;
		int32_t s32;
		uint8_t raw[512];
	} a;
	static struct vub_queue_stats stats[NDEV * NIOCTL + 4];
	uint8_t cfg[64];
	int fd = atomic_load(&d->fd);
	unsigned long req;
	void *arg = &a;
	uint32_t i, nvq = d->nvqs ? d->nvqs : 3;

	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	if (!pick(s, 40)) {
		bringup(st, d, fd, s);
		return;
	}
	switch (pick(s, 22)) {
	case 0:
		req = VUB_GET_DEVICE_INFO;
		break;
	case 1:
		req = pick(s, 2) ? VUB_READ_CONFIG : VUB_WRITE_CONFIG;
		a.ca.offset = (uint32_t)pick(s, 80);
		a.ca.length = (uint32_t)pick(s, sizeof(cfg) + 1);
		a.ca.data = pick(s, 8) ? (uintptr_t)cfg : rnd(s);
		break;
	case 2:
		req = VUB_SET_FEATURES;
		a.u64 = pick(s, 2) ? rnd(s) : (1ULL << 32) | (1ULL << 33) | (1ULL << 5);
		break;
	case 3:
	case 4:
		req = VUB_SET_STATUS;
		a.u8 = (uint8_t)(pick(s, 3) ? (0x1 | 0x2 | 0x8 | (pick(s, 2) ? 0x4 : 0)) :
				 rnd(s));
		break;
	case 5:
		req = VUB_SET_CONFIG_EVENTFD;
		a.s32 = any_fd(st, s);
		break;
	case 6:
		req = VUB_SET_MEM_TABLE;
		a.mt.t.nregions = (uint32_t)pick(s, 5);
		if (!pick(s, 16))
			a.mt.t.nregions = (uint32_t)rnd(s);
		for (i = 0; i < 4; i++)
			any_region(d, s, &a.mt.r[i]);
		break;
	case 7:
		req = pick(s, 2) ? VUB_ADD_MEM_REGION : VUB_DEL_MEM_REGION;
		any_region(d, s, &a.r);
		break;
	case 8:
	case 9:
		req = VUB_START_QUEUE;
		a.qs.index = (uint32_t)pick(s, nvq + 1);
		a.qs.size = 1u << pick(s, 10);
		a.qs.flags = (uint32_t)pick(s, 8);
		a.qs.kick_fd = any_fd(st, s);
		a.qs.call_fd = any_fd(st, s);
		a.qs.err_fd = any_fd(st, s);
		a.qs.desc_addr = any_iova(d, s, 16);
		a.qs.driver_addr = any_iova(d, s, 2);
		a.qs.device_addr = any_iova(d, s, 4);
		a.qs.avail_idx = (uint16_t)rnd(s);
		break;
	case 10:
		req = pick(s, 2) ? VUB_STOP_QUEUE : VUB_GET_QUEUE_STATE;
		a.qst.index = (uint32_t)pick(s, nvq + 1);
		a.qst.avail_idx = (uint16_t)rnd(s);
		break;
	case 11:
		req = VUB_SET_QUEUE_STATE;
		a.qst.index = (uint32_t)pick(s, nvq + 1);
		a.qst.avail_idx = (uint16_t)rnd(s);
		break;
	case 12:
		req = VUB_ENABLE_QUEUE;
		a.qe.index = (uint32_t)pick(s, nvq + 1);
		a.qe.enable = (uint32_t)pick(s, 3);
		break;
	case 13:
		req = VUB_GET_QUEUE_INFO;
		a.qi.index = (uint32_t)pick(s, nvq + 1);
		break;
	case 14:
		req = VUB_GET_QUEUE_STATS;
		arg = &stats[pick(s, sizeof(stats) / sizeof(stats[0]))];
		memset(arg, 0, sizeof(stats[0]));
		((struct vub_queue_stats *)arg)->index = (uint32_t)pick(s, nvq + 1);
		break;
	case 15:
	case 16:
		req = pick(s, 3) ? VUB_SET_QUEUE_CALL : VUB_SET_QUEUE_ERR;
		a.qf.index = (uint32_t)pick(s, nvq + 1);
		a.qf.fd = any_fd(st, s);
		break;
	case 17:
		req = VUB_GET_DOORBELL_FD;
		a.dh.index = (uint32_t)pick(s, nvq + 1);
		a.dh.flags = pick(s, 8) ? 0 : (uint32_t)rnd(s);
		break;
	case 18:
		req = pick(s, 2) ? VUB_SUSPEND : VUB_RESUME;
		break;
	case 19:
		req = VUB_RESET;
		break;
	case 20:
		/* a wrong pointer */
		req = pick(s, 2) ? VUB_START_QUEUE : VUB_SET_MEM_TABLE;
		arg = pick(s, 2) ? NULL : (void *)0xffff888000000000ULL;
		break;
	default:
		/* unknown numbers, wrong sizes */
		req = pick(s, 2) ? _IOC(_IOC_READ | _IOC_WRITE, VUB_IOCTL_MAGIC,
					pick(s, 0x40), pick(s, 256)) :
				   (unsigned long)rnd(s);
		for (i = 0; i < sizeof(a.raw); i++)
			a.raw[i] = (uint8_t)rnd(s);
		break;
	}
	if (!ioctl(fd, req, arg)) {
		if (req == VUB_GET_DOORBELL_FD) {
			close(a.dh.fd);
			atomic_fetch_add(&st->ok_handle, 1);
		} else if (req == VUB_SET_MEM_TABLE ||
			   req == VUB_ADD_MEM_REGION) {
			atomic_fetch_add(&st->ok_table, 1);
		} else if (req == VUB_START_QUEUE) {
			atomic_fetch_add(&st->ok_start, 1);
		} else if (req == VUB_SET_STATUS && (a.u8 & 0x4)) {
			atomic_fetch_add(&st->ok_driver_ok, 1);
		}
	}
	atomic_fetch_add(&st->ioctls, 1);
}

struct worker {
	struct stress *st;
	int id;
	pthread_t t;
};

static void *ioctl_thread(void *p)
{
	struct worker *w = p;
	uint64_t s = w->st->seed * 0x9e3779b97f4a7c15ULL + (uint64_t)w->id + 1;

	while (!atomic_load(&w->st->stop))
		one_ioctl(w->st, &w->st->dev[pick(&s, w->st->ndev)], &s);
	return NULL;
}

static __thread sigjmp_buf bus_jmp;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	abort();
}

/* Store to a doorbell; true if it raised SIGBUS. */
static bool touch(volatile uint16_t *p, uint16_t v)
{
	bool bus = false;

	if (sigsetjmp(bus_jmp, 1)) {
		bus = true;
	} else {
		bus_armed = 1;
		*p = v;
	}
	bus_armed = 0;
	return bus;
}

static void *mmap_thread(void *p)
{
	struct worker *w = p;
	struct stress *st = w->st;
	uint64_t s = st->seed * 0xbf58476d1ce4e5b9ULL + (uint64_t)w->id + 1;

	while (!atomic_load(&st->stop)) {
		struct sdev *d = &st->dev[pick(&s, st->ndev)];
		int fd = atomic_load(&d->fd), h = -1, src;
		uint32_t idx = (uint32_t)pick(&s, d->nvqs + 1);
		off_t off = (off_t)idx * PG;
		void *m;
		int n;

		if (fd < 0)
			continue;
		/* a kick through the module, for whichever queue uses it */
		if (!pick(&s, 4))
			eventfd_write(st->efd[pick(&s, NEFD)], 1);
		src = fd;
		if (pick(&s, 2)) {
			struct vub_doorbell_handle dh = { .index = idx };

			if (ioctl(fd, VUB_GET_DOORBELL_FD, &dh))
				continue;
			h = src = dh.fd;
			off = 0;
		}
		m = mmap(NULL, PG, PROT_WRITE, MAP_SHARED, src, off);
		if (m != MAP_FAILED) {
			atomic_fetch_add(&st->maps, 1);
			for (n = (int)pick(&s, 4); n >= 0; n--) {
				if (touch(m, (uint16_t)idx))
					atomic_fetch_add(&st->sigbus, 1);
				atomic_fetch_add(&st->touches, 1);
				if (pick(&s, 2))
					usleep((useconds_t)pick(&s, 2000));
			}
			munmap(m, PG);
		}
		if (h >= 0)
			close(h);
	}
	return NULL;
}

/* Make @fd the device's file unless another thread got there first. */
static void publish(struct sdev *d, int fd)
{
	int none = -1;

	if (!atomic_compare_exchange_strong(&d->fd, &none, fd))
		close(fd);
}

/* Close and reopen the files now and then. */
static void *reopen_thread(void *p)
{
	struct worker *w = p;
	struct stress *st = w->st;
	uint64_t s = st->seed * 0x94d049bb133111ebULL + 7;

	while (!atomic_load(&st->stop)) {
		struct sdev *d = &st->dev[pick(&s, st->ndev)];
		int fd;

		usleep(20000 + (useconds_t)pick(&s, 200000));
		if (atomic_load(&d->gone))
			continue;
		fd = atomic_exchange(&d->fd, -1);
		if (fd >= 0)
			close(fd);
		fd = vub_open(d->name);
		if (fd >= 0) {
			publish(d, fd);
			atomic_fetch_add(&st->reopens, 1);
		}
	}
	return NULL;
}

/* Delete a device under its open file and create it again. */
static void *lifecycle_thread(void *p)
{
	struct worker *w = p;
	struct stress *st = w->st;
	uint64_t s = st->seed * 0xd6e8feb86659fd93ULL + 11;

	while (!atomic_load(&st->stop)) {
		struct sdev *d = &st->dev[pick(&s, st->ndev)];
		int fd, i;

		for (i = 0; i < 30 && !atomic_load(&st->stop); i++)
			usleep(100000);
		if (atomic_load(&st->stop))
			break;
		atomic_store(&d->gone, 1);
		if (vub_vdpa_dev_del(d->name))
			break;
		/* the old file keeps answering ENODEV until closed */
		fd = atomic_exchange(&d->fd, -1);
		if (fd >= 0)
			close(fd);
		if (vub_sim_dev_create(d->name, d->mgmt, d->mac))
			break;
		fd = vub_open(d->name);
		if (fd >= 0)
			publish(d, fd);
		atomic_store(&d->gone, 0);
		atomic_fetch_add(&st->recreates, 1);
	}
	return NULL;
}

static int dev_up(struct sdev *d, int i)
{
	struct vub_device_info info;
	int ret;

	ret = vub_sim_dev_create(d->name, d->mgmt, d->mac);
	if (ret)
		return ret;
	ret = guest_mem_init(&d->gm, MEM_SIZE, (1 + (uint64_t)i) << 30, 1);
	if (ret)
		return ret;
	ret = vub_open(d->name);
	if (ret < 0)
		return ret;
	atomic_store(&d->fd, ret);
	ret = vub_get_info(ret, &info);
	if (ret)
		return ret;
	d->nvqs = info.num_queues;
	return 0;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

/* The harness kills the test after 300 s: keep VUB_STRESS_SECS below 240. */
TEST_F_TIMEOUT(stress, random_ioctls_mmaps_reopens_removals, 300)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	char mgmt[4][VUB_MGMT_LEN];
	struct worker w[NDEV * NIOCTL + 4];
	struct vubt_watch watch;
	struct stress *st;
	const char *env;
	long secs = 60;
	int i, n, nw = 0, ret;

	VUBT_REQUIRE_ENV();
	st = calloc(1, sizeof(*st));
	ASSERT_NE(NULL, st);
	env = getenv("VUB_STRESS_SEED");
	st->seed = env ? strtoull(env, NULL, 0) : (uint64_t)now_ms();
	env = getenv("VUB_STRESS_SECS");
	if (env)
		secs = strtol(env, NULL, 0);
	TH_LOG("seed %llu (repeat with VUB_STRESS_SEED=%llu), %ld s",
	       (unsigned long long)st->seed, (unsigned long long)st->seed, secs);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	vubt_watch_start(&watch);

	/* a vp_vdpa device if the VM has one (doorbells), and vdpa_sim_net */
	n = vub_vp_vdpa_mgmtdevs(mgmt, 4);
	if (n > 0) {
		snprintf(st->dev[st->ndev].name, 32, "vubt-stress-vp");
		snprintf(st->dev[st->ndev].mgmt, VUB_MGMT_LEN, "%s", mgmt[0]);
		st->ndev++;
	} else {
		TH_LOG("no vp_vdpa device: doorbells are not stressed");
	}
	snprintf(st->dev[st->ndev].name, 32, "vubt-stress-sim");
	snprintf(st->dev[st->ndev].mgmt, VUB_MGMT_LEN, "vdpasim_net");
	st->dev[st->ndev].mac = "02:5a:00:00:00:85";
	st->ndev++;
	for (i = 0; i < NEFD; i++) {
		st->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, st->efd[i]);
	}
	st->nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st->nul);
	for (i = 0; i < st->ndev; i++) {
		st->dev[i].fd = -1;
		st->dev[i].gm.memfd = -1;
	}
	for (i = 0, ret = 0; i < st->ndev && !ret; i++)
		ret = dev_up(&st->dev[i], i);
	ASSERT_EQ(0, ret) TH_LOG("set-up: %s (%s)", strerror(-ret), vub_env_err());

	for (i = 0; i < NDEV * NIOCTL; i++, nw++) {
		w[nw] = (struct worker){ .st = st, .id = nw };
		ASSERT_EQ(0, pthread_create(&w[nw].t, NULL, ioctl_thread, &w[nw]));
	}
	for (i = 0; i < 2; i++, nw++) {
		w[nw] = (struct worker){ .st = st, .id = nw };
		ASSERT_EQ(0, pthread_create(&w[nw].t, NULL, mmap_thread, &w[nw]));
	}
	w[nw] = (struct worker){ .st = st, .id = nw };
	ASSERT_EQ(0, pthread_create(&w[nw].t, NULL, reopen_thread, &w[nw]));
	nw++;
	w[nw] = (struct worker){ .st = st, .id = nw };
	ASSERT_EQ(0, pthread_create(&w[nw].t, NULL, lifecycle_thread, &w[nw]));
	nw++;

	sleep((unsigned int)secs);
	atomic_store(&st->stop, 1);
	for (i = 0; i < nw; i++)
		pthread_join(w[i].t, NULL);
	TH_LOG("%ld ioctls, %ld doorbell maps, %ld touches (%ld SIGBUS), %ld reopens, %ld re-creations",
	       atomic_load(&st->ioctls), atomic_load(&st->maps),
	       atomic_load(&st->touches), atomic_load(&st->sigbus),
	       atomic_load(&st->reopens), atomic_load(&st->recreates));
	TH_LOG("succeeded: %ld memory tables/regions, %ld queue starts, %ld DRIVER_OK, %ld doorbell handles",
	       atomic_load(&st->ok_table), atomic_load(&st->ok_start),
	       atomic_load(&st->ok_driver_ok), atomic_load(&st->ok_handle));

	for (i = 0; i < st->ndev; i++) {
		int fd = atomic_exchange(&st->dev[i].fd, -1);

		if (fd >= 0)
			close(fd);
		EXPECT_OK(vub_vdpa_dev_del(st->dev[i].name));
		guest_mem_destroy(&st->dev[i].gm);
	}
	EXPECT_LT(1000, atomic_load(&st->ioctls));
	EXPECT_LT(0, atomic_load(&st->recreates));
	EXPECT_LT(0, atomic_load(&st->ok_start));
	EXPECT_LT(0, atomic_load(&st->ok_driver_ok));
	VUBT_WATCH_CHECK(&watch);
	/* nothing holds the module any more */
	EXPECT_OK(vub_module_unload("vubridge"));
	EXPECT_OK(vub_module_load("vubridge", NULL));
	for (i = 0; i < NEFD; i++)
		close(st->efd[i]);
	close(st->nul);
	free(st);
}

TEST_HARNESS_MAIN
