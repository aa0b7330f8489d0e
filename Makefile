# SPDX-License-Identifier: GPL-2.0
#
# svm_core: the targets a maintainer and CI run. Every target installs the
# Debian packages it needs (named in brackets) and sets up the Linux 6.12
# tree in .cache/ by itself: the upstream series (patches/) as commits of a
# git branch, checked out in a worktree that every kernel build uses.
#
#   make kunit        KUnit suites under UML through kunit.py (the main job)
#                     [kernel build tools, linux-source-6.12]
#   make kunit-kasan  the same suites with KASAN and UBSAN [the same]
#                     (not in make check: e2e runs them under KASAN)
#   make e2e          one x86_64 QEMU kernel from the series branch, with
#                     KASAN: svm_core on device-private memory and amdkfd's
#                     suites (amdgpu built in, a forged GPU), kernel log
#                     free of lockdep/KASAN/WARNING/BUG
#                     [+ qemu-system-x86]
#   make lint         checkpatch --strict and kernel-doc -Wall, zero warnings
#                     [+ python3-ply, python3-git]
#   make warnings     W=1 and sparse on lib/svm_core, zero warnings [+ sparse]
#   make userspace    the core built in user space: svm-replay examples and
#                     1,000,000 fuzzed operations against a per-page model
#                     (ASan+UBSan) [kernel build tools, linux-source-6.12]
#   make sim          trace-driven simulator: policies vs an oracle (table, SVG)
#   make bench        instructions per operation (callgrind), 1e3..1e6 ranges
#                     [+ valgrind]
#   make test-harness the harness's own unit tests (Python, no kernel tree)
#                     [git, python3]
#   make series       the upstream series (patches/) as commits on 6.12,
#                     under your git identity: format-patch + cover letter,
#                     checkpatch, each commit compiled, amdkfd suites at the
#                     tests patch and at the tip [+ python3-ply, python3-git,
#                     qemu-system-x86]
#   make glue         amdkfd with and without the series: W=1 + sparse, no
#                     new warning; every svm_core symbol amdkfd references
#                     exported to modules [+ sparse] [GLUE_MODPOST=1: also
#                     vmlinux and amdgpu.ko (a module) built, so that the
#                     kernel's modpost checks every import]
#   make tree         the series checked out; prints the tree's path
#   make writeback    after commits in that tree (git commit, git rebase
#                     -i): its HEAD written back into patches/ and the
#                     files the series adds (drivers/, lib/, ...), staged
#                     [REV=... to write another commit of that tree]
#   make deps         everything any target installs
#   make check        every step above but kunit-kasan, sim and bench, each
#                     run even if one before failed; ends with
#                     "check: N passed, N failed"
#
# KERNEL_SRC=/path/to/linux uses that 6.12 tree instead of the cached one;
# KUNIT_ARGS='...' passes extra arguments to kunit.py (--json, a filter glob).

HARNESS := ./kunit/harness.sh
SERIES := ./kunit/series.sh
CACHE := $(or $(SVM_CORE_CACHE),.cache)
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# What make check runs, in this order, one kernel build at a time. Not
# kunit-kasan: the x86_64 kernel of e2e and series runs the same suites
# under KASAN, and the core runs under UBSan in userspace's fuzzing.
CHECK_STEPS := lint test-harness userspace kunit e2e series glue warnings

export KERNEL_SRC KUNIT_ARGS SVM_CORE_CACHE GLUE_MODPOST

.PHONY: all check deps tree writeback kunit kunit-kasan lint warnings e2e userspace sim bench test-harness series glue clean distclean help

all: kunit

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@$(HARNESS) deps all

tree:
	@$(HARNESS) deps tree
	@$(HARNESS) tree

writeback:
	@$(HARNESS) deps tree
	@$(HARNESS) writeback $(REV)

kunit:
	@$(HARNESS) deps kunit
	@$(HARNESS) kunit uml

kunit-kasan:
	@$(HARNESS) deps kunit-kasan
	@$(HARNESS) kunit uml-kasan

e2e:
	@$(HARNESS) deps e2e
	@$(SERIES) e2e

lint:
	@$(HARNESS) deps lint
	@$(HARNESS) lint

warnings:
	@$(HARNESS) deps warnings
	@$(HARNESS) warnings

userspace:
	@$(HARNESS) deps userspace
	@mkdir -p $(CACHE)
	@$(MAKE) --no-print-directory -C tools/testing/svm_core \
		KTREE="$$($(HARNESS) tree)" check | tee $(CACHE)/userspace.log

sim bench:
	@$(HARNESS) deps $@
	@$(MAKE) --no-print-directory -C tools/testing/svm_core \
		KTREE="$$($(HARNESS) tree)" $@

test-harness:
	@$(HARNESS) deps test-harness
	@mkdir -p $(CACHE)
	@python3 kunit/svm_harness_test.py 2>&1 | tee $(CACHE)/harness-test.log

series:
	@$(HARNESS) deps series
	@$(SERIES) series

glue:
	@$(HARNESS) deps glue
	@$(SERIES) glue

# Every step runs, also after one failed; the closing line counts every
# test of every step, and a step that failed without a failed test (a
# build error, lint) as one failed check.
check:
	@$(HARNESS) deps check
	@mkdir -p $(CACHE)
	@rm -f $(CACHE)/kunit-*.log $(CACHE)/klog-*.log $(CACHE)/userspace.log \
		$(CACHE)/ktap-*.log $(CACHE)/run-by.log \
		$(CACHE)/harness-test.log $(CACHE)/check-steps
	@for step in $(CHECK_STEPS); do \
		$(MAKE) --no-print-directory $$step; \
		echo "$$step $$?" >> $(CACHE)/check-steps; \
	done; \
	$(HARNESS) summary $(CACHE)/check-steps

# Build directories and generated patches only; the trees (and the glue
# baseline) stay.
clean:
	rm -rf $(CACHE)/build-* $(CACHE)/series

distclean:
	rm -rf $(CACHE)
