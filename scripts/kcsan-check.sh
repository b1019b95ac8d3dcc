#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kcsan (and a stage of make check): build the KCSAN kernel
# (scripts/kconfig/kcsan.config; cached like the others), build nmr.ko, the
# KUnit modules and the samples against it in a copy of the tree (so the
# modules make check built for the debug kernel stay as they are), boot
# QEMU once to run the core, misuse, stress and Windows KUnit suites and
# every scenario (the unload-order torture in its default subset), and
# print one PASS/FAIL line per test, named "kcsan: ...".  A KCSAN report
# ("BUG: KCSAN: ...") fails the test it was printed in, like any other
# splat, unless both its accesses are in the kernel itself
# ($NMR_KCSAN_KERNEL_RACE, scripts/lib.sh): those are listed in
# out/kcsan/kernel-races.txt.  Progress and the summary go to stderr; the
# console log is out/kcsan/console.log.  Exits non-zero when anything
# failed.
#
# KCSAN samples: it watches one of every KCSAN_SKIP_WATCH (4000 by default,
# randomised) memory accesses of a CPU for a few microseconds, and under
# TCG the suites make a few hundred NMR calls a second.  A seeded plain
# counter incremented by every nmr_*_enter() was reported in 1 of 2 runs of
# the stress suite at that rate, in 3 of 3 at one access in 100, which
# KCSAN watches during the KUnit suites (NMR_KCSAN_SKIP_WATCH); the
# scenarios run at the default rate.
#
# NMR_KCSAN_KUNIT="nmr_core_test ..." runs other KUnit modules (without
# .ko; nmr_review_test is left out for time, about 140 s here),
# NMR_KCSAN_SCENARIOS="bridge ..." other scenarios (without .sh), "none"
# none; NMR_KCSAN_STRESS="adversarial_ms=60000 ..." passes parameters to
# nmr_stress_test.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The VM boots the KCSAN kernel, whatever the caller's environment says.
unset NMR_KERNEL

start=$(date +%s)
out=$NMR_OUT/kcsan
copy=$out/build
log=$out/console.log
mkdir -p "$out"

# Every line of stdout is a result; a stage that fails before the VM ran
# is one FAIL line.
fail() {
	echo "FAIL kcsan: $1"
	[ -f "${2:-}" ] && sed 's/^/  /' "$2" | tail -n 40
	exit 1
}

KDIR=$(NMR_FLAVOR=kcsan "$NMR_TOP/scripts/build-kernel.sh") || fail "kernel build (NMR_FLAVOR=kcsan)"
export KDIR
built=$(date +%s)
kunit_py=$(nmr_src_dir)/tools/testing/kunit/kunit.py

nmr_copy_sources "$copy"
# What this VM loads: the core, the KUnit suites and the samples.
cat >"$copy/Kbuild" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
# Written by scripts/kcsan-check.sh: what the KCSAN VM loads.
obj-m += nmr/ kunit/ providers/ clients/
EOF
# No objects yet: nothing for build-modules.sh to clean.
echo "$KDIR" >"$copy/.nmr-kdir"
"$copy/scripts/build-modules.sh" >"$out/build.log" 2>&1 ||
	fail "build: every module against the KCSAN kernel, W=1" "$out/build.log"
# An uninstrumented nmr.ko would pass every test here without checking one
# access.
nm "$copy/nmr/nmr.ko" | grep -c '__tsan_' >/dev/null ||
	fail "build: nmr.ko has no KCSAN instrumentation (__tsan_*)"
modules=$(date +%s)

# The kernel's own data races ($NMR_KCSAN_KERNEL_RACE, scripts/lib.sh) fail
# nothing; they are listed in out/kcsan/kernel-races.txt.
kernel_race=$NMR_KCSAN_KERNEL_RACE

guest=$out/kcsan-guest.sh
steps=(". /lib/nmr/lib.sh"
	"skip_watch=/sys/module/kcsan/parameters/skip_watch"
	"kcsan_setup() {
	grep -qx 'enabled: 1' /sys/kernel/debug/kcsan || { echo 'KCSAN is not enabled' >&2; return 1; }
	skip_default=\$(cat \$skip_watch) && echo ${NMR_KCSAN_SKIP_WATCH:-100} >\$skip_watch
}"
	"nmr_run_cmd kcsan_setup kcsan_setup"
	"insmod /lib/nmr/nmr.ko || exit 1")
expect=(--expect "cmd:kcsan_setup")
kunit=${NMR_KCSAN_KUNIT:-nmr_core_test nmr_misuse_test nmr_stress_test nmr_netioddk_test}
[ "$kunit" = none ] && kunit=
for name in $kunit; do
	[ -e "$copy/kunit/$name.ko" ] || fail "no KUnit module kunit/$name.ko"
	params=
	[ "$name" = nmr_stress_test ] && params=${NMR_KCSAN_STRESS:+ $NMR_KCSAN_STRESS}
	steps+=("nmr_run_kunit /lib/nmr/$name.ko$params")
	expect+=(--expect "kunit:$name")
done
if [ "${NMR_KCSAN_SCENARIOS:-}" = none ]; then
	scenarios=()
elif [ -n "${NMR_KCSAN_SCENARIOS:-}" ]; then
	scenarios=()
	for name in $NMR_KCSAN_SCENARIOS; do
		scenarios+=("$copy/tests/scenarios/$name.sh")
	done
else
	scenarios=("$copy"/tests/scenarios/*.sh)
fi
# The scenarios, at KCSAN's default rate: they load and unload modules
# rather than race, and those that hold a request for a few seconds need
# the VM's speed.
steps+=("echo \$skip_default >\$skip_watch")
for sc in "${scenarios[@]}"; do
	[ -e "$sc" ] || fail "no scenario $sc"
	steps+=("nmr_run_scenario /lib/nmr/scenarios/$(basename "$sc")")
	expect+=(--expect "scenario:$(basename "$sc" .sh)")
done
# KCSAN's own counters (watchpoints set up, races found) for the log.
steps+=("cat /sys/kernel/debug/kcsan | while IFS= read -r l; do nmr_log \"kcsan-stats: \$l\"; done"
	"rmmod nmr")
printf '%s\n' "${steps[@]}" >"$guest"

echo "nmr: booting the KCSAN VM (console log: $log)" >&2
# The copy's vm-run.sh finds the copy's modules (built for the KCSAN
# kernel); NMR_OUT is the copy's own, so none of them is left out.
NMR_OUT='' NMR_QUIET=1 "$copy/scripts/vm-run.sh" -t "${NMR_VM_TIMEOUT:-2700}" -l "$log" "$guest"
vm_rc=$?
finished=$(date +%s)

results=$out/results.txt
# Lockdep must still be on at the end, as in make check.
lockdep=
grep -q '^CONFIG_PROVE_LOCKING=y' "$KDIR/.config" && lockdep=--lockdep
python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$kunit_py" $lockdep "${expect[@]}" \
	--ignore-splat "$kernel_race" "$log" |
	sed -E 's/^(PASS|FAIL) /\1 kcsan: /' >"$results"
if [ $vm_rc -ne 0 ]; then
	echo "FAIL kcsan: test VM exited with status $vm_rc (see $log)" >>"$results"
fi
cat "$results"

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
reports=$(grep -c 'BUG: KCSAN:' "$log")
sed -n 's/^\[[ 0-9.]*\] //p' "$log" | grep -E "$kernel_race" | sort | uniq -c | sort -rn >"$out/kernel-races.txt"
kernel=$(grep -cE "$kernel_race" "$log")
echo "nmr: kcsan: $passed passed, $failed failed; $reports KCSAN reports, of which" \
	"$kernel the kernel's own (out/kcsan/kernel-races.txt); kernel ready in" \
	"$((built - start)) s, modules $((modules - built)) s, VM $((finished - modules)) s" >&2
[ "$failed" -eq 0 ]
