#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to svm-replay, svm-fuzz, svm-bench, svm-nomem and svm-sim. Every
# case must exit with status 2, print exactly one line on standard error,
# starting with the tool's name and holding the expected words, and print
# nothing else. Then each tool's --help and -h (see help() below).
#
#   bad-input.sh [DIR [SUFFIX]]    runs DIR/svm-replay$SUFFIX and the others
set -u
dir=${1:-.}
sfx=${2:-}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0

# bad NAME TOOL WORDS ARG...: run TOOL with ARG..., standard output to
# $stdout if set (not checked then), else to a file that must stay empty.
bad() {
	local name=$1 tool=$2 want=$3 rc n err why=
	shift 3
	"$dir/$tool$sfx" "$@" >"${stdout:-$t/out}" 2>"$t/err" </dev/null
	rc=$?
	n=$(grep -c '' "$t/err")
	err=$(head -n 1 "$t/err")
	[ "$rc" -eq 2 ] || why+=" exit status $rc, not 2;"
	[ "$n" -eq 1 ] || why+=" $n lines on stderr, not 1;"
	case $err in
	"$tool: "*"$want"*) ;;
	*) why+=" no '$tool: ...$want...' on stderr;" ;;
	esac
	[ -n "${stdout:-}" ] || [ ! -s "$t/out" ] || why+=" output on stdout;"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name:$why"
		sed 's/^/  stderr: /' "$t/err" | head -n 5
		fail=$((fail + 1))
	fi
}

# script NAME: the file for a script made of printf's other arguments.
script() {
	local f=$t/$1.svm
	shift
	# shellcheck disable=SC2059 # the format is the test's
	printf "$@" >"$f"
	echo "$f"
}

# svm-replay: the script
bad replay-usage svm-replay "usage: svm-replay [script]" a b
bad replay-directory svm-replay "cannot read $t: Is a directory" "$t"
bad replay-unreadable svm-replay "cannot read /proc/self/mem: Input/output error" \
	/proc/self/mem
stdout=/dev/full bad replay-stdout-full svm-replay \
	"cannot write standard output: No space left on device" \
	"$(dirname "$0")/examples/window-edges.svm"
bad replay-nul svm-replay "line 2: NUL byte at column 13" \
	"$(script nul 'range 0x1000 0x1fff\ngpu 0x1000 1\0 frobnicate\ndump\n')"

# svm-replay: numbers, one rule (see README.md)
bad replay-number-overflow svm-replay "line 2: page 18446744073709551616 does not fit in 64 bits" \
	"$(script overflow 'range 0x1000 0x1fff\ngpu 18446744073709551616 1\ndump\n')"
bad replay-hex-overflow svm-replay "line 1: start 0x10000000000000000 does not fit in 64 bits" \
	"$(script hex-overflow 'range 0x10000000000000000 0x10000000000000001\ndump\n')"
bad replay-number-0X svm-replay "line 1: start '0X1000' must be decimal or 0x-hex" \
	"$(script 0X 'range 0X1000 0x1fff\ndump\n')"

# svm-replay: the whole address space, 2^64 pages, which svm_core_range_init()
# refuses (the line was dropped silently, and its range object leaked)
bad replay-whole-space svm-replay \
	"line 2: range [0x0 0xffffffffffffffff] is the whole address space" \
	"$(script whole-space '# all of it\nrange 0 0xffffffffffffffff\ndump\n')"

# svm-replay: a plan of 2^31 - 1 new ranges: the step array is refused as
# kmalloc would refuse it (it overflowed an int before)
bad replay-plan-too-big svm-replay "line 1: out of memory" \
	"$(script plan-too-big 'gran 0x0 0x1fffffffbffff 9\n')"

# svm-fuzz: options, parsed whole by the same rule and range-checked
bad fuzz-unknown svm-fuzz "unknown argument '--frob'; usage: svm-fuzz [--ops N]" --frob
bad fuzz-no-value svm-fuzz "--ops needs a value" --seed 1 --ops
bad fuzz-ops-word svm-fuzz "--ops 'abc' is not a number" --ops abc
bad fuzz-ops-zero svm-fuzz "--ops 0 is out of range: 1 .. 18446744073709551615" --ops 0
bad fuzz-seed-word svm-fuzz "--seed 'xyz' is not a number" --ops 1 --seed xyz
bad fuzz-seed-zero svm-fuzz "--seed 0 is out of range: 1 .. " --ops 1 --seed 0
bad fuzz-seed-overflow svm-fuzz "--seed 18446744073709551616 is out of range" \
	--ops 1 --seed 18446744073709551616
bad fuzz-len-wraps svm-fuzz "--script-len 4294967297 is out of range: 1 .. 1000000" \
	--ops 1 --script-len 4294967297
bad fuzz-len-suffix svm-fuzz "--script-len '10k' is not a number" --ops 1 --script-len 10k

# svm-bench: the number of ranges
bad bench-usage svm-bench "usage: svm-bench NRANGES"
bad bench-exponent svm-bench "NRANGES '1e3' is not a number" 1e3
bad bench-suffix svm-bench "NRANGES '10x' is not a number" 10x
bad bench-negative svm-bench "NRANGES '-1' is not a number" -1
bad bench-too-many svm-bench "NRANGES 10000001 is out of range: 1 .. 10000000" 10000001

# svm-nomem: its options, by the same rule
bad nomem-unknown svm-nomem "usage: svm-nomem [--seed S] [--plans N]" --frob
bad nomem-plans-word svm-nomem "--plans 'many' is not a number" --plans many
bad nomem-plans-big svm-nomem "--plans 1000001 is out of range: 1 .. 1000000" \
	--plans 1000001
# no random plan: a pass over nothing was reported
bad nomem-plans-zero svm-nomem "--plans 0 is out of range: 1 .. 1000000" --plans 0

# svm-sim: traces (its other bad traces and options are in sim-check.sh)
bad sim-nul svm-sim "sim-nul.svm:2: NUL byte at column 4" \
	--trace "$(script sim-nul 'range 0 511\ng 1\0 junk\n')"
# nothing to simulate: no page touches left the oracle nothing to sort,
# and qsort(NULL, 0) aborted the UBSan build
bad sim-empty svm-sim "sim-empty.svm: no GPU touch" --trace "$(script sim-empty '')"
bad sim-only-ranges svm-sim "sim-only-ranges.svm: no GPU touch" \
	--trace "$(script sim-only-ranges 'range 0 511\nrange 512 1023\n')"
bad sim-only-cpu svm-sim "sim-only-cpu.svm: no GPU touch" \
	--trace "$(script sim-only-cpu 'range 0 511\nc 600 3\n')"
bad sim-only-cpu-in-range svm-sim "sim-only-cpu-in-range.svm: no GPU touch" \
	--trace "$(script sim-only-cpu-in-range 'range 0 511\nc 5 3\n')"
# the limits (README.md): 2^26 page touches in all traces together, at most
# 65,536 ranges in a trace. A two-line trace of 2^30 page touches needed
# some 25 GB before.
bad sim-touches svm-sim "sim-touches.svm:2: more than 67108864 page touches" \
	--trace "$(script sim-touches 'range 0 0x3fffffff\ng 0 0x40000000\n')"
bad sim-touches-traces svm-sim "sim-touches-2.svm:3: more than 67108864 page touches" \
	--trace "$(script sim-touches-1 'range 0 0x3fffffff\ng 0 0x3ffffff\n')" \
	--trace "$(script sim-touches-2 'range 0 511\ng 0 1\ng 1 1\n')"
awk 'BEGIN { for (i = 0; i <= 65536; i++) printf "range %d %d\n", 2 * i, 2 * i }' \
	>"$t/sim-ranges.svm"
bad sim-ranges svm-sim "sim-ranges.svm:65537: more than 65536 ranges" \
	--trace "$t/sim-ranges.svm"
# svm-sim: options. --vram-mib by the scripts' rule, 2 .. 2^30; times and
# bandwidths by the same rule or with a decimal fraction (strtod() read
# them before: 1e3, 0x1p3, and --vram-mib 0 meaning unlimited)
good=$(script sim-good 'range 0 511\ng 0 8\n')
bad sim-vram-zero svm-sim "--vram-mib 0 is out of range: 2 .. 1073741824" \
	--vram-mib 0 --trace "$good"
bad sim-vram-fraction svm-sim "--vram-mib '2.5' is not a number" --vram-mib 2.5 --trace "$good"
bad sim-vram-big svm-sim "--vram-mib 1073741825 is out of range" --vram-mib 1073741825
bad sim-exponent svm-sim "--t-fault '1e3' is not a number" --t-fault 1e3 --trace "$good"
bad sim-hex-float svm-sim "--t-setup '0x1p3' is not a number" --t-setup 0x1p3 --trace "$good"
bad sim-bare-point svm-sim "--c-page '.5' is not a number" --c-page .5 --trace "$good"
bad sim-negative svm-sim "--t-split '-1' is not a number" --t-split -1
bad sim-bw-zero svm-sim "--bw 0 is out of range: 0.000001 .. 1000000000" --bw 0
bad sim-time-big svm-sim "--t-inval 1000000000.5 is out of range: 0 .. 1000000000" \
	--t-inval 1000000000.5

# help TOOL ARG: every tool's --help and -h: the usage on standard output
# ("usage: TOOL ...", continuation lines indented), nothing on standard
# error, exit status 0.
help() {
	local tool=$1 rc why=
	"$dir/$tool$sfx" "$2" >"$t/out" 2>"$t/err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || why+=" exit status $rc, not 0;"
	[ ! -s "$t/err" ] || why+=" output on stderr;"
	case $(head -n 1 "$t/out") in
	"usage: $tool "*) ;;
	*) why+=" no 'usage: $tool ...' first on stdout;" ;;
	esac
	! tail -n +2 "$t/out" | grep -q '^[^ ]' || why+=" a later line not indented;"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $tool $2:$why"
		sed 's/^/  stderr: /' "$t/err" | head -n 5
		fail=$((fail + 1))
	fi
}

for tool in svm-replay svm-fuzz svm-sim svm-bench svm-nomem; do
	help "$tool" --help
	help "$tool" -h
done

# The Makefile with a KTREE that is no kernel tree (its default, ../../..,
# is none in the svm_core repository): one line naming what is missing.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -n -C "$(dirname "$0")" KTREE="$t" all \
	>/dev/null 2>"$t/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(grep -c '' "$t/err")" -eq 1 ] &&
   grep -q "KTREE=$t is not a Linux 6.12 tree (no $t/tools/include/" "$t/err"; then
	pass=$((pass + 1))
else
	echo "FAIL: make KTREE=$t: exit status $rc"
	sed 's/^/  stderr: /' "$t/err" | head -n 5
	fail=$((fail + 1))
fi

echo "bad input: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
