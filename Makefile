# SPDX-License-Identifier: GPL-2.0
#
# svm_core: the targets a maintainer and CI run. Every target sets up what
# it needs (Debian packages, the Linux 6.12 tree in .cache/) by itself.
#
#   make kunit        KUnit suites under UML through kunit.py (the main job)
#   make kunit-kasan  the same suites with KASAN and UBSAN
#   make e2e          one x86_64 QEMU kernel from the series branch: svm_core
#                     on device-private memory and amdkfd's suites (amdgpu
#                     built in), kernel log free of lockdep/WARNING/BUG
#   make lint         checkpatch --strict and kernel-doc -Wall, zero warnings
#   make warnings     W=1 and sparse on lib/svm_core, zero warnings
#   make userspace    the core built in user space: svm-replay examples and
#                     1,000,000 fuzzed operations against a per-page model
#                     (ASan+UBSan)
#   make sim          trace-driven simulator: policies vs an oracle (table, SVG)
#   make bench        instructions per operation (callgrind), 1e3..1e6 ranges
#   make test-harness the harness's own unit tests (Python, no kernel tree)
#   make series       the upstream series (patches/) as commits on 6.12,
#                     under your git identity: format-patch + cover letter,
#                     checkpatch, each commit compiled, amdkfd suites at the
#                     tests patch and at the tip
#   make glue         amdkfd with and without the series: W=1 + sparse, no
#                     new warning; ld -r and exports of new symbols
#   make check        everything CI runs
#
# KERNEL_SRC=/path/to/linux uses that 6.12 tree instead of the cached one;
# KUNIT_ARGS='...' passes extra arguments to kunit.py (--json, a filter glob).

HARNESS := ./kunit/harness.sh
SERIES := ./kunit/series.sh
CACHE := $(or $(SVM_CORE_CACHE),.cache)
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

export KERNEL_SRC KUNIT_ARGS SVM_CORE_CACHE

.PHONY: all check deps tree kunit kunit-kasan lint warnings e2e userspace sim bench test-harness series glue clean distclean help

all: kunit

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@$(HARNESS) deps

tree: deps
	@$(HARNESS) tree

kunit: deps
	@$(HARNESS) kunit uml

kunit-kasan: deps
	@$(HARNESS) kunit uml-kasan

e2e: deps
	@$(SERIES) e2e

lint: deps
	@$(HARNESS) lint

warnings: deps
	@$(HARNESS) warnings

userspace: deps
	@mkdir -p $(CACHE)
	@$(MAKE) --no-print-directory -C tools/testing/svm_core \
		KTREE="$$($(HARNESS) tree)" check | tee $(CACHE)/userspace.log

sim bench: deps
	@$(MAKE) --no-print-directory -C tools/testing/svm_core \
		KTREE="$$($(HARNESS) tree)" $@

test-harness: deps
	@mkdir -p $(CACHE)
	@python3 kunit/svm_harness_test.py 2>&1 | tee $(CACHE)/harness-test.log

series: deps
	@$(SERIES) series

glue: deps
	@$(SERIES) glue

# One kernel build at a time: every step is sequential.
check: deps
	@rm -f $(CACHE)/kunit-*.log $(CACHE)/klog-*.log $(CACHE)/userspace.log $(CACHE)/harness-test.log
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-harness
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory kunit
	@$(MAKE) --no-print-directory kunit-kasan
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory series
	@$(MAKE) --no-print-directory glue
	@$(MAKE) --no-print-directory warnings
	@$(HARNESS) summary

# Build directories and generated patches only; the trees (and the glue
# baseline) stay.
clean:
	rm -rf $(CACHE)/build-* $(CACHE)/series

distclean:
	rm -rf $(CACHE)
