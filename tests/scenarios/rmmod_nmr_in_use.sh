#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nmr.ko cannot be unloaded while a sample that uses its symbols is loaded:
# the kernel's delete_module() refuses a module others depend on with
# EWOULDBLOCK (EAGAIN, "Resource temporarily unavailable"), without running
# nmr's module_exit.  Once the samples are gone it unloads.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_client.ko
expect_refcount nmr 2
expect_fail "Resource temporarily unavailable" rmmod nmr
expect_loaded nmr
expect_absent "Network Module Registrar unloaded"
wait_for "nmr_sample_client: call 2 into nmr_sample_provider:"

mark
expect_ok rmmod nmr_sample_client
expect_fail "Resource temporarily unavailable" rmmod nmr
expect_refcount nmr 1
expect_ok rmmod nmr_sample_provider
expect_refcount nmr 0
expect_absent "Network Module Registrar unloaded"

# scn_end unloads nmr (it must succeed now) and loads it again.
scn_end
