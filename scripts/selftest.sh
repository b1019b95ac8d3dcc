#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that the harness fails what it must.  Each fixture misbehaves in one
# way: a module of harness-fixtures/ or a scenario of
# harness-fixtures/scenarios/ run in a test VM (its console log judged by
# scripts/parse-results.py exactly as make check judges its own), or a
# broken stage, tool or environment given to the host-side scripts.  Each
# check prints PASS when the harness reported that fault the way it should
# (the FAIL line and the reason it printed are quoted), and FAIL when it let
# it through.  A clean run must pass, so that a harness failing everything
# cannot pass this either.  `make selftest` runs only these.
#
#   scripts/selftest.sh [NAME...]   only the VMs NAME (and "host": the
#                                   host-side checks), to try a fixture out
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The fixtures run on the project's kernel, whatever the caller's
# environment says.
unset NMR_KERNEL
out=$NMR_OUT/selftest
rm -rf "$out"
mkdir -p "$out"
KDIR=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")} || nmr_die "kernel build failed"
export KDIR
kunit_py=$(nmr_src_dir)/tools/testing/kunit/kunit.py
fix=$NMR_TOP/harness-fixtures
start=$(date +%s)
only=" $* "
# selected NAME: whether NAME is to run.
selected() { [ "$only" = "  " ] || [[ $only == *" $1 "* ]]; }

if ! "$NMR_TOP/scripts/build-modules.sh" "$fix" >"$out/build.log" 2>&1; then
	echo "FAIL harness self-test: fixtures do not build"
	sed 's/^/  /' "$out/build.log"
	exit 1
fi
# Every fixture module is in every VM (in /lib/nmr/), and every fixture
# scenario is written to /lib/nmr/scenarios/ by the guest script.
kos=("$fix"/*.ko)
scenarios=()
for sc in "$fix"/scenarios/*.sh; do
	scenarios+=("cat >/lib/nmr/scenarios/$(basename "$sc") <<'NMR_FIXTURE_EOF'
$(cat "$sc")
NMR_FIXTURE_EOF")
done

# vm NAME VM_STATUS [-t SECONDS] [--expect KIND:NAME ...] -- GUEST_LINES...
# Boots a VM of its own on $KDIR's kernel, with the modules in ${kos[@]},
# that runs GUEST_LINES, and judges its console log as make check does
# (--lockdep when that kernel has lockdep), into $out/NAME.verdict.  VM_STATUS is the status the
# VM must exit with (124 a hang, 125 a panic, "any" any but 0); when it
# does not, every check of this VM fails.
vm() {
	local timeout=150 expects=()
	vm_name=$1 vm_want=$2
	shift 2
	while [ "$1" != -- ]; do
		case $1 in
		-t) timeout=$2; shift 2 ;;
		*) expects+=("$1"); shift ;;
		esac
	done
	shift
	vm_skip=
	selected "$vm_name" || { vm_skip=1; return; }
	vm_log=$out/$vm_name.log
	verdict=$out/$vm_name.verdict
	printf '%s\n' ". /lib/nmr/lib.sh" "${scenarios[@]}" "$@" >"$out/$vm_name.sh"
	lockdep=
	grep -q '^CONFIG_PROVE_LOCKING=y' "$KDIR/.config" && lockdep=--lockdep
	NMR_QUIET=1 "$NMR_TOP/scripts/vm-run.sh" -t "$timeout" -l "$vm_log" "${kos[@]}" \
		"$out/$vm_name.sh" >"$out/$vm_name.vm" 2>&1
	vm_rc=$?
	python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$kunit_py" $lockdep "${expects[@]}" \
		"$vm_log" >"$verdict" 2>&1
	parse_rc=$?
}

# reasons TEST: the reasons the last verdict gives for FAIL TEST.
reasons() {
	awk -v t="FAIL $1" '$0 == t { on = 1; next } on && /^  / { print; next } { on = 0 }' "$verdict"
}

vm_status_ok() {
	case $vm_want in
	any) [ "$vm_rc" -ne 0 ] ;;
	*) [ "$vm_rc" -eq "$vm_want" ] ;;
	esac
}

not_caught() {
	echo "FAIL harness self-test: $1 is not caught: $2 (VM $vm_name: status $vm_rc," \
		"wanted $vm_want; parser status $parse_rc; log $vm_log)"
	sed 's/^/  | /' "$verdict" | head -40
}

# caught WHAT TEST REASON: the last VM's verdict has "FAIL TEST" with a
# reason matching REASON (an extended regular expression).
caught() {
	local line
	[ -z "$vm_skip" ] || return 0
	line=$(reasons "$2" | grep -E -m1 -- "$3")
	if ! vm_status_ok; then
		not_caught "$1" "the VM exited with status $vm_rc"
	elif [ "$parse_rc" -ne 1 ] || [ -z "$line" ]; then
		not_caught "$1" "no 'FAIL $2' with a reason matching /$3/"
	else
		echo "PASS harness self-test: $1 is caught: FAIL $2:${line# }"
	fi
}

# clean WHAT: the last VM's verdict has no FAIL line and the parser
# passed; each further argument is a PASS line it must have.
clean() {
	local what=$1 t missing=
	shift
	[ -z "$vm_skip" ] || return 0
	for t in "$@"; do
		grep -qxF "PASS $t" "$verdict" || missing="$missing; no 'PASS $t'"
	done
	if [ "$vm_rc" -ne 0 ] || [ "$parse_rc" -ne 0 ] || grep -q '^FAIL ' "$verdict" || [ -n "$missing" ]; then
		echo "FAIL harness self-test: $what fails (VM status $vm_rc, parser status $parse_rc$missing; log $vm_log)"
		sed 's/^/  | /' "$verdict" | head -40
	else
		echo "PASS harness self-test: $what passes: $(grep -c '^PASS ' "$verdict") PASS lines, no FAIL"
	fi
}

sc=/lib/nmr/scenarios

# A clean run: everything passes, lockdep is on at the end, no taint.
vm clean 0 --expect kmemleak:baseline --expect kunit:fixture_kunit_ok \
	--expect scenario:fixture_scenario_passes --expect cmd:true --expect kmemleak:scan -- \
	"nmr_kmemleak_baseline" \
	"nmr_run_kunit /lib/nmr/fixture_kunit_ok.ko" \
	"insmod /lib/nmr/nmr.ko" \
	"nmr_run_scenario $sc/fixture_scenario_passes.sh" \
	"nmr_run_cmd true true" \
	"nmr_kmemleak_check" \
	"rmmod nmr"
clean "a clean run" "kmemleak baseline" "fixture_kunit_ok: nmr_harness_fixture_ok.fixture_case_passes" \
	"scenario fixture_scenario_passes" "cmd true" "kmemleak scan" "lockdep still on at the end of the run"

# Faults that leave the kernel as it was: one VM for all of them.
vm quiet 0 --expect kunit:fixture_kunit_fail --expect kunit:fixture_no_ktap \
	--expect kunit:fixture_ktap_lost_line --expect scenario:fixture_never_run -- \
	"insmod /lib/nmr/nmr.ko" \
	"nmr_run_kunit /lib/nmr/fixture_kunit_fail.ko" \
	"nmr_run_kunit /lib/nmr/fixture_no_ktap.ko" \
	"nmr_run_kunit /lib/nmr/fixture_ktap_lost_line.ko" \
	"nmr_run_cmd before_reprint true" \
	"nmr_run_scenario $sc/fixture_scenario_exits_early.sh" \
	"nmr_run_scenario $sc/fixture_scenario_fails.sh" \
	"nmr_run_scenario $sc/fixture_scenario_fails_unmarked.sh" \
	"nmr_run_scenario $sc/fixture_scenario_lost_mark.sh" \
	"nmr_run_cmd taint sh -c 'echo 512 >/proc/sys/kernel/tainted'" \
	"rmmod nmr"
caught "a failing KUnit case" \
	"fixture_kunit_fail: nmr_harness_fixture.fixture_case_fails" "KUnit status FAILURE"
caught "a KUnit module that prints no KTAP" "kunit fixture_no_ktap (module)" "no KTAP results"
caught "a parameterised case's 'not ok' with every child line 'ok'" \
	"fixture_ktap_lost_line: nmr_harness_fixture_lost.fixture_case_params" "none of its cases failed"
caught "a test that never started" "scenario fixture_never_run" "never started"
caught "a scenario exiting 0 before its end" "scenario fixture_scenario_exits_early" \
	"did not log \"scenario fixture_scenario_exits_early: passed\""
caught "a scenario exiting non-zero" "scenario fixture_scenario_fails" "^  exited with status 1$"
caught "a scenario whose mark is gone from the kernel log" "scenario fixture_scenario_lost_mark" \
	"<mark 1> is no longer in the kernel log"
caught "a taint with no message" "cmd taint" "tainted the kernel: W"
# fixture_scenario_fails_unmarked reprinted every earlier marker: each test
# must still be reported once, from its own markers.
[ -n "$vm_skip" ] || {
dups=$(sed -n 's/^\(PASS\|FAIL\) //p' "$verdict" | sort | uniq -d)
if [ -z "$dups" ] && [ "$(grep -cx 'PASS cmd before_reprint' "$verdict")" = 1 ] &&
	reasons "scenario fixture_scenario_fails_unmarked" | grep -q "exited with status 1" &&
	! grep -q 'began a second time\|did not finish' "$verdict"; then
	echo "PASS harness self-test: a reprinted kernel log is caught: FAIL scenario" \
		"fixture_scenario_fails_unmarked: exited with status 1, and no phantom result from its old markers"
else
	not_caught "a reprinted kernel log" "phantom results: ${dups:-duplicates none, but markers were taken from the reprint}"
fi
}

# Splats that taint or not, inside a KUnit case, between tests, in a command.
vm splats 0 --expect kunit:fixture_kunit_splat --expect cmd:atomic_sleep -- \
	"nmr_run_kunit /lib/nmr/fixture_kunit_splat.ko" \
	"insmod /lib/nmr/fixture_warn.ko" \
	"nmr_run_cmd atomic_sleep insmod /lib/nmr/fixture_atomic_sleep.ko"
caught "a splat inside a passing KUnit case" \
	"fixture_kunit_splat: nmr_harness_fixture_splat.fixture_case_warns" "kernel splat during the test"
caught "a splat between tests" "kernel outside any test" "kernel splat"
caught "sleeping in atomic context" "cmd atomic_sleep" "BUG: sleeping function called from invalid context"

vm warn 0 -- "nmr_run_cmd warn insmod /lib/nmr/fixture_warn.ko"
caught "a WARN_ON" "cmd warn" "^  kernel splat"
caught "a WARN_ON's taint" "cmd warn" "tainted the kernel: W"

vm lockdep 0 -- "nmr_run_cmd lockdep insmod /lib/nmr/fixture_lockdep.ko"
caught "a lockdep inversion" "cmd lockdep" "possible circular locking dependency"

vm lockdep_key 0 -- "nmr_run_cmd lockdep_key insmod /lib/nmr/fixture_lockdep_key.ko" \
	"nmr_run_cmd after true"
caught "lockdep switched off by a lock with no key" "cmd lockdep_key" \
	"INFO: trying to register non-static key"
caught "lockdep switched off (debug_locks)" "cmd lockdep_key" "lockdep switched itself off"
caught "lockdep off at the end of the run" "lockdep still on at the end of the run" "debug_locks is 0"

vm lockdep_off 0 -- "nmr_run_cmd lockdep_off insmod /lib/nmr/fixture_lockdep_off.ko"
caught "lockdep switched off silently" "cmd lockdep_off" "lockdep switched itself off"

vm kasan 0 -- "nmr_run_cmd kasan insmod /lib/nmr/fixture_kasan.ko"
caught "a KASAN report" "cmd kasan" "BUG: KASAN: slab-out-of-bounds"
caught "a KASAN report's taint" "cmd kasan" "tainted the kernel: .*B"

vm lockup 0 -t 180 -- "echo 2 >/proc/sys/kernel/watchdog_thresh" \
	"nmr_run_cmd lockup insmod /lib/nmr/fixture_lockup.ko spin_ms=12000"
caught "a soft lockup" "cmd lockup" "BUG: soft lockup"
caught "a soft lockup's taint" "cmd lockup" "tainted the kernel: .*L"

vm leak 0 --expect kmemleak:scan -- "nmr_kmemleak_baseline" \
	"nmr_run_cmd leak insmod /lib/nmr/fixture_leak.ko" "nmr_kmemleak_check"
caught "a leaked allocation" "kmemleak scan" "kmemleak found leaks"

vm kmemleak_off 0 --expect kmemleak:scan -- "nmr_kmemleak_baseline" \
	"nmr_run_cmd kmemleak_off sh -c 'echo off >/sys/kernel/debug/kmemleak'" "nmr_kmemleak_check"
caught "kmemleak disabled" "kmemleak scan" "kmemleak is disabled"
caught "kmemleak's message that it is disabled" "cmd kmemleak_off" "Kernel memory leak detector disabled"

# Judged by the parser's verdict on the test, not only by vm-run.sh.
vm hang 124 -t 75 -- "echo 10 >/proc/sys/kernel/hung_task_timeout_secs" \
	"insmod /lib/nmr/fixture_hang.ko" "nmr_run_cmd hang rmmod fixture_hang"
caught "a module_exit that hangs" "cmd hang" "did not finish"
caught "a hung task" "cmd hang" "INFO: task rmmod:[0-9]+ blocked for more than"

vm panic 125 -- "nmr_run_cmd panic insmod /lib/nmr/fixture_panic.ko"
caught "a kernel panic" "cmd panic" "did not finish"
caught "a kernel panic's message" "cmd panic" "Kernel panic - not syncing: nmr harness fixture"

vm kunit_crash 125 --expect kunit:fixture_kunit_crash -- \
	"nmr_run_kunit /lib/nmr/fixture_kunit_crash.ko"
caught "a KUnit module crashing mid-suite" "kunit fixture_kunit_crash" "did not finish"
caught "a KUnit module's crash" "kunit fixture_kunit_crash" "Oops: "

# The unload-order torture's checks must not pass when its checker fails:
# once the scenario has written check.awk, it is replaced by one that exits
# 1 with no output (busybox runs its own awk whatever PATH says).
awk_file=/tmp/scn-unload_order_torture.check.awk
vm torture_check 0 --expect scenario:unload_order_torture -- \
	"insmod /lib/nmr/nmr.ko" \
	"(until [ -s $awk_file ]; do sleep 0.1; done; sleep 0.5; echo 'BEGIN { exit 1 }' >$awk_file) &" \
	"nmr_run_scenario $sc/unload_order_torture.sh ci 1"
caught "a torture check whose awk fails" "scenario unload_order_torture" "check.awk failed \\(status 1\\)"

# KCSAN (scripts/kconfig/kcsan.config): a data race between two kthreads on
# the KCSAN kernel, judged as scripts/kcsan-check.sh judges (the kernel's
# own races ignored), must fail the test it was printed in.
if selected kcsan_race; then
	kcsan_fix=$out/kcsan-fixture
	mkdir -p "$kcsan_fix"
	cp "$fix/fixture_data_race.c" "$kcsan_fix/"
	echo 'obj-m += fixture_data_race.o' >"$kcsan_fix/Kbuild"
	if ! kcsan_kdir=$(NMR_FLAVOR=kcsan "$NMR_TOP/scripts/build-kernel.sh" 2>"$out/kcsan-build.log"); then
		echo "FAIL harness self-test: the KCSAN kernel does not build"
		tail -n 20 "$out/kcsan-build.log" | sed 's/^/  | /'
	elif ! KDIR=$kcsan_kdir "$NMR_TOP/scripts/build-modules.sh" "$kcsan_fix" >"$out/kcsan-build.log" 2>&1; then
		echo "FAIL harness self-test: the KCSAN fixture does not build"
		sed 's/^/  | /' "$out/kcsan-build.log"
	else
		(
			KDIR=$kcsan_kdir
			kos=("$kcsan_fix/fixture_data_race.ko")
			vm kcsan_race 0 --ignore-splat "$NMR_KCSAN_KERNEL_RACE" -- \
				"nmr_run_cmd race insmod /lib/nmr/fixture_data_race.ko"
			caught "a data race (KCSAN)" "cmd race" \
				"BUG: KCSAN: data-race in fixture_race_(read|write)"
		)
	fi
fi

selected host || exit 0

# Host side: a stage of make check that crashes, or prints nothing.
r=$out/stage-results
: >"$r"
nmr_stage "$r" fixture-crash bash -c 'echo "PASS fixture-crash: one check"; kill -SEGV $$' >/dev/null 2>&1
nmr_stage "$r" fixture-silent true >/dev/null 2>&1
for want in "FAIL fixture-crash: exited with status 139" "FAIL fixture-silent: printed no result"; do
	if grep -qxF "$want" "$r"; then
		echo "PASS harness self-test: a stage that ${want#*: } is caught: $want"
	else
		echo "FAIL harness self-test: a stage that ${want#*: } is not caught"
		sed 's/^/  | /' "$r"
	fi
done

# sparse: a seeded bug must be reported, and sparse that cannot run (make
# fails before any CHECK) must fail the check.
"$NMR_TOP/scripts/static-checks.sh" --dir "$fix/sparse" sparse >"$out/sparse.bug" 2>&1
if grep -q '^FAIL static: sparse' "$out/sparse.bug" &&
	grep -q 'fixture_sparse.c:[0-9]*:[0-9]*: warning: dereference of noderef expression' "$out/sparse.bug"; then
	echo "PASS harness self-test: a bug only sparse sees is caught: $(grep -m1 'noderef' "$out/sparse.bug" | sed 's|^ *.*/||')"
else
	echo "FAIL harness self-test: a bug only sparse sees is not caught"
	sed 's/^/  | /' "$out/sparse.bug"
fi
KDIR=/nonexistent "$NMR_TOP/scripts/static-checks.sh" sparse >"$out/sparse.norun" 2>&1
if grep -q '^FAIL static: sparse' "$out/sparse.norun" && grep -q 'no CHECK line' "$out/sparse.norun"; then
	echo "PASS harness self-test: sparse not running is caught: $(grep -m1 'no CHECK line' "$out/sparse.norun" | cut -c1-60)..."
else
	echo "FAIL harness self-test: sparse not running is not caught"
	sed 's/^/  | /' "$out/sparse.norun"
fi

# make deb: a package lintian finds an error in must fail it (the copy
# has no debian/copyright: lintian's no-copyright-file).
seed=$out/deb-seed
nmr_copy_sources "$seed"
rm -f "$seed/debian/copyright"
NMR_OUT=$seed/out "$seed/scripts/deb.sh" >"$out/deb-seed.log" 2>&1
if grep -q 'lintian reports errors' "$out/deb-seed.log" &&
	grep -q '^E: nmr-dkms: no-copyright-file' "$out/deb-seed.log"; then
	echo "PASS harness self-test: a package lintian reports an error on fails make deb: $(grep -m1 '^E: ' "$out/deb-seed.log")"
else
	echo "FAIL harness self-test: make deb passes a package lintian reports an error on"
	sed 's/^/  | /' "$out/deb-seed.log" | tail -n 20
fi

# The own-module check: an nmr.mk that does not hand modpost nmr's
# Module.symvers must fail the template's build ("undefined").
seed=$out/own-seed
nmr_copy_sources "$seed"
sed -i '/^KBUILD_EXTRA_SYMBOLS/d' "$seed/nmr.mk"
"$seed/scripts/own-module.sh" --install own-seed "$KDIR" "$seed/out" >"$out/own-seed.log" 2>&1
if grep -q '^FAIL own-seed: the template builds against' "$out/own-seed.log" &&
	grep -q 'ERROR: modpost: "__nmr_register_client" .* undefined' "$out/own-seed.log"; then
	echo "PASS harness self-test: an nmr.mk without nmr's symbols fails the own-module check: $(grep -m1 'modpost:' "$out/own-seed.log" | sed 's|^ *||; s|\[.*/|[|')"
else
	echo "FAIL harness self-test: an nmr.mk without nmr's symbols passes the own-module check"
	sed 's/^/  | /' "$out/own-seed.log" | tail -n 20
fi

# .ci/run must not pass on what the runner's environment says: a fake
# make records the environment make check would have started with.
bin=$out/fake-bin
mkdir -p "$bin"
printf '%s\n' '#!/bin/sh' "{ echo \"args: \$*\"; env; } >'$out/ci-env'" >"$bin/make"
chmod +x "$bin/make"
knobs="NMR_NO_SELFTEST NMR_NO_DISTRO NMR_KERNEL KDIR NMR_FLAVOR NMR_CACHE NMR_OUT NMR_VM_TIMEOUT KCFLAGS MAKEFLAGS LANG"
env PATH="$bin:$PATH" NMR_NO_SELFTEST=1 NMR_NO_DISTRO=1 NMR_KERNEL=/boot/vmlinuz KDIR=/tmp \
	NMR_FLAVOR=bench NMR_CACHE=/tmp NMR_OUT=/tmp NMR_VM_TIMEOUT=1 KCFLAGS=-w MAKEFLAGS=-i \
	LANG=de_DE.UTF-8 "$NMR_TOP/.ci/run" >"$out/ci-run.log" 2>&1
leaked=
for k in $knobs; do
	grep -q "^$k=" "$out/ci-env" 2>/dev/null && leaked="$leaked $k"
done
if [ -s "$out/ci-env" ] && [ -z "$leaked" ] && grep -qx 'args: check' "$out/ci-env" &&
	grep -qx 'NMR_TORTURE=pairs' "$out/ci-env" && grep -qx 'LC_ALL=C' "$out/ci-env"; then
	echo "PASS harness self-test: .ci/run ignores the runner's environment: none of$leaked $knobs reaches make check"
else
	echo "FAIL harness self-test: .ci/run passes on the runner's environment:${leaked:- (make check not run as expected)}"
	sed 's/^/  | /' "$out/ci-env" "$out/ci-run.log" 2>/dev/null | head -40
fi

echo "nmr: the harness self-test took $(( $(date +%s) - start )) s (logs in $out)" >&2
