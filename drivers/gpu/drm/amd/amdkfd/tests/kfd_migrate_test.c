// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suites for kfd_migrate.c, included at its end (as
 * drivers/gpu/drm/xe/tests/ are) so that they reach its static functions:
 * the record of a migration's runs (svm_migrate_reserve(),
 * svm_migrate_record()) on migrations built by hand, and, on the forged
 * GPU of tests/kfd_svm_gpu_test.c, a migration's steps interleaved with an
 * munmap or the eviction worker. The fixtures are kfd_svm.c's
 * (tests/kfd_svm_test.h); the forged GPU's SDMA copy is stubbed here,
 * where svm_migrate_copy_memory_gart() is.
 *
 * Copyright 2026 The svm_core authors
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/migrate.h>
#include "kfd_svm_test.h"

/*
 * Replace the SDMA copy of a migration with @copy for the rest of @test
 * (the forged GPU's, tests/kfd_svm_gpu_test.c).
 */
void kfd_test_stub_sdma_copy(struct kunit *test, kfd_test_copy_fn copy)
{
	/* kunit_activate_static_stub() wants a function name, not a pointer */
	typecheck_fn(kfd_test_copy_fn, svm_migrate_copy_memory_gart);
	__kunit_activate_static_stub(test, svm_migrate_copy_memory_gart, copy);
}

/* ---------------------------------------------------------- migrate ---- */

/*
 * A migration as migrate_vma_pages() leaves it (hand-built: moving pages
 * needs a GPU): @npages pages from page @first of the test mapping, those
 * with @moved(i) set marked MIGRATE_PFN_MIGRATE, @cpages collected.
 */
static struct migrate_vma *t_migration(struct kunit *test,
				       struct kfd_svm_test *t,
				       unsigned long first,
				       unsigned long npages,
				       bool (*moved)(unsigned long i))
{
	struct migrate_vma *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->src = kunit_kcalloc(test, npages, sizeof(*m->src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->src);
	m->start = (t->base + first) << PAGE_SHIFT;
	m->end = (t->base + first + npages) << PAGE_SHIFT;
	for (i = 0; i < npages; i++) {
		if (!moved(i))
			continue;
		m->src[i] = MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE;
		m->cpages++;
	}
	return m;
}

static bool t_every_other(unsigned long i)
{
	return !(i & 1);
}

static bool t_all(unsigned long i)
{
	return true;
}

static bool t_every_third(unsigned long i)
{
	return i % 3 == 1;
}

/*
 * The worst fragmentation a migration can report: every other page of a
 * 2 MiB window moved (the others were busy or failed to copy). After
 * svm_migrate_reserve() every run is recorded without allocating: the
 * count is exact, never a fallback to the whole range. Then every third
 * page of the whole window comes back, punching holes into those runs.
 */
static void migrate_record_fragmented_exact(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct migrate_vma *to_vram, *back;
	struct svm_range *prange;
	bool release;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	to_vram = t_migration(test, t, 512, 512, t_every_other);
	back = t_migration(test, t, 512, 512, t_every_third);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, to_vram), 0);
	/* The BO covers the whole range: page 512 is at offset 512 */
	release = svm_migrate_record(prange, to_vram, T_GPU_ID, 512);
	KUNIT_EXPECT_FALSE(test, release);
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 256ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(prange), (u32)T_GPU_ID);
	/* Of those, 512 + i with i even and i % 3 == 1 (i = 4 + 6k): 85 */
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, back), 0);
	release = svm_migrate_record(prange, back, SVM_CORE_LOC_SYSTEM, 0);
	KUNIT_EXPECT_FALSE(test, release);
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 256ULL - 85);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&prange->core), 0);
	mutex_unlock(&prange->migrate_mutex);
	kfd_test_done(test, t);
}

/* Every VRAM page back in system memory: release the BO, location 0. */
static void migrate_record_back_releases(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct migrate_vma *to_vram, *back;
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	to_vram = t_migration(test, t, 0, 512, t_every_other);
	back = t_migration(test, t, 0, 1024, t_all);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, to_vram), 0);
	KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, to_vram, T_GPU_ID,
						    0));
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, back), 0);
	KUNIT_EXPECT_TRUE(test, svm_migrate_record(prange, back,
						   SVM_CORE_LOC_SYSTEM, 0));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 0ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(prange), 0U);
	mutex_unlock(&prange->migrate_mutex);
	kfd_test_done(test, t);
}

/* What svm_core's run allocator saw of its callers' context. */
struct t_alloc_seen {
	struct svm_range *prange;
	unsigned int calls;
	unsigned int no_reclaim;
	unsigned int range_locked;
};

static struct svm_core_run *t_runs_alloc(unsigned int n, gfp_t gfp)
{
	struct t_alloc_seen *seen = kunit_get_current_test()->priv;

	seen->calls++;
	if (current->flags & PF_MEMALLOC)
		seen->no_reclaim++;
	if (mutex_is_locked(&seen->prange->lock))
		seen->range_locked++;
	return kvmalloc_array(n, sizeof(struct svm_core_run), gfp);
}

static bool t_two_runs(unsigned long i)
{
	return i < 8 || (i >= 88 && i < 96);
}

static bool t_three_apart(unsigned long i)
{
	return i == 7 || i == 100 || i == 300;
}

/*
 * The reservation's bound, as svm_migrate_reserve()'s kernel-doc states
 * it: one record per run of moved pages, at most as many as the pages
 * migrate_vma_setup() collected and at most one for every other page of
 * the window. Three pages collected in a 2 MiB window reserve three
 * records, not the 256 the window could need; all 512 collected reserve
 * 256. The run array holds the range's runs plus that many.
 */
static void migrate_reserve_sized_by_collected(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct migrate_vma *few, *all;
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	few = t_migration(test, t, 512, 512, t_three_apart);
	all = t_migration(test, t, 512, 512, t_all);
	KUNIT_ASSERT_EQ(test, few->cpages, 3UL);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, few), 0);
	KUNIT_EXPECT_EQ(test, prange->core.reserved, 3U);
	KUNIT_EXPECT_GE(test, prange->core.max_runs, prange->core.nr_runs + 3);
	KUNIT_EXPECT_LT(test, prange->core.max_runs, 256U);
	KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, few, T_GPU_ID, 512));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 3ULL);
	KUNIT_EXPECT_EQ(test, prange->core.nr_runs, 3U);
	KUNIT_EXPECT_EQ(test, prange->core.reserved, 0U);

	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, all), 0);
	KUNIT_EXPECT_EQ(test, prange->core.reserved, 256U);
	KUNIT_EXPECT_GE(test, prange->core.max_runs, 3U + 256U);
	KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, all, T_GPU_ID, 512));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 512ULL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&prange->core), 0);
	mutex_unlock(&prange->migrate_mutex);
	kfd_test_done(test, t);
}

/*
 * The reservation for the most fragmented record a 2 MiB window can make
 * (256 runs) is allocated where reclaim is allowed, not under
 * prange->lock: the MMU notifier takes that lock, and svm_range_lock()
 * turns reclaim off under it, so a large array could not be had there.
 * Once the record is made, the room it did not use goes back (two runs
 * moved: four slots stay, not 256). Forged: svm_core's run allocator, a
 * static stub that notes the context of each call and then allocates.
 */
static void migrate_reserve_allocates_with_reclaim(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct migrate_vma *to_vram, *moved;
	struct t_alloc_seen *seen;
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	seen->prange = prange;
	test->priv = seen;
	to_vram = t_migration(test, t, 512, 512, t_every_other);
	moved = t_migration(test, t, 512, 512, t_two_runs);
	kunit_activate_static_stub(test, svm_core_runs_alloc, t_runs_alloc);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, to_vram), 0);
	KUNIT_EXPECT_EQ(test, seen->calls, 1U);
	KUNIT_EXPECT_EQ(test, seen->no_reclaim, 0U);
	KUNIT_EXPECT_EQ(test, seen->range_locked, 0U);
	KUNIT_EXPECT_GE(test, prange->core.max_runs, 256U);
	KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, moved, T_GPU_ID,
						    512));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 16ULL);
	KUNIT_EXPECT_EQ(test, prange->core.nr_runs, 2U);
	KUNIT_EXPECT_EQ(test, prange->core.max_runs, 4U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&prange->core), 0);
	mutex_unlock(&prange->migrate_mutex);
	kunit_deactivate_static_stub(test, svm_core_runs_alloc);
	kfd_test_done(test, t);
}

struct t_recorder {
	struct svm_range *prange;
	struct migrate_vma *m;
	struct completion done;
};

static int t_record_thread(void *data)
{
	struct t_recorder *rec = data;

	svm_migrate_record(rec->prange, rec->m, T_GPU_ID, 0);
	complete(&rec->done);
	return 0;
}

/*
 * Recording changes the range's svm_core state, which an munmap splits
 * under prange->lock in the MMU notifier: the record waits for that lock.
 * Here the test holds it, as the notifier would; the record must not
 * happen until it is released.
 */
static void migrate_record_waits_for_range_lock(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct task_struct *thread;
	struct t_recorder rec;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	rec.prange = t_range(t, 0);
	rec.m = t_migration(test, t, 0, 512, t_all);
	init_completion(&rec.done);
	KUNIT_ASSERT_EQ(test, svm_migrate_reserve(rec.prange, rec.m), 0);

	svm_range_lock(rec.prange);
	thread = kthread_run(t_record_thread, &rec, "kfd_svm_test_rec");
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&rec.done,
							     HZ / 10));
	KUNIT_EXPECT_EQ(test, t_vram_pages(rec.prange), 0ULL);
	svm_range_unlock(rec.prange);
	wait_for_completion(&rec.done);
	KUNIT_EXPECT_EQ(test, t_vram_pages(rec.prange), 512ULL);
	kfd_test_done(test, t);
}

/* The part of @prange's pending munmap children that holds @page. */
static struct svm_range *t_child(struct kfd_svm_test *t,
				 struct svm_range *prange, unsigned long page)
{
	struct svm_range *pchild;

	list_for_each_entry(pchild, &prange->child_list, child_list)
		if (t_start(pchild) <= t->base + page &&
		    t_last(pchild) >= t->base + page)
			return pchild;
	return NULL;
}

/*
 * An munmap splits the range while its pages migrate to VRAM (forged: the
 * migration as migrate_vma_pages() leaves it, the munmap real, run between
 * the reservation and the record). The pages that moved into the parts
 * split off are recorded there: the tail [200, 1023] holds [200, 511] of
 * the BO it shares, at their offset in it. Before, the record was clipped
 * to the range and the tail had neither the pages nor the BO: a CPU fault
 * there found nothing to migrate back.
 */
static void migrate_record_after_munmap_split(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct svm_range *prange, *tail, *mid;
	struct migrate_vma *to_vram;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	kfd_test_forge_vram(test, t, prange, t->base, t->base);
	to_vram = t_migration(test, t, 0, 512, t_all);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, to_vram), 0);
	mutex_unlock(&prange->migrate_mutex);
	/*
	 * The munmap runs here on the test thread, without migrate_mutex
	 * (another thread in real life: taking the mmap lock under
	 * migrate_mutex would invert the driver's lock order).
	 * The range keeps [0, 99]; [100, 199] and [200, 1023] wait as
	 * children.
	 */
	t_hold_work(t);
	kfd_test_munmap(test, t, 100, 100);
	KUNIT_EXPECT_EQ(test, t_last(prange) - t->base, 99UL);
	mid = t_child(t, prange, 100);
	tail = t_child(t, prange, 200);
	KUNIT_ASSERT_NOT_NULL(test, mid);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_EXPECT_PTR_EQ(test, tail->svm_bo, t->svm_bo);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, to_vram, T_GPU_ID,
						    0));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 100ULL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(mid), 100ULL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(tail), 312ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(tail), (u32)T_GPU_ID);
	KUNIT_EXPECT_EQ(test, tail->core.offset, 200UL);
	KUNIT_EXPECT_EQ(test, tail->core.reserved, 0U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&prange->core), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&tail->core), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&prange->moved_parts));
	mutex_unlock(&prange->migrate_mutex);
	/* The range and both parts share the BO the test holds */
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 4U);
	kfd_test_release_work(t);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

/*
 * An munmap splits the range after migrate_vma_setup() collected the
 * window [0, 511] but before the reservation (forged: page 0 in VRAM, the
 * migration as migrate_vma_setup() leaves it; the munmap real). The parts split off
 * then have no reservation and are on no moved_parts list: pages moved
 * into them would be recorded nowhere. svm_migrate_reserve() sees the
 * window no longer inside the range and refuses; the caller moves nothing
 * and the fault is retried. Before, it reserved, and the record clipped
 * the pages moved into [100, 511] off the count.
 */
static void migrate_reserve_after_munmap_split_refuses(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct migrate_vma *to_vram;
	struct svm_range *prange;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	kfd_test_forge_vram(test, t, prange, t->base, t->base);
	to_vram = t_migration(test, t, 0, 512, t_all);
	t_hold_work(t);
	kfd_test_munmap(test, t, 100, 100);
	KUNIT_ASSERT_EQ(test, t_last(prange) - t->base, 99UL);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, to_vram), -EFAULT);
	KUNIT_EXPECT_EQ(test, prange->core.reserved, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&prange->moved_parts));
	mutex_unlock(&prange->migrate_mutex);
	/* The page forged in VRAM is still the only one counted */
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 1ULL);
	kfd_test_release_work(t);
	kfd_test_done(test, t);
}

/*
 * The way back: the whole range leaves VRAM while an munmap splits it.
 * The parts' pages leave their counts too; before, the tail kept 824
 * VRAM pages that were in system memory (the count never reached 0, the
 * BO was never released for it).
 */
static void migrate_record_to_ram_after_munmap_split(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct svm_range *prange, *tail;
	struct migrate_vma *back;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 9, 0), 0);
	prange = t_range(t, 0);
	kfd_test_forge_vram(test, t, prange, t->base, t->base + 1023);
	back = t_migration(test, t, 0, 1024, t_all);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_EQ(test, svm_migrate_reserve(prange, back), 0);
	mutex_unlock(&prange->migrate_mutex);
	t_hold_work(t);
	kfd_test_munmap(test, t, 100, 100);
	tail = t_child(t, prange, 200);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_EXPECT_EQ(test, t_vram_pages(tail), 824ULL);

	mutex_lock(&prange->migrate_mutex);
	KUNIT_EXPECT_TRUE(test, svm_migrate_record(prange, back,
						   SVM_CORE_LOC_SYSTEM, 0));
	KUNIT_EXPECT_EQ(test, t_vram_pages(prange), 0ULL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(tail), 0ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(tail), 0U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&tail->core), 0);
	mutex_unlock(&prange->migrate_mutex);
	kfd_test_release_work(t);
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ(test, kfd_test_bo_refs(t), 1U);
}

static struct kunit_case amdkfd_svm_migrate_cases[] = {
	KUNIT_CASE(migrate_record_fragmented_exact),
	KUNIT_CASE(migrate_record_back_releases),
	KUNIT_CASE(migrate_reserve_allocates_with_reclaim),
	KUNIT_CASE(migrate_reserve_sized_by_collected),
	KUNIT_CASE(migrate_record_waits_for_range_lock),
	KUNIT_CASE(migrate_record_after_munmap_split),
	KUNIT_CASE(migrate_reserve_after_munmap_split_refuses),
	KUNIT_CASE(migrate_record_to_ram_after_munmap_split),
	{}
};

static struct kunit_suite amdkfd_svm_migrate_suite = {
	.name = "amdkfd_svm_migrate",
	.suite_init = kfd_test_suite_init,
	.test_cases = amdkfd_svm_migrate_cases,
};

kunit_test_suite(amdkfd_svm_migrate_suite);

/* ------------------------------------------------------------- race ---- */

/*
 * An munmap of other pages of the range splits it between a CPU fault's
 * lookup and its decision (forged: the fault's steps after the lookup,
 * svm_migrate_cpu_fault(), called with the range looked up before the
 * munmap; the munmap real). The faulting page 700 is now in the part
 * split off, [500, 1023]: the fault is retried (-EAGAIN, for which
 * svm_migrate_to_ram() returns 0), nothing moves. The retry, a real CPU
 * read, finds the part and brings its window back. Before,
 * svm_core_cpu_fault() refused a page outside the range and the process
 * got SIGBUS on a page still mapped.
 */
static void cpu_fault_range_shrank_retries(struct kunit *test)
{
	struct tg_test *tg = kfd_test_gpu_setup(test, true, 1);
	struct svm_range_list *svms = &tg->t->p->svms;
	struct mm_struct *mm = current->mm;
	struct svm_range *prange, *part;
	struct vm_area_struct *vma;
	struct kfd_node *node;
	int r = 0;

	prange = kfd_test_gpu_in_vram(test, tg, 0, 1024, 9, 53);
	KUNIT_ASSERT_NOT_NULL(test, prange->svm_bo);
	node = prange->svm_bo->node;
	t_hold_work(tg->t);
	kfd_test_munmap(test, tg->t, 400, 100);
	/* The notifier has shrunk the range the fault holds */
	KUNIT_ASSERT_EQ(test, t_last(prange) - tg->t->base, 399UL);
	part = t_child(tg->t, prange, 700);
	KUNIT_ASSERT_NOT_NULL(test, part);

	mmap_read_lock(mm);
	vma = vma_lookup(mm, (tg->t->base + 700) << PAGE_SHIFT);
	if (vma) {
		mutex_lock(&svms->lock);
		mutex_lock(&prange->migrate_mutex);
		r = svm_migrate_cpu_fault(prange, vma, tg->t->base + 700, node,
					  NULL);
		mutex_unlock(&prange->migrate_mutex);
		mutex_unlock(&svms->lock);
	}
	mmap_read_unlock(mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);

	KUNIT_EXPECT_EQ(test, r, -EAGAIN);
	KUNIT_EXPECT_EQ(test, tg->gpu[0]->pages_to_ram, 0UL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(part), 524ULL);

	/* The retry, with the part holding the page added */
	kfd_test_release_work(tg->t);
	kfd_test_gpu_cpu_touch(test, tg, 700, false);
	part = t_range(tg->t, 700);
	KUNIT_ASSERT_NOT_NULL(test, part);
	KUNIT_EXPECT_EQ(test, t_start(part) - tg->t->base, 500UL);
	KUNIT_EXPECT_EQ(test, t_vram_pages(part), 12ULL);
	KUNIT_EXPECT_EQ(test, tg->gpu[0]->pages_to_ram, 512UL);
	KUNIT_EXPECT_EQ(test, kfd_test_gpu_expect_where(test, tg, 0, 512, 512, false),
			0UL);
	kfd_test_gpu_read_back(test, tg, 500, 524);
	kfd_test_gpu_done(test, tg, 0, 400);
}

/*
 * TTM evicts a BO while a fault migrates the range that shares it, and an
 * munmap splits that range between the fault's reservation and its record
 * (forged, deterministically: the fault's migration of [512, 1023] as
 * migrate_vma_setup() and the reservation leave it, the test holding the
 * range's migrate_mutex as the fault would; the munmap and the real
 * eviction worker, on a kthread, are real). The parts split off, [600, 650]
 * and [651, 1023], wait for the fault's record and hold none of the BO's
 * pages yet: the worker must leave them, with their BO, for its next
 * attempt. Before, it dropped their reference for want of pages (svm_bo
 * NULL, off the list) and the record then put VRAM pages in parts that
 * hold no BO.
 */
static void evict_skips_part_awaiting_record(struct kunit *test)
{
	struct tg_test *tg = kfd_test_gpu_setup(test, true, 1);
	struct tg_evictor ev = { .test = test };
	struct svm_range *prange, *tail;
	struct migrate_vma *to_vram;
	struct task_struct *thread;
	struct dma_fence *fence;
	bool off = false, listed;

	prange = kfd_test_gpu_evictor_setup(test, tg, &ev, 47);
	fence = dma_fence_get(&ev.svm_bo->eviction_fence->base);

	to_vram = t_migration(test, tg->t, 512, 512, t_all);
	mutex_lock(&prange->migrate_mutex);
	KUNIT_ASSERT_EQ(test, svm_migrate_reserve(prange, to_vram), 0);
	mutex_unlock(&prange->migrate_mutex);
	t_hold_work(tg->t);
	kfd_test_munmap(test, tg->t, 600, 51);
	tail = t_child(tg->t, prange, 700);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_ASSERT_TRUE(test, svm_range_awaits_record(tail));
	KUNIT_ASSERT_PTR_EQ(test, tail->svm_bo, ev.svm_bo);
	KUNIT_ASSERT_EQ(test, t_vram_pages(tail), 0ULL);

	kfd_test_gpu_evict_arm(test, ev.svm_bo);

	/* The fault holds the range's migrate_mutex until it has recorded */
	mutex_lock(&prange->migrate_mutex);
	thread = kthread_run(kfd_test_gpu_evict_thread, &ev, "kfd_svm_test_evict");
	/* The parts come first on the BO's list; the worker then waits here */
	if (!IS_ERR(thread))
		off = kfd_test_gpu_off_list(ev.svm_bo, prange);
	if (off) {
		KUNIT_EXPECT_PTR_EQ(test, tail->svm_bo, ev.svm_bo);
		KUNIT_EXPECT_NOT_NULL(test, tail->ttm_res);
		KUNIT_EXPECT_FALSE(test, svm_migrate_record(prange, to_vram,
							    TG_GPU_ID, 512));
	}
	mutex_unlock(&prange->migrate_mutex);
	KUNIT_ASSERT_FALSE(test, IS_ERR(thread));
	wait_for_completion(&ev.done);
	KUNIT_ASSERT_TRUE(test, off);

	/* The part holds the pages recorded for it, in the BO it shares */
	KUNIT_EXPECT_FALSE(test, svm_range_awaits_record(tail));
	KUNIT_EXPECT_EQ(test, t_vram_pages(tail), 373ULL);
	KUNIT_EXPECT_EQ(test, t_actual_loc(tail), (u32)TG_GPU_ID);
	KUNIT_EXPECT_PTR_EQ(test, tail->svm_bo, ev.svm_bo);
	spin_lock(&ev.svm_bo->list_lock);
	listed = !list_empty(&tail->svm_bo_list);
	spin_unlock(&ev.svm_bo->list_lock);
	KUNIT_EXPECT_TRUE(test, listed);
	/* Kept for the next attempt: the fence waits for it */
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fence));
	dma_fence_put(fence);
	kfd_test_release_work(tg->t);
	/* The forged pages were never moved: only the real ones are read */
	kfd_test_gpu_done(test, tg, 0, 512);
}

static struct kunit_case amdkfd_svm_migrate_race_cases[] = {
	KUNIT_CASE(cpu_fault_range_shrank_retries),
	KUNIT_CASE(evict_skips_part_awaiting_record),
	{}
};

/*
 * A migration's steps, interleaved with an munmap or the eviction worker on
 * the forged GPU.
 */
static struct kunit_suite amdkfd_svm_migrate_race_suite = {
	.name = "amdkfd_svm_migrate_race",
	.suite_init = kfd_test_gpu_suite_init,
	.suite_exit = kfd_test_gpu_suite_exit,
	.test_cases = amdkfd_svm_migrate_race_cases,
};

kunit_test_suite(amdkfd_svm_migrate_race_suite);
