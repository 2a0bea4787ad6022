/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel log watch: what the kernel printed since a mark. */
#ifndef VUBT_KMSG_H
#define VUBT_KMSG_H

#include <stddef.h>

/* Open /dev/kmsg positioned at its end. Returns the fd or -errno. */
int kmsg_mark(void);
/*
 * Read everything logged since the mark; count lines that report a kernel
 * problem (WARNING:, BUG:, Oops, general protection, refcount_t, kmemleak,
 * UBSAN, KASAN). The first such line goes to @first. Returns the count or
 * -errno.
 */
int kmsg_problems(int fd, char *first, size_t cap);

#endif
