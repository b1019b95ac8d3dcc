#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The client unloaded while one of its calls is in flight in the async
# provider (hold_ms): both detaches are pending, the provider does not call
# the client back after its detach, the call's return completes the
# provider side then the client side, and rmmod returns only after that.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider_async.ko hold_ms=2000
expect_ok insmod nmr_sample_client.ko
expect_in_order \
	"nmr_sample_provider_async: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1 (hold_ms=2000)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider_async (NPI version 1; bindings now 1)"
wait_for "nmr_sample_provider_async: request 1 from client nmr_sample_client: holding it in flight for 2000 ms"

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_client: detaching from nmr_sample_provider_async: a call is in flight, detach pending" \
	"nmr_sample_provider_async: detaching from client nmr_sample_client (binding 1): 1 call(s) in flight, detach pending" \
	"nmr_sample_provider_async: request 1 from client nmr_sample_client returns after the detach began: not calling the client back" \
	"nmr_sample_provider_async: last call in flight from client nmr_sample_client (binding 1) returned: completing the pending detach" \
	"nmr_sample_client: call 1 into nmr_sample_provider_async: request 1: -108" \
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
expect_absent "detached from client"

scn_end
