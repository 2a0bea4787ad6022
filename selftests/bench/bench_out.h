/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark programs print: one JSON object per raw run on its own
 * line, {"m": MEASURE, "side": SIDE, "pair": N, "value": V, "unit": U}.
 * scripts/bench-report.py collects them, pairs the sides of each measure
 * and computes medians and ratios; nothing is judged here.
 */
#ifndef VUBB_BENCH_OUT_H
#define VUBB_BENCH_OUT_H

/* Suffix every measure name with _@t (a condition, e.g. "use_va0"). */
void bench_set_tag(const char *t);
void bench_emit(const char *measure, const char *side, int pair, double value,
		const char *unit);

/* Side order of pair @pair out of two: A B, then B A, ... (so that
 * neither side always runs first, after the other has warmed things). */
static inline int bench_side_at(int pair, int i)
{
	return (pair & 1) ? 1 - i : i;
}

#endif
