#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A provider unloaded while two clients (the client and the bridge) are
# bound to it: its module_exit deregisters, each binding is detached once
# (client side, then provider side) and cleaned up, and only then does
# rmmod return.  The clients stay loaded and bound to each other.
# period_ms=60000: the client calls once at attach, then sleeps, so no call
# is in flight and every detach is synchronous.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_client.ko period_ms=60000
expect_ok insmod nmr_sample_bridge.ko
expect_in_order \
	"nmr_sample_client: attached to sample provider nmr_sample_provider (NPI version 1; bindings now 1)" \
	"nmr_sample_provider: attached client nmr_sample_bridge (binding 2; clients now 2)" \
	"nmr_sample_bridge: attached below to provider nmr_sample_provider (providers below now 1)" \
	"nmr_sample_client: attached to bridge provider nmr_sample_bridge (NPI version 1; bindings now 2)" \
	"nmr_sample_bridge: registered (providers below now 1, clients above now 1)"
wait_for "nmr_sample_client: call 1 into nmr_sample_bridge: forward_add: 0, sum 1"
wait_for "nmr_sample_client: call 1 into nmr_sample_provider: sum 1"

mark
expect_ok rmmod nmr_sample_provider
# Each binding, in order: client side, provider side, cleanup.
expect_in_order \
	"nmr_sample_provider: unloading: deregistering the provider" \
	"nmr_sample_client: detached from nmr_sample_provider after 1 calls: none in flight, detach complete" \
	"nmr_sample_provider: detached from client nmr_sample_client (binding 1) after" \
	"nmr_sample_client: binding to nmr_sample_provider cleaned up (bindings now 1)" \
	"nmr_sample_provider: binding 1 to client nmr_sample_client cleaned up" \
	"nmr_sample_provider: deregistration complete; unloaded" \
	"rmmod nmr_sample_provider: status 0"
expect_in_order \
	"nmr_sample_provider: unloading: deregistering the provider" \
	"nmr_sample_bridge: detached from provider nmr_sample_provider: none in flight, detach complete" \
	"nmr_sample_provider: detached from client nmr_sample_bridge (binding 2) after" \
	"nmr_sample_bridge: binding to provider nmr_sample_provider cleaned up (providers below now 0)" \
	"nmr_sample_provider: binding 2 to client nmr_sample_bridge cleaned up" \
	"nmr_sample_provider: deregistration complete; unloaded"
expect_count 1 "detached from client nmr_sample_client"
expect_count 1 "detached from client nmr_sample_bridge"
expect_loaded nmr_sample_client
expect_loaded nmr_sample_bridge

mark
expect_ok rmmod nmr_sample_bridge
expect_in_order \
	"nmr_sample_bridge: unloading" \
	"nmr_sample_client: detached from nmr_sample_bridge after 1 calls" \
	"nmr_sample_bridge: binding 1 to client nmr_sample_client cleaned up (clients above now 0)" \
	"nmr_sample_bridge: unloaded"
expect_ok rmmod nmr_sample_client

scn_end
