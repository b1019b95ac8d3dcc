# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers for test scripts run by scripts/vm-run.sh.  Each test
# is framed by NMR-BEGIN/NMR-END markers written to /dev/kmsg, so that
# scripts/parse-results.py can find its KTAP output and any kernel splat
# printed while it ran, in console order.  Each marker also records the
# kernel's taint flags and whether lockdep still checks locks, so that a
# test that taints the kernel or switches lockdep off fails even when the
# kernel printed nothing the parser knows.
#
# Few forks in what runs per test (a fork costs ~0.1 s here), and variables
# named _nmr_* (test.sh's own variables are its business).

NMR_KMEMLEAK=/sys/kernel/debug/kmemleak
NMR_KMEMLEAK_BASELINE=/tmp/nmr-kmemleak-baseline

nmr_log() {
	echo "$*" >/dev/kmsg
}

# nmr_fail REASON: a reason the current test fails, for the parser.
nmr_fail() {
	nmr_log "NMR-FAIL: $*"
}

# nmr_state: sets NMR_STATE to "tainted=N debug_locks=N": the taint mask of
# /proc/sys/kernel/tainted, and lockdep's debug_locks ("-" in a kernel
# without lockdep, which has no /proc/lockdep_stats).
nmr_state() {
	# Not "read": busybox reads a byte at a time, and a sysctl file
	# answers a read at an offset with end of file.
	_nmr_t=$(cat /proc/sys/kernel/tainted)
	_nmr_l=-
	if [ -r /proc/lockdep_stats ]; then
		while read -r _nmr_k _nmr_v; do
			[ "$_nmr_k" = debug_locks: ] && _nmr_l=$_nmr_v
		done </proc/lockdep_stats
	fi
	NMR_STATE="tainted=$_nmr_t debug_locks=$_nmr_l"
}

# nmr_begin KIND NAME, nmr_end KIND NAME STATUS: the markers.
nmr_begin() {
	nmr_state
	nmr_log "NMR-BEGIN $1 $2 $NMR_STATE"
}

nmr_end() {
	nmr_state
	nmr_log "NMR-END $1 $2 $3 $NMR_STATE"
}

# nmr_run_kunit MODULE.ko [PARAM=VALUE...]: load a KUnit module (its
# suites run at load) with those module parameters, then unload it.
nmr_run_kunit() {
	_nmr_name=$(basename "$1" .ko)
	nmr_begin kunit "$_nmr_name"
	insmod "$@"
	_nmr_rc=$?
	[ $_nmr_rc -eq 0 ] && { rmmod "$_nmr_name" || _nmr_rc=$?; }
	nmr_end kunit "$_nmr_name" $_nmr_rc
}

# nmr_run_scenario SCRIPT [ARGS...]: run a scenario script; it passes when
# it exits 0 after logging its own "scenario NAME: passed" line (scn_end in
# tests/scenarios/lib/expect.sh), and the kernel printed no splat meanwhile.
nmr_run_scenario() {
	_nmr_name=$(basename "$1" .sh)
	nmr_begin scenario "$_nmr_name"
	sh "$@"
	_nmr_rc=$?
	nmr_end scenario "$_nmr_name" $_nmr_rc
}

# nmr_run_cmd NAME CMD...: any command as a test: it passes when it exits 0
# and the kernel printed no splat meanwhile.
nmr_run_cmd() {
	_nmr_name=$1
	shift
	nmr_begin cmd "$_nmr_name"
	"$@"
	_nmr_rc=$?
	nmr_end cmd "$_nmr_name" $_nmr_rc
}

# nmr_kmemleak_write CMD: echo CMD to kmemleak; on failure, the reason.
# kmemleak answers EPERM to every command but "clear" once it has
# disabled itself (it does when its own allocations fail), and from then
# on it tracks nothing: a scan that "finds no leak" then proves nothing.
nmr_kmemleak_write() {
	echo "$1" >$NMR_KMEMLEAK && return 0
	nmr_fail "echo $1 >$NMR_KMEMLEAK failed: kmemleak is disabled (it disables itself when its own allocations fail) and tracked nothing since"
	return 1
}

# nmr_kmemleak_baseline: leave what the kernel allocated before the tests
# out of the leak report.  "echo clear" only greys the objects a scan has
# already reported, and a scan reports only objects at least 5 s old: so
# wait until everything allocated so far is that old, scan, then clear.
# What it clears is the kernel's own (nothing of the project has run yet).
nmr_kmemleak_baseline() {
	nmr_begin kmemleak baseline
	_nmr_rc=1
	if [ ! -w $NMR_KMEMLEAK ]; then
		nmr_fail "kmemleak is not available ($NMR_KMEMLEAK)"
	else
		sleep 6
		if nmr_kmemleak_write scan && nmr_kmemleak_write clear; then
			: >$NMR_KMEMLEAK_BASELINE
			_nmr_rc=0
		fi
	fi
	nmr_end kmemleak baseline $_nmr_rc
}

# nmr_kmemleak_check: report leaks of everything run since the baseline.
# kmemleak ignores objects younger than 5 s, hence the sleep.  Fails when
# kmemleak is missing or disabled, or the run took no baseline.
nmr_kmemleak_check() {
	nmr_begin kmemleak scan
	_nmr_rc=1
	if [ ! -w $NMR_KMEMLEAK ]; then
		nmr_fail "kmemleak is not available ($NMR_KMEMLEAK)"
	elif [ ! -e $NMR_KMEMLEAK_BASELINE ]; then
		nmr_fail "no nmr_kmemleak_baseline at the start of the run: boot-time objects would be reported as leaks"
	else
		sleep 6
		# A first scan can still see stale copies of a pointer on a
		# stack; kmemleak reports what stays unreferenced in the next.
		if nmr_kmemleak_write scan && sleep 1 && nmr_kmemleak_write scan; then
			if cat $NMR_KMEMLEAK >/tmp/nmr-kmemleak-report; then
				while IFS= read -r _nmr_line; do
					nmr_log "kmemleak-report: $_nmr_line"
				done </tmp/nmr-kmemleak-report
				_nmr_rc=0
			else
				nmr_fail "cannot read $NMR_KMEMLEAK"
			fi
		fi
	fi
	nmr_end kmemleak scan $_nmr_rc
}
