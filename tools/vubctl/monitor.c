// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - "vubctl monitor": print vubridge's events (the "events"
 * multicast group) until SIGINT or SIGTERM. One line per event; with -j
 * one JSON document per line, flushed at once, so a pipe reads it live.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "out.h"
#include "vubctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void monitor_usage(FILE *f)
{
	fputs("Usage: vubctl [ -j [ -p ] ] monitor\n"
	      "Print each event of vubridge's devices (bound, unbound, owner_attached,\n"
	      "owner_released, frontend_connected, frontend_disconnected,\n"
	      "config_changed, reset, error) until interrupted.\n", f);
}

struct monitor {
	struct vubctl *c;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VUB_ATTR_MAX + 1];
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct monitor *m = data;
	char unknown[32];
	const char *ev;
	uint32_t id;

	if (nlh->nlmsg_type != m->c->vub_family || g->cmd != VUB_CMD_EVENT)
		return MNL_CB_OK;
	nl_parse(nlh, vub_policy, VUB_ATTR_MAX, tb);
	id = nl_u32(tb[VUB_ATTR_EVENT], 0);
	ev = event_name(id);
	if (!ev) {
		/* A newer module's event: shown by number, not fatal. */
		snprintf(unknown, sizeof(unknown), "event_%u", id);
		ev = unknown;
	}
	out_init(stdout, m->c->json, m->c->pretty);
	out_str("event", "[%s]", ev);
	out_str("dev", " dev %s", nl_str(tb[VUB_ATTR_DEV_NAME], "?"));
	if (tb[VUB_ATTR_OWNER_PID])
		out_u64("owner_pid", " owner_pid %" PRIu64,
			nl_u32(tb[VUB_ATTR_OWNER_PID], 0));
	if (tb[VUB_ATTR_FRONTEND_PID])
		out_u64("frontend_pid", " frontend_pid %" PRIu64,
			nl_u32(tb[VUB_ATTR_FRONTEND_PID], 0));
	if (tb[VUB_ATTR_FRONTEND_UID])
		out_u64("frontend_uid", " frontend_uid %" PRIu64,
			nl_u32(tb[VUB_ATTR_FRONTEND_UID], 0));
	if (tb[VUB_ATTR_OWNER_LABEL])
		out_str("owner_label", " label \"%s\"",
			nl_str(tb[VUB_ATTR_OWNER_LABEL], ""));
	if (tb[VUB_ATTR_QUEUE_INDEX])
		out_u64("queue", " queue %" PRIu64,
			nl_u32(tb[VUB_ATTR_QUEUE_INDEX], 0));
	out_text("\n");
	out_finish();
	return MNL_CB_OK;
}

int cmd_monitor(struct vubctl *c, struct args *a)
{
	struct monitor m = { .c = c };
	struct sigaction sa;
	unsigned int grp;
	ssize_t n;
	int ret;

	if (arg_is_help(arg_peek(a))) {
		monitor_usage(stdout);
		return 0;
	}
	if (arg_peek(a))
		usage_error("monitor: unexpected argument \"%s\"", arg_peek(a));
	if (ctl_vub(c))
		return EXIT_FAIL;
	grp = c->vub_events;
	if (mnl_socket_setsockopt(c->nl.sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return fail(c, -errno, "joining the \"%s\" group",
			    VUB_GENL_MCGRP_EVENTS);

	/* No SA_RESTART: the signal ends the blocking read. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		n = mnl_socket_recvfrom(c->nl.sock, c->nl.buf, c->nl.buf_size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Events came faster than we read: say so, go on. */
			if (errno == ENOBUFS) {
				fprintf(stderr, "vubctl: monitor: events lost (receive buffer full)\n");
				continue;
			}
			return fail(c, -errno, "monitor");
		}
		ret = mnl_cb_run(c->nl.buf, (size_t)n, 0, 0, event_cb, &m);
		if (ret < 0 && errno != ESRCH)
			return fail(c, -errno, "monitor: reading an event");
	}
	return 0;
}
