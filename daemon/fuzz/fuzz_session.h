/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_session.h - one fuzzed vhost-user session in front of a device.
 */
#ifndef VUB_FUZZ_SESSION_H
#define VUB_FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* Open a session on @dev, send it the chunks of @data (fuzz_input.h),
 * run its callbacks after each, end it. @dev is left to the caller. */
void fz_drive(struct vu_device *dev, const uint8_t *data, size_t size);

#endif /* VUB_FUZZ_SESSION_H */
