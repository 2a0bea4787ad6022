// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - memory table: validation, mapping and address translation.
 *
 * Every number here comes from the front-end and is hostile until checked:
 * sizes may be zero, ranges may wrap, regions may overlap, fds may not be
 * mappable at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

void vu_mem_init(struct vu_mem *m)
{
	memset(m, 0, sizeof(*m));
}

static int wraps(uint64_t start, uint64_t len)
{
	return start + len < start;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int vu_mem_check_region(const struct vu_mem *m, const struct vu_region *r,
			char *why, size_t whylen)
{
	unsigned int i;

	if (!r->size) {
		snprintf(why, whylen, "region at gpa 0x%llx has size 0",
			 (unsigned long long)r->gpa);
		return -EINVAL;
	}
	if (wraps(r->gpa, r->size) || wraps(r->uaddr, r->size) ||
	    wraps(r->mmap_offset, r->size)) {
		snprintf(why, whylen,
			 "region gpa 0x%llx size 0x%llx wraps around",
			 (unsigned long long)r->gpa,
			 (unsigned long long)r->size);
		return -EINVAL;
	}
	for (i = 0; i < m->nregions; i++) {
		const struct vu_mem_region *o = &m->regions[i];

		if (overlaps(r->gpa, r->size, o->gpa, o->size) ||
		    overlaps(r->uaddr, r->size, o->vmm_va, o->size)) {
			snprintf(why, whylen,
				 "region gpa 0x%llx+0x%llx overlaps region gpa 0x%llx+0x%llx",
				 (unsigned long long)r->gpa,
				 (unsigned long long)r->size,
				 (unsigned long long)o->gpa,
				 (unsigned long long)o->size);
			return -EINVAL;
		}
	}
	return 0;
}

int vu_mem_map(struct vu_mem_region *out, const struct vu_region *r, int fd,
	       char *why, size_t whylen)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = r->mmap_offset & ~((uint64_t)page - 1);
	uint64_t len = r->mmap_offset - start + r->size;
	struct stat st;
	int seals;
	void *p;

	if (len > (uint64_t)PTRDIFF_MAX || (off_t)start < 0) {
		snprintf(why, whylen, "region too large to map");
		return -EINVAL;
	}
	/* What the fd really is, not what the front-end says: guest memory
	 * is a memfd or a file (hugetlbfs included) at least as long as the
	 * region, so the module never pins, and nobody reads, past its end.
	 * (It may still shrink later unless sealed: hence vu_mem_read().) */
	if (fstat(fd, &st) < 0) {
		int err = errno;

		snprintf(why, whylen, "region fd: %s", strerror(err));
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "region fd is not a memfd or a file (mode 0%o)",
			 (unsigned int)(st.st_mode & S_IFMT));
		return -EINVAL;
	}
	/* A memfd sealed against writes is memory the device could not DMA
	 * into: say so rather than fail on the mapping or the pinning. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
		snprintf(why, whylen, "region memfd is sealed against writes (seals 0x%x)",
			 (unsigned int)seals);
		return -EPERM;
	}
	if ((uint64_t)st.st_size < r->mmap_offset + r->size) {
		snprintf(why, whylen, "region offset 0x%llx size 0x%llx ends beyond its fd (0x%llx bytes)",
			 (unsigned long long)r->mmap_offset,
			 (unsigned long long)r->size,
			 (unsigned long long)st.st_size);
		return -EINVAL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 fd, (off_t)start);
	if (p == MAP_FAILED) {
		int err = errno;

		snprintf(why, whylen, "cannot mmap region fd (size 0x%llx offset 0x%llx): %s",
			 (unsigned long long)r->size,
			 (unsigned long long)r->mmap_offset, strerror(err));
		return -err;
	}
	out->gpa = r->gpa;
	out->size = r->size;
	out->vmm_va = r->uaddr;
	out->mmap_offset = r->mmap_offset;
	out->map_base = p;
	out->map_len = len;
	out->host = (uint8_t *)p + (r->mmap_offset - start);
	out->fd = fd;
	return 0;
}

void vu_mem_unmap(struct vu_mem_region *r)
{
	if (r->map_base)
		munmap(r->map_base, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void vu_mem_clear(struct vu_mem *m)
{
	unsigned int i;

	for (i = 0; i < m->nregions; i++)
		vu_mem_unmap(&m->regions[i]);
	m->nregions = 0;
}

int vu_mem_find(const struct vu_mem *m, const struct vu_region *r)
{
	unsigned int i;

	for (i = 0; i < m->nregions; i++) {
		const struct vu_mem_region *o = &m->regions[i];

		if (o->gpa == r->gpa && o->vmm_va == r->uaddr &&
		    o->size == r->size)
			return (int)i;
	}
	return -1;
}

void vu_mem_remove_at(struct vu_mem *m, unsigned int i)
{
	if (i >= m->nregions)
		return;
	memmove(&m->regions[i], &m->regions[i + 1],
		(m->nregions - i - 1) * sizeof(m->regions[0]));
	m->nregions--;
}

int vu_mem_va_to_gpa(const struct vu_mem *m, uint64_t va, uint64_t len,
		     uint64_t *gpa)
{
	unsigned int i;

	if (!len || wraps(va, len))
		return -EFAULT;
	for (i = 0; i < m->nregions; i++) {
		const struct vu_mem_region *r = &m->regions[i];

		if (va >= r->vmm_va && va - r->vmm_va <= r->size &&
		    len <= r->size - (va - r->vmm_va)) {
			*gpa = r->gpa + (va - r->vmm_va);
			return 0;
		}
	}
	return -EFAULT;
}

void *vu_mem_gpa_to_ptr(const struct vu_mem *m, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (!len || wraps(gpa, len))
		return NULL;
	for (i = 0; i < m->nregions; i++) {
		const struct vu_mem_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int vu_mem_read(const struct vu_mem *m, uint64_t gpa, void *buf, size_t len)
{
	unsigned int i;

	if (!len || wraps(gpa, len))
		return -EFAULT;
	for (i = 0; i < m->nregions; i++) {
		const struct vu_mem_region *r = &m->regions[i];
		ssize_t n;

		if (gpa < r->gpa || gpa - r->gpa > r->size ||
		    len > r->size - (gpa - r->gpa))
			continue;
		do {
			n = pread(r->fd, buf, len,
				  (off_t)(r->mmap_offset + (gpa - r->gpa)));
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	return -EFAULT;
}
