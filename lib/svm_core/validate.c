// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core invariant checker. Every rule the core promises is checked here,
 * so tests (and a driver's debug build) can call it after any mutation.
 */

#include "svm_core_internal.h"

/* The first rule @r breaks, or %NULL. */
static const char *svm_core_range_broken(const struct svm_core_range *r)
{
	unsigned long pages = 0;
	unsigned int i;

	if (r->start > r->last)
		return "start > last";
	if (r->granularity > SVM_CORE_GRANULARITY_MAX)
		return "granularity out of range";
	if (!r->runs || r->nr_runs > r->max_runs)
		return "more runs than room";
	if (r->max_runs == 1 ? r->runs != &r->run0 : r->runs == &r->run0)
		return "inline slot and capacity disagree";
	for (i = 0; i < r->nr_runs; i++) {
		const struct svm_core_run *run = &r->runs[i];

		if (run->start > run->last || run->start < r->start ||
		    run->last > r->last)
			return "run empty or outside the range";
		if (i && (run->start <= r->runs[i - 1].last ||
			  run->start - r->runs[i - 1].last < 2))
			return "runs out of order, overlapping or adjacent";
		pages += run->last - run->start + 1;
	}
	if (pages != r->vram_pages)
		return "vram_pages differs from the pages in runs";
	if (r->actual_loc == SVM_CORE_LOC_UNDEFINED)
		return "actual_loc undefined";
	if (r->vram_pages ? r->actual_loc == SVM_CORE_LOC_SYSTEM :
			    r->actual_loc != SVM_CORE_LOC_SYSTEM)
		return "actual_loc is system memory iff vram_pages is 0: broken";
	if (!r->vram_pages && r->offset)
		return "offset without device pages";
	if (r->offset > ULONG_MAX - (r->last - r->start))
		return "offset wraps over the range";
	return NULL;
}

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
	const char *why = svm_core_range_broken(r);

	if (!why)
		return 0;
	pr_err("svm_core: range [0x%lx 0x%lx]: %s\n", r->start, r->last, why);
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_range_validate);

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
		if (prev && prev->last >= r->start) {
			pr_err("svm_core: range [0x%lx 0x%lx] overlaps or precedes [0x%lx 0x%lx]\n",
			       r->start, r->last, prev->start, prev->last);
			return -EINVAL;
		}
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
EXPORT_SYMBOL_IF_KUNIT(svm_core_set_validate);
