#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that the harness fails what it must: each module in harness-fixtures/
# misbehaves in one way, runs in a VM of its own, and the harness has to
# report exactly that.  Each check prints PASS when the harness caught the
# fault and FAIL when it let it through.  `make selftest` runs only these.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$NMR_OUT/selftest
mkdir -p "$out"
KDIR=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")} || nmr_die "kernel build failed"
export KDIR
kunit_py=$(nmr_src_dir)/tools/testing/kunit/kunit.py
fix=$NMR_TOP/harness-fixtures

if ! "$NMR_TOP/scripts/build-modules.sh" "$fix" >"$out/build.log" 2>&1; then
	echo "FAIL harness self-test: fixtures do not build"
	sed 's/^/  /' "$out/build.log"
	exit 1
fi

# expect_caught NAME WHAT VM_STATUS PATTERN GUEST_LINES...
# Runs the fixture NAME; the check passes when the VM exits with VM_STATUS
# (or any non-zero status for "fail") and the harness's verdict (the
# parser's output, or the runner's message) matches PATTERN.
expect_caught() {
	local name=$1 what=$2 want_rc=$3 pattern=$4 timeout=${NMR_SELFTEST_TIMEOUT:-120}
	shift 4
	local guest=$out/$name.sh log=$out/$name.log verdict=$out/$name.verdict rc
	printf '%s\n' ". /lib/nmr/lib.sh" "$@" >"$guest"
	[ "$want_rc" = 124 ] && timeout=45
	NMR_QUIET=1 "$NMR_TOP/scripts/vm-run.sh" -t "$timeout" -l "$log" \
		"$fix/$name.ko" "$guest" >"$verdict" 2>&1
	rc=$?
	python3 "$NMR_TOP/scripts/parse-results.py" --kunit "$kunit_py" "$log" >>"$verdict" 2>&1
	if { [ "$want_rc" = any ] || [ "$rc" = "$want_rc" ]; } && grep -qE "$pattern" "$verdict"; then
		echo "PASS harness self-test: $what is caught"
	else
		echo "FAIL harness self-test: $what is not caught (VM status $rc, wanted $want_rc; log $log)"
		sed 's/^/  /' "$verdict" | head -40
	fi
}

expect_caught fixture_kunit_fail "a failing KUnit case" any \
	'^FAIL fixture_kunit_fail: .*fixture_case_fails' \
	"nmr_run_kunit /lib/nmr/fixture_kunit_fail.ko"
expect_caught fixture_warn "a WARN_ON" any \
	'^  kernel splat' \
	"nmr_run_cmd warn insmod /lib/nmr/fixture_warn.ko"
expect_caught fixture_lockdep "a lockdep inversion" any \
	'possible circular locking dependency' \
	"nmr_run_cmd lockdep insmod /lib/nmr/fixture_lockdep.ko"
expect_caught fixture_leak "a leaked allocation" any \
	'^FAIL kmemleak scan' \
	"nmr_run_cmd leak insmod /lib/nmr/fixture_leak.ko" "nmr_kmemleak_check"
expect_caught fixture_hang "a module_exit that hangs" 124 \
	'did not finish within' \
	"insmod /lib/nmr/fixture_hang.ko" "nmr_run_cmd hang rmmod fixture_hang"
expect_caught fixture_panic "a kernel panic" 125 \
	'kernel panicked' \
	"nmr_run_cmd panic insmod /lib/nmr/fixture_panic.ko"
