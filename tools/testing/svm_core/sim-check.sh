#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks of svm-sim: every built-in trace (oversubscribed variants too) runs
# with no policy beating the oracle, with and without --thp; the oracle
# check can fail; the CSV has its header, its columns and its policy names;
# every bad trace line and bad option gets exit status 2 and one error line.
set -u
sim=${1:-./svm-sim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
}

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

header=trace,policy,faults,migrations,pages_moved,amplification,splits
header=$header,invalidations,evictions,time_us,ratio

# $1: what; the rest: svm-sim's arguments. The CSV must be well formed.
check_csv() {
	local what=$1 rc
	shift
	"$sim" --csv "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$what: exit $rc: $(head -3 "$tmp/err")"
		return
	fi
	if [ "$(head -1 "$tmp/out")" != "$header" ]; then
		bad "$what: CSV header is '$(head -1 "$tmp/out")'"
		return
	fi
	if ! awk -F, 'NR > 1 && NF != 11 { exit 1 }' "$tmp/out"; then
		bad "$what: a CSV row without 11 columns"
		return
	fi
	# Five rows per trace, the policies in this order, the oracle's ratio 1.
	if ! awk -F, 'NR > 1 {
			want = substr("whole window page adaptive oracle", 1)
			split(want, p, " ")
			i = (NR - 2) % 5 + 1
			if ($2 != p[i]) exit 1
			if ($2 == "oracle" && $11 != "1.0000") exit 1
			n++
		}
		END { if (n == 0 || n % 5) exit 1 }' "$tmp/out"; then
		bad "$what: CSV policy names or the oracle's ratio"
		return
	fi
	ok
}

check_csv "built-in traces"
check_csv "built-in traces with THP" --thp
if [ "$(tail -n +2 "$tmp/out" | cut -d, -f1 | sort -u | wc -l)" -ne 16 ]; then
	bad "built-in traces: not 16 traces (8 and 8 oversubscribed)"
else
	ok
fi

cat >"$tmp/good.trace" <<'EOF'
# two ranges, the GPU and the CPU taking turns
range 0x1000 0x1fff
range 0x2000 0x23ff   # adjacent, not overlapping
g 0x1000 0x400
c 0x1010 16
g 0x1000 0x400
g 0x2000 1024
c 0x9000 4            # not SVM memory: ignored
g 4100 8
EOF
check_csv "a trace file" --trace "$tmp/good.trace"
check_csv "a trace file with THP and a capacity" --thp --vram-mib 4 \
	--trace "$tmp/good.trace"
check_csv "options with a fraction and in 0x-hex" --c-page 1.375 --bw 0x10 \
	--bw-thp 0.000001 --vram-mib 0x10 --trace "$tmp/good.trace"

# The oracle check can fail: an oracle made three times too dear is beaten.
"$sim" --test-oracle-scale 3 --trace "$tmp/good.trace" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "beats the oracle" "$tmp/err"; then
	ok
else
	bad "a dear oracle: exit $rc, '$(head -1 "$tmp/err")'"
fi

# The property check: one line, at least 1,000 traces within the bound.
"$sim" --property 1800 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
	awk '/^sim-property: [0-9]+ traces, worst adaptive\/best fixed [0-9.]+, bound [0-9.]+$/ {
		x = $7; sub(",", "", x); if ($2 >= 1000 && x + 0 <= $9 + 0) ok = 1
	} END { exit !ok }' "$tmp/out"; then
	cat "$tmp/out"
	ok
else
	bad "property: exit $rc, '$(head -1 "$tmp/out")' '$(head -1 "$tmp/err")'"
fi
# It can fail: a rule that buys a block after one fault breaks the bound.
"$sim" --property 1800 --test-fault-pages 1000 >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "the best fixed .*bound" "$tmp/err"; then
	ok
else
	bad "a broken rule: exit $rc, '$(head -1 "$tmp/err")'"
fi

# amdkfd's KUnit suite amdkfd_svm_sim replays examples/kfd-replay.trace
# through the driver on a forged GPU and asserts svm-sim's counts for it
# (tsim_trace[] and tsim_expect[] in kfd_svm_sim_test.c): the table must
# hold the trace's events, and svm-sim must still give those counts, so
# that neither drifts from the other unseen.
kfd_test=$(dirname "$0")/../../../drivers/gpu/drm/amd/amdkfd/tests/kfd_svm_sim_test.c
kfd_trace=$(dirname "$0")/examples/kfd-replay.trace

# $1: the KUnit test. Its events: "range FIRST LAST", "g PAGE N", "c PAGE N".
kfd_events() {
	sed -n -e 's/^\t*TSIM_RANGE(\([0-9]*\), \([0-9]*\)),$/range \1 \2/p' \
		-e 's/^\t*TSIM_GPU(\([0-9]*\), \([0-9]*\)),$/g \1 \2/p' \
		-e 's/^\t*TSIM_CPU(\([0-9]*\), \([0-9]*\)),$/c \1 \2/p' "$1"
}

# The trace file's events in that form (a count of 1 written out).
trace_events() {
	sed 's/#.*//' "$kfd_trace" | awk 'NF == 0 { next }
		$1 == "range" { print "range", $2, $3; next }
		{ print $1, $2, (NF > 2 ? $3 : 1) }'
}

# $1: the KUnit test. "policy faults migrations pages splits invalidations".
kfd_counts() {
	local n='\([0-9]*\)'

	sed -n "s/^\t*TSIM_COUNTS(\"\([a-z]*\)\", $n, $n, $n, $n, $n),\$/\1 \2 \3 \4 \5 \6/p" "$1"
}

# svm-sim's counts for the trace, in that form.
sim_counts() {
	"$sim" --csv --trace "$kfd_trace" |
		awk -F, '$2 == "window" || $2 == "page" || $2 == "adaptive" {
			print $2, $3, $4, $5, $7, $8
		}'
}

# $1: the KUnit test. Silent if it agrees with the trace and svm-sim,
# else one line saying what differs.
kfd_differs() {
	kfd_events "$1" >"$tmp/kfd-events"
	trace_events >"$tmp/trace-events"
	if [ ! -s "$tmp/trace-events" ] ||
		! cmp -s "$tmp/kfd-events" "$tmp/trace-events"; then
		diff "$tmp/kfd-events" "$tmp/trace-events" | grep '^[<>]' |
			head -2 | tr '\n' ' ' >"$tmp/diff"
		echo "tsim_trace[] is not examples/kfd-replay.trace: $(cat "$tmp/diff")"
		return
	fi
	kfd_counts "$1" >"$tmp/kfd-counts"
	sim_counts >"$tmp/sim-counts"
	if [ "$(wc -l <"$tmp/sim-counts")" -ne 3 ] ||
		! cmp -s "$tmp/kfd-counts" "$tmp/sim-counts"; then
		echo "tsim_expect[] '$(tr '\n' ';' <"$tmp/kfd-counts")'," \
			"svm-sim '$(tr '\n' ';' <"$tmp/sim-counts")'"
	fi
}

if [ -f "$kfd_test" ]; then
	why=$(kfd_differs "$kfd_test")
	if [ -z "$why" ]; then
		echo "kfd-replay: svm-sim and amdkfd_svm_sim agree:" \
			"$(tr '\n' ';' <"$tmp/sim-counts")"
		ok
	else
		bad "kfd-replay: $why"
	fi
	# The comparison can fail: a count or an event changed in a copy.
	sed 's/\(TSIM_COUNTS("adaptive", [0-9]*, [0-9]*, \)/\11/' "$kfd_test" \
		>"$tmp/count.c"
	sed 's/TSIM_CPU(1540, 1)/TSIM_CPU(1541, 1)/' "$kfd_test" >"$tmp/event.c"
	for c in count event; do
		if cmp -s "$kfd_test" "$tmp/$c.c"; then
			bad "kfd-replay: the $c edit changed nothing"
		elif [ -z "$(kfd_differs "$tmp/$c.c")" ]; then
			bad "kfd-replay: a changed $c went unnoticed"
		else
			ok
		fi
	done
else
	# tools/testing/svm_core without amdkfd's patches (before 0020)
	echo "kfd-replay: skipped, no $kfd_test"
fi

# $1: what; $2: the line number the error must name; $3: the trace, with \n.
check_bad_trace() {
	local rc
	printf '%b' "$3" >"$tmp/bad.trace"
	"$sim" --trace "$tmp/bad.trace" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ]; then
		bad "$1: exit $rc, want 2"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		bad "$1: $(wc -l <"$tmp/err") error lines, want 1"
	elif ! grep -q "bad.trace:$2: " "$tmp/err"; then
		bad "$1: error '$(cat "$tmp/err")' names no line $2"
	else
		ok
	fi
}

check_bad_trace "overlapping ranges" 2 'range 0 511\nrange 256 1023\n'
check_bad_trace "a range overlapping the next" 3 'range 0 511\nrange 1024 2047\nrange 512 1024\n'
check_bad_trace "a page that does not fit" 2 'range 0 511\ng 0x10000000000000000\n'
check_bad_trace "a decimal page that does not fit" 2 'range 0 511\ng 99999999999999999999999\n'
check_bad_trace "a negative count" 2 'range 0 511\ng 0 -5\n'
check_bad_trace "a negative page" 2 'range 0 511\nc -1\n'
check_bad_trace "an octal page" 2 'range 0 511\ng 010\n'
check_bad_trace "a trailing word after g" 2 'range 0 511\ng 1 2 3\n'
check_bad_trace "a trailing word after range" 1 'range 0 511 gran=9\n'
check_bad_trace "a GPU touch outside every range" 2 'range 0 511\ng 512\n'
check_bad_trace "a GPU touch running out of its range" 3 'range 0 511\n# comment\ng 500 20\n'

# $1: what; the rest: svm-sim's arguments. Exit 2, one line, no output.
check_bad_opt() {
	local what=$1 rc
	shift
	"$sim" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ]; then
		bad "$what: exit $rc, want 2"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		bad "$what: $(wc -l <"$tmp/err") error lines, want 1"
	elif [ -s "$tmp/out" ]; then
		bad "$what: output before the error (the run was not stopped)"
	else
		ok
	fi
}

check_bad_opt "an empty number" --t-fault ''
check_bad_opt "a bandwidth too small for finite times" --bw 1e-320
check_bad_opt "a directory as --trace" --trace "$tmp"
check_bad_opt "an empty --t-retry" --t-retry ''
check_bad_opt "a fractional --property" --property 1.5
check_bad_opt "--property with a capacity" --property 10 --vram-mib 64
check_bad_opt "--property with --xnack-off" --property 10 --xnack-off
check_bad_opt "--test-fault-pages too large" --test-fault-pages 70000
check_bad_opt "an unwritable --svg" --svg "$tmp/no/such/dir/sim.svg"

echo "svm-sim checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
