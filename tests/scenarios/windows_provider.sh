#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The provider written against the Windows NMR API (<nmr/netioddk.h>) binds
# to the native client like any sample provider, and leaves in both orders:
#
# - loaded first and unloaded last, when its client has gone: its Unload
#   routine is the Windows documentation's sequence, NmrDeregisterProvider()
#   returning STATUS_PENDING, then NmrWaitForProviderDeregisterComplete();
#   nmr's own (debug) log names it, not nmr, as the registration's owner;
# - loaded after the client and unloaded first, while a request it holds
#   (hold_ms) is a call into the client in flight: its detach callback
#   returns STATUS_PENDING, the request's end calls
#   NmrProviderDetachClientComplete(), and only then does the wait end.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must start the unload within that.  It takes it up to ~3 s on a busy
# 2-core host under TCG (measured: 3.0 s); 8 s is the slack.
hold=8000
WIN=nmr_sample_provider_win

# nmr's debug lines name each registration's owner module.
nmr_debug() {
	echo "module nmr $1" >/sys/kernel/debug/dynamic_debug/control ||
		fail "cannot turn nmr's debug lines $1"
}

mark
nmr_debug +p
expect_ok insmod $WIN.ko
nmr_debug -p
expect_in_order \
	"$WIN: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1 (hold_ms=0)" \
	"nmr: provider $WIN#" \
	"$WIN: registered (clients now 0)" \
	"insmod $WIN.ko: status 0"

# period_ms=60000: the client calls once at attach, then sleeps, so no call
# is in flight when it leaves and the provider's detach is synchronous.
mark
expect_ok insmod nmr_sample_client.ko period_ms=60000
# The Windows GUID initializer and the native GUID_INIT() name one NPI.
expect_in_order \
	"nmr_sample_client: registering as a client of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1" \
	"$WIN: attached client nmr_sample_client (binding 1; clients now 1)" \
	"nmr_sample_client: attached to sample provider $WIN (NPI version 1; bindings now 1)" \
	"nmr_sample_client: registered (bindings now 1)" \
	"insmod nmr_sample_client.ko period_ms=60000: status 0"
wait_for "nmr_sample_client: call 1 into $WIN: sum 1, 1 requests done"

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 1)" \
	"$WIN: detached from client nmr_sample_client (binding 1) after 3 calls: no call into it in flight, returning STATUS_SUCCESS" \
	"nmr_sample_client: binding to $WIN cleaned up (bindings now 0)" \
	"$WIN: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"nmr_sample_client: unloaded" \
	"rmmod nmr_sample_client: status 0"

mark
expect_ok rmmod $WIN
expect_in_order \
	"$WIN: unloading: NmrDeregisterProvider()" \
	"$WIN: NmrDeregisterProvider() returned STATUS_PENDING: NmrWaitForProviderDeregisterComplete()" \
	"$WIN: deregistration complete (status 0x00000000); unloaded" \
	"rmmod $WIN: status 0"
expect_absent "detached from client"

mark
expect_ok insmod nmr_sample_client.ko
expect_ok insmod $WIN.ko hold_ms=$hold
expect_in_order \
	"nmr_sample_client: registered (bindings now 0)" \
	"$WIN: registering as a provider of the sample NPI 78cab5c3-128f-45b3-a59c-547c8475f33d, version 1 (hold_ms=$hold)" \
	"$WIN: attached client nmr_sample_client (binding 1; clients now 1)" \
	"nmr_sample_client: attached to sample provider $WIN (NPI version 1; bindings now 1)" \
	"$WIN: registered (clients now 1)" \
	"insmod $WIN.ko hold_ms=$hold: status 0"
wait_for "$WIN: request 1 from client nmr_sample_client: holding it in flight for $hold ms"

mark
expect_ok rmmod $WIN
expect_in_order \
	"$WIN: unloading: NmrDeregisterProvider()" \
	"nmr_sample_client: detaching from $WIN: a call is in flight, detach pending" \
	"$WIN: detaching from client nmr_sample_client (binding 1): 1 call(s) into it in flight, returning STATUS_PENDING" \
	"$WIN: NmrDeregisterProvider() returned STATUS_PENDING: NmrWaitForProviderDeregisterComplete()" \
	"$WIN: request 1 from client nmr_sample_client served, the last call in flight: NmrProviderDetachClientComplete()" \
	"nmr_sample_client: call 1 into $WIN: sum 1, 1 requests done" \
	"nmr_sample_client: call in flight into $WIN returned after 1 calls: completing the pending detach" \
	"nmr_sample_client: binding to $WIN cleaned up (bindings now 0)" \
	"$WIN: binding 1 to client nmr_sample_client cleaned up (clients now 0)" \
	"$WIN: deregistration complete (status 0x00000000); unloaded" \
	"rmmod $WIN: status 0"
expect_count 1 "detaching from client nmr_sample_client"
expect_absent "returning STATUS_SUCCESS"
expect_loaded nmr_sample_client

mark
expect_ok rmmod nmr_sample_client
expect_in_order \
	"nmr_sample_client: unloading: deregistering both clients (bindings now 0)" \
	"nmr_sample_client: unloaded" \
	"rmmod nmr_sample_client: status 0"

scn_end
