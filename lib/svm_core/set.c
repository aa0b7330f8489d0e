// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core range sets: the non-overlapping ranges of one address space in an
 * rbtree ordered by start page, lookups, and the plans for set-attributes
 * and munmap.
 *
 * The keys, a range's start and last, change under the range's lock only
 * (svm_core_range_split(): amdkfd's MMU notifier shrinks a range on munmap
 * while a fault may look it up under the set's lock). Readers stay
 * correct: a split only shrinks a range inside its own interval, and the
 * set's ranges do not overlap, so the tree's order holds for the old and
 * the new bounds alike, and a lookup finds the range or a stale view of
 * it, which its caller checks again under the range's lock (amdkfd's
 * fault paths retry when the page is no longer inside). The lookups read
 * the keys with READ_ONCE(), the split writes them with WRITE_ONCE().
 */

#include "svm_core_internal.h"

#define to_range(n) rb_entry(n, struct svm_core_range, node)

/**
 * svm_core_set_init() - initialise an empty range set
 * @set: the set
 *
 * Context: any context.
 */
void svm_core_set_init(struct svm_core_set *set)
{
	set->root = RB_ROOT;
	set->nr = 0;
}
EXPORT_SYMBOL_GPL(svm_core_set_init);

/**
 * svm_core_set_insert() - add a range to a set
 * @set: the set
 * @r: the range, not in any set
 *
 * Context: caller holds the set's lock for writing (amdkfd: svms->lock).
 * Return: 0, or -EINVAL if @r overlaps a range of the set or is already
 * linked; the set is then unchanged.
 */
int svm_core_set_insert(struct svm_core_set *set, struct svm_core_range *r)
{
	struct rb_node **link = &set->root.rb_node, *parent = NULL;

	if (!RB_EMPTY_NODE(&r->node) || r->start > r->last)
		return -EINVAL;
	while (*link) {
		struct svm_core_range *cur = to_range(*link);

		parent = *link;
		if (r->last < cur->start)
			link = &parent->rb_left;
		else if (r->start > cur->last)
			link = &parent->rb_right;
		else
			return -EINVAL;
	}
	rb_link_node(&r->node, parent, link);
	rb_insert_color(&r->node, &set->root);
	set->nr++;
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_set_insert);

/**
 * svm_core_set_remove() - take a range out of its set
 * @set: the set holding @r
 * @r: the range
 *
 * Context: caller holds the set's lock for writing.
 */
void svm_core_set_remove(struct svm_core_set *set, struct svm_core_range *r)
{
	rb_erase(&r->node, &set->root);
	RB_CLEAR_NODE(&r->node);
	set->nr--;
}
EXPORT_SYMBOL_GPL(svm_core_set_remove);

/**
 * svm_core_set_floor() - the last range that starts at or before a page
 * @set: the set
 * @page: the page
 *
 * The range holding @page if there is one, else the range just before it:
 * where a driver looks for what an earlier range still owes the gap after
 * it (amdkfd: parts an munmap split off that wait for its deferred work).
 *
 * Context: caller holds the set's lock.
 * Return: the range with the largest start <= @page, or %NULL if every
 * range starts after @page.
 */
struct svm_core_range *svm_core_set_floor(const struct svm_core_set *set,
					  unsigned long page)
{
	struct rb_node *n = set->root.rb_node;
	struct svm_core_range *best = NULL;

	while (n) {
		struct svm_core_range *cur = to_range(n);

		if (READ_ONCE(cur->start) <= page) {
			best = cur;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}
EXPORT_SYMBOL_GPL(svm_core_set_floor);

/**
 * svm_core_set_lookup() - the range holding a page
 * @set: the set
 * @page: the page
 *
 * Context: caller holds the set's lock.
 * Return: the range, or %NULL if no range holds @page.
 */
struct svm_core_range *svm_core_set_lookup(const struct svm_core_set *set,
					   unsigned long page)
{
	struct svm_core_range *r = svm_core_set_floor(set, page);

	return r && READ_ONCE(r->last) >= page ? r : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_set_lookup);

/**
 * svm_core_set_first() - the first range that overlaps an interval
 * @set: the set
 * @start: first page of the interval
 * @last: last page of the interval (inclusive)
 *
 * Context: caller holds the set's lock.
 * Return: the range with the lowest start that overlaps [@start, @last], or
 * %NULL if there is none or the interval is empty.
 */
struct svm_core_range *svm_core_set_first(const struct svm_core_set *set,
					  unsigned long start,
					  unsigned long last)
{
	struct svm_core_range *r;
	struct rb_node *n;

	if (start > last)
		return NULL;
	r = svm_core_set_floor(set, start);
	if (r && READ_ONCE(r->last) >= start)
		return r;
	n = r ? rb_next(&r->node) : rb_first(&set->root);
	r = n ? to_range(n) : NULL;
	return r && READ_ONCE(r->start) <= last ? r : NULL;
}
EXPORT_SYMBOL_GPL(svm_core_set_first);

/**
 * svm_core_set_next() - the next range that still starts at or before a page
 * @r: a range of a set
 * @last: the last page of the interval being walked
 *
 * Context: caller holds the set's lock.
 * Return: the range after @r if it starts at or before @last, else %NULL.
 */
struct svm_core_range *svm_core_set_next(const struct svm_core_range *r,
					 unsigned long last)
{
	struct rb_node *n = rb_next(&r->node);

	return n && READ_ONCE(to_range(n)->start) <= last ? to_range(n) : NULL;
}
EXPORT_SYMBOL_GPL(svm_core_set_next);

/* Count, and write while there is room, the steps of one gap. */
static u64 svm_core_plan_gap(unsigned long start, unsigned long last,
			     unsigned long max_pages, struct svm_core_step *steps,
			     u64 n, unsigned int max_steps)
{
	unsigned long mask = max_pages - 1;

	while (n < max_steps) {
		struct svm_core_step *s = &steps[n++];
		unsigned long l = min(last, start | mask);

		memset(s, 0, sizeof(*s));
		s->kind = SVM_CORE_STEP_NEW;
		s->start = start;
		s->last = l;
		if (l == last)
			return n;
		start = l + 1;
	}
	/* No room left: count the remaining chunks without walking them. */
	return n + min_t(unsigned long, INT_MAX,
			 ((last & ~mask) - (start & ~mask)) / max_pages) + 1;
}

/**
 * svm_core_set_plan() - plan a set-attributes or an munmap over an interval
 * @set: the set
 * @start: first page of the interval
 * @last: last page of the interval (inclusive)
 * @flags: %SVM_CORE_PLAN_FILL_GAPS for a set-attributes (gaps become new
 *	ranges); 0 for an munmap (gaps stay gaps)
 * @max_pages: with %SVM_CORE_PLAN_FILL_GAPS, the largest new range, a power
 *	of two: gaps are cut at multiples of it. 0 otherwise.
 * @unchanged: optional; returns true for a range the attributes would not
 *	change, which is then kept whole rather than split
 * @priv: passed to @unchanged
 * @steps: where to write the steps, in address order
 * @max_steps: room in @steps
 *
 * A pure function: the set is not changed. Each existing range overlapping
 * [@start, @last] gets one step (%SVM_CORE_STEP_UPDATE, with the splits it
 * needs, or %SVM_CORE_STEP_KEEP), and each gap one %SVM_CORE_STEP_NEW per
 * new range. The caller applies the steps, without partial failure if it
 * allocates everything the plan needs first. Two appliers exist: the
 * KUnit suites and tools/testing/svm_core share one
 * (lib/svm_core/tests/svm_core_apply.h) that splits the set's own ranges
 * with svm_core_set_split() after svm_core_range_split_prepare() and
 * inserts the new ones; amdkfd applies a plan to clones of the ranges
 * (svm_core_range_clone(), svm_core_range_split()), off the set, and then
 * swaps them in with svm_core_set_remove() and svm_core_set_insert(), as
 * its SET_ATTR did before.
 *
 * Like snprintf(), the return value counts every step even when @max_steps
 * is too small, so a caller can size @steps with a first call of
 * @max_steps 0.
 *
 * Context: caller holds the set's lock.
 * Return: the number of steps; -EINVAL if @start > @last, @flags has an
 * unknown bit, or @max_pages is not a power of two with
 * %SVM_CORE_PLAN_FILL_GAPS or not 0 without it; -EOVERFLOW if the count
 * exceeds INT_MAX.
 */
int svm_core_set_plan(const struct svm_core_set *set, unsigned long start,
		      unsigned long last, unsigned int flags,
		      unsigned long max_pages,
		      bool (*unchanged)(const struct svm_core_range *r,
					void *priv),
		      void *priv, struct svm_core_step *steps,
		      unsigned int max_steps)
{
	bool fill = flags & SVM_CORE_PLAN_FILL_GAPS;
	struct svm_core_range *r;
	unsigned long cursor = start;
	u64 n = 0;
	bool done = false;

	if (start > last || (flags & ~SVM_CORE_PLAN_FILL_GAPS))
		return -EINVAL;
	if (fill ? !max_pages || (max_pages & (max_pages - 1)) : max_pages)
		return -EINVAL;

	svm_core_set_for_each(r, set, start, last) {
		if (r->start > cursor && fill)
			n = svm_core_plan_gap(cursor, r->start - 1, max_pages,
					      steps, n, max_steps);
		if (n < max_steps) {
			struct svm_core_step *s = &steps[n];

			s->range = r;
			s->start = max(r->start, start);
			s->last = min(r->last, last);
			if (unchanged && unchanged(r, priv)) {
				s->kind = SVM_CORE_STEP_KEEP;
				s->split_head = false;
				s->split_tail = false;
			} else {
				s->kind = SVM_CORE_STEP_UPDATE;
				s->split_head = r->start < start;
				s->split_tail = r->last > last;
			}
		}
		n++;
		if (r->last >= last) {
			done = true;
			break;
		}
		cursor = r->last + 1;
	}
	if (!done && fill)
		n = svm_core_plan_gap(cursor, last, max_pages, steps, n,
				      max_steps);
	if (n > INT_MAX)
		return -EOVERFLOW;
	return n;
}
EXPORT_SYMBOL_GPL(svm_core_set_plan);

/**
 * svm_core_set_split() - split a range of a set, keeping the parts in the set
 * @set: the set holding @r
 * @r: the range; keeps [@start, @last]
 * @start: first page @r keeps
 * @last: last page @r keeps (inclusive)
 * @head: receives the part before @start, if any (see svm_core_range_split())
 * @tail: receives the part after @last, if any
 * @gfp: allocation flags
 *
 * svm_core_range_split(), then the parts that were made go into @set next
 * to @r, which cannot fail: they cover exactly what @r gave up.
 *
 * Context: caller holds the set's lock for writing and @r's range lock.
 * Return: as svm_core_range_split(); on error nothing has changed.
 */
int svm_core_set_split(struct svm_core_set *set, struct svm_core_range *r,
		       unsigned long start, unsigned long last,
		       struct svm_core_range *head, struct svm_core_range *tail,
		       gfp_t gfp)
{
	unsigned long old_start = r->start, old_last = r->last;
	int ret;

	ret = svm_core_range_split(r, start, last, head, tail, gfp);
	if (ret)
		return ret;
	if (old_start < start)
		WARN_ON_ONCE(svm_core_set_insert(set, head));
	if (old_last > last)
		WARN_ON_ONCE(svm_core_set_insert(set, tail));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_set_split);
