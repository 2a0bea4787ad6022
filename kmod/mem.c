// SPDX-License-Identifier: GPL-2.0-only
/*
 * vubridge: memory regions: pinning, RLIMIT_MEMLOCK accounting and the three
 * ways of making IOVA -> physical translations visible to a device:
 *
 *  - set_map: the device takes a whole table. We keep the table we last
 *    handed over (vub_dev.devmap) and build a new one for every change.
 *  - dma_map/dma_unmap: the device takes one physically contiguous run at a
 *    time.
 *  - platform IOMMU: devices with neither (vp_vdpa and most PCI parents) DMA
 *    through the IOMMU in front of their DMA device; we give that device an
 *    IOMMU domain of its own while the file is open and map runs into it.
 *    IOVAs the IOMMU reserves for the device (the MSI doorbell window,
 *    firmware-reserved and direct-mapped ranges) are refused: a mapping
 *    there would hijack the device's interrupts or be silently ignored.
 *
 * The device never sees user virtual addresses: ->bind_mm() is not used, so
 * a parent that could work on them (vdpa_sim, use_va) works like hardware.
 * Pages are pinned long-term and charged to the pinning process's
 * mm->pinned_vm against its RLIMIT_MEMLOCK; unpinning uncharges the same mm.
 * All of it runs under vub_dev.lock.
 */

#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>

#include "vub.h"

/* Pages pinned per pin_user_pages call: one page of page pointers. */
#define VUB_PIN_CHUNK	(PAGE_SIZE / sizeof(struct page *))

static u32 vub_perm_to_vhost(u32 perm)
{
	switch (perm) {
	case VUB_PERM_READ:
		return VHOST_MAP_RO;
	case VUB_PERM_WRITE:
		return VHOST_MAP_WO;
	default:
		return VHOST_MAP_RW;
	}
}

static int vub_perm_to_iommu(u32 perm)
{
	int prot = IOMMU_CACHE;

	if (perm & VUB_PERM_READ)
		prot |= IOMMU_READ;
	if (perm & VUB_PERM_WRITE)
		prot |= IOMMU_WRITE;
	return prot;
}

/*
 * Charge @npages to @mm->pinned_vm. @credit pages are about to be
 * unpinned from the same mm (a table being replaced) and do not count
 * against the limit. Check and charge are one atomic step: two devices
 * (two vub_dev.locks) pinning for one process at once cannot both pass
 * the check against the same old total.
 */
static int vub_charge(struct mm_struct *mm, unsigned long npages,
		      unsigned long credit)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	bool unlimited = capable(CAP_IPC_LOCK);
	s64 cur, new;

	if (!unlimited && !limit)
		return -EPERM;
	cur = atomic64_read(&mm->pinned_vm);
	do {
		new = cur + npages;
		if (!unlimited && (u64)new > (u64)limit + credit)
			return -ENOMEM;
	} while (!atomic64_try_cmpxchg(&mm->pinned_vm, &cur, new));
	return 0;
}

static int vub_run_append(struct vub_dev *v, struct vub_region *r,
			  unsigned long pfn, unsigned long npages)
{
	if (r->nruns == r->cap) {
		unsigned long cap = min(r->cap ? 2 * r->cap : 16, r->npages);
		struct vub_run *runs;

		runs = kvmalloc_array(cap, sizeof(*runs), GFP_KERNEL_ACCOUNT);
		if (!runs)
			return -ENOMEM;
		if (r->nruns)
			memcpy(runs, r->runs, r->nruns * sizeof(*runs));
		kvfree(r->runs);
		r->runs = runs;
		r->cap = cap;
	}
	r->runs[r->nruns].pfn = pfn;
	r->runs[r->nruns].npages = npages;
	r->nruns++;
	vub_pinned_add(v, npages);
	return 0;
}

static void vub_region_unpin(struct vub_dev *v, struct vub_region *r)
{
	bool dirty = r->perm & VUB_PERM_WRITE;
	unsigned long i;

	for (i = 0; i < r->nruns; i++) {
		unpin_user_page_range_dirty_lock(pfn_to_page(r->runs[i].pfn),
						 r->runs[i].npages, dirty);
		vub_pinned_add(v, -(long)r->runs[i].npages);
		cond_resched();
	}
	r->nruns = 0;
}

/*
 * Pin the region's pages chunk by chunk and record them as physically
 * contiguous runs. Regions of many GiB are fine: the page array is one
 * page, and we reschedule and honour fatal signals between chunks.
 */
static int vub_region_pin(struct vub_dev *v, struct vub_region *r)
{
	unsigned long done = 0, run_pfn = 0, run_len = 0;
	unsigned int gup_flags = FOLL_LONGTERM;
	struct page **pages;
	long n, i;
	int ret = 0;

	if (r->perm & VUB_PERM_WRITE)
		gup_flags |= FOLL_WRITE;

	pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	while (done < r->npages) {
		n = min_t(unsigned long, r->npages - done, VUB_PIN_CHUNK);
		n = pin_user_pages_unlocked(r->uaddr + (done << PAGE_SHIFT), n,
					    pages, gup_flags);
		if (n <= 0) {
			ret = n ? n : -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			unsigned long pfn = page_to_pfn(pages[i]);

			if (run_len && pfn == run_pfn + run_len) {
				run_len++;
				continue;
			}
			if (run_len) {
				ret = vub_run_append(v, r, run_pfn, run_len);
				if (ret) {
					unpin_user_pages(pages + i, n - i);
					goto out;
				}
			}
			run_pfn = pfn;
			run_len = 1;
		}
		done += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!ret && run_len) {
		ret = vub_run_append(v, r, run_pfn, run_len);
		if (!ret)
			run_len = 0;
	}
out:
	if (ret && run_len)
		unpin_user_page_range_dirty_lock(pfn_to_page(run_pfn), run_len,
						 false);
	free_page((unsigned long)pages);
	if (ret)
		vub_region_unpin(v, r);
	return ret;
}

/*
 * Unmap the first @nruns runs of @r from the device (dma_map/IOMMU). A run
 * that does not unmap completely leaves the region stuck: the device may
 * still reach its pages, so they must not be unpinned.
 */
static void vub_region_unmap(struct vub_dev *v, struct vub_region *r,
			     unsigned long nruns)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	u64 iova = r->iova;
	unsigned long i;
	bool ok;

	for (i = 0; i < nruns; i++) {
		u64 size = (u64)r->runs[i].npages << PAGE_SHIFT;

		if (v->path == VUB_MAP_DMA_MAP)
			ok = !ops->dma_unmap(v->vdpa, 0, iova, size);
		else
			ok = iommu_unmap(v->domain, iova, size) == size;
		if (!ok) {
			dev_warn_ratelimited(&v->dev,
					     "unmap of %#llx+%#llx failed; its pages stay pinned\n",
					     iova, size);
			r->stuck = true;
		}
		iova += size;
	}
	r->mapped = false;
}

/* Map every run of @r into the device (dma_map/IOMMU). */
static int vub_region_map(struct vub_dev *v, struct vub_region *r)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	u64 iova = r->iova;
	unsigned long i;
	int ret;

	for (i = 0; i < r->nruns; i++) {
		u64 size = (u64)r->runs[i].npages << PAGE_SHIFT;
		u64 pa = PFN_PHYS(r->runs[i].pfn);

		if (v->path == VUB_MAP_DMA_MAP)
			ret = ops->dma_map(v->vdpa, 0, iova, size, pa,
					   vub_perm_to_vhost(r->perm), NULL);
		else
			ret = iommu_map(v->domain, iova, pa, size,
					vub_perm_to_iommu(r->perm),
					GFP_KERNEL_ACCOUNT);
		if (ret) {
			vub_region_unmap(v, r, i);
			return ret;
		}
		iova += size;
		cond_resched();
	}
	r->mapped = true;
	return 0;
}

/*
 * Unmap (if mapped), unpin, uncharge and free a region that is off-list.
 * A region the device may still reach goes to the stranded list instead.
 */
static void vub_region_free(struct vub_dev *v, struct vub_region *r)
{
	if (r->mapped)
		vub_region_unmap(v, r, r->nruns);
	if (r->stuck) {
		list_add_tail(&r->node, &v->stranded);
		return;
	}
	vub_region_unpin(v, r);
	if (r->accounted)
		atomic64_sub(r->npages, &r->mm->pinned_vm);
	mmdrop(r->mm);
	kvfree(r->runs);
	kfree(r);
}

static struct vub_region *vub_region_new(const struct vub_mem_region *m)
{
	struct vub_region *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	INIT_LIST_HEAD(&r->node);
	r->iova = m->iova;
	r->size = m->size;
	r->uaddr = m->uaddr;
	r->perm = m->perm;
	r->npages = m->size >> PAGE_SHIFT;
	r->mm = current->mm;
	mmgrab(r->mm);
	return r;
}

static void vub_regions_free(struct vub_dev *v, struct list_head *regions)
{
	struct vub_region *r, *tmp;

	list_for_each_entry_safe(r, tmp, regions, node) {
		list_del(&r->node);
		vub_region_free(v, r);
	}
}

/*
 * Insert @r into the IOVA-sorted list @regions.
 * Return: 0, or -EINVAL if it overlaps an entry.
 */
static int vub_regions_insert(struct list_head *regions, struct vub_region *r)
{
	struct list_head *pos = regions;
	struct vub_region *e;

	list_for_each_entry(e, regions, node) {
		if (e->iova > r->iova)
			break;
		pos = &e->node;
	}
	/* pos: last entry starting at or below r; its successor is above. */
	if (pos != regions) {
		e = list_entry(pos, struct vub_region, node);
		if (r->iova - e->iova < e->size)
			return -EINVAL;
	}
	if (pos->next != regions) {
		e = list_entry(pos->next, struct vub_region, node);
		if (e->iova - r->iova < r->size)
			return -EINVAL;
	}
	list_add(&r->node, pos);
	return 0;
}

/**
 * vub_mem_covers() - is an IOVA range inside mapped memory?
 * @regions: IOVA-sorted list of struct vub_region
 * @iova: start of the range
 * @len: length of the range, non-zero
 * @perm: VUB_PERM_* the device needs on all of it
 *
 * Return: true if regions with @perm cover every byte of the range.
 */
bool vub_mem_covers(struct list_head *regions, u64 iova, u64 len, u32 perm)
{
	struct vub_region *r;

	if (!len || len - 1 > U64_MAX - iova)
		return false;

	list_for_each_entry(r, regions, node) {
		u64 n;

		if (iova < r->iova)
			return false;
		if (iova - r->iova >= r->size)
			continue;
		if ((r->perm & perm) != perm)
			return false;
		n = min(len, r->size - (iova - r->iova));
		iova += n;
		len -= n;
		if (!len)
			return true;
	}
	return false;
}

/*
 * Build the set_map table from @regions, hand it to the device and keep it.
 * On failure the device may have dropped its old table (vdpa_sim does):
 * try to give the old one back.
 */
static int vub_devmap_install(struct vub_dev *v, struct list_head *regions)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	struct vhost_iotlb *map, *old;
	struct vub_region *r;
	unsigned long i;
	int ret;

	map = vhost_iotlb_alloc(0, 0);
	if (!map)
		return -ENOMEM;

	list_for_each_entry(r, regions, node) {
		u64 iova = r->iova;

		for (i = 0; i < r->nruns; i++) {
			u64 size = (u64)r->runs[i].npages << PAGE_SHIFT;

			ret = vhost_iotlb_add_range(map, iova, iova + size - 1,
						    PFN_PHYS(r->runs[i].pfn),
						    vub_perm_to_vhost(r->perm));
			if (ret)
				goto err;
			iova += size;
		}
		cond_resched();
	}

	ret = ops->set_map(v->vdpa, 0, map);
	if (ret) {
		if (v->devmap && ops->set_map(v->vdpa, 0, v->devmap)) {
			/*
			 * Which table the device holds now is unknown: it
			 * may reach the new regions' pages too.
			 */
			dev_warn(&v->dev, "device lost its memory map\n");
			list_for_each_entry(r, regions, node)
				r->stuck = true;
		}
		goto err;
	}

	old = v->devmap;
	v->devmap = map;
	if (old)
		vhost_iotlb_free(old);
	return 0;

err:
	vhost_iotlb_free(map);
	return ret;
}

/**
 * vub_mem_remap() - give the device our table again after a reset, for
 *	parents that drop their translations on reset
 * @v: device, lock held, device present
 *
 * A parent with ->reset_map keeps its translations across a reset that
 * does not ask for VDPA_RESET_F_CLEAN_MAP (ours never does; vhost-vdpa's
 * IOTLB_PERSIST relies on the same rule): it is not handed the table again.
 * Rebuilding it cost a vhost-user ring restart (which resets the device
 * when no ring runs) 200-300 ms for 8 MiB of 4 KiB runs in the test VM.
 *
 * Return: 0 or the device's error.
 */
int vub_mem_remap(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);

	if (v->path != VUB_MAP_SET_MAP || !v->devmap || ops->reset_map)
		return 0;
	return ops->set_map(v->vdpa, 0, v->devmap);
}

/**
 * vub_mem_release_all() - unmap, unpin and uncharge every region
 * @v: device, lock held, device present; call with the device reset (or
 *	with no queue started), so that nothing DMAs to the pages
 *
 * For set_map devices the device is left with an empty table.
 */
void vub_mem_release_all(struct vub_dev *v)
{
	LIST_HEAD(empty);
	int ret;

	if (v->path == VUB_MAP_SET_MAP && v->devmap) {
		ret = vub_devmap_install(v, &empty);
		if (ret) {
			struct vub_region *r;

			dev_warn(&v->dev, "cannot empty the device map: %d\n",
				 ret);
			/* It still translates to them: keep them pinned. */
			list_for_each_entry(r, &v->regions, node)
				r->stuck = true;
		}
	}
	vub_regions_free(v, &v->regions);
	v->nregions = 0;
}

/**
 * vub_mem_release_stranded() - unpin the regions the device could still
 *	reach when they were dropped
 * @v: device, lock held; its translations are gone (its default
 *	translation was restored, its IOMMU domain detached, or it is being
 *	removed)
 */
void vub_mem_release_stranded(struct vub_dev *v)
{
	struct vub_region *r, *tmp;

	list_for_each_entry_safe(r, tmp, &v->stranded, node) {
		list_del(&r->node);
		r->stuck = false;
		r->mapped = false;
		vub_region_free(v, r);
	}
}

/*
 * Keep the IOMMU's reserved ranges for @dma_dev. Relaxable direct ranges
 * (RMRRs the IOMMU core lets device assignment ignore) are not kept.
 */
static int vub_resv_load(struct vub_dev *v, struct device *dma_dev)
{
	struct iommu_resv_region *rr;
	LIST_HEAD(list);
	u32 n = 0;

	iommu_get_resv_regions(dma_dev, &list);
	list_for_each_entry(rr, &list, list)
		if (rr->type != IOMMU_RESV_DIRECT_RELAXABLE && rr->length)
			n++;
	if (n) {
		v->resv = kcalloc(n, sizeof(*v->resv), GFP_KERNEL);
		if (!v->resv) {
			iommu_put_resv_regions(dma_dev, &list);
			return -ENOMEM;
		}
	}
	list_for_each_entry(rr, &list, list) {
		if (rr->type == IOMMU_RESV_DIRECT_RELAXABLE || !rr->length)
			continue;
		v->resv[v->nresv].start = rr->start;
		v->resv[v->nresv].last = rr->start + (rr->length - 1);
		v->nresv++;
	}
	iommu_put_resv_regions(dma_dev, &list);
	return 0;
}

/* Does [iova, iova + size) overlap a reserved range of the IOMMU? */
static bool vub_resv_overlaps(struct vub_dev *v, u64 iova, u64 size)
{
	u64 last = iova + (size - 1);
	u32 i;

	for (i = 0; i < v->nresv; i++)
		if (iova <= v->resv[i].last && last >= v->resv[i].start)
			return true;
	return false;
}

static int vub_domain_open(struct vub_dev *v)
{
	struct device *dma_dev = vdpa_get_dma_dev(v->vdpa);
	struct iommu_domain *domain;
	int ret;

	if (!dma_dev ||
	    !device_iommu_capable(dma_dev, IOMMU_CAP_CACHE_COHERENCY)) {
		dev_warn(&v->dev, "no cache-coherent IOMMU for DMA\n");
		return -EOPNOTSUPP;
	}

	domain = iommu_paging_domain_alloc(dma_dev);
	if (IS_ERR(domain))
		return PTR_ERR(domain);

	ret = vub_resv_load(v, dma_dev);
	if (ret) {
		iommu_domain_free(domain);
		return ret;
	}

	ret = iommu_attach_device(domain, dma_dev);
	if (ret) {
		dev_warn(&v->dev, "cannot attach an IOMMU domain: %d\n", ret);
		kfree(v->resv);
		v->resv = NULL;
		v->nresv = 0;
		iommu_domain_free(domain);
		return ret;
	}
	v->domain = domain;
	return 0;
}

static void vub_domain_close(struct vub_dev *v)
{
	if (!v->domain)
		return;
	iommu_detach_device(v->domain, vdpa_get_dma_dev(v->vdpa));
	iommu_domain_free(v->domain);
	v->domain = NULL;
	kfree(v->resv);
	v->resv = NULL;
	v->nresv = 0;
}

/**
 * vub_mem_open() - prepare the mapping path for a new owner
 * @v: device, lock held, not dead
 *
 * Attaches our IOMMU domain (platform IOMMU path) or hands set_map devices
 * an empty table, so a parent that starts in identity pass-through mode
 * (vdpa_sim) translates nothing until memory is added.
 *
 * Return: 0 or -errno.
 */
int vub_mem_open(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);
	LIST_HEAD(empty);
	int ret;

	if (v->path == VUB_MAP_IOMMU) {
		ret = vub_domain_open(v);
		if (ret)
			return ret;
	}

	if (ops->get_iova_range) {
		v->range = ops->get_iova_range(v->vdpa);
	} else if (v->domain && v->domain->geometry.force_aperture) {
		v->range.first = v->domain->geometry.aperture_start;
		v->range.last = v->domain->geometry.aperture_end;
	} else {
		v->range.first = 0;
		v->range.last = U64_MAX;
	}

	if (v->path == VUB_MAP_SET_MAP) {
		ret = vub_devmap_install(v, &empty);
		if (ret) {
			vub_domain_close(v);
			return ret;
		}
	}
	return 0;
}

/**
 * vub_mem_close() - release all memory and give the device back its
 *	default translation for whichever driver binds it next
 * @v: device, lock held, device present and reset
 */
void vub_mem_close(struct vub_dev *v)
{
	const struct vdpa_config_ops *ops = vub_ops(v);

	vub_mem_release_all(v);
	if (ops->reset_map && v->path != VUB_MAP_IOMMU)
		ops->reset_map(v->vdpa, 0);
	if (v->devmap) {
		vhost_iotlb_free(v->devmap);
		v->devmap = NULL;
	}
	vub_domain_close(v);
	/*
	 * Stranded pages are unreachable once the domain is gone or the
	 * device's default translation is back. A dma_map device without
	 * reset_map may keep stale entries: keep them until removal.
	 */
	if (v->path != VUB_MAP_DMA_MAP || ops->reset_map)
		vub_mem_release_stranded(v);
}

static int vub_region_check(struct vub_dev *v, const struct vub_mem_region *m)
{
	if (m->reserved)
		return -EINVAL;
	if (!m->perm || (m->perm & ~VUB_PERM_RW))
		return -EINVAL;
	if (!m->size || !PAGE_ALIGNED(m->size) || !PAGE_ALIGNED(m->iova) ||
	    !PAGE_ALIGNED(m->uaddr))
		return -EINVAL;
	if (m->size - 1 > U64_MAX - m->iova ||
	    m->size - 1 > U64_MAX - m->uaddr)
		return -EINVAL;
	if (m->iova < v->range.first || m->iova + (m->size - 1) > v->range.last)
		return -EINVAL;
	if (vub_resv_overlaps(v, m->iova, m->size))
		return -EADDRNOTAVAIL;
	if (!access_ok(u64_to_user_ptr(m->uaddr), m->size))
		return -EFAULT;
	return 0;
}

/* Pages of the regions in @regions pinned from @mm. */
static unsigned long vub_regions_pages(struct list_head *regions,
				       struct mm_struct *mm)
{
	struct vub_region *r;
	unsigned long n = 0;

	list_for_each_entry(r, regions, node)
		if (r->mm == mm)
			n += r->npages;
	return n;
}

/* Map every region of @regions into the device (dma_map/IOMMU paths). */
static int vub_regions_map(struct vub_dev *v, struct list_head *regions)
{
	struct vub_region *r;
	int ret;

	list_for_each_entry(r, regions, node) {
		ret = vub_region_map(v, r);
		if (ret)
			goto err;
	}
	return 0;

err:
	list_for_each_entry_continue_reverse(r, regions, node)
		vub_region_unmap(v, r, r->nruns);
	return ret;
}

static void vub_regions_unmap(struct vub_dev *v, struct list_head *regions)
{
	struct vub_region *r;

	list_for_each_entry(r, regions, node)
		if (r->mapped)
			vub_region_unmap(v, r, r->nruns);
}

/*
 * Switch the device from the current table to @new (pinned, not mapped).
 * On success the old regions are on @old, unmapped and still pinned.
 */
static int vub_mem_switch(struct vub_dev *v, struct list_head *new,
			  struct list_head *old)
{
	int ret;

	if (v->path == VUB_MAP_SET_MAP) {
		ret = vub_devmap_install(v, new);
		if (ret)
			return ret;
	} else {
		vub_regions_unmap(v, &v->regions);
		ret = vub_regions_map(v, new);
		if (ret) {
			/* Still pinned; unmapped regions are retried on change. */
			if (vub_regions_map(v, &v->regions))
				dev_warn(&v->dev,
					 "cannot restore the memory map of the device\n");
			return ret;
		}
	}
	list_splice_init(&v->regions, old);
	list_splice_init(new, &v->regions);
	return 0;
}

long vub_ioctl_set_mem_table(struct vub_dev *v, void __user *argp)
{
	struct vub_mem_table __user *utable = argp;
	struct vub_mem_region *m = NULL;
	struct vub_mem_table table;
	unsigned long npages = 0;
	struct vub_region *r;
	LIST_HEAD(new);
	LIST_HEAD(old);
	long ret;
	u32 i;

	ret = -EFAULT;
	if (copy_from_user(&table, utable, sizeof(table)))
		return ret;
	ret = -EINVAL;
	if (table.reserved)
		return ret;
	ret = -E2BIG;
	if (table.nregions > VUB_MAX_MEM_REGIONS)
		return ret;

	if (table.nregions) {
		m = memdup_array_user(utable->regions, table.nregions,
				      sizeof(*m));
		if (IS_ERR(m))
			return PTR_ERR(m);
	}

	for (i = 0; i < table.nregions; i++) {
		ret = vub_region_check(v, &m[i]);
		if (ret)
			goto out;
	}

	for (i = 0; i < table.nregions; i++) {
		ret = -ENOMEM;
		r = vub_region_new(&m[i]);
		if (!r)
			goto out;
		ret = vub_regions_insert(&new, r);
		if (ret) {
			vub_region_free(v, r);
			goto out;
		}
		npages += r->npages;
	}

	ret = -EBUSY;
	if (!vub_vqs_rings_covered(v, &new))
		goto out;

	ret = vub_charge(current->mm, npages,
			 vub_regions_pages(&v->regions, current->mm));
	if (ret)
		goto out;
	list_for_each_entry(r, &new, node)
		r->accounted = true;

	list_for_each_entry(r, &new, node) {
		ret = vub_region_pin(v, r);
		if (ret)
			goto out;
	}

	ret = vub_mem_switch(v, &new, &old);
	if (ret)
		goto out;
	v->nregions = table.nregions;
	ret = 0;
out:
	vub_regions_free(v, &new);
	vub_regions_free(v, &old);
	kfree(m);
	return ret;
}

long vub_ioctl_add_mem_region(struct vub_dev *v, void __user *argp)
{
	struct vub_mem_region m;
	struct vub_region *r;
	long ret;

	ret = -EFAULT;
	if (copy_from_user(&m, argp, sizeof(m)))
		return ret;
	ret = vub_region_check(v, &m);
	if (ret)
		return ret;
	ret = -E2BIG;
	if (v->nregions >= VUB_MAX_MEM_REGIONS)
		return ret;

	r = vub_region_new(&m);
	if (!r)
		return -ENOMEM;
	ret = vub_regions_insert(&v->regions, r);
	if (ret) {
		vub_region_free(v, r);
		return ret;
	}

	ret = vub_charge(current->mm, r->npages, 0);
	if (ret)
		goto err;
	r->accounted = true;

	ret = vub_region_pin(v, r);
	if (ret)
		goto err;

	if (v->path == VUB_MAP_SET_MAP)
		ret = vub_devmap_install(v, &v->regions);
	else
		ret = vub_region_map(v, r);
	if (ret)
		goto err;

	v->nregions++;
	return 0;

err:
	list_del(&r->node);
	vub_region_free(v, r);
	return ret;
}

long vub_ioctl_del_mem_region(struct vub_dev *v, void __user *argp)
{
	struct vub_mem_region m;
	struct vub_region *r;
	long ret;

	ret = -EFAULT;
	if (copy_from_user(&m, argp, sizeof(m)))
		return ret;
	ret = -EINVAL;
	if (m.reserved)
		return ret;

	ret = -ENOENT;
	list_for_each_entry(r, &v->regions, node) {
		if (r->iova == m.iova && r->size == m.size) {
			ret = 0;
			break;
		}
	}
	if (ret)
		return ret;

	ret = -EBUSY;
	if (vub_vqs_rings_touch(v, r->iova, r->size))
		return ret;

	list_del(&r->node);
	if (v->path == VUB_MAP_SET_MAP) {
		ret = vub_devmap_install(v, &v->regions);
		if (ret) {
			/* The device may still reach the pages: keep them. */
			vub_regions_insert(&v->regions, r);
			return ret;
		}
	}
	v->nregions--;
	vub_region_free(v, r);
	return 0;
}

/*
 * The table as the device has it, for a successor that must check what it
 * inherited. User addresses are withheld: they belong to the process that
 * pinned the pages and mean nothing (or something misleading) to the caller.
 */
long vub_ioctl_get_mem_table(struct vub_dev *v, void __user *argp)
{
	struct vub_mem_table __user *utable = argp;
	struct vub_mem_table table;
	struct vub_mem_region out;
	struct vub_region *r;
	u32 i = 0;

	if (copy_from_user(&table, utable, sizeof(table)))
		return -EFAULT;
	if (table.reserved)
		return -EINVAL;
	if (table.nregions < v->nregions) {
		if (put_user(v->nregions, &utable->nregions))
			return -EFAULT;
		return -E2BIG;
	}

	list_for_each_entry(r, &v->regions, node) {
		memset(&out, 0, sizeof(out));
		out.iova = r->iova;
		out.size = r->size;
		out.perm = r->perm;
		if (copy_to_user(&utable->regions[i], &out, sizeof(out)))
			return -EFAULT;
		i++;
	}
	if (put_user(i, &utable->nregions))
		return -EFAULT;
	return 0;
}

/**
 * vub_mem_adopt() - charge the caller for the regions another address space
 *	pinned
 * @v: device, lock held, not dead
 *
 * A successor daemon that received the file registers itself with
 * VUB_SET_OWNER_INFO; from then on it holds the pages its predecessor
 * pinned. Their charge moves to the successor's mm->pinned_vm (checked
 * against its RLIMIT_MEMLOCK like a new pin), so its limit sees them and a
 * later VUB_SET_MEM_TABLE of its own gets the credit for replacing them. A
 * region the successor's limit cannot take stays charged where it was.
 */
void vub_mem_adopt(struct vub_dev *v)
{
	struct mm_struct *mm = current->mm;
	struct vub_region *r;

	if (!mm)
		return;
	list_for_each_entry(r, &v->regions, node) {
		if (r->mm == mm || !r->accounted)
			continue;
		if (vub_charge(mm, r->npages, 0))
			continue;
		atomic64_sub(r->npages, &r->mm->pinned_vm);
		mmdrop(r->mm);
		r->mm = mm;
		mmgrab(mm);
	}
}
