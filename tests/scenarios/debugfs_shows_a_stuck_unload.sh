#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /sys/kernel/debug/nmr/ while an unload is stuck: the async provider is
# unloaded while a client's call is held in it, and while its rmmod waits,
# "registrations" lists it as deregistering and "bindings" shows the client
# side pending and the provider side waiting for its entered call.  Once
# the call returns, both files are empty again.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must read both files twice within that.  It takes it up to ~3 s on a busy
# 2-core host under TCG (measured: 3.0 s); 8 s is the slack.  In the KCSAN
# VM a grep of a debugfs file took over a second, and three of them before
# the rmmod, wait_for and a sleep 1 came to more than 8 s: so the files are
# read with shell builtins (snap), the second time polled until the
# provider waits for its entered call, and checked once the rmmod returned.
hold=8000
d=/sys/kernel/debug/nmr
[ -r $d/registrations ] && [ -r $d/bindings ] || fail "no $d/registrations or $d/bindings"

# snap FILE: FILE's lines in $snap, read with shell builtins only.
snap() {
	snap=
	while IFS= read -r line; do
		snap="$snap$line
"
	done <"$1"
}

mark
expect_ok insmod nmr_sample_provider_async.ko hold_ms=$hold
expect_ok insmod nmr_sample_client.ko
wait_for "nmr_sample_provider_async: request 1 from client nmr_sample_client: holding it in flight for $hold ms"
snap $d/registrations
regs=$snap
snap $d/bindings
binds=$snap

# During the wait: both files, until the provider side waits for its
# entered call and the provider is deregistering (10 s at most).
mark
rmmod nmr_sample_provider_async &
rmmod_pid=$!
tries=100
while :; do
	snap $d/bindings
	binds_wait=$snap
	snap $d/registrations
	regs_wait=$snap
	case $binds_wait$regs_wait in *"(1 entered)"*"deregistering"*) break ;; esac
	tries=$((tries - 1))
	[ $tries -gt 0 ] || break
	sleep 0.1
done
wait $rmmod_pid || fail "rmmod nmr_sample_provider_async exited with status $?"
echo "$regs" | grep -q "^provider nmr_sample_provider_async#[0-9]*: registered, 1 bindings, unload allowed, npi 78cab5c3-128f-45b3-a59c-547c8475f33d" ||
	fail "registrations: $regs"
echo "$regs" | grep -q "^client nmr_sample_client#[0-9]*: registered, 1 bindings" ||
	fail "registrations: $regs"
echo "$binds" | grep -q "^client nmr_sample_client#[0-9]* <-> provider nmr_sample_provider_async#[0-9]*: ATTACHED; client: attached; provider: attached$" ||
	fail "bindings: $binds"
echo "$regs_wait" | grep -q "^provider nmr_sample_provider_async#[0-9]*: deregistering, 1 bindings" ||
	fail "registrations during the wait: $regs_wait"
echo "$binds_wait" | grep -q "DETACHING; client: pending for [0-9]* ms; provider: waiting for its entered calls to exit for [0-9]* ms (1 entered)$" ||
	fail "bindings during the wait: $binds_wait"
expect_in_order \
	"nmr_sample_provider_async: deregistration pending: waiting for it to complete" \
	"nmr_sample_provider_async: request 1 from client nmr_sample_client served; nmr_provider_exit()" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
[ -z "$(cat $d/bindings)" ] || fail "bindings after the unload: $(cat $d/bindings)"
grep -q "nmr_sample_provider_async" $d/registrations && fail "registrations after the unload: $(cat $d/registrations)"

mark
expect_ok rmmod nmr_sample_client
[ -z "$(cat $d/registrations)" ] || fail "registrations at the end: $(cat $d/registrations)"
scn_end
