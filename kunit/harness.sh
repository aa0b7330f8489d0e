#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# svm_core harness: sets up a Linux 6.12 tree, lays the project into it and
# runs kunit.py. Called by the top-level Makefile; every subcommand prints a
# one-line "harness: ..." message and exits non-zero on a problem it can name.
#
#   harness.sh deps              install what the build needs from Debian
#   harness.sh tree              print the kernel tree, unpacking it if needed
#   harness.sh overlay           lay the project's files and hook-ins into it
#   harness.sh kunit NAME ARGS   kunit.py run with the named configuration
#   harness.sh lint              checkpatch --strict and kernel-doc -Wall
#   harness.sh warnings          W=1 and sparse on lib/svm_core, zero warnings
#   harness.sh summary           "N passed, N failed" over the last kunit runs
#
# Environment: KERNEL_SRC (use this tree instead of the cached one),
# SVM_CORE_CACHE (cache folder, default <repo>/.cache), KUNIT_ARGS.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SVM_CORE_CACHE:-$REPO/.cache}
DEB_TARBALL=/usr/src/linux-source-6.12.tar.xz
MANIFEST_NAME=.svm_core_overlay

die() {
	echo "harness: $*" >&2
	exit 1
}

# Files the project lays into a kernel tree, relative to both roots.
overlay_files() {
	(cd "$REPO" && find include/linux/svm_core.h lib/svm_core \
		Documentation/core-api/svm_core.rst \
		-type f ! -name '*.o' ! -name '*~' 2>/dev/null | LC_ALL=C sort)
}

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

check_version() {
	local tree=$1 v p

	[ -f "$tree/Makefile" ] && [ -f "$tree/tools/testing/kunit/kunit.py" ] ||
		die "$tree is not a Linux source tree (no Makefile or kunit.py)"
	v=$(sed -n 's/^VERSION = //p' "$tree/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$tree/Makefile")
	[ "$v.$p" = "6.12" ] ||
		die "$tree is Linux $v.$p, svm_core targets 6.12: point KERNEL_SRC at a 6.12 tree"
}

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

# Apply each hook-in patch once. A patch that neither applies nor is already
# applied means the tree is not one we know how to hook into.
apply_patches() {
	local tree=$1 p

	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		if patch -d "$tree" -p1 -R --dry-run -s -f < "$REPO/kunit/patches/$p" >/dev/null 2>&1; then
			continue
		fi
		patch -d "$tree" -p1 --dry-run -s -f < "$REPO/kunit/patches/$p" >/dev/null 2>&1 ||
			die "kunit/patches/$p does not apply to $tree (Linux $(make -s -C "$tree" kernelversion 2>/dev/null)); the tree is not 6.12-compatible or was edited there"
		patch -d "$tree" -p1 -s -f --no-backup-if-mismatch < "$REPO/kunit/patches/$p" >/dev/null
	done < "$REPO/kunit/patches/series"
}

cmd_overlay() {
	local tree manifest f sum recorded

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
	x86_64-e2e)
		# Device-private memory needs a real architecture: QEMU.
		cfg=(--kunitconfig="$REPO/lib/svm_core/tests/e2e.kunitconfig"
		     --arch=x86_64 --qemu_args="-m 1024") ;;
	*) die "unknown kunit configuration '$name' (uml, uml-kasan, x86_64-e2e)" ;;
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
# file) in the build directories "kunit uml" and "kunit x86_64-e2e" made
# (the e2e suite only builds on x86_64). Any warning in a project file
# fails; the tree's own warnings are not ours to judge.
cmd_warnings() {
	local tree log=$CACHE/warnings.log build arch n=0 dirs=0 suffix=""
	local -a ours

	tree=$(cmd_overlay | tail -n 1)
	[ -z "${KERNEL_SRC:-}" ] ||
		suffix=-$(echo "$tree" | sha1sum | cut -c1-8)
	: > "$log"
	for pair in um:uml x86_64:x86_64-e2e; do
		arch=${pair%%:*}
		build=$CACHE/build-${pair#*:}$suffix
		[ -f "$build/.config" ] || continue
		dirs=$((dirs + 1))
		make -s -C "$tree" ARCH="$arch" O="$build" CC="ccache gcc" W=1 C=2 \
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
	for f in "$CACHE"/harness-test.log "$CACHE"/userspace.log; do
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

cmd_lint() {
	local tree rc=0 out p
	local -a src docs patches

	# checkpatch runs inside the tree, on the copies the overlay laid there,
	# so that it knows the tree (MAINTAINERS, spelling, Kconfig checks).
	tree=$(cmd_overlay | tail -n 1)
	mapfile -t src < <(overlay_files | grep -E '\.[ch]$')
	mapfile -t docs < <(overlay_files | grep -E '\.[ch]$')
	mapfile -t patches < <(grep -v -e '^#' -e '^$' "$REPO/kunit/patches/series")
	# The user-space tools are not laid into the tree: check them in place.
	while read -r p; do
		src+=("$REPO/$p")
	done < <(cd "$REPO" && git ls-files -co --exclude-standard -- \
		'tools/*.c' 'tools/*.h' | LC_ALL=C sort)
	cd "$tree"
	out=$(scripts/checkpatch.pl --strict --quiet --show-types -f "${src[@]}" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	for p in "${patches[@]}"; do
		out=$(scripts/checkpatch.pl --strict --quiet --show-types \
			"$REPO/kunit/patches/$p" 2>&1) || rc=1
		[ -z "$out" ] || { echo "kunit/patches/$p:"; echo "$out"; rc=1; }
	done
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
