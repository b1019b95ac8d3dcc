#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a scenario that passes, for the self-test's clean run.
. "$(dirname "$0")/lib/expect.sh"
scn_begin
mark
expect_ok true
expect_absent "nmr harness fixture: never logged"
scn_end
