/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DPDK's testpmd as a vhost-user front-end: one interactive dpdk-testpmd
 * process with a virtio-user port, driven through a pipe on its stdin the
 * way a person at its prompt would ("start tx_first 8", "show port stats
 * 0", "quit"). Its output is read back, kept for the log, and parsed.
 *
 * Functions return 0 or -errno; on failure tp->err says why.
 */
#ifndef VUBT_DPDK_TESTPMD_H
#define VUBT_DPDK_TESTPMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TP_BIN		"dpdk-testpmd"
#define TP_PROMPT	"testpmd> "

/* How the port reaches the back-end. */
struct tp_opts {
	const char *sock;	/* vhost-user socket path */
	const char *mac;	/* the port's MAC = the vDPA device's */
	bool server;		/* testpmd listens (server=1), the daemon connects */
	bool packed;		/* ask for packed rings (packed_vq=1) */
	const char *tag;	/* names this process in the log */
	/* A second port (NULL: one port, looped to itself): frames cross
	 * from each port to the other, addressed to the other's MAC. */
	const char *sock2, *mac2;
	/* For the benchmarks (all default to off/NULL): */
	bool vhost;		/* the port is DPDK's vhost-user back-end
				 * (net_vhost, listening on @sock) */
	bool iova_va;		/* --iova-mode=va (for /dev/vhost-vdpa-N) */
	const char *main_lcore;	/* --main-lcore (the other one forwards) */
	/* Queue pairs per port (0: 1): virtio-user queues=N, --rxq/--txq,
	 * and frames of many flows (--txonly-multi-flow). */
	unsigned int queues;
};

struct testpmd {
	pid_t pid;
	int in;			/* its stdin (we write commands) */
	int out;		/* its stdout + stderr (non-blocking) */
	char *buf;		/* everything it printed */
	size_t len, cap;
	int log;		/* copy of its output ($VUB_RESULTS), or -1 */
	int status;		/* wait status once it exited, else -1 */
	char err[256];
};

/* Port counters as "show port stats 0" prints them. */
struct tp_stats {
	uint64_t rx, tx;	/* RX-packets, TX-packets */
	int64_t at_ms;		/* when the answer arrived (CLOCK_MONOTONIC) */
};

void tp_init(struct testpmd *tp);

/*
 * Start testpmd in io-fwd mode with one virtio-user port looped to itself
 * and frames addressed to the port's own MAC (so vdpa_sim_net loops them
 * back), or two ports forwarding to each other. Returns once it shows its prompt (port configured and started),
 * or fails after @timeout_ms.
 */
int tp_start(struct testpmd *tp, const struct tp_opts *o, int timeout_ms);

/* Only start it (several may then initialize at once); tp_wait_output()
 * for TP_PROMPT from 0 is the rest of tp_start(). */
int tp_spawn(struct testpmd *tp, const struct tp_opts *o);

/* The exact command line tp_start() runs, for the documentation. */
int tp_cmdline(const struct tp_opts *o, char *buf, size_t cap);

/*
 * Send one command line and wait for the next prompt. @reply (may be
 * NULL) gets the offset in tp->buf where its output starts.
 */
int tp_cmd(struct testpmd *tp, const char *cmd, int timeout_ms,
	   size_t *reply);

/* "show port stats all" parsed: @n ports into @st[]. */
int tp_port_stats(struct testpmd *tp, struct tp_stats *st, unsigned int n);

/* "show port xstats @port" parsed: packets of RX and TX queues 0..@nq-1
 * (rx_qN_good_packets, tx_qN_good_packets). */
int tp_queue_stats(struct testpmd *tp, unsigned int port, unsigned int nq,
		   uint64_t *rx, uint64_t *tx);
/* Wait until @needle appears in its output at or after @from. */
int tp_wait_output(struct testpmd *tp, const char *needle, size_t from,
		   int timeout_ms);

/* Still running? (Reaps it, keeping its wait status, if it ended.) */
bool tp_alive(struct testpmd *tp);

/* "quit" and wait for a clean exit (status 0). */
int tp_quit(struct testpmd *tp, int timeout_ms);

/* SIGKILL (if running), reap, close everything. Safe to call twice. */
void tp_fini(struct testpmd *tp);

/* Reserve @n 2 MiB hugepages (0 gives them back); -errno if fewer came. */
int tp_hugepages(long n);

#endif
