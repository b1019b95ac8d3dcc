#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The client written against the Windows NMR API (<nmr/netioddk.h>) binds to
# the Windows-style provider, and leaves in both ways:
#
# - its provider unloads while the client's call into it is in flight
#   (the provider holds the request, hold_ms): the client's
#   ClientDetachProvider returns STATUS_PENDING, so does the provider's
#   (the request calls back into the client), the request's end completes
#   the provider's side, and the client's work item, when the call
#   returns, calls NmrClientDetachProviderComplete(); only then does the
#   provider's wait end, and the client stays loaded;
# - it declines a provider of the same NPI whose module id is not the
#   Windows provider's (NmrIsEqualNpiModuleId()) with STATUS_NOINTERFACE;
# - it unloads with no call in flight: its detach returns STATUS_SUCCESS
#   and its Unload routine is the Windows documentation's sequence,
#   NmrDeregisterClient() returning STATUS_PENDING, then
#   NmrWaitForClientDeregisterComplete().
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must start the unload within that (windows_provider.sh measured up to
# 3 s on a busy 2-core host under TCG).
hold=8000
WIN=nmr_sample_provider_win
CW=nmr_sample_client_win
NPI=78cab5c3-128f-45b3-a59c-547c8475f33d

mark
expect_ok insmod $WIN.ko hold_ms=$hold
# period_ms=60000: one call at attach, the next a minute later.
expect_ok insmod $CW.ko period_ms=60000
expect_in_order \
	"$WIN: registered (clients now 0)" \
	"$CW: registering as a client of the sample NPI $NPI, version 1" \
	"$WIN: attached client $CW (binding 1; clients now 1)" \
	"$CW: attached to provider $WIN: NmrClientAttachProvider() returned STATUS_SUCCESS" \
	"$CW: registered" \
	"insmod $CW.ko period_ms=60000: status 0"
wait_for "$WIN: request 1 from client $CW: holding it in flight for $hold ms"

mark
expect_ok rmmod $WIN
expect_in_order \
	"$WIN: unloading: NmrDeregisterProvider()" \
	"$CW: detaching from $WIN: a call is in flight, returning STATUS_PENDING" \
	"$WIN: detaching from client $CW (binding 1): 1 call(s) into it in flight, returning STATUS_PENDING" \
	"$WIN: NmrDeregisterProvider() returned STATUS_PENDING: NmrWaitForProviderDeregisterComplete()" \
	"$WIN: request 1 from client $CW served, the last call in flight: NmrProviderDetachClientComplete()" \
	"$CW: call 1 into $WIN: sum 1, 1 requests done" \
	"$CW: call in flight into $WIN returned after 1 calls: NmrClientDetachProviderComplete()" \
	"$CW: binding to $WIN cleaned up after 1 calls, 1 requests done" \
	"$WIN: binding 1 to client $CW cleaned up (clients now 0)" \
	"$WIN: deregistration complete (status 0x00000000); unloaded" \
	"rmmod $WIN: status 0"
expect_count 1 "$CW: detaching from $WIN"
expect_absent "returning STATUS_SUCCESS"
expect_loaded $CW

mark
expect_ok insmod nmr_sample_provider.ko
expect_in_order \
	"$CW: declining provider nmr_sample_provider: not nmr_sample_provider_win's module id" \
	"insmod nmr_sample_provider.ko: status 0"
expect_absent "$CW: attached"
expect_ok rmmod nmr_sample_provider

mark
expect_ok insmod $WIN.ko
expect_in_order \
	"$WIN: attached client $CW (binding 1; clients now 1)" \
	"$CW: attached to provider $WIN: NmrClientAttachProvider() returned STATUS_SUCCESS" \
	"$WIN: registered (clients now 1)" \
	"insmod $WIN.ko: status 0"
wait_for "$CW: call 1 into $WIN: sum 1, 1 requests done"
# The work item logs that line before it re-queues itself for a minute
# later; an unload in between would meet it running, a call in flight.
sleep 1

mark
expect_ok rmmod $CW
expect_in_order \
	"$CW: unloading: NmrDeregisterClient()" \
	"$CW: detached from $WIN after 1 calls: no call in flight, returning STATUS_SUCCESS" \
	"$WIN: detached from client $CW (binding 1) after" \
	"$CW: binding to $WIN cleaned up after 1 calls, 1 requests done" \
	"$WIN: binding 1 to client $CW cleaned up (clients now 0)" \
	"$CW: NmrDeregisterClient() returned STATUS_PENDING: NmrWaitForClientDeregisterComplete()" \
	"$CW: deregistration complete (status 0x00000000); unloaded" \
	"rmmod $CW: status 0"
expect_absent "returning STATUS_PENDING"
expect_loaded $WIN

mark
expect_ok rmmod $WIN
expect_in_order \
	"$WIN: unloading: NmrDeregisterProvider()" \
	"$WIN: deregistration complete (status 0x00000000); unloaded" \
	"rmmod $WIN: status 0"

scn_end
