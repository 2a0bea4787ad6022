/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handover.h - handing served devices to a successor daemon with their
 * front-ends connected and their queues running (Documentation/handover.rst).
 *
 * The data path lives in the module and belongs to the open device file:
 * while the successor holds that file, nothing stops. What moves is the
 * daemon's side: the device file, the listener, the front-end connection
 * and every fd of its session, plus the state record (handover_record.h).
 * Two transports carry them: the control socket (takeover.c, vubridged
 * --takeover) and systemd's fd store (fdstore.c). Both use this layer:
 * export a served device into a record whose fds are ids the transport
 * gives, and adopt one from a record and the transport's files.
 */
#ifndef VUB_HANDOVER_H
#define VUB_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"
#include "handover_record.h"
#include "session.h"

/* The transport's id for @fd (the exporter keeps @fd open until the
 * successor acknowledged, or for as long as the fd store holds it). */
typedef uint32_t (*ho_id_fn)(void *ctx, int fd);
/* A new fd of the file with id @id (the caller takes it), or -1. */
typedef int (*ho_fd_fn)(void *ctx, uint32_t id);

/* handover_session.c */
/* Pinning on a worker or a device-state transfer running: not now. */
bool ho_session_busy(const struct vu_session *s);
int ho_session_export(struct vu_session *s, struct ho_record *r, ho_id_fn id,
		      void *ctx);
/* Rebuild the session of @r on @dev (watched through @loop). NULL with
 * @why on failure (what was built is destroyed: the device reset). */
struct vu_session *ho_session_adopt(struct vu_device *dev,
				    struct vu_loop *loop, vu_session_end_fn end,
				    void *end_arg, const struct ho_record *r,
				    ho_fd_fn fd_of, void *ctx, char *why,
				    size_t whylen);

/* handover_cvq.c: the daemon's control queue of a NIC (net_cvq.h) */
struct net_cvq;
void ho_cvq_export(const struct net_cvq *c, struct ho_cvq *h, ho_id_fn id,
		   void *ctx);
/* Its ring memfd and kick fd are what the record says, the ring stands at
 * the record's position. Reads only. 0, or -EINVAL with @why. */
int ho_cvq_check_files(const struct ho_record *r, ho_fd_fn fd_of, void *ctx,
		       char *why, size_t whylen);
/* Go on with the queue of @r: its files and state into @c (made by
 * ncvq_init() for the adopted device). A record without it: logged, 0. */
int ho_cvq_adopt(struct net_cvq *c, const struct ho_record *r,
		 ho_fd_fn fd_of, void *ctx);

/* handover_check.c: does the module (device file @devfd) agree with @r?
 * Reads only. 0, or -EINVAL with @why. */
int ho_check_module(int devfd, const struct ho_record *r, char *why,
		    size_t whylen);

/* handover.c: one served device */
/* -EBUSY: a session is pinning or transferring state (try again). */
int ho_export(struct endpoint *ep, struct ho_record *r, ho_id_fn id,
	      void *ctx);
/* Everything the successor can check before it takes over (no change to
 * anything): the files are there and of the right kind, the mode is the
 * same (@client: client mode), the module agrees. 0 or -errno with @why. */
int ho_check(const struct ho_record *r, bool client, ho_fd_fn fd_of,
	     void *ctx, char *why, size_t whylen);
/* Serve the device of @r from now on (after ho_check). NULL on failure
 * (then the device was reset: a clean start for the front-end). */
struct endpoint *ho_adopt(const struct ho_record *r, struct vu_loop *loop,
			  const char *sock_dir, const char *client_path,
			  ho_fd_fn fd_of, void *ctx);

/* Tests only (VUBRIDGED_TEST_BAD_RECORD=truncate|version|disagree|cvq in
 * the successor's environment): spoil a received record, as bytes or once
 * decoded, so that the refusal can be proven. */
void ho_test_spoil_bytes(uint8_t *buf, size_t *len);
void ho_test_spoil_record(struct ho_record *r);

#endif /* VUB_HANDOVER_H */
