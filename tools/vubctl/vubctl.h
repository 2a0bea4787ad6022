/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vubctl.h - what the object handlers (dev, queue, stats, mgmtdev,
 * monitor) share: the netlink context, the two families, argument
 * helpers and error reporting.
 */
#ifndef VUBCTL_H
#define VUBCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vdpa.h>
#include <linux/vubridge.h>

#include "nl.h"

/* Exit codes: 0 done, 1 the operation failed, 2 bad command line. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct vubctl {
	struct nl nl;
	bool nl_open;
	uint16_t vub_family;	/* 0 until resolved */
	uint32_t vub_events;	/* the "events" group */
	uint16_t vdpa_family;
	bool json;
	bool pretty;
};

/* Arguments left on the command line. */
struct args {
	int argc;
	char **argv;
};

static inline const char *arg_peek(const struct args *a)
{
	return a->argc > 0 ? a->argv[0] : NULL;
}

static inline const char *arg_next(struct args *a)
{
	const char *s = arg_peek(a);

	if (s) {
		a->argc--;
		a->argv++;
	}
	return s;
}

/* cli.c */
bool arg_is(const char *arg, const char *word);
bool arg_is_help(const char *arg);
/* Value of keyword @kw (the next argument); exits with a usage error when
 * it is missing. */
const char *arg_value(struct args *a, const char *kw);
/* Parse a decimal or 0x number in [@min, @max]; 0 or -EINVAL. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* "02:00:00:00:00:01" -> 6 bytes; 0 or -EINVAL. */
int parse_mac(const char *s, uint8_t mac[6]);
/* A device name the kernel can hold (1..255 printable
 * bytes, no '/'); 0 or
 * -EINVAL. */
int check_dev_name(const char *s);
/* Print "vubctl: " + message on stderr, and exit(EXIT_USAGE). */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/*
 * Print "vubctl: " + message + ": strerror(-@err)", the kernel's extack
 * text when there is one; returns EXIT_FAIL.
 */
int fail(const struct vubctl *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "vubctl: " + message (no errno), returns EXIT_FAIL. */
int fail_msg(const struct vubctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The netlink socket and the families; on failure print why and return
 * -errno. */
int ctl_open(struct vubctl *c);
int ctl_vub(struct vubctl *c);
int ctl_vdpa(struct vubctl *c);

/* Attribute policies (attrs.c). */
extern const enum mnl_attr_data_type vub_policy[VUB_ATTR_MAX + 1];
extern const enum mnl_attr_data_type vdpa_policy[VDPA_ATTR_MAX + 1];

/* Does the vDPA device @name exist (bound to any driver or none)?
 * 1 yes, 0 no, -errno unknown. */
int vdpa_dev_exists(struct vubctl *c, const char *name);

/* Object handlers: return an exit code. */
int cmd_dev(struct vubctl *c, struct args *a);
int cmd_queue(struct vubctl *c, struct args *a);
int cmd_stats(struct vubctl *c, struct args *a);
int cmd_mgmtdev(struct vubctl *c, struct args *a);
int cmd_monitor(struct vubctl *c, struct args *a);

/* Event names ("bound", "owner_attached", ...) for monitor, or NULL. */
const char *event_name(uint32_t ev);

#endif /* VUBCTL_H */
