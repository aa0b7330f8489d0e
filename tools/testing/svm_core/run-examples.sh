#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run each examples/*.svm through svm-replay and compare its output (and,
# for a failing script, its error line and exit status) with the .out file.
set -u
replay=${1:-./svm-replay}
pass=0
fail=0
for svm in "$(dirname "$0")"/examples/*.svm; do
	want=${svm%.svm}.out
	got=$("$replay" "$svm" 2>&1; rc=$?; [ $rc -eq 0 ] || echo "exit $rc")
	if [ "$got" = "$(cat "$want")" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $svm"
		diff <(echo "$got") "$want"
		fail=$((fail + 1))
	fi
done
echo "svm-replay examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
