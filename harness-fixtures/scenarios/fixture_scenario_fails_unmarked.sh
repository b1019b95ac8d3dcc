#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Harness fixture: a scenario that fails before its first mark, so fail()
# reprints the whole kernel log, with every earlier test's NMR- markers.
. "$(dirname "$0")/lib/expect.sh"
scn_begin
fail "failing before any mark"
