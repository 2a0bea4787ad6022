// SPDX-License-Identifier: GPL-2.0
/* virtio-pci modern driver over qtest (see qemu_vpci.h). */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "qemu_vpci.h"

#define PCI_CFG_ADDR	0xcf8
#define PCI_CFG_DATA	0xcfc
#define PCI_ID		0x00
#define PCI_CMD		0x04
#define PCI_STATUS	0x06
#define PCI_BAR0	0x10
#define PCI_CAP_PTR	0x34
#define PCI_CMD_MEM	0x2
#define PCI_CMD_MASTER	0x4
#define PCI_STATUS_CAPS	0x10
#define PCI_CAP_VENDOR	0x09

static int vpci_fail(struct vpci *v, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int vpci_fail(struct vpci *v, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* A qtest failure: keep the channel's reason. */
static int qt_fail(struct vpci *v, int ret)
{
	return vpci_fail(v, ret, "%s", v->qt->err);
}

/* ---- PCI configuration mechanism #1 ---- */

static int cfg_select(struct vpci *v, unsigned int reg)
{
	return qt_outl(v->qt, PCI_CFG_ADDR,
		       0x80000000u | v->devfn << 8 | (reg & 0xfc));
}

static int cfg_read32(struct vpci *v, unsigned int reg, uint32_t *val)
{
	int ret = cfg_select(v, reg);

	if (!ret)
		ret = qt_inl(v->qt, PCI_CFG_DATA, val);
	return ret ? qt_fail(v, ret) : 0;
}

static int cfg_read8(struct vpci *v, unsigned int reg, uint8_t *val)
{
	int ret = cfg_select(v, reg);

	if (!ret)
		ret = qt_inb(v->qt, PCI_CFG_DATA + (reg & 3), val);
	return ret ? qt_fail(v, ret) : 0;
}

static int cfg_read16(struct vpci *v, unsigned int reg, uint16_t *val)
{
	int ret = cfg_select(v, reg);

	if (!ret)
		ret = qt_inw(v->qt, PCI_CFG_DATA + (reg & 2), val);
	return ret ? qt_fail(v, ret) : 0;
}

static int cfg_write32(struct vpci *v, unsigned int reg, uint32_t val)
{
	int ret = cfg_select(v, reg);

	if (!ret)
		ret = qt_outl(v->qt, PCI_CFG_DATA, val);
	return ret ? qt_fail(v, ret) : 0;
}

static int cfg_write16(struct vpci *v, unsigned int reg, uint16_t val)
{
	int ret = cfg_select(v, reg);

	if (!ret)
		ret = qt_outw(v->qt, PCI_CFG_DATA + (reg & 2), val);
	return ret ? qt_fail(v, ret) : 0;
}

/*
 * Size and place the memory BARs the way firmware would: all ones, read
 * the mask back, naturally aligned addresses from @base upwards.
 */
static int assign_bars(struct vpci *v, uint64_t base, uint64_t bar_addr[6])
{
	uint64_t next = base;
	unsigned int i;
	int ret;

	memset(bar_addr, 0, 6 * sizeof(bar_addr[0]));
	for (i = 0; i < 6; i++) {
		unsigned int reg = PCI_BAR0 + 4 * i;
		uint32_t lo, hi = 0xffffffff;
		uint64_t mask, size;
		int is64;

		ret = cfg_write32(v, reg, 0xffffffff);
		if (!ret)
			ret = cfg_read32(v, reg, &lo);
		if (ret)
			return ret;
		if (lo == 0 || (lo & 1))	/* absent, or an I/O BAR */
			continue;
		is64 = ((lo >> 1) & 3) == 2;
		if (is64) {
			if (i == 5)
				return vpci_fail(v, -EPROTO, "64-bit BAR5");
			ret = cfg_write32(v, reg + 4, 0xffffffff);
			if (!ret)
				ret = cfg_read32(v, reg + 4, &hi);
			if (ret)
				return ret;
		}
		mask = (uint64_t)(is64 ? hi : 0xffffffff) << 32 | (lo & ~0xfu);
		size = ~mask + 1;
		next = (next + size - 1) & ~(size - 1);
		bar_addr[i] = next;
		ret = cfg_write32(v, reg, (uint32_t)next);
		if (!ret && is64)
			ret = cfg_write32(v, reg + 4, (uint32_t)(next >> 32));
		if (ret)
			return ret;
		next += size;
		if (is64)
			i++;
	}
	return 0;
}

int vpci_probe(struct vpci *v, struct qchan *qt, uint16_t vendor,
	       uint16_t device, uint64_t mmio_base)
{
	uint64_t bar_addr[6];
	uint32_t id, want = (uint32_t)device << 16 | vendor;
	uint16_t status;
	uint8_t ptr;
	unsigned int slot, guard;
	int ret;

	memset(v, 0, sizeof(*v));
	v->qt = qt;
	for (slot = 0; slot < 32; slot++) {
		v->devfn = slot << 3;
		ret = cfg_read32(v, PCI_ID, &id);
		if (ret)
			return ret;
		if (id == want)
			break;
	}
	if (slot == 32)
		return vpci_fail(v, -ENODEV, "no PCI device %04x:%04x on bus 0",
				 vendor, device);
	ret = assign_bars(v, mmio_base, bar_addr);
	if (!ret)
		ret = cfg_write16(v, PCI_CMD, PCI_CMD_MEM | PCI_CMD_MASTER);
	if (!ret)
		ret = cfg_read16(v, PCI_STATUS, &status);
	if (ret)
		return ret;
	if (!(status & PCI_STATUS_CAPS))
		return vpci_fail(v, -EPROTO, "00:%02x.0 has no capability list",
				 slot);
	ret = cfg_read8(v, PCI_CAP_PTR, &ptr);
	for (guard = 0; !ret && ptr && guard < 48; guard++) {
		uint8_t cap_id, next, type, bar;
		uint32_t off;
		uint64_t addr;

		ptr &= 0xfc;
		ret = cfg_read8(v, ptr, &cap_id);
		if (!ret)
			ret = cfg_read8(v, ptr + 1, &next);
		if (ret || cap_id != PCI_CAP_VENDOR)
			goto next;
		ret = cfg_read8(v, ptr + 3, &type);
		if (!ret)
			ret = cfg_read8(v, ptr + 4, &bar);
		if (!ret)
			ret = cfg_read32(v, ptr + 8, &off);
		if (ret)
			break;
		if (bar > 5 || !bar_addr[bar])
			goto next;
		addr = bar_addr[bar] + off;
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			if (!v->common)
				v->common = addr;
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			if (!v->notify) {
				v->notify = addr;
				ret = cfg_read32(v, ptr + 16, &v->notify_mult);
			}
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			if (!v->isr)
				v->isr = addr;
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			if (!v->devcfg)
				v->devcfg = addr;
			break;
		}
next:
		ptr = next;
	}
	if (ret)
		return ret;
	if (!v->common || !v->notify || !v->isr)
		return vpci_fail(v, -EPROTO, "00:%02x.0: virtio-pci capabilities missing (common %llx notify %llx isr %llx)",
				 slot, (unsigned long long)v->common,
				 (unsigned long long)v->notify,
				 (unsigned long long)v->isr);
	return 0;
}

/* ---- common configuration ---- */

static int cc_w8(struct vpci *v, unsigned int off, uint8_t val)
{
	int ret = qt_writeb(v->qt, v->common + off, val);

	return ret ? qt_fail(v, ret) : 0;
}

static int cc_w16(struct vpci *v, unsigned int off, uint16_t val)
{
	int ret = qt_writew(v->qt, v->common + off, val);

	return ret ? qt_fail(v, ret) : 0;
}

static int cc_w32(struct vpci *v, unsigned int off, uint32_t val)
{
	int ret = qt_writel(v->qt, v->common + off, val);

	return ret ? qt_fail(v, ret) : 0;
}

static int cc_w64(struct vpci *v, unsigned int off, uint64_t val)
{
	int ret = cc_w32(v, off, (uint32_t)val);

	return ret ? ret : cc_w32(v, off + 4, (uint32_t)(val >> 32));
}

static int cc_r16(struct vpci *v, unsigned int off, uint16_t *val)
{
	int ret = qt_readw(v->qt, v->common + off, val);

	return ret ? qt_fail(v, ret) : 0;
}

static int cc_r32(struct vpci *v, unsigned int off, uint32_t *val)
{
	int ret = qt_readl(v->qt, v->common + off, val);

	return ret ? qt_fail(v, ret) : 0;
}

int vpci_status(struct vpci *v, uint8_t *status)
{
	int ret = qt_readb(v->qt, v->common + VIRTIO_PCI_COMMON_STATUS, status);

	return ret ? qt_fail(v, ret) : 0;
}

int vpci_reset(struct vpci *v)
{
	uint8_t st = 0xff;
	int i, ret = cc_w8(v, VIRTIO_PCI_COMMON_STATUS, 0);

	/* The spec lets the device take its time: wait for 0 to read back. */
	for (i = 0; !ret && i < 500; i++) {
		ret = vpci_status(v, &st);
		if (ret || st == 0)
			break;
		usleep(10000);
	}
	if (!ret && st)
		return vpci_fail(v, -ETIMEDOUT, "device status %#x after reset",
				 st);
	return ret;
}

static int add_status(struct vpci *v, uint8_t bits)
{
	uint8_t st;
	int ret = vpci_status(v, &st);

	return ret ? ret : cc_w8(v, VIRTIO_PCI_COMMON_STATUS, st | bits);
}

int vpci_negotiate(struct vpci *v, uint64_t want)
{
	uint32_t lo, hi;
	uint64_t dev;
	uint8_t st;
	int ret;

	ret = add_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (!ret)
		ret = add_status(v, VIRTIO_CONFIG_S_DRIVER);
	if (!ret)
		ret = cc_w32(v, VIRTIO_PCI_COMMON_DFSELECT, 0);
	if (!ret)
		ret = cc_r32(v, VIRTIO_PCI_COMMON_DF, &lo);
	if (!ret)
		ret = cc_w32(v, VIRTIO_PCI_COMMON_DFSELECT, 1);
	if (!ret)
		ret = cc_r32(v, VIRTIO_PCI_COMMON_DF, &hi);
	if (ret)
		return ret;
	dev = (uint64_t)hi << 32 | lo;
	if (!(dev & (1ull << VIRTIO_F_VERSION_1)))
		return vpci_fail(v, -EPROTO, "device features %#llx lack VERSION_1",
				 (unsigned long long)dev);
	v->features = dev & want;
	ret = cc_w32(v, VIRTIO_PCI_COMMON_GFSELECT, 0);
	if (!ret)
		ret = cc_w32(v, VIRTIO_PCI_COMMON_GF, (uint32_t)v->features);
	if (!ret)
		ret = cc_w32(v, VIRTIO_PCI_COMMON_GFSELECT, 1);
	if (!ret)
		ret = cc_w32(v, VIRTIO_PCI_COMMON_GF,
			     (uint32_t)(v->features >> 32));
	if (!ret)
		ret = add_status(v, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!ret)
		ret = vpci_status(v, &st);
	if (ret)
		return ret;
	if (!(st & VIRTIO_CONFIG_S_FEATURES_OK))
		return vpci_fail(v, -EPROTO, "FEATURES_OK not accepted (features %#llx, status %#x)",
				 (unsigned long long)v->features, st);
	return 0;
}

int vpci_queue(struct vpci *v, struct gvq *q, uint16_t idx, uint16_t size,
	       uint64_t base)
{
	uint16_t max, noff;
	int ret;

	memset(q, 0, sizeof(*q));
	ret = cc_w16(v, VIRTIO_PCI_COMMON_Q_SELECT, idx);
	if (!ret)
		ret = cc_r16(v, VIRTIO_PCI_COMMON_Q_SIZE, &max);
	if (ret)
		return ret;
	if (max < size)
		return vpci_fail(v, -EINVAL, "queue %u: size %u > device's %u",
				 idx, size, max);
	q->idx = idx;
	q->size = size;
	q->desc = base;
	q->avail = base + 16u * size;
	q->used = (q->avail + 6 + 2u * size + 4095) & ~4095ull;
	ret = cc_w16(v, VIRTIO_PCI_COMMON_Q_SIZE, size);
	if (!ret)
		ret = cc_w64(v, VIRTIO_PCI_COMMON_Q_DESCLO, q->desc);
	if (!ret)
		ret = cc_w64(v, VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail);
	if (!ret)
		ret = cc_w64(v, VIRTIO_PCI_COMMON_Q_USEDLO, q->used);
	if (!ret)
		ret = cc_r16(v, VIRTIO_PCI_COMMON_Q_NOFF, &noff);
	if (ret)
		return ret;
	q->notify = v->notify + (uint64_t)noff * v->notify_mult;
	/* Fresh rings: zero avail and used headers before enabling. */
	ret = qt_writel(v->qt, q->avail, 0);
	if (!ret)
		ret = qt_writel(v->qt, q->used, 0);
	if (ret)
		return qt_fail(v, ret);
	return cc_w16(v, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
}

int vpci_driver_ok(struct vpci *v)
{
	return add_status(v, VIRTIO_CONFIG_S_DRIVER_OK);
}

int vpci_devcfg(struct vpci *v, unsigned int off, void *buf, unsigned int len)
{
	uint8_t *b = buf;
	unsigned int i;
	int ret;

	if (!v->devcfg)
		return vpci_fail(v, -ENODEV, "no device configuration capability");
	/* Byte by byte: the device config is MMIO, not RAM. */
	for (i = 0; i < len; i++) {
		ret = qt_readb(v->qt, v->devcfg + off + i, &b[i]);
		if (ret)
			return qt_fail(v, ret);
	}
	return 0;
}

/* ---- split virtqueues ---- */

int gvq_add(struct vpci *v, struct gvq *q, uint16_t head,
	    const struct gbuf *bufs, unsigned int n)
{
	struct vring_desc d[8];
	unsigned int i;
	int ret;

	if (n == 0 || n > 8 || head + n > q->size)
		return vpci_fail(v, -EINVAL, "chain of %u at %u", n, head);
	for (i = 0; i < n; i++) {
		uint16_t flags = bufs[i].device_writes ? VRING_DESC_F_WRITE : 0;

		if (i + 1 < n)
			flags |= VRING_DESC_F_NEXT;
		d[i].addr = htole64(bufs[i].addr);
		d[i].len = htole32(bufs[i].len);
		d[i].flags = htole16(flags);
		d[i].next = htole16((uint16_t)(head + i + 1));
	}
	ret = qt_memwrite(v->qt, q->desc + 16u * head, d, 16u * n);
	if (!ret)
		ret = qt_writew(v->qt, q->avail + 4 + 2u * (q->avail_idx % q->size),
				head);
	/* qtest commands complete in order: the entry is visible first. */
	if (!ret)
		ret = qt_writew(v->qt, q->avail + 2, ++q->avail_idx);
	return ret ? qt_fail(v, ret) : 0;
}

int gvq_notify(struct vpci *v, struct gvq *q)
{
	int ret = qt_writew(v->qt, q->notify, q->idx);

	return ret ? qt_fail(v, ret) : 0;
}

int gvq_used_idx(struct vpci *v, struct gvq *q, uint16_t *idx)
{
	int ret = qt_readw(v->qt, q->used + 2, idx);

	return ret ? qt_fail(v, ret) : 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gvq_next_used(struct vpci *v, struct gvq *q, uint32_t *id, uint32_t *len,
		  int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	uint32_t elem[2];
	uint16_t used;
	int ret;

	for (;;) {
		ret = gvq_used_idx(v, q, &used);
		if (ret)
			return ret;
		if (used != q->used_idx)
			break;
		if (mono_ms() >= end)
			return vpci_fail(v, -ETIMEDOUT,
					 "queue %u: no used entry in %d ms (used idx %u, avail idx %u)",
					 q->idx, timeout_ms, used, q->avail_idx);
		usleep(1000);
	}
	if ((uint16_t)(used - q->used_idx) > q->size)
		return vpci_fail(v, -EPROTO, "queue %u: used idx %u jumped from %u",
				 q->idx, used, q->used_idx);
	ret = qt_memread(v->qt, q->used + 4 + 8u * (q->used_idx % q->size),
			 elem, sizeof(elem));
	if (ret)
		return qt_fail(v, ret);
	q->used_idx++;
	*id = le32toh(elem[0]);
	*len = le32toh(elem[1]);
	return 0;
}
