# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by kunit/harness.sh and kunit/series.sh (sourced, not run): the
# repository and cache paths, and the one way project files reach a kernel
# tree: the series of patches/series applied as git commits on a branch,
# and a worktree of that branch that every kernel build uses.
#
# Trees (variables set by tree_layout):
#
#   cached 6.12   $CACHE/glue/linux-source-6.12: Debian's tarball committed
#                 as tag "pristine"; the series is branch "series"
#   KERNEL_SRC    a git checkout: the series is branch "svm_core-series" on
#                 its HEAD, in worktrees of ours under $CACHE/ksrc-<id>/;
#                 its own branches and working tree are left alone.
#                 Not a git checkout: copied to $CACHE/ksrc-<id>/linux and
#                 committed as "pristine", like Debian's tarball.
#
# The data processing (patches/series, commits, results) is in Python:
# kunit/svm_harness.py and the modules it imports.

# shellcheck disable=SC2034 # used by the scripts that source this file
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SVM_CORE_CACHE:-$REPO/.cache}
case "$CACHE" in /*) ;; *) CACHE=$REPO/$CACHE ;; esac
# shellcheck disable=SC2034
DEB_TARBALL=/usr/src/linux-source-6.12.tar.xz
# ccache hashes paths under the repository relative to it, and not the
# build directory's path: a fresh clone (CI) reuses what an earlier clone on
# this machine compiled. Contents are still hashed, so nothing stale is hit.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
PY=("${PYTHON:-python3}" "$REPO/kunit/svm_harness.py")
# The pristine commit records a tree as unpacked, not anybody's work: it is
# never posted, and its fixed identity and date make it the same commit on
# every machine.
PRISTINE_IDENT_NAME="Debian linux-source-6.12"
PRISTINE_IDENT_EMAIL=linux-source-6.12@packages.debian.org

die() {
	echo "${PROG:-harness}: $*" >&2
	exit 1
}

# Refuse a tree that is not Linux 6.12. stdin: its Makefile's VERSION and
# PATCHLEVEL lines, both as "VERSION = N".
check_makefile() {
	local what=$1 v

	v=$(sed -n 's/^VERSION = //p' | paste -sd. -)
	[ "$v" = "6.12" ] ||
		die "$what is Linux $v, svm_core targets 6.12: point KERNEL_SRC at a 6.12 tree"
}

check_version() {
	local tree=$1

	if [ ! -f "$tree/Makefile" ] || [ ! -f "$tree/tools/testing/kunit/kunit.py" ]; then
		die "$tree is not a Linux source tree (no Makefile or kunit.py)"
	fi
	sed -n -e '/^VERSION = /p' -e 's/^PATCHLEVEL = /VERSION = /p' \
		"$tree/Makefile" | check_makefile "$tree"
}

# The identity the series is written under: whoever generates it, as git
# format-patch and b4 do ("Name <mail>"), or nothing.
series_ident() {
	local name email

	name=$(git -C "$REPO" config user.name || true)
	email=$(git -C "$REPO" config user.email || true)
	[ -z "$name" ] || [ -z "$email" ] || echo "$name <$email>"
}

# Set GTREE (the worktree the series branch is built in), BASE, BRANCH,
# KTREE (the worktree every kernel build uses), STATE (our files for that
# tree) and SUFFIX (of build directories) for the cached tree or KERNEL_SRC.
tree_layout() {
	local src id

	if [ -z "${KERNEL_SRC:-}" ]; then
		STATE=$CACHE/glue
		GTREE=$STATE/linux-source-6.12
		SRC_GIT=""
		SUFFIX=""
	else
		src=$(cd "$KERNEL_SRC" 2>/dev/null && pwd) ||
			die "KERNEL_SRC=$KERNEL_SRC does not exist"
		id=$(echo "$src" | sha1sum | cut -c1-8)
		STATE=$CACHE/ksrc-$id
		SUFFIX=-$id
		if [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$src" ]; then
			SRC_GIT=$src
			GTREE=$STATE/series-tree
		else
			SRC_GIT=""
			GTREE=$STATE/linux
		fi
	fi
	KTREE=$STATE/kunit-tree
	BRANCH=series
	BASE=pristine
	if [ -n "$SRC_GIT" ]; then
		BRANCH=svm_core-series
		BASE=$(git -C "$SRC_GIT" rev-parse --verify -q 'HEAD^{commit}') ||
			die "KERNEL_SRC=$SRC_GIT has no commit checked out"
	fi
}

# Commit the tree in $1 as tag pristine (about a minute for Linux).
commit_pristine() {
	(
		cd "$1" || exit 1
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
			git commit -q -m "Linux $2"
		git tag pristine
	) || die "cannot commit the unpacked tree in $1"
}

# The git tree the series is built in, made once: Debian's tarball or a
# plain KERNEL_SRC committed as pristine, or a worktree of a git KERNEL_SRC.
prepare_tree() {
	local tmp

	if [ -n "$SRC_GIT" ]; then
		git -C "$SRC_GIT" show "$BASE:Makefile" 2>/dev/null |
			sed -n -e '/^VERSION = /p' -e 's/^PATCHLEVEL = /VERSION = /p' |
			check_makefile "KERNEL_SRC=$SRC_GIT (HEAD)"
		git -C "$SRC_GIT" cat-file -e "$BASE:tools/testing/kunit/kunit.py" 2>/dev/null ||
			die "KERNEL_SRC=$SRC_GIT is not a Linux source tree (no kunit.py)"
		if ! git -C "$GTREE" rev-parse -q --verify HEAD > /dev/null 2>&1; then
			rm -rf "$GTREE"
			mkdir -p "$STATE"
			# -f: our path may still be registered after it was
			# removed; prune would touch the maintainer's worktrees.
			git -C "$SRC_GIT" worktree add -q -f --detach "$GTREE" "$BASE" ||
				die "cannot add a worktree of $SRC_GIT at $GTREE"
		fi
		return 0
	fi
	git -C "$GTREE" rev-parse -q --verify refs/tags/pristine > /dev/null 2>&1 &&
		return 0
	[ -z "${KERNEL_SRC:-}" ] || check_version "$KERNEL_SRC"
	mkdir -p "$STATE"
	tmp=$(mktemp -d "$STATE/unpack.XXXXXX")
	if [ -n "${KERNEL_SRC:-}" ]; then
		echo "harness: copying $KERNEL_SRC into $GTREE and committing it as tag pristine" >&2
		mkdir "$tmp/linux"
		tar -C "$KERNEL_SRC" -cf - . | tar -C "$tmp/linux" -xf - ||
			die "cannot copy $KERNEL_SRC (disk full?)"
	else
		[ -f "$DEB_TARBALL" ] ||
			die "$DEB_TARBALL missing: run make deps (apt-get install linux-source-6.12)"
		echo "harness: unpacking $DEB_TARBALL into $GTREE and committing it as tag pristine" >&2
		tar -C "$tmp" -xf "$DEB_TARBALL" ||
			die "cannot unpack $DEB_TARBALL (disk full?)"
		mv "$tmp/linux-source-6.12" "$tmp/linux"
	fi
	check_version "$tmp/linux"
	commit_pristine "$tmp/linux" "$(sed -n -e 's/^VERSION = //p' \
		-e 's/^PATCHLEVEL = //p' -e 's/^SUBLEVEL = //p' "$tmp/linux/Makefile" |
		paste -sd. -) (${KERNEL_SRC:-Debian linux-source-6.12})"
	rm -rf "$GTREE"
	mv "$tmp/linux" "$GTREE"
	rmdir "$tmp"
}

# The series branch: BASE plus one commit per line of patches/series
# (kunit/svm_series.py). Unchanged, it is reused as it is. It is written
# under SERIES_IDENT if set, otherwise under the user's identity if any.
build_series() {
	local ident=${SERIES_IDENT-$(series_ident)}

	"${PY[@]}" check || exit 1
	tree_layout
	prepare_tree
	"${PY[@]}" apply "$GTREE" "$BASE" "$BRANCH" "$STATE/series.key" "$ident" >&2 ||
		exit 1
}

# The worktree every kernel build uses, at commit $1 of the series tree.
# Only files that differ are rewritten, so build directories stay valid.
kunit_checkout() {
	if ! git -C "$KTREE" rev-parse -q --verify HEAD > /dev/null 2>&1; then
		rm -rf "$KTREE"
		git -C "$GTREE" worktree add -q -f --detach "$KTREE" "$1" ||
			die "cannot add the worktree $KTREE"
	fi
	git -C "$KTREE" checkout -q -f --detach "$1"
	git -C "$KTREE" clean -q -f -d -x
}

# The series built and checked out in the kernel-build worktree at its tip.
series_checkout() {
	build_series
	kunit_checkout "$BRANCH"
}

# checkpatch --strict on one patch, run inside a kernel tree. checkpatch
# asks "does MAINTAINERS need updating?" for any patch that adds, moves or
# deletes a file without touching MAINTAINERS; the series adds files under
# an entry an earlier commit created, so the question is answered here
# instead: every added file must fall under a MAINTAINERS section other
# than THE REST, and no F: line may name a deleted file. The 6.12 tree is
# Debian's source, without git history: checkpatch cannot look up the
# commit a Fixes: tag names (UNKNOWN_COMMIT_ID), which was checked against
# the upstream history by whoever wrote the tag. Prints the problems;
# returns non-zero if there are any.
checkpatch_patch() {
	local tree=$1 patch=$2 out rc=0 f
	local -a added deleted

	# Debian's python3 first: scripts/spdxcheck.py needs the modules its
	# packages installed, not those of another python3 in PATH.
	out=$(cd "$tree" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict \
		--quiet --show-types --ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$patch" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	mapfile -t added < <("${PY[@]}" patch-paths added "$patch")
	mapfile -t deleted < <("${PY[@]}" patch-paths deleted "$patch")
	for f in "${deleted[@]}"; do
		if grep -qxF "F:	$f" "$tree/MAINTAINERS"; then
			echo "FILE_PATH_CHANGES: $f is deleted but MAINTAINERS still lists it"
			rc=1
		fi
	done
	[ ${#added[@]} -gt 0 ] || return $rc
	# shellcheck disable=SC2016 # $1 is the inner shell's
	out=$(cd "$tree" && printf '%s\n' "${added[@]}" |
		xargs -P "$(nproc)" -I{} sh -c \
			'scripts/get_maintainer.pl --no-git --no-git-fallback --sections -f "$1" 2>/dev/null |
			 grep -v -e "^[A-Z]:" -e "^$" | grep -qvx "THE REST" ||
			 echo "FILE_PATH_CHANGES: $1 is added but no MAINTAINERS entry covers it"' _ {})
	[ -z "$out" ] || { echo "$out"; rc=1; }
	return $rc
}
