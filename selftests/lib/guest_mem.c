// SPDX-License-Identifier: GPL-2.0
/* Guest memory: memfd-backed, mapped shared, IOVA = offset + base. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_mem.h"

/* glibc names MFD_HUGETLB but not the size bits (log2 of the size << 26). */
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB	(21u << 26)
#endif

size_t guest_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static int mem_init(struct guest_mem *gm, size_t size, uint64_t iova,
		    int populate, unsigned int mfd_flags, size_t pg)
{
	int ret;

	memset(gm, 0, sizeof(*gm));
	gm->memfd = -1;
	if (!size || (iova & (pg - 1)))
		return -EINVAL;
	size = (size + pg - 1) & ~(pg - 1);

	gm->memfd = memfd_create("vubt-guest", MFD_CLOEXEC | mfd_flags);
	if (gm->memfd < 0)
		return -errno;
	if (ftruncate(gm->memfd, (off_t)size)) {
		ret = -errno;
		goto err_close;
	}
	gm->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | (populate ? MAP_POPULATE : 0),
		       gm->memfd, 0);
	if (gm->map == MAP_FAILED) {
		ret = -errno;
		gm->map = NULL;
		goto err_close;
	}
	gm->size = size;
	gm->iova = iova;
	return 0;

err_close:
	close(gm->memfd);
	gm->memfd = -1;
	return ret;
}

int guest_mem_init(struct guest_mem *gm, size_t size, uint64_t iova,
		   int populate)
{
	return mem_init(gm, size, iova, populate, 0, guest_page_size());
}

int guest_mem_init_huge(struct guest_mem *gm, size_t size, uint64_t iova)
{
	size_t pg = 2u << 20;

	if (iova & (pg - 1))
		return -EINVAL;
	return mem_init(gm, size, iova, 1, MFD_HUGETLB | MFD_HUGE_2MB, pg);
}

void guest_mem_destroy(struct guest_mem *gm)
{
	if (gm->map)
		munmap(gm->map, gm->size);
	if (gm->memfd >= 0)
		close(gm->memfd);
	memset(gm, 0, sizeof(*gm));
	gm->memfd = -1;
}

void *guest_mem_alloc(struct guest_mem *gm, size_t len, size_t align)
{
	size_t start;

	if (!align || (align & (align - 1)))
		return NULL;
	start = (gm->used + align - 1) & ~(align - 1);
	if (start > gm->size || len > gm->size - start)
		return NULL;
	gm->used = start + len;
	memset(gm->map + start, 0, len);
	return gm->map + start;
}

uint64_t guest_mem_iova(const struct guest_mem *gm, const void *p)
{
	return gm->iova + (uint64_t)((const uint8_t *)p - gm->map);
}

void *guest_mem_ptr(const struct guest_mem *gm, uint64_t iova, size_t len)
{
	if (iova < gm->iova || iova - gm->iova > gm->size ||
	    len > gm->size - (iova - gm->iova))
		return NULL;
	return gm->map + (iova - gm->iova);
}
