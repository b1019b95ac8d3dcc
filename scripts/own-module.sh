#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A module of one's own, built as the README's "Build your own module"
# says: the template copied out of an installed nmr into a fresh directory
# outside the checkout, and built there with its own Makefile, W=1.
#
#   scripts/own-module.sh [--install] NAME KDIR OUT
#
# --install first installs nmr for KDIR with `make install KDIR=KDIR
# DESTDIR=<staging dir>`, builds the template against that (NMR=), and
# checks that `make uninstall` removes what it installed; without it, the
# nmr installed in /usr/src/nmr-<version> (DKMS, the .deb) is used, as the
# template's defaults say.  The two modules are copied to OUT for a VM to
# load (tests/scenarios/own/template.sh).  Prints one PASS/FAIL line per
# check, NAME first; exits non-zero if any failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

install=
[ "${1:-}" = --install ] && { install=1; shift; }
[ $# -eq 3 ] || nmr_die "usage: $0 [--install] NAME KDIR OUT"
name=$1 kdir=$2 out=$3
unset MAKEFLAGS MFLAGS MAKELEVEL
ver=$(nmr_version) || exit 1
rel=$(nmr_kernel_release "$kdir") || nmr_die "no kernel build tree at $kdir"
work=$(mktemp -d /tmp/nmr-own.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"
failed=0

pass() { echo "PASS $name: $*"; }
fail() {	# fail WHAT [LOG]
	echo "FAIL $name: $1"
	[ -z "${2:-}" ] || tail -n 30 "$2" | sed 's/^/  /'
	failed=1
}

nmr=/usr/src/nmr-$ver
nmr_arg=()
if [ -n "$install" ]; then
	root=$work/root
	nmr=$root/usr/src/nmr-$ver
	nmr_arg=(NMR="$nmr")
	if ! make -C "$NMR_TOP" install KDIR="$kdir" DESTDIR="$root" >"$out/install.log" 2>&1; then
		fail "make install KDIR=... DESTDIR=... installs nmr for $rel" "$out/install.log"
		exit 1
	fi
	missing=
	for f in lib/modules/$rel/updates/nmr.ko usr/src/nmr-$ver/nmr.mk \
		 usr/src/nmr-$ver/nmr/include/nmr/nmr.h usr/src/nmr-$ver/nmr/include/nmr/netioddk.h \
		 usr/src/nmr-$ver/template/Kbuild usr/src/nmr-$ver/$rel/Module.symvers; do
		[ -f "$root/$f" ] || missing="$missing $f"
	done
	if [ -n "$missing" ]; then
		fail "make install KDIR=... DESTDIR=... installs nmr for $rel: missing:$missing"
	elif ! grep -q "^updates/nmr.ko:" "$root/lib/modules/$rel/modules.dep"; then
		fail "make install: depmod lists nmr.ko in $root/lib/modules/$rel/modules.dep"
	else
		pass "make install KDIR=... DESTDIR=...: nmr.ko, the headers, nmr.mk, the template, $rel/Module.symvers"
	fi
fi

# What the README says, typed as written: copy the template, make.
src=$work/my-npi
if ! cp -r "$nmr/template" "$src" 2>"$out/build.log"; then
	fail "copy $nmr/template" "$out/build.log"
	exit 1
fi
if ! make -C "$src" KDIR="$kdir" "${nmr_arg[@]}" W=1 >"$out/build.log" 2>&1; then
	fail "the template builds against $rel (make KDIR=... ${nmr_arg[*]:+NMR=...} W=1)" "$out/build.log"
	exit 1
fi
grep -iE 'warning:|error:' "$out/build.log" >"$out/warnings"
wrong=
for ko in my_provider.ko my_client.ko; do
	if [ ! -f "$src/$ko" ]; then
		wrong="$wrong $ko (not built)"
	elif [ "$(modinfo -F vermagic "$src/$ko" | cut -d' ' -f1)" != "$rel" ] ||
	     [ "$(modinfo -F depends "$src/$ko")" != nmr ]; then
		wrong="$wrong $ko (vermagic '$(modinfo -F vermagic "$src/$ko")', depends '$(modinfo -F depends "$src/$ko")')"
	else
		cp "$src/$ko" "$out/"
	fi
done
if [ -s "$out/warnings" ]; then
	fail "the template builds against $rel with no warnings" "$out/warnings"
elif [ -n "$wrong" ]; then
	fail "the template builds my_provider.ko and my_client.ko for $rel, depending on nmr:$wrong"
else
	pass "the template, copied out of ${install:+DESTDIR}/usr/src/nmr-$ver, builds against $rel with W=1: no warnings, 2 modules depending on nmr"
fi

if [ -n "$install" ]; then
	make -C "$NMR_TOP" uninstall KDIR="$kdir" DESTDIR="$root" >"$out/uninstall.log" 2>&1
	left=$(cd "$root" && { find . -path "./usr/src/*" -o -name 'nmr.ko*'
			      grep -h nmr "lib/modules/$rel/modules.dep"; } | head)
	if [ -n "$left" ]; then
		echo "left behind: $left" >>"$out/uninstall.log"
		fail "make uninstall removes what make install installed" "$out/uninstall.log"
	else
		pass "make uninstall KDIR=... DESTDIR=... removes nmr.ko, its modules.dep line and /usr/src/nmr-$ver"
	fi
fi
exit $failed
