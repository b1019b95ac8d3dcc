#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf's hooks: they leave, beside nmr's sources in /usr/src/nmr-V/,
# the Module.symvers of each kernel DKMS installed nmr for, in
# /usr/src/nmr-V/<kernel release>/, where nmr.mk finds it; the layout
# scripts/install.sh leaves too.
#
#   dkms-hook.sh post-build DIR      in DKMS's build tree: keep nmr's
#                                    Module.symvers in DIR, DKMS's directory
#                                    of this build (removed with it)
#   dkms-hook.sh post-install DIR R  in the source tree: copy it from DIR
#                                    into R/
#   dkms-hook.sh post-remove R       in the source tree: remove R/
#
# DKMS runs each from the directory named above, with the arguments
# dkms.conf gives.
set -eu

case ${1:-} in
post-build)
	cp nmr/Module.symvers "$2/Module.symvers"
	;;
post-install)
	mkdir -p "$3"
	cp "$2/Module.symvers" "$3/Module.symvers"
	;;
post-remove)
	case $2 in
	''|*/*|.*) echo "dkms-hook.sh: bad kernel release '$2'" >&2; exit 1 ;;
	esac
	rm -rf "./$2"
	;;
*)
	echo "usage: dkms-hook.sh post-build DIR | post-install DIR RELEASE | post-remove RELEASE" >&2
	exit 1
	;;
esac
