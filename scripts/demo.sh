#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: from a fresh machine, set up, build, boot the project's kernel
# in QEMU, load nmr.ko and the sample providers and clients, unload them
# (each deregisters from module_exit and waits), and print what the kernel
# logged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$NMR_TOP/scripts/setup.sh"
KDIR=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")}
export KDIR
"$NMR_TOP/scripts/build-modules.sh"

guest=$(mktemp /tmp/nmr-demo.XXXXXX.sh)
trap 'rm -f "$guest"' EXIT
cat >"$guest" <<'GUEST'
set -e
step() { echo; echo "### $*"; }
show() { dmesg -c | sed -n '/NMR-DEMO-MARK/,$p' | grep -v NMR-DEMO-MARK || true; }
mark() { echo NMR-DEMO-MARK >/dev/kmsg; }
# Kernel lines reach the console only through show(), once, in order.
echo 1 >/proc/sys/kernel/printk
dmesg -C
cd /lib/nmr
samples=$(ls nmr_sample_*.ko 2>/dev/null || true)

step "insmod nmr.ko dyndbg=+p   (lifecycle lines on)"
mark; insmod nmr.ko dyndbg=+p; show
for ko in $samples; do
	step "insmod $ko"
	mark; insmod "$ko"; show
done
for ko in $(echo $samples | tr ' ' '\n' | sort -r); do
	step "rmmod ${ko%.ko}"
	mark; rmmod "${ko%.ko}"; show
done
step "rmmod nmr"
mark; rmmod nmr; show
GUEST

mkdir -p "${NMR_OUT:-$NMR_TOP/out}"
echo "nmr: booting QEMU for the demo..."
NMR_QUIET=1 "$NMR_TOP/scripts/vm-run.sh" -t 600 -l "${NMR_OUT:-$NMR_TOP/out}/demo-console.log" "$guest" || {
	rc=$?
	echo "nmr: demo failed (status $rc); console log: ${NMR_OUT:-$NMR_TOP/out}/demo-console.log" >&2
	exit $rc
}
# The guest's own output (its step headers and dmesg excerpts), without
# the boot noise.
sed -n '/^### /,$p' "${NMR_OUT:-$NMR_TOP/out}/demo-console.log" | grep -v 'NMR-EXIT\|reboot:'
