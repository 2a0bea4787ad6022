// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_vhost_user.c - libFuzzer target: the message framing, validation,
 * dispatch and handlers of the engine, with the test device behind it,
 * fed over a real socketpair with real fds (fuzz_session.c, fuzz_input.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_session.h"
#include "log.h"
#include "test_device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	struct test_device *td;

	if (!once) {
		/* nothing reaches stderr, unless asked (to debug a seed) */
		vub_log_level = getenv("FUZZ_LOG") ? VUB_LOG_DEBUG : 0;
		signal(SIGPIPE, SIG_IGN);
		once = true;
	}
	td = test_device_new("fuzz", 4, 256, true);
	if (!td)
		return 0;
	fz_drive(td_dev(td), data, size);
	test_device_free(td);
	return 0;
}
