/* SPDX-License-Identifier: GPL-2.0 */
/*
 * out.h - one output path for people and programs: every value is given
 * once with its JSON key and its text format; in JSON mode the key and the
 * value are written (-p: indented), in text mode the format is printed.
 */
#ifndef VUBCTL_OUT_H
#define VUBCTL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void out_init(FILE *f, bool json, bool pretty);
bool out_json(void);
/* Write what is pending (the closing brace in JSON mode) and flush. */
void out_finish(void);

/* Objects and arrays; @key NULL inside an array or at the top level. */
void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);

/*
 * A value: in JSON mode "@key": value (@key NULL inside an array); in text
 * mode printf(@fmt, value) unless @fmt is NULL.
 */
void out_str(const char *key, const char *fmt, const char *val);
void out_u64(const char *key, const char *fmt, uint64_t val);
void out_s64(const char *key, const char *fmt, int64_t val);
void out_bool(const char *key, const char *fmt, bool val);
/* A 64-bit mask as "0x%016llx" (JSON numbers lose bits above 2^53). */
void out_hex64(const char *key, const char *fmt, uint64_t val);
/* Text mode only. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write @s as a JSON string (quotes, escapes) to @f. */
void json_write_string(FILE *f, const char *s);

#endif /* VUBCTL_OUT_H */
