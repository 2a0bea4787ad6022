// SPDX-License-Identifier: GPL-2.0
/*
 * takeover.c - the control socket and its one conversation (takeover.h).
 *
 * Successor                          Running daemon
 *   HELLO (record version) ------->
 *                          <-------  FDS (up to 250 fds each; id = order,
 *                                    id 0 the control listener) ...
 *                          <-------  RECORD (a memfd holding one record) ...
 *                          <-------  DONE (number of records)
 *   decode, check every record
 *   against the module, then
 *   ACK or NACK (reason) --------->  ACK: exit, no device touched
 *                                    NACK/EOF/timeout: serve on
 *   (BUSY instead of FDS: a session is pinning memory; ask again)
 *
 * The running daemon does it all inside one callback of its loop: no
 * front-end message is read meanwhile, so nothing changes under the
 * records. The successor changes nothing either until it sent ACK; only
 * then does it build its sessions and watch the sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "handover.h"
#include "log.h"
#include "takeover.h"

#define TK_MAGIC	0x4b544256u	/* "VBTK" */
/* The running daemon answers between two turns of its loop, which may be
 * busy starting (a successor of a moment ago) on a loaded machine; the
 * successor answers once it checked every record. */
#define TK_HELLO_MS	60000
#define TK_TIMEOUT_MS	30000
#define TK_FDS_PER_MSG	250
#define TK_MAX_FDS	16384
#define TK_MAX_DEVICES	64
#define TK_BUSY_TRIES	50

enum tk_type {
	TK_HELLO = 1,
	TK_FDS,
	TK_RECORD,
	TK_DONE,
	TK_ACK,
	TK_NACK,
	TK_BUSY,
};

struct tk_hdr {
	uint32_t magic;
	uint32_t type;
	uint32_t a;
	uint32_t b;
};

struct takeover {
	struct vu_loop *loop;
	int fd;
	char path[108];
	takeover_list_fn list;
	takeover_done_fn done;
	void *arg;
};

/* fds being sent: id = index. */
struct fdvec {
	int *fds;
	uint32_t n, cap;
	bool overflow;
};

static uint32_t fdvec_add(void *arg, int fd)
{
	struct fdvec *v = arg;
	uint32_t i;

	for (i = 0; i < v->n; i++)
		if (v->fds[i] == fd)
			return i;
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 64;
		int *p = cap <= TK_MAX_FDS ? realloc(v->fds, cap * sizeof(int)) :
			 NULL;

		if (!p) {
			v->overflow = true;
			return HO_NOFD;
		}
		v->fds = p;
		v->cap = cap;
	}
	v->fds[v->n] = fd;
	return v->n++;
}

/* The successor's side: a new fd for an id. */
static int fdvec_dup(void *arg, uint32_t id)
{
	struct fdvec *v = arg;

	if (id >= v->n || v->fds[id] < 0)
		return -1;
	return fcntl(v->fds[id], F_DUPFD_CLOEXEC, 3);
}

static void fdvec_close(struct fdvec *v)
{
	uint32_t i;

	for (i = 0; i < v->n; i++)
		if (v->fds[i] >= 0)
			close(v->fds[i]);
	free(v->fds);
	memset(v, 0, sizeof(*v));
}

static int tk_send(int sock, uint32_t type, uint32_t a, uint32_t b,
		   const void *text, size_t tlen, const int *fds,
		   unsigned int nfds)
{
	struct tk_hdr h = { TK_MAGIC, type, a, b };
	union {
		char buf[CMSG_SPACE(sizeof(int) * TK_FDS_PER_MSG)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ &h, sizeof(h) }, { (void *)text, tlen },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = tlen ? 2 : 1 };
	struct cmsghdr *cm;

	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/*
 * One message within @timeout_ms: the header, up to @tcap bytes of text,
 * fds appended to @v (when given; else closed). 0, or -errno (-EPIPE: the
 * peer left).
 */
static int tk_recv(int sock, struct tk_hdr *h, char *text, size_t tcap,
		   struct fdvec *v, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * TK_FDS_PER_MSG)];
		struct cmsghdr align;
	} ctl;
	char tbuf[256];
	struct iovec iov[2] = {
		{ h, sizeof(*h) },
		{ text ? text : tbuf, text ? tcap : sizeof(tbuf) },
	};
	struct msghdr mh = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return -errno;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	ret = 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k, cnt;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(fd));
			if (!v || fdvec_add(v, fd) == HO_NOFD ||
			    v->fds[v->n - 1] != fd) {
				close(fd);
				ret = -EPROTO;
			}
		}
	}
	if (ret)
		return ret;
	if ((size_t)n < sizeof(*h) || h->magic != TK_MAGIC ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EPROTO;
	if (text && tcap)
		text[(size_t)n - sizeof(*h) < tcap ? (size_t)n - sizeof(*h) :
		     tcap - 1] = '\0';
	return 0;
}

/* ---- the running daemon ---- */

static int record_memfd(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("vubridged-record", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		off += (size_t)n;
	}
	return fd;
}

/* Send everything; 0, -EBUSY (told the successor), or -errno. */
static int send_all(struct takeover *t, int sock, unsigned int *ndev)
{
	struct endpoint *eps[TK_MAX_DEVICES];
	struct ho_record *recs;
	struct fdvec v = { 0 };
	unsigned int n, i;
	uint32_t off;
	int ret = 0;

	n = t->list(t->arg, eps, TK_MAX_DEVICES);
	recs = calloc(n ? n : 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	fdvec_add(&v, t->fd);	/* id 0: the control listener */
	for (i = 0; i < n && !ret; i++)
		ret = ho_export(eps[i], &recs[i], fdvec_add, &v);
	if (!ret && v.overflow)
		ret = -EMFILE;
	if (ret == -EBUSY) {
		log_info("-", "takeover: a session is busy pinning memory; the successor asks again");
		tk_send(sock, TK_BUSY, 0, 0, NULL, 0, NULL, 0);
		goto out;
	}
	if (ret)
		goto out;
	for (off = 0; off < v.n && !ret; off += TK_FDS_PER_MSG) {
		uint32_t k = v.n - off < TK_FDS_PER_MSG ? v.n - off :
			     TK_FDS_PER_MSG;

		ret = tk_send(sock, TK_FDS, k, off, NULL, 0, v.fds + off, k);
	}
	for (i = 0; i < n && !ret; i++) {
		uint8_t *buf;
		size_t len;
		int mfd;

		ret = ho_record_encode(&recs[i], &buf, &len);
		if (ret)
			break;
		mfd = record_memfd(buf, len);
		free(buf);
		if (mfd < 0) {
			ret = mfd;
			break;
		}
		ret = tk_send(sock, TK_RECORD, (uint32_t)len, i, NULL, 0, &mfd,
			      1);
		close(mfd);
	}
	if (!ret)
		ret = tk_send(sock, TK_DONE, n, 0, NULL, 0, NULL, 0);
	*ndev = n;
out:
	free(v.fds);	/* ours stay open: they are still in use */
	free(recs);
	return ret;
}

static bool peer_allowed(int sock)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return false;
	return uc.uid == 0 || uc.uid == geteuid();
}

static void on_ctl(void *arg, int fd, uint32_t events)
{
	struct takeover *t = arg;
	char text[256] = "";
	unsigned int ndev = 0;
	struct timespec t0, t1;
	struct tk_hdr h;
	int sock, ret;

	(void)events;
	sock = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return;
	if (!peer_allowed(sock)) {
		log_warn("-", "takeover: refusing a peer of another user");
		close(sock);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = tk_recv(sock, &h, NULL, 0, NULL, TK_TIMEOUT_MS);
	if (ret || h.type != TK_HELLO) {
		log_warn("-", "takeover: no greeting from the successor (%s)",
			 ret ? strerror(-ret) : "wrong message");
		close(sock);
		return;
	}
	log_info("-", "takeover: a successor (record version %u) asks for every device; no front-end is read meanwhile",
		 h.a);
	ret = send_all(t, sock, &ndev);
	if (ret) {
		if (ret != -EBUSY)
			log_err("-", "takeover: sending the state failed: %s; serving on",
				strerror(-ret));
		close(sock);
		return;
	}
	ret = tk_recv(sock, &h, text, sizeof(text), NULL, TK_TIMEOUT_MS);
	close(sock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ret && h.type == TK_ACK) {
		log_info("-", "takeover: the successor took %u device(s) in %ld ms; exiting without touching them",
			 ndev, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
				      (t1.tv_nsec - t0.tv_nsec) / 1000000));
		t->done(t->arg);
		return;
	}
	if (!ret && h.type == TK_NACK)
		log_warn("-", "takeover: the successor refused (%s); serving on",
			 text);
	else
		log_warn("-", "takeover: the successor gave no answer (%s); serving on",
			 ret ? strerror(-ret) : "wrong message");
}

struct takeover *takeover_listen(struct vu_loop *loop, const char *path,
				 int fd, takeover_list_fn list,
				 takeover_done_fn done, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct takeover *t;
	struct stat st;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("-", "control socket path %s too long", path);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->loop = loop;
	t->list = list;
	t->done = done;
	t->arg = arg;
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (fd < 0) {
		/* A socket left by a daemon that died is replaced; anything
		 * else there is not ours to remove. */
		if (lstat(path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				log_err("-", "%s exists and is not a socket: no takeover control socket",
					path);
				free(t);
				return NULL;
			}
			unlink(path);
		}
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		memcpy(sa.sun_path, path, strlen(path) + 1);
		old = umask(0177);	/* 0600: the daemon's user only */
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(fd, 2) < 0) {
			umask(old);
			log_err("-", "control socket %s: %s", path,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			free(t);
			return NULL;
		}
		umask(old);
	}
	t->fd = fd;
	if (loop->watch(loop, fd, VU_EV_IN, on_ctl, t) < 0) {
		close(fd);
		free(t);
		return NULL;
	}
	log_info("-", "a successor takes over through %s", path);
	return t;
}

void takeover_close(struct takeover *t)
{
	struct stat st;

	if (!t)
		return;
	t->loop->unwatch(t->loop, t->fd);
	close(t->fd);
	if (lstat(t->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(t->path);
	free(t);
}

/* ---- the successor ---- */

static int read_record(int mfd, uint32_t len, uint8_t **out)
{
	uint8_t *buf;
	size_t off = 0;

	if (len > HO_MAX_RECORD)
		return -EPROTO;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	while (off < len) {
		ssize_t n = pread(mfd, buf + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return -EPROTO;
		}
		off += (size_t)n;
	}
	*out = buf;
	return 0;
}

struct received {
	struct fdvec fds;
	uint8_t *bufs[TK_MAX_DEVICES];
	uint32_t lens[TK_MAX_DEVICES];
	unsigned int n;
};

static void received_free(struct received *rc)
{
	unsigned int i;

	fdvec_close(&rc->fds);
	for (i = 0; i < rc->n; i++)
		free(rc->bufs[i]);
	rc->n = 0;
}

static int tk_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(sock);
		return err;
	}
	return sock;
}

/*
 * Messages arrive as FDS..., RECORD..., DONE. A RECORD's one fd goes to
 * its own vector so that ids keep counting the FDS only.
 */
static int receive(int sock, struct received *rc)
{
	struct tk_hdr h = { 0 };
	int ret;

	ret = tk_send(sock, TK_HELLO, HO_VERSION, 0, NULL, 0, NULL, 0);
	while (!ret) {
		struct fdvec extra = { 0 };

		ret = tk_recv(sock, &h, NULL, 0, &extra,
			      rc->fds.n ? TK_TIMEOUT_MS : TK_HELLO_MS);
		if (ret) {
			fdvec_close(&extra);
			break;
		}
		switch (h.type) {
		case TK_BUSY:
			ret = extra.n ? -EPROTO : 1;
			fdvec_close(&extra);
			return ret;
		case TK_FDS:
			if (h.b != rc->fds.n || h.a != extra.n) {
				ret = -EPROTO;
				break;
			}
			for (uint32_t i = 0; i < extra.n; i++) {
				if (fdvec_add(&rc->fds, extra.fds[i]) ==
				    HO_NOFD) {
					ret = -EMFILE;
					break;
				}
				extra.fds[i] = -1;
			}
			break;
		case TK_RECORD:
			if (extra.n != 1 || rc->n == TK_MAX_DEVICES ||
			    h.b != rc->n) {
				ret = -EPROTO;
				break;
			}
			ret = read_record(extra.fds[0], h.a,
					  &rc->bufs[rc->n]);
			if (!ret)
				rc->lens[rc->n++] = h.a;
			break;
		case TK_DONE:
			fdvec_close(&extra);
			return h.a == rc->n ? 0 : -EPROTO;
		default:
			ret = -EPROTO;
		}
		fdvec_close(&extra);
	}
	return ret;
}

int takeover_receive(const char *path, struct vu_loop *loop,
		     const char *sock_dir, const char *client_path,
		     takeover_adopt_fn adopt, void *arg, int *ctl_fd)
{
	struct ho_record *recs = NULL;
	struct received rc;
	char why[256] = "";
	unsigned int i, tries;
	int sock = -1, ret;

	memset(&rc, 0, sizeof(rc));
	for (tries = 0;; tries++) {
		sock = tk_connect(path);
		if (sock < 0) {
			log_err("-", "takeover: no daemon to take over from at %s: %s",
				path, strerror(-sock));
			return sock;
		}
		ret = receive(sock, &rc);
		if (ret != 1 || tries == TK_BUSY_TRIES)
			break;
		close(sock);
		received_free(&rc);
		usleep(100000);	/* a session is pinning: soon done */
	}
	if (ret) {
		log_err("-", "takeover: receiving the state failed: %s",
			ret == 1 ? "the daemon stayed busy" : strerror(-ret));
		goto nack;
	}
	recs = calloc(rc.n ? rc.n : 1, sizeof(*recs));
	if (!recs) {
		ret = -ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto nack;
	}
	for (i = 0; i < rc.n; i++) {
		size_t len = rc.lens[i];

		ho_test_spoil_bytes(rc.bufs[i], &len);
		ret = ho_record_decode(rc.bufs[i], len, &recs[i], why,
				       sizeof(why));
		if (!ret)
			ho_test_spoil_record(&recs[i]);
		if (!ret)
			ret = ho_check(&recs[i], client_path != NULL, fdvec_dup,
				       &rc.fds, why, sizeof(why));
		if (ret) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "device %u (%s): %s", i,
				 ret == -EPROTO || !recs[i].name[0] ? "?" :
				 recs[i].name, why);
			memcpy(why, tmp, sizeof(why));
			goto nack;
		}
	}
	if (getenv("VUBRIDGED_TEST_TAKEOVER_STALL")) {
		/* Tests only: a successor killed in the middle. */
		log_warn("-", "VUBRIDGED_TEST_TAKEOVER_STALL: stalling before the answer");
		sleep(60);
	}
	ret = tk_send(sock, TK_ACK, rc.n, 0, NULL, 0, NULL, 0);
	if (ret) {
		log_err("-", "takeover: the daemon left before the answer: %s",
			strerror(-ret));
		goto out;
	}
	close(sock);
	sock = -1;
	/* From here on the devices are ours. */
	for (i = 0; i < rc.n; i++) {
		struct endpoint *ep = ho_adopt(&recs[i], loop, sock_dir,
					       client_path, fdvec_dup,
					       &rc.fds);

		if (ep)
			adopt(arg, ep);
	}
	*ctl_fd = fdvec_dup(&rc.fds, 0);
	log_info("-", "takeover: %u device(s) taken over", rc.n);
	ret = 0;
	goto out;
nack:
	if (!why[0])
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	log_err("-", "takeover refused: %s; the running daemon serves on", why);
	if (sock >= 0)
		tk_send(sock, TK_NACK, 0, 0, why, strlen(why) + 1, NULL, 0);
	if (!ret)
		ret = -EINVAL;
out:
	if (sock >= 0)
		close(sock);
	received_free(&rc);
	free(recs);
	return ret;
}
