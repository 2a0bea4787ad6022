/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * vubridge: character-device UAPI of vubridge.ko, the vDPA bus driver that
 * lets a vhost-user back-end program a vDPA device's queues directly.
 *
 * One node per bound vDPA device: /dev/vubridge/<vdpa-device-name>.
 * Opening it is exclusive (a second open fails with EBUSY). All state
 * (memory maps, queues, eventfds) belongs to the open file; the last close
 * resets the device and releases everything. After the vDPA device is
 * removed, every call on a file still open fails with ENODEV.
 *
 * Conventions: every struct is a multiple of 8 bytes with no implicit
 * padding; every "reserved" or "padding" field and every undefined flag bit
 * must be zero on input or the call fails with EINVAL; user pointers are
 * carried in __u64. Addresses called "IOVA" are what the device DMAs to;
 * a vhost-user back-end uses the guest-physical address.
 */
#ifndef _UAPI_LINUX_VUBRIDGE_H
#define _UAPI_LINUX_VUBRIDGE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VUB_API_VERSION		1
#define VUB_IOCTL_MAGIC		0xB9

/* Limits */
#define VUB_MAX_MEM_REGIONS	512
#define VUB_MAX_VENDOR_STATS	16
#define VUB_VENDOR_STAT_NAME_LEN 32

/* enum vub_ability - optional abilities of the bound device (bit numbers) */
#define VUB_ABILITY_SUSPEND		0  /* device can suspend */
#define VUB_ABILITY_RESUME		1  /* device can resume after suspend */
#define VUB_ABILITY_DOORBELL		2  /* queue notification areas, mmap-able */
#define VUB_ABILITY_VQ_IRQ		3  /* a dedicated irq per queue */
#define VUB_ABILITY_SET_MAP		4  /* memory mapped with one batch (set_map) */
#define VUB_ABILITY_DMA_MAP		5  /* memory mapped range by range (dma_map) */
#define VUB_ABILITY_PLATFORM_IOMMU	6  /* memory mapped through the IOMMU */
#define VUB_ABILITY_VENDOR_STATS	7  /* per-queue vendor statistics */
#define VUB_ABILITY_ENABLE_AFTER_DRIVER_OK 8 /* queues can start after DRIVER_OK */
#define VUB_ABILITY_CONFIG_WRITE	9  /* config space writable */

/**
 * struct vub_device_info - what the bound vDPA device is and can do
 * @device_id: virtio device id (1 net, 2 block, ...)
 * @vendor_id: virtio vendor id
 * @num_queues: number of virtqueues the device has
 * @config_size: size in bytes of the device's config space
 * @max_queue_size: largest ring size a queue accepts
 * @min_queue_size: smallest ring size a queue accepts
 * @queue_align: required ring alignment in bytes
 * @device_features: feature bits the device offers
 * @abilities: bit mask of VUB_ABILITY_*
 * @iova_first: lowest IOVA the device can DMA to
 * @iova_last: highest IOVA the device can DMA to (inclusive)
 * @generation: config generation counter at the time of the call
 * @reserved: zero
 */
struct vub_device_info {
	__u32 device_id;
	__u32 vendor_id;
	__u32 num_queues;
	__u32 config_size;
	__u32 max_queue_size;
	__u32 min_queue_size;
	__u32 queue_align;
	__u32 generation;
	__u64 device_features;
	__u64 abilities;
	__u64 iova_first;
	__u64 iova_last;
	__u64 reserved[4];
};

/**
 * struct vub_config_access - read or write part of the config space
 * @offset: byte offset into the config space
 * @length: number of bytes, at least 1; offset + length <= config_size
 * @data: user pointer to @length bytes (filled on read, consumed on write)
 * @reserved: zero
 */
struct vub_config_access {
	__u32 offset;
	__u32 length;
	__u64 data;
	__u64 reserved;
};

/* Memory region permissions */
#define VUB_PERM_READ	(1U << 0)	/* device may read */
#define VUB_PERM_WRITE	(1U << 1)	/* device may write */
#define VUB_PERM_RW	(VUB_PERM_READ | VUB_PERM_WRITE)

/**
 * struct vub_mem_region - one range of the caller's memory the device may DMA
 * @iova: device address of the first byte; page aligned
 * @size: length in bytes; page aligned, non-zero, iova + size must not wrap
 * @uaddr: caller's virtual address of the first byte; page aligned
 * @perm: VUB_PERM_* (at least one bit)
 * @reserved: zero
 *
 * Regions must not overlap in IOVA space. The pages are pinned (long-term,
 * accounted to RLIMIT_MEMLOCK) for as long as the region is mapped.
 */
struct vub_mem_region {
	__u64 iova;
	__u64 size;
	__u64 uaddr;
	__u32 perm;
	__u32 reserved;
};

/**
 * struct vub_mem_table - replace the whole memory table
 * @nregions: number of entries in @regions, 0..VUB_MAX_MEM_REGIONS
 * @reserved: zero
 * @regions: the regions
 */
struct vub_mem_table {
	__u32 nregions;
	__u32 reserved;
	struct vub_mem_region regions[];
};

/* struct vub_queue_start.flags */
#define VUB_QUEUE_F_PACKED	(1U << 0)	/* packed ring layout */
#define VUB_QUEUE_F_NO_CALL	(1U << 1)	/* no call eventfd: call_fd ignored */
#define VUB_QUEUE_F_DISABLED	(1U << 2)	/* program but do not enable */
/* struct vub_queue_state.flags, output of VUB_STOP_QUEUE only */
#define VUB_QUEUE_F_NO_STATE	(1U << 3)	/* device cannot report its position */

/**
 * struct vub_queue_start - program and start one virtqueue
 * @index: queue index, < num_queues
 * @size: ring size: a power of two within [min_queue_size, max_queue_size]
 * @flags: VUB_QUEUE_F_*
 * @kick_fd: eventfd the driver signals to kick the queue
 * @call_fd: eventfd the module signals on a used-buffer notification
 * @err_fd: eventfd signalled when the device reports an error, or -1
 * @desc_addr: IOVA of the descriptor table (packed: descriptor ring)
 * @driver_addr: IOVA of the driver area (split: avail ring)
 * @device_addr: IOVA of the device area (split: used ring)
 * @avail_idx: index of the next available entry the device will consume
 *	(packed: at most 0x7fff)
 * @avail_wrap: packed only: wrap counter paired with @avail_idx (0 or 1);
 *	0 for a split ring
 * @used_idx: packed only: next used index (at most 0x7fff); 0 for split
 * @used_wrap: packed only: wrap counter paired with @used_idx (0 or 1);
 *	0 for split
 * @reserved: zero
 *
 * All three ring areas must lie inside mapped memory with the access the
 * device needs (split: descriptors and avail ring readable, used ring
 * writable), at their natural alignment (16, 2 and 4 bytes; packed 16, 4, 4).
 */
struct vub_queue_start {
	__u32 index;
	__u32 size;
	__u32 flags;
	__s32 kick_fd;
	__s32 call_fd;
	__s32 err_fd;
	__u64 desc_addr;
	__u64 driver_addr;
	__u64 device_addr;
	__u16 avail_idx;
	__u16 avail_wrap;
	__u16 used_idx;
	__u16 used_wrap;
	__u64 reserved[2];
};

/**
 * struct vub_queue_state - ring position of one virtqueue
 * @index: queue index (in)
 * @flags: zero on input; VUB_QUEUE_F_PACKED on output for a packed queue,
 *	VUB_QUEUE_F_NO_STATE on output of VUB_STOP_QUEUE when the device
 *	cannot report the position (the indices are then 0)
 * @avail_idx: next available entry the device would consume
 * @avail_wrap: packed only: wrap counter of @avail_idx
 * @used_idx: packed only: next used entry
 * @used_wrap: packed only: wrap counter of @used_idx
 * @reserved: zero
 */
struct vub_queue_state {
	__u32 index;
	__u32 flags;
	__u16 avail_idx;
	__u16 avail_wrap;
	__u16 used_idx;
	__u16 used_wrap;
	__u64 reserved;
};

/**
 * struct vub_queue_enable - enable or disable a programmed queue
 * @index: queue index
 * @enable: 1 to enable, 0 to disable
 */
struct vub_queue_enable {
	__u32 index;
	__u32 enable;
};

/* struct vub_queue_info.flags */
#define VUB_QUEUE_INFO_F_DOORBELL	(1U << 0)	/* doorbell mmap-able */
#define VUB_QUEUE_INFO_F_IRQ		(1U << 1)	/* @irq is valid */
#define VUB_QUEUE_INFO_F_STARTED	(1U << 2)	/* queue started */
#define VUB_QUEUE_INFO_F_ENABLED	(1U << 3)	/* queue enabled */

/**
 * struct vub_queue_info - per-queue facts; all fields but @index and
 *	@reserved are output only
 * @index: queue index (in)
 * @flags: VUB_QUEUE_INFO_F_* (out)
 * @doorbell_offset: mmap offset of the queue's doorbell page (out); valid
 *	with VUB_QUEUE_INFO_F_DOORBELL; always @index * page size
 * @doorbell_size: size of the mapping at @doorbell_offset (one page)
 * @doorbell_page_offset: byte offset of the doorbell register inside the
 *	mapped page
 * @irq: Linux irq number of the queue, with VUB_QUEUE_INFO_F_IRQ
 * @size: ring size if started, else 0
 * @max_size: largest ring size this queue accepts
 * @reserved: zero
 */
struct vub_queue_info {
	__u32 index;
	__u32 flags;
	__u64 doorbell_offset;
	__u64 doorbell_size;
	__u32 doorbell_page_offset;
	__s32 irq;
	__u32 size;
	__u32 max_size;
	__u64 reserved[2];
};

/**
 * struct vub_vendor_stat - one vendor statistic of a queue
 * @name: NUL-terminated name as the device reports it
 * @value: its value
 */
struct vub_vendor_stat {
	char name[VUB_VENDOR_STAT_NAME_LEN];
	__u64 value;
};

/**
 * struct vub_queue_stats - counters of one queue; all fields but @index and
 *	@reserved are output only
 * @index: queue index (in)
 * @num_vendor: number of valid entries in @vendor (out)
 * @kicks: kick eventfd signals forwarded to the device since start
 * @interrupts: device callbacks signalled to the call eventfd
 * @reserved: zero
 * @vendor: the device's own counters, where it has them
 */
struct vub_queue_stats {
	__u32 index;
	__u32 num_vendor;
	__u64 kicks;
	__u64 interrupts;
	__u64 reserved[2];
	struct vub_vendor_stat vendor[VUB_MAX_VENDOR_STATS];
};

/**
 * struct vub_queue_fd - replace one eventfd of a started queue in place
 * @index: queue index
 * @fd: the new eventfd, or -1 for none
 */
struct vub_queue_fd {
	__u32 index;
	__s32 fd;
};

/**
 * struct vub_doorbell_handle - a file that maps one queue's doorbell page
 *	and can do nothing else
 * @index: queue index (in)
 * @flags: zero (in)
 * @fd: the new file, O_CLOEXEC, O_RDWR (out)
 * @page_offset: byte offset of the doorbell register in the page (out)
 * @size: size of the one mapping the file allows, at offset 0 (out)
 * @reserved: zero
 *
 * The file answers every ioctl with ENOTTY; mmap() only MAP_SHARED, one page
 * at offset 0, never executable. It is revoked when the device file that
 * made it resets the device (VUB_RESET, VUB_SET_STATUS 0), is closed, or the
 * device is removed: its mappings are zapped (a touch raises SIGBUS) and a
 * later mmap() fails with ENODEV. It pins no memory and does not keep the
 * device open.
 */
struct vub_doorbell_handle {
	__u32 index;
	__u32 flags;
	__s32 fd;
	__u32 page_offset;
	__u64 size;
	__u64 reserved[2];
};

/* Size of struct vub_owner_info.label, terminating NUL included. */
#define VUB_OWNER_LABEL_LEN	112

/* struct vub_owner_info.flags */
#define VUB_OWNER_F_FRONTEND	(1U << 0)	/* a front-end is connected */

/**
 * struct vub_owner_info - what the file's owner tells operators about itself
 * @flags: VUB_OWNER_F_*
 * @frontend_pid: the front-end's pid (SO_PEERCRED) with VUB_OWNER_F_FRONTEND,
 *	else 0
 * @frontend_uid: the front-end's uid with VUB_OWNER_F_FRONTEND, else 0
 * @reserved0: zero
 * @reserved: zero
 * @label: printable text, NUL-terminated inside the array (the daemon
 *	gives its vhost-user socket path); "" for none
 *
 * Shown by the generic-netlink family (DEV_GET) and in its events. Cleared
 * when the last file reference is closed.
 */
struct vub_owner_info {
	__u32 flags;
	__s32 frontend_pid;
	__u32 frontend_uid;
	__u32 reserved0;
	__u64 reserved[2];
	char label[VUB_OWNER_LABEL_LEN];
};

/*
 * Ioctls. "In" is what the kernel reads, "out" what it writes. Errors every
 * command may return: ENODEV (device removed), EFAULT (bad pointer),
 * EINVAL (non-zero reserved field or flag), ENOTTY (unknown command).
 */

/* Out: VUB_API_VERSION. */
#define VUB_GET_API_VERSION	_IOR(VUB_IOCTL_MAGIC, 0x00, __u64)
/* Out: device facts. */
#define VUB_GET_DEVICE_INFO	_IOR(VUB_IOCTL_MAGIC, 0x01, struct vub_device_info)
/* In: offset/length/data. EINVAL: out of range or zero length. */
#define VUB_READ_CONFIG		_IOW(VUB_IOCTL_MAGIC, 0x02, struct vub_config_access)
/*
 * In: offset/length/data. Only what a virtio driver may write (net: the MAC
 * before VERSION_1; blk: writeback with CONFIG_WCE); every reset restores
 * the value the device had when bound. EINVAL: out of range; EOPNOTSUPP:
 * read-only; EPERM: not a field the driver may write now.
 */
#define VUB_WRITE_CONFIG	_IOW(VUB_IOCTL_MAGIC, 0x03, struct vub_config_access)
/* Out: the device's feature bits. */
#define VUB_GET_FEATURES	_IOR(VUB_IOCTL_MAGIC, 0x04, __u64)
/*
 * In: negotiated features. EINVAL: a bit the device does not offer, or the
 * device refused them; EBUSY: FEATURES_OK already set.
 */
#define VUB_SET_FEATURES	_IOW(VUB_IOCTL_MAGIC, 0x05, __u64)
/* Out: virtio status byte. */
#define VUB_GET_STATUS		_IOR(VUB_IOCTL_MAGIC, 0x06, __u8)
/*
 * In: new virtio status. 0 resets the device (queues stopped, memory and
 * config eventfd kept). Otherwise bits may only be added, in the spec's order
 * (ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK; FAILED at any time): EINVAL
 * otherwise, also for NEEDS_RESET, for FEATURES_OK without VUB_SET_FEATURES
 * since the last reset, and for DRIVER_OK in the same call as FEATURES_OK.
 * EIO: the device did not accept FEATURES_OK or DRIVER_OK.
 */
#define VUB_SET_STATUS		_IOW(VUB_IOCTL_MAGIC, 0x07, __u8)
/*
 * In: eventfd the module signals when the device's config changes, or -1 to
 * stop. EBADF: not a file; EINVAL: not an eventfd.
 */
#define VUB_SET_CONFIG_EVENTFD	_IOW(VUB_IOCTL_MAGIC, 0x08, __s32)
/*
 * In: owner facts; replaces the previous ones. The caller's thread group
 * becomes the device's owner pid (so a successor daemon that received the
 * file reports itself). A change of VUB_OWNER_F_FRONTEND emits
 * VUB_EVENT_FRONTEND_CONNECTED / _DISCONNECTED. EINVAL: label not
 * NUL-terminated or not printable, unknown flag, pid/uid non-zero without
 * VUB_OWNER_F_FRONTEND, reserved non-zero.
 */
#define VUB_SET_OWNER_INFO	_IOW(VUB_IOCTL_MAGIC, 0x09, struct vub_owner_info)

/*
 * In: struct vub_mem_table header, then @nregions regions. Replaces every
 * mapped region. EINVAL: bad region (zero, unaligned, wrapping, overlapping,
 * outside the device's IOVA range, bad perm); EADDRNOTAVAIL: overlaps a
 * range the platform IOMMU reserves (MSI window); E2BIG: too many regions;
 * ENOMEM / EPERM: over RLIMIT_MEMLOCK (EPERM without CAP_IPC_LOCK when the
 * limit is 0); EFAULT: @uaddr not mapped in the caller; EINTR: fatal signal
 * while pinning; EBUSY: a started queue's ring would lose its mapping.
 */
#define VUB_SET_MEM_TABLE	_IOW(VUB_IOCTL_MAGIC, 0x10, struct vub_mem_table)
/* In: one region to add. Errors as VUB_SET_MEM_TABLE. */
#define VUB_ADD_MEM_REGION	_IOW(VUB_IOCTL_MAGIC, 0x11, struct vub_mem_region)
/*
 * In: the region to remove, matched by @iova and @size (@uaddr and @perm
 * ignored). ENOENT: no such region; EBUSY: a started queue's ring lies in it.
 */
#define VUB_DEL_MEM_REGION	_IOW(VUB_IOCTL_MAGIC, 0x12, struct vub_mem_region)
/*
 * In: struct vub_mem_table header with @nregions = capacity of the array that
 * follows. Out: @nregions = number of mapped regions, and that many regions in
 * IOVA order with @iova, @size, @perm; @uaddr is 0 (the pinning process's
 * address means nothing to the caller). E2BIG: capacity too small (@nregions
 * then holds the number needed, no region is written).
 */
#define VUB_GET_MEM_TABLE	_IOWR(VUB_IOCTL_MAGIC, 0x13, struct vub_mem_table)

/*
 * In: the queue. Requires FEATURES_OK and, after DRIVER_OK, the
 * ENABLE_AFTER_DRIVER_OK ability (EBUSY otherwise). EINVAL: index out of range,
 * size not a power of two or out of limits, ring outside mapped memory, kick or
 * call fd not an eventfd, features not negotiated; EBADF: fd not open;
 * EBUSY: queue already started; EIO: the device did not make it ready.
 */
#define VUB_START_QUEUE		_IOW(VUB_IOCTL_MAGIC, 0x20, struct vub_queue_start)
/*
 * In: @index. Out: the queue's state once the device stopped processing it
 * (VUB_QUEUE_F_NO_STATE if the device cannot tell); kicks and calls are
 * disconnected and the queue's eventfds released before the call returns.
 * EINVAL: index out of range or queue not started.
 */
#define VUB_STOP_QUEUE		_IOWR(VUB_IOCTL_MAGIC, 0x21, struct vub_queue_state)
/* In: @index. Out: state. EBUSY: queue running on a device not suspended. */
#define VUB_GET_QUEUE_STATE	_IOWR(VUB_IOCTL_MAGIC, 0x22, struct vub_queue_state)
/* In: state. EBUSY: device running and not suspended. */
#define VUB_SET_QUEUE_STATE	_IOW(VUB_IOCTL_MAGIC, 0x23, struct vub_queue_state)
/* In: index and enable. EINVAL: queue not started; EBUSY: as START_QUEUE. */
#define VUB_ENABLE_QUEUE	_IOW(VUB_IOCTL_MAGIC, 0x24, struct vub_queue_enable)
/* In: @index. Out: queue facts. */
#define VUB_GET_QUEUE_INFO	_IOWR(VUB_IOCTL_MAGIC, 0x25, struct vub_queue_info)
/* In: @index. Out: counters. */
#define VUB_GET_QUEUE_STATS	_IOWR(VUB_IOCTL_MAGIC, 0x26, struct vub_queue_stats)
/*
 * In: a started queue's new call eventfd, or -1 (no used-buffer
 * notifications). The queue keeps running; nothing signals the old eventfd
 * once the call returned, and the module no longer holds it. EINVAL: index
 * out of range, queue not started, not an eventfd; EBADF: fd not open.
 */
#define VUB_SET_QUEUE_CALL	_IOW(VUB_IOCTL_MAGIC, 0x27, struct vub_queue_fd)
/* In: as VUB_SET_QUEUE_CALL, for the queue's error eventfd. */
#define VUB_SET_QUEUE_ERR	_IOW(VUB_IOCTL_MAGIC, 0x28, struct vub_queue_fd)
/*
 * In: @index, @flags. Out: the handle. EOPNOTSUPP: no doorbell for that
 * queue; EINVAL: index, flags or reserved; EMFILE/ENFILE.
 */
#define VUB_GET_DOORBELL_FD	_IOWR(VUB_IOCTL_MAGIC, 0x29, struct vub_doorbell_handle)
/*
 * In: struct vub_queue_start with @index, every other field zero. Out: the
 * queue as it was started: @size, @flags (VUB_QUEUE_F_PACKED, _NO_CALL, and
 * _DISABLED when it is not enabled now), the three ring IOVAs and the start
 * indices given to VUB_START_QUEUE; @kick_fd, @call_fd, @err_fd are -1.
 * EINVAL: index out of range, non-zero input field, queue not started.
 */
#define VUB_GET_QUEUE_CONFIG	_IOWR(VUB_IOCTL_MAGIC, 0x2a, struct vub_queue_start)

/* Stop all DMA and interrupts, keep state. EOPNOTSUPP without the ability. */
#define VUB_SUSPEND		_IO(VUB_IOCTL_MAGIC, 0x30)
/* Undo VUB_SUSPEND. EOPNOTSUPP without the ability; EINVAL: not suspended. */
#define VUB_RESUME		_IO(VUB_IOCTL_MAGIC, 0x31)
/* Reset the device and drop all memory maps, queues and eventfds. */
#define VUB_RESET		_IO(VUB_IOCTL_MAGIC, 0x32)

/*
 * mmap(): the doorbell page of queue N is at offset N * page size, one page,
 * MAP_SHARED, never executable, where VUB_GET_QUEUE_INFO reports
 * VUB_QUEUE_INFO_F_DOORBELL (EOPNOTSUPP otherwise). Zapped when the device
 * is reset (VUB_RESET, VUB_SET_STATUS 0) or removed; touching it then raises
 * SIGBUS until the device is usable again, when the next touch maps the page
 * anew. VUB_GET_DOORBELL_FD hands out a file that maps only one doorbell.
 */

/*
 * Generic netlink family "vubridge": what is bound, who owns it, its
 * queues, and events. See Documentation/userspace-api/vubridge.rst.
 */

#define VUB_GENL_NAME		"vubridge"
#define VUB_GENL_VERSION	1
#define VUB_GENL_MCGRP_EVENTS	"events"

/*
 * Commands. GET commands are open to every user; BIND/UNBIND need
 * CAP_NET_ADMIN (GENL_ADMIN_PERM: EPERM otherwise). Errors carry an extack
 * message naming what was wrong.
 */
enum vub_cmd {
	VUB_CMD_UNSPEC,
	/*
	 * doit: VUB_ATTR_DEV_NAME (ENODEV: not bound to vubridge);
	 * dumpit: every bound device
	 */
	VUB_CMD_DEV_GET,
	/*
	 * doit: DEV_NAME + QUEUE_INDEX (ERANGE: index);
	 * dumpit: DEV_NAME required, every queue
	 */
	VUB_CMD_QUEUE_GET,
	/*
	 * DEV_NAME: steer an existing vDPA device to vubridge
	 * (driver_override + attach, after releasing another driver).
	 * ENODEV: no such vDPA device; EALREADY: bound to vubridge;
	 * EBUSY: bound to vubridge and its file open
	 */
	VUB_CMD_DEV_BIND,
	/*
	 * DEV_NAME: release from vubridge, clear the override, let the bus
	 * probe other drivers. ENODEV: not bound to vubridge; EBUSY: file open
	 */
	VUB_CMD_DEV_UNBIND,
	VUB_CMD_EVENT,		/* notifications on the "events" group only */
	__VUB_CMD_MAX,
};

#define VUB_CMD_MAX (__VUB_CMD_MAX - 1)

enum vub_attr {
	VUB_ATTR_UNSPEC,
	VUB_ATTR_PAD,
	VUB_ATTR_DEV_NAME,		/* string: vDPA device name */
	VUB_ATTR_DEV_NODE,		/* string: /dev/vubridge/<name> */
	/* string: management device ("vdpasim_net", "pci/0000:00:04.0") */
	VUB_ATTR_MGMTDEV_NAME,
	VUB_ATTR_DEVICE_ID,		/* u32: virtio device id */
	VUB_ATTR_VENDOR_ID,		/* u32 */
	VUB_ATTR_DEVICE_FEATURES,	/* u64: what the device offers */
	VUB_ATTR_NEGOTIATED_FEATURES,	/* u64: present once features were set */
	VUB_ATTR_STATUS,		/* u8: virtio status byte */
	VUB_ATTR_NUM_QUEUES,		/* u32 */
	VUB_ATTR_MAX_QUEUE_SIZE,	/* u32 */
	VUB_ATTR_ABILITIES,		/* u64: VUB_ABILITY_* mask */
	VUB_ATTR_OWNER_PID,		/* u32: present while the file is open */
	VUB_ATTR_OWNER_LABEL,		/* string: from VUB_SET_OWNER_INFO */
	VUB_ATTR_FRONTEND_CONNECTED,	/* u8: 0 or 1, while the file is open */
	VUB_ATTR_FRONTEND_PID,		/* u32: with FRONTEND_CONNECTED 1 */
	VUB_ATTR_FRONTEND_UID,		/* u32: with FRONTEND_CONNECTED 1 */
	VUB_ATTR_PINNED_PAGES,		/* u64: pages pinned for this device */
	VUB_ATTR_MEM_REGIONS,		/* u32: mapped regions */
	VUB_ATTR_KICKS,			/* u64: sum over the queues */
	VUB_ATTR_INTERRUPTS,		/* u64: sum over the queues */
	VUB_ATTR_QUEUE_INDEX,		/* u32 */
	VUB_ATTR_QUEUE_FLAGS,		/* u32: VUB_QUEUE_INFO_F_* */
	VUB_ATTR_QUEUE_SIZE,		/* u32: 0 unless started */
	VUB_ATTR_QUEUE_MAX_SIZE,	/* u32 */
	VUB_ATTR_QUEUE_PACKED,		/* u8: 1 for a packed ring */
	VUB_ATTR_QUEUE_DESC_ADDR,	/* u64: IOVA, started queues */
	VUB_ATTR_QUEUE_DRIVER_ADDR,	/* u64: IOVA, started queues */
	VUB_ATTR_QUEUE_DEVICE_ADDR,	/* u64: IOVA, started queues */
	VUB_ATTR_QUEUE_AVAIL_IDX,	/* u32: where the device can report it */
	VUB_ATTR_QUEUE_USED_IDX,	/* u32: where the device can report it */
	VUB_ATTR_QUEUE_KICKS,		/* u64 */
	VUB_ATTR_QUEUE_INTERRUPTS,	/* u64 */
	VUB_ATTR_VENDOR_STATS,		/* nest of VUB_ATTR_VENDOR_STAT */
	VUB_ATTR_VENDOR_STAT,		/* nest: NAME + VALUE */
	VUB_ATTR_VENDOR_STAT_NAME,	/* string */
	VUB_ATTR_VENDOR_STAT_VALUE,	/* u64 */
	VUB_ATTR_EVENT,			/* u32: VUB_EVENT_* */
	__VUB_ATTR_MAX,
};

#define VUB_ATTR_MAX (__VUB_ATTR_MAX - 1)

/*
 * VUB_CMD_EVENT carries VUB_ATTR_EVENT and VUB_ATTR_DEV_NAME, plus:
 * OWNER_* : VUB_ATTR_OWNER_PID; FRONTEND_CONNECTED: VUB_ATTR_FRONTEND_PID,
 * _UID, VUB_ATTR_OWNER_LABEL; ERROR: VUB_ATTR_QUEUE_INDEX when the device
 * names a queue.
 */
enum vub_event {
	VUB_EVENT_UNSPEC,
	VUB_EVENT_BOUND,		/* a device was bound (its node exists) */
	VUB_EVENT_UNBOUND,		/* ... unbound or removed */
	VUB_EVENT_OWNER_ATTACHED,	/* file opened, or owner changed */
	VUB_EVENT_OWNER_RELEASED,	/* last reference closed */
	VUB_EVENT_FRONTEND_CONNECTED,
	VUB_EVENT_FRONTEND_DISCONNECTED,
	VUB_EVENT_CONFIG_CHANGED,	/* the device's config interrupt */
	VUB_EVENT_RESET,		/* VUB_RESET or VUB_SET_STATUS 0 */
	VUB_EVENT_ERROR,		/* the device reported an error */
	__VUB_EVENT_MAX,
};

#define VUB_EVENT_MAX (__VUB_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_VUBRIDGE_H */
