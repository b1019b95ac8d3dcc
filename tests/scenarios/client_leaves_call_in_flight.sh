#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The client unloaded while one of its calls is in flight in the async
# provider (hold_ms): the client's detach is pending, the provider's returns
# 0 but the call it entered keeps its side open, so the provider may still
# call the client back; the call's exit ends the provider side, its return
# completes the client side, and rmmod returns only after that.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must start the unload within that.  It takes it up to ~3 s on a busy
# 2-core host under TCG (measured: 3.0 s); 8 s is the slack.
hold=8000
mark
expect_ok insmod nmr_sample_provider_async.ko hold_ms=$hold
expect_ok insmod nmr_sample_client.ko
expect_in_order \
	"nmr_sample_provider_async: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1 (hold_ms=$hold)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider_async (NPI version 1; bindings now 1)"
wait_for "nmr_sample_provider_async: request 1 from client nmr_sample_client: holding it in flight for $hold ms"

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight, detach pending" \
	"nmr_sample_provider_async: detaching from client nmr_sample_client (binding 1): returning 0; NMR completes the detach once the calls entered with nmr_provider_enter() have exited" \
	"nmr_sample_provider_async: request 1 from client nmr_sample_client served; nmr_provider_exit()" \
	"nmr_sample_client: call 1 into nmr_sample_provider_async: sum 1, 1 requests done" \
	"nmr_sample_client: call in flight into nmr_sample_provider_async returned after 1 calls: completing the pending detach" \
	"nmr_sample_client: binding to nmr_sample_provider_async cleaned up (bindings now 0)" \
	"nmr_sample_provider_async: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"nmr_sample_client: client of the sample NPI: deregistration complete" \
	"nmr_sample_client: unloaded" \
	"rmmod nmr_sample_client: status 0"
expect_absent "nmr_sample_client: call 2"

mark
expect_ok rmmod nmr_sample_provider_async
expect_in_order \
	"nmr_sample_provider_async: unloading: deregistering the provider" \
	"nmr_sample_provider_async: deregistration complete; unloaded"

scn_end
