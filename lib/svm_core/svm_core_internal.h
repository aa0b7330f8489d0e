/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one header every svm_core source includes: the kernel facilities the
 * core uses, and the internal helpers shared between its files. A user-space
 * build replaces this header's includes with a small shim.
 */
#ifndef _SVM_CORE_INTERNAL_H
#define _SVM_CORE_INTERNAL_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/svm_core.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

unsigned int svm_core_run_index(const struct svm_core_range *r,
				unsigned long page);
void svm_core_runs_release(struct svm_core_range *r);
void svm_core_runs_shrink(struct svm_core_range *r);
void svm_core_runs_trim(struct svm_core_range *r);
void svm_core_runs_adopt(struct svm_core_range *r, struct svm_core_run *runs,
			 unsigned int max_runs);

/*
 * The most runs [@start, @last] can ever hold: one page of system memory
 * between two.
 */
static inline unsigned int svm_core_runs_limit(unsigned long start,
					       unsigned long last)
{
	unsigned long half = (last - start) / 2 + 1;

	return min_t(unsigned long, half, UINT_MAX);
}

/* Slots for @nr_runs runs and @nr_records records to come, at most @limit */
static inline unsigned int svm_core_reserve_want(unsigned int nr_runs,
						 unsigned int nr_records,
						 unsigned int limit)
{
	return min(nr_runs + min(nr_records, limit), limit);
}

static inline bool svm_core_is_device(u32 loc)
{
	return loc != SVM_CORE_LOC_SYSTEM && loc != SVM_CORE_LOC_UNDEFINED;
}

#endif /* _SVM_CORE_INTERNAL_H */
