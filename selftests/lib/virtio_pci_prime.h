/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VIRTIO_PCI_PRIME_H
#define VIRTIO_PCI_PRIME_H

#include <stdint.h>

/*
 * Reset the virtio PCI device @bdf ("0000:00:18.0"), which no driver may
 * hold, and negotiate exactly @features with it up to FEATURES_OK, leaving
 * it there. 0 or -errno (the reason in vub_env_err()).
 */
int vub_virtio_pci_prime(const char *bdf, uint64_t features);

#endif
