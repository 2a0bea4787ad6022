// SPDX-License-Identifier: GPL-2.0
/*
 * Negotiate features on a driverless virtio PCI device through its common
 * configuration structure, from user space (sysfs "resourceN").
 *
 * Why: QEMU's virtio-net creates the queues of pairs 1..N-1 only when a
 * driver writes MQ, and drops them at every reset, while vp_vdpa counts
 * the device's queues once, when "vdpa dev add" runs, without a reset of
 * its own. Writing the features here, with no driver bound, and then
 * binding vp_vdpa makes it see every queue (Documentation/test-bed.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vdpa_env.h"
#include "virtio_pci_prime.h"

/* virtio 1.x PCI capability and common configuration layout */
#define CAP_VNDR		0x09
#define CAP_CFG_TYPE		3
#define CAP_BAR			4
#define CAP_OFFSET		8
#define CAP_LENGTH		12
#define CFG_TYPE_COMMON		1

#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_STATUS		0x14
#define COMMON_MIN_LEN		0x38

#define ST_ACKNOWLEDGE		1
#define ST_DRIVER		2
#define ST_FEATURES_OK		8

static uint32_t le32_at(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* BAR and offset of the common configuration structure of @bdf. */
static int find_common_cfg(const char *bdf, int *bar, uint32_t *off)
{
	uint8_t cfg[256];
	char path[256];
	int fd, guard = 0;
	ssize_t len;
	uint8_t pos;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (len != (ssize_t)sizeof(cfg) || !(cfg[0x06] & 0x10))
		return -ENODEV;
	/* A capability list that loops or leaves the header is not one. */
	for (pos = cfg[0x34] & ~3; pos >= 0x40 && guard++ < 48;
	     pos = cfg[pos + 1] & ~3) {
		if (pos > sizeof(cfg) - 16)
			break;
		if (cfg[pos] != CAP_VNDR ||
		    cfg[pos + CAP_CFG_TYPE] != CFG_TYPE_COMMON)
			continue;
		if (le32_at(cfg + pos + CAP_LENGTH) < COMMON_MIN_LEN)
			return -ENODEV;
		*bar = cfg[pos + CAP_BAR];
		*off = le32_at(cfg + pos + CAP_OFFSET);
		return *bar < 6 ? 0 : -ENODEV;
	}
	return -ENODEV;
}

static void wr32(volatile uint8_t *c, unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(c + reg) = v;
}

static uint32_t rd32(volatile uint8_t *c, unsigned int reg)
{
	return *(volatile uint32_t *)(c + reg);
}

/* Reset, then ACKNOWLEDGE | DRIVER, the features, FEATURES_OK. */
static int negotiate(volatile uint8_t *c, uint64_t want, uint64_t *acked)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t dev;
	int i;

	c[COMMON_STATUS] = 0;
	for (i = 0; c[COMMON_STATUS] && i < 1000; i++)
		nanosleep(&ms, NULL);
	if (c[COMMON_STATUS])
		return -ETIMEDOUT;
	c[COMMON_STATUS] = ST_ACKNOWLEDGE;
	c[COMMON_STATUS] = ST_ACKNOWLEDGE | ST_DRIVER;
	wr32(c, COMMON_DFSELECT, 0);
	dev = rd32(c, COMMON_DF);
	wr32(c, COMMON_DFSELECT, 1);
	dev |= (uint64_t)rd32(c, COMMON_DF) << 32;
	if ((dev & want) != want) {
		vub_env_set_err("device features 0x%llx lack 0x%llx",
				(unsigned long long)dev,
				(unsigned long long)(want & ~dev));
		return -EOPNOTSUPP;
	}
	wr32(c, COMMON_GFSELECT, 0);
	wr32(c, COMMON_GF, (uint32_t)want);
	wr32(c, COMMON_GFSELECT, 1);
	wr32(c, COMMON_GF, (uint32_t)(want >> 32));
	c[COMMON_STATUS] = ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK;
	if (!(c[COMMON_STATUS] & ST_FEATURES_OK)) {
		vub_env_set_err("device refused features 0x%llx",
				(unsigned long long)want);
		return -EINVAL;
	}
	*acked = want;
	return 0;
}

int vub_virtio_pci_prime(const char *bdf, uint64_t features)
{
	char path[256], enable[256];
	long page = sysconf(_SC_PAGESIZE);
	uint64_t acked = 0;
	uint32_t off = 0;
	size_t maplen;
	int bar = -1, fd, ret;
	void *map;

	ret = find_common_cfg(bdf, &bar, &off);
	if (ret) {
		vub_env_set_err("%s: no virtio common config capability", bdf);
		return ret;
	}
	/* Memory decoding is off while no driver holds the device. */
	snprintf(enable, sizeof(enable), "/sys/bus/pci/devices/%s/enable", bdf);
	ret = vub_write_file(enable, "1");
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d",
		 bdf, bar);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vub_env_set_err("open %s: %s", path, strerror(errno));
		goto out_disable;
	}
	maplen = ((off % page) + COMMON_MIN_LEN + page - 1) / page * page;
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   off / page * page);
	close(fd);
	if (map == MAP_FAILED) {
		ret = -errno;
		vub_env_set_err("mmap %s: %s", path, strerror(errno));
		goto out_disable;
	}
	ret = negotiate((volatile uint8_t *)map + off % page, features, &acked);
	munmap(map, maplen);
out_disable:
	vub_write_file(enable, "0");
	return ret;
}
