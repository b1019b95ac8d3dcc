# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts: where the kernel source and the cached builds live.
# Sourced, not run.

NMR_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NMR_CACHE=${NMR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nmr}
NMR_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
NMR_FLAVOR=${NMR_FLAVOR:-debug}
# Logs and verdicts of make check, make demo and make selftest.
NMR_OUT=${NMR_OUT:-$NMR_TOP/out}

# The headline of a KCSAN report both of whose racing accesses are in
# vmlinux functions (no "[module]" in it): the kernel's own race, which
# fails no test (scripts/kcsan-check.sh, scripts/selftest.sh).  Strict mode
# on the whole kernel finds plenty (printk's ring buffer, hrtimers,
# workqueues, pipes, the page cache: 19 reports in one run), and nmr cannot
# fix them.  A race one of whose accesses is in nmr, a sample or a test
# module fails its test, even when the other is the kernel's.  (Missed: nmr
# calling into the kernel so that two kernel functions race; lockdep
# catches the usual way to do that.)
NMR_KCSAN_KERNEL_RACE='BUG: KCSAN: data-race in [^\[]*$'

# nmr_copy_sources DIR: DIR becomes a fresh copy of the tree's sources,
# without .git, out/ or anything a build made (objects built against
# another kernel must not be reused); make bench, make kcsan, make
# install, make deb and the distro check build there.
nmr_copy_sources() {
	rm -rf "$1" && mkdir -p "$1" &&
		tar -C "$NMR_TOP" --exclude=./.git --exclude=./out --exclude='*.o' --exclude='*.ko' \
			--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.order' \
			--exclude=Module.symvers --exclude=.nmr-kdir -cf - . | tar -C "$1" -xf -
}

nmr_die() { echo "nmr: error: $*" >&2; exit 1; }

# nmr_version: nmr's version, dkms.conf's PACKAGE_VERSION (the package's,
# and the V of /usr/src/nmr-V); dies when it sets none.
nmr_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$NMR_TOP/dkms.conf" | grep . ||
		nmr_die "dkms.conf sets no PACKAGE_VERSION"
}

# nmr_kernel_release KDIR: the release of the kernel KDIR builds for, as
# vermagic and Kbuild's KERNELRELEASE have it (UTS_RELEASE).  Not
# include/config/kernel.release, which in Debian's headers is the upstream
# version (6.1.192), not the package's (6.1.0-57-amd64).
nmr_kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null |
		grep . || return 1
}

# The Debian package version of the kernel source, e.g. 6.12.117-1~deb12u1.
nmr_src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
		nmr_die "linux-source-6.12 is not installed (run scripts/setup.sh)"
}

# Unpacked source tree, one per package version.
nmr_src_dir() { echo "$NMR_CACHE/src-$(nmr_src_version)/linux-source-6.12"; }

# Build tree, keyed by source version, flavor and the fragment's hash, so a
# change to either gives a new tree and the old one stays usable.
nmr_kdir() {
	local frag=$NMR_TOP/scripts/kconfig/$NMR_FLAVOR.config hash
	[ -f "$frag" ] || nmr_die "no config fragment $frag"
	hash=$(sha256sum "$frag" | cut -c1-12)
	echo "$NMR_CACHE/build-$(nmr_src_version)-$NMR_FLAVOR-$hash"
}

# nmr_stage RESULTS NAME CMD...: run one stage of make check (or of
# another runner): its output to stdout and appended to RESULTS.  A stage
# that exits with a status other than 0 (or 1, the usual "a check failed",
# after printing a FAIL line), or that prints no PASS or FAIL line at all,
# gets a FAIL line of its own: "FAIL NAME: exited with status N" or "FAIL
# NAME: printed no result", since it may have dropped its checks unseen.
# Returns the stage's status.
nmr_stage() {
	local results=$1 name=$2 log rc
	shift 2
	log=$(mktemp /tmp/nmr-stage.XXXXXX)
	"$@" | tee -a "$results" "$log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && grep -q '^FAIL ' "$log"; }; then
		echo "FAIL $name: exited with status $rc" | tee -a "$results"
	elif ! grep -qE '^(PASS|FAIL) ' "$log"; then
		echo "FAIL $name: printed no result" | tee -a "$results"
	fi
	rm -f "$log"
	return "$rc"
}
