# SPDX-License-Identifier: GPL-2.0
# Shared by scripts/model-check.sh and scripts/model-mutations.sh: install
# Spin, build and run one pan verifier of model/nmr.pml.  Sourced, not run.

NMR_MODEL=$NMR_TOP/model/nmr.pml
NMR_MODEL_OUT=$NMR_OUT/model

# Debian's spin and a C compiler for pan, only when missing (as setup.sh).
nmr_model_setup() {
	local p missing=() SUDO=
	for p in spin gcc; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "nmr: installing missing packages: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq &&
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# nmr_model_run DIR KIND "SPIN MACROS" "PAN ARGS"
#   KIND is safety (assertions and invalid end states, no never claim) or
#   liveness (the LTL claim waits_return, acceptance cycles under weak
#   fairness).  Builds pan in DIR and runs it; DIR/pan.out holds what pan
#   printed, DIR/build.log what spin and gcc did.  Sets NMR_MODEL_STATUS:
#   ok       pan ran to the end, exhaustively, and reported 0 errors
#   errors   pan found a counterexample (DIR/nmr.pml.trail)
#   broken   anything else: spin, gcc or pan failed, crashed, ran out of
#            memory, cut the search short, or printed no "errors: 0"
#   and NMR_MODEL_WHY to a one-line reason, NMR_MODEL_STATES to the states
#   stored, NMR_MODEL_SECS to pan's run time.
nmr_model_run() {
	local dir=$1 kind=$2 macros=$3 args=$4 cflags rc start
	NMR_MODEL_STATUS=broken NMR_MODEL_WHY= NMR_MODEL_STATES=? NMR_MODEL_SECS=?
	rm -rf "$dir" && mkdir -p "$dir" && cp "$NMR_MODEL" "$dir/nmr.pml" || {
		NMR_MODEL_WHY="cannot set up $dir"; return; }
	# COLLAPSE: lossless state compression; MEMLIM: stop cleanly, in MB.
	# -O0: pan.c compiles in 2 s instead of 20, and runs as fast (hashing
	# dominates).
	cflags="-O0 -DCOLLAPSE -DMEMLIM=${NMR_MODEL_MEMLIM:-9000}"
	case $kind in
	safety) cflags+=" -DNOCLAIM -DSAFETY"; args="-m2000000 $args" ;;
	liveness) cflags+=" -DNFAIR=4"; args="-m2000000 -a -f -N waits_return $args" ;;
	esac
	# shellcheck disable=SC2086
	if ! (cd "$dir" && spin -a $macros ${NMR_MODEL_EXTRA:-} nmr.pml &&
	      gcc $cflags -o pan pan.c) >"$dir/build.log" 2>&1; then
		NMR_MODEL_WHY="spin -a or gcc failed (see $dir/build.log)"
		return
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086
	(cd "$dir" && ./pan $args ${NMR_MODEL_PAN_EXTRA:-}) >"$dir/pan.out" 2>&1
	rc=$?
	NMR_MODEL_SECS=$(( $(date +%s) - start ))
	NMR_MODEL_STATES=$(sed -n 's/^ *\([0-9][0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.out" | tail -1)
	: "${NMR_MODEL_STATES:=?}"
	if [ $rc -ne 0 ]; then
		NMR_MODEL_WHY="pan exited $rc: $(grep -m1 -iE 'error|memory|killed' "$dir/pan.out" || tail -1 "$dir/pan.out")"
	elif grep -qE 'errors: [1-9]' "$dir/pan.out"; then
		NMR_MODEL_STATUS=errors
		NMR_MODEL_WHY=$(grep -m1 -E '^pan:[0-9]+: ' "$dir/pan.out" | sed 's/^pan:[0-9]*: //')
		[ -n "$NMR_MODEL_WHY" ] || NMR_MODEL_WHY=$(grep -m1 -E 'errors: ' "$dir/pan.out")
	elif ! grep -q 'errors: 0' "$dir/pan.out"; then
		NMR_MODEL_WHY="pan printed no \"errors: 0\" line: $(tail -1 "$dir/pan.out")"
	elif grep -qiE 'search depth too small|search not completed|out of memory|reached -DMEMLIM|bitstate' "$dir/pan.out"; then
		NMR_MODEL_WHY="the search was not exhaustive: $(grep -m1 -iE 'depth too small|not completed|memory|MEMLIM|bitstate' "$dir/pan.out")"
	elif ! grep -q 'Full statespace search' "$dir/pan.out"; then
		NMR_MODEL_WHY="pan did not report a full state space search"
	else
		NMR_MODEL_STATUS=ok
	fi
}

# nmr_model_trail DIR "SPIN MACROS" FILE: replay DIR's counterexample into
# FILE (spin -t -p -g); prints where it fails: "nmr.pml:LINE in PROCTYPE"
# for an assertion, the processes stuck for an invalid end state.
nmr_model_trail() {
	local dir=$1 macros=$2 file=$3 where proc
	# shellcheck disable=SC2086
	(cd "$dir" && spin -t -p -g $macros ${NMR_MODEL_EXTRA:-} nmr.pml) >"$file" 2>&1
	where=$(grep -m1 -oE '^spin: nmr.pml:[0-9]+, Error' "$file" | sed 's/^spin: //; s/, Error//')
	if [ -n "$where" ]; then
		proc=$(grep -A3 -m1 -E '^spin: nmr.pml:[0-9]+, Error' "$file" |
		       grep -m1 -oE 'proc +[0-9]+ \([a-z_0-9]+' | sed 's/.*(//')
		echo "$where${proc:+ in $proc}"
	else
		proc=$(sed -n '/^#processes/,$p' "$file" | grep -v 'valid end state' |
		       grep -oE 'proc +[0-9]+ \([a-z_0-9]+:[0-9]+\) nmr.pml:[0-9]+' |
		       sed -E 's/proc +[0-9]+ \(([a-z_0-9]+):[0-9]+\) /\1 at /' | sort -u | paste -sd, -)
		echo "stuck: ${proc:-?}"
	fi
}

# nmr_model_slot: wait until fewer than NMR_MODEL_JOBS (default 2) pan runs
# started in the background by the caller are still running.
nmr_model_slot() {
	while [ "$(jobs -rp | wc -l)" -ge "${NMR_MODEL_JOBS:-2}" ]; do wait -n; done
}

# nmr_model_results "LABEL|FILE"...: print each run's result file in that
# order, or "FAIL LABEL: the run printed no result" when it is empty or
# missing.  Returns 1 unless every file has a PASS line.
nmr_model_results() {
	local pair label file failed=0
	for pair in "$@"; do
		label=${pair%%|*} file=${pair#*|}
		if [ -s "$file" ]; then
			cat "$file"
		else
			echo "FAIL $label: the run printed no result"
		fi
		grep -q '^PASS ' "$file" 2>/dev/null || failed=1
	done
	return $failed
}
