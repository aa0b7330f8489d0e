#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# svm_core harness: sets up a Linux 6.12 tree, lays the project into it and
# runs kunit.py. Called by the top-level Makefile; every subcommand prints a
# one-line "harness: ..." message and exits non-zero on a problem it can name.
#
#   harness.sh deps              install what the build needs from Debian
#   harness.sh tree              print the kernel tree, unpacking it if needed
#   harness.sh overlay           lay the project's files and apply the patches
#                                of patches/series
#   harness.sh kunit NAME ARGS   kunit.py run with the named configuration
#   harness.sh lint              checkpatch --strict (files and patches/) and
#                                kernel-doc -Wall
#   harness.sh warnings          W=1 and sparse on lib/svm_core, zero warnings
#   harness.sh summary           "N passed, N failed" over the last kunit runs
#
# Environment: KERNEL_SRC (use this tree instead of the cached one),
# SVM_CORE_CACHE (cache folder, default <repo>/.cache), KUNIT_ARGS.

set -euo pipefail

PROG=harness
# shellcheck source=kunit/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MANIFEST_NAME=.svm_core_overlay
# The patches the overlay applied, and a copy of each as applied.
PATCH_STATE=.svm_core_patches

# ---------------------------------------------------------------- deps ----

need_pkgs() {
	local -a missing=()
	local cmd pkg

	for pair in flex:flex bison:bison bc:bc gcc:gcc make:make perl:perl \
		    python3:python3 xz:xz-utils ccache:ccache sparse:sparse \
		    patch:patch cpio:cpio valgrind:valgrind \
		    qemu-system-x86_64:qemu-system-x86; do
		cmd=${pair%%:*}
		pkg=${pair#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done
	# checkpatch validates SPDX tags with scripts/spdxcheck.py in a git
	# tree (make series): it needs ply and GitPython, for Debian's python3.
	/usr/bin/python3 -c 'import ply' 2>/dev/null || missing+=(python3-ply)
	/usr/bin/python3 -c 'import git' 2>/dev/null || missing+=(python3-git)
	[ -f /usr/include/gelf.h ] || missing+=(libelf-dev)
	[ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
	if [ -z "${KERNEL_SRC:-}" ] && [ ! -f "$DEB_TARBALL" ]; then
		missing+=(linux-source-6.12)
	fi
	echo "${missing[@]}"
}

cmd_deps() {
	local missing sudo=""

	missing=$(need_pkgs)
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "missing packages ($missing) and not root: run apt-get install $missing as root"
		sudo="sudo -n"
	fi
	echo "harness: installing from Debian: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! { $sudo apt-get update -qq &&
	       $sudo apt-get install -y -qq --no-install-recommends $missing; } \
		> "$CACHE.apt.log" 2>&1; then
		die "apt-get could not install $missing (no network to Debian's archive?); see $CACHE.apt.log, then run: apt-get install $missing"
	fi
	rm -f "$CACHE.apt.log"
	missing=$(need_pkgs)
	[ -z "$missing" ] || die "still missing after apt-get: $missing"
}

# ---------------------------------------------------------------- tree ----

cmd_tree() {
	local tree tmp

	if [ -n "${KERNEL_SRC:-}" ]; then
		tree=$(cd "$KERNEL_SRC" 2>/dev/null && pwd) ||
			die "KERNEL_SRC=$KERNEL_SRC does not exist"
	else
		tree=$CACHE/linux-source-6.12
		if [ ! -f "$tree/.svm_core_unpacked" ]; then
			[ -f "$DEB_TARBALL" ] || die "$DEB_TARBALL missing: run make deps (apt-get install linux-source-6.12)"
			mkdir -p "$CACHE"
			tmp=$(mktemp -d "$CACHE/unpack.XXXXXX")
			echo "harness: unpacking $DEB_TARBALL into $CACHE" >&2
			tar -C "$tmp" -xf "$DEB_TARBALL" ||
				die "cannot unpack $DEB_TARBALL (disk full?)"
			rm -rf "$tree"
			mv "$tmp/linux-source-6.12" "$tree"
			rmdir "$tmp"
			touch "$tree/.svm_core_unpacked"
		fi
	fi
	check_version "$tree"
	echo "$tree"
}

# ------------------------------------------------------------- overlay ----

# Apply every patch of the series once, in order. What was applied is
# recorded in the tree with a copy of each patch, so that a series edited
# since (a patch changed, added or dropped) is re-applied exactly: the
# recorded patches from the first one that differs are taken out again,
# newest first, and the rest of the series goes in. A patch the record does
# not know is skipped if it is already applied (a tree hooked in by hand);
# one that neither applies nor is applied means the tree is not one we
# know how to hook into.
apply_patches() {
	local tree=$1 state=$1/$PATCH_STATE i n=0 p sum name hint=""
	local -a want_name=() want_sum=() have_name=() have_sum=()

	[ -n "${KERNEL_SRC:-}" ] || hint=" (rm -rf $tree starts from a fresh one)"

	mkdir -p "$state"
	[ -f "$state/applied" ] || : > "$state/applied"
	mapfile -t want_name < <(series_patches)
	for name in "${want_name[@]}"; do
		want_sum+=("$(sha1sum < "$REPO/patches/$name" | cut -d' ' -f1)")
	done
	while read -r sum name; do
		have_sum+=("$sum")
		have_name+=("$name")
	done < "$state/applied"
	while [ $n -lt ${#have_sum[@]} ] && [ $n -lt ${#want_sum[@]} ] &&
	      [ "${have_sum[n]}" = "${want_sum[n]}" ]; do
		n=$((n + 1))
	done
	for ((i = ${#have_sum[@]} - 1; i >= n; i--)); do
		p=$state/${have_sum[i]}.patch
		if [ -f "$p" ] && has_diff "$p"; then
			patch -d "$tree" -p1 -R -s -f -F0 --no-backup-if-mismatch \
				< "$p" > /dev/null 2>&1 ||
				die "cannot take out ${have_name[i]} as applied earlier (a changed series): $tree was edited there; restore it or use a fresh tree"
		fi
		rm -f "$p"
		head -n "$i" "$state/applied" > "$state/applied.new"
		mv "$state/applied.new" "$state/applied"
	done
	for ((i = n; i < ${#want_sum[@]}; i++)); do
		name=${want_name[i]}
		p=$REPO/patches/$name
		if has_diff "$p" &&
		   ! patch -d "$tree" -p1 -R --dry-run -s -f -F0 < "$p" > /dev/null 2>&1; then
			patch -d "$tree" -p1 --dry-run -s -f -F0 < "$p" > /dev/null 2>&1 ||
				die "patches/$name does not apply to $tree (Linux $(kernel_version "$tree")) and is not applied there either: the tree is not 6.12-compatible or was edited there$hint"
			patch -d "$tree" -p1 -s -f -F0 --no-backup-if-mismatch \
				< "$p" > /dev/null
		fi
		cp "$p" "$state/${want_sum[i]}.patch"
		echo "${want_sum[i]} $name" >> "$state/applied"
	done
}

cmd_overlay() {
	local tree manifest f sum recorded

	check_series
	tree=$(cmd_tree)
	manifest=$tree/$MANIFEST_NAME
	touch "$manifest"

	# A file we laid down earlier that no longer matches what we wrote was
	# edited in the tree: refuse rather than overwrite someone's work.
	while read -r sum f; do
		[ -n "$f" ] || continue
		if [ -f "$tree/$f" ] && [ "$(sha1sum < "$tree/$f" | cut -d' ' -f1)" != "$sum" ]; then
			die "$tree/$f was edited in the tree since the last overlay: move your change into $REPO/$f, then delete the tree copy"
		fi
	done < "$manifest"

	for f in $(overlay_files); do
		recorded=$(awk -v f="$f" '$2 == f { print $1 }' "$manifest")
		if [ -f "$tree/$f" ] && [ -z "$recorded" ] && ! cmp -s "$REPO/$f" "$tree/$f"; then
			die "$tree/$f exists and is not svm_core's: remove it or use a clean tree"
		fi
	done

	# Copy only what changed, so make's timestamps stay meaningful.
	: > "$manifest.new"
	for f in $(overlay_files); do
		if ! cmp -s "$REPO/$f" "$tree/$f"; then
			mkdir -p "$(dirname "$tree/$f")"
			cp "$REPO/$f" "$tree/$f"
		fi
		echo "$(sha1sum < "$REPO/$f" | cut -d' ' -f1) $f" >> "$manifest.new"
	done
	# Files the project no longer has leave the tree too.
	while read -r sum f; do
		[ -n "$f" ] || continue
		grep -q " $f\$" "$manifest.new" || rm -f "$tree/$f"
	done < "$manifest"
	mv "$manifest.new" "$manifest"

	apply_patches "$tree"
	echo "$tree"
}

# --------------------------------------------------------------- kunit ----

cmd_kunit() {
	local name=$1 tree build
	shift
	local -a cfg=(--kunitconfig="$REPO/.kunitconfig" --arch=um)

	case "$name" in
	uml) ;;
	uml-kasan) cfg+=(--kunitconfig="$REPO/kunit/configs/kasan-ubsan.config") ;;
	*) die "unknown kunit configuration '$name' (uml, uml-kasan; x86_64 is make e2e)" ;;
	esac
	tree=$(cmd_overlay | tail -n 1)
	build=$CACHE/build-$name
	# A maintainer's own tree gets build directories of its own.
	[ -z "${KERNEL_SRC:-}" ] ||
		build=$build-$(echo "$tree" | sha1sum | cut -c1-8)
	mkdir -p "$build"
	cd "$tree"
	# kunit.py's exit status is ours; its result lines are shown as is and
	# kept in $CACHE/kunit-$name.log for "make check"'s summary.
	# shellcheck disable=SC2086
	python3 tools/testing/kunit/kunit.py run "${cfg[@]}" \
		--build_dir="$build" --jobs="$(nproc)" \
		--make_options CC="ccache gcc" "$@" ${KUNIT_ARGS:-} |
		tee "$CACHE/kunit-$name.log"
	return "${PIPESTATUS[0]}"
}

# The core and its tests compiled with W=1 and sparse (C=2 checks every
# file) in the build directories "kunit uml" and "make e2e" made
# (the e2e suite only builds on x86_64). Any warning in a project file
# fails; the tree's own warnings are not ours to judge.
cmd_warnings() {
	local tree log=$CACHE/warnings.log build arch n=0 dirs=0 suffix="" src
	local -a ours

	tree=$(cmd_overlay | tail -n 1)
	[ -z "${KERNEL_SRC:-}" ] ||
		suffix=-$(echo "$tree" | sha1sum | cut -c1-8)
	: > "$log"
	for pair in um:uml x86_64:x86_64-e2e; do
		arch=${pair%%:*}
		build=$CACHE/build-${pair#*:}$suffix
		src=$tree
		# x86_64 is built by make e2e, in the series worktree at its tip.
		if [ "$arch" = x86_64 ]; then
			build=$CACHE/build-${pair#*:}
			src=$CACHE/glue/kunit-tree
		fi
		[ -f "$build/.config" ] || continue
		dirs=$((dirs + 1))
		make -s -C "$src" ARCH="$arch" O="$build" CC="ccache gcc" W=1 C=2 \
			-j"$(nproc)" lib/svm_core/ >> "$log" 2>&1 ||
			{ cat "$log"; die "W=1/sparse build of lib/svm_core ($arch) failed"; }
	done
	[ "$dirs" -gt 0 ] || die "no build directory yet: run make kunit first"
	mapfile -t ours < <(overlay_files | grep -E '\.[ch]$')
	printf '%s:\n' "${ours[@]}" > "$log.pat"
	n=$(grep -F -f "$log.pat" "$log" | grep -c -E 'warning|error' || true)
	if [ "$n" -ne 0 ]; then
		grep -F -f "$log.pat" "$log"
		die "$n W=1/sparse warnings in svm_core files (above)"
	fi
	echo "harness: W=1 and sparse (C=2) clean on ${#ours[@]} svm_core files, $dirs architectures"
}

# One closing line over this check's test runs: "N passed, N failed", from
# kunit.py's result lines and the other runners' own "N passed, N failed".
cmd_summary() {
	local f line p=0 t=0 n

	for f in "$CACHE"/kunit-*.log; do
		[ -f "$f" ] || continue
		line=$(grep -a 'Testing complete. Ran' "$f" | tail -n 1)
		n=$(echo "$line" | sed -n 's/.*Ran \([0-9]*\) tests.*/\1/p')
		t=$((t + ${n:-0}))
		n=$(echo "$line" | sed -n 's/.*passed: \([0-9]*\).*/\1/p')
		p=$((p + ${n:-0}))
	done
	for f in "$CACHE"/harness-test.log "$CACHE"/userspace.log "$CACHE"/klog-*.log; do
		[ -f "$f" ] || continue
		while read -r line; do
			n=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
			[ -n "$n" ] || continue
			p=$((p + ${n% *}))
			t=$((t + ${n% *} + ${n#* }))
		done < "$f"
	done
	echo "check: $p passed, $((t - p)) failed"
	[ "$t" -gt 0 ] && [ "$p" -eq "$t" ]
}

# ---------------------------------------------------------------- lint ----

# A patch of the series with no diff only lays project files: give
# checkpatch the commit it stands for, its message plus those files as new
# files, so that the message is checked too (checkpatch skips the sign-off
# and other message checks of a patch without a diff).
commit_as_patch() {
	local name=$1 f

	cat "$REPO/patches/$name"
	series_claims | awk -v p="$name" '$2 == p { print $3 }' |
		while read -r f; do
			(cd "$REPO" && git diff --no-index -- /dev/null "$f") || true
		done
}

cmd_lint() {
	local tree rc=0 out p tmp=$CACHE/lint.patch
	local -a src docs patches

	# checkpatch runs inside the tree, on the copies the overlay laid there,
	# so that it knows the tree (MAINTAINERS, spelling, Kconfig checks).
	tree=$(cmd_overlay | tail -n 1)
	mapfile -t src < <(overlay_files | grep -E '\.[ch]$')
	mapfile -t docs < <(overlay_files | grep -E '\.[ch]$')
	mapfile -t patches < <(series_patches)
	# The user-space tools are not laid into the tree: check them in place.
	while read -r p; do
		src+=("$REPO/$p")
	done < <(cd "$REPO" && git ls-files -co --exclude-standard -- \
		'tools/*.c' 'tools/*.h' | LC_ALL=C sort)
	cd "$tree"
	out=$(scripts/checkpatch.pl --strict --quiet --show-types -f "${src[@]}" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	for p in "${patches[@]}"; do
		if has_diff "$REPO/patches/$p"; then
			out=$(checkpatch_patch "$tree" "$REPO/patches/$p") || rc=1
		else
			commit_as_patch "$p" > "$tmp"
			out=$(checkpatch_patch "$tree" "$tmp") || rc=1
		fi
		[ -z "$out" ] || { echo "patches/$p:"; echo "$out"; rc=1; }
	done
	rm -f "$tmp"
	out=$(scripts/kernel-doc -none -Wall "${docs[@]}" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	if [ $rc -eq 0 ]; then
		echo "harness: lint clean: checkpatch --strict on ${#src[@]} files and ${#patches[@]} patches, kernel-doc -Wall on ${#docs[@]} files"
	else
		echo "harness: lint found problems (above)" >&2
	fi
	return $rc
}

mkdir -p "$CACHE"
case "${1:-}" in
deps) cmd_deps ;;
tree) cmd_tree ;;
overlay) cmd_overlay ;;
kunit) shift; cmd_kunit "$@" ;;
lint) cmd_lint ;;
summary) cmd_summary ;;
warnings) cmd_warnings ;;
*) die "usage: harness.sh deps|tree|overlay|kunit NAME [ARGS]|lint|warnings|summary" ;;
esac
