#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall: nmr for one kernel, without DKMS.
#
#   scripts/install.sh install KDIR      (make install KDIR=...)
#   scripts/install.sh uninstall KDIR    (make uninstall KDIR=...)
#
# install builds nmr.ko against the kernel build tree KDIR, in a fresh copy
# of the sources, and installs, for that kernel's release R:
#
#   /lib/modules/R/updates/nmr.ko             make modules_install, depmod
#   /usr/src/nmr-V/nmr/include/nmr/*.h        the public headers
#   /usr/src/nmr-V/nmr.mk                     what a module's Kbuild includes
#   /usr/src/nmr-V/template/                  the template provider and client
#   /usr/src/nmr-V/R/Module.symvers           nmr's symbols for kernel R
#
# V being dkms.conf's PACKAGE_VERSION.  That is the layout DKMS leaves
# (dkms.conf's POST_INSTALL hook), so a module's Kbuild is the same either
# way; docs/dkms.md.  With DESTDIR set, everything goes under it instead of
# /, and depmod works on that tree.
#
# uninstall removes that kernel's nmr.ko and Module.symvers, and the
# headers, nmr.mk and the template once no kernel is left.  Both refuse a
# /usr/src/nmr-V that DKMS owns (it has a dkms.conf): use dkms there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] && [ -n "$2" ] || nmr_die "usage: make install|uninstall KDIR=<kernel build tree> [DESTDIR=<root>]"
action=$1
kdir=$(cd "$2" 2>/dev/null && pwd) || nmr_die "KDIR=$2: no such directory"
rel=$(nmr_kernel_release "$kdir") ||
	nmr_die "KDIR=$2 is not a prepared kernel build tree (no include/generated/utsrelease.h)"
ver=$(nmr_version)
# Absolute: modules_install resolves INSTALL_MOD_PATH in the kernel tree.
root=
[ -z "${DESTDIR:-}" ] || root=$(realpath -m -- "$DESTDIR")
dest=$root/usr/src/nmr-$ver
[ ! -e "$dest/dkms.conf" ] ||
	nmr_die "$dest is nmr's DKMS source tree; for kernel $rel use: sudo dkms install nmr/$ver -k $rel"
unset MAKEFLAGS MFLAGS MAKELEVEL

case $action in
install)
	build=$(mktemp -d "${TMPDIR:-/tmp}/nmr-install.XXXXXX")
	trap 'rm -rf "$build"' EXIT
	nmr_copy_sources "$build"
	echo "nmr: building nmr.ko for $rel against $kdir"
	make -C "$kdir" M="$build/nmr" modules >"$build/make.log" 2>&1 ||
		{ cat "$build/make.log" >&2; nmr_die "nmr.ko did not build against $kdir"; }
	echo "nmr: installing nmr.ko into $root/lib/modules/$rel/updates/ and $dest/"
	# updates/, as DKMS does, on every kernel (6.1 defaults to extra/); and
	# depmod here, since the kernel's own one is skipped without a
	# System.map, which distro headers do not have.
	make -C "$kdir" M="$build/nmr" ${root:+INSTALL_MOD_PATH="$root"} INSTALL_MOD_DIR=updates \
		modules_install >"$build/install.log" 2>&1 ||
		{ cat "$build/install.log" >&2; nmr_die "make modules_install failed"; }
	[ -f "$root/lib/modules/$rel/updates/nmr.ko" ] ||
		nmr_die "make modules_install did not install $root/lib/modules/$rel/updates/nmr.ko"
	# A staged tree has no modules.order or modules.builtin: depmod warns.
	depmod ${root:+-b "$root"} "$rel" >"$build/depmod.log" 2>&1 ||
		{ cat "$build/depmod.log" >&2; nmr_die "depmod $rel failed"; }
	install -d "$dest/nmr/include/nmr" "$dest/template" "$dest/$rel"
	install -m 0644 "$NMR_TOP"/nmr/include/nmr/*.h "$dest/nmr/include/nmr/"
	install -m 0644 "$NMR_TOP/nmr.mk" "$dest/"
	install -m 0644 "$NMR_TOP"/template/* "$dest/template/"
	install -m 0644 "$build/nmr/Module.symvers" "$dest/$rel/"
	;;
uninstall)
	# extra/ too: where make install of an earlier version put it on 6.1.
	mods=$(ls "$root/lib/modules/$rel"/{updates,extra}/nmr.ko* 2>/dev/null || true)
	if [ -z "$mods" ] && [ ! -d "$dest/$rel" ]; then
		echo "nmr: nmr is not installed for $rel${root:+ in $root}: nothing to remove"
		exit 0
	fi
	rm -f $mods
	rm -rf "${dest:?}/$rel"
	if [ -e "$root/lib/modules/$rel/modules.dep" ]; then
		depmod ${root:+-b "$root"} "$rel" 2>/dev/null || nmr_die "depmod $rel failed"
	fi
	if [ -d "$dest" ] && ! ls -d "$dest"/[0-9]* >/dev/null 2>&1; then
		rm -rf "${dest:?}/nmr" "${dest:?}/template" "$dest/nmr.mk"
		rmdir "$dest"
	fi
	echo "nmr: removed nmr for $rel${root:+ from $root}"
	;;
*)
	nmr_die "unknown action $action (install or uninstall)"
	;;
esac
