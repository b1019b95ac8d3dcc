#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The nmr:* tracepoints, read from tracefs, follow a binding through its
# life in order: register, offer, attach, deregister, detach and its
# result for each side, cleanup, and the wait's end.
. "$(dirname "$0")/lib/expect.sh"
scn_begin

t=/sys/kernel/tracing
[ -d $t/events/nmr ] || fail "no $t/events/nmr"
echo 0 >$t/tracing_on
echo >$t/trace
echo 1 >$t/events/nmr/enable
echo 1 >$t/tracing_on

mark
expect_ok insmod nmr_sample_provider.ko
expect_ok insmod nmr_sample_client.ko
expect_ok rmmod nmr_sample_client
expect_ok rmmod nmr_sample_provider
echo 0 >$t/tracing_on
echo 0 >$t/events/nmr/enable
trace=$(grep -o 'nmr_[a-z_]*: .*' $t/trace)
echo >$t/trace
scn_log "trace: $(echo "$trace" | tr '\n' '|')"

# in_trace PATTERN...: the trace has lines matching each PATTERN, in order.
in_trace() {
	echo "$trace" | awk -v n=$# '
		BEGIN { for (i = 1; i <= n; i++) want[i] = ARGV[i]; ARGC = 1; i = 1 }
		i <= n && $0 ~ want[i] { i++ }
		END { exit i <= n ? 1 : 0 }' "$@" ||
		fail "trace lacks, in order: $* (trace: $(echo "$trace" | tr '\n' '|'))"
}

in_trace \
	"^nmr_register: provider nmr_sample_provider#[0-9]+ ret=0" \
	"^nmr_register: client nmr_sample_client#[0-9]+ ret=0" \
	"^nmr_offer: client#[0-9]+ provider#[0-9]+ side=client ret=0" \
	"^nmr_attach: client#[0-9]+ provider#[0-9]+ side=client ret=0" \
	"^nmr_deregister: client nmr_sample_client#[0-9]+ ret=-115" \
	"^nmr_detach: client#[0-9]+ provider#[0-9]+ side=client ret=0" \
	"^nmr_detach_result: client#[0-9]+ provider#[0-9]+ side=client ret=0" \
	"^nmr_detach: client#[0-9]+ provider#[0-9]+ side=provider ret=0" \
	"^nmr_detach_result: client#[0-9]+ provider#[0-9]+ side=provider ret=0" \
	"^nmr_cleanup: client#[0-9]+ provider#[0-9]+" \
	"^nmr_wait_done: client nmr_sample_client#[0-9]+ ret=0" \
	"^nmr_deregister: provider nmr_sample_provider#[0-9]+ ret=-115" \
	"^nmr_wait_done: provider nmr_sample_provider#[0-9]+ ret=0"
scn_end
