#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The template (template/), built out of the tree as the README says
# (scripts/own-module.sh) and loaded with nmr: the client attaches to the
# provider and calls it once, in either load order, and both leave in
# either unload order.  Not one of the scenarios every VM runs (they live
# one directory up): it needs my_provider.ko and my_client.ko built for the
# VM's kernel, which only the runs that build them pass in.
. "$(dirname "$0")/../lib/expect.sh"
SCN_SAMPLES="my_client my_provider $SCN_SAMPLES"
scn_begin

for ko in my_provider.ko my_client.ko; do
	[ -f "$ko" ] || fail "no /lib/nmr/$ko: the template was not built for this kernel"
done

# Provider first: the client is offered it inside its own insmod.
mark
expect_ok insmod my_provider.ko
expect_ok insmod my_client.ko
expect_in_order \
	"insmod my_provider.ko: status 0" \
	"my_provider: a client attached" \
	"my_client: attached: 2 + 3 = 5" \
	"insmod my_client.ko: status 0"
expect_refcount nmr 2

# The client leaves first: both detach callbacks run, once.
mark
expect_ok rmmod my_client
expect_count 1 "my_client: detached"
expect_count 1 "my_provider: a client detached"
expect_not_loaded my_client
mark
expect_ok rmmod my_provider
expect_absent "detached"

# Client first: it is offered the provider inside the provider's insmod.
mark
expect_ok insmod my_client.ko
expect_absent "my_client: attached"
expect_ok insmod my_provider.ko
expect_in_order \
	"insmod my_client.ko: status 0" \
	"my_provider: a client attached" \
	"my_client: attached: 2 + 3 = 5" \
	"insmod my_provider.ko: status 0"

# The provider leaves first, while the client stays loaded.
mark
expect_ok rmmod my_provider
expect_count 1 "my_client: detached"
expect_count 1 "my_provider: a client detached"
expect_loaded my_client
mark
expect_ok rmmod my_client
expect_absent "detached"

scn_end
