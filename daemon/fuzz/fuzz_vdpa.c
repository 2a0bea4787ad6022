// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_vdpa.c - libFuzzer target: the engine, the life cycle and the vDPA
 * device layer (vdpa_device.c, the code vubridged runs against the
 * module), over the simulated module (tests/fake_vub.c).
 *
 * Input: a 3-byte device header, then the chunks of fuzz_input.h.
 *   u8 device: bits 0-1 net with 1 or 2 queue pairs, blk with 1 or 2
 *      queues; bit 2 no ring state (like vp_vdpa); bit 3 queues may start
 *      after DRIVER_OK; bit 4 doorbells; bit 5 config writable; bit 6
 *      suspend/resume; bit 7 memory hooks on a worker thread (as for the
 *      real module)
 *   u8 an ioctl of the module that fails (index into fail_reqs, 0: none)
 *   u8 low nibble: which call of it fails (1..16), high nibble: the errno
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fake_vub.h"
#include "fuzz_session.h"
#include "log.h"
#include "vdpa_device.h"

static const unsigned long fail_reqs[] = {
	0, VUB_SET_STATUS, VUB_GET_STATUS, VUB_SET_FEATURES, VUB_SET_MEM_TABLE,
	VUB_ADD_MEM_REGION, VUB_DEL_MEM_REGION, VUB_START_QUEUE,
	VUB_STOP_QUEUE, VUB_READ_CONFIG, VUB_WRITE_CONFIG, VUB_SUSPEND,
	VUB_RESUME, VUB_RESET, VUB_SET_CONFIG_EVENTFD, VUB_GET_QUEUE_INFO,
};

static const int fail_errnos[] = {
	EINVAL, EBUSY, ENOMEM, EFAULT, EIO, ENODEV, EOPNOTSUPP, EPERM,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_vub fv;
	static bool once;
	struct fake_vub_cfg cfg;
	struct vu_device *dev;
	unsigned int d, r;

	if (!once) {
		vub_log_level = getenv("FUZZ_LOG") ? VUB_LOG_DEBUG : 0;
		signal(SIGPIPE, SIG_IGN);
		once = true;
	}
	if (size < 3)
		return 0;
	d = data[0];
	if (d & 2)
		fake_vub_cfg_blk(&cfg, 1 + (d & 1));
	else
		fake_vub_cfg_net(&cfg, 1 + (d & 1));
	cfg.no_state = d & 4;
	if (d & 8)
		cfg.abilities |= 1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK;
	else
		cfg.abilities &= ~(1ull << VUB_ABILITY_ENABLE_AFTER_DRIVER_OK);
	if (d & 16)
		cfg.abilities |= 1ull << VUB_ABILITY_DOORBELL;
	if (d & 32)
		cfg.abilities |= 1ull << VUB_ABILITY_CONFIG_WRITE;
	if (d & 64)
		cfg.abilities |= 1ull << VUB_ABILITY_SUSPEND |
				 1ull << VUB_ABILITY_RESUME;
	fake_vub_init(&fv, &cfg);
	dev = vdpa_device_open_sys("fuzz", "/dev/vubridge/fuzz", &fv.sys);
	if (!dev) {
		fake_vub_fini(&fv);
		return 0;
	}
	dev->pin_async = d & 128;
	r = data[1] % (sizeof(fail_reqs) / sizeof(fail_reqs[0]));
	if (r)
		fake_vub_fail(&fv, fail_reqs[r], 1 + (data[2] & 0xf),
			      fail_errnos[(data[2] >> 4) %
					  (sizeof(fail_errnos) /
					   sizeof(fail_errnos[0]))]);
	fz_drive(dev, data + 3, size - 3);
	dev->ops->destroy(dev);
	fake_vub_fini(&fv);
	return 0;
}
