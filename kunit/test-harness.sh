#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of kunit/harness.sh's overlay on small stand-in trees: idempotence,
# refusal to overwrite edits made in the tree, version and patch checks.
# Needs the cached 6.12 tree (for pristine copies of the hooked files).

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=$REPO/kunit/harness.sh
REAL=$("$HARNESS" tree) || exit 1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0

ok() {
	echo "ok: $1"
	pass=$((pass + 1))
}

not_ok() {
	echo "FAIL: $1"
	fail=$((fail + 1))
}

# A stand-in 6.12 tree: the files the hook-ins touch, pristine.
fake_tree() {
	local t=$WORK/$1 p

	mkdir -p "$t/tools/testing/kunit" "$t/lib" "$t/Documentation/core-api"
	printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n' > "$t/Makefile"
	touch "$t/tools/testing/kunit/kunit.py"
	cp "$REAL/lib/Kconfig" "$REAL/lib/Makefile" "$t/lib/"
	cp "$REAL/Documentation/core-api/index.rst" "$t/Documentation/core-api/"
	# The cached tree carries the hook-ins: take them out again.
	for p in $(grep -v -e '^#' -e '^$' "$REPO/kunit/patches/series" | tac); do
		patch -d "$t" -p1 -R -s -f --no-backup-if-mismatch \
			< "$REPO/kunit/patches/$p" > /dev/null
	done
	echo "$t"
}

overlay() {
	KERNEL_SRC=$1 SVM_CORE_CACHE=$WORK/cache "$HARNESS" overlay 2>&1
}

snapshot() {
	(cd "$1" && find . -type f ! -name .svm_core_overlay -printf '%p %T@ %s\n' |
		LC_ALL=C sort)
}

# 1. A first overlay lays every file and hook-in.
t=$(fake_tree a)
if overlay "$t" > /dev/null && [ -f "$t/lib/svm_core/range.c" ] &&
   [ -f "$t/include/linux/svm_core.h" ] &&
   grep -q 'lib/svm_core/Kconfig' "$t/lib/Kconfig" &&
   grep -q 'svm_core/' "$t/lib/Makefile" &&
   grep -q 'svm_core' "$t/Documentation/core-api/index.rst"; then
	ok "overlay lays the files and applies the hook-ins"
else
	not_ok "overlay lays the files and applies the hook-ins"
fi

# 2. A second overlay changes nothing, not even a timestamp.
before=$(snapshot "$t")
sleep 1
if overlay "$t" > /dev/null && [ "$(snapshot "$t")" = "$before" ]; then
	ok "second overlay changes nothing"
else
	not_ok "second overlay changes nothing"
fi

# 3. A project file edited inside the tree is not overwritten.
echo '/* local edit */' >> "$t/lib/svm_core/decide.c"
before=$(snapshot "$t")
out=$(overlay "$t")
if [ $? -ne 0 ] && [[ "$out" == *"decide.c was edited in the tree"* ]] &&
   [ "$(snapshot "$t")" = "$before" ]; then
	ok "edited tree copy: refused, tree untouched"
else
	not_ok "edited tree copy: refused, tree untouched ($out)"
fi

# 4. A file at one of our paths that we did not put there is refused.
t=$(fake_tree b)
mkdir -p "$t/include/linux"
echo '/* someone else */' > "$t/include/linux/svm_core.h"
out=$(overlay "$t")
if [ $? -ne 0 ] && [[ "$out" == *"is not svm_core's"* ]] &&
   [ ! -e "$t/lib/svm_core" ]; then
	ok "foreign file at our path: refused"
else
	not_ok "foreign file at our path: refused ($out)"
fi

# 5. Another kernel version is refused with a one-line reason.
t=$(fake_tree c)
sed -i 's/^PATCHLEVEL = 12/PATCHLEVEL = 11/' "$t/Makefile"
out=$(overlay "$t")
if [ $? -ne 0 ] && [[ "$out" == *"is Linux 6.11, svm_core targets 6.12"* ]] &&
   [ ! -e "$t/lib/svm_core" ]; then
	ok "6.11 tree: refused"
else
	not_ok "6.11 tree: refused ($out)"
fi

# 6. A hook-in that does not apply names the patch.
t=$(fake_tree d)
sed -i 's/^source "lib\/fonts\/Kconfig"$/source "lib\/fonts\/Kconfig.x"/' "$t/lib/Kconfig"
sed -i 's/^obj-$(CONFIG_INTERVAL_TREE) += interval_tree.o$/obj-y += it.o/' "$t/lib/Makefile"
out=$(overlay "$t")
if [ $? -ne 0 ] && [[ "$out" == *"lib-hook-in-svm_core.patch does not apply"* ]]; then
	ok "hook-in that does not apply: named"
else
	not_ok "hook-in that does not apply: named ($out)"
fi

# 7. A missing KERNEL_SRC is reported.
out=$(overlay "$WORK/nowhere")
if [ $? -ne 0 ] && [[ "$out" == *"does not exist"* ]]; then
	ok "missing KERNEL_SRC: reported"
else
	not_ok "missing KERNEL_SRC: reported ($out)"
fi

# 8. A file the project no longer has leaves the tree.
t=$(fake_tree e)
overlay "$t" > /dev/null
echo 'stale' > "$t/lib/svm_core/stale.c"
echo "$(sha1sum < "$t/lib/svm_core/stale.c" | cut -d' ' -f1) lib/svm_core/stale.c" \
	>> "$t/.svm_core_overlay"
if overlay "$t" > /dev/null && [ ! -e "$t/lib/svm_core/stale.c" ] &&
   [ -f "$t/lib/svm_core/range.c" ]; then
	ok "file dropped from the project leaves the tree"
else
	not_ok "file dropped from the project leaves the tree"
fi

echo "harness-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
