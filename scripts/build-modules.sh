#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build every module of the project (or of the directory given) with W=1
# against $KDIR, the project's kernel by default.  Fails on any compiler
# warning, so that "warning-free" is enforced, not hoped for.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$(cd "${1:-$NMR_TOP}" && pwd)
kdir=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")}
log=$(mktemp /tmp/nmr-build.XXXXXX)
trap 'rm -f "$log"' EXIT

# Kbuild tracks headers by the path it saw them at, so objects built against
# another kernel tree look up to date; clean when the tree changes.
stamp=$dir/.nmr-kdir
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	echo "nmr: $dir was not last built against $kdir; cleaning first"
	make -C "$kdir" M="$dir" clean >/dev/null 2>&1 || true
fi
echo "$kdir" >"$stamp"

echo "nmr: building modules in $dir against $kdir (W=1)"
if ! make -C "$kdir" M="$dir" W=1 modules >"$log" 2>&1; then
	cat "$log"
	nmr_die "module build failed"
fi
if grep -iE 'warning:|error:' "$log"; then
	nmr_die "module build printed warnings (W=1)"
fi
