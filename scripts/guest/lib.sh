# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers for test scripts run by scripts/vm-run.sh.  Each test
# is framed by NMR-BEGIN/NMR-END markers written to /dev/kmsg, so that
# scripts/parse-results.py can find its KTAP output and any kernel splat
# printed while it ran, in console order.

nmr_log() {
	echo "$*" >/dev/kmsg
}

# nmr_run_kunit MODULE.ko: load a KUnit module (its suites run at load),
# then unload it.
nmr_run_kunit() {
	ko=$1
	name=$(basename "$ko" .ko)
	nmr_log "NMR-BEGIN kunit $name"
	insmod "$ko"
	rc=$?
	[ $rc -eq 0 ] && { rmmod "$name" || rc=$?; }
	nmr_log "NMR-END kunit $name $rc"
}

# nmr_run_scenario SCRIPT [ARGS...]: run a scenario script; it passes when
# it exits 0 and the kernel printed no splat meanwhile.
nmr_run_scenario() {
	name=$(basename "$1" .sh)
	nmr_log "NMR-BEGIN scenario $name"
	sh "$@"
	rc=$?
	nmr_log "NMR-END scenario $name $rc"
}

# nmr_run_cmd NAME CMD...: any command as a test, framed like a scenario.
nmr_run_cmd() {
	name=$1
	shift
	nmr_log "NMR-BEGIN scenario $name"
	"$@"
	rc=$?
	nmr_log "NMR-END scenario $name $rc"
}

# nmr_kmemleak_check: report leaks of everything run so far.  kmemleak
# ignores objects younger than 5 s, hence the sleep.
nmr_kmemleak_check() {
	nmr_log "NMR-BEGIN kmemleak scan"
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6
		# A first scan can still see stale copies of a pointer on a
		# stack; kmemleak reports what stays unreferenced in the next.
		echo scan >/sys/kernel/debug/kmemleak
		sleep 1
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak | while IFS= read -r line; do
			nmr_log "kmemleak-report: $line"
		done
		rc=0
	else
		nmr_log "kmemleak is not available"
		rc=1
	fi
	nmr_log "NMR-END kmemleak scan $rc"
}
