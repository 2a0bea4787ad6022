/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config_policy.h - the config-space bytes a front-end may write.
 */
#ifndef VUB_CONFIG_POLICY_H
#define VUB_CONFIG_POLICY_H

#include <stdint.h>

/*
 * NULL if a virtio 1.x driver of device @device_id with the negotiated
 * @features may write @size bytes at @offset of the config space, else
 * why not (for the log line).
 */
const char *vu_config_write_refused(uint32_t device_id, uint64_t features,
				    uint32_t offset, uint32_t size);

#endif /* VUB_CONFIG_POLICY_H */
