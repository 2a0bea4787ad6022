/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - the device interface of vubridged.
 *
 * The protocol engine (session.c) drives a device through this ops table,
 * shaped like crosvm's VhostUserDevice trait, plus the memory-table and
 * virtio-status primitives a vDPA device needs (its memory must be pinned
 * when the table arrives, and it has a virtio status of its own). The
 * life-cycle primitives (set_features, set_status, start_queue,
 * stop_queue, set_queue_fd) are called by lifecycle.c only, which decides
 * their order; a device implements each as one plain step.
 * vdpa_device.c bridges to /dev/vubridge/<name>; test_device.c is a
 * software device for the host tests.
 *
 * The memory table passed to a hook is valid during the call only, except
 * the one start_queue() gets: it stays valid (its contents may change
 * through later memory hooks) while the queue runs.
 *
 * Return values: 0 or a negative errno. The engine never passes a queue
 * index >= num_queues, a ring size it did not validate, or ring addresses
 * that do not translate through @mem.
 */
#ifndef VUB_DEVICE_H
#define VUB_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

/* Ring position of one queue (split rings use @avail_idx only). */
struct vu_queue_state {
	uint16_t avail_idx;
	uint16_t avail_wrap;
	uint16_t used_idx;
	uint16_t used_wrap;
};

/* Everything needed to start one queue. The fds are borrowed: the engine
 * keeps them open until stop_queue() returned. */
struct vu_queue_cfg {
	uint32_t size;
	bool packed;
	uint64_t desc_gpa;
	uint64_t avail_gpa;	/* driver area */
	uint64_t used_gpa;	/* device area */
	struct vu_queue_state base;
	int kick_fd;
	int call_fd;		/* -1: no call notifications */
	int err_fd;		/* -1: none */
};

/* A doorbell page the front-end may map (VRING_HOST_NOTIFIER_MSG). */
struct vu_host_notifier {
	int fd;			/* the caller's to close; maps the doorbell
				 * and gives no other access to the device */
	uint64_t offset;
	uint64_t size;
};

struct vu_shmem_region {
	uint8_t id;
	uint64_t length;
};

/* Who serves a device, for operators (owner_info.c). */
#define VU_OWNER_LABEL_LEN	112	/* terminating NUL included */
struct vu_owner_info {
	char label[VU_OWNER_LABEL_LEN];	/* printable ASCII */
	bool frontend;			/* a front-end is connected */
	int32_t frontend_pid;		/* its pid and uid (SO_PEERCRED) */
	uint32_t frontend_uid;
};

struct vu_backend_req;
struct vu_device;

struct vu_device_ops {
	/* Number of queues the device has (GET_QUEUE_NUM). */
	uint32_t (*max_queue_num)(struct vu_device *dev);
	/* Virtio features offered to the front-end (without bit 30). */
	uint64_t (*features)(struct vu_device *dev);
	/* Protocol features this device can support. */
	uint64_t (*protocol_features)(struct vu_device *dev);
	/* Write the negotiated features (device status ACK|DRIVER; only
	 * offered bits, without bit 30). */
	int (*set_features)(struct vu_device *dev, uint64_t features);
	int (*read_config)(struct vu_device *dev, uint32_t offset, void *buf,
			   uint32_t len);
	int (*write_config)(struct vu_device *dev, uint32_t offset,
			    const void *buf, uint32_t len);
	/* Memory: the whole table replaced, or one region added/removed.
	 * @mem is the table after the change (for remove: before it). */
	int (*set_mem_table)(struct vu_device *dev, const struct vu_mem *mem);
	int (*add_mem_region)(struct vu_device *dev, const struct vu_mem *mem,
			      const struct vu_mem_region *r);
	int (*remove_mem_region)(struct vu_device *dev,
				 const struct vu_mem *mem,
				 const struct vu_mem_region *r);
	/* Start a queue (device at FEATURES_OK, or after DRIVER_OK when
	 * @late_start). */
	int (*start_queue)(struct vu_device *dev, uint32_t idx,
			   const struct vu_queue_cfg *q,
			   const struct vu_mem *mem);
	/* Stop a started queue and return where it stopped: 0, or 1 when
	 * the device cannot tell (@state untouched). */
	int (*stop_queue)(struct vu_device *dev, uint32_t idx,
			  struct vu_queue_state *state);
	/* Replace the call (@call) or error eventfd of a started queue
	 * without stopping it; -EOPNOTSUPP if the device cannot. Optional. */
	int (*set_queue_fd)(struct vu_device *dev, uint32_t idx, bool call,
			    int fd);
	/* The device's virtio status: written as is (0 resets the device,
	 * its memory stays mapped), read back as the device has it. */
	int (*set_status)(struct vu_device *dev, uint8_t status);
	uint8_t (*get_status)(struct vu_device *dev);
	/* Back to the initial state: queues stopped, memory dropped. */
	void (*reset)(struct vu_device *dev);
	/* Device-specific state bytes for a snapshot, and their restore. */
	int (*snapshot)(struct vu_device *dev, void *buf, size_t cap,
			size_t *len);
	int (*restore)(struct vu_device *dev, const void *buf, size_t len);
	/* Shared memory region (none for net/blk: -ENOENT). */
	int (*get_shared_memory_region)(struct vu_device *dev,
					struct vu_shmem_region *r);
	/* The back-end request channel, or NULL when it goes away. */
	void (*set_backend_req_connection)(struct vu_device *dev,
					   struct vu_backend_req *req);
	/* Doorbell page of a queue, -ENOENT if it has none. Optional. A
	 * device reset revokes it. */
	int (*get_host_notifier)(struct vu_device *dev, uint32_t idx,
				 struct vu_host_notifier *hn);
	/* An fd that becomes readable when the config space changed, or -1;
	 * config_event_ack() consumes the event. Optional. */
	int (*config_event_fd)(struct vu_device *dev);
	void (*config_event_ack)(struct vu_device *dev);
	/* Net: MTU from NET_SET_MTU; RARP after migration. Optional. */
	int (*set_mtu)(struct vu_device *dev, uint16_t mtu);
	int (*send_rarp)(struct vu_device *dev, const uint8_t mac[6]);
	/* Register who serves the device (VUB_SET_OWNER_INFO); -ENOTTY
	 * when the module cannot. Optional. */
	int (*set_owner_info)(struct vu_device *dev,
			      const struct vu_owner_info *oi);
	/* Net: the front-end enables or disables ring @idx (SET_VRING_ENABLE),
	 * called before the ring starts or stops: the device's queue-pair
	 * count follows (net_cvq.c). True when a disabled ring should stay
	 * started on the device, which stops using it by itself. Optional. */
	bool (*ring_enabled)(struct vu_device *dev, uint32_t idx, bool on);
	/* Net: a configured but disabled ring @idx may start with the others
	 * before DRIVER_OK, the device leaving it alone by the pair count, so
	 * enabling it later needs no ring start after DRIVER_OK. Optional. */
	bool (*ring_parkable)(struct vu_device *dev, uint32_t idx);
	/* Release everything (the device file included). */
	void (*destroy)(struct vu_device *dev);
};

struct vu_device {
	const struct vu_device_ops *ops;
	char name[64];		/* for logs: the vDPA device name */
	uint32_t device_id;	/* virtio device id */
	uint32_t num_queues;
	uint32_t config_size;
	uint32_t max_queue_size;
	uint32_t min_queue_size;
	bool late_start;	/* queues may start after DRIVER_OK */
	bool gone;		/* the device disappeared (ENODEV) */
	bool owner_info_unsupported;	/* said once: no VUB_SET_OWNER_INFO */
	/* Net: the MAC is the front-end's to write (SET_CONFIG): the device
	 * takes it through its control queue, for this session only. */
	bool mac_writable;
	/* The device's config changes matter to the device itself
	 * (config_event_ack): watched whatever the front-end negotiated. */
	bool config_events;
	/* set_mem_table/add_mem_region may take long (they pin): the engine
	 * calls them on a worker thread, touching nothing else of the
	 * device meanwhile. */
	bool pin_async;
};

#endif /* VUB_DEVICE_H */
