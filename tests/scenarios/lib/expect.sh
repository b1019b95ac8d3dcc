# SPDX-License-Identifier: GPL-2.0
# Assertions for the scenario scripts, sourced by each (busybox sh, in the
# guest, from /lib/nmr/scenarios/lib/).  A scenario:
#
#	. "$(dirname "$0")/lib/expect.sh"
#	scn_begin
#	mark
#	expect_ok insmod nmr_sample_provider.ko
#	expect_in_order "nmr_sample_provider: registering" "nmr_sample_provider: registered"
#	...
#	scn_end
#
# The first failed assertion prints what failed and the kernel log since
# the last mark, unloads whatever sample modules are still loaded, and
# exits 1.  Every command run through expect_ok/expect_fail is logged to
# the kernel log too, so the console shows commands and kernel lines in
# order.

SCN=$(basename "$0" .sh)
SCN_MARK=0
SCN_TMP=/tmp/scn-$SCN
SCN_SAMPLES="nmr_sample_client nmr_sample_client_win nmr_sample_bridge nmr_sample_pinned nmr_hook_count nmr_hook_drop nmr_sample_provider_async nmr_sample_provider_win nmr_sample_provider nmr_hook_provider"

cd /lib/nmr || exit 1

scn_log() {
	echo "scenario $SCN: $*" >/dev/kmsg
}

# since_mark: the kernel log from the last mark on (all of it before the
# first mark) into $SCN_TMP.since.  Fails the scenario when the mark is no
# longer in the kernel log (cleared, or rotated out of the ring buffer):
# every check of what followed it would then pass or fail by chance.
since_mark() {
	if [ "$SCN_MARK" -eq 0 ]; then
		dmesg >"$SCN_TMP.since" || fail "dmesg failed"
		return
	fi
	dmesg >"$SCN_TMP.dmesg" || fail "dmesg failed"
	awk -v m="scenario $SCN: <mark $SCN_MARK>" 'seen { print } index($0, m) { seen = 1 }
		END { exit !seen }' "$SCN_TMP.dmesg" >"$SCN_TMP.since" ||
		fail "<mark $SCN_MARK> is no longer in the kernel log (cleared or overwritten): what followed it cannot be checked"
}

# mark [WHAT]: later assertions look only at what the kernel logs from here.
mark() {
	SCN_MARK=$((SCN_MARK + 1))
	scn_log "<mark $SCN_MARK> $*"
}

fail() {
	echo "FAIL scenario $SCN: $*"
	scn_log "FAIL: $*"
	echo "--- kernel log since mark $SCN_MARK:"
	dmesg | awk -v m="scenario $SCN: <mark $SCN_MARK>" -v n="$SCN_MARK" '
		n == 0 || seen { print "  | " $0 }
		index($0, m) { seen = 1 }
		END { if (n && !seen) print "  (the mark is no longer in the kernel log)" }'
	exit 1
}

# Unload every sample still loaded, clients before providers, the pinned
# sample once its providers have gone; then make sure nmr is loaded.
scn_cleanup() {
	for pass in 1 2 3; do
		for m in $SCN_SAMPLES; do
			is_loaded "$m" && rmmod "$m" 2>/dev/null
		done
	done
	is_loaded nmr || insmod /lib/nmr/nmr.ko
	rm -f "$SCN_TMP".*
}

# scn_begin: the scenario starts.  Before it exits, passed or not, it runs
# $SCN_AT_EXIT, if it set one (to stop what it started in the background).
scn_begin() {
	trap 'rc=$?; eval "${SCN_AT_EXIT:-}"; [ $rc -ne 0 ] && scn_cleanup; exit $rc' EXIT
	scn_log "begins"
	is_loaded nmr || fail "nmr is not loaded at the start"
	for m in $SCN_SAMPLES; do
		is_loaded "$m" && fail "$m is loaded at the start (left over by an earlier scenario?)"
	done
	true
}

# scn_end: nothing may be left registered.  NMR keeps no registration
# without its module loaded (module_exit waits for the deregistration), so
# check that no sample is loaded and nmr has no user, then prove it by
# unloading nmr and loading it again for the next scenario.
scn_end() {
	expect_nmr_unused
	expect_ok rmmod nmr
	expect_ok insmod /lib/nmr/nmr.ko
	scn_log "passed"
	echo "PASS scenario $SCN"
}

is_loaded() {
	grep -q "^$1 " /proc/modules
}

# The reference count column of /proc/modules.
refcount() {
	awk -v m="$1" '$1 == m { print $3 }' /proc/modules
}

expect_loaded() {
	is_loaded "$1" || fail "$1 is not loaded"
}

expect_not_loaded() {
	is_loaded "$1" && fail "$1 is still loaded"
	true
}

expect_refcount() {
	n=$(refcount "$1")
	[ "$n" = "$2" ] || fail "$1 has reference count '$n', expected $2"
}

expect_nmr_unused() {
	for m in $SCN_SAMPLES; do
		expect_not_loaded "$m"
	done
	expect_refcount nmr 0
}

# expect_ok CMD...: CMD must exit 0.
expect_ok() {
	scn_log "\$ $*"
	out=$("$@" 2>&1)
	rc=$?
	scn_log "$*: status $rc${out:+: $out}"
	[ $rc -eq 0 ] || fail "'$*' exited with status $rc, expected 0${out:+: $out}"
}

# expect_fail TEXT CMD...: CMD must fail and print TEXT.
expect_fail() {
	text=$1
	shift
	scn_log "\$ $*"
	out=$("$@" 2>&1)
	rc=$?
	scn_log "$*: status $rc${out:+: $out}"
	[ $rc -ne 0 ] || fail "'$*' succeeded, expected it to fail with \"$text\""
	case $out in
	*"$text"*) ;;
	*) fail "'$*' failed (status $rc) without saying \"$text\": $out" ;;
	esac
}

# expect_in_order LINE...: since the last mark the kernel logged a line
# containing each LINE (a fixed string), each after the previous one.
expect_in_order() {
	since_mark
	at=0
	prev=
	for want in "$@"; do
		n=$(awk -v want="$want" -v after="$at" 'NR > after && index($0, want) { print NR; exit }' \
			"$SCN_TMP.since")
		if [ -z "$n" ]; then
			if [ -n "$prev" ] && grep -qF -- "$want" "$SCN_TMP.since"; then
				fail "\"$want\" was logged, but not after \"$prev\""
			fi
			fail "\"$want\" was not logged${prev:+ after \"$prev\"}"
		fi
		at=$n
		prev=$want
	done
}

# expect_absent LINE: no line containing LINE since the last mark.
expect_absent() {
	since_mark
	grep -qF -- "$1" "$SCN_TMP.since" && fail "\"$1\" was logged, and should not have been"
	true
}

# expect_count N LINE: exactly N lines containing LINE since the last mark.
expect_count() {
	since_mark
	n=$(grep -cF -- "$2" "$SCN_TMP.since")
	[ "$n" -eq "$1" ] || fail "\"$2\" was logged $n times, expected $1"
}

# wait_for LINE [SECONDS]: wait until a line containing LINE is logged
# since the last mark (for lines a work item logs on its own time).
wait_for() {
	tries=$((${2:-10} * 10))
	while since_mark && ! grep -qF -- "$1" "$SCN_TMP.since"; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || fail "\"$1\" was not logged within ${2:-10} s"
		sleep 0.1
	done
}
