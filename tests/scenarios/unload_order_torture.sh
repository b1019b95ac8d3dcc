#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload five modules in many load orders and unload orders (with
# the argument "pairs", every one of each; "full", every pair of them):
# nmr, two providers of the sample NPI (nmr_sample_provider, synchronous
# detach; nmr_sample_provider_async, rundown protection) and two of its
# clients (nmr_sample_client, which calls its providers from a work item;
# nmr_sample_pinned, which refuses unload while bound).  Loaded, they form
# four bindings: each client to each provider.  (The client's second
# registration, for the bridge NPI, has no provider here and stays unbound.)
#
# Loading, in the cycle's order: a sample inserted while nmr is absent
# fails, as the kernel refuses a module with unresolved symbols: insmod
# fails with ENOENT ("unknown symbol in module, or unknown parameter") and
# the kernel logs "Unknown symbol".  Each such sample is inserted again,
# in order, right after nmr.  Then all four bindings are attached
# (/sys/kernel/debug/nmr/bindings), every registration is listed, the
# pinned client refuses unload, and the client's first call into each
# provider has been made.
#
# Unloading, in the cycle's order, each rmmod must succeed or be refused
# as what is still loaded says:
#   - rmmod nmr is refused while any sample is loaded (the samples use its
#     symbols);
#   - rmmod nmr_sample_pinned is refused while a provider is loaded (it is
#     bound, and nmr_client_refuse_unload() holds a reference on it);
#   - every other rmmod succeeds, and returns only once module_exit has
#     waited for its deregistrations.
# A refused rmmod is tried again after each later rmmod that succeeds,
# until it succeeds.  The kernel's delete_module() refuses both with
# EWOULDBLOCK (EAGAIN, busybox: "Resource temporarily unavailable"): a
# module others depend on, or whose reference count is not zero.  It never
# answers EBUSY here (it does for a module still initialising or already
# going, which one rmmod after another never meets), although the
# contract's section 6 says a refused unload fails with EBUSY: the script
# asserts what the kernel does, EAGAIN, and any EBUSY fails it.  After
# each rmmod that succeeds, the module is gone from /proc/modules and from
# /sys/kernel/debug/nmr/{registrations,bindings}.
#
# Two passes:
#   - without pending detaches: the client's period is so long that its
#     work item is queued, not running, whenever a binding detaches, so no
#     detach goes pending ("a call is in flight, detach pending" is never
#     logged);
#   - with pending detaches: the client calls each provider every 10 ms,
#     and just before the first of the client and the async provider
#     leaves, the async provider is told to hold requests ($hold_ms ms,
#     its hold_ms parameter, in sysfs); once one is held, the rmmod: the
#     client's detach of that binding goes pending, the held call exits and
#     returns and completes it, and only then does rmmod return.  (When
#     the VM stalls for longer than the hold, the request has returned
#     before the detach, which then finds no call in flight, or the next
#     call, refused as the detach has begun: that cycle runs again, up to
#     twice, and the reruns are counted.)
#
# Nothing may hang: a watchdog fails the scenario when an insmod or rmmod
# has not returned after $limit s (60 s: slack for a busy host under TCG,
# and before the kernel's hung-task report at 90 s, see scripts/vm-run.sh),
# with the stuck command's kernel stack and NMR's debugfs files on the
# console, and kills the scenario (nothing can unload a module whose
# module_exit is stuck).
#
# The cycles: one load order and one unload order each, from nothing
# loaded (nmr included) back to nothing.  A cycle takes about 3 s (4.5 s
# in the pending pass) in the test VM (TCG, KASAN; most of it is the
# kernel loading and freeing modules, a refused insmod costing two loads),
# too slow for make check to run every one of the 120 load orders and 120
# unload orders.  So:
#   - no argument (make check): the plain pass runs 24 cycles: the 24
#     orders of the four samples, each once as a load order and once as an
#     unload order, with nmr's place in each rotating through all five;
#     the pending pass runs 8: every third of the 24 orders, which covers
#     each case of the pending detach (the client or the async provider
#     leaving first, nmr_sample_provider already gone or not).  100 to 125 s.
#   - "pairs": each pass pairs the 120 load orders with the 120 unload
#     orders (load order i with unload order i + 60 mod 120 in the plain
#     pass, i + 30 in the pending one): every load order and every unload
#     order in both passes, 240 cycles (about 15 minutes).
#   - "full": the cross product, 120 x 120 cycles per pass (about a day).
# A second argument N (at least 1) runs only the first N cycles of each
# pass.  The counts are printed at the end, and checked: each pass ran as
# many cycles as it lists (or N), each cycle run inserted and removed the
# five modules once, and each pending cycle saw one pending detach.
. "$(dirname "$0")/lib/expect.sh"

mode=${1:-ci}
max=${2:-14400}			# cycles per pass, to try the script out
limit=60			# seconds an insmod or rmmod may take
hold_ms=1500			# how long the async provider holds a request
d=/sys/kernel/debug/nmr
hold=/sys/module/nmr_sample_provider_async/parameters/hold_ms

mod_n=nmr
mod_p=nmr_sample_provider
mod_a=nmr_sample_provider_async
mod_c=nmr_sample_client
mod_x=nmr_sample_pinned

case $mode in
ci | pairs | full) ;;
*) fail "usage: $0 [ci|pairs|full] [cycles per pass]" ;;
esac
case $max in
'' | *[!0-9]* | 0*) fail "usage: $0 [ci|pairs|full] [cycles per pass, at least 1]" ;;
esac

# cycles PASS: the pass's cycles, one a line: "LOAD ORDER:UNLOAD ORDER",
# each order the five modules' letters ("a c n p x").
cycles() {
	awk -v mode="$mode" -v pass="$1" '
	function perm(pre, rest, w,   i) {
		if (rest == "") {
			if (w == 5)
				p5[n5++] = substr(pre, 2)
			else
				p4[n4++] = substr(pre, 2)
			return
		}
		for (i = 1; i <= length(rest); i++)
			perm(pre " " substr(rest, i, 1), substr(rest, 1, i - 1) substr(rest, i + 1), w)
	}
	# The order o of the four samples with nmr at place k (0 to 4).
	function with_n(o, k,   a, i, r) {
		split(o, a, " ")
		for (i = 1; i <= 4; i++)
			r = r (i - 1 == k ? " n" : "") " " a[i]
		return substr(r (k == 4 ? " n" : ""), 2)
	}
	BEGIN {
		perm("", "acnpx", 5)
		perm("", "acpx", 4)
		shift = pass == "plain" ? 60 : 30
		if (mode == "full") {
			for (i = 0; i < n5; i++)
				for (j = 0; j < n5; j++)
					print p5[i] ":" p5[j]
		} else if (mode == "pairs") {
			for (i = 0; i < n5; i++)
				print p5[i] ":" p5[(i + shift) % n5]
		} else if (pass == "plain") {
			for (j = 0; j < n4; j++)
				print with_n(p4[j], j % 5) ":" with_n(p4[n4 - 1 - j], (j + int(j / 5)) % 5)
		} else {
			for (j = 0; j < n4 / 3; j++)
				print with_n(p4[3 * j + 1], 2 * j % 5) ":" with_n(p4[3 * j], (j + 3) % 5)
		}
	}' >"$SCN_TMP.cycles" || fail "listing the cycles of pass $1: awk failed"
}

# now: $up and $now, the uptime in s, with and without its fraction.
now() {
	read -r up _ </proc/uptime
	now=${up%.*}
}

# Forks are slow in the test VM (TCG, KASAN), so each check reads the
# kernel log once, and the log is cleared at each phase of a cycle to keep
# it short (the console keeps every line).  check.awk checks, in one pass:
#   the kernel log since the mark (stdin, "-"), against $spec, one check a
#   line: "in_order TEXT" (a line containing TEXT, after the previous
#   in_order's), "count N TEXT" (exactly N lines containing TEXT);
#   /proc/modules, against $refs ("MODULE REFCOUNT", one a line);
#   debugfs registrations and bindings, against $regs and $binds, their
#   lines sorted, without the registration numbers (#N) and ", number ...".
# It prints what differs, or "ok" when all is as expected: no output at all
# (awk failed, or never got to the end) is a failure, not a pass.
cat >"$SCN_TMP.check.awk" <<'AWK'
BEGIN {
	n = split(spec, s, "\n")
	for (i = 1; i <= n; i++) {
		if (s[i] ~ /^count /) {
			ncount++
			cnum[ncount] = substr(s[i], 7) + 0
			ctext[ncount] = substr(s[i], index(substr(s[i], 7), " ") + 7)
		} else if (s[i] ~ /^in_order /) {
			norder++
			otext[norder] = substr(s[i], 10)
		}
	}
	at = 0
}
FILENAME == "-" {
	if (!seen) {
		seen = index($0, mark)
		next
	}
	for (i = 1; i <= ncount; i++)
		if (has($0, ctext[i]))
			counted[i]++
	if (at < norder && has($0, otext[at + 1]))
		at++
	next
}
FILENAME == "/proc/modules" {
	ref[$1] = $3
	next
}
{
	sub(/#[0-9]+/, "")
	sub(/#[0-9]+/, "")
	sub(/, number .*/, "")
	got[FILENAME] = got[FILENAME] $0 "\n"
}
# Whether line has text t, where "*" in t stands for any text.
function has(line, t,   n, part, i, at) {
	n = split(t, part, "*")
	for (i = 1; i <= n; i++) {
		at = index(line, part[i])
		if (!at)
			return 0
		line = substr(line, at + length(part[i]))
	}
	return 1
}
function sorted(text,   n, a, i, j, t, out) {
	n = split(text, a, "\n")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	for (i = 1; i <= n; i++)
		if (a[i] != "")
			out = out a[i] "\n"
	return out
}
function same(file, want,   have) {
	have = sorted(got[file])
	if (have != sorted(want))
		out = out sprintf("%s:\n%sexpected:\n%s", file, have, sorted(want))
}
END {
	# Without the mark, every count would be 0 and no line in order.
	if (!seen)
		out = out sprintf("the kernel log has no \"%s\" (cleared or overwritten)\n", mark)
	for (i = 1; i <= ncount; i++)
		if (counted[i] + 0 != cnum[i])
			out = out sprintf("the kernel log has %d lines with \"%s\", expected %d\n",
				counted[i], ctext[i], cnum[i])
	if (at < norder)
		out = out sprintf("the kernel log has no line with \"%s\"%s\n", otext[at + 1],
			at ? " after one with \"" otext[at] "\"" : "")
	nref = split(refs, r, "\n")
	for (i = 1; i <= nref; i++) {
		split(r[i], w, " ")
		if (ref[w[1]] != w[2])
			out = out sprintf("%s has reference count '%s', expected %s\n", w[1], ref[w[1]], w[2])
	}
	if (regs != "")
		same(dir "/registrations", regs)
	if (binds != "")
		same(dir "/bindings", binds)
	printf "%s", out == "" ? "ok\n" : out
}
AWK

# check WHAT [FILE...]: check.awk against the kernel log and FILEs; retried
# for up to 10 s, for lines a work item logs on its own time.  Passes only
# on check.awk's "ok": a failing or silent awk fails the scenario.
check() {
	what=$1
	shift
	now
	until_s=$((now + 10))
	while :; do
		err=$(dmesg | awk -v mark="scenario $SCN: <mark $SCN_MARK>" -v spec="$spec" \
			-v refs="$refs" -v regs="$regs" -v binds="$binds" -v dir=$d \
			-f "$SCN_TMP.check.awk" - "$@")
		st=$?
		[ $st -eq 0 ] && [ -n "$err" ] ||
			fail "$what: check.awk failed (status $st)${err:+:
$err}"
		[ "$err" != ok ] || return 0
		now
		[ "$now" -lt $until_s ] || fail "$what:
$err"
		sleep 0.1
	done
}

# klog_in_order TEXT...: whether, since the mark, the kernel logged a line
# with each TEXT, each after the previous one's.
klog_in_order() {
	texts=$1
	shift
	for t in "$@"; do
		texts="$texts
$t"
	done
	dmesg | awk -v mark="scenario $SCN: <mark $SCN_MARK>" -v texts="$texts" '
		BEGIN { n = split(texts, t, "\n"); at = 0 }
		seen && at < n && index($0, t[at + 1]) { at++ }
		index($0, mark) { seen = 1 }
		END { exit at < n }'
}

# phase WHAT: clear the kernel log and mark the start of a phase.
phase() {
	dmesg -c >/dev/null
	mark "$*"
}

# The watchdog: a command whose deadline (uptime, in s) passed is a hang.
main=$$

watchdog() {
	while kill -0 $main 2>/dev/null; do
		sleep 1
		read -r dl what 2>/dev/null <"$SCN_TMP.deadline" || continue
		now
		[ "$now" -ge "$dl" ] || continue
		echo "FAIL scenario $SCN: '$what' has not returned after $limit s: a hang"
		scn_log "FAIL: '$what' has not returned after $limit s: a hang"
		for p in /proc/[0-9]*; do
			read -r comm 2>/dev/null <"$p/comm" || continue
			case $comm in
			insmod | rmmod)
				stack=$(cat "$p/stack" 2>/dev/null)
				echo "--- $comm (pid ${p#/proc/}): kernel stack:"
				echo "${stack:-(/proc/${p#/proc/}/stack is empty in this kernel)}"
				;;
			esac
		done
		echo "--- $d/registrations:"
		cat $d/registrations
		echo "--- $d/bindings:"
		cat $d/bindings
		echo "--- the kernel log:"
		dmesg | tail -n 80 | sed 's/^/  | /'
		kill -KILL $main
		exit 1
	done
}

# run CMD...: run CMD under the watchdog; sets rc and out, logs both.
run() {
	now
	echo "$((now + limit)) $*" >"$SCN_TMP.deadline"
	scn_log "\$ $*"
	out=$("$@" 2>&1)
	rc=$?
	: >"$SCN_TMP.deadline"
	scn_log "$*: status $rc${out:+: $out}"
}

# Counts.
insmod_ok=0
insmod_nosym=0
rmmod_ok=0
refused_n=0
refused_x=0
pending_c=0
pending_a=0
reruns=0
attempts=0

loaded() {
	eval "[ \"\$loaded_$1\" = 1 ]"
}

loaded_list() {
	for k in n p a c x; do
		loaded "$k" && eval "printf ' %s' \$mod_$k"
	done
}

# insert K: insmod the module of letter K; it must fail with "unknown
# symbol" exactly when nmr is not loaded.
insert() {
	eval "m=\$mod_$1 args=\${args_$1:-}"
	if [ "$1" = n ]; then
		ko=/lib/nmr/nmr.ko
	else
		ko=$m.ko
	fi
	# shellcheck disable=SC2086 # $args: zero or more parameters
	run insmod $ko $args
	if [ "$1" = n ] || loaded n; then
		[ "$rc" -eq 0 ] || fail "insmod $m exited with status $rc, expected 0: $out"
		eval "loaded_$1=1"
		insmod_ok=$((insmod_ok + 1))
		return 0
	fi
	[ "$rc" -ne 0 ] || fail "insmod $m succeeded while nmr is not loaded"
	case $out in
	*"unknown symbol in module"*) ;;
	*) fail "insmod $m without nmr failed (status $rc) without saying \"unknown symbol in module\": $out" ;;
	esac
	nosym="$nosym $m"
	nnosym=$((nnosym + 1))
	insmod_nosym=$((insmod_nosym + 1))
	return 1
}

# load ORDER: insmod the five modules in ORDER; the samples refused while
# nmr was absent are inserted again, in order, right after nmr.  Then all
# four bindings are attached and the client has called both providers.
load() {
	retry=
	nosym=
	nnosym=0
	for k in $1; do
		if insert "$k"; then
			if [ "$k" = n ]; then
				for r in $retry; do
					insert "$r" || fail "insmod $r refused with nmr loaded"
				done
				retry=
			fi
		else
			retry="$retry $k"
		fi
	done
	[ -z "$retry" ] || fail "modules left out: $retry"

	spec="count 1 nmr_sample_client: attached to sample provider nmr_sample_provider (
count 1 nmr_sample_client: attached to sample provider nmr_sample_provider_async (
count 1 nmr_sample_pinned: attached to provider nmr_sample_provider (
count 1 nmr_sample_pinned: attached to provider nmr_sample_provider_async (
count 2 nmr_sample_pinned: bound to nmr_sample_provider
count 1 nmr_sample_pinned: bound to nmr_sample_provider_async: 
count 1 : refusing unload while bound;
count 1 nmr_sample_client: call 1 into nmr_sample_provider: sum 1
count $nnosym : can't insert '"
	for m in $nosym; do
		spec="$spec
in_order \$ insmod $m.ko
in_order $m: Unknown symbol"
	done
	spec="$spec
count 1 nmr_sample_client: call 1 into nmr_sample_provider_async: sum 1"
	refs="nmr 4
nmr_sample_provider 0
nmr_sample_provider_async 0
nmr_sample_client 0
nmr_sample_pinned 1"
	regs=$want_regs
	binds=$want_binds
	check "after loading in the order $1" /proc/modules $d/registrations $d/bindings
}

# The state once all five are loaded.
want_regs="client nmr_sample_client: registered, 0 bindings, unload allowed, npi fbd80de3-8095-4d96-8475-918f69443bc9
client nmr_sample_client: registered, 2 bindings, unload allowed, npi 78cab5c3-128f-45b3-a59c-547c8475f33d
client nmr_sample_pinned: registered, 2 bindings, unload refused, npi 78cab5c3-128f-45b3-a59c-547c8475f33d
provider nmr_sample_provider: registered, 2 bindings, unload allowed, npi 78cab5c3-128f-45b3-a59c-547c8475f33d
provider nmr_sample_provider_async: registered, 2 bindings, unload allowed, npi 78cab5c3-128f-45b3-a59c-547c8475f33d"
want_binds="client nmr_sample_client <-> provider nmr_sample_provider: ATTACHED; client: attached; provider: attached
client nmr_sample_client <-> provider nmr_sample_provider_async: ATTACHED; client: attached; provider: attached
client nmr_sample_pinned <-> provider nmr_sample_provider: ATTACHED; client: attached; provider: attached
client nmr_sample_pinned <-> provider nmr_sample_provider_async: ATTACHED; client: attached; provider: attached"

# refused K: whether rmmod of letter K's module is refused now.
refused() {
	case $1 in
	n) loaded p || loaded a || loaded c || loaded x ;;
	x) loaded p || loaded a ;;
	*) false ;;
	esac
}

# wait_held: wait until, since the log was cleared, the async provider has
# started to hold a request of the client's.
wait_held() {
	now
	until_s=$((now + 10))
	until dmesg | grep -qF "from client nmr_sample_client: holding it in flight for $hold_ms ms"; do
		now
		[ "$now" -lt $until_s ] || fail "the async provider held no request of the client's within 10 s"
		sleep 0.05
	done
}

# listed M: set $where to where module M is still listed: /proc/modules,
# NMR's debugfs files (shell builtins only: a fork costs ~0.1 s here).
listed() {
	where=
	while read -r name _; do
		[ "$name" != "$1" ] || where=/proc/modules
	done </proc/modules
	for f in $d/registrations $d/bindings; do
		[ -r "$f" ] || continue
		while read -r line; do
			case $line in
			*" $1#"*) where="$where
$f: $line" ;;
			esac
		done <"$f"
	done
}

# unload K: rmmod the module of letter K, expecting what refused() says;
# returns 1 when it was refused.
unload() {
	eval "m=\$mod_$1"
	held=
	if [ "$pass" = pending ] && loaded a && loaded c && { [ "$1" = a ] || [ "$1" = c ]; }; then
		# The client's binding to the async provider detaches now:
		# let it be while a request is held.
		phase "rmmod $m with a request held in the async provider"
		echo $hold_ms >$hold
		wait_held
		held=1
	fi
	run rmmod "$m"
	listed "$m"
	if refused "$1"; then
		[ "$rc" -ne 0 ] || fail "rmmod $m succeeded, expected EAGAIN (loaded:$(loaded_list))"
		case $out in
		*"Resource temporarily unavailable"*) ;;
		*) fail "rmmod $m failed (status $rc) without saying \"Resource temporarily unavailable\" (EAGAIN): $out" ;;
		esac
		case $where in
		/proc/modules*) ;;
		*) fail "rmmod $m was refused, but $m is not in /proc/modules" ;;
		esac
		eval "refused_$1=\$((refused_$1 + 1))"
		return 1
	fi
	[ "$rc" -eq 0 ] || fail "rmmod $m exited with status $rc, expected 0 (loaded:$(loaded_list)): $out"
	eval "loaded_$1=0"
	rmmod_ok=$((rmmod_ok + 1))
	[ -z "$where" ] || fail "rmmod $m returned, but $m is still listed in $where"
	[ "$1" != n ] || [ ! -e $d ] || fail "$d is still there after rmmod nmr"
	[ -z "$held" ] || expect_pending "$1"
	return 0
}

# expect_pending K: the module of letter K left while the client's call
# into the async provider was held: the client's detach went pending, the
# provider's side waited for the call it entered, and the call's exit and
# return completed both before rmmod returned.
expect_pending() {
	if ! klog_in_order \
		"nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight, detach pending" \
		"from client nmr_sample_client served; nmr_provider_exit()"; then
		# The VM was so slow that the held request had returned
		# before the detach: no call was in flight (the detach was
		# done at once), or the next one, refused as the detach had
		# begun.  Not the path under test: run the cycle again.
		scn_log "the held request returned before the detach: cycle to be run again"
		missed=1
		return
	fi
	if [ "$1" = c ]; then
		first="nmr_sample_client: unloading: deregistering both clients"
		last="nmr_sample_client: unloaded"
		pending_c=$((pending_c + 1))
	else
		first="nmr_sample_provider_async: unloading: deregistering the provider"
		last="nmr_sample_provider_async: deregistration complete; unloaded"
		pending_a=$((pending_a + 1))
	fi
	spec="in_order \$ rmmod $m
in_order $first
in_order nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight, detach pending
in_order nmr_sample_provider_async: detaching from client nmr_sample_client (binding
in_order nmr_sample_provider_async: request * from client nmr_sample_client served; nmr_provider_exit()
in_order nmr_sample_client: call in flight into nmr_sample_provider_async returned after
in_order nmr_sample_client: binding to nmr_sample_provider_async cleaned up
in_order nmr_sample_provider_async: binding * to client nmr_sample_client cleaned up
in_order $last
in_order rmmod $m: status 0
count 1 nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight"
	refs='' regs='' binds=''
	check "rmmod $m with a request held"
}

# unload_all ORDER: rmmod the five in ORDER; a refused one is tried again
# after each later rmmod that succeeds.
unload_all() {
	retry=
	for k in $1; do
		unload "$k" || { retry="$retry $k"; continue; }
		progress=1
		while [ -n "$retry" ] && [ $progress = 1 ]; do
			progress=0
			left=
			for r in $retry; do
				if unload "$r"; then
					progress=1
				else
					left="$left $r"
				fi
			done
			retry=$left
		done
	done
	[ -z "$retry" ] || fail "after unloading in the order $1, still refused:$retry"
}

# cycle LOAD UNLOAD: one cycle, from nothing loaded back to it.  In the
# pending pass, a cycle in which the held request returned before the
# detach (the VM stalled for longer than $hold_ms ms) is run again, up to
# twice.
cycle() {
	attempt=1
	while :; do
		attempts=$((attempts + 1))
		missed=
		phase "cycle $n of pass $pass: load $1"
		load "$1"
		phase "cycle $n of pass $pass: unload $2"
		unload_all "$2"
		if [ "$pass" = plain ]; then
			spec="count 0 detach pending" refs='' regs='' binds=''
			check "unloading in the order $2"
		fi
		[ -n "$missed" ] || break
		reruns=$((reruns + 1))
		attempt=$((attempt + 1))
		[ $attempt -le 3 ] ||
			fail "in 3 runs of the cycle, the held request returned before the detach each time"
	done
}

# run_pass NAME: the pass's cycles; prints what they covered and how long
# they took.
run_pass() {
	pass=$1
	cycles "$pass"
	case $mode:$pass in
	ci:plain) want=24 ;;
	ci:pending) want=8 ;;
	pairs:*) want=120 ;;
	full:*) want=14400 ;;
	esac
	listed=$(wc -l <"$SCN_TMP.cycles")
	[ "$listed" -eq $want ] || fail "pass $pass lists $listed cycles, expected $want"
	[ "$max" -ge $want ] || want=$max
	n=0
	now
	start=$up
	while IFS=: read -r lorder uorder <&3 && [ $n -lt "$max" ]; do
		cycle "$lorder" "$uorder"
		n=$((n + 1))
		[ $((n % 20)) -ne 0 ] || echo "$SCN: pass $pass: $n cycles done"
	done 3<"$SCN_TMP.cycles"
	[ $n -eq $want ] || fail "pass $pass ran $n cycles, expected $want"
	now
	awk -F: -v scn="$SCN" -v pass="$pass" -v n=$n -v secs="$(awk -v a="$start" -v b="$up" 'BEGIN { print b - a }')" '
	NR <= n && !($1 in l) { l[$1]; nl++ }
	NR <= n && !($2 in u) { u[$2]; nu++ }
	END {
		printf "%s: pass %s: %d cycles: %d load orders, %d unload orders, in %.1f s, %.2f s per cycle\n",
			scn, pass, n, nl, nu, secs, secs / n
	}' "$SCN_TMP.cycles"
}

scn_begin
if [ ! -r $d/registrations ] || [ ! -r $d/bindings ]; then
	fail "no $d/registrations or $d/bindings"
fi
: >"$SCN_TMP.deadline"
watchdog &
wd=$!

# The cycles start and end with nothing loaded, nmr included.
loaded_n=0 loaded_p=0 loaded_a=0 loaded_c=0 loaded_x=0
mark
run rmmod nmr
[ "$rc" -eq 0 ] || fail "rmmod nmr exited with status $rc: $out"

args_c=period_ms=3600000
run_pass plain
plain_n=$n
args_c=period_ms=10
run_pass pending
pending_n=$n

echo "$SCN: insmod: $insmod_ok succeeded, $insmod_nosym failed with 'unknown symbol' (nmr absent), then retried"
echo "$SCN: rmmod: $rmmod_ok succeeded, $((refused_n + refused_x)) refused with EAGAIN ($refused_n nmr, $refused_x nmr_sample_pinned), 0 with EBUSY or another error"
echo "$SCN: pending detaches: $pending_c with the client leaving, $pending_a with the async provider leaving; $reruns cycles run again, their held request having returned before the detach"

[ $insmod_ok -eq $((5 * attempts)) ] && [ $rmmod_ok -eq $((5 * attempts)) ] ||
	fail "$attempts cycles run ($plain_n plain, $pending_n pending, $reruns again), but $insmod_ok insmod and $rmmod_ok rmmod succeeded, expected $((5 * attempts)) each"
[ $((pending_c + pending_a)) -eq "$pending_n" ] ||
	fail "$pending_n pending cycles, but $((pending_c + pending_a)) pending detaches"

kill $wd 2>/dev/null
rm -f "$SCN_TMP.deadline"
expect_ok insmod /lib/nmr/nmr.ko
scn_end
