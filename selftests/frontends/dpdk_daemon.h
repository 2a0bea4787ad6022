/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vubridged as the DPDK tests run it: serving one device, either
 * listening (testpmd connects) or with --client (testpmd listens), its
 * log in a file of its own, its CPU time readable while it runs.
 */
#ifndef VUBT_DPDK_DAEMON_H
#define VUBT_DPDK_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VD_SOCK_DIR	"/run/vubridge"

struct vubd {
	pid_t pid;
	char log[512];		/* its stderr */
	char err[1024];
};

/*
 * Start vubridged serving @dev. @client NULL: it listens on
 * VD_SOCK_DIR/<dev>.sock, and this returns once the socket exists.
 * Otherwise it connects to @client (and retries with back-off until a
 * server is there). Its log goes to $VUB_RESULTS/vubridged-<tag>.log,
 * appended, so that a restarted daemon's log follows its predecessor's.
 * Returns 0 or -errno (-ENOENT: not built).
 */
int vd_start(struct vubd *d, const char *dev, const char *client,
	     const char *tag);

/* The same serving several devices (@client NULL: the last one's socket
 * is awaited; the daemon creates them in order). */
int vd_start_devs(struct vubd *d, const char *const *devs, unsigned int ndevs,
		  const char *client, const char *tag);

/* The command line vd_start() runs (program name "vubridged"). */
int vd_cmdline(const char *dev, const char *client, char *buf, size_t cap);
int vd_cmdline_devs(const char *const *devs, unsigned int ndevs,
		    const char *client, char *buf, size_t cap);

/* Send @sig and reap it; returns its wait status or -errno. */
int vd_stop(struct vubd *d, int sig);

/* User + system CPU time it used so far, in ms, or -errno. */
long vd_cpu_ms(const struct vubd *d);

/* The whole log as text (free it), or NULL. */
char *vd_log_text(const struct vubd *d);

/*
 * The last "@dev: queue @q: K kicks forwarded, I interrupts signalled"
 * line of the log at or after byte @from (the module's counters, logged when a
 * queue stops). Returns 0 or -ENOENT.
 */
int vd_queue_counters(const struct vubd *d, size_t from, const char *dev,
		      unsigned int q, uint64_t *kicks, uint64_t *irqs);

/* Wait until @needle is in its log at or after byte @from. */
int vd_wait_log(const struct vubd *d, size_t from, const char *needle,
		int timeout_ms);

/* Size of its log now (an offset for vd_queue_counters). */
size_t vd_log_size(const struct vubd *d);

#endif
