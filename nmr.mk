# SPDX-License-Identifier: GPL-2.0
#
# nmr.mk: what the Kbuild of a module that uses nmr includes.
#
#	NMR ?= /usr/src/nmr-0.1
#	include $(NMR)/nmr.mk
#	obj-m += my_provider.o my_client.o
#
# It puts nmr's public headers (<nmr/nmr.h>, <nmr/netioddk.h>) on the
# include path, and hands modpost the Module.symvers of the nmr built for
# the kernel being built against, so that the module's references to nmr
# resolve (and carry nmr's symbol CRCs on a kernel with MODVERSIONS).
# An installed nmr keeps one per kernel, in <this directory>/<kernel
# release>/: DKMS puts it there when it installs nmr for a kernel, as does
# `make install KDIR=<tree>` in nmr's source tree; docs/dkms.md.

nmr_dir := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
nmr_symvers := $(nmr_dir)/$(KERNELRELEASE)/Module.symvers

ccflags-y += -I$(nmr_dir)/nmr/include

# Only a build needs the symbols; `make clean` reads this file too.
ifeq ($(filter %/Makefile.clean,$(MAKEFILE_LIST)),)
ifeq ($(wildcard $(nmr_symvers)),)
$(error nmr is not installed for kernel $(KERNELRELEASE): no $(nmr_symvers). \
Install it for that kernel (sudo dkms install nmr/<version> -k $(KERNELRELEASE), \
or sudo make install KDIR=<that kernel's build tree> in nmr's tree), or set NMR= to \
where it is installed)
endif
KBUILD_EXTRA_SYMBOLS += $(nmr_symvers)
endif
