#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The data the harness's shell scripts hand over: one subcommand each.

    svm_harness.py check                  patches/series against the files
    svm_harness.py patches                the series' patch files, in order
    svm_harness.py project-files          files the series lays in
    svm_harness.py apply TREE BASE BRANCH KEY [IDENT]
                                          the series as commits on BASE
    svm_harness.py writeback TREE BASE BRANCH
                                          BASE..BRANCH back into patches/
                                          and the project files
    svm_harness.py roundtrip TREE BASE BRANCH
                                          would writeback change a byte?
    svm_harness.py commit-as-patch PATCH  a patch plus the files it lays
    svm_harness.py patch-paths added|deleted PATCH
    svm_harness.py has-diff PATCH         exit status 0 if it has a diff
    svm_harness.py commit-objects         objects for files on stdin
    svm_harness.py kunit-counts LOG       "N passed, M failed"
    svm_harness.py summary CACHE STEPS    make check's closing line
    svm_harness.py normalise LOG PREFIX.. warnings as "file: message"
    svm_harness.py new-warnings BASE PATCHED
    svm_harness.py project-warnings LOG   its warnings in project files
    svm_harness.py kernel-log LOG RESULT  lockdep, WARNING or BUG in LOG
    svm_harness.py run-by KTAP RESULT     the README's table of what runs
                                          where, against a KTAP log
    svm_harness.py cover-letter OUT TREE BASE BRANCH CACHE

A problem is printed as "harness: ..." on stderr, with exit status 1.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import svm_results  # noqa: E402
import svm_series  # noqa: E402
from svm_series import SeriesError, git  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(path):
    """A file's text."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def lines(seq):
    """Print each item on a line of its own (nothing for none)."""
    for item in seq:
        print(item)


def cmd_apply(tree, base, branch, key_file, ident=""):
    """Build the series branch in tree; print what was done."""
    entries = svm_series.load(REPO)
    with tempfile.TemporaryDirectory() as work:
        if svm_series.apply_series(tree, REPO, entries, base, branch,
                                   ident or None, key_file, work):
            print(f"harness: {len(entries)} commits of patches/series on "
                  f"{git(tree, 'rev-parse', '--short', base).strip()} as "
                  f"branch {branch}")


def cmd_writeback(tree, base, branch):
    """Write the branch back into this repository; print what changed."""
    with tempfile.TemporaryDirectory() as work:
        changed = svm_series.write_back(tree, REPO, base, branch, REPO, work)
    svm_series.load(REPO)
    lines(f"  {f}" for f in changed)
    n = len(git(tree, "rev-list", f"{base}..{branch}").split())
    print(f"harness: {n} commits of {branch} written back: "
          f"{len(changed) or 'no'} file(s) changed")


def copy_series(repo, dest):
    """patches/ and every project file of repo, copied into dest."""
    shutil.copytree(os.path.join(repo, "patches"),
                    os.path.join(dest, "patches"))
    for f in svm_series.project_files(repo):
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(os.path.join(repo, f), os.path.join(dest, f))


def cmd_roundtrip(tree, base, branch):
    """Write the branch back into a copy; 1 if a byte would change."""
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "repo")
        copy_series(REPO, out)
        changed = svm_series.write_back(tree, out, base, branch, out, work)
    if changed:
        lines(f"  {f}" for f in changed)
        print(f"harness: writing {branch} back would change {len(changed)} "
              "file(s) (above): patches/ is not what make writeback writes",
              file=sys.stderr)
        return 1
    print(f"harness: round trip exact: {branch} written back changes no byte "
          "of patches/ or the project files")
    return 0


def cmd_summary(cache, steps_file):
    """Print make check's notes and its one closing line; 1 if not green."""
    steps = svm_results.read_steps(steps_file)
    passed, failed, notes = svm_results.summary(
        svm_results.read_logs(cache), steps)
    for n in notes:
        print(n)
    print(f"check: {passed} passed, {failed} failed")
    return 0 if passed and not failed else 1


def cmd_kernel_log(log, result):
    """Check a kernel log; write its one-check result line; 1 if not clean."""
    if not os.path.exists(log):
        line, bad = "kernel log: 0 passed, 1 failed (no log)", ["(no log)"]
    else:
        bad = svm_results.kernel_log_problems(read(log))
        line = ("kernel log: 0 passed, 1 failed (lockdep, WARNING or BUG "
                f"above; whole log: {log})" if bad else
                "kernel log: 1 passed, 0 failed (no lockdep report, WARNING "
                "or BUG)")
    lines(bad if bad != ["(no log)"] else [])
    print(line)
    with open(result, "w", encoding="utf-8") as f:
        f.write(line + "\n")
    return 1 if bad else 0


def cmd_run_by(ktap, result):
    """Check the README's run-by table; write its result line; 1 if not."""
    text = read(ktap) if os.path.exists(ktap) else ""
    rows, probs = svm_results.run_by_problems(
        read(os.path.join(REPO, "README.md")), text)
    lines(probs)
    bad = {p.split(":")[0] for p in probs}
    failed = len(bad) if rows else 1
    line = (f"run-by: {rows - len(bad) if rows else 0} passed, {failed} "
            f"failed (the README's table of what runs where, against "
            f"{ktap})")
    print(line)
    with open(result, "w", encoding="utf-8") as f:
        f.write(line + "\n")
    return 1 if probs else 0


def cmd_cover_letter(out, tree, base, branch, cache):
    """Fill the cover letter git format-patch left in out."""
    cover = os.path.join(out, "0000-cover-letter.patch")
    template = read(os.path.join(REPO, "patches", "cover-letter.txt"))
    subject, _, rest = template.partition("\n")
    commits = git(tree, "rev-list", "--reverse",
                  f"{base}..{branch}").split()
    sizes = [(git(tree, "log", "-1", "--format=%s", c).strip(),
              git(tree, "diff", "--shortstat", f"{c}^", c)) for c in commits]
    total = git(tree, "diff", "--shortstat", base, branch)
    delta = svm_results.numstat_delta(
        git(tree, "diff", "--numstat", base, branch, "--", "drivers/gpu/drm/amd/"))
    results = []
    for name in ("uml", "uml-kasan", "x86_64-e2e"):
        log = os.path.join(cache, f"kunit-{name}.log")
        res = svm_results.kunit_result(read(log)) if os.path.exists(log) else None
        date = (time.strftime("%Y-%m-%d %H:%M UTC",
                              time.gmtime(os.path.getmtime(log)))
                if res else "")
        results.append((name, res, date))
    patches = sorted(os.path.join(out, p) for p in os.listdir(out)
                     if p.endswith(".patch") and not p.startswith("0000-"))
    maint = ""
    if os.path.exists(os.path.join(tree, "scripts/get_maintainer.pl")):
        maint = subprocess.run(["scripts/get_maintainer.pl", "--no-git",
                                "--no-git-fallback", "--no-rolestats",
                                *patches], cwd=tree, capture_output=True,
                               text=True).stdout
    blurb = svm_results.cover_blurb(rest.lstrip("\n"), sizes, total, delta,
                                    results, maint)
    text = svm_results.fill_cover(read(cover), subject, blurb)
    with open(cover, "w", encoding="utf-8") as f:
        f.write(text)


def run(argv):
    """Dispatch one subcommand; return the exit status."""
    cmd, args = (argv[0], argv[1:]) if argv else ("", [])
    if cmd == "check":
        svm_series.load(REPO)
    elif cmd == "patches":
        lines(e.patch for e in svm_series.load(REPO))
    elif cmd == "project-files":
        lines(svm_series.project_files(REPO))
    elif cmd == "apply" and len(args) in (4, 5):
        cmd_apply(*args)
    elif cmd == "writeback" and len(args) == 3:
        cmd_writeback(*args)
    elif cmd == "roundtrip" and len(args) == 3:
        return cmd_roundtrip(*args)
    elif cmd == "commit-as-patch" and len(args) == 1:
        entries = svm_series.load(REPO)
        files = svm_series.claims(REPO, entries)[args[0]]
        sys.stdout.write(svm_series.commit_as_patch(REPO, args[0], files))
    elif cmd == "patch-paths" and len(args) == 2:
        added, deleted = svm_series.patch_paths(read(args[1]))
        lines(added if args[0] == "added" else deleted)
    elif cmd == "has-diff" and len(args) == 1:
        return 0 if svm_series.has_diff(read(args[0])) else 1
    elif cmd == "commit-objects":
        lines(svm_series.commit_objects(sys.stdin.read().split()))
    elif cmd == "kunit-counts" and len(args) == 1:
        text = read(args[0]) if os.path.exists(args[0]) else ""
        print("%d passed, %d failed" % svm_results.kunit_counts(text))
    elif cmd == "summary" and len(args) == 2:
        return cmd_summary(*args)
    elif cmd == "normalise" and len(args) >= 1:
        lines(svm_results.normalise(read(args[0]), args[1:]))
    elif cmd == "new-warnings" and len(args) == 2:
        new = svm_results.new_warnings(read(args[0]).splitlines(),
                                       read(args[1]).splitlines())
        lines(new)
    elif cmd == "project-warnings" and len(args) == 1:
        files = [f for f in svm_series.project_files(REPO)
                 if f.endswith((".c", ".h"))]
        lines(svm_results.project_warnings(read(args[0]), files))
    elif cmd == "kernel-log" and len(args) == 2:
        return cmd_kernel_log(*args)
    elif cmd == "run-by" and len(args) == 2:
        return cmd_run_by(*args)
    elif cmd == "cover-letter" and len(args) == 5:
        cmd_cover_letter(*args)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


def main():
    """Run, turning a SeriesError into one message and exit status 1."""
    try:
        sys.exit(run(sys.argv[1:]))
    except SeriesError as e:
        print(f"harness: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
