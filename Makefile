# SPDX-License-Identifier: GPL-2.0
#
# nmr: the Network Module Registrar for Linux.
#
#   make demo      set up, build, boot QEMU, load and unload the samples
#   make check     set up, build (W=1), run every test; ends "N passed, N failed"
#   make selftest  only the harness's own expected-failure checks
#   make kcsan     only the KCSAN flavor: the suites and scenarios on the KCSAN kernel
#   make model     only the Spin model of the core, and its seeded bugs
#   make bench     benchmark on the non-debug bench kernel; writes bench/results.md
#   make modules   build every module, W=1 (KDIR= another kernel build tree with KUnit)
#   make dkms      build nmr.ko and the samples against KDIR, as DKMS does
#   make install   KDIR=<tree>: nmr.ko, the headers, nmr.mk and Module.symvers
#                  for that kernel, for other modules to build against (DESTDIR=)
#   make uninstall KDIR=<tree>: what make install installed for that kernel
#   make deb       the Debian package nmr-dkms_<version>_all.deb, in out/deb/
#   make kdir      print the project's kernel build tree (builds it once)
#   make clean
#
# KDIR defaults to the project's own debug kernel, built from Debian's
# linux-source-6.12 into ~/.cache/nmr/ the first time.  With KDIR given,
# plain `make` is `make dkms`, so that
#
#   make KDIR=/lib/modules/$(uname -r)/build
#
# builds nmr.ko and the samples for the running (distro) kernel, exactly
# as dkms.conf does; docs/dkms.md.

KDIR ?=
export KDIR

# What a distro kernel gets: the core and the samples.  Not kunit/ (distro
# kernels are built without KUnit) and not bench/ (it runs on the bench
# kernel only).
DKMS_DIRS := nmr providers clients

.PHONY: all modules dkms install uninstall deb demo check selftest kcsan model bench kdir clean

ifeq ($(KDIR),)
all: modules
else
all: dkms
endif

modules:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/.config" ] && \
	    ! grep -qE '^CONFIG_KUNIT=[ym]' "$(KDIR)/.config"; then \
		echo "nmr: $(KDIR) has no KUnit, so kunit/ cannot build there;" \
		     "make dkms KDIR=$(KDIR) builds nmr and the samples" >&2; \
		exit 1; \
	fi
	@scripts/build-modules.sh

# One kbuild run per directory, since the top-level Kbuild names kunit/ and
# bench/ too; the samples resolve nmr's exports through its Module.symvers.
# Kbuild keeps objects built against another kernel tree (it tracks headers
# by path), so the tree is cleaned when KDIR changes, with the stamp
# scripts/build-modules.sh keeps.
dkms:
	@if [ -z "$(KDIR)" ]; then \
		echo "nmr: make dkms needs KDIR, e.g. KDIR=/lib/modules/$$(uname -r)/build" >&2; \
		exit 1; \
	fi
	@if [ "$$(cat .nmr-kdir 2>/dev/null)" != "$(KDIR)" ]; then \
		echo "nmr: $(CURDIR) was not last built against $(KDIR); cleaning first"; \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean >/dev/null 2>&1 || true; \
	fi; \
	echo "$(KDIR)" >.nmr-kdir
	@$(MAKE) -C "$(KDIR)" M="$(CURDIR)/nmr" modules
	@set -e; for d in $(filter-out nmr,$(DKMS_DIRS)); do \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)/$$d" \
			KBUILD_EXTRA_SYMBOLS="$(CURDIR)/nmr/Module.symvers" modules; \
	done

# docs/dkms.md: the layout both leave, the one DKMS leaves too.
install uninstall:
	@if [ -z "$(KDIR)" ]; then \
		echo "nmr: make $@ needs KDIR, e.g. KDIR=/lib/modules/$$(uname -r)/build" >&2; \
		exit 1; \
	fi
	@scripts/install.sh $@ "$(KDIR)"

deb:
	@scripts/deb.sh

demo:
	@scripts/demo.sh

check:
	@scripts/check.sh

selftest:
	@scripts/selftest.sh

kcsan:
	@scripts/kcsan-check.sh

model:
	@rc=0; scripts/model-check.sh || rc=1; scripts/model-mutations.sh || rc=1; exit $$rc

bench:
	@scripts/bench.sh

kdir:
	@scripts/build-kernel.sh

clean:
	@kdir=$${KDIR:-$$(bash -c '. scripts/lib.sh && nmr_kdir')}; \
	if [ -d "$$kdir" ]; then \
		$(MAKE) -C "$$kdir" M=$(CURDIR) clean; \
		$(MAKE) -C "$$kdir" M=$(CURDIR)/harness-fixtures clean; \
	fi
	rm -f $(foreach d,$(DKMS_DIRS),$(d)/Module.symvers)
	rm -rf out
