# SPDX-License-Identifier: GPL-2.0
# The plot of bench/results.md: what one provider+client pair costs against
# the number of unrelated registrations present.  scripts/bench.sh runs
#   gnuplot -e "datafile='match.dat'; outfile='results.svg'" bench/results.gp
# datafile columns: registrations present, median, min, max (µs).
set terminal svg size 720,430 enhanced font "sans,12" background rgb "white"
set encoding utf8
set output outfile

stats datafile every ::0::0 using 2 nooutput
base = STATS_max

set title "nmr: one pair registered, attached, deregistered and waited for\n{/*0.8 QEMU TCG guest; median of the repetitions, bars from the fastest to the slowest}"
set xlabel "unrelated registrations present (each on an NPI of its own)"
set ylabel "µs per pair"
set yrange [0:*]
set xrange [-300:*]
set grid
set key bottom right
plot datafile using 1:2:3:4 with yerrorlines lw 2 pt 7 title "measured", \
	1.3 * base with lines dashtype 2 lw 1.5 title "target: 1.3 x the cost with none present"
