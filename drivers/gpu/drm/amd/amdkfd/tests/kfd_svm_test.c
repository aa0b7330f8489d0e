// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suites for amdkfd's shared virtual memory, run without a GPU.
 *
 * Included at the end of kfd_svm.c (as drivers/gpu/drm/xe/tests/ are), so
 * the suites reach its static functions. Each test builds a kfd_process
 * with no device on the test thread's own mm (kunit_vm_mmap()), enters it
 * in kfd_processes_table so that the MMU notifier finds it by mm, and
 * drives amdkfd's own entry points: SET_ATTR and GET_ATTR through
 * svm_ioctl(), munmap through vm_munmap() and the real interval notifier,
 * the deferred list work and the range lookups. State only a GPU creates
 * (VRAM pages of a range and the VRAM BO that holds them) is forged where
 * a test needs it: each such test says so. Every test ends by checking
 * that lockdep is still on: a lockdep report switches it off, and the test
 * that caused it fails. This process fixture is shared with the suites of
 * kfd_migrate.c and kfd_queue.c (tests/kfd_svm_test.h).
 *
 * Copyright 2026 The svm_core authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include "kfd_svm_test.h"

/* svm_core_range_record() and the validators are exported for tests only */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void t_teardown(void *data)
{
	struct kfd_svm_test *t = data;
	struct kfd_process *p = t->p;

	if (t->torn_down)
		return;
	t->torn_down = true;
	/* A test that failed while holding the work back: let it run */
	if (t->work_held) {
		enable_work(&p->svms.deferred_list_work);
		schedule_deferred_list_work(&p->svms);
	}
	flush_work(&p->svms.deferred_list_work);
	/* A forged GPU has no interrupt rings to drain */
	p->n_pdds = 0;
	bitmap_zero(p->svms.bitmap_supported, MAX_GPU_INSTANCE);
	mutex_lock(&kfd_processes_mutex);
	hash_del_rcu(&p->kfd_processes);
	mutex_unlock(&kfd_processes_mutex);
	synchronize_srcu(&kfd_processes_srcu);
	svm_range_list_fini(p);
	mutex_destroy(&t->info->lock);
}

struct kfd_svm_test *kfd_test_setup(struct kunit *test, bool xnack)
{
	struct kfd_svm_test *t;
	unsigned long addr;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	addr = kunit_vm_mmap(test, NULL, 0, T_PAGES * PAGE_SIZE + SZ_2M,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE(test, addr, 0UL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	t->base = ALIGN(addr, SZ_2M) >> PAGE_SHIFT;

	t->info = kunit_kzalloc(test, sizeof(*t->info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->info);
	mutex_init(&t->info->lock);

	t->p = kunit_kzalloc(test, sizeof(*t->p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->p);
	kref_init(&t->p->ref);
	t->p->mm = current->mm;
	t->p->lead_thread = current;
	t->p->xnack_enabled = xnack;
	t->p->kgd_process_info = t->info;
	KUNIT_ASSERT_EQ(test, svm_range_list_init(t->p), 0);

	mutex_lock(&kfd_processes_mutex);
	hash_add_rcu(kfd_processes_table, &t->p->kfd_processes,
		     (uintptr_t)t->p->mm);
	mutex_unlock(&kfd_processes_mutex);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, t_teardown, t), 0);
	return t;
}

/* Tear down on the test thread, while its mm is alive. */
void kfd_test_done(struct kunit *test, struct kfd_svm_test *t)
{
	kunit_release_action(test, t_teardown, t);
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
			      "lockdep reported a problem (see the kernel log)");
}

int kfd_test_set_attr(struct kfd_svm_test *t, unsigned long first,
		      unsigned long npages, u32 gran, u32 flags)
{
	struct kfd_ioctl_svm_attribute attrs[] = {
		{ .type = KFD_IOCTL_SVM_ATTR_GRANULARITY, .value = gran },
		{ .type = KFD_IOCTL_SVM_ATTR_SET_FLAGS, .value = flags },
	};

	return svm_ioctl(t->p, KFD_IOCTL_SVM_OP_SET_ATTR,
			 (t->base + first) << PAGE_SHIFT, npages << PAGE_SHIFT,
			 ARRAY_SIZE(attrs), attrs);
}

static int t_get_attr(struct kfd_svm_test *t, unsigned long first,
		      unsigned long npages, u32 *gran, u32 *flags)
{
	struct kfd_ioctl_svm_attribute attrs[] = {
		{ .type = KFD_IOCTL_SVM_ATTR_GRANULARITY },
		{ .type = KFD_IOCTL_SVM_ATTR_SET_FLAGS },
	};
	int r;

	r = svm_ioctl(t->p, KFD_IOCTL_SVM_OP_GET_ATTR,
		      (t->base + first) << PAGE_SHIFT, npages << PAGE_SHIFT,
		      ARRAY_SIZE(attrs), attrs);
	*gran = attrs[0].value;
	*flags = attrs[1].value;
	return r;
}

void kfd_test_munmap(struct kunit *test, struct kfd_svm_test *t,
		     unsigned long first, unsigned long npages)
{
	KUNIT_ASSERT_EQ(test, vm_munmap((t->base + first) << PAGE_SHIFT,
					npages << PAGE_SHIFT), 0);
}

/* Let the deferred list work run, and wait for it. */
void kfd_test_release_work(struct kfd_svm_test *t)
{
	t->work_held = false;
	enable_work(&t->p->svms.deferred_list_work);
	schedule_deferred_list_work(&t->p->svms);
	t_flush(t);
}

/* Expect exactly the registered ranges [want[i][0], want[i][1]], in pages. */
static void t_expect_ranges(struct kunit *test, struct kfd_svm_test *t,
			    const unsigned long (*want)[2], unsigned int n)
{
	struct svm_range *prange;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, t_nranges(t), n);
	/* The set holds exactly the registered ranges, and is consistent. */
	mutex_lock(&t->p->svms.lock);
	KUNIT_EXPECT_EQ(test, t->p->svms.set.nr, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&t->p->svms.set), 0);
	mutex_unlock(&t->p->svms.lock);
	for (i = 0; i < n; i++) {
		prange = t_range(t, want[i][0]);
		KUNIT_ASSERT_NOT_NULL_MSG(test, prange, "no range at page %lu",
					  want[i][0]);
		KUNIT_EXPECT_EQ_MSG(test, t_start(prange) - t->base, want[i][0],
				    "range %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t_last(prange) - t->base, want[i][1],
				    "range %u", i);
	}
}

static u32 t_gran_at(struct kunit *test, struct kfd_svm_test *t,
		     unsigned long page)
{
	struct svm_range *prange = t_range(t, page);

	KUNIT_ASSERT_NOT_NULL(test, prange);
	return t_granularity(prange);
}

int kfd_test_suite_init(struct kunit_suite *suite)
{
	/* A GPU probe would have set the memory limits; there is none here. */
	amdgpu_amdkfd_gpuvm_init_mem_limits();
	return 0;
}

static const bool xnack_modes[] = { false, true };

static void xnack_desc(const bool *x, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "xnack %s", *x ? "on" : "off");
}

KUNIT_ARRAY_PARAM(xnack, xnack_modes, xnack_desc);

static bool t_xnack(struct kunit *test)
{
	return *(const bool *)test->param_value;
}

/* ------------------------------------------------------------ attr ---- */

static void set_attr_new_range(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 1023 } };
	u32 gran, flags;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 4,
						KFD_IOCTL_SVM_FLAG_GPU_RO), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 0, 1024, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, 4U);
	KUNIT_EXPECT_TRUE(test, flags & KFD_IOCTL_SVM_FLAG_GPU_RO);
	KUNIT_EXPECT_TRUE(test, flags & KFD_IOCTL_SVM_FLAG_HOST_ACCESS);
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 0)), 0ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(t_range(t, 0)), 0U);
	kfd_test_done(test, t);
}

/*
 * amdgpu.svm_adaptive_window, as svm_range_list_init() read it: new ranges
 * get svm_core's adaptive GPU-fault window, and the parts of a split keep
 * it; off, the granularity block of 6.12. The test sets the per-process
 * copy, not the module parameter itself. (The GPU fault that uses it needs
 * a GPU; svm_core_decide's adaptive cases pin the windows themselves.)
 */
static void set_attr_adaptive_window(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 255 }, { 256, 511 }, { 512, 1023 }, { 1024, 2047 },
	};

	KUNIT_EXPECT_FALSE(test, t->p->svms.adaptive_window);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 1024, 1024, 9, 0), 0);
	t->p->svms.adaptive_window = true;
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 256, 256, 4, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_range(t, 0)->core.window_policy,
			(u8)SVM_CORE_WINDOW_ADAPTIVE);
	KUNIT_EXPECT_EQ(test, t_range(t, 256)->core.window_policy,
			(u8)SVM_CORE_WINDOW_ADAPTIVE);
	KUNIT_EXPECT_EQ(test, t_range(t, 512)->core.window_policy,
			(u8)SVM_CORE_WINDOW_ADAPTIVE);
	KUNIT_EXPECT_EQ(test, t_range(t, 1024)->core.window_policy,
			(u8)SVM_CORE_WINDOW_FIXED);
	kfd_test_done(test, t);
}

static void set_attr_overlap_head(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 255 }, { 256, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 256, 4, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 0), 4U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 256), 9U);
	kfd_test_done(test, t);
}

static void set_attr_overlap_tail(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 767 }, { 768, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 768, 256, 4, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 0), 9U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 1023), 4U);
	kfd_test_done(test, t);
}

static void set_attr_overlap_middle(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 299 }, { 300, 699 }, { 700, 1023 },
	};

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 300, 400, 2, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 0), 9U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 500), 2U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 1023), 9U);
	kfd_test_done(test, t);
}

/* Two ranges with a hole between them, one SET_ATTR across all three. */
static void set_attr_across_ranges(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 127 }, { 128, 255 }, { 256, 511 }, { 512, 639 },
		{ 640, 767 },
	};

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 256, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 256, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 128, 512, 3, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 0), 9U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 128), 3U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 300), 3U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 600), 3U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 700), 9U);
	kfd_test_done(test, t);
}

/*
 * The same attributes again over part of a range that no GPU maps yet still
 * split it: only a range mapped to a GPU is left whole.
 */
static void set_attr_same_attrs_unmapped_splits(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 99 }, { 100, 299 }, { 300, 1023 },
	};

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 5, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 100, 200, 5, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	kfd_test_done(test, t);
}

/* mapped_to_gpu forged: a GPU mapped the range before. */
static void set_attr_same_attrs_mapped_no_split(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 1023 } };
	struct svm_range *before;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 5, 0), 0);
	before = t_range(t, 0);
	before->mapped_to_gpu = true;
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 100, 200, 5, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_PTR_EQ(test, t_range(t, 0), before);
	kfd_test_done(test, t);
}

/*
 * Every page of a range SET_ATTR replaces must stay covered by an inserted
 * MMU interval notifier: the replacing ranges' notifiers go in before the
 * old one comes out, or an invalidation through the reverse map (reclaim,
 * NUMA or compaction migration) in between reaches no notifier. Checked in
 * a static stub of svm_range_remove_notifier(), at the moment each old
 * notifier is removed.
 */
static void t_remove_notifier_stub(struct svm_range *old)
{
	struct kunit *test = kunit_get_current_test();
	struct svm_range *prange;
	unsigned long covered = 0, s, l;

	list_for_each_entry(prange, &old->svms->list, list) {
		if (prange == old || !prange->notifier.mm)
			continue;
		s = max(prange->notifier.interval_tree.start >> PAGE_SHIFT,
			t_start(old));
		l = min(prange->notifier.interval_tree.last >> PAGE_SHIFT,
			t_last(old));
		if (l >= s)
			covered += l - s + 1;
	}
	KUNIT_EXPECT_EQ_MSG(test, covered, t_last(old) - t_start(old) + 1,
			    "pages of [0x%lx 0x%lx] without a notifier while it is replaced",
			    t_start(old), t_last(old));
	if (old->notifier.interval_tree.start && old->notifier.interval_tree.last)
		mmu_interval_notifier_remove(&old->notifier);
}

static void set_attr_notifiers_cover_replaced(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 512, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 512, 9, 0), 0);
	kunit_activate_static_stub(test, svm_range_remove_notifier,
				   t_remove_notifier_stub);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 256, 512, 3, 0), 0);
	kunit_deactivate_static_stub(test, svm_range_remove_notifier);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 4U);
	kfd_test_done(test, t);
}

/* max_svm_range_pages cuts a new range at multiples of itself. */
static void set_attr_max_pages_cuts(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 255 }, { 256, 511 }, { 512, 767 }, { 768, 1023 },
		{ 1024, 1099 },
	};
	u64 saved = READ_ONCE(max_svm_range_pages);

	WRITE_ONCE(max_svm_range_pages, 256);
	KUNIT_EXPECT_EQ(test, kfd_test_set_attr(t, 0, 1100, 9, 0), 0);
	WRITE_ONCE(max_svm_range_pages, saved);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	kfd_test_done(test, t);
}

/* Bad input: an error, and no range. */
static void set_attr_unmapped_fails(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);

	kfd_test_munmap(test, t, 1024, 1024);
	KUNIT_EXPECT_EQ(test, kfd_test_set_attr(t, 1000, 100, 9, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	kfd_test_done(test, t);
}

static void set_attr_bad_input_fails(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct kfd_ioctl_svm_attribute bad = { .type = 0x7f, .value = 0 };
	struct kfd_ioctl_svm_attribute nogpu = {
		.type = KFD_IOCTL_SVM_ATTR_ACCESS, .value = 0x1234,
	};

	KUNIT_EXPECT_EQ(test, svm_ioctl(t->p, KFD_IOCTL_SVM_OP_SET_ATTR,
					t->base << PAGE_SHIFT, SZ_64K, 1, &bad),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, svm_ioctl(t->p, KFD_IOCTL_SVM_OP_SET_ATTR,
					t->base << PAGE_SHIFT, SZ_64K, 1, &nogpu),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kfd_test_set_attr(t, 0, 0, 9, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, svm_ioctl(t->p, 0x7f, t->base << PAGE_SHIFT,
					SZ_64K, 1, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	kfd_test_done(test, t);
}

static void get_attr_unregistered_defaults(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	u32 gran, flags;

	KUNIT_EXPECT_EQ(test, t_get_attr(t, 0, 64, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, (u32)t->p->svms.default_granularity);
	KUNIT_EXPECT_EQ(test, flags, (u32)(KFD_IOCTL_SVM_FLAG_HOST_ACCESS |
					   KFD_IOCTL_SVM_FLAG_COHERENT));
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	kfd_test_done(test, t);
}

/* Over several ranges GET_ATTR returns the smallest granularity. */
static void get_attr_mixed_ranges(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	u32 gran, flags;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 512, 9, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 512, 3,
						KFD_IOCTL_SVM_FLAG_GPU_RO), 0);
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 0, 1024, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, 3U);
	KUNIT_EXPECT_FALSE(test, flags & KFD_IOCTL_SVM_FLAG_GPU_RO);
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 512, 512, &gran, &flags), 0);
	KUNIT_EXPECT_TRUE(test, flags & KFD_IOCTL_SVM_FLAG_GPU_RO);
	kfd_test_done(test, t);
}

static struct kunit_case amdkfd_svm_attr_cases[] = {
	KUNIT_CASE_PARAM(set_attr_new_range, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_overlap_head, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_overlap_tail, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_overlap_middle, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_across_ranges, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_same_attrs_unmapped_splits, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_same_attrs_mapped_no_split, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_notifiers_cover_replaced, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_max_pages_cuts, xnack_gen_params),
	KUNIT_CASE_PARAM(set_attr_adaptive_window, xnack_gen_params),
	KUNIT_CASE(set_attr_unmapped_fails),
	KUNIT_CASE(set_attr_bad_input_fails),
	KUNIT_CASE(get_attr_unregistered_defaults),
	KUNIT_CASE(get_attr_mixed_ranges),
	{}
};

static struct kunit_suite amdkfd_svm_attr_suite = {
	.name = "amdkfd_svm_attr",
	.suite_init = kfd_test_suite_init,
	.test_cases = amdkfd_svm_attr_cases,
};

/* ----------------------------------------------------------- unmap ---- */

static void unmap_head(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 256, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	kfd_test_munmap(test, t, 0, 256);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_NULL(test, t_range(t, 0));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 256), 6U);
	kfd_test_done(test, t);
}

static void unmap_tail(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 767 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	kfd_test_munmap(test, t, 768, 256);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_NULL(test, t_range(t, 768));
	kfd_test_done(test, t);
}

static void unmap_middle(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 299 }, { 700, 1023 } };
	u32 gran, flags;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6,
						KFD_IOCTL_SVM_FLAG_GPU_RO), 0);
	kfd_test_munmap(test, t, 300, 400);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_NULL(test, t_range(t, 300));
	KUNIT_EXPECT_NULL(test, t_range(t, 699));
	/* Both parts keep the attributes of the range they came from. */
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 700, 324, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, 6U);
	KUNIT_EXPECT_TRUE(test, flags & KFD_IOCTL_SVM_FLAG_GPU_RO);
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 0, 300, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, 6U);
	kfd_test_done(test, t);
}

static void unmap_whole(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	kfd_test_munmap(test, t, 0, 1024);
	t_flush(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	KUNIT_EXPECT_NULL(test, t_range(t, 0));
	kfd_test_done(test, t);
}

/* One munmap over the end of one range and the start of the next. */
static void unmap_across_ranges(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = { { 0, 399 }, { 600, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 512, 6, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 512, 7, 0), 0);
	kfd_test_munmap(test, t, 400, 200);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 0), 6U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 600), 7U);
	kfd_test_done(test, t);
}

/*
 * Two munmaps before the deferred work runs: the second splits the child
 * the first one left. Held back with disable_work(), the split parts are
 * children of the first range; lookups must still find the ones that stay
 * mapped, and once the work runs they are ranges of their own.
 */
static void unmap_twice_children(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	static const unsigned long want[][2] = {
		{ 0, 99 }, { 200, 599 }, { 800, 1023 },
	};
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	t_hold_work(t);
	kfd_test_munmap(test, t, 100, 100);
	kfd_test_munmap(test, t, 600, 200);
	/* Pending: what stays mapped is found where it now is. */
	prange = t_range(t, 300);
	KUNIT_EXPECT_NOT_NULL(test, prange);
	if (prange) {
		KUNIT_EXPECT_EQ(test, t_start(prange) - t->base, 200UL);
		KUNIT_EXPECT_EQ(test, t_last(prange) - t->base, 599UL);
	}
	prange = t_range(t, 900);
	KUNIT_EXPECT_NOT_NULL(test, prange);
	if (prange)
		KUNIT_EXPECT_EQ(test, t_last(prange) - t->base, 1023UL);
	kfd_test_release_work(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	kfd_test_done(test, t);
}

/*
 * The range a GPU fault at @page would work on, as svm_range_restore_pages()
 * finds it: the registered range holding the page, else the boundaries a
 * new unregistered range would get (svm_range_create_unregistered_range()
 * needs a GPU from there on).
 */
static int t_fault_bounds(struct kfd_svm_test *t, unsigned long page,
			  unsigned long *start, unsigned long *last)
{
	struct svm_range *prange;
	bool heap_stack;
	int r = 0;

	mmap_read_lock(current->mm);
	mutex_lock(&t->p->svms.lock);
	prange = svm_range_from_addr(&t->p->svms, t->base + page, NULL);
	if (prange) {
		*start = t_start(prange);
		*last = t_last(prange);
	} else {
		r = svm_range_get_range_boundaries(t->p, t->base + page, start,
						   last, &heap_stack);
	}
	mutex_unlock(&t->p->svms.lock);
	mmap_read_unlock(current->mm);
	*start -= t->base;
	*last -= t->base;
	return r;
}

/*
 * A fault in the hole an munmap left, mapped again, before the deferred
 * work ran: the range it works on holds the page and overlaps no part
 * that stays mapped, pending children included.
 */
static void unmap_pending_fault_boundaries(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	unsigned long start, last;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 512, 6, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 1024, 512, 6, 0), 0);
	t_hold_work(t);
	/* Keep [0, 99], unmap [100, 199], keep [200, 511] as a child. */
	kfd_test_munmap(test, t, 100, 100);
	KUNIT_ASSERT_EQ(test, vm_mmap(NULL, (t->base + 100) << PAGE_SHIFT,
				      100 << PAGE_SHIFT, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0),
			(t->base + 100) << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, t_fault_bounds(t, 150, &start, &last), 0);
	KUNIT_EXPECT_LE(test, start, 150UL);
	KUNIT_EXPECT_GE(test, last, 150UL);
	KUNIT_EXPECT_GE(test, start, 100UL);
	KUNIT_EXPECT_LE(test, last, 199UL);
	/* The kept child is found where it is. */
	KUNIT_EXPECT_EQ(test, t_fault_bounds(t, 300, &start, &last), 0);
	KUNIT_EXPECT_EQ(test, start, 200UL);
	KUNIT_EXPECT_EQ(test, last, 511UL);
	kfd_test_release_work(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 3U);
	kfd_test_done(test, t);
}

/*
 * A fault beyond a range whose tail an munmap split off as a pending child:
 * the new range must not reach back over the child, which is still mapped.
 */
static void unmap_pending_child_fault_beyond(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	unsigned long start, last;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 601, 6, 0), 0);
	t_hold_work(t);
	/* Keep [0, 99], unmap [100, 199], keep [200, 600] as a child. */
	kfd_test_munmap(test, t, 100, 100);
	KUNIT_EXPECT_EQ(test, t_fault_bounds(t, 700, &start, &last), 0);
	KUNIT_EXPECT_GE(test, start, 601UL);
	KUNIT_EXPECT_LE(test, start, 700UL);
	KUNIT_EXPECT_GE(test, last, 700UL);
	KUNIT_EXPECT_LE(test, last, 1023UL);
	kfd_test_release_work(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 2U);
	kfd_test_done(test, t);
}

/*
 * GET_ATTR racing with an munmap whose deferred work has not run (held back
 * here) reports the attributes of the parts that stay mapped.
 */
static void unmap_pending_child_get_attr(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	u32 gran, flags;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6,
						KFD_IOCTL_SVM_FLAG_GPU_RO), 0);
	t_hold_work(t);
	kfd_test_munmap(test, t, 300, 100);
	KUNIT_EXPECT_EQ(test, t_get_attr(t, 400, 624, &gran, &flags), 0);
	KUNIT_EXPECT_EQ(test, gran, 6U);
	KUNIT_EXPECT_TRUE(test, flags & KFD_IOCTL_SVM_FLAG_GPU_RO);
	kfd_test_release_work(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 2U);
	kfd_test_done(test, t);
}

/* munmap then SET_ATTR over the hole and around it. */
static void unmap_then_set_attr(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	kfd_test_munmap(test, t, 300, 100);
	/* SET_ATTR flushes the deferred work first, then finds the hole. */
	KUNIT_EXPECT_EQ(test, kfd_test_set_attr(t, 200, 400, 3, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, kfd_test_set_attr(t, 400, 400, 3, 0), 0);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 3U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 299), 6U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 400), 3U);
	KUNIT_EXPECT_EQ(test, t_gran_at(test, t, 800), 6U);
	kfd_test_done(test, t);
}

static struct kunit_case amdkfd_svm_unmap_cases[] = {
	KUNIT_CASE_PARAM(unmap_head, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_tail, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_middle, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_whole, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_across_ranges, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_twice_children, xnack_gen_params),
	KUNIT_CASE(unmap_pending_fault_boundaries),
	KUNIT_CASE(unmap_pending_child_fault_beyond),
	KUNIT_CASE_PARAM(unmap_pending_child_get_attr, xnack_gen_params),
	KUNIT_CASE_PARAM(unmap_then_set_attr, xnack_gen_params),
	{}
};

static struct kunit_suite amdkfd_svm_unmap_suite = {
	.name = "amdkfd_svm_unmap",
	.suite_init = kfd_test_suite_init,
	.test_cases = amdkfd_svm_unmap_cases,
};

/* ------------------------------------------------------------ vram ---- */

/*
 * Forge what a migration of pages [first, last] of @prange to VRAM leaves
 * on a GPU: the pages recorded as moved (svm_core_range_record(), as
 * svm_migrate_ram_to_vram() records them), a TTM resource and a reference
 * on the range's VRAM BO. The BO is a stand-in whose reference count the
 * test holds one of, so it is never released; no amdgpu_bo behind it. The
 * test checks at the end that every reference a range took was given back.
 */
void kfd_test_forge_vram(struct kunit *test, struct kfd_svm_test *t,
			 struct svm_range *prange, unsigned long first,
			 unsigned long last)
{
	static struct ttm_resource forged_res;

	if (!t->svm_bo) {
		t->svm_bo = kunit_kzalloc(test, sizeof(*t->svm_bo), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->svm_bo);
		kref_init(&t->svm_bo->kref);
		INIT_LIST_HEAD(&t->svm_bo->range_list);
		spin_lock_init(&t->svm_bo->list_lock);
	}
	mutex_lock(&prange->migrate_mutex);
	svm_range_lock(prange);
	KUNIT_EXPECT_EQ(test, svm_core_range_record(&prange->core, first, last,
						    T_GPU_ID, 0, GFP_KERNEL), 0);
	svm_range_unlock(prange);
	prange->ttm_res = &forged_res;
	prange->svm_bo = svm_range_bo_ref(t->svm_bo);
	spin_lock(&t->svm_bo->list_lock);
	list_add(&prange->svm_bo_list, &t->svm_bo->range_list);
	spin_unlock(&t->svm_bo->list_lock);
	mutex_unlock(&prange->migrate_mutex);
}

unsigned int kfd_test_bo_refs(struct kfd_svm_test *t)
{
	return kref_read(&t->svm_bo->kref);
}

/*
 * A GPU fault moved the second 2 MiB window of a 4 MiB range to VRAM; user
 * space unmaps exactly that window. The munmap splits the range under the
 * range lock, in the MMU notifier: nothing there may take that lock again
 * or drop the last BO reference. Afterwards the part left holds no VRAM
 * page, and every BO reference is given back once the ranges go.
 */
static void vram_unmap_migrated_window(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	static const unsigned long want[][2] = { { 0, 511 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	kfd_test_forge_vram(test, t, t_range(t, 0), t->base + 512, t->base + 1023);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 2U);
	kfd_test_munmap(test, t, 512, 512);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 0)), 0ULL);
	/* The part unmapped gave its reference back; 6.12 keeps the other */
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 2U);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

/* The same, with the VRAM window in the middle of the part unmapped. */
static void vram_unmap_middle_counts(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	static const unsigned long want[][2] = { { 0, 299 }, { 700, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	/* VRAM pages [200, 799]: 100 stay in the head, 100 in the tail. */
	kfd_test_forge_vram(test, t, t_range(t, 0), t->base + 200, t->base + 799);
	kfd_test_munmap(test, t, 300, 400);
	t_flush(t);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 0)), 100ULL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 700)), 100ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(t_range(t, 0)), (u32)T_GPU_ID);
	KUNIT_EXPECT_EQ(test, t_actual_loc(t_range(t, 700)), (u32)T_GPU_ID);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

/* Unmapping a range with VRAM pages gives its BO reference back. */
static void vram_unmap_whole_releases_bo(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	kfd_test_forge_vram(test, t, t_range(t, 0), t->base, t->base + 1023);
	kfd_test_munmap(test, t, 0, 1024);
	t_flush(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
	kfd_test_done(test, t);
}

/*
 * SET_ATTR over part of a range with VRAM pages clones it; the clones share
 * the BO and the old range's reference is given back. Prefetch stays
 * undefined, so nothing migrates.
 */
static void vram_set_attr_split_counts(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	static const unsigned long want[][2] = { { 0, 511 }, { 512, 1023 } };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	kfd_test_forge_vram(test, t, t_range(t, 0), t->base + 256, t->base + 767);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 512, 4, 0), 0);
	t_expect_ranges(test, t, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 0)), 256ULL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(t_range(t, 512)), 256ULL);
	/* One reference per part; the old range gave its own back */
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 3U);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

/*
 * Forge a GPU the process has opened: a process device with @gpu_id, a
 * kfd_node and an amdgpu_device that has @vram_size bytes of VRAM of which
 * @vram_used are in use. Enough for SET_ATTR to accept the GPU as a
 * location and for a migration to VRAM to reserve VRAM, nothing beyond:
 * no test may reach the BO allocation or the SDMA copy.
 */
static void t_forge_gpu(struct kunit *test, struct kfd_svm_test *t,
			u32 gpu_id, u64 vram_size, u64 vram_used)
{
	struct amdgpu_device *adev;
	struct kfd_node *node;

	adev = kunit_kzalloc(test, sizeof(*adev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, adev);
	adev->gmc.real_vram_size = vram_size;
	adev->kfd.vram_used[0] = vram_used;
	node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, node);
	node->adev = adev;
	t->pdd = kunit_kzalloc(test, sizeof(*t->pdd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pdd);
	t->pdd->dev = node;
	t->pdd->process = t->p;
	t->pdd->user_gpu_id = gpu_id;
	t->p->pdds[0] = t->pdd;
	t->p->n_pdds = 1;
	bitmap_set(t->p->svms.bitmap_supported, 0, 1);
}

/*
 * Prefetch to a GPU whose VRAM is all in use (forged): the migration fails
 * at the VRAM reservation, before any BO is allocated. As in 6.12, SET_ATTR
 * still succeeds and the range stays in system memory: VRAM
 * oversubscription is not an ioctl error (hipMemPrefetchAsync relies on
 * it), and the VRAM reservation is given back. Mapping the range on the
 * GPU afterwards needs a GPU and is not checked here.
 */
static void vram_prefetch_exhausted_succeeds(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, t_xnack(test));
	struct kfd_ioctl_svm_attribute attr = {
		.type = KFD_IOCTL_SVM_ATTR_PREFETCH_LOC, .value = T_GPU_ID,
	};
	struct amdgpu_device *adev;
	struct svm_range *prange;

	t_forge_gpu(test, t, T_GPU_ID, SZ_1G, SZ_1G);
	adev = t->pdd->dev->adev;
	KUNIT_EXPECT_EQ(test, svm_ioctl(t->p, KFD_IOCTL_SVM_OP_SET_ATTR,
					t->base << PAGE_SHIFT, SZ_4M, 1, &attr),
			0);
	prange = t_range(t, 0);
	KUNIT_ASSERT_NOT_NULL(test, prange);
	KUNIT_EXPECT_EQ(test, prange->prefetch_loc, (u32)T_GPU_ID);
	KUNIT_EXPECT_EQ(test, t_actual_loc(prange), 0U);
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 0ULL);
	KUNIT_EXPECT_NULL(test, prange->svm_bo);
	KUNIT_EXPECT_EQ(test, adev->kfd.vram_used[0], (s64)SZ_1G);
	kfd_test_done(test, t);
}

/* An unknown GPU id is bad input: -EINVAL, and no range. */
static void vram_prefetch_unknown_gpu_fails(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct kfd_ioctl_svm_attribute attr = {
		.type = KFD_IOCTL_SVM_ATTR_PREFETCH_LOC, .value = T_GPU_ID + 1,
	};

	t_forge_gpu(test, t, T_GPU_ID, SZ_1G, 0);
	KUNIT_EXPECT_EQ(test, svm_ioctl(t->p, KFD_IOCTL_SVM_OP_SET_ATTR,
					t->base << PAGE_SHIFT, SZ_4M, 1, &attr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 0U);
	kfd_test_done(test, t);
}

/*
 * A range whose VRAM pages all went back to system memory gave its BO
 * reference back (svm_range_vram_node_free()) but keeps its svm_bo
 * pointer while the BO lives for other ranges. SET_ATTR over part of it
 * clones it: the clones must not take references through that pointer,
 * which nothing would ever drop (the BO, and its VRAM, would leak).
 */
static void vram_clone_after_vram_left(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	kfd_test_forge_vram(test, t, prange, t->base, t->base + 1023);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 2U);
	/* As after the last VRAM page migrated back */
	svm_range_vram_node_free(prange);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 256, 512, 4, 0), 0);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 3U);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

/*
 * An munmap left a part a BO reference but none of the VRAM pages (kept as
 * in 6.12: the notifier must not drop it). Its next migration to VRAM
 * gives that reference back and asks for a new BO: svm_core kept no offset
 * for a part without VRAM pages, so the old slice cannot be reused.
 */
static void vram_validate_gives_back_split_ref(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	kfd_test_forge_vram(test, t, prange, t->base + 512, t->base + 1023);
	kfd_test_munmap(test, t, 512, 512);
	t_flush(t);
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 0ULL);
	KUNIT_EXPECT_NOT_NULL(test, prange->ttm_res);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 2U);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_FALSE(test, svm_range_validate_svm_bo(NULL, prange));
	mutex_unlock(&prange->migrate_mutex);
	KUNIT_EXPECT_NULL(test, prange->ttm_res);
	KUNIT_EXPECT_NULL(test, prange->svm_bo);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

static struct kunit_case amdkfd_svm_vram_cases[] = {
	KUNIT_CASE(vram_unmap_migrated_window),
	KUNIT_CASE(vram_unmap_middle_counts),
	KUNIT_CASE(vram_unmap_whole_releases_bo),
	KUNIT_CASE(vram_set_attr_split_counts),
	KUNIT_CASE(vram_clone_after_vram_left),
	KUNIT_CASE_PARAM(vram_prefetch_exhausted_succeeds, xnack_gen_params),
	KUNIT_CASE(vram_prefetch_unknown_gpu_fails),
	KUNIT_CASE(vram_validate_gives_back_split_ref),
	{}
};

static struct kunit_suite amdkfd_svm_vram_suite = {
	.name = "amdkfd_svm_vram",
	.suite_init = kfd_test_suite_init,
	.test_cases = amdkfd_svm_vram_cases,
};

kunit_test_suites(&amdkfd_svm_attr_suite, &amdkfd_svm_unmap_suite,
		  &amdkfd_svm_vram_suite);
