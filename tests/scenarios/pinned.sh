#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Refuse and request unload.  Unbound, the pinned sample unloads at once.
# Bound, it refuses unload: rmmod fails at once with EWOULDBLOCK (EAGAIN,
# "Resource temporarily unavailable", which is what delete_module() returns
# for a module with a non-zero reference count) and its module_exit does
# not run.  It keeps refusing while any binding is left, requests unload
# when the last one is cleaned up, and rmmod then succeeds.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# Unbound: nothing refuses.
mark
expect_ok insmod nmr_sample_pinned.ko
expect_refcount nmr_sample_pinned 0
expect_ok rmmod nmr_sample_pinned
expect_in_order \
	"nmr_sample_pinned: registered (bindings now 0)" \
	"nmr_sample_pinned: unloading: deregistering the client" \
	"nmr_sample_pinned: unloaded"
expect_absent "refusing unload"

# Bound to two providers, attached in its own insmod.
mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_provider_async.ko
expect_ok insmod nmr_sample_pinned.ko
expect_in_order \
	"nmr_sample_pinned: attached to provider nmr_sample_provider (sum 1)" \
	"nmr_sample_pinned: bound to nmr_sample_provider: refusing unload while bound; rmmod nmr_sample_pinned fails (EAGAIN) until every provider is gone" \
	"nmr_sample_pinned: attached to provider nmr_sample_provider_async (sum 1)" \
	"nmr_sample_pinned: bound to nmr_sample_provider_async: still refusing unload (bindings now 2)" \
	"nmr_sample_pinned: registered (bindings now 2)"
expect_refcount nmr_sample_pinned 1
expect_fail "Resource temporarily unavailable" rmmod nmr_sample_pinned
expect_loaded nmr_sample_pinned
expect_absent "nmr_sample_pinned: unloading"

# One provider leaves: still bound, still refusing.
mark
expect_ok rmmod nmr_sample_provider
expect_in_order \
	"nmr_sample_pinned: detached from provider nmr_sample_provider" \
	"nmr_sample_pinned: binding to nmr_sample_provider gone (bindings now 1)" \
	"nmr_sample_provider: deregistration complete; unloaded"
expect_fail "Resource temporarily unavailable" rmmod nmr_sample_pinned
expect_refcount nmr_sample_pinned 1

# The last provider leaves: the pinned sample requests unload.
mark
expect_ok rmmod nmr_sample_provider_async
expect_in_order \
	"nmr_sample_pinned: detached from provider nmr_sample_provider_async" \
	"nmr_sample_pinned: last binding (to nmr_sample_provider_async) gone: requesting unload (0); rmmod nmr_sample_pinned may proceed" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
expect_refcount nmr_sample_pinned 0
expect_ok rmmod nmr_sample_pinned
expect_in_order \
	"nmr_sample_pinned: unloading: deregistering the client" \
	"nmr_sample_pinned: unloaded" \
	"rmmod nmr_sample_pinned: status 0"

# Loaded before the provider: it starts refusing inside the provider's insmod.
mark
expect_ok insmod nmr_sample_pinned.ko
expect_ok insmod nmr_sample_provider.ko
expect_in_order \
	"nmr_sample_pinned: registered (bindings now 0)" \
	"nmr_sample_pinned: bound to nmr_sample_provider: refusing unload while bound" \
	"nmr_sample_provider: registered (clients now 1)"
expect_fail "Resource temporarily unavailable" rmmod nmr_sample_pinned
expect_ok rmmod nmr_sample_provider
expect_ok rmmod nmr_sample_pinned
expect_in_order \
	"nmr_sample_pinned: last binding (to nmr_sample_provider) gone: requesting unload (0)" \
	"nmr_sample_provider: deregistration complete; unloaded" \
	"nmr_sample_pinned: unloaded"

scn_end
