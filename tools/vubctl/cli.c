// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - argument parsing and error reporting shared by every command.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vubctl.h"

bool arg_is(const char *arg, const char *word)
{
	return arg && !strcmp(arg, word);
}

bool arg_is_help(const char *arg)
{
	return arg_is(arg, "help") || arg_is(arg, "-h") ||
	       arg_is(arg, "--help");
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vubctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

const char *arg_value(struct args *a, const char *kw)
{
	const char *v = arg_next(a);

	if (!v)
		usage_error("\"%s\" needs a value", kw);
	return v;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[3]){ s[0], s[1], 0 }, NULL, 16);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

int check_dev_name(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	/* The name becomes a sysfs entry and /dev/vubridge/<name>. */
	if (!n || n > 255)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == '/')
			return -EINVAL;
	return 0;
}

static void vfail(const struct vubctl *c, int err, const char *fmt,
		  va_list ap)
{
	fputs("vubctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	if (c && c->nl_open && c->nl.ext_msg[0])
		fprintf(stderr, " (kernel: %s)", c->nl.ext_msg);
	fputc('\n', stderr);
}

int fail(const struct vubctl *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, err, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int fail_msg(const struct vubctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, 0, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}
