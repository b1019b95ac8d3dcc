#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A provider that left and is loaded again: the client, which stayed
# registered, is offered the new registration and binds to it afresh (new
# binding contexts on both sides: counts start again).
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_client.ko period_ms=60000
wait_for "nmr_sample_client: call 1 into nmr_sample_provider: sum 1"

mark
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_client: detached from nmr_sample_provider after 1 calls" \
	"nmr_sample_client: binding to nmr_sample_provider cleaned up (bindings now 0)" \
	"nmr_sample_provider: deregistration complete; unloaded"

mark
expect_ok insmod nmr_sample_provider.ko
expect_in_order \
	"nmr_sample_provider: registering as a provider of the sample NPI" \
	"nmr_sample_provider: attached client nmr_sample_client (binding 1; clients now 1)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider (NPI version 1; bindings now 1)" \
	"nmr_sample_provider: registered (clients now 1)"
wait_for "nmr_sample_client: call 1 into nmr_sample_provider: sum 1, 1 requests done"

mark
expect_ok rmmod nmr_sample_provider
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: binding to nmr_sample_provider cleaned up (bindings now 0)" \
	"nmr_sample_provider: deregistration complete; unloaded" \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 0)" \
	"nmr_sample_client: unloaded"

scn_end
