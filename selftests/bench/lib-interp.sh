# SPDX-License-Identifier: GPL-2.0
# Shared by the interpreter benches (lua/run, python/run): medians of
# interleaved rounds, CPU time of a command, one table row. Sourced; needs
# WORK (a scratch directory).

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
us() { echo $(( ${EPOCHREALTIME/./} )); }
cpu_us() {	# cpu_us CMD...: the CPU time of CMD in microseconds
	/usr/bin/time -f '%U %S' -o "$WORK/t" "$@" >/dev/null || return 1
	awk '{ printf "%d\n", ($1 + $2) * 1e6 }' "$WORK/t"
}
row() {	# row NAME LABEL TARGET UNIT: medians of WORK/NAME.n (native) and .a (megabinary)
	local n a
	n=$(median <"$WORK/$1.n") a=$(median <"$WORK/$1.a")
	awk -v l="$2" -v t="$3" -v u="$4" -v n="$n" -v a="$a" 'BEGIN {
		d = u == "ms" ? 1000 : 1
		printf "  %-38s %9.1f %s %9.1f %s %6.2fx  <= %s\n", l, n / d, u, a / d, u, a / n, t }'
}
