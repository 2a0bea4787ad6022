# SPDX-License-Identifier: GPL-2.0
#
# vubridge: top-level build. "make help" lists the targets.
#
# Two builds:
# - the product ("make", "make modules", "make install"): vubridge.ko against
#   the running kernel's headers (/lib/modules/$(uname -r)/build, or KDIR=),
#   vubridged, vubctl, the man pages. It needs a compiler, the headers and
#   the libraries ("scripts/deps.sh --product" installs them) and never runs
#   the test bed's installer.
# - the test bed ("make all", check, demo, bench, vm-shell): the simulators,
#   the selftests and the module against the VM's bookworm-backports 6.12
#   headers (scripts/kdir.sh); these run scripts/deps.sh first (well under a
#   second when everything is installed).

VERSION := $(shell cat VERSION)
KDIR ?= $(shell scripts/kdir.sh --product 2>/dev/null)
ifeq ($(strip $(KDIR)),)
override KDIR = $(shell scripts/kdir.sh --product 2>/dev/null)
endif
# The test bed's kernel; a KDIR given on the command line wins.
ifeq ($(origin KDIR),command line)
TESTBED_KDIR := $(KDIR)
else
TESTBED_KDIR = $(shell scripts/kdir.sh 2>/dev/null)
endif
PREFIX ?= /usr/local
DESTDIR ?=
export KDIR

HAVE_KMOD := $(wildcard kmod/Kbuild)
HAVE_DAEMON := $(wildcard daemon/Makefile)
HAVE_SELFTESTS := $(wildcard selftests/Makefile)
HAVE_VUBCTL := $(wildcard tools/vubctl/Makefile)

.PHONY: product all deps sims modules testbed-modules daemon vubctl man \
	selftests build-hosttests hosttests vmtests check demo bench vm-shell \
	modules_install install uninstall lint docs clean help

# The default goal: the product only.
product: $(if $(HAVE_KMOD),modules) $(if $(HAVE_DAEMON),daemon) \
	 $(if $(HAVE_VUBCTL),vubctl) man

all: deps sims $(if $(HAVE_KMOD),testbed-modules) $(if $(HAVE_DAEMON),daemon) \
     $(if $(HAVE_VUBCTL),vubctl) $(if $(HAVE_SELFTESTS),selftests)
ifeq ($(HAVE_KMOD),)
	@echo "  SKIP    kmod/ does not exist yet: no vubridge.ko"
endif

help:
	@echo "make              the product: vubridge.ko (KDIR=$(KDIR)), vubridged, vubctl, man pages"
	@echo "make all          the test bed too: simulators, module for the VM's 6.12, selftests"
	@echo "make modules      kmod/vubridge.ko against KDIR"
	@echo "make sims         build/sims/*.ko and build/include/ from the kernel source tarball"
	@echo "make check        everything: build, host tests, VM tests (TAP + summary)"
	@echo "make hosttests    build and run only the host tests"
	@echo "make vmtests      build and run only the VM tests"
	@echo "make demo         boot the VM, serve a simulator with vubridged, run traffic"
	@echo "make bench        A/B benchmarks in the VM: vubridge vs vhost-vdpa and DPDK"
	@echo "make vm-shell     interactive shell in the test VM"
	@echo "make lint         checkpatch, sparse, cppcheck, shellcheck"
	@echo "make docs         validate Documentation/*.rst, HTML in build/docs/"
	@echo "make install      DKMS sources, programs, header, man pages, systemd/udev/sysusers files"
	@echo "make uninstall    remove what make install installed (same DESTDIR/PREFIX)"
	@echo "make modules_install  vubridge.ko into /lib/modules/<KDIR's release>/extra/ (no DKMS)"
	@echo "make clean        remove build output"

deps:
	@scripts/deps.sh

# Simulators, vringh, vp_vdpa and the kselftest headers (scripts/ksrc.sh).
sims: deps
	@scripts/ksrc.sh

modules:
	@test -n "$(KDIR)" || { echo "make modules: no kernel build directory:" \
		"install the running kernel's headers or set KDIR=" >&2; exit 1; }
	@test -f kmod/Kbuild || { echo "make modules: kmod/Kbuild does not exist" \
		"(the module is not written yet)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# The module for the test VM's kernel.
testbed-modules: deps
	@$(MAKE) --no-print-directory modules KDIR=$(TESTBED_KDIR)

daemon:
	$(MAKE) -C daemon VERSION=$(VERSION)

vubctl:
	$(MAKE) -C tools/vubctl

man:
	$(MAKE) -f dist/Makefile man VERSION=$(VERSION)

selftests: deps sims $(if $(HAVE_VUBCTL),vubctl)
	$(MAKE) -C selftests

build-hosttests: deps sims
	$(if $(HAVE_DAEMON),$(MAKE) -C daemon hosttests)
	$(if $(HAVE_SELFTESTS),$(MAKE) -C selftests hosttests)
	$(if $(HAVE_VUBCTL),$(MAKE) -C tools/vubctl hosttests)

hosttests:
	@scripts/check.sh --host

vmtests:
	@scripts/check.sh --vm

check:
	@scripts/check.sh

demo: all
	@scripts/demo.sh

# Both vCPUs and 4 GiB (1 GiB of guest memory is registered with 4 KiB and
# with 2 MiB pages). The report is written even when a step failed.
bench: all
	@$(MAKE) -C selftests bench
	@mkdir -p build/bench; cat /proc/loadavg > build/bench/host-loadavg-before
	@rc=0; scripts/vm/run.sh --timeout 1080 --mem 4G \
		--cmd "$(CURDIR)/scripts/bench-guest.sh" || rc=$$?; \
	/usr/bin/python3 scripts/bench-report.py build/vm/results build/bench || rc=1; \
	exit $$rc

vm-shell: deps
	@scripts/vm/run.sh --shell

# Without DKMS. The distribution's signing key is not available: install
# unsigned (loading it taints the kernel, as any out-of-tree module does) and
# skip the attempt.
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $$(KDIR=$(KDIR) scripts/kver.sh))

# What goes where: dist/Makefile (also used by debian/rules).
install: $(if $(HAVE_DAEMON),daemon) $(if $(HAVE_VUBCTL),vubctl) man
	$(MAKE) -f dist/Makefile install VERSION=$(VERSION) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(if $(HAVE_VUBCTL),$(MAKE) -C tools/vubctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX))

uninstall:
	$(MAKE) -f dist/Makefile uninstall VERSION=$(VERSION) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(if $(HAVE_VUBCTL),$(MAKE) -C tools/vubctl uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX))

lint: deps sims
	@scripts/lint.sh

docs: deps
	@/usr/bin/python3 scripts/docs-check.py Documentation build/docs
	@if [ -x scripts/check-uapi-doc.sh ]; then scripts/check-uapi-doc.sh; fi

# Kbuild's own clean needs no kernel configuration we can count on: remove
# its output directly.
clean:
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/modules.order \
		.*.cmd .module-common.o modules.order Module.symvers
	$(if $(HAVE_DAEMON),$(MAKE) -C daemon clean)
	$(if $(HAVE_SELFTESTS),$(MAKE) -C selftests clean)
	$(if $(HAVE_VUBCTL),$(MAKE) -C tools/vubctl clean)
	rm -rf build
