// SPDX-License-Identifier: GPL-2.0
/*
 * fdstore.c - the served devices kept in systemd's fd store (fdstore.h).
 *
 * Every file the record names goes into the store once, the first time it
 * appears; a file already stored is recognised by kcmp(KCMP_FILE) against
 * our own copy (the service manager drops a file it holds already, so
 * storing it again under a new name would lose it when the old name is
 * removed). Order of an update: new files stored, record written, files no
 * longer named removed. FDPOLL=0: the store must not drop a front-end's
 * socket on its own; the record decides what is in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <linux/vubridge.h>

#include "fdstore.h"
#include "handover.h"
#include "log.h"
#include "state.h"	/* vu_crc32 */
#include "vdpa_device.h"

#define FS_MAX_DEVICES	64
#define FS_SLOT_SIZE	(512u * 1024u)
#define FS_SLOT_HDR	24u
#define FS_SLOT_MAGIC	0x46534256u	/* "VBSF" */
#define ID_DEV		0u
#define ID_LISTENER	1u

struct fs_ent {
	uint32_t id;
	int fd;			/* our copy of what the store holds */
	int orig;		/* the fd number it was stored from */
	bool used;
};

struct fs_dev {
	struct endpoint *ep;
	char name[64];
	int rec_fd;
	unsigned int slot;	/* slot of the newest record */
	uint64_t gen;
	uint32_t next_id;
	struct fs_ent *ents;
	unsigned int n, cap;
	uint8_t *last;		/* the record last written */
	size_t last_len;
	bool new_fds;
	int err;
};

static struct {
	bool on;
	struct fs_dev devs[FS_MAX_DEVICES];
} fs;

bool fdstore_enable(bool force)
{
	const char *max = getenv("FDSTORE");

	if (!getenv("NOTIFY_SOCKET")) {
		if (force)
			log_warn("-", "--fd-store: NOTIFY_SOCKET is not set (not started by systemd?): no fd store");
		return false;
	}
	fs.on = force || (max && atoi(max) > 0);
	if (fs.on)
		log_info("-", "every device's files and state go to the service manager's fd store");
	return fs.on;
}

bool fdstore_enabled(void)
{
	return fs.on;
}

static void fd_name(const struct fs_dev *d, uint32_t id, char *buf,
		    size_t cap)
{
	if (id == ID_DEV)
		snprintf(buf, cap, "%s.dev", d->name);
	else if (id == ID_LISTENER)
		snprintf(buf, cap, "%s.lis", d->name);
	else
		snprintf(buf, cap, "%s.%u", d->name, id);
}

static int notify(const char *state, const int *fds, unsigned int n)
{
	int ret = sd_pid_notify_with_fds(0, 0, state, fds, n);

	return ret > 0 ? 0 : ret < 0 ? ret : -ENOTCONN;
}

static int store(const char *name, int fd)
{
	char st[160];

	snprintf(st, sizeof(st), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", name);
	return notify(st, &fd, 1);
}

static void unstore(const char *name)
{
	char st[160];

	snprintf(st, sizeof(st), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	notify(st, NULL, 0);
}

static bool same_file(int a, int b)
{
	pid_t me = getpid();

	return a == b ||
	       syscall(SYS_kcmp, me, me, KCMP_FILE, a, b) == 0;
}

/* FDNAME: printable ASCII without ':', at most 255 bytes. */
static bool name_ok(const char *s)
{
	if (strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ':')
			return false;
	return true;
}

static struct fs_dev *dev_of(const struct endpoint *ep)
{
	unsigned int i;

	for (i = 0; i < FS_MAX_DEVICES; i++)
		if (fs.devs[i].ep == ep)
			return &fs.devs[i];
	return NULL;
}

static struct fs_ent *ent_add(struct fs_dev *d, uint32_t id, int fd, int orig)
{
	struct fs_ent *e;

	if (d->n == d->cap) {
		unsigned int cap = d->cap ? d->cap * 2 : 32;
		struct fs_ent *p = realloc(d->ents, cap * sizeof(*p));

		if (!p)
			return NULL;
		d->ents = p;
		d->cap = cap;
	}
	e = &d->ents[d->n++];
	e->id = id;
	e->fd = fd;
	e->orig = orig;
	e->used = true;
	return e;
}

/* The id of @fd: stored already, or stored now. */
static uint32_t id_of(void *arg, int fd)
{
	struct fs_dev *d = arg;
	char name[96];
	unsigned int i;
	int copy;

	for (i = 0; i < d->n; i++)	/* the same number first: cheap */
		if (d->ents[i].orig == fd && same_file(d->ents[i].fd, fd))
			goto found;
	for (i = 0; i < d->n; i++)
		if (same_file(d->ents[i].fd, fd))
			goto found;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (copy < 0) {
		d->err = -errno;
		return HO_NOFD;
	}
	if (!ent_add(d, d->next_id, copy, fd)) {
		close(copy);
		d->err = -ENOMEM;
		return HO_NOFD;
	}
	fd_name(d, d->next_id, name, sizeof(name));
	d->err = d->err ? d->err : store(name, copy);
	d->new_fds = true;
	return d->next_id++;
found:
	d->ents[i].used = true;
	d->ents[i].orig = fd;
	return d->ents[i].id;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Slot header: magic, length, generation, CRC of length + generation +
 * record. The record is written before its header. */
static int write_slot(struct fs_dev *d, const uint8_t *rec, size_t len)
{
	unsigned int slot = d->gen ? d->slot ^ 1 : 0;
	off_t base = (off_t)slot * FS_SLOT_SIZE;
	uint8_t hdr[FS_SLOT_HDR] = { 0 };
	uint32_t crc;
	uint8_t *tmp;

	if (len > FS_SLOT_SIZE - FS_SLOT_HDR)
		return -E2BIG;
	tmp = malloc(12 + len);
	if (!tmp)
		return -ENOMEM;
	put_le(tmp, len, 4);
	put_le(tmp + 4, d->gen + 1, 8);
	memcpy(tmp + 12, rec, len);
	crc = vu_crc32(tmp, 12 + len);
	free(tmp);
	put_le(hdr, FS_SLOT_MAGIC, 4);
	put_le(hdr + 4, len, 4);
	put_le(hdr + 8, d->gen + 1, 8);
	put_le(hdr + 16, crc, 4);
	if (pwrite(d->rec_fd, rec, len, base + FS_SLOT_HDR) != (ssize_t)len ||
	    pwrite(d->rec_fd, hdr, sizeof(hdr), base) != (ssize_t)sizeof(hdr))
		return -EIO;
	d->gen++;
	d->slot = slot;
	return 0;
}

/* The newest whole record of memfd @fd: malloc'ed, or NULL. */
static uint8_t *read_newest(int fd, size_t *len, uint64_t *gen,
			    unsigned int *slot)
{
	uint8_t *best = NULL;
	unsigned int s;

	*gen = 0;
	for (s = 0; s < 2; s++) {
		off_t base = (off_t)s * FS_SLOT_SIZE;
		uint8_t hdr[FS_SLOT_HDR], *buf;
		uint32_t n;
		uint64_t g;

		if (pread(fd, hdr, sizeof(hdr), base) != (ssize_t)sizeof(hdr) ||
		    get_le(hdr, 4) != FS_SLOT_MAGIC)
			continue;
		n = (uint32_t)get_le(hdr + 4, 4);
		g = get_le(hdr + 8, 8);
		if (n > FS_SLOT_SIZE - FS_SLOT_HDR || g <= *gen)
			continue;
		buf = malloc(12 + (size_t)n);
		if (!buf)
			continue;
		memcpy(buf, hdr + 4, 12);
		if (pread(fd, buf + 12, n, base + FS_SLOT_HDR) != (ssize_t)n ||
		    vu_crc32(buf, 12 + (size_t)n) != get_le(hdr + 16, 4)) {
			free(buf);
			continue;
		}
		memmove(buf, buf + 12, n);
		free(best);
		best = buf;
		*len = n;
		*gen = g;
		*slot = s;
	}
	return best;
}

static struct fs_dev *dev_new(struct endpoint *ep)
{
	struct vu_device *dev = endpoint_device(ep);
	struct fs_dev *d = dev_of(NULL);
	char name[96];
	int lfd = endpoint_listen_fd(ep);

	if (!d) {
		log_err(dev->name, "fd store: more than %d devices", FS_MAX_DEVICES);
		return NULL;
	}
	if (!name_ok(dev->name)) {
		log_err(dev->name, "fd store: the name cannot be an FDNAME; not kept across restarts");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", dev->name);
	d->rec_fd = memfd_create("vubridged-record", MFD_CLOEXEC);
	if (d->rec_fd < 0 || ftruncate(d->rec_fd, 2 * FS_SLOT_SIZE) < 0) {
		log_err(dev->name, "fd store: no record memfd: %s",
			strerror(errno));
		if (d->rec_fd >= 0)
			close(d->rec_fd);
		return NULL;
	}
	d->ep = ep;
	d->next_id = 2;
	/* The device file and listener under names of their own, so that
	 * a successor finds them even when the record is unreadable. */
	d->err = 0;
	d->ents = NULL;
	ent_add(d, ID_DEV, fcntl(vdpa_device_fd(dev), F_DUPFD_CLOEXEC, 3),
		vdpa_device_fd(dev));
	if (lfd >= 0)
		ent_add(d, ID_LISTENER, fcntl(lfd, F_DUPFD_CLOEXEC, 3), lfd);
	fd_name(d, ID_DEV, name, sizeof(name));
	d->err = store(name, d->ents[0].fd);
	if (lfd >= 0 && !d->err) {
		fd_name(d, ID_LISTENER, name, sizeof(name));
		d->err = store(name, d->ents[1].fd);
	}
	snprintf(name, sizeof(name), "%s.rec", d->name);
	if (!d->err)
		d->err = store(name, d->rec_fd);
	return d;
}

static void drop_unused(struct fs_dev *d)
{
	char name[96];
	unsigned int i, k;

	for (i = 0, k = 0; i < d->n; i++) {
		if (d->ents[i].used || d->ents[i].id <= ID_LISTENER) {
			d->ents[k++] = d->ents[i];
			continue;
		}
		fd_name(d, d->ents[i].id, name, sizeof(name));
		unstore(name);
		close(d->ents[i].fd);
	}
	d->n = k;
}

void fdstore_sync(void *arg)
{
	struct endpoint *ep = arg;
	struct fs_dev *d;
	struct ho_record *r;
	uint8_t *buf;
	size_t len;
	unsigned int i;
	int ret;

	if (!fs.on)
		return;
	d = dev_of(ep);
	if (!d)
		d = dev_new(ep);
	if (!d)
		return;
	r = malloc(sizeof(*r));
	if (!r)
		return;
	for (i = 0; i < d->n; i++)
		d->ents[i].used = false;
	d->new_fds = false;
	ret = ho_export(ep, r, id_of, d);
	if (ret == -EBUSY) {	/* pinning: synced when it is done */
		free(r);
		return;
	}
	if (!ret)
		ret = d->err;
	if (!ret)
		ret = ho_record_encode(r, &buf, &len);
	free(r);
	if (ret) {
		log_err(d->name, "fd store: the record cannot be kept current (%s): a restart would reset the device",
			strerror(-ret));
		d->err = 0;
		return;
	}
	if (!d->new_fds && d->last && d->last_len == len &&
	    !memcmp(d->last, buf, len)) {
		free(buf);
		return;		/* nothing changed */
	}
	ret = write_slot(d, buf, len);
	if (ret) {
		log_err(d->name, "fd store: writing the record failed: %s",
			strerror(-ret));
		free(buf);
		return;
	}
	free(d->last);
	d->last = buf;
	d->last_len = len;
	drop_unused(d);
	log_debug(d->name, "fd store: record %llu (%zu bytes, %u files)",
		  (unsigned long long)d->gen, len, d->n);
}

static void dev_release(struct fs_dev *d, bool unstore_all)
{
	char name[96];
	unsigned int i;

	for (i = 0; i < d->n; i++) {
		if (unstore_all) {
			fd_name(d, d->ents[i].id, name, sizeof(name));
			unstore(name);
		}
		close(d->ents[i].fd);
	}
	if (unstore_all) {
		snprintf(name, sizeof(name), "%s.rec", d->name);
		unstore(name);
	}
	if (d->rec_fd >= 0)
		close(d->rec_fd);
	free(d->ents);
	free(d->last);
	memset(d, 0, sizeof(*d));
}

void fdstore_forget(struct endpoint *ep)
{
	struct fs_dev *d = fs.on ? dev_of(ep) : NULL;

	if (d)
		dev_release(d, true);
}

/* ---- a new daemon: what the store gave back ---- */

struct given {
	int fd;
	char *name;
};

struct restore_ctx {
	struct fs_dev *d;	/* ids -> files */
};

static int fd_by_id(void *arg, uint32_t id)
{
	struct restore_ctx *c = arg;
	unsigned int i;

	for (i = 0; i < c->d->n; i++)
		if (c->d->ents[i].id == id)
			return fcntl(c->d->ents[i].fd, F_DUPFD_CLOEXEC, 3);
	return -1;
}

/* Files of device @name among @g into @d (taken out of @g). */
static void collect(struct fs_dev *d, const char *name, struct given *g,
		    int n)
{
	size_t len = strlen(name);
	int i;

	d->rec_fd = -1;
	for (i = 0; i < n; i++) {
		const char *suffix;
		char *end;
		unsigned long id;

		if (g[i].fd < 0 || strncmp(g[i].name, name, len) ||
		    g[i].name[len] != '.')
			continue;
		suffix = g[i].name + len + 1;
		if (!strcmp(suffix, "rec")) {
			d->rec_fd = g[i].fd;
		} else if (!strcmp(suffix, "dev")) {
			ent_add(d, ID_DEV, g[i].fd, -1);
		} else if (!strcmp(suffix, "lis")) {
			ent_add(d, ID_LISTENER, g[i].fd, -1);
		} else {
			id = strtoul(suffix, &end, 10);
			if (*end || id <= ID_LISTENER || id >= HO_NOFD)
				continue;
			ent_add(d, (uint32_t)id, g[i].fd, -1);
			if (id >= d->next_id)
				d->next_id = (uint32_t)id + 1;
		}
		g[i].fd = -1;
	}
}

/*
 * The record of @d cannot be used: reset the device on its own file and
 * serve it without a session; the front-end sees its connection close and
 * connects again, to the same listener.
 */
static struct endpoint *reset_device(struct fs_dev *d, struct vu_loop *loop,
				     const char *sock_dir,
				     const char *client_path)
{
	int dfd = fd_by_id(&(struct restore_ctx){ d }, ID_DEV);
	int lfd = client_path ? -1 : fd_by_id(&(struct restore_ctx){ d },
					      ID_LISTENER);
	struct vu_device *dev;

	if (dfd < 0) {
		log_err(d->name, "fd store: no device file; the device resets when the store lets go of it");
		if (lfd >= 0)
			close(lfd);
		return NULL;
	}
	if (ioctl(dfd, VUB_RESET) < 0)
		log_err(d->name, "VUB_RESET: %s", strerror(errno));
	dev = vdpa_device_adopt(d->name, dfd);
	if (!dev) {
		if (lfd >= 0)
			close(lfd);
		return NULL;
	}
	if (!client_path && lfd < 0) {
		log_warn(d->name, "fd store: no listener; listening afresh");
		return endpoint_new(dev, loop, sock_dir, NULL);
	}
	return endpoint_adopt(dev, loop, sock_dir, client_path, lfd, NULL,
			      NULL);
}

static struct endpoint *restore_one(struct fs_dev *d, struct vu_loop *loop,
				    const char *sock_dir,
				    const char *client_path)
{
	struct restore_ctx c = { d };
	struct ho_record *r = malloc(sizeof(*r));
	struct endpoint *ep = NULL;
	char why[256] = "no record";
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = -EINVAL;

	if (!r)
		return NULL;
	if (d->rec_fd >= 0)
		buf = read_newest(d->rec_fd, &len, &d->gen, &d->slot);
	if (buf) {
		ho_test_spoil_bytes(buf, &len);
		ret = ho_record_decode(buf, len, r, why, sizeof(why));
		if (!ret)
			ho_test_spoil_record(r);
	}
	else if (d->rec_fd >= 0)
		snprintf(why, sizeof(why), "no whole record in the memfd");
	if (!ret && strcmp(r->name, d->name)) {
		snprintf(why, sizeof(why), "the record is of device %s",
			 r->name);
		ret = -EINVAL;
	}
	if (!ret)
		ret = ho_check(r, client_path != NULL, fd_by_id, &c, why,
			       sizeof(why));
	if (!ret) {
		ep = ho_adopt(r, loop, sock_dir, client_path, fd_by_id, &c);
	} else {
		log_err(d->name, "fd store: the record is refused (%s): resetting the device",
			why);
		ep = reset_device(d, loop, sock_dir, client_path);
	}
	free(buf);
	free(r);
	return ep;
}

unsigned int fdstore_restore(struct vu_loop *loop, const char *sock_dir,
			     const char *client_path, fdstore_adopt_fn adopt,
			     void *arg)
{
	struct given g[4096];
	char **names = NULL;
	unsigned int done = 0;
	int n, i;

	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0)
		return 0;
	if (n > 4096)
		n = 4096;	/* sd_listen_fds limits nothing: be safe */
	for (i = 0; i < n; i++) {
		g[i].fd = SD_LISTEN_FDS_START + i;
		g[i].name = names && names[i] ? names[i] : (char *)"";
	}
	log_info("-", "fd store: %d file(s) handed back by the service manager",
		 n);
	for (i = 0; i < n; i++) {
		struct fs_dev tmp, *d;
		struct endpoint *ep;
		char dev[64];
		size_t len;
		char *dot;

		if (g[i].fd < 0)
			continue;
		dot = strrchr(g[i].name, '.');
		len = dot ? (size_t)(dot - g[i].name) : 0;
		if (!len || len >= sizeof(dev))
			continue;
		memcpy(dev, g[i].name, len);
		dev[len] = 0;
		memset(&tmp, 0, sizeof(tmp));
		snprintf(tmp.name, sizeof(tmp.name), "%s", dev);
		tmp.next_id = 2;
		collect(&tmp, dev, g, n);
		ep = fs.on ? restore_one(&tmp, loop, sock_dir, client_path) :
		     NULL;
		d = ep ? dev_of(NULL) : NULL;
		if (!d) {
			/* Not taken: the store lets go of these files. */
			if (ep)
				log_warn(dev, "fd store: more than %d devices", FS_MAX_DEVICES);
			dev_release(&tmp, true);
			if (ep)
				adopt(arg, ep);
			continue;
		}
		*d = tmp;
		d->ep = ep;
		adopt(arg, ep);
		fdstore_sync(ep);	/* drops what the record no longer names */
		done++;
	}
	for (i = 0; i < n; i++) {
		if (g[i].fd >= 0) {
			log_info("-", "fd store: file '%s' belongs to nothing served: released",
				 g[i].name);
			unstore(g[i].name);
			close(g[i].fd);
		}
		if (names)
			free(names[i]);
	}
	free(names);
	return done;
}
