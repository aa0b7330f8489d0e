#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Instructions per svm_core operation, counted by callgrind, for range sets
# of 1e3 to 1e6 ranges; prints a table and checks that the per-fault cost
# grows at most 2x from the smallest to the largest set.
set -euo pipefail
cd "$(dirname "$0")"
die() {
	echo "bench: $*" >&2
	exit 1
}
command -v valgrind >/dev/null || die "valgrind is missing (apt-get install valgrind)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ops=20000
declare -A ir
sizes="1000 10000 100000 1000000"
for n in $sizes; do
	valgrind --tool=callgrind --collect-atstart=no \
		--callgrind-out-file="$out/cg.$n.%p" ./svm-bench "$n" \
		>"$out/out.$n" 2>"$out/log.$n" ||
		{ cat "$out/log.$n"; exit 1; }
	ir[$n.nsplit]=$(sed -n 's/.*, \([0-9]*\) splits.*/\1/p' "$out/out.$n")
	for f in "$out"/cg."$n".*; do
		op=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
		[ -n "$op" ] || continue
		ir[$n.$op]=$(sed -n 's/^summary: //p;s/^totals: //p' "$f" | head -n 1)
	done
done
printf '%-8s' "ranges"
for op in fault adaptive lookup record split; do printf '%12s' "$op"; done
echo
echo "(instructions per operation; record = one window to the device and back)"
for n in $sizes; do
	printf '%-8s' "$n"
	for op in fault adaptive lookup record split; do
		div=$ops
		[ "$op" = split ] && div=${ir[$n.nsplit]}
		printf '%12.0f' "$(echo "${ir[$n.$op]:-0} / $div" | bc -l)"
	done
	echo
done
first=${sizes%% *}
growth=$(echo "${ir[1000000.fault]} / ${ir[$first.fault]}" | bc -l)
printf 'fault cost growth from %s to 1000000 ranges: %.2fx (goal: at most 2x)\n' \
	"$first" "$growth"
agrowth=$(echo "${ir[1000000.adaptive]} / ${ir[$first.adaptive]}" | bc -l)
printf 'adaptive cost growth from %s to 1000000 ranges: %.2fx (goal: at most 2x)\n' \
	"$first" "$agrowth"
worst=0
for n in $sizes; do
	ratio=$(echo "${ir[$n.adaptive]} / ${ir[$n.fault]}" | bc -l)
	[ "$(echo "$ratio > $worst" | bc)" = 1 ] && worst=$ratio
done
printf 'adaptive over fixed decision, worst size: %.2fx (goal: at most 2x)\n' "$worst"
echo "a fault decision in a tracked window allocated nothing (svm-bench checks)"
[ "$(echo "$growth <= 2" | bc)" = 1 ] || die "fault cost grew more than 2x"
[ "$(echo "$agrowth <= 2" | bc)" = 1 ] || die "adaptive cost grew more than 2x"
[ "$(echo "$worst <= 2" | bc)" = 1 ] || die "adaptive decision over 2x the fixed one"
