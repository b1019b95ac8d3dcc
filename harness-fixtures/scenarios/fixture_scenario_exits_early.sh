#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a scenario that exits 0 before its end (scn_end): a
# stray "exit 0", or a check that stops the script quietly.
. "$(dirname "$0")/lib/expect.sh"
scn_begin
mark
expect_ok true
exit 0
