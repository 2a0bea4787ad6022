/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode.h - names for the numbers a vDPA device reports: virtio device
 * types, feature bits (transport, net, blk), the status byte, vubridge's
 * ability bits.
 */
#ifndef VUBCTL_DECODE_H
#define VUBCTL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_ID_NET_	1
#define VIRTIO_ID_BLK_	2

/* "net", "block", ... or NULL. */
const char *device_type_name(uint32_t device_id);
/* Feature @bit of a device of type @device_id ("MAC", "VERSION_1"), or
 * NULL when the bit has no name for that type. */
const char *feature_name(uint32_t device_id, unsigned int bit);
/* Status bit @bit ("DRIVER_OK") or NULL. */
const char *status_name(unsigned int bit);
/* VUB_ABILITY_* bit @bit ("SUSPEND") or NULL. */
const char *ability_name(unsigned int bit);

/*
 * Names of the set bits of @mask, separated by @sep, into @buf (unknown
 * bits as "bit_N"); @name(bit) gives names. Returns @buf ("" for none;
 * cut short, ending in "...", when @cap is too small).
 */
char *mask_names(char *buf, size_t cap, uint64_t mask, const char *sep,
		 const char *(*name)(void *ctx, unsigned int bit), void *ctx);

/* The same for features of @device_id, status bits and abilities. */
char *feature_names(char *buf, size_t cap, uint32_t device_id, uint64_t mask);
char *status_names(char *buf, size_t cap, uint8_t status);
char *ability_names(char *buf, size_t cap, uint64_t mask);

/* Text mode: "  LABEL  word word ..." wrapped at 80 columns ("-" if none). */
void out_wrapped(const char *label, const char *words);
/* JSON: "@key": [ each word of @words ]; text: printf(@fmt, @words). */
void out_names(const char *key, const char *fmt, const char *words);
/* Emit @mask as "@key": "0x..." and "@key_names" ... (text: names) */
void out_features(const char *key, const char *label, uint32_t device_id,
		  uint64_t mask);

#endif /* VUBCTL_DECODE_H */
