#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The upstream series of patches/series as commits on a git tree of Debian's
# 6.12 source, checked the way a maintainer receiving it would, and the
# amdkfd glue compiled against the tree without it.
#
#   series.sh series   build the "series" branch, git format-patch it with a
#                      cover letter into $CACHE/series/, checkpatch --strict
#                      every patch, compile what each commit touches
#   series.sh glue     amdkfd (and the amdgpu files that include its
#                      headers) with W=1 and sparse, with and without the
#                      series: no new warning; ld -r of the patched amdkfd
#                      objects, every new undefined symbol exported
#
# Tree: $CACHE/glue/linux-source-6.12, a git repository whose tag "pristine"
# is the unpacked tarball. Build directory: $CACHE/build-glue, x86_64_defconfig
# plus kunit/configs/glue.config. Environment: SVM_CORE_CACHE.

set -euo pipefail

PROG=series
# shellcheck source=kunit/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GTREE=$CACHE/glue/linux-source-6.12
GBUILD=$CACHE/build-glue
GLUE_CONFIG=$REPO/kunit/configs/glue.config
# kunit.py's x86_64 runs (QEMU): a worktree of the series tree checked out
# at the commit under test, and one build directory for every commit.
KTREE=$CACHE/glue/kunit-tree
KBUILD=$CACHE/build-x86_64-e2e
AMD=drivers/gpu/drm/amd
KFD=$AMD/amdkfd
KFD_TESTS=$KFD/tests
# amdkfd is built as part of amdgpu.ko, through the amdgpu directory.
KFD_VIA=$AMD/amdgpu/../amdkfd
# The pristine commit records Debian's tarball, not anybody's work: it is
# never posted, and its fixed identity and date make it the same commit on
# every machine. The series' commits carry the generating user's identity.
PRISTINE_IDENT_NAME="Debian linux-source-6.12"
PRISTINE_IDENT_EMAIL=linux-source-6.12@packages.debian.org
# Bump when the baseline's format changes: old baselines are then unused.
BASELINE_FORMAT=3

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

# The identity the series is written under: whoever generates it, as git
# format-patch and b4 do. Sets NAME and EMAIL; refuses to go on without one.
series_identity() {
	NAME=$(git -C "$REPO" config user.name || true)
	EMAIL=$(git -C "$REPO" config user.email || true)
	[ -n "$NAME" ] && [ -n "$EMAIL" ] ||
		die "the series carries the identity of whoever generates it (author, Signed-off-by, MAINTAINERS): set git config user.name and user.email first"
}

# ---------------------------------------------------------------- tree ----

# The series tree: Debian's tarball committed as "pristine" (about a minute).
series_tree() {
	local tmp v

	if ! g rev-parse -q --verify refs/tags/pristine > /dev/null 2>&1; then
		[ -f "$DEB_TARBALL" ] ||
			die "$DEB_TARBALL missing: run make deps (apt-get install linux-source-6.12)"
		mkdir -p "$CACHE/glue"
		tmp=$(mktemp -d "$CACHE/glue/unpack.XXXXXX")
		say "unpacking $DEB_TARBALL into $GTREE and committing it as tag pristine"
		tar -C "$tmp" -xf "$DEB_TARBALL" ||
			die "cannot unpack $DEB_TARBALL (disk full?)"
		check_version "$tmp/linux-source-6.12"
		v=$(make -s -C "$tmp/linux-source-6.12" kernelversion)
		(
			cd "$tmp/linux-source-6.12"
			git init -q
			git config gc.auto 0
			# Debian's top-level .gitignore ignores everything: -f.
			git add -f -A .
			GIT_AUTHOR_NAME=$PRISTINE_IDENT_NAME \
			GIT_AUTHOR_EMAIL=$PRISTINE_IDENT_EMAIL \
			GIT_COMMITTER_NAME=$PRISTINE_IDENT_NAME \
			GIT_COMMITTER_EMAIL=$PRISTINE_IDENT_EMAIL \
			GIT_AUTHOR_DATE="2024-11-17T00:00:00Z" \
			GIT_COMMITTER_DATE="2024-11-17T00:00:00Z" \
				git commit -q -m "Linux $v (Debian linux-source-6.12)"
			git tag pristine
		) || die "cannot commit the unpacked tree in $tmp"
		rm -rf "$GTREE"
		mv "$tmp/linux-source-6.12" "$GTREE"
		rmdir "$tmp"
	fi
	check_version "$GTREE"
}

# What the series branch is made of: the pristine commit, the series file,
# every patch and every file a line claims. Unchanged, the branch is reused
# as it is, so that file timestamps (and the build directory) stay valid.
series_key() {
	{
		echo "$NAME <$EMAIL>"
		g rev-parse pristine
		cat "$SERIES"
		series_claims | while read -r _ p f; do
			echo "$p $f"
			cat "$REPO/$f"
		done
		series_patches | while read -r p; do cat "$REPO/patches/$p"; done
	} | sha1sum | cut -d' ' -f1
}

# The "series" branch: pristine, then one commit per line of patches/series
# with the project files it claims and the diff of its patch, author, date
# and message from the patch (git mailinfo).
build_series() {
	local key p f info author email date subject n=0
	local -a files

	check_series
	series_identity
	series_tree
	key=$(series_key)
	if [ "$(cat "$GTREE/.git/svm_core_series" 2>/dev/null)" = "$key" ] &&
	   g rev-parse -q --verify refs/heads/series > /dev/null; then
		g checkout -q -f series
		return 0
	fi
	g checkout -q -f -B series pristine
	g clean -q -f -d -x
	rm -f "$GTREE/.git/svm_core_series"
	while read -r p; do
		n=$((n + 1))
		info=$(git mailinfo "$WORK/msg" "$WORK/diff" < "$REPO/patches/$p") ||
			die "patches/$p: git mailinfo cannot read it (not git format-patch output?)"
		author=$(sed -n 's/^Author: //p' <<< "$info")
		email=$(sed -n 's/^Email: //p' <<< "$info")
		date=$(sed -n 's/^Date: //p' <<< "$info")
		subject=$(sed -n 's/^Subject: //p' <<< "$info")
		if [ -z "$author" ] || [ -z "$email" ] || [ -z "$date" ] || [ -z "$subject" ]; then
			die "patches/$p: no From:, Date: or Subject: header (not git format-patch output?)"
		fi
		# The generating user's identity replaces the stored one: as
		# author, in Signed-off-by and in the MAINTAINERS entry the
		# series adds.
		awk -v drop="Signed-off-by: $author <$email>" '$0 != drop' \
			"$WORK/msg" > "$WORK/msg.new"
		git interpret-trailers --if-exists addIfDifferent \
			--trailer "Signed-off-by: $NAME <$EMAIL>" \
			< "$WORK/msg.new" > "$WORK/msg"
		author=$NAME
		email=$EMAIL
		awk -v was="M:	$author <$email>" -v who="M:	$NAME <$EMAIL>" '
			/^diff --git / { m = ($3 == "a/MAINTAINERS") }
			m && /^[+ ]M:\t/ && substr($0, 2) == was {
				print substr($0, 1, 1) who
				next
			}
			{ print }' "$WORK/diff" > "$WORK/diff.new"
		mv "$WORK/diff.new" "$WORK/diff"
		mapfile -t files < <(series_claims | awk -v p="$p" '$2 == p { print $3 }')
		for f in "${files[@]}"; do
			mkdir -p "$(dirname "$GTREE/$f")"
			cp "$REPO/$f" "$GTREE/$f"
		done
		if grep -q '^diff --git ' "$WORK/diff" &&
		   ! g apply --index "$WORK/diff" > "$WORK/apply.log" 2>&1; then
			cat "$WORK/apply.log" >&2
			die "patches/$p does not apply to $GTREE (Linux $(kernel_version "$GTREE")) after the $((n - 1)) commit(s) before it"
		fi
		[ ${#files[@]} -eq 0 ] || g add -f -- "${files[@]}"
		{ echo "$subject"; echo; cat "$WORK/msg"; } > "$WORK/commit"
		GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email \
		GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email \
		GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
			g commit -q --allow-empty --cleanup=whitespace -F "$WORK/commit"
	done < <(series_patches)
	echo "$key" > "$GTREE/.git/svm_core_series"
}

# --------------------------------------------------------------- build ----

# The build directory's configuration: x86_64_defconfig with glue.config
# merged in, made once at the series tip (where every symbol the series adds
# exists) and kept as .config.glue. Before each build, .config.glue is copied
# back and olddefconfig fits it to the checked-out commit: a symbol that
# commit does not have is dropped for that build only.
configure_build() {
	local key sym val bad=""

	key=$( { cat "$GLUE_CONFIG"; g diff pristine series -- '*Kconfig*'; } |
		sha1sum | cut -d' ' -f1)
	if [ -f "$GBUILD/.config.glue" ] &&
	   [ "$(cat "$GBUILD/.config.glue.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	say "configuring $GBUILD: x86_64_defconfig + kunit/configs/glue.config"
	mkdir -p "$GBUILD"
	if ! { kmake -s x86_64_defconfig &&
	       (cd "$GTREE" && scripts/kconfig/merge_config.sh -m -O "$GBUILD" \
			"$GBUILD/.config" "$GLUE_CONFIG") &&
	       kmake -s olddefconfig; } > "$WORK/config.log" 2>&1; then
		cat "$WORK/config.log"
		die "cannot configure $GBUILD"
	fi
	while IFS='=' read -r sym val; do
		grep -qxF "$sym=$val" "$GBUILD/.config" || bad+=" $sym=$val"
	done < <(grep '^CONFIG_' "$GLUE_CONFIG")
	[ -z "$bad" ] || die "kunit/configs/glue.config asks for$bad, which x86_64_defconfig's dependencies do not allow"
	cp "$GBUILD/.config" "$GBUILD/.config.glue"
	echo "$key" > "$GBUILD/.config.glue.key"
}

config_for_checkout() {
	cp "$GBUILD/.config.glue" "$GBUILD/.config"
	kmake -s olddefconfig > "$WORK/config.log" 2>&1 ||
		{ cat "$WORK/config.log"; die "olddefconfig failed at $(g log -1 --format=%s)"; }
}

# Build objects (paths in the build directory) from scratch, after any
# VAR=value arguments for make. Compile
# errors fail; warnings go to stderr. lib/svm_core has no user before the
# glue selects SVM_CORE (and none at all at the first commit), so its
# objects are built with CONFIG_SVM_CORE=y on the command line when the
# configuration leaves it off.
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

# The objects to compile for the files a commit touches: each .c file's
# object (amdkfd's through the amdgpu directory; kfd_svm.o for its KUnit
# suites, which it includes), and kfd_svm.o and
# kfd_migrate.o for any other change under drivers/gpu/drm/amd (headers,
# Kconfig, Makefile).
commit_objects() {
	local f

	for f in $(g diff-tree --no-commit-id --name-only --diff-filter=d -r "$1"); do
		case "$f" in
		# The amdkfd suites are #included by kfd_svm.c.
		$KFD_TESTS/*) echo "$KFD_VIA/kfd_svm.o" ;;
		$KFD/*.c) echo "$KFD_VIA/$(basename "${f%.c}").o" ;;
		*.c) echo "${f%.c}.o" ;;
		$AMD/*)
			echo "$KFD_VIA/kfd_svm.o"
			echo "$KFD_VIA/kfd_migrate.o" ;;
		esac
	done | awk '!seen[$0]++'
}

# Check out every commit of the series and compile what it touched.
bisect_check() {
	local c i=0 n subject
	local -a objs

	n=$(g rev-list --count pristine..series)
	for c in $(g rev-list --reverse pristine..series); do
		i=$((i + 1))
		subject=$(g log -1 --format=%s "$c")
		mapfile -t objs < <(commit_objects "$c")
		if [ ${#objs[@]} -eq 0 ]; then
			say "[$i/$n] $subject: no C file touched, nothing to compile"
			continue
		fi
		g checkout -q -f "$c"
		config_for_checkout
		if ! build_objects "${objs[@]}" > "$WORK/build.log" 2>&1; then
			cat "$WORK/build.log"
			g checkout -q -f series
			die "commit $i/$n \"$subject\" does not compile (above)"
		fi
		say "[$i/$n] $subject: ${#objs[@]} object(s) compiled"
	done
	g checkout -q -f series
	config_for_checkout
}

# --------------------------------------------------------------- kunit ----

# The worktree kunit.py builds in, at commit $1 of the series tree. Only
# files that differ are rewritten, so the build directory stays valid.
kunit_checkout() {
	if ! git -C "$KTREE" rev-parse -q --verify HEAD > /dev/null 2>&1; then
		rm -rf "$KTREE"
		g worktree prune
		g worktree add -q --detach "$KTREE" "$1" ||
			die "cannot add the worktree $KTREE"
	fi
	git -C "$KTREE" checkout -q -f --detach "$1"
	git -C "$KTREE" clean -q -f -d -x
}

# kunit.py run in QEMU at commit $1: svm_core's device-private suite and,
# from the commit that adds them on, amdkfd's suites with amdgpu built in,
# in one kernel. kunit.py's output goes to $2 and stdout; the kernel's whole
# log must hold no lockdep report, WARNING or BUG, which is recorded as one
# more check in $CACHE/klog-<name of $2>. Further arguments go to kunit.py
# (a filter glob, --kernel_args ...). Returns non-zero if anything failed.
kunit_x86() {
	local commit=$1 log=$2 rc=0 bad klog
	shift 2
	local -a cfg=(--kunitconfig=lib/svm_core/tests/e2e.kunitconfig)

	klog=$CACHE/klog-$(basename "$log")
	rm -f "$klog" "$KBUILD/test.log"
	kunit_checkout "$commit"
	[ -f "$KTREE/$KFD_TESTS/.kunitconfig" ] && cfg+=(--kunitconfig="$KFD_TESTS")
	mkdir -p "$KBUILD"
	(cd "$KTREE" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--qemu_args="-m 1024" "${cfg[@]}" --build_dir="$KBUILD" \
		--jobs="$(nproc)" --make_options CC="ccache gcc" "$@") 2>&1 |
		tee "$log" || rc=1
	[ -f "$KBUILD/test.log" ] || { echo "kernel log: 0 passed, 1 failed (no log)" > "$klog"; return 1; }
	bad=$(grep -a -E 'possible recursive locking|circular locking|WARNING:|BUG:|general protection fault|Kernel panic' \
		"$KBUILD/test.log" | head -n 5 || true)
	if [ -n "$bad" ]; then
		echo "$bad"
		echo "kernel log: 0 passed, 1 failed (lockdep, WARNING or BUG above; whole log: $KBUILD/test.log)" | tee "$klog"
		return 1
	fi
	echo "kernel log: 1 passed, 0 failed (no lockdep report, WARNING or BUG)" | tee "$klog"
	return $rc
}

# "N passed, M failed" from kunit.py's closing line in log $1.
kunit_counts() {
	local line p t

	line=$(grep -a 'Testing complete\. Ran' "$1" | tail -n 1 | sed -e 's/\x1b\[[0-9;]*m//g')
	t=$(sed -n 's/.*Ran \([0-9]*\) tests.*/\1/p' <<< "$line")
	p=$(sed -n 's/.*passed: \([0-9]*\).*/\1/p' <<< "$line")
	echo "${p:-0} passed, $((${t:-0} - ${p:-0})) failed"
}

# The amdkfd suites at the commit that adds them (pristine 6.12 amdkfd)
# and at the series tip: the glue is a refactor proven by the same tests.
series_kunit() {
	local c tests rc=0 i=0

	tests=$(g log --reverse --format=%H --diff-filter=A pristine..series -- \
		"$KFD_TESTS/.kunitconfig" | head -n 1)
	[ -n "$tests" ] || { say "no commit adds $KFD_TESTS: amdkfd suites not run"; return 0; }
	for c in "$tests" "$(g rev-parse series)"; do
		i=$((i + 1))
		if ! kunit_x86 "$c" "$CACHE/kunit-series-$i.log" 'amdkfd_svm*' > "$WORK/kunit.out" 2>&1; then
			rc=1
			grep -a -E 'FAILED|not ok|# .*: (EXPECTATION|ASSERTION)|kernel log|Error|error:' "$WORK/kunit.out" | head -n 40
		fi
		say "kunit $(g log -1 --format=%s "$c"): $(kunit_counts "$CACHE/kunit-series-$i.log")$( [ -f "$CACHE/klog-kunit-series-$i.log" ] && sed -n 's/^kernel log: 1 passed.*/, kernel log clean/p; s/^kernel log: 0 passed.*/, kernel log NOT clean/p' "$CACHE/klog-kunit-series-$i.log")"
	done
	return $rc
}

cmd_e2e() {
	PROG=e2e
	build_series
	# shellcheck disable=SC2086 # KUNIT_ARGS is a list of arguments
	kunit_x86 series "$CACHE/kunit-x86_64-e2e.log" ${KUNIT_ARGS:-}
}

# -------------------------------------------------------------- series ----

# The patches git format-patch wrote, without the cover letter.
out_patches() {
	local p

	for p in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] || echo "$p"
	done
}

# Fill the cover letter git format-patch left: subject and motivation from
# patches/cover-letter.txt, then the sizes, the amdkfd delta, the last KUnit
# results and the maintainers.
cover_letter() {
	local out=$1 cover=$1/0000-cover-letter.patch c log line add=0 del=0 a d
	local -a patches

	mapfile -t patches < <(out_patches "$out")
	{
		sed -n '3,$p' "$REPO/patches/cover-letter.txt"
		echo
		echo "Size (git diff --shortstat):"
		for c in $(g rev-list --reverse pristine..series); do
			echo "  $(g log -1 --format=%s "$c")"
			echo "   $(g diff --shortstat "$c^" "$c")"
		done
		echo "  whole series"
		echo "   $(g diff --shortstat pristine series)"
		echo
		while read -r a d _; do
			[ "$a" = - ] || { add=$((add + a)); del=$((del + d)); }
		done < <(g diff --numstat pristine series -- "$AMD/")
		echo "amdkfd delta (lines under $AMD/): +$add -$del, net $((add - del))"
		echo
		echo "KUnit (the last runs of this machine's harness):"
		for c in uml uml-kasan x86_64-e2e; do
			log=$CACHE/kunit-$c.log
			line=""
			[ -f "$log" ] && line=$(grep -a 'Testing complete\. Ran' "$log" |
				tail -n 1 | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/.*Testing complete\. //')
			if [ -n "$line" ]; then
				echo "  $c: $line ($(date -u -r "$log" '+%Y-%m-%d %H:%M UTC'))"
			else
				echo "  $c: not run"
			fi
		done
		echo
		echo "Maintainers (scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats):"
		(cd "$GTREE" && scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats "${patches[@]}") | sed 's/^/  /'
	} > "$WORK/blurb"
	SUBJECT=$(head -n 1 "$REPO/patches/cover-letter.txt") BLURB=$WORK/blurb awk '
		/^\*\*\* BLURB HERE \*\*\*$/ {
			while ((getline l < ENVIRON["BLURB"]) > 0)
				print l
			next
		}
		{ sub(/\*\*\* SUBJECT HERE \*\*\*/, ENVIRON["SUBJECT"]); print }
	' "$cover" > "$WORK/cover" && mv "$WORK/cover" "$cover"
}

cmd_series() {
	local out=$CACHE/series p rc=0 n res
	local -a patches

	[ -f "$REPO/patches/cover-letter.txt" ] || die "patches/cover-letter.txt is missing"
	build_series
	n=$(g rev-list --count pristine..series)
	rm -rf "$out"
	# The cover letter is from the series' first author, dated as its last
	# commit: the same series gives the same files.
	GIT_COMMITTER_NAME=$(g log -1 --format=%an "$(g rev-list --reverse pristine..series | head -n 1)") \
	GIT_COMMITTER_EMAIL=$(g log -1 --format=%ae "$(g rev-list --reverse pristine..series | head -n 1)") \
	GIT_COMMITTER_DATE=$(g log -1 --format=%aD series) \
		g format-patch -q --cover-letter --zero-commit --no-signature \
		-O "$GTREE/scripts/git.orderFile" -o "$out" pristine..series
	cover_letter "$out"
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
	say "$n commits on $(g rev-parse --short pristine) (Linux $(kernel_version "$GTREE")): format-patch, checkpatch --strict and per-commit compile and amdkfd suites clean in $(elapsed)"
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

# Warnings and errors of a build log as "file: message", without the
# tree's path, line and column, one per line, sorted.
normalise() {
	grep -a -E ':[0-9]+:([0-9]+:)? (warning|error): |:[0-9]+:([0-9]+:)?    (expected|got) ' "$1" |
		sed -E -e "s|$GTREE/||g" -e "s|$GBUILD/||g" -e 's|^\./||' \
		    -e ':a' -e 's|[^/ ]+/\.\./||' -e 'ta' \
		    -e 's/:[0-9]+:([0-9]+:)? /: /' |
		LC_ALL=C sort
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
# Collects the warnings in $1/warnings and amdkfd's undefined symbols in
# $1/undefined.
glue_build() {
	local dir=$1 kfdn=$2
	shift 2
	local -a objs=("$@")

	mkdir -p "$dir"
	printf '%s\n' "${objs[@]}" > "$dir/objects"
	# x86_64_defconfig sets CONFIG_WERROR: W=1 warnings are compared with
	# the baseline here, not fatal (-Wno-error, also for the sparse pass so
	# that it finds the objects up to date).
	if ! build_objects W=1 KCFLAGS=-Wno-error "${objs[@]}" 2> "$dir/compile.log"; then
		grep -a -E 'error|Error' "$dir/compile.log" >&2 || cat "$dir/compile.log" >&2
		die "W=1 build at $(g log -1 --format=%s) failed (above)"
	fi
	kmake -s -k W=1 KCFLAGS=-Wno-error C=2 CF="-D'_Static_assert(...)='" "${objs[@]}" \
		> /dev/null 2> "$dir/sparse.log" || true
	cat "$dir/compile.log" "$dir/sparse.log" > "$dir/build.log"
	normalise "$dir/build.log" > "$dir/warnings"
	(cd "$GBUILD" && ld -m elf_x86_64 -r -o "$WORK/kfd-linked.o" \
		"${objs[@]:0:$kfdn}") > "$dir/ld.log" 2>&1 || {
		cat "$dir/ld.log" >&2
		die "ld -r of the $kfdn amdkfd objects at $(g log -1 --format=%s) failed (above)"
	}
	nm -u "$WORK/kfd-linked.o" | awk '{ print $2 }' | LC_ALL=C sort -u > "$dir/undefined"
}

cmd_glue() {
	local base key cfg new nbase npatched sym where svm_exports tree_exports
	local -a kfd amdgpu svm unresolved=()

	PROG=glue
	build_series
	configure_build
	amdgpu=("$AMD/amdgpu/amdgpu_amdkfd_fence.o" "$AMD/amdgpu/amdgpu_amdkfd_gpuvm.o"
		"$AMD/amdgpu/amdgpu_vm.o")

	# Baseline: the pristine tree, cached by what decides its warnings.
	g checkout -q -f pristine
	config_for_checkout
	key=$( { g rev-parse pristine; cat "$GBUILD/.config"; gcc --version | head -n 1
		 sparse --version; echo "$BASELINE_FORMAT"; } | sha1sum | cut -c1-16)
	base=$CACHE/glue/baseline-$key
	if [ -f "$base/undefined" ]; then
		say "baseline: cached ($base)"
	else
		mapfile -t kfd < <(kfd_objects)
		[ ${#kfd[@]} -gt 0 ] || die "no amdkfd object in the pristine configuration: is CONFIG_HSA_AMD set?"
		say "baseline: W=1 + sparse on ${#kfd[@]} amdkfd and ${#amdgpu[@]} amdgpu objects, pristine"
		# One baseline at a time: older keys are for another tree or config.
		rm -rf "$CACHE"/glue/baseline-*
		glue_build "$base.tmp" ${#kfd[@]} "${kfd[@]}" "${amdgpu[@]}"
		rm -rf "$base"
		mv "$base.tmp" "$base"
	fi
	nbase=$(wc -l < "$base/warnings")

	# Patched: the series tip, with svm_core.
	g checkout -q -f series
	config_for_checkout
	mapfile -t kfd < <(kfd_objects)
	mapfile -t svm < <(cd "$GTREE" && find lib/svm_core -maxdepth 1 -name '*.c' |
		LC_ALL=C sort | sed 's/\.c$/.o/')
	say "patched: W=1 + sparse on ${#kfd[@]} amdkfd, ${#amdgpu[@]} amdgpu and ${#svm[@]} svm_core objects"
	rm -rf "$CACHE/glue/patched"
	glue_build "$CACHE/glue/patched" ${#kfd[@]} "${kfd[@]}" "${amdgpu[@]}" "${svm[@]}"
	npatched=$(wc -l < "$CACHE/glue/patched/warnings")

	# Warnings the series adds: the multiset difference.
	new=$(awk 'NR == FNR { n[$0]++; next } n[$0] > 0 { n[$0]--; next } { print }' \
		"$base/warnings" "$CACHE/glue/patched/warnings")
	if [ -n "$new" ]; then
		printf '  %s\n' "${new//$'\n'/$'\n'  }"
		echo "as built (with line numbers): $CACHE/glue/patched/build.log"
		die "the series adds $(echo "$new" | wc -l) W=1/sparse warning(s) over the pristine tree (above)"
	fi
	say "W=1 + sparse: no new warning ($nbase in the pristine build, $npatched with the series)"

	# Undefined symbols the series adds must be exported to amdgpu.ko.
	# EXPORT_SYMBOL_IF_KUNIT() exports only to KUnit tests, and only in a
	# KUnit build: not to amdgpu.ko.
	svm_exports=$(cd "$GBUILD" && nm "${svm[@]}" 2>/dev/null |
		sed -n -E 's/.* (__ksymtab|__export_symbol)_(.*)$/\2/p' | LC_ALL=C sort -u |
		{ grep -vxF -f <(g grep -h -o -E 'EXPORT_SYMBOL_IF_KUNIT\([A-Za-z0-9_]+' -- lib/svm_core |
			sed 's/.*(//'; echo '(none)') || true; })
	tree_exports=$(g grep -h -o -E '\bEXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\([[:space:]]*[A-Za-z0-9_]+' \
		-- '*.c' '*.S' '*.h' | sed 's/.*(//; s/[[:space:]]//g' | LC_ALL=C sort -u)
	new=$(LC_ALL=C comm -23 "$CACHE/glue/patched/undefined" "$base/undefined")
	for sym in $new; do
		if grep -qxF "$sym" <<< "$svm_exports"; then
			where="svm_core"
		elif grep -qxF "$sym" <<< "$tree_exports"; then
			where="the kernel"
		elif [[ "$sym" =~ ^__x86_indirect_(call_|jump_)?thunk_r[a-z0-9]+$ ]]; then
			# arch/x86/lib/retpoline.S exports these through a
			# GEN(reg) macro that a regex cannot expand.
			where="the kernel (retpoline thunk)"
		elif where=$(g grep -E "^[a-z].*[ *]$sym\(" -- "$AMD/*.c" |
				grep -v -E -e "^$KFD/" -e '^[^:]*:(static|extern) ' -e ';$' |
				head -n 1 | cut -d: -f1) && [ -n "$where" ]; then
			# amdkfd is linked into amdgpu.ko: amdgpu's own non-static
			# functions need no export.
			where="amdgpu.ko ($where)"
		else
			unresolved+=("$sym")
			continue
		fi
		say "  new undefined symbol $sym: exported by $where"
	done
	[ ${#unresolved[@]} -eq 0 ] ||
		die "amdkfd with the series needs symbols nothing exports to amdgpu.ko: ${unresolved[*]}"
	say "link: ld -r of ${#kfd[@]} amdkfd objects clean, $(echo "$new" | grep -c . || true) new undefined symbol(s), all exported"

	# The glue's Kconfig must select SVM_CORE by itself, not only through
	# the KUnit tests glue.config enables too.
	if g diff --quiet pristine series -- "$KFD/Kconfig"; then
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
	fi
	say "amdkfd glue clean: ${#kfd[@]} amdkfd objects, W=1 + sparse against pristine, link and exports checked in $(elapsed)"
}

case "${1:-}" in
series) cmd_series ;;
glue) cmd_glue ;;
e2e) cmd_e2e ;;
*) die "usage: series.sh series|glue|e2e" ;;
esac
