/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness helpers shared by the vubridge VM tests: errno expectations,
 * skip checks that name the fix, and a per-test watch on the kernel log
 * and on the pinned-page count.
 */
#ifndef VUBT_VUB_TEST_H
#define VUBT_VUB_TEST_H

#include <errno.h>
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

/* Per-test watch: kernel log problems and pinned pages since setup. */
struct vubt_watch {
	int kmsg;
	long pinned;
};

static inline void vubt_watch_start(struct vubt_watch *w)
{
	w->kmsg = kmsg_mark();
	w->pinned = pinned_vmstat();
}

#define VUBT_WATCH_CHECK(w) do {					\
	char __first[512];						\
	long __pin;							\
	int __n;							\
	if ((w)->pinned >= 0) {						\
		__pin = pinned_wait_baseline((w)->pinned, 3000);	\
		EXPECT_EQ((w)->pinned, __pin) {				\
			TH_LOG("pinned pages %ld, baseline %ld: leak",	\
			       __pin, (w)->pinned);			\
		}							\
	}								\
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
