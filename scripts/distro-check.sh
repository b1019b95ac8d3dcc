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
#     docs/dkms.md tells a user to, and builds the template against the
#     nmr DKMS installed, as the README tells a user to;
#   - boots Debian's unmodified vmlinuz in QEMU with the modules DKMS
#     installed and the template's, loads nmr and runs every scenario of
#     tests/scenarios/ and the template's (scenarios/own/template.sh);
#   - dkms remove, and checks that nothing of nmr is left;
#   - the same with the Debian package: make deb (lintian: no errors),
#     apt-get install ./nmr-dkms_<version>_all.deb, the template built
#     against it and loaded in a second boot, apt-get purge, nothing left.
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
	nmr_copy_sources "$5"
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

# The modules of nmr DKMS installed for $rel, and the template built
# against them (scripts/own-module.sh): copied to DIR for a VM.
installed=/lib/modules/$rel/updates/dkms
collect_modules() {
	local dir=$1 missing= ko
	rm -rf "$dir"
	mkdir -p "$dir"
	for ko in $expected; do
		if [ -f "$installed/$ko" ] && grep -q "^updates/dkms/$ko:" "/lib/modules/$rel/modules.dep"; then
			cp "$installed/$ko" "$dir/"
		else
			missing="$missing $ko"
		fi
	done
	echo "$missing"
}

# own_module WHAT DIR: the template, copied out of /usr/src/nmr-$ver and
# built against the nmr installed there (WHAT: by DKMS, by the package);
# its two modules go to DIR.
own_module() {
	say "building the template against the nmr $1 installed"
	nmr_stage "$results" "$name: the template against the nmr $1 installed" \
		"$NMR_TOP/scripts/own-module.sh" "$name, nmr installed by $1" "$kdir" "$out/own-$2"
	cp "$out/own-$2"/*.ko "$out/$2/" 2>/dev/null
}

# nothing_left WHAT [SOURCES]: no trace of nmr for $rel after WHAT removed
# it; with SOURCES, $usrsrc may remain, as long as it holds nothing but
# the sources dkms add copied (the copy at SOURCES).
nothing_left() {
	local left shown="no module, no $usrsrc, no DKMS tree"
	left=$({ if [ -n "${2:-}" ]; then
			 # cp -r "$2"/* leaves out its dotfiles: only what is
			 # new or changed in $usrsrc counts.
			 diff -r "$2" "$usrsrc" 2>&1 | grep -v "^Only in $2"
		 else
			 ls -d "$usrsrc" 2>/dev/null
		 fi
		 ls -d /var/lib/dkms/nmr 2>/dev/null
		 find "/lib/modules/$rel" -name 'nmr*.ko*' 2>/dev/null
		 grep -h 'nmr' "/lib/modules/$rel/modules.dep" 2>/dev/null; } | head -n 20)
	[ -z "${2:-}" ] || shown="no module, no DKMS tree, nothing in $usrsrc but the sources"
	if [ -z "$left" ]; then
		echo "PASS $name: $1 leaves nothing of nmr: $shown" | record
	else
		{ echo "FAIL $name: $1 leaves nothing of nmr"; echo "  left behind:"
		  sed 's/^/    /' <<<"$left"; } | record
	fi
}

# make install without DKMS, staged: nmr.ko where modprobe finds it
# (updates/, depmod run), the template built against it, uninstall.
nmr_stage "$results" "$name: make install" "$NMR_TOP/scripts/own-module.sh" --install \
	"$name, make install" "$kdir" "$out/own-install"

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
			"to run it: sudo dkms remove nmr/$ver --all; sudo rm -rf $usrsrc" \
			"(or sudo apt-get purge nmr-dkms)"
	} | record
	finish
else
	say "dkms add, build and install nmr/$ver for $rel"
	dkms_remove
	trap dkms_remove EXIT
	dsrc=$out/dkms-src
	nmr_copy_sources "$dsrc"
	touch "$dsrc/$mark"
	if { $SUDO dkms add "$dsrc" && $SUDO dkms build "nmr/$ver" -k "$rel" &&
	     $SUDO dkms install "nmr/$ver" -k "$rel"; } >"$out/dkms.log" 2>&1; then
		$SUDO dkms status "nmr/$ver" -k "$rel" >>"$out/dkms.log" 2>&1
		missing=$(collect_modules "$out/ko")
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

image_sum=$(sed -n "s|^\([0-9a-f]*\)  boot/vmlinuz-$rel\$|\1|p" \
	"/var/lib/dpkg/info/linux-image-$rel.md5sums" 2>/dev/null)
image_ok=1
if [ -z "$image_sum" ] || [ "$(md5sum <"$vmlinuz" | cut -d' ' -f1)" != "$image_sum" ]; then
	{ echo "FAIL $name: $vmlinuz is the one linux-image-$rel $image_ver installed"
	  echo "  its md5sum differs from the package's (dpkg --verify linux-image-$rel)"; } | record
	image_ok=
fi

# boot LABEL DIR SCENARIO...: Debian's own kernel in QEMU with the modules
# in DIR, a runner with the harness and the scenarios but no module of its
# own: loads nmr and runs each SCENARIO (a path under tests/scenarios/).
# $accel, when set, is QEMU's -accel for this boot (default $NMR_ACCEL, or
# tcg).
boot() {
	local label=$1 dir=$2 vm=$out/vm-$1 guest=$out/guest-$1.sh log=$out/console-$1.log sc rc
	shift 2
	mkdir -p "$vm"
	cp -r "$NMR_TOP/scripts" "$NMR_TOP/tests" "$vm/"
	local steps=(". /lib/nmr/lib.sh" "nmr_run_cmd load_nmr insmod /lib/nmr/nmr.ko"
		     "grep -q '^nmr ' /proc/modules || exit 1")
	local expect=(--expect cmd:load_nmr)
	for sc in "$@"; do
		steps+=("nmr_run_scenario /lib/nmr/scenarios/$sc")
		expect+=(--expect "scenario:$(basename "$sc" .sh)")
	done
	steps+=("rmmod nmr")
	printf '%s\n' "${steps[@]}" >"$guest"
	say "booting $vmlinuz in QEMU ($label; console log: $log)"
	NMR_QUIET=1 NMR_KERNEL=$vmlinuz NMR_ACCEL=${accel:-${NMR_ACCEL:-tcg}} \
		"$vm/scripts/vm-run.sh" -t "${NMR_VM_TIMEOUT:-900}" \
		-l "$log" "$dir"/*.ko "$guest" >"$out/vm-$label.log" 2>&1
	rc=$?
	if grep -q "Linux version $rel .*Debian $image_ver " "$log"; then
		echo "PASS $name ($label): QEMU boots Debian's vmlinuz (linux-image $image_ver)" | record
	else
		{ echo "FAIL $name ($label): QEMU boots Debian's vmlinuz (linux-image $image_ver)"
		  echo "  no 'Linux version $rel ... Debian $image_ver' line in $log"
		  sed 's/^/  /' "$out/vm-$label.log"; } | record
	fi
	python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$(nmr_src_dir)/tools/testing/kunit/kunit.py" \
		"${expect[@]}" "$log" | sed "s/^\(PASS\|FAIL\) /\1 $name ($label): /" | record
	if [ $rc -ne 0 ]; then
		{ echo "FAIL $name ($label): test VM exited with status $rc (see $log)"
		  sed 's/^/  /' "$out/vm-$label.log"; } | record
	fi
}

# 3. With DKMS by hand: its Module.symvers for other modules, the template
# built against it, every scenario and the template's on Debian's kernel,
# then dkms remove.
if [ -n "$dkms_ok" ]; then
	if [ -f "$usrsrc/$rel/Module.symvers" ]; then
		echo "PASS $name: dkms install leaves $usrsrc/$rel/Module.symvers for other modules" | record
	else
		fail "$name: dkms install leaves $usrsrc/$rel/Module.symvers for other modules" "$out/dkms.log"
	fi
	own_module DKMS ko
	if [ -n "$image_ok" ]; then
		scenarios=()
		for sc in "$NMR_TOP"/tests/scenarios/*.sh; do
			[ -e "$sc" ] && scenarios+=("$(basename "$sc")")
		done
		boot dkms "$out/ko" "${scenarios[@]}" own/template.sh
		# The packet hook under traffic, in a boot of its own with
		# single-threaded TCG: under QEMU 7.2's multi-threaded TCG,
		# Debian's kernel patching the netfilter static key in
		# ip_local_deliver() while both vCPUs run through it live-locks
		# both, with no module of nmr loaded (a bare nf hook does it;
		# docs/testing.md).  Single-threaded TCG still runs two vCPUs,
		# interleaved, and patches the same key under the same traffic.
		# With NMR_ACCEL=kvm, as every boot, under KVM.
		hook_accel=tcg,thread=single
		[ "${NMR_ACCEL:-tcg}" = tcg ] || hook_accel=$NMR_ACCEL
		accel=$hook_accel boot dkms-hook "$out/ko" hook/hook_traffic.sh
	fi
	$SUDO dkms remove "nmr/$ver" --all >>"$out/dkms.log" 2>&1
	# It leaves the sources dkms add copied, and nothing else there.
	nothing_left "dkms remove --all" "$dsrc"
	dkms_remove
else
	{ echo "FAIL $name: boot $vmlinuz and run the sample scenarios"
	  echo "  not run: no modules installed by DKMS to load"; } | record
fi

# 4. The Debian package, as a user installs it: apt-get install, the
# template built against it and loaded, apt-get purge.
if dpkg-query -W -f='${Status}' nmr-dkms 2>/dev/null | grep -q 'ok installed'; then
	{ echo "FAIL $name: the nmr-dkms package"
	  echo "  nmr-dkms is installed on this machine, not by this check;" \
		"to run it: sudo apt-get purge nmr-dkms"; } | record
	finish
fi
say "make deb"
if ! deb=$("$NMR_TOP/scripts/deb.sh" 2>"$out/deb.log"); then
	fail "$name: make deb builds nmr-dkms_${ver}_all.deb with no lintian error" "$out/deb.log"
	finish
fi
echo "PASS $name: make deb: $(basename "$deb"), lintian: no errors" \
	"($(grep -c '^W: ' "$NMR_OUT/deb/lintian.txt") warnings)" | record
deb_purge() { $SUDO apt-get purge -y nmr-dkms >>"$out/apt.log" 2>&1; }
trap 'deb_purge; dkms_remove' EXIT
say "apt-get install $deb"
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "$deb" >"$out/apt.log" 2>&1 ||
   ! $SUDO dkms status "nmr/$ver" -k "$rel" | grep -q ': installed'; then
	fail "$name: apt-get install ./$(basename "$deb") builds and installs nmr for $rel" "$out/apt.log"
else
	missing=$(collect_modules "$out/ko-deb")
	if [ -n "$missing" ] || [ ! -f "$usrsrc/$rel/Module.symvers" ]; then
		{ echo "FAIL $name: apt-get install ./$(basename "$deb") installs every module and $usrsrc/$rel/Module.symvers"
		  echo "  missing:$missing $([ -f "$usrsrc/$rel/Module.symvers" ] || echo "$usrsrc/$rel/Module.symvers")"; } | record
	else
		echo "PASS $name: apt-get install ./$(basename "$deb"): DKMS built and installed" \
			"$(wc -w <<<"$expected") modules, and $usrsrc/$rel/Module.symvers" | record
	fi
	own_module "the package" ko-deb
	[ -z "$image_ok" ] || boot deb "$out/ko-deb" own/template.sh
fi
say "apt-get purge nmr-dkms"
if deb_purge && ! dpkg-query -W -f='${Status}' nmr-dkms 2>/dev/null | grep -q 'ok installed'; then
	nothing_left "apt-get purge nmr-dkms"
else
	fail "$name: apt-get purge nmr-dkms" "$out/apt.log"
fi
finish
