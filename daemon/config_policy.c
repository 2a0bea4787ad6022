// SPDX-License-Identifier: GPL-2.0
/*
 * config_policy.c - which bytes of a device's config space a front-end
 * may write (SET_CONFIG).
 *
 * A vDPA device's config space is what its operator provisioned (`vdpa
 * dev add ... mac ...`); one tenant must not rewrite it for the next. The
 * rule is the virtio 1.x one: a driver writes only the few fields the
 * specification makes driver-writable, under the feature that makes them
 * so. Everything else (a net device's MAC, MTU, status; a block device's
 * capacity) is read-only, as it is for a driver on a PCI transport. Only
 * virtio 1.x drivers exist here: the daemon never offers legacy devices
 * (no VIRTIO_F_VERSION_1-less MAC writes).
 */
#include <stddef.h>

#include <linux/virtio_balloon.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_console.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_input.h>
#include <linux/virtio_scsi.h>

#include "config_policy.h"

#define NO_FEATURE	(-1)

struct writable_field {
	uint32_t device_id;
	uint32_t offset;
	uint32_t size;
	int feature;		/* needed feature bit, or NO_FEATURE */
	const char *name;
};

#define FIELD(id, type, member, feat)					\
	{ id, offsetof(type, member), sizeof(((type *)0)->member), feat, \
	  #member }

/* Every driver-writable field of the virtio 1.x specification. */
static const struct writable_field fields[] = {
	FIELD(VIRTIO_ID_BLOCK, struct virtio_blk_config, wce,
	      VIRTIO_BLK_F_CONFIG_WCE),
	FIELD(VIRTIO_ID_CONSOLE, struct virtio_console_config, emerg_wr,
	      VIRTIO_CONSOLE_F_EMERG_WRITE),
	FIELD(VIRTIO_ID_BALLOON, struct virtio_balloon_config, actual,
	      NO_FEATURE),
	FIELD(VIRTIO_ID_BALLOON, struct virtio_balloon_config, poison_val,
	      VIRTIO_BALLOON_F_PAGE_POISON),
	FIELD(VIRTIO_ID_SCSI, struct virtio_scsi_config, sense_size,
	      NO_FEATURE),
	FIELD(VIRTIO_ID_SCSI, struct virtio_scsi_config, cdb_size,
	      NO_FEATURE),
	FIELD(VIRTIO_ID_GPU, struct virtio_gpu_config, events_clear,
	      NO_FEATURE),
	FIELD(VIRTIO_ID_INPUT, struct virtio_input_config, select,
	      NO_FEATURE),
	FIELD(VIRTIO_ID_INPUT, struct virtio_input_config, subsel,
	      NO_FEATURE),
};

const char *vu_config_write_refused(uint32_t device_id, uint64_t features,
				    uint32_t offset, uint32_t size)
{
	uint32_t end = offset + size, pos = offset;
	size_t i;

	if (!size || end < offset)
		return "an empty or wrapping range";
	/* Each byte inside one writable field whose feature was negotiated
	 * (adjacent fields may be written together). */
	while (pos < end) {
		const struct writable_field *f = NULL;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const struct writable_field *c = &fields[i];

			if (c->device_id == device_id && pos >= c->offset &&
			    pos < c->offset + c->size) {
				f = c;
				break;
			}
		}
		if (!f)
			return "read-only for a virtio 1.x driver";
		if (f->feature != NO_FEATURE &&
		    !(features & (1ull << f->feature)))
			return "writable only with a feature that was not negotiated";
		pos = f->offset + f->size;
	}
	return NULL;
}
