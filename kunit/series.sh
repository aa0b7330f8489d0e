#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The upstream series of patches/series as commits on a git tree of 6.12,
# checked the way a maintainer receiving it would, and the amdkfd glue
# compiled against the tree without it.
#
#   series.sh series   the series branch written back into a copy of
#                      patches/ without a byte changed (make writeback's
#                      round trip), git format-patch'ed with a cover
#                      letter into $CACHE/series/, checkpatch --strict on
#                      every patch, what each commit touches compiled, the
#                      amdkfd suites on 6.12's amdkfd (the commit that adds
#                      them, or the 6.12 fixes after it) and at the tip
#   series.sh glue     amdkfd (and the amdgpu files that include its
#                      headers) with W=1 and sparse, with and without the
#                      series: no new warning; vmlinux and amdgpu.ko built
#                      at the tip, so that modpost finds a missing export
#   series.sh e2e      one x86_64 QEMU kernel from the series' tip
#
# Trees: kunit/lib.sh (the cached 6.12 tree or KERNEL_SRC). Build directory:
# $CACHE/build-glue, alldefconfig plus kunit/configs/glue.config.
# Environment: KERNEL_SRC, SVM_CORE_CACHE, KUNIT_ARGS.

set -euo pipefail

PROG=series
# shellcheck source=kunit/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLUE_CONFIG=$REPO/kunit/configs/glue.config
AMD=drivers/gpu/drm/amd
KFD=$AMD/amdkfd
KFD_TESTS=$KFD/tests
# amdkfd is built as part of amdgpu.ko, through the amdgpu directory.
KFD_VIA=$AMD/amdgpu/../amdkfd
# Bump when the baseline's format changes: old baselines are then unused.
BASELINE_FORMAT=4

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/svm_core-series.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() {
	echo "$PROG: $*"
}

elapsed() {
	local s=$(($(date +%s) - START))

	echo "$((s / 60)) min $((s % 60)) s"
}

g() {
	git -C "$GTREE" "$@"
}

# make in the series tree for the x86_64 build directory.
kmake() {
	make -C "$GTREE" O="$GBUILD" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" "$@"
}

# Set the build directories for the tree kunit/lib.sh's tree_layout chose:
# GBUILD (make series, make glue) and KBUILD (kunit.py on x86_64, QEMU).
build_dirs() {
	tree_layout
	GBUILD=$CACHE/build-glue$SUFFIX
	KBUILD=$CACHE/build-x86_64-e2e$SUFFIX
}

# --------------------------------------------------------------- build ----

# The build directory's configuration: alldefconfig (every symbol at its
# default: a kernel half the size of x86_64_defconfig's, so that the
# modpost build of vmlinux stays short) with glue.config merged in, made once at the series tip (where every symbol the series adds
# exists) and kept as .config.glue. Before each build, .config.glue is copied
# back and olddefconfig fits it to the checked-out commit: a symbol that
# commit does not have is dropped for that build only.
configure_build() {
	local key sym val bad=""

	key=$( { cat "$GLUE_CONFIG"; g diff "$BASE" "$BRANCH" -- '*Kconfig*'; } |
		sha1sum | cut -d' ' -f1)
	if [ -f "$GBUILD/.config.glue" ] &&
	   [ "$(cat "$GBUILD/.config.glue.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	say "configuring $GBUILD: alldefconfig + kunit/configs/glue.config"
	mkdir -p "$GBUILD"
	if ! { kmake -s alldefconfig &&
	       (cd "$GTREE" && scripts/kconfig/merge_config.sh -m -O "$GBUILD" \
			"$GBUILD/.config" "$GLUE_CONFIG") &&
	       kmake -s olddefconfig; } > "$WORK/config.log" 2>&1; then
		cat "$WORK/config.log"
		die "cannot configure $GBUILD"
	fi
	while IFS='=' read -r sym val; do
		grep -qxF "$sym=$val" "$GBUILD/.config" || bad+=" $sym=$val"
	done < <(grep '^CONFIG_' "$GLUE_CONFIG")
	[ -z "$bad" ] || die "kunit/configs/glue.config asks for$bad, which alldefconfig's dependencies do not allow"
	cp "$GBUILD/.config" "$GBUILD/.config.glue"
	echo "$key" > "$GBUILD/.config.glue.key"
}

config_for_checkout() {
	cp "$GBUILD/.config.glue" "$GBUILD/.config"
	kmake -s olddefconfig > "$WORK/config.log" 2>&1 ||
		{ cat "$WORK/config.log"; die "olddefconfig failed at $(g log -1 --format=%s)"; }
}

# Build objects (paths in the build directory) from scratch, after any
# VAR=value arguments for make. Compile errors fail; warnings go to stderr.
# lib/svm_core has no user before the glue selects SVM_CORE (and none at
# all at the first commit), so its objects are built with CONFIG_SVM_CORE=y
# on the command line when the configuration leaves it off.
build_objects() {
	local t
	local -a extra=() goals

	# Leading VAR=value arguments go to make.
	while [[ "${1:-}" == *=* ]]; do
		extra+=("$1")
		shift
	done
	for t in "$@"; do
		rm -f "$GBUILD/$t"
	done
	if printf '%s\n' "$@" | grep -q '^lib/svm_core/' &&
	   ! grep -q '^CONFIG_SVM_CORE=' "$GBUILD/.config"; then
		extra+=(CONFIG_SVM_CORE=y)
	fi
	# lib/Makefile descends into lib/svm_core/ and lib/svm_core/tests/ both,
	# so a single-object goal under tests/ would also reach the pattern rule
	# of lib/svm_core/ and be compiled twice at once: build that directory.
	mapfile -t goals < <(printf '%s\n' "$@" |
		sed 's|^lib/svm_core/tests/.*|lib/svm_core/tests/|' | awk '!seen[$0]++')
	kmake -s "${extra[@]}" "${goals[@]}" || return 1
	for t in "$@"; do
		[ -f "$GBUILD/$t" ] || {
			echo "$t was not built: not enabled by kunit/configs/glue.config at this commit" >&2
			return 1
		}
	done
}

# Check out every commit of the series and compile what it touched.
bisect_check() {
	local c i=0 n subject
	local -a objs

	n=$(g rev-list --count "$BASE..$BRANCH")
	for c in $(g rev-list --reverse "$BASE..$BRANCH"); do
		i=$((i + 1))
		subject=$(g log -1 --format=%s "$c")
		mapfile -t objs < <(g diff-tree --no-commit-id --name-only \
			--diff-filter=d -r "$c" | "${PY[@]}" commit-objects)
		if [ ${#objs[@]} -eq 0 ]; then
			say "[$i/$n] $subject: no C file touched, nothing to compile"
			continue
		fi
		g checkout -q -f "$c"
		config_for_checkout
		if ! build_objects "${objs[@]}" > "$WORK/build.log" 2>&1; then
			cat "$WORK/build.log"
			g checkout -q -f "$BRANCH"
			die "commit $i/$n \"$subject\" does not compile (above)"
		fi
		say "[$i/$n] $subject: ${#objs[@]} object(s) compiled"
	done
	g checkout -q -f "$BRANCH"
	config_for_checkout
}

# --------------------------------------------------------------- kunit ----

# kunit.py run in QEMU at commit $1: svm_core's device-private suite and,
# from the commit that adds them on, amdkfd's suites with amdgpu built in,
# in one kernel. kunit.py's output goes to $2 and stdout; the kernel's whole
# log must hold no lockdep report, WARNING or BUG, which is recorded as one
# more check in $CACHE/klog-<name of $2>. Further arguments go to kunit.py
# (a filter glob, --kernel_args ...). Returns non-zero if anything failed.
kunit_x86() {
	local commit=$1 log=$2 rc=0 klog
	shift 2
	local -a cfg=(--kunitconfig=lib/svm_core/tests/e2e.kunitconfig
		      --kunitconfig="$REPO/kunit/configs/x86_64.config")

	klog=$CACHE/klog-$(basename "$log")
	rm -f "$klog" "$KBUILD/test.log"
	kunit_checkout "$commit"
	[ -f "$KTREE/$KFD_TESTS/.kunitconfig" ] && cfg+=(--kunitconfig="$KFD_TESTS")
	mkdir -p "$KBUILD"
	(cd "$KTREE" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--qemu_args="-m 1024" "${cfg[@]}" --build_dir="$KBUILD" \
		--jobs="$(nproc)" --make_options CC="ccache gcc" "$@") 2>&1 |
		tee "$log" || rc=1
	"${PY[@]}" kernel-log "$KBUILD/test.log" "$klog" || return 1
	cp "$KBUILD/test.log" "$CACHE/ktap-$(basename "$log")"
	return $rc
}

# The amdkfd suites on 6.12's amdkfd (at the commit that adds them, or
# with the fixes of 6.12 that follow it) and at the series tip: the glue
# is a refactor proven by the same tests.
series_kunit() {
	local c tests first rc=0 i=0 klog

	tests=$(g log --reverse --format=%H --diff-filter=A "$BASE..$BRANCH" -- \
		"$KFD_TESTS/.kunitconfig" | sed -n 1p)
	[ -n "$tests" ] || { say "no commit adds $KFD_TESTS: amdkfd suites not run"; return 0; }
	# Then 6.12's amdkfd with the fixes that follow the tests commit, each
	# with the test that failed before it: the parent of the first commit
	# that makes amdkfd itself (not its tests) use svm_core.
	first=$(g log --reverse --format=%H -G'svm_core' "$tests..$BRANCH" -- \
		"$KFD/*.[ch]" ":(exclude)$KFD_TESTS" | sed -n 1p)
	[ -z "$first" ] || tests=$(g rev-parse "$first^")
	# The tip first: make e2e has just built it, so only the commit that
	# adds the suites costs a rebuild (with KASAN, about as long as the
	# QEMU runs of both).
	for c in "$(g rev-parse "$BRANCH")" "$tests"; do
		i=$((i + 1))
		klog=$CACHE/klog-kunit-series-$i.log
		if ! kunit_x86 "$c" "$CACHE/kunit-series-$i.log" 'amdkfd_svm*' > "$WORK/kunit.out" 2>&1; then
			rc=1
			grep -a -E 'FAILED|not ok|# .*: (EXPECTATION|ASSERTION)|kernel log|Error|error:' "$WORK/kunit.out" | sed -n 1,40p
		fi
		say "kunit $(g log -1 --format=%s "$c"): $("${PY[@]}" kunit-counts "$CACHE/kunit-series-$i.log")$( [ -f "$klog" ] && sed -n 's/^kernel log: 1 passed.*/, kernel log clean/p; s/^kernel log: 0 passed.*/, kernel log NOT clean/p' "$klog")"
	done
	# The README's table of what runs where, against the tip's log.
	"${PY[@]}" run-by "$CACHE/ktap-kunit-series-1.log" "$CACHE/run-by.log" || rc=1
	# Leave the kernel-build worktree at the tip for the next target.
	kunit_checkout "$BRANCH"
	return $rc
}

cmd_e2e() {
	PROG=e2e
	build_dirs
	build_series
	# shellcheck disable=SC2086 # KUNIT_ARGS is a list of arguments
	kunit_x86 "$BRANCH" "$CACHE/kunit-x86_64-e2e.log" ${KUNIT_ARGS:-}
}

# -------------------------------------------------------------- series ----

# The patches git format-patch wrote, without the cover letter.
out_patches() {
	local p

	for p in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] || echo "$p"
	done
}

cmd_series() {
	local out=$CACHE/series p rc=0 n res first
	local -a patches

	[ -f "$REPO/patches/cover-letter.txt" ] || die "patches/cover-letter.txt is missing"
	SERIES_IDENT=$(series_ident)
	[ -n "$SERIES_IDENT" ] ||
		die "the series carries the identity of whoever generates it (author, Signed-off-by, MAINTAINERS): set git config user.name and user.email first"
	build_dirs
	build_series
	"${PY[@]}" roundtrip "$GTREE" "$BASE" "$BRANCH" ||
		die "the series branch does not write back to patches/ as it is: run make writeback after make tree, or fix the patch by hand"
	n=$(g rev-list --count "$BASE..$BRANCH")
	rm -rf "$out"
	# The cover letter is from the series' first author, dated as its last
	# commit: the same series gives the same files.
	first=$(g rev-list --reverse "$BASE..$BRANCH" | sed -n 1p)
	GIT_COMMITTER_NAME=$(g log -1 --format=%an "$first") \
	GIT_COMMITTER_EMAIL=$(g log -1 --format=%ae "$first") \
	GIT_COMMITTER_DATE=$(g log -1 --format=%aD "$BRANCH") \
		g format-patch -q --cover-letter --zero-commit --no-signature \
		-O "$GTREE/scripts/git.orderFile" -o "$out" "$BASE..$BRANCH"
	"${PY[@]}" cover-letter "$out" "$GTREE" "$BASE" "$BRANCH" "$CACHE"
	mapfile -t patches < <(out_patches "$out")
	for p in "${patches[@]}"; do
		res=$(checkpatch_patch "$GTREE" "$p") || rc=1
		[ -z "$res" ] || { echo "${p#"$CACHE"/}:"; echo "$res"; rc=1; }
	done
	[ $rc -eq 0 ] || die "checkpatch --strict found problems in the series (above)"
	say "$n patches and a cover letter in $out, checkpatch --strict clean"
	configure_build
	bisect_check
	series_kunit || die "the amdkfd suites failed at a commit of the series (above)"
	say "$n commits on $(g rev-parse --short "$BASE") (Linux $(make -s -C "$GTREE" kernelversion)): format-patch, checkpatch --strict and per-commit compile and amdkfd suites clean in $(elapsed)"
}

# ---------------------------------------------------------------- glue ----

# amdkfd's objects for the checked-out tree and the build directory's
# configuration, as amdgpu's Makefile lists them.
kfd_objects() {
	{
		echo "AMDKFD_PATH := ../amdkfd"
		echo "include $GBUILD/.config"
		echo "include $GTREE/$KFD/Makefile"
		# shellcheck disable=SC2016 # a make variable
		printf 'all:\n\t@printf "%%s\\n" $(AMDKFD_FILES)\n'
	} > "$WORK/kfd.mk"
	make -s -f "$WORK/kfd.mk" | sed "s|^\.\./amdkfd/|$KFD_VIA/|"
}

# Compile the objects with W=1, then run sparse on each (C=2: every named
# object, compiled or not). The compile must succeed, so a real compile
# error fails here and is never taken for a sparse one; sparse's errors do
# not stop make (-k): the baseline comparison judges them.
#
# sparse sizes struct amd_sriov_msg_vf2pf_info differently from gcc, so the
# _Static_assert in amdgv_sriovmsg.h, which amdgpu.h pulls into every
# amdgpu and amdkfd file, fails under sparse alone. After an error sparse
# prints no more warnings for that file, which would leave the comparison
# blind; sparse therefore sees _Static_assert defined away (CF=). gcc, which
# builds the objects, still checks every static assertion.
#
# Leaves the warnings, as "file: message", in $1/warnings.
glue_build() {
	local dir=$1
	shift

	mkdir -p "$dir"
	printf '%s\n' "$@" > "$dir/objects"
	# W=1 warnings are compared with the baseline here, not fatal, even
	# if the configuration sets CONFIG_WERROR (-Wno-error, also for the
	# sparse pass so that it finds the objects up to date).
	if ! build_objects W=1 KCFLAGS=-Wno-error "$@" 2> "$dir/compile.log"; then
		grep -a -E 'error|Error' "$dir/compile.log" >&2 || cat "$dir/compile.log" >&2
		die "W=1 build at $(g log -1 --format=%s) failed (above)"
	fi
	kmake -s -k W=1 KCFLAGS=-Wno-error C=2 CF="-D'_Static_assert(...)='" "$@" \
		> /dev/null 2> "$dir/sparse.log" || true
	cat "$dir/compile.log" "$dir/sparse.log" > "$dir/build.log"
	"${PY[@]}" normalise "$dir/build.log" "$GTREE" "$GBUILD" > "$dir/warnings"
}

# vmlinux and the modules (amdgpu.ko among them) at the series tip: the
# kernel's modpost fails on a symbol amdgpu.ko uses that nothing exports to
# it (or exports only to KUnit tests, EXPORTED_FOR_KUNIT_TESTING), and the
# link fails on a duplicate definition.
# Without GLUE_MODPOST=1, the check of what the series makes amdgpu.ko
# import from outside it: every svm_core symbol the tip's amdkfd objects
# reference must be exported to modules (EXPORT_SYMBOL or _GPL; the
# KUnit-only ones, which only the suites may call, are kunit_only_check's).
# That is what modpost found missing before, without building a second
# kernel (most of a cold make glue).
exports_check() {
	local s
	local -a used missing=()

	mapfile -t used < <(cd "$GBUILD" && nm -u "${kfd[@]}" |
		awk '$2 ~ /^svm_core_/ {print $2}' | LC_ALL=C sort -u)
	[ ${#used[@]} -gt 0 ] || die "no amdkfd object references svm_core: are the objects built?"
	for s in "${used[@]}"; do
		(cd "$GTREE" && grep -qE "^EXPORT_SYMBOL(_GPL|_IF_KUNIT)?\($s\);" lib/svm_core/*.c) ||
			missing+=("$s")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "amdkfd references svm_core symbol(s) nothing exports to modules: ${missing[*]}; amdgpu.ko would not link"
	say "exports: the ${#used[@]} svm_core symbols amdkfd's objects reference are exported to modules (the kernel's own modpost on amdgpu.ko: make glue GLUE_MODPOST=1)"
}

modpost_check() {
	if [ "${GLUE_MODPOST:-0}" != 1 ]; then
		exports_check
		return
	fi
	grep -qx 'CONFIG_DRM_AMDGPU=m' "$GBUILD/.config" ||
		die "kunit/configs/glue.config does not build amdgpu as a module: modpost cannot check its imports"
	say "modpost: vmlinux and amdgpu.ko at the tip (the first build takes a while)"
	if ! kmake -s vmlinux modules > "$WORK/modpost.log" 2>&1; then
		grep -a -E 'ERROR|error|undefined|multiple definition' "$WORK/modpost.log" |
			head -n 40 >&2 || tail -n 40 "$WORK/modpost.log" >&2
		die "vmlinux or amdgpu.ko with the series does not build and link (above); a symbol \"undefined!\" is one nothing exports to amdgpu.ko"
	fi
	[ -f "$GBUILD/$AMD/amdgpu/amdgpu.ko" ] || die "amdgpu.ko was not built"
	say "modpost: amdgpu.ko links against vmlinux, every symbol it uses is exported to it"
}

# modpost_check() builds with KUnit (glue.config runs the suites), where the
# KUnit-only exports of svm_core reach amdgpu.ko through the suites'
# MODULE_IMPORT_NS: the glue itself must not call one of them, or amdgpu.ko
# does not link in a kernel without KUnit (a distribution's).
kunit_only_check() {
	local s
	local -a names used=()

	mapfile -t names < <(cd "$GTREE" && grep -ho 'EXPORT_SYMBOL_IF_KUNIT([a-z0-9_]*)' \
		lib/svm_core/*.c | sed 's/.*(\(.*\))/\1/' | LC_ALL=C sort -u)
	for s in "${names[@]}"; do
		(cd "$GTREE" && grep -qw -- "$s" "$KFD"/*.[ch] "$AMD"/amdgpu/*.[ch]) &&
			used+=("$s")
	done
	[ ${#used[@]} -eq 0 ] ||
		die "amdkfd's glue calls svm_core function(s) exported only with KUnit: ${used[*]}; amdgpu.ko would not link without CONFIG_KUNIT"
	say "KUnit-only exports: none of the ${#names[@]} is called by amdkfd outside its tests"
}

cmd_glue() {
	local base key cfg new nbase npatched
	local -a kfd amdgpu svm

	PROG=glue
	build_dirs
	build_series
	configure_build
	amdgpu=("$AMD/amdgpu/amdgpu_amdkfd_fence.o" "$AMD/amdgpu/amdgpu_amdkfd_gpuvm.o"
		"$AMD/amdgpu/amdgpu_vm.o")

	# Baseline: the tree without the series, cached by what decides its
	# warnings.
	g checkout -q -f "$BASE"
	config_for_checkout
	key=$( { g rev-parse "$BASE"; cat "$GBUILD/.config"; gcc --version | head -n 1
		 sparse --version; echo "$BASELINE_FORMAT"; } | sha1sum | cut -c1-16)
	base=$STATE/baseline-$key
	if [ -f "$base/warnings" ]; then
		say "baseline: cached ($base)"
	else
		mapfile -t kfd < <(kfd_objects)
		[ ${#kfd[@]} -gt 0 ] || die "no amdkfd object in the pristine configuration: is CONFIG_HSA_AMD set?"
		say "baseline: W=1 + sparse on ${#kfd[@]} amdkfd and ${#amdgpu[@]} amdgpu objects, without the series"
		# One baseline at a time: older keys are for another tree or config.
		rm -rf "$STATE"/baseline-*
		glue_build "$base.tmp" "${kfd[@]}" "${amdgpu[@]}"
		rm -rf "$base"
		mv "$base.tmp" "$base"
	fi
	nbase=$(wc -l < "$base/warnings")

	# Patched: the series tip, with svm_core.
	g checkout -q -f "$BRANCH"
	config_for_checkout
	mapfile -t kfd < <(kfd_objects)
	mapfile -t svm < <(cd "$GTREE" && find lib/svm_core -maxdepth 1 -name '*.c' |
		LC_ALL=C sort | sed 's/\.c$/.o/')
	say "patched: W=1 + sparse on ${#kfd[@]} amdkfd, ${#amdgpu[@]} amdgpu and ${#svm[@]} svm_core objects"
	rm -rf "$STATE/patched"
	glue_build "$STATE/patched" "${kfd[@]}" "${amdgpu[@]}" "${svm[@]}"
	npatched=$(wc -l < "$STATE/patched/warnings")

	# Warnings the series adds: the multiset difference.
	new=$("${PY[@]}" new-warnings "$base/warnings" "$STATE/patched/warnings")
	if [ -n "$new" ]; then
		printf '  %s\n' "${new//$'\n'/$'\n'  }"
		echo "as built (with line numbers): $STATE/patched/build.log"
		die "the series adds $(echo "$new" | wc -l) W=1/sparse warning(s) over the pristine tree (above)"
	fi
	say "W=1 + sparse: no new warning ($nbase in the pristine build, $npatched with the series)"

	modpost_check
	kunit_only_check

	# The glue's Kconfig must select SVM_CORE by itself, not only through
	# the KUnit tests glue.config enables too.
	if g diff --quiet "$BASE" "$BRANCH" -- "$KFD/Kconfig"; then
		say "SVM_CORE selection: skipped, no patch of the series touches $KFD/Kconfig yet"
	else
		cfg=$WORK/no-tests.config
		grep -v -E '^CONFIG_(SVM_CORE|KUNIT)' "$GBUILD/.config" > "$cfg"
		echo "# CONFIG_KUNIT is not set" >> "$cfg"
		kmake -s KCONFIG_CONFIG="$cfg" olddefconfig > "$WORK/config.log" 2>&1 ||
			{ cat "$WORK/config.log"; die "olddefconfig without KUnit failed"; }
		grep -qx 'CONFIG_HSA_AMD_SVM=y' "$cfg" ||
			die "CONFIG_HSA_AMD_SVM is not y without KUnit: the series' $KFD/Kconfig breaks it"
		grep -qx 'CONFIG_SVM_CORE=y' "$cfg" ||
			die "CONFIG_SVM_CORE is not y with CONFIG_HSA_AMD_SVM=y and no KUnit test selecting it: HSA_AMD_SVM must select SVM_CORE"
		say "SVM_CORE selection: CONFIG_HSA_AMD_SVM=y selects CONFIG_SVM_CORE=y (KUnit off)"
		# The core itself without KUnit, where VISIBLE_IF_KUNIT means
		# static: every test configuration has KUnit, so only this
		# build sees what that breaks (a directory of its own, so that
		# the glue build directory keeps its configuration).
		nokunit=$GBUILD-nokunit
		mkdir -p "$nokunit"
		cp "$cfg" "$nokunit/.config"
		if ! make -C "$GTREE" O="$nokunit" ARCH=x86_64 CC="ccache gcc" \
			-j"$(nproc)" -s olddefconfig lib/svm_core/ \
			> "$WORK/nokunit.log" 2>&1; then
			grep -a -E 'error|Error' "$WORK/nokunit.log" >&2 || cat "$WORK/nokunit.log" >&2
			die "lib/svm_core does not build without KUnit (above)"
		fi
		say "lib/svm_core builds without KUnit (CONFIG_KUNIT=n, CONFIG_SVM_CORE=y)"
	fi
	say "amdkfd glue clean: ${#kfd[@]} amdkfd objects, W=1 + sparse against pristine, $( [ "${GLUE_MODPOST:-0}" = 1 ] && echo "modpost on amdgpu.ko" || echo "svm_core exports") in $(elapsed)"
}

case "${1:-}" in
series) cmd_series ;;
glue) cmd_glue ;;
e2e) cmd_e2e ;;
*) die "usage: series.sh series|glue|e2e" ;;
esac
