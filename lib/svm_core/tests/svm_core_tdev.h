/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A test device for svm_core: real device-private pages (memremap_pages),
 * real migrate_vma_*() migrations with a CPU copy as the copy engine, and
 * CPU faults on its pages routed through the core's CPU-fault window.
 */
#ifndef _SVM_CORE_TDEV_H
#define _SVM_CORE_TDEV_H

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/svm_core.h>

/**
 * struct svm_tdev - the test device
 * @pgmap: its device-private memory
 * @res: the physical address range that memory occupies
 * @lock: protects the free list
 * @free: free device pages, linked through zone_device_data
 * @nr_free: pages on @free
 * @nr_pages: pages the device owns
 * @mutex: the driver's range lock: protects @set and every range's core
 *	state; taken after the mmap lock
 * @set: the SVM ranges
 * @mm: the address space the ranges live in
 * @notifier: interval notifier over the test VMA, for hmm_range_fault()
 * @id: the device's location id
 * @fault_page: the page a CPU fault is migrating (under @mutex)
 * @skip_start: first page (virtual page number) a migration must leave
 *	behind, as if the copy engine failed on it
 * @skip_last: last such page; @skip_start > @skip_last: none
 * @releases: times the core said to release the device allocation
 * @no_return: set from a batch's migrate_vma_pages(), its point of no
 *	return, to its migrate_vma_finalize() (under @mutex): the core must
 *	not allocate then, and tests fail any allocation it asks for
 * @cpu_faults: CPU faults handled
 */
struct svm_tdev {
	struct dev_pagemap pgmap;
	struct resource *res;
	spinlock_t lock;		/* the free list */
	struct page *free;
	unsigned long nr_free;
	unsigned long nr_pages;
	struct mutex mutex;		/* the ranges; after the mmap lock */
	struct svm_core_set set;
	struct mm_struct *mm;
	struct mmu_interval_notifier notifier;
	u32 id;
	struct page *fault_page;
	unsigned long skip_start;
	unsigned long skip_last;
	unsigned long releases;
	bool no_return;
	atomic_t cpu_faults;
};

struct svm_tdev *svm_tdev_create(struct kunit *test, unsigned long addr,
				 unsigned long len);
struct svm_core_range *svm_tdev_add_range(struct svm_tdev *tdev,
					  unsigned long start,
					  unsigned long last,
					  unsigned int granularity);
int svm_tdev_gpu_fault(struct svm_tdev *tdev, unsigned long addr);
int svm_tdev_evict(struct svm_tdev *tdev, struct svm_core_range *r);
int svm_tdev_device_pages(struct svm_tdev *tdev, unsigned long addr,
			  unsigned long npages, bool *is_dev);
int svm_tdev_map_order(struct svm_tdev *tdev, unsigned long addr);

#endif /* _SVM_CORE_TDEV_H */
