/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vubridge: private definitions shared by the files of vubridge.ko.
 *
 * Lock rules (the order is top to bottom; never take an upper lock while
 * holding a lower one):
 *
 *   vub_bind_lock (bind.c; mutex)
 *	Serializes the netlink BIND/UNBIND requests and the start of module
 *	unload. The driver-core calls made under it take device_lock() of the
 *	vDPA device, under which probe and remove run.
 *   device_lock() of the vDPA device (driver core; held around probe and
 *	remove, and by bind.c to read which driver holds a device)
 *   vub_dev.lock (mutex)
 *	Serializes open, release, every ioctl and the device's removal. It
 *	protects everything marked "[lock]" below. Device ops that may sleep
 *	are called under it.
 *   mm->mmap_lock (taken by pin_user_pages_unlocked() under vub_dev.lock)
 *   vdpa_device.cf_lock (taken by the vdpa_* wrappers under vub_dev.lock)
 *   device-internal locks (e.g. vdpa_sim's mutex, taken inside the ops)
 *   eventfd wait-queue lock (taken by add/remove_wait_queue() under
 *	vub_dev.lock; our kick wake-up runs under it and calls ->kick_vq())
 *
 *   vub_bells.lock (mutex; taken by vub_bells_revoke() under vub_dev.lock
 *	and by a doorbell handle's release without it)
 *   the handles' i_mmap_rwsem (unmap_mapping_range())
 *
 * The registry of bound devices (registry.c) has its own xarray lock, under
 * which nothing but get_device() is done; netlink handlers find a device
 * there, then take vub_dev.lock and check vub_dev.dead. Events (events.c)
 * are sent in process context with or without vub_dev.lock held; sending
 * takes only netlink's own locks.
 *
 * The doorbell fault handlers run under mmap_lock and therefore must not
 * take vub_dev.lock (pin_user_pages would invert the order). They run
 * inside an SRCU read section of vub_srcu and check vub_dev.dead (and a
 * handle's vub_bells.revoked) instead; removal and revocation set the flag,
 * wait for vub_srcu, then zap the mappings.
 *
 * Device callbacks (used-buffer and config interrupts) may run in hard-irq,
 * soft-irq or process context, with device locks held. They signal
 * eventfds through a struct vub_evslot (evslot.c), bump atomic counters and
 * queue work, all inside rcu_read_lock(). The eventfds:
 *
 *   vub_evslot.lock (spinlock, irqsave; one per slot)
 *	Held around every signal and every change of the slot's eventfd, so a
 *	writer (under vub_dev.lock) may put the eventfd it replaced at once:
 *	nothing signals it after the swap. Nests only the eventfd's own
 *	wait-queue lock (and what its waiters' wake-ups take); never taken
 *	inside an eventfd wake-up (callbacks there defer to work) nor with
 *	another slot's lock held.
 *
 * The RCU read sections only let the session's close (vub_config_close())
 * wait, once for the whole device, until no callback is still running and
 * so none can queue work after the work is cancelled.
 */
#ifndef _VUB_H
#define _VUB_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/vubridge.h>

struct address_space;
struct genl_family;
struct genl_info;
struct pid;
struct sk_buff;
struct eventfd_ctx;
struct iommu_domain;

/**
 * enum vub_map_path - how memory is made visible to the device
 * @VUB_MAP_SET_MAP: the device takes a whole IOVA->PA table (->set_map)
 * @VUB_MAP_DMA_MAP: the device takes ranges one by one (->dma_map)
 * @VUB_MAP_IOMMU: the platform IOMMU translates for the DMA device
 */
enum vub_map_path {
	VUB_MAP_SET_MAP,
	VUB_MAP_DMA_MAP,
	VUB_MAP_IOMMU,
};

/**
 * struct vub_run - physically contiguous pinned pages of a region
 * @pfn: first page frame
 * @npages: number of pages
 */
struct vub_run {
	unsigned long pfn;
	unsigned long npages;
};

/**
 * struct vub_resv - an IOVA range the platform IOMMU reserves (MSI window,
 *	direct-mapped or reserved memory): no region may overlap it
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 */
struct vub_resv {
	u64 start;
	u64 last;
};

/**
 * struct vub_region - one pinned, device-mapped memory region [lock]
 * @node: entry in vub_dev.regions, sorted by @iova
 * @iova: device address of the first byte
 * @size: length in bytes (page multiple)
 * @uaddr: user address it was pinned from
 * @perm: VUB_PERM_*
 * @npages: @size in pages
 * @mm: address space the pages were pinned from and pinned_vm is charged
 *	to (mmgrab()ed; not the address space itself, only the struct)
 * @runs: the pinned pages as physically contiguous runs, in IOVA order
 * @nruns: valid entries in @runs
 * @cap: allocated entries in @runs
 * @mapped: the runs are mapped in the device (dma_map/IOMMU paths)
 * @stuck: the device may still reach the pages although we tried to take
 *	them away (an unmap or a map change failed): they must stay pinned
 *	until the device's translations are reset
 * @accounted: @npages are charged to @mm and to the pin counters
 */
struct vub_region {
	struct list_head node;
	u64 iova;
	u64 size;
	u64 uaddr;
	u32 perm;
	unsigned long npages;
	struct mm_struct *mm;
	struct vub_run *runs;
	unsigned long nruns;
	unsigned long cap;
	bool mapped;
	bool stuck;
	bool accounted;
};

/**
 * struct vub_evslot - an eventfd the module signals (evslot.c)
 * @lock: held around each signal and each change of @ctx
 * @ctx: the eventfd, or NULL [changed under @lock and vub_dev.lock; read
 *	under either]
 */
struct vub_evslot {
	spinlock_t lock;	/* see the lock rules at the top */
	struct eventfd_ctx *ctx;
};

/**
 * struct vub_vq - one virtqueue as programmed through the file
 * @vub: owning device
 * @index: queue index
 * @started: programmed by VUB_START_QUEUE and not stopped [lock]
 * @enabled: ready in the device [lock]
 * @packed: packed ring layout [lock]
 * @size: ring size [lock]
 * @desc_addr: descriptor area IOVA [lock]
 * @driver_addr: driver area IOVA [lock]
 * @device_addr: device area IOVA [lock]
 * @start_avail_idx: avail_idx given to VUB_START_QUEUE [lock]
 * @start_avail_wrap: avail_wrap given to VUB_START_QUEUE [lock]
 * @start_used_idx: used_idx given to VUB_START_QUEUE [lock]
 * @start_used_wrap: used_wrap given to VUB_START_QUEUE [lock]
 * @kick_file: the kick eventfd's file, referenced while polled [lock]
 * @kick_ctx: its eventfd context [lock]
 * @kick_wqh: wait queue our @kick_wait sits on, or NULL [lock]
 * @kick_wait: wait-queue entry whose wake-up kicks the device
 * @kick_pt: poll table used to find @kick_wqh
 * @cb_on: our callback is installed in the device [lock]
 * @call: eventfd signalled on a used-buffer notification [lock to change]
 * @err: eventfd signalled when the device needs a reset [lock to change]
 * @call_work: signals @call where the callback itself may not
 * @kicks: kicks forwarded since start (atomic, any context)
 * @interrupts: device callbacks since start (atomic, any context)
 */
struct vub_vq {
	struct vub_dev *vub;
	u16 index;
	bool started;
	bool enabled;
	bool packed;
	u32 size;
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u16 start_avail_idx;
	u16 start_avail_wrap;
	u16 start_used_idx;
	u16 start_used_wrap;
	struct file *kick_file;
	struct eventfd_ctx *kick_ctx;
	wait_queue_head_t *kick_wqh;
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	bool cb_on;
	struct vub_evslot call;
	struct vub_evslot err;
	struct work_struct call_work;
	atomic64_t kicks;
	atomic64_t interrupts;
};

/**
 * struct vub_cfg_field - the one config field a driver may write
 * @device_id: virtio device id
 * @offset: byte offset in the config space
 * @len: length in bytes (at most 8)
 * @feature: feature bit the driver must have negotiated, or -1
 * @legacy_only: writable only while VIRTIO_F_VERSION_1 is not negotiated
 */
struct vub_cfg_field {
	u32 device_id;
	u32 offset;
	u32 len;
	s8 feature;
	bool legacy_only;
};

/**
 * struct vub_bells - what a session's doorbell handles and the device share
 * @ref: one reference for the device (dropped at revocation), one per handle
 * @lock: protects @handles
 * @handles: the open handles (struct vub_bell) [@lock]
 * @vub: the device; only dereferenced under vub_srcu after seeing
 *	!@revoked, which the device's removal waits for
 * @revoked: the session ended; set once, before waiting for vub_srcu
 *
 * The handles never reference the device or its file: a handle outliving
 * its session only keeps this small object.
 */
struct vub_bells {
	struct kref ref;
	struct mutex lock;	/* protects handles */
	struct list_head handles;
	struct vub_dev *vub;
	bool revoked;
};

/**
 * struct vub_dev - a vDPA device bound to vubridge and its char device
 * @dev: the class device (/dev/vubridge/<name>); its refcount owns this
 *	struct: probe holds one reference, each open file another
 * @cdev: the character device
 * @vdpa: the vDPA device; only valid while !@dead
 * @nvqs: number of virtqueues
 * @minor: char device minor
 * @path: how memory reaches the device
 * @lock: see the lock rules at the top of this file
 * @dead: the vDPA device was removed; every call fails with ENODEV
 *	[written under lock with WRITE_ONCE; read under lock, or under
 *	vub_srcu by the fault handler]
 * @opened: a file is open on the device [lock]
 * @mapping: address space of the open file, for zapping doorbells [lock]
 * @bells: what the doorbell handles of this session share, or NULL [lock]
 * @features_set: driver features were written since the last reset [lock]
 * @suspended: suspended by VUB_SUSPEND [lock]
 * @range: usable IOVA range [lock]
 * @domain: platform IOMMU domain (VUB_MAP_IOMMU, while open) [lock]
 * @resv: the IOMMU's reserved ranges for the DMA device, with @domain [lock]
 * @nresv: entries in @resv [lock]
 * @regions: list of struct vub_region, sorted by IOVA [lock]
 * @nregions: entries in @regions [lock]
 * @stranded: regions taken out of use that the device may still reach
 *	(struct vub_region.stuck); unpinned once its translations are reset
 *	[lock]
 * @devmap: table last handed to ->set_map() (VUB_MAP_SET_MAP) [lock]
 * @vqs: the virtqueues
 * @config_ev: config-change eventfd [lock to change]
 * @status_work: looks for NEEDS_RESET after a config interrupt
 * @cfgpoll_work: periodic config-space comparison (config_poll_ms)
 * @cfgpoll_on: @cfgpoll_work is armed [lock]
 * @cfg_size: size of @cfg_snap [lock]
 * @cfg_snap: last seen config space, owned by @cfgpoll_work while armed
 * @cfg_gen: last seen config generation, as @cfg_snap
 * @needs_reset: NEEDS_RESET already reported since the last reset
 * @cfg_field: the driver-writable config field, or NULL (set at probe)
 * @cfg_prov: its value when the device was bound (set at probe)
 * @cfg_dirty: a session wrote it since the last reset [lock]
 * @pinned: pages this device currently pins (atomic)
 * @owner: thread group of the file's owner: the opener, then the last
 *	caller of VUB_SET_OWNER_INFO; NULL while closed [lock]
 * @owner_info: what the owner registered (VUB_SET_OWNER_INFO) [lock]
 * @reg_id: position in the registry of bound devices (registry.c)
 */
struct vub_dev {
	struct device dev;
	struct cdev cdev;
	struct vdpa_device *vdpa;
	u32 nvqs;
	int minor;
	enum vub_map_path path;

	struct mutex lock;	/* see the lock rules at the top */
	bool dead;
	bool opened;
	struct address_space *mapping;
	struct vub_bells *bells;

	bool features_set;
	bool suspended;
	struct vdpa_iova_range range;
	struct iommu_domain *domain;
	struct vub_resv *resv;
	u32 nresv;
	struct list_head regions;
	u32 nregions;
	struct list_head stranded;
	struct vhost_iotlb *devmap;
	struct vub_vq *vqs;

	struct vub_evslot config_ev;
	struct work_struct status_work;
	struct delayed_work cfgpoll_work;
	bool cfgpoll_on;
	size_t cfg_size;
	u8 *cfg_snap;
	u32 cfg_gen;
	atomic_t needs_reset;
	const struct vub_cfg_field *cfg_field;
	u8 cfg_prov[8];
	bool cfg_dirty;

	atomic64_t pinned;

	struct pid *owner;
	struct vub_owner_info owner_info;
	u32 reg_id;
};

static inline struct vub_dev *dev_to_vub(struct device *dev)
{
	return container_of(dev, struct vub_dev, dev);
}

static inline const struct vdpa_config_ops *vub_ops(struct vub_dev *v)
{
	return v->vdpa->config;
}

/*
 * vub_ioctl_*(): one helper per command, called by the dispatcher in
 * chardev.c with vub_dev.lock held and the device present. Each returns 0 or
 * -errno as documented per command in Documentation/userspace-api/vubridge.rst
 * (and checks its argument in the order given there).
 */

/* evslot.c */
void vub_evslot_init(struct vub_evslot *s);
void vub_evslot_set(struct vub_evslot *s, struct eventfd_ctx *ctx);
void vub_evslot_signal(struct vub_evslot *s);

/* Under vub_dev.lock, which every writer of the slot holds. */
static inline bool vub_evslot_armed(const struct vub_evslot *s)
{
	return s->ctx;
}

/* main.c */
extern struct srcu_struct vub_srcu;
extern struct vdpa_driver vub_driver;
extern unsigned int vub_config_poll_ms;
void vub_pinned_add(struct vub_dev *v, long npages);

/* chardev.c */
extern const struct file_operations vub_fops;
void vub_session_close(struct vub_dev *v);
u64 vub_abilities(struct vub_dev *v);

/* state.c */
u8 vub_status(struct vub_dev *v);
bool vub_enable_after_driver_ok(struct vub_dev *v);
int vub_device_reset(struct vub_dev *v, bool drop_all);
long vub_ioctl_get_features(struct vub_dev *v, u64 __user *argp);
long vub_ioctl_set_features(struct vub_dev *v, u64 __user *argp);
long vub_ioctl_get_status(struct vub_dev *v, u8 __user *argp);
long vub_ioctl_set_status(struct vub_dev *v, u8 __user *argp);
long vub_ioctl_suspend(struct vub_dev *v);
long vub_ioctl_resume(struct vub_dev *v);
long vub_ioctl_reset(struct vub_dev *v);

/* config.c */
void vub_config_init(struct vub_dev *v);
void vub_config_restore(struct vub_dev *v);
int vub_config_open(struct vub_dev *v);
void vub_config_close(struct vub_dev *v);
void vub_config_put_eventfd(struct vub_dev *v);
void vub_config_set_cb(struct vub_dev *v, bool on);
void vub_cfgpoll_start(struct vub_dev *v);
void vub_cfgpoll_stop(struct vub_dev *v);
long vub_ioctl_read_config(struct vub_dev *v, void __user *argp);
long vub_ioctl_write_config(struct vub_dev *v, void __user *argp);
long vub_ioctl_set_config_eventfd(struct vub_dev *v, s32 __user *argp);

/* mem.c */
int vub_mem_open(struct vub_dev *v);
void vub_mem_close(struct vub_dev *v);
void vub_mem_release_all(struct vub_dev *v);
void vub_mem_release_stranded(struct vub_dev *v);
int vub_mem_remap(struct vub_dev *v);
bool vub_mem_covers(struct list_head *regions, u64 iova, u64 len, u32 perm);
long vub_ioctl_set_mem_table(struct vub_dev *v, void __user *argp);
long vub_ioctl_add_mem_region(struct vub_dev *v, void __user *argp);
long vub_ioctl_del_mem_region(struct vub_dev *v, void __user *argp);
long vub_ioctl_get_mem_table(struct vub_dev *v, void __user *argp);
void vub_mem_adopt(struct vub_dev *v);

/* vq.c */
void vub_vq_init(struct vub_dev *v, struct vub_vq *vq, u16 index);
void vub_vqs_unpoll_all(struct vub_dev *v);
void vub_vqs_detach_all(struct vub_dev *v);
void vub_vqs_cancel_work(struct vub_dev *v);
void vub_vqs_kick_running(struct vub_dev *v);
bool vub_vqs_rings_covered(struct vub_dev *v, struct list_head *regions);
bool vub_vqs_rings_touch(struct vub_dev *v, u64 iova, u64 size);
void vub_vqs_signal_err(struct vub_dev *v);
long vub_ioctl_start_queue(struct vub_dev *v, void __user *argp);
long vub_ioctl_stop_queue(struct vub_dev *v, void __user *argp);
long vub_ioctl_get_queue_state(struct vub_dev *v, void __user *argp);
long vub_ioctl_set_queue_state(struct vub_dev *v, void __user *argp);
long vub_ioctl_enable_queue(struct vub_dev *v, void __user *argp);
long vub_ioctl_set_queue_call(struct vub_dev *v, void __user *argp);
long vub_ioctl_set_queue_err(struct vub_dev *v, void __user *argp);
long vub_ioctl_get_queue_config(struct vub_dev *v, void __user *argp);

/* doorbell.c */
bool vub_doorbell_area(struct vub_dev *v, u16 index,
		       struct vdpa_notification_area *area);
bool vub_doorbell_usable(struct vub_dev *v, u16 index);
vm_fault_t vub_doorbell_insert(struct vm_fault *vmf, struct vub_dev *v,
			       u16 index);
int vub_doorbell_check_vma(struct vm_area_struct *vma, unsigned long max_pgoff);
void vub_doorbell_setup_vma(struct vm_area_struct *vma,
			    const struct vm_operations_struct *ops);
void vub_doorbell_zap(struct vub_dev *v);
int vub_mmap(struct file *file, struct vm_area_struct *vma);
void vub_queue_info_fill(struct vub_dev *v, u16 idx, struct vub_queue_info *qi);
long vub_ioctl_get_queue_info(struct vub_dev *v, void __user *argp);

/* bell.c */
void vub_bells_revoke(struct vub_dev *v);
long vub_ioctl_get_doorbell_fd(struct vub_dev *v, void __user *argp);

/* owner.c */
void vub_owner_open(struct vub_dev *v);
void vub_owner_close(struct vub_dev *v);
void vub_owner_events_close(struct vub_dev *v);
long vub_ioctl_set_owner_info(struct vub_dev *v, void __user *argp);

/* registry.c */
int vub_registry_add(struct vub_dev *v);
void vub_registry_del(struct vub_dev *v);
struct vub_dev *vub_registry_find(const char *name);
struct vub_dev *vub_registry_next(unsigned long *pos);

/* genl.c */
extern struct genl_family vub_genl_family;
int vub_genl_init(void);
void vub_genl_exit(void);

/* bind.c */
int vub_nl_dev_bind(struct sk_buff *skb, struct genl_info *info);
int vub_nl_dev_unbind(struct sk_buff *skb, struct genl_info *info);
void vub_bind_shutdown(void);

/* events.c */
void vub_event(struct vub_dev *v, u32 event);
void vub_event_owner(struct vub_dev *v, u32 event, struct pid *owner);
void vub_event_frontend(struct vub_dev *v, const struct vub_owner_info *oi);

/* stats.c */
int vub_vendor_stats(struct vub_dev *v, u16 idx, struct vub_queue_stats *qs);
long vub_ioctl_get_queue_stats(struct vub_dev *v, void __user *argp);

#endif /* _VUB_H */
