// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: amdkfd's SVM migrations with every allocation failed in turn.
 *
 * Included by kfd_svm.c after kfd_svm_gpu_test.c (the forged GPU) and
 * kfd_svm_nomem_test.c (the fault injection, the kprobes that count
 * svm_range objects, the sweep). Needs what kfd_svm_nomem_test.c needs.
 *
 * Copyright 2026 The svm_core authors
 */

/*
 * The operations that move pages, on the forged GPU of kfd_svm_gpu_test.c
 * (one GPU, XNACK on), over a 1,024-page range of 2 MiB granularity whose
 * every page holds the CPU's pattern. One process and one GPU serve every
 * attempt; each attempt has a mapping of its own, unmapped at its end.
 * A migration may stop half way (6.12 moves what it can), so the rule is
 * consistency rather than all or nothing: after the attempt, whatever it
 * returned, every byte reads back intact, each range's vram_pages is the
 * number of its pages hmm_range_fault() finds in VRAM with the pattern in
 * VRAM, actual_loc is the GPU exactly when that number is not 0; with no
 * failure, as many pages are in VRAM as without injection. Once the mapping
 * is gone: no range left, every BO released, vram_usage 0, no svm_range
 * leaked.
 */
struct tn_gpu_op {
	const char *name;
	/* the range is prefetched to VRAM before the operation */
	bool vram_first;
	int (*run)(struct tg_test *tg);
};

static int tn_gpu_fault(struct tg_test *tg)
{
	return tg_gpu_fault(tg, 0, 700, false);
}

static int tn_prefetch_gpu(struct tg_test *tg)
{
	return tg_prefetch(tg, 0, 1024, TG_GPU_ID);
}

static int tn_prefetch_sys(struct tg_test *tg)
{
	return tg_prefetch(tg, 0, 1024, 0);
}

/* A CPU read of a VRAM page: amdkfd's migrate_to_ram. */
static int tn_cpu_fault(struct tg_test *tg)
{
	void __user *p = (void __user *)((tg->t->base + 600) << PAGE_SHIFT);
	u64 word;

	return copy_from_user(&word, p, sizeof(word)) ? -EFAULT : 0;
}

/*
 * The eviction worker, on this thread: the fence's enable_signaling (as
 * TTM asks) was done before, with the worker held (tn_gpu_prepare()).
 */
static struct svm_range_bo *tn_evicting;

static int tn_evict(struct tg_test *tg)
{
	svm_range_evict_svm_bo_worker(&tn_evicting->eviction_work.work);
	return 0;
}

static const struct tn_gpu_op tn_gpu_ops[] = {
	{ "GPU fault", false, tn_gpu_fault },
	{ "prefetch to the GPU", false, tn_prefetch_gpu },
	{ "prefetch back to system memory", true, tn_prefetch_sys },
	{ "CPU fault on a VRAM page", true, tn_cpu_fault },
	{ "eviction of the VRAM BO", true, tn_evict },
};

static void tn_gpu_op_desc(const struct tn_gpu_op *op, char *desc)
{
	strscpy(desc, op->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tn_gpu_op, tn_gpu_ops, tn_gpu_op_desc);

/* A new mapping for the test process: the last one was unmapped whole. */
static void tn_gpu_remap(struct kunit *test, struct tg_test *tg)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, T_PAGES * PAGE_SIZE + SZ_2M,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NE(test, addr, 0UL);
	tg->t->base = ALIGN(addr, SZ_2M) >> PAGE_SHIFT;
	memset(tg->gpu[0]->map_addr, 0, T_PAGES * sizeof(u64));
}

static void tn_gpu_prepare(struct kunit *test, struct tg_test *tg,
			   const struct tn_gpu_op *op, u32 seed)
{
	struct svm_range *prange;

	tg_new_range(test, tg, 0, 1024, 9, seed);
	if (!op->vram_first)
		return;
	KUNIT_ASSERT_EQ(test, tg_prefetch(tg, 0, 1024, TG_GPU_ID), 0);
	prange = t_range(tg->t, 0);
	KUNIT_ASSERT_NOT_NULL(test, prange);
	KUNIT_ASSERT_EQ(test, t_vram_pages(prange), 1024ULL);
	if (op->run != tn_evict)
		return;
	tn_evicting = prange->svm_bo;
	KUNIT_ASSERT_NOT_NULL(test, tn_evicting);
	kfd_test_gpu_evict_arm(test, tn_evicting);
}

/*
 * Check the consistency rule after an attempt; returns the number of
 * pages in VRAM.
 */
static unsigned long tn_gpu_check(struct kunit *test, struct tg_test *tg,
				  const char *name, unsigned int nth)
{
	long *where = kunit_kcalloc(test, 1024, sizeof(*where), GFP_KERNEL);
	struct svm_range *prange;
	unsigned long i, nvram = 0, counted = 0, bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, where);
	tg_where(test, tg, 0, 0, 1024, where);
	for (i = 0; i < 1024; i++) {
		if (where[i] < 0)
			continue;
		nvram++;
		if (!tg_page_ok(tg, i, tg->gpu[0]->shadow + where[i]))
			bad++;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0UL, "%s, allocation %u: VRAM pages without their data",
			    name, nth);
	mutex_lock(&tg->t->p->svms.lock);
	list_for_each_entry(prange, &tg->t->p->svms.list, list) {
		counted += t_vram_pages(prange);
		KUNIT_EXPECT_EQ_MSG(test, t_actual_loc(prange),
				    t_vram_pages(prange) ? (u32)TG_GPU_ID : 0U,
				    "%s, allocation %u: [%lu %lu] holds %llu VRAM pages",
				    name, nth, t_start(prange) - tg->t->base,
				    t_last(prange) - tg->t->base,
				    (u64)t_vram_pages(prange));
	}
	mutex_unlock(&tg->t->p->svms.lock);
	KUNIT_EXPECT_EQ_MSG(test, counted, nvram,
			    "%s, allocation %u: vram_pages counts %lu, %lu pages are in VRAM",
			    name, nth, counted, nvram);
	kunit_kfree(test, where);
	return nvram;
}

/* One attempt on the GPU: 0 once the operation ran with nothing failed. */
static int tn_gpu_attempt(struct kunit *test, struct tg_test *tg,
			  const struct tn_gpu_op *op, unsigned int nth,
			  unsigned long *ok_vram)
{
	unsigned long nvram;
	unsigned int left;
	int live = tn_live();
	int r;

	tn_gpu_remap(test, tg);
	tn_gpu_prepare(test, tg, op, 0x600 + nth);

	tn_fail_nth(nth);
	r = op->run(tg);
	left = nth ? tn_fail_left() : 1;
	t_flush(tg->t);

	nvram = tn_gpu_check(test, tg, op->name, nth);
	if (!nth) {
		KUNIT_EXPECT_EQ_MSG(test, r, 0, "%s failed with no failure injected",
				    op->name);
		*ok_vram = nvram;
	} else if (left) {
		KUNIT_EXPECT_EQ(test, r, 0);
		KUNIT_EXPECT_EQ_MSG(test, nvram, *ok_vram,
				    "%s: nothing failed, yet not the pages of a success",
				    op->name);
	}
	kfd_test_gpu_read_back(test, tg, 0, 1024);
	kfd_test_munmap(test, tg->t, 0, T_PAGES);
	t_flush(tg->t);
	KUNIT_EXPECT_EQ(test, t_nranges(tg->t), 0U);
	tg_expect_bos_released(test, tg);
	KUNIT_EXPECT_EQ_MSG(test, atomic64_read(&tg_pdd(tg, 0)->vram_usage), 0LL,
			    "%s, allocation %u: VRAM usage left", op->name, nth);
	KUNIT_EXPECT_EQ_MSG(test, tn_live(), live,
			    "%s, allocation %u: svm_range objects leaked",
			    op->name, nth);
	return left ? 0 : -ENOMEM;
}

struct tn_gpu_sweep_ctx {
	struct tg_test *tg;
	const struct tn_gpu_op *op;
	unsigned long ok_vram;
};

static int tn_gpu_sweep_attempt(struct kunit *test, void *ctx,
				unsigned int nth)
{
	struct tn_gpu_sweep_ctx *c = ctx;

	return tn_gpu_attempt(test, c->tg, c->op, nth, &c->ok_vram);
}

static void nomem_gpu_each_allocation(struct kunit *test)
{
	struct tn_gpu_sweep_ctx c = { .op = test->param_value };

	tn_begin(test);
	c.tg = kfd_test_gpu_setup(test, true, 1);
	tn_sweep(test, c.op->name, tn_gpu_sweep_attempt, &c);
	kfd_test_done(test, c.tg->t);
	tn_end(test);
}

static struct kunit_case amdkfd_svm_nomem_gpu_cases[] = {
	KUNIT_CASE_PARAM(nomem_gpu_each_allocation, tn_gpu_op_gen_params),
	{}
};

static struct kunit_suite amdkfd_svm_nomem_gpu_suite = {
	.name = "amdkfd_svm_nomem_gpu",
	.suite_init = amdkfd_svm_nomem_init,
	.suite_exit = amdkfd_svm_nomem_exit,
	.test_cases = amdkfd_svm_nomem_gpu_cases,
};

kunit_test_suite(amdkfd_svm_nomem_gpu_suite);
