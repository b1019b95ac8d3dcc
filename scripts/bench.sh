#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build the bench kernel (scripts/kconfig/bench.config, no
# KASAN/lockdep/kmemleak; cached like the debug one), build nmr.ko, the
# samples and bench/*.ko against it in a copy of the tree (so the modules
# make check built against the debug kernel stay as they are), boot QEMU
# once to run the timed benchmarks, the memory measurements and the packet
# path, and print the table.
# Writes bench/results.md and bench/results.svg; the console log is in
# out/bench/console.log.  docs/bench.md explains every figure.
#
# Exits non-zero only when the benchmark could not run; a missed target is
# reported in the table, not as a failure.
#
# NMR_BENCH_ARGS="reps=3 only=call" passes parameters to nmr_bench.ko (a
# quick look; the results files are then not written, unless
# NMR_BENCH_WRITE=1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
out=$NMR_OUT/bench
copy=$out/build
log=$out/console.log
mkdir -p "$out"

"$NMR_TOP/scripts/setup.sh" gnuplot-nox
KDIR=$(NMR_FLAVOR=bench "$NMR_TOP/scripts/build-kernel.sh")
export KDIR
built=$(date +%s)

nmr_copy_sources "$copy"
# The bench kernel has no KUnit; the packet path loads the hook samples.
cat >"$copy/Kbuild" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
# Written by scripts/bench.sh: what the bench VM loads.
obj-m += nmr/ providers/ clients/ bench/
EOF
# No objects yet: nothing for build-modules.sh to clean.
echo "$KDIR" >"$copy/.nmr-kdir"
"$copy/scripts/build-modules.sh"

guest=$out/bench-guest.sh
cat >"$guest" <<GUEST
bench_args="${NMR_BENCH_ARGS:-}"
GUEST
cat >>"$guest" <<'GUEST'
cd /lib/nmr
mark() { echo "NMR-BENCH $*" >/dev/kmsg; }
# Timings start once the kernel has switched to its final clocksource
# (tsc-early is replaced about a second after boot).
i=0
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
while [ "$(cat $cs)" = tsc-early ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mark "env clocksource=$(cat $cs) possible=$(cat /sys/devices/system/cpu/possible) online=$(cat /sys/devices/system/cpu/online)"

insmod nmr.ko || exit 1
# shellcheck disable=SC2086
insmod nmr_bench.ko $bench_args || exit 1
rmmod nmr_bench || exit 1

# Memory: with registrations and bindings held, against the same module
# holding fewer.  Slab from /proc/meminfo, once empty slabs have been
# returned, so that what the previous step freed is not counted; per-CPU
# memory from the allocator's statistics (bytes in use in one CPU's unit:
# chunks times unit size, minus free bytes), since the Percpu line of
# /proc/meminfo counts populated pages, which stay populated after a free.
settle() {
	sleep 1
	echo 3 >/proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f"; done 2>/dev/null
}
percpu_unit_used() {
	awk '$1 == "unit_size" { u = $3 } $1 == "nr_chunks" { n = $3 }
		$1 == "free_bytes" { f += $3 } END { print n * u - f }' \
		/sys/kernel/debug/percpu_stats
}
hold() {
	name=$1
	shift
	insmod nmr_bench.ko mode=hold "$@" || exit 1
	settle
	slab=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
	mark "mem rep=$rep cfg=$name slab_kb=$slab percpu_unit_b=$(percpu_unit_used)"
	rmmod nmr_bench || exit 1
}
[ -r /sys/kernel/debug/percpu_stats ] || { echo "no percpu_stats: CONFIG_PERCPU_STATS" >&2; exit 1; }
for rep in 1 2 3 4 5; do
	hold none
	hold regs hold_regs=10000
	hold apart hold_providers=100 hold_clients=100
	hold bound hold_providers=100 hold_clients=100 hold_same_npi=1
done

# Packets through the stack (nmr-traffic flood: UDP over loopback from
# CPU 0 to a socket that never reads, so each datagram goes through the
# IPv4 stack and NF_INET_LOCAL_IN up to the socket), and the hooks alone
# (nmr_bench_chain.ko: one packet through NF_HOOK() in a loop), with no
# hook, with the bare hook of bench/nmr_bench_hook.c, and with
# nmr_hook_provider and 1, 2, 4, 8 or 16 nmr_hook_count clients.  Modules are
# loaded and unloaded between floods only: the bench kernel has
# JUMP_LABEL, and QEMU's multi-threaded TCG live-locks when the netfilter
# static key is patched under traffic (docs/testing.md).  Each load runs
# the chain and 5 floods of 200 ms; the configurations are interleaved,
# each repetition starting one further along.
ip link set lo up || exit 1
pkt_load() {
	case $1 in
	none) ;;
	bare) insmod nmr_bench_hook.ko ;;
	nmr*) insmod nmr_hook_provider.ko && insmod nmr_hook_count.ko instances=${1#nmr} ;;
	esac
}
pkt_unload() {
	case $1 in
	none) ;;
	bare) rmmod nmr_bench_hook ;;
	nmr*) rmmod nmr_hook_count && rmmod nmr_hook_provider ;;
	esac
}
# shuffle SEED WORD...: the words in an order of their own for each SEED,
# so that no configuration always follows the same one.
shuffle() {
	seed=$1
	shift
	for w in "$@"; do echo "$w"; done |
		awk -v seed="$seed" 'BEGIN { srand(seed) } { print rand(), $0 }' | sort -n |
		awk '{ printf "%s ", $2 }'
}
pkt_cfgs="none bare nmr1 nmr2 nmr4 nmr8 nmr16"
nmr-traffic flood 127.0.0.1 7000 300 0 >/dev/null || exit 1
for rep in 1 2 3 4 5 6 7 8 9 10 11; do
	for cfg in $(shuffle $rep $pkt_cfgs); do
		pkt_load $cfg || exit 1
		insmod nmr_bench_chain.ko || exit 1
		mark "chain rep=$rep cfg=$cfg"
		rmmod nmr_bench_chain || exit 1
		for f in 1 2 3 4 5; do
			out=$(nmr-traffic flood 127.0.0.1 7000 200 0) || exit 1
			set -- $out
			mark "pkt rep=$rep cfg=$cfg packets=$3 ns=$5"
		done
		pkt_unload $cfg || exit 1
	done
done

# The counting client unloaded under load: two floods, one per vCPU,
# through the provider and the client; delete_module(2) timed by
# nmr-traffic (no fork, no exec), and the client's own figure from its
# module_exit log line.  Then, under the same floods, the floor: the
# rmmod of nmr_bench_chain, whose exit does nothing.  Both floods must
# still run when the second rmmod has returned, and must have sent.
for rep in 1 2 3 4 5 6 7; do
	insmod nmr_hook_provider.ko && insmod nmr_hook_count.ko || exit 1
	insmod nmr_bench_chain.ko reps=1 iters=1 || exit 1
	nmr-traffic flood 127.0.0.1 7001 3000 0 >/tmp/flood0 &
	f0=$!
	nmr-traffic flood 127.0.0.2 7002 3000 1 >/tmp/flood1 &
	f1=$!
	sleep 1
	mark "pktunload_start rep=$rep"
	out=$(nmr-traffic rmmod nmr_hook_count)
	floor=$(nmr-traffic rmmod nmr_bench_chain)
	kill -0 $f0 && kill -0 $f1 || { echo "a flood ended before the rmmods did" >&2; exit 1; }
	wait $f0 && wait $f1 || exit 1
	for f in /tmp/flood0 /tmp/flood1; do
		set -- $(cat $f)
		[ "${3:-0}" -gt 0 ] || { echo "a flood sent nothing: $(cat $f)" >&2; exit 1; }
	done
	set -- $out
	mark "pktunload rep=$rep us=$4 status=$6"
	[ "$6" = 0 ] || exit 1
	set -- $floor
	mark "pktfloor rep=$rep us=$4 status=$6"
	[ "$6" = 0 ] || exit 1
	rmmod nmr_hook_provider || exit 1
done
rmmod nmr
mark "done"
GUEST

echo "nmr: booting the bench VM under QEMU ${NMR_ACCEL:-tcg} (a few minutes; console log: $log)"
# The copy's vm-run.sh, given the copy's modules (built for the bench
# kernel); the figures are shown as the module prints them.
set +e
# NMR_OUT emptied: the copy is under it, and vm-run.sh leaves out what is.
NMR_OUT='' "$copy/scripts/vm-run.sh" -t "${NMR_VM_TIMEOUT:-1200}" -l "$log" \
	"$copy/nmr/nmr.ko" "$copy/bench/nmr_bench.ko" "$guest" |
	grep --line-buffered -o 'nmr_bench: RESULT.*\|NMR-BENCH mem rep=[0-9]* cfg=bound.*\|NMR-BENCH pkt.*' |
	grep --line-buffered -v 'RESULT hold'
rc=${PIPESTATUS[0]}
set -e
finished=$(date +%s)
[ "$rc" -eq 0 ] || nmr_die "the bench VM failed (status $rc); see $log"
grep -q 'nmr_bench: RESULT done' "$log" || nmr_die "the benchmark did not finish; see $log"
grep -q 'NMR-BENCH done' "$log" || nmr_die "the memory measurements did not finish; see $log"

results=$out/results.md
plot=$out/results.svg
python3 "$NMR_TOP/bench/report.py" --log "$log" --md "$results" --dat "$out/match.dat" \
	--qemu "$(qemu-system-x86_64 --version | head -n 1)" --accel "${NMR_ACCEL:-tcg}" \
	--host-cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	--host-cpus "$(nproc)"
gnuplot -e "datafile='$out/match.dat'; outfile='$plot'" "$NMR_TOP/bench/results.gp"

if [ -z "${NMR_BENCH_ARGS:-}" ] || [ -n "${NMR_BENCH_WRITE:-}" ]; then
	cp "$results" "$NMR_TOP/bench/results.md"
	cp "$plot" "$NMR_TOP/bench/results.svg"
	where="bench/results.md and bench/results.svg"
else
	where="$results and $plot (NMR_BENCH_ARGS set: bench/ left as it was)"
fi
echo
cat "$results"
echo
echo "nmr: kernel ready in $((built - start)) s, modules and bench VM $((finished - built)) s; wrote $where"
