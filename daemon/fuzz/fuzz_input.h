/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_input.h - how a fuzz input drives a session.
 *
 * An input is a sequence of chunks; each chunk is sent with one sendmsg()
 * on the front-end's end of a socketpair, with fds attached, after which
 * the harness runs the session's callbacks:
 *
 *   u8  fd spec: low nibble = number of fds (at most FZ_MAX_FDS; more
 *       than VU_MAX_FDS exercises the truncation path), high nibble = kind
 *   u16 length L of the socket bytes (little-endian)
 *   if kind == FZ_FD_PIPE: u16 length P, then P bytes written into the
 *       pipe (whose read end is the fd sent) before its write end closes
 *   L bytes sent on the socket
 */
#ifndef VUB_FUZZ_INPUT_H
#define VUB_FUZZ_INPUT_H

#define FZ_MAX_FDS	12

enum fz_fd_kind {
	FZ_FD_EVENTFD = 0,	/* eventfd */
	FZ_FD_MEMFD = 1,	/* memfd of FZ_MEMFD_SIZE bytes */
	FZ_FD_PIPE = 2,		/* pipe read end, with data */
	FZ_FD_SOCKET = 3,	/* one end of a socketpair */
	FZ_FD_PIPE_W = 4,	/* pipe write end (state save) */
};

#define FZ_MEMFD_SIZE	(256u * 1024u)

#endif /* VUB_FUZZ_INPUT_H */
