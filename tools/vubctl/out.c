// SPDX-License-Identifier: GPL-2.0
/*
 * out.c - the text/JSON writer behind every "show" (see out.h).
 *
 * JSON mode keeps a stack of open containers to place commas; the whole
 * document is one top-level object, opened by the first value and closed
 * by out_finish(): a command that shows nothing (dev add) prints nothing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "out.h"

#define MAX_DEPTH	16

static struct {
	FILE *f;
	bool json;
	bool pretty;
	int depth;
	bool first[MAX_DEPTH];	/* nothing written yet at this level */
	bool is_array[MAX_DEPTH];
	bool started;		/* the top-level '{' is written */
} o;

void out_init(FILE *f, bool json, bool pretty)
{
	memset(&o, 0, sizeof(o));
	o.f = f;
	o.json = json;
	o.pretty = pretty;
	o.first[0] = true;
}

bool out_json(void)
{
	return o.json;
}

static void indent(void)
{
	int i;

	if (!o.pretty)
		return;
	fputc('\n', o.f);
	for (i = 0; i < o.depth + 1; i++)
		fputs("    ", o.f);
}

/* Separator, indentation and "key": for the next value. */
static void json_key(const char *key)
{
	if (!o.started) {
		fputc('{', o.f);
		o.started = true;
	}
	if (!o.first[o.depth])
		fputc(',', o.f);
	o.first[o.depth] = false;
	indent();
	if (key && !o.is_array[o.depth]) {
		json_write_string(o.f, key);
		fputs(o.pretty ? ": " : ":", o.f);
	}
}

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void open_container(const char *key, bool array)
{
	if (!o.json)
		return;
	json_key(key);
	fputc(array ? '[' : '{', o.f);
	if (o.depth + 1 < MAX_DEPTH)
		o.depth++;
	o.first[o.depth] = true;
	o.is_array[o.depth] = array;
}

static void close_container(bool array)
{
	bool empty;

	if (!o.json)
		return;
	empty = o.first[o.depth];
	if (o.depth > 0)
		o.depth--;
	if (!empty && o.pretty) {
		int i;

		fputc('\n', o.f);
		for (i = 0; i < o.depth + 1; i++)
			fputs("    ", o.f);
	}
	fputc(array ? ']' : '}', o.f);
}

void out_open_object(const char *key)
{
	open_container(key, false);
}

void out_close_object(void)
{
	close_container(false);
}

void out_open_array(const char *key)
{
	open_container(key, true);
}

void out_close_array(void)
{
	close_container(true);
}

void out_finish(void)
{
	if (o.json && o.started) {
		while (o.depth > 0)
			close_container(o.is_array[o.depth]);
		if (o.pretty)
			fputc('\n', o.f);
		fputs("}\n", o.f);
	}
	o.started = false;
	o.depth = 0;
	o.first[0] = true;
	fflush(o.f);
}

void out_str(const char *key, const char *fmt, const char *val)
{
	if (o.json) {
		json_key(key);
		json_write_string(o.f, val);
	} else if (fmt) {
		fprintf(o.f, fmt, val);
	}
}

void out_u64(const char *key, const char *fmt, uint64_t val)
{
	if (o.json) {
		json_key(key);
		fprintf(o.f, "%" PRIu64, val);
	} else if (fmt) {
		fprintf(o.f, fmt, val);
	}
}

void out_s64(const char *key, const char *fmt, int64_t val)
{
	if (o.json) {
		json_key(key);
		fprintf(o.f, "%" PRId64, val);
	} else if (fmt) {
		fprintf(o.f, fmt, val);
	}
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (o.json) {
		json_key(key);
		fputs(val ? "true" : "false", o.f);
	} else if (fmt) {
		fprintf(o.f, fmt, val ? "yes" : "no");
	}
}

void out_hex64(const char *key, const char *fmt, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, val);
	out_str(key, fmt, buf);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (o.json)
		return;
	va_start(ap, fmt);
	vfprintf(o.f, fmt, ap);
	va_end(ap);
}
