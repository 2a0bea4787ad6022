/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - vubridged logging: one line per event, every line names the
 * device it concerns, printf-checked, debug compiled in but off by default.
 */
#ifndef VUB_LOG_H
#define VUB_LOG_H

enum vub_log_level {
	VUB_LOG_ERR = 3,	/* syslog priorities, for the journal */
	VUB_LOG_WARN = 4,
	VUB_LOG_INFO = 6,
	VUB_LOG_DEBUG = 7,
};

extern int vub_log_level;

/* Parse "err", "warn", "info", "debug" (or 3..7); -1 if unknown. */
int vub_log_parse_level(const char *s);

/*
 * Log one line about @dev (a device name, or "-" for the daemon itself).
 * Lines go to stderr; under systemd (JOURNAL_STREAM set) they carry the
 * "<N>" priority prefix the journal understands.
 */
void vub_log(int level, const char *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Tests: receive every formatted line (without prefix) in addition to, or
 * instead of (@quiet), stderr. Pass NULL to remove.
 */
typedef void (*vub_log_sink_fn)(int level, const char *dev, const char *line,
				void *arg);
void vub_log_set_sink(vub_log_sink_fn fn, void *arg, int quiet);

#define log_err(dev, ...)	vub_log(VUB_LOG_ERR, dev, __VA_ARGS__)
#define log_warn(dev, ...)	vub_log(VUB_LOG_WARN, dev, __VA_ARGS__)
#define log_info(dev, ...)	vub_log(VUB_LOG_INFO, dev, __VA_ARGS__)
#define log_debug(dev, ...)						\
	do {								\
		if (vub_log_level >= VUB_LOG_DEBUG)			\
			vub_log(VUB_LOG_DEBUG, dev, __VA_ARGS__);	\
	} while (0)

#endif /* VUB_LOG_H */
