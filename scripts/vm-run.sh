#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the project's kernel in QEMU with the project's modules (and any
# extra .ko files) in /lib/nmr/, run a shell script there, print the
# console log and exit with the script's status.
#
#   scripts/vm-run.sh [-t SECONDS] [-l LOGFILE] [extra.ko ...] script.sh [args...]
#
# NMR_KERNEL=IMAGE boots that kernel image instead of the project's (a
# distro kernel's vmlinuz; the tree's modules must then be built for it).
# NMR_ACCEL=kvm uses KVM where nested virtualisation works (default tcg).
# NMR_QUIET=1 writes the console only to the log file.
# Exit status: the script's, 124 when the VM hit the timeout, 125 when the
# kernel died (panic) before the script finished.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

timeout_s=${NMR_VM_TIMEOUT:-900}
log=
while getopts "t:l:" opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	l) log=$OPTARG ;;
	*) nmr_die "usage: $0 [-t SECONDS] [-l LOGFILE] [extra.ko ...] script.sh [args...]" ;;
	esac
done
shift $((OPTIND - 1))

extra=()
while [ $# -gt 0 ] && [[ $1 == *.ko ]]; do
	extra+=("$1")
	shift
done
[ $# -ge 1 ] || nmr_die "no script to run"
script=$1
shift
[ -f "$script" ] || nmr_die "no such script: $script"

if [ -n "${NMR_KERNEL:-}" ]; then
	kernel=$NMR_KERNEL
else
	kdir=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")}
	kernel=$kdir/arch/x86/boot/bzImage
fi
[ -f "$kernel" ] || nmr_die "no kernel image at $kernel"

work=$(mktemp -d /tmp/nmr-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/nmr,etc}
cp /bin/busybox "$root/bin/busybox"
cp "$NMR_TOP/scripts/guest/init" "$root/init"
cp "$NMR_TOP/scripts/guest/lib.sh" "$root/lib/nmr/lib.sh"
cp "$script" "$root/lib/nmr/test.sh"
printf '%q ' "$@" >"$root/lib/nmr/test.args"
# Not out/: make bench builds a copy of the tree there, for another kernel.
find "$NMR_TOP" -name '*.ko' -not -path "$NMR_TOP/.git/*" -not -path "$NMR_TOP/harness-fixtures/*" \
	-not -path "$NMR_OUT/*" -not -path "$NMR_TOP/out/*" \
	-exec cp {} "$root/lib/nmr/" \;
# The traffic generator of the packet hook scenarios and of make bench:
# static, as busybox is, built here when its source is newer.
traffic=$NMR_OUT/tools/nmr-traffic
traffic_src=$NMR_TOP/tests/traffic/nmr_traffic.c
if [ ! -x "$traffic" ] || [ "$traffic_src" -nt "$traffic" ]; then
	mkdir -p "$(dirname "$traffic")"
	gcc -static -O2 -Wall -Wextra -Werror -o "$traffic.new" "$traffic_src" ||
		nmr_die "cannot build $traffic from $traffic_src"
	mv "$traffic.new" "$traffic"
fi
cp "$traffic" "$root/bin/"
for ko in "${extra[@]}"; do
	cp "$ko" "$root/lib/nmr/"
done
# Guest-side scenario scripts, so one test script can run them all.
if [ -d "$NMR_TOP/tests/scenarios" ]; then
	mkdir -p "$root/lib/nmr/scenarios"
	cp "$NMR_TOP"/tests/scenarios/*.sh "$root/lib/nmr/scenarios/" 2>/dev/null || true
	# Subdirectories, so not run as scenarios: lib/, the helpers the
	# scenarios source, and own/, the ones a run asks for by name.
	for d in "$NMR_TOP"/tests/scenarios/*/; do
		[ -d "$d" ] && cp -r "$d" "$root/lib/nmr/scenarios/"
	done
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

[ -n "$log" ] || log=$work/console.log
accel=${NMR_ACCEL:-tcg}
cmdline="console=ttyS0 panic=1 oops=panic nokaslr loglevel=7 kmemleak=on"
# Slack for TCG on a shared host, where a vCPU can go unscheduled for
# seconds: the kernel's detectors still report a real stall or lockup,
# later.  RCU stalls after 60 s (not 21), soft lockups after 40 s (not 20),
# hung tasks after 90 s (not 30; the unload-order torture's own watchdog,
# 60 s, reports a stuck insmod or rmmod first, with its stack).
cmdline="$cmdline rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=20"
cmdline="$cmdline sysctl.kernel.hung_task_timeout_secs=90"

# The console goes to the log, and to stdout unless NMR_QUIET is set.
console() {
	if [ -n "${NMR_QUIET:-}" ]; then
		cat >"$log"
	else
		tee "$log"
	fi
}

set +e
timeout --foreground -k 5 "$timeout_s" \
	qemu-system-x86_64 -accel "$accel" -smp 2 -m 1G -cpu max \
	-kernel "$kernel" -initrd "$work/initrd.gz" -append "$cmdline" \
	-display none -monitor none -serial stdio -no-reboot </dev/null 2>&1 |
	tr -d '\r' | console
qemu_rc=${PIPESTATUS[0]}
set -e

# Only at the start of a kernel line: a test that reprints the kernel log
# must not make an earlier status look like the script's.
rc=$(sed -nE 's/^(\[ *[0-9]+\.[0-9]+\] )?NMR-EXIT: ([0-9]+)( .*)?$/\2/p' "$log" | tail -n 1)
if [ -n "$rc" ]; then
	exit "$rc"
fi
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "nmr: the VM did not finish within ${timeout_s} s and was killed (a hang: module_exit, a wait, a deadlock?)" >&2
	exit 124
fi
if grep -q 'Kernel panic' "$log"; then
	echo "nmr: the kernel panicked before the script finished:" >&2
	grep -m1 'Kernel panic' "$log" >&2
else
	echo "nmr: the VM stopped before the script finished (qemu status $qemu_rc)" >&2
fi
exit 125
