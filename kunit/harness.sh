#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# svm_core harness: installs what a target needs, checks the series out in
# a kernel tree and runs kunit.py and the kernel's checkers there. Called by
# the top-level Makefile; every subcommand prints a one-line "harness: ..."
# message and exits non-zero on a problem it can name.
#
#   harness.sh deps TARGET       install what make TARGET needs from Debian
#   harness.sh packages TARGET   list those packages, installed or not
#   harness.sh tree              print the kernel tree: a worktree of the
#                                series branch at its tip (kunit/lib.sh)
#   harness.sh kunit NAME ARGS   kunit.py run with the named configuration
#   harness.sh lint              checkpatch --strict (files and patches/) and
#                                kernel-doc -Wall
#   harness.sh warnings          W=1 and sparse on lib/svm_core, zero warnings
#   harness.sh summary STEPS     "check: N passed, N failed" over make check
#
# Environment: KERNEL_SRC (use this tree instead of the cached one),
# SVM_CORE_CACHE (cache folder, default <repo>/.cache), KUNIT_ARGS.

set -euo pipefail

PROG=harness
# shellcheck source=kunit/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- deps ----

# Debian packages per target, as "command:package" (a command found means
# the package is there) or "@file:package" for a file.
KERNEL_PKGS="flex:flex bison:bison bc:bc gcc:gcc make:make perl:perl
	python3:python3 xz:xz-utils ccache:ccache git:git
	@/usr/include/gelf.h:libelf-dev @/usr/include/openssl/ssl.h:libssl-dev"
# checkpatch validates SPDX tags with scripts/spdxcheck.py in a git tree:
# it needs ply and GitPython, for Debian's python3.
CHECKPATCH_PKGS="py:ply:python3-ply py:git:python3-git"
QEMU_PKGS="qemu-system-x86_64:qemu-system-x86"

target_pkgs() {
	case "$1" in
	test-harness) echo "git:git python3:python3" ;;
	kunit|kunit-kasan|userspace|sim|tree) echo "$KERNEL_PKGS" ;;
	bench) echo "$KERNEL_PKGS valgrind:valgrind" ;;
	lint) echo "$KERNEL_PKGS $CHECKPATCH_PKGS" ;;
	warnings|glue) echo "$KERNEL_PKGS sparse:sparse" ;;
	e2e) echo "$KERNEL_PKGS $QEMU_PKGS" ;;
	series) echo "$KERNEL_PKGS $CHECKPATCH_PKGS $QEMU_PKGS" ;;
	check|all) echo "$KERNEL_PKGS $CHECKPATCH_PKGS $QEMU_PKGS sparse:sparse" ;;
	*) die "deps: unknown target '$1'" ;;
	esac
}

# The packages of target $1 this machine lacks.
missing_pkgs() {
	local pair what pkg
	local -a missing=()

	for pair in $(target_pkgs "$1"); do
		pkg=${pair##*:}
		what=${pair%:*}
		case "$what" in
		@*) [ -f "${what#@}" ] ;;
		py:*) /usr/bin/python3 -c "import ${what#py:}" 2>/dev/null ;;
		*) command -v "$what" >/dev/null 2>&1 ;;
		esac || missing+=("$pkg")
	done
	if [ "$1" != test-harness ] && [ -z "${KERNEL_SRC:-}" ] &&
	   [ ! -f "$DEB_TARBALL" ]; then
		missing+=(linux-source-6.12)
	fi
	echo "${missing[@]}"
}

cmd_deps() {
	local target=${1:-check} missing sudo=""

	missing=$(missing_pkgs "$target")
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "make $target needs $missing: run apt-get install $missing as root"
		sudo="sudo -n"
	fi
	echo "harness: make $target installs from Debian: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! { $sudo apt-get update -qq &&
	       $sudo apt-get install -y -qq --no-install-recommends $missing; } \
		> "$CACHE.apt.log" 2>&1; then
		die "apt-get could not install $missing (no network to Debian's archive?); see $CACHE.apt.log, then run: apt-get install $missing"
	fi
	rm -f "$CACHE.apt.log"
	missing=$(missing_pkgs "$target")
	[ -z "$missing" ] || die "still missing after apt-get: $missing"
}

# ---------------------------------------------------------------- tree ----

cmd_tree() {
	series_checkout
	echo "$KTREE"
}

# ----------------------------------------------------------- writeback ----

# The commits BASE..REV of the worktree "make tree" printed, written back
# into patches/ and the project files (REV: its HEAD, where commits made
# there, git commit --amend and git rebase -i leave them). The files the
# series adds go to their paths in this repository, in their version at
# REV; each patch keeps only its edits of upstream files.
cmd_writeback() {
	local rev=${1:-HEAD} tip

	tree_layout
	git -C "$KTREE" rev-parse -q --verify HEAD > /dev/null 2>&1 ||
		die "no series worktree yet: run make tree first"
	tip=$(git -C "$KTREE" rev-parse -q --verify "$rev^{commit}") ||
		die "$rev is not a commit of $KTREE"
	git -C "$KTREE" merge-base --is-ancestor "$BASE" "$tip" ||
		die "$rev does not descend from the series' base ($BASE)"
	[ -z "$(git -C "$KTREE" status --porcelain --untracked-files=no)" ] ||
		die "$KTREE has changes not committed: commit them (git commit --amend, or a fixup commit and git rebase -i) first"
	"${PY[@]}" writeback "$KTREE" "$BASE" "$tip"
}

# --------------------------------------------------------------- kunit ----

cmd_kunit() {
	local name=$1 build
	shift
	local -a cfg=(--kunitconfig="$REPO/.kunitconfig" --arch=um)

	case "$name" in
	uml) ;;
	uml-kasan) cfg+=(--kunitconfig="$REPO/kunit/configs/kasan-ubsan.config") ;;
	*) die "unknown kunit configuration '$name' (uml, uml-kasan; x86_64 is make e2e)" ;;
	esac
	series_checkout
	build=$CACHE/build-$name$SUFFIX
	mkdir -p "$build"
	cd "$KTREE"
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
# file) in the build directories "make kunit" and "make e2e" made from
# the same worktree (the e2e suite only builds on x86_64). Any warning in a
# project file fails; the tree's own warnings are not ours to judge.
cmd_warnings() {
	local log=$CACHE/warnings.log build arch dirs=0 pair
	local -a ours bad

	series_checkout
	: > "$log"
	for pair in um:uml x86_64:x86_64-e2e; do
		arch=${pair%%:*}
		build=$CACHE/build-${pair#*:}$SUFFIX
		[ -f "$build/.config" ] || continue
		dirs=$((dirs + 1))
		make -s -C "$KTREE" ARCH="$arch" O="$build" CC="ccache gcc" W=1 C=2 \
			-j"$(nproc)" lib/svm_core/ >> "$log" 2>&1 ||
			{ cat "$log"; die "W=1/sparse build of lib/svm_core ($arch) failed"; }
	done
	[ "$dirs" -gt 0 ] || die "no build directory yet: run make kunit first"
	mapfile -t ours < <("${PY[@]}" project-files | grep -E '\.[ch]$')
	mapfile -t bad < <("${PY[@]}" project-warnings "$log")
	if [ ${#bad[@]} -ne 0 ]; then
		printf '%s\n' "${bad[@]}"
		die "${#bad[@]} W=1/sparse warnings in svm_core files (above)"
	fi
	echo "harness: W=1 and sparse (C=2) clean on ${#ours[@]} svm_core files, $dirs architectures"
}

# ---------------------------------------------------------------- lint ----

cmd_lint() {
	local rc=0 out p tmp=$CACHE/lint.patch
	local -a src docs patches

	# checkpatch runs inside the tree, on the files as the series laid
	# them, so that it knows the tree (MAINTAINERS, spelling, Kconfig).
	series_checkout
	mapfile -t src < <("${PY[@]}" project-files | grep -E '\.[ch]$')
	# kernel-doc for the kernel's files; the user-space tools have none.
	mapfile -t docs < <(printf '%s\n' "${src[@]}" | grep -v '^tools/')
	mapfile -t patches < <("${PY[@]}" patches)
	cd "$KTREE"
	# In a git tree checkpatch validates SPDX tags with Debian's python3
	# (python3-ply, python3-git): that one first in PATH.
	out=$(PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --quiet \
		--show-types -f "${src[@]}" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	for p in "${patches[@]}"; do
		# A patch with no diff is checked as the commit it stands for.
		if "${PY[@]}" has-diff "$REPO/patches/$p"; then
			out=$(checkpatch_patch "$KTREE" "$REPO/patches/$p") || rc=1
		else
			"${PY[@]}" commit-as-patch "$p" > "$tmp"
			out=$(checkpatch_patch "$KTREE" "$tmp") || rc=1
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
deps) cmd_deps "${2:-}" ;;
packages) for p in $(target_pkgs "${2:-check}"); do echo "${p##*:}"; done ;;
tree) cmd_tree ;;
writeback) cmd_writeback "${2:-}" ;;
kunit) shift; cmd_kunit "$@" ;;
lint) cmd_lint ;;
warnings) cmd_warnings ;;
summary) "${PY[@]}" summary "$CACHE" "${2:-$CACHE/check-steps}" ;;
*) die "usage: harness.sh deps TARGET|packages TARGET|tree|writeback [REV]|kunit NAME [ARGS]|lint|warnings|summary [STEPS]" ;;
esac
