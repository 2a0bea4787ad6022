// SPDX-License-Identifier: GPL-2.0
/*
 * vubctl - manage vDPA devices bridged by vubridge.ko, in the manner of
 * iproute2's vdpa: vubctl [OPTIONS] OBJECT {COMMAND | help}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "vubctl.h"

#ifndef VUB_VERSION
#define VUB_VERSION "0.1"
#endif

static void usage(FILE *f)
{
	fputs("Usage: vubctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       vubctl [ -j[son] ] [ -p[retty] ] monitor\n"
	      "where  OBJECT := { dev | queue | stats | mgmtdev | monitor }\n"
	      "       OPTIONS := { -j[son] | -p[retty] | -V[ersion] | -h[elp] }\n"
	      "\n"
	      "  vubctl dev help       create, delete, bind, unbind, show devices\n"
	      "  vubctl queue help     show a device's queues\n"
	      "  vubctl stats help     show a device's counters\n"
	      "  vubctl mgmtdev help   show the vDPA management devices\n"
	      "  vubctl monitor help   print events until interrupted\n", f);
}

static const struct object {
	const char *name;
	int (*fn)(struct vubctl *c, struct args *a);
	bool streams;	/* writes its own documents as it goes */
} objects[] = {
	{ "dev", cmd_dev, false },
	{ "queue", cmd_queue, false },
	{ "stats", cmd_stats, false },
	{ "mgmtdev", cmd_mgmtdev, false },
	{ "monitor", cmd_monitor, true },
};

/*
 * Run one object's command. Its output is collected and written only when
 * it succeeds: a dump that fails half-way prints no half document.
 */
static int run(struct vubctl *c, const struct object *o, struct args *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	if (o->streams)
		return o->fn(c, a);
	mem = open_memstream(&text, &len);
	if (!mem)
		return fail(c, -errno, "out of memory");
	out_init(mem, c->json, c->pretty);
	ret = o->fn(c, a);
	out_finish();
	fclose(mem);
	if (ret == 0 && fwrite(text, 1, len, stdout) != len)
		ret = fail(c, -EIO, "writing the output");
	free(text);
	if (ret == 0 && fflush(stdout) == EOF)
		ret = fail(c, -errno, "writing the output");
	return ret;
}

int main(int argc, char **argv)
{
	struct vubctl c = { 0 };
	struct args a = { argc - 1, argv + 1 };
	const char *obj;
	unsigned int i;
	int ret;

	/* Options come before the object, as with ip(8) and vdpa(8). */
	while ((obj = arg_peek(&a)) && obj[0] == '-') {
		if (arg_is(obj, "-j") || arg_is(obj, "-json") ||
		    arg_is(obj, "--json")) {
			c.json = true;
		} else if (arg_is(obj, "-p") || arg_is(obj, "-pretty") ||
			   arg_is(obj, "--pretty")) {
			c.pretty = true;
		} else if (arg_is(obj, "-jp") || arg_is(obj, "-pj")) {
			c.json = c.pretty = true;
		} else if (arg_is(obj, "-V") || arg_is(obj, "-Version") ||
			   arg_is(obj, "--version")) {
			printf("vubctl %s (vubridge generic netlink version %d)\n",
			       VUB_VERSION, VUB_GENL_VERSION);
			return 0;
		} else if (arg_is_help(obj)) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "vubctl: unknown option \"%s\"\n", obj);
			usage(stderr);
			return EXIT_USAGE;
		}
		arg_next(&a);
	}
	obj = arg_next(&a);
	if (!obj) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (arg_is_help(obj)) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (strcmp(obj, objects[i].name))
			continue;
		ret = run(&c, &objects[i], &a);
		if (c.nl_open)
			nl_close(&c.nl);
		return ret;
	}
	fprintf(stderr, "vubctl: unknown object \"%s\"; try \"vubctl help\"\n",
		obj);
	return EXIT_USAGE;
}
