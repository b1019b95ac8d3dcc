#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A provider, then a client: the client attaches inside its own insmod,
# checks the provider's NPI version, and calls it; the client leaves first
# (its module_exit deregisters and waits), then the provider, which is by
# then bound to nobody.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_in_order \
	"nmr_sample_provider: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1" \
	"nmr_sample_provider: registered (clients now 0)" \
	"insmod nmr_sample_provider.ko: status 0"

mark
expect_ok insmod nmr_sample_client.ko
# Offers to providers already registered run inside the register call.
expect_in_order \
	"nmr_sample_client: registering as a client of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1" \
	"nmr_sample_provider: attached client nmr_sample_client (binding 1; clients now 1)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider (NPI version 1; bindings now 1)" \
	"nmr_sample_client: registering as a client of the bridge NPI fbd80de3-8095-4d96-8475-918f69443bc9" \
	"nmr_sample_client: registered (bindings now 1)" \
	"insmod nmr_sample_client.ko: status 0"
wait_for "nmr_sample_client: call 2 into nmr_sample_provider:"
expect_in_order \
	"nmr_sample_client: call 1 into nmr_sample_provider: sum 1, 1 requests done" \
	"nmr_sample_client: call 2 into nmr_sample_provider: sum 2, 2 requests done"

mark
expect_ok rmmod nmr_sample_client
# The client's detach is synchronous unless its work item is mid-call.
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_provider: detached from client nmr_sample_client (binding 1)" \
	"nmr_sample_client: binding to nmr_sample_provider cleaned up (bindings now 0)" \
	"nmr_sample_provider: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"nmr_sample_client: client of the sample NPI: deregistration complete" \
	"nmr_sample_client: client of the bridge NPI: deregistration complete" \
	"nmr_sample_client: unloaded" \
	"rmmod nmr_sample_client: status 0"

mark
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_provider: unloading: deregistering the provider" \
	"nmr_sample_provider: deregistration pending: waiting for it to complete" \
	"nmr_sample_provider: deregistration complete; unloaded" \
	"rmmod nmr_sample_provider: status 0"
expect_absent "detached from client"

scn_end
