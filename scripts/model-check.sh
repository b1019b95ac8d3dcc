#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Spin model of the core (model/nmr.pml, docs/design.md "The Spin
# model"), checked exhaustively in several configurations.  Each run is one
# line:
#   PASS model: <kind> <config> (<states> states, 0 errors, <s> s)
#   FAIL model: <kind> <config>: <why>, with the counterexample below it
# safety: every assertion (each attached side detached once and cleaned up
# once, only after both sides completed and every entered section exited;
# no callback into a registration after its wait returned; each pair
# offered and bound at most once; no pair missed; a late comer is never
# missed; no count after the fence; no access to a freed registration or
# binding) and no invalid end state (no deadlock, every wait returns).
# liveness: the LTL property waits_return, <> every wait returned, under
# weak fairness (pan -a -f): every wait returns once the modules do their part.
# Exits 1 if any run failed.  NMR_MODEL_ONLY=<config> runs one configuration;
# NMR_MODEL_JOBS (default 2) pan runs at a time; NMR_MODEL_EXTRA adds spin
# macros (e.g. -DMUTATION_NO_FENCE, to see this script fail).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$NMR_TOP/scripts/model-lib.sh"

nmr_model_setup || { echo "FAIL model: cannot install spin and gcc"; exit 1; }
mkdir -p "$NMR_MODEL_OUT"

# name|kind|spin macros|pan args, the longest runs first (two at a time).
# docs/design.md says what each covers.
configs=(
	"pending-2p2c|liveness|-DNP=2 -DNC=2 -DSAME=15 -DDECL=0 -DFAIL=0 -DPEND=1|-w26"
	"rundown-1p1c|liveness|-DNP=1 -DNC=1 -DSECT=1|-w26"
	"registry-2p2c|safety|-DNP=2 -DNC=2 -DSAME=15 -DDECL=0 -DFAIL=0 -DPEND=15|-w27"
	"rundown-cpus-1p1c|safety|-DNP=1 -DNC=1 -DSECT=1 -DCPUS=2 -DRETRY=1 -DINLINE|-w27"
	"waits-2p1c|safety|-DNP=2 -DNC=1 -DTIMED=7 -DWAIT2=1 -DENOMEM=4|-w26"
	"latecomer-2p2c|safety|-DNP=2 -DNC=2 -DSAME=7 -DDECL=0 -DFAIL=0 -DPEND=1|-w26"
	"declines-2p2c|safety|-DNP=2 -DNC=2 -DSAME=15 -DPEND=0 -DDECL=6 -DFAIL=6|-w27"
	"fence-1p2c|safety|-DNP=1 -DNC=2 -DSECT=3 -DSECTP=0 -DPEND=0 -DDECL=0 -DFAIL=0 -DSAME=7|-w26"
	"outcomes-1p2c|safety|-DNP=1 -DNC=2 -DTIMED=7|-w26"
	"outcomes-2p1c|liveness|-DNP=2 -DNC=1|-w26"
	"rundown-1p1c|safety|-DNP=1 -DNC=1 -DSECT=1|-w26"
	"rundown-two-1p1c|safety|-DNP=1 -DNC=1 -DSECT=1 -DSECT2=1 -DPEND=0 -DDECL=0 -DFAIL=0 -DSAME=3|-w26"
	"waits-1p1c|safety|-DNP=1 -DNC=1 -DTIMED=3 -DWAIT2=3 -DENOMEM=3|-w24"
	"waits-1p1c|liveness|-DNP=1 -DNC=1 -DTIMED=3 -DWAIT2=3 -DENOMEM=3|-w24"
)

# One run, into $NMR_MODEL_OUT/<kind>-<name>/result: its PASS/FAIL line(s).
run_one() {
	local name=$1 kind=$2 macros=$3 args=$4 dir where
	dir=$NMR_MODEL_OUT/$kind-$name
	nmr_model_run "$dir" "$kind" "$macros" "$args"
	case $NMR_MODEL_STATUS in
	ok)
		echo "PASS model: $kind $name ($NMR_MODEL_STATES states, 0 errors, $NMR_MODEL_SECS s)"
		;;
	errors)
		where=$(nmr_model_trail "$dir" "$macros" "$NMR_MODEL_OUT/$kind-$name.trail.txt")
		echo "FAIL model: $kind $name: $NMR_MODEL_WHY, $where ($NMR_MODEL_STATES states, $NMR_MODEL_SECS s)"
		echo "  counterexample: $NMR_MODEL_OUT/$kind-$name.trail.txt; its last steps:"
		grep -E '^ *[0-9]+:\s+proc .*\[' "$NMR_MODEL_OUT/$kind-$name.trail.txt" | tail -12 | sed 's/^/  /'
		;;
	*)
		echo "FAIL model: $kind $name: $NMR_MODEL_WHY"
		tail -5 "$dir/pan.out" "$dir/build.log" 2>/dev/null | sed 's/^/  /'
		;;
	esac >"$dir.result"
}

ran=()
for c in "${configs[@]}"; do
	IFS='|' read -r name kind macros args <<<"$c"
	[ -n "${NMR_MODEL_ONLY:-}" ] && [ "$NMR_MODEL_ONLY" != "$name" ] && continue
	nmr_model_slot
	rm -f "$NMR_MODEL_OUT/$kind-$name.result" "$NMR_MODEL_OUT/$kind-$name.trail.txt"
	run_one "$name" "$kind" "$macros" "$args" &
	ran+=("model: $kind $name|$NMR_MODEL_OUT/$kind-$name.result")
done
wait

[ ${#ran[@]} -gt 0 ] || { echo "FAIL model: no configuration named ${NMR_MODEL_ONLY:-}"; exit 1; }
nmr_model_results "${ran[@]}"
