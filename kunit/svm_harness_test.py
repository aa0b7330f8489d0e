#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the harness, on stand-in trees: no kernel tree, seconds.

    python3 -m unittest discover -s kunit -p '*_test.py'
    python3 kunit/svm_harness_test.py     (ends with "harness-test: N passed,
                                           M failed" for make check)
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import svm_harness  # noqa: E402
import svm_results  # noqa: E402
import svm_series  # noqa: E402
from svm_series import Entry, SeriesError  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ME = "Ann Maintainer <ann@example.org>"
STORED = "Seed Author <seed@example.org>"
# A clean environment for git: no user config, a fixed identity unless a
# test takes it away.
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def write(path, text):
    """Write text to path, making its folder."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def read(path):
    """A file's text."""
    with open(path, encoding="utf-8") as f:
        return f.read()


def sh(cwd, *cmd, env=None, check=True):
    """Run a command in cwd; return the CompletedProcess (text)."""
    full = dict(os.environ)
    full.update(GIT_ENV)
    full.update(env or {})
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          check=check, env=full)


def patch_text(subject, diff="", author=STORED):
    """A git format-patch style patch with a sign-off and an optional diff."""
    name, _, mail = author.rpartition(" <")
    return (f"From 0000000000000000000000000000000000000000 Mon Sep 17 "
            f"00:00:00 2001\nFrom: {name} <{mail}\n"
            f"Date: Wed, 25 Nov 2026 11:00:00 +0000\n"
            f"Subject: [PATCH] {subject}\n\nWhy {subject}.\n\n"
            f"Signed-off-by: {author}\n---\n{diff}")


MAINT_DIFF = textwrap.dedent(f"""\
    diff --git a/MAINTAINERS b/MAINTAINERS
    --- a/MAINTAINERS
    +++ b/MAINTAINERS
    @@ -1,2 +1,6 @@
     THE REST
     F:\t*
    +
    +CORE
    +M:\t{STORED}
    +F:\tlib/core/
    """)

KCONFIG_DIFF = textwrap.dedent("""\
    diff --git a/lib/Kconfig b/lib/Kconfig
    --- a/lib/Kconfig
    +++ b/lib/Kconfig
    @@ -1 +1,2 @@
     config A
    +source "lib/core/Kconfig"
    """)


def kernel(path, patchlevel=12):
    """A stand-in Linux 6.<patchlevel> tree at path (not a git checkout)."""
    write(os.path.join(path, "Makefile"),
          f"VERSION = 6\nPATCHLEVEL = {patchlevel}\nSUBLEVEL = 0\n")
    write(os.path.join(path, "tools/testing/kunit/kunit.py"), "")
    write(os.path.join(path, "lib/Kconfig"), "config A\n")
    write(os.path.join(path, "MAINTAINERS"), "THE REST\nF:\t*\n")
    return path


def git_kernel(path):
    """A stand-in 6.12 tree committed on branch master, tagged pristine."""
    kernel(path)
    sh(path, "git", "init", "-q", "-b", "master")
    sh(path, "git", "add", "-A")
    sh(path, "git", "commit", "-q", "-m", "Linux 6.12")
    sh(path, "git", "tag", "pristine")
    return path


def project(path, harness=False):
    """A stand-in repository: two commits, the first laying lib/core.

    With harness, the real kunit/ scripts are copied in, so they run on it.
    """
    write(os.path.join(path, "lib/core/core.c"), "int core;\n")
    write(os.path.join(path, "lib/core/Kconfig"), "config CORE\n")
    write(os.path.join(path, "lib/core/.kunitconfig"), "CONFIG_CORE=y\n")
    write(os.path.join(path, "include/linux/core.h"), "/* core */\n")
    write(os.path.join(path, "patches/0001-core.patch"),
          patch_text("lib: add core", MAINT_DIFF))
    write(os.path.join(path, "patches/0002-hook.patch"),
          patch_text("lib: hook core", KCONFIG_DIFF))
    write(os.path.join(path, "patches/cover-letter.txt"), "core\n\nWhy.\n")
    write(os.path.join(path, "patches/series"),
          "# the series\n0001-core.patch lib/core/ include/linux/core.h\n"
          "0002-hook.patch\n")
    if harness:
        shutil.copytree(os.path.join(REPO, "kunit"),
                        os.path.join(path, "kunit"),
                        ignore=shutil.ignore_patterns("__pycache__"))
    return path


class TmpTest(unittest.TestCase):
    """A test with a temporary folder self.tmp."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def path(self, *parts):
        """A path in the temporary folder."""
        return os.path.join(self.tmp, *parts)


class SeriesFileTest(TmpTest):
    """patches/series: parsing, claims and the problems named."""

    def test_parse_skips_comments_and_blank_lines(self):
        text = "# c\n\na.patch x y  # z\nb.patch\n"
        self.assertEqual(svm_series.parse_series(text),
                         [Entry(3, "a.patch", ["x", "y"]),
                          Entry(4, "b.patch", [])])

    def test_expand_directory_glob_and_dot_files(self):
        r = project(self.path("r"))
        write(os.path.join(r, "lib/core/core.o"), "")
        self.assertEqual(svm_series.expand(r, "lib/core/"),
                         ["lib/core/.kunitconfig", "lib/core/Kconfig",
                          "lib/core/core.c"])
        self.assertEqual(svm_series.expand(r, "lib/core/*"),
                         ["lib/core/.kunitconfig", "lib/core/Kconfig",
                          "lib/core/core.c"])
        self.assertEqual(svm_series.expand(r, "lib/nothing.c"), [])

    def test_the_repository_series_is_clean(self):
        svm_series.load(REPO)

    def test_problems_are_named(self):
        r = project(self.path("r"))
        write(os.path.join(r, "lib/core/notes.txt"), "n\n")
        write(os.path.join(r, "patches/0003-extra.patch"), "x\n")
        write(os.path.join(r, "README"), "r\n")
        entries = svm_series.parse_series(
            "0001-core.patch lib/core/*.c lib/core/Kconfig "
            "lib/core/.kunitconfig include/\n"
            "0002-hook.patch lib/core/core.c gone.c README\n"
            "0002-hook.patch\nsub/0004.patch\n")
        probs = svm_series.series_problems(r, entries,
                                           os.listdir(os.path.join(r, "patches")))
        self.assertEqual(probs, sorted([
            "lib/core/core.c is claimed twice: patches/series line 1 "
            "(0001-core.patch) and line 2 (0002-hook.patch)",
            "lib/core/notes.txt is a project file but no line of "
            "patches/series claims it",
            "patches/0003-extra.patch is not listed in patches/series",
            "patches/series:2: README is not a project file (under "
            "Documentation, drivers, include, lib, tools/testing/svm_core)",
            "patches/series:2: gone.c matches no file",
            "patches/series:3: 0002-hook.patch is listed twice (first on "
            "line 2)",
            "patches/series:4: sub/0004.patch: a patch is named by its file "
            "name in patches/",
        ]))

    def test_load_raises_with_every_problem(self):
        r = project(self.path("r"))
        os.unlink(os.path.join(r, "patches/0002-hook.patch"))
        with self.assertRaisesRegex(SeriesError, "0002-hook.patch does not "
                                    "exist\npatches/series: 1 problem"):
            svm_series.load(r)


class PatchTextTest(unittest.TestCase):
    """What is read from and rewritten in a patch's text."""

    def test_has_diff(self):
        self.assertTrue(svm_series.has_diff(patch_text("s", KCONFIG_DIFF)))
        self.assertFalse(svm_series.has_diff(patch_text("s")))

    def test_patch_paths_added_deleted_renamed(self):
        diff = ("diff --git a/x b/x\nnew file mode 100644\n"
                "diff --git a/y b/y\ndeleted file mode 100644\n"
                "diff --git a/old b/new\nrename from old\nrename to new\n")
        self.assertEqual(svm_series.patch_paths(diff),
                         (["x", "new"], ["y", "old"]))

    def test_mailinfo_without_subject_is_refused(self):
        with self.assertRaisesRegex(SeriesError, "not git format-patch"):
            svm_series.parse_mailinfo("Author: a\nEmail: e\nDate: d\n")

    def test_signoff_and_maintainers_rewritten(self):
        msg = f"Why.\n\nSigned-off-by: {STORED}\nSigned-off-by: Other <o@x>\n"
        self.assertEqual(svm_series.drop_signoff(msg, STORED),
                         "Why.\n\nSigned-off-by: Other <o@x>\n")
        diff = MAINT_DIFF + KCONFIG_DIFF.replace("config A",
                                                 f"M:\t{STORED}")
        out = svm_series.rewrite_maintainers(diff, STORED, ME)
        self.assertIn(f"+M:\t{ME}\n", out)
        # Only MAINTAINERS' lines change.
        self.assertIn(f" M:\t{STORED}\n", out)
        self.assertNotIn(f"+M:\t{STORED}", out)

    def test_commit_objects(self):
        files = ["drivers/gpu/drm/amd/amdkfd/kfd_svm.c",
                 "drivers/gpu/drm/amd/amdkfd/tests/kfd_svm_test.c",
                 "drivers/gpu/drm/amd/amdkfd/Kconfig", "lib/svm_core/set.c",
                 "MAINTAINERS"]
        via = "drivers/gpu/drm/amd/amdgpu/../amdkfd/"
        self.assertEqual(svm_series.commit_objects(files),
                         [via + "kfd_svm.o", via + "kfd_migrate.o",
                          "lib/svm_core/set.o"])
        self.assertEqual(svm_series.commit_objects(
            ["drivers/gpu/drm/amd/amdkfd/tests/kfd_migrate_test.c",
             "drivers/gpu/drm/amd/amdkfd/tests/kfd_svm_gpu_test.c",
             "drivers/gpu/drm/amd/amdkfd/tests/.kunitconfig",
             "tools/testing/svm_core/svm-sim.c"]),
            [via + "kfd_migrate.o", via + "kfd_svm.o"])
        # A header the suites share: every source that includes a suite
        self.assertEqual(svm_series.commit_objects(
            ["drivers/gpu/drm/amd/amdkfd/tests/kfd_svm_test.h",
             "drivers/gpu/drm/amd/amdkfd/tests/kfd_queue_test.c"]),
            [via + "kfd_svm.o", via + "kfd_migrate.o", via + "kfd_queue.o"])


class ApplySeriesTest(TmpTest):
    """The series as commits on a stand-in git tree."""

    def setUp(self):
        super().setUp()
        self.repo = project(self.path("repo"))
        self.tree = git_kernel(self.path("tree"))
        self.key = self.path("series.key")
        os.environ.update(GIT_ENV)

    def apply(self, ident=ME):
        """Apply the stand-in series as branch series; rebuilt or not."""
        entries = svm_series.load(self.repo)
        return svm_series.apply_series(self.tree, self.repo, entries,
                                       "pristine", "series", ident,
                                       self.key, self.tmp)

    def log(self, fmt):
        """git log of pristine..series in the given format, oldest first."""
        return sh(self.tree, "git", "log", "--reverse", f"--format={fmt}",
                  "pristine..series").stdout.splitlines()

    def test_commits_lay_files_and_apply_diffs_as_me(self):
        self.assertTrue(self.apply())
        self.assertEqual(self.log("%s|%an <%ae>|%cn"),
                         [f"lib: add core|{ME}|Ann Maintainer",
                          f"lib: hook core|{ME}|Ann Maintainer"])
        first = sh(self.tree, "git", "show", "--stat", "--format=%B",
                   "series~1").stdout
        self.assertIn(f"Signed-off-by: {ME}", first)
        self.assertNotIn(STORED, first)
        self.assertIn("lib/core/.kunitconfig", first)
        self.assertIn(f"M:\t{ME}", read(os.path.join(self.tree,
                                                      "MAINTAINERS")))
        self.assertIn("lib/core/Kconfig",
                      read(os.path.join(self.tree, "lib/Kconfig")))

    def test_without_identity_the_patches_own(self):
        self.apply(ident=None)
        self.assertEqual(self.log("%an <%ae>"), [STORED, STORED])

    def test_same_series_same_commits_files_untouched(self):
        self.apply()
        tip = self.log("%H")
        core = os.path.join(self.tree, "lib/core/core.c")
        mtime = os.stat(core).st_mtime_ns
        self.assertFalse(self.apply())
        self.assertEqual(self.log("%H"), tip)
        self.assertEqual(os.stat(core).st_mtime_ns, mtime)
        os.unlink(self.key)
        self.assertTrue(self.apply())
        self.assertEqual(self.log("%H"), tip)

    def test_edited_patch_and_file_picked_up(self):
        self.apply()
        p = os.path.join(self.repo, "patches/0002-hook.patch")
        write(p, read(p).replace("lib/core/Kconfig", "lib/core/Kconfig.v2"))
        write(os.path.join(self.repo, "lib/core/core.c"), "int core2;\n")
        self.assertTrue(self.apply())
        self.assertIn("Kconfig.v2", read(os.path.join(self.tree,
                                                      "lib/Kconfig")))
        self.assertEqual(read(os.path.join(self.tree, "lib/core/core.c")),
                         "int core2;\n")
        self.assertEqual(len(self.log("%H")), 2)

    def test_cover_letter_filled(self):
        self.apply()
        out = self.path("out")
        sh(self.tree, "git", "format-patch", "-q", "--cover-letter", "-o",
           out, "pristine..series")
        cache = self.path("cache")
        write(os.path.join(cache, "kunit-uml.log"),
              "Testing complete. Ran 3 tests: passed: 3\n")
        svm_harness.cmd_cover_letter(out, self.tree, "pristine", "series",
                                     cache)
        cover = read(os.path.join(out, "0000-cover-letter.patch"))
        subject = read(os.path.join(REPO, "patches/cover-letter.txt"))
        self.assertIn(subject.splitlines()[0], cover)
        self.assertIn("  lib: hook core\n   1 file changed, 1 insertion(+)",
                      cover)
        self.assertIn("  uml: Ran 3 tests: passed: 3 (", cover)
        self.assertIn("  x86_64-e2e: not run", cover)
        self.assertNotIn("*** BLURB HERE ***", cover)

    def test_patch_that_does_not_apply_is_named(self):
        write(os.path.join(self.tree, "lib/Kconfig"), "config B\n")
        sh(self.tree, "git", "commit", "-q", "-a", "-m", "edit")
        sh(self.tree, "git", "tag", "-f", "pristine")
        with self.assertRaisesRegex(SeriesError, "patches/0002-hook.patch "
                                    r"does not apply to .* \(Linux 6\.12\.0\) "
                                    "after the 1 commit"):
            self.apply()


DRV = "drivers/x/tests/x_test.c"
DRV_V1 = "int a;\nint b;\nint c;\n"
DRV_FINAL = "int a;\nint b2;\nint c;\n"
DRV_DIFF = textwrap.dedent(f"""\
    diff --git a/{DRV} b/{DRV}
    --- a/{DRV}
    +++ b/{DRV}
    @@ -1,3 +1,3 @@
     int a;
    -int b;
    +int b2;
     int c;
    """)


def driver_project(path):
    """project() plus a driver file laid by 0002 and edited by 0003."""
    r = project(path)
    write(os.path.join(r, DRV), DRV_FINAL)
    write(os.path.join(r, "patches/0003-edit.patch"),
          patch_text("x: edit its test", DRV_DIFF))
    write(os.path.join(r, "patches/series"),
          "# the series\n0001-core.patch lib/core/ include/linux/core.h\n"
          f"0002-hook.patch drivers/x/\n0003-edit.patch\n")
    return r


class WriteBackTest(TmpTest):
    """Files laid as they stood, and the branch written back exactly."""

    def setUp(self):
        super().setUp()
        self.repo = driver_project(self.path("repo"))
        self.tree = git_kernel(self.path("tree"))
        os.environ.update(GIT_ENV)

    def apply(self, repo=None, branch="series"):
        """Apply repo's series (default: self.repo) as branch."""
        repo = repo or self.repo
        return svm_series.apply_series(self.tree, repo, svm_series.load(repo),
                                       "pristine", branch, ME,
                                       self.path(f"{branch}.key"), self.tmp)

    def show(self, rev, path):
        """A file's text at a commit of the tree."""
        return sh(self.tree, "git", "show", f"{rev}:{path}").stdout

    def snapshot(self, repo):
        """Every file of a repository's patches/ and project files."""
        files = ["patches/" + p for p in os.listdir(os.path.join(repo,
                                                                 "patches"))]
        files += svm_series.project_files(repo)
        return {f: read(os.path.join(repo, f)) for f in sorted(files)}

    def write_back(self, out, branch="series"):
        """write_back() of branch into out; the files it changed."""
        work = self.path("work")
        os.makedirs(work, exist_ok=True)
        return svm_series.write_back(self.tree, self.repo, "pristine",
                                     branch, out, work)

    def test_file_laid_as_it_stood_then_edited(self):
        self.apply()
        self.assertEqual(self.show("series~1", DRV), DRV_V1)
        self.assertEqual(self.show("series", DRV), DRV_FINAL)
        self.assertEqual(self.show("series~2", "lib/core/core.c"),
                         "int core;\n")

    def test_patch_may_not_add_or_early_edit_a_project_file(self):
        write(os.path.join(self.repo, "patches/series"),
              "0001-core.patch lib/core/ include/linux/core.h\n"
              "0002-hook.patch\n0003-edit.patch drivers/x/\n")
        with self.assertRaisesRegex(SeriesError, "0003-edit.patch edits "
                                    f"{DRV}, which line 3 .* lays"):
            self.apply()
        add = DRV_DIFF.replace("--- a/", "new file mode 100644\n--- a/")
        write(os.path.join(self.repo, "patches/0003-edit.patch"),
              patch_text("x: edit its test", add))
        write(os.path.join(self.repo, "patches/series"),
              "0001-core.patch lib/core/ include/linux/core.h\n"
              "0002-hook.patch drivers/x/\n0003-edit.patch\n")
        with self.assertRaisesRegex(SeriesError, f"0003-edit.patch adds {DRV}"):
            self.apply()

    def test_hunk_that_no_longer_takes_back_is_named(self):
        write(os.path.join(self.repo, DRV), "int a;\nint zz;\nint c;\n")
        with self.assertRaisesRegex(SeriesError, "0003-edit.patch's hunks "
                                    f"for {DRV} do not apply"):
            self.apply()

    def test_round_trip_exact_after_one_write_back(self):
        self.apply()
        # The stand-in patches are hand-written: the first write-back makes
        # them what format-patch writes, and from then on nothing changes.
        changed = self.write_back(self.repo)
        self.assertIn("patches/0003-x-edit-its-test.patch", changed)
        self.assertFalse(os.path.exists(os.path.join(
            self.repo, "patches/0003-edit.patch")))
        before = self.snapshot(self.repo)
        self.assertTrue(self.apply())
        self.assertEqual(self.write_back(self.repo), [])
        self.assertEqual(self.snapshot(self.repo), before)
        # The patch carries the edit, never the driver file's creation.
        patch = before["patches/0002-lib-hook-core.patch"]
        self.assertNotIn(DRV, patch)
        self.assertIn("-int b;\n+int b2;", before[
            "patches/0003-x-edit-its-test.patch"])
        self.assertIn("0002-lib-hook-core.patch drivers/x/\n",
                      before["patches/series"])

    def test_change_made_in_the_tree_comes_back(self):
        self.apply()
        self.write_back(self.repo)
        self.apply()
        # Amend the commit that lays the driver file and add a commit that
        # lays a new one: the round trip a maintainer makes.
        sh(self.tree, "git", "checkout", "-q", "-B", "work", "series~1")
        write(os.path.join(self.tree, DRV), "int a;\nint b;\nint c;\nint d;\n")
        sh(self.tree, "git", "commit", "-q", "-a", "--amend", "--no-edit")
        sh(self.tree, "git", "cherry-pick", "series")
        write(os.path.join(self.tree, "drivers/x/tests/y_test.c"), "int y;\n")
        sh(self.tree, "git", "add", "drivers/x/tests/y_test.c")
        sh(self.tree, "git", "commit", "-q", "-m", "x: add y")
        self.write_back(self.repo, "work")
        self.assertEqual(read(os.path.join(self.repo, DRV)),
                         "int a;\nint b2;\nint c;\nint d;\n")
        series = read(os.path.join(self.repo, "patches/series"))
        self.assertIn("0004-x-add-y.patch drivers/x/tests/y_test.c\n", series)
        self.assertIn(f"0002-lib-hook-core.patch {DRV}\n", series)
        self.assertEqual(read(os.path.join(self.repo,
                                           "drivers/x/tests/y_test.c")),
                         "int y;\n")
        # Built again from what was written: the same trees, commit by
        # commit.
        self.assertTrue(self.apply(branch="again"))
        for i in range(4):
            self.assertEqual(
                sh(self.tree, "git", "rev-parse", f"work~{i}^{{tree}}").stdout,
                sh(self.tree, "git", "rev-parse", f"again~{i}^{{tree}}").stdout)

    def test_untracked_files_are_not_project_files(self):
        sh(self.repo, "git", "init", "-q")
        sh(self.repo, "git", "add", "-A")
        write(os.path.join(self.repo, "lib/core/scratch.c"), "int s;\n")
        self.assertNotIn("lib/core/scratch.c",
                         svm_series.project_files(self.repo))
        self.assertNotIn("lib/core/scratch.c",
                         svm_series.expand(self.repo, "lib/core/"))
        svm_series.load(self.repo)


class ShellTreeTest(TmpTest):
    """kunit/harness.sh tree: where the series meets a kernel tree."""

    def setUp(self):
        super().setUp()
        self.repo = project(self.path("repo"), harness=True)

    def tree(self, src, **env):
        """Run harness.sh tree with KERNEL_SRC=src; the CompletedProcess."""
        return sh(self.repo, "kunit/harness.sh", "tree", check=False,
                  env={"KERNEL_SRC": src, "SVM_CORE_CACHE": self.path("cache"),
                       **env})

    def state(self, src):
        """A git tree's branches, HEAD, status and file listing."""
        return [sh(src, "git", "for-each-ref", "--format=%(refname) "
                   "%(objectname)", "refs/heads").stdout,
                sh(src, "git", "symbolic-ref", "HEAD").stdout,
                sh(src, "git", "status", "--porcelain", "--ignored").stdout,
                sorted(os.listdir(src))]

    def test_maintainer_git_tree_gets_a_branch_of_ours_only(self):
        src = git_kernel(self.path("linux"))
        write(os.path.join(src, "lib/Kconfig.debug"), "work in progress\n")
        before = self.state(src)
        p = self.tree(src)
        self.assertEqual(p.returncode, 0, p.stderr)
        kt = p.stdout.strip().splitlines()[-1]
        self.assertTrue(kt.startswith(self.path("cache")))
        self.assertEqual(read(os.path.join(kt, "lib/core/core.c")),
                         "int core;\n")
        after = self.state(src)
        self.assertEqual(after[1:], before[1:])
        self.assertIn("refs/heads/svm_core-series", after[0])
        self.assertEqual(after[0].replace(
            [x for x in after[0].splitlines()
             if "svm_core-series" in x][0] + "\n", ""), before[0])
        # A second run rebuilds nothing and still changes nothing of theirs.
        p = self.tree(src)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("commits of patches/series", p.stdout + p.stderr)
        self.assertEqual(self.state(src), after)
        # Our worktrees removed by hand come back; theirs are not pruned.
        sh(src, "git", "worktree", "add", "-q", self.path("theirs"))
        shutil.rmtree(self.path("theirs"))
        shutil.rmtree(kt)
        shutil.rmtree(os.path.dirname(kt) + "/series-tree")
        p = self.tree(src)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(kt, "lib/core/core.c")))
        self.assertIn(self.path("theirs"),
                      sh(src, "git", "worktree", "list").stdout)

    def test_plain_tree_is_copied_and_committed(self):
        src = kernel(self.path("linux"))
        p = self.tree(src)
        self.assertEqual(p.returncode, 0, p.stderr)
        kt = p.stdout.strip().splitlines()[-1]
        self.assertIn('source "lib/core/Kconfig"',
                      read(os.path.join(kt, "lib/Kconfig")))
        self.assertFalse(os.path.exists(os.path.join(src, ".git")))
        self.assertFalse(os.path.exists(os.path.join(src, "lib/core")))

    def test_wrong_version_refused(self):
        src = kernel(self.path("linux"), patchlevel=11)
        p = self.tree(src)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("is Linux 6.11, svm_core targets 6.12", p.stderr)
        self.assertFalse(glob.glob(self.path("cache", "ksrc-*")))

    def test_missing_tree_reported(self):
        p = self.tree(self.path("nowhere"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does not exist", p.stderr)

    def test_non_applying_patch_named(self):
        src = git_kernel(self.path("linux"))
        write(os.path.join(src, "lib/Kconfig"), "config B\n")
        sh(src, "git", "commit", "-q", "-a", "-m", "local change")
        p = self.tree(src)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("patches/0002-hook.patch does not apply", p.stderr)

    def test_series_refuses_without_identity(self):
        env = {"HOME": self.path("home"), "GIT_AUTHOR_NAME": "",
               "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_NAME": "",
               "GIT_COMMITTER_EMAIL": "", "SVM_CORE_CACHE": self.path("c")}
        p = sh(self.repo, "kunit/series.sh", "series", check=False, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("set git config user.name and user.email", p.stderr)
        self.assertFalse(os.path.exists(self.path("c", "glue")))


class PackagesTest(unittest.TestCase):
    """What each make target installs from Debian."""

    def packages(self, target):
        """The packages harness.sh names for target."""
        return sh(REPO, "kunit/harness.sh", "packages", target,
                  env={"SVM_CORE_CACHE": tempfile.gettempdir()}
                  ).stdout.split()

    def test_kunit_installs_no_qemu_sparse_or_valgrind(self):
        for target in ("kunit", "kunit-kasan"):
            pkgs = self.packages(target)
            self.assertIn("flex", pkgs)
            for p in ("qemu-system-x86", "valgrind", "sparse"):
                self.assertNotIn(p, pkgs)

    def test_each_target_adds_its_own(self):
        self.assertIn("qemu-system-x86", self.packages("e2e"))
        self.assertIn("sparse", self.packages("glue"))
        self.assertIn("python3-ply", self.packages("lint"))
        self.assertIn("valgrind", self.packages("bench"))
        self.assertNotIn("valgrind", self.packages("check"))
        self.assertEqual(self.packages("test-harness"), ["git", "python3"])


class ResultsTest(unittest.TestCase):
    """Test counts, warnings and the cover letter."""

    KUNIT = ("[12:00:00] \x1b[32mTesting complete.\x1b[0m Ran 10 tests: "
             "passed: 8, failed: 1, skipped: 1\n")

    def test_kunit_counts(self):
        self.assertEqual(svm_results.kunit_counts(self.KUNIT), (8, 2))
        self.assertEqual(svm_results.kunit_counts("crashed\n"), (0, 0))
        self.assertEqual(svm_results.kunit_result(self.KUNIT),
                         "Ran 10 tests: passed: 8, failed: 1, skipped: 1")

    def test_summary_counts_tests_and_silent_failed_steps(self):
        logs = {"kunit-uml.log": self.KUNIT,
                "userspace.log": "replay: 5 passed, 0 failed\n",
                "klog-kunit-x86_64-e2e.log": "kernel log: 1 passed, 0 failed"
                " (no lockdep report, WARNING or BUG)\n"}
        steps = {"lint": 2, "kunit": 1, "e2e": 0, "glue": 0}
        passed, failed, notes = svm_results.summary(logs, steps)
        self.assertEqual((passed, failed), (14, 3))
        self.assertEqual(len(notes), 1)
        self.assertIn("make lint failed", notes[0])

    def test_summary_of_a_step_that_crashed(self):
        passed, failed, _ = svm_results.summary({"kunit-uml.log": "oops\n"},
                                                {"kunit": 1})
        self.assertEqual((passed, failed), (0, 1))

    def test_normalise_and_new_warnings(self):
        log = ("/t/drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_svm.c:10:5: "
               "warning: unused x\n"
               "./lib/a.c:3: error: bad\nCC lib/a.o\n"
               "/b/x.c:1:2:    expected int\n")
        base = svm_results.normalise(log, ["/t", "/b/"])
        self.assertEqual(base, ["drivers/gpu/drm/amd/amdkfd/kfd_svm.c: "
                                "warning: unused x", "lib/a.c: error: bad",
                                "x.c:    expected int"])
        patched = base + ["lib/a.c: error: bad", "lib/b.c: warning: w"]
        self.assertEqual(svm_results.new_warnings(base, patched),
                         ["lib/a.c: error: bad", "lib/b.c: warning: w"])
        self.assertEqual(svm_results.new_warnings(patched, base), [])

    def test_project_warnings(self):
        log = ("../t/lib/svm_core/set.c:3:1: warning: w\n"
               "../t/lib/svm_core/set.c:4:1: note: n\n"
               "../t/mm/memory.c:1:1: warning: theirs\n")
        self.assertEqual(svm_results.project_warnings(
            log, ["lib/svm_core/set.c"]),
            ["../t/lib/svm_core/set.c:3:1: warning: w"])

    def test_kernel_log_problems(self):
        log = ("ok\n[ 1.0] WARNING: CPU: 0 PID: 1 at mm/x.c\n"
               "[ 2.0] WARNING is a word here\n"
               "[ 3.0] possible circular locking dependency detected\n")
        self.assertEqual(svm_results.kernel_log_problems(log),
                         [log.splitlines()[1], log.splitlines()[3]])
        self.assertEqual(len(svm_results.kernel_log_problems(
            "BUG: x\n" * 9)), 5)
        self.assertEqual(svm_results.kernel_log_problems("clean\n"), [])

    def test_run_by_table_against_the_log(self):
        ktap = textwrap.dedent("""\
                KTAP version 1
                # Subtest: amdkfd_svm_gpu_fault
                1..2
                # fault_a: ran: svm_range_restore_pages svm_migrate_to_ram
                ok 1 fault_a
                    # Subtest: fault_b
                    # fault_b: ran: svm_range_restore_pages
                    # fault_b: not probed: svm_migrate_gpu_fault
                    ok 1 xnack on
                ok 2 fault_b
            """)
        ran, off = svm_results.ran_by(ktap)
        self.assertEqual(ran["amdkfd_svm_gpu_fault.fault_b"],
                         {"svm_range_restore_pages"})
        self.assertEqual(off, {"svm_migrate_gpu_fault"})
        good = ("| `svm_range_restore_pages()` | "
                "`amdkfd_svm_gpu_fault.fault_a`, "
                "`amdkfd_svm_gpu_fault.fault_b` |\n")
        self.assertEqual(svm_results.run_by_problems(good, ktap), (1, []))
        bad = good + ("| `svm_migrate_to_ram()` | "
                      "`amdkfd_svm_gpu_fault.fault_b`, "
                      "`amdkfd_svm_gpu_fault.gone` |\n"
                      "| `svm_migrate_gpu_fault()` | "
                      "`amdkfd_svm_gpu_fault.fault_a` |\n")
        rows, probs = svm_results.run_by_problems(bad, ktap)
        self.assertEqual(rows, 3)
        self.assertIn("svm_migrate_to_ram: amdkfd_svm_gpu_fault.fault_b ran, "
                      "but not svm_migrate_to_ram", probs)
        self.assertIn("svm_migrate_to_ram: amdkfd_svm_gpu_fault.gone did not "
                      "run (or reported nothing)", probs)
        self.assertTrue(any(p.startswith("svm_migrate_gpu_fault: not probed")
                            for p in probs))
        # An inlined function is seen through the probed one only it reaches
        inlined = ("| `svm_migrate_gpu_fault()` | "
                   "`amdkfd_svm_gpu_fault.fault_a` | inlined: "
                   "`svm_migrate_to_ram()` |\n")
        self.assertEqual(svm_results.run_by_problems(inlined, ktap), (1, []))
        self.assertEqual(svm_results.run_by_problems(
            inlined.replace("fault_a", "fault_b"), ktap)[1],
            ["svm_migrate_gpu_fault: amdkfd_svm_gpu_fault.fault_b ran, but "
             "not svm_migrate_to_ram"])
        self.assertEqual(svm_results.run_by_problems(
            "| `svm_range_restore_pages()` | `amdkfd_svm_gpu_fault.fault_a` "
            "| `svm_migrate_to_ram()` |\n", ktap)[1],
            ["svm_range_restore_pages: probed itself: the row needs no "
             "stand-in (svm_migrate_to_ram)"])
        self.assertEqual(svm_results.run_by_problems("", ktap)[1],
                         ["README: no | `function()` | cases | row"])

    def test_cover_letter(self):
        blurb = svm_results.cover_blurb(
            "Why.\n", [("a: b", " 1 file changed\n")], " 2 files changed",
            svm_results.numstat_delta("3\t1\tx\n-\t-\tbin\n2\t0\ty\n"),
            [("uml", "Ran 1 tests: passed: 1", "2026-11-25 12:00 UTC"),
             ("uml-kasan", None, "")], "Ann <a@x>\n")
        self.assertIn("  a: b\n   1 file changed\n", blurb)
        self.assertIn("+5 -1, net 4", blurb)
        self.assertIn("  uml-kasan: not run\n", blurb)
        self.assertIn("  uml: Ran 1 tests: passed: 1 (2026-11-25 12:00 UTC)",
                      blurb)
        cover = "Subject: [PATCH 0/1] *** SUBJECT HERE ***\n\n*** BLURB HERE ***\n"
        self.assertEqual(svm_results.fill_cover(cover, "core", "B\n"),
                         "Subject: [PATCH 0/1] core\n\nB\n")


def main():
    """Run every test; end with the line make check counts."""
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"harness-test: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
