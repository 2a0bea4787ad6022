/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's "vdpa" generic-netlink family, for what the vdpa tool of
 * bookworm's iproute2 (6.1) cannot do: change a device's attributes
 * (VDPA_CMD_DEV_ATTR_SET, `vdpa dev set` in newer iproute2).
 */
#ifndef VUBT_VDPA_NL_H
#define VUBT_VDPA_NL_H

#include <stdint.h>

/* Set the MAC of vDPA net device @name. Returns 0 or -errno. */
int vdpa_nl_dev_set_mac(const char *name, const uint8_t mac[6]);

#endif
