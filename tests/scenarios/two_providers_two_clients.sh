#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two providers (sync and async) and two clients of the sample NPI (the
# client and the bridge): four bindings, plus the client bound to the
# bridge.  One provider leaves: exactly its two bindings are detached and
# cleaned up, and the client keeps calling the provider that stayed, also
# through the bridge.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_provider_async.ko
expect_ok insmod nmr_sample_client.ko period_ms=100
expect_ok insmod nmr_sample_bridge.ko
expect_in_order \
	"nmr_sample_client: attached to sample provider nmr_sample_provider (NPI version 1; bindings now 1)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider_async (NPI version 1; bindings now 2)" \
	"nmr_sample_bridge: attached below to provider nmr_sample_provider (providers below now 1)" \
	"nmr_sample_bridge: attached below to provider nmr_sample_provider_async (providers below now 2)" \
	"nmr_sample_client: attached to bridge provider nmr_sample_bridge (NPI version 1; bindings now 3)"
expect_in_order "nmr_sample_provider: registered (clients now 0)" \
	"nmr_sample_provider: attached client nmr_sample_bridge (binding 2; clients now 2)"
expect_in_order "nmr_sample_provider_async: registered (clients now 0)" \
	"nmr_sample_provider_async: attached client nmr_sample_bridge (binding 2; clients now 2)"
wait_for "nmr_sample_client: call 4 into nmr_sample_provider_async:"
wait_for "nmr_sample_client: call 4 into nmr_sample_bridge: forward_add: 0"

mark
expect_ok rmmod nmr_sample_provider_async
# A call may be in flight (period_ms=100), so a detach may go pending;
# either way each binding ends cleaned up before rmmod returns.
expect_in_order \
	"nmr_sample_provider_async: unloading: deregistering the provider" \
	"nmr_sample_provider_async: binding 1 to client nmr_sample_client cleaned up" \
	"nmr_sample_provider_async: deregistration complete; unloaded" \
	"rmmod nmr_sample_provider_async: status 0"
expect_in_order \
	"nmr_sample_provider_async: unloading: deregistering the provider" \
	"nmr_sample_provider_async: binding 2 to client nmr_sample_bridge cleaned up" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
expect_in_order \
	"nmr_sample_client: binding to nmr_sample_provider_async cleaned up (bindings now 2)" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
expect_in_order \
	"nmr_sample_bridge: binding to provider nmr_sample_provider_async cleaned up (providers below now 1)" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
expect_count 1 "to client nmr_sample_client cleaned up"
expect_count 1 "to client nmr_sample_bridge cleaned up"
expect_absent "nmr_sample_provider: detached"
expect_absent "nmr_sample_bridge: detached from client"

# The calls go on, into the provider that stayed, directly and through the
# bridge (call numbers are logged at powers of two).
mark
wait_for "into nmr_sample_provider: sum" 15
wait_for "into nmr_sample_bridge: forward_add: 0" 15
expect_absent "into nmr_sample_provider_async"
expect_absent "forward_add: -19"

mark
expect_ok rmmod nmr_sample_bridge
expect_in_order \
	"nmr_sample_bridge: unloading" \
	"nmr_sample_bridge: binding 1 to client nmr_sample_client cleaned up (clients above now 0)" \
	"nmr_sample_bridge: binding to provider nmr_sample_provider cleaned up (providers below now 0)" \
	"nmr_sample_bridge: unloaded"
expect_ok rmmod nmr_sample_client
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_client: unloaded" \
	"nmr_sample_provider: unloading" \
	"nmr_sample_provider: deregistration complete; unloaded"

scn_end
