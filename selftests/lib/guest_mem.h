/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory for the test "guest": one memfd, mapped shared into the
 * test process, seen by the device at IOVA = offset + iova base.
 * A bump allocator hands out ring and buffer space inside it.
 */
#ifndef VUBT_GUEST_MEM_H
#define VUBT_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	int memfd;		/* backing memfd, -1 when not set up */
	uint8_t *map;		/* where the process sees byte 0 */
	size_t size;		/* bytes, page multiple */
	uint64_t iova;		/* device address of byte 0 */
	size_t used;		/* bump allocator position */
};

/* A guest_mem that guest_mem_destroy() accepts without set-up. */
#define GUEST_MEM_INIT { .memfd = -1 }

/*
 * Create @size bytes (rounded up to pages) of guest memory at @iova.
 * @populate pre-faults every page. Returns 0 or -errno.
 */
int guest_mem_init(struct guest_mem *gm, size_t size, uint64_t iova,
		   int populate);
/* The same from 2 MiB hugetlbfs pages (reserved in
 * /proc/sys/vm/nr_hugepages), pre-faulted; @iova 2 MiB aligned. */
int guest_mem_init_huge(struct guest_mem *gm, size_t size, uint64_t iova);
void guest_mem_destroy(struct guest_mem *gm);

/* Zeroed space of @len bytes aligned to @align (a power of two), or NULL. */
void *guest_mem_alloc(struct guest_mem *gm, size_t len, size_t align);

/* Device address of @p, which must lie inside @gm. */
uint64_t guest_mem_iova(const struct guest_mem *gm, const void *p);

/* Process address of [@iova, @iova + @len) or NULL if outside @gm. */
void *guest_mem_ptr(const struct guest_mem *gm, uint64_t iova, size_t len);

size_t guest_page_size(void);

#endif
