# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by kunit/harness.sh and kunit/series.sh (sourced, not run): the
# repository and cache paths, the kernel version check, and the upstream
# series in patches/: which patches, in which order, and which project
# files each commit lays into the tree.
#
# patches/series has one line per commit of the upstream series:
#
#   <patch file> [project files the commit lays in, paths or globs]
#
# Paths are relative to the repository root; a directory stands for every
# file under it, and '*' matches dot files too. '#' starts a comment.
# Every file the overlay lays into a kernel tree (everything under
# Documentation/, include/ and lib/ here) must be claimed by exactly one
# line: each commit lays its files once, in their final version.

# shellcheck disable=SC2034 # used by the scripts that source this file
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034
CACHE=${SVM_CORE_CACHE:-$REPO/.cache}
# shellcheck disable=SC2034
DEB_TARBALL=/usr/src/linux-source-6.12.tar.xz
# ccache hashes paths under the repository relative to it, and not the
# build directory's path: a fresh clone (CI) reuses what an earlier clone on
# this machine compiled. Contents are still hashed, so nothing stale is hit.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
SERIES=$REPO/patches/series
# The top-level folders whose files are laid into the kernel tree.
OVERLAY_ROOTS="Documentation include lib"

die() {
	echo "${PROG:-harness}: $*" >&2
	exit 1
}

# The kernel version from the tree's Makefile, without running make (the
# harness's own tests use stand-in trees).
kernel_version() {
	sed -n -e 's/^VERSION = //p' -e 's/^PATCHLEVEL = //p' \
		-e 's/^SUBLEVEL = //p' "$1/Makefile" | paste -sd. -
}

check_version() {
	local tree=$1 v p

	if [ ! -f "$tree/Makefile" ] || [ ! -f "$tree/tools/testing/kunit/kunit.py" ]; then
		die "$tree is not a Linux source tree (no Makefile or kunit.py)"
	fi
	v=$(sed -n 's/^VERSION = //p' "$tree/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$tree/Makefile")
	[ "$v.$p" = "6.12" ] ||
		die "$tree is Linux $v.$p, svm_core targets 6.12: point KERNEL_SRC at a 6.12 tree"
}

# Files the project lays into a kernel tree, relative to both roots.
overlay_files() {
	local d
	local -a roots=()

	for d in $OVERLAY_ROOTS; do
		[ -e "$REPO/$d" ] && roots+=("$d")
	done
	[ ${#roots[@]} -gt 0 ] || return 0
	(cd "$REPO" && find "${roots[@]}" -type f ! -name '*.o' ! -name '*~' |
		LC_ALL=C sort)
}

# The patch files of the series, in order.
series_patches() {
	sed -e 's/#.*//' "$SERIES" | awk 'NF { print $1 }'
}

# Does a patch file carry a diff, or only a commit message?
has_diff() {
	grep -q -E '^(diff --git |\+\+\+ )' "$1"
}

# One line per claim: "<series line> <patch> <file>", or "<series line>
# <patch> -<word>" for a path or glob that matches no file.
series_claims() {
	(
		cd "$REPO" || exit 1
		shopt -s dotglob globstar nullglob
		local n=0 line w f
		local -a words match

		while IFS= read -r line || [ -n "$line" ]; do
			n=$((n + 1))
			read -r -a words <<< "${line%%#*}"
			[ ${#words[@]} -gt 1 ] || continue
			for w in "${words[@]:1}"; do
				w=${w#./}
				# Globbing is the point here.
				# shellcheck disable=SC2206
				match=($w)
				[ ${#match[@]} -eq 0 ] && match=("$w")
				for f in "${match[@]}"; do
					f=${f%/}
					if [ -d "$f" ]; then
						find "$f" -type f ! -name '*.o' ! -name '*~' |
							LC_ALL=C sort | sed "s|^|$n ${words[0]} |"
					elif [ -f "$f" ]; then
						echo "$n ${words[0]} $f"
					else
						echo "$n ${words[0]} -$w"
					fi
				done
			done
		done < "$SERIES"
	)
}

# Check patches/series against patches/ and the overlay: every listed patch
# exists once, every patches/*.patch is listed, every overlay file is
# claimed by exactly one line and every claim is an overlay file. Prints
# each problem found, then dies.
check_series() {
	local errs

	[ -f "$SERIES" ] || die "patches/series is missing"
	errs=$(
		sed -e 's/#.*//' "$SERIES" | awk 'NF { print NR, $1 }' |
		while read -r n p; do
			case "$p" in
			*/*) echo "patches/series:$n: $p: a patch is named by its file name in patches/" ;;
			*) [ -f "$REPO/patches/$p" ] ||
				echo "patches/series:$n: patches/$p does not exist" ;;
			esac
		done
		sed -e 's/#.*//' "$SERIES" | awk 'NF { if (seen[$1]) printf "patches/series:%d: %s is listed twice (first on line %d)\n", NR, $1, seen[$1]; else seen[$1] = NR }'
		(cd "$REPO/patches" && ls -- *.patch 2>/dev/null) |
			while read -r p; do
				series_patches | grep -qxF -- "$p" ||
					echo "patches/$p is not listed in patches/series"
			done
		{ overlay_files | sed 's/^/O /'; series_claims | sed 's/^/C /'; } |
		awk '
		$1 == "O" { laid[$2] = 1; next }
		substr($4, 1, 1) == "-" {
			printf "patches/series:%d: %s matches no file\n", $2, substr($4, 2)
			next
		}
		$4 in by {
			printf "%s is claimed twice: patches/series line %d (%s) and line %d (%s)\n", $4, line[$4], by[$4], $2, $3
			next
		}
		{ by[$4] = $3; line[$4] = $2 }
		END {
			for (f in by)
				if (!(f in laid))
					printf "patches/series:%d: %s is not a file the overlay lays into the tree\n", line[f], f
			for (f in laid)
				if (!(f in by))
					printf "%s is laid into the tree but no line of patches/series claims it\n", f
		}' | LC_ALL=C sort
	)
	[ -z "$errs" ] || { echo "$errs" >&2; die "patches/series: $(echo "$errs" | wc -l) problem(s) (above)"; }
}

# checkpatch --strict on one patch, run inside a kernel tree. checkpatch
# asks "does MAINTAINERS need updating?" for any patch that adds, moves or
# deletes a file without touching MAINTAINERS; the series adds files under
# an entry an earlier commit created, so the question is answered here
# instead: every added file must fall under a MAINTAINERS section other
# than THE REST, and no F: line may name a deleted file. Prints the
# problems; returns non-zero if there are any.
checkpatch_patch() {
	local tree=$1 patch=$2 out rc=0 f
	local -a added deleted

	# Debian's python3 first: scripts/spdxcheck.py needs the modules its
	# packages installed, not those of another python3 in PATH.
	out=$(cd "$tree" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict \
		--quiet --show-types --ignore FILE_PATH_CHANGES "$patch" 2>&1) || rc=1
	[ -z "$out" ] || { echo "$out"; rc=1; }
	mapfile -t added < <(awk '/^diff --git /{ f = substr($4, 3) }
		/^(new file mode|rename to)/ { print f }' "$patch")
	mapfile -t deleted < <(awk '/^diff --git /{ f = substr($3, 3) }
		/^(deleted file mode|rename from)/ { print f }' "$patch")
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
