#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: the kernel log is cleared after a mark, so no line after
# the mark can be found: expect_absent must not pass for want of a mark.
. "$(dirname "$0")/lib/expect.sh"
scn_begin
mark
dmesg -c >/dev/null
expect_absent "nmr harness fixture: never logged"
scn_end
