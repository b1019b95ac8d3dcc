#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the project's kernel (tinyconfig + scripts/kconfig/$NMR_FLAVOR.config)
# from Debian's linux-source-6.12 into the cache, unless a finished build for
# this source version and fragment is there already.  Prints the build tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$NMR_TOP/scripts/setup.sh" >&2
kdir=$(nmr_kdir)
src=$(nmr_src_dir)
frag=$NMR_TOP/scripts/kconfig/$NMR_FLAVOR.config

if [ -f "$kdir/.nmr-built" ]; then
	echo "$kdir"
	exit 0
fi

if [ ! -f "$src/Makefile" ]; then
	echo "nmr: unpacking $NMR_SRC_TARBALL into $(dirname "$src")" >&2
	rm -rf "$(dirname "$src")"
	mkdir -p "$(dirname "$src")"
	tar -xf "$NMR_SRC_TARBALL" -C "$(dirname "$src")"
fi

rm -rf "$kdir"
mkdir -p "$kdir"
log=$kdir/build.log
start=$(date +%s)
echo "nmr: building the $NMR_FLAVOR kernel in $kdir (first time: a few minutes; log in $log)" >&2

make -s -C "$src" O="$kdir" ARCH=x86_64 tinyconfig >"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$kdir" "$kdir/.config" "$frag" >>"$log" 2>&1
make -C "$src" O="$kdir" ARCH=x86_64 olddefconfig >>"$log" 2>&1

# merge_config only warns when Kconfig drops a requested option; a debug
# kernel missing KASAN or lockdep would pass tests it should fail.
bad=0
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	opt=${line%%=*} want=${line#*=}
	if [ "$want" = n ]; then
		grep -q "^$opt=" "$kdir/.config" && { echo "nmr: $opt is set, wanted n" >&2; bad=1; }
	else
		grep -qx "$opt=$want" "$kdir/.config" || { echo "nmr: $opt is not $want in the built config" >&2; bad=1; }
	fi
done <"$frag"
[ $bad -eq 0 ] || nmr_die "config fragment not honoured; see $kdir/.config"

jobs=$(( $(nproc) + 1 ))
make -C "$src" O="$kdir" ARCH=x86_64 -j"$jobs" bzImage modules 2>&1 | tee -a "$log" |
	awk '/^  (CC|AR|LD|AS)/ { n++; if (n % 250 == 0) { printf "nmr: kernel build: %d objects...\n", n; fflush() } }' >&2
[ "${PIPESTATUS[0]}" -eq 0 ] || nmr_die "kernel build failed; see $log"

touch "$kdir/.nmr-built"
echo "nmr: kernel built in $(( $(date +%s) - start )) s" >&2
echo "$kdir"
