// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - vubridged logging to stderr, journal friendly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int vub_log_level = VUB_LOG_INFO;

static vub_log_sink_fn log_sink;
static void *log_sink_arg;
static int log_sink_quiet;

int vub_log_parse_level(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", VUB_LOG_ERR }, { "error", VUB_LOG_ERR },
		{ "warn", VUB_LOG_WARN }, { "warning", VUB_LOG_WARN },
		{ "info", VUB_LOG_INFO }, { "debug", VUB_LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].level;
	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

void vub_log_set_sink(vub_log_sink_fn fn, void *arg, int quiet)
{
	log_sink = fn;
	log_sink_arg = arg;
	log_sink_quiet = quiet;
}

void vub_log(int level, const char *dev, const char *fmt, ...)
{
	static const char *const tags[8] = {
		[VUB_LOG_ERR] = "error", [VUB_LOG_WARN] = "warning",
		[VUB_LOG_INFO] = "info", [VUB_LOG_DEBUG] = "debug",
	};
	char line[1024];
	va_list ap;

	if (level > vub_log_level && !log_sink)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!dev)
		dev = "-";
	if (log_sink)
		log_sink(level, dev, line, log_sink_arg);
	if (level > vub_log_level || (log_sink && log_sink_quiet))
		return;
	if (level < VUB_LOG_ERR || level > VUB_LOG_DEBUG)
		level = VUB_LOG_ERR;
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s: %s\n", level, dev, line);
	else
		fprintf(stderr, "vubridged: %s: %s: %s\n", tags[level] ?
			tags[level] : "log", dev, line);
}
