#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A client before any provider: it registers with no binding; the provider
# loaded next is offered to it inside the provider's insmod, and the
# client starts calling it.  Unloading the client, then the provider.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_client.ko
expect_in_order \
	"nmr_sample_client: registering as a client of the sample NPI" \
	"nmr_sample_client: registering as a client of the bridge NPI" \
	"nmr_sample_client: registered (bindings now 0)"
expect_absent "nmr_sample_client: attached"

mark
expect_ok insmod nmr_sample_provider.ko
expect_in_order \
	"nmr_sample_provider: registering as a provider of the sample NPI" \
	"nmr_sample_provider: attached client nmr_sample_client (binding 1; clients now 1)" \
	"nmr_sample_client: attached to sample provider nmr_sample_provider (NPI version 1; bindings now 1)" \
	"nmr_sample_provider: registered (clients now 1)" \
	"insmod nmr_sample_provider.ko: status 0"
wait_for "nmr_sample_client: call 2 into nmr_sample_provider:"

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"nmr_sample_provider: detached from client nmr_sample_client (binding 1)" \
	"nmr_sample_client: binding to nmr_sample_provider cleaned up (bindings now 0)" \
	"nmr_sample_provider: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"nmr_sample_client: unloaded" \
	"rmmod nmr_sample_client: status 0"

mark
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_provider: unloading: deregistering the provider" \
	"nmr_sample_provider: deregistration complete; unloaded"
expect_absent "detached from client"

scn_end
