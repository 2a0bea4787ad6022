/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness helpers shared by the vubridge VM tests: errno expectations,
 * skip checks that name the fix, and a per-test watch on the kernel log
 * and on the pinned-page count.
 */
#ifndef VUBT_VUB_TEST_H
#define VUBT_VUB_TEST_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "kmsg.h"
#include "pinned.h"
#include "vdpa_env.h"
#include "vub_dev.h"

/* @call must fail with -1 and errno @expected. */
#define EXPECT_ERRNO(expected, call) do {				\
	int __e;							\
	long __r;							\
	errno = 0;							\
	__r = (long)(call);						\
	__e = errno;							\
	EXPECT_EQ(-1, __r) {						\
		TH_LOG("%s succeeded (%ld), expected %s", #call, __r,	\
		       strerror(expected));				\
	}								\
	if (__r == -1)							\
		EXPECT_EQ(expected, __e) {				\
			TH_LOG("%s: %s, expected %s", #call,		\
			       strerror(__e), strerror(expected));	\
		}							\
} while (0)

#define ASSERT_ERRNO(expected, call) do {				\
	int __e;							\
	long __r;							\
	errno = 0;							\
	__r = (long)(call);						\
	__e = errno;							\
	ASSERT_EQ(-1, __r) {						\
		TH_LOG("%s succeeded (%ld), expected %s", #call, __r,	\
		       strerror(expected));				\
	}								\
	ASSERT_EQ(expected, __e) {					\
		TH_LOG("%s: %s, expected %s", #call, strerror(__e),	\
		       strerror(expected));				\
	}								\
} while (0)

/* A helper returning 0 / -errno must succeed; logs vub_env_err(). */
#define ASSERT_OK(call) do {						\
	int __ret = (call);						\
	ASSERT_EQ(0, __ret) {						\
		TH_LOG("%s: %s (%s)", #call, strerror(-__ret),		\
		       vub_env_err());					\
	}								\
} while (0)
#define EXPECT_OK(call) do {						\
	int __ret = (call);						\
	EXPECT_EQ(0, __ret) {						\
		TH_LOG("%s: %s (%s)", #call, strerror(-__ret),		\
		       vub_env_err());					\
	}								\
} while (0)

/* Root, the vdpa tool and the modules, or SKIP naming the fix. */
static inline const char *vubt_missing(void)
{
	static char why[600];
	int ret;

	if (geteuid())
		return "not root: run inside the test VM (scripts/vm/run.sh)";
	if (access("/dev/kmsg", R_OK))
		return "no /dev/kmsg: run inside the test VM (scripts/vm/run.sh)";
	ret = vub_modules_load_all();
	if (ret) {
		snprintf(why, sizeof(why),
			 "modules not loadable: %s",
			 vub_env_err());
		return why;
	}
	if (access(VDPA_BUS_DIR "/drivers/" VUB_DRIVER, F_OK))
		return "vubridge loaded but no vdpa driver 'vubridge' registered";
	return NULL;
}

#define VUBT_REQUIRE_ENV() do {						\
	const char *__why = vubt_missing();				\
	if (__why)							\
		SKIP(return, "%s", __why);				\
} while (0)

/*
 * Per-test watch: kernel log problems and pinned pages since setup. Pins
 * are checked exactly on vubridge's own counter and, within PIN_NOISE, on
 * the kernel-wide FOLL_PIN count (which catches pins the module forgets to
 * count).
 */
struct vubt_watch {
	int kmsg;
	long pinned;		/* kernel-wide, at setup */
	long module;		/* vubridge's counter at setup, or -ENOENT */
};

static inline void vubt_watch_start(struct vubt_watch *w)
{
	w->kmsg = kmsg_mark();
	w->pinned = pinned_vmstat();
	w->module = pinned_module();
}

/* Pinned pages back at the watch's baseline (both counters). */
#define VUBT_EXPECT_PINS_BACK(w, timeout_ms) do {			\
	long __pin, __mod;						\
	if ((w)->module >= 0) {						\
		__mod = pinned_module_wait((w)->module, (timeout_ms));	\
		if (__mod != -ENOENT)					\
			EXPECT_EQ((w)->module, __mod) {			\
				TH_LOG("vubridge pins %ld pages, %ld at setup: leak", \
				       __mod, (w)->module);		\
			}						\
	}								\
	if ((w)->pinned >= 0) {						\
		__pin = pinned_wait_near((w)->pinned, PIN_NOISE / 2,	\
					 (timeout_ms));			\
		EXPECT_GE(PIN_NOISE / 2, labs(__pin - (w)->pinned)) {	\
			TH_LOG("kernel-wide pinned pages %ld, %ld at setup: leak", \
			       __pin, (w)->pinned);			\
		}							\
	}								\
} while (0)

/* About @n pages pinned since @base (kernel-wide count). */
#define VUBT_EXPECT_PINNED_DELTA(n, base) do {				\
	long __d = pinned_vmstat() - (base);				\
	EXPECT_GE(PIN_NOISE, labs(__d - (long)(n))) {			\
		TH_LOG("%ld pages pinned kernel-wide, expected %ld",	\
		       __d, (long)(n));					\
	}								\
} while (0)

#define VUBT_WATCH_CHECK(w) do {					\
	char __first[512];						\
	int __n;							\
	VUBT_EXPECT_PINS_BACK(w, 3000);					\
	if ((w)->kmsg >= 0) {						\
		__n = kmsg_problems((w)->kmsg, __first, sizeof(__first)); \
		EXPECT_EQ(0, __n) {					\
			TH_LOG("kernel log: %s", __first);		\
		}							\
		close((w)->kmsg);					\
		(w)->kmsg = -1;						\
	}								\
} while (0)

#endif
