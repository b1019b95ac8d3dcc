#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The async provider unloaded while a client's call is in flight in it
# (hold_ms): its module_exit deregisters, the client side goes pending, the
# provider's detach returns 0 but its side stays open on the call it entered
# with nmr_provider_enter(), and the provider waits.  The call calls the
# client back, exits (ending the provider side), and returns to the client,
# which completes its side; then the wait ends and rmmod returns.  The
# client stays loaded.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must start the unload within that.  It takes it up to ~3 s on a busy
# 2-core host under TCG (measured: 3.0 s); 8 s is the slack.
hold=8000
mark
expect_ok insmod nmr_sample_provider_async.ko hold_ms=$hold
expect_ok insmod nmr_sample_client.ko
wait_for "nmr_sample_provider_async: request 1 from client nmr_sample_client: holding it in flight for $hold ms"

mark
expect_ok rmmod nmr_sample_provider_async
expect_in_order \
	"nmr_sample_provider_async: unloading: deregistering the provider" \
	"nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight, detach pending" \
	"nmr_sample_provider_async: detaching from client nmr_sample_client (binding 1): returning 0; NMR completes the detach once the calls entered with nmr_provider_enter() have exited" \
	"nmr_sample_provider_async: deregistration pending: waiting for it to complete" \
	"nmr_sample_provider_async: request 1 from client nmr_sample_client served; nmr_provider_exit()" \
	"nmr_sample_client: call 1 into nmr_sample_provider_async: sum 1, 1 requests done" \
	"nmr_sample_client: call in flight into nmr_sample_provider_async returned after 1 calls: completing the pending detach" \
	"nmr_sample_client: binding to nmr_sample_provider_async cleaned up (bindings now 0)" \
	"nmr_sample_provider_async: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"nmr_sample_provider_async: deregistration complete; unloaded" \
	"rmmod nmr_sample_provider_async: status 0"
expect_loaded nmr_sample_client

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 0)" \
	"nmr_sample_client: unloaded"

scn_end
