#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build the debug kernel (cached) and
# every module with W=1, run checkpatch, sparse and kernel-doc
# (scripts/static-checks.sh), build the template as a module of one's own
# would be (scripts/own-module.sh), boot once to run every KUnit module and
# scenario script and a kmemleak scan, prove the harness itself catches what it must
# (scripts/selftest.sh), then build, DKMS-install and test on Debian's own
# 6.1 kernel (scripts/distro-check.sh).  Ends with one line `N passed, N failed` and
# a non-zero status if anything failed.
#
# Each stage runs through `stage NAME CMD...` (nmr_stage in scripts/lib.sh):
# its PASS/FAIL lines go to the results, and a stage that crashes, exits
# non-zero without a FAIL line, or prints nothing gets "FAIL NAME: ...".
# For a developer, NMR_NO_SELFTEST=1 and NMR_NO_DISTRO=1 skip those two
# stages (said at the end) and KDIR= tests against another kernel tree;
# .ci/run clears them all.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The test VM boots the project's kernel, whatever the caller's environment
# says (scripts/distro-check.sh sets NMR_KERNEL for its own VM only).
unset NMR_KERNEL

start=$(date +%s)
out=$NMR_OUT
mkdir -p "$out"
results=$out/results.txt
: >"$results"

record() { tee -a "$results"; }
stage() { nmr_stage "$results" "$@"; }
skipped=()

"$NMR_TOP/scripts/setup.sh" || nmr_die "setup failed"
KDIR=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")} || nmr_die "kernel build failed"
export KDIR
kunit_py=$(nmr_src_dir)/tools/testing/kunit/kunit.py

if "$NMR_TOP/scripts/build-modules.sh" >"$out/build.log" 2>&1; then
	echo "PASS build: every module, W=1, no warnings" | record
else
	{ echo "FAIL build: every module, W=1, no warnings"; sed 's/^/  /' "$out/build.log"; } | record
fi

# checkpatch --strict, sparse and kernel-doc: scripts/static-checks.sh.
stage static-checks "$NMR_TOP/scripts/static-checks.sh"

# The Spin model, exhaustively, and its seeded bugs (docs/design.md).
stage "model: model-check.sh" "$NMR_TOP/scripts/model-check.sh"
stage "model: model-mutations.sh" "$NMR_TOP/scripts/model-mutations.sh"

# A module of one's own: the template built out of the tree as the README
# says, against nmr installed for the project's kernel with make install
# (staged, DESTDIR=); the test VM loads it (scenarios/own/template.sh).
own=$out/own
stage "own module" "$NMR_TOP/scripts/own-module.sh" --install \
	"own module, project $(nmr_kernel_release "$KDIR")" "$KDIR" "$own"
own_ko=()
for ko in "$own"/my_provider.ko "$own"/my_client.ko; do
	[ -f "$ko" ] && own_ko+=("$ko")
done

# One VM runs every KUnit module and scenario, then looks for leaks; the
# parser is told each test the VM was asked to run.
guest=$out/check-guest.sh
steps=(". /lib/nmr/lib.sh" "nmr_kmemleak_baseline" "insmod /lib/nmr/nmr.ko || exit 1")
expect=(--expect kmemleak:baseline)
for ko in "$NMR_TOP"/kunit/*.ko; do
	[ -e "$ko" ] || continue
	steps+=("nmr_run_kunit /lib/nmr/$(basename "$ko")")
	expect+=(--expect "kunit:$(basename "$ko" .ko)")
done
# NMR_TORTURE=pairs (what CI sets) runs every load order and every unload
# order in unload_order_torture.sh, about 15 minutes more; unset, the
# scenario's own subset (about 100 s).
for sc in "$NMR_TOP"/tests/scenarios/*.sh; do
	[ -e "$sc" ] || continue
	args=
	[ "$(basename "$sc")" = unload_order_torture.sh ] && args=${NMR_TORTURE:+ $NMR_TORTURE}
	steps+=("nmr_run_scenario /lib/nmr/scenarios/$(basename "$sc")$args")
	expect+=(--expect "scenario:$(basename "$sc" .sh)")
done
# In hook/, so not in the Debian 6.1 check's "every scenario": that check
# runs it in a boot of its own, with single-threaded TCG (distro-check.sh).
steps+=("nmr_run_scenario /lib/nmr/scenarios/hook/hook_traffic.sh")
expect+=(--expect scenario:hook_traffic)
steps+=("nmr_run_scenario /lib/nmr/scenarios/own/template.sh")
expect+=(--expect scenario:template)
steps+=("nmr_kmemleak_check" "rmmod nmr")
expect+=(--expect "kmemleak:scan")
printf '%s\n' "${steps[@]}" >"$guest"

echo "nmr: booting the test VM (console log: $out/console.log)"
NMR_QUIET=1 "$NMR_TOP/scripts/vm-run.sh" -t "${NMR_VM_TIMEOUT:-2700}" \
	-l "$out/console.log" "${own_ko[@]}" "$guest"
vm_rc=$?
# A kernel with lockdep must still have it on at the end of the run.
lockdep=
grep -q '^CONFIG_PROVE_LOCKING=y' "$KDIR/.config" && lockdep=--lockdep
stage test-vm python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$kunit_py" $lockdep \
	"${expect[@]}" "$out/console.log"
if [ $vm_rc -ne 0 ]; then
	echo "FAIL test VM: exited with status $vm_rc (see $out/console.log)" | record
fi

# The KCSAN flavor, in a VM of its own: scripts/kcsan-check.sh (make kcsan).
stage kcsan "$NMR_TOP/scripts/kcsan-check.sh"

if [ -z "${NMR_NO_SELFTEST:-}" ]; then
	stage selftest "$NMR_TOP/scripts/selftest.sh"
else
	skipped+=("the harness self-test (NMR_NO_SELFTEST is set)")
fi

# Debian's own 6.1: W=1 build against its headers, dkms add/build/install,
# and every scenario on its unmodified kernel image in QEMU.
if [ -z "${NMR_NO_DISTRO:-}" ]; then
	stage distro-check "$NMR_TOP/scripts/distro-check.sh"
else
	skipped+=("the Debian 6.1 check (NMR_NO_DISTRO is set)")
fi

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
echo "nmr: make check took $(( $(date +%s) - start )) s; results in $results"
for what in "${skipped[@]}"; do
	echo "nmr: not run: $what"
done
[ "$KDIR" = "$("$NMR_TOP/scripts/build-kernel.sh" 2>/dev/null)" ] ||
	echo "nmr: tested against KDIR=$KDIR, not the project's kernel"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
