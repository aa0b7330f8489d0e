// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_hmm: svm_core driving real device-private memory.
 * The test device (svm_core_tdev.c) migrates with migrate_vma_*(), and CPU
 * faults on its pages come back through dev_pagemap_ops.migrate_to_ram and
 * the core's CPU window. Every check looks at the real page tables through
 * hmm_range_fault(). Runs under x86_64 QEMU (make e2e).
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../svm_core_internal.h"
#include "svm_core_tdev.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define GRAN		9
#define WIN		BIT(GRAN)

/* A 2 MiB-aligned mapping of @npages pages, and a device watching it. */
struct fixture {
	struct svm_tdev *tdev;
	unsigned long addr;	/* aligned start used by the test */
	unsigned long npages;
	unsigned long vpn;	/* addr >> PAGE_SHIFT */
	bool *is_dev;
};

/*
 * @thp: allow transparent huge pages. Without, every page is a 4 KiB page:
 * migrate_vma_*() skips a huge page it cannot split (one with a pinned
 * subpage, or only partly mapped), which is the subject of one test only.
 */
static void setup_thp(struct kunit *test, struct fixture *f,
		      unsigned long npages, bool thp)
{
	struct vm_area_struct *vma;
	unsigned long raw;

	/* Map two extra windows, so an aligned stretch fits inside. */
	raw = kunit_vm_mmap(test, NULL, 0, (npages + 2 * WIN) * PAGE_SIZE,
			    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE_MSG(test, raw, 0UL, "kunit_vm_mmap");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(raw));
	if (!thp) {
		mmap_write_lock(current->mm);
		vma = vma_lookup(current->mm, raw);
		if (vma)
			vm_flags_set(vma, VM_NOHUGEPAGE);
		mmap_write_unlock(current->mm);
		KUNIT_ASSERT_NOT_NULL(test, vma);
	}
	f->addr = ALIGN(raw, WIN * PAGE_SIZE);
	f->npages = npages;
	f->vpn = f->addr >> PAGE_SHIFT;
	f->tdev = svm_tdev_create(test, f->addr, npages * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, f->tdev);
	f->is_dev = kunit_kcalloc(test, npages, sizeof(bool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->is_dev);
}

static void setup(struct kunit *test, struct fixture *f, unsigned long npages)
{
	setup_thp(test, f, npages, false);
}

/* Write a pattern that names each page and round: any mix-up shows. */
static void fill(struct kunit *test, struct fixture *f, u32 round)
{
	unsigned long i;

	for (i = 0; i < f->npages; i++) {
		u64 v = ((u64)round << 32) | i;

		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(f->addr +
				i * PAGE_SIZE), &v, sizeof(v)), 0UL);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(f->addr +
				i * PAGE_SIZE + PAGE_SIZE - sizeof(v)), &v,
				sizeof(v)), 0UL);
	}
}

static void check_page(struct kunit *test, struct fixture *f, unsigned long i,
		       u32 round)
{
	u64 want = ((u64)round << 32) | i, a, b;

	KUNIT_ASSERT_EQ(test, copy_from_user(&a, (void __user *)(f->addr +
			i * PAGE_SIZE), sizeof(a)), 0UL);
	KUNIT_ASSERT_EQ(test, copy_from_user(&b, (void __user *)(f->addr +
			i * PAGE_SIZE + PAGE_SIZE - sizeof(b)), sizeof(b)), 0UL);
	KUNIT_ASSERT_EQ_MSG(test, a, want, "page %lu", i);
	KUNIT_ASSERT_EQ_MSG(test, b, want, "page %lu", i);
}

/* The device pages according to the page tables; also checks the count. */
static int device_pages(struct kunit *test, struct fixture *f,
			struct svm_core_range *r)
{
	int n = svm_tdev_device_pages(f->tdev, f->addr, f->npages, f->is_dev);

	KUNIT_ASSERT_GE(test, n, 0);
	if (r)
		KUNIT_EXPECT_EQ(test, r->vram_pages, (unsigned long)n);
	return n;
}

/* 1. A GPU fault migrates exactly the window around the page. */
static void svm_core_hmm_gpu_fault_window(struct kunit *test)
{
	struct svm_core_range *r;
	struct fixture f;
	unsigned long i, fault = 3 * WIN + 17;

	setup(test, &f, 8 * WIN);
	fill(test, &f, 1);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr + fault * PAGE_SIZE),
			0);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)WIN);
	for (i = 0; i < f.npages; i++)
		KUNIT_ASSERT_EQ_MSG(test, f.is_dev[i], i / WIN == fault / WIN,
				    "page %lu", i);
	KUNIT_EXPECT_EQ(test, r->actual_loc, f.tdev->id);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, f.tdev->nr_pages - WIN);
}

/* 2. A CPU access brings back exactly its window; the range stays whole. */
static void svm_core_hmm_cpu_fault_window(struct kunit *test)
{
	struct svm_core_range *r;
	struct fixture f;
	unsigned long i, before;

	setup(test, &f, 8 * WIN);
	fill(test, &f, 2);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 1; i < 4; i++)
		KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr +
				i * WIN * PAGE_SIZE), 0);
	before = device_pages(test, &f, r);
	KUNIT_ASSERT_EQ(test, before, 3 * WIN);

	check_page(test, &f, 2 * WIN + 100, 2);		/* the CPU faults */
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)(2 * WIN));
	for (i = 0; i < f.npages; i++)
		KUNIT_ASSERT_EQ_MSG(test, f.is_dev[i],
				    i / WIN == 1 || i / WIN == 3, "page %lu", i);
	KUNIT_EXPECT_EQ(test, f.tdev->set.nr, 1UL);
	KUNIT_EXPECT_EQ(test, r->start, f.vpn);
	KUNIT_EXPECT_EQ(test, r->last, f.vpn + f.npages - 1);
	KUNIT_EXPECT_GE(test, atomic_read(&f.tdev->cpu_faults), 1);
}

/* 3. Data survives any number of round trips, at several granularities. */
static const unsigned int grans[] = { 0, 4, 9 };

static void gran_desc(const unsigned int *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "granularity %u", *g);
}

KUNIT_ARRAY_PARAM(gran, grans, gran_desc);

static void svm_core_hmm_round_trips(struct kunit *test)
{
	unsigned int g = *(const unsigned int *)test->param_value;
	struct svm_core_range *r;
	struct fixture f;
	unsigned long i, k;
	u32 round;

	setup(test, &f, 2 * WIN);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, g);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (round = 1; round <= 4; round++) {
		fill(test, &f, round);
		/* GPU faults over a spread of pages, some windows twice. */
		for (k = 0; k < 24; k++) {
			i = (k * 97 + round * 13) % f.npages;
			KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr +
					i * PAGE_SIZE), 0);
		}
		KUNIT_EXPECT_GT(test, device_pages(test, &f, r), 0);
		for (i = 0; i < f.npages; i++)
			check_page(test, &f, i, round);
		KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
		KUNIT_EXPECT_EQ(test, r->actual_loc, 0U);
	}
}

/* 4. The device allocation is released when the count reaches 0. */
static void svm_core_hmm_release_at_zero(struct kunit *test)
{
	struct svm_core_range *r;
	struct fixture f;
	unsigned long free0;

	setup(test, &f, 4 * WIN);
	fill(test, &f, 4);
	free0 = f.tdev->nr_free;
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr +
			2 * WIN * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, free0 - 2 * WIN);
	check_page(test, &f, 5, 4);
	KUNIT_EXPECT_EQ(test, f.tdev->releases, 0UL);
	check_page(test, &f, 2 * WIN + 5, 4);
	KUNIT_EXPECT_EQ(test, f.tdev->releases, 1UL);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 0U);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, free0);
}

/* 5. Pages that cannot move stay; the count has only those that moved. */
static void svm_core_hmm_partial_migration(struct kunit *test)
{
	struct svm_core_range *r;
	struct page *pinned[3];
	struct fixture f;
	unsigned long i;
	int n;

	setup(test, &f, 2 * WIN);
	fill(test, &f, 5);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);

	/* Three pages pinned, and two the copy engine "fails" on. */
	n = pin_user_pages_fast(f.addr + 10 * PAGE_SIZE, 3, FOLL_WRITE, pinned);
	KUNIT_ASSERT_EQ(test, n, 3);
	f.tdev->skip_start = f.vpn + 100;
	f.tdev->skip_last = f.vpn + 101;
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	unpin_user_pages(pinned, 3);
	f.tdev->skip_start = 1;
	f.tdev->skip_last = 0;

	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)(WIN - 5));
	for (i = 0; i < WIN; i++)
		KUNIT_ASSERT_EQ_MSG(test, f.is_dev[i],
				    !(i >= 10 && i <= 12) && i != 100 && i != 101,
				    "page %lu", i);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 5);
}

/* 6. Eviction moves every device page back. */
static void svm_core_hmm_evict(struct kunit *test)
{
	struct svm_core_range *r;
	struct fixture f;
	unsigned long i, free0;

	setup(test, &f, 4 * WIN);
	fill(test, &f, 6);
	free0 = f.tdev->nr_free;
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < 4; i += 2)
		KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr +
				i * WIN * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, device_pages(test, &f, r), (int)(2 * WIN));
	KUNIT_EXPECT_EQ(test, svm_tdev_evict(f.tdev, r), 0);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 0U);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, free0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.tdev->cpu_faults), 0);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 6);
}

/* 7. Two threads fault the same device page from the CPU at once. */
struct racer {
	struct fixture *f;
	struct mm_struct *mm;
	atomic_t *go;
	atomic_t *done;
	wait_queue_head_t *wq;
	unsigned long page;
	int rounds;
	int errors;
};

static int racer_fn(void *data)
{
	struct racer *rc = data;
	int round;

	kthread_use_mm(rc->mm);
	for (round = 1; round <= rc->rounds; round++) {
		u64 v;

		wait_event(*rc->wq, atomic_read(rc->go) >= round);
		if (copy_from_user(&v, (void __user *)(rc->f->addr +
				   rc->page * PAGE_SIZE), sizeof(v)) ||
		    v != (((u64)7 << 32) | rc->page))
			rc->errors++;
		atomic_inc(rc->done);
		wake_up_all(rc->wq);
	}
	kthread_unuse_mm(rc->mm);
	mmput(rc->mm);
	return 0;
}

static void svm_core_hmm_concurrent_cpu_faults(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	struct task_struct *t[2];
	struct racer rc[2];
	atomic_t go = ATOMIC_INIT(0), done = ATOMIC_INIT(0);
	struct svm_core_range *r;
	struct fixture f;
	int round, rounds = 50, k;

	setup(test, &f, WIN);
	fill(test, &f, 7);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (k = 0; k < 2; k++) {
		rc[k] = (struct racer){ &f, current->mm, &go, &done, &wq, 42,
					rounds, 0 };
		mmget(current->mm);
		t[k] = kthread_run(racer_fn, &rc[k], "svm_core_racer%d", k);
		if (IS_ERR(t[k]))
			mmput(current->mm);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[k]));
		get_task_struct(t[k]);
	}
	for (round = 1; round <= rounds; round++) {
		KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
		KUNIT_ASSERT_EQ(test, device_pages(test, &f, r), (int)WIN);
		atomic_set(&go, round);
		wake_up_all(&wq);
		wait_event(wq, atomic_read(&done) >= 2 * round);
		/* One of them brought the window back; the count is exact. */
		KUNIT_ASSERT_EQ(test, device_pages(test, &f, r), 0);
	}
	for (k = 0; k < 2; k++) {
		kthread_stop(t[k]);
		put_task_struct(t[k]);
		KUNIT_EXPECT_EQ(test, rc[k].errors, 0);
	}
	check_page(test, &f, 42, 7);
}

/* 8. A window larger than the VMA is clamped to the VMA. */
static void svm_core_hmm_window_clamped_to_vma(struct kunit *test)
{
	unsigned long vma_pages = 16, first;
	struct svm_core_range *r;
	struct fixture f;

	setup(test, &f, 2 * WIN);
	fill(test, &f, 8);
	/* Leave only 16 pages mapped in the middle of the first window. */
	first = f.addr + 64 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, vm_munmap(f.addr, 64 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(first + vma_pages * PAGE_SIZE,
					(2 * WIN - 64 - vma_pages) * PAGE_SIZE), 0);
	/* The range covers both windows; the VMA only 16 pages. */
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, first + PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, r->vram_pages, vma_pages);
	check_page(test, &f, 64 + 3, 8);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, f.tdev->set.nr, 1UL);
}

/*
 * A window backed by a transparent huge page: migration splits it; a pinned
 * subpage keeps the whole huge page in system memory, and the count stays
 * exact (0) rather than counting pages that did not move.
 */
static void svm_core_hmm_thp_window(struct kunit *test)
{
	struct svm_core_range *r;
	struct page *pinned;
	struct fixture f;
	unsigned long i;

	setup_thp(test, &f, WIN, true);
	fill(test, &f, 9);
	if (svm_tdev_map_order(f.tdev, f.addr) != GRAN)
		kunit_skip(test, "no transparent huge page behind the window");
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);

	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(f.addr + 7 * PAGE_SIZE, 1,
						  FOLL_WRITE, &pinned), 1);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	unpin_user_pages(&pinned, 1);

	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)WIN);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 9);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
}

/*
 * The core's run allocator, forged through its static stub: every
 * allocation asked for past a batch's point of no return (tdev->no_return,
 * from migrate_vma_pages() to migrate_vma_finalize()) fails and is counted
 * in @late; with @all set, every other allocation fails too.
 */
struct nomem {
	struct svm_tdev *tdev;
	bool all;
	unsigned int late;
};

static struct svm_core_run *nomem_runs_alloc(unsigned int n, gfp_t gfp)
{
	struct nomem *nm = kunit_get_current_test()->priv;

	if (nm->tdev->no_return) {
		nm->late++;
		return NULL;
	}
	if (nm->all)
		return NULL;
	return kmalloc_array(n, sizeof(struct svm_core_run), gfp);
}

static struct nomem *nomem_stub(struct kunit *test, struct fixture *f,
				bool all)
{
	struct nomem *nm = kunit_kzalloc(test, sizeof(*nm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, nm);
	nm->tdev = f->tdev;
	nm->all = all;
	test->priv = nm;
	kunit_activate_static_stub(test, svm_core_runs_alloc, nomem_runs_alloc);
	return nm;
}

/* The copy engine "fails" on pages [first, last] of @f; first > last: none. */
static void skip_pages(struct fixture *f, unsigned long first,
		       unsigned long last)
{
	f->tdev->skip_start = first > last ? 1 : f->vpn + first;
	f->tdev->skip_last = first > last ? 0 : f->vpn + last;
}

/*
 * 10. A GPU fault whose window moves as two runs. Forged: the copy engine
 * fails on pages 100 and 101, so the second batch moves two runs and the
 * range needs a second run slot; and the run allocator fails past the point
 * of no return. The device reserves before migrate_vma_pages(), so nothing
 * is allocated late and every page that moved is counted.
 */
static void svm_core_hmm_no_alloc_past_no_return(struct kunit *test)
{
	struct svm_core_range *r;
	struct nomem *nm;
	struct fixture f;
	unsigned long i;

	setup(test, &f, 2 * WIN);
	fill(test, &f, 10);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nm = nomem_stub(test, &f, false);

	skip_pages(&f, 100, 101);
	KUNIT_EXPECT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	skip_pages(&f, 1, 0);
	KUNIT_EXPECT_EQ(test, nm->late, 0U);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)(WIN - 2));
	KUNIT_EXPECT_EQ(test, r->nr_runs, 2U);
	for (i = 0; i < WIN; i++)
		KUNIT_ASSERT_EQ_MSG(test, f.is_dev[i], i != 100 && i != 101,
				    "page %lu", i);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 10);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	KUNIT_EXPECT_EQ(test, nm->late, 0U);
}

/*
 * 11. A CPU fault that punches a hole into the one run of a window. Forged:
 * the copy engine fails on pages 100 and 101 on the way back, so they stay
 * in device memory between pages that left, which takes a second run slot;
 * and the run allocator fails past the point of no return. The CPU fault
 * succeeds and the count is exactly the two pages left behind.
 */
static void svm_core_hmm_no_alloc_past_no_return_cpu(struct kunit *test)
{
	struct svm_core_range *r;
	struct nomem *nm;
	struct fixture f;
	unsigned long i;
	u64 v;

	setup(test, &f, 2 * WIN);
	fill(test, &f, 11);
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nm = nomem_stub(test, &f, false);
	KUNIT_ASSERT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	KUNIT_ASSERT_EQ(test, device_pages(test, &f, r), (int)WIN);

	skip_pages(&f, 100, 101);
	KUNIT_EXPECT_EQ(test, copy_from_user(&v, (void __user *)(f.addr +
			5 * PAGE_SIZE), sizeof(v)), 0UL);	/* the CPU faults */
	skip_pages(&f, 1, 0);
	KUNIT_EXPECT_EQ(test, nm->late, 0U);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 2);
	KUNIT_EXPECT_TRUE(test, f.is_dev[100] && f.is_dev[101]);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 11);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	KUNIT_EXPECT_EQ(test, nm->late, 0U);
}

/*
 * 12. The reservation itself fails. Forged: every run allocation fails, and
 * the copy engine fails on pages 100 and 101 so that the window would need
 * a second run slot. No page moves (the batch is finalized without a
 * destination), no device page is taken or leaked, the GPU maps the window
 * from system memory; once allocations work again the same fault migrates.
 */
static void svm_core_hmm_reserve_fails_nothing_moves(struct kunit *test)
{
	struct svm_core_range *r;
	unsigned long i, free0;
	struct nomem *nm;
	struct fixture f;

	setup(test, &f, 2 * WIN);
	fill(test, &f, 12);
	free0 = f.tdev->nr_free;
	r = svm_tdev_add_range(f.tdev, f.vpn, f.vpn + f.npages - 1, GRAN);
	KUNIT_ASSERT_NOT_NULL(test, r);
	nm = nomem_stub(test, &f, true);

	skip_pages(&f, 100, 101);
	KUNIT_EXPECT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	skip_pages(&f, 1, 0);
	KUNIT_EXPECT_EQ(test, nm->late, 0U);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 0U);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, free0);
	KUNIT_EXPECT_EQ(test, f.tdev->releases, 0UL);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 12);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.tdev->cpu_faults), 0);

	kunit_deactivate_static_stub(test, svm_core_runs_alloc);
	KUNIT_EXPECT_EQ(test, svm_tdev_gpu_fault(f.tdev, f.addr), 0);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), (int)WIN);
	for (i = 0; i < f.npages; i++)
		check_page(test, &f, i, 12);
	KUNIT_EXPECT_EQ(test, device_pages(test, &f, r), 0);
	KUNIT_EXPECT_EQ(test, f.tdev->nr_free, free0);
}

static struct kunit_case svm_core_hmm_cases[] = {
	KUNIT_CASE(svm_core_hmm_gpu_fault_window),
	KUNIT_CASE(svm_core_hmm_cpu_fault_window),
	KUNIT_CASE_PARAM(svm_core_hmm_round_trips, gran_gen_params),
	KUNIT_CASE(svm_core_hmm_release_at_zero),
	KUNIT_CASE(svm_core_hmm_partial_migration),
	KUNIT_CASE(svm_core_hmm_evict),
	KUNIT_CASE(svm_core_hmm_concurrent_cpu_faults),
	KUNIT_CASE(svm_core_hmm_window_clamped_to_vma),
	KUNIT_CASE(svm_core_hmm_thp_window),
	KUNIT_CASE(svm_core_hmm_no_alloc_past_no_return),
	KUNIT_CASE(svm_core_hmm_no_alloc_past_no_return_cpu),
	KUNIT_CASE(svm_core_hmm_reserve_fails_nothing_moves),
	{}
};

static struct kunit_suite svm_core_hmm_suite = {
	.name = "svm_core_hmm",
	.test_cases = svm_core_hmm_cases,
};

kunit_test_suite(svm_core_hmm_suite);

MODULE_DESCRIPTION("svm_core on device-private memory, end to end");
MODULE_LICENSE("Dual MIT/GPL");
