// SPDX-License-Identifier: GPL-2.0
/* vDPA device and module set-up inside the test VM. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/vubridge.h>

#include "vdpa_env.h"
#include "virtio_pci_prime.h"

static char env_err[512];

const char *vub_env_err(void)
{
	return env_err;
}

void vub_env_set_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(env_err, sizeof(env_err), fmt, ap);
	va_end(ap);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

const char *vub_root_dir(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX];
	const char *e = getenv("VUB_ROOT");
	ssize_t n;

	if (e && *e)
		return e;
	if (root[0])
		return root;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ".";
	exe[n] = 0;
	/* <root>/build/<dir>/<exe> */
	snprintf(root, sizeof(root), "%s",
		 dirname(dirname(dirname(exe))));
	return root;
}

const char *vub_build_dir(void)
{
	static char build[PATH_MAX];
	const char *e = getenv("VUB_BUILD");

	if (e && *e)
		return e;
	if (!build[0])
		snprintf(build, sizeof(build), "%s/build", vub_root_dir());
	return build;
}

static int run_sh(const char *cmd, char *out, size_t cap)
{
	int pipefd[2], status;
	pid_t pid;
	size_t got = 0;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(out ? pipefd[1] : STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char tmp[512];
		ssize_t n = read(pipefd[0], tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && got + 1 < cap) {
			size_t take = (size_t)n < cap - 1 - got ?
				      (size_t)n : cap - 1 - got;

			memcpy(out + got, tmp, take);
			got += take;
		}
	}
	close(pipefd[0]);
	if (out) {
		out[got] = 0;
		while (got && (out[got - 1] == '\n' || out[got - 1] == '\r'))
			out[--got] = 0;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int vub_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = run_sh(cmd, NULL, 0);
	if (ret)
		vub_env_set_err("`%s` failed (%d)", cmd, ret);
	return ret;
}

int vub_sh_out(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = run_sh(cmd, out, cap);
	if (ret)
		vub_env_set_err("`%s` failed (%d)", cmd, ret);
	return ret;
}

int vub_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0) {
		ret = -errno;
		vub_env_set_err("open %s: %s", path, strerror(errno));
		return ret;
	}
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val)) {
		ret = n < 0 ? -errno : -EIO;
		vub_env_set_err("write '%s' to %s: %s", val, path,
				strerror(-ret));
	}
	close(fd);
	return ret;
}

int vub_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = 0;
	return 0;
}

int vub_read_long(const char *path, long *val)
{
	char buf[64], *end;
	int ret = vub_read_file(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

bool vub_module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

const char *vub_module_path(const char *name, char *buf, size_t cap)
{
	if (!strcmp(name, "vubridge"))
		snprintf(buf, cap, "%s/kmod/vubridge.ko", vub_root_dir());
	else if (!strcmp(name, "vringh") || !strncmp(name, "vdpa_sim", 8) ||
		 !strcmp(name, "vp_vdpa"))
		snprintf(buf, cap, "%s/sims/%s.ko", vub_build_dir(), name);
	else
		return NULL;
	return buf;
}

int vub_module_load(const char *name, const char *params)
{
	char path[PATH_MAX];
	int ret;

	if (vub_module_loaded(name))
		return 0;
	if (vub_module_path(name, path, sizeof(path))) {
		if (access(path, R_OK)) {
			vub_env_set_err("%s missing: build it (make; make -C selftests)",
					path);
			return -ENOENT;
		}
		ret = vub_sh("insmod %s %s", path, params ? params : "");
	} else {
		ret = vub_sh("modprobe %s %s", name, params ? params : "");
	}
	return ret ? -EIO : 0;
}

int vub_module_unload(const char *name)
{
	int i;

	for (i = 0; i < 50 && vub_module_loaded(name); i++) {
		if (!vub_sh("rmmod %s 2>/dev/null", name))
			break;
		sleep_ms(100);
	}
	if (vub_module_loaded(name)) {
		vub_env_set_err("rmmod %s: still loaded (in use?)", name);
		return -EBUSY;
	}
	return 0;
}

int vub_module_reload(const char *name, const char *params)
{
	int ret = vub_module_unload(name);

	return ret ? ret : vub_module_load(name, params);
}

long vub_module_param(const char *name, const char *param)
{
	char path[256], buf[32];
	int ret;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", name,
		 param);
	ret = vub_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 0);
}

static int del_devs_of(const char *mgmtdev)
{
	char names[2048], *save = NULL, *n;
	int ret;

	/* A simulator device's sysfs parent is not its management device:
	 * ask the vdpa tool which devices belong to @mgmtdev.
	 */
	ret = vub_sh_out(names, sizeof(names),
			 "vdpa -j dev show | jq -r '.dev // {} | to_entries[] | select(.value.mgmtdev == \"%s\") | .key'",
			 mgmtdev);
	if (ret)
		return -EIO;
	for (n = strtok_r(names, "\n", &save); n; n = strtok_r(NULL, "\n", &save)) {
		ret = vub_vdpa_dev_del(n);
		if (ret)
			return ret;
	}
	return 0;
}

int vub_sims_reload(const char *params)
{
	int ret;

	ret = del_devs_of("vdpasim_net");
	if (!ret)
		ret = del_devs_of("vdpasim_blk");
	if (!ret)
		ret = vub_module_unload("vdpa_sim_net");
	if (!ret)
		ret = vub_module_unload("vdpa_sim_blk");
	if (!ret)
		ret = vub_module_unload("vdpa_sim");
	if (!ret)
		ret = vub_module_load("vdpa_sim", params);
	if (!ret)
		ret = vub_module_load("vdpa_sim_net", NULL);
	if (!ret)
		ret = vub_module_load("vdpa_sim_blk", NULL);
	return ret;
}

int vub_modules_load_all(void)
{
	static const char *const mods[] = {
		"vhost_iotlb", "vdpa", "vringh", "vdpa_sim", "vdpa_sim_net",
		"vdpa_sim_blk", "vubridge",
	};
	size_t i;
	int ret;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		ret = vub_module_load(mods[i], NULL);
		if (ret)
			return ret;
	}
	return 0;
}

bool vub_vdpa_dev_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), VDPA_BUS_DIR "/devices/%s", name);
	return access(path, F_OK) == 0;
}

int vub_vdpa_dev_add(const char *name, const char *mgmtdev, const char *mac)
{
	int ret;

	if (mac)
		ret = vub_sh("vdpa dev add name %s mgmtdev %s mac %s", name,
			     mgmtdev, mac);
	else
		ret = vub_sh("vdpa dev add name %s mgmtdev %s", name, mgmtdev);
	return ret ? -EIO : 0;
}

int vub_vdpa_dev_del(const char *name)
{
	char path[256];

	if (!vub_vdpa_dev_exists(name))
		return 0;
	if (vub_sh("vdpa dev del %s", name))
		return -EIO;
	snprintf(path, sizeof(path), VDPA_BUS_DIR "/devices/%s", name);
	return vub_wait_path(path, false, 5000);
}

int vub_vdpa_dev_driver(const char *name, char *buf, size_t cap)
{
	char path[256], link[512];
	ssize_t n;

	snprintf(path, sizeof(path), VDPA_BUS_DIR "/devices/%s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return -errno;
		buf[0] = 0;
		return 0;
	}
	link[n] = 0;
	snprintf(buf, cap, "%s", basename(link));
	return 0;
}

int vub_vdpa_unbind(const char *name)
{
	char drv[64], path[256];
	int ret = vub_vdpa_dev_driver(name, drv, sizeof(drv));

	if (ret || !drv[0])
		return ret;
	snprintf(path, sizeof(path), VDPA_BUS_DIR "/drivers/%s/unbind", drv);
	return vub_write_file(path, name);
}

int vub_vdpa_bind(const char *name, const char *driver)
{
	char drv[64], path[256];
	int ret;

	snprintf(path, sizeof(path), VDPA_BUS_DIR "/devices/%s/driver_override",
		 name);
	ret = vub_write_file(path, driver);
	if (ret)
		return ret;
	ret = vub_vdpa_dev_driver(name, drv, sizeof(drv));
	if (ret)
		return ret;
	if (!strcmp(drv, driver))
		return 0;
	if (drv[0]) {
		ret = vub_vdpa_unbind(name);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), VDPA_BUS_DIR "/drivers/%s/bind", driver);
	ret = vub_write_file(path, name);
	if (ret)
		return ret;
	ret = vub_vdpa_dev_driver(name, drv, sizeof(drv));
	if (!ret && strcmp(drv, driver)) {
		vub_env_set_err("%s bound to '%s' after binding to %s", name,
				drv, driver);
		ret = -EIO;
	}
	return ret;
}

void vub_node_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, VUB_DEV_DIR "/%s", name);
}

int vub_wait_path(const char *path, bool present, int timeout_ms)
{
	int waited = 0;

	/* Nodes appear from devtmpfs asynchronously; check every 10 ms. */
	while ((access(path, F_OK) == 0) != present) {
		if (waited >= timeout_ms) {
			vub_env_set_err("%s still %s after %d ms", path,
					present ? "absent" : "present",
					timeout_ms);
			return -ETIMEDOUT;
		}
		sleep_ms(10);
		waited += 10;
	}
	return 0;
}

int vub_sim_dev_create(const char *name, const char *mgmtdev,
		       const char *mac)
{
	char node[256];
	int ret;

	ret = vub_vdpa_dev_del(name);
	if (ret)
		return ret;
	ret = vub_vdpa_dev_add(name, mgmtdev, mac);
	if (ret)
		return ret;
	ret = vub_vdpa_bind(name, VUB_DRIVER);
	if (ret)
		goto err_del;
	vub_node_path(name, node, sizeof(node));
	ret = vub_wait_path(node, true, 5000);
	if (ret)
		goto err_del;
	return 0;

err_del:
	{
		char why[sizeof(env_err)];

		memcpy(why, env_err, sizeof(why));
		vub_vdpa_dev_del(name);
		memcpy(env_err, why, sizeof(why));
	}
	return ret;
}

/* Queues of vDPA device @name through its vubridge node; the config
 * space's max_virtqueue_pairs into @pairs. */
static int mq_queues(const char *name, unsigned int *pairs)
{
	struct vub_device_info info;
	struct vub_config_access ca;
	uint8_t cfg[10] = { 0 };
	char node[256];
	int fd, ret = 0;

	vub_node_path(name, node, sizeof(node));
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vub_env_set_err("open %s: %s", node, strerror(errno));
		return -errno;
	}
	memset(&ca, 0, sizeof(ca));
	ca.length = sizeof(cfg);
	ca.data = (uint64_t)(uintptr_t)cfg;
	if (ioctl(fd, VUB_GET_DEVICE_INFO, &info) ||
	    ioctl(fd, VUB_READ_CONFIG, &ca)) {
		ret = -errno;
		vub_env_set_err("%s: device info: %s", name, strerror(errno));
		goto out;
	}
	*pairs = (unsigned int)(cfg[8] | cfg[9] << 8);
	ret = (int)info.num_queues;
out:
	close(fd);
	return ret;
}

/*
 * Take @bdf off vp-vdpa, negotiate MQ on it with no driver bound and bind
 * vp-vdpa again: the vDPA device added next counts every queue pair's
 * queues (virtio_pci_prime.c says why).
 */
static int mq_nic_prime(const char *bdf)
{
	const uint64_t want = 1ULL << VIRTIO_F_VERSION_1 |
			      1ULL << VIRTIO_F_ACCESS_PLATFORM |
			      1ULL << VIRTIO_NET_F_CTRL_VQ |
			      1ULL << VIRTIO_NET_F_MQ;
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (!access(path, F_OK)) {
		ret = vub_write_file("/sys/bus/pci/drivers/vp-vdpa/unbind", bdf);
		if (ret)
			return ret;
	}
	ret = vub_virtio_pci_prime(bdf, want);
	if (ret)
		return ret;
	return vub_write_file("/sys/bus/pci/drivers/vp-vdpa/bind", bdf);
}

int vub_mq_nic_create(const char *name, const char *mgmtdev)
{
	unsigned int pairs = 0;
	int ret;

	if (strncmp(mgmtdev, "pci/", 4)) {
		vub_env_set_err("%s: not a PCI management device", mgmtdev);
		return -EINVAL;
	}
	ret = mq_nic_prime(mgmtdev + 4);
	if (ret)
		return ret;
	ret = vub_sim_dev_create(name, mgmtdev, NULL);
	if (ret)
		return ret;
	ret = mq_queues(name, &pairs);
	if (ret < 0)
		return ret;
	if (ret < (int)(2 * pairs + 1)) {
		vub_env_set_err("%s: %d queues for %u pairs (QEMU's virtio-net under vp_vdpa)",
				name, ret, pairs);
		return -ENODEV;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The multi-queue NICs of run.sh --mq-nics sit at these slots. */
static bool mq_slot(const char *bdf)
{
	return !strcmp(bdf, VUB_MQ_NIC_A) || !strcmp(bdf, VUB_MQ_NIC_B);
}

static int vp_vdpa_bind(char mgmt[][VUB_MGMT_LEN], int max, bool mq,
			const char *device);

int vub_vp_vdpa_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max)
{
	return vp_vdpa_bind(mgmt, max, false, VUB_PCI_VIRTIO_NET);
}

int vub_vp_vdpa_mq_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max)
{
	return vp_vdpa_bind(mgmt, max, true, VUB_PCI_VIRTIO_NET);
}

int vub_vp_vdpa_blk_mgmtdevs(char mgmt[][VUB_MGMT_LEN], int max)
{
	return vp_vdpa_bind(mgmt, max, false, VUB_PCI_VIRTIO_BLK);
}

/* Bind the virtio PCI devices of PCI device id @device ("0x1041") to
 * vp-vdpa: the NICs of the run.sh --mq-nics slots when @mq, else the
 * others. */
static int vp_vdpa_bind(char mgmt[][VUB_MGMT_LEN], int max, bool mq,
			const char *device)
{
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");
	int n = 0, ret;

	if (!d)
		return -errno;
	if (!vub_module_loaded("vp_vdpa")) {
		ret = vub_module_load("virtio_pci_modern_dev", NULL);
		if (!ret)
			ret = vub_module_load("vp_vdpa", NULL);
		if (ret) {
			closedir(d);
			return ret;
		}
	}
	while ((de = readdir(d)) && n < max) {
		char path[512], val[64], drv[512];
		ssize_t len;

		if (de->d_name[0] == '.' || mq_slot(de->d_name) != mq)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (vub_read_file(path, val, sizeof(val)) || strcmp(val, "0x1af4"))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (vub_read_file(path, val, sizeof(val)) || strcmp(val, device))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
			 de->d_name);
		len = readlink(path, drv, sizeof(drv) - 1);
		drv[len > 0 ? len : 0] = 0;
		if (!strstr(drv, "vp-vdpa")) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver_override",
				 de->d_name);
			ret = vub_write_file(path, "vp-vdpa");
			if (!ret && len > 0) {
				snprintf(path, sizeof(path),
					 "/sys/bus/pci/devices/%s/driver/unbind",
					 de->d_name);
				ret = vub_write_file(path, de->d_name);
			}
			if (!ret)
				ret = vub_write_file("/sys/bus/pci/drivers/vp-vdpa/bind",
						     de->d_name);
			if (ret) {
				closedir(d);
				return ret;
			}
		}
		snprintf(mgmt[n++], VUB_MGMT_LEN, "pci/%.*s",
			 (int)(VUB_MGMT_LEN - 5), de->d_name);
	}
	closedir(d);
	qsort(mgmt, (size_t)n, VUB_MGMT_LEN, cmp_str);
	return n;
}
