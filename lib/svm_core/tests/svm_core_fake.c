// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test helpers for the svm_core KUnit suites: a fake device and a counting,
 * failing allocator plugged in through the core's static stubs.
 */

#include <kunit/static_stub.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../svm_core_internal.h"
#include "svm_core_test.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Report one run to the core, mirroring it in the per-page array if any. */
static int svm_core_fake_report(struct svm_core_fake *fake,
				struct svm_core_range *r, u32 loc,
				unsigned long start, unsigned long last)
{
	unsigned long i, n = last - start + 1;
	int ret;

	ret = svm_core_range_record(r, start, last, loc,
				    r->vram_pages ? r->offset : fake->offset,
				    GFP_KERNEL);
	if (ret < 0)
		return ret;
	fake->released += ret;
	fake->moved += n;
	/* Count rather than compare pages: last may be ULONG_MAX. */
	for (i = 0; fake->page_loc && i < n; i++)
		fake->page_loc[start + i - fake->page_base] = loc;
	for (i = 0; fake->page_slot && loc && i < n; i++)
		fake->page_slot[start + i - fake->page_base] =
			r->offset + (start + i - r->start);
	return 0;
}

static int svm_core_fake_migrate(struct svm_core_range *r, u32 loc,
				 unsigned long start, unsigned long last,
				 void *priv)
{
	struct svm_core_fake *fake = priv;
	unsigned long s = start, l = last;
	int ret;

	fake->calls++;
	fake->last.op = loc ? SVM_CORE_OP_TO_DEVICE : SVM_CORE_OP_TO_SYSTEM;
	fake->last.loc = loc;
	fake->last.start = start;
	fake->last.last = last;
	if (fake->fail_after == 0)
		return fake->fail_err;
	if (fake->fail_after > 0)
		fake->fail_after--;

	/* Move [s, l] minus the skipped pages: up to two runs. */
	if (fake->skip_calls && fake->skip_start <= fake->skip_last &&
	    fake->skip_start <= l && fake->skip_last >= s) {
		if (fake->skip_calls > 0)
			fake->skip_calls--;
		if (fake->skip_start > s) {
			ret = svm_core_fake_report(fake, r, loc, s,
						   fake->skip_start - 1);
			if (ret)
				return ret;
		}
		if (fake->skip_last >= l)
			return 0;
		s = fake->skip_last + 1;
	}
	return svm_core_fake_report(fake, r, loc, s, l);
}

const struct svm_core_ops svm_core_fake_ops = {
	.migrate = svm_core_fake_migrate,
};

void svm_core_fake_init(struct svm_core_fake *fake, struct kunit *test)
{
	memset(fake, 0, sizeof(*fake));
	fake->skip_start = 1;
	fake->skip_last = 0;
	fake->skip_calls = -1;
	fake->fail_after = -1;
	fake->fail_err = -ENOMEM;
	fake->test = test;
}

/* The running test's allocator state, found through its priv pointer. */
static struct svm_core_alloc_ctl *svm_core_alloc_ctl(void)
{
	struct kunit *test = kunit_get_current_test();

	return test ? test->priv : NULL;
}

static struct svm_core_run *svm_core_stub_alloc(unsigned int n, gfp_t gfp)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_ctl();
	struct svm_core_run *runs;

	ctl->last_gfp = gfp;
	if (++ctl->calls == ctl->fail_at)
		return NULL;
	runs = kvmalloc_array(n, sizeof(*runs), gfp);
	if (runs)
		ctl->live++;
	return runs;
}

static void svm_core_stub_free(struct svm_core_run *runs)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_ctl();

	if (runs)
		ctl->live--;
	kvfree(runs);
}

/**
 * svm_core_alloc_stub() - route the core's run allocations through a counter
 * @test: the running test; its priv pointer is taken for the state
 * @fail_at: fail the allocation with this 1-based index (0: never)
 *
 * Return: the state, valid until the test ends.
 */
struct svm_core_alloc_ctl *svm_core_alloc_stub(struct kunit *test,
					       unsigned int fail_at)
{
	struct svm_core_alloc_ctl *ctl;

	ctl = kunit_kzalloc(test, sizeof(*ctl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctl);
	ctl->fail_at = fail_at;
	test->priv = ctl;
	kunit_activate_static_stub(test, svm_core_runs_alloc,
				   svm_core_stub_alloc);
	kunit_activate_static_stub(test, svm_core_runs_free,
				   svm_core_stub_free);
	return ctl;
}
