# SPDX-License-Identifier: GPL-2.0
"""svm_core's upstream series: patches/series parsed, checked and applied.

patches/series has one line per commit of the upstream series::

    <patch file> [project files the commit lays in, paths or globs]

Paths are relative to the repository root; a directory stands for every
file under it, and '*' matches dot files too. '#' starts a comment. Every
project file (everything under Documentation/, include/ and lib/) must be
claimed by exactly one line: the commit of that line adds the file, and
later patches of the series may edit it like any upstream file.

The repository holds every project file in its final version, the one at
the series' tip. A file that later patches edit is laid by its line as it
stood at that commit: the final version with the later patches' hunks for
it taken back (file_versions()), so each commit of the series is what it
was when it was written.

apply_series() turns the series into commits of a git tree, which is the
only way project files reach a kernel tree; write_back() turns such a
branch, after a change made with git in the tree, back into patches/ and
the project files, so that the round trip is exact.
"""

import glob
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field

# The folders whose files the series lays into a kernel tree: the files the
# series adds, at their kernel paths. Upstream files are edited by patches.
PROJECT_ROOTS = ("Documentation", "drivers", "include", "lib",
                 "tools/testing/svm_core")


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


def tracked(repo):
    """The files git tracks in repo, or None if repo is not a checkout."""
    p = subprocess.run(["git", "-C", repo, "rev-parse", "--show-toplevel"],
                       capture_output=True, text=True)
    if p.returncode or os.path.realpath(p.stdout.strip()) != \
            os.path.realpath(repo):
        return None
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split("\0")) - {""}


def under_roots(path):
    """Is path (relative to the repository) under one of PROJECT_ROOTS?"""
    return any(path.startswith(d + "/") for d in PROJECT_ROOTS)


def project_files(repo):
    """The files the series lays into a kernel tree, relative to repo.

    In a git checkout only the files git tracks (or that are staged):
    build products and scratch files in the working tree never reach the
    series.
    """
    out = []
    for d in PROJECT_ROOTS:
        if os.path.isdir(os.path.join(repo, d)):
            out += files_under(repo, d)
    known = tracked(repo)
    if known is not None:
        out = [f for f in out if f in known]
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
    known = tracked(repo)
    return out if known is None else [f for f in out if f in known]


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


def patch_diff(text):
    """The diff of a git format-patch text: from its first "diff --git"."""
    at = text.find("\ndiff --git ")
    if text.startswith("diff --git "):
        return text
    return text[at + 1:] if at >= 0 else ""


def touched(diff):
    """Every path a diff names (old and new side), in order, once each."""
    out = []
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            words = line.split()
            for w in (words[2][2:], words[3][2:]):
                if w not in out:
                    out.append(w)
    return out


def read_patch(repo, patch):
    """The text of patches/<patch>."""
    with open(os.path.join(repo, "patches", patch), encoding="utf-8") as f:
        return f.read()


def _reverse_apply(diff, names, content, work):
    """Take back diff's hunks for names from content (name -> bytes).

    Runs git apply -R in a scratch repository of its own under work, on
    the named files only. Returns the new content of each name, or raises
    SeriesError with git's words.
    """
    scratch = os.path.join(work, "versions")
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    os.makedirs(scratch)
    git(scratch, "init", "-q")
    for name in names:
        dest = os.path.join(scratch, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(content[name])
    args = ["apply", "-R", *[f"--include={n}" for n in names], "-"]
    p = subprocess.run(["git", "-C", scratch, *args], input=diff,
                       capture_output=True, text=True)
    if p.returncode:
        raise SeriesError(p.stderr.strip())
    out = {}
    for name in names:
        with open(os.path.join(scratch, name), "rb") as f:
            out[name] = f.read()
    return out


def file_versions(repo, entries, work):
    """Map each entry's patch to {file: content} of the files it lays.

    A file is laid at the commit of the line that claims it, as it stood
    there: its final version (the repository's) with the hunks of every
    later patch that edits it taken back, newest first. A patch may not
    add a project file (its line lays it) nor edit one before the line
    that lays it. Raises SeriesError naming the patch and the file.
    """
    owned = claims(repo, entries)
    owner = {f: i for i, e in enumerate(entries) for f in owned[e.patch]}
    content = {}
    for f in owner:
        with open(os.path.join(repo, f), "rb") as src:
            content[f] = src.read()
    out = {}
    for j in range(len(entries) - 1, -1, -1):
        e = entries[j]
        out[e.patch] = {f: content[f] for f in owned[e.patch]}
        diff = patch_diff(read_patch(repo, e.patch))
        added, _ = patch_paths(diff)
        mine = []
        for f in touched(diff):
            if f not in owner:
                continue
            if f in added or owner[f] >= j:
                raise SeriesError(
                    f"patches/{e.patch} {'adds' if f in added else 'edits'}"
                    f" {f}, which line {entries[owner[f]].line} of "
                    f"patches/series lays (as {entries[owner[f]].patch}): "
                    "a patch only edits project files laid before it")
            mine.append(f)
        if mine:
            try:
                content.update(_reverse_apply(diff, mine, content, work))
            except SeriesError as err:
                raise SeriesError(
                    f"{err}\npatches/{e.patch}'s hunks for "
                    f"{', '.join(mine)} do not apply to the repository's "
                    "version of it with the later patches taken back") \
                    from None
    return out


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
            h.update(b"x" if executable(os.path.join(repo, name)) else b"-")
    return h.hexdigest()


def commit_patch(tree, repo, patch, files, ident, work, n):
    """Commit one patch of the series in tree, with the files it lays.

    files maps each file the commit lays to its content at this commit
    (file_versions()).

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
    for name, data in files.items():
        dest = os.path.join(tree, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as out:
            out.write(data)
        os.chmod(dest, 0o755 if executable(os.path.join(repo, name))
                 else 0o644)
    if has_diff(change):
        p = subprocess.run(["git", "-C", tree, "apply", "--index", "-"],
                           input=change, capture_output=True, text=True)
        if p.returncode:
            raise SeriesError(f"{p.stderr.strip()}\npatches/{patch} does not "
                              f"apply to {tree} (Linux {kernel_version(tree)})"
                              f" after the {n} commit(s) before it")
    if files:
        git(tree, "add", "-f", "--", *sorted(files))
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
    files = file_versions(repo, entries, work)
    for n, e in enumerate(entries):
        commit_patch(tree, repo, e.patch, files[e.patch], ident, work, n)
    with open(key_file, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return True


# -------------------------------------------------------- write-back ----

def subject_of(text):
    """A format-patch text's subject, without its "[PATCH ...]" prefix."""
    lines, grab = [], False
    for line in text.splitlines():
        if not line:
            break
        if line.startswith("Subject: "):
            lines, grab = [line[len("Subject: "):]], True
        elif grab and line[:1] in (" ", "\t"):
            lines.append(line.strip())
        else:
            grab = False
    subject = " ".join(lines)
    if subject.startswith("["):
        subject = subject.partition("]")[2].lstrip()
    return subject


def _commit_without(tree, commit, drop, work):
    """commit's change with the files in drop left out, as a new commit.

    Same parent, message, author and date; the tree is commit's with every
    path of drop as it was in the parent (absent, for a file commit adds).
    Returns its id. Nothing in tree's index, branches or files changes.
    """
    index = os.path.join(work, "writeback.index")
    env = {"GIT_INDEX_FILE": index}
    git(tree, "read-tree", commit, env=env)
    git(tree, "update-index", "--force-remove", "--", *drop, env=env)
    new_tree = git(tree, "write-tree", env=env).strip()
    fmt = "%an%n%ae%n%ad"
    name, mail, date = git(tree, "log", "-1", f"--format={fmt}",
                           "--date=raw", commit).splitlines()
    msg = git(tree, "log", "-1", "--format=%B", commit)
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": mail,
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": mail, "GIT_COMMITTER_DATE": date}
    os.unlink(index)
    return git(tree, "commit-tree", new_tree, "-p", f"{commit}^", env=env,
               stdin=msg).strip()


def format_patch(tree, commit, number, work):
    """(file name, text) of one commit as patches/ keeps it.

    git format-patch with the series' options: no numbering in the
    subject, a zero commit id, no signature, the kernel's diff order.
    """
    out = os.path.join(work, f"fp-{number}")
    order = os.path.join(tree, "scripts", "git.orderFile")
    args = ["format-patch", "-q", "-1", "--always", "-N", "--zero-commit",
            "--no-signature", f"--start-number={number}", "-o", out]
    if os.path.exists(order):
        args.append(f"-O{order}")
    git(tree, *args, commit)
    (name,) = os.listdir(out)
    with open(os.path.join(out, name), encoding="utf-8") as f:
        text = f.read()
    shutil.rmtree(out)
    return name, text


def _series_header(text):
    """The lines of a patches/series text before its first entry."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.split("#", 1)[0].split():
            break
        out.append(line)
    return "".join(out)


def write_back(tree, repo, base, branch, out, work):
    """Write the commits base..branch of tree as the series into out.

    out is a repository like repo (repo itself, or a copy to compare):
    patches/ gets one patch per commit (format_patch(), the files the
    series adds left out), patches/series one line per commit, and every
    file the series adds goes to its path in its version at branch. A
    commit keeps the claims of the series line whose patch has its
    subject; a file a commit adds that no claim of its line covers is
    added to the line. Patches and project files the branch no longer
    has are removed; in a git checkout, files added or removed are staged.
    Returns the list of files written or removed, relative to out.
    """
    with open(os.path.join(repo, "patches", "series"),
              encoding="utf-8") as f:
        series_text = f.read()
    old = parse_series(series_text)
    by_subject = {}
    for e in old:
        try:
            sub = subject_of(read_patch(repo, e.patch))
        except FileNotFoundError:
            continue
        by_subject.setdefault(sub, []).append(e)
    commits = git(tree, "rev-list", "--reverse", f"{base}..{branch}").split()
    if not commits:
        raise SeriesError(f"{base}..{branch} has no commit to write back")
    at_tip = set(git(tree, "ls-tree", "-r", "-z", "--name-only", branch)
                 .split("\0")) - {""}
    lines, new_files, patches, changed = [], {}, {}, []
    for n, c in enumerate(commits, 1):
        added = [f for f in git(tree, "diff-tree", "--no-commit-id", "-r",
                                "--name-only", "--diff-filter=A", c)
                 .split() if under_roots(f)]
        for f in added:
            if f not in at_tip:
                raise SeriesError(
                    f"commit {n} ({git(tree, 'log', '-1', '--format=%s', c).strip()})"
                    f" adds {f}, which a later commit deletes: a file the "
                    "series adds stays to the tip")
            new_files[f] = n
        sub = git(tree, "log", "-1", "--format=%s", c).strip()
        name, text = format_patch(
            tree, _commit_without(tree, c, added, work) if added else c, n,
            work)
        if subject_of(text) != sub:
            raise SeriesError(f"commit {n}: format-patch gave subject "
                              f"{subject_of(text)!r} for {sub!r}")
        patches[name] = text
        prev = by_subject.get(sub, [])
        lines.append((name, prev.pop(0).patterns if prev else [], added))
    # The project files, in their version at the tip.
    known = tracked(out)
    stage, unstage = [], []
    modes = {}
    if new_files:
        for line in git(tree, "ls-tree", "-r", branch, "--",
                        *sorted(new_files)).splitlines():
            meta, _, path = line.partition("\t")
            modes[path] = meta.split()[0]
    for f in sorted(new_files):
        data = git_bytes(tree, "show", f"{branch}:{f}")
        dest = os.path.join(out, f)
        exe = modes.get(f) == "100755"
        if _content(dest) != data or executable(dest) != exe:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as fh:
                fh.write(data)
            os.chmod(dest, 0o755 if exe else 0o644)
            changed.append(f)
        if known is not None and f not in known:
            stage.append(f)
    for f in project_files(out):
        if f not in new_files:
            unstage.append(f)
            os.unlink(os.path.join(out, f))
            changed.append(f)
    # The patches.
    pdir = os.path.join(out, "patches")
    for name in sorted(os.listdir(pdir)):
        if name.endswith(".patch") and name not in patches:
            unstage.append(f"patches/{name}")
            os.unlink(os.path.join(pdir, name))
            changed.append(f"patches/{name}")
    for name, text in patches.items():
        dest = os.path.join(pdir, name)
        if _content(dest) != text.encode():
            with open(dest, "w", encoding="utf-8") as fh:
                fh.write(text)
            changed.append(f"patches/{name}")
        if known is not None and f"patches/{name}" not in known:
            stage.append(f"patches/{name}")
    if stage:
        git(out, "add", "-f", "--", *stage)
    if unstage and known is not None:
        git(out, "rm", "-q", "--cached", "--ignore-unmatch", "--", *unstage)
    # The series: claims kept, files no claim covers added.
    text = _series_header(series_text)
    for name, patterns, added in lines:
        kept = []
        for p in patterns:
            files = expand(out, p)
            if all(f in added for f in files):
                kept.append(p)
            else:
                # A directory or glob now covers files another commit
                # adds: this line names its own files instead.
                kept += [f for f in files if f in added and f not in kept]
        covered = {f for p in kept for f in expand(out, p)}
        kept += [f for f in added if f not in covered]
        text += " ".join([name, *kept]) + "\n"
    dest = os.path.join(out, "patches", "series")
    if _content(dest) != text.encode():
        with open(dest, "w", encoding="utf-8") as fh:
            fh.write(text)
        changed.append("patches/series")
    return changed


def executable(path):
    """Has the file at path its owner's execute bit (as git records it)?"""
    try:
        return bool(os.stat(path).st_mode & 0o100)
    except FileNotFoundError:
        return False


def _content(path):
    """A file's bytes, or None if it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def git_bytes(tree, *args):
    """Run git in tree; return its stdout as bytes. SeriesError on failure."""
    p = subprocess.run(["git", "-C", tree, *args], capture_output=True)
    if p.returncode:
        raise SeriesError(f"git {' '.join(args)}: "
                          f"{p.stderr.decode(errors='replace').strip()}")
    return p.stdout


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
# The amdkfd sources that include suites (tests/kfd_<source>_test.c).
TEST_INCLUDERS = ("kfd_svm", "kfd_migrate", "kfd_queue")


def commit_objects(files):
    """The objects to compile for the files a commit touches.

    Each .c file's object (amdkfd's through the amdgpu directory), the
    object of the source that includes a suite (tests/kfd_X_test.c and
    tests/kfd_X_<area>_test.c are compiled in kfd_X.c, as xe's tests
    are), the objects of every source that includes a suite for a header
    the suites share (tests/*.h), kfd_svm.o for the rest of tests/, and
    kfd_svm.o and kfd_migrate.o for any other change under
    drivers/gpu/drm/amd. Files outside the kernel's build (tools/) have
    none.
    """
    out = []
    for f in files:
        base = os.path.basename(f)
        if f.startswith("tools/"):
            objs = []
        elif f.startswith(KFD + "/tests/") and base.endswith("_test.c"):
            # kfd_<source>[_<area>]_test.c is included by kfd_<source>.c
            objs = [f"{KFD_VIA}/{'_'.join(base.split('_')[:2])}.o"]
        elif f.startswith(KFD + "/tests/") and base.endswith(".h"):
            objs = [f"{KFD_VIA}/{o}.o" for o in TEST_INCLUDERS]
        elif f.startswith(KFD + "/tests/"):
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
