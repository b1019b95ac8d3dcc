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
# run CMD...: echo and run a command, say how it ended and how long it took.
run() {
	echo "\$ $*"
	t0=$(cut -d' ' -f1 /proc/uptime)
	rc=0
	"$@" || rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "(exit status $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
}
# wait_log TEXT: wait until the kernel logs a line containing TEXT.
wait_log() {
	until dmesg | grep -qF "$1"; do sleep 0.1; done
}
# Kernel lines reach the console only through show(), once, in order; the
# console gets them back at the end, for the harness's exit marker.
echo 1 >/proc/sys/kernel/printk
trap 'echo 7 >/proc/sys/kernel/printk' EXIT
dmesg -c >/dev/null
cd /lib/nmr

step "Load NMR with its own lifecycle lines on (pr_debug, lines starting 'nmr:')"
mark; run insmod nmr.ko dyndbg=+p; show

step "Load two providers of the sample NPI: one with synchronous detach, one asynchronous that holds each request() in flight for 1.5 s"
mark
run insmod nmr_sample_provider.ko
run insmod nmr_sample_provider_async.ko hold_ms=1500
show

step "Load the client: NMR offers it both providers inside its insmod; it checks their NPI version, attaches, and starts calling them"
mark; run insmod nmr_sample_client.ko; show

step "Load the bridge: a client of the sample NPI (binds to both providers) and a provider of the bridge NPI (the client binds to it)"
mark; run insmod nmr_sample_bridge.ko; show

step "Let the client call for 3 s (it logs calls 1, 2, 4, 8, ... of each binding)"
mark; sleep 3; show

step "Load the pinned sample: bound to both providers, it refuses unload"
mark; run insmod nmr_sample_pinned.ko; show
awk '$1 == "nmr_sample_pinned" { print "/proc/modules: " $1 " reference count " $3 }' /proc/modules

step "rmmod the pinned sample: the kernel refuses at once with EAGAIN (EWOULDBLOCK), module_exit does not run"
mark; run rmmod nmr_sample_pinned; show

step "rmmod nmr: refused too, the samples use it"
mark; run rmmod nmr; show

step "rmmod the async provider while a request is in flight: the client's detach goes pending, the provider's returns 0 but the call it entered with nmr_provider_enter() keeps its side open; module_exit waits, and the call's exit and return complete both sides"
mark
wait_log "nmr_sample_provider_async: request"
sleep 0.2
run rmmod nmr_sample_provider_async
show

step "rmmod the bridge: module_exit deregisters its provider and its client, and waits for both"
mark; run rmmod nmr_sample_bridge; show

step "rmmod the client: module_exit deregisters both its registrations and waits"
mark; run rmmod nmr_sample_client; show

step "rmmod the sync provider: 'Unloading a Provider Module'; the pinned sample loses its last binding and requests unload"
mark; run rmmod nmr_sample_provider; show

step "rmmod the pinned sample: now it unloads"
mark; run rmmod nmr_sample_pinned; show

step "Load the Windows-style samples, written against <nmr/netioddk.h>: the provider holds each request 3 s, the client attaches in its ClientAttachProvider callback with NmrClientAttachProvider() and calls it from a work item"
mark
run insmod nmr_sample_provider_win.ko hold_ms=3000
run insmod nmr_sample_client_win.ko period_ms=60000
wait_log "nmr_sample_provider_win: request 1 from client nmr_sample_client_win: holding it"
show

step "rmmod the Windows provider while the client's call is in flight: both detach callbacks return STATUS_PENDING; the request's end calls NmrProviderDetachClientComplete(), the client's work item NmrClientDetachProviderComplete() when the call returns, and only then does NmrWaitForProviderDeregisterComplete() return"
mark; run rmmod nmr_sample_provider_win; show

step "Load the Windows provider again, then rmmod the Windows client with no call in flight: its detach returns STATUS_SUCCESS, and its Unload is 'Unloading a Client Module'"
mark
run insmod nmr_sample_provider_win.ko
wait_log "nmr_sample_client_win: call 1 into nmr_sample_provider_win: sum 1"
run rmmod nmr_sample_client_win
run rmmod nmr_sample_provider_win
show

step "The packet hook NPI, over netfilter: nmr_hook_provider hooks IPv4 local delivery and hands every packet to every client's classify function; nmr_hook_count counts by protocol, nmr_hook_drop drops UDP to port 9"
mark
ip link set lo up
run insmod nmr_hook_provider.ko
run insmod nmr_hook_count.ko
run insmod nmr_hook_drop.ko
show
step "Traffic: UDP over loopback to port 5001 and to port 9, from both vCPUs, until told to stop"
nmr-traffic load 127.0.0.1 5001 9 0 /tmp/hook.stop >/tmp/hook.load0 &
nmr-traffic load 127.0.0.2 5002 9 1 /tmp/hook.stop >/tmp/hook.load1 &
sleep 2
echo "\$ cat /sys/kernel/debug/nmr_hook_provider/stats"
cat /sys/kernel/debug/nmr_hook_provider/stats
echo "\$ cat /sys/kernel/debug/nmr_hook_count/counts"
cat /sys/kernel/debug/nmr_hook_count/counts
echo "\$ nmr-traffic probe 127.0.0.9 9 20"
nmr-traffic probe 127.0.0.9 9 20
step "rmmod the dropper under traffic: its binding is detached while packets flow, the calls in flight finish, both sides log the final count of the binding, and port 9 gets its datagrams again"
mark; run rmmod nmr_hook_drop; show
echo "\$ nmr-traffic probe 127.0.0.9 9 20"
nmr-traffic probe 127.0.0.9 9 20
step "rmmod the counting client under traffic: what it counted equals what the provider dispatched to it"
mark; run rmmod nmr_hook_count; show
step "rmmod the provider, still under traffic: it deregisters, then unhooks"
mark; run rmmod nmr_hook_provider; show
touch /tmp/hook.stop
wait
step "The senders' totals: nothing to port 5001/5002 was lost; what did not arrive at port 9 is what the dropper dropped"
cat /tmp/hook.load0 /tmp/hook.load1
step "rmmod nmr: nothing uses it any more"
mark; run rmmod nmr; show
GUEST

log=$NMR_OUT/demo-console.log
mkdir -p "$NMR_OUT"
echo "nmr: booting QEMU for the demo..."
NMR_QUIET=1 "$NMR_TOP/scripts/vm-run.sh" -t 600 -l "$log" "$guest" || {
	rc=$?
	echo "nmr: demo failed (status $rc); console log: $log" >&2
	exit $rc
}
# The guest's own output (its step headers and dmesg excerpts), without
# the boot noise.
sed -n '/^### /,$p' "$log" | grep -v 'NMR-EXIT\|reboot:'
