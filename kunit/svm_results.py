# SPDX-License-Identifier: GPL-2.0
"""What the harness reads back: test counts, warnings and the cover letter."""

import os
import re
from collections import Counter

ANSI = re.compile(r"\x1b\[[0-9;]*m")
KUNIT_DONE = re.compile(r"Testing complete\. Ran (\d+) tests(.*)")
COUNTS = re.compile(r"(?:^|\s)(\d+) passed, (\d+) failed\b")


def kunit_line(text):
    """kunit.py's last "Testing complete. Ran N tests: ..." line, or None."""
    found = None
    for line in ANSI.sub("", text).splitlines():
        m = KUNIT_DONE.search(line)
        if m:
            found = m
    return found


def kunit_counts(text):
    """(passed, failed) from kunit.py's closing line; (0, 0) without one."""
    m = kunit_line(text)
    if not m:
        return 0, 0
    ran = int(m.group(1))
    p = re.search(r"passed: (\d+)", m.group(2))
    passed = int(p.group(1)) if p else 0
    return passed, ran - passed


def runner_counts(text):
    """Sum of every "... N passed, M failed" line another runner printed."""
    passed = failed = 0
    for line in text.splitlines():
        m = COUNTS.search(line)
        if m:
            passed += int(m.group(1))
            failed += int(m.group(2))
    return passed, failed


# The logs each make check step leaves in the cache, by file name pattern.
STEP_LOGS = {
    "test-harness": [r"harness-test\.log"],
    "userspace": [r"userspace\.log"],
    "kunit": [r"kunit-uml\.log"],
    "kunit-kasan": [r"kunit-uml-kasan\.log"],
    "e2e": [r"kunit-x86_64-e2e\.log", r"klog-kunit-x86_64-e2e\.log"],
    "series": [r"kunit-series-\d+\.log", r"klog-kunit-series-\d+\.log",
               r"run-by\.log"],
}


def log_counts(name, text):
    """(passed, failed) of one log: kunit.py's line, else a runner's lines."""
    if name.startswith("kunit-"):
        return kunit_counts(text)
    return runner_counts(text)


def summary(logs, steps):
    """(passed, failed, notes) over a make check.

    logs maps a log's file name to its text; steps maps each step run to
    its exit status. A step that failed without a failed test in its own
    logs (a build error, lint) counts as one failed check, named in notes.
    """
    passed = failed = 0
    per_log = {}
    for name, text in sorted(logs.items()):
        per_log[name] = log_counts(name, text)
        passed += per_log[name][0]
        failed += per_log[name][1]
    notes = []
    for step, status in steps.items():
        if not status:
            continue
        pats = STEP_LOGS.get(step, [])
        own = sum(f for n, (_, f) in per_log.items()
                  if any(re.fullmatch(p, n) for p in pats))
        if not own:
            failed += 1
            notes.append(f"check: make {step} failed (exit status {status}) "
                         "with no failed test in its logs: counted as one")
    return passed, failed, notes


def read_logs(cache):
    """The text of every log summary() counts, by file name."""
    pats = [p for ps in STEP_LOGS.values() for p in ps]
    out = {}
    for name in sorted(os.listdir(cache)):
        if any(re.fullmatch(p, name) for p in pats):
            with open(os.path.join(cache, name), encoding="utf-8",
                      errors="replace") as f:
                out[name] = f.read()
    return out


def read_steps(path):
    """The "step status" lines make check wrote, as a dict."""
    steps = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                if len(words) == 2:
                    steps[words[0]] = int(words[1])
    except FileNotFoundError:
        pass
    return steps


# ----------------------------------------------------------- warnings ----

WARNING = re.compile(r":\d+:(\d+:)? (warning|error): |:\d+:(\d+:)?    "
                     r"(expected|got) ")
UP = re.compile(r"[^/ ]+/\.\./")
LINE_COL = re.compile(r":\d+:(\d+:)? ")


def normalise(text, prefixes):
    """Warning and error lines of a build log as "file: message", sorted.

    The tree's and build directory's paths (prefixes), "./", "dir/../" and
    line and column numbers are dropped, so that the same warning compares
    equal with and without the series.
    """
    out = []
    for line in text.splitlines():
        if not WARNING.search(line):
            continue
        for p in prefixes:
            line = line.replace(p.rstrip("/") + "/", "")
        if line.startswith("./"):
            line = line[2:]
        while UP.search(line):
            line = UP.sub("", line, count=1)
        out.append(LINE_COL.sub(": ", line, count=1))
    return sorted(out)


def project_warnings(text, files):
    """Warning and error lines of a build log that name one of files."""
    marks = tuple(f + ":" for f in files)
    return [line for line in text.splitlines()
            if any(m in line for m in marks) and
            re.search("warning|error", line)]


KLOG_BAD = re.compile(r"possible recursive locking|circular locking|"
                      r"WARNING:|BUG:|general protection fault|Kernel panic")


def kernel_log_problems(text):
    """The first five lines of a kernel log that report lockdep or a bug."""
    return [line for line in text.splitlines() if KLOG_BAD.search(line)][:5]


def new_warnings(base, patched):
    """Lines of patched beyond those of base, compared as multisets."""
    left = Counter(base)
    out = []
    for line in patched:
        if left[line]:
            left[line] -= 1
        else:
            out.append(line)
    return out


# ------------------------------------------------------- cover letter ----

def numstat_delta(text):
    """(added, deleted) lines summed over git diff --numstat output."""
    add = dele = 0
    for line in text.splitlines():
        words = line.split("\t")
        if len(words) >= 3 and words[0] != "-":
            add += int(words[0])
            dele += int(words[1])
    return add, dele


def kunit_result(text):
    """What follows "Testing complete. " in a kunit.py log, or None."""
    m = kunit_line(text)
    return f"Ran {m.group(1)} tests{m.group(2)}" if m else None


def fill_cover(cover, subject, blurb):
    """git format-patch's cover letter with its two placeholders filled."""
    out = []
    for line in cover.splitlines(keepends=True):
        if line.rstrip("\n") == "*** BLURB HERE ***":
            out.append(blurb if blurb.endswith("\n") else blurb + "\n")
        else:
            out.append(line.replace("*** SUBJECT HERE ***", subject))
    return "".join(out)


def cover_blurb(motivation, sizes, total, delta, results, maintainers):
    """The cover letter's body.

    motivation: text after the subject in patches/cover-letter.txt;
    sizes: (subject, shortstat) per commit; total: the whole series'
    shortstat; delta: (added, deleted) under drivers/gpu/drm/amd/;
    results: (configuration, result or None, date) of the last KUnit runs;
    maintainers: get_maintainer.pl's lines.
    """
    out = [motivation.rstrip("\n"), "", "Size (git diff --shortstat):"]
    for subject, stat in sizes:
        out += [f"  {subject}", f"   {stat.strip()}"]
    out += ["  whole series", f"   {total.strip()}", ""]
    add, dele = delta
    out += [f"amdkfd delta (lines under drivers/gpu/drm/amd/): +{add} "
            f"-{dele}, net {add - dele}", ""]
    out.append("KUnit (the last runs of this machine's harness):")
    for name, result, date in results:
        out.append(f"  {name}: {result} ({date})" if result
                   else f"  {name}: not run")
    out += ["", "Maintainers (scripts/get_maintainer.pl --no-git "
            "--no-git-fallback --no-rolestats):"]
    out += [f"  {m}" for m in maintainers.splitlines()]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------- run by ----

SUBTEST = re.compile(r"^\s*# Subtest: (\S+)")
RAN = re.compile(r"^\s*# (\S+): (ran|not probed):(.*)$")
ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)\(\)`\s*\|([^|]*)\|(?:([^|]*)\|)?\s*$")


def ran_by(ktap):
    """What a KTAP log says ran: ({suite.case: {function}}, {not probed}).

    The cases of tests/kfd_svm_gpu_test.c end with "# case: ran: f g"
    (kprobe hits while the case ran) and, for what could not be probed,
    "# case: not probed: f".
    """
    ran, off = {}, set()
    suite = None
    for line in ANSI.sub("", ktap).splitlines():
        m = SUBTEST.match(line)
        if m:
            # A parameterised case opens a subtest of its own: not a suite
            if m.group(1).startswith("amdkfd_"):
                suite = m.group(1)
            continue
        m = RAN.match(line)
        if m and suite:
            names = set(m.group(3).split())
            if m.group(2) == "ran":
                ran.setdefault(f"{suite}.{m.group(1)}", set()).update(names)
            else:
                off |= names
    return ran, off


def run_by_table(readme):
    """The rows "| `function()` | `suite.case`, ... | [seen as] |" of the README.

    Each row is (function, cases, stand-in): the stand-in is the function
    named in the third column, for a function the compiler inlined (its
    line says which probed function only it reaches), else None.
    """
    rows = []
    for line in readme.splitlines():
        m = ROW.match(line.strip())
        if m:
            cases = re.findall(r"`([a-z0-9_]+\.[a-z0-9_]+)`", m.group(2))
            seen = re.findall(r"`([A-Za-z0-9_]+)\(\)`", m.group(3) or "")
            rows.append((m.group(1), cases, seen[0] if seen else None))
    return rows


def run_by_problems(readme, ktap):
    """(rows checked, problems): the README's table against the log.

    Every case a row names must have run the row's function, or, for a
    function the log says could not be probed (inlined), the probed
    function the row's third column names instead. A row with no case, an
    unprobed function without a stand-in, a stand-in for a function that
    could be probed, or a table with no row is a problem.
    """
    ran, off = ran_by(ktap)
    rows = run_by_table(readme)
    probs = [] if rows else ["README: no | `function()` | cases | row"]
    for fn, cases, seen in rows:
        look = fn
        if fn in off and not seen:
            probs.append(f"{fn}: not probed in this kernel (absent or "
                         "inlined) and the row names no probed function "
                         "only it reaches")
        elif fn not in off and seen:
            probs.append(f"{fn}: probed itself: the row needs no stand-in "
                         f"({seen})")
        elif seen:
            look = seen
        if not cases:
            probs.append(f"{fn}: no case named")
        for c in cases:
            if c not in ran:
                probs.append(f"{fn}: {c} did not run (or reported nothing)")
            elif look not in ran[c]:
                probs.append(f"{fn}: {c} ran, but not {look}")
    return len(rows), probs
