#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bridge, a client of the sample NPI and a provider of the bridge NPI:
# the client's calls go through it to the provider below.  Unloaded while
# bound on both sides, its module_exit deregisters both registrations and
# waits for both.  Loaded with no provider below, it answers -ENODEV.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_bridge.ko
expect_ok insmod nmr_sample_client.ko period_ms=60000
expect_in_order \
	"nmr_sample_bridge: registering as a client of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d" \
	"nmr_sample_bridge: attached below to provider nmr_sample_provider (providers below now 1)" \
	"nmr_sample_bridge: registering as a provider of the bridge NPI fbd80de3-8095-4d96-8475-918f69443bc9" \
	"nmr_sample_bridge: registered (providers below now 1, clients above now 0)" \
	"nmr_sample_client: registering as a client of the bridge NPI" \
	"nmr_sample_bridge: attached above to client nmr_sample_client (binding 1; clients above now 1)" \
	"nmr_sample_client: attached to bridge provider nmr_sample_bridge (NPI version 1; bindings now 2)"
wait_for "nmr_sample_client: call 1 into nmr_sample_bridge: forward_add: 0, sum 1"
wait_for "nmr_sample_client: call 1 into nmr_sample_provider: sum 1"

mark
expect_ok rmmod nmr_sample_bridge
expect_in_order \
	"nmr_sample_bridge: unloading: deregistering the provider above and the client below" \
	"nmr_sample_client: detached from nmr_sample_bridge after 1 calls: none in flight, detach complete" \
	"nmr_sample_bridge: detached from client nmr_sample_client (binding 1): the bridge never calls it, detach complete" \
	"nmr_sample_client: binding to nmr_sample_bridge cleaned up (bindings now 1)" \
	"nmr_sample_bridge: binding 1 to client nmr_sample_client cleaned up (clients above now 0)" \
	"nmr_sample_bridge: detached from provider nmr_sample_provider: none in flight, detach complete" \
	"nmr_sample_provider: detached from client nmr_sample_bridge (binding 1)" \
	"nmr_sample_bridge: binding to provider nmr_sample_provider cleaned up (providers below now 0)" \
	"nmr_sample_bridge: provider of the bridge NPI: deregistration complete" \
	"nmr_sample_bridge: client of the sample NPI: deregistration complete" \
	"nmr_sample_bridge: unloaded" \
	"rmmod nmr_sample_bridge: status 0"
expect_absent "nmr_sample_client: detached from nmr_sample_provider"

# No provider below: forward_add fails with -ENODEV.
mark
expect_ok rmmod nmr_sample_provider
expect_ok insmod nmr_sample_bridge.ko
expect_in_order \
	"nmr_sample_bridge: registered (providers below now 0, clients above now 1)"
wait_for "nmr_sample_client: call 1 into nmr_sample_bridge: forward_add: -19, sum 0"

mark
expect_ok rmmod nmr_sample_client
expect_ok rmmod nmr_sample_bridge
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_bridge: binding 1 to client nmr_sample_client cleaned up (clients above now 0)" \
	"nmr_sample_client: unloaded" \
	"nmr_sample_bridge: unloaded"

scn_end
