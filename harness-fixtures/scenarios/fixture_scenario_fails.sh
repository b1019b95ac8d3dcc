#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a scenario whose assertion fails (it exits 1).
. "$(dirname "$0")/lib/expect.sh"
scn_begin
mark
expect_ok false
scn_end
