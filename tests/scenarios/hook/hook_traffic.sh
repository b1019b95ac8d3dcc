#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The packet hook NPI under real traffic.  Two senders, one pinned to each
# vCPU, send UDP over loopback through the IPv4 stack to a pass port and
# to the dropper's port (nmr-traffic load), while the hook provider, the
# counting client and the dropping client are loaded and unloaded, in
# every order.  Each cycle:
#
# - a probe (20 datagrams to the dropper's port, on an address of its own)
#   after every insmod and rmmod: all dropped while the provider and the
#   dropper are both loaded, none dropped otherwise;
# - at every unload, each client's own count for its binding equals what
#   the provider dispatched to that binding, and is not zero;
# - each rmmod is timed.
#
# At the end: the pass ports lost nothing, and what the dropper dropped
# in all (its own count, logged at each unload) is exactly what the
# senders and the probes sent to its port and did not receive.
#
#   hook_traffic.sh [pairs|CYCLES]	pairs: 50 cycles (every load order
#					with every unload order, then more);
#					default 12
. "$(dirname "$0")/../lib/expect.sh"
scn_begin

CYCLES=12
case ${1:-} in
pairs) CYCLES=50 ;;
[0-9]*) CYCLES=$1 ;;
esac
DROP_PORT=9
PROBE=20
STOP=$SCN_TMP.stop
ORDERS="pcd pdc cpd cdp dpc dcp"
PROBE_SENT=0
PROBE_RECV=0
DROPPED=0

module() {
	case $1 in
	p) echo nmr_hook_provider ;;
	c) echo nmr_hook_count ;;
	d) echo nmr_hook_drop ;;
	esac
}

# order N: the Nth of the six orders of the three modules.
order() {
	n=$(($1 % 6))
	set -- $ORDERS
	shift $n
	echo "$1"
}

# probe: datagrams to the dropper's port must all be dropped exactly while
# the provider and the dropper are both loaded, and all arrive otherwise.
probe() {
	want=$PROBE
	is_loaded nmr_hook_provider && is_loaded nmr_hook_drop && want=0
	out=$(nmr-traffic probe 127.0.0.9 $DROP_PORT $PROBE) || fail "nmr-traffic probe failed: $out"
	set -- $out
	PROBE_SENT=$((PROBE_SENT + $3))
	PROBE_RECV=$((PROBE_RECV + $5))
	[ "$5" = "$want" ] ||
		fail "$* after $LAST: expected $want to arrive ($(awk '/^nmr_hook/ { printf "%s ", $1 }' /proc/modules)loaded)"
}

# after TEXT WORD: sets AFTER to the word after WORD on the one line of
# $SCN_TMP.since (since_mark) that contains TEXT (not in $(...): fail must
# exit the scenario).
after() {
	n=$(grep -cF "$1" "$SCN_TMP.since")
	[ "$n" = 1 ] || fail "expected one line with \"$1\" in this cycle, found $n"
	AFTER=$(grep -F "$1" "$SCN_TMP.since" | awk -v w="$2" '{ for (i = 1; i < NF; i++) if ($i == w) { print $(i + 1); exit } }')
}

# binding_counts CLIENT: what the client counted on its binding to the
# provider equals what the provider dispatched to it, and is not zero.
binding_counts() {
	after "$1: binding to nmr_hook_provider cleaned up: classified" classified
	mine=$AFTER
	after "nmr_hook_provider: binding to client $1 cleaned up: dispatched" dispatched
	theirs=$AFTER
	[ "$mine" = "$theirs" ] ||
		fail "$1 classified $mine packets on its binding, the provider dispatched $theirs to it"
	[ "$mine" -gt 0 ] || fail "$1 classified no packet in this cycle: no traffic reached the hook"
}

# timed_rmmod MODULE: delete_module(2), as rmmod does, timed from the
# call to its return by nmr-traffic (no fork or exec in the figure).
timed_rmmod() {
	scn_log "\$ rmmod $1"
	out=$(nmr-traffic rmmod "$1" 2>&1)
	rc=$?
	scn_log "rmmod $1: status $rc: $out"
	[ $rc -eq 0 ] || fail "rmmod $1 failed: $out (status: its errno)"
	echo "$1 $(echo "$out" | awk '{ print $4 }')" >>"$SCN_TMP.times"
}

expect_ok ip link set lo up
rm -f "$STOP" "$SCN_TMP.times"
# A failed assertion exits: stop the senders first.
SCN_AT_EXIT='touch "$STOP"; wait'
nmr-traffic load 127.0.0.1 5001 $DROP_PORT 0 "$STOP" >"$SCN_TMP.load0" 2>&1 &
nmr-traffic load 127.0.0.2 5002 $DROP_PORT 1 "$STOP" >"$SCN_TMP.load1" 2>&1 &
sleep 1

i=0
while [ $i -lt $CYCLES ]; do
	load=$(order $i)
	unload=$(order $((i + i / 6)))
	mark "cycle $i: load $load, unload $unload"
	for m in $(echo "$load" | sed 's/./& /g'); do
		expect_ok insmod "$(module "$m").ko"
		LAST="insmod $(module "$m")"
		probe
	done
	LAST="loading all three"
	c0=$(awk '{ print $3 }' /sys/kernel/debug/nmr_hook_count/counts)
	probe
	c1=$(awk '{ print $3 }' /sys/kernel/debug/nmr_hook_count/counts)
	[ $((c1 - c0)) -ge $PROBE ] || fail "the counting client counted $((c1 - c0)) packets across a probe of $PROBE"
	for m in $(echo "$unload" | sed 's/./& /g'); do
		timed_rmmod "$(module "$m")"
		LAST="rmmod $(module "$m")"
		probe
	done
	since_mark
	binding_counts nmr_hook_count/0
	binding_counts nmr_hook_drop
	after "nmr_hook_drop: unloaded: deregistration took" dropped
	DROPPED=$((DROPPED + AFTER))
	grep -qF failed "$SCN_TMP.since" && fail "a module logged a failure"
	i=$((i + 1))
done

mark "stopping the traffic"
touch "$STOP"
wait
for f in "$SCN_TMP.load0" "$SCN_TMP.load1"; do
	set -- $(cat "$f")
	[ "$1" = load ] || fail "nmr-traffic load: $*"
	[ "$4" = "$6" ] || fail "$2: sent $4 datagrams to its pass port, $6 arrived"
	[ "$4" -ge 1000 ] || fail "$2: only $4 datagrams sent: the traffic hardly ran"
	DROP_SENT=$((${DROP_SENT:-0} + $8))
	DROP_RECV=$((${DROP_RECV:-0} + ${10}))
	scn_log "$*"
done
lost=$((DROP_SENT - DROP_RECV + PROBE_SENT - PROBE_RECV))
[ "$lost" = "$DROPPED" ] ||
	fail "$lost datagrams to port $DROP_PORT did not arrive, but the dropper dropped $DROPPED"
for m in nmr_hook_provider nmr_hook_count nmr_hook_drop; do
	scn_log "rmmod $m under load, $CYCLES times: $(awk -v m="$m" '$1 == m { print $2 }' "$SCN_TMP.times" |
		sort -n | awk '{ t[NR] = $1 } END { printf "median %d us, max %d us", t[int((NR + 1) / 2)], t[NR] }')"
done
scn_log "$CYCLES cycles; $DROPPED datagrams dropped, each while the dropper was attached"

scn_end
