// SPDX-License-Identifier: GPL-2.0
/*
 * state_xfer.c - the device-state transfer of SET_DEVICE_STATE_FD and
 * CHECK_DEVICE_STATE: the blob (state.c) goes through a pipe-like fd the
 * front-end passed, written or read as the fd allows, never blocking the
 * daemon; CHECK_DEVICE_STATE completes it and, for a load, applies the
 * state only after all of it was found consistent with this device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "session_priv.h"
#include "state.h"

#define BAD(...)	do {						\
		snprintf(why, whylen, __VA_ARGS__);			\
		return -EINVAL;						\
	} while (0)

#define NAME(s)	((s)->dev->name)

void vu_xfer_abort(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	if (x->fd >= 0) {
		s->loop->unwatch(s->loop, x->fd);
		close(x->fd);
	}
	free(x->buf);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

static void xfer_close_fd(struct vu_session *s)
{
	if (s->xfer.fd >= 0) {
		s->loop->unwatch(s->loop, s->xfer.fd);
		close(s->xfer.fd);
		s->xfer.fd = -1;
	}
}

/* Save: write what the pipe takes; 1 when all is written. */
static int xfer_write(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	while (x->off < x->len) {
		ssize_t n = write(x->fd, x->buf + x->off, x->len - x->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn(NAME(s), "device state: write failed: %s",
				 strerror(errno));
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		x->off += (size_t)n;
	}
	x->done = true;
	xfer_close_fd(s);	/* EOF tells the reader it has everything */
	return 1;
}

/* Load: read what is there; 1 at end of file. */
static int xfer_read(struct vu_session *s)
{
	struct vu_xfer *x = &s->xfer;

	for (;;) {
		ssize_t n;

		if (x->len == VU_STATE_MAX_BLOB) {
			log_warn(NAME(s), "device state: larger than %u bytes",
				 VU_STATE_MAX_BLOB);
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		if (x->len == x->off) {
			size_t cap = x->off ? x->off * 2 : 4096;
			uint8_t *p;

			if (cap > VU_STATE_MAX_BLOB)
				cap = VU_STATE_MAX_BLOB;
			p = realloc(x->buf, cap);
			if (!p) {
				x->failed = true;
				xfer_close_fd(s);
				return -1;
			}
			x->buf = p;
			x->off = cap;	/* load: @off is the capacity */
		}
		n = read(x->fd, x->buf + x->len, x->off - x->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn(NAME(s), "device state: read failed: %s",
				 strerror(errno));
			x->failed = true;
			xfer_close_fd(s);
			return -1;
		}
		if (n == 0) {
			x->done = true;
			xfer_close_fd(s);
			return 1;
		}
		x->len += (size_t)n;
	}
}

static void on_xfer(void *arg, int fd, uint32_t events)
{
	struct vu_session *s = arg;

	(void)fd;
	(void)events;
	if (s->xfer.direction == VU_STATE_DIR_SAVE)
		xfer_write(s);
	else
		xfer_read(s);
}

static int build_state(struct vu_session *s, struct vu_state *st)
{
	size_t dlen = 0;
	uint32_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	st->device_id = s->dev->device_id;
	st->num_queues = s->nvrings;
	st->features = s->features;
	st->protocol_features = s->pf;
	st->status = vu_life_get_status(s);
	st->config_len = s->dev->config_size < VU_MAX_CONFIG_SIZE ?
			 s->dev->config_size : VU_MAX_CONFIG_SIZE;
	if (st->config_len) {
		ret = s->ops->read_config(s->dev, 0, st->config,
					  st->config_len);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < s->nvrings && i < VU_STATE_MAX_QUEUES; i++) {
		const struct vu_vring *r = &s->vrings[i];
		struct vu_state_queue *q = &st->queues[st->nqueues++];

		q->index = i;
		q->size = r->num;
		q->flags = (r->enabled ? VU_QSTATE_F_ENABLED : 0) |
			   (r->packed ? VU_QSTATE_F_PACKED : 0) |
			   (r->addr_set ? VU_QSTATE_F_CONFIGURED : 0);
		q->pos = r->base;
	}
	ret = s->ops->snapshot(s->dev, st->devdata, sizeof(st->devdata),
			       &dlen);
	if (ret < 0)
		return ret;
	st->devdata_len = (uint32_t)dlen;
	return 0;
}

int vu_xfer_start(struct vu_session *s, uint32_t direction, int fd)
{
	struct vu_xfer *x = &s->xfer;
	struct vu_state *st;
	int fl, ret;

	vu_xfer_abort(s);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if ((fl & O_ACCMODE) == (direction == VU_STATE_DIR_SAVE ? O_RDONLY :
				 O_WRONLY))
		return -EBADF;
	x->direction = direction;
	if (direction == VU_STATE_DIR_SAVE) {
		st = malloc(sizeof(*st));
		if (!st)
			return -ENOMEM;
		ret = build_state(s, st);
		if (!ret)
			ret = vu_state_encode(st, &x->buf, &x->len);
		free(st);
		if (ret < 0)
			return ret;
	}
	x->fd = fd;
	if (s->loop->watch(s->loop, fd, direction == VU_STATE_DIR_SAVE ?
			   VU_EV_OUT : VU_EV_IN, on_xfer, s) < 0) {
		x->fd = -1;
		vu_xfer_abort(s);
		return -ENOMEM;
	}
	if (direction == VU_STATE_DIR_SAVE)
		xfer_write(s);
	log_info(NAME(s), "device state %s started",
		 direction == VU_STATE_DIR_SAVE ? "save" : "load");
	return 0;
}

static int apply_state(struct vu_session *s, const struct vu_state *st,
		       char *why, size_t whylen)
{
	uint64_t offered = s->ops->features(s->dev) |
			   1ull << VU_F_PROTOCOL_FEATURES;
	uint32_t i;
	int ret;

	if (st->device_id != s->dev->device_id)
		BAD("state of virtio device type %u, this device is type %u",
		    st->device_id, s->dev->device_id);
	if (st->num_queues != s->nvrings)
		BAD("state has %u queues, this device %u", st->num_queues,
		    s->nvrings);
	if (st->features & ~offered)
		BAD("state needs features 0x%llx this device lacks",
		    (unsigned long long)(st->features & ~offered));
	/* Protocol features belong to a connection, not to the device:
	 * recorded for information, not required. */
	ret = s->ops->restore(s->dev, st->devdata, st->devdata_len);
	if (ret < 0)
		BAD("the device refused its state: %s", strerror(-ret));
	for (i = 0; i < st->nqueues; i++)
		vu_session_restore_queue(s, st->queues[i].index,
					 &st->queues[i].pos);
	return 0;
}

int vu_xfer_finish(struct vu_session *s, char *why, size_t whylen)
{
	struct vu_xfer *x = &s->xfer;
	uint32_t dir = x->direction;
	struct vu_state *st;
	int ret;

	if (!x->buf && x->fd < 0 && !x->done)
		BAD("no state transfer in progress");
	if (!x->done && !x->failed && x->fd >= 0) {
		if (x->direction == VU_STATE_DIR_SAVE)
			xfer_write(s);
		else
			xfer_read(s);
	}
	if (x->failed) {
		vu_xfer_abort(s);
		BAD("the transfer failed");
	}
	if (!x->done) {
		vu_xfer_abort(s);
		if (dir == VU_STATE_DIR_SAVE)
			BAD("the front-end has not read the whole state");
		BAD("the transfer has not ended: the writer did not close its end");
	}
	if (dir == VU_STATE_DIR_SAVE) {
		vu_xfer_abort(s);
		log_info(NAME(s), "device state saved");
		return 0;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		vu_xfer_abort(s);
		BAD("out of memory");
	}
	ret = vu_state_decode(x->buf, x->len, st, why, whylen);
	if (!ret)
		ret = apply_state(s, st, why, whylen);
	free(st);
	vu_xfer_abort(s);
	if (!ret)
		log_info(NAME(s), "device state loaded");
	return ret;
}
