// SPDX-License-Identifier: GPL-2.0
/* One JSON line per raw run (bench_out.h). */
#include <math.h>
#include <stdio.h>

#include "bench_out.h"

static const char *tag;

void bench_set_tag(const char *t)
{
	tag = t && *t ? t : NULL;
}

void bench_emit(const char *measure, const char *side, int pair, double value,
		const char *unit)
{
	char m[128];

	snprintf(m, sizeof(m), "%s%s%s", measure, tag ? "_" : "", tag ? tag : "");
	measure = m;
	/* JSON has no NaN or infinity: a run that measured nothing says so. */
	if (!isfinite(value))
		printf("{\"m\": \"%s\", \"side\": \"%s\", \"pair\": %d, \"value\": null, \"unit\": \"%s\"}\n",
		       measure, side, pair, unit);
	else
		printf("{\"m\": \"%s\", \"side\": \"%s\", \"pair\": %d, \"value\": %.6g, \"unit\": \"%s\"}\n",
		       measure, side, pair, value, unit);
	fflush(stdout);
}
