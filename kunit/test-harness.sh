#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of kunit/harness.sh's overlay on small stand-in trees: idempotence,
# refusal to overwrite edits made in the tree, version and patch checks,
# the series' claims on project files; and make series' refusal to run
# without a git identity. Needs the cached 6.12 tree (for
# pristine copies of the files the series patches).

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

# A stand-in 6.12 tree: the upstream files the series patches, pristine.
fake_tree() {
	local t=$WORK/$1 f sum name state=$REAL/.svm_core_patches

	mkdir -p "$t/tools/testing/kunit"
	printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n' > "$t/Makefile"
	touch "$t/tools/testing/kunit/kunit.py"
	for f in $(cat "$REPO"/patches/*.patch "$state"/*.patch 2>/dev/null |
		   sed -n 's|^+++ b/||p' | LC_ALL=C sort -u); do
		mkdir -p "$(dirname "$t/$f")"
		cp "$REAL/$f" "$t/$f" 2>/dev/null || true
	done
	# The cached tree carries the patches the overlay applied, as recorded
	# there: take them out again, newest first.
	[ -f "$state/applied" ] && tac "$state/applied" | while read -r sum name; do
		grep -q '^+++ ' "$state/$sum.patch" || continue
		patch -d "$t" -p1 -R -s -f --no-backup-if-mismatch \
			< "$state/$sum.patch" > /dev/null ||
			echo "test-harness: cannot take $name out of the stand-in tree" >&2
	done
	echo "$t"
}

# A copy of the repository's overlay inputs, to edit without touching ours.
fake_repo() {
	local r=$WORK/$1

	mkdir -p "$r"
	(cd "$REPO" && cp -r kunit patches Documentation include lib "$r/")
	echo "$r"
}

overlay() {
	KERNEL_SRC=$1 SVM_CORE_CACHE=$WORK/cache "${2:-$HARNESS}" overlay 2>&1
}

snapshot() {
	(cd "$1" && find . -type f ! -path './.svm_core_*' -printf '%p %T@ %s\n' |
		LC_ALL=C sort)
}

# 1. A first overlay lays every file and applies every patch.
t=$(fake_tree a)
if overlay "$t" > /dev/null && [ -f "$t/lib/svm_core/range.c" ] &&
   [ -f "$t/include/linux/svm_core.h" ] &&
   [ -f "$t/lib/svm_core/tests/.kunitconfig" ] &&
   grep -q 'lib/svm_core/Kconfig' "$t/lib/Kconfig" &&
   grep -q 'lib/svm_core/tests/Kconfig' "$t/lib/Kconfig.debug" &&
   grep -q 'svm_core/tests/' "$t/lib/Makefile" &&
   grep -q '^SVM CORE$' "$t/MAINTAINERS" &&
   grep -q 'svm_core' "$t/Documentation/core-api/index.rst"; then
	ok "overlay lays the files and applies the series"
else
	not_ok "overlay lays the files and applies the series"
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

# 6. A patch that does not apply is named, with the tree's version.
t=$(fake_tree d)
sed -i 's/^source "lib\/fonts\/Kconfig"$/source "lib\/fonts\/Kconfig.x"/' "$t/lib/Kconfig"
sed -i 's/^obj-$(CONFIG_INTERVAL_TREE) += interval_tree.o$/obj-y += it.o/' "$t/lib/Makefile"
first=$(grep -v -e '^#' -e '^$' "$REPO/patches/series" | head -n 1 | cut -d' ' -f1)
out=$(overlay "$t")
if [ $? -ne 0 ] &&
   [[ "$out" == *"patches/$first does not apply to $t (Linux 6.12.0)"* ]]; then
	ok "patch that does not apply: named"
else
	not_ok "patch that does not apply: named ($out)"
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

# 9. A project file no series line claims, or two lines claim, is named.
r=$(fake_repo r1)
t=$(fake_tree f)
echo notes > "$r/lib/svm_core/notes.txt"
sed -i 's|^\(0002-[^ ]*\) \(.*\)$|\1 \2 lib/svm_core/decide.c|' "$r/patches/series"
out=$(overlay "$t" "$r/kunit/harness.sh")
if [ $? -ne 0 ] &&
   [[ "$out" == *"lib/svm_core/notes.txt is laid into the tree but no line of patches/series claims it"* ]] &&
   [[ "$out" == *"lib/svm_core/decide.c is claimed twice"* ]] &&
   [ ! -e "$t/lib/svm_core" ]; then
	ok "unclaimed and doubly claimed files: named, tree untouched"
else
	not_ok "unclaimed and doubly claimed files: named, tree untouched ($out)"
fi

# 10. A patch edited since the last overlay is taken out and applied anew.
r=$(fake_repo r2)
t=$(fake_tree g)
overlay "$t" "$r/kunit/harness.sh" > /dev/null
# the patch that hooks the document into Documentation/core-api/index.rst
last=$(basename "$(grep -l '^+++ b/Documentation/core-api/index.rst' "$r"/patches/*.patch | head -n 1)")
sed -i 's/^+   svm_core$/+   svm_core_v2/' "$r/patches/$last"
if overlay "$t" "$r/kunit/harness.sh" > /dev/null &&
   grep -qx '   svm_core_v2' "$t/Documentation/core-api/index.rst" &&
   ! grep -qx '   svm_core' "$t/Documentation/core-api/index.rst"; then
	ok "edited patch: old version taken out, new one applied"
else
	not_ok "edited patch: old version taken out, new one applied"
fi

# 11. A patch with no diff (a commit that only lays files) is recorded and
#     changes nothing else.
r=$(fake_repo r3)
t=$(fake_tree h)
sed -n '/^---$/q;p' "$r/patches/$last" > "$r/patches/9999-empty.patch"
echo "9999-empty.patch" >> "$r/patches/series"
if overlay "$t" "$r/kunit/harness.sh" > /dev/null &&
   grep -q ' 9999-empty.patch$' "$t/.svm_core_patches/applied" &&
   grep -qx '   svm_core' "$t/Documentation/core-api/index.rst"; then
	ok "patch without a diff: recorded, nothing else applied"
else
	not_ok "patch without a diff: recorded, nothing else applied"
fi

# 12. make series writes the generating user's identity into the series and
#     refuses to run without one, before it touches any tree.
r=$(fake_repo r4)
out=$(HOME=$WORK/nohome GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	SVM_CORE_CACHE=$WORK/cache-id "$r/kunit/series.sh" series 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q 'set git config user.name and user.email' <<< "$out" &&
   [ ! -e "$WORK/cache-id/glue" ]; then
	ok "make series without a git identity: refused, named, nothing made"
else
	not_ok "make series without a git identity: refused, named, nothing made ($out)"
fi

echo "harness-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
