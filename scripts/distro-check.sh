#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nmr as a user of Debian 12's own kernel meets it.  Installs, when
# missing, Debian's 6.1 kernel image and headers and dkms, then:
#
#   - builds nmr and the samples against the headers with W=1, in a copy of
#     the tree, as `make KDIR=/lib/modules/<release>/build` (what dkms.conf
#     runs); any warning fails; the same against the project's 6.12 tree
#     ($KDIR, or `make kdir`), as DKMS would for a distro's 6.12 kernel;
#   - dkms add, build and install the tree for that kernel, as
#     docs/dkms.md tells a user to, and removes it again at the end;
#   - boots Debian's unmodified vmlinuz in QEMU with the modules DKMS
#     installed, loads nmr and runs every scenario of tests/scenarios/.
#
# Prints one PASS/FAIL line per check, details indented, like
# scripts/check.sh (progress goes to stderr); exits non-zero if any check
# failed.  Logs in out/distro/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# DKMS's trees are the machine's, not the work tree's: one run at a time.
# A whole distro check takes about 10 minutes; one holding the lock for 45
# is stuck, and this one fails rather than wait forever.
lock=${TMPDIR:-/tmp}/nmr-distro-check.lock
exec 9>>"$lock"
if ! flock -n 9; then
	echo "nmr: waiting for another distro check to finish ($lock, up to 45 min)" >&2
	if ! flock -w 2700 9; then
		echo "FAIL debian 6.1: another distro check has held $lock for 45 min"
		exit 1
	fi
fi

# Run from `make -jN check`, make's flags would reach the builds below with
# a jobserver they cannot use, and its warning would fail the W=1 checks.
unset MAKEFLAGS MFLAGS MAKELEVEL

start=$(date +%s)
out=$NMR_OUT/distro
results=$out/results.txt
rm -rf "$out"
mkdir -p "$out"
: >"$results"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

record() { tee -a "$results"; }
say() { echo "nmr: $*" >&2; }

# fail NAME [LOG]: a failed check, with the end of LOG as its details.
fail() {
	{
		echo "FAIL $1"
		[ -z "${2:-}" ] || tail -n 40 "$2" | sed 's/^/  /'
	} | record
}

finish() {
	local passed failed
	passed=$(grep -c '^PASS ' "$results")
	failed=$(grep -c '^FAIL ' "$results")
	say "distro check took $(( $(date +%s) - start )) s: $passed passed, $failed failed (logs in $out)"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
}

# The sources only: objects built against another kernel must not be reused.
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$NMR_TOP" --exclude=./.git --exclude=./out --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.order' \
		--exclude=Module.symvers --exclude=.nmr-kdir -cf - . | tar -C "$1" -xf -
}

say "installing Debian's 6.1 kernel image and headers and dkms when missing"
if ! "$NMR_TOP/scripts/setup.sh" linux-headers-amd64 linux-image-amd64 dkms \
		>"$out/setup.log" 2>&1; then
	fail "debian 6.1: install linux-headers-amd64, linux-image-amd64 and dkms" "$out/setup.log"
	finish
fi

# The kernel release a metapackage stands for, e.g. 6.1.0-56-amd64.
release_of() {
	dpkg-query -W -f='${Depends}' "$1-amd64" 2>/dev/null |
		grep -o "$1-[0-9][^ ,]*" | head -n 1 | sed "s/^$1-//"
}
rel=$(release_of linux-image)
hrel=$(release_of linux-headers)
name="debian ${rel:-6.1}"
if [ -z "$rel" ] || [ "$rel" != "$hrel" ]; then
	{
		echo "FAIL $name: kernel image and headers of one release"
		echo "  linux-image-amd64 is for '$rel', linux-headers-amd64 for '$hrel'" \
			"(apt-get install linux-image-amd64 linux-headers-amd64 upgrades both)"
	} | record
	finish
fi
kdir=/lib/modules/$rel/build
vmlinuz=/boot/vmlinuz-$rel
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
image_ver=$(pkgver "linux-image-$rel")
headers_ver=$(pkgver "linux-headers-$rel")
dkms_ver=$(pkgver dkms)
printf '%s\n' "linux-image-$rel $image_ver" "linux-headers-$rel $headers_ver" \
	"dkms $dkms_ver" >"$out/versions.txt"

# build_check NAME KDIR SHOWN RELEASE DIR: the build dkms.conf runs,
# `make KDIR=KDIR` (SHOWN in the check's name), with W=1, in a copy of the
# tree at DIR.  Passes when it prints no warning and builds nmr.ko and the
# samples for RELEASE; sets $built to their file names.
build_check() {
	local what="$1: make KDIR=$3 W=1" log=$5.log ko wrong
	built=
	say "building nmr and the samples against $2 (W=1)"
	copy_tree "$5"
	if ! make -C "$5" KDIR="$2" W=1 >"$log" 2>&1; then
		fail "$what builds nmr and the samples" "$log"
		return
	fi
	if grep -iE 'warning:|error:' "$log" >"$5.warnings"; then
		fail "$what builds with no warnings" "$5.warnings"
		return
	fi
	built=$(cd "$5" && find . -name '*.ko' -printf '%f\n' | sort)
	wrong=$(find "$5" -name '*.ko' | while read -r ko; do
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$4" ] || echo "$ko"
	done)
	if ! grep -qx nmr.ko <<<"$built"; then
		fail "$what builds nmr.ko and the samples" "$log"
		built=
	elif [ -n "$wrong" ]; then
		{ echo "FAIL $what builds for $4"; echo "  vermagic is not $4 in:"
		  sed 's/^/    /' <<<"$wrong"; } | record
		built=
	else
		echo "PASS $what: $(wc -w <<<"$built") modules, no warnings" | record
	fi
}

# 1. The build DKMS runs for Debian's kernel, and for the project's 6.12
# (as it would for a distro's 6.12 kernel).
build_check "$name" "$kdir" "$kdir" "$rel" "$out/build"
expected=$built
pkdir=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh" 2>"$out/kernel.log")}
prel=$(cat "$pkdir/include/config/kernel.release" 2>/dev/null)
if [ -n "$prel" ]; then
	build_check "project $prel" "$pkdir" '$(make kdir)' "$prel" "$out/build-project"
else
	fail "project 6.12: make KDIR=\$(make kdir) W=1: no kernel tree at '$pkdir'" "$out/kernel.log"
fi

# 2. dkms add, build and install, from a copy of the tree marked as this
# script's, so that an nmr a person added by hand is never removed.  Every
# module the W=1 build built must be installed and known to depmod.
# dkms.conf expects DKMS's variables, which are unset here.
dkms_conf() { (set +u && . "$NMR_TOP/dkms.conf" && eval "echo \"$1\""); }
ver=$(dkms_conf '$PACKAGE_VERSION')
if [ -z "$ver" ]; then
	{ echo "FAIL $name: dkms add, build, install nmr"
	  echo "  dkms.conf sets no PACKAGE_VERSION"; } | record
	finish
fi
mark=NMR-DISTRO-CHECK
usrsrc=/usr/src/nmr-$ver
dkms_remove() {
	$SUDO dkms remove "nmr/$ver" --all >/dev/null 2>&1
	$SUDO rm -rf "$usrsrc"
}
dkms_ok=
if { [ -n "$($SUDO dkms status "nmr/$ver" 2>/dev/null)" ] || [ -e "$usrsrc" ]; } &&
   [ ! -e "$usrsrc/$mark" ]; then
	{
		echo "FAIL $name: dkms add, build, install nmr/$ver"
		echo "  DKMS already has nmr/$ver ($usrsrc), not added by this check;" \
			"to run it: sudo dkms remove nmr/$ver --all; sudo rm -rf $usrsrc"
	} | record
else
	say "dkms add, build and install nmr/$ver for $rel"
	dkms_remove
	trap dkms_remove EXIT
	dsrc=$out/dkms-src
	copy_tree "$dsrc"
	touch "$dsrc/$mark"
	installed=/lib/modules/$rel/updates/dkms
	if { $SUDO dkms add "$dsrc" && $SUDO dkms build "nmr/$ver" -k "$rel" &&
	     $SUDO dkms install "nmr/$ver" -k "$rel"; } >"$out/dkms.log" 2>&1; then
		$SUDO dkms status "nmr/$ver" -k "$rel" >>"$out/dkms.log" 2>&1
		mkdir -p "$out/ko"
		missing=
		for ko in $expected; do
			if [ -f "$installed/$ko" ] && grep -q "^updates/dkms/$ko:" "/lib/modules/$rel/modules.dep"; then
				cp "$installed/$ko" "$out/ko/"
			else
				missing="$missing $ko"
			fi
		done
		if ! $SUDO dkms status "nmr/$ver" -k "$rel" | grep -q ': installed'; then
			fail "$name: dkms add, build, install nmr/$ver (dkms $dkms_ver)" "$out/dkms.log"
		elif [ -z "$expected" ]; then
			{ echo "FAIL $name: dkms add, build, install nmr/$ver (dkms $dkms_ver)"
			  echo "  the W=1 build failed, so there is no list of modules to check against"; } | record
		elif [ -n "$missing" ]; then
			{ echo "FAIL $name: dkms installs every module the build builds (dkms $dkms_ver)"
			  echo "  not in $installed or not in modules.dep:$missing"
			  echo "  dkms.conf lists: $(dkms_conf '${BUILT_MODULE_NAME[*]}')"; } | record
		else
			echo "PASS $name: dkms add, build, install nmr/$ver (dkms $dkms_ver):" \
				"$(wc -w <<<"$expected") modules in $installed" | record
			dkms_ok=1
		fi
	else
		make_log=$(ls /var/lib/dkms/nmr/"$ver"/build/make.log 2>/dev/null)
		[ -z "$make_log" ] || { echo "--- $make_log"; cat "$make_log"; } >>"$out/dkms.log"
		fail "$name: dkms add, build, install nmr/$ver (dkms $dkms_ver)" "$out/dkms.log"
	fi
fi

# 3. Debian's own kernel in QEMU, with the modules DKMS installed: a runner
# with the harness and the scenarios but no module of its own.
if [ -z "$dkms_ok" ]; then
	{ echo "FAIL $name: boot $vmlinuz and run the sample scenarios"
	  echo "  not run: no modules installed by DKMS to load"; } | record
	finish
fi
image_sum=$(sed -n "s|^\([0-9a-f]*\)  boot/vmlinuz-$rel\$|\1|p" \
	"/var/lib/dpkg/info/linux-image-$rel.md5sums" 2>/dev/null)
if [ -z "$image_sum" ] || [ "$(md5sum <"$vmlinuz" | cut -d' ' -f1)" != "$image_sum" ]; then
	{ echo "FAIL $name: $vmlinuz is the one linux-image-$rel $image_ver installed"
	  echo "  its md5sum differs from the package's (dpkg --verify linux-image-$rel)"; } | record
	finish
fi

vm=$out/vm
mkdir -p "$vm"
cp -r "$NMR_TOP/scripts" "$NMR_TOP/tests" "$vm/"
guest=$out/guest.sh
steps=(". /lib/nmr/lib.sh" "nmr_run_cmd load_nmr insmod /lib/nmr/nmr.ko"
       "grep -q '^nmr ' /proc/modules || exit 1")
expect=(--expect cmd:load_nmr)
for sc in "$NMR_TOP"/tests/scenarios/*.sh; do
	[ -e "$sc" ] || continue
	steps+=("nmr_run_scenario /lib/nmr/scenarios/$(basename "$sc")")
	expect+=(--expect "scenario:$(basename "$sc" .sh)")
done
steps+=("rmmod nmr")
printf '%s\n' "${steps[@]}" >"$guest"

say "booting $vmlinuz in QEMU (console log: $out/console.log)"
NMR_QUIET=1 NMR_KERNEL=$vmlinuz "$vm/scripts/vm-run.sh" -t "${NMR_VM_TIMEOUT:-900}" \
	-l "$out/console.log" "$out"/ko/*.ko "$guest" >"$out/vm.log" 2>&1
vm_rc=$?
if grep -q "Linux version $rel .*Debian $image_ver " "$out/console.log"; then
	echo "PASS $name: QEMU boots Debian's vmlinuz (linux-image $image_ver)" | record
else
	{ echo "FAIL $name: QEMU boots Debian's vmlinuz (linux-image $image_ver)"
	  echo "  no 'Linux version $rel ... Debian $image_ver' line in $out/console.log"
	  sed 's/^/  /' "$out/vm.log"; } | record
fi
python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$(nmr_src_dir)/tools/testing/kunit/kunit.py" \
	"${expect[@]}" "$out/console.log" | sed "s/^\(PASS\|FAIL\) /\1 $name: /" | record
if [ $vm_rc -ne 0 ]; then
	{ echo "FAIL $name: test VM exited with status $vm_rc (see $out/console.log)"
	  sed 's/^/  /' "$out/vm.log"; } | record
fi
finish
