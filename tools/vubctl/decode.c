// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - bit and number names, from the virtio 1.3 specification
 * (device types 5, "Reserved Feature Bits" 6, net 5.1.3, blk 5.2.3,
 * device status 2.1) and uapi/linux/vubridge.h for the abilities.
 * Legacy-only bits carry their legacy names.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "out.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const transport_bits[64] = {
	[24] = "NOTIFY_ON_EMPTY",
	[27] = "ANY_LAYOUT",
	[28] = "RING_INDIRECT_DESC",
	[29] = "RING_EVENT_IDX",
	[30] = "BAD_FEATURE",		/* legacy: never to be acked */
	[32] = "VERSION_1",
	[33] = "ACCESS_PLATFORM",
	[34] = "RING_PACKED",
	[35] = "IN_ORDER",
	[36] = "ORDER_PLATFORM",
	[37] = "SR_IOV",
	[38] = "NOTIFICATION_DATA",
	[39] = "NOTIF_CONFIG_DATA",
	[40] = "RING_RESET",
	[41] = "ADMIN_VQ",
};

static const char *const net_bits[64] = {
	[0] = "CSUM",
	[1] = "GUEST_CSUM",
	[2] = "CTRL_GUEST_OFFLOADS",
	[3] = "MTU",
	[5] = "MAC",
	[6] = "GSO",
	[7] = "GUEST_TSO4",
	[8] = "GUEST_TSO6",
	[9] = "GUEST_ECN",
	[10] = "GUEST_UFO",
	[11] = "HOST_TSO4",
	[12] = "HOST_TSO6",
	[13] = "HOST_ECN",
	[14] = "HOST_UFO",
	[15] = "MRG_RXBUF",
	[16] = "STATUS",
	[17] = "CTRL_VQ",
	[18] = "CTRL_RX",
	[19] = "CTRL_VLAN",
	[20] = "CTRL_RX_EXTRA",
	[21] = "GUEST_ANNOUNCE",
	[22] = "MQ",
	[23] = "CTRL_MAC_ADDR",
	[52] = "VQ_NOTF_COAL",
	[53] = "NOTF_COAL",
	[54] = "GUEST_USO4",
	[55] = "GUEST_USO6",
	[56] = "HOST_USO",
	[57] = "HASH_REPORT",
	[59] = "GUEST_HDRLEN",
	[60] = "RSS",
	[61] = "RSC_EXT",
	[62] = "STANDBY",
	[63] = "SPEED_DUPLEX",
};

static const char *const blk_bits[64] = {
	[0] = "BARRIER",
	[1] = "SIZE_MAX",
	[2] = "SEG_MAX",
	[4] = "GEOMETRY",
	[5] = "RO",
	[6] = "BLK_SIZE",
	[7] = "SCSI",
	[9] = "FLUSH",
	[10] = "TOPOLOGY",
	[11] = "CONFIG_WCE",
	[12] = "MQ",
	[13] = "DISCARD",
	[14] = "WRITE_ZEROES",
	[15] = "LIFETIME",
	[16] = "SECURE_ERASE",
	[17] = "ZONED",
};

static const char *const status_bits[8] = {
	[0] = "ACKNOWLEDGE",
	[1] = "DRIVER",
	[2] = "DRIVER_OK",
	[3] = "FEATURES_OK",
	[6] = "NEEDS_RESET",
	[7] = "FAILED",
};

/* Bit numbers of uapi/linux/vubridge.h's VUB_ABILITY_*. */
static const char *const ability_bits[] = {
	[0] = "SUSPEND",
	[1] = "RESUME",
	[2] = "DOORBELL",
	[3] = "VQ_IRQ",
	[4] = "SET_MAP",
	[5] = "DMA_MAP",
	[6] = "PLATFORM_IOMMU",
	[7] = "VENDOR_STATS",
	[8] = "ENABLE_AFTER_DRIVER_OK",
	[9] = "CONFIG_WRITE",
};

static const char *const device_types[] = {
	[1] = "net",
	[2] = "block",
	[3] = "console",
	[4] = "entropy",
	[5] = "balloon",
	[8] = "scsi",
	[9] = "9p",
	[16] = "gpu",
	[18] = "input",
	[19] = "vsock",
	[20] = "crypto",
	[26] = "fs",
};

const char *device_type_name(uint32_t device_id)
{
	return device_id < ARRAY_SIZE(device_types) ? device_types[device_id]
						    : NULL;
}

const char *feature_name(uint32_t device_id, unsigned int bit)
{
	const char *const *tab = NULL;

	if (bit >= 64)
		return NULL;
	/* Bits 24..41 belong to the transport for every device type. */
	if (bit >= 24 && bit <= 41)
		return transport_bits[bit];
	if (device_id == VIRTIO_ID_NET_)
		tab = net_bits;
	else if (device_id == VIRTIO_ID_BLK_)
		tab = blk_bits;
	return tab ? tab[bit] : NULL;
}

const char *status_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(status_bits) ? status_bits[bit] : NULL;
}

const char *ability_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(ability_bits) ? ability_bits[bit] : NULL;
}

char *mask_names(char *buf, size_t cap, uint64_t mask, const char *sep,
		 const char *(*name)(void *ctx, unsigned int bit), void *ctx)
{
	size_t len = 0;
	unsigned int bit;

	if (!cap)
		return buf;
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		char unknown[16];
		const char *n;
		int w;

		if (!(mask & (1ULL << bit)))
			continue;
		n = name(ctx, bit);
		if (!n) {
			snprintf(unknown, sizeof(unknown), "bit_%u", bit);
			n = unknown;
		}
		w = snprintf(buf + len, cap - len, "%s%s", len ? sep : "", n);
		if (w < 0 || (size_t)w >= cap - len) {
			/* Cut at the last whole name, and say so. */
			buf[len] = '\0';
			if (cap - len > 4)
				strcat(buf + len, "...");
			break;
		}
		len += (size_t)w;
	}
	return buf;
}

static const char *feature_cb(void *ctx, unsigned int bit)
{
	return feature_name(*(const uint32_t *)ctx, bit);
}

static const char *status_cb(void *ctx, unsigned int bit)
{
	(void)ctx;
	return status_name(bit);
}

static const char *ability_cb(void *ctx, unsigned int bit)
{
	(void)ctx;
	return ability_name(bit);
}

char *feature_names(char *buf, size_t cap, uint32_t device_id, uint64_t mask)
{
	return mask_names(buf, cap, mask, " ", feature_cb, &device_id);
}

char *status_names(char *buf, size_t cap, uint8_t status)
{
	return mask_names(buf, cap, status, " ", status_cb, NULL);
}

char *ability_names(char *buf, size_t cap, uint64_t mask)
{
	return mask_names(buf, cap, mask, " ", ability_cb, NULL);
}

void out_wrapped(const char *label, const char *words)
{
	const char *p = words;
	size_t col;

	out_text("  %-20s", label);
	col = 22;
	if (!*p)
		out_text(" -");
	while (*p) {
		size_t n = strcspn(p, " ");

		if (col + 1 + n > 79 && col > 23) {
			out_text("\n  %-20s", "");
			col = 22;
		}
		out_text(" %.*s", (int)n, p);
		col += 1 + n;
		p += n;
		while (*p == ' ')
			p++;
	}
	out_text("\n");
}

void out_names(const char *key, const char *fmt, const char *words)
{
	const char *p = words;

	if (!out_json()) {
		out_str(key, fmt, words);
		return;
	}
	out_open_array(key);
	while (*p) {
		size_t n = strcspn(p, " ");
		char w[64];

		snprintf(w, sizeof(w), "%.*s", (int)n, p);
		out_str(NULL, NULL, w);
		p += n;
		while (*p == ' ')
			p++;
	}
	out_close_array();
}

void out_features(const char *key, const char *label, uint32_t device_id,
		  uint64_t mask)
{
	char names[1024], jkey[64];

	if (!out_json()) {
		out_wrapped(label,
			    feature_names(names, sizeof(names), device_id, mask));
		return;
	}
	out_hex64(key, NULL, mask);
	snprintf(jkey, sizeof(jkey), "%s_names", key);
	out_names(jkey, NULL,
		  feature_names(names, sizeof(names), device_id, mask));
}
