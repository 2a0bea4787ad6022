/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem.h - the front-end's memory table as the daemon holds it: each region
 * mapped into the daemon (the module pins only memory its caller has mapped),
 * with translation of VMM virtual addresses to guest-physical addresses.
 */
#ifndef VUB_MEM_H
#define VUB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "vhost_user.h"

struct vu_mem_region {
	uint64_t gpa;		/* guest-physical address of the first byte */
	uint64_t size;		/* bytes */
	uint64_t vmm_va;	/* the VMM's virtual address of the first byte */
	uint64_t mmap_offset;	/* offset of the first byte in @fd */
	void *map_base;		/* the daemon's mapping of @fd */
	size_t map_len;
	uint8_t *host;		/* the daemon's address of the first byte */
	int fd;			/* memory fd, kept so state can be handed on */
};

struct vu_mem {
	unsigned int nregions;
	struct vu_mem_region regions[VU_MAX_MEM_SLOTS];
};

void vu_mem_init(struct vu_mem *m);

/*
 * Check a region the front-end sent: non-zero size, no wrap of any of its
 * three address ranges, no overlap with @m (in guest-physical or VMM
 * address space). Returns 0 or -EINVAL with @why set.
 */
int vu_mem_check_region(const struct vu_mem *m, const struct vu_region *r,
			char *why, size_t whylen);

/* mmap @fd for @r into @out (takes @fd on success). @fd must be a regular
 * file or memfd covering the region (fstat). -errno, @why set. */
int vu_mem_map(struct vu_mem_region *out, const struct vu_region *r, int fd,
	       char *why, size_t whylen);
void vu_mem_unmap(struct vu_mem_region *r);
/* Unmap and forget every region. */
void vu_mem_clear(struct vu_mem *m);

/* Index of the region matching @r by gpa, vmm address and size, or -1. */
int vu_mem_find(const struct vu_mem *m, const struct vu_region *r);
/* Remove region @i (already unmapped by the caller or not). */
void vu_mem_remove_at(struct vu_mem *m, unsigned int i);

/* VMM virtual address range -> guest-physical; -EFAULT if not in one region. */
int vu_mem_va_to_gpa(const struct vu_mem *m, uint64_t va, uint64_t len,
		     uint64_t *gpa);
/*
 * Read guest memory with pread() on the region's fd: 0, -EFAULT (not
 * inside one region), -EIO (the fd ends before: truncated), -errno. The
 * daemon never dereferences its mappings of guest memory: a front-end can
 * shrink its memfd at any time, and a touch would raise SIGBUS.
 */
int vu_mem_read(const struct vu_mem *m, uint64_t gpa, void *buf, size_t len);
/* Guest-physical range -> daemon pointer, or NULL if not in one region.
 * For the address the module pins and range checks only: never read
 * through it (see vu_mem_read). */
void *vu_mem_gpa_to_ptr(const struct vu_mem *m, uint64_t gpa, uint64_t len);

#endif /* VUB_MEM_H */
