# SPDX-License-Identifier: GPL-2.0
#
# vubridge: top-level build. "make help" lists the targets.
#
# KDIR is the kernel build directory (scripts/kdir.sh picks the installed
# bookworm-backports 6.12 headers, or the running kernel's if it is 6.12).
# Targets that need Debian packages run scripts/deps.sh first (a few hundred
# milliseconds when everything is installed).

KDIR ?= $(shell scripts/kdir.sh 2>/dev/null)
ifeq ($(strip $(KDIR)),)
override KDIR = $(shell scripts/kdir.sh 2>/dev/null)
endif
PREFIX ?= /usr/local
DESTDIR ?=
export KDIR

HAVE_KMOD := $(wildcard kmod/Kbuild)
HAVE_DAEMON := $(wildcard daemon/Makefile)
HAVE_SELFTESTS := $(wildcard selftests/Makefile)

.PHONY: all deps sims modules daemon selftests build-hosttests hosttests \
	vmtests check demo bench vm-shell modules_install install lint docs clean help

all: sims $(if $(HAVE_KMOD),modules) $(if $(HAVE_DAEMON),daemon) \
     $(if $(HAVE_SELFTESTS),selftests)
ifeq ($(HAVE_KMOD),)
	@echo "  SKIP    kmod/ does not exist yet: no vubridge.ko"
endif

help:
	@echo "make [all]        simulators, vubridge.ko, daemon, selftests"
	@echo "make modules      kmod/vubridge.ko against KDIR=$(KDIR)"
	@echo "make sims         build/sims/*.ko and build/include/ from the kernel source tarball"
	@echo "make check        everything: build, host tests, VM tests (TAP + summary)"
	@echo "make hosttests    build and run only the host tests"
	@echo "make vmtests      build and run only the VM tests"
	@echo "make demo         boot the VM, serve a simulator with vubridged, run traffic"
	@echo "make bench        boot the VM and print the net loopback frames/s"
	@echo "make vm-shell     interactive shell in the test VM"
	@echo "make lint         checkpatch, sparse, cppcheck, shellcheck"
	@echo "make docs         validate Documentation/*.rst, HTML in build/docs/"
	@echo "make install      module (extra/), programs and UAPI header under DESTDIR/PREFIX"
	@echo "make clean        remove build output"

deps:
	@scripts/deps.sh

# Simulators, vringh, vp_vdpa and the kselftest headers (scripts/ksrc.sh).
sims: deps
	@scripts/ksrc.sh

modules: deps
	@test -n "$(KDIR)" || { echo "make modules: no kernel build directory;" \
		"run scripts/deps.sh or set KDIR=" >&2; exit 1; }
	@test -f kmod/Kbuild || { echo "make modules: kmod/Kbuild does not exist" \
		"(the module is not written yet)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

daemon: deps sims
	$(MAKE) -C daemon

selftests: deps sims
	$(MAKE) -C selftests

build-hosttests: deps sims
	$(if $(HAVE_DAEMON),$(MAKE) -C daemon hosttests)
	$(if $(HAVE_SELFTESTS),$(MAKE) -C selftests hosttests)

hosttests:
	@scripts/check.sh --host

vmtests:
	@scripts/check.sh --vm

check:
	@scripts/check.sh

demo: all
	@scripts/demo.sh

bench: all
	@$(MAKE) -C selftests bench
	@scripts/vm/run.sh --timeout 600 --cmd "$(CURDIR)/scripts/bench-guest.sh"

vm-shell: deps
	@scripts/vm/run.sh --shell

# The distribution's signing key is not available: install unsigned (loading
# it taints the kernel, as any out-of-tree module does) and skip the attempt.
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $$(KDIR=$(KDIR) scripts/kver.sh))

install: modules_install
	install -D -m 0644 uapi/linux/vubridge.h $(DESTDIR)$(PREFIX)/include/linux/vubridge.h
	$(if $(HAVE_DAEMON),$(MAKE) -C daemon install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX))

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
	rm -rf build
