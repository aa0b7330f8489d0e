# SPDX-License-Identifier: GPL-2.0
"""svm_core's upstream series: patches/series parsed, checked and applied.

patches/series has one line per commit of the upstream series::

    <patch file> [project files the commit lays in, paths or globs]

Paths are relative to the repository root; a directory stands for every
file under it, and '*' matches dot files too. '#' starts a comment. Every
project file (everything under Documentation/, include/ and lib/) must be
claimed by exactly one line: each commit lays its files once, in their
final version.

apply_series() turns the series into commits of a git tree, which is the
only way project files reach a kernel tree.
"""

import glob
import hashlib
import os
import subprocess
from dataclasses import dataclass, field

# The top-level folders whose files the series lays into a kernel tree.
PROJECT_ROOTS = ("Documentation", "include", "lib")


class SeriesError(Exception):
    """A problem with the series or with applying it, in words for the user."""


@dataclass
class Entry:
    """One commit of the series: its line, patch file and claimed patterns."""

    line: int
    patch: str
    patterns: list = field(default_factory=list)


def parse_series(text):
    """Return the Entry of every non-empty line of a patches/series text."""
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words:
            entries.append(Entry(n, words[0], words[1:]))
    return entries


def _ignored(name):
    """Is a file an editor backup or a build product, never laid in?"""
    return name.endswith((".o", "~"))


def files_under(repo, path):
    """Every file under directory path of repo, relative to repo, sorted."""
    out = []
    for root, dirs, files in os.walk(os.path.join(repo, path)):
        dirs.sort()
        for f in files:
            if not _ignored(f):
                out.append(os.path.relpath(os.path.join(root, f), repo))
    return sorted(out)


def project_files(repo):
    """The files the series lays into a kernel tree, relative to repo."""
    out = []
    for d in PROJECT_ROOTS:
        if os.path.isdir(os.path.join(repo, d)):
            out += files_under(repo, d)
    return sorted(out)


def expand(repo, pattern):
    """Files a pattern of a series line claims; [] if it matches none."""
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    matches = glob.glob(pattern, root_dir=repo, recursive=True,
                        include_hidden=True) or [pattern]
    out = []
    for m in sorted(matches):
        m = m.rstrip("/")
        full = os.path.join(repo, m)
        if os.path.isdir(full):
            out += files_under(repo, m)
        elif os.path.isfile(full) and not _ignored(m):
            out.append(m)
    return out


def claims(repo, entries):
    """Map each entry's patch to the files it claims, in series order."""
    return {e.patch: [f for p in e.patterns for f in expand(repo, p)]
            for e in entries}


def series_problems(repo, entries, patch_files):
    """Every problem of the series, one sentence each, sorted.

    Checks that each listed patch exists (patch_files: the names in
    patches/) and is listed once, that each patches/*.patch is listed, and
    that every project file is claimed by exactly one line and every claim
    is a project file.
    """
    probs = []
    first = {}
    for e in entries:
        if "/" in e.patch:
            probs.append(f"patches/series:{e.line}: {e.patch}: a patch is "
                         "named by its file name in patches/")
        elif e.patch not in patch_files:
            probs.append(f"patches/series:{e.line}: patches/{e.patch} does "
                         "not exist")
        if e.patch in first:
            probs.append(f"patches/series:{e.line}: {e.patch} is listed "
                         f"twice (first on line {first[e.patch]})")
        else:
            first[e.patch] = e.line
    probs += [f"patches/{p} is not listed in patches/series"
              for p in patch_files if p.endswith(".patch") and p not in first]
    owner = {}
    for e in entries:
        for w in e.patterns:
            files = expand(repo, w)
            if not files:
                probs.append(f"patches/series:{e.line}: {w} matches no file")
            for f in files:
                if f in owner:
                    o = owner[f]
                    probs.append(f"{f} is claimed twice: patches/series line "
                                 f"{o.line} ({o.patch}) and line {e.line} "
                                 f"({e.patch})")
                else:
                    owner[f] = e
    laid = set(project_files(repo))
    probs += [f"patches/series:{e.line}: {f} is not a project file "
              f"(under {', '.join(PROJECT_ROOTS)})"
              for f, e in owner.items() if f not in laid]
    probs += [f"{f} is a project file but no line of patches/series claims it"
              for f in laid if f not in owner]
    return sorted(probs)


def load(repo):
    """Parse repo's patches/series and check it; SeriesError lists problems."""
    path = os.path.join(repo, "patches", "series")
    if not os.path.isfile(path):
        raise SeriesError("patches/series is missing")
    with open(path, encoding="utf-8") as f:
        entries = parse_series(f.read())
    probs = series_problems(repo, entries,
                            sorted(os.listdir(os.path.join(repo, "patches"))))
    if probs:
        raise SeriesError("\n".join(probs) + f"\npatches/series: {len(probs)} "
                          "problem(s) (above)")
    return entries


# ------------------------------------------------------------ patches ----

def has_diff(text):
    """Does a patch text carry a diff, or only a commit message?"""
    return any(line.startswith(("diff --git ", "+++ "))
               for line in text.splitlines())


def patch_paths(text):
    """(added, deleted) file paths of a git patch, renames counted too."""
    added, deleted = [], []
    new = old = None
    for line in text.splitlines():
        if line.startswith("diff --git "):
            words = line.split()
            old, new = words[2][2:], words[3][2:]
        elif line.startswith(("new file mode", "rename to")):
            added.append(new)
        elif line.startswith(("deleted file mode", "rename from")):
            deleted.append(old)
    return added, deleted


def parse_mailinfo(info):
    """The Author, Email, Date and Subject git mailinfo printed, as a dict.

    Raises SeriesError if one is missing (not git format-patch output).
    """
    fields = {}
    for line in info.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    want = ("Author", "Email", "Date", "Subject")
    if not all(fields.get(k) for k in want):
        raise SeriesError("no From:, Date: or Subject: header (not git "
                          "format-patch output?)")
    return {k: fields[k] for k in want}


def drop_signoff(msg, who):
    """The message without the Signed-off-by: lines of who ("Name <mail>")."""
    drop = f"Signed-off-by: {who}"
    return "".join(line for line in msg.splitlines(keepends=True)
                   if line.rstrip("\n") != drop)


def rewrite_maintainers(diff, old, new):
    """Give the M: lines of old in MAINTAINERS hunks of diff to new.

    old and new are "Name <mail>"; only context and added lines change.
    """
    out = []
    in_maint = False
    for line in diff.splitlines(keepends=True):
        if line.startswith("diff --git "):
            in_maint = line.split()[2] == "a/MAINTAINERS"
        elif (in_maint and line[:1] in "+ " and
              line[1:].rstrip("\n") == f"M:\t{old}"):
            line = f"{line[0]}M:\t{new}\n"
        out.append(line)
    return "".join(out)


# --------------------------------------------------------------- git ----

def git(tree, *args, env=None, stdin=None, check=True):
    """Run git in tree; return its stdout. SeriesError on failure if check."""
    full_env = dict(os.environ, **env) if env else None
    p = subprocess.run(["git", "-C", tree, *args], input=stdin,
                       capture_output=True, text=True, env=full_env)
    if check and p.returncode:
        raise SeriesError(f"git {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def series_key(repo, entries, base, ident):
    """A hash of everything the series branch is made of.

    The base commit, the identity, patches/series, every patch and every
    claimed file: unchanged, the branch is reused as it is.
    """
    h = hashlib.sha1()
    h.update(f"{ident}\n{base}\n".encode())
    with open(os.path.join(repo, "patches", "series"), "rb") as f:
        h.update(f.read())
    for patch, files in claims(repo, entries).items():
        with open(os.path.join(repo, "patches", patch), "rb") as f:
            h.update(patch.encode() + b"\0" + f.read())
        for name in files:
            with open(os.path.join(repo, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


def commit_patch(tree, repo, patch, files, ident, work, n):
    """Commit one patch of the series in tree, with the files it lays.

    Author, date and message come from the patch (git mailinfo); with an
    identity ("Name <mail>"), it replaces the stored one as author, in
    Signed-off-by and in MAINTAINERS' M: lines. The committer is the
    author, at the author's date, so the same patches give the same
    commits.
    """
    msg, diff = os.path.join(work, "msg"), os.path.join(work, "diff")
    with open(os.path.join(repo, "patches", patch), encoding="utf-8") as f:
        text = f.read()
    try:
        info = parse_mailinfo(git(tree, "mailinfo", msg, diff, stdin=text))
    except SeriesError as e:
        raise SeriesError(f"patches/{patch}: {e}") from None
    author = f"{info['Author']} <{info['Email']}>"
    with open(msg, encoding="utf-8") as f:
        body = f.read()
    with open(diff, encoding="utf-8") as f:
        change = f.read()
    if ident:
        body = git(tree, "interpret-trailers", "--if-exists",
                   "addIfDifferent", "--trailer", f"Signed-off-by: {ident}",
                   stdin=drop_signoff(body, author))
        change = rewrite_maintainers(change, author, ident)
        author = ident
    for name in files:
        dest = os.path.join(tree, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(os.path.join(repo, name), "rb") as src, \
                open(dest, "wb") as out:
            out.write(src.read())
    if has_diff(change):
        p = subprocess.run(["git", "-C", tree, "apply", "--index", "-"],
                           input=change, capture_output=True, text=True)
        if p.returncode:
            raise SeriesError(f"{p.stderr.strip()}\npatches/{patch} does not "
                              f"apply to {tree} (Linux {kernel_version(tree)})"
                              f" after the {n} commit(s) before it")
    if files:
        git(tree, "add", "-f", "--", *files)
    name, _, mail = author.rpartition(" <")
    mail = mail.rstrip(">")
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": mail,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": mail,
           "GIT_AUTHOR_DATE": info["Date"], "GIT_COMMITTER_DATE": info["Date"]}
    git(tree, "commit", "-q", "--allow-empty", "--cleanup=whitespace", "-F",
        "-", env=env, stdin=f"{info['Subject']}\n\n{body}")


def apply_series(tree, repo, entries, base, branch, ident, key_file, work):
    """Make branch in worktree tree: base plus one commit per series entry.

    Reuses the branch as it is when key_file holds the same series_key(),
    so that unchanged files keep their timestamps. Returns True if the
    branch was rebuilt.
    """
    key = series_key(repo, entries, git(tree, "rev-parse", base).strip(),
                     ident)
    try:
        with open(key_file, encoding="utf-8") as f:
            old = f.read().strip()
    except FileNotFoundError:
        old = None
    if old == key and git(tree, "rev-parse", "-q", "--verify",
                          f"refs/heads/{branch}", check=False):
        git(tree, "checkout", "-q", "-f", branch)
        return False
    git(tree, "checkout", "-q", "-f", "-B", branch, base)
    git(tree, "clean", "-q", "-f", "-d", "-x")
    if os.path.exists(key_file):
        os.unlink(key_file)
    files = claims(repo, entries)
    for n, e in enumerate(entries):
        commit_patch(tree, repo, e.patch, files[e.patch], ident, work, n)
    with open(key_file, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return True


def kernel_version(tree):
    """VERSION.PATCHLEVEL.SUBLEVEL of the tree's Makefile, without make."""
    parts = {}
    try:
        with open(os.path.join(tree, "Makefile"), encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.partition(" = ")
                if sep and key in ("VERSION", "PATCHLEVEL", "SUBLEVEL"):
                    parts.setdefault(key, value.strip())
    except FileNotFoundError:
        return "unknown"
    return ".".join(parts.get(k, "?")
                    for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL"))


def commit_as_patch(repo, patch, files):
    """A patch without a diff as the commit it stands for.

    Its message plus the files it lays as new files, so that checkpatch
    runs its message checks (it skips them for a patch without a diff).
    """
    with open(os.path.join(repo, "patches", patch), encoding="utf-8") as f:
        out = f.read()
    for name in files:
        out += subprocess.run(["git", "-C", repo, "diff", "--no-index", "--",
                               "/dev/null", name], capture_output=True,
                              text=True).stdout
    return out


# amdkfd is built as part of amdgpu.ko, through the amdgpu directory.
AMD = "drivers/gpu/drm/amd"
KFD = AMD + "/amdkfd"
KFD_VIA = AMD + "/amdgpu/../amdkfd"


def commit_objects(files):
    """The objects to compile for the files a commit touches.

    Each .c file's object (amdkfd's through the amdgpu directory), kfd_svm.o
    for amdkfd's suites (kfd_svm.c includes them), and kfd_svm.o and
    kfd_migrate.o for any other change under drivers/gpu/drm/amd.
    """
    out = []
    for f in files:
        if f.startswith(KFD + "/tests/"):
            objs = [KFD_VIA + "/kfd_svm.o"]
        elif f.startswith(KFD + "/") and f.endswith(".c"):
            objs = [f"{KFD_VIA}/{os.path.basename(f)[:-2]}.o"]
        elif f.endswith(".c"):
            objs = [f[:-2] + ".o"]
        elif f.startswith(AMD + "/"):
            objs = [KFD_VIA + "/kfd_svm.o", KFD_VIA + "/kfd_migrate.o"]
        else:
            objs = []
        out += [o for o in objs if o not in out]
    return out
