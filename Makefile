# SPDX-License-Identifier: GPL-2.0
#
# nmr: the Network Module Registrar for Linux.
#
#   make demo      set up, build, boot QEMU, load and unload the samples
#   make check     set up, build (W=1), run every test; ends "N passed, N failed"
#   make selftest  only the harness's own expected-failure checks
#   make bench     benchmark on the non-debug bench kernel; writes bench/results.md
#   make modules   build the modules (KDIR= another kernel build tree)
#   make kdir      print the project's kernel build tree (builds it once)
#   make clean
#
# KDIR defaults to the project's own debug kernel, built from Debian's
# linux-source-6.12 into ~/.cache/nmr/ the first time.

KDIR ?=
export KDIR

.PHONY: all modules demo check selftest bench kdir clean

all: modules

modules:
	@scripts/build-modules.sh

demo:
	@scripts/demo.sh

check:
	@scripts/check.sh

selftest:
	@scripts/selftest.sh

bench:
	@scripts/bench.sh

kdir:
	@scripts/build-kernel.sh

clean:
	@kdir=$${KDIR:-$$(. scripts/lib.sh && nmr_kdir)}; \
	if [ -d "$$kdir" ]; then \
		$(MAKE) -C "$$kdir" M=$(CURDIR) clean; \
		$(MAKE) -C "$$kdir" M=$(CURDIR)/harness-fixtures clean; \
	fi
	rm -rf out
