/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_user.h - vhost-user protocol constants and wire structures.
 *
 * Our own definitions of the message layout described in QEMU's
 * docs/interop/vhost-user.rst. All numbers are in host byte order, as the
 * protocol only runs between processes of one host.
 */
#ifndef VUB_VHOST_USER_H
#define VUB_VHOST_USER_H

#include <stdint.h>

/* Header flags */
#define VU_FLAG_VERSION_MASK	0x3u
#define VU_VERSION		0x1u
#define VU_FLAG_REPLY		(1u << 2)
#define VU_FLAG_NEED_REPLY	(1u << 3)
#define VU_FLAG_KNOWN		(VU_FLAG_VERSION_MASK | VU_FLAG_REPLY | VU_FLAG_NEED_REPLY)

/* The virtio feature bit the protocol reuses for protocol-feature support */
#define VU_F_PROTOCOL_FEATURES	30
/* Dirty logging; not offered by vubridged */
#define VU_F_LOG_ALL		26

/* Front-end requests */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_SET_VRING_ENDIAN = 23,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_CREATE_CRYPTO_SESSION = 26,
	VU_CLOSE_CRYPTO_SESSION = 27,
	VU_POSTCOPY_ADVISE = 28,
	VU_POSTCOPY_LISTEN = 29,
	VU_POSTCOPY_END = 30,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
	VU_GPU_SET_SOCKET = 33,
	VU_RESET_DEVICE = 34,
	VU_VRING_KICK = 35,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_GET_SHARED_OBJECT = 41,
	VU_SET_DEVICE_STATE_FD = 42,
	VU_CHECK_DEVICE_STATE = 43,
	VU_GET_SHMEM_CONFIG = 44,
	VU_REQUEST_MAX
};

/* Back-end requests (on the back-end request channel) */
enum vu_backend_request {
	VU_BACKEND_IOTLB_MSG = 1,
	VU_BACKEND_CONFIG_CHANGE_MSG = 2,
	VU_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
	VU_BACKEND_VRING_CALL = 4,
	VU_BACKEND_VRING_ERR = 5,
	VU_BACKEND_SHARED_OBJECT_ADD = 6,
	VU_BACKEND_SHARED_OBJECT_REMOVE = 7,
	VU_BACKEND_SHARED_OBJECT_LOOKUP = 8,
};

/* Protocol feature bits */
enum vu_protocol_feature {
	VU_PF_MQ = 0,
	VU_PF_LOG_SHMFD = 1,
	VU_PF_RARP = 2,
	VU_PF_REPLY_ACK = 3,
	VU_PF_NET_MTU = 4,
	VU_PF_BACKEND_REQ = 5,
	VU_PF_CROSS_ENDIAN = 6,
	VU_PF_CRYPTO_SESSION = 7,
	VU_PF_PAGEFAULT = 8,
	VU_PF_CONFIG = 9,
	VU_PF_BACKEND_SEND_FD = 10,
	VU_PF_HOST_NOTIFIER = 11,
	VU_PF_INFLIGHT_SHMFD = 12,
	VU_PF_RESET_DEVICE = 13,
	VU_PF_INBAND_NOTIFICATIONS = 14,
	VU_PF_CONFIGURE_MEM_SLOTS = 15,
	VU_PF_STATUS = 16,
	VU_PF_XEN_MMAP = 17,
	VU_PF_SHARED_OBJECT = 18,
	VU_PF_DEVICE_STATE = 19,
	/* Numbered as in today's spec (QEMU 10.2, rust-vmm vhost 0.17 "shift
	 * feature bits"); SHMEM was bit 20 in drafts. None is offered. */
	VU_PF_GET_VRING_BASE_INFLIGHT = 20,
	VU_PF_GPA_ADDRESSES = 21,
	VU_PF_SHMEM = 22,
};

#define VU_PF(bit)		(1ull << (bit))

/* The protocol features the engine itself can implement. */
#define VU_PF_ENGINE_SUPPORTED	(VU_PF(VU_PF_MQ) | VU_PF(VU_PF_RARP) |	\
				 VU_PF(VU_PF_REPLY_ACK) |		\
				 VU_PF(VU_PF_NET_MTU) |			\
				 VU_PF(VU_PF_BACKEND_REQ) |		\
				 VU_PF(VU_PF_CONFIG) |			\
				 VU_PF(VU_PF_BACKEND_SEND_FD) |		\
				 VU_PF(VU_PF_HOST_NOTIFIER) |		\
				 VU_PF(VU_PF_RESET_DEVICE) |		\
				 VU_PF(VU_PF_CONFIGURE_MEM_SLOTS) |	\
				 VU_PF(VU_PF_STATUS) |			\
				 VU_PF(VU_PF_DEVICE_STATE))

/* Limits */
/* rust-vmm front-ends (cloud-hypervisor, crosvm's vmm_vhost) send up to
 * 32 regions in one SET_MEM_TABLE (MAX_ATTACHED_FD_ENTRIES); QEMU 8. */
#define VU_MAX_FDS		32u	/* fds one message may carry */
#define VU_MEM_TABLE_REGIONS	32	/* regions in one SET_MEM_TABLE */
#define VU_MAX_MEM_SLOTS	64	/* answer to GET_MAX_MEM_SLOTS */
#define VU_MAX_CONFIG_SIZE	256u	/* config bytes in GET/SET_CONFIG */
#define VU_PAYLOAD_MAX		4096u	/* larger payloads are never read */
#define VU_MAX_RING_SIZE	32768	/* virtio ring size limit */

/* SET_VRING_KICK/CALL/ERR payload */
#define VU_VRING_IDX_MASK	0xffull
#define VU_VRING_NOFD		(1ull << 8)

/* SET_VRING_ADDR flags */
#define VU_VRING_F_LOG		(1u << 0)

/* SET_CONFIG flags */
#define VU_CONFIG_F_WRITABLE	0
#define VU_CONFIG_F_MIGRATION	1

/* SET_DEVICE_STATE_FD */
#define VU_STATE_DIR_SAVE	0
#define VU_STATE_DIR_LOAD	1
#define VU_STATE_PHASE_STOPPED	0
#define VU_STATE_REPLY_NOFD	(1ull << 8)

/* VRING_HOST_NOTIFIER_MSG u64 field */
#define VU_AREA_NOFD		(1ull << 8)

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

#define VU_HDR_SIZE		((uint32_t)sizeof(struct vu_hdr))

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region regions[VU_MEM_TABLE_REGIONS];
};

#define VU_MEM_TABLE_HDR	8u

struct vu_single_region {
	uint64_t padding;
	struct vu_region region;
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VU_MAX_CONFIG_SIZE];
};

#define VU_CONFIG_HDR		12u

struct vu_vring_area {
	uint64_t u64;
	uint64_t size;
	uint64_t offset;
};

struct vu_state_xfer {
	uint32_t direction;
	uint32_t phase;
};

/* A received message: header, payload and the fds that came with it. */
struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table mem;
		struct vu_single_region reg;
		struct vu_config config;
		struct vu_state_xfer xfer;
		uint8_t bytes[VU_PAYLOAD_MAX];
	} p;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

#endif /* VUB_VHOST_USER_H */
