// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The svm_core test device: a pool of device-private pages backed by system
 * pages (the "device memory" a CPU memcpy copies to), migrations through
 * migrate_vma_setup/pages/finalize, and the core's ops on top.
 */

#include <linux/hmm.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "svm_core_tdev.h"

/* One memory section: the unit memremap_pages() maps on x86_64. */
#define TDEV_POOL_BYTES		(128UL << 20)
#define TDEV_BATCH		64

static struct svm_tdev *page_to_tdev(struct page *page)
{
	return container_of(page->pgmap, struct svm_tdev, pgmap);
}

/* The system page that holds a device page's data. */
static struct page *backing(struct page *dpage)
{
	return dpage->zone_device_data;
}

static struct page *tdev_alloc_page(struct svm_tdev *tdev)
{
	struct page *dpage, *bpage;

	bpage = alloc_page(GFP_HIGHUSER);
	if (!bpage)
		return NULL;
	spin_lock(&tdev->lock);
	dpage = tdev->free;
	if (dpage) {
		tdev->free = dpage->zone_device_data;
		tdev->nr_free--;
	}
	spin_unlock(&tdev->lock);
	if (!dpage) {
		__free_page(bpage);
		return NULL;
	}
	zone_device_page_init(dpage);	/* referenced and locked */
	dpage->zone_device_data = bpage;
	return dpage;
}

static void tdev_page_free(struct page *dpage)
{
	struct svm_tdev *tdev = page_to_tdev(dpage);

	__free_page(backing(dpage));
	spin_lock(&tdev->lock);
	dpage->zone_device_data = tdev->free;
	tdev->free = dpage;
	tdev->nr_free++;
	spin_unlock(&tdev->lock);
}

/* Fill dst[] for one batch; returns nothing: a page without dst stays. */
static void tdev_copy(struct svm_tdev *tdev, struct migrate_vma *args,
		      bool to_device)
{
	unsigned long i, addr;

	for (i = 0, addr = args->start; addr < args->end; i++, addr += PAGE_SIZE) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		unsigned long vpn = addr >> PAGE_SHIFT;
		struct page *dpage;

		args->dst[i] = 0;
		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (vpn >= tdev->skip_start && vpn <= tdev->skip_last)
			continue;	/* the copy engine "fails" here */
		if (to_device) {
			dpage = tdev_alloc_page(tdev);
			if (!dpage)
				continue;
			if (spage)
				copy_highpage(backing(dpage), spage);
			else
				clear_highpage(backing(dpage));
			args->dst[i] = migrate_pfn(page_to_pfn(dpage));
		} else {
			if (!spage || !is_device_private_page(spage) ||
			    spage->pgmap != &tdev->pgmap)
				continue;
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, args->vma,
					       addr);
			if (!dpage)
				continue;
			lock_page(dpage);
			copy_highpage(dpage, backing(spage));
			args->dst[i] = migrate_pfn(page_to_pfn(dpage));
			if (args->src[i] & MIGRATE_PFN_WRITE)
				args->dst[i] |= MIGRATE_PFN_WRITE;
		}
	}
}

/*
 * Make room in @r for the records of one batch, before its point of no
 * return: one record per run of moved pages, so at most one for every page
 * collected and one for every other page of the batch (as amdkfd reserves).
 */
static int tdev_reserve(struct svm_core_range *r, struct migrate_vma *args)
{
	unsigned long npages = (args->end - args->start) >> PAGE_SHIFT;

	return svm_core_range_reserve(r, min(args->cpages, (npages + 1) / 2),
				      GFP_KERNEL);
}

/*
 * Report the runs of pages that really moved to the core, into the room
 * tdev_reserve() made: past migrate_vma_pages() nothing may allocate.
 */
static int tdev_record(struct svm_tdev *tdev, struct svm_core_range *r,
		       struct migrate_vma *args, u32 loc)
{
	unsigned long i, n = (args->end - args->start) >> PAGE_SHIFT;
	unsigned long first = args->start >> PAGE_SHIFT, run = 0;
	int ret;

	for (i = 0; i <= n; i++) {
		bool moved = i < n && args->dst[i] &&
			     (args->src[i] & MIGRATE_PFN_MIGRATE);

		if (moved) {
			run++;
			continue;
		}
		if (!run)
			continue;
		ret = svm_core_range_record_reserved(r, first + i - run,
						     first + i - 1, loc, 0);
		if (ret < 0)
			return ret;
		tdev->releases += ret;
		run = 0;
	}
	return 0;
}

/*
 * The core's migrate op. Walks the VMAs of [start, last] (pages outside
 * any VMA are skipped) in batches. Each batch reserves its records under
 * tdev->mutex, the range lock, before migrate_vma_pages() and records them
 * without allocating after it, so the count stays exact whatever the
 * allocator does; a batch whose reservation fails moves nothing.
 * Context: mmap lock held for reading, tdev->mutex held.
 */
static int tdev_migrate(struct svm_core_range *r, u32 loc, unsigned long start,
			unsigned long last, void *priv)
{
	unsigned long src[TDEV_BATCH], dst[TDEV_BATCH];
	unsigned long addr = start << PAGE_SHIFT;
	unsigned long end = (last + 1) << PAGE_SHIFT;
	struct svm_tdev *tdev = priv;
	int ret = 0;

	mmap_assert_locked(tdev->mm);
	lockdep_assert_held(&tdev->mutex);
	while (addr < end && !ret) {
		struct vm_area_struct *vma = find_vma(tdev->mm, addr);
		struct migrate_vma args = {
			.src = src,
			.dst = dst,
			.pgmap_owner = tdev,
			.flags = loc ? MIGRATE_VMA_SELECT_SYSTEM :
				       MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		};

		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		args.vma = vma;
		args.start = addr;
		args.end = min3(end, vma->vm_end, addr + TDEV_BATCH * PAGE_SIZE);
		if (!loc && tdev->fault_page &&
		    tdev->fault_page->pgmap == &tdev->pgmap)
			args.fault_page = tdev->fault_page;
		ret = migrate_vma_setup(&args);
		if (ret)
			break;
		if (args.cpages) {
			ret = tdev_reserve(r, &args);
			if (ret) {
				/* No dst: finalize puts every page back. */
				memset(dst, 0, sizeof(dst));
				migrate_vma_finalize(&args);
				break;
			}
			tdev_copy(tdev, &args, loc);
			tdev->no_return = true;
			migrate_vma_pages(&args);
			ret = tdev_record(tdev, r, &args, loc);
			migrate_vma_finalize(&args);
			tdev->no_return = false;
			/* May give unused room back: an allocation that can fail */
			svm_core_range_unreserve(r);
		}
		addr = args.end;
	}
	return ret;
}

static const struct svm_core_ops tdev_ops = {
	.migrate = tdev_migrate,
};

/* A CPU touched one of our pages: bring back the core's CPU window. */
static vm_fault_t tdev_migrate_to_ram(struct vm_fault *vmf)
{
	struct svm_tdev *tdev = page_to_tdev(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	struct svm_core_decision d;
	struct svm_core_range *r;
	vm_fault_t ret = 0;

	atomic_inc(&tdev->cpu_faults);
	mutex_lock(&tdev->mutex);
	r = svm_core_set_lookup(&tdev->set, vmf->address >> PAGE_SHIFT);
	if (!r ||
	    svm_core_cpu_fault(r, vmf->address >> PAGE_SHIFT,
			       vma->vm_start >> PAGE_SHIFT,
			       (vma->vm_end >> PAGE_SHIFT) - 1, &d)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	tdev->fault_page = vmf->page;
	if (svm_core_execute(r, &d, &tdev_ops, tdev))
		ret = VM_FAULT_SIGBUS;
	tdev->fault_page = NULL;
out:
	mutex_unlock(&tdev->mutex);
	return ret;
}

static const struct dev_pagemap_ops tdev_pagemap_ops = {
	.page_free = tdev_page_free,
	.migrate_to_ram = tdev_migrate_to_ram,
};

static bool tdev_invalidate(struct mmu_interval_notifier *mni,
			    const struct mmu_notifier_range *range,
			    unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops tdev_notifier_ops = {
	.invalidate = tdev_invalidate,
};

static void tdev_destroy(void *data)
{
	struct svm_tdev *tdev = data;
	struct svm_core_range *r;

	mmu_interval_notifier_remove(&tdev->notifier);
	while ((r = svm_core_set_first(&tdev->set, 0, ULONG_MAX))) {
		svm_core_set_remove(&tdev->set, r);
		svm_core_range_destroy(r);
		kfree(r);
	}
	/* The test's mm is gone by now, and with it every device page. */
	memunmap_pages(&tdev->pgmap);
	release_mem_region(tdev->pgmap.range.start,
			   range_len(&tdev->pgmap.range));
	mmdrop(tdev->mm);
	kfree(tdev);
}

/**
 * svm_tdev_create() - a test device watching [addr, addr + len) of current->mm
 * @test: the test; the device goes away with it
 * @addr: start of the user mapping the tests use
 * @len: its length
 *
 * Return: the device, or NULL after failing @test.
 */
struct svm_tdev *svm_tdev_create(struct kunit *test, unsigned long addr,
				 unsigned long len)
{
	struct svm_tdev *tdev;
	unsigned long pfn;
	void *ptr;
	int ret;

	tdev = kzalloc(sizeof(*tdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tdev);
	spin_lock_init(&tdev->lock);
	mutex_init(&tdev->mutex);
	svm_core_set_init(&tdev->set);
	tdev->id = 1;
	tdev->skip_start = 1;
	tdev->mm = current->mm;
	KUNIT_ASSERT_NOT_NULL(test, tdev->mm);

	tdev->res = request_free_mem_region(&iomem_resource, TDEV_POOL_BYTES,
					    "svm_core_tdev");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(tdev->res));
	tdev->pgmap.type = MEMORY_DEVICE_PRIVATE;
	tdev->pgmap.range.start = tdev->res->start;
	tdev->pgmap.range.end = tdev->res->end;
	tdev->pgmap.nr_range = 1;
	tdev->pgmap.ops = &tdev_pagemap_ops;
	tdev->pgmap.owner = tdev;
	ptr = memremap_pages(&tdev->pgmap, numa_node_id());
	if (IS_ERR_OR_NULL(ptr)) {
		release_mem_region(tdev->res->start, resource_size(tdev->res));
		kfree(tdev);
		KUNIT_FAIL(test, "memremap_pages: %ld", PTR_ERR(ptr));
		return NULL;
	}
	for (pfn = PHYS_PFN(tdev->pgmap.range.start);
	     pfn <= PHYS_PFN(tdev->pgmap.range.end); pfn++) {
		struct page *page = pfn_to_page(pfn);

		page->zone_device_data = tdev->free;
		tdev->free = page;
		tdev->nr_free++;
	}
	tdev->nr_pages = tdev->nr_free;

	mmgrab(tdev->mm);
	ret = mmu_interval_notifier_insert(&tdev->notifier, tdev->mm, addr, len,
					   &tdev_notifier_ops);
	if (ret) {
		memunmap_pages(&tdev->pgmap);
		release_mem_region(tdev->res->start, resource_size(tdev->res));
		mmdrop(tdev->mm);
		kfree(tdev);
		KUNIT_FAIL(test, "mmu_interval_notifier_insert: %d", ret);
		return NULL;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tdev_destroy, tdev),
			0);
	return tdev;
}

/**
 * svm_tdev_add_range() - register an SVM range with the device
 * @tdev: the device
 * @start: first page
 * @last: last page
 * @granularity: migration granularity
 *
 * Return: the range, or NULL.
 */
struct svm_core_range *svm_tdev_add_range(struct svm_tdev *tdev,
					  unsigned long start,
					  unsigned long last,
					  unsigned int granularity)
{
	struct svm_core_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r || svm_core_range_init(r, start, last, granularity)) {
		kfree(r);
		return NULL;
	}
	mutex_lock(&tdev->mutex);
	if (svm_core_set_insert(&tdev->set, r)) {
		kfree(r);
		r = NULL;
	}
	mutex_unlock(&tdev->mutex);
	return r;
}

/**
 * svm_tdev_gpu_fault() - what a GPU page fault at @addr does
 * @tdev: the device
 * @addr: the faulting address
 *
 * Return: svm_core_gpu_fault_migrate()'s result, -EFAULT without a range.
 */
int svm_tdev_gpu_fault(struct svm_tdev *tdev, unsigned long addr)
{
	struct svm_core_decision d;
	struct svm_core_range *r;
	int ret = -EFAULT;

	mmap_read_lock(tdev->mm);
	mutex_lock(&tdev->mutex);
	r = svm_core_set_lookup(&tdev->set, addr >> PAGE_SHIFT);
	if (r)
		ret = svm_core_gpu_fault_migrate(r, addr >> PAGE_SHIFT, tdev->id,
						 &tdev_ops, tdev, &d);
	mutex_unlock(&tdev->mutex);
	mmap_read_unlock(tdev->mm);
	return ret;
}

/**
 * svm_tdev_evict() - move every device page of @r back to system memory
 * @tdev: the device
 * @r: the range
 *
 * Return: svm_core_evict()'s result.
 */
int svm_tdev_evict(struct svm_tdev *tdev, struct svm_core_range *r)
{
	int ret;

	mmap_read_lock(tdev->mm);
	mutex_lock(&tdev->mutex);
	ret = svm_core_evict(r, SVM_CORE_EVICT_RETRIES, &tdev_ops, tdev);
	mutex_unlock(&tdev->mutex);
	mmap_read_unlock(tdev->mm);
	return ret;
}

/* hmm_range_fault() without faulting, retried until no invalidation raced. */
static int tdev_snapshot(struct svm_tdev *tdev, struct hmm_range *range)
{
	int ret;

	do {
		range->notifier_seq = mmu_interval_read_begin(&tdev->notifier);
		mmap_read_lock(tdev->mm);
		ret = hmm_range_fault(range);
		mmap_read_unlock(tdev->mm);
	} while (ret == -EBUSY ||
		 (!ret && mmu_interval_read_retry(&tdev->notifier,
						  range->notifier_seq)));
	return ret;
}

/**
 * svm_tdev_device_pages() - which pages are in the device's memory
 * @tdev: the device
 * @addr: first address (inside the notifier's interval)
 * @npages: pages to look at
 * @is_dev: one flag per page, set for a device-private page of @tdev
 *
 * Asks hmm_range_fault() without faulting anything in.
 *
 * Return: the number of device pages, or a negative errno.
 */
int svm_tdev_device_pages(struct svm_tdev *tdev, unsigned long addr,
			  unsigned long npages, bool *is_dev)
{
	unsigned long *pfns, i;
	struct hmm_range range = {
		.notifier = &tdev->notifier,
		.start = addr,
		.end = addr + npages * PAGE_SIZE,
		.dev_private_owner = tdev,
	};
	int ret, n = 0;

	pfns = kvcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	range.hmm_pfns = pfns;
	ret = tdev_snapshot(tdev, &range);
	for (i = 0; !ret && i < npages; i++) {
		struct page *page = (pfns[i] & HMM_PFN_VALID) ?
				    hmm_pfn_to_page(pfns[i]) : NULL;

		is_dev[i] = page && is_device_private_page(page) &&
			    page->pgmap == &tdev->pgmap;
		n += is_dev[i];
	}
	kvfree(pfns);
	return ret ? ret : n;
}

/**
 * svm_tdev_map_order() - the order of the mapping at @addr
 * @tdev: the device
 * @addr: an address inside the notifier's interval
 *
 * Return: 0 for a 4 KiB page, 9 for a PMD-mapped huge page, or a negative
 * errno.
 */
int svm_tdev_map_order(struct svm_tdev *tdev, unsigned long addr)
{
	unsigned long pfn = 0;
	struct hmm_range range = {
		.notifier = &tdev->notifier,
		.start = addr,
		.end = addr + PAGE_SIZE,
		.hmm_pfns = &pfn,
		.dev_private_owner = tdev,
	};
	int ret;

	ret = tdev_snapshot(tdev, &range);
	if (ret)
		return ret;
	return (pfn & HMM_PFN_VALID) ? hmm_pfn_to_map_order(pfn) : -ENOENT;
}
