#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian package nmr-dkms_<version>_all.deb, built with
# debhelper and dh-dkms (installed when missing) in a copy of the sources
# in out/deb/, and checked with lintian: any error fails.  Prints the
# package's path on stdout; lintian's report is out/deb/lintian.txt.
#
#   sudo apt-get install ./out/deb/nmr-dkms_<version>_all.deb
#   sudo apt-get purge nmr-dkms
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$NMR_TOP/scripts/setup.sh" debhelper dh-dkms lintian >&2
unset MAKEFLAGS MFLAGS MAKELEVEL

ver=$(nmr_version)
deb_ver=$(cd "$NMR_TOP" && dpkg-parsechangelog -S Version)
[ "$ver" = "$deb_ver" ] ||
	nmr_die "debian/changelog is at version $deb_ver, dkms.conf's PACKAGE_VERSION at $ver"

out=$NMR_OUT/deb
src=$out/nmr-$ver
deb=$out/nmr-dkms_${ver}_all.deb
rm -rf "$out"
mkdir -p "$out"
nmr_copy_sources "$src"
echo "nmr: building $deb" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; nmr_die "dpkg-buildpackage failed; see $out/build.log"; }
[ -f "$deb" ] || nmr_die "dpkg-buildpackage made no $deb; see $out/build.log"

# Errors fail; warnings and the rest are in the report, for a person.
# lintian exits 2 when it found an error, 1 when it could not check.
rc=0
lintian --fail-on error --info "$deb" >"$out/lintian.txt" 2>&1 || rc=$?
if [ $rc -eq 2 ]; then
	grep '^E: ' "$out/lintian.txt" >&2
	nmr_die "lintian reports errors on $deb; see $out/lintian.txt"
elif [ $rc -ne 0 ]; then
	nmr_die "lintian could not check $deb (status $rc); see $out/lintian.txt"
fi
echo "nmr: lintian: no errors ($(grep -c '^W: ' "$out/lintian.txt") warnings; $out/lintian.txt)" >&2
echo "$deb"
