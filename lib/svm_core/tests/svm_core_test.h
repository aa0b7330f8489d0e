/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by the svm_core KUnit suites: a fake device that moves
 * pages through the core's ops, and a counting allocator for the core's
 * static stubs.
 */
#ifndef _SVM_CORE_TEST_H
#define _SVM_CORE_TEST_H

#include <kunit/test.h>
#include <linux/svm_core.h>

/**
 * struct svm_core_fake - a device whose migrations the test controls
 * @skip_start: first page a migration leaves behind (as if pinned)
 * @skip_last: last such page; @skip_start > @skip_last: none
 * @skip_calls: migrations that still leave the skipped pages behind
 *	(negative: all of them)
 * @fail_after: migrations to allow before returning @fail_err (-1: never)
 * @fail_err: the error a failing migration returns
 * @offset: allocation offset reported for a range's first device pages
 * @calls: migrations asked for
 * @released: times the core said to release the device allocation
 * @moved: pages moved, over all calls
 * @last: the last migration asked for
 * @page_loc: optional per-page location mirror the fake keeps in step
 * @page_slot: optional per-page mirror of the allocation slot each device
 *	page went to (offset of the range plus the page's distance from start)
 * @page_base: page number of @page_loc[0] and @page_slot[0]
 * @test: the running test, for assertions inside callbacks
 */
struct svm_core_fake {
	unsigned long skip_start;
	unsigned long skip_last;
	int skip_calls;
	int fail_after;
	int fail_err;
	unsigned long offset;
	unsigned int calls;
	unsigned int released;
	unsigned long moved;
	struct svm_core_migration last;
	u32 *page_loc;
	unsigned long *page_slot;
	unsigned long page_base;
	struct kunit *test;
};

extern const struct svm_core_ops svm_core_fake_ops;

void svm_core_fake_init(struct svm_core_fake *fake, struct kunit *test);

/**
 * struct svm_core_alloc_ctl - the static stub allocator's state
 * @fail_at: fail the allocation with this 1-based index (0: never)
 * @calls: allocations asked for
 * @live: arrays allocated and not yet freed
 * @last_gfp: the flags of the last allocation asked for
 */
struct svm_core_alloc_ctl {
	unsigned int fail_at;
	unsigned int calls;
	int live;
	gfp_t last_gfp;
};

struct svm_core_alloc_ctl *svm_core_alloc_stub(struct kunit *test,
					       unsigned int fail_at);

#endif /* _SVM_CORE_TEST_H */
