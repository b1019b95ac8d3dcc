#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A deregistration wait that takes longer than nmr's wait_warn_secs logs,
# while it still waits, which binding it waits for, that the client side
# is pending and that the provider side still has a call entered with
# nmr_provider_enter(); the wait then ends normally when that call returns.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

# The request is held for $hold ms from its "holding" line; the scenario
# must start the unload within that.  It takes it up to ~3 s on a busy
# 2-core host under TCG (measured: 3.0 s); 8 s is the slack.
hold=8000
echo 1 >/sys/module/nmr/parameters/wait_warn_secs
mark
expect_ok insmod nmr_sample_provider_async.ko hold_ms=$hold
expect_ok insmod nmr_sample_client.ko
wait_for "nmr_sample_provider_async: request 1 from client nmr_sample_client: holding it in flight for $hold ms"

mark
expect_ok rmmod nmr_sample_provider_async
expect_in_order \
	"nmr_sample_provider_async: deregistration pending: waiting for it to complete" \
	"waits for client nmr_sample_client#" \
	"client side pending for" \
	"provider side has 1 entered call(s) for" \
	"nmr_sample_provider_async: deregistration complete; unloaded"
echo 10 >/sys/module/nmr/parameters/wait_warn_secs

mark
expect_ok rmmod nmr_sample_client
scn_end
