// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core invariant checker. Every rule the core promises is checked here,
 * so tests (and a driver's debug build) can call it after any mutation.
 */

#include "svm_core_internal.h"

#define svm_core_check(cond, r, fmt, ...)				\
	do {								\
		if (unlikely(!(cond))) {				\
			pr_err("svm_core: range [0x%lx 0x%lx]: " fmt "\n",\
			       (r)->start, (r)->last, ##__VA_ARGS__);	\
			return -EINVAL;					\
		}							\
	} while (0)

/**
 * svm_core_range_validate() - check every invariant of one range
 * @r: the range
 *
 * The interval is not empty; the granularity is in range; the runs are
 * sorted, inside the range, disjoint and never adjacent, and sit in the
 * inline slot exactly when there is room for one; their pages add up to
 * vram_pages; vram_pages is 0 exactly when actual_loc is system memory,
 * actual_loc is never undefined, and the offset is 0 without device pages
 * and does not wrap over the range.
 *
 * Context: caller holds @r's range lock.
 * Return: 0, or -EINVAL after logging the first broken rule.
 */
int svm_core_range_validate(const struct svm_core_range *r)
{
	unsigned long pages = 0;
	unsigned int i;

	svm_core_check(r->start <= r->last, r, "start > last");
	svm_core_check(r->granularity <= SVM_CORE_GRANULARITY_MAX, r,
		       "granularity %u", r->granularity);
	svm_core_check(r->runs && r->nr_runs <= r->max_runs, r,
		       "%u runs, room for %u", r->nr_runs, r->max_runs);
	svm_core_check((r->runs == &r->run0) == (r->max_runs == 1), r,
		       "inline slot with room for %u", r->max_runs);
	for (i = 0; i < r->nr_runs; i++) {
		const struct svm_core_run *run = &r->runs[i];

		svm_core_check(run->start <= run->last && run->start >= r->start &&
			       run->last <= r->last, r,
			       "run %u [0x%lx 0x%lx] outside", i, run->start,
			       run->last);
		svm_core_check(!i || (run->start > r->runs[i - 1].last &&
				       run->start - r->runs[i - 1].last > 1), r,
			       "run %u not after run %u with a gap", i, i - 1);
		pages += run->last - run->start + 1;
	}
	svm_core_check(pages == r->vram_pages, r, "vram_pages %lu, runs hold %lu",
		       r->vram_pages, pages);
	svm_core_check(r->actual_loc != SVM_CORE_LOC_UNDEFINED, r,
		       "actual_loc undefined");
	svm_core_check(!r->vram_pages == (r->actual_loc == SVM_CORE_LOC_SYSTEM),
		       r, "actual_loc %u with %lu device pages", r->actual_loc,
		       r->vram_pages);
	svm_core_check(r->vram_pages || !r->offset, r,
		       "offset 0x%lx without device pages", r->offset);
	svm_core_check(r->offset <= ULONG_MAX - (r->last - r->start), r,
		       "offset 0x%lx wraps", r->offset);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_validate);

/**
 * svm_core_set_validate() - check every invariant of a set and its ranges
 * @set: the set
 *
 * Each range passes svm_core_range_validate(); in tree order, ranges are
 * sorted and do not overlap; the tree holds exactly @set->nr ranges.
 *
 * Context: caller holds the set's lock.
 * Return: 0, or -EINVAL after logging the first broken rule.
 */
int svm_core_set_validate(const struct svm_core_set *set)
{
	const struct svm_core_range *prev = NULL, *r;
	unsigned long nr = 0;
	struct rb_node *n;
	int ret;

	for (n = rb_first(&set->root); n; n = rb_next(n)) {
		r = rb_entry(n, struct svm_core_range, node);
		ret = svm_core_range_validate(r);
		if (ret)
			return ret;
		if (prev)
			svm_core_check(prev->last < r->start, r,
				       "overlaps or precedes [0x%lx 0x%lx]",
				       prev->start, prev->last);
		prev = r;
		nr++;
	}
	if (nr != set->nr) {
		pr_err("svm_core: set holds %lu ranges, counts %lu\n", nr,
		       set->nr);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_set_validate);
