#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# NPI-specific characteristics: a provider that advertises NPI version 2 is
# declined (-ENODEV) by every client, which then has no binding to it and
# no callbacks for it; a second provider of version 1 is accepted.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko npi_version=2
expect_ok insmod nmr_sample_client.ko
expect_ok insmod nmr_sample_pinned.ko
expect_in_order \
	"nmr_sample_provider: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 2" \
	"nmr_sample_client: declining sample provider nmr_sample_provider: it speaks NPI version 2, this client speaks 1" \
	"nmr_sample_client: registered (bindings now 0)" \
	"nmr_sample_pinned: declining provider nmr_sample_provider: it speaks NPI version 2, this client speaks 1" \
	"nmr_sample_pinned: registered (bindings now 0)"
expect_absent "nmr_sample_provider: attached client"
# Declined, so nothing pins the pinned sample.
expect_refcount nmr_sample_pinned 0

mark
expect_ok insmod nmr_sample_provider_async.ko
expect_in_order \
	"nmr_sample_client: attached to sample provider nmr_sample_provider_async (NPI version 1; bindings now 1)" \
	"nmr_sample_pinned: attached to provider nmr_sample_provider_async" \
	"nmr_sample_provider_async: registered (clients now 2)"
wait_for "nmr_sample_client: call 1 into nmr_sample_provider_async:"
expect_absent "into nmr_sample_provider:"

mark
expect_ok rmmod nmr_sample_provider_async
expect_ok rmmod nmr_sample_pinned
expect_ok rmmod nmr_sample_client
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_provider_async: deregistration complete; unloaded" \
	"nmr_sample_pinned: unloaded" \
	"nmr_sample_client: unloaded" \
	"nmr_sample_provider: unloading: deregistering the provider" \
	"nmr_sample_provider: deregistration complete; unloaded"
expect_absent "nmr_sample_provider: detached"

scn_end
