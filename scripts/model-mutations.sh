#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proves the Spin model (model/nmr.pml) can fail: each seeded bug
# (-DMUTATION_<name>) must give a counterexample.  One line each:
#   PASS model mutation <name>: caught (<what pan found>, <where>)
#   FAIL model mutation <name>: not caught (<states> states, 0 errors)
# with the trail replayed by spin -t -p into out/model/<name>.trail.txt.
# A mutation pan could not run for (spin, gcc or pan failed) is a FAIL too.
# Exits 1 if any mutation was not caught.  NMR_MODEL_ONLY=<name> runs one.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$NMR_TOP/scripts/model-lib.sh"

nmr_model_setup || { echo "FAIL model mutation: cannot install spin and gcc"; exit 1; }
mkdir -p "$NMR_MODEL_OUT"

P="-DNP=1 -DNC=1"			# one provider, one client, own deregister threads
R="-DNP=1 -DNC=1 -DSECT=1"		# the same with sections on both sides
W="-DNP=1 -DNC=1 -DTIMED=3 -DWAIT2=3"	# two waits each, the first with a timeout
T="-DNP=1 -DNC=1 -DSECT=1 -DSECT2=1 -DPEND=0 -DDECL=0 -DFAIL=0 -DSAME=3"	# two client sections at once
F="-DNP=1 -DNC=2 -DSECT=3 -DSECTP=0 -DPEND=0 -DDECL=0 -DFAIL=0 -DSAME=7"	# two bindings, client sections

# name|configuration|the bug it seeds (docs/design.md lists them too)
mutations=(
	"HANDLE_EARLY|$P|finding 1: *handle written before nmr_reg_insert(), a deregister sees npi == NULL"
	"PEER_AFTER_PUT|$P|finding 2: the decline path logs the peer after the put that may free it"
	"WAIT_TRACE_LATE|$W|finding 3: a timed-out wait traces after clearing waited"
	"NO_CLIENT_DRAIN|$R|finding 5: a client failing after attach is not drained"
	"NO_FENCE|$R|the close marks a used binding fenced without the grace period"
	"NO_FENCE_CHECK|$R|a side is done when its counters sum to 0, fenced or not"
	"USED_LATE|$R|enter reads open before it sets used"
	"ENTER_OUTSIDE_RCU|$R|enter reads used and open before preempt_disable()"
	"OPEN_LATE|$R|finding 7: open only after provider_attach_client() returned"
	"NO_EXIT_RECHECK|$R|an exit never takes the slow path when open is clear"
	"DETACH_TWICE|$P|the second deregistration detaches a DETACHING binding again"
	"CLEANUP_EARLY|$P|cleanup once one side is done, before the other completed"
	"LATE_COMER_MISSED|$P|a deregistration ignores an attach in progress"
	"OFFER_MISSED|$P|nmr_reg_insert() offers only the peers of its first, unlocked pass"
	"NO_REGISTER_USER|$P|the register call holds no user of its registration during its offers"
	"PUTS_FIRST|$P|nmr_binding_cleanup() puts the registrations before the cleanup callbacks"
	"EXIT_IGNORES_COUNT|$T|an exit finishes a fenced, draining side without summing its counters"
	"FENCE_ONE|$F|the fence work fences only the first binding closed meanwhile"
)

# One mutation, into $NMR_MODEL_OUT/mutation-<name>.result: its line(s).
run_mutation() {
	local name=$1 macros=$2 what=$3 dir trail where steps
	dir=$NMR_MODEL_OUT/mutation-$name
	trail=$NMR_MODEL_OUT/$name.trail.txt
	rm -f "$trail"
	nmr_model_run "$dir" safety "-DMUTATION_$name $macros" "-w24"
	case $NMR_MODEL_STATUS in
	errors)
		where=$(nmr_model_trail "$dir" "-DMUTATION_$name $macros" "$trail")
		steps=$(grep -cE '^ *[0-9]+:\s+proc' "$trail")
		echo "PASS model mutation $name: caught ($NMR_MODEL_WHY, $where, $steps steps; $what)"
		;;
	ok)
		echo "FAIL model mutation $name: not caught ($NMR_MODEL_STATES states, 0 errors; $what)"
		;;
	*)
		echo "FAIL model mutation $name: $NMR_MODEL_WHY"
		tail -5 "$dir/pan.out" "$dir/build.log" 2>/dev/null | sed 's/^/  /'
		;;
	esac >"$dir.result"
}

# NMR_MODEL_JOBS (default 2) pan runs at a time, as model-check.sh.
ran=()
for m in "${mutations[@]}"; do
	IFS='|' read -r name macros what <<<"$m"
	[ -n "${NMR_MODEL_ONLY:-}" ] && [ "$NMR_MODEL_ONLY" != "$name" ] && continue
	nmr_model_slot
	rm -f "$NMR_MODEL_OUT/mutation-$name.result"
	run_mutation "$name" "$macros" "$what" &
	ran+=("model mutation $name|$NMR_MODEL_OUT/mutation-$name.result")
done
wait

[ ${#ran[@]} -gt 0 ] || { echo "FAIL model mutation: none named ${NMR_MODEL_ONLY:-}"; exit 1; }
nmr_model_results "${ran[@]}"
