// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - vubridged: options, signals, the set of served devices, and
 * the epoll loop. No thread per message, no busy polling: the daemon
 * sleeps in epoll_wait() while traffic flows through the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discovery.h"
#include "endpoint.h"
#include "fdstore.h"
#include "log.h"
#include "loop.h"
#include "net_cvq.h"
#include "nl_events.h"
#include "sd_notify.h"
#include "sock_perm.h"
#include "takeover.h"
#include "vdpa_device.h"

#ifndef VUB_VERSION
#define VUB_VERSION "0.1"
#endif
#define DEFAULT_SOCKET_DIR	"/run/vubridge"
#define DEV_DIR			"/dev/vubridge"
#define MAX_DEVICES		64
#define FDS_PER_DEVICE		6	/* device file, config eventfd, socket
					 * directory, listener, timer, worker */
#define FDS_RESERVE		32	/* the loop, udev, signals, logs */

struct served {
	char name[64];
	struct endpoint *ep;
	unsigned int fds;	/* what it may hold: session cap + its own */
};

static struct {
	const char *socket_dir;
	const char *client_path;
	const char *names[MAX_DEVICES];
	unsigned int nnames;
	bool foreground;
	const char *control;	/* --control, or <socket-dir>/vubridged.ctl */
	bool takeover;		/* --takeover */
	bool fd_store;		/* --fd-store */
	struct ep_loop *loop;
	struct served served[MAX_DEVICES];
	struct nl_events *events;
	bool running;
} g = { .socket_dir = DEFAULT_SOCKET_DIR };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vubridged [OPTIONS]\n"
"Serve vDPA devices bound to vubridge.ko (" DEV_DIR "/NAME) to VMMs as\n"
"vhost-user back-ends.\n"
"\n"
"  -s, --socket-dir DIR   listen on DIR/NAME.sock (default " DEFAULT_SOCKET_DIR ")\n"
"      --socket-group GROUP  give the sockets to GROUP (name or number; the\n"
"                         daemon's user must be a member), so a VMM in\n"
"                         GROUP can connect (default: the daemon's group)\n"
"      --socket-mode MODE the sockets' mode, octal (default 0660)\n"
"  -d, --device NAME      serve only NAME (repeatable; default: every device)\n"
"  -c, --client PATH      connect to a VMM's vhost-user server socket PATH\n"
"                         instead of listening (one --device), reconnecting\n"
"                         with back-off\n"
"      --max-pinned SIZE  guest memory one device's front-end may have the\n"
"                         module pin (K, M, G suffixes; default half the\n"
"                         machine's RAM; 0: no limit)\n"
"      --max-session-fds N  fds one front-end's session may hold (default:\n"
"                         4 + 64 memory slots + 3 per queue)\n"
"      --takeover         take every device, with its front-end connected\n"
"                         and its queues running, from the vubridged\n"
"                         listening on the control socket, which then exits\n"
"      --control PATH     the control socket for --takeover (default\n"
"                         SOCKET-DIR/" TAKEOVER_SOCK_NAME ")\n"
"      --fd-store         keep every device's files and state in systemd's\n"
"                         fd store (FileDescriptorStoreMax=), so a restart,\n"
"                         an upgrade or a crash keeps traffic running\n"
"                         (default: when $FDSTORE > 0)\n"
"      --rx-mode MODE     receive mode a NIC's control queue gets at every\n"
"                         start when the front-end keeps its own control\n"
"                         queue: promisc (default), allmulti or filter\n"
"  -l, --log-level LEVEL  err, warn, info (default) or debug\n"
"  -f, --foreground       do not detach from the terminal\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n");
}

static bool wanted(const char *name)
{
	unsigned int i;

	if (!g.nnames)
		return true;
	for (i = 0; i < g.nnames; i++)
		if (!strcmp(g.names[i], name))
			return true;
	return false;
}

static struct served *find_served(const char *name)
{
	unsigned int i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (g.served[i].ep && !strcmp(g.served[i].name, name))
			return &g.served[i];
	return NULL;
}

/*
 * Every session at its fd cap must still fit under the fd limit, or the
 * last ones would lose fds in transit (MSG_CTRUNC) and die. Say so when
 * a device makes the sum exceed it.
 */
static void check_fd_budget(const char *name)
{
	unsigned long long need = FDS_RESERVE;
	struct rlimit rl;
	unsigned int i;

	for (i = 0; i < MAX_DEVICES; i++)
		if (g.served[i].ep)
			need += g.served[i].fds;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    need > rl.rlim_cur)
		log_warn(name, "the fd limit %llu cannot hold every session at its cap (%llu needed): lower --max-session-fds or raise the hard limit",
			 (unsigned long long)rl.rlim_cur, need);
}

static void device_added(void *arg, const char *name, const char *devnode)
{
	struct vu_device *dev;
	struct served *sv = NULL;
	unsigned int i;

	(void)arg;
	nl_events_join(g.events);	/* the module is there now */
	if (!wanted(name) || find_served(name))
		return;
	for (i = 0; i < MAX_DEVICES && !sv; i++)
		if (!g.served[i].ep)
			sv = &g.served[i];
	if (!sv) {
		log_err(name, "more than %d devices: not served", MAX_DEVICES);
		return;
	}
	dev = vdpa_device_open(name, devnode);
	if (!dev)
		return;
	sv->fds = FDS_PER_DEVICE + vu_session_fd_cap_for(dev);
	sv->ep = endpoint_new(dev, ep_loop_base(g.loop), g.socket_dir,
			      g.client_path);
	if (sv->ep) {
		snprintf(sv->name, sizeof(sv->name), "%s", name);
		check_fd_budget(name);
		fdstore_sync(sv->ep);
	}
}

/* A device a predecessor handed over (takeover.c, fdstore.c). */
static void serve_adopted(void *arg, struct endpoint *ep)
{
	const char *name = endpoint_name(ep);
	unsigned int i;

	(void)arg;
	for (i = 0; i < MAX_DEVICES; i++) {
		if (!g.served[i].ep) {
			g.served[i].ep = ep;
			g.served[i].fds = FDS_PER_DEVICE +
				vu_session_fd_cap_for(endpoint_device(ep));
			snprintf(g.served[i].name, sizeof(g.served[i].name),
				 "%s", name);
			check_fd_budget(name);
			return;
		}
	}
	log_err(name, "more than %d devices: not served", MAX_DEVICES);
	endpoint_free(ep);
}

static unsigned int list_served(void *arg, struct endpoint **eps,
				unsigned int cap)
{
	unsigned int i, n = 0;

	(void)arg;
	for (i = 0; i < MAX_DEVICES && n < cap; i++)
		if (g.served[i].ep)
			eps[n++] = g.served[i].ep;
	return n;
}

/* A successor took every device: leave without touching any. */
static void handed_over(void *arg)
{
	(void)arg;
	log_info("-", "stopped (handed over)");
	_exit(0);
}

static void device_removed(void *arg, const char *name)
{
	struct served *sv = find_served(name);

	(void)arg;
	if (!sv)
		return;
	log_info(name, "device removed");
	fdstore_forget(sv->ep);
	endpoint_free(sv->ep);
	sv->ep = NULL;
}

/* vubridge's events: a device bound or unbound is taken or dropped as
 * its uevent would have it (also where no udev daemon runs). */
static void on_nl_event(void *arg, uint32_t event, const char *name,
			int64_t queue)
{
	char node[PATH_MAX];

	if (event == VUB_EVENT_BOUND) {
		snprintf(node, sizeof(node), DEV_DIR "/%s", name);
		device_added(arg, name, node);
	} else if (event == VUB_EVENT_UNBOUND) {
		device_removed(arg, name);
	} else {
		nl_events_log(event, name, queue);
	}
}

/* A device that vanished without a uevent reaching us (ENODEV seen). */
static void reap_gone(void)
{
	unsigned int i;

	for (i = 0; i < MAX_DEVICES; i++) {
		if (g.served[i].ep && endpoint_device_gone(g.served[i].ep)) {
			fdstore_forget(g.served[i].ep);
			endpoint_free(g.served[i].ep);
			g.served[i].ep = NULL;
		}
	}
}

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)arg;
	(void)events;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("-", "signal %u: shutting down", si.ssi_signo);
		g.running = false;
	}
}

/*
 * Every session holds fds (memory regions, eventfds); with the default soft
 * limit of 1024 a few busy tenants would exhaust it and every other
 * session's fds would be lost in transit. Take what the hard limit allows.
 */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t old;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	old = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("-", "cannot raise the fd limit from %llu: %s",
			 (unsigned long long)old, strerror(errno));
	else
		log_info("-", "fd limit raised from %llu to %llu",
			 (unsigned long long)old,
			 (unsigned long long)rl.rlim_max);
}

/* A positive number option; exits with a usage error otherwise. */
static unsigned long long number_arg(const char *opt, const char *arg,
				     unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || !v || v > max) {
		fprintf(stderr, "vubridged: %s: '%s' is not a number in 1..%llu\n",
			opt, arg, max);
		exit(2);
	}
	return v;
}

/* SIZE[K|M|G] in bytes; exits with a usage error otherwise. */
static uint64_t size_arg(const char *opt, const char *arg)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || end == arg || *end || v > (UINT64_MAX >> shift)) {
		fprintf(stderr, "vubridged: %s: '%s' is not a size\n", opt,
			arg);
		exit(2);
	}
	return (uint64_t)v << shift;
}

/* A guest's RAM is pinned whole; half the machine is a generous bound
 * for one tenant that still leaves the host alive. */
static uint64_t default_pin_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psz <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)psz / 2;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	char *p;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-dir", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "client", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "max-session-fds", required_argument, NULL, 'F' },
		{ "max-pinned", required_argument, NULL, 'P' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "socket-mode", required_argument, NULL, 'M' },
		{ "rx-mode", required_argument, NULL, 'R' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "takeover", no_argument, NULL, 'T' },
		{ "control", required_argument, NULL, 'C' },
		{ "fd-store", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct discovery *disc = NULL;
	struct takeover *tk = NULL;
	char ctl_path[PATH_MAX];
	unsigned int i;
	bool pin_set = false;
	sigset_t mask;
	int c, sfd, ret, ctl_fd = -1;

	while ((c = getopt_long(argc, argv, "s:d:c:l:fhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g.socket_dir = optarg;
			break;
		case 'd':
			if (g.nnames == MAX_DEVICES) {
				fprintf(stderr, "vubridged: at most %d --device options\n",
					MAX_DEVICES);
				return 2;
			}
			g.names[g.nnames++] = optarg;
			break;
		case 'c':
			g.client_path = optarg;
			break;
		case 'G':
			if (sock_perm_set_group(optarg) < 0)
				return 2;
			break;
		case 'M':
			if (sock_perm_set_mode(optarg) < 0)
				return 2;
			break;
		case 'P':
			vu_pin_limit = size_arg("--max-pinned", optarg);
			pin_set = true;
			break;
		case 'F':
			vu_session_fd_cap = (unsigned int)number_arg(
				"--max-session-fds", optarg, 1u << 20);
			break;
		case 'R':
			ret = ncvq_parse_rx_mode(optarg);
			if (ret < 0) {
				fprintf(stderr, "vubridged: --rx-mode is promisc, allmulti or filter, not '%s'\n",
					optarg);
				return 2;
			}
			ncvq_rx_mode = (unsigned int)ret;
			break;
		case 'l':
			vub_log_level = vub_log_parse_level(optarg);
			if (vub_log_level < 0) {
				fprintf(stderr, "vubridged: unknown log level '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			g.foreground = true;
			break;
		case 'T':
			g.takeover = true;
			break;
		case 'C':
			g.control = optarg;
			break;
		case 'S':
			g.fd_store = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vubridged %s\n", VUB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vubridged: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (g.client_path && g.nnames != 1) {
		fprintf(stderr, "vubridged: --client needs exactly one --device\n");
		return 2;
	}
	if ((!g.client_path || !g.control) &&
	    (ret = mkdir_p(g.socket_dir)) < 0) {
		fprintf(stderr, "vubridged: cannot create %s: %s\n",
			g.socket_dir, strerror(-ret));
		return 1;
	}
	if (!g.foreground && daemon(0, 1) < 0) {
		perror("vubridged: daemon");
		return 1;
	}

	raise_nofile();
	if (!pin_set)
		vu_pin_limit = default_pin_limit();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	g.loop = ep_loop_new();
	if (sfd < 0 || !g.loop ||
	    ep_loop_base(g.loop)->watch(ep_loop_base(g.loop), sfd, VU_EV_IN,
					on_signal, NULL) < 0) {
		perror("vubridged: event loop");
		return 1;
	}
	log_info("-", "vubridged %s starting: %s; pinned guest memory per device: %llu MiB (0: no limit)",
		 VUB_VERSION, g.client_path ? "client mode" : g.socket_dir,
		 (unsigned long long)(vu_pin_limit >> 20));

	snprintf(ctl_path, sizeof(ctl_path), "%s/" TAKEOVER_SOCK_NAME,
		 g.socket_dir);
	if (fdstore_enable(g.fd_store)) {
		vu_session_changed_hook = fdstore_sync;
		fdstore_restore(ep_loop_base(g.loop), g.socket_dir,
				g.client_path, serve_adopted, NULL);
	}
	if (g.takeover &&
	    takeover_receive(g.control ? g.control : ctl_path,
			     ep_loop_base(g.loop), g.socket_dir, g.client_path,
			     serve_adopted, NULL, &ctl_fd) < 0)
		return 1;
	for (i = 0; i < MAX_DEVICES; i++)
		if (g.served[i].ep)
			fdstore_sync(g.served[i].ep);
	tk = takeover_listen(ep_loop_base(g.loop),
			     g.control ? g.control : ctl_path, ctl_fd,
			     list_served, handed_over, NULL);
	g.events = nl_events_new(ep_loop_base(g.loop), on_nl_event, NULL);
	nl_events_join(g.events);
	disc = discovery_start(ep_loop_base(g.loop), device_added,
			       device_removed, NULL);
	/* Devices named on the command line, also without udev. */
	for (i = 0; i < g.nnames; i++) {
		char node[PATH_MAX];

		snprintf(node, sizeof(node), DEV_DIR "/%s", g.names[i]);
		if (access(node, F_OK) == 0)
			device_added(NULL, g.names[i], node);
		else if (!find_served(g.names[i]))
			log_info(g.names[i], "%s does not exist yet; waiting for it",
				 node);
	}

	for (i = 0, c = 0; i < MAX_DEVICES; i++)
		c += g.served[i].ep != NULL;
	notify_ready((unsigned int)c);

	g.running = true;
	while (g.running) {
		ret = ep_loop_run_once(g.loop, -1);
		if (ret < 0) {
			log_err("-", "epoll_wait: %s", strerror(-ret));
			break;
		}
		reap_gone();
	}

	notify_stopping();
	if (fdstore_enabled()) {
		/* systemd keeps the files: a restart takes over, a stop
		 * closes them (the last close resets each device). */
		log_info("-", "stopped; the devices stay in the fd store");
		_exit(0);
	}
	for (i = 0; i < MAX_DEVICES; i++) {
		if (g.served[i].ep) {
			endpoint_free(g.served[i].ep);
			g.served[i].ep = NULL;
		}
	}
	takeover_close(tk);
	discovery_stop(disc);
	nl_events_free(g.events);
	ep_loop_free(g.loop);
	close(sfd);
	log_info("-", "stopped");
	return 0;
}
